"""TAXII 2.1 push and pull against the medallion reference server, started on localhost by the test."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from typer.testing import CliRunner

from lurewatch.cli.app import app
from lurewatch.sharing.watch import WatchStore
from lurewatch.store.db import Store

sys.path.insert(0, str(Path(__file__).parent))
from test_sharing import FIX, PERSONA, contract  # noqa: E402

USER, PASSWORD = "lurewatch", "test-password-1"
GREEN = "365fed99-08fa-fdcd-a1b3-fb247eb41d01"  # default collection (max TLP amber on our side)
RED = "91a7b528-80eb-42ed-a74d-c6fbd5a26116"  # a collection explicitly configured for RED


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _collection(cid: str, title: str) -> dict:
    return {
        "id": cid,
        "title": title,
        "can_read": True,
        "can_write": True,
        "media_types": ["application/stix+json;version=2.1"],
        "objects": [],
        "manifest": [],
    }


@pytest.fixture(scope="module")
def taxii(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    d = tmp_path_factory.mktemp("medallion")
    port = _free_port()
    api_root = f"http://127.0.0.1:{port}/api1/"
    data = {
        "/discovery": {"title": "lurewatch test TAXII", "default": api_root, "api_roots": [api_root]},
        "api1": {
            "information": {
                "title": "api1",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 50 * 1024 * 1024,
            },
            "status": [],
            "collections": [_collection(GREEN, "peers"), _collection(RED, "national CERT only")],
        },
    }
    (d / "data.json").write_text(json.dumps(data))
    config = {
        "backend": {
            "module": "medallion.backends.memory_backend",
            "module_class": "MemoryBackend",
            "filename": str(d / "data.json"),
        },
        "users": {USER: PASSWORD},
        "taxii": {"max_page_size": 50},
    }
    (d / "config.json").write_text(json.dumps(config))
    log = open(d / "medallion.log", "w")  # noqa: SIM115 - closed at teardown
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "medallion.scripts.run",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            str(d / "config.json"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = requests.get(
                    f"http://127.0.0.1:{port}/taxii2/",
                    auth=(USER, PASSWORD),
                    headers={"Accept": "application/taxii+json;version=2.1"},
                    timeout=2,
                )
                if r.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("medallion did not start: " + (d / "medallion.log").read_text()[-2000:])
            time.sleep(0.2)
        yield api_root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _args(api_root: str, collection: str) -> list[str]:
    return ["--url", api_root, "--collection", collection, "--user", USER, "--password", PASSWORD]


def test_push_then_pull_round_trip(taxii: str, tmp_path: Path) -> None:
    db_a = tmp_path / "a.sqlite"
    Store(db_a).save([contract(i, "high", f"{PERSONA}-{i}") for i in range(40)])  # > one page of objects
    runner = CliRunner()
    r = runner.invoke(
        app, ["taxii", "push", *_args(taxii, GREEN), "--db", str(db_a), "--org", "Org A", "--tlp", "green"]
    )
    assert r.exit_code == 0, r.output
    assert "pushed" in r.output
    db_b = tmp_path / "b.sqlite"
    r = runner.invoke(app, ["taxii", "pull", *_args(taxii, GREEN), "--db", str(db_b)])
    assert r.exit_code == 0, r.output
    got = {(w.type, w.value): w for w in WatchStore(db_b)}
    for i in range(40):
        w = got[("linkedin-url", f"https://linkedin.com/in/rachel-huang-riskvantage-{i}")]
        assert w.source == "Org A" and w.tlp == "green"
    assert ("email", "rachel@riskvantage-research.org") in got


def test_red_and_amber_strict_need_a_collection_configured_for_them(taxii: str, tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    Store(db).save([contract(1)])
    runner = CliRunner()
    r = runner.invoke(app, ["taxii", "push", *_args(taxii, GREEN), "--db", str(db), "--tlp", "red"])
    assert r.exit_code != 0 and "refused" in r.output
    # a bundle file carrying AMBER+STRICT (OpenCTI form) is refused as well, before any network call
    r = runner.invoke(
        app, ["taxii", "push", *_args(taxii, GREEN), "--file", str(FIX / "opencti_bundle.json")]
    )
    assert r.exit_code != 0 and "AMBER+STRICT" in r.output
    r = runner.invoke(
        app, ["taxii", "push", *_args(taxii, RED), "--max-tlp", "red", "--db", str(db), "--tlp", "red"]
    )
    assert r.exit_code == 0, r.output
    db_b = tmp_path / "b.sqlite"
    assert runner.invoke(app, ["taxii", "pull", *_args(taxii, RED), "--db", str(db_b)]).exit_code == 0
    assert {w.tlp for w in WatchStore(db_b)} == {"red"}


def test_wrong_password_is_a_clean_error(taxii: str, tmp_path: Path) -> None:
    r = CliRunner().invoke(
        app,
        [
            "taxii",
            "pull",
            "--url",
            taxii,
            "--collection",
            GREEN,
            "--user",
            USER,
            "--password",
            "wrong",
            "--db",
            str(tmp_path / "x.sqlite"),
        ],
    )
    assert r.exit_code != 0 and "TAXII pull failed" in r.output and "Traceback" not in r.output
