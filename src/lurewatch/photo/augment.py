"""Re-encodings shared by training, evaluation, tests and the benchmark (not used when scanning).

The two face sets differ in format (real: 160 px JPEG q75; generated: 256 px PNG). `normalise` gives
both the same history (160 px, JPEG q75 4:2:0) so that a classifier cannot tell them apart by file
format or size; `profile_reencode` then re-encodes the way profile photos are (resize, JPEG).
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

COMMON_SIDE = 160
COMMON_QUALITY = 75
EVAL_SETTINGS = [(128, 60), (200, 75), (256, 85), (320, 70), (400, 95)]  # (side px, JPEG quality)


def jpeg(im: Image.Image, quality: int) -> Image.Image:
    buf = io.BytesIO()
    im.convert("RGB").save(buf, "JPEG", quality=int(quality))
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out


def resize_square(im: Image.Image, side: int) -> Image.Image:
    return im.convert("RGB").resize((int(side), int(side)), Image.Resampling.LANCZOS)


def normalise(im: Image.Image) -> Image.Image:
    """Common size and JPEG history for both sets (the real set is already exactly this)."""
    if im.size == (COMMON_SIDE, COMMON_SIDE) and im.format == "JPEG":
        return im.convert("RGB")
    return jpeg(resize_square(im, COMMON_SIDE), COMMON_QUALITY)


def profile_reencode(im: Image.Image, side: int, quality: int) -> Image.Image:
    return jpeg(resize_square(normalise(im), side), quality)


def random_reencode(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Training augmentation: random side 128-400 px, JPEG quality 70-95."""
    return profile_reencode(im, int(rng.integers(128, 401)), int(rng.integers(70, 96)))


def reframe(im: Image.Image, crop: tuple[float, float, float, float], mirror: bool) -> Image.Image:
    """How people reframe a downloaded face: crop (fractions of each side: left, top, right, bottom) and
    an optional mirror, on the normalised image (issue 16: 0-8% crops and mirroring)."""
    im = normalise(im)
    w, h = im.size
    left, top, right, bottom = crop
    im = im.crop((round(left * w), round(top * h), w - round(right * w), h - round(bottom * h)))
    return im.transpose(Image.Transpose.FLIP_LEFT_RIGHT) if mirror else im


def random_frame(rng: np.random.Generator, max_crop: float = 0.08) -> tuple[tuple[float, float, float, float], bool]:
    return tuple(float(x) for x in rng.uniform(0, max_crop, 4)), bool(rng.integers(0, 2))  # type: ignore[return-value]
