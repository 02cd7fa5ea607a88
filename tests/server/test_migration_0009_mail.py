"""Migration 0009 (mail intake): from 0008 it adds the two tables, keeps existing rows, and goes back."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from tests.server.conftest import migrate_to

from lurewatch.db.mail_tables import mail_intake
from lurewatch.db.migrate import alembic_config, current
from lurewatch.server.tables import users


def test_0009_adds_the_mail_tables_and_downgrades(fresh_url: str) -> None:
    migrate_to(fresh_url, "0008")
    engine = create_engine(fresh_url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(users).values(id=1, username="alice", role="reporter", active=True, created_at=now,
                                          session_version=0))
    assert "mail_intake" not in inspect(engine).get_table_names()
    migrate_to(fresh_url, "0009")
    assert current(engine) == "0009"
    assert {"mail_intake", "mail_addresses", "mail_address_claims"} <= set(inspect(engine).get_table_names())
    row = {"mailbox": "INBOX", "uidvalidity": 2**40, "uid": 2**33, "forwarder": "a@b.example", "subject": "",
           "status": "scored", "reason": "", "case_ids": [1], "reply_status": "none", "reply_attempts": 0,
           "received_at": now, "user_id": 1}
    with engine.begin() as conn:
        assert conn.execute(select(users.c.username)).scalar_one() == "alice"
        conn.execute(insert(mail_intake).values(**row))
    try:  # the exactly-once key
        with engine.begin() as conn:
            conn.execute(insert(mail_intake).values(**row))
        raise AssertionError("the same (mailbox, UIDVALIDITY, UID) was recorded twice")
    except IntegrityError:
        pass
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0008")
    assert not {"mail_intake", "mail_addresses", "mail_address_claims"} & set(inspect(engine).get_table_names())
    engine.dispose()
