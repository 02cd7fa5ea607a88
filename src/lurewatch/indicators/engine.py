"""The indicator engine: loads indicator files (data) and evaluates them on approaches (code).

Scopes say what each indicator looks at:
  message       every inbound message (and the invitation note), field "message N"
  attachment    attachment names of inbound messages
  profile_text  the sender profile's free text      employer     the sender's headline and employers
  owner         the recipient's own profile (fit)   advert_text  a job advert's free text
  profile / advert / thread / sender                 code checks (lurewatch.indicators.checks)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from lurewatch.indicators import checks, policy
from lurewatch.indicators.compiled import ScopeMatcher
from lurewatch.indicators.rules import Compiler, Node, RuleError, TextView
from lurewatch.indicators.text import sentence_around, strip_quoted_replies, tokenize, tokenize_reference
from lurewatch.model import Approach, Finding, headline_parts
from lurewatch.yamlfast import safe_load

_SHARED_SCOPES = {"owner", "profile_text", "employer"}
# Texts up to this length are memoised for every scope: matching is a pure function of (scope, text), and
# the same text recurs (a campaign sent to many recipients, a recruiter's template, an invitation note).
_MEMO_CHARS = 4_000
TEXT_SCOPES = {"message", "attachment", "profile_text", "employer", "owner", "advert_text"}
CHECK_SCOPES = {"profile", "advert", "thread", "sender"}
REQUIRED = ("id", "title", "category", "scope", "weight", "rationale")


@dataclass(slots=True)
class Indicator:
    id: str
    title: str
    category: str
    scope: str
    weight: float
    rationale: str
    advice: str = ""
    family: str = ""
    match: Node | None = None
    anchors: frozenset[int] | None = None  # a text without any of these terms cannot match
    check: Callable[..., list[tuple[str, str]]] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    examples: dict[str, list[Any]] = field(default_factory=dict)
    source_file: str = ""
    status: str = "stable"  # stable | test | experimental | deprecated (Sigma's)
    tags: tuple[str, ...] = ()  # e.g. attack.t1598 (MITRE ATT&CK)
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    mitigable: bool = True  # False: signs of legitimacy never lower a score this finding is part of
    provider: str = ""  # set for the declarations of provider indicators (no match of their own)

    def finding(self, evidence: str, where: str, weight: float | None = None) -> Finding:
        return Finding(self.id, self.title, self.category, self.weight if weight is None else weight,
                       evidence, self.rationale, where)


@dataclass(slots=True)
class _Text:
    text: str
    where: str


class Engine:
    """All indicators, compiled once; `evaluate(approach)` returns the findings, one per indicator."""

    def __init__(self, indicators: list[Indicator], compiler: Compiler, compiled: bool = True) -> None:
        self.indicators = indicators
        self.compiled = compiled  # False: the reference path, every indicator tried on every text
        self.by_id = {i.id: i for i in indicators}
        self.compiler = compiler
        self.documents: list[tuple[str, dict[str, Any]]] = []  # the parsed rule files (semantic entries too)
        self._shared: dict[tuple[str, str], list[tuple[Indicator, str]]] = {}
        self.provider_rules: list[Indicator] = []  # declarations of the providers' indicators (metadata)
        self.unmitigable: frozenset[str] = frozenset(i.id for i in indicators if not i.mitigable)
        self._by_scope: dict[str, list[Indicator]] = {}
        for ind in indicators:
            self._by_scope.setdefault(ind.scope, []).append(ind)
        self._matchers: dict[str, ScopeMatcher] = {}

    def reference(self) -> Engine:
        """The same indicators evaluated the reference way (no compiled pass, the reference tokeniser)."""
        ref = Engine(self.indicators, self.compiler, compiled=False)
        ref.documents = self.documents
        return ref

    def _candidates(self, scope: str, view: TextView) -> list[Indicator]:
        m = self._matchers.get(scope)
        if m is None:
            m = self._matchers[scope] = ScopeMatcher(self._by_scope[scope])
        return m.candidates(view)

    # -- loading ---------------------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path | None = None, extra: Path | None = None) -> Engine:
        """The indicator files of `folder` (default: the built-in ones), plus those of `extra`
        (an organisation's own indicators, which may use the built-in concepts)."""
        files = _rule_files(folder) + (_rule_files(extra) if extra is not None else [])
        concepts: dict[str, Any] = {}
        docs = []
        parsed = []
        for name, text in files:
            try:
                doc = safe_load(text) or {}
            except yaml.YAMLError as e:
                raise RuleError(f"{name}: not valid YAML: {e}") from e
            problems = policy.validate_rule_file(name, doc)
            if problems:
                raise RuleError("; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""))
            parsed.append((name, doc))
            if "concepts" in doc:
                concepts.update(doc["concepts"])
            if "indicators" in doc:
                docs.append((name, doc))
        compiler = Compiler(concepts)
        indicators: list[Indicator] = []
        seen: set[str] = set()
        for name, doc in docs:
            for raw in doc["indicators"]:
                ind = _compile_indicator(raw, compiler, name, doc.get("family", Path(name).stem))
                if ind.id in seen:
                    raise RuleError(f"{name}: duplicate indicator id {ind.id}")
                seen.add(ind.id)
                indicators.append(ind)
        engine = cls(indicators, compiler)
        engine.documents = parsed
        engine.provider_rules = [_provider_rule(p) for p in policy.provider_rules()]
        engine.unmitigable = frozenset(i.id for i in (*indicators, *engine.provider_rules) if not i.mitigable)
        return engine

    # -- evaluation ------------------------------------------------------------------------------
    def evaluate(self, approach: Approach) -> list[Finding]:
        findings: list[Finding] = []
        lex = self.compiler.lexicon
        compiled = self.compiled
        tok = tokenize if compiled else tokenize_reference
        views: dict[str, TextView] = {}  # each distinct text is tokenised once for every scope
        for scope, texts in _scope_texts(approach):
            inds = self._by_scope.get(scope)
            if not inds:
                continue
            always = scope in _SHARED_SCOPES
            for t in texts:
                if not t.text:
                    continue
                # the same owner or persona recurs across a whole export, a campaign's text across its targets
                shared = always or len(t.text) <= _MEMO_CHARS
                if shared:
                    hits = self._shared.get((scope, t.text))
                    if hits is not None:
                        findings += [ind.finding(q, t.where) for ind, q in hits]
                        continue
                view = views.get(t.text)
                if view is None:
                    toks = tok(t.text)
                    view = views[t.text] = TextView.of(toks, lex.index(toks) if compiled else lex.index_reference(toks))
                toks = view.toks
                present = view.pos.keys()
                found = []
                for ind in self._candidates(scope, view) if compiled else inds:
                    if ind.anchors is not None and ind.anchors.isdisjoint(present):
                        continue
                    spans = ind.match.find(view) if ind.match else []
                    if spans:
                        s, e = spans[0]
                        found.append((ind, f'"{sentence_around(toks.text, s, e)}"'))
                findings += [ind.finding(q, t.where) for ind, q in found]
                if shared:
                    if len(self._shared) > 20_000:
                        self._shared.clear()
                    self._shared[(scope, t.text)] = found
        for scope in ("profile", "advert", "sender"):
            for ind in self._by_scope.get(scope, ()):
                assert ind.check is not None
                for evidence, where in ind.check(approach, **ind.params):
                    findings.append(ind.finding(evidence, where))
        findings = _best_per_indicator(findings)
        # Thread checks look at the findings per message, so they run last.
        for ind in self._by_scope.get("thread", ()):
            assert ind.check is not None
            for evidence, where in ind.check(approach, findings, **ind.params):
                findings.append(ind.finding(evidence, where))
        return findings

    def evaluate_text(self, text: str, scope: str = "message") -> list[tuple[Indicator, str]]:
        """Which indicators of `scope` match a bare text (for tests and `lurewatch indicators`)."""
        toks = tokenize(text)
        view = TextView.of(toks, self.compiler.lexicon.index(toks))
        out = []
        for ind in self._by_scope.get(scope, ()):
            spans = ind.match.find(view) if ind.match else []
            if spans:
                out.append((ind, sentence_around(toks.text, *spans[0])))
        return out


def _best_per_indicator(findings: list[Finding]) -> list[Finding]:
    """One finding per indicator; its evidence lists where else it fired (first occurrence quoted)."""
    first: dict[str, Finding] = {}
    more: dict[str, list[str]] = {}
    for f in findings:
        if f.indicator in first:
            more.setdefault(f.indicator, []).append(f.field)
        else:
            first[f.indicator] = f
    for ind_id, places in more.items():
        f = first[ind_id]
        uniq = [p for p in dict.fromkeys(places) if p and p != f.field]
        if uniq:
            f.evidence += f" (also in {', '.join(uniq[:5])}{'…' if len(uniq) > 5 else ''})"
    return list(first.values())


def _scope_texts(a: Approach) -> Iterator[tuple[str, list[_Text]]]:
    msgs: list[_Text] = []
    atts: list[_Text] = []
    n = 0
    prof = a.profile
    sender = (a.sender_name, *(x for x in (prof.name, prof.email) if x)) if prof else (a.sender_name,)
    if a.invitation_note:
        msgs.append(_Text(a.invitation_note, "invitation note"))
    for m in a.messages:
        if not m.inbound:
            continue
        n += 1
        where = f"message {n}" + (f" ({m.sent_at:%Y-%m-%d})" if m.sent_at else "")
        text = strip_quoted_replies(m.text, (*sender, m.sender_name))  # the recipient's quoted words are not theirs
        body = f"{m.subject}\n{text}" if m.subject else text
        msgs.append(_Text(body, where))
        atts.append(_Text(body, where))  # file names and passwords written in the text
        for name in m.attachments:
            atts.append(_Text(name, f"attachment of {where}"))
    if a.advert is None:
        yield "message", msgs
    yield "attachment", atts
    p = a.profile
    if p is not None:
        yield "profile_text", [_Text(p.text(), "profile")]
        # Employer names, and the headline's organisation ("Senior Consultant at X" -> "X"): a title
        # such as "Consultant" at a recruitment agency says nothing about the employer.
        title, org = headline_parts(p.headline)
        head = org or title
        emp = [head] + [x.company for x in p.positions if not x.end] + \
              ([p.positions[0].company] if p.positions else [])
        yield "employer", [_Text("\n".join(dict.fromkeys(e for e in emp if e)), "profile.employer")]
    o = a.owner
    if o is not None:
        parts = [o.headline, o.industry, o.summary] + [f"{x.title} {x.company}" for x in o.positions[:3]]
        yield "owner", [_Text("\n".join(x for x in parts if x), "recipient profile")]
    if a.advert is not None:
        yield "advert_text", [_Text(a.advert.text(), "advert")]


def _compile_indicator(raw: dict[str, Any], compiler: Compiler, file: str, family: str) -> Indicator:
    missing = [k for k in REQUIRED if k not in raw]
    if missing:
        raise RuleError(f"{file}: indicator {raw.get('id', '?')} lacks {', '.join(missing)}")
    scope = raw["scope"]
    ind = Indicator(
        id=str(raw["id"]), title=str(raw["title"]), category=str(raw["category"]), scope=scope,
        weight=float(raw["weight"]), rationale=" ".join(str(raw["rationale"]).split()),
        advice=str(raw.get("advice", "")), family=family, params=dict(raw.get("params") or {}),
        examples=dict(raw.get("examples") or {}), source_file=file, **_metadata(raw),
    )
    known = policy.categories()
    if ind.category not in known or known[ind.category]["role"] == "semantic":
        raise RuleError(f"{file}: {ind.id} has unknown category {ind.category!r} "
                        f"(one of: {', '.join(k for k, v in known.items() if v['role'] != 'semantic')})")
    if not -50 <= ind.weight <= 100 or (ind.weight < 0) != (ind.category == "legitimacy"):
        raise RuleError(f"{file}: {ind.id} weight must be 0..100 (-50..0 for category legitimacy)")
    if scope in TEXT_SCOPES:
        if "match" not in raw:
            raise RuleError(f"{file}: {ind.id} ({scope}) needs `match`")
        try:
            ind.match = compiler.compile(raw["match"])
            ind.anchors = ind.match.anchors()
        except RuleError as e:
            raise RuleError(f"{file}: {ind.id}: {e}") from e
    elif scope in CHECK_SCOPES:
        name = raw.get("check")
        fn = checks.REGISTRY.get(str(name))
        if fn is None:
            raise RuleError(f"{file}: {ind.id} names unknown check {name!r}")
        ind.check = fn
    else:
        raise RuleError(f"{file}: {ind.id} has unknown scope {scope!r}")
    return ind


def _metadata(raw: dict[str, Any]) -> dict[str, Any]:
    return {"status": str(raw.get("status", "stable")), "tags": tuple(raw.get("tags") or ()),
            "references": tuple(raw.get("references") or ()),
            "falsepositives": tuple(raw.get("falsepositives") or ()), "mitigable": bool(raw.get("mitigable", True))}


def _provider_rule(raw: dict[str, Any]) -> Indicator:
    """A provider indicator's declaration (policy/providers.yaml): metadata only, never matched."""
    if str(raw.get("category")) not in policy.categories():
        raise RuleError(f"providers.yaml: {raw.get('id')} has unknown category {raw.get('category')!r}")
    return Indicator(id=str(raw["id"]), title=str(raw["title"]), category=str(raw["category"]), scope="provider",
                     weight=float(raw["weight"]), rationale=" ".join(str(raw["rationale"]).split()),
                     advice=str(raw.get("advice", "")), family="providers", source_file="providers.yaml",
                     provider=str(raw["provider"]), **_metadata(raw))


def _rule_files(folder: Path | None) -> list[tuple[str, str]]:
    if folder is not None:
        return [(p.name, p.read_text("utf-8")) for p in sorted(Path(folder).glob("*.yaml"))]
    base = resources.files("lurewatch.indicators") / "rules"
    return sorted((p.name, p.read_text("utf-8")) for p in base.iterdir() if p.name.endswith(".yaml"))


_DEFAULT: Engine | None = None


def default_engine() -> Engine:
    """Built-in indicators, plus the folder named by LUREWATCH_RULES if set."""
    global _DEFAULT
    if _DEFAULT is None:
        import os

        extra = os.environ.get("LUREWATCH_RULES")
        _DEFAULT = Engine.load(extra=Path(extra) if extra else None)
        if os.environ.get("LUREWATCH_MATCHER") == "reference":
            _DEFAULT = _DEFAULT.reference()
    return _DEFAULT
