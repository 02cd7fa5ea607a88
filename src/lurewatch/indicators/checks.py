"""Code checks that indicator files name with `check:` (structured fields, dates, thread shape).

Each check returns a list of (evidence, field) pairs; empty means the indicator does not fire.
Profile and advert checks take (approach, **params); thread checks also get the findings so far.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from lurewatch.indicators.text import SearchMemo
from lurewatch.model import Approach, Finding, Position
from lurewatch.urls import domain_parts

Hit = list[tuple[str, str]]
REGISTRY: dict[str, Callable[..., Hit]] = {}

FREE_WEBMAIL = frozenset(
    ["gmail.com", "googlemail.com", "hotmail.com", "hotmail.co.uk", "outlook.com", "live.com", "msn.com", "yahoo.com", "yahoo.co.uk", "ymail.com", "aol.com", "icloud.com", "me.com", "mail.com", "gmx.com", "gmx.de", "gmx.net", "proton.me", "protonmail.com", "pm.me", "tutanota.com", "tuta.io", "yandex.com", "yandex.ru", "qq.com", "163.com", "126.com", "sina.com", "sohu.com", "foxmail.com", "mail.ru", "inbox.ru", "rambler.ru", "zoho.com"]
)
_SENIOR = re.compile(
    r"\b(senior|director|head|chief|partner|principal|president|vice|vp|fellow|executive|lead|"
    r"managing|founder|chair|dean|professor|global|international)\b", re.I)


def check(name: str) -> Callable[[Callable[..., Hit]], Callable[..., Hit]]:
    def deco(fn: Callable[..., Hit]) -> Callable[..., Hit]:
        REGISTRY[name] = fn
        return fn
    return deco


def parse_date(value: Any) -> date | None:
    """Lenient partial ISO dates from JSON Resume: 2022, 2022-09, 2022-09-14, 2022-09-14T..."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    s = str(value).strip()[:10]
    for fmt, n in (("%Y-%m-%d", 10), ("%Y-%m", 7), ("%Y", 4)):
        try:
            return datetime.strptime(s[:n], fmt).date()
        except ValueError:
            continue
    return None


def _reference_day(a: Approach) -> date:
    fc = a.first_contact
    return fc.date() if fc else datetime.now(UTC).date()


@check("account_age")
def account_age(a: Approach, max_days: int = 365) -> Hit:
    p = a.profile
    created = parse_date(p.account_created) if p else None
    if created is None:
        return []
    age = (_reference_day(a) - created).days
    if age < 0 or age > max_days:
        return []
    return [(f"account created {created.isoformat()}, {age} days before the first contact", "profile.meta.accountCreated")]


@check("established_profile")
def established_profile(a: Approach, min_years: float = 3, min_connections: int = 500) -> Hit:
    p = a.profile
    if p is None or p.connections is None or p.connections < min_connections:
        return []
    created = parse_date(p.account_created)
    if created is None:
        return []
    years = (_reference_day(a) - created).days / 365.25
    if years < min_years or len(p.positions) < 2:
        return []
    return [(f"account {years:.0f} years old, {p.connections} connections, {len(p.positions)} positions",
             "profile.meta")]


@check("few_connections")
def few_connections(a: Approach, max_connections: int = 100) -> Hit:
    p = a.profile
    if p is None or p.connections is None:
        return []
    if p.connections >= max_connections:
        return []
    return [(f"{p.connections} connections", "profile.meta.connections")]


def _career_unseen(a: Approach) -> bool:
    """The profile holds only what a thread's header shows (a screenshot without the profile page, which
    always shows the connections): its career is unknown, not short."""
    return a.source == "screenshot" and a.profile is not None and a.profile.connections is None


@check("thin_profile")
def thin_profile(a: Approach, max_positions: int = 1, min_summary_chars: int = 80) -> Hit:
    p = a.profile
    if p is None or (a.source == "email" and not p.url) or _career_unseen(a):
        return []  # an e-mail sender's "profile" is only a name and an address, not a thin persona
    summary = (p.summary or "").strip()
    if len(p.positions) > max_positions or len(summary) >= min_summary_chars:
        return []
    return [(f"{len(p.positions)} position(s), {len(summary)}-character summary, "
             f"{len(p.activity)} recent post(s)", "profile")]


def _years(p: list[Position], until: date) -> float:
    starts = [d for d in (parse_date(x.start) for x in p) if d]
    return (until - min(starts)).days / 365.25 if starts else 0.0


@check("inflated_title")
def inflated_title(a: Approach, min_years: float = 6) -> Hit:
    p = a.profile
    if p is None or _career_unseen(a):
        return []
    title = p.positions[0].title if p.positions else ""
    for t in (p.headline, title):
        if t and _SENIOR.search(t):
            years = _years(p.positions + p.education[:0], _reference_day(a))
            if not p.positions or years < min_years:
                return [(f'title "{t[:120]}" with {years:.1f} years of listed career', "profile.headline")]
            break
    return []


@check("date_inconsistency")
def date_inconsistency(a: Approach) -> Hit:
    p = a.profile
    if p is None:
        return []
    today = _reference_day(a)
    out: Hit = []
    spans = []
    for i, pos in enumerate(p.positions):
        s, e = parse_date(pos.start), parse_date(pos.end)
        label = f"{pos.title or '?'} at {pos.company or '?'}"
        if s and e and e < s:
            out.append((f"{label} ends ({pos.end}) before it starts ({pos.start})", f"profile.work[{i}]"))
        if s and s > today:
            out.append((f"{label} starts in the future ({pos.start})", f"profile.work[{i}]"))
        if s:
            spans.append((s, e or today, label, i))
    senior = [x for x in spans if _SENIOR.search(x[2])]
    for j, (s1, e1, l1, i1) in enumerate(senior):
        for s2, e2, l2, i2 in senior[j + 1:]:
            overlap = (min(e1, e2) - max(s1, s2)).days
            if overlap > 180:
                out.append((f"{l1} and {l2} overlap for {overlap // 30} months", f"profile.work[{i1}],[{i2}]"))
    for k, ed in enumerate(p.education):
        s, e = parse_date(ed.start), parse_date(ed.end)
        if s and e and e < s:
            out.append((f"education at {ed.company or '?'} ends before it starts", f"profile.education[{k}]"))
    return out[:3]


_BUZZ = re.compile(
    r"\b(passionat\w*|leverag\w*|synerg\w*|innovat\w*|dynamic|cutting[- ]edge|world[- ]class|"
    r"results[- ]driven|transformativ\w*|impactful|visionary|fast[- ]paced|ever[- ]evolving|landscape|"
    r"delv\w*|tapestry|seamless\w*|robust|holistic|empower\w*|unlock\w*|elevat\w*|spearhead\w*|"
    r"thought leader\w*|game[- ]chang\w*|best[- ]in[- ]class|value[- ]add\w*|disrupt\w*|"
    r"as an ai language model|in today's)\b", re.I)


@check("machine_text")
def machine_text(a: Approach, min_words: int = 25, max_ratio: float = 0.12) -> Hit:
    p = a.profile
    if p is None:
        return []
    text = " ".join(x for x in (p.summary, *(q.summary for q in p.positions)) if x)
    words = re.findall(r"[A-Za-z']+", text)
    if len(words) < min_words:
        return []
    buzz = _BUZZ.findall(text)
    ratio = len(buzz) / len(words)
    if "as an ai language model" in text.lower() or (ratio >= max_ratio and len(buzz) >= 5):
        sample = ", ".join(dict.fromkeys(b.lower() for b in buzz))[:160]
        return [(f"{len(buzz)} stock phrases in {len(words)} words ({sample})", "profile.summary")]
    return []


def _steps(findings: list[Finding]) -> dict[str, set[str]]:
    """Categories of findings per message place ("message 1", "message 2"...)."""
    per: dict[str, set[str]] = {}
    for f in findings:
        text = f.field + " " + f.evidence
        if "message " not in text:  # most findings are of the profile or the thread
            continue
        for place in _PLACE.findall(text):
            per.setdefault(place, set()).add(f.category)
    return per


_PLACE = re.compile(r"message \d+")


_ESCALATING = {"request", "secrecy", "travel", "files"}  # a later "shall we WhatsApp?" alone is common
# Asks that make a thread escalate on their own when they come after the first message: non-public
# information, the work password or a 2-step code, consent for an app to read the mailbox.
_STRONG_LATER = {"LW-REQ-001", "LW-CYBER-001", "LW-CYBER-003"}


@check("escalation")
def escalation(a: Approach, findings: list[Finding]) -> Hit:
    per = _steps(findings)
    if "message 1" not in per and len(a.inbound) < 2:
        return []
    first = per.get("message 1", set())
    later: set[str] = set()
    for place, cats in per.items():
        if place != "message 1":
            later |= cats & _ESCALATING
    new = sorted(later - first)
    strong = {"secrecy", "files"} & set(new) or any(
        f.indicator in _STRONG_LATER and "message 1" not in f.field for f in findings)
    # One ordinary follow-up ask (a recruiter's clearance question) is not escalation; two new kinds of
    # ask, or secrecy, files or sensitive information appearing later, are.
    if not new or len(a.inbound) < 2 or (len(new) < 2 and not strong):
        return []
    return [(f"the first message asks little; later messages add: {', '.join(new)}", "thread")]


_HESITATION = re.compile(
    r"\b(check with|ask|tell|inform|clear it with|need (?:to )?(?:get )?(?:approval|permission)|not sure|"
    r"not comfortable|uncomfortable|can't|cannot|won't|not allowed|not interested|no thanks|decline|"
    r"confidential|need to think)\b", re.I)
_PUSH = re.compile(
    r"\b(no need|don't worry|do not worry|nothing (?:confidential|sensitive)|just your (?:personal )?opinion|"
    r"personal capacity|double|doubled|increase the fee|more money|higher fee|only public|harmless|"
    r"no one will know|between us|it is fine|it's fine|of course)\b", re.I)


@check("pushes_past_hesitation")
def pushes_past_hesitation(a: Approach, findings: list[Finding]) -> Hit:
    hesitated = False
    for m in a.messages:
        if not m.inbound:
            if _HESITATION_SEEN.span(m.text) is not None:
                hesitated = True
            continue
        if hesitated:
            hit = _PUSH_SEEN.span(m.text)
            if hit is not None:
                return [(f'after the recipient hesitated: "…{m.text[max(0, hit[0] - 60):hit[1] + 80].strip()}…"',
                         "thread")]
    return []


_HESITATION_SEEN, _PUSH_SEEN = SearchMemo(_HESITATION), SearchMemo(_PUSH)


# The recipient names the formal route (a portal, an office, a process, legal, a policy) or declines.
# Bounded patterns: a verb of routing within a few words of a route noun, or a plain refusal.
_ROUTE = re.compile(
    r"\b(?:through|via|go(?:es)? through|comes? through|handled by|request(?:ed)? (?:it |access )?(?:there|in)|"
    r"submit(?:ted)?|use|under|needs?|has to|have to|must|would have to|goes to|covered by)\b"
    r"(?:\W+\w+){0,5}?\W+"
    r"(?:portal|process|processes|procedure|office|team|department|desk|cent(?:re|er)|counsel|legal|lawyers?|"
    r"compliance|procurement|programme|program|committee|agreement|nda|channel|platform|route|review|"
    r"approval|sign-?off|policy|rules|relations|delegate|contract|clearance)\b"
    r"|\b(?:can(?:no|')t|cannot|won't|not (?:able|allowed|permitted|in a position|comfortable|something)|"
    r"(?:i'?d|would) rather not|isn't public|not public|aren't public|decline|off[- ]limits)\b", re.I)
# A later ask from the sender...
_ASK = re.compile(
    r"\b(?:could you|can you|would you|will you|if you could|you could just|please (?:send|forward|share|upload|pass|"
    r"email|mail|drop|put|attach|sign|grant|open|run)|(?:send|forward|share|upload|pass|email|mail|drop) (?:me|us|it|them|"
    r"over|across|the|your|a copy)|let me (?:have|see)|would do|all (?:we|i) need|only need|just need)\b", re.I)
_OFFER_BEFORE = re.compile(r"\b(?:we|i)(?: can| will|'ll| could| would)?\s+$", re.I)  # "we can send them": an offer
# ... that goes around the route: now, directly, informally, in parallel, tidied up later.
_AROUND = re.compile(
    r"\b(?:directly|in parallel|meanwhile|in the meantime|catch up|afterwards|after the fact|retroactive\w*|"
    r"to keep (?:things |it )?moving|speed (?:things |it )?up|quicker|faster|turnaround|takes? (?:too long|weeks|months)|"
    r"rather than|instead of|without (?:going through|waiting|involving|the)|skip|bypass\w*|around (?:the|it)|"
    r"informal(?:ly)?|off the record|unofficial(?:ly)?|between ourselves|just between|outside (?:the|of)|"
    r"no need (?:to|for)|don't need to|needn't|(?:nobody|no one) (?:will|would|needs? to|has to) (?:know|see|be told|find out)|"
    r"never (?:published|attributed|shared)|"
    r"today|tonight|before (?:the|it|friday|monday)|ahead of|even (?:the|a|just))\b", re.I)


def _sentence_at(text: str, i: int) -> str:
    start = max(text.rfind(". ", 0, i), text.rfind("? ", 0, i), text.rfind("\n", 0, i))
    start = 0 if start < 0 else start + 2
    end = min([j for j in (text.find(". ", i), text.find("? ", i), text.find("\n", i)) if j >= 0] or [len(text)])
    return text[start:end + 1].strip()[:200]


@check("goes_around_named_route")
def goes_around_named_route(a: Approach, findings: list[Finding]) -> Hit:
    """The recipient names the formal route or declines, and a later message from the sender still asks,
    now or around that route. Legitimate contacts take the route they are given."""
    key = tuple((m.inbound, m.text) for m in a.messages[:50])
    hit = _AROUND_MEMO.get(key)
    if hit is None:
        hit = _around_route(key)
        if len(_AROUND_MEMO) < 16_384 and sum(len(t) for _, t in key) <= 20_000:
            _AROUND_MEMO[key] = hit
    return list(hit)


# A pure function of the thread's (direction, text) pairs, asked twice per approach (the rule and the
# combiner's input) and again for every copy of a recurring thread.
_AROUND_MEMO: dict[tuple, tuple[tuple[str, str], ...]] = {}


def _around_route(thread: tuple[tuple[bool, str], ...]) -> tuple[tuple[str, str], ...]:
    route = None
    for inbound, full in thread:
        text = full[:2_000]
        if not inbound:
            hit = _ROUTE.search(text)
            if hit and route is None:
                route = _sentence_at(text, hit.start())
            continue
        if route is None:
            continue
        asks = [x for x in _ASK.finditer(text) if not _OFFER_BEFORE.search(text, max(0, x.start() - 14), x.start())]
        around = _AROUND.search(text)
        if asks and around:
            return ((f'the recipient said: "{route}"; the sender then: "{_sentence_at(text, around.start())}"',
                     "thread"),)
    return ()


def _domain(addr: str | None) -> str:
    return addr.rsplit("@", 1)[-1].strip().lower().rstrip(">") if addr and "@" in addr else ""


@check("webmail_sender")
def webmail_sender(a: Approach) -> Hit:
    p = a.profile
    if a.source != "email" or p is None or not p.email:
        return []
    if _domain(p.email) in FREE_WEBMAIL:
        return [(f"sent from {p.email}, a free webmail address", "email.from")]
    return []


@check("reply_to_mismatch")
def reply_to_mismatch(a: Approach) -> Hit:
    p = a.profile
    if a.source != "email" or p is None or not p.email:
        return []
    for u in p.urls:
        if u.startswith("mailto:"):
            rt = u[7:]
            if rt.lower() != p.email.lower() and _domain(rt) != _domain(p.email):
                return [(f"From {p.email} but replies go to {rt}", "email.reply-to")]
    return []


_ORG_FILLER = frozenset("the ltd limited plc inc llc gmbh ag sa co corp corporation company group holdings of and "
                        "&".split())


def _org_keys(a: Approach) -> set[str]:
    """Compact forms of the recipient's organisation ("Corvane Dynamics Ltd" -> corvane, corvanedynamics)."""
    from lurewatch.model import headline_parts

    o = a.owner
    if o is None:
        return set()
    names = [headline_parts(o.headline)[1]] + [x.company for x in o.positions if not x.end]
    keys: set[str] = set()
    for name in names:
        toks = [t for t in re.findall(r"[a-z0-9]+", re.sub(r"\(.*?\)", " ", (name or "").casefold()))
                if t not in _ORG_FILLER]
        if toks and len(toks[0]) >= 4:
            keys |= {toks[0], "".join(toks), "".join(toks[:2])}
    return keys


def _registrable(domain: str) -> tuple[str, str]:
    """(name, registrable domain): mail.corvane.co.uk -> (corvane, corvane.co.uk); an unknown suffix
    (.example, .internal) counts as one label."""
    name, suffix = domain_parts(domain)
    if not suffix:
        parts = domain.casefold().split(".")
        name, suffix = (parts[-2], parts[-1]) if len(parts) >= 2 else (domain.casefold(), "")
    return re.sub(r"[^a-z0-9]", "", name.casefold()), f"{name}.{suffix}".casefold().strip(".")


@check("internal_sender")
def internal_sender(a: Approach) -> Hit:
    """An e-mail from the recipient's own organisation: the sender's domain is the owner's mail domain, or
    its name is the organisation in the owner's headline. Not when replies go elsewhere (a spoofer needs the
    answer) and never for free webmail."""
    p = a.profile
    if a.source != "email" or p is None or not p.email or reply_to_mismatch(a):
        return []
    dom = _domain(p.email)
    if not dom or dom in FREE_WEBMAIL:
        return []
    label, reg = _registrable(dom)
    o = a.owner
    if o is not None and o.email and _domain(o.email) and _registrable(_domain(o.email))[1] == reg:
        return [(f"sent from {dom}, the recipient's own mail domain", "email.from")]
    if label and label in _org_keys(a):
        return [(f"sent from {dom}, the domain of the recipient's organisation", "email.from")]
    return []


def stays_inside(a: Approach) -> bool:
    """An internal e-mail (`internal_sender`) whose every link, address and named host lies on the sender's
    own registrable domain: nothing in it leads outside the organisation. A forged From needs somewhere to
    send the victim (a sign-in page, an address, a reply-to), so a forger gains little here; a hijacked
    internal account still can, which is why this only feeds the combiner's `internal_only` input."""
    from lurewatch.indicators.lookalike import MAX_HOSTS_PER_TEXT, MAX_TOKEN, hosts_in

    if not internal_sender(a):
        return False
    inbound = a.inbound
    if len(inbound) > MAX_INSIDE_MESSAGES:
        return False
    reg = _registrable(_domain(a.profile.email if a.profile else ""))[1]
    for m in inbound:
        # What is not read cannot be vouched for: a text padded past the bound, more hosts than the host
        # reader returns, or a "word" too long for it to look at (a long URL) counts as leading outside.
        if len(m.text) > MAX_INSIDE_CHARS:
            return False
        hosts = hosts_in(m.text)
        if len(hosts) >= MAX_HOSTS_PER_TEXT or any(
                len(tok) > MAX_TOKEN and "." in tok for tok in m.text.split()):
            return False
        for h in hosts:
            if h in FREE_WEBMAIL or _registrable(h)[1] != reg:
                return False
    return True


MAX_INSIDE_MESSAGES, MAX_INSIDE_CHARS = 20, 20_000  # bounded: hostile text (longer is never "inside")


@check("advert_missing")
def advert_missing(a: Approach, field: str = "company_profile", min_chars: int = 30) -> Hit:
    ad = a.advert
    if ad is None:
        return []
    value = (getattr(ad, field, "") or "").strip()
    if len(value) >= min_chars:
        return []
    return [(f"{field.replace('_', ' ')} is {'empty' if not value else 'only ' + repr(value[:40])}", f"advert.{field}")]


@check("advert_no_logo")
def advert_no_logo(a: Approach) -> Hit:
    ad = a.advert
    if ad is None or ad.has_company_logo is not False:
        return []
    return [("no company logo", "advert.has_company_logo")]


_NUM = re.compile(r"\d[\d,.]*\s*[kK]?")


def _amount(s: str) -> float | None:
    s = s.strip().replace(",", "")
    mult = 1000 if s.lower().endswith("k") else 1
    try:
        return float(s.rstrip("kK ").strip()) * mult
    except ValueError:
        return None


@check("advert_salary_anomaly")
def advert_salary_anomaly(a: Approach) -> Hit:
    ad = a.advert
    if ad is None or not ad.salary_range:
        return []
    nums = [x for x in (_amount(m.group(0)) for m in _NUM.finditer(ad.salary_range)) if x]
    if len(nums) < 2:
        return []
    lo, hi = min(nums), max(nums)
    junior = re.search(r"entry|intern|not applicable|none|associate", ad.required_experience or "", re.I)
    if lo > 0 and hi / lo >= 3:
        return [(f"salary range {ad.salary_range!r} spans {hi / lo:.0f}×", "advert.salary_range")]
    if junior and lo >= 100_000:
        return [(f"salary {ad.salary_range!r} for an {ad.required_experience} role", "advert.salary_range")]
    return []


from lurewatch.indicators import cyber as _cyber  # noqa: E402,F401  (registers the cyber family's checks)
