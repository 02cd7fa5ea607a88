"""`lurewatch exposure`: what on one's own profile makes one an easy target (issue 15, part 4)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.exposure import assess, checks, run_examples
from lurewatch.model import Position, Profile

DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-export"


def _export(folder: Path, headline: str, summary: str, positions: list[tuple[str, str, str]], recent: int,
            older: int) -> Path:
    folder.mkdir(parents=True)
    (folder / "Profile.csv").write_text(
        "First Name,Last Name,Maiden Name,Address,Birth Date,Headline,Summary,Industry,Zip Code,Geo Location,"
        f"Twitter Handles,Websites,Instant Messengers\nAlex,Moreau,,,,\"{headline}\",\"{summary}\",Defense & Space,,,,,\n")
    (folder / "Positions.csv").write_text("Company Name,Title,Description,Location,Started On,Finished On\n" + "".join(
        f'{c},{t},"{d}",,Jan 2022,\n' for c, t, d in positions))
    today = date.today()
    rows = [today - timedelta(days=5 + i % 60) for i in range(recent)] + \
           [today - timedelta(days=400 + i) for i in range(older)]
    (folder / "Connections.csv").write_text(
        "Notes:\n\"When exporting your connection data, you may notice that some of the email addresses are missing.\"\n\n"
        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n" + "".join(
            f"P{i},Q,https://www.linkedin.com/in/p{i},,Co,Role,{d.strftime('%d %b %Y')}\n" for i, d in enumerate(rows)))
    (folder / "messages.csv").write_text("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,"
                                         "RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER\n")
    return folder


def test_every_check_has_a_cited_rationale_and_its_examples_pass() -> None:
    assert all(c.rationale and c.advice and c.severity in ("high", "medium", "low") for c in checks())
    bad = [r for r in run_examples() if not r[3]]
    assert bad == []


def test_an_exposed_profile_gets_every_sign_with_its_evidence(tmp_path: Path) -> None:
    folder = _export(tmp_path / "exposed", "Systems engineer | DV cleared | radar for the MOD",
                     "Reach me on alex.moreau.radar@gmail.com.",
                     [("Northgate Defence", "Lead engineer", "Owned the prototype roadmap for the AUKUS sonar; "
                       "detection range of 40 km at TRL 5.")], recent=60, older=40)
    res = CliRunner().invoke(app, ["exposure", str(folder), "--format", "json"])
    assert res.exit_code == 0, res.output
    found = {f["check"]: f for f in json.loads(res.stdout)["findings"]}
    assert {"LW-EXP-001", "LW-EXP-002", "LW-EXP-003", "LW-EXP-004", "LW-EXP-005"} <= set(found)
    assert "DV cleared" in found["LW-EXP-001"]["evidence"] and found["LW-EXP-001"]["field"] == "headline"
    assert "AUKUS" in found["LW-EXP-002"]["evidence"]
    assert "60 of 100 connections" in found["LW-EXP-004"]["evidence"]
    assert "gmail.com" in found["LW-EXP-005"]["evidence"]


def test_a_careful_profile_gets_no_high_sign() -> None:
    owner = Profile(name="Sam", headline="Software engineer", summary="Open to collaborations on navigation.",
                    positions=[Position(company="Acme", title="Engineer", summary="Navigation algorithms.")])
    assert [f for f in assess(owner, [date(2020, 1, 1)] * 50) if f.severity != "low"] == []


def test_the_organisation_view_counts_without_names_unless_lead(tmp_path: Path) -> None:
    a = _export(tmp_path / "a", "DV cleared engineer", "x", [("Co", "Eng", "work")], recent=0, older=10)
    b = _export(tmp_path / "b", "Engineer", "x", [("Co", "Eng", "work")], recent=0, older=10)
    res = CliRunner().invoke(app, ["exposure", str(a), str(b), "--format", "json"])
    body = json.loads(res.stdout)
    assert body["people"] == 2 and body["signs"]["LW-EXP-001"] == 1 and "by_person" not in body
    assert "Alex" not in res.stdout
    res = CliRunner().invoke(app, ["exposure", str(a), str(b), "--format", "json", "--lead"])
    assert "Alex Moreau" in json.loads(res.stdout)["by_person"]


def test_hostile_field_contents_are_bounded() -> None:
    owner = Profile(name="x", headline="1" * 200_000, summary="(" * 100_000 + "@" * 100_000)
    assert isinstance(assess(owner, []), list)  # returns (fields are cut to 5,000 characters before matching)


def test_the_demo_export_is_read() -> None:
    res = CliRunner().invoke(app, ["exposure", str(DEMO), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert [f["check"] for f in json.loads(res.stdout)["findings"]] == ["LW-EXP-006"]
