"""A finding quotes the first place in the text where its indicator matched, whatever order the rule file
lists its phrases in and whatever ids the lexicon gave their words (an edit to another rule file renumbers
them), so evidence stays put when unrelated rules change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lurewatch.model import Approach, Message, Profile
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext

ANALYSER = Analyser(ScanContext(use_photos=False, semantic="off"))
TOPICS = ["quantum error correction", "synthetic biology", "hypersonic propulsion", "semiconductor lithography",
          "satellite communications", "nuclear fusion"]


def _evidence(text: str, indicator: str) -> str:
    a = Approach(source="linkedin-message", sender_name="Sender",
                 messages=[Message("Sender", text, datetime(2025, 3, 3, 9, tzinfo=UTC))], profile=Profile(name="Sender"),
                 owner=Profile(name="Owner", headline="Engineer"))
    found = [f for f in ANALYSER.analyse_one(a).findings if f.indicator == indicator]
    assert found, text
    return found[0].evidence


@pytest.mark.parametrize("first", TOPICS)
def test_sensitive_technology_evidence_is_the_first_sentence_that_names_one(first):
    others = [t for t in TOPICS if t != first]
    text = f"My team works on {first}. " + " ".join(f"We also follow {t}." for t in others)
    assert first in _evidence(text, "LW-CTX-003")
