"""Evidence providers register as entry points (group lurewatch.providers), built-ins first, in order."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from lurewatch.model import Approach, Finding, Message
from lurewatch.scoring import providers
from lurewatch.scoring.providers import ScanContext, build_providers, registered


def test_the_built_in_providers_are_registered_in_order() -> None:
    assert [n for n, _ in registered()][:4] == ["photo", "text-model", "watchlist", "shared-intelligence"]


class _Ours:
    name = "ours"

    def findings(self, approach: Approach) -> list[Finding]:
        return [Finding("ORG-TEST-001", "Our own sign", "request", 50.0, "evidence", "why", "message 1")]


def build_ours(ctx: ScanContext) -> _Ours:
    return _Ours()


def test_a_deployment_can_add_its_own_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.metadata as md

    real = md.entry_points
    ours = EntryPoint(name="org-provider", value=f"{__name__}:build_ours", group=providers.GROUP)

    def fake(**kw):  # noqa: ANN003, ANN202
        eps = list(real(**kw))
        return [*eps, ours] if kw.get("group") == providers.GROUP else eps

    monkeypatch.setattr(md, "entry_points", fake)
    names = [n for n, _ in registered()]
    assert names[-1] == "org-provider" and names[:4] == ["photo", "text-model", "watchlist", "shared-intelligence"]
    built = build_providers(ScanContext(use_photos=False, use_text_model=False))
    assert any(p.name == "ours" for p in built)
    from lurewatch.pipeline import Analyser

    a = Approach(source="linkedin-message", sender_name="x", messages=[Message("x", "hello there", None, True)])
    out = Analyser(ScanContext(use_photos=False, use_text_model=False, semantic="off")).analyse_one(a)
    assert any(f.indicator == "ORG-TEST-001" for f in out.findings)
