"""Finding 4: a zip under the compression-ratio check but too big uncompressed is refused, with memory
bounded (every member read is held in memory, so the bound is on the total uncompressed bytes)."""

from __future__ import annotations

import random
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from lurewatch.ingest import load_inputs
from lurewatch.ingest.safety import MAX_ZIP_RATIO, SafeZip, UnsafeInput

MB = 1024 * 1024


def _member(size: int, seed: int) -> bytes:
    """CSV-like text that compresses about 20:1 (well under the bomb ratio)."""
    rnd = random.Random(seed)
    words = [f"word{rnd.randrange(4000)}" for _ in range(2000)]
    line = "\n".join(f"c{i},{words[i % 2000]} {rnd.randrange(99)}" for i in range(4000)).encode()
    return b"CONVERSATION ID,FROM,DATE,CONTENT\n" + (line * (size // len(line) + 1))[:size]


@pytest.fixture(scope="module")
def big_zip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    z = tmp_path_factory.mktemp("zip") / "export.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for i, name in enumerate(("messages.csv", "Invitations.csv", "Connections.csv")):
            zf.writestr(name, _member(12 * MB, i))  # each member alone is under the bound set below
    for info in zipfile.ZipFile(z).infolist():
        assert info.file_size / info.compress_size < MAX_ZIP_RATIO
    return z


def test_default_bound_is_far_below_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    from lurewatch.ingest.safety import max_uncompressed_bytes

    monkeypatch.delenv("LUREWATCH_MAX_UNCOMPRESSED_MB", raising=False)
    assert max_uncompressed_bytes() <= 256 * MB
    monkeypatch.setenv("LUREWATCH_MAX_UNCOMPRESSED_MB", "64")
    assert max_uncompressed_bytes() == 64 * MB


def test_total_over_the_bound_is_refused_with_bounded_memory(big_zip: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUREWATCH_MAX_UNCOMPRESSED_MB", "16")
    tracemalloc.start()
    try:
        res = load_inputs([big_zip])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert res.approaches == []
    (p,) = res.problems
    assert "zip refused" in p.reason and "36 MB uncompressed, over the limit of 16 MB" in p.reason, p.reason
    assert peak < 4 * MB, peak  # refused from the central directory, before any member is inflated


def test_reading_stops_at_the_budget(big_zip: Path) -> None:
    # Declared sizes can pass while reads add up (several reads of the same members): reading stops at the bound.
    zf = SafeZip(big_zip, max_total=40 * MB)
    tracemalloc.start()
    try:
        zf.read("messages.csv")
        zf.read("Invitations.csv")
        zf.read("Connections.csv")
        with pytest.raises(UnsafeInput, match="inflates past the limit of 40 MB"):
            zf.read("messages.csv")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        zf.close()
    assert peak < 30 * MB, peak  # never more than one member (and its join) at a time


def test_an_export_under_the_bound_still_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LUREWATCH_MAX_UNCOMPRESSED_MB", "1")
    demo = Path(__file__).resolve().parents[1] / "examples" / "demo-export"
    z = tmp_path / "demo.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in demo.rglob("*"):
            if f.is_file():
                zf.write(f, f.relative_to(demo).as_posix())
    res = load_inputs([z])
    assert res.approaches and not any("over the limit" in p.reason for p in res.problems)
