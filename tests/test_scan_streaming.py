"""`scan` streams: the report is the same as rendering all scored approaches at once, and `--jobs N`
gives byte-identical output to `--jobs 1` (fork and spawn workers alike)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.ingest import load_inputs
from lurewatch.output import render
from lurewatch.parallel import Scorer, drain
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "examples" / "demo-export"
runner = CliRunner()


@pytest.fixture(scope="module")
def realistic(tmp_path_factory) -> Path:
    """The blind sets' conversations as a LinkedIn export (bench/bench_scan.py --realistic), 1,500 rows."""
    import sys

    sys.path.insert(0, str(REPO / "bench"))
    try:
        from bench_scan import generate_realistic
    finally:
        sys.path.pop(0)
    folder = tmp_path_factory.mktemp("realistic") / "export"
    generate_realistic(folder, 1500)
    return folder


def _all_at_once(path: Path, fmt: str) -> str:
    result = load_inputs([path])
    scored = Analyser(ScanContext(use_photos=False)).analyse(result.approaches)
    scored.sort(key=lambda a: (-a.score, a.approach_id))
    return render.render(scored, fmt, result)


def _scan(path: Path, *args: str) -> str:
    r = runner.invoke(app, ["scan", str(path), "--no-photos", "-q", *args])
    assert r.exit_code == 0, r.output
    return r.stdout


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_streamed_json_is_the_all_at_once_rendering(fmt):
    assert _scan(DEMO, "-f", fmt) == _all_at_once(DEMO, fmt)


def test_streamed_table_and_html_are_the_all_at_once_rendering(tmp_path):
    _scan(DEMO, "-f", "table", "-o", str(tmp_path / "t.txt"))
    assert (tmp_path / "t.txt").read_text("utf-8") == _all_at_once(DEMO, "table")
    _scan(DEMO, "-f", "html", "-o", str(tmp_path / "r.html"))

    def undated(s: str) -> str:
        return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", s)

    assert undated((tmp_path / "r.html").read_text("utf-8")) == undated(_all_at_once(DEMO, "html"))


def test_min_level_and_empty_json(tmp_path):
    empty = tmp_path / "none.jsonl"
    empty.write_text("", encoding="utf-8")
    out = _scan(DEMO, "-f", "json", "--min-level", "high")
    assert out.startswith("[\n") and '"level": "high"' in out and '"level": "low"' not in out
    assert _scan(empty, "-f", "json") == "[]\n"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_jobs_2_output_identical_to_jobs_1(realistic, fmt):
    one = _scan(realistic, "-f", fmt, "--jobs", "1")
    two = _scan(realistic, "-f", fmt, "--jobs", "2")
    assert one.count('"approach_id"') > 2 * 128  # enough approaches for several chunks per worker
    assert two == one


@pytest.mark.slow
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_scorer_workers_give_the_same_results_in_order(realistic, method):
    ctx = ScanContext(use_photos=False)
    ref = [(a.approach_id, a.score, a.level, [(f.indicator, f.evidence, f.field, f.weight) for f in a.findings],
            a.advice) for a in Analyser(ctx).analyse(load_inputs([realistic]).approaches)]
    approaches = load_inputs([realistic]).approaches
    with Scorer(approaches, ctx, jobs=2, chunk=50, method=method) as scorer:
        assert scorer.pool is not None
        got = [(a.approach_id, a.score, a.level, [(f.indicator, f.evidence, f.field, f.weight) for f in a.findings],
                a.advice) for a in scorer]
    assert got == ref
    # from a generator that releases what it hands over (as the CLI does): same results, list emptied
    approaches = load_inputs([realistic]).approaches
    with Scorer(drain(approaches), ctx, jobs=2, chunk=50, method=method, total=len(approaches)) as scorer:
        assert scorer.pool is not None
        got = [(a.approach_id, a.score, a.level, [(f.indicator, f.evidence, f.field, f.weight) for f in a.findings],
                a.advice) for a in scorer]
    assert got == ref and approaches == []
