"""Server-rendered pages (Jinja2 + HTMX, no JavaScript build step)."""

from __future__ import annotations

from fastapi import APIRouter

from lurewatch.server.web import account, dashboard, exposure, mail, submissions, triage

router = APIRouter(include_in_schema=False)
router.include_router(account.router)
router.include_router(submissions.router)
router.include_router(triage.router)
router.include_router(dashboard.router)
router.include_router(mail.router)
router.include_router(exposure.router)
