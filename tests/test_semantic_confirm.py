"""`--semantic confirm`: the static table reads every approach; the full model reads again, and decides, every
approach the table scores CONFIRM_AT or more. Below that line the table's verdict stands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch import pipeline
from lurewatch.cli.app import app
from lurewatch.learned.labelled import load_yaml_set
from lurewatch.model import Approach, Message
from lurewatch.pipeline import CONFIRM_AT, Analyser
from lurewatch.scoring.providers import ScanContext

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]


def _verdict(a: Approach) -> tuple:
    return a.score, a.level, [(f.indicator, f.evidence, f.contribution) for f in a.findings], a.advice


def _cases() -> list:
    """Sets 51 and 52 afresh (scoring writes its verdict into each approach)."""
    return [r for name in ("blind51", "blind52") for r in load_yaml_set(DATA / name / "approaches.yaml", name)]


def _message(text: str) -> Approach:
    return Approach(source="linkedin-message", sender_name="S",
                    messages=[Message("S", text, datetime(2026, 1, 5, tzinfo=UTC))])


@pytest.mark.slow
def test_the_full_model_decides_at_and_above_the_line_and_the_table_below():
    verdicts = {}
    for kind in ("static", "full", "confirm"):
        an = Analyser(ScanContext(use_photos=False, semantic=kind))
        verdicts[kind] = {r.case_id: an.analyse_one(r.approach) for r in _cases()}
    below = above = 0
    for cid, s in verdicts["static"].items():
        c = verdicts["confirm"][cid]
        if s.score < CONFIRM_AT:
            below += 1
            assert _verdict(c) == _verdict(s), cid
        else:
            above += 1
            assert _verdict(c) == _verdict(verdicts["full"][cid]), cid
    assert below >= 5 and above >= 5  # both sides of the line are exercised


def test_without_the_full_model_the_table_alone_decides(monkeypatch):
    real = pipeline.build_layer
    monkeypatch.setattr(pipeline, "build_layer", lambda docs, kind="auto": None if kind == "full" else real(docs, kind))
    confirm = Analyser(ScanContext(use_photos=False, semantic="confirm"))
    static = Analyser(ScanContext(use_photos=False, semantic="static"))
    assert confirm.layer is not None and confirm.confirm_layer is None
    assert confirm.semantic_problem and "static table alone decides" in confirm.semantic_problem
    text = "Shall we move to WhatsApp? My client pays USD 2,000 per report. Keep it between us."
    got, want = confirm.analyse_one(_message(text)), static.analyse_one(_message(text))
    assert got.score >= CONFIRM_AT and _verdict(got) == _verdict(want)


def test_without_the_table_the_full_model_alone_decides(monkeypatch):
    real = pipeline.build_layer
    monkeypatch.setattr(pipeline, "build_layer", lambda docs, kind="auto": None if kind == "static" else real(docs, kind))
    monkeypatch.setattr(pipeline, "layer_problem", lambda: "the static table is corrupt (test)")
    confirm = Analyser(ScanContext(use_photos=False, semantic="confirm"))
    full = Analyser(ScanContext(use_photos=False, semantic="full"))
    assert confirm.layer is not None and confirm.layer.encoder.name == full.layer.encoder.name
    assert confirm.confirm_layer is None
    assert confirm.semantic_problem == ("the static table is off, the full model alone decides: "
                                        "the static table is corrupt (test)")
    # Below the line too: the full model reads every approach, as `--semantic full` does.
    for text in ("Shall we move to WhatsApp? My client pays USD 2,000 per report. Keep it between us.",
                 "Thanks for your talk at the workshop. The slides are on the conference website."):
        assert _verdict(confirm.analyse_one(_message(text))) == _verdict(full.analyse_one(_message(text)))


def test_scan_accepts_confirm_and_names_it_when_refusing_a_mode(tmp_path):
    demo = ROOT / "examples" / "demo-export"
    res = CliRunner().invoke(app, ["scan", str(demo), "--semantic", "confirm", "--format", "json", "--quiet",
                                   "--output", str(tmp_path / "out.json")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out.json").stat().st_size > 0
    res = CliRunner().invoke(app, ["scan", str(demo), "--semantic", "bogus"])
    assert res.exit_code != 0 and "confirm" in res.output


@pytest.mark.parametrize(("missing", "warning"), [
    ("full", "the full model is off, the static table alone decides"),
    ("static", "the static table is off, the full model alone decides"),
])
def test_scan_warns_when_confirm_runs_without_one_encoder(tmp_path, monkeypatch, missing, warning):
    from lurewatch.semantic import layer

    real = layer.default_layer
    monkeypatch.setattr(layer, "default_layer", lambda kind="auto": None if kind == missing else real(kind))
    monkeypatch.setattr(pipeline, "layer_problem", lambda: f"the {missing} model file is missing (test)")
    res = CliRunner().invoke(app, ["scan", str(ROOT / "examples" / "demo-export"), "--semantic", "confirm",
                                   "--format", "json", "--output", str(tmp_path / "out.json")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())  # the console wraps long lines
    assert warning in out and f"the {missing} model file is missing (test)" in out
    assert "semantic layer off" not in out


@pytest.mark.parametrize(("problem", "warned"), [("the model files are missing (test)", True), (None, False)])
def test_scan_with_neither_encoder_scores_with_the_rules_and_says_so_only_if_something_failed(tmp_path, monkeypatch,
                                                                                             problem, warned):
    # None without a problem: rule files with no semantic entries have no layer, and nothing failed
    from lurewatch.semantic import layer

    monkeypatch.setattr(layer, "default_layer", lambda kind="auto": None)
    monkeypatch.setattr(pipeline, "layer_problem", lambda: problem)
    res = CliRunner().invoke(app, ["scan", str(ROOT / "examples" / "demo-export"), "--semantic", "confirm",
                                   "--format", "json", "--output", str(tmp_path / "out.json")])
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert ("semantic layer off, scoring with the rules alone" in out) is warned
    assert "warning" not in out or warned
