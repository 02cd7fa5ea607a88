"""Screenshots of one thread (or the sender's profile page) into one Approach with `source: screenshot`.

A screenshot is an adversary's image: each is read within MAX_SCREENSHOT_BYTES, decoded by
lurewatch.photo.decode (declared pixels and decode memory bounded before any pixel is decoded), scaled to
at most MAX_OCR_PIXELS for OCR, and OCR runs under a time limit (per image, and REQUEST_OCR_BUDGET_S for
all of one request's); at most MAX_SCREENSHOTS images a request.
The sender's photo is cropped from the page (the round picture left of the name in a thread, above it on a
profile) and written to `workdir`, where the pipeline's photo checks read it like any profile photo.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from lurewatch.model import Approach, Message, Position, Profile
from lurewatch.photo.decode import PhotoError, decode_photo
from lurewatch.screenshot import layout, ocr
from lurewatch.screenshot.layout import ParsedPage

MAX_SCREENSHOTS = 8
MAX_SCREENSHOT_BYTES = 20 * 1024 * 1024
MAX_SCREENSHOT_PIXELS = 40_000_000  # declared; refused before decoding
MAX_SIDE = 8192  # decoded longest side kept for OCR (a 3x phone capture is about 1170 x 2532)
FORMATS = {"PNG", "JPEG", "WEBP"}
REQUEST_OCR_BUDGET_S = 60.0  # OCR time for all the screenshots of one request together
NAME_MATCH = 0.75  # a message's writer is the sender when the names are this similar (OCR slips)


class ScreenshotError(Exception):
    """The screenshots could not be used; the message says why (shown to the user as it is)."""


@dataclass(slots=True)
class Intake:
    approach: Approach
    pages: list[ParsedPage]
    photo_box: tuple[int, int, int, int] | None  # the crop, in the pixels of the screenshot it came from
    problems: list[str] = field(default_factory=list)


def read_screenshots(items: list[tuple[str, bytes]], workdir: Path, *, engine: ocr.OcrEngine | None = None,
                     timeout: float = ocr.OCR_TIMEOUT_S, today: date | None = None) -> Intake:
    """(label, bytes) of each screenshot, in thread order, into one unscored Approach.

    Raises ScreenshotError when none shows a messaging view or profile page, ocr.OcrUnavailable when no
    OCR engine is installed."""
    if not items:
        raise ScreenshotError("no screenshot given")
    if len(items) > MAX_SCREENSHOTS:
        raise ScreenshotError(f"{len(items)} screenshots: at most {MAX_SCREENSHOTS} at a time")
    eng = engine or ocr.engine()
    pages: list[tuple[str, ParsedPage, np.ndarray]] = []
    problems: list[str] = []
    deadline = time.monotonic() + REQUEST_OCR_BUDGET_S
    for label, data in items:
        left = deadline - time.monotonic()
        if left <= 1:
            problems.append(f"{label}: not read, the request's {REQUEST_OCR_BUDGET_S:g} s of OCR were used")
            continue
        if len(data) > MAX_SCREENSHOT_BYTES:
            problems.append(f"{label}: larger than {MAX_SCREENSHOT_BYTES >> 20} MB, skipped")
            continue
        try:
            photo = decode_photo(data, max_pixels=MAX_SCREENSHOT_PIXELS, max_side=MAX_SIDE)
        except PhotoError as e:
            problems.append(f"{label}: {e}")
            continue
        if photo.format not in FORMATS:
            problems.append(f"{label}: a {photo.format} image; screenshots are read as PNG, JPEG or WebP")
            continue
        try:
            lines = ocr.read_lines(eng, photo.rgb, min(timeout, left))
        except ocr.OcrFailed as e:
            problems.append(f"{label}: {e}")
            continue
        page = layout.parse(lines, today)
        if page.kind != "unknown" and page.degree is None:
            page.degree = _read_degree(eng, photo.rgb, page, min(timeout, max(1.0, deadline - time.monotonic())))
        if page.kind == "unknown":
            problems.append(f"{label}: no LinkedIn messaging view or profile page recognised (docs/screenshots.md)")
            continue
        pages.append((label, page, photo.rgb))
    if not pages:
        raise ScreenshotError("; ".join(problems) or "nothing could be read from the screenshots")
    return _assemble(pages, workdir, problems)


def _assemble(pages: list[tuple[str, ParsedPage, np.ndarray]], workdir: Path, problems: list[str]) -> Intake:
    threads = [p for p in pages if p[1].kind == "thread"]
    profiles = [p for p in pages if p[1].kind == "profile"]
    first = (threads or profiles)[0][1]
    prof = Profile(name=first.name, headline=first.headline, degree=first.degree)
    for _label, pp, _rgb in profiles:
        prof.headline = pp.headline or prof.headline
        prof.location = pp.location or prof.location
        prof.connections = pp.connections if pp.connections is not None else prof.connections
        prof.summary = pp.about or prof.summary
        prof.positions = [Position(company=c, title=t, start=None, end=None if "present" in d.lower() else d)
                          for t, c, d in pp.positions] or prof.positions
    box = None
    # the profile page's photo is larger than the thread's: try it first
    for label, pp, rgb in profiles + threads:
        box = find_avatar(rgb, pp)
        if box is not None:
            prof.photo = str(_save_crop(rgb, box, workdir, label))
            break
    msgs: list[Message] = []
    seen: set[tuple[str, str]] = set()
    for _label, pp, _rgb in threads:
        for m in pp.messages:
            key = (m.writer.lower(), " ".join(m.text.split())[:120])
            if key in seen:  # overlapping screenshots of one thread
                continue
            seen.add(key)
            inbound = _same_person(m.writer, prof.name)
            msgs.append(Message(sender_name=prof.name if inbound else m.writer, text=m.text, sent_at=m.sent_at,
                                inbound=inbound))
    if threads and not any(m.inbound for m in msgs):
        problems.append(f"no message from {prof.name} was read")
    a = Approach(source="screenshot", sender_name=prof.name, messages=msgs, profile=prof,
                 origin=", ".join(label for label, _p, _r in pages))
    return Intake(a, [p for _l, p, _r in pages], box, problems)


def _read_degree(eng: ocr.OcrEngine, rgb: np.ndarray, page: ParsedPage, timeout: float) -> str | None:
    """OCR again just right of the name, where "· 2nd" is drawn smaller than the name (read poorly with it)."""
    if page.header is None:
        return None
    _nx0, ny0, nx1, ny1 = page.name_box
    h = max(ny1 - ny0, 6)
    x0, x1 = nx1 + h // 4, min(rgb.shape[1], nx1 + 5 * h)
    y0, y1 = max(0, ny0 - h // 3), min(rgb.shape[0], ny1 + h // 3)
    if x1 - x0 < h:
        return None
    try:
        lines = ocr.read_lines(eng, np.ascontiguousarray(rgb[y0:y1, x0:x1]), timeout)
    except ocr.OcrFailed:
        return None
    m = layout.DEGREE_TOKEN.search(" ".join(ln.text for ln in lines))
    return layout.degree_of(m[0]) if m else None


def _same_person(a: str, b: str) -> bool:
    return difflib.SequenceMatcher(None, a.lower(), b.lower()).ratio() >= NAME_MATCH


def find_avatar(rgb: np.ndarray, page: ParsedPage) -> tuple[int, int, int, int] | None:
    """The round picture by the name: left of it in a thread's header, above it on a profile page.

    The page's background is the commonest colour around the name; the photo is the largest
    near-square blob of other colours in the search area, at least a line and a half high."""
    from scipy import ndimage

    if page.header is None:
        return None
    nx0, ny0, nx1, ny1 = page.name_box
    h = max(ny1 - ny0, 8)
    H, W = rgb.shape[:2]
    if page.kind == "profile":
        x0, x1, y0, y1 = 0, min(W, nx0 + 14 * h), max(0, ny0 - 16 * h), ny0
    else:
        x0, x1 = max(0, nx0 - 8 * h), nx0
        y0, y1 = max(0, ny0 - 3 * h), min(H, max(page.header_bottom, ny1) + 3 * h)
    if x1 - x0 < h or y1 - y0 < h:
        return None
    band = rgb[max(0, ny0 - h):ny1 + h, nx0:nx1].reshape(-1, 3) // 8  # the name and the page around it
    colours, counts = np.unique(band, axis=0, return_counts=True)
    bg = colours[counts.argmax()].astype(np.int16) * 8 + 4  # the commonest colour: the page, not the text
    region = rgb[y0:y1, x0:x1].astype(np.int16)
    mask = np.abs(region - bg).max(axis=2) > 30
    mask = ndimage.binary_fill_holes(ndimage.binary_opening(mask, iterations=1))
    labels, n = ndimage.label(mask)
    best = None
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        bh, bw = sl[0].stop - sl[0].start, sl[1].stop - sl[1].start
        if min(bh, bw) < 1.5 * h or not 0.75 <= bw / bh <= 1.33:
            continue
        area = int((labels[sl] == i).sum())
        if area < 0.6 * bh * bw:
            continue
        if best is None or area > best[0]:
            best = (area, (x0 + sl[1].start, y0 + sl[0].start, x0 + sl[1].stop, y0 + sl[0].stop))
    return best[1] if best else None


def _save_crop(rgb: np.ndarray, box: tuple[int, int, int, int], workdir: Path, label: str) -> Path:
    from PIL import Image

    x0, y0, x1, y1 = box
    buf = io.BytesIO()
    Image.fromarray(rgb[y0:y1, x0:x1]).save(buf, "PNG")
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"sender-photo-{hashlib.sha256(label.encode()).hexdigest()[:12]}.png"
    path.write_bytes(buf.getvalue())
    return path
