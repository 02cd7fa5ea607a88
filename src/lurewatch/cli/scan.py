"""`lurewatch scan` (exports, mail, adverts) and `lurewatch check` (one message)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from lurewatch.cli.app import app, console, fail
from lurewatch.model import Approach, IngestResult, Profile
from lurewatch.output import render
from lurewatch.scoring.providers import ScanContext

MAX_MESSAGE_CHARS = 200_000


class Format(str, Enum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    html = "html"


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
    semantic: str = typer.Option("auto", "--semantic", help="The semantic layer's sentence encoder: auto, "
                                 "static, full, or off (rules and their noisy-OR score only)."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar or summary on stderr."),
) -> None:
    """Scan inputs for hostile approaches and explain every red flag. Writes nothing to disk unless
    --output or --store is given. Exits 2 when no input could be read at all."""
    from lurewatch.ingest import load_inputs
    from lurewatch.pipeline import Analyser

    if min_level not in ("low", "medium", "high"):
        fail("--min-level must be low, medium or high")
    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file or folder")
    if profiles is not None and not profiles.is_dir():
        fail(f"--profiles {profiles}: not a folder")
    db_url = None
    if store or db:
        from lurewatch.store import resolve_db

        db_url = resolve_db(db)
    if semantic not in ("auto", "static", "full", "off"):
        fail("--semantic must be auto, static, full or off")
    ctx = ScanContext(db_url=db_url, use_photos=not no_photos, use_text_model=not no_model, persist=store,
                      semantic=semantic)

    show = not quiet and console.is_terminal
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not show, transient=True) as bar:
        t_read = bar.add_task("reading", total=None)
        result = load_inputs(list(paths), profiles, progress=lambda n: bar.advance(t_read, n))
        bar.update(t_read, visible=False)
        analyser = Analyser(ctx)
        if analyser.semantic_problem:
            console.print(f"[yellow]warning[/]: semantic layer off, scoring with the rules alone: "
                          f"{analyser.semantic_problem}", highlight=False)
        t_score = bar.add_task("scoring", total=len(result.approaches))
        approaches = analyser.analyse(result.approaches, progress=lambda n: bar.advance(t_score, n))

    order = {"low": 0, "medium": 1, "high": 2}
    shown = [a for a in approaches if order[a.level] >= order[min_level]]
    shown.sort(key=lambda a: (-a.score, a.approach_id))
    _emit(shown, fmt, output, result)
    if store:
        from lurewatch.store import Store

        flagged = [a for a in approaches if a.level in ("medium", "high")]
        ins, upd = Store(db_url).save(flagged)
        if not quiet:
            console.print(f"stored {len(flagged)} flagged approaches in {db_url} ({ins} new, {upd} updated)")
    if not quiet:
        _summary(result, approaches)
    if nothing_read(result):  # as grep: exit 2 when no input could be read at all
        fail(f"nothing could be read from the inputs ({len(result.problems)} refused or unreadable)")


def nothing_read(result: IngestResult) -> bool:
    """Every input was refused or unreadable: no approach and no row came out, and problems were found."""
    return not result.approaches and result.rows_read == 0 and bool(result.problems)


@app.command()
def check(
    message: str | None = typer.Option(None, "--message", "-m", help="The message text."),
    message_file: Path | None = typer.Option(None, "--message-file", help="Read the message from a file."),
    profile: Path | None = typer.Option(None, "--profile", help="The sender's JSON Resume profile."),
    fmt: Format = typer.Option(Format.table, "--format", "-f"),
    output: Path | None = typer.Option(None, "--output", "-o"),
    db: str | None = typer.Option(None, "--db", envvar="LUREWATCH_DB",
                                  help="Database with watchlists and shared indicators to match against."),
) -> None:
    """Check one message (from --message, --message-file or stdin) and an optional sender profile."""
    from lurewatch.pipeline import check as check_message

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
    db_url = None
    if db:
        from lurewatch.store import resolve_db

        db_url = resolve_db(db)
    a = check_message(message, prof, ctx=ScanContext(db_url=db_url))
    _emit([a], fmt, output, None)


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
    text = render.render(approaches, fmt.value, result)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as e:
        fail(f"cannot write {output}: {e}")
    console.print(f"wrote {len(approaches)} approaches to {output}")


def _summary(result: IngestResult, approaches: list[Approach]) -> None:
    levels = {lv: sum(1 for a in approaches if a.level == lv) for lv in ("high", "medium", "low")}
    console.print(
        f"read {result.files_read} files, {result.rows_read} rows ({result.rows_skipped} skipped); "
        f"{len(approaches)} approaches: [red]{levels['high']} high[/], [yellow]{levels['medium']} medium[/], "
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
