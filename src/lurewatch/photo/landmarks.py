"""Precise face landmarks (MediaPipe Face Mesh, 468 points) run with OpenCV's own TFLite importer.

The model file (Apache-2.0, MediaPipe) ships in lurewatch's own package data
(`lurewatch/models/face_landmark.tflite`, notice in `FACE_LANDMARK_NOTICE.txt`), so the plain install runs
the best detector; its SHA-256 is checked before use. `LUREWATCH_FACE_LANDMARK_MODEL` may name another
copy. Nothing is downloaded. Without a usable file, `available()` is False and the photo checks use the
Haar eye cascade alone, and `lurewatch photo` says so.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

SIDE = 192  # the model's input size
SCALE = 1.5  # crop side / face size, as MediaPipe does
# Face Mesh indices: eye corners (subject's right eye = image left), nose tip, inner lips, chin.
LEFT_EYE, RIGHT_EYE, NOSE, MOUTH, CHIN = (33, 133), (362, 263), 1, (13, 14), 152


@dataclass(slots=True)
class Landmarks:
    points: np.ndarray  # (468, 2) relative to the image (x / width, y / height)
    face_prob: float

    def eyes(self) -> list[float]:
        """[lx, ly, rx, ry]: the centres of the two eyes (image left first)."""
        left = self.points[list(LEFT_EYE)].mean(axis=0)
        right = self.points[list(RIGHT_EYE)].mean(axis=0)
        return [float(left[0]), float(left[1]), float(right[0]), float(right[1])]


MODEL_SHA256 = "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493"
MODEL_ENV = "LUREWATCH_FACE_LANDMARK_MODEL"


def model_path() -> Path | None:
    """The landmark model to run: LUREWATCH_FACE_LANDMARK_MODEL if set, else the packaged file."""
    override = os.environ.get(MODEL_ENV)
    p = Path(override) if override else Path(__file__).resolve().parent.parent / "models" / "face_landmark.tflite"
    return p if p.is_file() else None


def model_name() -> str:
    """What `lurewatch photo` reports: the model that runs, or the fallback."""
    return "MediaPipe Face Mesh landmarks (face_landmark.tflite)" if available() else \
        "Haar eye cascade (no landmark model: less precise eye positions)"


def _checked(p: Path) -> bool:
    import hashlib

    if os.environ.get(MODEL_ENV):  # a copy the admin chose: their responsibility
        return True
    return hashlib.sha256(p.read_bytes()).hexdigest() == MODEL_SHA256


@lru_cache(maxsize=1)
def _net() -> cv2.dnn.Net | None:
    p = model_path()
    if p is None or not _checked(p):
        return None
    try:
        return cv2.dnn.readNetFromTFLite(str(p))
    except cv2.error:
        return None


def available() -> bool:
    return _net() is not None


def _run(rgb: np.ndarray, cx: float, cy: float, side: float) -> tuple[np.ndarray, float]:
    """Landmarks (pixels) of the square crop centred on (cx, cy) with `side` pixels; border replicated."""
    s = SIDE / side
    m = np.array([[s, 0, SIDE / 2 - s * cx], [0, s, SIDE / 2 - s * cy]], dtype=np.float64)
    crop = cv2.warpAffine(rgb, m, (SIDE, SIDE), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    net = _net()
    net.setInput(cv2.dnn.blobFromImage(crop, 1 / 255.0))
    pts, flag = _forward(net)
    xy = pts.reshape(-1, 3)[:, :2]
    return (xy - m[:, 2]) / s, float(1 / (1 + np.exp(-float(flag.ravel()[0]))))


def _forward(net: cv2.dnn.Net) -> tuple[np.ndarray, np.ndarray]:
    outs = net.forward(net.getUnconnectedOutLayersNames())
    pts = next(o for o in outs if o.size == 1404)
    flag = next(o for o in outs if o.size == 1)
    return pts, flag


def locate(rgb: np.ndarray, box: tuple[float, float, float, float] | None) -> Landmarks | None:
    """Landmarks of the face in `box` (relative x, y, w, h; None = a centred portrait), refined once."""
    if _net() is None:
        return None
    h, w = rgb.shape[:2]
    if box is None:
        box = (0.25, 0.25, 0.5, 0.5)
    bx, by, bw, bh = box
    cx, cy, side = (bx + bw / 2) * w, (by + bh / 2) * h, SCALE * max(bw * w, bh * h)
    pts, prob = _run(rgb, cx, cy, side)
    # Second pass on the crop the landmarks themselves define (MediaPipe's tracking step, without rotation).
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    (cx, cy), side = (lo + hi) / 2, SCALE * float(max(hi - lo))
    if side > 4:
        pts, prob = _run(rgb, float(cx), float(cy), side)
    return Landmarks(points=pts / np.array([w, h], dtype=np.float64), face_prob=prob)
