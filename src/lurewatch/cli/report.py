"""`lurewatch report`: the management report (HTML or PDF, with chart PNGs) from stored approaches."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer

from lurewatch.cli.app import app, console, fail
from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded

MAX_INPUT_BYTES = 2 * 1024 * 1024 * 1024


def _read_contracts(path: Path) -> list[dict[str, Any]]:
    """Approach contract dicts from a JSON Lines file (or a JSON array)."""
    text = decode_text(read_bounded(path, MAX_INPUT_BYTES)).text
    if text.lstrip().startswith("["):
        items = json.loads(text)
        return [x for x in items if isinstance(x, dict)] if isinstance(items, list) else []
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            console.print(f"[yellow]warning:[/] {path.name}:{n}: not JSON, skipped", highlight=False)
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def _date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{name} must be a date like 2026-01-31, not {value!r}")
    return None


@app.command()
def report(
    output: Path = typer.Option(..., "--output", "-o", help="report.html or report.pdf"),
    db: str = typer.Option(None, "--db", help="Store database path or URL (default: LUREWATCH_DB or data dir)."),
    inputs: list[Path] = typer.Option(None, "--input", "-i", help="Approach JSON Lines (lurewatch scan --json) "
                                      "to report on instead of the store; repeatable."),
    since: str = typer.Option(None, "--since", help="First day (YYYY-MM-DD), by first contact."),
    until: str = typer.Option(None, "--until", help="Last day (YYYY-MM-DD), by first contact."),
    charts_dir: Path = typer.Option(None, "--charts-dir", help="Also write each chart as a PNG here."),
    title: str = typer.Option("", "--title", help="Report title."),
    demo: bool = typer.Option(False, "--demo", help="Use a FICTIONAL demo dataset (to see what a report is)."),
) -> None:
    """Build the board report: approaches per week and level, who is targeted, warning signs, campaigns,
    time to triage, with an executive summary."""
    try:
        from lurewatch.reports import build_report_data, load_cases, render_charts, render_html, render_pdf
    except ImportError as e:
        fail(f"the report needs matplotlib (pip install 'lurewatch[report]'): {e}")

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".pdf"):
        fail("--output must end in .html or .pdf")
    start, end = _date(since, "--since"), _date(until, "--until")
    cases = None
    campaigns: Any = True
    if demo:
        from lurewatch.reports.demo import demo_approaches, demo_campaigns, demo_cases

        approaches = demo_approaches()
        cases, campaigns = demo_cases(approaches), demo_campaigns(approaches)
        title = title or "Hostile approaches: board report (FICTIONAL DEMO DATA)"
    elif inputs:
        approaches = []
        for p in inputs:
            try:
                approaches += _read_contracts(p)
            except (OSError, UnsafeInput, ValueError) as e:
                fail(f"{p}: {e}")
        if db:
            cases = load_cases(_url(db))
    else:
        from lurewatch.store import Store

        store = Store(db)
        approaches = list(store.iter_approaches())
        cases = load_cases(engine=store.engine)
    data = build_report_data(approaches, cases, since=start, until=end, campaigns=campaigns)
    charts = render_charts(data)
    html = render_html(data, charts, title=title)
    output.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".pdf":
        try:
            output.write_bytes(render_pdf(html))
        except (ImportError, OSError) as e:
            fail(f"PDF needs weasyprint and Debian's pango libraries (libpango-1.0-0 libpangoft2-1.0-0): {e}")
    else:
        output.write_text(html, encoding="utf-8")
    if charts_dir:
        charts_dir.mkdir(parents=True, exist_ok=True)
        for name, png in charts.items():
            (charts_dir / f"{name}.png").write_bytes(png)
    console.print(f"report of {data.total} approaches written to {output}", highlight=False)


def _url(db: str) -> str:
    from lurewatch.store import resolve_db

    return resolve_db(db)
