"""`scan --engine spark` gives exactly the local engine's approaches, scores and findings (local[2]; needs a JVM)."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli import app

pytestmark = pytest.mark.spark
ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo-export"
runner = CliRunner()


@pytest.fixture(scope="module")
def spark():  # noqa: ANN201
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime")
    pytest.importorskip("pyarrow")
    from lurewatch.linking.spark import session

    s = session("local[2]")
    yield s
    s.stop()


def _gen():  # noqa: ANN202
    sys.path.insert(0, str(ROOT / "bench"))
    spec = importlib.util.spec_from_file_location("gen_messages", ROOT / "bench" / "gen_messages.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _scan(inputs: list[Path], out: Path, *extra: str) -> str:
    r = runner.invoke(app, ["scan", *map(str, inputs), "-f", "jsonl", "-o", str(out), *extra])
    assert r.exit_code == 0, r.output
    return r.output


def test_demo_export_identical_on_both_engines(spark, tmp_path: Path) -> None:  # noqa: ANN001
    for level in ("low", "medium"):
        local, remote = tmp_path / f"local-{level}.jsonl", tmp_path / f"spark-{level}.jsonl"
        _scan([DEMO], local, "--min-level", level)
        out = _scan([DEMO], remote, "--min-level", level, "--engine", "spark", "--spark-master", "local[2]")
        assert local.read_bytes() == remote.read_bytes()
        assert "8 high" in out
    recs = [json.loads(x) for x in (tmp_path / "spark-low.jsonl").read_text("utf-8").splitlines()]
    assert len(recs) == 24 and recs[0]["level"] == "high" and recs[0]["findings"]


def test_confirm_mode_identical_on_both_engines(spark, tmp_path: Path) -> None:  # noqa: ANN001
    # `--semantic confirm` loads a second encoder (the ONNX model) in every executor and rescores there
    local, remote = tmp_path / "local.jsonl", tmp_path / "spark.jsonl"
    _scan([DEMO], local, "--semantic", "confirm")
    out = _scan([DEMO], remote, "--semantic", "confirm", "--engine", "spark", "--spark-master", "local[2]")
    assert local.read_bytes() == remote.read_bytes()
    assert "8 high" in out
    auto = tmp_path / "auto.jsonl"  # the full model's scores differ from the table's on this export
    _scan([DEMO], auto)
    assert auto.read_bytes() != remote.read_bytes()


def test_message_tables_identical_on_both_engines(spark, tmp_path: Path) -> None:  # noqa: ANN001
    gen = _gen()
    gen.write(2500, tmp_path / "a.jsonl", seed=11)
    gen.write(1200, tmp_path / "b.parquet", seed=12, parquet=True)
    with open(tmp_path / "a.jsonl", "a", encoding="utf-8") as fh:  # hostile rows: reported, skipped alike
        fh.write('{"conversation_id": "zz", "from": "", "date": "x", "content": "no sender"}\n{not json\n\n')
        fh.write(json.dumps({"conversation_id": "new", "from": "Late Row", "date": "2026-01-01",
                             "content": "My client pays USD 2,000 per report."}) + "\n")
    inputs = [tmp_path / "a.jsonl", tmp_path / "b.parquet", DEMO]
    local, remote = tmp_path / "local.jsonl", tmp_path / "spark.jsonl"
    out_local = _scan(inputs, local, "--no-photos")
    out_spark = _scan(inputs, remote, "--no-photos", "--engine", "spark", "--spark-master", "local[2]",
                      "--spark-partitions", "3")
    assert local.read_bytes() == remote.read_bytes()
    assert local.stat().st_size > 100_000
    summary = [ln for ln in out_local.splitlines() if ln.startswith("read ")]
    assert summary and summary == [ln for ln in out_spark.splitlines() if ln.startswith("read ")]
    assert "(2 skipped)" in summary[0]

    folder = tmp_path / "out.parquet"
    r = runner.invoke(app, ["scan", *map(str, inputs), "-f", "parquet", "-o", str(folder), "--no-photos",
                            "--engine", "spark", "--spark-master", "local[2]"])
    assert r.exit_code == 0, r.output
    import pyarrow.dataset as ds

    table = ds.dataset(str(folder), format="parquet").to_table().to_pylist()
    want = [json.loads(x) for x in local.read_text("utf-8").splitlines()]
    got = sorted(table, key=lambda t: (-t["score"], t["approach_id"]))
    assert [json.loads(t["record"]) for t in got] == want
    assert all(t["score"] == json.loads(t["record"])["score"] for t in got[:50])


def _bench_scan():  # noqa: ANN202
    spec = importlib.util.spec_from_file_location("bench_scan", ROOT / "bench" / "bench_scan.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("shared_disk", [True, False])
def test_streamed_export_goes_to_the_executors_a_chunk_at_a_time(spark, tmp_path: Path, monkeypatch,  # noqa: ANN001
                                                                 shared_disk: bool) -> None:
    """A large messages.csv is threaded in bounded memory on the driver and its approaches reach the
    executors through the staging folder, one chunk at a time: the same JSONL as the local scan. Without a
    shared disk (a cluster) the folder is written and read through Hadoop's file system (here the local one)."""
    from lurewatch import spark_scan

    monkeypatch.setattr(spark_scan, "_driver_disk_shared", lambda sc: shared_disk)

    export = tmp_path / "export"
    _bench_scan().generate(export, 3000, seed=5)
    monkeypatch.setenv("LUREWATCH_CSV_STREAM", "1")  # stream it although it is small
    monkeypatch.setattr(spark_scan, "CHUNK", 64)
    chunks: list[int] = []
    folders: list[str] = []
    put = spark_scan._Staging._put

    def counting(self, batch):  # noqa: ANN001, ANN202
        chunks.append(len(batch))
        folders.append(self.uri)
        if not shared_disk and len(chunks) == 1:  # the Hadoop folder is the scanning user's alone
            assert oct(Path(self.uri).stat().st_mode & 0o777) == "0o700"
        return put(self, batch)

    monkeypatch.setattr(spark_scan._Staging, "_put", counting)
    local, remote = tmp_path / "local.jsonl", tmp_path / "spark.jsonl"
    out_local = _scan([export, DEMO], local, "--no-photos")
    out_spark = _scan([export, DEMO], remote, "--no-photos", "--engine", "spark", "--spark-master", "local[2]")
    assert local.read_bytes() == remote.read_bytes()
    n = len(local.read_text("utf-8").splitlines())
    assert n > 500
    # every approach of the two exports (the demo's is streamed too, forced) went through the staging folder
    assert len(chunks) > 5 and max(chunks) == 64 and sum(chunks) == n
    assert not Path(folders[0].removeprefix("file://")).exists()  # removed after the scan
    summary = [ln for ln in out_local.splitlines() if ln.startswith("read ")]
    assert summary and summary == [ln for ln in out_spark.splitlines() if ln.startswith("read ")]


def test_spark_engine_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    r = runner.invoke(app, ["scan", str(DEMO), "--engine", "spark", "-f", "table"])
    assert r.exit_code == 2 and "jsonl or parquet" in r.output
    r = runner.invoke(app, ["scan", str(DEMO), "-f", "parquet"])
    assert r.exit_code == 2 and "--engine spark" in r.output


def test_cluster_collection_gives_the_same_jsonl(spark, tmp_path: Path) -> None:  # noqa: ANN001
    """On a cluster the sorted lines come to the driver partition by partition: the same bytes."""
    from lurewatch.scoring.providers import ScanContext
    from lurewatch.spark_scan import scan_spark

    _gen().write(1500, tmp_path / "t.jsonl", seed=4)
    local = tmp_path / "local.jsonl"
    _scan([tmp_path / "t.jsonl"], local, "--no-photos")
    lines: list[str] = []
    done = scan_spark([tmp_path / "t.jsonl"], None, ScanContext(use_photos=False), master="local[2]",
                      partitions=5, write=lines.append, collect="iterator")
    assert "".join(lines).encode("utf-8") == local.read_bytes()
    assert done.written == len(lines) > 400 and sum(done.levels.values()) == done.written
