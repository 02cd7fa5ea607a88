"""Benchmark: screening approaches against a large synthetic watchlist.

    python bench/bench_watchlist.py [--entities 50000] [--approaches 100000] [--write-docs]

Builds a synthetic list (invented pseudo-word organisation names with generic words, legal suffixes and
aliases), synthetic approach texts (one message and a profile each) where some mention a listed entity
(written with variations: suffix, abbreviation, case, punctuation, a typo) and some are decoys that share
generic words and a city-like token with entities. Prints time per approach and precision/recall.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import time
from datetime import UTC, datetime
from pathlib import Path

from lurewatch.model import Approach, Message, Position, Profile
from lurewatch.watchlists.matcher import Entry, WatchlistIndex
from lurewatch.watchlists.provider import WatchlistProvider

SYL = [c + v for c in "bdklmnrstvz" for v in "aeiou"] + ["xan", "qin", "rov", "tsk", "gor", "lek"]
GENERIC = ["Institute", "Technology", "University", "Research", "Academy", "Engineering", "Group",
           "Laboratory", "Science", "International", "Aerospace", "Electronics", "Center", "Industry"]
SUFFIX = ["Co., Ltd.", "Ltd", "LLC", "GmbH", "Inc.", "Corporation", "", "", ""]
CITIES = ["Nordhaven", "Easton", "Westbury", "Southport", "Harbin", "Kazan", "Tomsk", "Shenyang"]
WORDS = str.split(
    "hello thanks for your time I read your recent paper on quantum sensing and would like to invite you "
         "to write a short report for our clients we pay well for expert insight the work is flexible and "
         "confidential please reply on whatsapp our team includes former officials from government and "
         "industry the research institute of technology and the university of science at the academy "
         "conference next month we cover travel and hotel in the capital")


def word(rng: random.Random) -> str:
    while True:  # invented words only: never an English word of the texts
        w = "".join(rng.choice(SYL) for _ in range(rng.randint(2, 4)))
        if w not in WORDS:
            return w.capitalize()


def make_entities(n: int, rng: random.Random) -> list[Entry]:
    out: list[Entry] = []
    seen: set[str] = set()
    while len(out) < n:
        distinct = [word(rng) for _ in range(rng.randint(1, 2))]
        parts = ([rng.choice(CITIES)] if rng.random() < 0.3 else []) + distinct
        parts += rng.sample(GENERIC, rng.randint(0, 2))
        base = " ".join(parts)
        if base.lower() in seen:
            continue
        seen.add(base.lower())
        name = f"{base} {rng.choice(SUFFIX)}".strip()
        aliases = ["".join(w[0] for w in parts).upper() + "C"] if rng.random() < 0.3 else []
        if rng.random() < 0.2:
            aliases.append(" ".join(distinct) + " " + rng.choice(GENERIC))
        out.append(Entry(name, "synthetic", aliases=aliases, risk="high"))
    return out


def variant(name: str, rng: random.Random) -> str:
    """How a sender might write a listed name."""
    v = name
    r = rng.random()
    if r < 0.2:
        v = v.replace("Co., Ltd.", "Limited").replace("Ltd", "Limited").replace("LLC", "L.L.C.")
    elif r < 0.35:
        v = v.replace("University", "Univ.").replace("Institute", "Inst.").replace("Technology", "Tech.")
    elif r < 0.5:
        v = v.upper()
    elif r < 0.6:
        v = v.replace(" ", "-", 1)
    elif r < 0.7:  # a typo in the longest word (>= 7 letters)
        words = v.split()
        i = max(range(len(words)), key=lambda k: len(words[k]))
        w = words[i]
        if len(w) >= 7:
            words[i] = w[:3] + w[4:]
        v = " ".join(words)
    return v


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def make_approaches(
    n: int, entities: list[Entry], rng: random.Random
) -> list[tuple[Approach, int | None, str]]:
    t = datetime(2026, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        planted = None
        written = ""
        text = sentence(rng, rng.randint(40, 120))
        r = rng.random()
        if r < 0.05:
            planted = rng.randrange(len(entities))
            written = variant(entities[planted].name, rng)
            text += f" I work with the {written} on this. " + sentence(rng, 20)
        elif r < 0.10:  # decoy: a city and generic words shared with many entities, plus an unlisted word
            text += f" visit the {rng.choice(CITIES)} {word(rng)}x {' '.join(rng.sample(GENERIC, 2))} soon"
        profile = Profile(headline=sentence(rng, 8), positions=[Position(company=f"{word(rng)}z Consulting")])
        ap = Approach("linkedin-message", f"s{i}", messages=[Message(f"s{i}", text, t)], profile=profile)
        out.append((ap, planted, written))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entities", type=int, default=50_000)
    ap.add_argument("--approaches", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--write-docs", action="store_true", help="write the figures to docs/benchmarks.md")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    entities = make_entities(args.entities, rng)
    t0 = time.perf_counter()
    index = WatchlistIndex(entities)
    build_s = time.perf_counter() - t0
    approaches = make_approaches(args.approaches, entities, rng)
    provider = WatchlistProvider(index)
    tp = fp = fn = nested = 0
    t0 = time.perf_counter()
    results = [provider.findings(a) for a, _, _ in approaches]
    screen_s = time.perf_counter() - t0
    for (_a, planted, written), found in zip(approaches, results, strict=True):
        hits = {f.evidence.split('" ~ "', 1)[1].split('" (', 1)[0]: f.evidence[1:].split('" ~ "', 1)[0]
                for f in found}
        if planted is not None:
            if hits.pop(entities[planted].name, None) is not None:
                tp += 1
            else:
                fn += 1
        for matched in hits.values():
            # another listed name inside the planted one ("Barov" in "Libize Barov Ltd") is a true match
            if written and matched.lower() in written.lower():
                nested += 1
            else:
                fp += 1
    per_ms = screen_s / len(approaches) * 1000
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    lines = [
        f"- list: {len(entities):,} synthetic organisations "
        f"({sum(len(e.aliases) for e in entities):,} aliases); "
        f"index built in {build_s:.1f} s",
        f"- {len(approaches):,} approaches (one message of 40-140 words + a profile each), "
        f"{tp + fn:,} with a planted mention written with variations, ~5% decoys sharing generic words",
        f"- screening: {screen_s:.1f} s in all, **{per_ms:.3f} ms per approach** (goal: under 1 ms)",
        f"- planted mentions: precision {precision:.3f}, recall {recall:.3f} "
        f"({tp} found, {fn} missed, {fp} false matches; plus {nested} other listed names contained in a "
        "planted name, e.g. a one-word entry inside a longer one, which are true matches)",
        f"- load average at the end of the run: {os.getloadavg()[0]:.1f} on 2 cores (the machine is shared "
        "with other work; higher load means pessimistic times)",
    ]
    print("\n".join(lines))
    if args.write_docs:
        write_docs(lines)


def write_docs(lines: list[str]) -> None:
    path = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    head = "## Watchlist screening"
    section = (
        f"{head}\n\n`python bench/bench_watchlist.py --write-docs` — machine: {platform.machine()}, 2 cores, "
        f"Python {platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}.\n\n" + "\n".join(lines) + "\n"
    )
    if head in text:
        before, rest = text.split(head, 1)
        after = rest.split("\n## ", 1)
        text = before + section + ("\n## " + after[1] if len(after) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
