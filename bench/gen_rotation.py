"""A harder generator for `link` (issue 12): campaigns that rotate personas per target and paraphrase.

    python bench/gen_rotation.py 20000 /tmp/lw/rot20k.jsonl [--seed 7]

Each hostile campaign has a script of 5 sentences of its own, a claimed firm named only in the text (in
several wordings), and a landing domain used by some members only; every target gets a new persona (a new
name and profile URL, no photo, no profile employer). Each message uses 4 of the 5 sentences, a third of
them lightly reworded (one word swapped or dropped), plus stock hostile sentences shared by all campaigns.
Legitimate agencies (12%) send their own template and name their agency from several recruiters to many
people (one truth actor per agency: they may group, never with a hostile campaign); the rest are one-off
contacts. Ground truth in `_truth_actor` / `_truth_hostile`, as in gen_campaigns.py. The old generator
(gen_campaigns.py) is kept unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = ("grid substation turbine reactor satellite propulsion avionics sonar lidar radar cryptography "
         "semiconductor lithography battery hydrogen pipeline telemetry firmware procurement logistics "
         "submarine drone missile vaccine genome quantum photonics composite alloy coolant").split()
ADJ = ("confidential discreet remote senior strategic private boutique independent trusted bespoke "
       "specialised experienced respected modest flexible generous").split()
NOUNS = ("memo report briefing assessment overview analysis note summary review study").split()
FIRST = ("Alex Sam Jordan Robin Taylor Casey Morgan Jamie Chris Lee Dana Kim Eli Noa Ari Max").split()
LAST = ("Brown Smith Novak Chen Weber Rossi Park Silva Meyer Clarke Dubois Olsen Grant Hale").split()
FIRM_A = ("Halvard Norvik Pacific Meridian Kestrel Aldine Corvel Brightwater Stanmore Veridian Oakmont Tarrow "
          "Lumen Ashby Crestline Harwick Solace Everline Quarry Marlow").split()
FIRM_B = ("Crest Bridge Signal Harbour Summit Ridge Vale Gate Point Field Stone Arc").split()
FIRM_C = ("Consulting Advisory Partners Insight Research Capital Institute Forum Group Associates").split()
STOCK_HOSTILE = (
    "We pay well for short written reports and can transfer the fee the same week.",
    "It is easier to continue this conversation on a private channel if you agree.",
    "Our client values discretion above all, so please keep this exchange between us.",
)
# Beyond 2,400 campaigns and agencies (n > ~100k) more firms come from made-up brand words (a separate random
# stream, so smaller files are unchanged); any two endings share at most one letter, so two brands of one
# block stay under the fuzzy threshold (token-sort ratio < 92).
BRAND_HEAD = "Kal Vor Tam Bel Dra Fen Gor Hal Ist Jor Lum Mar Nev Orl Pra Que Ros Sel Tor Ulm Vel Wen Yar Zel".split()
BRAND_TAIL = "ith ane uor esk yll".split()
CLAIMS = ("I am a Managing Partner at {f}.", "I'm writing on behalf of {f}.", "I work with {f}, a small firm.",
          "I lead the research desk at {f}.")


def _script(rng: random.Random) -> list[str]:
    out = []
    for _ in range(5):
        w = rng.sample(WORDS, 3)
        out.append(f"We are preparing a {rng.choice(ADJ)} {rng.choice(NOUNS)} on {w[0]} and {w[1]} for a client "
                   f"who follows {w[2]} programmes and the people behind {rng.choice(WORDS)} contracts closely.")
    return out


def _paraphrase(s: str, rng: random.Random) -> str:
    w = s.split()
    i = rng.randrange(1, len(w) - 1)
    if rng.random() < 0.5:
        del w[i]
    else:
        w[i] = rng.choice(ADJ)
    return " ".join(w)


def _approach(rng: random.Random, i: int, actor: str, hostile: bool, sender: str, name: str, text: str,
              t: datetime, level: str, orgs: int) -> dict:
    aid = "ap-" + hashlib.sha1(f"{actor}-{i}".encode()).hexdigest()[:20]
    return {"approach_id": aid, "source": "linkedin-message", "conversation_id": "conv-" + aid[3:15],
            "sender_name": name, "sender_profile_url": sender, "owner_profile_url": f"https://linkedin.com/in/owner-{i}",
            "first_contact": t.isoformat(), "score": 80 if level != "low" else 10, "level": level, "findings": [],
            "advice": [], "messages": [{"from": name, "inbound": True, "sent_at": t.isoformat(), "subject": "",
                                        "text": text, "attachments": []}],
            "owner_org": f"Org {rng.randrange(orgs)}", "owner_sector": "energy",
            "_truth_actor": actor, "_truth_hostile": hostile}


def generate(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    t0 = datetime(2025, 1, 1, tzinfo=UTC)
    orgs = max(20, n // 200)
    out: list[dict] = []
    firms = rng.sample([f"{a} {b} {c}" for a in FIRM_A for b in FIRM_B for c in FIRM_C], k=min(2400, n // 20 + 10))
    extra = [f"{h}{t} {b} {c}" for h in BRAND_HEAD for t in BRAND_TAIL for b in FIRM_B for c in FIRM_C]
    random.Random(seed + 1).shuffle(extra)
    firms = extra + firms  # popped from the end: the extra names only once the first 2,400 are used
    n_hostile, n_agency = int(n * 0.12), int(n * 0.12)
    c = 0
    while sum(d["_truth_hostile"] for d in out) < n_hostile:
        c += 1
        actor, script, firm = f"H{c}", _script(rng), firms.pop()
        domain = f"{firm.split()[0].lower()}-{rng.choice(NOUNS)}{c}.com"
        start = t0 + timedelta(days=rng.randrange(300))
        for k in range(rng.randint(3, 40)):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            sender = f"https://linkedin.com/in/{name.lower().replace(' ', '-')}-{c}x{k}"
            body = [s if rng.random() > 0.33 else _paraphrase(s, rng) for s in rng.sample(script, 4)]
            body.insert(rng.randrange(len(body) + 1), rng.choice(CLAIMS).format(f=firm))
            body.append(rng.choice(STOCK_HOSTILE))
            if rng.random() < 0.4:
                body.append(f"The agenda is at https://{domain}/brief/{c} if you want a look.")
            text = f"Hi {rng.choice(FIRST)},\n\n" + " ".join(body) + f"\n\nBest regards,\n{name}"
            level = "high" if rng.random() < 0.9 else "low"
            out.append(_approach(rng, len(out), actor, True, sender, name, text,
                                 start + timedelta(hours=rng.randrange(24 * 60)), level, orgs))
    a = 0
    while len(out) < n_hostile + n_agency:
        a += 1
        actor, firm = f"A{a}", firms.pop()
        template = [f"Our team at {firm} is hiring for a {rng.choice(WORDS)} engineering role in {rng.choice(LAST)}ton.",
                    f"The position offers a {rng.choice(ADJ)} package, hybrid work and a clear path to lead "
                    f"{rng.choice(WORDS)} projects.", "Would you be open to a short call to hear more about it?"]
        for k in range(rng.randint(5, 60)):
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            sender = f"https://linkedin.com/in/rec-{a}-{k % 4}"
            text = f"Hello {rng.choice(FIRST)},\n\nI'm a recruiter at {firm}. " + " ".join(template)
            level = "medium" if rng.random() < 0.15 else "low"
            out.append(_approach(rng, len(out), actor, False, sender, name, text,
                                 t0 + timedelta(hours=rng.randrange(24 * 300)), level, orgs))
    while len(out) < n:
        i = len(out)
        w = rng.sample(WORDS, 2)
        text = (f"Hi, I enjoyed your post on {w[0]} and wondered how you see {w[1]} evolving over the next "
                f"{rng.randrange(2, 9)} years in your field. Thanks, and congratulations on the new role number {i}.")
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        out.append(_approach(rng, i, f"U{i}", False, f"https://linkedin.com/in/one-{i}", name, text,
                             t0 + timedelta(hours=rng.randrange(24 * 300)), "low", orgs))
    rng.shuffle(out)
    return out[:n]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    with open(a.out, "w", encoding="utf-8") as fh:
        for d in generate(a.n, a.seed):
            fh.write(json.dumps(d, separators=(",", ":")) + "\n")
    print(f"wrote {a.n} approaches to {a.out}")


if __name__ == "__main__":
    main()
