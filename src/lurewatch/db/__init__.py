"""The database, in one place: every table on one MetaData, one Alembic history, one way to open it.

    lurewatch.db.metadata            every table (importing this package declares them all)
    lurewatch.db.make_engine(url)    SQLite with WAL, a busy timeout and 0600 files; PostgreSQL pooled
    lurewatch.db.migrate.upgrade(e)  bring a database to the newest schema (stores call it on open)

Tables: `store_tables` (approaches), `server_tables` (users, reports, cases, audit, jobs...),
`local_tables` (photo hashes, watchlists, calibrations, watch indicators), `sharing_tables` (export
requests), `alert_tables` (webhooks and the alert outbox), `mail_tables` (forwarded e-mail intake),
`exposure_tables` (exposure results shared by reporters). Nothing outside `db/migrations` creates a table: no `create_all`.
"""

from lurewatch.db import (
    alert_tables,
    exposure_tables,
    local_tables,
    mail_tables,
    server_tables,
    sharing_tables,
    store_tables,
)
from lurewatch.db.engine import make_engine, resolve_db
from lurewatch.db.meta import metadata

__all__ = ["alert_tables", "exposure_tables", "local_tables", "mail_tables", "make_engine", "metadata", "resolve_db", "server_tables", "sharing_tables", "store_tables"]
