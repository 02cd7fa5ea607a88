"""Finding 5: an anonymous upload is refused before its body is read; an over-limit chunked body is 413."""

from __future__ import annotations

import asyncio
import io
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from tests.server.conftest import Server, make_server

MB = 1024 * 1024


class CountingBody:
    """A streamed request body (no Content-Length: sent chunked) that counts what the server pulled."""

    def __init__(self, head: bytes, total: int, tail: bytes = b"") -> None:
        self.head, self.total, self.tail, self.sent = head, total, tail, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.sent += len(self.head)
        yield self.head
        chunk = b"x" * (256 * 1024)
        for _ in range(self.total // len(chunk)):
            self.sent += len(chunk)
            yield chunk
        self.sent += len(self.tail)
        yield self.tail


def _multipart(boundary: str, size: int) -> CountingBody:
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"export\"; filename=\"x.zip\"\r\n"
            "Content-Type: application/zip\r\n\r\n").encode()
    return CountingBody(head, size, f"\r\n--{boundary}--\r\n".encode())


def _post(app: object, url: str, body: CountingBody, headers: dict[str, str]) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
            return await c.post(url, content=body, headers=headers)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Server:
    d = tmp_path_factory.mktemp("preauth")
    s = make_server(f"sqlite:///{d}/lw.sqlite", d / "data")
    s.people["reporter"] = s.add_user("reporter")
    s.cfg.max_zip_bytes = 8 * MB  # the app's body bound is fixed at creation: rebuild with a small one
    from fastapi.testclient import TestClient

    from lurewatch.server.app import create_app

    s.app = create_app(s.cfg)
    s.client = TestClient(s.app, base_url="http://127.0.0.1")
    return s


@pytest.mark.parametrize("url", ["/api/v1/reports/upload", "/report"])
def test_anonymous_upload_is_refused_unread(srv: Server, url: str) -> None:
    boundary = secrets.token_hex(8)
    body = _multipart(boundary, 20 * MB)
    r = _post(srv.app, url, body, {"content-type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 401, r.text[:300]
    assert body.sent <= 1 * MB, body.sent  # the 20 MB body was not consumed
    assert r.headers["content-security-policy"]  # answered inside the security middleware


def test_bad_api_key_upload_is_refused_unread(srv: Server) -> None:
    boundary = secrets.token_hex(8)
    body = _multipart(boundary, 20 * MB)
    r = _post(srv.app, "/api/v1/reports/upload", body, {
        "content-type": f"multipart/form-data; boundary={boundary}", "authorization": "Bearer lw_notakey"})
    assert r.status_code == 401 and body.sent <= 1 * MB


def test_over_limit_chunked_body_is_413(srv: Server) -> None:
    boundary = secrets.token_hex(8)
    body = _multipart(boundary, 20 * MB)  # over the 8 MB bound, with no Content-Length
    r = _post(srv.app, "/api/v1/reports/upload", body, {
        "content-type": f"multipart/form-data; boundary={boundary}", **srv.people["reporter"].headers})
    assert r.status_code == 413, r.text[:300]
    assert r.json()["error"]["code"] == "too_large"
    assert body.sent < 12 * MB


def test_anonymous_login_body_is_bounded(srv: Server) -> None:
    body = CountingBody(b"username=a&password=", 4 * MB)
    r = _post(srv.app, "/login", body, {"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413 and body.sent < 1 * MB


def test_authenticated_upload_still_works(srv: Server, tmp_path: Path) -> None:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), "navy").save(buf, "PNG")
    with srv.client as c:
        r = c.post("/api/v1/reports/upload", headers=srv.people["reporter"].headers,
                   data={"message": "We pay 2,000 USD per report; continue on WhatsApp."},
                   files={"photo": ("me.png", buf.getvalue(), "image/png")})
    assert r.status_code == 201, r.text[:300]
