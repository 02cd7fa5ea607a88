"""The exposure check on the server (issue 15 part 4): a signed-in person uploads their own LinkedIn
export and gets `lurewatch.exposure`'s findings with the public advice.

Privacy by design: the zip is copied to a random file under the data directory (bounded like every
upload), read for Profile.csv, Positions.csv and Connections.csv dates only, and deleted before the answer
is sent; the findings are not stored. Only if the person ticks "share" are the sign ids (never the
evidence text) kept, one row per person, replaced by the next share and removed on withdrawal.

The organisation view (lead and admin) counts how many active people who shared show each sign. Counts appear
once at least MIN_PEOPLE have shared (fewer would point at individuals); names are shown only to the
lead role, the security lead who asked staff for their exports, not to admins who run the server.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.engine import Connection

from lurewatch.db.exposure_tables import exposure_shares
from lurewatch.exposure import SEVERITY_ORDER, assess, checks
from lurewatch.exposure.read import read_zip
from lurewatch.server import audit, uploads
from lurewatch.server.auth import User
from lurewatch.server.service import Invalid, insert_ignore, now
from lurewatch.server.tables import users

MIN_PEOPLE = 3


def check_upload(st: Any, user: User, act: audit.Actor, fh: Any, filename: str, share: bool) -> dict[str, Any]:
    """Findings of an uploaded export zip; nothing kept unless `share` (then the sign ids only)."""
    stored = uploads.store_stream(fh, st.cfg.data_dir, st.cfg.max_zip_bytes, filename or "export.zip")
    try:
        own = read_zip(stored.path, "export.zip")
    finally:
        stored.path.unlink(missing_ok=True)
    if own.owner is None:
        raise Invalid("no profile read from this file: " + ("; ".join(own.problems[:3]) or "no Profile.csv")
                      + ". Upload the zip LinkedIn sends (Settings, Data privacy, Get a copy of your data).")
    found = assess(own.owner, own.connected_on)
    if share:
        with st.db.write() as conn:
            signs = sorted({f.check for f in found})
            conn.execute(delete(exposure_shares).where(exposure_shares.c.user_id == user.id))
            conn.execute(insert_ignore(conn, exposure_shares).values(user_id=user.id, signs=signs, created_at=now()))
            audit.record(conn, act, "exposure.share", "user", user.id)  # the signs stay out of the audit
    return {"findings": [f.to_json() for f in found], "connections": len(own.connected_on), "shared": share,
            "problems": own.problems[:5]}


def withdraw(conn: Connection, user: User, act: audit.Actor) -> bool:
    n = conn.execute(delete(exposure_shares).where(exposure_shares.c.user_id == user.id)).rowcount
    if n:
        audit.record(conn, act, "exposure.withdraw", "user", user.id)
    return bool(n)


def shared_by(conn: Connection, user: User) -> dict[str, Any] | None:
    r = conn.execute(select(exposure_shares).where(exposure_shares.c.user_id == user.id)).mappings().first()
    return None if r is None else {"signs": list(r["signs"]), "created_at": r["created_at"].isoformat()}


def organisation(conn: Connection, viewer: User) -> dict[str, Any]:
    """Counts of each sign among the people who shared; names for the lead role only."""
    rows = conn.execute(select(exposure_shares.c.signs, users.c.username)
                        .join(users, users.c.id == exposure_shares.c.user_id)
                        .where(users.c.active.is_(True)).order_by(users.c.username)).all()
    known = {c.id: c for c in checks()}
    counts = Counter(s for signs, _u in rows for s in signs if s in known)
    names = viewer.role == "lead"
    enough = names or len(rows) >= MIN_PEOPLE
    out: dict[str, Any] = {
        "people": len(rows), "min_people": MIN_PEOPLE, "names_shown": names,
        "signs": [{"check": c.id, "title": c.title, "severity": c.severity, "advice": c.advice,
                   "people": counts.get(c.id, 0) if enough else None}
                  for c in sorted(known.values(), key=lambda c: (SEVERITY_ORDER.get(c.severity, 9), c.id))]}
    if names:
        out["by_person"] = [{"username": u, "signs": [s for s in signs if s in known]} for signs, u in rows]
    return out
