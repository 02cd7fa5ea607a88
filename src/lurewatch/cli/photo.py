"""`lurewatch photo PATH...`: photo checks on local image files (faces, AI-generated face, PDQ hash, content credentials)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape
from rich.table import Table

from lurewatch.cli.app import app, console, fail

if TYPE_CHECKING:
    from lurewatch.photo.check import PhotoResult


class PhotoFormat(str, Enum):
    table = "table"
    jsonl = "jsonl"


@app.command()
def photo(
    paths: list[Path] = typer.Argument(..., help="Local image files (never fetched from the network)."),
    fmt: PhotoFormat = typer.Option(PhotoFormat.table, "--format", help="table (for people) or jsonl."),
    model: Path | None = typer.Option(None, "--model", help="AI-face model JSON (default: the bundled one)."),
    explain: bool = typer.Option(False, "--explain", help="After the table, each photo's content credentials "
                                 "(C2PA manifest and XMP) and every finding with its evidence and rationale."),
) -> None:
    """Check profile photos: faces found, AI-generated face score, PDQ hash for reuse, content credentials
    (C2PA manifest verified offline, IPTC source type), findings."""
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
    for col in ("faces", "AI face", "PDQ (quality)", "credentials", "findings"):
        table.add_column(col)
    for r in results:
        pdq_txt = f"{r.pdq.hex[:16]}… ({r.pdq.quality})" if r.pdq else "-"
        ai = f"{r.ai_face_score:.2f}" + (" [bold red]AI[/]" if r.ai_face else "")
        found = "\n".join(escape(f"{f.indicator} {f.title}: {f.evidence}") for f in r.findings) or "-"
        table.add_row(escape(str(r.path)), str(r.faces), ai, pdq_txt, escape(r.source_claim or "-"), found)
    from rich.console import Console

    out = Console()
    out.print(table)
    from lurewatch.photo import c2pa_manifest

    if not c2pa_manifest.available():
        out.print("[yellow]warning:[/] c2pa-python is not installed: C2PA manifests are not verified, only "
                  "searched for a declared source type (pip install 'lurewatch[credentials]')")
    if explain:
        for r in results:
            out.print(explain_text(r), markup=False, highlight=False, soft_wrap=True)


def explain_text(r: PhotoResult) -> str:
    """Plain-text account of one photo: its content credentials, then each finding and why it counts."""
    lines = [f"{r.path}", "  content credentials:"]
    c = r.credentials
    m = c.manifest if c else None
    if r.error:
        lines.append("    not read (the photo was refused)")
    elif c is None or (c.claim is None and m is None):
        lines.append("    none declared (no C2PA manifest, no IPTC digital source type; stripped metadata is "
                     "normal and means nothing)")
    else:
        if c.claim is not None:
            lines.append(f"    declared source type: {c.claim.code} (in the {c.claim.container})")
        if m is not None:
            lines.append(f"    C2PA manifest: {m.state}; {m.status_text()}")
            if m.claim_generator:
                lines.append(f"    claim generator: {m.claim_generator}")
            for code, where in m.source_types:
                lines.append(f"    c2pa.actions digitalSourceType: {code} ({where} manifest)")
    for note in (c.notes if c else []):
        lines.append(f"    note: {note}")
    lines.append("  findings:" if r.findings else "  findings: none")
    for f in r.findings:
        lines.append(f"    {f.indicator} ({f.weight:+g}, {f.category}) {f.title}")
        lines.append(f"      evidence: {f.evidence}")
        lines.append(f"      why: {f.rationale}")
    return "\n".join(lines)
