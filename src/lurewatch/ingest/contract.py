"""Approaches written in lurewatch's own JSON contract (`Approach.to_contract()`), read back.

Accepted: a JSON list of contract objects, one object, or JSON Lines. Scores, levels, findings and
advice are not restored by default (a scan recomputes them); `keep_scores=True` restores them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args

from lurewatch.ingest.csvread import parse_when
from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded
from lurewatch.model import Approach, Finding, IngestProblem, IngestResult, Message, Profile, Source

SOURCES = frozenset(get_args(Source))
LEVELS = frozenset({"low", "medium", "high"})
MAX_MESSAGES = 10_000
MAX_TEXT = 200_000


def _s(value: Any, limit: int = MAX_TEXT) -> str:
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return str(value)[:limit]


def _opt(value: Any) -> str | None:
    return _s(value, 2000) or None


def _num(value: Any) -> float:
    """A finite number from JSON, else 0 (bools, NaN, infinities and huge integers are not scores)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    try:
        f = float(value)
    except OverflowError:
        return 0.0
    return f if math.isfinite(f) else 0.0


def looks_like_contract(obj: Any) -> bool:
    """A contract approach has a known `source` and a sender or messages."""
    return isinstance(obj, dict) and isinstance(obj.get("source"), str) and obj["source"] in SOURCES and (
        "messages" in obj or "sender_name" in obj)


def approach_from_contract(d: dict[str, Any], keep_scores: bool = False) -> Approach:
    """Rebuild an Approach (with its messages) from a contract dict. Raises ValueError when unusable."""
    if not isinstance(d, dict):
        raise ValueError("an approach must be a JSON object")
    source = d.get("source")
    if not isinstance(source, str) or source not in SOURCES:
        raise ValueError(f"unknown source {str(source)[:40]!r}")
    raw_messages = d.get("messages") or []
    if not isinstance(raw_messages, list):
        raise ValueError("`messages` must be a list")
    messages = []
    for m in raw_messages[:MAX_MESSAGES]:
        if not isinstance(m, dict):
            raise ValueError("each message must be a JSON object")
        sent = m.get("sent_at")
        atts = m.get("attachments") or []
        messages.append(Message(
            sender_name=_s(m.get("from"), 500),
            text=_s(m.get("text")),
            sent_at=parse_when(sent) if isinstance(sent, str) else None,
            inbound=m.get("inbound") is not False,
            subject=_s(m.get("subject"), 2000),
            attachments=[_s(a, 500) for a in atts if _s(a, 500)] if isinstance(atts, list) else [],
            sender_profile_url=_opt(m.get("sender_profile_url")),
        ))
    ap = Approach(
        source=source,
        sender_name=_s(d.get("sender_name"), 500),
        messages=messages,
        conversation_id=_opt(d.get("conversation_id")),
        sender_profile_url=_opt(d.get("sender_profile_url")),
        owner_profile_url=_opt(d.get("owner_profile_url")),
        invitation_note=_s(d.get("invitation_note")),
        owner_org=_opt(d.get("owner_org")),
        owner_team=_opt(d.get("owner_team")),
        owner_sector=_opt(d.get("owner_sector")),
    )
    if source == "screenshot" and (d.get("sender_headline") or d.get("sender_degree")):
        deg = d.get("sender_degree")
        ap.profile = Profile(name=ap.sender_name, headline=_s(d.get("sender_headline"), 2000),
                             degree=deg if deg in ("1st", "2nd", "3rd", "3rd+") else None)
    for m in ap.messages:
        if m.inbound and m.sender_profile_url is None:
            m.sender_profile_url = ap.sender_profile_url
    if keep_scores:
        ap.score = int(_num(d.get("score")))
        ap.level = d["level"] if isinstance(d.get("level"), str) and d["level"] in LEVELS else "low"
        ap.advice = [_s(a, 2000) for a in d.get("advice") or [] if isinstance(a, str)]
        for f in d.get("findings") or []:
            if isinstance(f, dict) and f.get("indicator"):
                w = f.get("weight")
                ap.findings.append(Finding(
                    _s(f.get("indicator"), 200), _s(f.get("title"), 500), _s(f.get("category"), 200),
                    _num(w), _s(f.get("evidence"), 5000),
                    _s(f.get("rationale"), 5000), _s(f.get("field"), 200)))
    return ap


def iter_json_documents(text: str) -> Iterator[tuple[int | None, Any]]:
    """(line, object) for a JSON array (line None), a single object, or JSON Lines (bad lines give
    (line, ValueError))."""
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        doc = None
        if text.lstrip().startswith("["):
            yield None, ValueError("not valid JSON")
            return
    if isinstance(doc, list):
        for obj in doc:
            yield None, obj
        return
    if doc is not None:
        yield 1, doc
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            yield n, json.loads(line)
        except (ValueError, RecursionError) as e:
            yield n, ValueError(f"not valid JSON: {str(e)[:200]}")


def load_contract(path: Path, keep_scores: bool = False) -> IngestResult:
    """Approaches from a .json / .jsonl file in the contract; every bad record is reported."""
    res, file = IngestResult(), str(path)
    try:
        text = decode_text(read_bounded(path)).text
    except (UnsafeInput, OSError) as e:
        res.problems.append(IngestProblem(file, None, f"refused: {e}"))
        return res
    res.files_read = 1
    for i, (line, obj) in enumerate(iter_json_documents(text), 1):
        try:
            if isinstance(obj, ValueError):
                raise obj
            ap = approach_from_contract(obj, keep_scores)
        except ValueError as e:
            res.rows_skipped += 1
            res.problems.append(IngestProblem(file, line, f"record {i}: {e}; skipped"))
            continue
        ap.origin = file
        res.rows_read += 1
        res.approaches.append(ap)
    return res
