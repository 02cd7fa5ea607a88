"""`lurewatch indicators list|test`: the indicators as data, and their examples run as tests."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from lurewatch.cli.app import app, console, fail

indicators_app = typer.Typer(help="List the indicators and run their examples (detection as code).",
                             no_args_is_help=True)
app.add_typer(indicators_app, name="indicators")


def _load(rules: Path | None):
    from lurewatch.indicators.engine import Engine
    from lurewatch.indicators.rules import RuleError

    try:
        return Engine.load(extra=rules)
    except (RuleError, OSError) as e:
        fail(str(e))
    raise AssertionError


@indicators_app.command("list")
def list_indicators(
    rules: Path | None = typer.Option(None, "--rules", help="A folder of extra indicator files (YAML)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show each rationale and its source."),
    fmt: str = typer.Option("table", "--format", help="table, or json (every field: status, tags, policy)."),
) -> None:
    """Every indicator (rules and evidence providers) with its id, category, scope and weight."""
    engine = _load(rules)
    if fmt == "json":
        _print_json(engine)
        return
    if fmt != "table":
        fail("--format is table or json")
    everything = engine.indicators + engine.provider_rules
    table = Table(title=f"{len(engine.indicators)} indicators, {len(engine.provider_rules)} from evidence providers",
                  show_lines=verbose)
    for col in ("id", "category", "scope", "weight", "title"):
        table.add_column(col)
    for ind in sorted(everything, key=lambda i: i.id):
        title = Text(ind.title)
        if verbose:
            title.append("\n" + ind.rationale, style="dim")
            if ind.tags:
                title.append("\n" + " ".join(ind.tags), style="dim")
        scope = f"provider: {ind.provider}" if ind.provider else ind.scope
        table.add_row(ind.id, ind.category, scope, f"{ind.weight:+g}", title)
    from lurewatch.semantic.layer import parse_families

    for fam in parse_families(engine.documents):
        title = Text(f"{fam.title} ({len(fam.exemplars)} exemplars, {len(fam.contrast)} contrast)")
        if verbose:
            title.append("\n" + fam.rationale, style="dim")
        table.add_row(fam.id, "semantic", "sentence", "learned (lowers)" if fam.mitigating else "learned", title)
    Console().print(table)


def _print_json(engine) -> None:  # noqa: ANN001 - an Engine
    import json
    import sys

    from lurewatch.indicators import policy
    from lurewatch.semantic.layer import parse_families

    rows = [{"id": i.id, "title": i.title, "category": i.category,
             "role": policy.categories()[i.category]["role"], "scope": i.scope, "provider": i.provider or None,
             "weight": i.weight, "status": i.status, "tags": list(i.tags), "references": list(i.references),
             "falsepositives": list(i.falsepositives), "mitigable": i.mitigable, "rationale": i.rationale,
             "source_file": i.source_file}
            for i in sorted(engine.indicators + engine.provider_rules, key=lambda i: i.id)]
    rows += [{"id": f.id, "title": f.title, "category": "semantic", "role": "mitigating" if f.mitigating else "semantic",
              "scope": "sentence",
              "provider": None, "weight": None, "status": "stable", "tags": [], "references": [],
              "falsepositives": [], "mitigable": True, "rationale": f.rationale, "source_file": f.source_file}
             for f in parse_families(engine.documents)]
    sys.stdout.write(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")


@indicators_app.command("test")
def test_indicators(
    rules: Path | None = typer.Option(None, "--rules", help="A folder of extra indicator files (YAML)."),
    margins: int = typer.Option(0, "--margins", min=0, help="Also print the N semantic examples nearest to "
                                "flipping, with their margin (family score past the floor, or past the "
                                "strongest rival family for a mitigating one)."),
) -> None:
    """Run every indicator's positive and negative examples; exit 1 if any misbehaves."""
    from lurewatch.indicators.examples import run_examples
    from lurewatch.semantic.layer import build_layer, layer_problem

    engine = _load(rules)
    results = run_examples(engine)
    # The semantic examples hold for the full model, the reference encoder; the static table approximates
    # it (its figures are measured in docs/detection-quality.md).
    layer = build_layer(engine.documents, "full")
    if layer is not None:
        results += layer.run_examples()
    elif layer_problem():
        console.print(f"[yellow]semantic layer off[/]: {layer_problem()}", highlight=False)
    if margins:
        for r in sorted((r for r in results if r.margin is not None), key=lambda r: r.margin)[:margins]:
            console.print(f"margin {r.margin:+.2f} {r.indicator} {r.kind}: ", end="")
            console.print(repr(r.example)[:200], markup=False, highlight=False)
    bad = [r for r in results if not r.ok]
    for r in bad:
        console.print(f"[red]FAIL[/] {r.indicator} {r.kind} example "
                      f"{'did not fire' if not r.fired else 'fired'}: ", end="")
        console.print(repr(r.example)[:200], markup=False, highlight=False)
    console.print(f"{len(results) - len(bad)} passed, {len(bad)} failed "
                  f"({len(engine.indicators)} indicators)")
    if bad:
        raise typer.Exit(1)
