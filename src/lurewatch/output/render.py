"""Render scored approaches as a Rich table, JSON, JSON Lines or a self-contained HTML report."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from importlib import resources

from jinja2 import Environment, select_autoescape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lurewatch import __version__
from lurewatch.model import Approach, IngestResult
from lurewatch.output.sanitize import terminal_safe
from lurewatch.scoring import HIGH, LEVEL_MEANING, MEDIUM

LEVEL_STYLE = {"high": "bold red", "medium": "yellow", "low": "green"}


def render(approaches: list[Approach], fmt: str, result: IngestResult | None = None) -> str:
    if fmt == "jsonl":
        return "".join(json.dumps(a.to_contract(), ensure_ascii=False) + "\n" for a in approaches)
    if fmt == "json":
        return json.dumps([a.to_contract() for a in approaches], ensure_ascii=False, indent=2) + "\n"
    if fmt == "html":
        return render_html(approaches, result)
    if fmt == "table":
        console = Console(record=True, width=160, file=io.StringIO())
        print_table(approaches, console)
        return console.export_text()
    raise ValueError(f"unknown format {fmt!r}")


def print_table(approaches: list[Approach], console: Console | None = None, top: int = 3) -> None:
    """Rich table sorted by score. Content is passed as Text (never parsed as markup) and sanitised."""
    if console is None:
        console = Console()
        if not console.is_terminal:
            console = Console(width=150)
    table = Table(title="lurewatch: approaches by risk", show_lines=True, expand=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("level", no_wrap=True)
    table.add_column("sender", ratio=3)
    table.add_column("source / first contact", ratio=2, no_wrap=True)
    table.add_column("top red flags (evidence)", ratio=6)
    for a in sorted(approaches, key=lambda x: -x.score):
        fc = a.first_contact
        flags = Text()
        for f in [f for f in a.findings if f.weight > 0][:top]:
            flags.append(terminal_safe(f.title), style="bold")
            flags.append(f" [{f.indicator}] ", style="dim")
            flags.append(terminal_safe(f.evidence, 160) + "\n")
        flags.rstrip()
        sender = Text(terminal_safe(a.sender_name or "?", 60))
        if a.sender_profile_url:
            sender.append("\n" + terminal_safe(a.sender_profile_url, 80), style="dim")
        table.add_row(
            str(a.score), Text(a.level, style=LEVEL_STYLE[a.level]), sender,
            Text(f"{a.source}\n{fc:%Y-%m-%d %H:%M} UTC" if fc else a.source),
            flags if flags.plain.strip() else Text("no red flags", style="dim"),
        )
    console.print(table)
    if not approaches:
        console.print("no approaches found")


def _env() -> Environment:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True),
                      trim_blocks=True, lstrip_blocks=True)
    return env


def render_html(approaches: list[Approach], result: IngestResult | None = None) -> str:
    """A single self-contained page: no scripts, no remote resources, every value escaped."""
    tpl = (resources.files("lurewatch.output") / "templates" / "report.html").read_text("utf-8")
    counts = {lv: sum(1 for a in approaches if a.level == lv) for lv in ("high", "medium", "low")}
    return _env().from_string(tpl).render(
        approaches=sorted(approaches, key=lambda a: -a.score),
        counts=counts,
        meaning=LEVEL_MEANING,
        thresholds={"high": HIGH, "medium": MEDIUM},
        result=result,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        version=__version__,
    )
