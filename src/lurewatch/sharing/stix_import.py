"""STIX 2.x bundles (files or TAXII objects) -> watch indicators.

Indicator patterns are parsed with `stix2-patterns` (never evaluated); the equality comparisons on the
observables lurewatch can match become watch indicators: LinkedIn accounts / profile URLs, e-mail
addresses, phone numbers, messenger handles, URLs, domains and photo hashes (SHA-256, PDQ). Each keeps
its producer (the `created_by_ref` identity, else the file or feed name), its TLP (OASIS TLP 2.0, STIX
TLP 1.0 or OpenCTI markings; unmarked data counts as `default_tlp`) and its confidence.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from stix2patterns.v21.pattern import Pattern

from lurewatch.ingest.safety import UnsafeInput, read_bounded
from lurewatch.sharing import observables, tlp
from lurewatch.sharing.watch import WatchIndicator

MAX_BUNDLE_BYTES = 256 * 1024 * 1024
MAX_PATTERN_CHARS = 20_000


class ImportProblem(ValueError):
    """A file that is not a usable STIX bundle (the message says why)."""


def load_json(path: Path, limit: int = MAX_BUNDLE_BYTES) -> Any:
    try:
        data = read_bounded(Path(path), limit)
    except (OSError, UnsafeInput) as e:
        raise ImportProblem(f"{path}: {e}") from e
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ImportProblem(f"{path}: not valid JSON ({type(e).__name__})") from e


def _unquote(v: Any) -> str | None:
    if not isinstance(v, str) or len(v) < 2 or v[0] != "'" or v[-1] != "'":
        return None
    return v[1:-1].replace("\\'", "'").replace("\\\\", "\\")


def pattern_observables(pattern: str) -> list[observables.Observable]:
    """The matchable observables of a STIX pattern (equality comparisons only)."""
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_CHARS:
        return []
    try:
        comps = Pattern(pattern).inspect().comparisons
    except Exception:  # noqa: BLE001 - a broken pattern from a peer is skipped, never fatal
        return []
    raw: list[tuple[str, str]] = []
    for obj_type, items in comps.items():
        eq = [(path, _unquote(val)) for path, op, val in items if op == "=" and _unquote(val) is not None]
        if obj_type == "user-account":
            raw += _accounts(eq)
        for path, val in eq:
            key = ".".join(str(p) for p in path).lower()
            if (
                obj_type == "email-addr"
                and key == "value"
                or obj_type == "email-message"
                and key in ("from_ref.value", "sender_ref.value")
            ):
                raw.append(("email", val))
            elif obj_type in ("phone-number", "x-phone-number", "x-opencti-phone-number") and key == "value":
                raw.append(("phone", val))
            elif obj_type == "url" and key == "value":
                li = observables.normalise("linkedin-url", val)
                raw.append(("linkedin-url", val) if li and "/in/" in li else ("url", val))
            elif obj_type == "domain-name" and key == "value":
                raw.append(("domain", val))
            elif obj_type in ("file", "artifact") and key in ("hashes.sha-256", "hashes.sha256"):
                raw.append(("sha256", val))
            elif obj_type in ("file", "artifact") and key in ("hashes.x_pdq", "hashes.pdq", "x_pdq"):
                raw.append(("pdq", val))
    out: dict[str, observables.Observable] = {}
    for type_, val in raw:
        v = observables.normalise(type_, val)
        if v:
            out.setdefault(f"{type_}:{v}", observables.Observable(type_, v))
    return list(out.values())


def _accounts(eq: list[tuple[list, str]]) -> list[tuple[str, str]]:
    """user-account comparisons -> LinkedIn profiles or app handles (types paired with logins in order)."""
    types = [v.lower() for p, v in eq if p == ["account_type"]]
    ids = [v for p, v in eq if p in (["user_id"], ["account_login"])]
    out: list[tuple[str, str]] = []
    others = [t for t in types if t != "linkedin"]
    for v in ids:
        li = observables.normalise("linkedin-url", v)
        if li and "/in/" in li:
            out.append(("linkedin-url", v))
        elif "linkedin" in types and "://" not in v and "/" not in v:
            out.append(("linkedin-url", f"https://linkedin.com/in/{v}"))
        elif len(others) == 1:
            out.append(("handle", f"{others[0]}:{v}"))
    return out


def _expired(obj: dict[str, Any]) -> bool:
    vu = obj.get("valid_until")
    if not isinstance(vu, str):
        return False
    try:
        return datetime.fromisoformat(vu.replace("Z", "+00:00")) < datetime.now(UTC)
    except ValueError:
        return False


def bundle_indicators(
    objects: Iterable[dict[str, Any]], source: str, default_tlp: str = "amber"
) -> list[WatchIndicator]:
    """Watch indicators from STIX objects (a bundle's `objects`, or a TAXII envelope's)."""
    objs = [o for o in objects if isinstance(o, dict)]
    markings: dict[str, str] = {}
    names: dict[str, str] = {}
    for o in objs:
        if o.get("type") == "marking-definition" and (lv := tlp.level_of_marking(o)):
            markings[str(o.get("id"))] = lv
        elif o.get("type") == "identity" and isinstance(o.get("name"), str):
            names[str(o.get("id"))] = o["name"][:200]
    out: list[WatchIndicator] = []
    for o in objs:
        if o.get("type") != "indicator" or o.get("revoked") is True or _expired(o):
            continue
        if o.get("pattern_type", "stix") != "stix":
            continue
        level = tlp.level_of_refs(o.get("object_marking_refs"), markings, default_tlp)
        producer = names.get(str(o.get("created_by_ref")), source)
        conf = o.get("confidence")
        for ob in pattern_observables(o.get("pattern", "")):
            out.append(
                WatchIndicator(
                    type=ob.type,
                    value=ob.value,
                    source=producer,
                    tlp=level,
                    confidence=int(conf) if isinstance(conf, int) and 0 <= conf <= 100 else None,
                    stix_id=str(o["id"])[:80] if isinstance(o.get("id"), str) else None,
                    label=str(o.get("name") or "")[:300],
                )
            )
    return out


def read_bundle(path: Path, default_tlp: str = "amber") -> list[WatchIndicator]:
    data = load_json(path)
    if (
        not isinstance(data, dict)
        or data.get("type") != "bundle"
        or not isinstance(data.get("objects"), list)
    ):
        raise ImportProblem(f"{path}: not a STIX bundle (no type 'bundle' with an 'objects' list)")
    return bundle_indicators(data["objects"], Path(path).name, default_tlp)
