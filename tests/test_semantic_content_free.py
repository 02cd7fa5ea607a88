"""Content-free words are no behaviour: short late sentences and season's greetings.

A late sentence (after the recipient replied) of fewer than LATE_MIN_WORDS words is no growing request: the
probes read a bare "Understood." far from anything they were fitted on. A festive greeting is no ask,
whatever the culture it comes from.
"""

from __future__ import annotations

import pytest
from tests.test_combiner import _thread

from lurewatch.semantic.layer import FLOOR, LATE, LATE_MIN_WORDS, default_layer


@pytest.fixture(scope="module", params=["static", "full"])
def layer(request):
    lay = default_layer(request.param)
    assert lay is not None
    return lay


@pytest.mark.parametrize("short", ["Understood.", "Safe travels.", "Of course!", "Totally fair."])
def test_a_short_late_sentence_is_no_late_ask(layer, short: str) -> None:
    assert len(short.split()) < LATE_MIN_WORDS
    opening = "Hello, I enjoyed your talk on cryogenic wiring at the workshop last month."
    sem, _ = layer.family_scores(_thread(opening, {"owner": "Thanks, glad it was useful."}, short))
    assert sem.get(LATE, 0.0) == 0.0


def test_a_late_ask_of_five_words_or_more_still_counts(layer) -> None:
    opening = "Hello, I enjoyed your talk on cryogenic wiring at the workshop last month."
    ask = "Could you share the internal roadmap and the unpublished benchmark figures with me?"
    sem, _ = layer.family_scores(_thread(opening, {"owner": "Thanks, glad it was useful."}, ask))
    assert sem[LATE] > 0
    # The same ask before any reply is an ask, not a late one.
    sem2, _ = layer.family_scores(_thread(opening + " " + ask))
    assert sem2.get(LATE, 0.0) == 0.0 and sem2["LW-SEM-REQ"] > 0


FESTIVE = ["Eid Mubarak!", "Ramadan Kareem to you and your team.", "Happy Diwali!", "Happy Lunar New Year!",
           "Shana tova to you and yours.", "Happy Hanukkah!", "Merry Christmas!", "Happy Nowruz!", "Happy Holi!",
           "Happy Vesak!", "Happy Songkran!", "Happy Thanksgiving!", "Happy Pongal!", "Joyeux Noël!",
           "Happy Chuseok!", "Happy Mid-Autumn Festival!", "Selamat Hari Raya!", "Happy Kwanzaa!", "Happy Tet!"]


def test_no_festive_greeting_of_any_culture_reads_as_behaviour(layer) -> None:
    """Behaviour, never ethnicity: a season's greeting is no ask whatever the festival."""
    _, P = layer.sentence_probs(FESTIVE)
    asks = [j for j, f in enumerate(layer.families) if not f.mitigating]
    worst = {FESTIVE[i]: float(P[i, asks].max()) for i in range(len(FESTIVE))}
    assert max(worst.values()) < FLOOR, worst
