"""`lurewatch admin create-user|link-identity|rotate-session-key` and `lurewatch audit verify|export|anchor`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import typer
from rich.markup import escape

from lurewatch.cli.app import app, console, fail

admin_app = typer.Typer(help="Administer the analyst server's accounts.", no_args_is_help=True)
audit_app = typer.Typer(help="Check and export the server's audit log.", no_args_is_help=True)
app.add_typer(admin_app, name="admin")
app.add_typer(audit_app, name="audit")


def _db(db: str | None):  # noqa: ANN202 - returns lurewatch.server.database.Database
    from lurewatch.server.database import Database
    from lurewatch.store.db import resolve_db

    return Database(resolve_db(db))


@admin_app.command("create-user")
def create_user(
    username: str = typer.Argument(..., help="the new account's name"),
    role: str = typer.Option(..., "--role", help="reporter, analyst, lead or admin"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin"),
    oidc_sub: str = typer.Option(None, "--oidc-sub", help="pre-provision for this single sign-on subject "
                                 "(no password unless --password-stdin)"),
    oidc_issuer: str = typer.Option(None, "--oidc-issuer", help="issuer of --oidc-sub (default: "
                                    "LUREWATCH_OIDC_ISSUER)"),
    db: str = typer.Option(None, "--db", help="database file or URL"),
) -> None:
    """Create an account (the first admin too)."""
    from lurewatch.server import audit, auth, identities

    issuer = _issuer(oidc_issuer) if oidc_sub else ""
    if password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\r\n")
    elif oidc_sub:
        password = None  # single sign-on only
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    database = _db(db)
    try:
        with database.write() as conn:
            act = audit.Actor(None, "cli", "cli")
            uid = auth.create_user(conn, username, role, password, act)
            if oidc_sub:
                identities.link(conn, uid, issuer, oidc_sub, "admin", act)
    except auth.AuthError as e:
        fail(str(e))
    console.print(f"created user {username!r} ({role}), id {uid}", highlight=False)


def _issuer(given: str | None) -> str:
    issuer = given or os.environ.get("LUREWATCH_OIDC_ISSUER", "")
    if not issuer:
        fail("give --oidc-issuer (or set LUREWATCH_OIDC_ISSUER)")
    return issuer


def _uid(conn, username: str) -> int:  # noqa: ANN001 - a SQLAlchemy connection
    from sqlalchemy import func, select

    from lurewatch.server.tables import users

    uid = conn.execute(select(users.c.id).where(func.lower(users.c.username) == username.strip().lower())).scalar()
    if uid is None:
        fail(f"no account {username!r}")
    return int(uid)


@admin_app.command("link-identity")
def link_identity(
    username: str = typer.Argument(..., help="the account"),
    sub: str = typer.Argument(..., help="the identity provider's subject (sub claim)"),
    issuer: str = typer.Option(None, "--issuer", help="default: LUREWATCH_OIDC_ISSUER"),
    unlink: bool = typer.Option(False, "--unlink", help="remove the link instead"),
    db: str = typer.Option(None, "--db", help="database file or URL"),
) -> None:
    """Let a single sign-on identity (issuer, sub) log in as an account, or stop it (--unlink)."""
    from lurewatch.server import audit, auth, identities

    iss = _issuer(issuer)
    try:
        with _db(db).write() as conn:
            uid, act = _uid(conn, username), audit.Actor(None, "cli", "cli")
            if unlink:
                done = identities.unlink(conn, uid, iss, sub, act)
            else:
                identities.link(conn, uid, iss, sub, "admin", act)
    except auth.AuthError as e:
        fail(str(e))
    if unlink and not done:
        fail(f"{sub!r} at {iss} was not linked to {username!r}")
    verb = "unlinked from" if unlink else "linked to"
    console.print(f"{sub!r} at {identities.norm_issuer(iss)} {verb} {username!r}", highlight=False, markup=False)


@admin_app.command("rotate-session-key")
def rotate_session_key(
    db: str = typer.Option(None, "--db", help="database file or URL"),
    key_file: str = typer.Option(None, "--key-file", help="the session key file (default: "
                                 "LUREWATCH_SECRET_KEY_FILE, else session.key in the server's data directory)"),
) -> None:
    """Write a new session signing key. Restart the server(s) after: every session then ends."""
    from lurewatch.server import sessionkey
    from lurewatch.server.config import ServerConfig

    cfg = ServerConfig.from_env(db)
    path = sessionkey.key_path(cfg.data_dir, key_file or cfg.secret_key_file)
    sessionkey.session_key(_db(db).engine, path)  # moves a key left in the database out of it first
    sessionkey.rotate(path)
    console.print(f"new session key written to {path}; restart the server: every session has ended")
    if cfg.secret_key:
        console.print("note: LUREWATCH_SECRET_KEY is set and overrides the key file; change it instead")


def _anchor_key(db: str | None, key_file: Path | None, create: bool) -> bytes:
    from lurewatch.server import anchor
    from lurewatch.server.config import ServerConfig

    path = key_file or ServerConfig.from_env(db).anchor_key_path()
    try:
        return anchor.load_key(path, create=create)
    except (anchor.AnchorError, OSError) as e:
        fail(str(e))
        raise  # unreachable: fail exits


KEY_HELP = "the anchor key file (default $LUREWATCH_AUDIT_KEY_FILE, else <data dir>/audit-anchor.key)"


@audit_app.command("verify")
def verify(
    db: str = typer.Option(None, "--db", help="database file or URL"),
    anchors: list[Path] = typer.Option(  # noqa: B008
        None, "--anchors", help="an anchor file from `audit anchor` (repeat for several)"
    ),
    key_file: Path = typer.Option(None, "--key-file", help=KEY_HELP),  # noqa: B008
) -> None:
    """Recompute the audit log's hash chain (and check it against signed anchors); exit 1 if tampered with."""
    from lurewatch.server import anchor, audit

    engine = _db(db).engine
    r = audit.verify(engine)
    problems = list(r.problems)
    marks: list = []
    if anchors:
        key = _anchor_key(db, key_file, create=False)
        try:
            marks = anchor.read(anchors)
            problems += anchor.check(engine, marks, key)
        except (anchor.AnchorError, OSError) as e:
            fail(str(e))
    if not problems:
        extra = f", {len(marks)} anchors match" if anchors else ""
        console.print(f"audit log intact: {r.entries} entries{extra}")
        return
    for p in problems[:50]:
        console.print(f"[red]{escape(p)}[/]", markup=True, highlight=False, soft_wrap=True)
    console.print(f"audit log BROKEN: {len(problems)} problems in {r.entries} entries")
    raise typer.Exit(1)


@audit_app.command("anchor")
def anchor_cmd(
    db: str = typer.Option(None, "--db", help="database file or URL"),
    out: Path = typer.Option(None, "--out", help="append the anchor to this file (default: stdout)"),  # noqa: B008
    key_file: Path = typer.Option(None, "--key-file", help=KEY_HELP + "; made 0600 if missing"),  # noqa: B008
) -> None:
    """Write a signed checkpoint of the chain head (JSON: entry, hash, time, HMAC) for an auditor to keep."""
    from lurewatch.server import anchor

    key = _anchor_key(db, key_file, create=True)
    try:
        cp = anchor.checkpoint(_db(db).engine, key)
    except anchor.AnchorError as e:
        fail(str(e))
    if out is None:
        sys.stdout.write(json.dumps(cp, sort_keys=True) + "\n")
        return
    anchor.append(out, cp)
    console.print(f"anchored entry {cp['seq']} ({cp['hash'][:16]}...) in {out}", highlight=False)


@audit_app.command("export")
def export(db: str = typer.Option(None, "--db", help="database file or URL"),
           case: int = typer.Option(None, "--case", help="only this case's entries")) -> None:
    """Write the audit log as JSON Lines to stdout (with hashes, so a copy can be verified later)."""
    from lurewatch.server import audit

    for e in audit.iter_entries(_db(db).engine, case_id=case):
        sys.stdout.write(json.dumps(e, ensure_ascii=False, default=str) + "\n")
