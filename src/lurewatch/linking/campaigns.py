"""Turn components of the evidence graph into campaign contract objects (shared by both engines)."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from lurewatch.linking import evidence as ev
from lurewatch.linking.evidence import MERGE_MIN, STRENGTH
from lurewatch.linking.features import Record

MAX_EXAMPLES = 3
_LEVELS = ("low", "medium", "high")


class Edge(NamedTuple):
    """One piece of evidence between two senders (nodes), witnessed by one approach of each."""

    node_a: str
    node_b: str
    kind: str
    strength: int  # hundredths
    evidence: str
    a: str  # approach ids
    b: str


def merge_edges(candidates: Iterable[Edge]) -> list[Edge]:
    """Keep the strongest edge of each kind per node pair; return those of pairs whose sum (the strongest of
    each evidence family, evidence.FAMILY) >= MERGE_MIN."""
    best: dict[tuple[str, str], dict[str, Edge]] = defaultdict(dict)
    for e in candidates:
        if e.node_a == e.node_b:
            continue
        if e.node_a > e.node_b:
            e = Edge(e.node_b, e.node_a, e.kind, e.strength, e.evidence, e.b, e.a)
        kinds = best[(e.node_a, e.node_b)]
        cur = kinds.get(e.kind)
        if cur is None or (-e.strength, e.a, e.b, e.evidence) < (-cur.strength, cur.a, cur.b, cur.evidence):
            kinds[e.kind] = e
    out: list[Edge] = []
    for kinds in best.values():
        fam: dict[str, int] = {}
        for e in kinds.values():
            f = ev.family(e.kind)
            fam[f] = max(fam.get(f, 0), e.strength)
        if sum(fam.values()) >= MERGE_MIN:
            out.extend(kinds.values())
    return out


def campaign_id(approach_ids: Iterable[str]) -> str:
    return "cmp-" + hashlib.sha256("\n".join(sorted(approach_ids)).encode()).hexdigest()[:16]


def _iso(t: int | None) -> str | None:
    return datetime.fromtimestamp(t, UTC).isoformat() if t is not None else None


def campaign_score(members: list[Record], n_senders: int, breadth: int, edges: list[dict[str, Any]]) -> int:
    """0-100: the worst member's score, several personas, several organisations, hard pivots, flagged share."""
    top = max((r.score for r in members), default=0)
    flagged = sum(r.flagged for r in members) / max(len(members), 1)
    hard = any(e["kind"] in ev.STRONG_KINDS for e in edges)  # pivots, infrastructure, photos, links
    score = 0.4 * top + 15 * min(n_senders - 1, 2) + 5 * min(max(breadth - 1, 0), 4)
    score += 10 * hard + (10 if flagged >= 0.5 else 0)
    return int(min(100, round(score)))


def build_campaigns(records: Iterable[Record], label: dict[str, str], edges: Iterable[Edge]) -> list[dict[str, Any]]:
    """records: every approach; label: node -> component label; edges: the merge edges between nodes."""
    by_comp: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        by_comp[label.get(r.node, r.node)].append(r)
    edges_by_comp: dict[str, list[Edge]] = defaultdict(list)
    for e in edges:
        edges_by_comp[label.get(e.node_a, e.node_a)].append(e)
    fam_best: dict[tuple[str, str, str], int] = {}  # the strongest edge of each evidence family per pair
    for lst in edges_by_comp.values():
        for e in lst:
            k = (e.node_a, e.node_b, ev.family(e.kind))
            fam_best[k] = max(fam_best.get(k, 0), e.strength)
    pair_total: dict[tuple[str, str], int] = defaultdict(int)
    for (na, nb, _), s in fam_best.items():
        pair_total[(na, nb)] += s
    out = []
    for comp, members in by_comp.items():
        if len(members) < 2:
            continue
        members.sort(key=lambda r: (r.t is None, r.t or 0, r.approach_id))
        out.append(_campaign(members, edges_by_comp.get(comp, []), pair_total))
    out.sort(key=lambda c: (-c["score"], c["first_seen"] or "", c["campaign_id"]))
    return out


def _campaign(members: list[Record], edges: list[Edge], pair_total: dict[tuple[str, str], int]) -> dict[str, Any]:
    edge_objs: list[dict[str, Any]] = []
    by_node: dict[str, list[Record]] = defaultdict(list)
    for r in members:
        by_node[r.node].append(r)
    for rs in by_node.values():
        if len(rs) > 1:  # one chain per sender: consecutive approaches in time
            for x, y in zip(rs, rs[1:], strict=False):
                edge_objs.append(_edge(x.approach_id, y.approach_id, "same_sender", STRENGTH["same_sender"],
                                       f"same sender {rs[0].sender_label}", STRENGTH["same_sender"]))
    for e in edges:
        kind = "template" if e.kind.startswith("template") else e.kind
        edge_objs.append(_edge(e.a, e.b, kind, e.strength, e.evidence, pair_total[(e.node_a, e.node_b)]))
    edge_objs.sort(key=lambda e: (e["a"], e["b"], e["kind"]))
    senders = sorted({r.sender_label for r in members})
    targets = sorted({r.owner for r in members if r.owner})
    orgs = sorted({r.org for r in members if r.org})
    times = [r.t for r in members if r.t is not None]
    levels = {lv: sum(r.level == lv for r in members) for lv in _LEVELS}
    examples, seen = [], set()
    for r in members:
        if r.excerpt and r.excerpt not in seen and len(examples) < MAX_EXAMPLES:
            seen.add(r.excerpt)
            examples.append({"approach_id": r.approach_id, "excerpt": r.excerpt})
    return {
        "campaign_id": campaign_id(r.approach_id for r in members),
        "score": campaign_score(members, len(senders), len(orgs) or len(targets), edge_objs),
        "first_seen": _iso(min(times)) if times else None,
        "last_seen": _iso(max(times)) if times else None,
        "size": len(members),
        "approaches": [
            {
                "approach_id": r.approach_id,
                "conversation_id": r.conversation_id,
                "sender_profile_url": r.sender,
                "owner_profile_url": r.owner,
                "first_contact": _iso(r.t),
                "level": r.level,
            }
            for r in members
        ],
        "senders": senders,
        "targets": targets,
        "target_orgs": orgs,
        "target_sectors": sorted({r.sector for r in members if r.sector}),
        "levels": levels,
        "edges": edge_objs,
        "examples": examples,
    }


def _edge(a: str, b: str, kind: str, strength: int, evidence: str, pair: int) -> dict[str, Any]:
    return {"a": a, "b": b, "kind": kind, "strength": strength / 100, "evidence": evidence,
            "pair_strength": min(pair, 100) / 100}
