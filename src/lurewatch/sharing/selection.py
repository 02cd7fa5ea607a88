"""What an export covers: stored approaches chosen by id, by flag, by case or by campaign.

Cases and their analyst notes come from the server's tables (`lurewatch.server.tables`) when the server
part is installed and the database has them; a campaign is the set of cases labelled with it. The
adapters are thin on purpose: everything downstream works on contract dicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import inspect, select

from lurewatch.sharing import tlp
from lurewatch.sharing.stix_export import FLAGGED, Campaign
from lurewatch.store.db import Store


class SelectionError(ValueError):
    """The selection cannot be made (unknown case, no server tables ...); the message says why."""


@dataclass(slots=True)
class Selection:
    key: str  # stable description, e.g. "case:12", for deterministic bundle ids
    title: str
    approach_ids: list[str] | None = None  # None: every stored approach
    min_tlp: str = "clear"  # the export may not be marked below this: the strictest TLP of what it holds
    pap: str | None = None
    campaign: Campaign | None = None
    notes: list[dict[str, Any]] = field(default_factory=list)

    def approaches(self, store: Store, include_unflagged: bool = False) -> Iterator[dict[str, Any]]:
        if self.approach_ids is None:
            for a in store.iter_approaches():
                if include_unflagged or a.get("level") in FLAGGED:
                    yield a
            return
        for aid in self.approach_ids:
            a = store.get(aid)
            if a is not None and (include_unflagged or a.get("level") in FLAGGED):
                yield a


def flagged() -> Selection:
    return Selection(key="flagged", title="lurewatch: flagged approaches")


def by_ids(ids: list[str]) -> Selection:
    return Selection(
        key="ids:" + ",".join(sorted(ids)), title="lurewatch: selected approaches", approach_ids=ids
    )


def _server_tables(store: Store) -> Any:
    from lurewatch.db import server_tables as tables

    if not inspect(store.engine).has_table("cases"):
        raise SelectionError(f"the database {store.url} has no cases (it is not a server database)")
    return tables


def by_case(store: Store, case_id: int) -> Selection:
    t = _server_tables(store)
    with store.engine.connect() as conn:
        case = conn.execute(select(t.cases).where(t.cases.c.id == case_id)).first()
        if case is None:
            raise SelectionError(f"no case {case_id}")
        ids = [
            r[0]
            for r in conn.execute(
                select(t.case_approaches.c.approach_id)
                .where(t.case_approaches.c.case_id == case_id)
                .order_by(t.case_approaches.c.approach_id)
            )
        ]
        notes = [
            {"text": r.text, "created_at": r.created_at}  # never the author: reporters and analysts stay home
            for r in conn.execute(select(t.notes).where(t.notes.c.case_id == case_id).order_by(t.notes.c.id))
        ]
        floor = tlp_floor(conn, t, [case_id], ids)  # read after the ids: a merge seen there is seen here
    camp = Campaign(key=case.campaign, name=case.campaign) if case.campaign else None
    return Selection(
        key=f"case:{case_id}",
        title=f"lurewatch case {case_id}: {case.title}"[:300],
        approach_ids=ids,
        min_tlp=floor,
        pap=case.pap,
        campaign=camp,
        notes=notes,
    )


def by_campaign(store: Store, campaign: str) -> Selection:
    """The cases labelled with `campaign` (server database), else the campaign with that id found by
    linking the stored approaches (`lurewatch.linking.link`)."""
    if inspect(store.engine).has_table("cases"):
        sel = _campaign_cases(store, campaign)
        if sel is not None:
            return sel
    return _linked_campaign(store, campaign)


def _campaign_cases(store: Store, campaign: str) -> Selection | None:
    t = _server_tables(store)
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.cases.c.id, t.cases.c.tlp).where(t.cases.c.campaign == campaign).order_by(t.cases.c.id)
        ).all()
        if not rows:
            return None
        case_ids = [r.id for r in rows]
        ids = [
            r[0]
            for r in conn.execute(
                select(t.case_approaches.c.approach_id)
                .where(t.case_approaches.c.case_id.in_(case_ids))
                .order_by(t.case_approaches.c.approach_id)
            )
        ]
        strictest = tlp_floor(conn, t, case_ids, ids)
    return Selection(
        key=f"campaign:{campaign}",
        title=f"lurewatch campaign {campaign}"[:300],
        approach_ids=ids,
        min_tlp=strictest,
        campaign=Campaign(key=campaign, name=campaign, description=f"{len(case_ids)} case(s) in lurewatch"),
    )


def _linked_campaign(store: Store, campaign: str) -> Selection:
    from lurewatch.linking import link

    for c in link(store.iter_approaches()):
        if c.get("campaign_id") == campaign:
            ids = [a["approach_id"] for a in c.get("approaches", [])]
            desc = (
                f"{c.get('size')} approaches linked by lurewatch from {len(c.get('senders') or [])} sender(s); "
                f"evidence: {', '.join(sorted({e.get('kind', '') for e in c.get('edges') or []}))}"
            )
            return Selection(
                key=f"campaign:{campaign}",
                title=f"lurewatch campaign {campaign}"[:300],
                approach_ids=ids,
                min_tlp=_linked_floor(store, ids),
                campaign=Campaign(key=campaign, name=f"lurewatch campaign {campaign}", description=desc),
            )
    raise SelectionError(f"no campaign {campaign!r} (see `lurewatch link`)")


def tlp_floor(conn: Any, t: Any, case_ids: list[int], approach_ids: list[str]) -> str:
    """The strictest TLP of the given cases, of the cases now holding the approaches, and of every case
    merged into any of them (at any depth): an export may not be marked below what it contains."""
    seen: set[int] = set(case_ids)
    for i in range(0, len(approach_ids), 500):
        chunk = approach_ids[i : i + 500]
        seen.update(r[0] for r in conn.execute(
            select(t.case_approaches.c.case_id).where(t.case_approaches.c.approach_id.in_(chunk))))
    levels: list[str] = []
    frontier = sorted(seen)
    for i in range(0, len(frontier), 500):
        levels += [r[0] for r in conn.execute(select(t.cases.c.tlp).where(t.cases.c.id.in_(frontier[i : i + 500])))]
    while frontier:  # merged_into chains: a case merged into one that was itself merged, and so on
        rows = []
        for i in range(0, len(frontier), 500):
            rows += conn.execute(
                select(t.cases.c.id, t.cases.c.tlp).where(t.cases.c.merged_into.in_(frontier[i : i + 500]))
            ).all()
        frontier = sorted({r.id for r in rows} - seen)
        seen.update(frontier)
        levels += [r.tlp for r in rows]
    return max((tlp.normalise(lv or "amber") for lv in levels), key=tlp.rank, default="clear")


def _linked_floor(store: Store, ids: list[str]) -> str:
    """A campaign found by linking, in a server database: the TLP of the cases holding its approaches."""
    if not inspect(store.engine).has_table("cases"):
        return "clear"
    t = _server_tables(store)
    with store.engine.connect() as conn:
        return tlp_floor(conn, t, [], ids)


def check_tlp(selection: Selection, level: str) -> str:
    """The export's TLP; refuses to mark data below the strictest TLP of the cases it draws on."""
    lv = tlp.normalise(level)
    if tlp.rank(lv) < tlp.rank(selection.min_tlp):
        raise tlp.TLPError(
            f"refused: {selection.key} is TLP:{selection.min_tlp.upper()}; it cannot be exported as "
            f"TLP:{lv.upper()} (use --tlp {selection.min_tlp} or stricter)"
        )
    return lv
