"""Append-only audit log chained by hashes: each entry's hash covers the previous entry's hash.

Changing, deleting or reordering any entry breaks every later hash, which `verify` detects.

An entry is first written to `audit_queue` in the same transaction as the change it records (so no
change is ever stored without its entry), then `chain` moves queued entries into the chained log, in
order, under the chain head's lock. Writers never wait on each other for the chain; the chain lock is
taken by one chainer at a time for a batch. Readers of the log (case history, export, verify) chain
what is queued first; the job worker chains every half second.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, Engine

from lurewatch.server.tables import audit_head, audit_log, audit_queue

GENESIS = "0" * 64


@dataclass(slots=True)
class Actor:
    id: int | None
    name: str
    request_id: str = ""


def _canonical(entry: dict[str, Any]) -> bytes:
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + _canonical(entry)).hexdigest()


def _hashed_fields(row: dict[str, Any]) -> dict[str, Any]:
    at = row["at"]
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return {
        "seq": int(row["seq"]), "at": at, "actor_id": row["actor_id"], "actor": row["actor"],
        "action": row["action"], "entity": row["entity"], "entity_id": str(row["entity_id"]),
        "case_id": row["case_id"], "before": row["before"], "after": row["after"],
        "request_id": row["request_id"] or "",
    }


PENDING = "lw_audit_pending"


def record(conn: Connection, actor: Actor, action: str, entity: str, entity_id: Any, *,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           case_id: int | None = None) -> None:
    """Append one entry within the caller's transaction.

    Inside `Database.write()` the entries are written to the queue just before the commit (`flush`).
    """
    row = {
        "at": datetime.now(UTC), "actor_id": actor.id, "actor": actor.name, "action": action,
        "entity": entity, "entity_id": str(entity_id), "case_id": case_id,
        "before": _jsonable(before), "after": _jsonable(after), "request_id": actor.request_id[:64],
    }
    pending = conn.info.get(PENDING)
    if pending is not None:
        pending.append(row)
    else:
        _enqueue(conn, [row])


def flush(conn: Connection) -> None:
    pending = conn.info.get(PENDING)
    if pending:
        _enqueue(conn, pending)
        pending.clear()


def _enqueue(conn: Connection, rows: list[dict[str, Any]]) -> None:
    conn.execute(audit_queue.insert(), [{"entry": _jsonable({**r, "at": _utc_iso(r["at"])})} for r in rows])


def _utc_iso(at: Any) -> str:
    if isinstance(at, datetime):
        at = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    return str(at)


def chain(engine: Engine, batch: int = 5000) -> int:
    """Move queued entries into the hash chain, oldest first; returns how many were chained."""
    total = 0
    while True:
        with engine.connect() as conn:
            if conn.execute(select(audit_queue.c.id).limit(1)).first() is None:
                return total
        with engine.begin() as conn:
            # The head row's lock (PostgreSQL) / the write lock (SQLite) makes chainers take turns.
            last, prev = conn.execute(update(audit_head).where(audit_head.c.id == 1)
                                      .values(seq=audit_head.c.seq).returning(audit_head.c.seq, audit_head.c.hash)
                                      ).one()
            stmt = select(audit_queue.c.id, audit_queue.c.entry).order_by(audit_queue.c.id).limit(batch)
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            queued = conn.execute(stmt).all()
            if not queued:
                return total
            seq = int(last)
            out = []
            for _, entry in queued:
                seq += 1
                row = {**(entry if isinstance(entry, dict) else json.loads(entry)), "seq": seq}
                row["at"] = datetime.fromisoformat(row["at"])
                h = entry_hash(prev, _hashed_fields(row))
                out.append({**row, "prev_hash": prev, "hash": h})
                prev = h
            conn.execute(audit_log.insert(), out)
            conn.execute(audit_queue.delete().where(audit_queue.c.id.in_([q[0] for q in queued])))
            conn.execute(update(audit_head).where(audit_head.c.id == 1).values(seq=seq, hash=prev))
            total += len(out)


def _jsonable(d: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if d is None else json.loads(json.dumps(d, default=str))


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def iter_entries(engine: Engine, case_id: int | None = None, after_seq: int = 0,
                 limit: int | None = None) -> Iterator[dict[str, Any]]:
    chain(engine)
    stmt = select(audit_log).where(audit_log.c.seq > after_seq).order_by(audit_log.c.seq)
    if case_id is not None:
        stmt = stmt.where(audit_log.c.case_id == case_id)
    if limit:
        stmt = stmt.limit(limit)
    with engine.connect() as conn:
        for r in conn.execute(stmt).mappings():
            d = _hashed_fields(dict(r))
            d["prev_hash"], d["hash"] = r["prev_hash"], r["hash"]
            yield d


@dataclass(slots=True)
class VerifyResult:
    ok: bool
    entries: int
    problems: list[str]


def verify(engine: Engine) -> VerifyResult:
    """Recompute the chain from the first entry; report every break (edit, deletion, reordering)."""
    chain(engine)
    problems: list[str] = []
    prev, expected_seq, n = GENESIS, 1, 0
    for e in iter_entries(engine):
        n += 1
        if e["seq"] != expected_seq:
            problems.append(f"entry {e['seq']}: expected sequence {expected_seq} (entries missing)")
        if e["prev_hash"] != prev:
            problems.append(f"entry {e['seq']}: previous hash does not match the entry before it")
        fields = {k: v for k, v in e.items() if k not in ("prev_hash", "hash")}
        if entry_hash(e["prev_hash"], fields) != e["hash"]:
            problems.append(f"entry {e['seq']}: content does not match its hash (edited)")
        prev, expected_seq = e["hash"], e["seq"] + 1
    with engine.connect() as conn:
        head = conn.execute(select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)).first()
    if head is not None and (int(head[0]) != expected_seq - 1 or head[1] != prev):
        problems.append(f"chain head says {head[0]} entries, log ends at {expected_seq - 1} (tail removed?)")
    return VerifyResult(not problems, n, problems)
