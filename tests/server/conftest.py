"""Fixtures for the analyst server: the same tests run on SQLite and on PostgreSQL (fresh schema)."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient  # noqa: E402

from lurewatch.server import audit, auth  # noqa: E402
from lurewatch.server.app import create_app  # noqa: E402
from lurewatch.server.config import ServerConfig  # noqa: E402

PG_BASE = os.environ.get("LUREWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"
ROLES = ("reporter", "analyst", "lead", "admin")


def pg_available() -> bool:
    try:
        host, port = "127.0.0.1", 5432
        with socket.create_connection((host, port), timeout=1):
            pass
        create_engine(PG_BASE).connect().close()
        return True
    except Exception:
        return False


def pg_schema_url() -> tuple[str, Any]:
    """A fresh schema on the test server; returns (url, cleanup)."""
    schema = "lw_test_" + secrets.token_hex(6)
    admin = create_engine(PG_BASE)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))

    def cleanup() -> None:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()

    return f"{PG_BASE}?options=-csearch_path%3D{schema}", cleanup


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2() -> Iterator[None]:
    """Argon2id still, with small cost parameters: the suite creates and logs in many accounts."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    real = auth._hasher
    auth._hasher = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    yield
    auth._hasher = real


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/lw.sqlite"
        return
    if not pg_available():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    url, cleanup = pg_schema_url()
    yield url
    cleanup()


@dataclass
class Person:
    id: int
    username: str
    role: str
    key: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Server:
    app: Any
    client: TestClient
    cfg: ServerConfig
    people: dict[str, Person]

    @property
    def db(self) -> Any:
        return self.app.state.lw.db

    def add_user(self, role: str, name: str | None = None) -> Person:
        name = name or f"{role}-{secrets.token_hex(3)}"
        with self.db.write() as conn:
            uid = auth.create_user(conn, name, role, PASSWORD, audit.Actor(None, "test"))
            user = auth.load_user(conn, uid)
            assert user is not None
            _, key = auth.create_api_key(conn, user, "test", None, 30, audit.Actor(None, "test"))
        return Person(uid, name, role, key, {"Authorization": f"Bearer {key}"})

    def api(self, who: str | Person, method: str, url: str, **kw: Any) -> Any:
        p = who if isinstance(who, Person) else self.people[who]
        return self.client.request(method, url, headers={**p.headers, **kw.pop("headers", {})}, **kw)


def make_server(db_url: str, data_dir: Path, run_worker: bool = False) -> Server:
    cfg = ServerConfig(db_url=db_url, data_dir=data_dir, secure_cookies=False, run_worker=run_worker,
                       worker_poll_seconds=0.1)
    app = create_app(cfg)
    client = TestClient(app, base_url="http://127.0.0.1")
    return Server(app, client, cfg, {})


@pytest.fixture(scope="module")
def server(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    s = make_server(db_url, tmp_path_factory.mktemp("data"))
    with s.client:
        for role in ROLES:
            s.people[role] = s.add_user(role, f"{role}1")
        s.people["reporter2"] = s.add_user("reporter", "reporter2")
        s.people["analyst2"] = s.add_user("analyst", "analyst2")
        yield s
    s.db.engine.dispose()


HOSTILE = (
    "Hello, I lead research at a geopolitical think tank in Singapore. We pay 3,000 USD for short reports "
    "on your sector for our clients in Asia. Please keep this confidential and let's continue on WhatsApp; "
    "we can also cover your travel to Shanghai for a paid workshop. No need to tell your employer."
)
BENIGN = "Hi, thanks for connecting at the conference last week. Nice talk on build systems!"


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token (from the page's meta tag)."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token.group(1)},
                    follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    home = client.get("/report")
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', home.text)
    assert m
    return m.group(1)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database for one test (SQLite file or PostgreSQL schema)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh.sqlite"
        return
    if not pg_available():
        pytest.skip("no PostgreSQL server on 127.0.0.1:5432")
    url, cleanup = pg_schema_url()
    yield url
    cleanup()


def migrate_to(url: str, revision: str) -> None:
    """Bring a fresh database to one Alembic revision (to test the migrations after it)."""
    from alembic import command
    from sqlalchemy import create_engine

    from lurewatch.db.migrate import alembic_config

    engine = create_engine(url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()
