"""The mail intake pages in a real headless browser (Debian chromium through Playwright), against a live
`lurewatch serve` that polls a real Dovecot on its own and mails through an SMTP sink: an analyst sees two
quarantined forwards on /mail, releases one to an account (a case appears) and discards the other; a
reporter adds an address on /account/mail with the mailed code; the admin sees it verified. A hostile
subject and sender name are shown as text, run nothing, and no page breaks its Content-Security-Policy."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest
from tests.server.conftest import HOSTILE, pg_available, pg_schema_url
from tests.server.mailserver import Imap, Sink, dovecot, smtp_sink
from tests.server.test_browser import ARGS, CHROMIUM, PW, Watch
from tests.server.test_crash import live_server
from tests.server.test_mail_intake import DONE, forward, original

from lurewatch.server import audit, auth
from lurewatch.server.database import Database

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SUBJECT = 'Fwd: <script>window.__pwned = "subject"</script> <img src=x onerror="window.__pwned = \'subj-img\'">'
NAME = '<img src=x onerror="window.__pwned = \'name\'"> Li <script>alert(1)</script>'


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Any, Imap, Sink]]:
    """The server (SQLite, then PostgreSQL) polling its own Dovecot every half second, and a browser."""
    pytest.importorskip("playwright")
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright

    tmp = tmp_path_factory.mktemp("mailweb")
    cleanup = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp}/live.sqlite"
    else:
        if not pg_available():
            pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
        url, cleanup = pg_schema_url()
    try:
        db = Database(url)
        with db.write() as conn:
            for name, role in (("rita", "reporter"), ("ana", "analyst"), ("adam", "admin")):
                auth.create_user(conn, name, role, PW, audit.Actor(None, "test"))
        db.engine.dispose()
        with dovecot(tmp) as imap, smtp_sink() as sink, pytest.MonkeyPatch.context() as mp:
            for k, v in {**imap.env(), **sink.env(), "LUREWATCH_IMAP_POLL_SECONDS": "0.5"}.items():
                mp.setenv(k, v)  # the server subprocess inherits these
            with live_server(url, tmp) as base, sync_playwright() as p:
                b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                yield base, b, imap, sink
                b.close()
    finally:
        if cleanup is not None:
            cleanup()


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


def _until(check: Any, what: str, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, what
        time.sleep(0.2)


def _safe(page: Any, w: Watch) -> None:
    """Nothing hostile ran or was parsed into markup on this page."""
    assert page.evaluate("window.__pwned") is None
    assert page.locator("main script, main img[src='x']").count() == 0
    assert not w.dialogs and not w.csp_errors(), (w.dialogs, w.csp_errors())


def test_quarantine_release_discard_and_own_address(site: tuple[str, Any, Imap, Sink]) -> None:
    base, browser, imap, sink = site
    # two forwards from addresses no account has: the server's own poller quarantines them
    fwd = message_from_bytes(forward(sender="Bob Staff <bob@corp.example>", mid="web-q1", attach=original(
        sender=f'"{NAME}" <li.wei@thinktank.example>', mid="web-o1")), policy=policy.default)
    fwd.replace_header("Subject", SUBJECT)
    imap.append(fwd.as_bytes())
    imap.append(forward(sender="Mallory <mallory@evil.example>", attach=original(mid="web-o2"), mid="web-q2"))
    _until(lambda: imap.count(DONE) == 2, "the server did not take the forwards in")

    ctx, page, w = _login(browser, base, "ana")
    page.click("nav a[href='/mail']")
    page.wait_for_url(re.compile(r"/mail$"))
    quarantine = page.locator("h2:has-text('Quarantine') + table tbody tr")
    assert quarantine.count() == 2
    hostile = quarantine.filter(has_text="bob@corp.example")
    text = hostile.inner_text()
    assert '<script>window.__pwned = "subject"</script>' in text and "<img src=x onerror=" in text  # as text
    assert "not a verified address" in text
    _safe(page, w)
    # released as rita's report: a case with a link in the intake log
    hostile.locator("select[name=user_id]").select_option(label="rita")
    hostile.locator("button", has_text="Release").click()
    page.wait_for_load_state()
    assert quarantine.count() == 1
    log = page.locator("h2:has-text('Intake log') + table tbody tr")
    released = log.filter(has_text="bob@corp.example")
    assert "released" in released.inner_text()
    case_link = released.locator("a[href^='/cases/']")
    assert case_link.count() == 1
    # the other one is discarded
    quarantine.filter(has_text="mallory@evil.example").locator("button", has_text="Discard").click()
    page.wait_for_load_state()
    assert page.locator("h2:has-text('Quarantine') + p").inner_text() == "Nothing waits."
    assert "discarded" in log.filter(has_text="mallory@evil.example").inner_text()
    _safe(page, w)
    # the case: the hostile sender name is text; the message is scored
    case_link.click()
    page.wait_for_url(re.compile(r"/cases/\d+$"))
    head = page.locator("h1").inner_text()
    assert "<script>alert(1)</script>" in head and "<img src=x onerror=" in head, head
    assert HOSTILE[:40] in page.locator("main").inner_text()
    _safe(page, w)
    ctx.close()

    # the reporter sees the report filed for them, and adds an address of their own with the mailed code
    ctx, page, w = _login(browser, base, "rita")
    page.goto("/account/mail")
    assert "Forward a suspicious e-mail to" in page.locator("main").inner_text()
    page.fill("form[action='/account/mail'] input[name=address]", "Rita.R@Corp.example")
    page.click("form[action='/account/mail'] button")
    page.wait_for_load_state()
    assert "A code was sent to rita.r@corp.example" in page.locator("main").inner_text()
    _until(lambda: any(m["To"] == "rita.r@corp.example" for m in sink.messages), "no code was mailed")
    mail = next(m for m in sink.messages if m["To"] == "rita.r@corp.example")
    code = re.search(r"code is ([A-Z2-7]{8})", mail.get_content()).group(1)  # type: ignore[union-attr]
    page.goto("/account/mail")  # the pending claim survives a new visit
    page.select_option("form[action='/account/mail/confirm'] select[name=address]", "rita.r@corp.example")
    page.fill("form[action='/account/mail/confirm'] input[name=code]", code)
    page.click("form[action='/account/mail/confirm'] button")
    page.wait_for_url(re.compile(r"/account/mail$"))
    row = page.locator("main table tbody tr", has_text="rita.r@corp.example")
    assert row.count() == 1 and "code" in row.inner_text()
    assert page.locator("form[action='/account/mail/confirm']").count() == 0  # nothing pending any more
    _safe(page, w)
    ctx.close()

    # the admin sees it among the verified addresses; analysts see no such section
    ctx, page, w = _login(browser, base, "adam")
    page.goto("/mail")
    verified = page.locator("h2:has-text('Verified addresses') + p + table tbody tr", has_text="rita.r@corp.example")
    assert verified.count() == 1 and "rita" in verified.inner_text()
    _safe(page, w)
    ctx.close()
