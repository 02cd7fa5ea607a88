"""Finding 11: `lurewatch scan` exits 2 (as grep does) when no input could be read; a scan that read
something exits 0, even with some inputs refused."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from typer.testing import CliRunner

from lurewatch.cli import app

runner = CliRunner()
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-export"


def _refused(tmp_path: Path) -> list[str]:
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("messages.csv", b"CONVERSATION ID,FROM,DATE,CONTENT\n" + b"a" * (30 * 1024 * 1024))
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../messages.csv", "x")
    not_mail = tmp_path / "x.eml"
    not_mail.write_text("Subject: hi\n\nno sender\n")
    binary = tmp_path / "junk.bin"
    binary.write_bytes(b"\x00\x01\x02" * 1000)
    return [str(bomb), str(evil), str(not_mail), str(binary)]


def test_every_input_refused_exits_2(tmp_path: Path) -> None:
    r = runner.invoke(app, ["scan", *_refused(tmp_path), "-f", "json"])
    assert r.exit_code == 2, r.output
    assert "nothing could be read" in " ".join(r.output.split()) and "Traceback" not in r.output


def test_each_refusal_alone_exits_2(tmp_path: Path) -> None:
    for path in _refused(tmp_path):
        r = runner.invoke(app, ["scan", path, "-q", "-f", "jsonl"])
        assert r.exit_code == 2, (path, r.output)


def test_some_input_read_exits_0(tmp_path: Path) -> None:
    r = runner.invoke(app, ["scan", str(DEMO), *_refused(tmp_path), "-q", "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    assert [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    assert runner.invoke(app, ["scan", str(DEMO), "-q", "-f", "jsonl"]).exit_code == 0


def test_check_exits_2_on_an_unreadable_message_file_and_0_when_it_reads(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01\x02" * 1000)
    assert runner.invoke(app, ["check", "--message-file", str(junk)]).exit_code == 2
    assert runner.invoke(app, ["check", "-m", "Shall we continue on WhatsApp? We pay per report."]).exit_code == 0
