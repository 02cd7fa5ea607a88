"""Turn what a reporter gave us into scored approaches, through the shared pipeline.

`lurewatch.pipeline` and `lurewatch.ingest` are imported lazily: the server starts without them and
reports a clear error if a scan is asked for before they are installed.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lurewatch.model import Approach, Message, Profile
from lurewatch.scoring.providers import ScanContext

_analysers: dict[str | None, tuple[float, Any]] = {}
_lock = threading.Lock()  # guards _analysers and _refreshing
_build_lock = threading.Lock()  # one build at a time: 50 threads missing the cache must not all compile
_refreshing: set[str | None] = set()
# The indicator engine's stemmers are not thread-safe; analysis is CPU-bound under the GIL anyway, so the
# server's threads take turns (about a millisecond per message).
_run_lock = threading.Lock()
ANALYSER_TTL = 300.0  # seconds: watchlists and calibrations added meanwhile are picked up


def _build(key: str | None, ctx: ScanContext | None) -> Any:
    an = _pipeline().Analyser(ctx)
    with _lock:
        _analysers[key] = (time.monotonic(), an)
    return an


def _refresh(key: str | None, ctx: ScanContext | None) -> None:
    try:
        with _build_lock:
            _build(key, ctx)
    finally:
        with _lock:
            _refreshing.discard(key)


def _analyser(ctx: ScanContext | None) -> Any:
    """One compiled Analyser per database (compiling the indicators costs ~0.1 s of CPU).

    A missing one is built once while the other requests wait for it; an old one keeps serving while a
    background thread rebuilds it, so that watchlists and calibrations added meanwhile are picked up
    without stalling submissions."""
    key = ctx.db_url if ctx else None
    with _lock:
        hit = _analysers.get(key)
        if hit and time.monotonic() - hit[0] >= ANALYSER_TTL and key not in _refreshing:
            _refreshing.add(key)
            threading.Thread(target=_refresh, args=(key, ctx), daemon=True, name="lw-analyser-refresh").start()
    if hit:
        return hit[1]
    with _build_lock:
        with _lock:
            hit = _analysers.get(key)
        return hit[1] if hit else _build(key, ctx)


def warm(ctx: ScanContext | None) -> None:
    """Build the analyser ahead of the first report (called when the server starts)."""
    _analyser(ctx)


def _pipeline() -> Any:
    import lurewatch.pipeline as p

    return p


def profile_from_jsonresume(data: bytes, source: str) -> Profile:
    from lurewatch.ingest.jsonresume import parse_jsonresume
    from lurewatch.ingest.safety import decode_text

    try:
        obj = json.loads(decode_text(data).text)
    except (ValueError, RecursionError) as e:
        raise ValueError(f"not a JSON Resume: {e}") from e
    return safe_profile(parse_jsonresume(obj, source))


def safe_profile(profile: Profile) -> Profile:
    """A reported profile never points at a file on the server: only an uploaded photo is used."""
    profile.photo = None
    profile.source_file = None
    return profile


def check_message(message: str, *, sender_name: str = "", profile_url: str | None = None,
                  profile: Profile | None = None, photo_path: Path | None = None,
                  ctx: ScanContext | None = None) -> Approach:
    """Score one pasted message (with what is known of the sender's profile)."""
    if profile is None and (sender_name or profile_url or photo_path):
        profile = Profile()
    if profile is not None:
        if sender_name and not profile.name:
            profile.name = sender_name
        if profile_url:
            from lurewatch.urls import normalise_profile_url

            profile.url = normalise_profile_url(profile_url) or profile.url
        if photo_path is not None:
            profile.photo = str(photo_path)
    name = sender_name or (profile.name if profile and profile.name else "unknown sender")
    a = Approach(source="linkedin-message", sender_name=name,
                 messages=[Message(sender_name=name, text=message, sent_at=datetime.now(UTC), inbound=True)],
                 sender_profile_url=profile.url if profile else None, profile=profile)
    an = _analyser(ctx)  # built (rarely) outside the run lock
    with _run_lock:
        return an.analyse_one(a)


def check_screenshots(items: list[tuple[str, bytes]], ctx: ScanContext | None = None
                      ) -> tuple[Approach, list[str], bytes | None]:
    """Score the approach shown in screenshots (label, bytes) of one thread: the approach, what could not be
    read, and the sender's photo cropped from them (PNG) for the analyst. Raises service.Invalid with a
    clear message when nothing could be read or no OCR engine is installed."""
    import tempfile

    from lurewatch.screenshot import OcrUnavailable, ScreenshotError, read_screenshots
    from lurewatch.server.service import Invalid

    an = _analyser(ctx)
    with tempfile.TemporaryDirectory(prefix="lurewatch-shot-") as tmp:
        try:
            intake = read_screenshots(items, Path(tmp))  # outside the run lock: OCR is its own process
        except (ScreenshotError, OcrUnavailable) as e:
            raise Invalid(str(e)) from e
        prof = intake.approach.profile
        crop = Path(prof.photo).read_bytes() if prof is not None and prof.photo else None
        with _run_lock:
            an.analyse_one(intake.approach)
        if prof is not None:
            prof.photo = None
    return intake.approach, intake.problems, crop


def scan_files(paths: list[Path], progress: Callable[[int, int], None] | None = None,
               ctx: ScanContext | None = None, names: dict[str, str] | None = None
               ) -> tuple[list[Approach], list[str]]:
    """Ingest files (export zip, .eml, mbox...) into unscored approaches, with the problems found.

    Problems never show the server's paths: each path is replaced by its label in `names` (the name the
    reporter gave the file), else by its file name."""
    from lurewatch.ingest import load_inputs

    res = load_inputs(paths, progress=progress)
    labels = {str(p): Path(p).name for p in paths} | (names or {})
    return list(res.approaches), [_unpathed(str(p), labels) for p in res.problems]


def _unpathed(text: str, labels: dict[str, str]) -> str:
    for path, label in sorted(labels.items(), key=lambda kv: -len(kv[0])):
        text = text.replace(path, label)
    return text


def analyse(approaches: list[Approach], ctx: ScanContext | None = None) -> list[Approach]:
    an = _analyser(ctx)
    with _run_lock:
        return [an.analyse_one(a) for a in approaches]


def context(db_url: str) -> ScanContext:
    """The scan context of the server: watchlists and shared indicators come from its database, and
    providers may remember what they see there (photo hashes): the server keeps what is reported."""
    return ScanContext(db_url=db_url, persist=True)
