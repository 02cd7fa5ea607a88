"""The server's analyser cache: one build for many concurrent first reports, and rebuilds off the request path."""

from __future__ import annotations

import threading
import time
import types

import pytest

from lurewatch.server import analysis


class _Counting:
    builds = 0
    lock = threading.Lock()

    def __init__(self, ctx: object) -> None:
        time.sleep(0.05)  # a slow compile, so that concurrent requests would overlap it
        with _Counting.lock:
            _Counting.builds += 1
        self.n = _Counting.builds


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[_Counting]:
    _Counting.builds = 0
    monkeypatch.setattr(analysis, "_pipeline", lambda: types.SimpleNamespace(Analyser=_Counting))
    monkeypatch.setattr(analysis, "_analysers", {})
    return _Counting


def test_concurrent_first_requests_build_once(counting: type[_Counting]) -> None:
    ctx = analysis.context("sqlite:////nonexistent/one.db")
    got: list[object] = []
    start = threading.Barrier(30)

    def request() -> None:
        start.wait()
        got.append(analysis._analyser(ctx))

    threads = [threading.Thread(target=request) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counting.builds == 1
    assert len({id(a) for a in got}) == 1


def test_stale_analyser_serves_while_rebuilt_in_background(counting: type[_Counting],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    ctx = analysis.context("sqlite:////nonexistent/two.db")
    first = analysis._analyser(ctx)
    key = ctx.db_url
    analysis._analysers[key] = (time.monotonic() - analysis.ANALYSER_TTL - 1, first)
    t = time.perf_counter()
    assert analysis._analyser(ctx) is first  # answered at once with the old one
    assert time.perf_counter() - t < 0.04
    for _ in range(100):
        if analysis._analysers[key][1] is not first:
            break
        time.sleep(0.02)
    assert analysis._analysers[key][1] is not first
    assert counting.builds == 2
    assert analysis._analyser(ctx) is analysis._analysers[key][1]


def test_warm_builds_ahead_of_the_first_report(counting: type[_Counting]) -> None:
    ctx = analysis.context("sqlite:////nonexistent/three.db")
    analysis.warm(ctx)
    assert counting.builds == 1
    analysis._analyser(ctx)
    assert counting.builds == 1
