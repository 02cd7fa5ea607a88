"""Frozen exports: what a lead approves is built once, hashed, stored, and served byte for byte.

- `fingerprint`: SHA-256 over the canonical JSON of what an export would contain (the selection's key,
  title, TLP floor, campaign and notes, then every selected approach in full). A request stores it; the
  approval recomputes it and refuses the request as stale when it differs, so content that changed
  after the request (a merge, a note, a re-score, a TLP change) is never approved unseen.
- `build`: the fingerprint and the artefact (STIX 2.1 bundle or MISP event, UTF-8 bytes) made from one
  read of the approaches, so the fingerprint describes exactly the bytes that were built.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from typing import Any

from lurewatch.sharing.selection import Selection
from lurewatch.store.db import Store


@dataclass(slots=True, frozen=True)
class Frozen:
    content_sha256: str  # what went in (see `fingerprint`)
    data: bytes  # the artefact, exactly as it will be served
    sha256: str  # of `data`
    min_tlp: str  # the selection's TLP floor when it was built


def _canonical(obj: Any) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str).encode()


def fingerprint(sel: Selection, approaches: list[dict[str, Any]]) -> str:
    h = hashlib.sha256()
    camp = sel.campaign
    h.update(_canonical({
        "key": sel.key, "title": sel.title, "min_tlp": sel.min_tlp, "pap": sel.pap, "notes": sel.notes,
        "campaign": None if camp is None else [camp.key, camp.name, camp.description],
    }))
    for a in approaches:
        h.update(b"\n" + _canonical(a))
    return h.hexdigest()


def content_sha256(store: Store, sel: Selection) -> str:
    return fingerprint(sel, list(sel.approaches(store)))


def build(store: Store, sel: Selection, fmt: str, level: str, options: dict[str, Any], org: str) -> Frozen:
    """The artefact for an approved request (`options`: pap, redact_text, include_targets)."""
    from lurewatch.sharing import exporters
    from lurewatch.sharing.stix_export import ExportOptions

    aps = list(sel.approaches(store))
    opts = ExportOptions(
        tlp=level, org=org, title=sel.title, selection_key=sel.key,
        redact_text=bool(options.get("redact_text")), include_targets=bool(options.get("include_targets")),
        campaign=sel.campaign, analyst_notes=sel.notes, pap=str(options.get("pap") or "amber"),
    )
    out = io.StringIO()
    exporters.get(fmt).export(iter(aps), out, opts)
    data = out.getvalue().encode("utf-8")
    return Frozen(fingerprint(sel, aps), data, hashlib.sha256(data).hexdigest(), sel.min_tlp)
