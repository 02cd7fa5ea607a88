"""Screenshots on the report form and the API (issue 15): the same intake as `check --screenshot`, within
the upload bounds; the sender's photo cropped from them is kept for the analyst."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from tests import screenshot_pages as sp
from tests.server.conftest import HOSTILE, Server, login
from tests.server.test_browser import browser, live  # noqa: F401 (fixtures)
from tests.server.test_web import _client

from lurewatch.screenshot import ocr

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def shots() -> dict[str, bytes]:
    why = sp.available()
    if why:
        pytest.skip(why)
    try:
        ocr.engine()
    except ocr.OcrUnavailable as e:
        pytest.skip(str(e))
    t = sp.Thread(sender="Eleanor Whitcombe", headline="Senior Fellow, Centre for Strategic Technology Futures",
                  degree="2nd", messages=[(True, HOSTILE), (False, "Thank you, I would need to ask my employer."),
                                          (True, "No need to involve them, this is a personal view only.")])
    with sp.browser() as r:
        thread = r.render(sp.thread_html(t, sp.face_png(1), dark=False, phone=True), phone=True, scale=2).png
        profile = r.render(sp.profile_html(t, sp.face_png(1), dark=True, phone=False), phone=False).png
    return {"thread": thread, "profile": sp.recompress(profile, quality=80)}


def test_api_reads_screenshots_and_keeps_the_sender_photo(server: Server, shots: dict[str, bytes]) -> None:
    r = server.api("reporter", "POST", "/api/v1/submissions/upload", data={"sector": "quantum"},
                   files=[("screenshot", ("thread.png", shots["thread"], "image/png")),
                          ("screenshot", ("profile.jpg", shots["profile"], "image/jpeg"))])
    assert r.status_code == 201, r.text
    rep = r.json()
    assert rep["kind"] == "screenshot" and rep["problems"] == []
    [a] = rep["approaches"]
    assert a["source"] == "screenshot" and a["sender_name"] == "Eleanor Whitcombe" and a["level"] == "high"
    assert [m["inbound"] for m in a["messages"]] == [True, False, True]
    assert [f["kind"] for f in rep["files"]] == ["screenshot", "screenshot", "photo"]
    photo = rep["files"][2]["id"]
    t = server.api("reporter", "GET", f"/uploads/{photo}/thumb.png")
    assert t.status_code == 200 and Image.open(io.BytesIO(t.content)).size[0] > 32


def test_api_refuses_bad_screenshots_clearly(server: Server, shots: dict[str, bytes]) -> None:
    def post(files: list, data: dict | None = None) -> tuple[int, str]:
        r = server.api("reporter", "POST", "/api/v1/submissions/upload", data=data or {}, files=files)
        return r.status_code, r.json()["error"]["message"] if r.status_code != 201 else ""

    code, msg = post([("screenshot", ("x.png", b"<script>alert(1)</script>", "image/png"))])
    assert code == 422 and "not an image" in msg
    code, msg = post([("screenshot", (f"{i}.png", shots["thread"], "image/png")) for i in range(9)])
    assert code == 422 and "at most 8" in msg
    code, msg = post([("screenshot", ("t.png", shots["thread"], "image/png"))], {"message": HOSTILE})
    assert code == 422 and "on their own" in msg
    buf = io.BytesIO()
    Image.new("RGB", (600, 400), "white").save(buf, "PNG")
    code, msg = post([("screenshot", ("blank.png", buf.getvalue(), "image/png"))])
    assert code == 422 and "no LinkedIn messaging view" in msg


def test_report_form_takes_screenshots(server: Server, shots: dict[str, bytes]) -> None:
    c = _client(server)
    csrf = login(c, "reporter1")
    assert 'name="screenshot"' in c.get("/report").text
    r = c.post("/report", data={"csrf_token": csrf}, files=[("screenshot", ("t.png", shots["thread"], "image/png"))],
               follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    page = c.get(r.headers["location"]).text
    assert "Eleanor Whitcombe" in page and re.search(r"\bhigh\b", page)


def test_report_form_in_chromium(shots: dict[str, bytes], tmp_path: Path, live: str, browser: Any) -> None:  # noqa: F811
    """The form as a reporter uses it in a real browser: two screenshots chosen, the verdict shown with
    the sender's name and the photo cropped from the screenshot, no CSP violation."""
    from tests.server.test_browser import _login

    files = []
    for name, data in (("thread.png", shots["thread"]), ("profile.jpg", shots["profile"])):
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    ctx, page, w = _login(browser, live, "rita")
    page.goto("/report")
    page.set_input_files("input[name=screenshot]", files)
    page.locator("form:has(input[name=screenshot]) button[type=submit]").click()
    page.wait_for_url(re.compile(r"/reports/\d+$"), timeout=60_000)
    text = page.inner_text("body")
    assert "Eleanor Whitcombe" in text and "screenshot" in text
    verdict = page.locator(".verdict").inner_text()
    assert "hostile" in verdict or "suspicious" in verdict
    thumb = page.locator("img.thumb")
    assert thumb.count() == 1 and thumb.evaluate("i => i.complete && i.naturalWidth > 32")
    assert w.csp_errors() == [] and w.dialogs == []
    ctx.close()
