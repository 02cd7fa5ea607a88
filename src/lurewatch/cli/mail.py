"""`lurewatch mail poll|list|release|discard|add-address|remove-address|addresses`: the forwarded e-mail intake."""

from __future__ import annotations

import json
import time

import typer
from rich.markup import escape

from lurewatch.cli.app import app, console, fail

mail_app = typer.Typer(help="Forwarded e-mail intake (IMAP mailbox -> cases, SMTP verdicts).", no_args_is_help=True)
app.add_typer(mail_app, name="mail")
DB = typer.Option(None, "--db", help="database file or URL (else LUREWATCH_DATABASE_URL)")


def _state(db: str | None, data_dir: str | None):  # noqa: ANN202 - returns lurewatch.server.deps.State
    from pathlib import Path

    from lurewatch.server.config import ServerConfig
    from lurewatch.server.mail_intake import headless_state

    cfg = ServerConfig.from_env(db)
    if data_dir:
        cfg.data_dir = Path(data_dir)
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    return headless_state(cfg)


@mail_app.command("poll")
def poll(once: bool = typer.Option(True, "--once/--loop", help="one poll (default), or poll until stopped"),
         db: str = DB, data_dir: str = typer.Option(None, "--data-dir", help="the server's data directory")) -> None:
    """Take in the intake mailbox now and send pending verdicts (the server does this on its own when
    LUREWATCH_IMAP_HOST is set)."""
    from lurewatch.server.mail_intake import MailConfig
    from lurewatch.server.mail_poller import poll_once, send_replies

    mc = MailConfig.from_env()
    if not mc.enabled:
        fail("set LUREWATCH_IMAP_HOST, LUREWATCH_IMAP_USER and LUREWATCH_IMAP_PASSWORD (or _PASSWORD_FILE)")
    st = _state(db, data_dir)
    while not once:
        try:
            poll_once(st, mc)
            send_replies(st, mc)
        except KeyboardInterrupt:
            return
        except Exception as e:  # noqa: BLE001 - the mail server or the database briefly away: try again
            console.print(f"[yellow]poll failed:[/] {escape(str(e)[:300])}")
        try:
            time.sleep(mc.poll_seconds)
        except KeyboardInterrupt:
            return
    n = poll_once(st, mc)
    sent = send_replies(st, mc)
    console.print(f"{n} message(s) taken in, {sent} verdict(s) sent", highlight=False)


@mail_app.command("release")
def release(intake_id: int, username: str = typer.Option(..., "--as", help="the account the report is filed for"),
            db: str = DB, data_dir: str = typer.Option(None, "--data-dir", help="the server's data directory")) -> None:
    """Score a quarantined forward as reported by an account (you vouch that it is theirs)."""
    from sqlalchemy import select

    from lurewatch.server import mail_intake, service
    from lurewatch.server.tables import users

    st = _state(db, data_dir)
    with st.db.read() as conn:
        uid = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
    if uid is None:
        fail(f"no account {username!r}")
    try:
        out = mail_intake.release(st, mail_intake.MailConfig.from_env(), intake_id, int(uid), None)
    except (service.Invalid, service.NotFound) as e:
        fail(str(e))
    console.print(f"#{intake_id}: {out['status']}, cases {out['case_ids']}", highlight=False)


@mail_app.command("discard")
def discard(intake_id: int, db: str = DB,
            data_dir: str = typer.Option(None, "--data-dir", help="the server's data directory")) -> None:
    """Discard a quarantined forward (its kept copy is deleted)."""
    from lurewatch.server import mail_intake, service

    try:
        mail_intake.discard(_state(db, data_dir), intake_id, None)
    except (service.Invalid, service.NotFound) as e:
        fail(str(e))


@mail_app.command("add-address")
def add_address(username: str, address: str, db: str = DB) -> None:
    """Vouch that ADDRESS is USERNAME's own: forwards from it are attributed to that account."""
    from sqlalchemy import select

    from lurewatch.server import audit, mail_intake, service
    from lurewatch.server.tables import users

    st = _state(db, None)
    try:
        with st.db.write() as conn:
            uid = conn.execute(select(users.c.id).where(users.c.username == username)).scalar()
            if uid is None:
                fail(f"no account {username!r}")
            mail_intake.add_address(conn, int(uid), address, audit.Actor(None, "cli", "cli"))
    except (service.Invalid, service.NotFound) as e:
        fail(str(e))
    console.print(f"{escape(address.lower())} is now {escape(username)}'s verified address", highlight=False)


@mail_app.command("remove-address")
def remove_address(address: str, db: str = DB) -> None:
    """Forget a verified address (its forwards are quarantined from now on)."""
    from sqlalchemy import select

    from lurewatch.db.mail_tables import mail_addresses
    from lurewatch.server import audit, mail_intake

    st = _state(db, None)
    with st.db.write() as conn:
        aid = conn.execute(select(mail_addresses.c.id).where(mail_addresses.c.address == address.strip().lower())).scalar()
        if aid is None:
            fail("no such address")
        mail_intake.remove_address(conn, int(aid), audit.Actor(None, "cli", "cli"))


@mail_app.command("addresses")
def addresses(db: str = DB) -> None:
    """The verified addresses and their accounts."""
    from lurewatch.server import mail_intake

    with _state(db, None).db.read() as conn:
        for r in mail_intake.list_addresses(conn):
            typer.echo(f"{r['address']}\t{r['username']}")


@mail_app.command("list")
def listing(status: str = typer.Option(None, "--status", help="scored, quarantined, ignored, refused..."),
            db: str = DB) -> None:
    """The intake log as JSON lines, newest first (--status quarantined: what waits for an analyst)."""
    from lurewatch.server import mail_intake

    with _state(db, None).db.read() as conn:
        for r in mail_intake.listing(conn, status):
            typer.echo(json.dumps(r, ensure_ascii=False, default=str))
