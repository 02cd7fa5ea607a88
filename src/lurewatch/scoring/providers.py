"""Extra evidence sources beside the text indicators: photo checks, the learned text model,
watchlists, imported (shared) watch indicators.

A provider is built once per scan and asked for findings approach by approach. The pipeline
(`lurewatch.pipeline`) builds every registered provider (entry points in the group `lurewatch.providers`);
a provider that has nothing to do (no model, no watchlist loaded, no photo) returns None from `build` and
costs nothing. Its indicators are declared in lurewatch/indicators/policy/providers.yaml.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lurewatch.model import Approach, Finding


@dataclass(slots=True)
class ScanContext:
    db_url: str | None = None  # the store (watchlists, imported indicators live there)
    use_photos: bool = True
    use_text_model: bool = True
    persist: bool = False  # providers may write to the store (photo hashes) only when the user asked (--store)
    semantic: str = "auto"  # the semantic layer's encoder: auto | static | full | confirm | off
    combiner: bool = True  # score with the calibrated combiner (False: the noisy-OR of the rule weights)


class FindingProvider(Protocol):
    name: str

    def findings(self, approach: Approach) -> list[Finding]: ...


# Providers register as Python entry points in the group `lurewatch.providers` (pyproject.toml), so that a
# deployment can add its own from another package and scoring never imports the layers above it. Each entry
# point names a function build(ctx: ScanContext) -> FindingProvider | None. The built-in ones run first, in
# this order (their findings' order is part of the output); others follow by name.
GROUP = "lurewatch.providers"
BUILTIN = {
    "photo": "lurewatch.photo.provider:build",
    "text-model": "lurewatch.learned.provider:build",
    "watchlist": "lurewatch.watchlists.provider:build",
    "shared-intelligence": "lurewatch.sharing.provider:build",
}


def registered() -> list[tuple[str, Callable[[ScanContext], FindingProvider | None]]]:
    """(name, build) of every registered provider, built-ins first."""
    from importlib.metadata import entry_points

    found = {ep.name: ep for ep in entry_points(group=GROUP)}
    order = list(BUILTIN)
    names = sorted(found, key=lambda n: (order.index(n) if n in order else len(order), n))
    out = [(n, found[n].load) for n in names]
    # Running from a source tree without installed metadata: the built-ins still load.
    out += [(n, _loader(spec)) for n, spec in BUILTIN.items() if n not in found]
    out.sort(key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]))
    return [(n, load()) for n, load in out]


def _loader(spec: str) -> Callable[[], Callable[[ScanContext], FindingProvider | None]]:
    def load() -> Callable[[ScanContext], FindingProvider | None]:
        mod_name, func = spec.split(":")
        return getattr(importlib.import_module(mod_name), func)

    return load


def build_providers(ctx: ScanContext) -> list[FindingProvider]:
    out: list[FindingProvider] = []
    for _name, build in registered():
        p = build(ctx)
        if p is not None:
            out.append(p)
    return out
