"""OCR behind a small interface: an engine turns a bounded greyscale image into text lines with boxes.

Tesseract (Debian's `tesseract-ocr` through pytesseract) is the engine the product uses; RapidOCR (ONNX
models shipped in its wheel) is measured beside it by bench/bench_screenshots.py (docs/screenshots.md says
why Tesseract was chosen). Bounds: the caller decodes with lurewatch.photo.decode (file size, declared
pixels, decode memory); here the image is scaled to at most MAX_OCR_PIXELS and the engine runs under a
time limit (Tesseract in its own process, killed at the limit) on one thread.
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAX_OCR_PIXELS = 8_000_000  # a phone screenshot at 3x (1170 x 6800) is scaled down to this
OCR_TIMEOUT_S = 20.0
# Narrower images are upscaled 2x for OCR: a desktop capture at 1x (14 px text, less once scaled or
# recompressed) loses names and message heads otherwise (bench_screenshots: 3 of 64 misread at 1x).
MIN_TEXT_WIDTH = 1400


def _slots() -> threading.BoundedSemaphore:
    from lurewatch.photo.decode import image_workers

    return threading.BoundedSemaphore(image_workers())


_SLOTS = _slots()  # OCR runs at once in one process (LUREWATCH_IMAGE_WORKERS, default 2): one core each


class OcrUnavailable(RuntimeError):
    """No OCR engine is installed; the message says what to install."""


class OcrFailed(RuntimeError):
    """The engine failed or ran out of time on this image."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of text as the engine saw it, in the original image's pixels."""

    text: str
    x0: int
    y0: int
    x1: int
    y1: int
    conf: float = 100.0
    words: tuple[tuple[str, int, int, int, int], ...] = ()  # (text, x0, x1, y0, y1) of each word, if given

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


class OcrEngine(Protocol):
    name: str

    def lines(self, grey: np.ndarray, timeout: float) -> list[Line]:
        """Text lines of a dark-on-light greyscale image (H x W uint8), top to bottom."""
        ...


def prepare(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    """Greyscale, dark text on light (a dark theme is inverted), within MAX_OCR_PIXELS; returns the image
    and the factor from its pixels back to the original's."""
    from PIL import Image

    grey = np.asarray(Image.fromarray(rgb).convert("L"))
    if float(np.median(grey)) < 110:
        grey = 255 - grey
    h, w = grey.shape
    scale = 1.0
    if w * h > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / (w * h)) ** 0.5
    elif w < MIN_TEXT_WIDTH and w * h * 4 <= MAX_OCR_PIXELS:
        scale = 2.0
    if scale != 1.0:
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
        grey = np.asarray(Image.fromarray(grey).resize(size, Image.Resampling.LANCZOS))
    return grey, 1.0 / scale


class TesseractEngine:
    """Tesseract 4/5 (LSTM) through pytesseract: one process per image, killed at the time limit."""

    name = "tesseract"

    def __init__(self, lang: str = "eng") -> None:
        import pytesseract

        self._pt = pytesseract
        self.lang = lang

    def lines(self, grey: np.ndarray, timeout: float) -> list[Line]:
        from PIL import Image

        os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one core; inherited by the tesseract process
        try:
            d = self._pt.image_to_data(Image.fromarray(grey), lang=self.lang, config="--psm 3",
                                       output_type=self._pt.Output.DICT, timeout=timeout)
        except self._pt.TesseractError as e:  # a RuntimeError too: caught first
            raise OcrFailed(f"tesseract failed: {str(e)[:200]}") from e
        except RuntimeError as e:  # pytesseract raises RuntimeError("Tesseract process timeout")
            raise OcrFailed(f"OCR stopped after {timeout:g} s") from e
        groups: dict[tuple[int, int, int, int], list[int]] = {}
        for i, word in enumerate(d["text"]):
            if word.strip() and float(d["conf"][i]) >= 0:
                key = (d["page_num"][i], d["block_num"][i], d["par_num"][i], d["line_num"][i])
                groups.setdefault(key, []).append(i)
        out = []
        for idx in groups.values():
            for part in _split_at_gaps(sorted(idx, key=lambda i: d["left"][i]), d):
                x0 = min(d["left"][i] for i in part)
                y0 = min(d["top"][i] for i in part)
                x1 = max(d["left"][i] + d["width"][i] for i in part)
                y1 = max(d["top"][i] + d["height"][i] for i in part)
                conf = sum(float(d["conf"][i]) for i in part) / len(part)
                words = tuple((d["text"][i], d["left"][i], d["left"][i] + d["width"][i], d["top"][i],
                               d["top"][i] + d["height"][i]) for i in part)
                out.append(Line(" ".join(d["text"][i] for i in part), x0, y0, x1, y1, conf, words))
        return sorted(out, key=lambda ln: (ln.y0, ln.x0))


def _split_at_gaps(idx: list[int], d: dict) -> list[list[int]]:
    """Words Tesseract put on one line across columns (a conversation list beside the thread, a photo
    read as a glyph) are split where the gap is wider than three times the text's height."""
    h = sorted(d["height"][i] for i in idx)[len(idx) // 2]
    parts = [[idx[0]]]
    for a, b in zip(idx, idx[1:], strict=False):
        if d["left"][b] - (d["left"][a] + d["width"][a]) > 3 * h:
            parts.append([])
        parts[-1].append(b)
    return parts


class RapidOcrEngine:
    """RapidOCR (PaddleOCR models as ONNX in the wheel), measured by the bench; its time limit is checked
    after the run, as it runs in this process."""

    name = "rapidocr"

    def __init__(self) -> None:
        from rapidocr_onnxruntime import RapidOCR

        self._ocr = RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)

    def lines(self, grey: np.ndarray, timeout: float) -> list[Line]:
        import time

        t0 = time.monotonic()
        result, _ = self._ocr(np.dstack([grey] * 3))
        if time.monotonic() - t0 > timeout:
            raise OcrFailed(f"OCR took over {timeout:g} s")
        out = []
        for box, text, conf in result or []:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            out.append(Line(str(text), int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)), float(conf) * 100))
        return sorted(out, key=lambda ln: (ln.y0, ln.x0))


def engine(name: str = "auto") -> OcrEngine:
    """The named engine (auto: Tesseract); OcrUnavailable with what to install when it is missing."""
    if name in ("auto", "tesseract"):
        try:
            import pytesseract  # noqa: F401
        except ImportError:
            raise OcrUnavailable("screenshots need an OCR engine: install the Python package pytesseract "
                                 "(pip install 'lurewatch[ocr]') and Tesseract (apt-get install tesseract-ocr "
                                 "tesseract-ocr-eng)") from None
        if not shutil.which("tesseract"):
            raise OcrUnavailable("screenshots need the Tesseract OCR engine: apt-get install tesseract-ocr "
                                 "tesseract-ocr-eng (or your system's tesseract package)")
        return TesseractEngine()
    if name == "rapidocr":
        try:
            return RapidOcrEngine()
        except ImportError:
            raise OcrUnavailable("the rapidocr engine needs pip install rapidocr-onnxruntime") from None
    raise ValueError(f"unknown OCR engine {name!r}")


def read_lines(eng: OcrEngine, rgb: np.ndarray, timeout: float = OCR_TIMEOUT_S) -> list[Line]:
    """OCR a decoded screenshot: prepared, bounded and timed; boxes in the screenshot's own pixels."""
    grey, back = prepare(rgb)
    with _SLOTS:
        lines = eng.lines(grey, timeout)
    if back == 1.0:
        return lines
    return [Line(ln.text, round(ln.x0 * back), round(ln.y0 * back), round(ln.x1 * back), round(ln.y1 * back),
                 ln.conf, tuple((w, *(round(v * back) for v in box)) for w, *box in ln.words)) for ln in lines]
