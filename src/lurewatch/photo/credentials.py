"""What a photo says about its own origin: the IPTC digital source type, in XMP or in a C2PA manifest.

Generators and editors that follow the IPTC / C2PA conventions (Adobe Firefly, OpenAI's image tools,
Google's, Microsoft's, Midjourney's exports, many cameras and phones) write the NewsCodes URI of the
"digital source type": `trainedAlgorithmicMedia` (made by a generative model), `compositeWithTrained
AlgorithmicMedia`, `algorithmicMedia`, `compositeSynthetic`, or `digitalCapture` (a camera).

Two readers, one result (`Credentials`): the C2PA manifest store is read and verified by c2pa-python
(lurewatch.photo.c2pa_manifest: signature, hashes, trust, offline), and XMP is searched for the NewsCodes
URI by a bounded byte search (no XML parser on attacker-controlled metadata, no entity expansion). The
byte search also finds the term in a C2PA manifest that c2pa-python cannot read or is not installed to
read, and then says so. A declared generated image is strong evidence whatever its signature (nobody
forges a label against themselves); a camera claim counts, weakly, only from a valid manifest whose
signer is trusted; the absence of a declaration means nothing (metadata is easily stripped).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from lurewatch.model import Finding
from lurewatch.photo import c2pa_manifest
from lurewatch.photo.c2pa_manifest import ManifestReport
from lurewatch.photo.findings import finding

log = logging.getLogger(__name__)

MAX_SCAN_BYTES = 16 * 1024 * 1024  # metadata sits near the start or the end; the file is bounded already
_CODE = re.compile(rb"cv\.iptc\.org/newscodes/digitalsourcetype/([A-Za-z]{3,60})")
GENERATED = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "algorithmicMedia",
             "compositeSynthetic", "algorithmicallyEnhanced"}
OUTSIDE = "metadata outside the verified C2PA manifest"
CAPTURED = {"digitalCapture", "computationalCapture", "negativeFilm", "positiveFilm", "print"}


@dataclass(slots=True, frozen=True)
class SourceClaim:
    code: str  # the NewsCodes term, e.g. trainedAlgorithmicMedia
    container: str  # "C2PA manifest" or "XMP"

    @property
    def generated(self) -> bool:
        return self.code in GENERATED

    @property
    def captured(self) -> bool:
        return self.code in CAPTURED


def source_claim(data: bytes) -> SourceClaim | None:
    """The first digital-source-type claim in the file (a generated one wins over a capture one)."""
    head = data[:MAX_SCAN_BYTES]
    has_c2pa = b"jumb" in head and b"c2pa" in head
    codes = [m.group(1).decode("ascii") for m in _CODE.finditer(head)]
    if not codes:
        return None
    code = next((c for c in codes if c in GENERATED), codes[0])
    return SourceClaim(code, "C2PA manifest" if has_c2pa else "XMP")


def _meaning(code: str) -> str:
    if code in GENERATED:
        return "IPTC: made or composited by a generative model"
    if code in CAPTURED:
        return "IPTC: captured by a camera or scanner"
    return "IPTC digital source type"


@dataclass(slots=True)
class Credentials:
    """The one account of a photo's declared origin, from its C2PA manifest and its XMP."""

    claim: SourceClaim | None = None  # the digital source type the photo declares (a generated one wins)
    manifest: ManifestReport | None = None  # the C2PA manifest as c2pa-python read and verified it
    c2pa_checked: bool = False  # the photo may hold a manifest and c2pa-python was there to read it
    notes: list[str] = field(default_factory=list)  # what the analyst should know that is no finding

    @property
    def summary(self) -> str | None:
        """Short form for results: 'trainedAlgorithmicMedia (C2PA manifest, Valid)'."""
        if self.claim is None:
            return f"no source type (C2PA manifest, {self.manifest.state})" if self.manifest else None
        if self.claim.container == "C2PA manifest" and self.manifest is not None:
            return f"{self.claim.code} (C2PA manifest, {self.manifest.state})"
        return f"{self.claim.code} ({self.claim.container})"

    def to_json(self) -> dict[str, Any]:
        return {"claim": self.claim.code if self.claim else None,
                "container": self.claim.container if self.claim else None,
                "c2pa": self.manifest.to_json() if self.manifest else None,
                "c2pa_checked": self.c2pa_checked, "notes": list(self.notes)}

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        m, c = self.manifest, self.claim
        if c is not None and c.generated:
            out.append(finding("LW-PHOTO-005", self._generated_evidence(c, m)))
        if m is not None and m.broken:
            gen = f"; claim generator '{m.claim_generator}'" if m.claim_generator else ""
            out.append(finding("LW-PHOTO-006", f"the photo's C2PA manifest: {m.status_text()}{gen}"))
        if (m is not None and m.trusted and c is not None and c.captured and c.container == "C2PA manifest"
                and not any(code in GENERATED for code, _ in m.source_types)):
            out.append(finding("LW-PHOTO-007", f"the photo's C2PA manifest declares '{c.code}' ({_meaning(c.code)}); "
                                               f"{m.status_text()}"))
        return out

    def _generated_evidence(self, c: SourceClaim, m: ManifestReport | None) -> str:
        text = f"the photo's {c.container} declares its digital source type as '{c.code}' ({_meaning(c.code)})"
        if c.container in ("XMP", OUTSIDE):
            return text + "; no signature covers it, so the claim is unverified (it still counts)"
        if m is None:
            why = "c2pa-python is not installed (lurewatch[credentials])" if not self.c2pa_checked else \
                "c2pa-python found no manifest it could read"
            return text + f"; found by byte search, not verified: {why}"
        where = next((w for code, w in m.source_types if code == c.code), None)
        if where == "ingredient":
            text += " in an ingredient (a source image) of the active manifest"
        elif where == "active":
            text += " in its c2pa.actions"
        else:
            return text + f"; found by byte search, not verified: {m.status_text()}"
        gen = f"; claim generator '{m.claim_generator}'" if m.claim_generator else ""
        return text + gen + f"; {m.status_text()}" + ("" if m.signature_valid else
                                                      "; a claim of generation counts even so")


def read_credentials(data: bytes, image_format: str | None = None) -> Credentials:
    """Read what the image bytes declare of their origin: the C2PA manifest (verified) and the XMP."""
    found = source_claim(data)
    creds = Credentials()
    if c2pa_manifest.has_c2pa_marker(data):  # c2pa-python is loaded only for photos that may need it
        creds.c2pa_checked = c2pa_manifest.available()
        creds.manifest = _manifest(data, image_format, creds.notes)
    m = creds.manifest
    codes = [code for code, _ in m.source_types] if m else []
    gen = next((code for code in codes if code in GENERATED), None)
    if gen or codes:
        creds.claim = SourceClaim(gen or codes[0], "C2PA manifest")
    if found is not None and (creds.claim is None or (found.generated and not creds.claim.generated)):
        # XMP, or a term the verified manifest does not declare in its actions, fills the gap
        read = m is not None and m.state in ("Valid", "Trusted", "Invalid")
        creds.claim = SourceClaim(found.code, OUTSIDE) if read else found
    if not creds.c2pa_checked and found is not None and found.container == "C2PA manifest":
        creds.notes.append("C2PA manifest present but not verified: c2pa-python is not installed "
                           "(pip install 'lurewatch[credentials]')")
    if m is not None and m.state == "Valid" and creds.claim is not None and creds.claim.captured:
        creds.notes.append("camera claim not counted as a legitimacy sign: the signer is on no configured "
                           f"trust list ({c2pa_manifest.TRUST_ENV})")
    return creds


def _manifest(data: bytes, image_format: str | None, notes: list[str]) -> ManifestReport | None:
    try:
        anchors = c2pa_manifest.trust_anchors()
    except (OSError, ValueError) as e:
        log.warning("C2PA trust anchors not loaded, no signer is trusted: %s", e)
        notes.append(f"trust anchors not loaded: {e}")
        anchors = None
    return c2pa_manifest.read_manifest(data, image_format, anchors=anchors)
