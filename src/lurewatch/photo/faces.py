"""Face and eye finding with the Haar cascades that ship inside the opencv-python-headless wheel."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

import cv2
import numpy as np

DETECT_SIDE = 320  # faces are searched on a copy whose longest side is this (speed; profile photos)
TILTS = (-20.0, 20.0)  # tilted heads: retried on rotated copies when no upright face is found


@dataclass(slots=True)
class FaceScan:
    faces: list[tuple[float, float, float, float]]  # upright (x, y, w, h) relative to the image, largest first
    eyes: list[tuple[float, float]] = field(default_factory=list)  # candidate eye centres in the largest face
    method: str = "frontal"  # frontal | tilted | profile | none

    @property
    def count(self) -> int:
        return len(self.faces) if self.faces else (1 if self.method in ("tilted", "profile") else 0)


@lru_cache(maxsize=8)
def _cascade(name: str) -> cv2.CascadeClassifier:
    c = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if c.empty():
        raise RuntimeError(f"OpenCV cascade {name} is missing from the opencv wheel")
    return c


def to_gray(rgb: np.ndarray, side: int = DETECT_SIDE) -> np.ndarray:
    """Grayscale copy scaled so that its longest side is `side` (up or down)."""
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if abs(s - 1) > 1e-3:
        interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
        gray = cv2.resize(gray, (max(1, round(w * s)), max(1, round(h * s))), interpolation=interp)
    return gray


def _detect(name: str, gray: np.ndarray, neighbours: int = 6) -> list[tuple[int, int, int, int]]:
    m = max(24, int(0.12 * min(gray.shape)))
    found = _cascade(name).detectMultiScale(gray, scaleFactor=1.1, minNeighbors=neighbours, minSize=(m, m))
    return sorted((tuple(int(v) for v in b) for b in found), key=lambda b: -b[2] * b[3])


def _rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(gray, m, (w, h), borderMode=cv2.BORDER_REPLICATE)


def find_faces(rgb: np.ndarray) -> FaceScan:
    """Upright frontal faces; if none, one tilted or profile face is still counted (no box kept)."""
    gray = cv2.equalizeHist(to_gray(rgb))
    gh, gw = gray.shape
    boxes = _detect("haarcascade_frontalface_default.xml", gray)
    if boxes:
        faces = [(x / gw, y / gh, w / gw, h / gh) for x, y, w, h in boxes]
        eyes = [(x / gw, y / gh) for x, y in _eye_candidates(gray, boxes[0])]
        return FaceScan(faces=faces, eyes=eyes, method="frontal")
    for t in TILTS:
        if _detect("haarcascade_frontalface_default.xml", _rotate(gray, t)):
            return FaceScan(faces=[], method="tilted")
    if _detect("haarcascade_profileface.xml", gray, 5) or _detect("haarcascade_profileface.xml",
                                                                   cv2.flip(gray, 1), 5):
        return FaceScan(faces=[], method="profile")
    return FaceScan(faces=[], method="none")


def _eye_candidates(gray: np.ndarray, box: tuple[int, ...]) -> list[tuple[float, float]]:
    """Centres (pixels) of eye detections in the upper part of a face box."""
    x, y, w, h = box
    y0 = y + int(0.15 * h)
    top = gray[y0: y + int(0.6 * h), x: x + w]
    if top.size == 0:
        return []
    m = max(8, int(0.12 * w))
    found = _cascade("haarcascade_eye.xml").detectMultiScale(
        top, scaleFactor=1.1, minNeighbors=4, minSize=(m, m), maxSize=(w // 2, w // 2)
    )
    return [(x + ex + ew / 2, y0 + ey + eh / 2) for ex, ey, ew, eh in found]
