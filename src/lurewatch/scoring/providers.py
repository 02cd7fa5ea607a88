"""Extra evidence sources beside the text indicators: photo checks, the learned text model,
watchlists, imported (shared) watch indicators.

A provider is built once per scan and asked for findings approach by approach. The pipeline
(`lurewatch.pipeline`) builds every provider listed in PROVIDERS; a provider that has nothing to do
(no model, no watchlist loaded, no photo) returns None from `build` and costs nothing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Protocol

from lurewatch.model import Approach, Finding


@dataclass(slots=True)
class ScanContext:
    db_url: str | None = None  # the store (watchlists, imported indicators live there)
    use_photos: bool = True
    use_text_model: bool = True
    persist: bool = False  # providers may write to the store (photo hashes) only when the user asked (--store)
    semantic: str = "auto"  # the semantic layer's encoder: auto | static | full | off
    combiner: bool = True  # score with the calibrated combiner (False: the noisy-OR of the rule weights)


class FindingProvider(Protocol):
    name: str

    def findings(self, approach: Approach) -> list[Finding]: ...


# "module:function" whose function(ctx: ScanContext) -> FindingProvider | None.
PROVIDERS: list[str] = [
    "lurewatch.photo.provider:build",
    "lurewatch.learned.provider:build",
    "lurewatch.watchlists.provider:build",
    "lurewatch.sharing.provider:build",
]


def build_providers(ctx: ScanContext) -> list[FindingProvider]:
    out: list[FindingProvider] = []
    for spec in PROVIDERS:
        mod_name, func = spec.split(":")
        try:
            mod = importlib.import_module(mod_name)
        except ModuleNotFoundError as e:
            if e.name and mod_name.startswith(e.name):
                continue  # that part of lurewatch is not installed / not written yet
            raise
        p = getattr(mod, func)(ctx)
        if p is not None:
            out.append(p)
    return out
