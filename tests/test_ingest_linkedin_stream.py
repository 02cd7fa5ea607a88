"""A large messages.csv read in bounded memory (ingest/linkedin_stream.py, textstream.py) gives the same
approaches, problems and counts as the whole-file reader, and `scan` the same bytes."""

from __future__ import annotations

import csv
import io
import random
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest
from tests.test_ingest_linkedin import make_zip
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.ingest import linkedin_stream, scan_inputs, textstream
from lurewatch.ingest.safety import SafeZip, UnsafeInput, decode_text

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo-export"
runner = CliRunner()

MOJIBAKE = "Caf\u00c3\u00a9 meeting \u00e2\u20ac\u2122s agenda"  # "Café meeting 's agenda" read as cp1252


@pytest.fixture(scope="module")
def scattered(tmp_path_factory) -> Path:
    """bench_scan --realistic's export, rows shuffled (each conversation scattered over the file), with
    quoted newlines, multi-byte characters, mojibake, drafts, system rows, a stray quote and an invitation."""
    sys.path.insert(0, str(REPO / "bench"))
    try:
        from bench_scan import generate_realistic
    finally:
        sys.path.pop(0)
    folder = tmp_path_factory.mktemp("scattered") / "export"
    generate_realistic(folder, 1500)
    path = folder / "messages.csv"
    header, *rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
    rng = random.Random(17)
    owner = "https://www.linkedin.com/in/owner-bench"
    for i, row in enumerate(rows[::37]):
        row[8] += "\n\nsecond paragraph\r\nthird \u00e9\u20ac\U0001F600" * (1 + i % 3)  # quoted newlines
    for i in range(40):  # a multi-byte character at every offset of a chunk boundary, somewhere
        rows.append([f"mb{i % 7}", "", "Ren\u00e9e M\u00fcller", "https://www.linkedin.com/in/renee-m",
                     "Owner Bench", owner, f"2025-03-{1 + i % 27:02d} 10:00:00 UTC", "",
                     "\u00e9" * i + "\u4e2d\u6587 \U0001F600 hello " + "\u20ac" * (i % 5), "INBOX", "", "No"])
    rows.append(["moj1", "", "Ana Sousa", "https://www.linkedin.com/in/ana-s", "Owner Bench", owner,
                 "2025-04-02 09:00:00 UTC", "", MOJIBAKE, "INBOX", "", "No"])
    rows.append(["r5", "", "Owner Bench", owner, "X", "", "2025-04-02 09:00:00 UTC", "", "draft", "", "", "Yes"])
    rows.append(["r6", "", "LinkedIn Member", "", "Owner Bench", owner, "2025-04-02 09:00:00 UTC", "",
                 "Message request accepted", "INBOX", "", "No"])
    rows.append(["", "", "No Conv", "", "Owner Bench", owner, "2025-04-02 09:00:00 UTC", "", "hi", "", "", ""])
    rng.shuffle(rows)
    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows[:700])
    out.write('bad1,,"Stray Quote,https://www.linkedin.com/in/stray,Owner Bench,,2025-01-01 10:00:00 UTC,,hi,,,No\r\n')
    w.writerows(rows[700:])
    path.write_bytes(out.getvalue().encode("utf-8"))
    (folder / "Invitations.csv").write_text(
        "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
        f"Iva Note,Owner Bench,\"1/19/25, 9:15 AM\",Quick question about your work,INCOMING,"
        f"https://www.linkedin.com/in/iva-note,{owner}\n", encoding="utf-8")
    return folder


def _read(folder: Path, streamed: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[dict], object]:
    monkeypatch.setenv("LUREWATCH_CSV_STREAM", "1" if streamed else "0")
    loaded = scan_inputs([folder], stream=True)
    res = loaded.result
    assert bool(res.pending) == streamed
    aps = list(res.approaches) + [a for stream in res.pending for a in stream]
    records = sorted((a.to_contract() | {"profile": a.profile.name if a.profile else None,
                                         "owner": (a.owner.name, a.owner.headline) if a.owner else None}
                      for a in aps), key=lambda r: r["approach_id"])
    summary = (res.problems, res.rows_read, res.rows_skipped, res.files_read,
               [(e.owner_profile_url, e.owner.name if e.owner else None, e.stats) for e in loaded.exports])
    return records, summary


@pytest.mark.parametrize("source", ["demo", "scattered", "no-profile", "zip", "zip-folder"])
def test_streamed_reader_gives_the_same_approaches(source: str, scattered: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    folder = DEMO if source == "demo" else scattered
    if source == "no-profile":  # the owner's name then comes from the messages (read back when streamed)
        folder = tmp_path / "no-profile"
        shutil.copytree(scattered, folder, ignore=shutil.ignore_patterns("Profile.csv"))
    elif source.startswith("zip"):  # a zip member is inflated as it is read, twice, within the zip's bounds
        folder = make_zip(scattered, tmp_path / "export.zip", "Export/" if source == "zip-folder" else "")
    if source != "demo":
        tmp_path = tmp_path / "spill"
        tmp_path.mkdir()
    whole, whole_summary = _read(folder, False, monkeypatch)
    monkeypatch.setattr(textstream, "CHUNK_BYTES", 4093)  # characters and lines split across chunks
    monkeypatch.setattr(linkedin_stream, "PARTITION_BYTES", 4096)  # many partitions
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    streamed, streamed_summary = _read(folder, True, monkeypatch)
    assert len(whole) > 20
    assert streamed == whole
    assert streamed_summary == whole_summary
    assert not list(tmp_path.iterdir())  # the partitions are removed once read
    if source.startswith("zip"):
        assert any("export.zip!" in p.file for p in whole_summary[0])
    if source != "demo":
        problems = whole_summary[0]
        assert any("encoding repaired" not in p.reason and "malformed" in p.reason for p in problems)
        assert any(r["source"] == "linkedin-invitation" for r in whole)
        assert any("Café meeting" in m["text"] for r in whole for m in r["messages"])


def test_text_lines_match_decode_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textstream, "CHUNK_BYTES", 5)
    cases = [
        b'a,b\r\nc\xc3\xa9,"x\ny"\r\nlast\rline',  # CRLF, a lone CR, a quoted newline, no final newline
        b"\xef\xbb\xbfh\n\xe2\x80\x99 caf\xc3\x83\xc2\xa9 ok\nx\xf0\x9f\x98\x80y\n",  # BOM, mojibake, emoji
        b"caf\xe9,\x81\n\xef\xbb\xbfzz\n",  # not UTF-8: cp1252
        "h\nline\r\n\u00e9\U0001F600\n".encode("utf-16"),
        b"", b"\n\n", b"abc",
    ]
    for i, data in enumerate(cases):
        path = tmp_path / f"{i}.csv"
        path.write_bytes(data)
        ref = decode_text(data)
        text = textstream.open_text(path, 1 << 20)
        assert list(text.lines()) == list(io.StringIO(ref.text, newline="")), i
        assert (text.encoding, text.repaired) == (ref.encoding, ref.repaired), i
        zpath = tmp_path / f"{i}.zip"
        with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("messages.csv", data)
        safe = SafeZip(zpath)
        text = textstream.open_stream(safe.opener("messages.csv"), "z", 1 << 20)
        assert list(text.lines()) == list(io.StringIO(ref.text, newline="")), i
        assert (text.encoding, text.repaired) == (ref.encoding, ref.repaired), i
        assert safe._read_total == len(data)  # read twice, counted once
        safe.close()


def test_a_zip_member_that_inflates_past_its_bounds_is_cut_off_while_streamed(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch
                                                                               ) -> None:
    data = b"CONVERSATION ID,FROM,CONTENT\n" + b"c1,A,hello there\n" * 20_000  # 340 kB, compresses well
    zpath = tmp_path / "bomb.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("messages.csv", data)
    safe = SafeZip(zpath)
    safe.max_member = 100_000  # as if the header had declared less than the member inflates to
    monkeypatch.setattr(textstream, "CHUNK_BYTES", 4096)
    with pytest.raises(UnsafeInput, match="inflates past"):
        textstream.open_stream(safe.opener("messages.csv"), "bomb.zip!messages.csv", 1 << 30)
    safe.close()
    # through the scan: a problem, not an exception, and nothing of the member is kept
    monkeypatch.setenv("LUREWATCH_CSV_STREAM", "1")
    monkeypatch.setenv("LUREWATCH_MAX_UNCOMPRESSED_MB", "1")
    big = tmp_path / "big.zip"
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("messages.csv", b"CONVERSATION ID,FROM,CONTENT\n" + b"c1,A,hi\n" * 200_000)  # 1.6 MB
    res = scan_inputs([big], stream=True).result
    assert not res.approaches and not res.pending
    assert any("refused" in p.reason for p in res.problems)


def test_scan_output_is_byte_identical_streamed_or_not(scattered: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    outs = []
    for flag in ("0", "1"):
        monkeypatch.setenv("LUREWATCH_CSV_STREAM", flag)
        out = tmp_path / f"out-{flag}.jsonl"
        r = runner.invoke(app, ["scan", str(scattered), "-f", "jsonl", "-o", str(out), "-q", "--no-photos"])
        assert r.exit_code == 0, r.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\n") > 400
