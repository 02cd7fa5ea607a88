"""Score approaches in N worker processes; results come back in input order.

Each worker builds its Analyser (the compiled indicators, the providers) once. The approaches are read
from an iterable chunk by chunk and each chunk is pickled to a worker; only the findings, score, level and
advice come back. At most 2 chunks per worker are in flight and the caller may hand over a generator that
releases what it has given, so the scorer holds a bounded number of approaches whatever the input size.

Workers are not sent index ranges into an inherited list (as an earlier version did when it could fork):
a forked worker that reads inherited objects touches their reference counts, so the kernel copies every
page it reads, and each worker can end up with a private copy of the approaches it scored (not
measured apart: at 100k rows the tree's peak is ingest's, before any scoring).
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from lurewatch.model import Approach, Finding
from lurewatch.scoring.providers import ScanContext

Scored = tuple[list[Finding], int, str, list[str]]
CHUNK = 128

_ANALYSER: Any = None


def _init(ctx: ScanContext) -> None:
    global _ANALYSER
    from lurewatch.pipeline import Analyser

    _ANALYSER = Analyser(ctx)


def _score(items: list[Approach]) -> list[Scored]:
    from lurewatch.pipeline import fewer_collections

    out = []
    with fewer_collections():
        for a in items:
            _ANALYSER.analyse_one(a)
            out.append((a.findings, a.score, a.level, a.advice))
    return out


def drain(items: list[Approach]) -> Iterator[Approach]:
    """Yield the list's approaches in order, removing each from the list as it goes (so it can be freed)."""
    items.reverse()
    while items:
        yield items.pop()


class Scorer:
    """`for a in Scorer(approaches, ctx, jobs)`: each approach scored in place, in input order.

    `approaches` is any iterable (a list, or a generator such as `drain(list)`); `total` says how many
    there are when it is not a list (workers are only started for more than one chunk). Use as a context
    manager when jobs > 1 so that the worker pool is started (and forked) before any other thread, such
    as a progress bar, and always closed."""

    def __init__(self, approaches: Iterable[Approach], ctx: ScanContext, jobs: int = 1, chunk: int = CHUNK,
                 method: str | None = None, total: int | None = None) -> None:
        self.approaches, self.ctx, self.jobs, self.chunk = approaches, ctx, max(1, jobs), chunk
        self.total = total if total is not None else (
            len(approaches) if isinstance(approaches, list) else None)
        self.method = method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.pool: Any = None

    def __enter__(self) -> Scorer:
        if self.jobs > 1 and (self.total is None or self.total > self.chunk):
            self.pool = mp.get_context(self.method).Pool(self.jobs, initializer=_init, initargs=(self.ctx,))
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __iter__(self) -> Iterator[Approach]:
        if self.pool is None:
            from lurewatch.pipeline import Analyser, fewer_collections

            analyser = Analyser(self.ctx)
            with fewer_collections():
                for a in self.approaches:
                    yield analyser.analyse_one(a)
            return
        source = iter(self.approaches)
        pending: deque[tuple[list[Approach], Any]] = deque()

        def submit() -> bool:
            items = list(islice(source, self.chunk))
            if items:
                pending.append((items, self.pool.apply_async(_score, (items,))))
            return bool(items)

        for _ in range(2 * self.jobs):
            if not submit():
                break
        while pending:
            batch, res = pending.popleft()
            scored = res.get()
            submit()
            for a, (findings, score, level, advice) in zip(batch, scored, strict=True):
                a.findings, a.score, a.level, a.advice = findings, score, level, advice  # type: ignore[assignment]
                yield a
            batch.clear()
