"""Evidence kinds, their strengths and the merge rule (documented in docs/linking.md).

Strengths are integers in hundredths so that both engines add them up exactly the same way.
Two senders are merged when the sum of their evidence (the strongest edge of each kind) reaches MERGE_MIN.
"""

from __future__ import annotations

from bisect import bisect_left

MERGE_MIN = 60
STRENGTH = {
    "same_sender": 100,
    "photo_sha256": 95,
    "photo_pdq": 90,
    "email": 90,
    "phone": 90,
    "whatsapp": 90,
    "telegram": 90,
    "wechat": 90,
    "signal": 90,
    "viber": 90,
    "url": 80,
    "infrastructure": 80,  # an account or document on a shared service (calendar, survey, file share, event...)
    "domain": 60,
    "employer": 40,
    "claimed-org": 40,  # the rarest tier; see CLAIM_TIERS
    "burst": 20,
    "template": 35,
    "script": 35,  # a shared rare sentence of the first message: never merges alone (see docs/linking.md)
}
TEMPLATE_JACCARD_MIN = 0.6  # verified exact Jaccard of word 3-gram sets after normalisation
TEMPLATE_FLAGGED_BONUS = 25  # both texts are flagged texts (see TEMPLATE_FLAGGED_SHARE) and close enough:
TEMPLATE_FLAGGED_JACCARD_MIN = 0.7  # different hostile scripts share stock sentences ("we pay well for short
# reports", "let's continue on WhatsApp"): at 0.6-0.7 two unrelated campaigns merged (hostile precision 0.84 at 1M)
TEMPLATE_FLAGGED_SHARE = 0.5  # a text is flagged when at least this share of the approaches using it are flagged
BURST_WINDOW_S = 72 * 3600

# Anything shared by more distinct senders than this is common (a switchboard, a stock template, "Google")
# and links nobody.
MAX_KEY_NODES = 500
MAX_TEMPLATE_NODES = 100
MAX_EMPLOYER_NODES = 50  # also for claimed organisations (one cluster of names from profiles and texts)
# Claimed organisations weigh by rarity: claimed (or employing) at most n distinct senders -> strength. A claim
# shared by 26-50 senders still merges with a shared script sentence (35 + 30), never with a burst (20 + 30).
CLAIM_TIERS = ((10, 40), (25, 35), (MAX_EMPLOYER_NODES, 30))
MAX_SCRIPT_NODES = 100  # a sentence used by more senders is a stock sentence (greeting, InMail boilerplate)
MAX_NODES = {"script": MAX_SCRIPT_NODES}  # per kind; MAX_KEY_NODES otherwise
MAX_TIDS_PER_NODE = 20  # distinct template texts compared per sender (the smallest ids: deterministic)

STRONG_KINDS = frozenset(k for k, v in STRENGTH.items() if v >= MERGE_MIN) - {"same_sender"}


# Kinds read from the same text count once in the sum: a shared sentence inside a near-duplicate message is
# the same evidence as the near-duplicate itself.
# Likewise a profile employer and the same organisation claimed in the text are one piece of evidence.
FAMILY = {"script": "template", "claimed-org": "employer"}


def family(kind: str) -> str:
    return FAMILY.get(kind, kind)


def linkable(kind: str, flagged: bool) -> bool:
    """Whether an approach's key of this kind can be the centre of a star of edges: script keys of unflagged
    approaches only count (for stock sentences) and link to a flagged approach with the same sentence, never
    to each other (legitimate recruiters share their sentences)."""
    return flagged or kind != "script"


def max_nodes(kind: str) -> int:
    """Senders sharing a key of this kind beyond which the key is common and links nobody."""
    return MAX_NODES.get(kind, MAX_KEY_NODES)


def jaccard_sets(a: frozenset[int] | set[int], b: frozenset[int] | set[int]) -> float:
    """Exact Jaccard of two shingle sets (the verification after LSH), the same float in both engines."""
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter) if a or b else 0.0


def _flag_bonus(j: float, flagged_both: bool) -> bool:
    return flagged_both and j >= TEMPLATE_FLAGGED_JACCARD_MIN


def template_strength(j: float, n_a: int, n_b: int, flagged_both: bool) -> int:
    """35 for a verified near-duplicate (alone it never merges: legitimate recruiters share templates too),
    60 when both texts were flagged by the detector and Jaccard >= 0.7 (a hostile script reused across
    personas)."""
    return STRENGTH["template"] + (TEMPLATE_FLAGGED_BONUS if _flag_bonus(j, flagged_both) else 0)


def template_evidence(j: float, n_a: int, n_b: int, flagged_both: bool) -> str:
    tail = ""
    if flagged_both:
        tail = "; both flagged" if _flag_bonus(j, flagged_both) else \
            f"; both flagged, below {TEMPLATE_FLAGGED_JACCARD_MIN:.2f} for the flagged-script bonus"
    return f"template Jaccard {j:.2f} ({n_a}/{n_b} shingles)" + tail


def burst(
    a: list[tuple[str, int, str]], b: list[tuple[str, int, str]], window: int = BURST_WINDOW_S
) -> tuple[int, str, str, str] | None:
    """Co-targeting: the closest pair of approaches of two senders to the same organisation within `window`.

    a, b: (org, time, approach_id) of each sender, any order; orgs compare casefolded. Returns (seconds apart, approach a, approach b,
    org) of the closest pair (ties: smallest org, then ids), or None.
    """
    by_org: dict[str, list[tuple[int, str]]] = {}
    for org, t, aid in b:
        by_org.setdefault(org.casefold(), []).append((t, aid))
    for lst in by_org.values():
        lst.sort()
    best: tuple[int, str, str, str] | None = None  # (seconds, org, approach a, approach b)
    for org_, t, aid in a:
        org = org_.casefold()
        lst = by_org.get(org)
        if not lst:
            continue
        i = bisect_left(lst, (t, ""))
        for k in (i - 1, i):
            if 0 <= k < len(lst):
                tb, bid = lst[k]
                cand = (abs(tb - t), org, aid, bid)
                if cand[0] <= window and (best is None or cand < best):
                    best = cand
    return None if best is None else (best[0], best[2], best[3], best[1])


def burst_evidence(seconds: int, org: str) -> str:
    return f"both approached {org} within {seconds / 3600:.1f} h"


def pivot_evidence(kind: str, value: str) -> str:
    if kind == "photo_sha256":
        return f"same photo file (SHA-256 {value})"
    if kind == "photo_pdq":
        return f"same photo (PDQ {value})"
    if kind == "infrastructure":
        category, _, where = value.partition(":")
        return f"shared {category} {where}"
    if kind == "script":
        if value.startswith("~"):
            return f"similar script sentence (MinHash band {value[1:].split(':', 1)[0]}, 8 of 64 rows equal)"
        return f"same script sentence: '{value}'"
    return f"shared {kind} {value}"


def pdq_evidence(distance: int, a: str, b: str) -> str:
    return f"near-identical photo: PDQ Hamming distance {distance} ({a[:16]}... ~ {b[:16]}...)"


def employer_evidence(a: str, b: str) -> str:
    return f"same claimed employer: '{a}' ~ '{b}'"


def claim_strength(n_nodes: int) -> int:
    """Strength of a shared claimed organisation named by `n_nodes` distinct senders (0: common)."""
    return next((s for limit, s in CLAIM_TIERS if n_nodes <= limit), 0)


def claim_evidence(a: str, b: str, n_nodes: int) -> str:
    """a, b: the two senders' names of the organisation, "<source>:<stripped name>" (source: text or profile)."""
    (sa, na), (sb, nb) = a.split(":", 1), b.split(":", 1)
    return (f"same claimed organisation: '{na}' ({'in the text' if sa == 'text' else 'profile employer'}) ~ "
            f"'{nb}' ({'in the text' if sb == 'text' else 'profile employer'}); named by {n_nodes} senders")
