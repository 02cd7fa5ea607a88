"""`lurewatch photo PATH...`: photo checks on local image files (faces, AI-generated face, PDQ hash)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from lurewatch.cli.app import app, console, fail


class PhotoFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"


@app.command()
def photo(
    paths: list[Path] = typer.Argument(..., help="Local image files (never fetched from the network)."),
    fmt: PhotoFormat = typer.Option(PhotoFormat.table, "--format", help="table (for people) or jsonl."),
    model: Path | None = typer.Option(None, "--model", help="AI-face model JSON (default: the bundled one)."),
) -> None:
    """Check profile photos: faces found, AI-generated face score, PDQ hash for reuse, findings."""
    from lurewatch.photo.aiface import bundled_model, load_model
    from lurewatch.photo.check import check_photo

    try:
        m = load_model(model) if model else bundled_model()
    except (OSError, ValueError) as e:
        fail(f"cannot load the AI-face model: {e}")
        return
    if m is None:
        console.print("[yellow]warning:[/] no AI-face model installed; AI-face scores are 0", markup=True)
    from lurewatch.photo import landmarks

    results = [check_photo(p, model=m) for p in paths]
    eyes = landmarks.model_name()
    if fmt is PhotoFormat.jsonl:
        for r in results:
            typer.echo(json.dumps({**r.to_json(), "eye_model": eyes}, ensure_ascii=False))
        return
    table = Table(title="Photo checks", caption=f"eye positions: {eyes}")
    table.add_column("path", overflow="fold")
    for col in ("faces", "AI face", "PDQ (quality)", "findings"):
        table.add_column(col)
    for r in results:
        pdq_txt = f"{r.pdq.hex[:16]}… ({r.pdq.quality})" if r.pdq else "-"
        ai = f"{r.ai_face_score:.2f}" + (" [bold red]AI[/]" if r.ai_face else "")
        found = "\n".join(escape(f"{f.indicator} {f.title}: {f.evidence}") for f in r.findings) or "-"
        table.add_row(escape(str(r.path)), str(r.faces), ai, pdq_txt, found)
    from rich.console import Console

    Console().print(table)
