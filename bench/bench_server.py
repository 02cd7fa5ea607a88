"""Analyst server under load: queue page and API list latency with N cases in PostgreSQL, and report
submissions per second from concurrent clients.

    python bench/bench_server.py [--cases 100000] [--clients 50] [--seconds 20] [--workers 2]
        [--client httpx|wrk] [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

Seeds a fresh schema (`lw_bench`, dropped first) with N cases (one approach, one report each), starts
`lurewatch serve` on 127.0.0.1 with --workers, then measures sequentially the p50/p95 of the queue page
and the API list (several filters and pages), then `--clients` concurrent connections post reports for
`--seconds` (httpx async clients, or `wrk` from Debian, a C client that leaves the CPU to the server).
Prints the figures and the server's CPU per stored report; nothing is asserted. Only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ("Hello, I lead research at a geopolitical think tank. We pay 3,000 USD for short reports on your "
           "sector for our clients in Asia. Please keep this confidential and let's continue on WhatsApp.")
SECTORS = ["quantum", "aerospace", "defence", "telecoms", "energy", "ai", "biotech", "government"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def seed(url: str, n: int) -> tuple[str, str]:
    from lurewatch.server import audit, auth
    from lurewatch.server.database import Database
    from lurewatch.server.tables import approaches, case_approaches, cases, report_items, reports

    db = Database(url)
    with db.write() as conn:
        rid = auth.create_user(conn, "bench-reporter", "reporter", "bench-password", audit.Actor(None, "bench"))
        aid = auth.create_user(conn, "bench-analyst", "analyst", "bench-password", audit.Actor(None, "bench"))
        _, rkey = auth.create_api_key(conn, auth.load_user(conn, rid), "bench", None, 1, audit.Actor(None, "b"))
        _, akey = auth.create_api_key(conn, auth.load_user(conn, aid), "bench", None, 1, audit.Actor(None, "b"))
    rnd = random.Random(7)
    t0 = time.perf_counter()
    base = datetime(2025, 1, 1, tzinfo=UTC)
    batch = 5000
    for start in range(0, n, batch):
        ap, rp, ri, cs, ca = [], [], [], [], []
        for i in range(start, min(n, start + batch)):
            score = rnd.randint(0, 100)
            level = "high" if score >= 60 else "medium" if score >= 30 else "low"
            apid = f"ap-bench{i:012d}"
            when = base + timedelta(minutes=i)
            data = {"approach_id": apid, "source": "linkedin-message", "conversation_id": f"c{i}",
                    "sender_name": f"Sender {i % 5000}", "sender_profile_url": f"https://linkedin.com/in/s{i % 5000}",
                    "owner_profile_url": None, "first_contact": when.isoformat(), "score": score, "level": level,
                    "findings": [{"indicator": "LW-OFFER-001", "title": "Paid reports", "category": "offer",
                                  "weight": 30.0, "evidence": "We pay 3,000 USD", "field": "message[0]",
                                  "rationale": "Mallory"}],
                    "advice": ["Do not reply"], "messages": [{"from": f"Sender {i}", "inbound": True,
                                                              "sent_at": when.isoformat(), "subject": "",
                                                              "text": HOSTILE, "attachments": []}]}
            ap.append({"approach_id": apid, "source": "linkedin-message", "conversation_id": f"c{i}",
                       "sender_name": data["sender_name"], "sender_profile_url": data["sender_profile_url"],
                       "owner_profile_url": None, "first_contact": when, "score": score, "level": level,
                       "data": data, "stored_at": when, "updated_at": when})
            rp.append({"id": i + 1, "reporter_id": rid, "kind": "message", "comment": "", "created_at": when})
            ri.append({"report_id": i + 1, "approach_id": apid})
            status = rnd.choice(["new", "new", "in_progress", "closed"])
            cs.append({"id": i + 1, "title": f"Sender {i % 5000} (linkedin-message)", "status": status,
                       "resolution": "hostile" if status == "closed" else None, "severity": "medium",
                       "assignee_id": aid if status != "new" else None, "tlp": "amber", "pap": "amber",
                       "score": score, "level": level, "sector": rnd.choice(SECTORS),
                       "campaign": f"camp-{i % 40}" if i % 10 == 0 else "", "merged_into": None,
                       "created_at": when, "updated_at": when, "closed_at": when if status == "closed" else None})
            ca.append({"case_id": i + 1, "approach_id": apid})
        with db.engine.begin() as conn:
            conn.execute(insert(approaches), ap)
            conn.execute(insert(reports), rp)
            conn.execute(insert(report_items), ri)
            conn.execute(insert(cases), cs)
            conn.execute(insert(case_approaches), ca)
    with db.engine.begin() as conn:
        for t in ("reports", "cases"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))"))
        conn.execute(text("ANALYZE"))
    print(f"seeded {n} cases in {time.perf_counter() - t0:.1f}s")
    db.engine.dispose()
    return rkey, akey


def _cpu_seconds(root: int) -> float:
    """CPU time (user + system) of process `root` and its children, from /proc (Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(d.name), int(fields[1])
        if pid == root or ppid == root:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def latency(base: str, key: str, path: str, params: dict, n: int) -> tuple[float, float]:
    h = {"Authorization": f"Bearer {key}"}
    times = []
    with httpx.Client(base_url=base, headers=h, timeout=30) as c:
        for _ in range(5):
            c.get(path, params=params)
        for _ in range(n):
            t = time.perf_counter()
            r = c.get(path, params=params)
            times.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200, r.text[:300]
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


async def submissions(base: str, key: str, clients: int, seconds: float) -> tuple[int, int, list[float]]:
    h = {"Authorization": f"Bearer {key}"}
    ok = bad = 0
    lat: list[float] = []
    end = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def one(c: httpx.AsyncClient, k: int) -> None:
        nonlocal ok, bad
        i = 0
        while time.perf_counter() < end:
            i += 1
            t = time.perf_counter()
            try:
                r = await c.post("/api/v1/reports", json={"message": f"{HOSTILE} ({k}-{i})", "sector": "bench"})
            except httpx.HTTPError:
                bad += 1
                continue
            lat.append((time.perf_counter() - t) * 1000)
            if r.status_code == 201:
                ok += 1
            else:
                bad += 1

    async with httpx.AsyncClient(base_url=base, headers=h, timeout=60, limits=limits) as c:
        await asyncio.gather(*(one(c, k) for k in range(clients)))
    return ok, bad, lat


WRK_LUA = """
counter = 0
request = function()
  counter = counter + 1
  local body = '{"message": "' .. MESSAGE .. ' (' .. counter .. ')", "sector": "bench"}'
  return wrk.format("POST", "/api/v1/reports", {["Content-Type"] = "application/json",
                    ["Authorization"] = "Bearer " .. KEY}, body)
end
"""


def submissions_wrk(base: str, key: str, clients: int, seconds: float) -> tuple[int, int, str]:
    """The same load from `wrk` (Debian package): a C client that leaves the CPU to the server."""
    import re
    import tempfile

    script = f'MESSAGE = "{HOSTILE}"\nKEY = "{key}"\n' + WRK_LUA
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(script)
    out = subprocess.run(["wrk", "-t", "2", "-c", str(clients), "-d", f"{int(seconds)}s", "--timeout", "30s",
                          "--latency", "-s", fh.name,
                          base], capture_output=True, text=True, timeout=seconds + 60).stdout
    os.unlink(fh.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    bad = int(non2xx.group(1)) if non2xx else 0
    errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if errs:
        bad += sum(int(x) for x in errs.groups())
    lat = ", ".join(f"p{q} {v}" for q, v in re.findall(r"\s+(50|90|99)(?:\.000)?%\s+(\S+)", out))
    return total - (int(non2xx.group(1)) if non2xx else 0), bad, lat


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--requests", type=int, default=200, help="sequential requests per latency figure")
    ap.add_argument("--client", choices=["httpx", "wrk"], default="httpx", help="load generator for submissions")
    ap.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    a = ap.parse_args()
    schema = "lw_bench"
    admin = create_engine(a.pg)
    with admin.begin() as c:
        c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        c.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{a.pg}?options=-csearch_path%3D{schema}"
    rkey, akey = seed(url, a.cases)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "LUREWATCH_SECRET_KEY": "bench", "LUREWATCH_DATA_DIR": "/tmp/lw-bench-data"}
    log = open("/tmp/lw-bench-server.log", "wb")  # noqa: SIM115
    p = subprocess.Popen([sys.executable, "-c", "from lurewatch.cli import main; main()", "serve", "--db", url,
                          "--port", str(port), "--workers", str(a.workers), "--insecure-cookies",
                          "--no-access-log"],
                         env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        print(f"server: {a.workers} workers, PostgreSQL, {a.cases} cases; {os.cpu_count()} CPUs")
        for label, path, params in [
            ("queue page, open cases", "/queue", {}),
            ("queue page, level=high + sector", "/queue", {"level": "high", "sector": "quantum"}),
            ("queue page, offset 5000", "/queue", {"offset": 5000}),
            ("API list, first page", "/api/v1/cases", {}),
            ("API list, status=new level=high", "/api/v1/cases", {"status": "new", "level": "high"}),
            ("API list, campaign", "/api/v1/cases", {"campaign": "camp-3"}),
            ("API list, offset 5000", "/api/v1/cases", {"offset": 5000}),
        ]:
            p50, p95 = latency(base, akey, path, params, a.requests)
            print(f"{label:40s} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
        if a.client == "wrk":
            server_cpu = _cpu_seconds(p.pid)
            ok, bad, wlat = submissions_wrk(base, rkey, a.clients, a.seconds)
            server_cpu = _cpu_seconds(p.pid) - server_cpu
            print(f"submissions (wrk): {a.clients} connections for {a.seconds:.0f}s: {ok} stored "
                  f"({ok / a.seconds:.0f}/s), {bad} errors; latency {wlat}")
            if ok:
                print(f"CPU per stored report: server {server_cpu / ok * 1000:.1f} ms; "
                      f"load average during the run {os.getloadavg()[0]:.1f}")
            return
        server_cpu, client_cpu = _cpu_seconds(p.pid), time.process_time()
        ok, bad, lat = asyncio.run(submissions(base, rkey, a.clients, a.seconds))
        server_cpu, client_cpu = _cpu_seconds(p.pid) - server_cpu, time.process_time() - client_cpu
        lat.sort()
        print(f"submissions: {a.clients} clients for {a.seconds:.0f}s: {ok} stored ({ok / a.seconds:.0f}/s), "
              f"{bad} errors; latency p50 {statistics.median(lat):.0f} ms, p95 {lat[int(0.95 * (len(lat) - 1))]:.0f} ms")
        if ok:
            print(f"CPU per stored report: server {server_cpu / ok * 1000:.1f} ms, client {client_cpu / ok * 1000:.1f} ms; "
                  f"load average during the run {os.getloadavg()[0]:.1f}")
    finally:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait(30)
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


if __name__ == "__main__":
    main()
