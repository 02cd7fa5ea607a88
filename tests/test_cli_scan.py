"""`lurewatch scan` and `lurewatch check` end to end through the Typer app."""

from __future__ import annotations

import json
import zipfile

from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.store import Store

runner = CliRunner()

HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,"
          "CONTENT,FOLDER\n")
OWNER = "https://www.linkedin.com/in/owner-x"


def _export(tmp_path, rows):
    d = tmp_path / "export"
    d.mkdir()
    lines = [HEADER]
    for cid, name, url, when, text in rows:
        text = text.replace('"', '""')
        lines.append(f'{cid},,{name},{url},Owner X,{OWNER},{when},,"{text}",INBOX\n')
    (d / "messages.csv").write_text("".join(lines), encoding="utf-8")
    (d / "Profile.csv").write_text("First Name,Last Name,Headline,Summary,Industry\nOwner,X,"
                                   "Quantum engineer at Qubits Ltd,,Computer Hardware\n")
    return d


HOSTILE = ("Hi, our client pays USD 2,000 per report, flexible work. Shall we continue on WhatsApp? "
           "<script>alert(1)</script><img src=x onerror=alert(2)> [bold red]x[/]")
LEGIT = "Hi, we are hiring a Staff Engineer, salary GBP 95-110k. Open to a call with the hiring manager?"


def _rows():
    return [
        ("c1", "Eve Spy", "https://www.linkedin.com/in/eve-spy", "2024-02-05 08:12:44 UTC", HOSTILE),
        ("c2", "Rita Recruiter", "https://www.linkedin.com/in/rita", "2024-02-06 09:00:00 UTC", LEGIT),
    ]


def test_scan_jsonl_contract(tmp_path):
    d = _export(tmp_path, _rows())
    r = runner.invoke(app, ["scan", str(d), "--format", "jsonl", "--quiet"])
    assert r.exit_code == 0, r.output
    objs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    assert len(objs) == 2
    keys = {"approach_id", "source", "conversation_id", "sender_name", "sender_profile_url", "first_contact",
            "score", "level", "findings", "advice"}
    for o in objs:
        assert keys <= o.keys()
        assert o["source"] == "linkedin-message"
        assert o["level"] in ("low", "medium", "high") and 0 <= o["score"] <= 100
        for fd in o["findings"]:
            assert {"indicator", "title", "category", "weight", "evidence"} <= fd.keys()
    by = {o["conversation_id"]: o for o in objs}
    assert by["c1"]["level"] in ("medium", "high") and by["c2"]["level"] == "low"
    assert by["c1"]["first_contact"].startswith("2024-02-05T08:12:44")
    assert objs[0]["score"] >= objs[1]["score"]  # sorted by score


def test_scan_json_is_the_same_objects_in_a_list(tmp_path):
    d = _export(tmp_path, _rows())
    a = runner.invoke(app, ["scan", str(d), "-f", "json", "-q"])
    b = runner.invoke(app, ["scan", str(d), "-f", "jsonl", "-q"])
    assert json.loads(a.stdout) == [json.loads(x) for x in b.stdout.splitlines()]


def test_scan_html_escapes_hostile_content(tmp_path):
    d = _export(tmp_path, _rows())
    out = tmp_path / "r.html"
    r = runner.invoke(app, ["scan", str(d), "-f", "html", "-o", str(out), "-q"])
    assert r.exit_code == 0, r.output
    html = out.read_text()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()  # the report itself runs no script
    assert "Content-Security-Policy" in html


def test_table_output_does_not_interpret_markup(tmp_path):
    d = _export(tmp_path, _rows())
    r = runner.invoke(app, ["scan", str(d), "-q"])
    assert r.exit_code == 0
    assert "Eve Spy" in r.stdout and "score" in r.stdout


def test_zip_and_folder_give_the_same_answer(tmp_path):
    d = _export(tmp_path, _rows())
    z = tmp_path / "Basic_LinkedInDataExport_01-15-2026.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for p in d.iterdir():
            zf.write(p, p.name)
    a = runner.invoke(app, ["scan", str(d), "-f", "json", "-q"])
    b = runner.invoke(app, ["scan", str(z), "-f", "json", "-q"])
    assert json.loads(a.stdout) == json.loads(b.stdout)


def test_scan_writes_nothing_by_default_and_store_is_idempotent(tmp_path, monkeypatch):
    d = _export(tmp_path, _rows())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    before = sorted(p for p in tmp_path.rglob("*"))
    r = runner.invoke(app, ["scan", str(d), "-q"])
    assert r.exit_code == 0
    assert sorted(p for p in tmp_path.rglob("*")) == before
    db = tmp_path / "lw.sqlite"
    for _ in range(2):
        r = runner.invoke(app, ["scan", str(d), "--store", "--db", str(db), "-q"])
        assert r.exit_code == 0, r.output
    stored = list(Store(db).iter_approaches())
    assert [s["conversation_id"] for s in stored] == ["c1"]  # only flagged, and only once


def test_bad_input_is_a_clear_message_not_a_traceback(tmp_path):
    r = runner.invoke(app, ["scan", str(tmp_path / "missing")])
    assert r.exit_code == 2 and "no such file" in " ".join(r.output.split()) and "Traceback" not in r.output
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    r = runner.invoke(app, ["scan", str(junk), "-f", "json"])
    assert r.exit_code == 2 and "Traceback" not in r.output  # nothing could be read (issue 13)
    assert "problem" in r.output and "nothing could be read" in r.output


def test_check_from_option_stdin_and_profile(tmp_path):
    r = runner.invoke(app, ["check", "-m", HOSTILE, "-f", "json"])
    assert r.exit_code == 0, r.output
    (obj,) = json.loads(r.stdout)
    assert obj["level"] in ("medium", "high") and obj["advice"]
    r = runner.invoke(app, ["check", "-f", "jsonl"], input=LEGIT)
    assert json.loads(r.stdout)["level"] == "low"
    prof = tmp_path / "p.json"
    prof.write_text(json.dumps({"basics": {"name": "A", "label": "Global headhunter",
                                           "url": "https://linkedin.com/in/a"},
                                "meta": {"connections": 9, "accountCreated": "2026-10-01"}}))
    r = runner.invoke(app, ["check", "-m", "Hello, would you like a paid consultancy?", "--profile", str(prof),
                            "-f", "json"])
    ids = {f["indicator"] for f in json.loads(r.stdout)[0]["findings"]}
    assert {"LW-PERSONA-001", "LW-PERSONA-002"} <= ids
    r = runner.invoke(app, ["check", "-m", ""])
    assert r.exit_code == 2 and "empty" in " ".join(r.output.split())


def test_a_wrongly_encoded_export_is_repaired_with_a_message(tmp_path):
    d = tmp_path / "export"
    d.mkdir()
    text = (HEADER + 'c9,,Zoë Café,https://www.linkedin.com/in/zoe,Owner X,' + OWNER +
            ',2024-02-05 08:12:44 UTC,,"Bonjour, café crème? Let us talk on WhatsApp.",INBOX\n')
    (d / "messages.csv").write_bytes(text.encode("cp1252"))
    r = runner.invoke(app, ["scan", str(d), "-f", "json"])
    assert r.exit_code == 0, r.output
    out = " ".join(r.output.split())
    assert "encoding repaired" in out
    (obj,) = json.loads(r.stdout)
    assert obj["sender_name"] == "Zoë Café"
