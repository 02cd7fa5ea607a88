"""Streaming STIX 2.1 export of stored approaches (contract dicts).

Objects are written one by one as JSON (the `stix2` object layer is too slow past a few thousand
objects), with deterministic ids (uuid5 over a namespace and a natural key) so that re-exporting the
same selection gives the same ids. Memory stays bounded: the ids listed by the closing `report` /
`grouping` go through a temporary file, and only de-duplication keys are kept in memory.

Per approach: `observed-data` (persona `user-account` + e-mail/URL/domain SCOs), an `indicator` per
persona profile and per pivot, `relationship`s (indicator based-on observed-data, claimed identity
related-to account, indicator indicates campaign), a `sighting` by the reporting organisation and a
`note` with the findings. Everything carries the export's TLP 2.0 marking.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from lurewatch.sharing import observables, tlp
from lurewatch.urls import normalise_profile_url

NAMESPACE = uuid.UUID("5b0d8a52-3b8e-4f0a-9b7c-2f4d1e6a9c31")  # lurewatch's uuid5 namespace for SDO ids
SCO_NAMESPACE = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")  # STIX 2.1 spec, section 2.9
FLAGGED = ("medium", "high")
CONFIDENCE = {"high": 85, "medium": 60, "low": 30}


@dataclass(slots=True)
class Campaign:
    key: str  # stable key (campaign id in lurewatch)
    name: str
    description: str = ""


@dataclass(slots=True)
class ExportOptions:
    tlp: str = "amber"
    org: str = "Reporting organisation"  # the reporting organisation (never the individual reporter)
    title: str = "lurewatch: suspected hostile-state approaches"
    selection_key: str = "flagged"  # what was selected, for a stable bundle / report id
    wrapper: str = "report"  # report | grouping
    include_unflagged: bool = False
    include_targets: bool = False  # the owner (target) of each approach; off by default
    redact_text: bool = False  # message bodies and evidence -> sha256 + length
    campaign: Campaign | None = None
    analyst_notes: list[dict[str, Any]] = field(default_factory=list)  # [{"text", "created_at"}]
    pap: str = "amber"  # MISP's PAP tag (STIX has no PAP)


@dataclass(slots=True)
class ExportStats:
    approaches: int = 0
    skipped_unflagged: int = 0
    objects: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.objects.values())


def sdo_id(type_: str, key: str) -> str:
    """Deterministic id: uuid5 over the natural key, its bits re-stamped as version 4 because STIX 2.1
    says SDO/SRO ids SHOULD be UUIDv4 (a hash-derived id is as unique as a random one)."""
    h = uuid.uuid5(NAMESPACE, f"{type_}|{key}")
    return f"{type_}--{uuid.UUID(bytes=h.bytes, version=4)}"


def sco_id(type_: str, contributing: dict[str, Any]) -> str:
    """Deterministic SCO id as the STIX 2.1 spec defines it (uuid5 over the canonical JSON of the
    id-contributing properties); identical to what `stix2` computes."""
    canon = json.dumps(contributing, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{type_}--{uuid.uuid5(SCO_NAMESPACE, canon)}"


def stix_time(value: Any, default: str) -> str:
    """ISO text or datetime -> STIX timestamp (UTC, milliseconds, Z)."""
    if not value:
        return default
    try:
        dt = (
            value
            if isinstance(value, datetime)
            else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        )
    except ValueError:
        return default
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def redact(text: str) -> str:
    data = (text or "").encode("utf-8", "surrogatepass")
    return f"[redacted sha256:{hashlib.sha256(data).hexdigest()} length:{len(text or '')}]"


def _quote(v: str) -> str:
    return "'" + v.replace("\\", "\\\\").replace("'", "\\'") + "'"


def pattern_for(type_: str, value: str) -> str:
    """STIX pattern for one normalised observable."""
    q = _quote(value)
    if type_ == "linkedin-url":
        return f"[user-account:account_type = 'linkedin' AND user-account:user_id = {q}]"
    if type_ == "email":
        return f"[email-addr:value = {q}]"
    if type_ == "phone":  # no standard SCO for phone numbers: the OpenCTI custom type
        return f"[phone-number:value = {q}]"
    if type_ == "handle":
        app, _, login = value.partition(":")
        return f"[user-account:account_type = {_quote(app)} AND user-account:account_login = {_quote(login)}]"
    if type_ == "url":
        return f"[url:value = {q}]"
    if type_ == "domain":
        return f"[domain-name:value = {q}]"
    if type_ == "sha256":
        return f"[file:hashes.'SHA-256' = {q}]"
    if type_ == "pdq":
        return f"[file:hashes.x_pdq = {q}]"
    raise ValueError(f"no STIX pattern for observable type {type_!r}")


def _sco(type_: str, value: str) -> dict[str, Any] | None:
    """The SCO for an observable type that STIX has one for (phones and handles have none)."""
    if type_ in ("sha256", "pdq"):
        hashes = {"SHA-256" if type_ == "sha256" else "x_pdq": value}
        return {
            "type": "file",
            "spec_version": "2.1",
            "id": sco_id("file", {"hashes": hashes}),
            "hashes": hashes,
        }
    stype = {"email": "email-addr", "url": "url", "domain": "domain-name"}.get(type_)
    if not stype:
        return None
    return {"type": stype, "spec_version": "2.1", "id": sco_id(stype, {"value": value}), "value": value}


def linkedin_account(url: str, display_name: str = "") -> dict[str, Any]:
    slug = url.rstrip("/").rsplit("/", 1)[-1]
    obj = {
        "type": "user-account",
        "spec_version": "2.1",
        "id": sco_id("user-account", {"account_login": slug, "account_type": "linkedin", "user_id": url}),
        "account_type": "linkedin",
        "user_id": url,
        "account_login": slug,
    }
    if display_name:
        obj["display_name"] = display_name[:300]
    return obj


class BundleWriter:
    """Writes `{"type": "bundle", "id": ..., "objects": [...]}` one object at a time."""

    def __init__(self, out: IO[str], bundle_id: str, marking: str) -> None:
        self.out = out
        self.marking = marking
        self.count: Counter = Counter()
        self._first = True
        self._seen: set[str] = set()
        # ids for the report's object_refs, on disk; closed in close_with
        self._ids = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115
        out.write('{"type": "bundle", "id": ' + json.dumps(bundle_id) + ', "objects": [\n')

    def add(self, obj: dict[str, Any], *, listed: bool = True, shared: bool = True) -> str:
        """Write an object once (repeated ids are skipped); returns its id. Objects of one approach only
        (`shared=False`) are unique by construction and not remembered, which keeps memory small."""
        oid = obj["id"]
        if shared:
            if oid in self._seen:
                return oid
            self._seen.add(oid)
        if obj["type"] != "marking-definition":
            obj["object_marking_refs"] = [self.marking]
        self._write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        self.count[obj["type"]] += 1
        if listed:
            self._ids.write(oid + "\n")
        return oid

    def seen(self, oid: str) -> bool:
        return oid in self._seen

    def _write(self, text: str) -> None:
        if not self._first:
            self.out.write(",\n")
        self._first = False
        self.out.write(text)

    def close_with(self, wrapper: dict[str, Any]) -> None:
        """Write the report/grouping (its object_refs streamed from the id file) and close the bundle."""
        wrapper = dict(wrapper, object_marking_refs=[self.marking])
        head = json.dumps(wrapper, ensure_ascii=False, separators=(",", ":"))[:-1]
        self._write(head + ',"object_refs":[')
        self._ids.seek(0)
        first = True
        for line in self._ids:
            self.out.write(("" if first else ",") + json.dumps(line.strip()))
            first = False
        self.out.write("]}")
        self.count[wrapper["type"]] += 1
        self.out.write("\n]}\n")
        self._ids.close()


def _times(a: dict[str, Any], default: str) -> tuple[str, str]:
    stamps = sorted(stix_time(m.get("sent_at"), "") for m in a.get("messages") or [] if m.get("sent_at"))
    first = stix_time(a.get("first_contact"), stamps[0] if stamps else default)
    last = stamps[-1] if stamps else first
    return first, max(first, last)


def approach_observables(a: dict[str, Any]) -> list[observables.Observable]:
    """Pivots in the inbound messages of a contract dict (never the owner's own messages)."""
    out: dict[str, observables.Observable] = {}
    for m in a.get("messages") or []:
        if m.get("inbound", True):
            for part in (m.get("subject"), m.get("text")):
                for o in observables.extract_cached(part) if part else ():
                    out.setdefault(o.key, o)
    for h in (a.get("photo") or {}).items() if isinstance(a.get("photo"), dict) else ():
        kind, value = h
        if kind in ("sha256", "pdq") and (v := observables.normalise(kind, str(value))):
            out.setdefault(f"{kind}:{v}", observables.Observable(kind, v))
    return list(out.values())


class StixExporter:
    """Feed approaches one by one (`add`), then `close()`; the bundle is written as it goes."""

    def __init__(self, out: IO[str], opts: ExportOptions) -> None:
        self.opts = opts
        level = tlp.normalise(opts.tlp)
        self.now = stix_time(datetime.now(UTC), "")
        self.stats = ExportStats()
        self.key = (
            f"{opts.org}|{opts.selection_key}|{level}|{int(opts.include_targets)}|{int(opts.redact_text)}"
        )
        self.w = BundleWriter(out, sdo_id("bundle", self.key), tlp.TLP2_IDS[level])
        self.wrapper_id = sdo_id(opts.wrapper, self.key)
        self.w.add(tlp.marking_definition(level), listed=False)
        epoch = "2000-01-01T00:00:00.000Z"
        self.org_id = sdo_id("identity", "org|" + opts.org)
        self.w.add(
            {
                "type": "identity",
                "spec_version": "2.1",
                "id": self.org_id,
                "created": epoch,
                "modified": epoch,
                "name": opts.org,
                "identity_class": "organization",
            }
        )
        self.camp_id = sdo_id("campaign", opts.campaign.key) if opts.campaign else None
        self.done: set[str] = set()  # approach ids written
        self.first_seen: str | None = None
        self.last_seen: str | None = None

    def _sdo(self, type_: str, k: str, created: str, **props: Any) -> dict[str, Any]:
        return {
            "type": type_,
            "spec_version": "2.1",
            "id": sdo_id(type_, k),
            "created": created,
            "modified": created,
            "created_by_ref": self.org_id,
        } | props

    def _relate(self, rel_type: str, src: str, dst: str, created: str, shared: bool = True) -> None:
        self.w.add(
            self._sdo(
                "relationship",
                f"{rel_type}|{src}|{dst}",
                created,
                relationship_type=rel_type,
                source_ref=src,
                target_ref=dst,
            ),
            shared=shared,
        )

    def _persona(self, url: str, name: str, t0: str) -> str:
        """The persona's LinkedIn account and the identity it claims; returns the account id."""
        account_id = self.w.add(linkedin_account(url, name))
        ident_id = sdo_id("identity", "claimed|" + url)
        if name and not self.w.seen(ident_id):
            desc = f"Identity claimed by the LinkedIn account {url} (unverified; a persona)."
            self.w.add(
                self._sdo(
                    "identity",
                    "claimed|" + url,
                    t0,
                    name=name[:300],
                    identity_class="individual",
                    description=desc,
                )
            )
            self._relate("related-to", account_id, ident_id, t0)
        return account_id

    def _indicator(self, o: observables.Observable, t0: str, level: str) -> str:
        iid = sdo_id("indicator", o.key)
        if self.w.seen(iid):
            return iid
        persona = o.type in ("linkedin-url", "sha256", "pdq")
        self.w.add(
            self._sdo(
                "indicator",
                o.key,
                t0,
                name=f"{'Persona' if persona else 'Pivot'} {o.type}: {o.value}"[:300],
                description=(
                    f"LinkedIn persona ({o.type}) that made a suspected hostile-state approach."
                    if persona
                    else f"Off-platform contact ({o.type}) given by a suspected hostile-state persona."
                ),
                indicator_types=["malicious-activity", "attribution"],
                pattern=pattern_for(o.type, o.value),
                pattern_type="stix",
                valid_from=t0,
                confidence=CONFIDENCE.get(level, 30),
            )
        )
        if self.camp_id and self.opts.campaign:
            self._relate("indicates", iid, self.camp_id, t0)
        return iid

    def add(self, a: dict[str, Any]) -> bool:
        """Write the objects of one approach; False if it was left out (not flagged)."""
        opts, w = self.opts, self.w
        if a.get("level") not in FLAGGED and not opts.include_unflagged:
            self.stats.skipped_unflagged += 1
            return False
        aid = str(a.get("approach_id"))
        if aid in self.done:
            return False  # the same approach twice in the input
        self.done.add(aid)
        self.stats.approaches += 1
        level = str(a.get("level"))
        t0, t1 = _times(a, self.now)
        self.first_seen = t0 if self.first_seen is None else min(self.first_seen, t0)
        self.last_seen = t1 if self.last_seen is None else max(self.last_seen, t1)
        name = str(a.get("sender_name") or "")
        url = normalise_profile_url(a.get("sender_profile_url"))
        url = url if url and url.startswith("https://linkedin.com/") else None

        refs: list[str] = []
        pivots = approach_observables(a)
        if url:
            refs.append(self._persona(url, name, t0))
            pivots.insert(0, observables.Observable("linkedin-url", url))
        ind_ids: list[str] = []
        for o in pivots:
            if sco := _sco(o.type, o.value):
                refs.append(w.add(sco))
            ind_ids.append(self._indicator(o, t0, level))
        if opts.include_targets and (owner := normalise_profile_url(a.get("owner_profile_url"))):
            refs.append(w.add(linkedin_account(owner)))
        if not refs:  # observed-data needs at least one object
            refs.append(w.add(_placeholder_account(name, aid), shared=False))
        od_id = w.add(
            self._sdo(
                "observed-data",
                aid,
                t0,
                first_observed=t0,
                last_observed=t1,
                number_observed=1,
                object_refs=refs,
            ),
            shared=False,
        )
        for iid in ind_ids:
            self._relate("based-on", iid, od_id, t0, shared=False)
        if ind_ids:
            w.add(
                self._sdo(
                    "sighting",
                    aid,
                    t0,
                    sighting_of_ref=ind_ids[0],
                    observed_data_refs=[od_id],
                    where_sighted_refs=[self.org_id],
                    first_seen=t0,
                    last_seen=t1,
                    count=1,
                ),
                shared=False,
            )
        n_flags = len(a.get("findings") or [])
        abstract = f"lurewatch: score {int(a.get('score') or 0)} ({level}), {n_flags} red flags"
        w.add(
            self._sdo(
                "note",
                aid,
                t1,
                abstract=abstract,
                content=_note_text(a, opts),
                object_refs=[od_id] + ind_ids[:1],
            ),
            shared=False,
        )
        return True

    def close(self) -> ExportStats:
        opts, w = self.opts, self.w
        start = self.first_seen or self.now
        end = self.last_seen or start
        if opts.campaign and self.camp_id:
            c = self._sdo("campaign", opts.campaign.key, start, name=opts.campaign.name[:300])
            c |= {"first_seen": start, "last_seen": end}
            if opts.campaign.description:
                c["description"] = opts.campaign.description[:5000]
            w.add(c)
        for i, n in enumerate(opts.analyst_notes):
            text = str(n.get("text") or "")
            w.add(
                self._sdo(
                    "note",
                    f"{self.key}|analyst|{i}",
                    stix_time(n.get("created_at"), start),
                    abstract="Analyst note",
                    content=redact(text) if opts.redact_text else text[:20000],
                    object_refs=[self.wrapper_id],
                ),
                listed=False,
            )
        wrapper = self._sdo(opts.wrapper, self.key, start, name=opts.title[:300])
        if opts.wrapper == "report":
            wrapper |= {"report_types": ["campaign" if opts.campaign else "threat-actor"], "published": end}
        else:
            wrapper |= {"context": "suspicious-activity"}
        w.close_with(wrapper)
        self.stats.objects = w.count
        return self.stats


def export_stix(approaches: Iterable[dict[str, Any]], out: IO[str], opts: ExportOptions) -> ExportStats:
    """Write one STIX 2.1 bundle for the approaches to `out`; returns what was written."""
    ex = StixExporter(out, opts)
    for a in approaches:
        ex.add(a)
    return ex.close()


def _placeholder_account(name: str, aid: str) -> dict[str, Any]:
    return {
        "type": "user-account",
        "spec_version": "2.1",
        "id": sco_id("user-account", {"user_id": f"lurewatch:{aid}"}),
        "user_id": f"lurewatch:{aid}",
        "display_name": name[:300] or "unknown sender",
    }


def _note_text(a: dict[str, Any], opts: ExportOptions) -> str:
    lines = ["Red flags:"]
    for f in a.get("findings") or []:
        ev = str(f.get("evidence") or "")
        ev = redact(ev) if opts.redact_text else ev[:500]
        lines.append(f"- {f.get('indicator')} {f.get('title')} (weight {f.get('weight')}): {ev}")
    lines.append("")
    lines.append("Messages from the sender:")
    for m in a.get("messages") or []:
        if not m.get("inbound", True) and not opts.include_targets:
            continue  # the target's own words stay at home unless targets are included
        body = str(m.get("text") or "")
        body = redact(body) if opts.redact_text else body[:5000]
        who = "sender" if m.get("inbound", True) else "target"
        lines.append(f"[{m.get('sent_at') or '?'}] {who}: {body}")
    return "\n".join(lines)[:60000]
