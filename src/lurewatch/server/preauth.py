"""Authenticate before a request body is read.

FastAPI parses (and spools to disk) a multipart form before any dependency runs, so a check in a
dependency comes after an anonymous client has sent its whole upload. This ASGI middleware looks only at
the headers: a request that carries a body larger than SMALL_BODY, multipart or of unknown length
(chunked) needs a valid API key or session cookie first, else it is answered 401 with the body unread.
The anonymous forms (login, first-run setup) are bounded to SMALL_BODY (by SecurityMiddleware). The full checks (roles,
CSRF) still run in the route's dependencies.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from lurewatch.server import auth

SMALL_BODY = 64 * 1024
ANONYMOUS_POSTS = ("/login", "/setup")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def _identified(st: Any, conn: HTTPConnection) -> bool:
    """A valid API key or a signed session of an active account (the same checks as deps.optional_user)."""
    h = conn.headers.get("authorization", "")
    key = h[7:].strip() if h.lower().startswith("bearer ") else conn.headers.get("x-api-key")
    with st.db.read() as db:
        if key:
            return auth.user_for_api_key(db, key) is not None
        sess = st.sessions.read(conn.cookies.get(auth.SESSION_COOKIE))
        return bool(sess) and auth.load_user(db, sess["uid"]) is not None


class PreAuthMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        conn = HTTPConnection(scope)
        length = conn.headers.get("content-length")
        chunked = "chunked" in conn.headers.get("transfer-encoding", "").lower()
        try:
            size = int(length) if length is not None else (None if chunked else 0)
        except ValueError:
            size = None
        if scope.get("path", "") in ANONYMOUS_POSTS:  # small bodies only (bounded by SecurityMiddleware)
            await self.app(scope, receive, send)
            return
        multipart = conn.headers.get("content-type", "").lower().startswith("multipart/")
        big = size is None or size > SMALL_BODY or (multipart and size > 0)
        if big and not await run_in_threadpool(_identified, scope["app"].state.lw, conn):
            await _reply(send, 401, "unauthenticated", "authentication required (sign in or send an API key) "
                         "before uploading")
            return
        await self.app(scope, receive, send)


async def _reply(send: Send, status: int, code: str, message: str) -> None:
    import json

    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
