"""Forwarded e-mail intake against a real Dovecot (IMAPS) and an SMTP sink (aiosmtpd): a forward becomes a
case and a verdict reply, unknown senders are quarantined for an analyst, loops are not answered, and a
poller killed between scoring and moving neither loses nor duplicates anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from tests.server.conftest import HOSTILE, Server, make_server
from tests.server.mailserver import Imap, Sink, dovecot, smtp_sink

from lurewatch.db.mail_tables import mail_intake
from lurewatch.server import audit
from lurewatch.server import mail_intake as intake
from lurewatch.server.mail_poller import poll_once, send_replies
from lurewatch.server.tables import audit_log, audit_queue, case_approaches, cases, reports

DONE = "lurewatch-done"


def original(text: str = HOSTILE, sender: str = "Li Wei <li.wei@thinktank.example>", mid: str = "orig-1") -> EmailMessage:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "alice@corp.example"
    m["Subject"] = "Paid consultancy"
    m["Date"] = "Tue, 04 Mar 2025 09:30:00 +0000"
    m["Message-ID"] = f"<{mid}@thinktank.example>"
    m.set_content(text)
    return m


def forward(sender: str = "Alice Staff <alice@corp.example>", attach: EmailMessage | None = None, body: str = "Legit?",
            mid: str = "fwd-1", **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = sender
    m["To"] = "intake@lurewatch.test"
    m["Subject"] = "Fwd: Paid consultancy"
    m["Message-ID"] = f"<{mid}@corp.example>"
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    if attach is not None:
        m.add_attachment(attach)
    return m.as_bytes()


@pytest.fixture()
def env(tmp_path: Path, fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Server, Imap, Sink, Any]]:
    with dovecot(tmp_path) as imap, smtp_sink() as sink:
        for k, v in {**imap.env(), **sink.env(), "LUREWATCH_IMAP_POLL_SECONDS": "0.5"}.items():
            monkeypatch.setenv(k, v)
        s = make_server(fresh_url, tmp_path / "data")
        with s.client:
            s.people["alice"] = s.add_user("reporter", f"alice-{tmp_path.name[-6:]}")
            s.people["analyst"] = s.add_user("analyst")
            s.people["admin"] = s.add_user("admin")
            r = s.api("admin", "POST", "/api/v1/mail/addresses",
                      json={"user_id": s.people["alice"].id, "address": "Alice@Corp.example"})
            assert r.status_code == 201, r.text
            yield s, imap, sink, intake.MailConfig.from_env()
        s.db.engine.dispose()


def _rows(s: Server) -> list[dict[str, Any]]:
    with s.db.read() as conn:
        return [dict(r) for r in conn.execute(select(mail_intake).order_by(mail_intake.c.id)).mappings()]


def test_forward_becomes_a_case_and_the_forwarder_gets_the_verdict(env: Any) -> None:
    s, imap, sink, mc = env
    st = s.app.state.lw
    imap.append(forward(attach=original()))
    assert poll_once(st, mc) == 1
    [row] = _rows(s)
    assert row["status"] == "scored" and row["user_id"] == s.people["alice"].id and row["reply_status"] == "pending"
    assert imap.count("INBOX") == 0 and imap.count(DONE) == 1
    with s.db.read() as conn:
        case = conn.execute(select(cases).where(cases.c.id == row["case_ids"][0])).mappings().one()
        rep = conn.execute(select(reports).where(reports.c.id == row["report_id"])).mappings().one()
    assert case["level"] == "high" and rep["reporter_id"] == s.people["alice"].id and rep["kind"] == "eml"
    assert "Legit?" in rep["comment"]
    # the reporter sees it as their own report, through the API
    r = s.api("alice", "GET", f"/api/v1/reports/{row['report_id']}")
    assert r.status_code == 200 and r.json()["approaches"][0]["level"] == "high"

    assert send_replies(st, mc) == 1
    [reply] = sink.wait(1)
    assert reply["To"] == "alice@corp.example" and reply["Auto-Submitted"] == "auto-replied"
    assert reply["X-Lurewatch"] == "verdict" and reply["In-Reply-To"] == "<fwd-1@corp.example>"
    text = reply.get_content()
    assert "HIGH RISK" in text and "What to do" in text
    assert "3,000 USD" not in text and "Li Wei" not in text  # nothing the sender wrote or chose is echoed
    assert _rows(s)[0]["reply_status"] == "sent"

    # the verdict forwarded back, and an auto-reply to it: recorded, moved, never scored nor answered
    imap.append(forward(attach=_as_message(reply), mid="fwd-2"))
    imap.append(forward(body="I am out of office", mid="ooo", Auto_Submitted="auto-replied",
                        In_Reply_To=reply["Message-ID"]))
    assert poll_once(st, mc) == 2
    assert [r["status"] for r in _rows(s)[1:]] == ["ignored", "ignored"]
    assert send_replies(st, mc) == 0 and len(sink.messages) == 1
    with s.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_approaches)).scalar_one() == 1


def _as_message(m: Any) -> EmailMessage:
    from email import message_from_bytes, policy

    return message_from_bytes(m.as_bytes(), policy=policy.default)  # type: ignore[return-value]


def test_unknown_sender_is_quarantined_then_released_or_discarded(env: Any) -> None:
    s, imap, sink, mc = env
    st = s.app.state.lw
    imap.append(forward(sender="Mallory <mallory@evil.example>", attach=original(), mid="q1"))
    imap.append(forward(sender="Bob <bob@corp.example>", attach=original(mid="orig-2"), mid="q2"))
    assert poll_once(st, mc) == 2
    assert imap.count("INBOX") == 0 and imap.count(DONE) == 2
    rows = _rows(s)
    assert [r["status"] for r in rows] == ["quarantined", "quarantined"]
    assert "not a verified address" in rows[0]["reason"] and rows[0]["report_id"] is None
    assert send_replies(st, mc) == 0 and sink.messages == []  # unknown senders are never answered
    # analysts see the quarantine (reporters do not), release one to an account, discard the other
    assert s.api("alice", "GET", "/api/v1/mail/quarantine").status_code == 403
    q = s.api("analyst", "GET", "/api/v1/mail/quarantine").json()["items"]
    assert {x["forwarder"] for x in q} == {"mallory@evil.example", "bob@corp.example"}
    bob = next(x for x in q if x["forwarder"] == "bob@corp.example")
    r = s.api("analyst", "POST", f"/api/v1/mail/quarantine/{bob['id']}/release",
              json={"user_id": s.people["alice"].id})
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "released" and r.json()["case_ids"]
    assert s.api("analyst", "POST", f"/api/v1/mail/quarantine/{bob['id']}/release",
                 json={"user_id": s.people["alice"].id}).status_code == 422  # decided once only
    mal = next(x for x in q if x["forwarder"] == "mallory@evil.example")
    assert s.api("analyst", "POST", f"/api/v1/mail/quarantine/{mal['id']}/discard").status_code == 204
    assert [r["status"] for r in _rows(s)] == ["discarded", "released"]
    assert not any((st.cfg.data_dir / "mail-quarantine").iterdir())  # the kept messages are gone
    with s.db.read() as conn:
        queued = [e["action"] if isinstance(e, dict) else json.loads(e)["action"]
                  for (e,) in conn.execute(select(audit_queue.c.entry))]
        actions = set(queued) | {a for (a,) in conn.execute(select(audit_log.c.action))}
    assert {"mail.quarantined", "mail.release", "mail.discard"} <= actions


def test_rate_limit_quarantines_a_flood(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s, imap, _sink, mc = env
    mc.max_per_hour = 2
    for n in range(3):
        imap.append(forward(attach=original(mid=f"o{n}"), mid=f"f{n}"))
    assert poll_once(s.app.state.lw, mc) == 3
    assert [r["status"] for r in _rows(s)] == ["scored", "scored", "quarantined"]


def test_no_forward_inside_is_answered_with_help(env: Any) -> None:
    s, imap, sink, mc = env
    imap.append(forward(body="Someone phoned me offering money for reports, what now?", mid="nf"))
    poll_once(s.app.state.lw, mc)
    [row] = _rows(s)
    assert row["status"] == "refused" and "no forwarded message" in row["reason"]
    send_replies(s.app.state.lw, mc)
    assert "as an attachment" in sink.wait(1)[0].get_content()


def _poll_subprocess(url: str, data: Path, extra: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, **extra, "PYTHONPATH": os.pathsep.join(sys.path)}
    return subprocess.run([sys.executable, "-c", "from lurewatch.cli import main; main()", "mail", "poll", "--once",
                           "--db", url, "--data-dir", str(data)], env=env, capture_output=True, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["in-transaction", "before-move"])
def test_killed_mid_poll_nothing_lost_nothing_duplicated(env: Any, where: str) -> None:
    s, imap, _sink, mc = env
    imap.append(forward(attach=original(), mid="k1"))
    imap.append(forward(attach=original(text=HOSTILE + " Second.", mid="orig-k2"), mid="k2"))
    # the poller dies (as with kill -9) inside the case's transaction, or after the commit before the move
    p = _poll_subprocess(s.cfg.db_url, s.cfg.data_dir, {"LUREWATCH_TEST_MAIL_CRASH": where})
    assert p.returncode == 137, p.stderr[-2000:]
    assert imap.count("INBOX") == 2 and imap.count(DONE) == 0
    assert len(_rows(s)) == (0 if where == "in-transaction" else 1)
    # restarted: the first message is scored once (or only moved), the second is taken in
    assert poll_once(s.app.state.lw, mc) == 2
    rows = _rows(s)
    assert [r["status"] for r in rows] == ["scored", "scored"] and len({r["uid"] for r in rows}) == 2
    assert imap.count("INBOX") == 0 and imap.count(DONE) == 2
    with s.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_approaches)).scalar_one() == 2
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 2
    assert poll_once(s.app.state.lw, mc) == 0


@pytest.mark.slow
def test_the_server_polls_on_its_own_within_one_interval(fresh_url: str, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    with dovecot(tmp_path) as imap, smtp_sink() as sink:
        for k, v in {**imap.env(), **sink.env(), "LUREWATCH_IMAP_POLL_SECONDS": "1"}.items():
            monkeypatch.setenv(k, v)
        s = make_server(fresh_url, tmp_path / "data", run_worker=True)
        with s.client:
            alice = s.add_user("reporter")
            with s.db.write() as conn:
                intake.add_address(conn, alice.id, "alice@corp.example", audit.Actor(None, "test"))
            t0 = time.monotonic()
            imap.append(forward(attach=original()))
            while time.monotonic() - t0 < 15 and not any(r["status"] == "scored" for r in _rows(s)):
                time.sleep(0.1)
            took = time.monotonic() - t0
            assert any(r["status"] == "scored" for r in _rows(s)), "no case within the polling interval"
            assert took < 1 + 10  # one interval, plus the scoring of a first report (the analyser warms up)
            assert sink.wait(1)[0]["To"] == "alice@corp.example"
        s.db.engine.dispose()


def test_web_page_quarantine_and_addresses(fresh_url: str, tmp_path: Path) -> None:
    """The same decisions from the browser: an admin adds an address, an analyst releases and discards."""
    from fastapi.testclient import TestClient
    from tests.server.conftest import login

    s = make_server(fresh_url, tmp_path / "data")
    with s.client:
        rep, ana = s.add_user("reporter"), s.add_user("analyst")
        adm = s.add_user("admin")
        st, mc = s.app.state.lw, intake.MailConfig()
        for n, sender in enumerate(['"<script>x</script>" <evil@x.example>', "Bob <bob@corp.example>"], 1):
            intake.process(st, mc, intake.Key("INBOX", 7, n), forward(sender=sender, attach=original(mid=f"w{n}")))
        with TestClient(s.app, base_url="http://127.0.0.1") as browser:
            csrf = login(browser, adm.username)
            r = browser.post("/mail/addresses", data={"user_id": rep.id, "address": "Rep@Corp.example",
                                                      "csrf_token": csrf}, follow_redirects=False)
            assert r.status_code == 303
            page = browser.get("/mail").text
            assert "rep@corp.example" in page and "<script>x" not in page
        with TestClient(s.app, base_url="http://127.0.0.1") as browser:
            csrf = login(browser, ana.username)
            page = browser.get("/mail").text
            assert "evil@x.example" in page and "not a verified address" in page and "Verified addresses" not in page
            q = {x["forwarder"]: x["id"] for x in s.api(ana, "GET", "/api/v1/mail/quarantine").json()["items"]}
            assert browser.post(f"/mail/{q['bob@corp.example']}/release", data={"user_id": rep.id, "csrf_token": csrf},
                                follow_redirects=False).status_code == 303
            assert browser.post(f"/mail/{q['evil@x.example']}/discard", data={"csrf_token": csrf},
                                follow_redirects=False).status_code == 303
            assert browser.post(f"/mail/{q['evil@x.example']}/discard", data={},
                                follow_redirects=False).status_code == 403  # CSRF
        with TestClient(s.app, base_url="http://127.0.0.1") as browser:
            login(browser, rep.username)
            assert browser.get("/mail").status_code == 403
            assert "Paid consultancy" in browser.get("/reports").text or s.api(rep, "GET", "/api/v1/reports").json()
        assert sorted(r["status"] for r in _rows(s)) == ["discarded", "released"]
    s.db.engine.dispose()


def test_one_bad_message_does_not_hold_up_the_others(env: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    s, imap, _sink, mc = env
    imap.append(forward(attach=original(mid="bad"), mid="bad", body="poison"))
    imap.append(forward(attach=original(mid="good"), mid="good"))
    real = intake.process

    def flaky(st: Any, mc: Any, key: Any, raw: bytes) -> Any:
        if b"poison" in raw:
            raise RuntimeError("a bug met hostile input")
        return real(st, mc, key, raw)

    monkeypatch.setattr("lurewatch.server.mail_poller.process", flaky)
    assert poll_once(s.app.state.lw, mc) == 2
    assert [r["status"] for r in _rows(s)] == ["scored"] and imap.count("INBOX") == 1  # the bad one waits
    monkeypatch.setattr("lurewatch.server.mail_poller.process", real)
    assert poll_once(s.app.state.lw, mc) == 1
    assert [r["status"] for r in _rows(s)] == ["scored", "scored"] and imap.count("INBOX") == 0


def test_cli_addresses_list_release_discard(tmp_path: Path) -> None:
    """The operator's commands: vouch for an address, see the quarantine, release and discard."""
    from typer.testing import CliRunner

    from lurewatch.cli import app
    from lurewatch.server import auth
    from lurewatch.server.config import ServerConfig

    url, data = f"sqlite:///{tmp_path}/lw.sqlite", tmp_path / "data"
    st = intake.headless_state(ServerConfig(db_url=url, data_dir=data))
    with st.db.write() as conn:
        auth.create_user(conn, "alice", "reporter", "a-long-password", audit.Actor(None, "test"))
    ids = [intake.process(st, intake.MailConfig(), intake.Key("INBOX", 1, n),
                          forward(sender="Stranger <s@x.example>", attach=original(mid=f"c{n}"), mid=f"c{n}"))["id"]
           for n in (1, 2)]
    run = CliRunner().invoke
    r = run(app, ["mail", "add-address", "alice", "Alice@Corp.example", "--db", url])
    assert r.exit_code == 0, r.output
    assert "alice@corp.example\talice" in run(app, ["mail", "addresses", "--db", url]).output
    listed = [json.loads(x) for x in run(app, ["mail", "list", "--status", "quarantined", "--db", url]).output.splitlines()]
    assert sorted(x["id"] for x in listed) == sorted(ids) and {x["forwarder"] for x in listed} == {"s@x.example"}
    r = run(app, ["mail", "release", str(ids[0]), "--as", "alice", "--db", url, "--data-dir", str(data)])
    assert r.exit_code == 0 and "released" in r.output, r.output
    assert run(app, ["mail", "discard", str(ids[1]), "--db", url, "--data-dir", str(data)]).exit_code == 0
    assert run(app, ["mail", "discard", str(ids[1]), "--db", url, "--data-dir", str(data)]).exit_code == 2
    with st.db.read() as conn:
        [rep] = conn.execute(select(reports)).mappings().all()
    assert rep["kind"] == "eml"
    st.db.engine.dispose()


def test_two_pollers_at_once_take_each_message_once(env: Any) -> None:
    """Several server workers each run a poller: the unique key keeps every message to one case."""
    import threading

    s, imap, _sink, mc = env
    for n in range(4):
        imap.append(forward(attach=original(text=HOSTILE + f" Variant {n}.", mid=f"r{n}"), mid=f"r{n}"))
    errors: list[BaseException] = []

    def run() -> None:
        try:
            poll_once(s.app.state.lw, mc)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    poll_once(s.app.state.lw, mc)  # whatever one poller could not move
    rows = _rows(s)
    assert len(rows) == 4 and {r["status"] for r in rows} == {"scored"}
    assert imap.count("INBOX") == 0 and imap.count(DONE) == 4
    with s.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_approaches)).scalar_one() == 4
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == 4


def test_the_poll_lease(tmp_path: Path) -> None:
    """One poller at a time: a live holder keeps it, an expired one or a dead process of this host loses it."""
    import socket

    from lurewatch.server import mail_poller
    from lurewatch.server.config import ServerConfig

    st = intake.headless_state(ServerConfig(db_url=f"sqlite:///{tmp_path}/lw.sqlite", data_dir=tmp_path / "d"))
    me = f"{socket.gethostname()}|{os.getpid()}|"
    assert mail_poller._lease(st, me + "a", 60)
    assert not mail_poller._lease(st, me + "b", 60)  # held by a live process
    assert not mail_poller._lease(st, me + "b", 60, renew=True)
    assert mail_poller._lease(st, me + "a", 60, renew=True)
    mail_poller._unlease(st, me + "a")
    assert mail_poller._lease(st, me + "b", 0.01)
    time.sleep(0.05)
    assert mail_poller._lease(st, "otherhost|1|c", 60)  # expired: taken over
    assert not mail_poller._lease(st, me + "d", 60)  # another host's live lease is trusted until it expires
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with st.db.write() as conn:
        conn.execute(mail_poller.update(mail_poller.settings).values(value=f"{socket.gethostname()}|{dead.pid}|e 9e12"))
    assert mail_poller._lease(st, me + "f", 60)  # its holder died on this host: taken over at once
    st.db.engine.dispose()


@pytest.mark.slow
def test_sigkill_at_a_random_moment_then_restart(env: Any) -> None:
    """A real kill -9 of `lurewatch mail poll --loop` while it works through a batch; the next poll finishes
    it: every message once in the done folder, one record and one case each."""
    import signal

    s, imap, _sink, mc = env
    n = 6
    for i in range(n):
        imap.append(forward(attach=original(text=HOSTILE + f" Batch {i}.", mid=f"b{i}"), mid=f"b{i}"))
    env_vars = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    p = subprocess.Popen([sys.executable, "-c", "from lurewatch.cli import main; main()", "mail", "poll", "--loop",
                          "--db", s.cfg.db_url, "--data-dir", str(s.cfg.data_dir)], env=env_vars,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        end = time.monotonic() + 120
        while time.monotonic() < end and len(_rows(s)) < 2:
            time.sleep(0.05)
    finally:
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)
    assert 2 <= len(_rows(s)) <= n
    while poll_once(s.app.state.lw, mc):
        pass
    rows = _rows(s)
    assert len(rows) == n and {r["status"] for r in rows} == {"scored"} and len({r["uid"] for r in rows}) == n
    assert imap.count("INBOX") == 0 and imap.count(DONE) == n
    with s.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(case_approaches)).scalar_one() == n
        assert conn.execute(select(func.count()).select_from(reports)).scalar_one() == n


def test_a_move_cut_short_after_its_copy_is_not_filed_twice(env: Any) -> None:
    """A kill during MOVE left the copy in the done folder and the original in the inbox: the next poll
    expunges the original instead of copying it again (and a message without such a copy is moved)."""
    s, imap, _sink, mc = env
    raws = [forward(attach=original(mid=f"m{i}"), mid=f"m{i}") for i in range(2)]
    for raw in raws:
        imap.append(raw)
    c = imap.client()
    try:
        c.select('"INBOX"')
        validity = int(c.response("UIDVALIDITY")[1][0])
        c.create(f'"{DONE}"')
        assert c.uid("COPY", "1", f'"{DONE}"')[0] == "OK"  # the MOVE's copy of message 1 happened
    finally:
        c.logout()
    for uid, raw in enumerate(raws, 1):  # both recorded (and scored) by the poll that died
        intake.process(s.app.state.lw, mc, intake.Key("INBOX", validity, uid), raw)
    assert poll_once(s.app.state.lw, mc) == 2
    assert imap.count("INBOX") == 0 and imap.count(DONE) == 2 and len(_rows(s)) == 2


def test_required_authentication_results(tmp_path: Path) -> None:
    """LUREWATCH_MAIL_REQUIRE_AUTH: only the top-most Authentication-Results of that server, with
    dmarc=pass, lets a forward be attributed; a forged lower one, or another server's, does not."""
    from lurewatch.server import auth
    from lurewatch.server.config import ServerConfig

    st = intake.headless_state(ServerConfig(db_url=f"sqlite:///{tmp_path}/lw.sqlite", data_dir=tmp_path / "d"))
    with st.db.write() as conn:
        uid = auth.create_user(conn, "alice", "reporter", "a-long-password", audit.Actor(None, "test"))
        intake.add_address(conn, uid, "alice@corp.example", audit.Actor(None, "test"))
    mc = intake.MailConfig(require_auth="mx.corp.example")
    good = "mx.corp.example 1; spf=pass smtp.mailfrom=corp.example; dkim=pass; dmarc=pass header.from=corp.example"
    cases = [
        ([good], "scored"),
        (["mx.corp.example; dmarc=fail header.from=corp.example", good], "quarantined"),  # forged one below
        (["mx.evil.example; dmarc=pass"], "quarantined"),
        ([], "quarantined"),
    ]
    for n, (results, expected) in enumerate(cases, 1):
        raw = forward(attach=original(mid=f"a{n}"), mid=f"a{n}")
        raw = b"".join(f"Authentication-Results: {h}\r\n".encode() for h in results) + raw
        row = intake.process(st, mc, intake.Key("INBOX", 1, n), raw)
        assert row["status"] == expected, (results, row["reason"])
    st.db.engine.dispose()


def test_self_service_address_with_a_mailed_code(fresh_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A user adds their own address: the code goes to that address only; wrong codes run out; an address
    of another account is never taken; then forwards from it are theirs."""
    import re

    from fastapi.testclient import TestClient
    from tests.server.conftest import login

    with smtp_sink() as sink:
        for k, v in sink.env().items():
            monkeypatch.setenv(k, v)
        s = make_server(fresh_url, tmp_path / "data")
        with s.client:
            rep, other = s.add_user("reporter"), s.add_user("reporter")
            with s.db.write() as conn:
                intake.add_address(conn, other.id, "taken@corp.example", audit.Actor(None, "test"))
            assert s.api(rep, "POST", "/api/v1/me/mail-addresses", json={"address": "taken@corp.example"}).status_code == 422
            r = s.api(rep, "POST", "/api/v1/me/mail-addresses", json={"address": "Rep@Corp.example"})
            assert r.status_code == 202, r.text
            [mail] = sink.wait(1)
            assert mail["To"] == "rep@corp.example" and mail["Auto-Submitted"] == "auto-replied"
            code = re.search(r"code is ([A-Z2-7]{8})", mail.get_content()).group(1)  # type: ignore[union-attr]
            assert s.api(other, "POST", "/api/v1/me/mail-addresses/confirm",
                         json={"address": "rep@corp.example", "code": code}).status_code == 422  # not their claim
            for _ in range(2):
                bad = s.api(rep, "POST", "/api/v1/me/mail-addresses/confirm",
                            json={"address": "rep@corp.example", "code": "AAAAAAAA"})
                assert bad.status_code == 422 and "wrong code" in bad.text
            ok = s.api(rep, "POST", "/api/v1/me/mail-addresses/confirm",
                       json={"address": "rep@corp.example", "code": code.lower()})
            assert ok.status_code == 201, ok.text
            mine = s.api(rep, "GET", "/api/v1/me/mail-addresses").json()
            assert [a["address"] for a in mine["verified"]] == ["rep@corp.example"] and mine["pending"] == []
            assert mine["verified"][0]["via"] == "code"
            # the forwards from it are now this user's reports
            row = intake.process(s.app.state.lw, intake.MailConfig(), intake.Key("INBOX", 1, 1),
                                 forward(sender="Rep <rep@corp.example>", attach=original()))
            assert row["status"] == "scored" and row["user_id"] == rep.id
            # five wrong codes end a claim
            assert s.api(rep, "POST", "/api/v1/me/mail-addresses", json={"address": "second@corp.example"}).status_code == 202
            code2 = re.search(r"code is ([A-Z2-7]{8})", sink.wait(2)[1].get_content()).group(1)  # type: ignore[union-attr]
            for _ in range(5):
                s.api(rep, "POST", "/api/v1/me/mail-addresses/confirm", json={"address": "second@corp.example",
                                                                               "code": "AAAAAAAA"})
            late = s.api(rep, "POST", "/api/v1/me/mail-addresses/confirm",
                         json={"address": "second@corp.example", "code": code2})
            assert late.status_code == 422 and "ask for a new one" in late.text
            # the page does the same
            with TestClient(s.app, base_url="http://127.0.0.1") as browser:
                csrf = login(browser, rep.username)
                page = browser.post("/account/mail", data={"address": "third@corp.example", "csrf_token": csrf})
                assert page.status_code == 200 and "A code was sent to" in page.text and "rep@corp.example" in page.text
                code3 = re.search(r"code is ([A-Z2-7]{8})", sink.wait(3)[2].get_content()).group(1)  # type: ignore[union-attr]
                r = browser.post("/account/mail/confirm", data={"address": "third@corp.example", "code": code3,
                                                                "csrf_token": csrf}, follow_redirects=False)
                assert r.status_code == 303
                assert "third@corp.example" in browser.get("/account/mail").text
        s.db.engine.dispose()
