"""`lurewatch export stix|misp`, `lurewatch import FILE...`, `lurewatch taxii push|pull`."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from enum import StrEnum
from pathlib import Path

import typer

from lurewatch.cli.app import app, console, fail


def tlp_help() -> str:
    from lurewatch.sharing.tlp import HELP

    return HELP


taxii_app = typer.Typer(help="Push to and pull from a TAXII 2.1 collection.", no_args_is_help=True)
app.add_typer(taxii_app, name="taxii")


class Format(StrEnum):
    stix = "stix"
    misp = "misp"


TLP_HELP = tlp_help()
DbOpt = typer.Option(None, "--db", help="Store database (path or URL); default: the user data directory.")


def _selection(store, case: int | None, campaign: str | None, approach: list[str] | None):  # noqa: ANN001, ANN202
    from lurewatch.sharing import selection

    given = sum(x is not None and x != [] for x in (case, campaign, approach))
    if given > 1:
        fail("choose one of --case, --campaign, --approach (or --flagged, the default)")
    try:
        if case is not None:
            return selection.by_case(store, case)
        if campaign is not None:
            return selection.by_campaign(store, campaign)
        if approach:
            return selection.by_ids(list(approach))
        return selection.flagged()
    except selection.SelectionError as e:
        fail(str(e))


def _options(
    sel,
    level: str,
    org: str | None,
    include_targets: bool,
    include_unflagged: bool,  # noqa: ANN001, ANN202
    redact_text: bool,
    grouping: bool,
):
    from lurewatch.sharing import selection, tlp
    from lurewatch.sharing.stix_export import ExportOptions

    try:
        lv = selection.check_tlp(sel, level)
    except tlp.TLPError as e:
        fail(str(e))
    return ExportOptions(
        tlp=lv,
        org=org or os.environ.get("LUREWATCH_ORG") or "Reporting organisation",
        title=sel.title,
        selection_key=sel.key,
        wrapper="grouping" if grouping else "report",
        include_unflagged=include_unflagged,
        include_targets=include_targets,
        redact_text=redact_text,
        campaign=sel.campaign,
        analyst_notes=sel.notes,
    )


def _write_atomic(output: Path, write) -> None:  # noqa: ANN001
    """Write through a temporary file in the same directory, renamed into place when complete."""
    if str(output) == "-":
        write(sys.stdout)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".lurewatch-", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@app.command("export")
def export_cmd(
    fmt: Format = typer.Argument(..., metavar="stix|misp", help="Output format."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write ('-' for standard output)."),
    db: str | None = DbOpt,
    case: int | None = typer.Option(None, "--case", help="Export one case (server database)."),
    campaign: str | None = typer.Option(None, "--campaign", help="Export every case of a campaign."),
    approach: list[str] | None = typer.Option(None, "--approach", help="Export these approach ids."),
    flagged: bool = typer.Option(False, "--flagged", help="Export every flagged approach (the default)."),
    level: str = typer.Option("amber", "--tlp", help=TLP_HELP),
    max_tlp: str = typer.Option("red", "--max-tlp", help="Refuse if the export is marked above this."),
    pap: str = typer.Option("amber", "--pap", help="MISP PAP tag: clear, green, amber, red."),
    org: str | None = typer.Option(None, "--org", help="Reporting organisation (or LUREWATCH_ORG)."),
    include_targets: bool = typer.Option(False, "--include-targets", help="Include the targeted owners."),
    include_unflagged: bool = typer.Option(
        False, "--include-unflagged", help="Include approaches scored low."
    ),
    redact_text: bool = typer.Option(False, "--redact-text", help="Message bodies -> hash and length."),
    grouping: bool = typer.Option(False, "--grouping", help="Wrap in a STIX grouping instead of a report."),
) -> None:
    """Export approaches as a STIX 2.1 bundle or a MISP event (flagged only, reporters never included)."""
    from lurewatch.sharing import tlp
    from lurewatch.store.db import Store

    del flagged  # the default selection
    store = Store(db)
    sel = _selection(store, case, campaign, approach)
    opts = _options(sel, level, org, include_targets, include_unflagged, redact_text, grouping)
    try:
        tlp.require_allowed(opts.tlp, max_tlp, "this export target")
    except tlp.TLPError as e:
        fail(str(e))
    items = sel.approaches(store, include_unflagged)
    from lurewatch.sharing import exporters

    exporter = exporters.get(fmt.value)
    opts.pap = pap
    if pap.strip().lower().removeprefix("pap:") not in tlp.PAP_LEVELS:
        fail(f"unknown PAP level {pap!r} (use one of: {', '.join(tlp.PAP_LEVELS)})")
    result = {}

    def write(fh) -> None:  # noqa: ANN001
        result["stats"] = exporter.export(items, fh, opts)

    _write_atomic(output, write)
    stats = result["stats"]
    marks = f"TLP:{opts.tlp.upper()}" + (f", PAP:{pap.upper()}" if exporter.name == "misp" else "")
    objects = f", {stats.total} objects" if exporter.name == "stix" else ""
    console.print(f"{exporter.label}: {stats.approaches} approaches{objects}, {marks} -> {output}", highlight=False)


@app.command("import")
def import_cmd(
    files: list[Path] = typer.Argument(..., help="STIX 2.x bundles or MISP event JSON files."),
    db: str | None = DbOpt,
    default_tlp: str = typer.Option("amber", "--default-tlp", help="TLP for data that carries none."),
) -> None:
    """Import shared indicators (STIX bundles, MISP events) as watch indicators for future scans."""
    from lurewatch.sharing import misp, tlp
    from lurewatch.sharing.stix_import import ImportProblem, bundle_indicators, load_json
    from lurewatch.sharing.watch import WatchStore

    try:
        default_tlp = tlp.normalise(default_tlp)
    except tlp.TLPError as e:
        fail(str(e))
    store = WatchStore(db)
    problems = 0
    for f in files:
        try:
            data = load_json(f)
            if (
                isinstance(data, dict)
                and data.get("type") == "bundle"
                and isinstance(data.get("objects"), list)
            ):
                items, kind = bundle_indicators(data["objects"], f.name, default_tlp), "STIX bundle"
            elif misp.is_misp(data):
                items, kind = [], "MISP event"
                for ev in misp.load_events(data):
                    items += misp.event_indicators(ev, f.name, default_tlp)
            else:
                raise ImportProblem(f"{f}: neither a STIX bundle nor a MISP event")
        except ImportProblem as e:
            console.print(f"[red]skipped[/] {e}", highlight=False, markup=True)
            problems += 1
            continue
        ins, upd = store.add(items)
        console.print(
            f"{f.name}: {kind}, {len(items)} indicators ({ins} new, {upd} updated)",
            highlight=False,
            markup=False,
        )
    console.print(f"watch indicators in {store.url}: {store.count()}", highlight=False, markup=False)
    if problems:
        raise typer.Exit(1)


def _feed(url: str, collection: str, user: str | None, password: str | None, max_tlp: str, insecure: bool):  # noqa: ANN202
    from lurewatch.sharing import tlp
    from lurewatch.sharing.taxii import Feed

    try:
        max_tlp = tlp.normalise(max_tlp)
    except tlp.TLPError as e:
        fail(str(e))
    password = password or os.environ.get("LUREWATCH_TAXII_PASSWORD")
    return Feed(
        url=url, collection=collection, user=user, password=password, max_tlp=max_tlp, verify=not insecure
    )


UrlOpt = typer.Option(..., "--url", help="TAXII 2.1 API root URL.")
CollOpt = typer.Option(..., "--collection", help="Collection id.")
UserOpt = typer.Option(None, "--user", help="HTTP basic user.")
PassOpt = typer.Option(None, "--password", help="HTTP basic password (better: LUREWATCH_TAXII_PASSWORD).")
InsecureOpt = typer.Option(False, "--insecure", help="Do not verify TLS certificates.")


@taxii_app.command("push")
def taxii_push(
    url: str = UrlOpt,
    collection: str = CollOpt,
    user: str | None = UserOpt,
    password: str | None = PassOpt,
    insecure: bool = InsecureOpt,
    max_tlp: str = typer.Option("amber", "--max-tlp", help="Highest TLP this collection may carry."),
    file: Path | None = typer.Option(None, "--file", help="Push this STIX bundle instead of exporting."),
    db: str | None = DbOpt,
    case: int | None = typer.Option(None, "--case"),
    campaign: str | None = typer.Option(None, "--campaign"),
    approach: list[str] | None = typer.Option(None, "--approach"),
    level: str = typer.Option("amber", "--tlp", help=TLP_HELP),
    org: str | None = typer.Option(None, "--org"),
    redact_text: bool = typer.Option(False, "--redact-text"),
) -> None:
    """Push a bundle (or an export of the store) to a TAXII 2.1 collection, within its TLP limit."""
    import io

    from lurewatch.sharing import taxii, tlp
    from lurewatch.sharing.stix_export import export_stix
    from lurewatch.sharing.stix_import import ImportProblem, load_json
    from lurewatch.store.db import Store

    feed = _feed(url, collection, user, password, max_tlp, insecure)
    if file is not None:
        try:
            data = load_json(file)
        except ImportProblem as e:
            fail(str(e))
        if not isinstance(data, dict) or not isinstance(data.get("objects"), list):
            fail(f"{file}: not a STIX bundle")
        objects = data["objects"]
    else:
        store = Store(db)
        sel = _selection(store, case, campaign, approach)
        opts = _options(sel, level, org, False, False, redact_text, False)
        try:
            tlp.require_allowed(opts.tlp, feed.max_tlp, feed.name)
        except tlp.TLPError as e:
            fail(str(e))
        buf = io.StringIO()
        export_stix(sel.approaches(store), buf, opts)
        objects = json.loads(buf.getvalue())["objects"]
    try:
        n = taxii.push(feed, objects)
    except tlp.TLPError as e:
        fail(str(e))
    except Exception as e:  # noqa: BLE001 - network / server errors: a clean message, not a traceback
        fail(f"TAXII push failed: {type(e).__name__}: {e}")
    console.print(f"pushed {n} of {len(objects)} objects to {feed.name}", highlight=False, markup=False)


@taxii_app.command("pull")
def taxii_pull(
    url: str = UrlOpt,
    collection: str = CollOpt,
    user: str | None = UserOpt,
    password: str | None = PassOpt,
    insecure: bool = InsecureOpt,
    db: str | None = DbOpt,
    added_after: str | None = typer.Option(None, "--added-after", help="Only objects added after (ISO)."),
    default_tlp: str = typer.Option("amber", "--default-tlp", help="TLP for data that carries none."),
) -> None:
    """Pull a TAXII 2.1 collection and import its indicators as watch indicators."""
    from lurewatch.sharing import taxii, tlp
    from lurewatch.sharing.stix_import import bundle_indicators
    from lurewatch.sharing.watch import WatchStore

    feed = _feed(url, collection, user, password, "red", insecure)
    try:
        default_tlp = tlp.normalise(default_tlp)
        objects = list(taxii.pull(feed, added_after))
    except tlp.TLPError as e:
        fail(str(e))
    except Exception as e:  # noqa: BLE001 - network / server errors: a clean message, not a traceback
        fail(f"TAXII pull failed: {type(e).__name__}: {e}")
    items = bundle_indicators(objects, f"TAXII {collection}", default_tlp)
    store = WatchStore(db)
    ins, upd = store.add(items)
    console.print(
        f"pulled {len(objects)} objects: {len(items)} indicators ({ins} new, {upd} updated)",
        highlight=False,
        markup=False,
    )
