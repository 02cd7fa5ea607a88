"""Layers point one way (issue 14, docs/architecture.md): nothing below the server imports it, and the
top-level packages import each other without cycles. Every import counts, also those inside functions."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lurewatch"
ABOVE_SERVER = {"server", "cli"}


def _package_of(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def package_graph() -> tuple[dict[str, set[str]], dict[tuple[str, str], list[str]]]:
    g: dict[str, set[str]] = {}
    where: dict[tuple[str, str], list[str]] = {}
    for path in SRC.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        src_pkg = _package_of(path)
        g.setdefault(src_pkg, set())
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] != "lurewatch" or len(parts) < 2:
                    continue
                dst = parts[1]
                if dst != src_pkg:
                    g[src_pkg].add(dst)
                    where.setdefault((src_pkg, dst), []).append(f"{path.relative_to(SRC)}:{node.lineno}")
    return g, where


def test_nothing_below_the_server_imports_it() -> None:
    _g, where = package_graph()
    up = {k: v for k, v in where.items() if k[1] == "server" and k[0] not in ABOVE_SERVER}
    assert up == {}


def test_no_package_level_import_cycles() -> None:
    g, where = package_graph()
    try:
        tuple(graphlib.TopologicalSorter(g).static_order())
    except graphlib.CycleError as e:
        cycle = e.args[1][::-1]  # graphlib gives it against the arrows
        edges = list(zip(cycle, cycle[1:], strict=False))
        detail = "; ".join(f"{a}->{b} ({', '.join(where.get((a, b), ['?'])[:3])})" for a, b in edges)
        pytest.fail(f"import cycle: {detail}")
