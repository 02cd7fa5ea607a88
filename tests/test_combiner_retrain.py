"""`lurewatch train --from-cases` corrects the score combiner on an organisation's closed cases.

The organisation's analysts close short paid write-up offers as hostile (the shipped model scores them
low on their own: "low" for a bare offer of money for a paper), and hiring, events and reading groups as
legitimate. After retraining on their cases, the held-out check shows more hostile caught, scans use the
retrained model, and rolling back restores the shipped one.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.learned.cases import LabelledCase, cases_from_jsonl
from lurewatch.learned.combiner import Combiner
from lurewatch.learned.retrain_combiner import case_features, fit_correction
from lurewatch.pipeline import Analyser, check
from lurewatch.scoring.providers import ScanContext

TOPICS = ["quantum sensing", "the photonics programme", "cryogenic packaging", "the vaccine platform",
          "superconducting qubits", "your lab's battery chemistry", "the satellite link budget",
          "radar signal processing", "the gene-editing pipeline", "wafer-scale integration"]
HOSTILE = [
    "Our client would pay USD {n} for a short paper on {t}.",
    "We'd offer {n} euros for a ten-page note on {t}.",
    "Happy to cover a fee of {n} dollars for your written views on {t}.",
    "Would you write a brief overview of {t} for us? There's an honorarium of {n} GBP.",
    "We pay well for expert write-ups: {n} USD for a short summary of {t}.",
    "A think tank I advise would reward a concise analysis of {t} with {n} USD.",
]
LEGIT = [
    "We are hiring a senior engineer to work on {t} in Cambridge; happy to share the job spec.",
    "I'm organising a free reading group on {t}, would you like to join?",
    "The programme for our workshop on {t} is published on the society's website; would you give a talk?",
    "Congratulations on the paper about {t}! Would love to connect and follow your work.",
    "Our graduate scheme opens next month; the team working on {t} is recruiting through the careers site.",
    "Could you review a conference submission on {t}? The editorial system sends the invitation.",
]


_SCAN = ScanContext(semantic="static", use_photos=False)


def _contract(text: str, i: int, label: str) -> dict:
    """A scanned approach as an analyst closed it: its contract (findings as scored then) and the label."""
    a = check(text, ctx=_SCAN, sender_name=f"Sender {i}")
    return {**a.to_contract(), "label": label}


def org_cases(n: int = 60, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        rows.append(_contract(rng.choice(HOSTILE).format(n=rng.randrange(400, 3000, 50), t=rng.choice(TOPICS)),
                              i, "hostile"))
        rows.append(_contract(rng.choice(LEGIT).format(t=rng.choice(TOPICS)), i, "legitimate"))
    return rows


NEW_OFFER = "Could you put together a short briefing on lidar calibration? We would pay 1,100 USD for it."


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict]:
    tmp = tmp_path_factory.mktemp("retrain")
    labels = tmp / "cases.jsonl"
    labels.write_text("\n".join(json.dumps(r) for r in org_cases()) + "\n")
    db = str(tmp / "lw.sqlite")
    r = CliRunner().invoke(app, ["train", "--from-cases", "--labels", str(labels), "--db", db, "--json"])
    assert r.exit_code == 0, r.output
    return db, json.loads(r.stdout[: r.stdout.rindex("}") + 1])


def test_held_out_check_shows_the_organisation_evidence(trained) -> None:
    _db, doc = trained
    sec = doc["combiner"]
    cur, new = sec["metrics"]["held_out_current"], sec["metrics"]["held_out_candidate"]
    assert sec["encoder"] == "minilm-l6-v2-static"
    assert cur["cases"] == new["cases"] == doc["n_test"]
    assert new["recall"] > cur["recall"] + 0.3  # the shipped model misses most bare paid write-up offers
    assert new["legitimate_flagged"] <= 0.1
    assert sec["decision"]["passed"]
    corr = sec["model"]["corrections"]
    assert corr.get("sem:LW-SEM-PAY", 0) > 0  # the evidence the cases taught it to trust more


def test_scans_use_the_adopted_model_and_rollback_restores_the_shipped_one(trained) -> None:
    db, _doc = trained
    shipped = check(NEW_OFFER, ctx=_SCAN)
    adopted = check(NEW_OFFER, ctx=ScanContext(db_url=f"sqlite:///{db}", semantic="static", use_photos=False))
    assert adopted.score > shipped.score and adopted.level in ("medium", "high")
    assert any(f.indicator == "LW-SEM-PAY" and f.contribution for f in adopted.findings)  # still explained
    r = CliRunner().invoke(app, ["train", "--rollback", "0", "--db", db])
    assert r.exit_code == 0, r.output
    again = check(NEW_OFFER, ctx=ScanContext(db_url=f"sqlite:///{db}", semantic="static", use_photos=False))
    assert again.score == shipped.score


def test_the_full_encoder_ignores_a_combiner_fitted_for_the_static_one(trained, tmp_path: Path) -> None:
    db, _doc = trained
    an = Analyser(ScanContext(db_url=f"sqlite:///{db}", semantic="off"))
    assert an.combiner is None  # no layer, no combiner: the noisy-OR applies, as documented


def test_few_cases_stay_close_to_the_shipped_model() -> None:
    base = Combiner.load(encoder="minilm-l6-v2-static")
    an = Analyser(ScanContext(semantic="static", use_photos=False))
    rows_all = cases_from_jsonl_rows(org_cases(n=4))
    small = fit_correction(base, case_features(rows_all, an))
    big = fit_correction(base, case_features(cases_from_jsonl_rows(org_cases(n=60)), an))
    d_small = np.abs([v for k, v in small["corrections"].items() if k != "intercept"]).sum()
    d_big = np.abs([v for k, v in big["corrections"].items() if k != "intercept"]).sum()
    assert d_small < d_big


def test_a_case_without_messages_uses_its_recorded_findings() -> None:
    an = Analyser(ScanContext(semantic="static", use_photos=False))
    case = LabelledCase("ap-x", [{"indicator": "LW-OFFER-001", "category": "offer", "weight": 30.0},
                                 {"indicator": "LW-SEM-PAY", "category": "semantic", "weight": 80.0}], 1)
    (row,) = case_features([case], an)
    assert row.x["cat:offer"] > 0 and row.x["sem:LW-SEM-PAY"] == pytest.approx(0.5)


def cases_from_jsonl_rows(rows: list[dict]) -> list[LabelledCase]:
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as fh:
        fh.write("\n".join(json.dumps(r) for r in rows) + "\n")
    try:
        return cases_from_jsonl(Path(fh.name)).cases
    finally:
        Path(fh.name).unlink()
