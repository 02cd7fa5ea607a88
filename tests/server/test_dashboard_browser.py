"""The dashboard in a real headless browser (Debian chromium through Playwright): every chart image loads
under the Content-Security-Policy, nothing is refused. Set LUREWATCH_SCREENSHOTS=DIR to keep a screenshot
(docs/screenshots/dashboard.png is made that way, from the FICTIONAL demo data of `lurewatch report --demo`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert
from tests.server.test_browser import ARGS, CHROMIUM, Watch
from tests.server.test_crash import live_server

from lurewatch.server import audit, auth
from lurewatch.server.database import Database
from lurewatch.server.tables import case_approaches, cases
from lurewatch.store.db import save_approaches

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PW = "browser-password-1"


def _seed(db: Database) -> None:
    """The demo approaches, a case for each (closed when the demo says it was triaged), demo campaigns."""
    from lurewatch.reports.demo import demo_approaches, demo_campaigns, demo_cases

    aps = demo_approaches()
    camp_of = {m["approach_id"]: c["campaign_id"] for c in demo_campaigns(aps) for m in c["approaches"]}
    flagged = [a for a in aps if a["level"] != "low"]  # demo_cases: one case per high or medium approach
    with db.write() as conn:
        auth.create_user(conn, "ana", "analyst", PW, audit.Actor(None, "test"))
        save_approaches(conn, aps)
        for a, c in zip(flagged, demo_cases(aps), strict=True):
            created: datetime = c["created_at"]
            done = c["triaged_at"]
            row = {"title": a["sender_name"], "status": "closed" if done else "new",
                   "resolution": "hostile" if done else None, "score": a["score"], "level": a["level"],
                   "sector": a["owner_sector"], "campaign": camp_of.get(a["approach_id"], ""),
                   "created_at": created, "updated_at": done or created, "closed_at": done}
            cid = conn.execute(insert(cases).values(**row).returning(cases.c.id)).scalar_one()
            conn.execute(insert(case_approaches).values(case_id=cid, approach_id=a["approach_id"]))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    pytest.importorskip("playwright")
    pytest.importorskip("matplotlib")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed")
    tmp = tmp_path_factory.mktemp("dash")
    url = f"sqlite:///{tmp}/dash.sqlite"
    db = Database(url)
    _seed(db)
    db.engine.dispose()
    with live_server(url, tmp) as base:
        yield base


def test_dashboard_charts_load_under_the_csp(live: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1366, "height": 1500}, base_url=live)
        page = ctx.new_page()
        w = Watch(page)
        page.goto("/login")
        page.fill("input[name=username]", "ana")
        page.fill("input[name=password]", PW)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.click("header nav a[href='/dashboard']")
        page.wait_for_load_state("networkidle")
        assert "suspicious approaches were recorded" in page.locator("#summary").inner_text()
        imgs = page.locator("#charts img")
        assert imgs.count() == 6  # weekly, teams, sectors, indicators, campaigns, triage
        for i in range(imgs.count()):
            imgs.nth(i).scroll_into_view_if_needed()
        page.wait_for_load_state("networkidle")
        widths: list[Any] = page.eval_on_selector_all("#charts img", "xs => xs.map(x => x.naturalWidth)")
        assert all(wd > 100 for wd in widths), widths
        assert page.locator("#campaigns tbody tr").count() >= 1
        assert not w.csp_errors(), w.csp_errors()
        out = os.environ.get("LUREWATCH_SCREENSHOTS")
        if out:
            Path(out).mkdir(parents=True, exist_ok=True)
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(Path(out) / "dashboard.png"), full_page=False)
        browser.close()
