"""The exposure check in a real headless browser (Debian chromium through Playwright): a reporter picks
their export zip, shares the signs, sees the findings with the advice; a hostile headline is shown as
text and runs nothing; no CSP violation; the lead's organisation view names people, the admin's does not."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server.test_crash import live_server
from tests.server.test_exposure_server import export_zip

from lurewatch.server import audit, auth
from lurewatch.server.database import Database

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PW = "browser-password-1"
HOSTILE_HEADLINE = '<img src=x onerror="alert(1)"> DV cleared <script>alert(2)</script>'  # all quoted


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any]]:
    pytest.importorskip("playwright")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("expo")
    url = f"sqlite:///{tmp}/live.sqlite"
    db = Database(url)
    with db.write() as conn:
        for name, role in (("rita", "reporter"), ("ravi", "reporter"), ("rosa", "reporter"), ("lena", "lead"),
                           ("adam", "admin")):
            auth.create_user(conn, name, role, PW, audit.Actor(None, "test"))
    db.engine.dispose()
    with live_server(url, tmp) as base, sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield base, b
        b.close()


def _login(browser: Any, base: str, user: str) -> tuple[Any, Any, list[str], list[str]]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 800}, base_url=base)
    page = ctx.new_page()
    console: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PW)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return ctx, page, console, dialogs


def _check(page: Any, data: bytes, share: bool) -> None:
    page.goto("/exposure")
    page.set_input_files("input[name=export]", files=[{"name": "export.zip", "mimeType": "application/zip",
                                                      "buffer": data}])
    if share:
        page.check("input[name=share]")
    page.click("form[action='/exposure'] button[type=submit]")
    page.wait_for_selector("#exposure-result")


def test_exposure_pages_in_a_browser(site: tuple[str, Any]) -> None:
    base, browser = site
    ctx, page, console, dialogs = _login(browser, base, "rita")
    page.click("nav a[href='/exposure']")
    _check(page, export_zip(HOSTILE_HEADLINE, "Reach me on rita.radar@gmail.com.", recent=60, older=40), share=True)
    result = page.inner_text("#exposure-result")
    assert "A security clearance or vetting level is listed" in result and "Remove the clearance" in result
    assert '<img src=x onerror="alert(1)">' in result and "<script>alert(2)</script>" in result  # as text
    assert dialogs == [] and page.locator("#exposure-result img").count() == 0
    assert "Withdraw what I shared" in page.content()
    assert not [m for m in console if "Content Security Policy" in m or "Refused to" in m], console
    ctx.close()
    for name in ("ravi", "rosa"):
        c, p, _, _ = _login(browser, base, name)
        _check(p, export_zip("Software engineer"), share=True)
        c.close()
    ctx, page, console, _ = _login(browser, base, "lena")
    page.click("nav a[href='/exposure/organisation']")
    text = page.inner_text("main")
    assert "3 people have shared" in text and "By person" in text and "rita" in text
    ctx.close()
    ctx, page, _, _ = _login(browser, base, "adam")
    page.goto("/exposure/organisation")
    text = page.inner_text("main")
    assert "Names are withheld" in text and "rita" not in text and "By person" not in text
    ctx.close()
