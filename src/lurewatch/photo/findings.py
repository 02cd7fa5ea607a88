"""Findings of the photo checks (ids LW-PHOTO-0xx), with the public sources behind them."""

from __future__ import annotations

from lurewatch.model import Finding

FIELD = "profile.photo"
CATEGORY = "persona"

_GAN = ("Fake personas wear faces that never existed: the 'Katie Jones' LinkedIn persona that connected to "
        "Washington policy figures used a GAN-generated face (AP, 2019), and the Stanford Internet "
        "Observatory found over a thousand LinkedIn profiles with GAN faces (2022).")
_NPSA = ("NPSA 'Think Before You Link' lists the profile photo among the signs of a fake profile "
         "('a very attractive photo', stock or model images).")
_REUSE = ("The same photo behind several personas links them to one operator; campaigns recycle faces "
          "(Stanford Internet Observatory, 2022).")

RATIONALE = {
    "LW-PHOTO-000": "The photo was refused or could not be decoded, so the photo checks did not run.",
    "LW-PHOTO-001": "No face in a profile photo (logo, landscape, object) is common in fake profiles. " + _NPSA,
    "LW-PHOTO-002": "A group photo as a profile picture hides who the account belongs to. " + _NPSA,
    "LW-PHOTO-003": _GAN + " " + _NPSA,
    "LW-PHOTO-004": _REUSE,
    "LW-PHOTO-005": ("The photo's own metadata (IPTC digital source type in XMP or a C2PA manifest) says a "
                     "generative model made it; fake personas wear generated faces (AP 2019; Stanford Internet "
                     "Observatory 2022). The generators that label their output follow IPTC and C2PA."),
    "LW-PHOTO-006": ("The photo carries a C2PA manifest (content credentials) that fails validation: the file was "
                     "changed after signing, or the manifest is corrupt. Editing a labelled image to hide where it "
                     "came from breaks its manifest; so can careless tools, hence the modest weight."),
    "LW-PHOTO-007": ("The photo's C2PA manifest validates, chains to a trusted signer and declares a camera "
                     "capture: the pixels were not generated. A weak sign only: a real photo can be stolen from "
                     "its owner, and the trust list is the one configured."),
}

WEIGHTS = {"LW-PHOTO-000": 0.0, "LW-PHOTO-001": 10.0, "LW-PHOTO-002": 5.0, "LW-PHOTO-003": 35.0,
           "LW-PHOTO-004": 30.0, "LW-PHOTO-005": 40.0, "LW-PHOTO-006": 10.0, "LW-PHOTO-007": -5.0}
# A trusted camera manifest is a sign of legitimacy (a negative weight that lowers the score a little).
CATEGORIES = {"LW-PHOTO-007": "legitimacy"}

TITLES = {
    "LW-PHOTO-000": "Profile photo could not be checked",
    "LW-PHOTO-001": "No face in the profile photo",
    "LW-PHOTO-002": "Several faces in the profile photo",
    "LW-PHOTO-003": "Profile photo looks AI-generated",
    "LW-PHOTO-004": "Profile photo reused by another persona",
    "LW-PHOTO-005": "Profile photo declares itself AI-generated",
    "LW-PHOTO-006": "Profile photo's content credentials fail validation",
    "LW-PHOTO-007": "Profile photo carries trusted camera content credentials",
}


def finding(indicator: str, evidence: str) -> Finding:
    return Finding(indicator=indicator, title=TITLES[indicator], category=CATEGORIES.get(indicator, CATEGORY),
                   weight=WEIGHTS[indicator], evidence=evidence, rationale=RATIONALE[indicator], field=FIELD)
