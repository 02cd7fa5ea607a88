"""`lurewatch watchlist add|list|remove|check`: organisation watchlists in the store."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from lurewatch.cli.app import app, console, fail
from lurewatch.ingest.safety import UnsafeInput

watchlist_app = typer.Typer(
    help="Load, list and remove organisation watchlists (sanctions, export control...).", no_args_is_help=True
)
app.add_typer(watchlist_app, name="watchlist")

DbOpt = typer.Option(None, "--db", help="Store database path or URL (default: LUREWATCH_DB or data dir).")


@watchlist_app.command("add")
def add(
    file: Path = typer.Argument(None, help="List file: lurewatch CSV, CSL CSV/JSON or OpenSanctions FtM."),
    name: str = typer.Option("", "--name", help="Name of the list in the store (default: the file name)."),
    fmt: str = typer.Option("auto", "--format", help="auto, csv, csl or ftm."),
    example: bool = typer.Option(False, "--example", help="Load the small FICTIONAL example list shipped."),
    db: str = DbOpt,
) -> None:
    """Load a list into the store (a list of the same name is replaced)."""
    from lurewatch.watchlists import WatchlistStore, read_list

    if fmt not in ("auto", "csv", "csl", "ftm"):
        fail(f"unknown format {fmt!r}: use auto, csv, csl or ftm")
    if example:
        file = Path(str(resources.files("lurewatch") / "data" / "example_watchlist.csv"))
        name = name or "example-fictional"
    if file is None:
        fail("give a list FILE (or --example)")
    if not file.is_file():
        fail(f"{file} is not a file")
    list_name = name or file.stem
    try:
        parsed = read_list(file, fmt, list_name)
    except (UnsafeInput, OSError, ValueError) as e:
        fail(f"{file}: {e}")
    if not parsed.entries:
        fail(f"{file}: no organisation found in it (format {parsed.format})")
    n = WatchlistStore(db).add(list_name, parsed.entries, source=str(file), fmt=parsed.format)
    console.print(
        f"loaded [bold]{n}[/] organisations into list [bold]{escape(list_name)}[/] (format {parsed.format}); "
        f"skipped {parsed.skipped_people} people and {parsed.skipped_other} other rows",
        highlight=False,
    )
    for p in parsed.problems[:10]:
        console.print(f"  [yellow]warning:[/] {escape(p)}", highlight=False)


@watchlist_app.command("list")
def list_(db: str = DbOpt) -> None:
    """Show the loaded lists."""
    from lurewatch.watchlists import WatchlistStore

    lists = WatchlistStore(db).lists()
    if not lists:
        console.print("no watchlist loaded (lurewatch watchlist add FILE)")
        return
    table = Table("name", "entries", "format", "loaded", "source")
    for li in lists:
        table.add_row(escape(li.name), str(li.count), li.format, f"{li.loaded_at:%Y-%m-%d %H:%M}",
                      escape(li.source))
    from rich.console import Console

    Console().print(table)


@watchlist_app.command("remove")
def remove(name: str = typer.Argument(..., help="Name of the list."), db: str = DbOpt) -> None:
    """Remove a list and its entries."""
    from lurewatch.watchlists import WatchlistStore

    if not WatchlistStore(db).remove(name):
        fail(f"no list named {name!r}")
    console.print(f"removed list {escape(name)}", highlight=False)


@watchlist_app.command("check")
def check(text: str = typer.Argument(..., help="Text to screen (a name, a sentence)."),
          db: str = DbOpt) -> None:
    """Screen one text against the loaded lists and print the matches."""
    from lurewatch.watchlists import WatchlistStore

    index = WatchlistStore(db).index()
    matches = index.match_text(text, name_field=True)
    if not matches:
        console.print("no match")
        raise typer.Exit(1)
    for m in matches:
        typer.echo(f'{m.score:3d}  "{m.text}" ~ "{m.entry.name}" (list {m.entry.list_name})')
