"""Score approaches in N worker processes; results come back in input order.

Each worker builds its Analyser (the compiled indicators, the providers) once. Where processes can be
forked, workers read the approaches they inherited and are sent only index ranges; elsewhere (spawn) the
approaches are pickled to them chunk by chunk. Only the findings, score, level and advice come back, and
at most 2 chunks per worker are in flight, so memory stays bounded whatever the input size.
"""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Iterator
from itertools import islice
from typing import Any

from lurewatch.model import Approach, Finding
from lurewatch.scoring.providers import ScanContext

Scored = tuple[list[Finding], int, str, list[str]]
CHUNK = 128

_APPROACHES: list[Approach | None] | None = None  # inherited by forked workers
_ANALYSER: Any = None


def _init(ctx: ScanContext) -> None:
    global _ANALYSER
    from lurewatch.pipeline import Analyser

    _ANALYSER = Analyser(ctx)


def _score(start: int, end: int, items: list[Approach] | None) -> list[Scored]:
    if items is None:
        assert _APPROACHES is not None
        items = _APPROACHES[start:end]  # type: ignore[assignment]
    out = []
    for a in items:
        _ANALYSER.analyse_one(a)
        out.append((a.findings, a.score, a.level, a.advice))
    return out


class Scorer:
    """`for a in Scorer(approaches, ctx, jobs)`: each approach scored in place, in input order.

    Use as a context manager when jobs > 1 so that the worker pool is started (and forked) before any
    other thread, such as a progress bar, and always closed."""

    def __init__(self, approaches: list[Approach], ctx: ScanContext, jobs: int = 1, chunk: int = CHUNK,
                 method: str | None = None) -> None:
        self.approaches, self.ctx, self.jobs, self.chunk = approaches, ctx, max(1, jobs), chunk
        self.method = method or ("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.pool: Any = None
        self.forked = False

    def __enter__(self) -> Scorer:
        global _APPROACHES
        if self.jobs > 1 and len(self.approaches) > self.chunk:
            self.forked = self.method == "fork"
            if self.forked:
                _APPROACHES = self.approaches  # type: ignore[assignment]
            self.pool = mp.get_context(self.method).Pool(self.jobs, initializer=_init, initargs=(self.ctx,))
        return self

    def __exit__(self, *exc: object) -> None:
        global _APPROACHES
        _APPROACHES = None
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None

    def __iter__(self) -> Iterator[Approach]:
        if self.pool is None:
            from lurewatch.pipeline import Analyser

            analyser = Analyser(self.ctx)
            for a in self.approaches:
                yield analyser.analyse_one(a)
            return
        n, size = len(self.approaches), self.chunk
        starts = iter(range(0, n, size))
        pending: deque[tuple[int, Any]] = deque()

        def submit(s: int) -> None:
            e = min(s + size, n)
            items = None if self.forked else self.approaches[s:e]
            pending.append((s, self.pool.apply_async(_score, (s, e, items))))

        for s in islice(starts, 2 * self.jobs):
            submit(s)
        while pending:
            s, res = pending.popleft()
            scored = res.get()
            nxt = next(starts, None)
            if nxt is not None:
                submit(nxt)
            batch = self.approaches[s:s + len(scored)]
            for a, (findings, score, level, advice) in zip(batch, scored, strict=True):
                a.findings, a.score, a.level, a.advice = findings, score, level, advice  # type: ignore[assignment]
                yield a
