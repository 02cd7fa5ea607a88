"""The local engine: in-process, dict/numpy group-bys and scipy connected components."""

from __future__ import annotations

from array import array
from collections import defaultdict
from itertools import combinations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from lurewatch.linking import evidence as ev
from lurewatch.linking.campaigns import Edge, merge_edges
from lurewatch.linking.employer import cluster_employers
from lurewatch.linking.features import Record, unpack
from lurewatch.linking.photos import PDQ_MAX_DISTANCE, chunk_keys, hamming


def strong_key_edges(records: list[Record]) -> list[Edge]:
    """Shared pivots, photo hashes and script sentences: a star from the smallest sender that can centre it
    (evidence.linkable) to every other one; each sender's witness is its smallest such approach, else its
    smallest approach."""
    groups: dict[str, dict[str, tuple[bool, str]]] = defaultdict(dict)  # key -> node -> (not linkable, aid)
    for r in records:
        for k in r.keys:
            g = groups[k]
            cand = (not ev.linkable(k[: k.index("\t")], r.flagged), r.approach_id)
            cur = g.get(r.node)
            if cur is None or cand < cur:
                g[r.node] = cand
    out = []
    for key, g in groups.items():
        if len(g) < 2:
            continue
        kind, value = key.split("\t", 1)
        centres = [n for n, (no, _) in g.items() if not no]
        if not centres or len(g) > ev.max_nodes(kind):
            continue
        center = min(centres)
        text = ev.pivot_evidence(kind, value)
        for node, (_, aid) in g.items():
            if node != center:
                out.append(Edge(center, node, kind, ev.STRENGTH[kind], text, g[center][1], aid))
    return out


def pdq_near_edges(records: list[Record]) -> list[Edge]:
    """Different PDQ hashes within Hamming 31: blocked on 16-bit chunks, verified exactly."""
    owner: dict[str, tuple[str, str]] = {}  # pdq -> (smallest node, its smallest approach)
    for r in records:
        if r.pdq and (r.pdq not in owner or (r.node, r.approach_id) < owner[r.pdq]):
            owner[r.pdq] = (r.node, r.approach_id)
    blocks: dict[str, list[str]] = defaultdict(list)
    for h in sorted(owner):
        for k in chunk_keys(h):
            blocks[k].append(h)
    pairs: set[tuple[str, str]] = set()
    for hs in blocks.values():
        if 1 < len(hs) <= ev.MAX_KEY_NODES:
            pairs.update(combinations(hs, 2))
    out = []
    for h1, h2 in pairs:
        d = hamming(h1, h2)
        if d <= PDQ_MAX_DISTANCE:
            (n1, a1), (n2, a2) = owner[h1], owner[h2]
            out.append(Edge(n1, n2, "photo_pdq", ev.STRENGTH["photo_pdq"], ev.pdq_evidence(d, h1, h2), a1, a2))
    return out


def template_candidates(records: list[Record]) -> list[Edge]:
    """Near-duplicate templates between different senders: MinHash LSH bands, then exact Jaccard."""
    uses: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # tid -> [approaches, flagged approaches]
    for r in records:
        if r.tid is not None:
            u = uses[r.tid]
            u[0] += 1
            u[1] += r.flagged
    flagged = {t for t, (n, f) in uses.items() if f >= ev.TEMPLATE_FLAGGED_SHARE * n}
    nt: dict[tuple[str, str], list] = {}  # (node, tid) -> [min approach, flagged text, shingles]
    for r in records:
        if r.tid is None:
            continue
        cur = nt.get((r.node, r.tid))
        if cur is None:
            nt[(r.node, r.tid)] = [r.approach_id, r.tid in flagged, r.shingles, r.bands]
        elif r.approach_id < cur[0]:
            cur[0] = r.approach_id
    per_node: dict[str, list[str]] = defaultdict(list)
    for node, tid in nt:
        per_node[node].append(tid)
    kept = [(node, tid) for node, tids in per_node.items() for tid in sorted(tids)[: ev.MAX_TIDS_PER_NODE]]
    if not kept:
        return []
    node_ids = {n: i for i, n in enumerate(sorted(per_node))}
    tid_ids: dict[str, int] = {}
    tid_bands: list[bytes] = []
    for node, tid in kept:
        if tid not in tid_ids:
            tid_ids[tid] = len(tid_bands)
            tid_bands.append(nt[(node, tid)][3])
    n_bands = len(tid_bands[0]) // 8
    bands = np.frombuffer(b"".join(tid_bands), dtype="<i8").reshape(-1, n_bands)  # tid x band
    del tid_bands
    kt = np.array([tid_ids[tid] for _, tid in kept], dtype=np.int64)
    kn = np.array([node_ids[node] for node, _ in kept], dtype=np.int64)
    rows = np.repeat(np.arange(len(kept), dtype=np.int32), n_bands)
    keys = bands[kt].ravel()
    bidx = np.tile(np.arange(n_bands, dtype=np.int8), len(kept))
    order = np.lexsort((kn[rows], keys, bidx))
    rows, keys, bidx = rows[order], keys[order], bidx[order]
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]) | (bidx[1:] != bidx[:-1])])
    ends = np.r_[starts[1:], len(keys)]
    multi = kn[rows[starts]] != kn[rows[ends - 1]]  # sorted by node inside a bucket: >1 distinct sender
    kt_l, kn_l = kt.tolist(), kn.tolist()
    kflag = [bool(nt[k][1]) for k in kept]
    common: set[int] = set()
    buckets = []
    for s, e in zip(starts[multi].tolist(), ends[multi].tolist(), strict=True):
        members = rows[s:e].tolist()
        if len({kn_l[m] for m in members}) > ev.MAX_TEMPLATE_NODES:
            common.update(kt_l[m] for m in members)
        else:
            buckets.append(members)
    nk = len(kept)
    codes = array("q")  # candidate pairs as i * nk + j (with repeats): 8 bytes each, deduplicated below
    for members in buckets:
        # one representative per sender in the bucket: its smallest flagged text, else its smallest text
        rep: dict[int, tuple[bool, str, int]] = {}
        for m in members:
            if kt_l[m] in common:
                continue
            k = (not kflag[m], kept[m][1], m)
            cur = rep.get(kn_l[m])
            if cur is None or k < cur:
                rep[kn_l[m]] = k
        if len(rep) < 2:
            continue
        reps = sorted((n, k[2]) for n, k in rep.items())
        for x, (_, i) in enumerate(reps):
            codes.extend(i * nk + j for _, j in reps[x + 1 :])
    pairs = np.unique(np.frombuffer(codes, dtype=np.int64)) if codes else np.zeros(0, dtype=np.int64)
    del codes, buckets
    sets: dict[str, frozenset[int]] = {}  # a bounded cache of shingle sets
    best: dict[tuple[str, str], Edge] = {}  # only the best template edge per pair of senders is kept
    for ij in (x for chunk in range(0, len(pairs), 65536) for x in pairs[chunk : chunk + 65536].tolist()):
        (na, ta), (nb, tb) = kept[ij // nk], kept[ij % nk]
        a, b = nt[(na, ta)], nt[(nb, tb)]
        if len(sets) > 4096:
            sets.clear()
        sa = sets.get(ta) or sets.setdefault(ta, frozenset(unpack(a[2])))
        sb = sets.get(tb) or sets.setdefault(tb, frozenset(unpack(b[2])))
        jac = ev.jaccard_sets(sa, sb)
        if jac >= ev.TEMPLATE_JACCARD_MIN:
            both = bool(a[1] and b[1])
            s = ev.template_strength(jac, len(sa), len(sb), both)
            e = Edge(na, nb, "template", s, ev.template_evidence(jac, len(sa), len(sb), both), a[0], b[0])
            cur = best.get((na, nb))
            if cur is None or (-e.strength, e.a, e.b, e.evidence) < (-cur.strength, cur.a, cur.b, cur.evidence):
                best[(na, nb)] = e
    return list(best.values())


def employer_candidates(records: list[Record]) -> list[Edge]:
    """Organisations: profile employers and organisations claimed in the text, clustered together (fuzzy,
    legal suffixes stripped). Two senders with the same profile employer give an "employer" edge; a pair
    where at least one names it in the text gives a "claimed-org" edge weighted by how many senders name it.
    A cluster named by more than MAX_EMPLOYER_NODES senders is common and links nobody."""
    first: dict[tuple[str, str, str], str] = {}  # (node, source, name) -> smallest approach
    for r in records:
        for src, name in (("profile", r.employer), ("text", r.claim)):
            if name:
                k = (r.node, src, name)
                if k not in first or r.approach_id < first[k]:
                    first[k] = r.approach_id
    cluster = cluster_employers(name for _, _, name in first)
    # cluster -> node -> source -> (smallest name, its approach)
    groups: dict[str, dict[str, dict[str, tuple[str, str]]]] = defaultdict(lambda: defaultdict(dict))
    for (node, src, name), aid in first.items():
        g = groups[cluster[name]][node]
        if src not in g or (name, aid) < g[src]:
            g[src] = (name, aid)
    out = []
    for g in groups.values():
        n = len(g)
        if not 2 <= n <= ev.MAX_EMPLOYER_NODES:
            continue
        claim_s = ev.claim_strength(n)
        for n1, n2 in combinations(sorted(g), 2):
            g1, g2 = g[n1], g[n2]
            if "profile" in g1 and "profile" in g2:
                (e1, a1), (e2, a2) = g1["profile"], g2["profile"]
                out.append(Edge(n1, n2, "employer", ev.STRENGTH["employer"], ev.employer_evidence(e1, e2), a1, a2))
            if "text" in g1 or "text" in g2:
                s1, s2 = ("text" if "text" in g1 else "profile"), ("text" if "text" in g2 else "profile")
                (e1, a1), (e2, a2) = g1[s1], g2[s2]
                out.append(Edge(n1, n2, "claimed-org", claim_s,
                                ev.claim_evidence(f"{s1}:{e1}", f"{s2}:{e2}", n), a1, a2))
    return out


def burst_candidates(records: list[Record], pairs: set[tuple[str, str]]) -> list[Edge]:
    """Co-targeting bursts, only between senders that already have other (weak) evidence."""
    wanted = {n for p in pairs for n in p}
    visits: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
    for r in records:
        if r.node in wanted and r.org and r.t is not None:
            visits[r.node].append((r.org, r.t, r.approach_id))
    out = []
    for n1, n2 in pairs:
        hit = ev.burst(visits.get(n1, []), visits.get(n2, []))
        if hit:
            secs, a, b, org = hit
            out.append(Edge(n1, n2, "burst", ev.STRENGTH["burst"], ev.burst_evidence(secs, org), a, b))
    return out


def components(nodes: list[str], edges: list[Edge]) -> dict[str, str]:
    """node -> component label (its smallest node), by scipy's connected_components."""
    index = {n: i for i, n in enumerate(nodes)}
    if not edges:
        return {n: n for n in nodes}
    a = np.array([index[e.node_a] for e in edges])
    b = np.array([index[e.node_b] for e in edges])
    g = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(nodes), len(nodes)))
    _, lab = connected_components(g, directed=False)
    smallest: dict[int, str] = {}
    for n, c in zip(nodes, lab.tolist(), strict=True):
        if c not in smallest:
            smallest[c] = n
    return {n: smallest[c] for n, c in zip(nodes, lab.tolist(), strict=True)}


def link_local(records: list[Record]) -> tuple[dict[str, str], list[Edge]]:
    """Return (node -> component label, merge edges) for the records."""
    weak = template_candidates(records) + employer_candidates(records)
    pairs = {(e.node_a, e.node_b) if e.node_a < e.node_b else (e.node_b, e.node_a) for e in weak}
    weak += burst_candidates(records, pairs)
    merged = merge_edges(strong_key_edges(records) + pdq_near_edges(records) + weak)
    nodes = sorted({r.node for r in records})
    return components(nodes, merged), merged
