"""`lurewatch scan` (exports, mail, adverts) and `lurewatch check` (one message)."""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import chain
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lurewatch.cli.app import app, console, fail
from lurewatch.model import Approach, Finding, IngestResult, Profile
from lurewatch.output import render
from lurewatch.scoring.providers import ScanContext

MAX_MESSAGE_CHARS = 200_000


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    html = "html"
    parquet = "parquet"


@app.command()
def scan(
    paths: list[Path] = typer.Argument(..., help="LinkedIn export (.zip or folder), .eml, mbox, job adverts "
                                       "(CSV/JSON), or a JSONL of approaches."),
    profiles: Path | None = typer.Option(None, "--profiles", help="Folder of JSON Resume sender profiles."),
    fmt: Format = typer.Option(Format.table, "--format", "-f", help="Output format."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write the report here (default: stdout)."),
    store: bool = typer.Option(False, "--store", help="Keep flagged approaches (medium/high) in the local database."),
    db: str | None = typer.Option(None, "--db", envvar="LUREWATCH_DB", help="Database file or URL for --store."),
    min_level: str = typer.Option("low", "--min-level", help="Only report approaches at or above this level."),
    no_photos: bool = typer.Option(False, "--no-photos", help="Skip profile photo checks."),
    no_model: bool = typer.Option(False, "--no-model", help="Skip the learned text model."),
    semantic: str = typer.Option("auto", "--semantic", help="The semantic layer's sentence encoder: auto "
                                 "(the static table: fast), full (better, ~60 ms of CPU per message), confirm "
                                 "(the static table, then the full model decides every approach it scores 10 or "
                                 "more: the full model's recall with fewer false positives than either, for the "
                                 "full model's CPU on those: ~50 messages/s of new text), "
                                 "static, or off (rules and their noisy-OR score only)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary on stderr."),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, max=256,
                             help="Worker processes for scoring (the output is the same for any number)."),
    engine: str = typer.Option("local", "--engine", help="local (this machine, --jobs processes) or spark "
                               "(Apache Spark executors; writes jsonl or parquet)."),
    spark_master: str | None = typer.Option(None, "--spark-master", help="Spark master URL (default local[*]; "
                                            "spark-submit sets it)."),
    spark_partitions: int | None = typer.Option(None, "--spark-partitions", min=1, max=100_000,
                                                help="Partitions of the conversations (default 2x the cores)."),
) -> None:
    """Scan inputs for hostile approaches and explain every red flag. Writes nothing to disk unless
    --output or --store is given. Exits 2 when no input could be read at all."""
    from lurewatch.ingest import load_inputs
    from lurewatch.parallel import Scorer, drain

    if min_level not in ("low", "medium", "high"):
        fail("--min-level must be low, medium or high")
    for p in paths:
        if not p.exists() and not (engine == "spark" and ":/" in str(p)):
            fail(f"{p}: no such file or folder")
    if profiles is not None and not profiles.is_dir():
        fail(f"--profiles {profiles}: not a folder")
    db_url = None
    if store or db:
        from lurewatch.store import resolve_db

        db_url = resolve_db(db)
    if semantic not in SEMANTIC_MODES:
        fail("--semantic must be auto, static, full, confirm or off")
    ctx = ScanContext(db_url=db_url, use_photos=not no_photos, use_text_model=not no_model, persist=store,
                      semantic=semantic)
    if engine not in ("local", "spark"):
        fail("--engine must be local or spark")
    if engine == "spark":
        _scan_spark(paths, profiles, ctx, fmt, output, store, min_level, quiet, spark_master, spark_partitions)
        return
    if fmt is Format.parquet:
        fail("--format parquet is written by --engine spark; the local engine writes jsonl")

    show = not quiet and console.is_terminal
    with _bar(show) as bar:
        t_read = bar.add_task("reading", total=None)
        result = load_inputs(list(paths), profiles, progress=lambda n: bar.advance(t_read, n), stream=True)
    _warn_if_semantic_off(semantic)
    order = {"low": 0, "medium": 1, "high": 2}
    floor = order[min_level]
    sink = _Sink(fmt)
    levels = {"high": 0, "medium": 0, "low": 0}
    flagged: list[Approach] = []
    total: int | None = len(result.approaches)
    source: Iterator[Approach] = drain(result.approaches)
    if result.pending:  # message tables and large messages.csv files: streamed as they are scored
        source, total = chain(source, *result.pending), None
        result.pending = []
    # Each approach is written out as soon as it is scored and then released (drain removes it from the
    # ingest's list): only compact rows (or, for HTML, the approaches shown) are held until the sorted
    # report is written.
    with Scorer(source, ctx, jobs, total=total) as scorer, _bar(show) as bar:
        t_score = bar.add_task("scoring", total=total)
        for i, a in enumerate(scorer):
            levels[a.level] += 1
            if order[a.level] >= floor:
                sink.add(a)
            if store and a.level in ("medium", "high"):
                flagged.append(a)
            if i % 256 == 255:
                bar.advance(t_score, 256)
    sink.emit(output, result)
    if store:
        from lurewatch.store import Store

        ins, upd = Store(db_url).save(flagged)
        if not quiet:
            console.print(f"stored {len(flagged)} flagged approaches in {db_url} ({ins} new, {upd} updated)")
    if not quiet:
        _summary(result, levels)
    if nothing_read(result, sum(levels.values())):  # as grep: exit 2 when no input could be read at all
        fail(f"nothing could be read from the inputs ({len(result.problems)} refused or unreadable)")


SEMANTIC_MODES = ("auto", "static", "full", "confirm", "off")


def _warn_if_semantic_off(semantic: str) -> None:
    """Say so when an asked-for encoder did not load (the same decision as the Analyser's)."""
    from lurewatch.pipeline import semantic_layers
    from lurewatch.semantic.layer import default_layer

    layer, _, problem = semantic_layers(semantic, default_layer)
    if problem is None:
        return
    what = "semantic layer off, scoring with the rules alone: " if layer is None else ""
    console.print(f"[yellow]warning[/]: {what}{problem}", highlight=False)


def _scan_spark(paths: list[Path], profiles: Path | None, ctx: ScanContext, fmt: Format, output: Path | None,
                store: bool, min_level: str, quiet: bool, master: str | None, partitions: int | None) -> None:
    """`scan --engine spark`: JSONL (byte-identical to the local engine's) or a Parquet folder."""
    if store:
        fail("--store is not available with --engine spark (store the JSONL with `lurewatch import`)")
    if fmt not in (Format.jsonl, Format.parquet):
        fail("--engine spark writes --format jsonl or parquet")
    if fmt is Format.parquet and output is None:
        fail("--format parquet needs --output FOLDER")
    if fmt is Format.parquet and output is not None and ":/" not in str(output) and output.exists():
        fail(f"{output} exists; Parquet is written to a new folder")
    try:
        from lurewatch.spark_scan import scan_spark
    except ImportError as e:
        fail(f"--engine spark needs pyspark (pip install 'lurewatch[spark]'): {e}")
    fh = None
    try:
        if fmt is Format.jsonl and output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            fh = open(output, "w", encoding="utf-8")  # noqa: SIM115 (closed below)
        write = fh.write if fh is not None else sys.stdout.write
        done = scan_spark(list(paths), profiles, ctx, master=master, fmt=fmt.value, output=output,
                          min_level=min_level, partitions=partitions, write=write)
    except OSError as e:
        fail(f"cannot write {output}: {e}")
    except Exception as e:  # noqa: BLE001 - a clean message, never a traceback, when Spark fails
        fail(f"spark engine failed: {type(e).__name__}: {str(e)[:500]}")
    finally:
        if fh is not None:
            fh.close()
    if output is not None and not quiet:
        console.print(f"wrote {done.written} approaches to {output}")
    if not quiet:
        _summary(done.result, done.levels)
    if nothing_read(done.result, sum(done.levels.values())):
        fail(f"nothing could be read from the inputs ({len(done.result.problems)} refused or unreadable)")


def nothing_read(result: IngestResult, scored: int) -> bool:
    """Every input was refused or unreadable: no approach and no row came out, and problems were found."""
    return not scored and result.rows_read == 0 and bool(result.problems)


def _bar(show: bool) -> Progress:
    """The progress bar on stderr (the console), only on a terminal and without --quiet."""
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, disable=not show, transient=True)


@app.command()
def check(
    message: str | None = typer.Option(None, "--message", "-m", help="The message text."),
    message_file: Path | None = typer.Option(None, "--message-file", help="Read the message from a file."),
    profile: Path | None = typer.Option(None, "--profile", help="The sender's JSON Resume profile."),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    output: Path | None = typer.Option(None, "--output", "-o"),
    db: str | None = typer.Option(None, "--db", envvar="LUREWATCH_DB",
                                  help="Database with watchlists and shared indicators to match against."),
    semantic: str = typer.Option("full", "--semantic", help="The semantic layer's sentence encoder: full "
                                 "(the default for one message: the best generalisation), static, auto or off."),
    screenshot: list[Path] = typer.Option(None, "--screenshot", help="A screenshot (PNG, JPEG, WebP) of the "
                                          "LinkedIn thread or the sender's profile; repeat for several of one "
                                          "thread, in order (docs/screenshots.md)."),
) -> None:
    """Check one message (from --message, --message-file, stdin or --screenshot) and an optional sender profile."""
    from lurewatch.pipeline import check as check_message

    if fmt is Format.parquet:
        fail("--format parquet is for `scan --engine spark`")
    if screenshot:
        if message is not None or message_file is not None or profile is not None:
            fail("--screenshot reads the message and the profile from the picture: give no --message, "
                 "--message-file or --profile with it")
        _check_screenshots(screenshot, _context(db, semantic), fmt, output)
        return
    if message is not None and message_file is not None:
        fail("give either --message or --message-file, not both")
    if message is None:
        if message_file is not None:
            message = _read_text(message_file)
        elif not sys.stdin.isatty():
            message = sys.stdin.read(MAX_MESSAGE_CHARS + 1)
        else:
            fail("no message: use --message, --message-file or pipe the text on stdin")
    assert message is not None
    if len(message) > MAX_MESSAGE_CHARS:
        fail(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    if not message.strip():
        fail("the message is empty")
    prof: Profile | None = _load_profile(profile) if profile else None
    a = check_message(message, prof, ctx=_context(db, semantic))
    _emit([a], fmt, output, None)


def _context(db: str | None, semantic: str) -> ScanContext:
    db_url = None
    if db:
        from lurewatch.store import resolve_db

        db_url = resolve_db(db)
    if semantic not in SEMANTIC_MODES:
        fail("--semantic must be full, static, auto, confirm or off")
    _warn_if_semantic_off(semantic)
    return ScanContext(db_url=db_url, semantic=semantic)


def _check_screenshots(paths: list[Path], ctx: ScanContext, fmt: Format, output: Path | None) -> None:
    from rich.markup import escape as _markup

    from lurewatch.output.sanitize import terminal_safe

    def escape(text: str) -> str:  # messages name the files: neither their markup nor their control codes
        return _markup(terminal_safe(text, 2000))

    from lurewatch.ingest.safety import UnsafeInput, read_bounded
    from lurewatch.screenshot import (
        MAX_SCREENSHOT_BYTES,
        MAX_SCREENSHOTS,
        OcrUnavailable,
        ScreenshotError,
        check_screenshots,
    )

    if len(paths) > MAX_SCREENSHOTS:
        fail(f"{len(paths)} screenshots: at most {MAX_SCREENSHOTS} at a time")
    items = []
    for p in paths:
        try:
            items.append((p.name, read_bounded(p, MAX_SCREENSHOT_BYTES)))
        except (OSError, UnsafeInput) as e:
            fail(escape(f"{p}: {getattr(e, 'strerror', None) or e}"))
    try:
        intake = check_screenshots(items, ctx)
    except (ScreenshotError, OcrUnavailable) as e:
        fail(escape(str(e)))
        raise AssertionError from e  # unreachable
    for problem in intake.problems:
        console.print(f"[yellow]warning[/]: {escape(problem)}", markup=True, highlight=False)
    _emit([intake.approach], fmt, output, None)


def _read_text(path: Path) -> str:
    from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded

    try:
        return decode_text(read_bounded(path, MAX_MESSAGE_CHARS * 4)).text
    except (OSError, UnsafeInput) as e:
        fail(f"{path}: {e}")
    raise AssertionError  # unreachable


def _load_profile(path: Path) -> Profile:
    from lurewatch.ingest.jsonresume import parse_jsonresume
    from lurewatch.ingest.safety import UnsafeInput, read_bounded

    try:
        data = json.loads(read_bounded(path, 1024 * 1024))
    except (OSError, UnsafeInput, ValueError) as e:
        fail(f"{path}: not a readable JSON Resume file ({e})")
    prof = parse_jsonresume(data, str(path))
    if prof.photo and not Path(prof.photo).is_absolute():
        prof.photo = str((path.parent / prof.photo).resolve())
    return prof


def _emit(approaches: list[Approach], fmt: Format, output: Path | None, result: IngestResult | None) -> None:
    if fmt is Format.table and output is None:
        render.print_table(approaches, console=None)
        return
    _write(render.render(approaches, fmt.value, result), output, len(approaches))


def _write(text: str | Iterator[str], output: Path | None, n: int) -> None:
    chunks = [text] if isinstance(text, str) else text
    if output is None:
        for c in chunks:
            sys.stdout.write(c)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        with open(output, "w", encoding="utf-8") as fh:
            for c in chunks:
                fh.write(c)
    except OSError as e:
        fail(f"cannot write {output}: {e}")
    console.print(f"wrote {n} approaches to {output}")


@dataclass(slots=True)
class _Row:
    """What the table shows of one approach."""

    score: int
    level: str
    findings: list[Finding]
    sender_name: str
    sender_profile_url: str | None
    source: str
    first_contact: datetime | None


class _Sink:
    """Collects the scored approaches to report, in the report's order (score down, then approach id).

    JSON and JSON Lines records are spooled to a temporary file as they come (only their score, id and
    place are held); the table holds compact rows; HTML, which shows every message, holds the approaches."""

    def __init__(self, fmt: Format) -> None:
        self.fmt = fmt
        self.keys: list[tuple[int, str, int, int]] = []  # (-score, approach_id, offset, length)
        self.spool = tempfile.TemporaryFile() if fmt in (Format.json, Format.jsonl) else None  # noqa: SIM115 (closed in emit)
        self.items: list[Any] = []

    def add(self, a: Approach) -> None:
        if self.spool is not None:
            indent = 2 if self.fmt is Format.json else None
            data = json.dumps(a.to_contract(), ensure_ascii=False, indent=indent).encode("utf-8")
            self.keys.append((-a.score, a.approach_id, self.spool.tell(), len(data)))
            self.spool.write(data)
        elif self.fmt is Format.table:
            self.items.append(_Row(a.score, a.level, [f for f in a.findings if f.weight > 0][:3], a.sender_name,
                                   a.sender_profile_url, a.source, a.first_contact))
            self.keys.append((-a.score, a.approach_id, len(self.items) - 1, 0))
        else:
            self.items.append(a)
            self.keys.append((-a.score, a.approach_id, len(self.items) - 1, 0))

    def emit(self, output: Path | None, result: IngestResult) -> None:
        self.keys.sort(key=lambda k: (k[0], k[1]))
        if self.spool is None:
            shown = [self.items[k[2]] for k in self.keys]
            self.items = []
            _emit(shown, self.fmt, output, result)
            return
        _write(self._records(), output, len(self.keys))
        self.spool.close()

    def _records(self) -> Iterator[str]:
        assert self.spool is not None
        spool, json_list = self.spool, self.fmt is Format.json
        if json_list:
            yield "[\n" if self.keys else "[]\n"
        for n, (_, _, offset, length) in enumerate(self.keys):
            spool.seek(offset)
            rec = spool.read(length).decode("utf-8")
            if json_list:  # json.dumps(list, indent=2): each item indented one level, comma-separated
                yield ("  " if n == 0 else ",\n  ") + rec.replace("\n", "\n  ")
            else:
                yield rec + "\n"
        if json_list and self.keys:
            yield "\n]\n"


def _summary(result: IngestResult, levels: dict[str, int]) -> None:
    console.print(
        f"read {result.files_read} files, {result.rows_read} rows ({result.rows_skipped} skipped); "
        f"{sum(levels.values())} approaches: [red]{levels['high']} high[/], [yellow]{levels['medium']} medium[/], "
        f"{levels['low']} low",
        highlight=False,
    )
    if result.problems:
        reasons: dict[str, int] = {}
        for p in result.problems:
            key = p.reason.split(":")[0][:80]
            reasons[key] = reasons.get(key, 0) + 1
        console.print(f"[yellow]{len(result.problems)} problems[/] (rows or files skipped or repaired):", highlight=False)
        for p in result.problems[:10]:
            console.print(f"  {p}", markup=False, highlight=False)
        if len(result.problems) > 10:
            console.print(f"  … and {len(result.problems) - 10} more: " +
                          "; ".join(f"{k} ×{v}" for k, v in sorted(reasons.items(), key=lambda x: -x[1])[:5]),
                          markup=False, highlight=False)
