"""The fused inputs measured by `scripts/train_combiner.py --encoder fused` (not shipped): the full model's
semantic families with the static table's beside them, each view read as it is read alone."""

from __future__ import annotations

from datetime import UTC, datetime

from lurewatch.learned.combiner import NOTE_PEAK, features, fuse_semantic, note_peak_family
from lurewatch.model import Approach, Message
from lurewatch.pipeline import Analyser
from lurewatch.scoring.providers import ScanContext
from lurewatch.semantic.layer import SECOND_VIEW, is_mitigating


def _one(text: str, source: str = "linkedin-message") -> Approach:
    return Approach(source=source, sender_name="S", messages=[Message("S", text, datetime(2026, 2, 1, tzinfo=UTC))])


def test_the_second_view_has_names_of_its_own_and_keeps_the_families_meaning():
    x = fuse_semantic({"LW-SEM-REQ": 0.5, "LW-SEM-PROTECT": 0.2}, {"LW-SEM-REQ": 0.7, "LW-SEM-PROTECT": 0.1})
    assert x == {"LW-SEM-REQ": 0.5, "LW-SEM-PROTECT": 0.2, f"{SECOND_VIEW}LW-SEM-REQ": 0.7,
                 f"{SECOND_VIEW}LW-SEM-PROTECT": 0.1}
    assert fuse_semantic({"LW-SEM-PAY": 0.3}, None) == {"LW-SEM-PAY": 0.3}
    Analyser(ScanContext(use_photos=False, semantic="static"))  # parses the families (registers the mitigating one)
    assert is_mitigating(f"{SECOND_VIEW}LW-SEM-PROTECT") and not is_mitigating(f"{SECOND_VIEW}LW-SEM-REQ")
    # A reassurance beside a call for secrecy is withdrawn in both views.
    x = features(_one("x"), [], 0.0, fuse_semantic({"LW-SEM-SECRET": 0.6, "LW-SEM-PROTECT": 0.4},
                                                     {"LW-SEM-PROTECT": 0.5, "LW-SEM-REQ": 0.2}))
    assert x["sem:LW-SEM-PROTECT"] == 0.0 and x[f"sem:{SECOND_VIEW}LW-SEM-PROTECT"] == 0.0
    assert x[f"sem:{SECOND_VIEW}LW-SEM-REQ"] == 0.2


def test_a_notes_peak_comes_from_the_full_model_alone():
    note = _one("Could we talk?", source="linkedin-invitation")
    sem = fuse_semantic({"LW-SEM-PAY": 0.3}, {"LW-SEM-REQ": 0.9})
    assert note_peak_family(note, sem) == "LW-SEM-PAY"
    assert features(note, [], 0.0, sem)[NOTE_PEAK] == 0.3
