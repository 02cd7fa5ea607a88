"""scripts/blind_kit.py: the four files a blind-set writer may read."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("blind_kit", ROOT / "scripts" / "blind_kit.py")
kit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kit)


def test_the_kit_holds_the_guidance_the_readme_the_schema_and_every_pretext(tmp_path: Path) -> None:
    guidance = tmp_path / "guidance.md"
    guidance.write_text("# Red flags\n- an easy paid offer\n", "utf-8")
    sizes = kit.write_kit(tmp_path / "kit", guidance)
    assert sorted(sizes) == ["README-public.md", "SCHEMA.md", "red-flags.md", "used-pretexts.txt"]
    out = tmp_path / "kit"
    assert (out / "red-flags.md").read_text("utf-8") == guidance.read_text("utf-8")
    assert (out / "README-public.md").read_bytes() == (ROOT / "README.md").read_bytes()
    schema = (out / "SCHEMA.md").read_text("utf-8")
    assert "`email` (the recipient's work address) is required" in schema and "No pretext reused" in schema
    lines = (out / "used-pretexts.txt").read_text("utf-8").splitlines()
    # One line per labelled case of every set, the newest included.
    newest = yaml.safe_load((ROOT / "tests/data/blind56/approaches.yaml").read_text("utf-8"))
    assert " ".join(newest[0]["why"].split()) in lines
    n_cases = sum(len(yaml.safe_load(p.read_text("utf-8")))
                  for p in (ROOT / "tests/data").glob("blind*/approaches.yaml"))
    assert len(lines) >= n_cases and all(lines)


def test_without_the_guidance_it_says_so(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="guidance"):
        kit.write_kit(tmp_path / "kit", tmp_path / "missing.md")
    assert not (tmp_path / "kit").exists()
