"""Command-line interface: `lurewatch COMMAND`. Each command lives in its own module here."""

from __future__ import annotations

from lurewatch.cli.app import app

# Command modules register themselves on `app` when imported (one line per module).
from lurewatch.cli import scan  # noqa: E402,F401  (scan, check)
from lurewatch.cli import photo  # noqa: E402,F401
from lurewatch.cli import indicators  # noqa: E402,F401  (indicators list|test)
from lurewatch.cli import watchlist  # noqa: E402,F401  (watchlist add|list|remove|check)
from lurewatch.cli import report  # noqa: E402,F401  (report)
from lurewatch.cli import serve  # noqa: E402,F401  (serve)
from lurewatch.cli import admin  # noqa: E402,F401  (admin create-user, audit verify|export)
from lurewatch.cli import share  # noqa: E402,F401  (export, import, taxii push|pull)
from lurewatch.cli import train  # noqa: E402,F401  (train --from-cases|--list|--rollback|--text-model)
from lurewatch.cli import link  # noqa: E402,F401  (link)
from lurewatch.cli import exposure  # noqa: E402,F401  (exposure)
from lurewatch.cli import mail  # noqa: E402,F401  (mail poll|list|release|discard|add-address|remove-address|addresses)


def main() -> None:
    app()
