"""`lurewatch train`: recalibrate indicator weights from analysts' closed cases (with held-out checks,
versions and rollback), or retrain the job-advert text model."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from lurewatch.cli.app import app, console, fail

if TYPE_CHECKING:
    from lurewatch.learned.calibration import CalibrationStore


@app.command()
def train(
    from_cases: bool = typer.Option(False, "--from-cases", help="Recalibrate indicator weights from closed "
                                    "cases (--labels and/or the analyst server's cases in --db)."),
    labels: list[Path] = typer.Option([], "--labels", help="JSONL of approach contracts, each with "
                                      '"label": "hostile" or "legitimate". Repeatable.'),
    db: str | None = typer.Option(None, "--db", envvar="LUREWATCH_DB",
                                  help="Database file or URL (calibration versions; server cases)."),
    adopt: bool = typer.Option(True, "--adopt/--no-adopt", help="Make the new weights current if they pass "
                               "the held-out check (--no-adopt: evaluate and keep as a candidate only)."),
    force: bool = typer.Option(False, "--force", help="Adopt even if held-out F1 or recall got worse."),
    threshold: float | None = typer.Option(None, "--threshold", help="Score that flags a case (default: "
                                           "the medium level)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the held-out split."),
    test_size: float = typer.Option(0.25, "--test-size", help="Share of cases held out."),
    list_versions: bool = typer.Option(False, "--list", help="List calibration versions."),
    rollback: int | None = typer.Option(None, "--rollback", help="Make VERSION current (0: the indicator "
                                        "files' own weights)."),
    text_model: Path | None = typer.Option(None, "--text-model", help="Retrain the job-advert text model on "
                                           "this EMSCAD-style CSV (with a `fraudulent` column)."),
    out: Path | None = typer.Option(None, "--out", help="Where --text-model writes the model (default: "
                                    "the packaged model file)."),
    no_cv: bool = typer.Option(False, "--no-cv", help="With --text-model: skip cross-validation."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Learn from analysts: recalibrate weights (--from-cases), list versions (--list), roll back
    (--rollback V), or retrain the text model (--text-model CSV)."""
    modes = sum([from_cases, list_versions, rollback is not None, text_model is not None])
    if modes != 1:
        fail("choose exactly one of --from-cases, --list, --rollback VERSION, --text-model CSV")
    if text_model is not None:
        _train_text(text_model, out, no_cv, as_json)
        return
    from lurewatch.learned.calibration import CalibrationStore

    try:
        store = CalibrationStore(db)
    except Exception as e:  # noqa: BLE001 - any database error is reported, not traced
        fail(f"cannot open the database: {str(e)[:300]}")
    if list_versions:
        _list(store, as_json)
    elif rollback is not None:
        try:
            store.set_current(rollback)
        except KeyError as e:
            fail(str(e.args[0]))
        now = f"version {rollback}" if rollback else "none (the indicator files' weights)"
        console.print(f"current calibration: {now}")
    else:
        _from_cases(store, labels, adopt, force, threshold, seed, test_size, as_json)


def _from_cases(store: CalibrationStore, labels: list[Path], adopt: bool, force: bool,
                threshold: float | None, seed: int, test_size: float, as_json: bool) -> None:
    from lurewatch.indicators.engine import default_engine
    from lurewatch.learned.cases import LoadedCases, cases_from_db, cases_from_jsonl
    from lurewatch.learned.recalibrate import NotEnoughCases, RecalConfig, recalibrate

    loaded = LoadedCases()
    for path in labels:
        if not path.is_file():
            fail(f"--labels {path}: no such file")
        got = cases_from_jsonl(path)
        loaded.cases += got.cases
        loaded.problems += got.problems
    got = cases_from_db(store.url)
    loaded.cases += got.cases
    loaded.problems += got.problems
    for p in loaded.problems[:20]:
        console.print(f"[yellow]warning:[/] {p}", markup=True, highlight=False)
    if len(loaded.problems) > 20:
        console.print(f"[yellow]warning:[/] {len(loaded.problems) - 20} more problems", markup=True)
    if not 0.05 <= test_size <= 0.5:
        fail("--test-size must be between 0.05 and 0.5")
    engine = default_engine()
    base = {i.id: i.weight for i in engine.indicators}
    cats = {i.id: i.category for i in engine.indicators}
    cfg = RecalConfig(seed=seed, test_size=test_size)
    if threshold is not None:
        if not 0 < threshold < 100:
            fail("--threshold must be between 0 and 100")
        cfg.threshold = threshold
    current_doc = store.current()
    try:
        doc = recalibrate(loaded.cases, base, cats, (current_doc or {}).get("weights"), cfg)
    except NotEnoughCases as e:
        fail(str(e))
    doc["compared_with"] = current_doc.get("version") if current_doc else 0
    section = _retrain_combiner(loaded.cases, cfg, doc, store.url)
    if section is not None:
        # Scans score with the combiner: a version is adopted only when neither check got worse.
        doc["combiner"] = section
        doc["decision"]["weights_passed"] = doc["decision"]["passed"]
        doc["decision"]["passed"] = bool(doc["decision"]["passed"] and section["decision"]["passed"])
        doc["decision"]["rule"] += "; and the same for the retrained score combiner"
    make_current = adopt and (doc["decision"]["passed"] or force)
    doc["decision"]["adopted"] = make_current
    doc["decision"]["forced"] = bool(force and not doc["decision"]["passed"] and adopt)
    version = store.save(doc, make_current)
    doc["version"] = version
    if as_json:
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    _report(doc)


def _retrain_combiner(cases: list[Any], cfg: Any, doc: dict[str, Any], db_url: str) -> dict[str, Any] | None:
    """Correct the score combiner on the same training cases; None when the semantic layer cannot load."""
    from lurewatch.learned.recalibrate import held_out_split
    from lurewatch.learned.retrain_combiner import retrain
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    analyser = Analyser(ScanContext(db_url=db_url, use_photos=False))
    if analyser.combiner is None:
        console.print(f"[yellow]warning:[/] the score combiner was not retrained: "
                      f"{analyser.semantic_problem or 'the semantic layer is off'}", markup=True)
        return None
    tr, te = held_out_split(cases, cfg)
    candidate = {**(analyser.weights or {}), **doc["weights"]}
    return retrain(cases, tr, te, analyser, candidate)


def _report(doc: dict[str, Any]) -> None:
    m = doc["metrics"]
    t = Table(title=f"Held-out check ({doc['n_test']} of {doc['n_cases']} cases, flagged at score ≥ "
                    f"{m['threshold']:g})")
    for c in ("weights", "precision", "recall", "F1", "flagged"):
        t.add_column(c)
    for name, key in (("current", "held_out_current"), ("candidate", "held_out_candidate")):
        r = m[key]
        t.add_row(name, f"{r['precision']:.2f}", f"{r['recall']:.2f}", f"{r['f1']:.2f}", str(r["flagged"]))
    console.print(t)
    ch = Table(title="Weight changes (largest first)")
    for c in ("indicator", "from", "to", "in training cases"):
        ch.add_column(c)
    for c in doc["changes"][:15]:
        ch.add_row(c["indicator"], f"{c['from']:g}", f"{c['to']:g}", str(c["support"]))
    console.print(ch)
    if "combiner" in doc:
        sec = doc["combiner"]
        ct = Table(title=f"Score combiner ({sec['encoder']}), same held-out cases, flagged at medium")
        for c in ("combiner", "precision", "recall", "F1", "legitimate flagged", "legitimate high"):
            ct.add_column(c)
        for name, key in (("in use", "held_out_current"), ("retrained", "held_out_candidate")):
            r = sec["metrics"][key]
            ct.add_row(name, f"{r['precision']:.2f}", f"{r['recall']:.2f}", f"{r['f1']:.2f}",
                       f"{r['legitimate_flagged']:.0%}", f"{r['legitimate_high']:.0%}")
        console.print(ct)
        corr = {k: v for k, v in sec["model"].get("corrections", {}).items() if k != "intercept"}
        top = sorted(corr.items(), key=lambda kv: -abs(kv[1]))[:8]
        console.print("largest corrections: " + (", ".join(f"{k} {v:+.2f}" for k, v in top) or "none"),
                      highlight=False)
        console.print("retrained combiner: " + ("used with this version" if sec["decision"]["passed"] else
                      "not used (worse on held-out cases); the shipped combiner applies"))
    d = doc["decision"]
    verdict = "adopted (now current)" if d["adopted"] else (
        "not adopted: kept as a candidate" if d["passed"] else "not adopted: worse on held-out cases")
    console.print(f"version {doc['version']}: {verdict}. Roll back with `lurewatch train --rollback N`.")


def _list(store: CalibrationStore, as_json: bool) -> None:
    rows = store.list()
    if as_json:
        sys.stdout.write(json.dumps([{
            "version": r["version"], "created_at": r["created_at"].isoformat(), "n_cases": r["n_cases"],
            "passed": r["passed"], "current": r["current"],
            "held_out": r["data"]["metrics"]["held_out_candidate"]} for r in rows], indent=2) + "\n")
        return
    t = Table(title="Calibration versions")
    for c in ("version", "created", "cases", "precision", "recall", "F1", "passed", "current"):
        t.add_column(c)
    for r in rows:
        h = r["data"]["metrics"]["held_out_candidate"]
        t.add_row(str(r["version"]), r["created_at"].strftime("%Y-%m-%d %H:%M"), str(r["n_cases"]),
                  f"{h['precision']:.2f}", f"{h['recall']:.2f}", f"{h['f1']:.2f}",
                  "yes" if r["passed"] else "no", "*" if r["current"] else "")
    console.print(t)
    if not any(r["current"] for r in rows):
        console.print("no calibration is current: the indicator files' weights apply")


def _train_text(data: Path, out: Path | None, no_cv: bool, as_json: bool) -> None:
    from lurewatch.learned.provider import MODEL_PATH
    from lurewatch.learned.train_text import TrainConfig, train

    if not data.is_file():
        fail(f"--text-model {data}: no such file")
    target = out or MODEL_PATH
    try:
        model = train(data, target, TrainConfig(), run_cv=not no_cv)
    except ValueError as e:
        fail(str(e)[:500])
    summary = {k: model[k] for k in ("trained_on", "cv") if k in model}
    if as_json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    cvs = model.get("cv") or {}
    kind = "grouped" if cvs.get("stratified_grouped") else "stratified; too few distinct adverts to group"
    cv = cvs.get("stratified_grouped") or cvs.get("stratified")
    if cv:
        console.print(f"cross-validated ({kind}) precision {cv['precision']:.3f}, "
                      f"recall {cv['recall']:.3f}, F1 {cv['f1']:.3f}, ROC-AUC {cv['roc_auc']:.3f}")
    console.print(f"wrote {target} ({len(model['terms'])} terms)")
