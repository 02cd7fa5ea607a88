"""REST API, versioned under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from lurewatch.server.api import admin, alerts, cases, exposure, mail, sharing, submissions

router = APIRouter(prefix="/api/v1")
router.include_router(submissions.router)
router.include_router(cases.router)
router.include_router(admin.router)
router.include_router(sharing.router)
router.include_router(alerts.router)
router.include_router(mail.router)
router.include_router(exposure.router)
