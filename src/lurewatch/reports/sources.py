"""Reading what a report is built from: stored approaches and, when the server keeps them, its cases.

Cases come from the server's tables (`cases`, `audit_log`) when they exist in the same database. They are
read by reflection, so that the CLI works without the server installed. "Triaged" is the first change of
a case's status away from "new" recorded in the audit log (or its closing time when there is no log).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import MetaData, create_engine, inspect, select
from sqlalchemy.engine import Engine

from lurewatch.reports.data import parse_time


def load_cases(db_url: str | None = None, engine: Engine | None = None) -> list[dict[str, Any]] | None:
    """[{id, created_at, triaged_at, status}] or None when the database has no server cases."""
    own = engine is None
    engine = engine or create_engine(str(db_url), future=True)
    try:
        names = set(inspect(engine).get_table_names())
        if "cases" not in names:
            return None
        md = MetaData()
        md.reflect(engine, only=[t for t in ("cases", "audit_log") if t in names])
        cases = md.tables["cases"]
        if "created_at" not in cases.c:
            return None
        first_triage: dict[int, Any] = {}
        with engine.connect() as conn:
            if "audit_log" in md.tables:
                log = md.tables["audit_log"]
                stmt = (
                    select(log.c.case_id, log.c.at, log.c.after)
                    .where(log.c.action == "case.update")
                    .order_by(log.c.seq)
                )
                for case_id, at, after in conn.execute(stmt):
                    if case_id is not None and case_id not in first_triage and _status_change(after):
                        first_triage[case_id] = at
            cols = [cases.c.id, cases.c.created_at, cases.c.status]
            closed = cases.c.closed_at if "closed_at" in cases.c else None
            if closed is not None:
                cols.append(closed)
            out = []
            for row in conn.execute(select(*cols)):
                triaged = first_triage.get(row[0]) or (row[3] if closed is not None else None)
                out.append({"id": row[0], "created_at": parse_time(row[1]), "status": row[2],
                            "triaged_at": parse_time(triaged)})
            return out
    finally:
        if own:
            engine.dispose()


def _status_change(after: Any) -> bool:
    if isinstance(after, str):
        import json

        try:
            after = json.loads(after)
        except ValueError:
            return False
    return isinstance(after, dict) and "status" in after and after["status"] != "new"


def iter_store(db: str | None) -> Iterator[dict[str, Any]]:
    from lurewatch.store import Store

    yield from Store(db).iter_approaches()
