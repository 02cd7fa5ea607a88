"""Traffic Light Protocol 2.0 as STIX 2.1 marking definitions, and reading TLP from incoming data.

The five marking definitions are the official ones of the OASIS TLP 2.0 extension
(oasis-open/cti-stix-common-objects, extension-definition-specifications/tlp-2.0): fixed ids,
`created` 2022-10-01, property extension `extension-definition--60a3c5c5-...`.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

# Official OASIS ids (do not change: receivers recognise TLP by these ids).
TLP2_IDS: dict[str, str] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
# The STIX 2.1 TLP 1.0 predefined markings (stix2.v21.TLP_*), still common in feeds.
TLP1_IDS: dict[str, str] = {
    "clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",  # TLP:WHITE
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

Level = Literal["clear", "green", "amber", "amber+strict", "red"]  # the one list (request models use it)
LEVELS: tuple[str, ...] = get_args(Level)
# PAP (Permissible Actions Protocol), MISP's companion to TLP: what the recipient may do with the data.
PAP_LEVELS: tuple[str, ...] = ("clear", "green", "amber", "red")
HELP = "TLP 2.0 marking: " + ", ".join(LEVELS)
_RANK = {name: i for i, name in enumerate(LEVELS)}
_BY_ID = {v: k for k, v in TLP1_IDS.items()} | {v: k for k, v in TLP2_IDS.items()}


class TLPError(ValueError):
    """A TLP level that is unknown, or data above what a feed may carry."""


def normalise(level: str | None) -> str:
    """'TLP:AMBER+STRICT', 'amber_strict', 'White' ... -> one of LEVELS. Raises TLPError."""
    if level is None:
        raise TLPError("no TLP level given")
    v = str(level).strip().lower().removeprefix("tlp:").removeprefix("tlp-").strip()
    v = v.replace("_", "+").replace(" ", "+").replace("-", "+")
    v = {"white": "clear", "amber+strict": "amber+strict", "amberstrict": "amber+strict"}.get(v, v)
    if v not in _RANK:
        raise TLPError(f"unknown TLP level {level!r} (use one of: {', '.join(LEVELS)})")
    return v


def rank(level: str) -> int:
    return _RANK[normalise(level)]


def allowed(level: str, max_level: str) -> bool:
    """True if data marked `level` may go to a feed that carries at most `max_level`."""
    return rank(level) <= rank(max_level)


def require_allowed(level: str, max_level: str, feed: str) -> None:
    if not allowed(level, max_level):
        raise TLPError(
            f"refused: the data is TLP:{normalise(level).upper()} but {feed} only carries up to "
            f"TLP:{normalise(max_level).upper()}"
        )


def marking_definition(level: str) -> dict[str, Any]:
    """The official TLP 2.0 marking-definition object for a level."""
    lv = normalise(level)
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": TLP2_IDS[lv],
        "created": "2022-10-01T00:00:00.000Z",
        "name": f"TLP:{lv.upper()}",
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": lv}},
    }


def level_of_marking(obj: dict[str, Any]) -> str | None:
    """TLP level of a marking-definition in any common form, or None if it is not a TLP marking.

    Accepts the OASIS TLP 2.0 form (extension `tlp_2_0`), the STIX 2.1 TLP 1.0 form
    (`definition_type: tlp`, `definition: {tlp: amber}`) and the OpenCTI form
    (`definition_type: TLP`, `definition: {TLP: "TLP:AMBER+STRICT"}`, `x_opencti_definition`).
    """
    if not isinstance(obj, dict):
        return None
    if obj.get("id") in _BY_ID:
        return _BY_ID[obj["id"]]
    ext = (obj.get("extensions") or {}).get(TLP2_EXTENSION_ID)
    candidates: list[Any] = []
    if isinstance(ext, dict):
        candidates.append(ext.get("tlp_2_0"))
    if str(obj.get("definition_type", "")).lower() == "tlp":
        d = obj.get("definition")
        if isinstance(d, dict):
            candidates += [v for k, v in d.items() if str(k).lower() == "tlp"]
        elif isinstance(d, str):
            candidates.append(d)
        candidates.append(obj.get("name"))
    if str(obj.get("x_opencti_definition_type", "")).lower() == "tlp":
        candidates.append(obj.get("x_opencti_definition"))
    for c in candidates:
        if isinstance(c, str):
            try:
                return normalise(c)
            except TLPError:
                continue
    return None


def level_of_refs(refs: list[str] | None, markings: dict[str, str], default: str) -> str:
    """The strictest TLP among an object's object_marking_refs (known ids or markings in the bundle)."""
    found = [markings.get(r) or _BY_ID.get(r) for r in refs or []]
    found = [f for f in found if f]
    return max(found, key=rank) if found else default
