"""Cases that analysts closed as hostile or legitimate, as (approach contract, label) pairs.

Two sources:
- a JSON Lines file: one approach contract (`Approach.to_contract()`) per line with an extra key
  "label": "hostile" | "legitimate" (or "resolution" with the same values);
- the analyst server's database, read by `cases_from_db` through SQLAlchemy reflection, so that this
  module does not depend on the server package: closed `cases` with a `resolution` column, linked to
  stored approaches either by a `case_approaches(case_id, approach_id)` table or by a
  `cases.approach_id` column. A database without those tables yields nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, Table, create_engine, inspect, select

from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded

LABELS = {"hostile": 1, "legitimate": 0}
MAX_LABELS_BYTES = 256 * 1024 * 1024


@dataclass(slots=True)
class LabelledCase:
    approach_id: str
    findings: list[dict[str, Any]]  # the contract's findings: indicator, category, weight, ...
    label: int  # 1 hostile, 0 legitimate
    source: str = ""
    contract: dict[str, Any] | None = None  # the whole approach contract (messages too, when stored)


@dataclass(slots=True)
class LoadedCases:
    cases: list[LabelledCase] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _case(obj: Any, label_value: Any, source: str) -> LabelledCase:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    label = LABELS.get(str(label_value or "").strip().lower())
    if label is None:
        raise ValueError(f"label must be hostile or legitimate, not {str(label_value)[:40]!r}")
    findings = obj.get("findings") or []
    if not isinstance(findings, list) or not all(isinstance(f, dict) and "indicator" in f for f in findings):
        raise ValueError("findings must be a list of objects with an indicator")
    return LabelledCase(str(obj.get("approach_id") or ""), findings, label, source, obj)


def cases_from_jsonl(path: Path) -> LoadedCases:
    out = LoadedCases()
    try:
        text = decode_text(read_bounded(Path(path), MAX_LABELS_BYTES)).text
    except (OSError, UnsafeInput) as e:
        out.problems.append(f"{path}: refused: {e}")
        return out
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            lab = obj.get("label", obj.get("resolution")) if isinstance(obj, dict) else None
            out.cases.append(_case(obj, lab, f"{Path(path).name}:{n}"))
        except (ValueError, RecursionError) as e:
            out.problems.append(f"{path}:{n}: {str(e)[:200]}; skipped")
    return out


def cases_from_db(db_url: str) -> LoadedCases:
    """Closed hostile/legitimate cases of the analyst server, if its tables are in this database."""
    out = LoadedCases()
    engine = create_engine(db_url, future=True)
    try:
        names = set(inspect(engine).get_table_names())
        if not {"cases", "approaches"} <= names:
            return out
        md = MetaData()
        cases = Table("cases", md, autoload_with=engine)
        approaches = Table("approaches", md, autoload_with=engine)
        if "resolution" not in cases.c or "data" not in approaches.c:
            return out
        if "case_approaches" in names:
            link = Table("case_approaches", md, autoload_with=engine)
            stmt = select(cases.c.resolution, approaches.c.data).select_from(
                cases.join(link, link.c.case_id == cases.c.id).join(
                    approaches, approaches.c.approach_id == link.c.approach_id))
        elif "approach_id" in cases.c:
            stmt = select(cases.c.resolution, approaches.c.data).select_from(
                cases.join(approaches, approaches.c.approach_id == cases.c.approach_id))
        else:
            return out
        stmt = stmt.where(cases.c.resolution.in_(list(LABELS)))
        if "status" in cases.c:
            stmt = stmt.where(cases.c.status == "closed")
        with engine.connect() as conn:
            for resolution, data in conn.execute(stmt):
                try:
                    obj = data if isinstance(data, dict) else json.loads(data)
                    out.cases.append(_case(obj, resolution, "db"))
                except (ValueError, TypeError) as e:
                    out.problems.append(f"stored approach skipped: {str(e)[:200]}")
    finally:
        engine.dispose()
    return out
