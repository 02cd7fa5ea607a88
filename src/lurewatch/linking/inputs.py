"""Reading what `link` links: JSONL of contract dicts, the local store, or anything `scan` reads."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lurewatch.ingest.safety import UnsafeInput

MAX_LINE_BYTES = 4 * 1024 * 1024  # one approach in a JSONL file


def is_jsonl(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".jsonl", ".ndjson")


def iter_jsonl_lines(path: Path, problems: list[str] | None = None) -> Iterator[tuple[str, bytes]]:
    """Stream (location, line) from a JSONL file with a bound per line (files may be GBs)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeInput(f"{path} is not a regular file")
    with open(path, "rb") as fh:
        for n, line in enumerate(fh, 1):
            if len(line) > MAX_LINE_BYTES:
                _problem(problems, f"{path}:{n}: line over {MAX_LINE_BYTES} bytes skipped")
            elif line.strip():
                yield f"{path}:{n}", line


def parse_line(line: bytes) -> dict[str, Any] | str:
    """The approach object on one JSONL line, or why it is not one."""
    try:
        obj = json.loads(line)
    except ValueError:
        return "not JSON, skipped"
    if isinstance(obj, dict) and isinstance(obj.get("approach_id"), str):
        return obj
    return "not an approach object, skipped"


def iter_jsonl(path: Path, problems: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """Stream contract dicts from a JSONL file."""
    for where, line in iter_jsonl_lines(path, problems):
        obj = parse_line(line)
        if isinstance(obj, dict):
            yield obj
        else:
            _problem(problems, f"{where}: {obj}")


def _problem(problems: list[str] | None, text: str) -> None:
    if problems is not None and len(problems) < 1000:
        problems.append(text)


def contract_with_extras(approach: Any) -> dict[str, Any]:
    """An Approach's contract plus the linking extension keys taken from its profiles (see docs/linking.md)."""
    d = approach.to_contract()
    prof, owner = approach.profile, approach.owner
    if prof is not None:
        d.setdefault("sender_employer", prof.current_employer or None)
        d.setdefault("sender_email", prof.email)
        d.setdefault("sender_phone", prof.phone)
        others = [u for u in prof.urls if "linkedin.com" not in u]
        d.setdefault("sender_website", " ".join(others[:10]) or None)
        if prof.photo:
            from lurewatch.linking.photos import hash_photo

            h = hash_photo(prof.photo)
            if h is not None:
                d.setdefault("sender_photo_sha256", h.sha256)
                d.setdefault("sender_photo_pdq", h.pdq)
                d.setdefault("sender_photo_quality", h.quality)
    if owner is not None:
        d.setdefault("owner_org", owner.current_employer or None)
        d.setdefault("owner_sector", owner.industry or None)
    return d


def load_other(paths: list[Path], profiles_dir: Path | None, problems: list[str]) -> list[dict[str, Any]]:
    """Exports, mbox, adverts...: ingest and analyse them like `scan` does, then take their contracts."""
    from lurewatch.ingest import load_inputs  # lazy: linking works on contract dicts alone
    from lurewatch.pipeline import analyse

    result = load_inputs(paths, profiles_dir)
    problems.extend(str(p) for p in result.problems[:1000])
    approaches = analyse(result.approaches)
    return [contract_with_extras(a) for a in (approaches if approaches is not None else result.approaches)]


def load_store(db: str | None) -> Iterable[dict[str, Any]]:
    from lurewatch.store.db import Store

    return Store(db).iter_approaches()
