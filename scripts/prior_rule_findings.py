"""Findings of each blind set under the rules as they were BEFORE that set was first seen.

The rules were tuned on blind sets 1-9 after each was measured, so today's rules fire on those sets far
more reliably than they would on new wording. To train and measure the score combiner on what the rules
really do with unseen text, each set's cases are scored by the rule version of the commit just before the
set was added (run from a checkout of that commit, which this script is copied into). Output: one JSON
line per case with its findings (indicator, category, weight, field). Usage, from the project root:

    python scripts/prior_rule_findings.py > tests/data/prior_rule_findings.jsonl
    python scripts/prior_rule_findings.py blind10 blind11 >> tests/data/prior_rule_findings.jsonl  # some sets

It makes a temporary git worktree per version (git must know the commits) and removes it afterwards.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETS = ("blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9", "blind10", "blind11",
        "blind12", "blind13", "blind14", "blind15", "blind16", "blind17", "blind18", "blind19",
        "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26", "blind27", "blind28", "blind29", "blind30",
        "blind31", "blind32", "blind33", "blind34", "blind35", "blind36",
        "blind37", "blind38", "blind39", "blind40", "blind41", "blind42",
        "blind43", "blind44", "blind45", "blind46", "blind47", "blind48", "blind49", "blind50", "blind51", "blind52",
        "blind53", "blind54", "blind55", "blind56", "blind57", "blind58", "blind59", "blind60", "blind61", "blind62",
        "blind63", "blind64", "blind65", "blind66", "blind67", "blind68", "blind69", "blind70",
        "blind71", "blind72", "blind73", "blind74")
# Sets 10 and 11 were added in the same commit as the semantic layer and the cyber rules, written by people
# who never saw the detector, and measured before any tuning; no rule was tuned on them afterwards. Their
# "before" rules are those of the stop that first measured them (140d226), which include the cyber family.
RULES_COMMIT = {"blind10": "140d226", "blind11": "140d226",
                # Sets 12 and 13, the same way: the commit that first measured them (third session of 4 Dec).
                "blind12": "3250c94", "blind13": "3250c94",
                # Sets 14 and 15: the commit that first measured them (stop 12, 4 Dec).
                "blind14": "bf99835", "blind15": "bf99835",
                # Set 16: the commit that first measured it (stop 13, 5 Dec).
                "blind16": "12071fb",
                # Set 17: its first half was measured at 52d12c4, its second half at 42abe61; no rule file
                # changed between them, so 52d12c4's rules are the rules before either half was seen.
                "blind17": "52d12c4",
                # Set 18 (its adversarial part A): measured at 831d5ab before anything was changed for it.
                "blind18": "831d5ab",
                # Set 19 (the ordinary-inbox part written beside set 18): measured at f68c450 (the rules of 831d5ab).
                "blind19": "f68c450",
                # Sets 20 and 21 (adversarial, and an ordinary inbox, written side by side): measured at 3811a4f.
                "blind20": "3811a4f", "blind21": "3811a4f",
                # Sets 22 and 23 (adversarial, and an ordinary inbox, written side by side): measured at ed2c6aa.
                "blind22": "ed2c6aa", "blind23": "ed2c6aa",
                # Sets 24 and 25 (adversarial, and an ordinary inbox): measured at e252cb2, the rules of this stop.
                "blind24": "e252cb2", "blind25": "e252cb2",
                # Sets 26-28 (adversarial, ordinary inbox, inside the organisation): measured at d2570e3.
                "blind26": "d2570e3", "blind27": "d2570e3", "blind28": "d2570e3",
                # Sets 29 (adversarial) and 30 (ordinary inbox): measured at b238ac4, the final rules of stop 27.
                "blind29": "b238ac4", "blind30": "b238ac4",
                # Sets 31 (adversarial), 32 (ordinary inbox) and 33 (hard legitimate): measured at 034b73e, the
                # rules and models of stop 27.
                "blind31": "034b73e", "blind32": "034b73e", "blind33": "034b73e",
                # Sets 34-36: measured at bbd79fe (stop 28 as landed) before anything was changed for them.
                "blind34": "bbd79fe", "blind35": "bbd79fe", "blind36": "bbd79fe",
                # Sets 37-39: measured at cc3a48c (stop 29 as landed) before anything was changed for them.
                "blind37": "cc3a48c", "blind38": "cc3a48c", "blind39": "cc3a48c",
                # Sets 40-42: measured at 3e08369 (stop 30 as landed) before anything was changed for them.
                "blind40": "3e08369", "blind41": "3e08369", "blind42": "3e08369",
                # Sets 43-44: measured at c249661 (stop 31 as landed) before anything was changed for them.
                "blind43": "c249661", "blind44": "c249661",
                # Sets 45 and 46: measured at 220a5fe (stop 32 as landed) before anything was changed for them;
                # sets 47 and 48 at 7e04992 (stop 33 as landed).
                "blind45": "220a5fe", "blind46": "220a5fe",
                "blind47": "7e04992", "blind48": "7e04992",
                "blind49": "08357df", "blind50": "08357df",
                # Sets 51 and 52: measured at aa404a9 (stop 35 as landed) before anything was changed for them.
                "blind51": "aa404a9", "blind52": "aa404a9",
                # Sets 53 and 54: measured at 88d2f7e (the rules and models of stop 36 as landed) before anything was changed for them.
                "blind53": "88d2f7e", "blind54": "88d2f7e",
                # Sets 55 and 56: measured at 7df8c7d (the rules and models of stop 37 as landed) before anything was changed for them.
                "blind55": "7df8c7d", "blind56": "7df8c7d",
                # Sets 57 (adversarial) and 58 (ordinary inbox): measured at b3cb7f5 (stop 38 as landed).
                "blind57": "b3cb7f5", "blind58": "b3cb7f5",
                # Sets 59 (adversarial) and 60 (ordinary inbox): measured at 1c6c3bf (stop 39 as landed).
                "blind59": "1c6c3bf", "blind60": "1c6c3bf",
                # Sets 61 and 62 (two ordinary inboxes): measured at 96d351c (the rules and models of 1c6c3bf, unchanged).
                "blind61": "96d351c", "blind62": "96d351c",
                # Sets 63 (adversarial) and 64 (ordinary inbox): measured at fe6d1b9 (stop 40 as landed).
                "blind63": "fe6d1b9", "blind64": "fe6d1b9", "blind65": "ac77708", "blind66": "ac77708",
                # Sets 67 and 68: measured at eaa84d1 (stop 42 as landed), before the tuned model shipped.
                "blind67": "eaa84d1", "blind68": "eaa84d1",
                # Sets 69 and 70: measured at b3243ab (stop 43 as landed; the rules and models of eaa84d1).
                "blind69": "b3243ab", "blind70": "b3243ab",
                # Sets 71 and 72: measured at c9d1064 (stop 44 as landed; the rules and models of eaa84d1).
                "blind71": "c9d1064", "blind72": "c9d1064",
                # Sets 73 and 74: measured at 441c2a9 (this stop, the tuned model landed; the rules of eaa84d1).
                "blind73": "441c2a9", "blind74": "441c2a9"}

# Runs inside the old checkout: only APIs that every version had (Analyser, Message, Profile, parse_jsonresume).
_DUMP = r'''
import json, sys
from datetime import UTC, datetime, timedelta
import yaml
from lurewatch.ingest.jsonresume import parse_jsonresume
from lurewatch.model import Approach, Message, Profile
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext
SRC = {"linkedin": "linkedin-message", "invitation": "linkedin-invitation", "email": "email"}
path, name = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(path, encoding="utf-8"))
cases = doc["cases"] if isinstance(doc, dict) else doc
ctx = ScanContext(use_photos=False, use_text_model=False)
if hasattr(ctx, "semantic"):  # versions with the semantic layer: the rules alone, their noisy-OR score
    ctx.semantic = "off"
an = Analyser(ctx)
for c in cases:
    t0 = datetime.fromisoformat(str(c.get("first_contact", "2025-03-01"))).replace(tzinfo=UTC)
    ch = c.get("channel", "linkedin")
    msgs = []
    for i, m in enumerate(c["messages"]):
        when = t0 + timedelta(days=i)
        if isinstance(m, dict):
            msgs.append(Message("Owner", str(m["owner"]), when, inbound=False))
        else:
            msgs.append(Message("Sender", str(m), when, subject=c.get("subject", "") if ch == "email" and i == 0 else ""))
    owner = c.get("owner") or {}
    prof = parse_jsonresume(c["profile"], "blind") if c.get("profile") else None
    if ch == "email":
        prof = prof or Profile(name="Sender")
        prof.email = c.get("sender_email")
        if c.get("reply_to"):
            prof.urls.append("mailto:" + c["reply_to"])
    a = Approach(source=SRC[ch], sender_name="Sender", messages=msgs, profile=prof, conversation_id=c["id"],
                 owner=Profile(name="Owner", headline=owner.get("headline", ""), industry=owner.get("industry", ""),
                               email=owner.get("email") or None))
    a = an.analyse_one(a)
    print(json.dumps({"set": name, "id": c["id"], "score": a.score, "level": a.level,
                      "findings": [{"indicator": f.indicator, "category": f.category, "weight": f.weight,
                                    "field": f.field} for f in a.findings]}))
'''


def added_parent(set_name: str) -> str:
    path = f"tests/data/{set_name}/approaches.yaml"
    out = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", path], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout.split()
    return subprocess.run(["git", "rev-parse", out[-1] + "^"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> None:
    only = set(sys.argv[1:])  # optional: the sets to dump (default all), e.g. blind10 blind11
    for name in SETS:
        if only and name not in only:
            continue
        commit = RULES_COMMIT.get(name) or added_parent(name)
        with tempfile.TemporaryDirectory() as tmp:
            wt = Path(tmp) / "wt"
            subprocess.run(["git", "worktree", "add", "-q", "--detach", str(wt), commit], cwd=ROOT, check=True)
            try:
                script = Path(tmp) / "dump.py"
                script.write_text(_DUMP)
                res = subprocess.run([sys.executable, str(script), str(ROOT / "tests/data" / name / "approaches.yaml"),
                                      name], env={"PYTHONPATH": str(wt / "src"), "PATH": "/usr/bin:/bin",
                                                  "LUREWATCH_DB": str(Path(tmp) / "none.db")},
                                     capture_output=True, text=True)
                if res.returncode:
                    sys.exit(f"{name} at {commit[:8]}: {res.stderr[-2000:]}")
                sys.stdout.write(res.stdout)
                print(f"{name}: rules of {commit[:8]}", file=sys.stderr)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(wt)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
