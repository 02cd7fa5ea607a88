"""Finding 8: a small file declaring a huge 16-bit image decodes in bounded memory, concurrent decodes are
bounded, and a raster too large to decode is refused before decoding."""

from __future__ import annotations

import io
import re
import struct
import subprocess
import sys
import threading
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from lurewatch.photo import decode
from lurewatch.photo.decode import PhotoError, decode_photo

MB = 1024 * 1024


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png(w: int, h: int, depth: int, color: int) -> bytes:
    """A valid PNG of flat rows, compressed as it is written (the test never holds the raster)."""
    channels = {0: 1, 2: 3, 6: 4}[color]
    row = b"\x00" + bytes(w * channels * depth // 8)
    z = zlib.compressobj(9)
    idat = b"".join(z.compress(row) for _ in range(h)) + z.flush()
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 0))
            + _chunk(b"IDAT", idat) + _chunk(b"IEND", b""))


@pytest.fixture(scope="module")
def png16(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("png") / "grey16.png"
    p.write_bytes(_png(6320, 6310, 16, 0))  # 39.9 MP, just under the 40 MP pixel limit
    return p


PEAK = """
import resource, sys
from lurewatch.photo.decode import decode_photo, PhotoError
data = open(sys.argv[1], 'rb').read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    out = 'decoded %dx%d' % decode_photo(data).rgb.shape[:2]
except PhotoError as e:
    out = 'refused: %s' % e
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) // 1024, out)
"""


def test_sixteen_bit_png_under_the_pixel_limit_decodes_in_bounded_memory(png16: Path) -> None:
    assert png16.stat().st_size < 200_000  # a small upload
    r = subprocess.run([sys.executable, "-c", PEAK, str(png16)], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    grown_mb, outcome = r.stdout.split(" ", 1)
    assert re.fullmatch(r"decoded 10\d\dx1024\n?", outcome), outcome  # decoded at working size (not refused)
    print(f"peak memory grew by {grown_mb} MB")
    assert int(grown_mb) < 200, f"peak memory grew by {grown_mb} MB"  # was about 730 MB


def test_raster_over_the_decode_bound_is_refused_before_decoding() -> None:
    data = _png(6000, 6000, 8, 6)  # 36 MP RGBA: 137 MB of raster
    with pytest.raises(PhotoError, match="needs 137 MB to decode, over the bound of 96 MB"):
        decode_photo(data)


def test_concurrent_decodes_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(decode, "_SLOTS", threading.BoundedSemaphore(2))
    active = peak = 0
    lock = threading.Lock()
    real = decode._shrink

    def slow_shrink(im: Image.Image, *args: int) -> Image.Image:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        return real(im, *args)

    monkeypatch.setattr(decode, "_shrink", slow_shrink)
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(buf, "PNG")
    threads = [threading.Thread(target=decode_photo, args=(buf.getvalue(),)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 2


def test_large_photo_still_decodes_to_the_same_working_copy() -> None:
    # A big 8-bit photo goes through the shrink step; the result matches Pillow's own thumbnail closely.
    import numpy as np

    src = Image.linear_gradient("L").resize((3000, 2400)).convert("RGB")
    buf = io.BytesIO()
    src.save(buf, "PNG")
    got = decode_photo(buf.getvalue()).rgb
    ref = src.copy()
    ref.thumbnail((1024, 1024), Image.Resampling.LANCZOS)
    assert got.shape == np.asarray(ref).shape
    assert np.abs(got.astype(int) - np.asarray(ref).astype(int)).mean() < 1.0
