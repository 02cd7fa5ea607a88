"""End to end in a real headless browser (Debian chromium through Playwright, no browser download).

A reporter submits an approach and sees the verdict; an analyst triages it, merges a duplicate and
closes the case; a message carrying <script>, <img onerror> and javascript: payloads is shown as text
and runs nothing; no page breaks its own Content-Security-Policy. Set LUREWATCH_SCREENSHOTS=DIR to keep
screenshots of the main pages (docs/screenshots is made that way).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import HOSTILE, pg_available, pg_schema_url
from tests.server.test_crash import live_server

from lurewatch.server import audit, auth
from lurewatch.server.database import Database

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PW = "browser-password-1"
XSS = ('Dear colleague <script>window.__pwned = "script"</script> our think tank pays for short reports. '
       '<img src=x onerror="window.__pwned = \'img\'"> Let us move to WhatsApp. '
       '<a href="javascript:window.__pwned = \'link\'">open the brief</a>')


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server on SQLite, then on PostgreSQL (a fresh schema; skipped when no server answers)."""
    pytest.importorskip("playwright")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    tmp = tmp_path_factory.mktemp("live")
    cleanup = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/live.sqlite"
    else:
        if not pg_available():
            pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
        url, cleanup = pg_schema_url()
    try:
        yield from _serve(url, tmp)
    finally:
        if cleanup is not None:
            cleanup()


def _serve(url: str, tmp: Path) -> Iterator[str]:
    db = Database(url)
    with db.write() as conn:
        for name, role in (("rita", "reporter"), ("ravi", "reporter"), ("ana", "analyst")):
            auth.create_user(conn, name, role, PW, audit.Actor(None, "test"))
    db.engine.dispose()
    with live_server(url, tmp) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watch:
    """Collects CSP violations and dialogs (an alert() would mean a payload ran)."""

    def __init__(self, page: Any) -> None:
        self.console: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.console.append(m.text))
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def csp_errors(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m or "Refused to" in m]


def _shot(page: Any, name: str) -> None:
    out = os.environ.get("LUREWATCH_SCREENSHOTS")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(out) / f"{name}.png"), full_page=False)


def _login(browser: Any, base: str, user: str) -> tuple[Any, Any, Watch]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 800}, base_url=base)
    page = ctx.new_page()
    w = Watch(page)
    page.goto("/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", PW)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return ctx, page, w


def _report(page: Any, message: str, name: str = "", url: str = "") -> int:
    page.goto("/report")
    page.fill("textarea[name=message]", message)
    if name:
        page.fill("input[name=sender_name]", name)
    if url:
        page.fill("input[name=profile_url]", url)
    page.click("form.report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/reports/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def test_report_triage_merge_close(live: str, browser: Any) -> None:
    ctx, page, w = _login(browser, live, "rita")
    _shot(page, "report-form")
    rid = _report(page, HOSTILE, "Rachel Huang", "https://www.linkedin.com/in/rachel-huang-riskvantage")
    verdict = page.locator(".verdict").inner_text()
    assert "hostile" in verdict or "suspicious" in verdict
    assert page.locator("ol.findings li").count() >= 2
    assert page.locator(".advice li").count() >= 1
    _shot(page, "verdict")
    ctx.close()
    # a colleague reports the same person again: a duplicate case
    ctx2, page2, _ = _login(browser, live, "ravi")
    _report(page2, HOSTILE + " Following up on my last message.", "Rachel Huang",
            "https://www.linkedin.com/in/rachel-huang-riskvantage")
    ctx2.close()

    actx, a, aw = _login(browser, live, "ana")
    assert a.url.endswith("/queue")
    rows = a.locator("table.queue tbody tr")
    assert rows.count() >= 2
    _shot(a, "queue")
    # filter through HTMX (no page load): level high/medium
    a.select_option("select[name=status]", "new")
    a.wait_for_url(re.compile(r"status=new"))
    case_links = a.locator("table.queue a[href^='/cases/']")
    ids = sorted({int(re.search(r"/cases/(\d+)", case_links.nth(i).get_attribute("href")).group(1))
                  for i in range(case_links.count())})
    assert len(ids) >= 2
    target, dup = ids[0], ids[1]
    a.goto(f"/cases/{target}")
    assert "Rachel Huang" in a.locator("h1").inner_text()
    a.select_option("select[name=status]", "in_progress")
    a.select_option("select[name=assignee_id]", label="ana")
    a.fill("input[name=campaign]", "think-tank-lure")
    a.click("form[action$='/update'] button[type=submit]")
    a.wait_for_load_state()
    assert "in progress" in a.locator(".case-head").inner_text()
    a.fill("input[name=duplicate_id]", str(dup))
    a.click("form[action$='/merge'] button")
    a.wait_for_load_state()
    assert a.locator("article.approach").count() == 2
    a.fill("#tasks input[name=title]", "Tell both reporters not to reply")
    a.click("#tasks form:not(.inline) button")
    a.wait_for_load_state()
    a.fill("#notes textarea[name=text]", "Same persona as the Mallory case pattern.")
    a.click("#notes button")
    a.wait_for_load_state()
    a.evaluate("window.scrollTo(0, 0)")
    _shot(a, "case")
    a.select_option("select[name=status]", "closed")
    a.select_option("select[name=resolution]", "hostile")
    a.click("form[action$='/update'] button[type=submit]")
    a.wait_for_load_state()
    head = a.locator(".case-head").inner_text()
    assert "closed: hostile" in head
    history = a.locator("#audit").inner_text()
    assert "case.merge_in" in history and "case.update" in history
    a.goto(f"/cases/{dup}")
    assert "merged into" in a.locator(".case-head").inner_text()
    a.goto("/campaigns/think-tank-lure")
    _shot(a, "campaign")
    assert not aw.csp_errors() and not w.csp_errors(), aw.csp_errors() + w.csp_errors()
    actx.close()
    assert rid > 0


def test_hostile_payloads_show_as_text_and_run_nothing(live: str, browser: Any) -> None:
    ctx, page, w = _login(browser, live, "rita")
    _report(page, XSS, '<img src=x onerror="window.__pwned=\'name\'">', "javascript:window.__pwned='url'")
    body = page.locator("main").inner_text()
    assert '<script>window.__pwned = "script"</script>' in body
    assert "<img src=x onerror=" in body
    assert page.locator("main img[src='x']").count() == 0 and page.locator("main script").count() == 0
    assert page.locator("a[href^='javascript:']").count() == 0
    page.get_by_text("open the brief").first.click()  # it is text, clicking does nothing
    assert page.evaluate("window.__pwned") is None
    assert not w.dialogs
    ctx.close()
    actx, a, aw = _login(browser, live, "ana")
    a.goto("/queue?status=new")
    hrefs = [x.get_attribute("href") for x in a.locator("table.queue a[href^='/cases/']").all()]
    for h in hrefs:
        a.goto(h)
        assert a.evaluate("window.__pwned") is None
        assert a.locator("main script, main img[src='x'], a[href^='javascript:']").count() == 0
    assert not aw.dialogs and not aw.csp_errors(), aw.csp_errors()
    actx.close()
