"""Server-side session version: logout, a password reset, a role change and disabling an account end
every browser session of that account (a copied session cookie stops working)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from tests.server.conftest import PASSWORD, Person, Server, login

BASE = "http://127.0.0.1"


def _session(server: Server, name: str, password: str = PASSWORD) -> tuple[TestClient, str, str]:
    c = TestClient(server.app, base_url=BASE)
    csrf = login(c, name, password)
    cookie = c.cookies.get("lw_session")
    assert cookie
    return c, csrf, cookie


def _works(server: Server, cookie: str) -> bool:
    """A request from another machine holding a copy of the cookie."""
    thief = TestClient(server.app, base_url=BASE, cookies={"lw_session": cookie})
    return thief.get("/api/v1/me").status_code == 200


def _patch(server: Server, who: Person, body: dict[str, object]) -> None:
    r = server.api("admin", "PATCH", f"/api/v1/users/{who.id}", json=body)
    assert r.status_code == 200, r.text


ACTIONS: dict[str, Callable[[Server, Person, TestClient, str], str]] = {
    "logout": lambda s, p, c, csrf: (c.post("/logout", data={"csrf_token": csrf}), PASSWORD)[1],
    "password reset": lambda s, p, c, csrf: (_patch(s, p, {"password": "a brand new password"}),
                                             "a brand new password")[1],
    "role change": lambda s, p, c, csrf: (_patch(s, p, {"role": "lead"}), PASSWORD)[1],
    "disable then enable": lambda s, p, c, csrf: (_patch(s, p, {"active": False}),
                                                  _patch(s, p, {"active": True}), PASSWORD)[2],
}


@pytest.mark.parametrize("action", ACTIONS)
def test_action_ends_every_session(server: Server, action: str) -> None:
    person = server.add_user("analyst")
    c, csrf, cookie = _session(server, person.username)
    _, _, other_cookie = _session(server, person.username)  # a second browser of the same person
    assert _works(server, cookie) and _works(server, other_cookie)
    password = ACTIONS[action](server, person, c, csrf)
    assert not _works(server, cookie), action
    assert not _works(server, other_cookie), action
    assert c.get("/queue", follow_redirects=False).headers.get("location") == "/login"
    # logging in again works, and the API key was not touched
    _, _, fresh = _session(server, person.username, password)
    assert _works(server, fresh)
    assert server.api(person, "GET", "/api/v1/me").status_code == 200


def test_unchanged_patch_keeps_sessions(server: Server) -> None:
    person = server.add_user("analyst")
    _, _, cookie = _session(server, person.username)
    _patch(server, person, {"role": "analyst", "active": True})
    assert _works(server, cookie)
    person2 = server.add_user("reporter")
    _, _, cookie2 = _session(server, person2.username)
    c, csrf, _ = _session(server, person.username)
    c.post("/logout", data={"csrf_token": csrf})
    assert _works(server, cookie2)  # another account's sessions are untouched


def test_cookie_without_version_is_refused(server: Server) -> None:
    """Cookies signed before the session version existed carry none: they no longer log anyone in."""
    sessions = server.app.state.lw.sessions
    old = sessions._s.dumps({"uid": server.people["admin"].id, "csrf": "x"})
    assert not _works(server, old)
