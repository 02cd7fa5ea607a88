"""Alerts (issue 15 part 3): a high-risk case becomes a signed webhook call, in the case's transaction,
delivered with retries and backoff, logged, Slack/Teams formats, and no content unless the admin allows it
for the case's TLP. A real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from tests.server.conftest import BENIGN, HOSTILE, make_server

from lurewatch.db.alert_tables import alert_outbox
from lurewatch.server import alerts


class Receiver:
    """Records every POST; answers the next status codes given (then 200)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.statuses: list[int] = []
        outer = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers["content-length"]))
                outer.calls.append({"path": self.path, "headers": dict(self.headers), "raw": raw})
                code = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(code)
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


@pytest.fixture()
def receiver() -> Any:
    r = Receiver()
    yield r
    r.close()


def _hook(s: Any, receiver: Receiver, name: str, **kw: Any) -> dict[str, Any]:
    r = s.api("admin", "POST", "/api/v1/alerts/webhooks", json={"name": name, "url": f"{receiver.url}/{name}", **kw})
    assert r.status_code == 201, r.text
    return r.json()


@contextmanager
def _server(fresh_url: str, tmp_path: Path, worker: bool = False) -> Any:
    """A server with an admin and a reporter, for one test."""
    s = make_server(fresh_url, tmp_path / "data", run_worker=worker)
    with s.client:
        s.people["admin"] = s.add_user("admin", "adm")
        s.people["reporter"] = s.add_user("reporter", "rep")
        yield s
    s.db.engine.dispose()


def test_a_high_case_is_a_signed_alert_without_content(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    with _server(fresh_url, tmp_path) as s:
        hook = _hook(s, receiver, "generic")
        assert s.api("reporter", "POST", "/api/v1/submissions", json={"message": BENIGN}).status_code == 201
        sub = s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE}).json()
        assert sub["approaches"][0]["level"] == "high"
        assert alerts.deliver_due(s.db.engine) == 1  # the benign (low) case made no alert
        (call,) = receiver.calls
        body = json.loads(call["raw"])
        assert body["event"] == "case.high" and body["level"] == "high" and "title" not in body
        assert "red_flags" not in body and "think tank" not in call["raw"].decode().lower()
        t, v1 = (x.split("=", 1)[1] for x in call["headers"]["x-lurewatch-signature"].split(","))
        want = hmac.new(hook["secret"].encode(), f"{t}.".encode() + call["raw"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(v1, want)
        log = s.api("admin", "GET", "/api/v1/alerts/deliveries").json()["items"]
        assert log[0]["status"] == "delivered" and log[0]["attempts"] == 1 and log[0]["last_status"] == 200
        assert "secret" not in json.dumps(s.api("admin", "GET", "/api/v1/alerts/webhooks").json())
        assert s.api("reporter", "GET", "/api/v1/alerts/deliveries").status_code == 403
        page = s.api("admin", "GET", "/admin/alerts")
        assert page.status_code == 200 and "Delivery log" in page.text and "delivered" in page.text
        assert hook["secret"] not in page.text


def test_retries_with_backoff_then_gives_up(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    with _server(fresh_url, tmp_path) as s:
        _hook(s, receiver, "flaky")
        s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE})
        receiver.statuses = [500, 503]
        t0 = datetime.now(UTC)
        alerts.deliver_due(s.db.engine, now=t0)
        assert alerts.deliver_due(s.db.engine, now=t0 + timedelta(seconds=1)) == 0  # not due yet (backoff 5 s)
        alerts.deliver_due(s.db.engine, now=t0 + timedelta(seconds=6))
        alerts.deliver_due(s.db.engine, now=t0 + timedelta(seconds=20))
        assert len(receiver.calls) == 3
        with s.db.engine.connect() as conn:
            row = conn.execute(select(alert_outbox)).mappings().one()
        assert row["status"] == "delivered" and row["attempts"] == 3
        # a receiver that never answers well: failed after MAX_ATTEMPTS, logged with the last error
        s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE + " Second approach."})
        receiver.statuses = [500] * 10
        for i in range(alerts.MAX_ATTEMPTS + 2):
            alerts.deliver_due(s.db.engine, now=t0 + timedelta(hours=i + 1))
        with s.db.engine.connect() as conn:
            last = conn.execute(select(alert_outbox).order_by(alert_outbox.c.id.desc())).mappings().first()
        assert last["status"] == "failed" and last["attempts"] == alerts.MAX_ATTEMPTS and last["last_error"] == "HTTP 500"


def test_slack_and_teams_formats_and_content_by_tlp(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    with _server(fresh_url, tmp_path) as s:
        _hook(s, receiver, "slack", format="slack", include_content=True, max_tlp="amber")
        _hook(s, receiver, "teams", format="teams", include_content=True, max_tlp="green")
        s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE})
        alerts.deliver_due(s.db.engine)
        by = {c["path"].strip("/"): json.loads(c["raw"]) for c in receiver.calls}
        assert by["slack"]["text"].startswith("lurewatch: high-risk case") and "Red flags:" in by["slack"]["text"]
        assert by["teams"]["@type"] == "MessageCard" and "Red flags" not in by["teams"]["text"]  # case is AMBER


def test_the_alert_and_the_case_are_one_transaction(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    with _server(fresh_url, tmp_path) as s:
        _hook(s, receiver, "tx")
        s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE})
        cases = s.api("admin", "GET", "/api/v1/cases").json()["items"]
        with s.db.engine.connect() as conn:
            outbox = conn.execute(select(alert_outbox.c.case_id)).scalars().all()
        assert outbox == [c["id"] for c in cases if c["level"] == "high"]


def test_the_server_delivers_in_the_background(fresh_url: str, tmp_path: Path, receiver: Receiver) -> None:
    with _server(fresh_url, tmp_path, worker=True) as s:
        _hook(s, receiver, "bg")
        s.api("reporter", "POST", "/api/v1/submissions", json={"message": HOSTILE})
        for _ in range(100):  # the sender polls; wait for it (a functional wait, not a speed goal)
            if receiver.calls:
                break
            time.sleep(0.1)
        assert receiver.calls and json.loads(receiver.calls[0]["raw"])["event"] == "case.high"
        with s.db.engine.begin() as conn:
            conn.execute(update(alert_outbox).values(status="delivered"))


def test_hostile_content_is_inert_in_chat_formats() -> None:
    """A sender named '<!channel>' must not ping a Slack channel, nor add a link or image in Teams."""
    body = {"level": "high", "case_id": 7, "score": 90, "path": "/cases/7",
            "title": "<!channel> [open me](http://evil.example) ![x](http://evil.example/p.png)",
            "red_flags": [{"indicator": "LW-X", "title": "<@U123> *urgent*"}]}
    slack = alerts.render("slack", body)["text"]
    assert "<!channel>" not in slack and "&lt;!channel&gt;" in slack and "<@U123>" not in slack
    teams = alerts.render("teams", body)
    assert "[open me](" not in teams["title"] and "![x](" not in teams["title"]
    assert "\\[open me\\]" in teams["title"] and "\\*urgent\\*" in teams["text"]
    assert alerts.render("generic", body)["title"] == body["title"]  # JSON consumers get the data as it is
