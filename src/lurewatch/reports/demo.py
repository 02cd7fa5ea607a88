"""A FICTIONAL demo dataset for `lurewatch report --demo`: invented approaches, teams and cases that show
what a report looks like before real data is stored. Deterministic (seeded), no real people."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

TEAMS = ["Propulsion", "Quantum Sensing", "Export Control", "Policy Unit", "Materials Lab", "Executive Office"]
SECTORS = {
    "Propulsion": "aerospace",
    "Quantum Sensing": "quantum technology",
    "Export Control": "government relations",
    "Policy Unit": "government relations",
    "Materials Lab": "semiconductors",
    "Executive Office": "corporate",
}
SIGNS = [
    ("LW-OFFER-001", "Paid reports, papers or \"insights\"", 'message[0]: "write a short paper for our clients"'),
    ("LW-PIVOT-001", "Move to an encrypted or private messenger", 'message[1]: "can we continue on WhatsApp"'),
    ("LW-PERSONA-004", "A vague or generic employer (think tank, \"institute\", consultancy, talent agency)",
     'profile.work[0].name: "Meridian Vantage Institute"'),
    ("LW-TRAVEL-001", "Travel or hospitality paid by them", 'message[2]: "all travel and hotel covered"'),
    ("LW-SECRET-001", "Asks for secrecy or discretion", 'message[2]: "please keep this between us"'),
    ("LW-REQ-001", "Asks for unpublished, internal or proprietary information",
     'message[3]: "any internal roadmap would help"'),
    ("LW-WATCH-001", "Organisation on a watchlist",
     '"Meridian Vantage Institute" ~ "Meridian Vantage Strategic Studies Institute" (list lurewatch example '
     "list (fictional), score 100)"),
    ("LW-PERSONA-001", "Recently created account", "profile.account_created: 2026-05-02"),
]


def demo_approaches(weeks: int = 16, seed: int = 11, end: datetime | None = None) -> list[dict[str, Any]]:
    """Contract dicts of invented approaches, rising over `weeks` weeks, with owner team and sector."""
    rng = random.Random(seed)
    end = end or datetime(2026, 9, 20, 12, tzinfo=UTC)
    start = end - timedelta(weeks=weeks)
    owners = [f"https://www.linkedin.com/in/demo-staff-{i:02d}" for i in range(40)]
    team_of = {o: TEAMS[min(len(TEAMS) - 1, int(rng.paretovariate(1.2)) - 1)] for o in owners}
    out = []
    n = 0
    for w in range(weeks):
        for _ in range(2 + w // 2 + rng.randint(0, 3)):  # rising: about 3 a week at first, 10 at the end
            t = start + timedelta(weeks=w, hours=rng.randint(0, 24 * 7 - 1))
            owner = rng.choice(owners)
            k = rng.choice([1, 2, 2, 3, 3, 4])
            signs = rng.sample(SIGNS, k)
            score = min(100, 20 + 18 * k + rng.randint(-8, 8))
            level = "high" if score >= 70 else "medium" if score >= 45 else "low"
            n += 1
            out.append(
                {
                    "approach_id": f"ap-demo{n:05d}",
                    "source": "linkedin-message",
                    "sender_name": f"Demo sender {rng.randint(1, 30)}",
                    "sender_profile_url": f"https://www.linkedin.com/in/demo-sender-{rng.randint(1, 30)}",
                    "owner_profile_url": owner,
                    "owner_team": team_of[owner],
                    "owner_sector": SECTORS[team_of[owner]],
                    "first_contact": t.isoformat(),
                    "score": score,
                    "level": level,
                    "findings": [
                        {"indicator": i, "title": title, "category": "demo", "weight": 20.0, "evidence": ev,
                         "field": "", "rationale": ""}
                        for i, title, ev in signs
                    ],
                    "advice": [],
                    "messages": [],
                }
            )
    return out


def demo_cases(approaches: list[dict[str, Any]], seed: int = 5) -> list[dict[str, Any]]:
    """One case per high or medium approach, triaged after a few hours (the newest still waiting)."""
    rng = random.Random(seed)
    out = []
    for a in approaches:
        if a["level"] == "low":
            continue
        created = datetime.fromisoformat(a["first_contact"]) + timedelta(hours=rng.randint(1, 48))
        waiting = rng.random() < 0.1
        triaged = None if waiting else created + timedelta(hours=rng.lognormvariate(2.0, 0.8))
        out.append({"id": len(out) + 1, "created_at": created, "triaged_at": triaged, "status": "new"})
    return out


def demo_campaigns(approaches: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Invented campaigns (the demo has no message text to link): approaches grouped by sender number."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for a in approaches:
        if a["level"] != "low":
            groups.setdefault(a["sender_profile_url"].rsplit("-", 1)[1], []).append(a)
    out = []
    for key, members in groups.items():
        if int(key) % 6 or len(members) < 3:
            continue
        times = sorted(m["first_contact"] for m in members)
        out.append(
            {
                "campaign_id": f"cmp-demo-{key}",
                "size": len(members),
                "first_seen": times[0],
                "last_seen": times[-1],
                "senders": [f"demo-sender-{key}"],
                "targets": sorted({m["owner_profile_url"] for m in members}),
                "approaches": [{"approach_id": m["approach_id"], "first_contact": m["first_contact"]}
                               for m in members],
            }
        )
    return out
