"""Rendering helpers shared by the page routers."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from lurewatch.server.auth import User
from lurewatch.server.deps import request_id, state


def render(request: Request, template: str, user: User | None, status: int = 200, **ctx: Any) -> HTMLResponse:
    st = state(request)
    html = st.templates.get_template(template).render(
        user=user, csrf=user.csrf if user else ctx.pop("csrf", ""), request_id=request_id(request),
        path=request.url.path, oidc=bool(st.cfg.oidc_issuer), **ctx)
    return HTMLResponse(html, status_code=status)


def render_error(request: Request, status: int, message: str) -> HTMLResponse:
    user = request.scope.get("state", {}).get("lw_user")
    return render(request, "error.html", user, status=status, status_code=status, message=message)


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
