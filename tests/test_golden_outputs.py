"""Golden outputs: the CLI's JSON contracts before and after a restructuring are byte-for-byte the same.

What is pinned (tests/golden/): `scan` of the demo export as JSON with the semantic layer off, with the
default encoder and with `--semantic confirm`, `link` JSON on a small seeded run of bench/gen_campaigns.py,
the STIX bundle and MISP event exported from a store of the demo scan, and `indicators list --format json`.

A change that is meant to alter one of these outputs regenerates them on purpose and says so in its commit:
    LUREWATCH_UPDATE_GOLDEN=1 python -m pytest tests/test_golden_outputs.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lurewatch.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
DEMO = ROOT / "examples" / "demo-export"
UPDATE = os.environ.get("LUREWATCH_UPDATE_GOLDEN") == "1"


def _run(args: list[str]) -> str:
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def _canonical(path: Path) -> str:
    return json.dumps(json.loads(path.read_text(encoding="utf-8")), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _check(name: str, text: str) -> None:
    golden = GOLDEN / name
    if UPDATE:
        golden.write_text(text, encoding="utf-8")
        return
    assert golden.exists(), f"missing {golden}; run with LUREWATCH_UPDATE_GOLDEN=1 once"
    expected = golden.read_text(encoding="utf-8")
    if text != expected:
        exp_lines, got_lines = expected.splitlines(), text.splitlines()
        first = next((i for i, (a, b) in enumerate(zip(exp_lines, got_lines, strict=False)) if a != b), min(len(exp_lines), len(got_lines)))
        ctx = "\n".join(f"- {a}\n+ {b}" for a, b in zip(exp_lines[first:first + 5], got_lines[first:first + 5], strict=False))
        pytest.fail(f"{name} differs from its golden output at line {first + 1}:\n{ctx}")


@pytest.mark.parametrize("semantic", ["off", "auto", "confirm"])
def test_scan_demo_export(tmp_path: Path, semantic: str) -> None:
    out = tmp_path / "scan.json"
    _run(["scan", str(DEMO), "--format", "json", "--output", str(out), "--semantic", semantic, "--quiet"])
    _check(f"scan-demo-{semantic}.json", _canonical(out))


def test_link_generated(tmp_path: Path) -> None:
    data = tmp_path / "gen.jsonl"
    subprocess.run([sys.executable, str(ROOT / "bench" / "gen_campaigns.py"), "400", str(data), "--no-faces", "--seed", "11"],
                   check=True, capture_output=True)
    out = tmp_path / "link.json"
    _run(["link", str(data), "--format", "json", "--output", str(out)])
    _check("link-gen400.json", _canonical(out))


@pytest.mark.parametrize("fmt", ["stix", "misp"])
def test_exports_of_demo_store(tmp_path: Path, fmt: str) -> None:
    db = tmp_path / "store.db"
    _run(["scan", str(DEMO), "--store", "--db", str(db), "--semantic", "off", "--quiet"])
    out = tmp_path / f"export.{fmt}"
    _run(["export", fmt, "--output", str(out), "--db", str(db)])
    _check(f"export-demo.{fmt}.json", _canonical(out))


def test_indicators_list() -> None:
    _check("indicators-list.txt", _run(["indicators", "list"]))
