"""The shared development cases: hostile at medium or high, legitimate at low; names never matter."""

from __future__ import annotations

import json
import random
import re

import pytest

from lurewatch.ingest import load_inputs
from lurewatch.pipeline import Analyser


@pytest.fixture(scope="module")
def cases(shared_dir):
    labels = json.loads((shared_dir / "cases" / "labels.json").read_text())
    result = load_inputs([shared_dir / "cases"])
    return labels, result.approaches


def test_dev_cases_reach_expected_levels(cases):
    labels, approaches = cases
    scored = {a.conversation_id: a for a in Analyser().analyse(approaches)}
    wrong = []
    for lab in labels:
        a = scored[lab["conversation_id"]]
        flagged = a.level in ("medium", "high")
        if flagged != (lab["expected"] == "medium-or-high"):
            wrong.append((lab["conversation_id"], lab["label"], a.score, a.level))
        if flagged:
            assert a.findings and a.advice
    assert not wrong, wrong


def _swap_names(approaches, rng):
    names = [a.sender_name for a in approaches]
    shuffled = names[:]
    while len(set(names)) > 1 and shuffled == names:
        rng.shuffle(shuffled)
    for a, new in zip(approaches, shuffled, strict=True):
        old = a.sender_name
        parts = [p for p in old.split() if len(p) > 1]
        newparts = new.split() or [new]

        def sub(text, parts=parts, newparts=newparts):
            for i, p in enumerate(parts):
                text = re.sub(rf"\b{re.escape(p)}\b", newparts[min(i, len(newparts) - 1)], text)
            return text

        a.sender_name = new
        for m in a.messages:
            if m.inbound:
                m.sender_name = new
                m.text = sub(m.text)
        if a.profile:
            a.profile.name = new
            a.profile.summary = sub(a.profile.summary)
    return approaches


def test_swapping_sender_names_does_not_change_scores(shared_dir):
    base = {a.conversation_id: (a.score, a.level, sorted(f.indicator for f in a.findings))
            for a in Analyser().analyse(load_inputs([shared_dir / "cases"]).approaches)}
    for seed in range(3):
        approaches = _swap_names(load_inputs([shared_dir / "cases"]).approaches, random.Random(seed))
        swapped = {a.conversation_id: (a.score, a.level, sorted(f.indicator for f in a.findings))
                   for a in Analyser().analyse(approaches)}
        assert swapped == base


def test_demo_export_reaches_its_labelled_levels():
    from pathlib import Path

    demo = Path(__file__).resolve().parents[1] / "examples"
    labels = json.loads((demo / "demo-labels.json").read_text("utf-8"))
    scored = Analyser().analyse(load_inputs([demo / "demo-export"]).approaches)
    wrong = []
    for lab in labels:
        (a,) = [x for x in scored if x.conversation_id == lab["conversation_id"] and x.sender_name == lab["sender_name"]]
        if (a.level in ("medium", "high")) != (lab["expected"] == "medium-or-high"):
            wrong.append((lab["conversation_id"], lab["sender_name"], a.score, a.level))
    assert not wrong, wrong
