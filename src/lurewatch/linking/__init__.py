"""Linking approaches into campaigns: shared evidence (sender, template, photo, pivots, employer, bursts),
a merge rule, connected components. Two engines (local, spark) give the same campaigns."""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lurewatch.linking.campaigns import build_campaigns
from lurewatch.linking.features import Record, extract


def extract_all(dicts: Iterable[dict[str, Any]], problems: list[str] | None = None) -> list[Record]:
    """Linking records for contract dicts; the same approach_id twice keeps the first."""
    seen: set[str] = set()
    out = []
    for d in dicts:
        try:
            r = extract(d)
        except (ValueError, TypeError) as e:
            if problems is not None:
                problems.append(f"approach skipped: {e}")
            continue
        if r.approach_id not in seen:
            seen.add(r.approach_id)
            out.append(r)
    return out


BATCH = 2000
_intern = sys.intern


def _compact(r: Record, shared: dict[str, tuple[bytes, bytes]]) -> Record:
    """Share repeated strings and template bytes between records (1M records must fit in a few GB)."""
    r.node = _intern(r.node)
    r.sender_label = _intern(r.sender_label)
    r.sender = _intern(r.sender) if r.sender else None
    for f in ("owner", "org", "sector", "pdq"):
        v = getattr(r, f)
        if v is not None:
            setattr(r, f, _intern(v))
    r.level, r.employer, r.claim = _intern(r.level), _intern(r.employer), _intern(r.claim)
    r.keys = [_intern(k) for k in r.keys]
    if r.tid is not None:
        r.shingles, r.bands = shared.setdefault(r.tid, (r.shingles, r.bands))
    return r


def _extract_batch(batch: list[tuple[str, bytes]]) -> tuple[list[Record], list[str]]:
    from lurewatch.linking.inputs import parse_line

    out, problems = [], []
    for where, line in batch:
        obj = parse_line(line)
        if isinstance(obj, str):
            problems.append(f"{where}: {obj}")
            continue
        try:
            out.append(extract(obj))
        except (ValueError, TypeError) as e:
            problems.append(f"{where}: approach skipped: {e}")
    return out, problems


def extract_jsonl(paths: Iterable[Path], workers: int = 0, problems: list[str] | None = None) -> list[Record]:
    """Linking records of JSONL files, parsed and extracted by `workers` processes (0: one per core)."""
    from lurewatch.linking.inputs import iter_jsonl_lines

    def batches() -> Iterator[list[tuple[str, bytes]]]:
        for path in paths:
            batch: list[tuple[str, bytes]] = []
            for item in iter_jsonl_lines(Path(path), problems):
                batch.append(item)
                if len(batch) >= BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    workers = workers or os.cpu_count() or 1
    seen: set[str] = set()
    shared: dict[str, tuple[bytes, bytes]] = {}
    out: list[Record] = []

    def take(result: tuple[list[Record], list[str]]) -> None:
        recs, probs = result
        if problems is not None:
            problems.extend(probs[: max(0, 1000 - len(problems))])
        for r in recs:
            if r.approach_id not in seen:
                seen.add(r.approach_id)
                out.append(_compact(r, shared))

    if workers <= 1:
        for b in batches():
            take(_extract_batch(b))
        return out
    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(workers) as pool:
        for result in pool.imap(_extract_batch, batches(), chunksize=1):
            take(result)
    return out


def link_records(records: list[Record]) -> list[dict[str, Any]]:
    """Campaign contract objects for linking records, with the local engine."""
    from lurewatch.linking.local import link_local

    label, edges = link_local(records)
    return build_campaigns(records, label, edges)


def link(dicts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Campaigns of contract dicts with the local engine (the Spark engine: lurewatch.linking.spark)."""
    return link_records(extract_all(dicts))
