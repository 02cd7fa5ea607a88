"""New-campaign alerts (issue 15 part 3): a campaign label first carried by two cases raises one signed
webhook call per webhook, ever (linking runs repeated, a campaign that grows, an analyst re-labelling never
raise it again); its size, evidence kinds and page link; content only as the cases' TLP allows. A real
HTTP receiver on 127.0.0.1, SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.server.conftest import BENIGN, HOSTILE, make_server
from tests.server.test_alerts import Receiver, _hook

from lurewatch.db.alert_tables import alert_outbox, campaigns_seen
from lurewatch.server import alerts, jobs

PERSONA = "https://www.linkedin.com/in/one-persona-campaign-alert"


@pytest.fixture()
def rx() -> Any:
    r = Receiver()
    yield r
    r.close()


def _link(s: Any) -> dict[str, Any]:
    """A lead's linking run, executed here (no background worker: the test decides when)."""
    assert s.api("lead", "POST", "/api/v1/campaigns/link").status_code == 202
    job = jobs.claim(s.db)
    assert job is not None
    jobs.run_job(s.db, s.cfg.data_dir, job)
    done = s.api("lead", "GET", f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "done", done
    return done


def _report(s: Any, i: int, message: str = HOSTILE) -> None:
    r = s.api("reporter", "POST", "/api/v1/reports",
              json={"message": f"{message} Target {i}.", "profile_url": PERSONA, "sender_name": "Ann Persona"})
    assert r.status_code == 201, r.text


def _campaign_calls(receiver: Receiver) -> list[dict[str, Any]]:
    return [c for c in receiver.calls if c["headers"]["x-lurewatch-event"] == "campaign.new"]


def _outbox_count(s: Any) -> int:
    with s.db.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(alert_outbox)
                                .where(alert_outbox.c.event == "campaign.new")).scalar_one())


def _server(url: str, tmp_path: Path) -> Any:
    s = make_server(url, tmp_path / "data")
    s.client.__enter__()
    for role in ("admin", "lead", "analyst", "reporter"):
        s.people[role] = s.add_user(role, f"{role}-ca")
    return s


def _close(s: Any) -> None:
    s.client.__exit__(None, None, None)
    s.db.engine.dispose()


def test_a_linked_campaign_is_alerted_once(fresh_url: str, tmp_path: Path, rx: Receiver) -> None:
    s = _server(fresh_url, tmp_path)
    try:
        hook = _hook(s, rx, "generic")
        _hook(s, rx, "slack", format="slack", include_content=True, max_tlp="amber")
        _hook(s, rx, "quiet", on_campaign=False)
        for i in range(3):
            _report(s, i)
        s.api("reporter", "POST", "/api/v1/reports", json={"message": BENIGN})
        _link(s)
        alerts.deliver_due(s.db.engine)
        by = {c["path"].strip("/"): c for c in _campaign_calls(rx)}
        assert sorted(by) == ["generic", "slack"]  # the webhook without campaigns heard nothing
        body = json.loads(by["generic"]["raw"])
        name = s.api("lead", "GET", "/api/v1/campaigns").json()[0]["campaign"]
        assert body["event"] == "campaign.new" and body["campaign"] == name and name.startswith("cmp-")
        assert body["cases"] == 3 and body["approaches"] == 3 and body["level"] == "high"
        assert "same_sender" in body["edge_kinds"] and body["path"] == f"/campaigns/{name}"
        assert "titles" not in body and "evidence" not in body and "persona" not in by["generic"]["raw"].decode().lower()
        t, v1 = (x.split("=", 1)[1] for x in by["generic"]["headers"]["x-lurewatch-signature"].split(","))
        want = hmac.new(hook["secret"].encode(), f"{t}.".encode() + by["generic"]["raw"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(v1, want)
        slack = json.loads(by["slack"]["raw"])["text"]  # the cases are TLP:AMBER, the webhook allows AMBER
        assert slack.startswith(f"lurewatch: new campaign {name} (3 cases") and "Ann Persona" in slack
        page = s.api("lead", "GET", body["path"])  # the link in the alert is the campaign's page
        assert page.status_code == 200 and name in page.text
        # again: nothing new. A fourth approach joins the campaign under its name: it grew, it is not new.
        _link(s)
        _report(s, 3)
        _link(s)
        camps = s.api("lead", "GET", "/api/v1/campaigns").json()
        assert [(c["campaign"], c["cases"]) for c in camps] == [(name, 4)]
        assert _outbox_count(s) == 2
        alerts.deliver_due(s.db.engine)
        assert len(_campaign_calls(rx)) == 2
        log = s.api("admin", "GET", "/api/v1/alerts/deliveries").json()["items"]
        assert {d["campaign"] for d in log if d["event"] == "campaign.new"} == {name}
        page = s.api("admin", "GET", "/admin/alerts").text
        assert f'href="/campaigns/{name}"' in page
    finally:
        _close(s)


def _case_ids(s: Any) -> list[int]:
    return sorted(c["id"] for c in s.api("analyst", "GET", "/api/v1/cases?limit=100").json()["items"])


def test_an_analysts_campaign_level_and_tlp(fresh_url: str, tmp_path: Path, rx: Receiver) -> None:
    s = _server(fresh_url, tmp_path)
    try:
        _hook(s, rx, "high", format="teams", include_content=True, max_tlp="amber")
        _hook(s, rx, "medium", format="slack", min_level="medium", include_content=True, max_tlp="amber")
        for msg in (BENIGN, BENIGN + " Again."):
            s.api("reporter", "POST", "/api/v1/reports", json={"message": msg})
        low = _case_ids(s)
        assert s.api("analyst", "PATCH", f"/api/v1/cases/{low[0]}", json={"campaign": "op-quiet"}).status_code == 200
        assert _outbox_count(s) == 0  # one case is not a campaign
        s.api("analyst", "PATCH", f"/api/v1/cases/{low[1]}", json={"campaign": "op-quiet"})
        assert _outbox_count(s) == 0  # a campaign of low-risk cases reaches neither webhook
        with s.db.engine.connect() as conn:
            seen = conn.execute(select(campaigns_seen)).mappings().one()
        assert seen["name"] == "op-quiet" and seen["edge_kinds"] == ["analyst"] and seen["alert"]
        # a high-risk case joins: now it reaches both; one case is TLP:RED, so no content leaves
        s.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE})
        high = next(i for i in _case_ids(s) if i not in low)
        s.api("analyst", "PATCH", f"/api/v1/cases/{low[0]}", json={"tlp": "red"})
        s.api("analyst", "PATCH", f"/api/v1/cases/{high}", json={"campaign": "op-quiet"})
        assert _outbox_count(s) == 2
        # re-labelling, a webhook added since: still one alert per webhook
        s.api("analyst", "PATCH", f"/api/v1/cases/{high}", json={"campaign": ""})
        s.api("analyst", "PATCH", f"/api/v1/cases/{high}", json={"campaign": "op-quiet"})
        _hook(s, rx, "later", min_level="medium")
        s.api("analyst", "PATCH", f"/api/v1/cases/{low[1]}", json={"campaign": "op-quiet", "severity": "high"})
        assert _outbox_count(s) == 2
        alerts.deliver_due(s.db.engine)
        by = {c["path"].strip("/"): json.loads(c["raw"]) for c in _campaign_calls(rx)}
        assert sorted(by) == ["high", "medium"]
        assert by["high"]["@type"] == "MessageCard" and "op\\-quiet (3 cases" in by["high"]["title"]
        assert "Cases and evidence" not in by["high"]["text"] and "Cases and evidence" not in by["medium"]["text"]
        assert "linked by analyst" in by["medium"]["text"] and "/campaigns/op-quiet" in by["medium"]["text"]
    finally:
        _close(s)


def test_a_hostile_campaign_label_is_inert() -> None:
    body = {"event": "campaign.new", "campaign": "<!channel> [x](http://evil.example)", "level": "high", "cases": 2,
            "approaches": 2, "edge_kinds": ["same_sender"], "path": "/campaigns/%3C%21channel%3E",
            "titles": ["<@U1> *now*"], "evidence": []}
    slack = alerts.render("slack", body)["text"]
    assert "<!channel>" not in slack and "<@U1>" not in slack and "&lt;!channel&gt;" in slack
    teams = alerts.render("teams", body)
    assert "[x](" not in teams["title"] and "\\*now\\*" in teams["text"]


def test_two_labellings_at_once_raise_one_alert(fresh_url: str, tmp_path: Path, rx: Receiver) -> None:
    """Two transactions that each bring the campaign to two cases, at the same time: one alert."""
    import threading

    from sqlalchemy import update

    from lurewatch.server import campaign_alerts
    from lurewatch.server.tables import cases

    s = _server(fresh_url, tmp_path)
    try:
        _hook(s, rx, "race")
        for i in range(3):
            s.api("reporter", "POST", "/api/v1/reports", json={"message": f"{HOSTILE} Race {i}."})
        a, b, c = _case_ids(s)
        s.api("analyst", "PATCH", f"/api/v1/cases/{a}", json={"campaign": "op-race"})
        barrier = threading.Barrier(1 if s.db.sqlite else 2)  # SQLite: one writer at a time, one after the other
        errors: list[BaseException] = []

        def label(cid: int) -> None:
            try:
                with s.db.engine.begin() as conn:  # not db.write(): on PostgreSQL both run at once
                    conn.execute(update(cases).where(cases.c.id == cid).values(campaign="op-race"))
                    barrier.wait(timeout=10)
                    campaign_alerts.campaign_changed(conn, "op-race")
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

        if s.db.sqlite:
            for cid in (b, c):
                label(cid)
        else:
            ts = [threading.Thread(target=label, args=(cid,)) for cid in (b, c)]
            for t in ts:
                t.start()
            for t in ts:
                t.join(30)
        assert not errors, errors
        assert _outbox_count(s) == 1
        with s.db.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(campaigns_seen)).scalar_one() == 1
    finally:
        _close(s)
