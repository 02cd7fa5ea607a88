"""`lurewatch exposure EXPORT...`: what on your own profile makes you an easy target (issue 15)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from lurewatch.cli.app import app, console, fail


@app.command()
def exposure(
    exports: list[Path] = typer.Argument(..., help="Your LinkedIn data export(s): the .zip or its folder."),
    fmt: str = typer.Option("table", "--format", help="table or json."),
    lead: bool = typer.Option(False, "--lead", help="Organisation view: name the people (security leads only)."),
) -> None:
    """Check your own profile (Profile.csv, Positions.csv, Connections.csv) against the public advice. With
    several exports: an organisation view that counts each sign without naming anyone, unless --lead."""
    from lurewatch.exposure import assess, checks
    from lurewatch.ingest.linkedin import load_folder, load_zip

    people = []
    for path in exports:
        if path.is_dir():
            found = [load_folder(path)]
        elif path.is_file():
            found, bad = load_zip(path)
            for p in bad.problems:
                console.print(f"[yellow]warning:[/] {escape(str(p.file))}: {escape(p.reason)}", markup=True)
        else:
            fail(f"{path}: no such export")
            return
        for ex in found:
            if ex.owner is None:
                console.print(f"[yellow]warning:[/] {escape(str(path))}: no Profile.csv; skipped", markup=True)
                continue
            people.append((ex.owner.name or str(path), assess(ex.owner, [c.connected_on for c in ex.connections])))
    if not people:
        fail("no export with a Profile.csv was read")
    if len(people) == 1 and not lead:
        name, found = people[0]
        if fmt == "json":
            sys.stdout.write(json.dumps({"findings": [f.to_json() for f in found]}, indent=1, ensure_ascii=False) + "\n")
            return
        table = Table(title=f"Profile exposure: {len(found)} sign(s)", show_lines=True)
        for col in ("severity", "sign", "evidence", "advice"):
            table.add_column(col, overflow="fold")
        for f in found:
            table.add_row(f.severity, f"{escape(f.title)}\n[dim]{f.check}[/dim]",
                          f"{escape(f.evidence)}\n[dim]{escape(f.field)}[/dim]", escape(f.advice))
        console.print(table if found else "No exposure signs found in this profile.")
        return
    counts = Counter(f.check for _n, fs in people for f in fs)
    titles = {c.id: (c.title, c.severity) for c in checks()}
    if fmt == "json":
        body = {"people": len(people), "signs": {k: counts.get(k, 0) for k in titles}}
        if lead:
            body["by_person"] = {n: [f.to_json() for f in fs] for n, fs in people}
        sys.stdout.write(json.dumps(body, indent=1, ensure_ascii=False) + "\n")
        return
    table = Table(title=f"Organisation exposure: {len(people)} profiles" + ("" if lead else " (names withheld)"))
    for col in ("sign", "severity", "people", "share"):
        table.add_column(col)
    for cid, (title, sev) in titles.items():
        table.add_row(f"{escape(title)} [dim]{cid}[/dim]", sev, str(counts.get(cid, 0)),
                      f"{counts.get(cid, 0) / len(people):.0%}")
    console.print(table)
    if lead:
        for n, fs in people:
            console.print(f"{escape(n)}: " + (", ".join(f.check for f in fs) or "none"), highlight=False)
