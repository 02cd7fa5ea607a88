"""The FastAPI application factory: `create_app(config)`; `lurewatch serve` runs it under uvicorn."""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.exceptions import HTTPException as StarletteHTTPException

from lurewatch.server import auth, sessionkey
from lurewatch.server.config import ServerConfig
from lurewatch.server.database import Database
from lurewatch.server.deps import CSRFError, Forbidden, LoginRequired, State, request_id
from lurewatch.server.login_guard import LoginGuard, LoginLimits
from lurewatch.server.middleware import SecurityMiddleware
from lurewatch.server.preauth import PreAuthMiddleware
from lurewatch.server.service import Invalid, NotFound

log = logging.getLogger("lurewatch.server")
WEB = Path(__file__).resolve().parent / "web"  # the pages: routes, templates/ and static/ side by side


def templates() -> Environment:
    # autoescape=True for every template: approach content is hostile.
    env = Environment(loader=FileSystemLoader(WEB / "templates"), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["when"] = _when
    env.globals["level_label"] = {"high": "High risk", "medium": "Suspicious", "low": "Low risk"}
    return env


def _when(value: object) -> str:
    """ISO timestamps shown as `2026-11-25 10:39 UTC`."""
    from datetime import UTC, datetime

    if not value:
        return ""
    try:
        dt = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if dt.tzinfo:
        dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%d %H:%M UTC")


def create_app(cfg: ServerConfig | None = None, login_limits: LoginLimits | None = None) -> FastAPI:
    """The app; `login_limits` (default: LUREWATCH_LOGIN_* variables) throttle password logins."""
    cfg = cfg or ServerConfig.from_env()
    cfg.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(cfg.db_url)
    secret = sessionkey.session_key(db.engine, sessionkey.key_path(cfg.data_dir, cfg.secret_key_file),
                                    cfg.secret_key)
    setup_token = None
    if auth.count_users(db.engine) == 0:
        setup_token = secrets.token_urlsafe(16)
        log.warning("no account yet: open /setup with the setup token %s (or run `lurewatch admin "
                    "create-user`)", setup_token)
    st = State(cfg, db, auth.Sessions(secret, cfg.session_hours * 3600), templates(), setup_token,
               LoginGuard(login_limits or LoginLimits.from_env()))

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        # compile the indicators now rather than inside the first reports
        threading.Thread(target=_warm, args=(cfg.db_url,), daemon=True, name="lw-warm").start()
        sender = mail = None
        if cfg.run_worker:
            from lurewatch.server.alerts import Sender
            from lurewatch.server.jobs import Worker

            worker = Worker(db, cfg.data_dir, cfg.worker_poll_seconds)
            worker.start()
            sender = Sender(db.engine, max(cfg.worker_poll_seconds, 0.2))
            sender.start()
            mail = _mail_poller(st)
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if sender is not None:
                sender.stop()
            if mail is not None:
                mail.stop()

    app = FastAPI(title="lurewatch analyst server", version="1", lifespan=lifespan,
                  description="Report, triage and work cases of hostile approaches. All API routes need an "
                              "API key (`Authorization: Bearer lw_...`) or a browser session.",
                  docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")
    # No Swagger UI: it loads scripts from a CDN, which the CSP (rightly) blocks. The schema is the doc.
    app.state.lw = st
    _errors(app)
    from lurewatch.server import oidc
    from lurewatch.server.api import router as api_router
    from lurewatch.server.web import router as web_router

    app.include_router(api_router)
    app.include_router(web_router)
    app.include_router(oidc.router, include_in_schema=False)
    oidc.install(app, cfg)
    app.mount("/static", StaticFiles(directory=WEB / "static"), name="static")
    app.add_middleware(PreAuthMiddleware)  # inside SecurityMiddleware: its answers carry the headers too
    app.add_middleware(SecurityMiddleware, max_body=cfg.max_zip_bytes + 2 * 1024 * 1024,
                       hsts=cfg.secure_cookies)
    return app


def _mail_poller(st: State) -> Any:
    """The forwarded e-mail intake's poller, when LUREWATCH_IMAP_HOST and _USER are set."""
    from lurewatch.server.mail_intake import MailConfig
    from lurewatch.server.mail_poller import Poller

    mc = MailConfig.from_env()
    if not mc.enabled:
        return None
    poller = Poller(st, mc)
    poller.start()
    log.info("mail intake: polling %s on %s every %s s", mc.folder, mc.imap_host, mc.poll_seconds)
    return poller


def _warm(db_url: str) -> None:
    from lurewatch.server import analysis

    try:
        analysis.warm(analysis.context(db_url))
    except Exception:  # the first report will build it (and report the error) instead
        log.exception("could not prepare the analyser")


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status: int, code: str, message: str, detail: Any = None) -> Response:
    if _is_api(request) or request.headers.get("hx-request"):
        body: dict[str, Any] = {"code": code, "message": message, "request_id": request_id(request)}
        if detail is not None:
            body["detail"] = detail
        return JSONResponse({"error": body}, status_code=status)
    from lurewatch.server.web.pages import render_error

    return render_error(request, status, message)


def _errors(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if not _is_api(request) and request.method == "GET":
            return RedirectResponse("/login", status_code=303)
        return _error(request, 401, "unauthenticated", str(exc))

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "forbidden", str(exc))

    @app.exception_handler(CSRFError)
    async def csrf(request: Request, exc: CSRFError) -> Response:
        return _error(request, 403, "csrf", str(exc))

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "not_found", str(exc))

    @app.exception_handler(Invalid)
    async def invalid(request: Request, exc: Invalid) -> Response:
        return _error(request, 422, "invalid", str(exc))

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> Response:
        errs = [{"loc": list(e.get("loc", [])), "msg": str(e.get("msg", ""))} for e in exc.errors()][:20]
        unknown = [str(e["loc"][-1])[:80] for e in exc.errors() if e.get("type") == "extra_forbidden" and e.get("loc")]
        message = "invalid input"
        if unknown:  # say which fields were not taken, so that no client loses data without being told
            message += "; unknown field" + ("s " if len(unknown) > 1 else " ") + ", ".join(repr(u) for u in unknown[:10])
        return _error(request, 422, "invalid", message, errs)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        codes = {404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "too_large", 400: "bad_request"}
        return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc.detail))

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error (request %s)", request_id(request))
        return _error(request, 500, "server_error", "internal error; quote the request id to an admin")


def app_from_env() -> FastAPI:
    """Factory for `uvicorn --factory lurewatch.server.app:app_from_env` (used by `lurewatch serve`)."""
    return create_app(ServerConfig.from_env())
