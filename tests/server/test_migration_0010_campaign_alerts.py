"""Migration 0010 (campaign alerts): campaigns that exist already are recorded as seen and never alerted;
webhooks keep their rows (campaign alerts on); the outbox's idempotency key; and back."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError
from tests.server.conftest import migrate_to

from lurewatch.db.alert_tables import alert_outbox, campaigns_seen, webhooks
from lurewatch.db.migrate import alembic_config, current, upgrade
from lurewatch.server.tables import cases


def test_0010_marks_existing_campaigns_seen(fresh_url: str) -> None:
    migrate_to(fresh_url, "0009")
    engine = create_engine(fresh_url)
    now = datetime.now(UTC)
    case = {"title": "t", "status": "new", "severity": "high", "tlp": "amber", "pap": "amber", "score": 90,
            "level": "high", "sector": "", "created_at": now, "updated_at": now}
    with engine.begin() as conn:
        for cid, camp in ((1, "old-two"), (2, "old-two"), (3, "old-one"), (4, "")):
            conn.execute(insert(cases).values(id=cid, campaign=camp, **case))
        conn.execute(text(  # a webhook made before 0010, without on_campaign
            "INSERT INTO webhooks (id, name, url, format, secret, min_level, include_content, max_tlp, enabled, "
            "created_at) VALUES (1, 'w', 'http://127.0.0.1:9/', 'generic', 'ssssssssssssssss', 'high', false, "
            "'green', true, :t)"), {"t": now})
    upgrade(engine)
    assert current(engine) == "0010"
    with engine.begin() as conn:
        seen = conn.execute(select(campaigns_seen)).mappings().all()
        assert [(r["name"], r["alert"]) for r in seen] == [("old-two", False)]
        assert conn.execute(select(webhooks.c.on_campaign)).scalar_one() is True
        row = {"webhook_id": 1, "event": "campaign.new", "body": {}, "status": "pending", "attempts": 0,
               "next_attempt_at": now, "created_at": now, "event_key": "campaign.new:x", "campaign": "x"}
        conn.execute(insert(alert_outbox).values(**row))
    try:
        with engine.begin() as conn:
            conn.execute(insert(alert_outbox).values(**row))
        raise AssertionError("the same campaign alert was queued twice for one webhook")
    except IntegrityError:
        pass
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    assert "campaigns_seen" not in inspect(engine).get_table_names()
    assert "event_key" not in {c["name"] for c in inspect(engine).get_columns("alert_outbox")}
    engine.dispose()
