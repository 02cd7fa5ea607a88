"""The server's database handle: one engine, migrations at start, serialised writes on SQLite."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from sqlalchemy.engine import Connection, Engine

from lurewatch.server import audit
from lurewatch.server.migrate import upgrade
from lurewatch.store.db import make_engine


class Database:
    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(url)
        self.url = url
        self.sqlite = self.engine.dialect.name == "sqlite"
        # SQLite has one writer at a time; queuing writers here avoids "database is locked" retries.
        self._write_lock = threading.Lock() if self.sqlite else None
        # Reads on PostgreSQL need no transaction: autocommit saves the BEGIN and ROLLBACK round trips.
        self._reader = self.engine if self.sqlite else self.engine.execution_options(isolation_level="AUTOCOMMIT")
        upgrade(self.engine)

    @contextlib.contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction (committed on success, rolled back on error); audit entries recorded
        in it are chained just before the commit."""
        lock = self._write_lock or contextlib.nullcontext()
        with lock, self.engine.begin() as conn:
            conn.info[audit.PENDING] = []
            try:
                yield conn
                audit.flush(conn)
            finally:
                conn.info.pop(audit.PENDING, None)

    @contextlib.contextmanager
    def read(self) -> Iterator[Connection]:
        with self._reader.connect() as conn:
            yield conn
