"""Safe decoding of an untrusted image file into an RGB array.

Bounds: file size, declared pixel count (decompression bombs are refused before any pixel is
decoded), first frame only, EXIF orientation applied, every mode converted to 8-bit RGB.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from lurewatch.ingest.safety import UnsafeInput, read_bounded

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
WORK_MAX_SIDE = 1024  # every check runs on a copy no larger than this (PDQ and faces need far less)


class PhotoError(Exception):
    """The photo could not be read safely (refused or broken); the message says why."""


@dataclass(slots=True)
class Photo:
    rgb: np.ndarray  # H x W x 3 uint8, orientation applied, longest side <= WORK_MAX_SIDE
    sha256: str  # of the file bytes, for exact reuse
    format: str
    width: int  # original size after EXIF orientation
    height: int


def decode_photo(data: bytes, *, max_pixels: int = MAX_PHOTO_PIXELS) -> Photo:
    """Decode image bytes in any format Pillow reads. Raises PhotoError on anything unsafe or broken."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: make every bomb signal fatal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            if w <= 0 or h <= 0 or w * h > max_pixels:
                raise PhotoError(f"image declares {w}x{h} pixels, over the limit of {max_pixels}")
            fmt = im.format or "unknown"
            im.seek(0)  # first frame of an animation only
            im.draft("RGB", (WORK_MAX_SIDE, WORK_MAX_SIDE))  # JPEG: decode at reduced scale when large
            im.load()
            im = ImageOps.exif_transpose(im)
            im = _to_rgb(im)
            if max(im.size) > WORK_MAX_SIDE:
                im.thumbnail((WORK_MAX_SIDE, WORK_MAX_SIDE), Image.Resampling.LANCZOS)
            rgb = np.asarray(im, dtype=np.uint8).copy()
    except PhotoError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise PhotoError(f"decompression bomb refused: {e}") from e
    except UnidentifiedImageError as e:
        raise PhotoError("not an image format Pillow can read") from e
    except (OSError, ValueError, SyntaxError, EOFError, MemoryError, TypeError, KeyError, IndexError) as e:
        # Truncated or corrupt files surface as OSError/SyntaxError from the plug-in decoders.
        raise PhotoError(f"broken image: {type(e).__name__}: {str(e)[:200]}") from e
    if rgb.ndim != 3 or rgb.shape[2] != 3 or min(rgb.shape[:2]) < 8:
        raise PhotoError(f"image too small or of unexpected shape {rgb.shape}")
    if (rgb.shape[1] >= rgb.shape[0]) != (w >= h):
        w, h = h, w  # EXIF orientation turned it by 90 degrees
    return Photo(rgb=rgb, sha256=digest, format=fmt, width=w, height=h)


def _to_rgb(im: Image.Image) -> Image.Image:
    if im.mode == "RGB":
        return im
    if im.mode in ("RGBA", "LA", "PA") or (im.mode == "P" and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))  # transparent areas on white
        return Image.alpha_composite(bg, im).convert("RGB")
    if im.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(a)
        return Image.fromarray(a.astype(np.uint8)).convert("RGB")
    return im.convert("RGB")


def load_photo(path: str | Path, *, max_bytes: int = MAX_PHOTO_BYTES) -> Photo:
    """Read a local image file within bounds (regular files only) and decode it safely."""
    try:
        data = read_bounded(Path(path), limit=max_bytes)
    except UnsafeInput as e:
        raise PhotoError(str(e)) from e
    except OSError as e:
        raise PhotoError(f"cannot read {path}: {e.strerror or e}") from e
    return decode_photo(data)
