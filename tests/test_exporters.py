"""One exporter interface: STIX and MISP behind the same protocol, chosen in one place."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from lurewatch.sharing import exporters
from lurewatch.sharing.stix_export import ExportOptions

GOLDEN = Path(__file__).parent / "golden"


def _demo_approaches() -> list[dict]:
    return json.loads((GOLDEN / "scan-demo-off.json").read_text())


@pytest.mark.parametrize("name", exporters.NAMES)
def test_every_exporter_has_the_interface_and_counts_what_it_wrote(name: str) -> None:
    ex = exporters.get(name)
    assert ex.name == name and ex.media_type and ex.label
    out = io.StringIO()
    stats = ex.export(iter(_demo_approaches()), out, ExportOptions(tlp="green", pap="green"))
    doc = json.loads(out.getvalue())
    flagged = sum(a["level"] in ("medium", "high") for a in _demo_approaches())
    assert stats.approaches == flagged > 0 and stats.total > 0
    if name == "stix":
        assert doc["type"] == "bundle" and len(doc["objects"]) == stats.total
    else:
        tags = {t["name"] for t in doc["Event"]["Tag"]}
        assert {"tlp:green", "PAP:GREEN"} <= tags


def test_unknown_format_and_pap_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format 'csv'"):
        exporters.get("csv")
    with pytest.raises(ValueError, match="unknown PAP level"):
        exporters.get("misp").export(iter(_demo_approaches()), io.StringIO(), ExportOptions(pap="purple"))
