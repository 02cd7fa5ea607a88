"""`lurewatch serve`: the analyst server (FastAPI under uvicorn)."""

from __future__ import annotations

import importlib.util
import os

import typer

from lurewatch.cli.app import app, console, fail


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535),
    db: str = typer.Option(None, "--db", help="database file or URL (else LUREWATCH_DATABASE_URL, else SQLite)"),
    data_dir: str = typer.Option(None, "--data-dir", help="where uploaded files are kept"),
    workers: int = typer.Option(1, min=1, max=32, help="server processes"),
    insecure_cookies: bool = typer.Option(False, "--insecure-cookies",
                                          help="allow session cookies over plain HTTP (localhost development)"),
    no_worker: bool = typer.Option(False, "--no-worker", help="do not run background scans in this process"),
    access_log: bool = typer.Option(True, "--access-log/--no-access-log", help="log every request"),
) -> None:
    """Start the analyst server: reporting form, triage queue, cases, REST API under /api/v1."""
    try:
        import uvicorn

        from lurewatch.server.database import Database
    except ImportError as e:
        fail(f"the server needs the 'server' extra: pip install 'lurewatch[server]' ({e.name} missing)")
    from lurewatch.store.db import resolve_db

    url = resolve_db(db)
    Database(url)  # run the migrations once here, before any worker process starts
    os.environ["LUREWATCH_DATABASE_URL"] = url
    if data_dir:
        os.environ["LUREWATCH_DATA_DIR"] = data_dir
    if insecure_cookies:
        os.environ["LUREWATCH_INSECURE_COOKIES"] = "1"
    if no_worker:
        os.environ["LUREWATCH_NO_WORKER"] = "1"
    if host not in ("127.0.0.1", "localhost", "::1") and insecure_cookies:
        console.print("[yellow]warning:[/] insecure cookies on a non-local address")
    if workers > 1 and importlib.util.find_spec("uvloop") is None:
        console.print("[yellow]warning:[/] uvloop is not installed: with several workers, answers may wait "
                      "~40 ms each for delayed ACKs (pip install uvloop httptools)")
    uvicorn.run("lurewatch.server.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                proxy_headers=False, server_header=False, log_level="info", access_log=access_log)
