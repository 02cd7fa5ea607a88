"""The project's labelled sets as approaches, for training and measuring the score combiner.

A labelled case is written in the blind-set schema (tests/data/blind*/README.md): `messages` whose plain
strings come from the sender and whose `{owner: ...}` items are the recipient's replies, an `owner`
{headline, industry} with an optional work `email`, an optional JSON Resume `profile`, and for e-mail `sender_email`, `reply_to` and
`subject`. The harder cases (tests/data/harder_cases.yaml) are the same shape with `expect` in place of
`label`. LinkedIn exports with a labels file (the development cases, the demo export) are read by the
ordinary ingest. None of these sets ships with the package: they are read from a source checkout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from lurewatch.model import Approach, Message, Profile
from lurewatch.yamlfast import safe_load

SOURCES = {"linkedin": "linkedin-message", "invitation": "linkedin-invitation", "email": "email"}


@dataclass(slots=True)
class Labelled:
    approach: Approach
    hostile: bool
    case_id: str
    set_name: str


def approach_from_case(case: dict[str, Any], default_owner: str = "") -> Approach:
    """One case of the blind-set schema as an Approach (sender "Sender", recipient "Owner")."""
    from lurewatch.ingest.jsonresume import parse_jsonresume

    t0 = datetime.fromisoformat(str(case.get("first_contact", "2025-03-01"))).replace(tzinfo=UTC)
    channel = case.get("channel", "linkedin")
    msgs = []
    for i, m in enumerate(case["messages"]):
        when = t0 + timedelta(days=i)
        if isinstance(m, dict):
            msgs.append(Message("Owner", str(m["owner"]), when, inbound=False))
        else:
            subject = case.get("subject", "") if channel == "email" and i == 0 else ""
            msgs.append(Message("Sender", str(m), when, subject=subject))
    owner = case.get("owner") or {"headline": default_owner}
    profile = parse_jsonresume(case["profile"], "labelled") if case.get("profile") else None
    if channel == "email":
        profile = profile or Profile(name="Sender")
        profile.email = case.get("sender_email")
        if case.get("reply_to"):
            profile.urls.append("mailto:" + case["reply_to"])
    return Approach(source=SOURCES[channel], sender_name="Sender", messages=msgs, profile=profile,  # type: ignore[arg-type]
                    conversation_id=case["id"],
                    owner=Profile(name="Owner", headline=owner.get("headline", ""), industry=owner.get("industry", ""),
                                  email=owner.get("email") or None))


def is_hostile(case: dict[str, Any]) -> bool:
    if "label" in case:
        return case["label"] == "hostile"
    return case["expect"] == "flagged"


def load_yaml_set(path: Path, set_name: str, default_owner: str = "") -> list[Labelled]:
    doc = safe_load(path.read_text("utf-8"))
    cases = doc["cases"] if isinstance(doc, dict) else doc
    return [Labelled(approach_from_case(c, default_owner), is_hostile(c), str(c["id"]), set_name) for c in cases]


def load_export_set(folder: Path, labels_file: Path, set_name: str) -> list[Labelled]:
    from lurewatch.ingest import load_inputs

    labels = {x["conversation_id"]: x for x in json.loads(labels_file.read_text("utf-8"))}
    out = []
    for a in load_inputs([folder]).approaches:
        lab = labels.get(a.conversation_id or "")
        if lab is not None:
            out.append(Labelled(a, lab["label"] == "hostile", str(a.conversation_id), set_name))
    return out


# Sets the combiner trains on (each scored by the rules as they were before it was first seen), measured
# leave one set out. A new set is held out (never trained on) until it has been measured before any tuning.
BLIND_SETS = ("blind", "blind2", "blind3", "blind4", "blind5", "blind6", "blind7", "blind8", "blind9",
              "blind10", "blind11", "blind12", "blind13", "blind14", "blind15", "blind16", "blind17",
              "blind18", "blind19", "blind20", "blind21", "blind22", "blind23", "blind24", "blind25", "blind26",
              "blind27", "blind28")
# The sets whose sentences are in the shipped semantic corpus (the probes' training and a tuned sentence model's,
# scripts/build_semantic_corpus.py, scripts/finetune_sentence_model.py): today the training sets. Kept apart so
# that sets joining the combiner's training never change the corpus or the folds of a tuned model silently.
CORPUS_SETS = BLIND_SETS
HELD_OUT_SETS: tuple[str, ...] = tuple(f"blind{i}" for i in range(29, 75))  # the next sets: measured before any tuning, never trained on until then
# The tuned sentence model's combiner (scripts/train_combiner.py --crossfit) trains on sets 1-56: its rows are
# read by fold models that never saw their sets' sentences, and sets 29-56 are in no model's corpus, so they
# can join its training while the later sets stay held out (measured in the sixth session of 7 December 2026).
TUNED_TRAINING_SETS = BLIND_SETS + tuple(f"blind{i}" for i in range(29, 57))
TUNED_HELD_OUT_SETS = tuple(s for s in HELD_OUT_SETS if s not in TUNED_TRAINING_SETS)
ADVERSARIAL_SETS = {"blind8", "blind9", "blind11", "blind13", "blind15", "blind17", "blind18", "blind20", "blind22", "blind24", "blind26", "blind29", "blind31", "blind34", "blind37", "blind40", "blind43", "blind45", "blind47", "blind49", "blind51", "blind53", "blind55", "blind57", "blind59", "blind63", "blind65", "blind67", "blind69", "blind71", "blind73"}
HARDER_OWNER = "Research engineer at a UK deep-tech start-up"  # the recipient of every harder case


def load_all(repo: Path, shared: Path | None = None, include_held_out: bool = False) -> dict[str, list[Labelled]]:
    """Every labelled set found under a source checkout (and ../shared when given), by set name."""
    data = repo / "tests" / "data"
    sets: dict[str, list[Labelled]] = {}
    names = BLIND_SETS + (HELD_OUT_SETS if include_held_out else ())
    for name in names:
        p = data / name / "approaches.yaml"
        if p.is_file():
            sets[name] = load_yaml_set(p, name)
    harder = data / "harder_cases.yaml"
    if harder.is_file():
        sets["harder"] = load_yaml_set(harder, "harder", HARDER_OWNER)
    demo = repo / "examples"
    if (demo / "demo-labels.json").is_file():
        sets["demo"] = load_export_set(demo / "demo-export", demo / "demo-labels.json", "demo")
    if shared is not None and (shared / "cases" / "labels.json").is_file():
        sets["dev"] = load_export_set(shared / "cases", shared / "cases" / "labels.json", "dev")
    return sets
