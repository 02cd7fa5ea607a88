"""Screenshot intake benchmark: approaches of the labelled sets rendered in chromium as LinkedIn-like threads,
read back by OCR, scored, and compared with the same text pasted into `check`.

    python bench/bench_screenshots.py [--n 64] [--rapidocr 16] [--keep DIR]

Layouts cycle through light/dark, desktop (1280 px at 1x) and phone (390 px at 2x or 3x), as PNG or
recompressed (JPEG q60-75 or WebP, scaled 0.75-0.9). Per screenshot: the verdict level against the pasted
text's (`pipeline.check` of the sender's messages, what a user pastes) and against the true thread (the
same structure as a screenshot gives, without OCR), the sender's name, and the time to decode + OCR + parse
on one core (OMP_THREAD_LIMIT=1). --rapidocr N reads the first N screenshots with RapidOCR as well.
"""

from __future__ import annotations

import os

os.environ["OMP_THREAD_LIMIT"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from datetime import time as dtime
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests import screenshot_pages as sp  # noqa: E402

from lurewatch.model import Approach, Message, Profile  # noqa: E402
from lurewatch.pipeline import Analyser, check  # noqa: E402
from lurewatch.scoring.providers import ScanContext  # noqa: E402
from lurewatch.screenshot import ocr  # noqa: E402
from lurewatch.screenshot.intake import read_screenshots  # noqa: E402

SETS = ("blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11")


def pick_cases(n: int) -> list[dict]:
    """n LinkedIn cases spread over the sets (deterministic: by the hash of their id)."""
    per_set: list[list[dict]] = []
    for name in SETS:
        p = REPO / "tests" / "data" / name / "approaches.yaml"
        if not p.is_file():
            continue
        doc = yaml.safe_load(p.read_text("utf-8"))
        cases = [c for c in (doc["cases"] if isinstance(doc, dict) else doc)
                 if c.get("channel", "linkedin") == "linkedin" and c.get("messages")]
        per_set.append(sorted(cases, key=lambda c: hashlib.sha256(str(c["id"]).encode()).hexdigest()))
    out: list[dict] = []
    i = 0
    while len(out) < n and any(i < len(s) for s in per_set):
        out += [s[i] for s in per_set if i < len(s)][: n - len(out)]
        i += 1
    return out


def variant(i: int) -> dict:
    dark, phone, packed = bool(i & 1), bool(i & 2), bool(i & 4)
    v = {"dark": dark, "phone": phone, "scale": (3.0 if i % 3 == 0 else 2.0) if phone else 1.0}
    if packed:
        v["pack"] = ("JPEG", 60 + 5 * (i % 4), 0.9 if not phone else 0.75) if i % 3 else ("WEBP", 75, 0.85)
    return v


def label(v: dict) -> str:
    s = f"{'dark' if v['dark'] else 'light'} {'phone@' + format(v['scale'], 'g') + 'x' if v['phone'] else 'desktop'}"
    if "pack" in v:
        s += f" {v['pack'][0]} q{v['pack'][1]} x{v['pack'][2]}"
    return s


def true_thread(t: sp.Thread) -> Approach:
    """What a perfect reading of the screenshot would give (the same structure, no OCR)."""
    msgs = []
    for i, (inbound, text) in enumerate(t.messages):
        when = datetime.combine(t.first + timedelta(days=i), dtime(9, 0), tzinfo=UTC)
        msgs.append(Message(t.sender if inbound else t.owner, text, when, inbound=inbound))
    return Approach(source="screenshot", sender_name=t.sender, messages=msgs,
                    profile=Profile(name=t.sender, headline=t.headline, degree=t.degree))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--rapidocr", type=int, default=0, help="also read the first N with RapidOCR")
    ap.add_argument("--keep", type=Path, help="write the rendered screenshots here")
    args = ap.parse_args()
    cases = pick_cases(args.n)
    # one analyser for all (loading one per case is slow); photo checks off, as every persona here wears one
    # of four drawn faces (they would all be "reused"): the photo checks on the crop are tested in
    # tests/test_screenshot.py
    ctx = ScanContext(semantic="full", use_photos=False)
    an = Analyser(ctx)
    eng = ocr.engine("tesseract")
    rapid = ocr.engine("rapidocr") if args.rapidocr else None
    rows = []
    with sp.browser() as r, tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            t = sp.thread_from_case(case)
            v = variant(i)
            shot = r.render(sp.thread_html(t, sp.face_png(i), dark=v["dark"], phone=v["phone"]),
                            phone=v["phone"], scale=v["scale"])
            data = shot.png
            if "pack" in v:
                fmt, q, scale = v["pack"]
                data = sp.recompress(data, quality=q, scale=scale, fmt=fmt)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{i:03d}-{case['id']}.{'png' if 'pack' not in v else v['pack'][0].lower()}"
                 ).write_bytes(data)
            pasted = check("\n\n".join(x for inbound, x in t.messages if inbound), ctx=ctx, sender_name=t.sender)
            truth = an.analyse_one(true_thread(t))
            row = {"id": case["id"], "layout": label(v), "pasted": pasted.level, "truth": truth.level,
                   "label": case.get("label")}
            for name, e in (("tesseract", eng), ("rapidocr", rapid)):
                if e is None or (name == "rapidocr" and i >= args.rapidocr):
                    continue
                t0 = time.process_time()
                w0 = time.perf_counter()
                try:
                    intake = read_screenshots([(case["id"], data)], Path(tmp) / str(i), engine=e,
                                              today=date(2026, 1, 1))
                except Exception as ex:  # noqa: BLE001 (a failed reading is a result here)
                    row[name] = {"error": str(ex)[:120], "cpu": time.process_time() - t0,
                                 "wall": time.perf_counter() - w0}
                    continue
                wall = time.perf_counter() - w0
                a = an.analyse_one(intake.approach)
                row[name] = {"level": a.level, "name_ok": intake.approach.sender_name == t.sender,
                             "wall": wall, "n_msgs": len(intake.approach.messages), "true_msgs": len(t.messages),
                             "photo": intake.photo_box is not None, "headline_ok": (
                                 intake.approach.profile is not None and intake.approach.profile.headline == t.headline)}
            rows.append(row)
            tr = row.get("tesseract", {})
            print(f"{i:3d} {case['id']:8s} {row['layout']:32s} pasted={row['pasted']:6s} truth={row['truth']:6s} "
                  f"shot={tr.get('level', 'ERR'):6s} name={tr.get('name_ok')} msgs={tr.get('n_msgs')}/"
                  f"{len(t.messages)} {tr.get('wall', 0):.2f}s {tr.get('error', '')}", flush=True)
    report(rows, args.rapidocr)


def report(rows: list[dict], n_rapid: int) -> None:
    n = len(rows)
    for name in ("tesseract", "rapidocr"):
        got = [r for r in rows if name in r]
        if not got:
            continue
        ok = [r for r in got if "level" in r[name]]
        walls = sorted(r[name]["wall"] for r in got)
        same_pasted = sum(r[name].get("level") == r["pasted"] for r in got)
        same_truth = sum(r[name].get("level") == r["truth"] for r in got)
        names = sum(bool(r[name].get("name_ok")) for r in got)
        heads = sum(bool(r[name].get("headline_ok")) for r in got)
        msgs = sum(r[name].get("n_msgs") == r[name].get("true_msgs") for r in ok)
        photos = sum(bool(r[name].get("photo")) for r in got)
        print(f"\n{name}: {len(got)} screenshots ({len(got) - len(ok)} unread)")
        print(f"  verdict = pasted text's: {same_pasted}/{len(got)} ({same_pasted / len(got):.1%}); "
              f"= true thread's: {same_truth}/{len(got)} ({same_truth / len(got):.1%})")
        print(f"  sender name exact: {names}/{len(got)} ({names / len(got):.1%}); headline exact: {heads}/{len(got)}; "
              f"messages counted right: {msgs}/{len(ok)}; photo cropped: {photos}/{len(got)}")
        print(f"  decode+OCR+parse wall time, one core: median {statistics.median(walls):.2f} s, "
              f"p90 {walls[int(0.9 * (len(walls) - 1))]:.2f} s, max {walls[-1]:.2f} s")
    hostile = [r for r in rows if r["label"] == "hostile"]
    legit = [r for r in rows if r["label"] != "hostile"]  # "legitimate" or "legit" (blind10)
    for what, get in (("pasted text", lambda r: r["pasted"]), ("true thread", lambda r: r["truth"]),
                      ("screenshot", lambda r: r.get("tesseract", {}).get("level", "low"))):
        print(f"{what}: hostile flagged {sum(get(r) != 'low' for r in hostile)}/{len(hostile)}, legitimate "
              f"flagged {sum(get(r) != 'low' for r in legit)}/{len(legit)}")
    same = sum(r["truth"] == r["pasted"] for r in rows)
    print(f"\ntrue thread's verdict = pasted text's: {same}/{n} (the difference the thread's structure makes)")


if __name__ == "__main__":
    main()
