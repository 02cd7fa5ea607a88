"""The rules' metadata and scoring policy are data: validated on load, against a JSON Schema, and used."""

from __future__ import annotations

import glob
from pathlib import Path

import pytest
import yaml

from lurewatch.indicators import policy
from lurewatch.indicators.engine import Engine
from lurewatch.indicators.rules import RuleError
from lurewatch.model import Finding
from lurewatch.scoring.combine import CONTEXT, MITIGATING, PERSONA, score_findings, unmitigable

RULES = Path(__file__).resolve().parents[1] / "src" / "lurewatch" / "indicators" / "rules"
GOOD = """
family: test
indicators:
  - id: LW-TEST-001
    title: Asks for the test rig's wiring
    category: {category}
    scope: message
    weight: 20
    rationale: A test rule, with a rationale long enough.
    match: {{any: ["wiring diagram"]}}
    {extra}
"""


def _folder(tmp_path: Path, category: str = "request", extra: str = "", name: str = "rules") -> Path:
    d = tmp_path / name
    d.mkdir()
    (d / "mine.yaml").write_text(GOOD.format(category=category, extra=extra))
    return d


@pytest.mark.parametrize("path", sorted(glob.glob(str(RULES / "*.yaml"))), ids=lambda p: Path(p).name)
def test_every_rule_file_validates_against_the_schema(path: str) -> None:
    assert policy.validate_rule_file(Path(path).name, yaml.safe_load(Path(path).read_text())) == []


def test_a_mistyped_category_fails_loading_with_file_and_rule(tmp_path: Path) -> None:
    """It used to load and score as full behaviour."""
    with pytest.raises(RuleError, match=r"mine\.yaml: LW-TEST-001 has unknown category 'reqeust'"):
        Engine.load(extra=_folder(tmp_path, "reqeust"))


def test_an_unknown_field_fails_loading_with_its_place(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match=r"mine\.yaml: indicators\[0\] \(LW-TEST-001\).*'wieght'"):
        Engine.load(extra=_folder(tmp_path, extra="wieght: 3"))
    with pytest.raises(RuleError, match=r"\(LW-TEST-001\)\.status: 'production' is not one of"):
        Engine.load(extra=_folder(tmp_path, extra="status: production", name="other"))


def test_metadata_is_read(tmp_path: Path) -> None:
    e = Engine.load(extra=_folder(tmp_path, extra='status: experimental\n    tags: [attack.t1598]\n'
                                                  '    mitigable: false\n    references: ["https://example.org/x"]'))
    ind = e.by_id["LW-TEST-001"]
    assert (ind.status, ind.tags, ind.mitigable, ind.references) == ("experimental", ("attack.t1598",), False,
                                                                     ("https://example.org/x",))
    assert "LW-TEST-001" in e.unmitigable


def test_the_policy_is_what_the_scoring_hard_coded_before() -> None:
    assert {"target", "interest", "approach"} == CONTEXT and {"persona"} == PERSONA and {"legitimacy"} == MITIGATING
    assert unmitigable() == {"LW-SECRET-001", "LW-SECRET-002", "LW-REQ-001", "LW-FILE-001", "LW-FILE-004",
                             "LW-PIVOT-005", "LW-SHARED-001", "LW-WATCH-001", "LW-CYBER-001", "LW-CYBER-006",
                             "LW-CYBER-010",  # device-code sign-in: no legitimacy sign makes it safe
                             "LW-CYBER-013"}  # access handed over (a key, a token, a mail rule): nor this


def test_unmitigable_comes_from_the_rules() -> None:
    legit = Finding("LW-LEGIT-001", "t", "legitimacy", -30.0, "")
    ask = Finding("LW-REQ-001", "t", "request", 40.0, "")
    soft = Finding("LW-REQ-002", "t", "request", 40.0, "")
    assert score_findings([ask, legit]) == score_findings([ask])  # mitigable: false in requests.yaml
    assert score_findings([soft, legit]) < score_findings([soft])


def test_provider_indicators_are_declared_and_match_the_code() -> None:
    from lurewatch.learned.provider import MAX_WEIGHT
    from lurewatch.photo.findings import TITLES, WEIGHTS
    from lurewatch.sharing.provider import WEIGHT
    from lurewatch.watchlists.provider import BASE_WEIGHT, TITLE

    declared = {p.id: p for p in Engine.load().provider_rules}
    for ind, title in TITLES.items():
        assert declared[ind].title == title and declared[ind].weight == WEIGHTS[ind] and declared[ind].provider == "photo"
    assert declared["LW-WATCH-001"].title == TITLE and declared["LW-WATCH-001"].weight == BASE_WEIGHT
    assert declared["LW-SHARED-001"].weight == max(WEIGHT.values())
    assert declared["LW-ML-001"].weight == MAX_WEIGHT
    assert all(p.category in policy.categories() for p in declared.values())


def test_indicators_list_shows_providers_and_metadata() -> None:
    import json

    from typer.testing import CliRunner

    from lurewatch.cli.app import app

    res = CliRunner().invoke(app, ["indicators", "list", "--format", "json"])
    assert res.exit_code == 0, res.output
    rows = {r["id"]: r for r in json.loads(res.stdout)}
    assert rows["LW-PHOTO-003"]["provider"] == "photo" and rows["LW-PHOTO-003"]["role"] == "persona"
    assert rows["LW-REQ-001"]["mitigable"] is False and "attack.t1598" in rows["LW-REQ-001"]["tags"]
    assert rows["LW-SEM-REQ"]["role"] == "semantic"
