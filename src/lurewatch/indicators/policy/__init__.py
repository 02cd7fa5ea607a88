"""The rules' scoring policy and metadata, as data beside the rules.

- `categories.yaml`: every finding category and its role in the score (behaviour, persona, context,
  mitigating, semantic). A rule whose category is not declared is refused when the rules load.
- `providers.yaml`: the indicators that evidence providers emit (photo checks, the text model, watchlists,
  shared intelligence), declared like rules so that `indicators list` shows them and their policy.
- `rules.schema.json`: the JSON Schema every rule file is validated against on load (and in CI).

A rule (or provider declaration) with `mitigable: false` is an ask that polite wording cannot make
harmless: with it, signs of legitimacy no longer lower the score (lurewatch.scoring.combine).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from typing import Any

from lurewatch.yamlfast import safe_load

ROLES = ("behaviour", "persona", "context", "mitigating", "semantic")
STATUSES = ("stable", "test", "experimental", "deprecated")


def _text(name: str) -> str:
    return (resources.files("lurewatch.indicators.policy") / name).read_text("utf-8")


@cache
def categories() -> dict[str, dict[str, str]]:
    """Category -> {role, description}."""
    doc = safe_load(_text("categories.yaml")) or {}
    out = {str(k): {"role": str(v["role"]), "description": str(v.get("description", ""))}
           for k, v in (doc.get("categories") or {}).items()}
    bad = [k for k, v in out.items() if v["role"] not in ROLES]
    if bad:
        raise ValueError(f"categories.yaml: unknown role for {', '.join(bad)}")
    return out


def with_role(role: str) -> frozenset[str]:
    return frozenset(k for k, v in categories().items() if v["role"] == role)


@cache
def provider_rules() -> tuple[dict[str, Any], ...]:
    doc = safe_load(_text("providers.yaml")) or {}
    return tuple(dict(p) for p in doc.get("providers") or [])


@cache
def schema() -> dict[str, Any]:
    return json.loads(_text("rules.schema.json"))


# Optional format checkers that jsonschema imports when they are installed and that the rule schema does
# not need (it uses no "format"; formats are not checked by default). rfc3987-syntax builds some forty lark
# grammars when imported: about 0.8 s, 40% of the start-up of `lurewatch check`.
_UNNEEDED_FORMAT_MODULES = ("rfc3987_syntax",)


@cache
def _validator() -> Any:
    blocked = [m for m in _UNNEEDED_FORMAT_MODULES if m not in sys.modules]
    for m in blocked:
        sys.modules[m] = None  # type: ignore[assignment]  # importing it now raises ImportError
    try:
        import jsonschema
    finally:
        for m in blocked:
            if sys.modules.get(m, 0) is None:
                del sys.modules[m]
    return jsonschema.Draft202012Validator(schema())


def validate_rule_file(name: str, doc: Any) -> list[str]:
    """Problems of one parsed rule file against the JSON Schema, each naming the file and the place."""
    out = []
    for err in sorted(_validator().iter_errors(doc), key=lambda e: list(e.path)):
        where = _where(doc, list(err.path))
        if err.validator == "required":  # the loader's established wording: "<file>: <rule> lacks <field>"
            missing = [k for k in err.validator_value if not isinstance(err.instance, dict) or k not in err.instance]
            out.append(f"{name}: {where} lacks {', '.join(missing)}")
        else:
            out.append(f"{name}: {where}: {err.message[:300]}")
    return out


def _where(doc: Any, path: list[Any]) -> str:
    """`indicators[3] (LW-OFFER-004).category` rather than a bare path."""
    parts = []
    node = doc
    for p in path:
        if isinstance(p, int):
            node = node[p] if isinstance(node, list) and p < len(node) else None
            ident = node.get("id") if isinstance(node, dict) else None
            parts[-1] += f"[{p}]" + (f" ({ident})" if ident else "")
        else:
            parts.append(str(p))
            node = node.get(p) if isinstance(node, dict) else None
    return ".".join(parts) or "(file)"
