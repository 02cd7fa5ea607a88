"""Code checks of the cyber family (rules/cyber.yaml): look-alike domains, a credential ask that follows an
invitation, and a survey or booking link after a long rapport. Registered in checks.REGISTRY."""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from lurewatch.indicators.checks import FREE_WEBMAIL, Hit, _domain, _steps, check
from lurewatch.indicators.lookalike import Target, find_lookalikes, hosts_in, split_host
from lurewatch.indicators.text import strip_quoted_replies
from lurewatch.model import Approach, Finding, Profile, headline_parts

MAX_HOSTS = 100  # per approach
_ORG_FILLER = frozenset("the ltd limited plc inc llc gmbh ag sa co corp corporation company group holdings of "
                        "and for".split())
# Words too common to stand for an organisation on their own ("National Meteorological Laboratory").
_GENERIC = frozenset("national international royal university institute general united global british "
                     "american european advanced applied first new north south east west central city "
                     "research science technology systems solutions services digital group".split())


_MEMO = threading.local()  # per thread: the last approach, the objects its texts came from, the texts


def _inbound_texts(a: Approach) -> list[tuple[str, str]]:
    """(text, place) of the sender's words, numbered as the engine numbers them. The three checks of this
    module look at the same approach in turn, so the last result is kept while its texts are unchanged."""
    key = [a, a.sender_name, a.profile, a.invitation_note, *(m.text for m in a.messages)]
    last = getattr(_MEMO, "last", None)
    if last is not None and len(last[0]) == len(key) and all(x is y for x, y in zip(last[0], key, strict=True)):
        return last[1]
    prof = a.profile
    names = (a.sender_name, *(x for x in ((prof.name, prof.email) if prof else ()) if x))
    out = [(a.invitation_note, "invitation note")] if a.invitation_note else []
    n = 0
    for m in a.messages:
        if m.inbound:
            n += 1
            out.append((f"{m.subject}\n{strip_quoted_replies(m.text, (*names, m.sender_name))}", f"message {n}"))
    _MEMO.last = (key, out)
    return out


def _no_hosts(a: Approach) -> bool:
    """True when no text the sender wrote holds a host: most approaches. Decided on the raw texts where
    quote stripping cannot change them (no attribution line), so the answer equals the full path's."""
    if a.invitation_note and _hosts_in(a.invitation_note):
        return False
    for m in a.messages:
        if not m.inbound:
            continue
        t = m.text
        if "wrote:" in t or "From:" in t or _hosts_in(t) or (m.subject and _hosts_in(m.subject)):
            return False
    return True


def _hosts(a: Approach) -> list[tuple[str, str]]:
    p = a.profile
    if (p is None or (not p.email and not any(u.startswith("mailto:") for u in p.urls[:10]))) and _no_hosts(a):
        return []
    return _all_hosts(a)


def _all_hosts(a: Approach) -> list[tuple[str, str]]:
    """(host, place) of the approach, at most MAX_HOSTS. The lookalike check runs twice per approach (owner
    and named targets): the last result is kept while the texts (the same memoised list) and the profile's
    addresses are unchanged."""
    texts = _inbound_texts(a)
    p = a.profile
    key = (a.source, p.email, tuple(p.urls[:10])) if p is not None else (a.source,)
    last = getattr(_MEMO, "hosts", None)
    if last is not None and last[0] is texts and last[1] == key:
        return list(last[2])
    out = _hosts_of(p, a.source, texts)
    _MEMO.hosts = (texts, key, tuple(out))
    return out


def _hosts_of(p: Profile | None, source: str, texts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if p is not None and p.email:
        out.append((_domain(p.email), "email.from" if source == "email" else "profile.email"))
    for u in (p.urls if p is not None else [])[:10]:
        if u.startswith("mailto:"):
            out.append((_domain(u[7:]), "email.reply-to"))
    for text, place in texts:
        out += [(h, place) for h in _hosts_in(text)]
        if len(out) >= MAX_HOSTS:
            break
    return [(h, pl) for h, pl in out[:MAX_HOSTS] if h]


@lru_cache(maxsize=16_384)  # more than the distinct texts of a realistic export's recurring templates
def _hosts_in(text: str) -> tuple[str, ...]:
    return tuple(hosts_in(text))


def _owner_targets(a: Approach) -> tuple[tuple[Target, ...], frozenset[str]]:
    o = a.owner
    if o is None:
        return (), frozenset()
    return _owner_targets_of(o.email or "", o.headline, tuple(x.company for x in o.positions if not x.end)[:3])


@lru_cache(maxsize=1024)
def _owner_targets_of(email: str, headline: str, companies: tuple[str, ...]) -> tuple[tuple[Target, ...],
                                                                                        frozenset[str]]:
    targets: list[Target] = []
    official: set[str] = set()
    dom = _domain(email)
    h = split_host(dom) if dom and dom not in FREE_WEBMAIL else None
    if h is not None:
        official.add(h.registered)
        targets.append(Target(re.sub(r"[^a-z0-9]", "", h.label), f"the recipient's own domain {h.registered}"))
    for name in [headline_parts(headline)[1], *companies]:
        toks = [t for t in re.findall(r"[a-z0-9]+", re.sub(r"\(.*?\)", " ", (name or "").casefold()[:200]))
                if t not in _ORG_FILLER]
        if not toks:
            continue
        what = f"the recipient's organisation ({' '.join(toks)[:80]})"
        keys = {"".join(toks), "".join(toks[:2])}
        if len(toks[0]) >= 5 and toks[0] not in _GENERIC:
            keys.add(toks[0])
        targets += [Target(k, what) for k in sorted(keys) if len(k) >= 5]
    return tuple(targets[:8]), frozenset(official)


_BRANDS: dict[int, tuple[dict[str, Any], Any]] = {}  # id(params) -> (params, index): one per indicator


def _brand_index(brands: dict[str, Any]) -> tuple[list[tuple[str, list[str], list[str]]], re.Pattern[str] | None,
                                                   dict[str, int], set[str]]:
    """(name, domains, labels) per brand, a pattern of their names, name -> brand, and every official domain;
    built once per indicator's params."""
    if not brands:
        return [], None, {}, set()
    hit = _BRANDS.get(id(brands))
    if hit is not None and hit[0] is brands:
        return hit[1]
    rows: list[tuple[str, list[str], list[str]]] = []
    names: dict[str, int] = {}
    official: set[str] = set()
    for i, (key, v) in enumerate(brands.items()):
        rows.append((str(key), [str(d).casefold() for d in v.get("domains", [])],
                     [str(x).casefold() for x in v.get("labels", [])]))
        for n in v.get("names", [key]):
            names[str(n).casefold()] = i
        official |= set(rows[-1][1])
    alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.-])(?:{alt})(?![\w-])", re.I) if alt else None
    _BRANDS[id(brands)] = (brands, (rows, pattern, names, official))
    return rows, pattern, names, official


@check("lookalike_domain")
def lookalike_domain(a: Approach, target: str = "owner", brands: dict[str, Any] | None = None,
                     words: list[str] | None = None, max_named: int = 8) -> Hit:
    """A host in the approach imitates the recipient's organisation (target: owner) or a well-known
    organisation that the messages name (target: named; `brands`: name -> names, domains, labels)."""
    hosts = _hosts(a)
    if not hosts:  # most messages carry no link or address at all
        return []
    rows, pattern, names, brand_official = _brand_index(brands or {})
    if target == "owner":
        targets, official = _owner_targets(a)
    else:
        named: list[int] = []
        if pattern is not None:
            for text, _ in _inbound_texts(a):
                for i in _named_in(text, pattern, names):
                    if i not in named:
                        named.append(i)
                if len(named) >= max_named:
                    break
        targets = tuple(Target(lab, f"{rows[i][0]} ({rows[i][1][0] if rows[i][1] else lab})")
                        for i in named[:max_named] for lab in rows[i][2])
        official = _owner_targets(a)[1]
    if not targets:
        return []
    return list(find_lookalikes(hosts, targets, official | brand_official, _words(tuple(words or ()))))[:3]


# Per brand index (its names dict, held so that its id stays unique): text -> the brands it names, in order.
_NAMED: dict[int, tuple[dict[str, int], dict[str, tuple[int, ...]]]] = {}


def _named_in(text: str, pattern: re.Pattern[str], names: dict[str, int]) -> tuple[int, ...]:
    """The brands a text names (indices into the brand rows, first mention first): a pure function of the
    text, remembered for texts up to 4,000 characters since templates recur."""
    entry = _NAMED.get(id(names))
    if entry is None or entry[0] is not names:
        entry = _NAMED[id(names)] = (names, {})
    memo = entry[1]
    hit = memo.get(text)
    if hit is not None:
        return hit
    low = text[:20_000].casefold()
    out: list[int] = []
    if any(n in low for n in names):  # plain substring tests are much faster than the pattern
        for m in pattern.finditer(low):
            i = names.get(m.group(0).casefold())
            if i is not None and i not in out:
                out.append(i)
    if len(text) <= 4_000 and len(memo) < 16_384:
        memo[text] = tuple(out)
    return tuple(out)


@lru_cache(maxsize=8)
def _words(words: tuple[str, ...]) -> frozenset[str]:
    return frozenset(w.casefold() for w in words)


_INVITATION = re.compile(
    r"\b(?:invit\w{0,8}|conference|summit|round-?table|webinar|workshop|symposium|panel|forum|event|keynote|"
    r"speak(?:er|ing)|role|position|vacanc\w{0,3}|opportunit\w{0,3}|interview\w{0,3}|"
    r"shared (?:a|the|this) (?:document|file|folder|draft)|shared with you|document for you)\b", re.I)
_PLACE = re.compile(r"message (\d+)")


def _index(place: str) -> int:
    m = _PLACE.search(place)
    return int(m.group(1)) if m else 0


@check("credential_after_invitation")
def credential_after_invitation(a: Approach, findings: list[Finding], ids: list[str] | None = None) -> Hit:
    """A credential or consent ask in a thread that began with an event or job invitation or a shared
    document (the sign-in page is the point of the invitation)."""
    asks = [f for f in findings if f.indicator in set(ids or ())]
    if not asks:
        return []
    last = max(_index(f.field) for f in asks)
    for text, place in _inbound_texts(a):
        if _index(place) > last:
            break
        m = _INVITATION.search(text[:20_000])
        if m:
            return [(f"the ask for credentials follows an invitation or shared document ('{m.group(0)}' in "
                     f"{place})", "thread")]
    return []


_LINK_ASK = re.compile(
    r"\b(?:survey|questionnaire|poll|form|booking|book (?:a|your) (?:slot|time|call|meeting)|calendar|"
    r"schedul\w{0,4}|appointment|pick a time|choose a time|time ?slot)\b", re.I)
_ASKS = {"offer", "pivot", "request", "files", "secrecy", "travel"}


@check("link_after_rapport")
def link_after_rapport(a: Approach, findings: list[Finding], min_messages: int = 4, min_days: int = 21) -> Hit:
    """A survey or booking link that arrives only after weeks of friendly messages that asked nothing."""
    inbound = [m for m in a.messages if m.inbound]
    if len(inbound) <= min_messages or not inbound[0].sent_at:
        return []
    per = _steps(findings)
    for k, m in enumerate(inbound[min_messages:], start=min_messages + 1):
        if any(per.get(f"message {j}", set()) & _ASKS for j in range(1, k)):
            return []  # something was asked before: not a quiet rapport
        try:
            days = (m.sent_at - inbound[0].sent_at).days if m.sent_at else -1
        except TypeError:  # a naive and an aware time in one thread: no reliable span
            return []
        if days < min_days:
            continue
        text = m.text[:20_000]
        hit = _LINK_ASK.search(text)
        if hit and hosts_in(text, 5):
            return [(f"after {k - 1} messages over {days} days that asked nothing, message {k} sends a "
                     f"{hit.group(0).lower()} link", "thread")]
    return []
