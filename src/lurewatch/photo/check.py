"""All checks on one photo: decode safely, count faces, score for an AI-generated face, hash (PDQ)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from lurewatch.model import Finding
from lurewatch.photo import pdq
from lurewatch.photo.aiface import AiFaceModel, bundled_model
from lurewatch.photo.credentials import Credentials
from lurewatch.photo.decode import Photo, PhotoError, load_photo
from lurewatch.photo.faces import find_faces
from lurewatch.photo.findings import finding

PDQ_SIDE = 512  # PDQ reduces to 64x64 internally; hashing a 512 px copy gives the same hash faster


@dataclass(slots=True)
class PhotoResult:
    path: str
    faces: int = 0
    face_method: str = "none"
    ai_face_score: float = 0.0
    ai_face: bool = False
    ai_tells: list[str] = field(default_factory=list)
    pdq: pdq.PdqHash | None = None
    sha256: str | None = None
    error: str | None = None
    findings: list[Finding] = field(default_factory=list)
    source_claim: str | None = None  # the IPTC digital source type its metadata declares, if any
    credentials: Credentials | None = None  # C2PA manifest (verified) and XMP claims

    @property
    def usable_pdq(self) -> pdq.PdqHash | None:
        """The PDQ hash if its quality is high enough to match on."""
        return self.pdq if self.pdq and self.pdq.quality >= pdq.MIN_QUALITY else None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "faces": int(self.faces),
            "ai_face_score": round(float(self.ai_face_score), 4),
            "ai_face": bool(self.ai_face),
            "pdq": self.pdq.hex if self.pdq else None,
            "pdq_quality": self.pdq.quality if self.pdq else None,
            "sha256": self.sha256,
            "error": self.error,
            "source_claim": self.source_claim,
            "credentials": self.credentials.to_json() if self.credentials else None,
            "findings": [f.to_contract() for f in self.findings],
        }


def _pdq_of(rgb: np.ndarray) -> pdq.PdqHash:
    h, w = rgb.shape[:2]
    if max(h, w) > PDQ_SIDE:
        s = PDQ_SIDE / max(h, w)
        rgb = cv2.resize(rgb, (max(1, round(w * s)), max(1, round(h * s))), interpolation=cv2.INTER_AREA)
    return pdq.compute(rgb)


def check_decoded(photo: Photo, path: str, model: AiFaceModel | None) -> PhotoResult:
    scan = find_faces(photo.rgb)
    res = PhotoResult(path=path, faces=scan.count, face_method=scan.method, sha256=photo.sha256,
                      pdq=_pdq_of(photo.rgb))
    if model is not None:
        v = model.verdict(photo.rgb, scan)
        res.ai_face_score, res.ai_face, res.ai_tells = v.score, v.is_ai, v.tells
    if res.faces == 0:
        res.findings.append(finding("LW-PHOTO-001", "no face found in the photo (OpenCV Haar cascades: "
                                                    "frontal, tilted and profile)"))
    elif res.faces > 1:
        res.findings.append(finding("LW-PHOTO-002", f"{res.faces} faces found in the photo"))
    res.credentials = photo.credentials
    if photo.credentials is not None:
        res.source_claim = photo.credentials.summary
        res.findings.extend(photo.credentials.findings())
    if res.ai_face:
        res.findings.append(finding("LW-PHOTO-003", f"AI-face score {res.ai_face_score:.2f} "
                                                    f"(threshold {model.threshold:.2f}); "
                                                    + "; ".join(res.ai_tells)))
    return res


def check_photo(path: str | Path, model: AiFaceModel | None = None) -> PhotoResult:
    """Run every photo check on a local file. Never raises for a bad file: the result carries `error`
    and a weight-0 finding LW-PHOTO-000 so the analyst sees that the photo was not checked, and why."""
    model = model if model is not None else bundled_model()
    try:
        photo = load_photo(path)
    except PhotoError as e:
        res = PhotoResult(path=str(path), error=str(e))
        res.findings.append(finding("LW-PHOTO-000", f"photo not checked: {e}"))
        return res
    return check_decoded(photo, str(path), model)
