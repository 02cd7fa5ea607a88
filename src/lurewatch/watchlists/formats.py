"""Reading watchlists: lurewatch CSV, the US Consolidated Screening List (CSV and JSON), OpenSanctions FtM.

Lists are files the user downloaded; they are still parsed defensively (bounded size, bounded fields,
lenient decoding). Only organisations are kept: people, vessels and aircraft are skipped, because
lurewatch screens where a request leads, never who a sender seems to be.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded
from lurewatch.watchlists.matcher import Entry

Format = Literal["csv", "csl", "csl-json", "ftm"]

MAX_LIST_BYTES = 1024 * 1024 * 1024  # the full OpenSanctions default export is a few hundred MB
MAX_ENTRIES = 2_000_000
MAX_NAME_CHARS = 500
MAX_ALIASES = 100

# FollowTheMoney schemata that are organisations (Person, Vessel, Airplane... are skipped).
FTM_ORG_SCHEMATA = frozenset({"Organization", "Company", "LegalEntity", "PublicBody"})
# OpenSanctions topics that make an entity high risk here (every other entity of a loaded list: medium).
FTM_HIGH = ("sanction", "export.control", "debarment")
CSL_ORG_TYPES = frozenset({"", "entity"})  # "Individual", "Vessel", "Aircraft" are skipped


@dataclass(slots=True)
class ParsedList:
    format: Format
    entries: list[Entry] = field(default_factory=list)
    skipped_people: int = 0
    skipped_other: int = 0  # vessels, aircraft, rows without a name
    problems: list[str] = field(default_factory=list)


def _clip(s: Any) -> str:
    return str(s or "").strip()[:MAX_NAME_CHARS]


def _uniq(names: list[str], primary: str) -> list[str]:
    out: list[str] = []
    for n in names:
        n = _clip(n)
        if n and n != primary and n not in out:
            out.append(n)
    return out[:MAX_ALIASES]


def read_list(path: Path, fmt: str = "auto", list_name: str = "") -> ParsedList:
    """Parse a list file in `fmt` (csv, csl, ftm, or auto-detected)."""
    text = decode_text(read_bounded(path, MAX_LIST_BYTES)).text
    kind = detect_format(text, path.name) if fmt == "auto" else fmt
    list_name = list_name or path.stem
    if kind == "csv":
        return parse_csv(text, list_name)
    if kind == "csl":
        return parse_csl_json(text, list_name) if _looks_json(text) else parse_csl_csv(text, list_name)
    if kind == "csl-json":
        return parse_csl_json(text, list_name)
    if kind == "ftm":
        return parse_ftm(text, list_name)
    raise UnsafeInput(f"unknown list format {fmt!r} (use auto, csv, csl or ftm)")


def _looks_json(text: str) -> bool:
    return text.lstrip()[:1] in ("{", "[")


def detect_format(text: str, filename: str = "") -> Format:
    head = text.lstrip()[:4096]
    if head.startswith("{") or head.startswith("["):
        first = head.splitlines()[0]
        if '"schema"' in first and '"properties"' in first:
            return "ftm"
        return "csl-json"
    header = head.splitlines()[0].lower() if head else ""
    if "alt_names" in header and ("entity_number" in header or "source_list_url" in header):
        return "csl"
    if filename.endswith((".jsonl", ".ndjson")):
        return "ftm"
    return "csv"


def _csv_rows(text: str) -> Iterator[dict[str, str]]:
    previous = csv.field_size_limit(200_000)  # the limit is process-wide: restored below
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        reader.fieldnames = [(f or "").strip().lower().replace(" ", "_") for f in (reader.fieldnames or [])]
        for i, row in enumerate(reader):
            if i >= MAX_ENTRIES:
                raise UnsafeInput(f"more than {MAX_ENTRIES} rows in a list")
            yield {k: (v or "") for k, v in row.items() if isinstance(k, str)}
    except csv.Error as e:
        raise UnsafeInput(f"unreadable CSV: {e}") from e
    finally:
        csv.field_size_limit(previous)


_ALIAS_SPLIT = re.compile(r"\s*[;|]\s*")


def parse_csv(text: str, list_name: str) -> ParsedList:
    """lurewatch's own CSV: name, aliases (separated by ; or |), country, list, risk, source_url."""
    out = ParsedList("csv")
    lines = text.splitlines(keepends=True)
    skip = 0
    while skip < len(lines) and lines[skip].lstrip().startswith("#"):  # leading comment lines
        skip += 1
    text = "".join(lines[skip:])
    for n, row in enumerate(_csv_rows(text), start=2 + skip):
        name = _clip(row.get("name"))
        if not name:
            out.skipped_other += 1
            out.problems.append(f"line {n}: no name")
            continue
        kind = row.get("type", "").strip().lower()
        if kind in ("person", "individual"):
            out.skipped_people += 1
            continue
        out.entries.append(
            Entry(
                name=name,
                list_name=_clip(row.get("list")) or list_name,
                aliases=_uniq(_ALIAS_SPLIT.split(row.get("aliases", "")), name),
                country=_clip(row.get("country"))[:64],
                risk=_risk(row.get("risk", "")),
                source_url=_clip(row.get("source_url") or row.get("source") or row.get("url")),
            )
        )
    return out


def _risk(value: str) -> str:
    """high / medium / low from words ("very high risk", "moderate") or a number (0-1 or 0-100)."""
    v = (value or "").strip().lower()
    try:
        x = float(v)
    except ValueError:
        if "low" in v:
            return "low"
        if "medium" in v or "moderate" in v:
            return "medium"
        return "high"  # "high", "very high", "extreme" or no rating: the list was loaded for a reason
    x = x / 100 if x > 1 else x
    return "high" if x >= 0.67 else "medium" if x >= 0.34 else "low"


def _country_from_address(addr: str) -> str:
    last = addr.rsplit(",", 1)[-1].strip()
    return last if re.fullmatch(r"[A-Z]{2}", last) else ""


def parse_csl_csv(text: str, list_name: str) -> ParsedList:
    """The US Consolidated Screening List CSV (columns source, entity_number, type, programs, name, title,
    addresses, ..., source_list_url, alt_names, ..., source_information_url, ids; lists split by '; ')."""
    out = ParsedList("csl")
    for row in _csv_rows(text):
        kind = row.get("type", "").strip().lower()
        if kind == "individual":
            out.skipped_people += 1
            continue
        name = _clip(row.get("name"))
        if kind not in CSL_ORG_TYPES or not name:
            out.skipped_other += 1
            continue
        countries = [_country_from_address(a) for a in row.get("addresses", "").split(";")]
        out.entries.append(
            Entry(
                name=name,
                list_name=_clip(row.get("source")) or list_name,
                aliases=_uniq(row.get("alt_names", "").split(";"), name),
                country=";".join(sorted({c for c in countries if c}))[:64],
                risk="high",
                source_url=_clip(row.get("source_information_url") or row.get("source_list_url")),
            )
        )
    return out


def parse_csl_json(text: str, list_name: str) -> ParsedList:
    """The CSL JSON (API search answer {"results": [...]} or the bulk download): name, alt_names, type,
    source, addresses[{country}], source_list_url, source_information_url (camelCase variants too)."""
    out = ParsedList("csl-json")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise UnsafeInput(f"not valid JSON: {e}") from e
    rows = doc.get("results", []) if isinstance(doc, dict) else doc
    if not isinstance(rows, list):
        raise UnsafeInput("CSL JSON without a results list")
    for r in rows[:MAX_ENTRIES]:
        if not isinstance(r, dict):
            out.skipped_other += 1
            continue
        kind = str(r.get("type") or "").strip().lower()
        if kind == "individual":
            out.skipped_people += 1
            continue
        name = _clip(r.get("name"))
        if kind not in CSL_ORG_TYPES or not name:
            out.skipped_other += 1
            continue
        alts = r.get("alt_names") or r.get("altNames") or []
        alts = alts.split(";") if isinstance(alts, str) else [a for a in alts if isinstance(a, str)]
        countries = [a.get("country", "") for a in (r.get("addresses") or []) if isinstance(a, dict)]
        countries += [c for c in (r.get("countries") or []) if isinstance(c, str)]
        out.entries.append(
            Entry(
                name=name,
                list_name=_clip(r.get("source") or r.get("sourceList")) or list_name,
                aliases=_uniq(alts, name),
                country=";".join(sorted({str(c) for c in countries if c}))[:64],
                risk="high",
                source_url=_clip(
                    r.get("source_information_url") or r.get("source_list_url") or r.get("sourceListUrl")
                ),
            )
        )
    return out


def _strs(v: Any) -> list[str]:
    if isinstance(v, str):
        return [v]
    return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []


def parse_ftm(text: str, list_name: str) -> ParsedList:
    """OpenSanctions / FollowTheMoney entities, one JSON object per line: id, schema, properties
    {name, alias, previousName, country, topics, sourceUrl...}, datasets. weakAlias is not used."""
    out = ParsedList("ftm")
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        if len(out.entries) >= MAX_ENTRIES:
            raise UnsafeInput(f"more than {MAX_ENTRIES} entities in a list")
        try:
            ent = json.loads(line)
        except json.JSONDecodeError:
            out.problems.append(f"line {n}: not JSON")
            continue
        if not isinstance(ent, dict) or not isinstance(ent.get("properties"), dict):
            out.skipped_other += 1
            continue
        schema = ent.get("schema")
        if schema == "Person":
            out.skipped_people += 1
            continue
        if schema not in FTM_ORG_SCHEMATA:
            out.skipped_other += 1
            continue
        props = ent["properties"]
        names = _strs(props.get("name"))
        name = _clip(ent.get("caption") if isinstance(ent.get("caption"), str) else "") or (
            _clip(names[0]) if names else ""
        )
        if not name:
            out.skipped_other += 1
            continue
        topics = _strs(props.get("topics"))
        risk = "high" if any(t in FTM_HIGH for t in topics) else "medium"
        countries = _strs(props.get("country")) + _strs(props.get("jurisdiction"))
        datasets = _strs(ent.get("datasets"))
        out.entries.append(
            Entry(
                name=name,
                list_name=",".join(datasets[:3]) or list_name,
                aliases=_uniq(names + _strs(props.get("alias")) + _strs(props.get("previousName")), name),
                country=";".join(sorted(set(countries)))[:64],
                risk=risk,
                source_url=_clip((_strs(props.get("sourceUrl")) or [""])[0]),
            )
        )
    return out
