"""`lurewatch link`: link approaches into campaigns (local engine or Apache Spark)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from lurewatch.cli.app import app, console, fail


@app.command()
def link(
    inputs: list[str] = typer.Argument(
        None, help="Anything `scan` reads, JSONL files of approaches (core contract), or `store`."
    ),
    engine: str = typer.Option("local", "--engine", help="local (in-process) or spark"),
    spark_master: str = typer.Option(None, "--spark-master", help="Spark master URL (default local[*])"),
    fmt: str = typer.Option("table", "--format", help="table, json or html"),
    output: Path = typer.Option(None, "--output", "-o", help="Write to this file instead of stdout"),
    db: str = typer.Option(None, "--db", help="The store (path or URL); with no INPUT, link the store"),
    store: bool = typer.Option(False, "--store", help="Also link the approaches in the store"),
    profiles: Path = typer.Option(None, "--profiles", help="Directory of sender profiles (JSON Resume)"),
) -> None:
    """Link approaches into campaigns: shared senders, templates, photos, pivots, employers and bursts."""
    from lurewatch.linking import extract_all, extract_jsonl
    from lurewatch.linking.inputs import is_jsonl, load_other, load_store

    if engine not in ("local", "spark"):
        fail("--engine must be local or spark")
    if fmt not in ("table", "json", "html"):
        fail("--format must be table, json or html")
    inputs = list(inputs or [])
    use_store = store or "store" in inputs or not inputs
    paths = [Path(p) for p in inputs if p != "store"]
    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file or directory")
    jsonl = [p for p in paths if is_jsonl(p)]
    other = [p for p in paths if not is_jsonl(p)]
    problems: list[str] = []
    dicts = []
    try:
        if other:
            dicts += load_other(other, profiles, problems)
        if use_store:
            dicts += list(load_store(db))
    except Exception as e:  # noqa: BLE001 - a clean message, never a traceback, on a broken input
        fail(f"cannot read the inputs: {e}")
    if engine == "spark":
        from lurewatch.linking.spark import link_spark

        try:
            campaigns = link_spark(jsonl, dicts, master=spark_master)
        except Exception as e:  # noqa: BLE001
            fail(f"spark engine failed: {e}")
    else:
        from lurewatch.linking import link_records

        records = extract_all(dicts, problems) + (extract_jsonl(jsonl, problems=problems) if jsonl else [])
        seen: set[str] = set()
        records = [r for r in records if not (r.approach_id in seen or seen.add(r.approach_id))]
        campaigns = link_records(records)
    for p in problems[:20]:
        console.print(f"[yellow]warning:[/] {p}", markup=True, highlight=False)
    _emit(campaigns, fmt, output)


def _emit(campaigns: list[dict], fmt: str, output: Path | None) -> None:
    from lurewatch.linking.render import to_html, to_json, to_table

    if fmt == "table":
        if output:
            with open(output, "w", encoding="utf-8") as fh:
                Console(file=fh, width=160).print(to_table(campaigns))
        else:
            Console().print(to_table(campaigns))
        return
    text = to_json(campaigns) if fmt == "json" else to_html(campaigns)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        typer.echo(text)
