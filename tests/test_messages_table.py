"""Message tables (JSON Lines / Parquet of messages): threaded as LinkedIn exports are, streamed, bounded."""

from __future__ import annotations

import csv
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.ingest import load_inputs
from lurewatch.ingest.messages_table import stream_approaches
from lurewatch.model import IngestResult

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-export"
runner = CliRunner()


def _gen():  # noqa: ANN202
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("gen_messages", ROOT / "bench" / "gen_messages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _demo_table(path: Path, owner: str) -> None:
    """The demo export's messages.csv as a message table, conversation by conversation, owner given."""
    with open(DEMO / "messages.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    order: dict[str, list[dict]] = {}
    for r in rows:
        order.setdefault(r["CONVERSATION ID"], []).append(r)
    with open(path, "w", encoding="utf-8") as out:
        for conv in order.values():
            for r in conv:
                out.write(json.dumps({
                    "conversation_id": r["CONVERSATION ID"], "conversation_title": r["CONVERSATION TITLE"],
                    "from": r["FROM"], "sender_profile_url": r["SENDER PROFILE URL"], "to": r["TO"],
                    "recipient_profile_urls": r["RECIPIENT PROFILE URLS"], "date": r["DATE"],
                    "subject": r["SUBJECT"], "content": r["CONTENT"], "folder": r["FOLDER"],
                    "attachments": r["ATTACHMENTS"], "is_draft": r["IS MESSAGE DRAFT"],
                    "owner_profile_url": owner}) + "\n")


def test_a_table_of_the_demo_export_threads_as_the_export_does(tmp_path: Path) -> None:
    export = load_inputs([DEMO / "messages.csv"])
    owner = export.approaches[0].owner_profile_url
    assert owner
    _demo_table(tmp_path / "demo.jsonl", owner)
    table = load_inputs([tmp_path / "demo.jsonl"])
    assert table.approaches == [] and len(table.pending) == 1
    streamed = [a for gen in table.pending for a in gen]
    want = [a for a in export.approaches if a.source == "linkedin-message"]
    assert len(want) >= 10
    with open(DEMO / "messages.csv", encoding="utf-8-sig", newline="") as fh:
        assert table.rows_read == sum(1 for _ in csv.DictReader(fh))  # counted as the file streams
    by_id = {a.approach_id: a for a in want}
    got = {a.approach_id for a in streamed}
    assert got <= set(by_id)
    # a table has no Invitations.csv: only the thread the owner began after the sender's invitation is missing
    missing = [by_id[k] for k in set(by_id) - got]
    assert len(missing) == 1 and not missing[0].messages[0].inbound
    for a in streamed:
        b = by_id[a.approach_id]
        assert [(m.sender_name, m.text, m.inbound, m.sent_at) for m in a.messages] == \
            [(m.sender_name, m.text, m.inbound, m.sent_at) for m in b.messages]


def test_owner_is_the_given_one_or_the_first_recipient(tmp_path: Path) -> None:
    rows = [
        {"conversation_id": "a", "from": "Mia Stone", "sender_profile_url": "https://www.linkedin.com/in/mia",
         "to": "Sam Lee", "recipient_profile_urls": "https://www.linkedin.com/in/sam", "date": "2025-01-02 10:00:00 UTC",
         "content": "Hello Sam, my client pays USD 3,000 per report."},
        {"conversation_id": "a", "from": "Sam Lee", "sender_profile_url": "https://www.linkedin.com/in/sam",
         "to": "Mia Stone", "date": "2025-01-02 11:00:00 UTC", "content": "Tell me more."},
        {"conversation_id": "b", "from": "Jo Park", "to": "Kim Ode", "date": "2025-02-01", "content": "Hi Kim",
         "owner_profile_url": "https://www.linkedin.com/in/kim"},
        {"conversation_id": "", "from": "X", "date": "2025-01-01", "content": "no conversation"},
        "not an object",
    ]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    res = IngestResult()
    got = list(stream_approaches(p, res))
    assert [(a.conversation_id, a.sender_name, a.owner_profile_url) for a in got] == [
        ("a", "Mia Stone", "https://linkedin.com/in/sam"), ("b", "Jo Park", "https://linkedin.com/in/kim")]
    assert [m.inbound for m in got[0].messages] == [True, False]
    assert res.rows_read == 3 and res.rows_skipped == 3
    assert sorted(p.line for p in res.problems) == [4, 5, 6]


def test_jsonl_and_parquet_tables_scan_the_same(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    gen = _gen()
    gen.write(1500, tmp_path / "m.jsonl", seed=3)
    gen.write(1500, tmp_path / "m.parquet", seed=3, parquet=True)
    outs = []
    for name in ("m.jsonl", "m.parquet"):
        out = tmp_path / f"{name}.out"
        r = runner.invoke(app, ["scan", str(tmp_path / name), "-f", "jsonl", "-o", str(out), "--no-photos", "-q"])
        assert r.exit_code == 0, r.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    recs = [json.loads(x) for x in outs[0].splitlines()]
    assert len(recs) > 400 and {r["level"] for r in recs} == {"low", "medium", "high"}
    r = runner.invoke(app, ["scan", str(tmp_path / "m.jsonl"), "-f", "jsonl", "-o", str(tmp_path / "j2"),
                            "--no-photos", "-q", "--jobs", "2"])
    assert r.exit_code == 0 and (tmp_path / "j2").read_bytes() == outs[0]


def test_streaming_holds_one_conversation_not_the_file(tmp_path: Path) -> None:
    """Reading 10x the rows does not hold 10x the memory: approaches are made as conversations end.

    Measured in a fresh interpreter: in a long test session, caches filled by earlier tests (bounded, but
    growing while this runs) would be counted as this reader's memory."""
    code = f"""
import importlib.util, sys, tracemalloc
from pathlib import Path
sys.path.insert(0, {str(ROOT / "src")!r})
spec = importlib.util.spec_from_file_location("gen_messages", {str(ROOT / "bench" / "gen_messages.py")!r})
gen = importlib.util.module_from_spec(spec); spec.loader.exec_module(gen)
from lurewatch.ingest.messages_table import stream_approaches
from lurewatch.model import IngestResult
for n in (2000, 20000):
    p = Path({str(tmp_path)!r}) / f"m{{n}}.jsonl"
    gen.write(n, p, seed=5)
    res = IngestResult()
    tracemalloc.start()
    count = sum(1 for _ in stream_approaches(p, res))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert res.rows_read == n and count > n // 4, (res.rows_read, count)
    print(peak)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    peaks = [int(x) for x in out.stdout.split()]
    assert len(peaks) == 2 and peaks[1] < 2 * peaks[0] + 2_000_000, peaks


def test_table_uris_survive_pathlib() -> None:
    """typer hands paths as Path, which folds `s3a://b` into `s3a:/b`: the Spark engine restores them."""
    from lurewatch.spark_scan import is_uri, uri

    assert uri(str(Path("s3a://store/messages/"))) == "s3a://store/messages"
    assert uri(str(Path("hdfs://nn:8020/m.parquet"))) == "hdfs://nn:8020/m.parquet"
    assert uri(str(Path("file:///data/m.jsonl"))) == "file:/data/m.jsonl"
    assert not is_uri(str(Path("/data/m.jsonl"))) and not is_uri("C:/data/m.jsonl")


def test_one_conversation_is_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile table cannot make one conversation hold unbounded rows: the rest is reported and skipped."""
    from lurewatch.ingest import messages_table

    monkeypatch.setattr(messages_table, "MAX_CONVERSATION_ROWS", 3)
    p = tmp_path / "t.jsonl"
    row = {"conversation_id": "big", "from": "Ann Lee", "to": "Bo Chan", "date": "2025-01-02", "content": "hello"}
    p.write_text("".join(json.dumps(dict(row, date=f"2025-01-0{i + 1}")) + "\n" for i in range(5))
                 + json.dumps(dict(row, conversation_id="small")) + "\n", encoding="utf-8")
    res = IngestResult()
    got = list(stream_approaches(p, res))
    assert [(a.conversation_id, len(a.messages)) for a in got] == [("big", 3), ("small", 1)]
    assert res.rows_read == 4 and res.rows_skipped == 2
    assert [pr.line for pr in res.problems] == [4] and "more than 3 rows" in res.problems[0].reason
