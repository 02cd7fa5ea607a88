"""Safe decoding of an untrusted image file into an RGB array.

Bounds: file size, declared pixel count (decompression bombs are refused before any pixel is
decoded), first frame only, EXIF orientation applied, every mode converted to 8-bit RGB.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from lurewatch.ingest.safety import UnsafeInput, read_bounded
from lurewatch.photo.credentials import Credentials, SourceClaim, read_credentials

MAX_PHOTO_BYTES = 20 * 1024 * 1024
MAX_PHOTO_PIXELS = 40_000_000
WORK_MAX_SIDE = 1024  # every check runs on a copy no larger than this (PDQ and faces need far less)
# The decoded raster before shrinking (Pillow's own layout: 1, 2 or 4 bytes a pixel); JPEGs are measured
# after draft scaling. 96 MiB holds a 24 MP PNG or a 40 MP 16-bit greyscale one.
MAX_DECODE_BYTES = 96 * 1024 * 1024
_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16L": 2, "I;16B": 2, "I;16N": 2}


def image_workers() -> int:
    """How many images one process decodes at once: LUREWATCH_IMAGE_WORKERS, else 2."""
    try:
        return max(1, int(os.environ.get("LUREWATCH_IMAGE_WORKERS", "2")))
    except ValueError:
        return 2


_SLOTS = threading.BoundedSemaphore(image_workers())


class PhotoError(Exception):
    """The photo could not be read safely (refused or broken); the message says why."""


@dataclass(slots=True)
class Photo:
    rgb: np.ndarray  # H x W x 3 uint8, orientation applied, longest side <= WORK_MAX_SIDE
    sha256: str  # of the file bytes, for exact reuse
    format: str
    width: int  # original size after EXIF orientation
    height: int
    credentials: Credentials | None = None  # what it declares of its origin (lurewatch.photo.credentials)

    @property
    def source_claim(self) -> SourceClaim | None:
        return self.credentials.claim if self.credentials else None


def decode_photo(data: bytes, *, max_pixels: int = MAX_PHOTO_PIXELS, max_side: int = WORK_MAX_SIDE) -> Photo:
    """Decode image bytes in any format Pillow reads. Raises PhotoError on anything unsafe or broken.

    The result's longest side is at most `max_side` (the photo checks' working size by default; the
    screenshot intake asks for more, as OCR needs the text's own resolution).

    Memory is bounded: JPEGs decode at reduced scale, a raster larger than MAX_DECODE_BYTES is refused
    before decoding, every image is shrunk before any mode conversion, and at most IMAGE_WORKERS decodes
    run at once in the process."""
    digest = hashlib.sha256(data).hexdigest()
    try:
        with _SLOTS, warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that: make every bomb signal fatal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
            w, h = im.size
            if w <= 0 or h <= 0 or w * h > max_pixels:
                raise PhotoError(f"image declares {w}x{h} pixels, over the limit of {max_pixels}")
            fmt = im.format or "unknown"
            im.seek(0)  # first frame of an animation only
            im.draft("RGB", (max_side, max_side))  # JPEG: decode at reduced scale when large
            raster = im.size[0] * im.size[1] * _BYTES_PER_PIXEL.get(im.mode, 4)
            if raster > MAX_DECODE_BYTES:
                raise PhotoError(f"image of {w}x{h} pixels ({im.mode}) needs {raster >> 20} MB to decode, over "
                                 f"the bound of {MAX_DECODE_BYTES >> 20} MB: send a smaller picture")
            im.load()
            orientation = im.getexif().get(0x0112)
            im = _shrink(im, max_side)  # before any conversion: a 16-bit or alpha mode is converted at working size
            im = _orient(im, orientation)
            im = _to_rgb(im)
            if max(im.size) > max_side:
                im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
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
    return Photo(rgb=rgb, sha256=digest, format=fmt, width=w, height=h,
                 credentials=read_credentials(data, fmt))


def _shrink(im: Image.Image, max_side: int = WORK_MAX_SIDE) -> Image.Image:
    """Box-reduce to at most twice the working size (what Pillow's thumbnail does first anyway)."""
    factor = max(im.size) // (2 * max_side)
    if factor < 2:
        return im
    size = (max(1, im.size[0] // factor), max(1, im.size[1] // factor))
    if im.mode == "P":  # palette indices cannot be averaged
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
    return im.resize(size, Image.Resampling.BOX)


_TRANSPOSE = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
              4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270,
              7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}


def _orient(im: Image.Image, orientation: object) -> Image.Image:
    method = _TRANSPOSE.get(orientation) if isinstance(orientation, int) else None
    return im.transpose(method) if method is not None else im


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
