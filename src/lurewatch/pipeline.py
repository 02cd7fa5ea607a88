"""The main job, stage by stage: ingest -> indicators (+ providers) -> scoring.

`analyse` scores approaches in place; `check` scores one pasted message with an optional profile.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from lurewatch.indicators.engine import Engine, default_engine
from lurewatch.learned.combiner import Combiner, apply_combined
from lurewatch.model import Approach, Finding, Message, Profile
from lurewatch.scoring import apply_score
from lurewatch.scoring.providers import FindingProvider, ScanContext, build_providers
from lurewatch.semantic.layer import SemanticLayer, build_layer, layer_problem

# `--semantic confirm`: the static table reads every approach, and the full model reads again (and decides)
# every approach the table scores at least this. The table misreads sentences the full model reads right
# ("No fee is paid." as payment), and what the table scores this low stays low, which also drops some of the
# full model's own false positives. The highest line that kept the full model's recall leave one set out over
# sets 1-28 (docs/detection-quality.md).
CONFIRM_AT = 10


def semantic_layers(mode: str, build: Callable[[str], SemanticLayer | None]
                    ) -> tuple[SemanticLayer | None, SemanticLayer | None, str | None]:
    """For a `--semantic` mode: the layer that reads every approach; for `confirm`, the full model that reads
    again and decides at CONFIRM_AT and over; and why an encoder that was asked for is off (None if nothing
    failed: rule files with no semantic entries have no layer). `build(kind)` gives the layer of an encoder.
    `confirm` without one of its two encoders lets the other decide alone; without both, the rules score."""
    if mode == "off":
        return None, None, None
    if mode != "confirm":
        layer = build(mode)
        return layer, None, (layer_problem() if layer is None else None)
    table = build("static")
    table_problem = None if table is not None else layer_problem()
    full = build("full")
    full_problem = None if full is not None else layer_problem()
    if table is not None and full is not None:
        return table, full, None
    if table is not None:
        return table, None, f"the full model is off, the static table alone decides: {full_problem}"
    if full is not None:
        return full, None, f"the static table is off, the full model alone decides: {table_problem}"
    problems = [p for p in (table_problem, full_problem) if p]
    return None, None, "; and ".join(problems) or None


class Analyser:
    """Holds the compiled indicators and the evidence providers for one scan."""

    def __init__(self, ctx: ScanContext | None = None, engine: Engine | None = None,
                 combiner: Combiner | bool = True) -> None:
        self.ctx = ctx or ScanContext()
        self.engine = engine or default_engine()
        self.providers: list[FindingProvider] = build_providers(self.ctx)
        self.advice = {i.id: i.advice for i in self.engine.indicators}
        calibration = _adopted_calibration(self.ctx)
        self.weights = _weights_of(calibration)
        self.combiner: Combiner | None = None
        self.layer: SemanticLayer | None = None
        self.confirm_layer: SemanticLayer | None = None  # `confirm`: the full model, for CONFIRM_AT and over
        self.confirm_combiner: Combiner | None = None
        self.layer, full, self._problem = semantic_layers(
            self.ctx.semantic, lambda kind: build_layer(self.engine.documents, kind))
        if self.layer is not None:
            self.advice.update({f.id: f.advice for f in self.layer.families})
        # The combiner was fitted with the semantic layer's inputs: without the layer (turned off, or its
        # model missing) the rules' own noisy-OR scores, as before the layer existed.
        # A combiner retrained from analysts' cases (`lurewatch train --from-cases`) replaces the shipped
        # one when it was fitted with the same encoder and passed its held-out check.
        if combiner and self.ctx.combiner and self.layer is not None:
            self.combiner = combiner if isinstance(combiner, Combiner) else (
                _adopted_combiner(calibration, self.layer.encoder.name)
                or Combiner.load(encoder=self.layer.encoder.name))
            if full is not None:
                self.confirm_layer = full
                self.confirm_combiner = (_adopted_combiner(calibration, full.encoder.name)
                                         or Combiner.load(encoder=full.encoder.name))

    def rule_findings(self, a: Approach) -> list[Finding]:
        """The indicators' and the providers' findings, at the adopted weights."""
        findings = self.engine.evaluate(a)
        seen = {f.indicator for f in findings}
        for p in self.providers:
            for f in p.findings(a):
                if f.indicator not in seen:
                    findings.append(f)
                    seen.add(f.indicator)
                    if f.indicator not in self.advice and getattr(p, "advice", None):
                        self.advice[f.indicator] = p.advice  # type: ignore[attr-defined]
        if self.weights:
            for f in findings:
                if f.indicator in self.weights:
                    f.weight = float(self.weights[f.indicator])
        return findings

    def evidence(self, a: Approach) -> tuple[list[Finding], dict[str, float]]:
        """The combiner's evidence: rule and provider findings, and the semantic families' scores."""
        semantic = self.layer.family_scores(a)[0] if self.layer is not None and a.advert is None else {}
        return self.rule_findings(a), semantic

    def analyse_one(self, a: Approach) -> Approach:
        findings = self.rule_findings(a)
        if self.combiner is None or a.advert is not None:
            a.findings = findings
            return apply_score(a, self.advice)
        semantic, sem_findings = self.layer.family_scores(a) if self.layer else ({}, [])
        if self.confirm_layer is None or self.confirm_combiner is None:
            return apply_combined(a, findings, semantic, sem_findings, self.combiner, self.advice)
        again = [dataclasses.replace(f, carries=dict(f.carries)) for f in findings]  # scoring annotates them
        apply_combined(a, findings, semantic, sem_findings, self.combiner, self.advice)
        if a.score < CONFIRM_AT:
            return a
        semantic, sem_findings = self.confirm_layer.family_scores(a)
        return apply_combined(a, again, semantic, sem_findings, self.confirm_combiner, self.advice)

    @property
    def semantic_problem(self) -> str | None:
        """Why the semantic layer (or, for `confirm`, one of its two encoders) is off when it was asked for."""
        return self._problem

    def analyse(self, approaches: Iterable[Approach],
                progress: Callable[[int], None] | None = None) -> list[Approach]:
        out = []
        with fewer_collections():
            for i, a in enumerate(approaches, 1):
                out.append(self.analyse_one(a))
                if progress and i % 500 == 0:
                    progress(500)
        if progress:
            progress(len(out) % 500)
        return out


# Scoring allocates many short-lived objects (tokens, findings, feature dicts) and few cycles: with the
# default threshold (700) the cyclic collector runs thousands of times a scan, ~10% of the CPU. While any
# thread analyses, the youngest generation is collected every 50,000 allocations instead (memory stays
# bounded: the objects are freed by reference counting as before).
_GC_LOCK = threading.Lock()
_GC_USERS = 0
_GC_SAVED: tuple[int, ...] = ()
_GC_GEN0 = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Raise the collector's youngest-generation threshold while the block runs (nested, any thread)."""
    global _GC_USERS, _GC_SAVED
    with _GC_LOCK:
        if _GC_USERS == 0:
            _GC_SAVED = gc.get_threshold()
            gc.set_threshold(max(_GC_GEN0, _GC_SAVED[0]), *_GC_SAVED[1:])
        _GC_USERS += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_USERS -= 1
            if _GC_USERS == 0:
                gc.set_threshold(*_GC_SAVED)


def _adopted_calibration(ctx: ScanContext) -> dict[str, Any] | None:
    """The calibration adopted from analysts' closed cases (`lurewatch train --from-cases`), if any."""
    from lurewatch.learned.calibration import current_calibration

    url = ctx.db_url
    if url is None:
        from lurewatch.store import default_db_path

        if not default_db_path().is_file():
            return None  # nothing adopted yet; a scan must not create files by default
        url = f"sqlite:///{default_db_path()}"
    try:
        return current_calibration(url)
    except Exception:  # noqa: BLE001 - a broken calibration must never stop a scan; defaults apply
        return None


def _weights_of(doc: dict[str, Any] | None) -> dict[str, float] | None:
    weights = (doc or {}).get("weights") or {}
    return {str(k): float(v) for k, v in weights.items() if isinstance(v, int | float)} or None


def _adopted_combiner(doc: dict[str, Any] | None, encoder: str) -> Combiner | None:
    section = (doc or {}).get("combiner") or {}
    if section.get("encoder") != encoder or not (section.get("decision") or {}).get("passed"):
        return None
    try:
        return Combiner(section["model"])
    except (KeyError, TypeError, ValueError):  # a damaged document: the shipped model applies
        return None


def analyse(approaches: Iterable[Approach], ctx: ScanContext | None = None) -> list[Approach]:
    return Analyser(ctx).analyse(approaches)


def check(message: str, profile: Profile | None = None, owner: Profile | None = None,
          ctx: ScanContext | None = None, sender_name: str | None = None) -> Approach:
    """Score one pasted message (paragraphs separated by blank lines are kept in one message)."""
    name = sender_name or (profile.name if profile and profile.name else "unknown sender")
    a = Approach(
        source="linkedin-message",
        sender_name=name,
        messages=[Message(sender_name=name, text=message, sent_at=datetime.now(UTC), inbound=True)],
        sender_profile_url=profile.url if profile else None,
        profile=profile,
        owner=owner,
        owner_profile_url=owner.url if owner else None,
    )
    return Analyser(ctx).analyse_one(a)
