"""The server's tables: declared in lurewatch.db (one MetaData, one Alembic history); re-exported here."""

from lurewatch.db.meta import metadata
from lurewatch.db.server_tables import (
    api_keys,
    audit_head,
    audit_log,
    audit_queue,
    case_approaches,
    cases,
    jobs,
    notes,
    report_items,
    reports,
    settings,
    tasks,
    uploads,
    user_identities,
    users,
)
from lurewatch.db.store_tables import approaches

__all__ = ["api_keys", "approaches", "audit_head", "audit_log", "audit_queue", "case_approaches", "cases", "jobs", "metadata", "notes", "report_items", "reports", "settings", "tasks", "uploads", "user_identities", "users"]
