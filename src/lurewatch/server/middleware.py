"""Pure ASGI middleware: request ids, security headers on every response, request body size bound."""

from __future__ import annotations

import json
import logging
import re
import uuid
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lurewatch.server.preauth import ANONYMOUS_POSTS, SMALL_BODY

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
log = logging.getLogger("lurewatch.server")
_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class _TooLarge(Exception):
    pass


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, max_body: int, hsts: bool = False) -> None:
        self.app = app
        self.max_body = max_body
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = ""
        length = None
        for k, v in scope.get("headers", []):
            if k == b"x-request-id":
                cand = v.decode("latin-1")
                rid = cand if _RID.match(cand) else ""
            elif k == b"content-length":
                length = v
        rid = rid or uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = rid
        started = False
        static = scope.get("path", "").startswith("/static/")
        # The anonymous forms are small; a bigger body there is refused before it is read.
        limit = SMALL_BODY if scope.get("path", "") in ANONYMOUS_POSTS else self.max_body
        exceeded = ours = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if exceeded and not ours:
                # The body went over the limit: whatever the app answers (FastAPI turns the interrupted
                # read into a 400), the client gets 413.
                if message["type"] == "http.response.start" and not started:
                    await too_large()
                return
            if message["type"] == "http.response.start":
                started = True
                h = MutableHeaders(scope=message)
                for k, v in SECURITY_HEADERS.items():
                    h[k] = v
                if self.hsts:
                    h["strict-transport-security"] = "max-age=31536000"
                h["x-request-id"] = rid
                # Pages carry hostile content and per-user data: never cached; our static files may be.
                h.setdefault("cache-control", "max-age=3600" if static else "no-store")
            await send(message)

        async def too_large() -> None:
            nonlocal ours
            ours = True
            await _error(send_wrapper, 413, "too_large", "request body too large", rid)
            ours = False

        qs = scope.get("query_string", b"")
        if b"%00" in qs or b"\x00" in qs or "\x00" in scope.get("path", ""):
            await _error(send_wrapper, 400, "bad_request", "NUL characters are not accepted", rid)
            return
        if length is not None:
            try:
                too_big = int(length) > limit
            except ValueError:
                too_big = True
            if too_big:
                await _error(send_wrapper, 413, "too_large", "request body too large", rid)
                return
        received = 0

        async def limited() -> Message:
            nonlocal received, exceeded
            msg = await receive()
            if msg["type"] == "http.request":
                received += len(msg.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _TooLarge
            return msg

        try:
            await self.app(scope, limited, send_wrapper)
        except _TooLarge:
            if not started:
                await too_large()
        except Exception:
            # Answered here (not by Starlette's outermost handler) so a 500 carries the security headers too.
            if exceeded:
                if not started:
                    await too_large()
                return
            log.exception("unhandled error (request %s)", rid)
            if not started:
                await _error(send_wrapper, 500, "server_error", "internal error; quote the request id to an admin",
                             rid)


async def _error(send: Any, status: int, code: str, message: str, rid: str) -> None:
    body = json.dumps({"error": {"code": code, "message": message, "request_id": rid}}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
