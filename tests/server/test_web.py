"""The pages: login and sessions, CSRF, first-run setup, security headers, hostile content escaped."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.server.conftest import HOSTILE, PASSWORD, Server, login, make_server

XSS = ('<script>alert("x")</script> <img src=x onerror="alert(1)"> '
       '<a href="javascript:alert(2)">click</a> think tank, paid reports, WhatsApp')


def _client(server: Server) -> TestClient:
    return TestClient(server.app, base_url="http://127.0.0.1")


def test_security_headers_everywhere(server: Server) -> None:
    for url in ("/login", "/api/v1/me", "/static/app.css", "/nope"):
        r = server.client.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-request-id"]


def test_request_id_echoed_or_replaced(server: Server) -> None:
    assert server.client.get("/login", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    bad = server.client.get("/login", headers={"X-Request-ID": "<x>\n"}).headers["x-request-id"]
    assert bad != "<x>\n" and re.fullmatch(r"[0-9a-f]{32}", bad)


def test_login_session_cookie_and_logout(server: Server) -> None:
    c = _client(server)
    csrf = login(c, "analyst1")
    cookie = [h for h in c.cookies.jar if h.name == "lw_session"][0]
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert c.get("/queue").status_code == 200
    assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert c.get("/queue", follow_redirects=False).headers["location"] == "/login"


def test_wrong_password_and_unknown_user(server: Server) -> None:
    c = _client(server)
    page = c.get("/login")
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = c.post("/login", data={"username": "analyst1", "password": "wrong-password", "csrf_token": tok})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    tok = re.search(r'name="csrf_token" value="([^"]+)"', r.text).group(1)  # a fresh form token each time
    r = c.post("/login", data={"username": "nobody", "password": "wrong-password", "csrf_token": tok})
    assert r.status_code == 401


def test_login_form_needs_its_csrf_token(server: Server) -> None:
    c = _client(server)
    r = c.post("/login", data={"username": "analyst1", "password": PASSWORD, "csrf_token": "forged"},
               follow_redirects=False)
    assert r.status_code == 403 and "lw_session" not in r.headers.get("set-cookie", "")


def test_state_changes_need_csrf(server: Server) -> None:
    c = _client(server)
    csrf = login(c, "reporter1")
    r = c.post("/report", data={"message": HOSTILE}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/report", data={"message": HOSTILE, "csrf_token": "nope"}, follow_redirects=False)
    assert r.status_code == 403
    r = c.post("/api/v1/reports", json={"message": HOSTILE})  # cookie auth on the API needs the header too
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = c.post("/api/v1/reports", json={"message": HOSTILE}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    r = c.post("/report", data={"message": HOSTILE, "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/reports/")


def test_report_form_verdict_and_hostile_content_escaped(server: Server) -> None:
    c = _client(server)
    csrf = login(c, "reporter1")
    form = c.get("/report")
    assert 'enctype="multipart/form-data"' in form.text and "<script src=\"/static/app.js\"" in form.text
    r = c.post("/report", data={"message": XSS, "sender_name": "<b>Evil</b>",
                                "profile_url": "javascript:alert(3)", "csrf_token": csrf})
    assert r.status_code == 200
    html = r.text
    assert "<script>alert" not in html and "<img src=x" not in html and 'href="javascript:' not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html
    assert "onerror" in html  # shown as text...
    assert not re.search(r"<[^>]+\sonerror=", html)  # ...never as an attribute
    # no inline script at all in our pages
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    # the analyst's case page escapes it too
    a = _client(server)
    login(a, "analyst1")
    case_link = re.search(r'href="/cases/(\d+)"', a.get("/queue").text)
    assert case_link
    page = a.get(f"/cases/{case_link.group(1)}").text
    assert "<script>alert" not in page and not re.search(r"<[^>]+\sonerror=", page)


def test_queue_page_filters_and_htmx_fragment(server: Server) -> None:
    c = _client(server)
    login(c, "analyst1")
    server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE, "sector": "web-sector"})
    full = c.get("/queue", params={"sector": "web-sector", "status": ""})
    assert full.status_code == 200 and "<html" in full.text and "web-sector" in full.text
    frag = c.get("/queue", params={"sector": "web-sector"}, headers={"HX-Request": "true"})
    assert frag.status_code == 200 and "<html" not in frag.text and "<table" in frag.text
    assert c.get("/queue", params={"level": "bogus", "offset": -5}).status_code == 200  # ignored, not an error


def test_case_page_actions(server: Server) -> None:
    c = _client(server)
    csrf = login(c, "analyst1")
    rep = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE + " web case"}).json()
    aid = rep["approaches"][0]["approach_id"]
    cid = next(x["id"] for x in server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]
               if aid in [a["approach_id"] for a in server.api("analyst", "GET", f"/api/v1/cases/{x['id']}")
                          .json()["approaches"]])
    assert c.post(f"/cases/{cid}/tasks", data={"title": "Call the reporter", "csrf_token": csrf}).status_code == 200
    assert c.post(f"/cases/{cid}/notes", data={"text": "<i>note</i>", "csrf_token": csrf}).status_code == 200
    r = c.post(f"/cases/{cid}/update", data={"status": "closed", "resolution": "", "csrf_token": csrf})
    assert r.status_code == 422 and "resolution" in r.text
    r = c.post(f"/cases/{cid}/update", data={"status": "closed", "resolution": "hostile", "severity": "high",
                                            "tlp": "red", "pap": "amber", "assignee_id": "none", "sector": "s",
                                            "campaign": "camp-web", "title": "t", "csrf_token": csrf})
    assert r.status_code == 200
    page = c.get(f"/cases/{cid}").text
    assert "Call the reporter" in page and "&lt;i&gt;note&lt;/i&gt;" in page and "TLP:RED" in page
    assert "case.update" in page  # the history is on the case page
    assert "camp-web" in c.get("/campaigns").text


def test_first_run_setup(tmp_path: Path) -> None:
    s = make_server(f"sqlite:///{tmp_path}/setup.sqlite", tmp_path / "d")
    with s.client as c:
        assert c.get("/login", follow_redirects=False).headers["location"] == "/setup"
        page = c.get("/setup")
        tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        bad = c.post("/setup", data={"token": "guess", "username": "root", "password": "long-enough-pw",
                                     "csrf_token": tok})
        assert bad.status_code == 403
        page = c.get("/setup")
        tok = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        good = c.post("/setup", data={"token": s.app.state.lw.setup_token, "username": "root",
                                      "password": "long-enough-pw", "csrf_token": tok}, follow_redirects=False)
        assert good.status_code == 303
        assert c.get("/admin/users").status_code == 200
        # setup is closed once an account exists
        assert c.get("/setup", follow_redirects=False).headers["location"] == "/login"
    s.db.engine.dispose()


def test_api_keys_page_shows_key_once(server: Server) -> None:
    c = _client(server)
    csrf = login(c, "reporter1")
    r = c.post("/account/keys", data={"name": "laptop", "days": "7", "csrf_token": csrf})
    key = re.search(r'<code class="key">(lw_[^<]+)</code>', r.text).group(1)
    assert c.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"}).json()["username"] == "reporter1"
    assert key not in c.get("/account/keys").text


def test_body_size_bound(server: Server) -> None:
    r = server.client.post("/api/v1/reports", content=b"x", headers={
        **server.people["reporter"].headers, "content-length": str(server.cfg.max_zip_bytes + 10 * 1024 * 1024),
        "content-type": "application/json"})
    assert r.status_code == 413


def test_case_page_shows_reported_profile_escaped(server: Server) -> None:
    resume = {"basics": {"name": "Dr <b>Jane</b> Roe", "label": "Partner at <i>Global Insight</i>",
                         "profiles": [{"network": "LinkedIn", "url": "https://www.linkedin.com/in/jane-roe-gi"}]},
              "work": [{"name": "Global Insight Consulting", "position": "Senior Partner", "startDate": "2024-01"}],
              "meta": {"photo": "../../etc/passwd"}}
    rep = server.api("reporter", "POST", "/api/v1/reports", json={"message": HOSTILE + " profile", "jsonresume": resume})
    assert rep.status_code == 201
    assert rep.json()["files"][0]["kind"] == "jsonresume"
    aid = rep.json()["approaches"][0]["approach_id"]
    c = _client(server)
    login(c, "analyst1")
    cid = next(x["id"] for x in server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]
               if aid in [a["approach_id"] for a in server.api("analyst", "GET", f"/api/v1/cases/{x['id']}")
                          .json()["approaches"]])
    page = c.get(f"/cases/{cid}").text
    assert "Sender profile" in page and "Senior Partner at Global Insight Consulting" in page
    assert "Dr &lt;b&gt;Jane&lt;/b&gt; Roe" in page and "<i>Global" not in page


def test_reported_profile_never_points_at_server_files() -> None:
    from lurewatch.server.analysis import profile_from_jsonresume

    p = profile_from_jsonresume(b'{"basics": {"name": "X"}, "meta": {"photo": "secret.jpg"}}', "report")
    assert p.photo is None and p.name == "X"
