"""Password-login throttling: per account and per client address (429 + Retry-After), a bound on
concurrent Argon2 hashing, and bounded, aggregated audit entries for failed logins."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import PASSWORD
from tests.server.test_crash import free_port

from lurewatch.server import audit, auth
from lurewatch.server.app import create_app
from lurewatch.server.config import ServerConfig
from lurewatch.server.login_guard import LoginGuard, LoginLimits

BASE = "http://127.0.0.1"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _app(tmp_path: Path, limits: LoginLimits, clock: Clock | None = None) -> Any:
    cfg = ServerConfig(db_url=f"sqlite:///{tmp_path}/l.sqlite", data_dir=tmp_path / "d", secure_cookies=False,
                       run_worker=False)
    app = create_app(cfg, limits)
    if clock is not None:
        app.state.lw.login = LoginGuard(limits, clock)
    with app.state.lw.db.write() as conn:
        for name in ("alice", "bob"):
            auth.create_user(conn, name, "analyst", PASSWORD, audit.Actor(None, "test"))
    return app


def _try(c: TestClient, username: str, password: str) -> httpx.Response:
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text)
    assert token
    return c.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                  follow_redirects=False)


def _entries(app: Any, action: str) -> list[dict[str, Any]]:
    return [e for e in audit.iter_entries(app.state.lw.db.engine) if e["action"] == action]


def test_account_locked_after_n_failures_until_the_window_passes(tmp_path: Path) -> None:
    clock = Clock()
    app = _app(tmp_path, LoginLimits(account_failures=3, address_failures=100, window_seconds=600), clock)
    c = TestClient(app, base_url=BASE)
    for _ in range(3):
        assert _try(c, "alice", "wrong password!").status_code == 401
    r = _try(c, "ALICE", PASSWORD)  # the 4th attempt, even with the right password
    assert r.status_code == 429 and "Too many failed logins" in r.text
    wait = int(r.headers["retry-after"])
    assert 590 <= wait <= 600
    assert _try(c, "bob", PASSWORD).status_code == 303  # another account from the same address
    c.cookies.clear()
    clock.now += wait - 5
    assert _try(c, "alice", PASSWORD).status_code == 429
    clock.now += 5
    assert _try(c, "alice", PASSWORD).status_code == 303  # lockout over: the right password works


def test_address_limit_across_names(tmp_path: Path) -> None:
    clock = Clock()
    app = _app(tmp_path, LoginLimits(account_failures=100, address_failures=4, window_seconds=60), clock)
    c = TestClient(app, base_url=BASE)
    for i in range(4):
        assert _try(c, f"guess-{i}", "wrong password!").status_code == 401
    r = _try(c, "bob", PASSWORD)
    assert r.status_code == 429 and 1 <= int(r.headers["retry-after"]) <= 60
    clock.now += 61
    assert _try(c, "bob", PASSWORD).status_code == 303


def test_failed_login_audit_is_bounded_and_aggregated(tmp_path: Path) -> None:
    app = _app(tmp_path, LoginLimits(account_failures=3, address_failures=1000, window_seconds=600))
    c = TestClient(app, base_url=BASE)
    huge = "\u202e<x>\n" + "A" * 10_240
    assert _try(c, huge, "wrong password!").status_code == 401  # a failed login, not a validation error
    [entry] = _entries(app, "login.fail")
    assert len(entry["entity_id"]) <= 90 and entry["entity_id"].endswith(f"(+{len(huge) - 64} chars)")
    assert entry["entity_id"].isprintable() and entry["after"]["address"] == "testclient"
    # five failures of one name then two refused attempts: one failure entry and one lockout entry
    for _ in range(3):
        assert _try(c, "alice", "wrong password!").status_code == 401
    for _ in range(2):
        assert _try(c, "alice", "wrong password!").status_code == 429
    fails = [e for e in _entries(app, "login.fail") if e["entity_id"] == "alice"]
    locks = _entries(app, "login.lockout")
    assert len(fails) == 1
    assert [(e["entity_id"], e["after"]["failures"]) for e in locks] == [("alice", 3)]
    assert audit.verify(app.state.lw.db.engine).ok


class CountingHasher:
    """The real hasher, held for a moment, counting how many verifications run at the same time."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.lock = threading.Lock()
        self.active = self.peak = self.calls = 0

    def verify(self, password: str, hashed: str) -> bool:
        with self.lock:
            self.active += 1
            self.calls += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.2)
            return self.real.verify(password, hashed)
        finally:
            with self.lock:
                self.active -= 1

    def hash(self, password: str) -> str:
        return self.real.hash(password)


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Start the app under uvicorn on 127.0.0.1 with given limits; yields a starter."""
    import uvicorn

    servers: list[Any] = []
    hasher = CountingHasher(auth._hasher)
    monkeypatch.setattr(auth, "_hasher", hasher)

    def start(limits: LoginLimits) -> tuple[str, CountingHasher]:
        app = _app(tmp_path / str(len(servers)), limits)
        port = free_port()
        srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
        threading.Thread(target=srv.run, daemon=True).start()
        servers.append(srv)
        for _ in range(100):
            if srv.started:
                break
            time.sleep(0.05)
        hasher.peak = hasher.calls = 0
        return f"http://127.0.0.1:{port}", hasher

    yield start
    for s in servers:
        s.should_exit = True


def _parallel_logins(base: str, n: int) -> list[httpx.Response]:
    barrier = threading.Barrier(n)
    out: list[httpx.Response] = []

    def one(i: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as h:
            token = re.search(r'name="csrf_token" value="([^"]+)"', h.get("/login").text)
            assert token
            barrier.wait()
            out.append(h.post("/login", data={"username": f"nobody-{i}", "password": "wrong password!",
                                              "csrf_token": token.group(1)}))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_concurrent_hashing_is_bounded(live: Any) -> None:
    base, hasher = live(LoginLimits(address_failures=1000, concurrent_hashes=2, hash_wait_seconds=60))
    answers = _parallel_logins(base, 12)
    assert sorted(r.status_code for r in answers) == [401] * 12  # all waited for a slot, none refused
    assert hasher.calls == 12 and hasher.peak == 2


def test_no_free_slot_is_503_with_retry_after(live: Any) -> None:
    base, hasher = live(LoginLimits(address_failures=1000, concurrent_hashes=1, hash_wait_seconds=0.01))
    answers = _parallel_logins(base, 8)
    busy = [r for r in answers if r.status_code == 503]
    assert busy and all(r.headers["retry-after"] == "1" for r in busy)
    assert {r.status_code for r in answers} <= {401, 503} and hasher.peak == 1


def test_limits_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert LoginLimits.from_env() == LoginLimits()
    monkeypatch.setenv("LUREWATCH_LOGIN_MAX_FAILURES", "7")
    monkeypatch.setenv("LUREWATCH_LOGIN_MAX_FAILURES_PER_ADDRESS", "0")
    monkeypatch.setenv("LUREWATCH_LOGIN_WINDOW_SECONDS", "60")
    monkeypatch.setenv("LUREWATCH_LOGIN_CONCURRENT_HASHES", "0")
    monkeypatch.setenv("LUREWATCH_LOGIN_HASH_WAIT_SECONDS", "0.5")
    lim = LoginLimits.from_env()
    assert (lim.account_failures, lim.address_failures, lim.window_seconds, lim.concurrent_hashes,
            lim.hash_wait_seconds) == (7, 0, 60, 1, 0.5)


def test_non_ascii_name_duplicate_is_refused_and_logs_in(tmp_path: Path) -> None:
    """SQLite's lower() folds ASCII only: the exact name must still match (was a 500 on a duplicate)."""
    app = _app(tmp_path, LoginLimits())
    admin = {"Authorization": "Bearer " + _admin_key(app)}
    c = TestClient(app, base_url=BASE)
    body = {"username": "KöÍ©¸", "role": "lead", "password": PASSWORD}
    assert c.post("/api/v1/users", json=body, headers=admin).status_code == 201
    r = c.post("/api/v1/users", json=body, headers=admin)
    assert r.status_code == 422 and "exists already" in r.text
    assert _try(c, "KöÍ©¸", PASSWORD).status_code == 303


def _admin_key(app: Any) -> str:
    with app.state.lw.db.write() as conn:
        uid = auth.create_user(conn, "root", "admin", PASSWORD, audit.Actor(None, "test"))
        user = auth.load_user(conn, uid)
        assert user is not None
        return auth.create_api_key(conn, user, "k", None, 1, audit.Actor(None, "test"))[1]
