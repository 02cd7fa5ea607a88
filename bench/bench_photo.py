"""Photo checks benchmark: time per image on one core, AI-face TPR at 1% FPR on the held-out split,
photo-reuse matching under re-encoding/resizing/cropping/mirroring.

    python bench/bench_photo.py --faces ../shared/data/faces
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import io  # noqa: E402
import itertools  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from sklearn.metrics import roc_auc_score, roc_curve  # noqa: E402

from lurewatch.photo import augment, pdq  # noqa: E402
from lurewatch.photo.aiface import bundled_model  # noqa: E402
from lurewatch.photo.check import check_photo  # noqa: E402
from lurewatch.photo.faces import find_faces  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def held_out(faces: Path) -> tuple[list[Path], np.ndarray]:
    spec = importlib.util.spec_from_file_location("train_ai_face", REPO / "scripts" / "train_ai_face.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    paths, y = mod.list_faces(faces)
    test = mod.split(y, 0.3, 0)
    return [p for p, t in zip(paths, test, strict=True) if t], y[test]


def tpr_at(y: np.ndarray, s: np.ndarray, fpr: float = 0.01) -> float:
    f, t, _ = roc_curve(y, s)
    return float(t[np.searchsorted(f, fpr, side="right") - 1])


def cropped_mirrored(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A harder re-encoding: random crop of 0-8% per side, mirror half the time, then resize + JPEG."""
    im = augment.normalise(im)
    w, h = im.size
    c = rng.uniform(0, 0.08, 4)
    im = im.crop((int(c[0] * w), int(c[1] * h), w - int(c[2] * w), h - int(c[3] * h)))
    if rng.random() < 0.5:
        im = im.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    side = int(rng.integers(128, 401))
    return augment.jpeg(im.resize((side, side), Image.Resampling.LANCZOS), int(rng.integers(60, 96)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--faces", type=Path, default=REPO.parent / "shared" / "data" / "faces")
    ap.add_argument("--timing-images", type=int, default=60)
    a = ap.parse_args()
    cv2.setNumThreads(1)
    model = bundled_model()
    paths, y = held_out(a.faces)
    rng = np.random.default_rng(7)

    # 1. Time per image (whole check: decode, faces, AI score, PDQ with mirror/crops), one core.
    order = rng.permutation(len(paths))[: a.timing_images]
    times, cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k, i in enumerate(order):
            side, q = augment.EVAL_SETTINGS[k % len(augment.EVAL_SETTINGS)]
            f = Path(tmp) / f"{k}.jpg"
            augment.profile_reencode(Image.open(paths[i]), side, q).save(f, quality=95)
            files.append(f)
        check_photo(files[0], model)  # warm-up (cascades, model)
        for f in files:
            t, c = time.perf_counter(), time.process_time()
            check_photo(f, model)
            times.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    print(f"per-image check ({len(times)} images, 128-400 px JPEG, 1 thread): CPU time median "
          f"{np.median(cpu):.1f} ms, p95 {np.percentile(cpu, 95):.1f} ms; wall median {np.median(times):.1f} ms, "
          f"p95 {np.percentile(times, 95):.1f} ms; load average {os.getloadavg()[0]:.1f}")

    # 2. AI-face detector on the held-out split, 5 fixed re-encodings each, then a harder crop/mirror set.
    scores, labels, setting = [], [], []
    hard_s, hard_y = [], []
    for p, label in zip(paths, y, strict=True):
        im = Image.open(p)
        im.load()
        for k, (side, q) in enumerate(augment.EVAL_SETTINGS):
            rgb = np.asarray(augment.profile_reencode(im, side, q))
            scores.append(model.verdict(rgb, find_faces(rgb)).score)
            labels.append(label)
            setting.append(k)
        rgb = np.asarray(cropped_mirrored(im, rng).convert("RGB"))
        hard_s.append(model.verdict(rgb, find_faces(rgb)).score)
        hard_y.append(label)
    s, yy, st = np.array(scores), np.array(labels), np.array(setting)
    print(f"AI face, held-out split ({int((y == 1).sum())} generated, {int((y == 0).sum())} real originals, "
          f"x{len(augment.EVAL_SETTINGS)} re-encodings): TPR at 1% FPR {tpr_at(yy, s):.3f}, "
          f"AUC {roc_auc_score(yy, s):.4f}")
    for k, (side, q) in enumerate(augment.EVAL_SETTINGS):
        m = st == k
        print(f"  {side} px, JPEG q{q}: TPR at 1% FPR {tpr_at(yy[m], s[m]):.3f}")
    print(f"  at the model's threshold {model.threshold:.3f}: TPR {(s[yy == 1] >= model.threshold).mean():.3f}, "
          f"FPR {(s[yy == 0] >= model.threshold).mean():.3f}")
    hs, hy = np.array(hard_s), np.array(hard_y)
    print(f"  harder (0-8% crops, mirrored half the time, 128-400 px, q60-95): TPR at 1% FPR "
          f"{tpr_at(hy, hs):.3f}, AUC {roc_auc_score(hy, hs):.4f}")

    # 3. Reuse: held-out generated faces under each transformation; distinct faces must not match.
    fakes = [p for p, label in zip(paths, y, strict=True) if label == 1]
    hits = {"jpeg q70": 0, "resized 50%": 0, "cropped 5%": 0, "mirrored": 0, "all four + 400px q75": 0}
    hashes = []
    for p in fakes:
        src = Image.open(p).convert("RGB")
        w, h = src.size
        base = pdq.compute(np.asarray(src))
        hashes.append(base)
        buf = io.BytesIO()
        src.save(buf, "JPEG", quality=70)
        combo = src.crop((int(0.05 * w), int(0.05 * h), w, h)).transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        variants = {"jpeg q70": Image.open(buf), "resized 50%": src.resize((w // 2, h // 2)),
                    "cropped 5%": src.crop((int(0.05 * w), int(0.05 * h), w, h)),
                    "mirrored": src.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
                    "all four + 400px q75": augment.jpeg(combo.resize((400, 400)), 75)}
        for name, im in variants.items():
            d = pdq.reuse_distance(pdq.compute(np.asarray(im.convert("RGB"))), base.variants, base.crops)
            hits[name] += d <= pdq.MATCH_DISTANCE
    print("photo reuse (held-out generated faces): " + ", ".join(f"{k} {v}/{len(fakes)}" for k, v in hits.items()))
    pairs = [pdq.reuse_distance(a_, b.variants, b.crops) for a_, b in itertools.combinations(hashes, 2)]
    print(f"  distinct faces: {sum(d <= pdq.MATCH_DISTANCE for d in pairs)} false matches in {len(pairs)} pairs "
          f"(smallest distance {min(pairs)})")


if __name__ == "__main__":
    main()
