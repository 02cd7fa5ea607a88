"""Property-based API testing: schemathesis generates requests from the OpenAPI schema; no server error.

Runs against the ASGI app in process (SQLite), authenticated with an admin API key, with a bounded
number of examples per operation so that it stays fast in CI.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from tests.server.conftest import HOSTILE, make_server  # noqa: E402

pytestmark = pytest.mark.slow
KEYS: dict[str, str] = {}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    tmp: Path = tmp_path_factory.mktemp("st")
    s = make_server(f"sqlite:///{tmp}/st.sqlite", tmp / "data")
    with s.client:
        admin = s.add_user("admin", "st-admin")
        rep = s.add_user("reporter", "st-reporter")
        s.api(rep, "POST", "/api/v1/reports", json={"message": HOSTILE})
        KEYS["admin"] = admin.key
        yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", s.app)
    s.db.engine.dispose()


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error(case: Any) -> None:
    if case.path.endswith("/revoke"):
        case.path_parameters = {"key_id": 10_000}  # keep the admin's own key usable for the other cases
    case.call_and_validate(headers={"Authorization": f"Bearer {KEYS['admin']}"}, checks=[not_a_server_error])
