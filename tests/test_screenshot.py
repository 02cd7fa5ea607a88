"""Screenshot intake (issue 15): LinkedIn-like pages rendered in Debian chromium, read back with Tesseract.

The layout parser is tested on OCR lines directly (fast); the rest renders real screenshots (light and
dark, desktop and phone, PNG and recompressed JPEG/WebP), reads them, checks the sender, the messages,
the degree, the headline and the photo crop against what was drawn, scores them like `check` does, and
refuses hostile images (bombs, too many, not images) with a clear message.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
import yaml
from PIL import Image
from tests import screenshot_pages as sp

from lurewatch.screenshot import layout, ocr
from lurewatch.screenshot.intake import ScreenshotError, read_screenshots
from lurewatch.screenshot.ocr import Line

REPO = Path(__file__).resolve().parents[1]


def _ln(text: str, x0: int, y0: int, h: int = 14) -> Line:
    return Line(text, x0, y0, x0 + 8 * len(text), y0 + h)


def test_layout_parses_a_thread_from_ocr_lines() -> None:
    lines = [_ln("Eleanor Whitcombe", 145, 85), _ln("Eleanor Whitcombe - 2nd", 491, 89, 20),
             _ln("Senior Fellow at Horizon Forum", 491, 114), _ln("Feb 11, 2025", 764, 166),
             _ln("Eleanor Whitcombe 9:07 4M", 465, 199), _ln("Dear Dr Adeyemi, | came across", 465, 222),
             _ln("your poster.", 465, 242), _ln("Sam Carter 12:24PM", 465, 378), _ln("Thank you.", 464, 399)]
    page = layout.parse(lines)
    assert (page.kind, page.name, page.degree, page.headline) == ("thread", "Eleanor Whitcombe", "2nd",
                                                                  "Senior Fellow at Horizon Forum")
    assert [(m.writer, m.text, m.sent_at.isoformat() if m.sent_at else None) for m in page.messages] == [
        ("Eleanor Whitcombe", "Dear Dr Adeyemi, I came across your poster.", "2025-02-11T09:07:00+00:00"),
        ("Sam Carter", "Thank you.", "2025-02-11T12:24:00+00:00")]


def test_layout_finds_the_name_when_another_column_is_read_onto_its_line() -> None:
    words = (("I", 145, 150, 85, 96), ("respect", 155, 210, 85, 96), ("that.", 215, 250, 85, 96),
             ("@", 422, 470, 82, 129), ("Rafael", 491, 550, 89, 103), ("Nkemelu", 556, 640, 89, 103),
             ("-", 645, 650, 89, 103), ("1st", 655, 680, 89, 103))
    head = Line("I respect that. @ Rafael Nkemelu - 1st", 145, 82, 680, 129, 80, words)
    page = layout.parse([head, _ln("Managing Partner", 491, 114), _ln("Rafael Nkemelu 9:07 AM", 465, 199),
                         _ln("Hello.", 465, 222)])
    assert (page.name, page.degree, page.headline) == ("Rafael Nkemelu", "1st", "Managing Partner")
    assert page.name_box == (491, 89, 640, 103)


def test_layout_reads_a_profile_and_ignores_a_page_it_does_not_know() -> None:
    lines = [_ln("Marcus Hale - 3rd+", 266, 338, 20), _ln("Director at Meridian Insight", 266, 374),
             _ln("Singapore, Singapore", 266, 402), _ln("612 connections", 266, 429), _ln("About", 265, 526),
             _ln("Eight years connecting investors.", 266, 559), _ln("Experience", 267, 629),
             _ln("Director", 266, 662), _ln("Meridian Insight Partners", 266, 682), _ln("2021-03 - Present", 266, 703)]
    page = layout.parse(lines)
    assert (page.kind, page.name, page.degree, page.location, page.connections) == (
        "profile", "Marcus Hale", "3rd+", "Singapore, Singapore", 612)
    assert page.headline == "Director at Meridian Insight" and page.about == "Eight years connecting investors."
    assert page.positions == [("Director", "Meridian Insight Partners", "2021-03 - Present")]
    assert layout.parse([_ln("Quarterly results", 10, 10), _ln("Revenue grew 4%", 10, 40)]).kind == "unknown"


# ---------------------------------------------------------------- rendered screenshots

def _need_ocr_and_browser() -> None:
    why = sp.available()
    if why:
        pytest.skip(why)
    try:
        ocr.engine()
    except ocr.OcrUnavailable as e:
        pytest.skip(str(e))


@pytest.fixture(scope="module")
def renderer():
    _need_ocr_and_browser()
    with sp.browser() as r:
        yield r


def _case(case_id: str) -> dict:
    for p in sorted((REPO / "tests" / "data").glob("blind*/approaches.yaml")):
        doc = yaml.safe_load(p.read_text("utf-8"))
        for c in doc["cases"] if isinstance(doc, dict) else doc:
            if c["id"] == case_id:
                return c
    raise KeyError(case_id)


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    area = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / area


LAYOUTS = [  # (dark, phone, scale, recompress: (format, quality, scale) or None)
    (False, False, 1.0, None),
    (True, False, 1.0, ("JPEG", 65, 0.9)),
    (False, True, 3.0, ("WEBP", 75, 0.85)),
    (True, True, 2.0, ("JPEG", 70, 0.75)),
]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("dark,phone,scale,pack", LAYOUTS, ids=["light-desktop", "dark-desktop-jpeg",
                                                                 "light-phone3x-webp", "dark-phone2x-jpeg"])
def test_thread_screenshot_is_read_back(renderer, tmp_path: Path, dark: bool, phone: bool, scale: float,
                                        pack: tuple | None) -> None:
    t = sp.thread_from_case(_case("b-h01"))
    shot = renderer.render(sp.thread_html(t, sp.face_png(3), dark=dark, phone=phone), phone=phone, scale=scale)
    data, factor = shot.png, 1.0
    if pack:
        data, factor = sp.recompress(shot.png, fmt=pack[0], quality=pack[1], scale=pack[2]), pack[2]
    intake = read_screenshots([("shot", data)], tmp_path)
    a = intake.approach
    assert a.source == "screenshot" and a.sender_name == t.sender
    assert a.profile is not None and a.profile.degree == t.degree and a.profile.headline == t.headline
    assert [m.inbound for m in a.messages] == [inbound for inbound, _ in t.messages]
    assert [m.sender_name for m in a.messages] == [t.sender if i else sp.OWNER_NAME for i, _ in t.messages]
    assert a.messages[0].sent_at is not None and a.messages[0].sent_at.date() == t.first
    # OCR slips are allowed, lost or invented text is not
    for m, (_, text) in zip(a.messages, t.messages, strict=True):
        assert abs(len(m.text) - len(text)) <= 0.03 * len(text) + 3, (m.text, text)
    assert "GBP 2,500" in a.messages[0].text and "mailbox.example" in a.messages[-1].text
    # the crop lands on the sender's photo, and the photo checks read it
    avatar = tuple(round(v * factor) for v in shot.avatar)
    assert intake.photo_box is not None and _iou(intake.photo_box, avatar) >= 0.8, (intake.photo_box, avatar)
    crop = Image.open(a.profile.photo)
    assert crop.size == (intake.photo_box[2] - intake.photo_box[0], intake.photo_box[3] - intake.photo_box[1])


@pytest.mark.browser
@pytest.mark.slow
def test_profile_and_two_thread_screenshots_make_one_approach(renderer, tmp_path: Path) -> None:
    """A long thread in two overlapping screenshots plus the sender's profile page: one approach, no
    message twice, the profile's fields and its (larger) photo."""
    t = sp.thread_from_case(_case("b-h02"))
    first, second = dataclasses.replace(t, messages=t.messages[:2]), t
    face = sp.face_png(5)
    shots = [renderer.render(sp.thread_html(x, face, dark=False, phone=False), phone=False) for x in (first, second)]
    prof = renderer.render(sp.profile_html(t, face, dark=True, phone=False), phone=False)
    intake = read_screenshots([("1.png", shots[0].png), ("2.png", shots[1].png), ("p.png", prof.png)], tmp_path)
    a = intake.approach
    assert [m.inbound for m in a.messages] == [i for i, _ in t.messages]
    assert a.profile is not None and a.profile.connections == 500 and a.profile.location == t.location
    assert a.profile.summary.startswith("Eight years connecting institutional investors")
    assert [(p.title, p.company) for p in a.profile.positions] == [(x[0], x[1]) for x in t.positions]
    assert _iou(intake.photo_box, prof.avatar) >= 0.8
    assert a.origin == "1.png, 2.png, p.png"


@pytest.mark.browser
@pytest.mark.slow
def test_the_photo_checks_run_on_the_crop(renderer) -> None:
    """Two personas with one face: the second is flagged for a reused photo (LW-PHOTO-004)."""
    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext
    from lurewatch.screenshot import check_screenshots

    an = Analyser(ScanContext(semantic="off"))
    found = []
    for name in ("Eleanor Whitcombe", "Marcus Hale"):
        t = sp.Thread(sender=name, headline="Recruiter at Example Ltd", degree="2nd",
                      messages=[(True, "Hello, I have a role for you. Could we talk on WhatsApp?")])
        shot = renderer.render(sp.thread_html(t, sp.face_png(2), dark=False, phone=True), phone=True, scale=2)
        found.append([f.indicator for f in check_screenshots([(name, shot.png)], analyser=an).approach.findings])
    assert "LW-PHOTO-004" not in found[0] and "LW-PHOTO-004" in found[1]


@pytest.mark.browser
@pytest.mark.slow
def test_verdicts_match_the_pasted_text(renderer, tmp_path: Path) -> None:
    """A handful of the labelled sets' approaches: the screenshot's verdict level is that of the same thread
    read without OCR (bench/bench_screenshots.py also compares with the pasted text, on 64)."""
    from bench.bench_screenshots import true_thread

    from lurewatch.pipeline import Analyser
    from lurewatch.scoring.providers import ScanContext

    ctx = ScanContext(semantic="static")
    for i, cid in enumerate(("b-h01", "b-l13", "c-h03", "f-l09")):
        t = sp.thread_from_case(_case(cid))
        dark, phone = bool(i & 1), bool(i & 2)
        shot = renderer.render(sp.thread_html(t, sp.face_png(i), dark=dark, phone=phone), phone=phone,
                               scale=2 if phone else 1)
        a = read_screenshots([(cid, shot.png)], tmp_path / cid).approach
        truth = Analyser(ctx).analyse_one(true_thread(t))
        assert a.sender_name == t.sender
        assert Analyser(ctx).analyse_one(a).level == truth.level, cid


# ---------------------------------------------------------------- hostile images

def _png_declaring(w: int, h: int) -> bytes:
    """A PNG whose header declares w x h pixels (its data is a few bytes: a decompression bomb's shape)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")
    ihdr = w.to_bytes(4, "big") + h.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def test_hostile_images_are_refused_before_ocr(tmp_path: Path) -> None:
    class Counting:
        name = "counting"
        calls = 0

        def lines(self, grey, timeout):  # noqa: ANN001, ANN202
            Counting.calls += 1
            return []

    eng = Counting()
    with pytest.raises(ScreenshotError, match="over the limit"):
        read_screenshots([("bomb.png", _png_declaring(8_000, 6_000))], tmp_path, engine=eng)
    with pytest.raises(ScreenshotError, match="not an image"):
        read_screenshots([("x.png", b"<svg onload=alert(1)>")], tmp_path, engine=eng)
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buf, "GIF")
    with pytest.raises(ScreenshotError, match="PNG, JPEG or WebP"):
        read_screenshots([("x.gif", buf.getvalue())], tmp_path, engine=eng)
    with pytest.raises(ScreenshotError, match="at most 8"):
        read_screenshots([("a.png", b"")] * 9, tmp_path, engine=eng)
    assert Counting.calls == 0
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, "PNG")
    with pytest.raises(ScreenshotError, match="no LinkedIn messaging view"):
        read_screenshots([("blank.png", buf.getvalue())], tmp_path, engine=eng)
    assert Counting.calls == 1


def test_ocr_input_is_bounded_and_timed() -> None:
    import numpy as np

    grey, back = ocr.prepare(np.full((6000, 3000, 3), 30, dtype=np.uint8))  # dark: inverted
    assert grey.size <= ocr.MAX_OCR_PIXELS and back > 1 and grey[0, 0] == 225
    try:
        eng = ocr.engine()
    except ocr.OcrUnavailable as e:
        pytest.skip(str(e))
    noise = (np.random.default_rng(0).random((2000, 2000)) * 255).astype(np.uint8)
    with pytest.raises(ocr.OcrFailed, match="stopped after"):
        eng.lines(noise, timeout=0.05)


def test_cli_without_an_ocr_engine_says_what_to_install(tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, "PNG")
    (tmp_path / "s.png").write_bytes(buf.getvalue())
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(REPO / "src")}  # no tesseract on this PATH
    r = subprocess.run([sys.executable, "-c", "from lurewatch.cli import main; main()", "check", "--screenshot",
                        str(tmp_path / "s.png")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "tesseract-ocr" in r.stderr


@pytest.mark.browser
@pytest.mark.slow
def test_cli_check_screenshot_json(renderer, tmp_path: Path) -> None:
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed")
    t = sp.thread_from_case(_case("b-h01"))
    shot = renderer.render(sp.thread_html(t, sp.face_png(1), dark=True, phone=True), phone=True, scale=2)
    (tmp_path / "s.jpg").write_bytes(sp.recompress(shot.png, quality=75))
    r = subprocess.run([sys.executable, "-c", "from lurewatch.cli import main; main()", "check", "--screenshot",
                        str(tmp_path / "s.jpg"), "--format", "json", "--semantic", "static"],
                       capture_output=True, text=True, timeout=300, env={"PYTHONPATH": str(REPO / "src"),
                                                                         "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    [out] = json.loads(r.stdout)
    assert out["source"] == "screenshot" and out["sender_name"] == t.sender and out["level"] == "high"
    assert [m["inbound"] for m in out["messages"]] == [True, False, True]


def test_one_request_has_one_ocr_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lurewatch.screenshot import intake

    class Slow:
        name = "slow"
        timeouts: list[float] = []

        def lines(self, grey, timeout):  # noqa: ANN001, ANN202
            Slow.timeouts.append(timeout)
            import time

            time.sleep(0.6)
            return []

    buf = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buf, "PNG")
    monkeypatch.setattr(intake, "REQUEST_OCR_BUDGET_S", 2.0)
    with pytest.raises(ScreenshotError) as e:
        read_screenshots([(f"{i}.png", buf.getvalue()) for i in range(8)], tmp_path, engine=Slow())
    assert len(Slow.timeouts) == 2 and all(t <= 2.0 for t in Slow.timeouts)
    assert "7.png: not read, the request's 2 s of OCR were used" in str(e.value)


def test_cli_names_a_bad_file_without_its_markup(tmp_path: Path) -> None:
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed")
    bad = tmp_path / "bad[red]\x1b[2J.png"
    bad.write_bytes(b"<html>not an image</html>")
    r = subprocess.run([sys.executable, "-c", "from lurewatch.cli import main; main()", "check", "--screenshot",
                        str(bad)], capture_output=True, text=True, timeout=120,
                       env={"PYTHONPATH": str(REPO / "src"), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad[red]\ufffd[2J.png: not an image format" in r.stderr and "\x1b" not in r.stderr


def test_contract_carries_what_the_screen_showed_of_the_sender() -> None:
    from lurewatch.ingest.contract import approach_from_contract
    from lurewatch.model import Approach, Message, Profile

    a = Approach(source="screenshot", sender_name="Marcus Hale",
                 messages=[Message("Marcus Hale", "Hello", None, inbound=True)],
                 profile=Profile(name="Marcus Hale", headline="Director at Meridian", degree="3rd+"))
    d = a.to_contract()
    assert (d["source"], d["sender_headline"], d["sender_degree"]) == ("screenshot", "Director at Meridian", "3rd+")
    back = approach_from_contract(json.loads(json.dumps(d)))
    assert back.profile is not None and (back.profile.headline, back.profile.degree) == ("Director at Meridian", "3rd+")
    assert back.approach_id == a.approach_id
    d["sender_degree"] = "<script>"
    assert approach_from_contract(d).profile.degree is None
