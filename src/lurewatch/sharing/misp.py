"""MISP: a selection of approaches as one MISP event (built offline with pymisp), and MISP event JSON
-> watch indicators.

Object templates (pymisp ships the misp-objects templates; there is no `persona` template, so a persona
is an `impersonation` object plus a `user-account` and the claimed `person`):
- impersonation: account-url / account-name / type-of-account / objective
- user-account: username (LinkedIn slug), link (profile URL), display-name, account-type
- person: full-name (the claimed identity, unverified)
- email: from (each e-mail address the persona gave);  instant-message: app-used + from-user / from-number
- image + file: the profile photo's SHA-256 (and PDQ as `text` "PDQ:<hex>": MISP has no PDQ type)
URLs, domains and phone numbers are plain attributes. Event tags: `tlp:<level>` and `PAP:<LEVEL>`.
Ids are deterministic (uuid5), so exporting the same selection twice gives the same event.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pymisp import MISPAttribute, MISPEvent, MISPObject, MISPOrganisation

from lurewatch.sharing import observables, tlp
from lurewatch.sharing.stix_export import FLAGGED, NAMESPACE, ExportOptions, approach_observables, redact
from lurewatch.sharing.stix_import import ImportProblem, load_json
from lurewatch.sharing.watch import WatchIndicator
from lurewatch.urls import normalise_profile_url

PAP_LEVELS = tlp.PAP_LEVELS


def _uuid(key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, "misp|" + key))


def _obj(name: str, key: str) -> MISPObject:
    o = MISPObject(name, standalone=False)
    o.uuid = _uuid(f"object|{name}|{key}")
    return o


def _attr(o: MISPObject, relation: str, value: str, key: str, **kw: Any) -> None:
    a = o.add_attribute(relation, value=value, **kw)
    if a is not None:
        a.uuid = _uuid(f"attr|{o.name}|{relation}|{key}|{value}")


def _ref(src: MISPObject, dst: MISPObject, rel: str) -> None:
    ref = src.add_reference(dst.uuid, rel)
    ref.uuid = _uuid(f"ref|{src.uuid}|{rel}|{dst.uuid}")


def export_misp(
    approaches: Iterable[dict[str, Any]], opts: ExportOptions, pap: str = "amber"
) -> tuple[MISPEvent, int]:
    """One MISP event for the approaches (flagged only unless opts.include_unflagged); (event, count)."""
    level = tlp.normalise(opts.tlp)
    pap_l = pap.strip().lower().removeprefix("pap:")
    if pap_l not in PAP_LEVELS:
        raise ValueError(f"unknown PAP level {pap!r} (use one of: {', '.join(PAP_LEVELS)})")
    ev = MISPEvent()
    ev.uuid = _uuid(f"event|{opts.org}|{opts.selection_key}|{level}")
    ev.info = opts.title[:300]
    ev.threat_level_id = 2
    ev.analysis = 1
    ev.distribution = 0  # this organisation only until a human changes it in MISP
    org = MISPOrganisation()
    org.name = opts.org
    org.uuid = _uuid("org|" + opts.org)
    ev.Orgc = org
    ev.add_tag(f"tlp:{level}")
    ev.add_tag(f"PAP:{pap_l.upper()}")
    seen: set[str] = set()
    count = 0
    first_date = None
    for a in approaches:
        if a.get("level") not in FLAGGED and not opts.include_unflagged:
            continue
        count += 1
        fc = a.get("first_contact")
        if fc and (first_date is None or fc < first_date):
            first_date = fc
        _add_approach(ev, a, opts, seen)
    if first_date:
        ev.set_date(first_date[:10])
    if opts.campaign:
        ev.add_attribute("campaign-name", opts.campaign.name, uuid=_uuid("campaign|" + opts.campaign.key))
    for i, n in enumerate(opts.analyst_notes):
        text = str(n.get("text") or "")
        ev.add_attribute(
            "comment",
            redact(text) if opts.redact_text else text[:20000],
            category="Other",
            to_ids=False,
            uuid=_uuid(f"note|{opts.selection_key}|{i}"),
        )
    return ev, count


def _add_approach(ev: MISPEvent, a: dict[str, Any], opts: ExportOptions, seen: set[str]) -> None:
    name = str(a.get("sender_name") or "")[:300]
    url = normalise_profile_url(a.get("sender_profile_url"))
    if url and url.startswith("https://linkedin.com/") and url not in seen:
        seen.add(url)
        imp = _obj("impersonation", url)
        _attr(imp, "account-url", url, url, to_ids=True)
        if name:
            _attr(imp, "account-name", name, url)
        _attr(imp, "type-of-account", "LinkedIn", url)
        _attr(imp, "objective", "suspected hostile-state approach (lurewatch)", url)
        ev.add_object(imp)
        ua = _obj("user-account", url)
        _attr(ua, "user-id", url, url, to_ids=True)  # the URL, so STIX converters keep it recognisable
        _attr(ua, "username", url.rsplit("/", 1)[-1], url, to_ids=True)
        _attr(ua, "link", url, url, to_ids=False)
        _attr(ua, "account-type", "linkedin", url)
        if name:
            _attr(ua, "display-name", name, url)
        ev.add_object(ua)
        if name:
            person = _obj("person", url)
            _attr(person, "full-name", name, url)
            _attr(person, "text", f"Identity claimed by {url} (unverified; a persona)", url)
            ev.add_object(person)
        _ref(imp, ua, "related-to")
        if name:
            _ref(imp, person, "impersonates")
    for o in approach_observables(a):
        if o.key in seen:
            continue
        seen.add(o.key)
        _add_observable(ev, o, url)


def _add_observable(ev: MISPEvent, o: observables.Observable, url: str | None) -> None:
    if o.type == "email":
        em = _obj("email", o.key)
        _attr(em, "from", o.value, o.key, to_ids=True)
        ev.add_object(em)
    elif o.type == "handle":
        app, _, login = o.value.partition(":")
        im = _obj("instant-message", o.key)
        _attr(im, "app-used", app, o.key)
        if login.startswith("+") and login[1:].isdigit():
            _attr(im, "from-number", login, o.key, to_ids=True)
        else:
            _attr(im, "from-user", login, o.key, to_ids=True)
        ev.add_object(im)
    elif o.type in ("sha256", "pdq"):
        img = _obj("image", o.key)
        _attr(img, "filename", "linkedin-profile-photo", o.key)
        if url:
            _attr(img, "link", url, o.key, to_ids=False)
        ev.add_object(img)
        f = _obj("file", o.key)
        _attr(f, "filename", "linkedin-profile-photo", o.key)
        if o.type == "sha256":
            _attr(f, "sha256", o.value, o.key, to_ids=True)
        else:
            _attr(f, "text", f"PDQ:{o.value}", o.key, comment="PDQ perceptual hash (256-bit, hex)")
        ev.add_object(f)
        _ref(img, f, "related-to")
    else:
        mtype = {"phone": "phone-number", "url": "url", "domain": "domain", "linkedin-url": "url"}[o.type]
        attr = MISPAttribute()
        attr.from_dict(type=mtype, value=o.value, to_ids=True, uuid=_uuid(f"attr|{o.key}"))
        ev.add_attribute(**attr.to_dict())


# --- import -------------------------------------------------------------------------------------------

_EMAIL_TYPES = {"email", "email-src", "email-dst", "email-reply-to", "whois-registrant-email"}


def _tlp_of_tags(tags: Iterable[Any], default: str) -> str:
    for t in tags:
        name = getattr(t, "name", None) or (t.get("name") if isinstance(t, dict) else None)
        if isinstance(name, str) and name.lower().startswith("tlp:"):
            try:
                return tlp.normalise(name)
            except tlp.TLPError:
                continue
    return default


def _attr_observables(a: Any, obj_name: str | None, siblings: dict[str, str]) -> list[tuple[str, str]]:
    t, v, rel = str(a.type), str(a.value), str(getattr(a, "object_relation", "") or "")
    if t in _EMAIL_TYPES or rel in ("e-mail", "email"):
        return [("email", v)]
    if obj_name == "instant-message" and rel == "from-number" and siblings.get("app-used"):
        return [("phone", v), ("handle", f"{siblings['app-used']}:{v}")]
    if t == "phone-number" or rel in ("from-number", "to-number", "phone-number"):
        return [("phone", v)]
    if t in ("url", "link", "uri") or rel in ("account-url", "link", "url"):
        li = observables.normalise("linkedin-url", v)
        if li and "/in/" in li:
            return [("linkedin-url", v)]
        return [("url", v)] if t in ("url", "uri") and obj_name != "user-account" else []
    if t in ("domain", "hostname"):
        return [("domain", v)]
    if t == "sha256":
        return [("sha256", v)]
    if t == "text" and v.upper().startswith("PDQ:"):
        return [("pdq", v[4:])]
    if obj_name == "instant-message" and rel == "from-user" and siblings.get("app-used"):
        return [("handle", f"{siblings['app-used']}:{v}")]
    if (
        obj_name == "user-account"
        and rel == "username"
        and siblings.get("account-type", "").lower() == "linkedin"
    ):
        return [("linkedin-url", f"https://linkedin.com/in/{v}")]
    return []


def event_indicators(event: MISPEvent, source: str, default_tlp: str = "amber") -> list[WatchIndicator]:
    """Watch indicators from every matchable attribute of a MISP event (objects included)."""
    ev_tlp = _tlp_of_tags(event.tags, default_tlp)
    orgc = getattr(event, "Orgc", None)
    producer = (getattr(orgc, "name", None) or source) if orgc is not None else source
    out: dict[tuple[str, str], WatchIndicator] = {}

    def take(a: Any, obj_name: str | None, siblings: dict[str, str]) -> None:
        if getattr(a, "deleted", False):
            return
        level = _tlp_of_tags(getattr(a, "tags", []) or [], ev_tlp)
        for type_, raw in _attr_observables(a, obj_name, siblings):
            v = observables.normalise(type_, raw)
            if v and (type_, v) not in out:
                out[(type_, v)] = WatchIndicator(
                    type=type_,
                    value=v,
                    source=str(producer)[:200],
                    tlp=level,
                    stix_id=str(getattr(a, "uuid", "") or "")[:80] or None,
                    label=(f"MISP {obj_name or 'attribute'} {a.type}: {event.info}")[:300],
                )

    for a in event.attributes:
        take(a, None, {})
    for o in event.objects:
        siblings = {str(x.object_relation): str(x.value) for x in o.attributes}
        for a in o.attributes:
            take(a, o.name, siblings)
    return list(out.values())


def load_events(data: Any) -> list[MISPEvent]:
    """MISP JSON in its usual shapes: {"Event": {...}}, a bare event, a list, {"response": [...]}."""
    if isinstance(data, dict) and isinstance(data.get("response"), list):
        data = data["response"]
    items = data if isinstance(data, list) else [data]
    events = []
    for it in items:
        if not isinstance(it, dict) or not ("Event" in it or "info" in it):
            raise ImportProblem("not a MISP event (no 'Event' / 'info')")
        ev = MISPEvent()
        try:
            ev.from_dict(**it)
        except Exception as e:  # noqa: BLE001 - pymisp raises many types on malformed input
            raise ImportProblem(f"not a valid MISP event: {e}") from e
        events.append(ev)
    return events


def read_misp(path: Path, default_tlp: str = "amber") -> list[WatchIndicator]:
    events = load_events(load_json(path))
    out: list[WatchIndicator] = []
    for ev in events:
        out += event_indicators(ev, Path(path).name, default_tlp)
    return out


def is_misp(data: Any) -> bool:
    if isinstance(data, dict) and isinstance(data.get("response"), list):
        return True
    if isinstance(data, list):
        return bool(data) and all(isinstance(x, dict) and "Event" in x for x in data)
    return isinstance(data, dict) and ("Event" in data or ("info" in data and data.get("type") != "bundle"))


def to_json(ev: MISPEvent) -> str:
    return json.dumps({"Event": json.loads(ev.to_json())}, indent=1, ensure_ascii=False, sort_keys=True)
