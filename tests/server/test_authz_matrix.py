"""Authorization matrix: every role x every endpoint x own/other's data.

A reporter can never read another reporter's report, approach, job or file; roles below an endpoint's
role get 403; every route of the app must appear here (a new route without a row fails the test).
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image
from tests.server.conftest import HOSTILE, ROLES, Server

RANK = {r: i for i, r in enumerate(ROLES)}
PUBLIC = {("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("GET", "/setup"), ("POST", "/setup"),
          ("GET", "/login/oidc"), ("GET", "/login/oidc/callback"), ("GET", "/api/v1/openapi.json")}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40, 40), "blue").save(buf, "PNG")
    return buf.getvalue()


def _zip() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("messages.csv", "CONVERSATION ID,FROM,TO,DATE,CONTENT\n")
    return buf.getvalue()


def _own_export() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("Profile.csv", "First Name,Last Name,Headline\nAlex,Moreau,DV cleared engineer\n")
    return buf.getvalue()


@pytest.fixture(scope="module")
def world(server: Server) -> dict[str, Any]:
    """Data owned by reporter1 ("mine") and by reporter2 ("other")."""
    ids: dict[str, Any] = {}
    for owner, tag in (("reporter", "mine"), ("reporter2", "other")):
        r = server.api(owner, "POST", "/api/v1/reports/upload", data={"message": HOSTILE + tag},
                       files={"photo": ("p.png", _png(), "image/png")}).json()
        j = server.api(owner, "POST", "/api/v1/reports/upload", files={"export": ("e.zip", _zip(), "application/zip")})
        assert j.status_code == 201, j.text
        ids[tag] = {"report": r["id"], "approach": r["approaches"][0]["approach_id"], "upload": r["files"][0]["id"],
                    "job": j.json()["job_id"]}
        k = server.api(owner, "POST", "/api/v1/api-keys", json={"name": "k"}).json()
        ids[tag]["key"] = k["id"]
    cases = server.api("analyst", "GET", "/api/v1/cases", params={"limit": 200}).json()["items"]
    ids["case"] = cases[0]["id"]
    ids["case2"] = cases[1]["id"]
    t = server.api("analyst", "POST", f"/api/v1/cases/{ids['case']}/tasks", json={"title": "t"}).json()
    ids["task"] = t["id"]
    server.api("analyst", "PATCH", f"/api/v1/cases/{ids['case']}", json={"campaign": "matrix-camp"})
    ids["user"] = server.people["analyst2"].id
    ids["webhook"] = server.api("admin", "POST", "/api/v1/alerts/webhooks",
                                json={"name": "world-hook", "url": "http://127.0.0.1:9/x"}).json()["id"]
    ids["share"] = 999_999
    from lurewatch.server import audit as audit_mod
    from lurewatch.server import mail_intake

    st, mc = server.app.state.lw, mail_intake.MailConfig()
    for n, tag in enumerate(("mail", "mail2", "mail3", "mail4"), 1):
        raw = f"From: stranger@x.example\r\nSubject: s\r\nMessage-ID: <m{n}@x>\r\n\r\nhello\r\n".encode()
        ids[tag] = mail_intake.process(st, mc, mail_intake.Key("matrix", 1, n), raw)["id"]
    with server.db.write() as conn:
        for owner, tag in (("reporter", "mine"), ("reporter2", "other")):
            for n, key in enumerate(("address3", "address4")):
                ids[tag][key] = mail_intake.add_address(conn, server.people[owner].id, f"own-{tag}-{n}@a.example",
                                                        audit_mod.Actor(None, "test"))
        for n, tag in enumerate(("address", "address2")):
            ids[tag] = mail_intake.add_address(conn, server.people["analyst2"].id, f"matrix-{n}@a.example",
                                               audit_mod.Actor(None, "test"))
    sh = server.api("analyst", "POST", "/api/v1/sharing/exports",
                    json={"case_id": ids["case"], "format": "stix", "tlp": "amber"})
    if sh.status_code == 201 or sh.status_code == 200:
        ids["share"] = sh.json()["id"]
    return ids


# (method, path, request kwargs, minimum role, ownership) - ownership: None, or "report"/"approach"/
# "job"/"upload"/"key" when the row is about a reporter's own data (tested for mine and other's).
ROWS: list[tuple[str, str, dict[str, Any], str, str | None]] = [
    ("GET", "/api/v1/me", {}, "reporter", None),
    ("POST", "/api/v1/reports", {"json": {"message": HOSTILE}}, "reporter", None),
    ("POST", "/api/v1/reports/upload", {"data": {"message": HOSTILE}}, "reporter", None),
    ("GET", "/api/v1/reports", {}, "reporter", None),
    ("GET", "/api/v1/reports/{report}", {}, "reporter", "report"),
    ("POST", "/api/v1/submissions", {"json": {"message": HOSTILE}}, "reporter", None),
    ("POST", "/api/v1/submissions/upload", {"data": {"message": HOSTILE}}, "reporter", None),
    ("GET", "/api/v1/submissions", {}, "reporter", None),
    ("GET", "/api/v1/submissions/{report}", {}, "reporter", "report"),
    ("GET", "/api/v1/approaches/{approach}", {}, "reporter", "approach"),
    ("GET", "/api/v1/jobs/{job}", {}, "reporter", "job"),
    ("GET", "/api/v1/uploads/{upload}", {}, "reporter", "upload"),
    ("GET", "/api/v1/cases", {}, "analyst", None),
    ("GET", "/api/v1/cases/{case}", {}, "analyst", None),
    ("PATCH", "/api/v1/cases/{case}", {"json": {"severity": "high"}}, "analyst", None),
    ("POST", "/api/v1/cases/{case}/notes", {"json": {"text": "n"}}, "analyst", None),
    ("POST", "/api/v1/cases/{case}/tasks", {"json": {"title": "t"}}, "analyst", None),
    ("PATCH", "/api/v1/cases/{case}/tasks/{task}", {"json": {"done": True}}, "analyst", None),
    ("POST", "/api/v1/cases/{case}/merge", {"json": {"duplicate_id": "{case}"}}, "analyst", None),
    ("GET", "/api/v1/cases/{case}/audit", {}, "analyst", None),
    ("GET", "/api/v1/campaigns", {}, "analyst", None),
    ("GET", "/api/v1/campaigns/matrix-camp", {}, "analyst", None),
    ("POST", "/api/v1/campaigns/link", {}, "lead", None),
    ("GET", "/api/v1/users", {}, "admin", None),
    ("POST", "/api/v1/users", {"json": {"username": "x", "role": "bogus", "password": "p" * 12}}, "admin", None),
    ("PATCH", "/api/v1/users/{user}", {"json": {}}, "admin", None),
    ("GET", "/api/v1/users/{user}/identities", {}, "admin", None),
    ("POST", "/api/v1/users/{user}/identities", {"json": {"issuer": "https://idp.example", "sub": "m-1"}}, "admin",
     None),
    ("DELETE", "/api/v1/users/{user}/identities", {"params": {"issuer": "https://idp.example", "sub": "m-1"}},
     "admin", None),
    ("GET", "/api/v1/api-keys", {}, "reporter", None),
    ("POST", "/api/v1/api-keys", {"json": {"name": "m"}}, "reporter", None),
    ("POST", "/api/v1/api-keys/{key}/revoke", {}, "reporter", "key"),
    ("GET", "/api/v1/audit/export", {}, "lead", None),
    ("GET", "/api/v1/audit/verify", {}, "lead", None),
    ("GET", "/api/v1/exports/cases", {}, "lead", None),
    # sharing (lurewatch.server.api.sharing): requested by analysts, approved by another lead
    ("POST", "/api/v1/sharing/exports", {"json": {"case_id": "{case}", "format": "stix", "tlp": "amber"}},
     "analyst", None),
    ("GET", "/api/v1/sharing/exports", {}, "lead", None),
    ("GET", "/api/v1/sharing/exports/{share}/download", {}, "analyst", None),
    ("POST", "/api/v1/sharing/exports/{share}/approve", {}, "lead", None),
    ("POST", "/api/v1/sharing/exports/{share}/reject", {}, "lead", None),
    # alerts (admin)
    ("POST", "/api/v1/alerts/webhooks", {"json": {"name": "matrix-hook", "url": "http://127.0.0.1:9/x"}}, "admin", None),
    ("GET", "/api/v1/alerts/webhooks", {}, "admin", None),
    ("GET", "/api/v1/alerts/deliveries", {}, "admin", None),
    ("DELETE", "/api/v1/alerts/webhooks/{webhook}", {}, "admin", None),
    # exposure: one's own export (every role; nothing kept unless shared), the organisation view (lead)
    ("POST", "/api/v1/exposure/check", {"files": {"export": ("e.zip", _own_export(), "application/zip")}},
     "reporter", None),
    ("GET", "/api/v1/exposure/mine", {}, "reporter", None),
    ("DELETE", "/api/v1/exposure/mine", {}, "reporter", None),
    ("GET", "/api/v1/exposure/organisation", {}, "lead", None),
    ("GET", "/exposure", {}, "reporter", None),
    ("POST", "/exposure", {"files": {"export": ("e.zip", _own_export(), "application/zip")}}, "reporter", None),
    ("POST", "/exposure/withdraw", {}, "reporter", None),
    ("GET", "/exposure/organisation", {}, "lead", None),
    # pages
    ("GET", "/report", {}, "reporter", None),
    ("POST", "/report", {"data": {"message": HOSTILE}}, "reporter", None),
    ("GET", "/reports", {}, "reporter", None),
    ("GET", "/reports/{report}", {}, "reporter", "report"),
    ("GET", "/jobs/{job}", {}, "reporter", "job"),
    ("GET", "/jobs/{job}/progress", {}, "reporter", "job"),
    ("GET", "/uploads/{upload}", {}, "reporter", "upload"),
    ("GET", "/uploads/{upload}/thumb.png", {}, "reporter", "upload"),
    ("GET", "/account/keys", {}, "reporter", None),
    ("POST", "/account/keys", {"data": {"name": "w", "days": "1"}}, "reporter", None),
    ("POST", "/account/keys/{key}/revoke", {}, "reporter", "key-own-only"),
    ("POST", "/logout", {}, "reporter", None),
    ("GET", "/queue", {}, "analyst", None),
    ("GET", "/cases/{case}", {}, "analyst", None),
    ("POST", "/cases/{case}/update", {"data": {"severity": "medium"}}, "analyst", None),
    ("POST", "/cases/{case}/notes", {"data": {"text": "n"}}, "analyst", None),
    ("POST", "/cases/{case}/tasks", {"data": {"title": "t"}}, "analyst", None),
    ("POST", "/cases/{case}/tasks/{task}", {"data": {"done": "1"}}, "analyst", None),
    ("POST", "/cases/{case}/merge", {"data": {"duplicate_id": "{case}"}}, "analyst", None),
    ("GET", "/campaigns", {}, "analyst", None),
    ("GET", "/campaigns/matrix-camp", {}, "analyst", None),
    ("POST", "/campaigns/link", {}, "lead", None),
    ("GET", "/dashboard", {}, "analyst", None),
    ("GET", "/dashboard/charts/{chart}.png", {}, "analyst", None),
    ("GET", "/audit", {}, "lead", None),
    ("GET", "/audit/export.jsonl", {}, "lead", None),
    ("GET", "/admin/users", {}, "admin", None),
    ("GET", "/admin/alerts", {}, "admin", None),
    # mail intake: the log and the quarantine (analyst), the verified addresses (admin)
    ("GET", "/api/v1/mail/intake", {}, "analyst", None),
    ("GET", "/api/v1/mail/quarantine", {}, "analyst", None),
    ("POST", "/api/v1/mail/quarantine/{mail}/release", {"json": {"user_id": "{user}"}}, "analyst", None),
    ("POST", "/api/v1/mail/quarantine/{mail2}/discard", {}, "analyst", None),
    ("GET", "/api/v1/mail/addresses", {}, "admin", None),
    ("POST", "/api/v1/mail/addresses", {"json": {"user_id": "{user}", "address": "matrix@x.example"}}, "admin", None),
    ("DELETE", "/api/v1/mail/addresses/{address}", {}, "admin", None),
    ("GET", "/mail", {}, "analyst", None),
    ("POST", "/mail/{mail3}/release", {"data": {"user_id": "{user}"}}, "analyst", None),
    ("POST", "/mail/{mail4}/discard", {}, "analyst", None),
    ("POST", "/mail/addresses", {"data": {"user_id": "{user}", "address": "matrix2@x.example"}}, "admin", None),
    ("POST", "/mail/addresses/{address2}/remove", {}, "admin", None),
    # one's own intake addresses (every role; only one's own: removing another's is a 404)
    ("GET", "/api/v1/me/mail-addresses", {}, "reporter", None),
    ("POST", "/api/v1/me/mail-addresses", {"json": {"address": "me@x.example"}}, "reporter", None),
    ("POST", "/api/v1/me/mail-addresses/confirm", {"json": {"address": "me@x.example", "code": "x"}}, "reporter", None),
    ("DELETE", "/api/v1/me/mail-addresses/{address3}", {}, "reporter", "key-own-only"),
    ("GET", "/account/mail", {}, "reporter", None),
    ("POST", "/account/mail", {"data": {"address": "me2@x.example"}}, "reporter", None),
    ("POST", "/account/mail/confirm", {"data": {"address": "me2@x.example", "code": "x"}}, "reporter", None),
    ("POST", "/account/mail/{address4}/remove", {}, "reporter", "key-own-only"),
    ("POST", "/admin/users", {"data": {"username": "y", "role": "bogus", "password": "p" * 12}}, "admin", None),
]


def _template(path: str) -> str:
    import re

    names = {"report": "report_id", "approach": "approach_id", "job": "job_id", "upload": "upload_id",
             "case": "case_id", "task": "task_id", "user": "user_id", "key": "key_id", "name": "name",
             "share": "rid", "chart": "name", "webhook": "webhook_id", "mail": "intake_id", "mail2": "intake_id",
             "mail3": "intake_id", "mail4": "intake_id", "address": "address_id", "address2": "address_id",
             "address3": "address_id", "address4": "address_id"}
    path = path.replace("matrix-camp", "{name}")
    return re.sub(r"\{(\w+)\}", lambda m: "{" + names[m.group(1)] + "}", path)


def _routes(app: Any) -> set[tuple[str, str]]:
    def flat(routes: Any, prefix: str = "") -> Any:
        for r in routes:
            if hasattr(r, "original_router"):
                yield from flat(r.original_router.routes, prefix + r.include_context.prefix)
            elif getattr(r, "methods", None):
                for m in r.methods:
                    if m != "HEAD":
                        yield m, prefix + r.path

    return set(flat(app.routes))


def test_every_route_is_in_the_matrix(server: Server) -> None:
    covered = {(m, _template(p)) for m, p, *_ in ROWS} | PUBLIC
    missing = _routes(server.app) - covered
    assert not missing, f"routes without an authorization row: {sorted(missing)}"


def _fill(path: str, world: dict[str, Any], whose: str) -> str:
    d = world[whose]
    return path.format(report=d["report"], approach=d["approach"], job=d["job"], upload=d["upload"],
                       key=d["key"], case=world["case"], task=world["task"], user=world["user"],
                       share=world["share"], chart="weekly", webhook=world["webhook"],
                       **{k: world[k] for k in ("mail", "mail2", "mail3", "mail4", "address", "address2")},
                       address3=d["address3"], address4=d["address4"])


DENIED = {401, 403, 404}


@pytest.mark.parametrize("row", ROWS, ids=[f"{m} {p}" for m, p, *_ in ROWS])
def test_matrix(server: Server, world: dict[str, Any], row: tuple[str, str, dict[str, Any], str, str | None]) -> None:
    method, path, kw, min_role, owned = row
    for role in ROLES:
        person = server.people["reporter" if role == "reporter" else role]
        for whose in (("mine", "other") if owned else ("mine",)):
            # keys and reporter data: "mine" is reporter1's; for other roles both are someone else's
            url = _fill(path, world, whose)
            args = {k: {f: (_fill(v, world, whose) if isinstance(v, str) and "{" in v else v) for f, v in d.items()}
                    for k, d in kw.items()}
            r = server.client.request(method, url, headers=person.headers, follow_redirects=False, **args)
            if RANK[role] < RANK[min_role]:
                expected_ok = False
            elif owned in ("key", "key-own-only"):
                own = role == "reporter" and whose == "mine"
                expected_ok = own or (owned == "key" and role == "admin")
            elif owned:
                expected_ok = role != "reporter" or whose == "mine"
            else:
                expected_ok = True
            if expected_ok:
                assert r.status_code not in DENIED, (role, whose, method, url, r.status_code, r.text[:300])
                assert r.status_code < 500, (role, whose, method, url, r.text[:300])
            else:
                assert r.status_code in ({403} if RANK[role] < RANK[min_role] else {404}), (
                    role, whose, method, url, r.status_code, r.text[:300])
    # nobody without credentials gets anything
    anon = server.client.request(method, _fill(path, world, "mine"), follow_redirects=False, **kw)
    assert anon.status_code in (401, 303), (method, path, anon.status_code)
    if anon.status_code == 303:
        assert anon.headers["location"] == "/login"


def test_reporter_lists_only_own_reports(server: Server, world: dict[str, Any]) -> None:
    mine = server.api("reporter", "GET", "/api/v1/reports", params={"limit": 200}).json()["items"]
    ids = {x["id"] for x in mine}
    assert world["mine"]["report"] in ids and world["other"]["report"] not in ids
    page = server.api("reporter", "GET", "/reports").text
    assert f"/reports/{world['other']['report']}\"" not in page
    # ?mine has no effect on widening; analysts see everyone's
    allr = server.api("analyst", "GET", "/api/v1/reports", params={"limit": 200}).json()["items"]
    assert {world["mine"]["report"], world["other"]["report"]} <= {x["id"] for x in allr}
