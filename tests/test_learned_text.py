"""The learned job-advert text model: features, export, sklearn-free scorer, provider, training CLI."""

from __future__ import annotations

import json
import random
import warnings
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.learned import provider as prov
from lurewatch.learned.features import advert_tokens, meta_tokens, text_tokens, words
from lurewatch.learned.scorer import ModelError, TextModel
from lurewatch.learned.train_text import TrainConfig, cross_validate, export, fit, load_emscad
from lurewatch.model import Approach, JobAdvert, Message
from lurewatch.scoring.providers import ScanContext

SCAM = JobAdvert(title="Data Entry Clerk - Work From Home", description="Earn $500 weekly from home. "
                 "No experience needed. Send your bank details and a copy of your ID to apply.",
                 has_company_logo=False, has_questions=False, telecommuting=True)
GENUINE = JobAdvert(title="Senior Backend Engineer", company_profile="We are a 200-person software company "
                    "in Leeds building payroll tools for charities since 2009.",
                    description="You will design APIs with our platform team, review code and mentor "
                    "engineers. Our interview process has two stages.", requirements="Python, PostgreSQL",
                    has_company_logo=True, has_questions=True, telecommuting=False)


def _emscad(shared_dir: Path) -> Path:
    p = shared_dir / "data" / "emscad" / "job_postings_dev.csv"
    if not p.is_file():
        pytest.skip("EMSCAD sample not present")
    return p


def _toy(n: int = 120, seed: int = 0) -> tuple[list[list[str]], np.ndarray]:
    rng = random.Random(seed)
    scam = "earn cash weekly from home data entry send bank details no experience wire fee".split()
    real = "team engineers interview process benefits pension office roadmap mentor design review".split()
    common = "the and you we our role work with for".split()
    docs, y = [], []
    for i in range(n):
        lab = i % 2
        vocab = (scam if lab else real) + common
        docs.append(text_tokens(" ".join(rng.choice(vocab) for _ in range(rng.randint(8, 40)))))
        y.append(lab)
    return docs, np.array(y)


def test_features_normalise_placeholders_digits_and_mojibake() -> None:
    w = words("Call +44 20 7946 0000 or mail jo@x.example, see www.x.example/jobs #URL_0a1b2c# $1,500")
    assert w.count("<phone>") == 1 and w.count("<email>") == 1 and w.count("<url>") == 2
    assert "$" in w and "0" in w and "1500" not in w
    # An encoding artefact ("â€™" less its "â") reads like the apostrophe it was.
    assert words("company€™s offer") == words("company's offer") == words("company’s offer")
    assert "data entry" in text_tokens("Data entry")
    # Unknown flags yield no token (neutral); an empty company profile is a token.
    toks = meta_tokens(JobAdvert(title="x"))
    assert "__profile:empty" in toks and not any(t.startswith("__logo") for t in toks)


def test_scorer_matches_sklearn_predict_proba() -> None:
    docs, y = _toy()
    cfg = TrainConfig(max_terms=60, min_df=1)
    model = fit(docs[:80], y[:80], cfg)
    tm = TextModel(json.loads(json.dumps(export(model, cfg, {}))))  # through JSON, like the file
    ours = np.array([tm.score_tokens(d).probability for d in docs[80:]])
    theirs = model.predict_proba(docs[80:])
    assert np.max(np.abs(ours - theirs)) < 1e-6
    assert tm.score_tokens([]).probability == pytest.approx(1 / (1 + np.exp(-tm.intercept)))


def test_score_words_builds_exactly_the_bigrams_the_model_knows() -> None:
    rng = random.Random(5)
    vocab = "earn cash from home data entry send bank details team interview process the and".split()
    texts = [" ".join(rng.choice(vocab) for _ in range(rng.randint(5, 30))) for _ in range(80)]
    y = np.array([int("cash" in t or "bank" in t) for t in texts])
    cfg = TrainConfig(max_terms=40, min_df=1)
    docs = [text_tokens(t) for t in texts]
    model = fit(docs, y, cfg)
    tm = TextModel(export(model, cfg, {}))
    assert any(" " in t for t in tm.terms)  # a bigram model
    ours = np.array([tm.score_words(words(t)).probability for t in texts])
    assert np.max(np.abs(ours - model.predict_proba(docs))) < 1e-6


def test_model_file_rejects_bad_input(tmp_path: Path) -> None:
    p = tmp_path / "m.json"
    p.write_text('{"format": "something-else"}')
    with pytest.raises(ModelError):
        TextModel.load(p)
    p.write_text("[1, 2")
    with pytest.raises(ModelError):
        TextModel.load(p)
    p.write_bytes(b"\x00\x01binary")
    with pytest.raises(ModelError):
        TextModel.load(p)


def test_packaged_model_loads_and_is_small() -> None:
    assert prov.MODEL_PATH.is_file()
    assert prov.MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    tm = TextModel.load(prov.MODEL_PATH)
    assert tm.meta["applies_to"] == ["job-advert"] and 100 <= len(tm.weights) <= 10_000
    assert tm.meta["cv"]["stratified_grouped"]["f1"] > 0.8
    assert tm.score_tokens(advert_tokens(SCAM)).probability > tm.score_tokens(advert_tokens(GENUINE)).probability


def test_held_out_fraudulent_adverts_score_higher(shared_dir: Path) -> None:
    docs, y, _, _ = load_emscad(_emscad(shared_dir))
    idx = np.random.default_rng(7).permutation(len(y))
    tr, te = idx[: int(0.75 * len(y))], idx[int(0.75 * len(y)):]
    cfg = TrainConfig()
    tm = TextModel(export(fit([docs[i] for i in tr], y[tr], cfg), cfg, {}))
    p = np.array([tm.score_tokens(docs[i]).probability for i in te])
    fraud, genuine = p[y[te] == 1], p[y[te] == 0]
    assert fraud.mean() > genuine.mean() + 0.3
    assert np.mean(fraud >= 0.5) > 0.8 and np.mean(genuine < 0.5) > 0.7


def test_cross_validation_reports_metrics() -> None:
    docs, y = _toy(100)
    out = cross_validate(docs, y, TrainConfig(max_terms=50, min_df=1, folds=3))
    assert {"precision", "recall", "f1", "roc_auc", "precision_at_emscad_prevalence"} <= out.keys()
    assert len(out["f1_per_fold"]) == 3 and out["f1"] > 0.8
    assert set(out["by_threshold"]) == {"0.50", "0.70", "0.80", "0.90"}


def _advert_approach(ad: JobAdvert) -> Approach:
    return Approach(source="job-advert", sender_name="job advert", advert=ad,
                    messages=[Message(sender_name="job advert", text=ad.description)])


def test_provider_adds_explained_finding_to_job_adverts_only() -> None:
    p = prov.build(ScanContext())
    assert p is not None
    [f] = p.findings(_advert_approach(SCAM))
    assert f.indicator == "LW-ML-001" and f.category == "job-advert" and f.field == "advert"
    assert f.evidence.startswith("p=") and "words: '" in f.evidence
    assert 0 < f.weight <= prov.MAX_WEIGHT and float(f.evidence[2:6]) >= prov.REPORT_AT
    assert "Vidros" in f.rationale and "not evidence of a state approach" in f.rationale
    assert p.findings(_advert_approach(GENUINE)) == []
    # The same scam wording in a LinkedIn message: the scam model stays out of approach scoring.
    li = Approach(source="linkedin-message", sender_name="x",
                  messages=[Message(sender_name="x", text=SCAM.title + ". " + SCAM.description)])
    assert p.findings(li) == []


def test_provider_build_respects_context_and_missing_or_broken_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert prov.build(ScanContext(use_text_model=False)) is None
    monkeypatch.setenv("LUREWATCH_TEXT_MODEL", str(tmp_path / "missing.json"))
    assert prov.build(ScanContext()) is None
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    monkeypatch.setenv("LUREWATCH_TEXT_MODEL", str(bad))
    p = prov.build(ScanContext())
    assert p is not None  # parsed at the first job advert, so LinkedIn-only scans never read it
    assert p.findings(Approach(source="linkedin-message", sender_name="x")) == []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert p.findings(_advert_approach(SCAM)) == []
        assert p.findings(_advert_approach(SCAM)) == []
    assert sum("text model not used" in str(w.message) for w in caught) == 1  # said once


def test_cli_trains_a_text_model(tmp_path: Path) -> None:
    rows = ["title,company_profile,description,has_company_logo,has_questions,telecommuting,fraudulent"]
    rng = random.Random(3)
    for i in range(60):
        if i % 2:
            rows.append(f'Data entry {i},,"Earn cash from home, send bank details {rng.random()}",0,0,1,1')
        else:
            rows.append(f'Engineer {i},"A real firm since 2001","Join our team, two-stage interview {rng.random()}",'
                        "1,1,0,0")
    csv_path = tmp_path / "ads.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "model.json"
    r = CliRunner().invoke(app, ["train", "--text-model", str(csv_path), "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    summary = json.loads(r.stdout)
    assert summary["trained_on"] == {"file": "ads.csv", "adverts": 60, "fraudulent": 30, "genuine": 30}
    assert summary["cv"]["stratified"]["f1"] > 0.9
    tm = TextModel.load(out)
    assert tm.score_tokens(advert_tokens(SCAM)).probability > 0.5
    bad = CliRunner().invoke(app, ["train", "--text-model", str(tmp_path / "nope.csv")])
    assert bad.exit_code != 0 and "no such file" in " ".join(bad.output.split())
    both = CliRunner().invoke(app, ["train", "--list", "--text-model", str(csv_path)])
    assert both.exit_code != 0


def test_names_places_and_pronouns_are_not_features() -> None:
    from lurewatch.learned.train_text import PERSONAL, drop_terms, proper_nouns

    ads = [JobAdvert(description=f"Send your CV to our recruiter Bradley in Athens, he will call. Work {i} "
                     "from home and earn cash.") for i in range(4)]
    names = proper_nouns(ads)
    assert {"bradley", "athens"} <= names and not {"home", "cash", "send"} & names
    docs = drop_terms([text_tokens(ads[0].description)], names | PERSONAL)[0]
    assert not any(w in names | PERSONAL for t in docs for w in t.split(" "))
    assert "earn cash" in docs
    terms = set(TextModel.load(prov.MODEL_PATH).weights)
    assert not any(w in PERSONAL for t in terms for w in t.split(" "))


def test_scan_cli_adds_the_finding_unless_no_model(tmp_path: Path) -> None:
    csv_path = tmp_path / "ads.csv"
    csv_path.write_text(
        "title,company_profile,description,requirements,benefits,salary_range,has_company_logo,has_questions,"
        "telecommuting\n"
        f'"{SCAM.title}","","{SCAM.description}","","","",0,0,1\n'
        f'"{GENUINE.title}","{GENUINE.company_profile}","{GENUINE.description}","Python","Pension","",1,1,0\n')
    runner = CliRunner()
    r = runner.invoke(app, ["scan", str(csv_path), "-f", "json", "-q", "--no-photos"])
    assert r.exit_code == 0, r.output
    found = {a["messages"][0]["subject"]: [f["indicator"] for f in a["findings"]] for a in json.loads(r.stdout)}
    assert "LW-ML-001" in found[SCAM.title] and "LW-ML-001" not in found[GENUINE.title]
    r = runner.invoke(app, ["scan", str(csv_path), "-f", "json", "-q", "--no-photos", "--no-model"])
    assert r.exit_code == 0 and "LW-ML-001" not in r.stdout
