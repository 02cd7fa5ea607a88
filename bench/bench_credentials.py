"""Content credentials benchmark: time of `read_credentials` (C2PA manifest read and verified by
c2pa-python, plus the XMP byte search) per photo, for photos with and without a manifest.

    python bench/bench_credentials.py [--runs 30]

Manifests are signed here with the tests' throw-away PKI (tests/test_photo_c2pa.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from lurewatch.photo import c2pa_manifest
from lurewatch.photo.credentials import read_credentials

REPO = Path(__file__).resolve().parents[1]


def _tests() -> object:
    spec = importlib.util.spec_from_file_location("test_photo_c2pa", REPO / "tests" / "test_photo_c2pa.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["test_photo_c2pa"] = mod
    spec.loader.exec_module(mod)
    return mod


def _jpeg(side: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 255, (side, side, 3), dtype=np.uint8)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _signed(t: object, pki: object, side: int) -> bytes:
    import c2pa

    out = io.BytesIO()
    c2pa.Builder(t.manifest("trainedAlgorithmicMedia")).sign(pki.signer(), "image/jpeg", io.BytesIO(_jpeg(side, 1)), out)
    return out.getvalue()


def _time(data: bytes, runs: int) -> tuple[float, float, float]:
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        read_credentials(data, "JPEG")
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1e3, statistics.quantiles(wall, n=20)[-1] * 1e3, statistics.median(cpu) * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    if not c2pa_manifest.available():
        sys.exit("c2pa-python is not installed (pip install 'lurewatch[credentials]')")
    t = _tests()
    pki = t.make_pki()
    rng = np.random.default_rng(3)
    cases = {
        "400 px JPEG, no metadata": _jpeg(400, 2),
        "400 px JPEG, C2PA manifest": _signed(t, pki, 400),
        "1024 px JPEG, C2PA manifest": _signed(t, pki, 1024),
        "19 MB garbage with a JUMBF marker": b"\xff\xd8" + rng.integers(0, 256, 19 << 20, dtype=np.uint8).tobytes()
        + b"jumbc2pa",
    }
    load = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import c2pa; "
                           "print(round((time.perf_counter() - t) * 1e3))"], capture_output=True, text=True, check=True)
    print(f"loading c2pa-python in a fresh process: {load.stdout.strip()} ms (once, on the first photo with a marker)")
    print("| input | bytes | wall median ms | wall p95 ms | CPU median ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, data in cases.items():
        med, p95, cpu = _time(data, args.runs)
        print(f"| {name} | {len(data):,} | {med:.2f} | {p95:.2f} | {cpu:.2f} |")


if __name__ == "__main__":
    main()
