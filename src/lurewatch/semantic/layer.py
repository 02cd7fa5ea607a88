"""The semantic layer: which behaviour a sender's sentence expresses, by meaning rather than by phrase.

Each behaviour family (asks for non-public information, colleagues and introductions, secrecy, moving
off the platform, payment, travel, files and code to run, credentials) is data in the rule files: a
`semantic:` entry with exemplar sentences of the behaviour, contrast sentences that look alike but are
not it (assurances, formal process, public material), and its own positive and negative examples. The
rules' own examples of the same family (`families:` maps indicator ids to it) are added to both sides.

One small logistic-regression probe per family is fitted over the sentence embeddings of those sentences
(lurewatch.semantic.probes: shipped fitted for the built-in rules, fitted on load when the rules differ). A sender's sentence whose
probe probability reaches the family's floor becomes a finding that quotes the sentence, names the
nearest exemplar and gives the similarity. Negated assurances ("we never ask for anything confidential")
are handled as data: the contrast sentences and the rules' negative examples teach each probe that they
are not the behaviour. Only the sender's words are read: inbound messages, with quoted replies removed.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from lurewatch.model import Approach, Finding
from lurewatch.semantic.sentences import split_sentences

FLOOR = 0.6  # probe probability at which a sentence counts as the behaviour (a finding and a feature)
MAX_SENTENCES = 120  # per approach: the sender's first sentences (hostile threads can be long)
CATEGORY = "semantic"


@dataclass(slots=True)
class Family:
    id: str
    family: str
    title: str
    rationale: str
    advice: str = ""
    exemplars: list[str] = field(default_factory=list)
    contrast: list[str] = field(default_factory=list)
    rule_ids: list[str] = field(default_factory=list)
    examples: dict[str, list[str]] = field(default_factory=dict)
    source_file: str = ""
    mitigating: bool = False  # a sign of legitimate outreach: lowers a score, never counts as behaviour


REQUIRED = ("id", "family", "title", "rationale", "exemplars", "contrast")


def parse_families(docs: Sequence[tuple[str, dict[str, Any]]]) -> list[Family]:
    """The `semantic:` entries of the rule files (name, parsed YAML)."""
    from lurewatch.indicators.rules import RuleError

    out: list[Family] = []
    seen: set[str] = set()
    for name, doc in docs:
        for raw in doc.get("semantic") or []:
            missing = [k for k in REQUIRED if k not in raw]
            if missing:
                raise RuleError(f"{name}: semantic entry {raw.get('id', '?')} lacks {', '.join(missing)}")
            fam = Family(id=str(raw["id"]), family=str(raw["family"]), title=str(raw["title"]),
                         rationale=" ".join(str(raw["rationale"]).split()), advice=str(raw.get("advice", "")),
                         exemplars=[str(x) for x in raw["exemplars"]], contrast=[str(x) for x in raw["contrast"]],
                         rule_ids=[str(x) for x in raw.get("rules") or []],
                         examples={k: [str(x) for x in v] for k, v in (raw.get("examples") or {}).items()},
                         source_file=name, mitigating=raw.get("mitigating") is True)
            if fam.id in seen:
                raise RuleError(f"{name}: duplicate semantic id {fam.id}")
            if len(fam.exemplars) < 3 or len(fam.contrast) < 3:
                raise RuleError(f"{name}: {fam.id} needs at least 3 exemplars and 3 contrast sentences")
            seen.add(fam.id)
            out.append(fam)
            if fam.mitigating:
                _MITIGATING_IDS.add(fam.id)
    return out


_MITIGATING_IDS: set[str] = set()  # ids of every mitigating family parsed in this process


SECOND_VIEW = "static:"  # a family's score from the static table read beside the full model's (fused)


def is_mitigating(family_id: str) -> bool:
    """A family that lowers a score (`mitigating: true` in its rule file): not an ask, not behaviour."""
    return family_id.removeprefix(SECOND_VIEW) in _MITIGATING_IDS


def rule_examples(docs: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, tuple[list[str], list[str]]]:
    """Positive and negative text examples of every message-scope rule, by indicator id."""
    out: dict[str, tuple[list[str], list[str]]] = {}
    for _name, doc in docs:
        for ind in doc.get("indicators") or []:
            if ind.get("scope") != "message":
                continue
            ex = ind.get("examples") or {}
            out[str(ind["id"])] = ([x for x in ex.get("positive", []) if isinstance(x, str)],
                                   [x for x in ex.get("negative", []) if isinstance(x, str)])
    return out


def sender_sentences(a: Approach) -> list[tuple[str, str]]:
    """(sentence, where) of the sender's own words, bounded."""
    from lurewatch.indicators.text import strip_quoted_replies

    split_sentences = _split_memo
    out: list[tuple[str, str]] = []
    if a.invitation_note:
        out += [(s, "invitation note") for s in split_sentences(a.invitation_note)]
    prof = a.profile
    sender = (a.sender_name, *(x for x in (prof.name, prof.email) if x)) if prof else (a.sender_name,)
    n = 0
    for m in a.messages:
        if not m.inbound:
            continue
        n += 1
        where = f"message {n}" + (f" ({m.sent_at:%Y-%m-%d})" if m.sent_at else "")
        text = strip_quoted_replies(m.text, (*sender, m.sender_name))
        if m.subject:
            text = f"{m.subject}\n{text}"
        out += [(s, where) for s in split_sentences(text)]
        if len(out) >= MAX_SENTENCES:
            break
    return out[:MAX_SENTENCES]


class SemanticLayer:
    def __init__(self, families: list[Family], encoder: Any,
                 rule_ex: dict[str, tuple[list[str], list[str]]] | None = None) -> None:
        self.families = families
        self.encoder = encoder
        self.by_family = {f.family: f for f in families}
        self._memo: dict[tuple, tuple] = {}
        self._memo_probes: tuple | None = None
        self._fit(rule_ex or {})

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickled in another process (a Spark worker): the families were never parsed there, so register
        # the mitigating ones that `is_mitigating` (the combiner's inputs) asks about.
        self.__dict__.update(state)
        _MITIGATING_IDS.update(f.id for f in self.families if f.mitigating)

    # -- fitting -----------------------------------------------------------------------------------
    def _fit(self, rule_ex: dict[str, tuple[list[str], list[str]]]) -> None:
        from lurewatch.semantic import probes

        sets = probes.training_sets(self.families, rule_ex, probes.load_corpus())
        fitted = probes.load_shipped(self.encoder, sets)
        self.probes_source = "shipped" if fitted is not None else "fitted on load"
        if fitted is None:
            fitted = probes.fit(self.encoder, sets)
        self.W, self.b, self.ex_vecs = fitted.W, fitted.b, fitted.ex_vecs

    # -- scoring -----------------------------------------------------------------------------------
    def sentence_probs(self, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, probabilities per family) of the sentences."""
        if not sentences:
            return np.zeros((0, 1), dtype=np.float32), np.zeros((0, len(self.families)), dtype=np.float32)
        V = self.encoder.encode(list(sentences))
        return V, 1.0 / (1.0 + np.exp(-(V @ self.W + self.b)))

    def sender_sentences(self, a: Approach) -> list[tuple[str, str]]:
        return sender_sentences(a)

    def family_scores(self, a: Approach) -> tuple[dict[str, float], list[Finding]]:
        """Per family id, how far the best sender sentence lies above the floor (0..1); and the findings."""
        if a.advert is not None:
            return {f.id: 0.0 for f in self.families}, []
        sents = self.sender_sentences(a)
        if not sents:
            return {f.id: 0.0 for f in self.families}, []
        feats, hits = self._scores(tuple(s for s, _ in sents), tuple(_late_rows(a, sents)))
        findings = [Finding(fam.id, fam.title, CATEGORY, weight, evidence, fam.rationale, sents[i][1],
                            carries=dict(carries))
                    for fam, i, weight, evidence, carries in hits]
        return dict(feats), findings

    def _scores(self, sentences: tuple[str, ...], late: tuple[int, ...]
                ) -> tuple[dict[str, float], list[tuple[Family, int, float, str, dict[str, float]]]]:
        """The families' scores of these sender sentences, and per family above the floor its best sentence's
        row, weight, evidence and its part of the LATE input: a pure function of the sentences
        (and which came after a reply) for the fitted probes, remembered since threads recur (templates,
        campaigns, replicated benchmarks)."""
        mp = self._memo_probes
        if mp is None or mp[0] is not self.W or mp[1] is not self.b:  # probes swapped (training): forget
            self._memo, self._memo_probes = {}, (self.W, self.b)
        key = (sentences, late)
        hit = self._memo.get(key)
        if hit is not None:
            return hit
        feats = {f.id: 0.0 for f in self.families}
        V, P = self.sentence_probs(list(sentences))
        mit = [j for j, f in enumerate(self.families) if f.mitigating]
        asks = [j for j in range(P.shape[1]) if j not in mit]
        if mit:
            # Each sentence is read as what it most expresses: one whose strongest family is a mitigating one
            # ("please keep your employer's material out of it") counts for that family and for no ask; one
            # where an ask is stronger ("nothing confidential, just the test results") for the asks only.
            top_mit = P[:, mit].max(axis=1)
            top_ask = P[:, asks].max(axis=1) if asks else np.zeros(P.shape[0], dtype=P.dtype)
            protective = (top_mit > top_ask) & (top_mit >= FLOOR)
            P = P.copy()
            P[np.ix_(protective, asks)] = 0.0
            P[np.ix_(~protective, mit)] = 0.0
        best = P.argmax(axis=0)  # per family, its best sentence
        top = P[best, np.arange(P.shape[1])]
        carried: dict[int, dict[str, float]] = {}  # family column -> its part of LATE
        if late and asks:  # the strongest behaviour asked after the recipient had replied ("requests that grow")
            L = P[np.ix_(list(late), asks)]
            feats[LATE] = max(0.0, (float(L.max()) - FLOOR) / (1.0 - FLOOR))
            if feats[LATE]:  # carried by the family of that sentence, which is above the floor, so has a finding
                carried.setdefault(asks[int(np.argmax(L.max(axis=0)))], {})[LATE] = feats[LATE]
        hits = []
        for j in np.flatnonzero(top >= FLOOR).tolist():
            fam, i, p = self.families[j], int(best[j]), float(top[j])
            feats[fam.id] = (p - FLOOR) / (1.0 - FLOOR)
            sentence = sentences[i]
            sims = self.ex_vecs[fam.family] @ V[i]
            k = int(np.argmax(sims))
            quote = sentence if len(sentence) <= 240 else sentence[:239] + "…"
            evidence = (f'"{quote}" (closest exemplar: "{fam.exemplars[k]}", similarity {float(sims[k]):.2f}; '
                        f"family score {p:.2f})")
            hits.append((fam, i, round(100 * p, 1), evidence, carried.get(j, {})))
        if len(self._memo) < 8_192 and sum(map(len, sentences)) <= 8_000:
            self._memo[key] = (feats, hits)
        return feats, hits

    def run_examples(self) -> list[Any]:
        """Each family's own examples: positives must reach the floor for that family, negatives not."""
        from lurewatch.indicators.examples import ExampleResult

        out = []
        for f in self.families:
            for kind in ("positive", "negative"):
                for ex in f.examples.get(kind, []):
                    m = self.matches(ex)
                    hit = m[f.family] >= FLOOR
                    above = m[f.family] - FLOOR  # > 0 fires (== 0 fires too)
                    if f.mitigating:  # read as in scoring: only where it is the sentence's strongest family
                        rival = max(v for k, v in m.items() if k != f.family)
                        hit = hit and m[f.family] > rival
                        above = min(above, m[f.family] - rival)
                    out.append(ExampleResult(f.id, kind, ex, hit, round(above if kind == "positive" else -above, 4)))
        return out

    def matches(self, sentence: str) -> dict[str, float]:
        """Family -> probe probability for one bare sentence (for examples, tests and `indicators`)."""
        _, P = self.sentence_probs([sentence])
        return {f.family: float(P[0, j]) for j, f in enumerate(self.families)}


LATE = "LW-SEM-LATE"  # a combiner input, not a family: carried by the finding of its sentence's family
INPUTS = frozenset((LATE,))  # inputs of the layer that are not families


_MESSAGE_NO = re.compile(r"message (\d+)")


LATE_MIN_WORDS = 5  # a late sentence shorter than this ("Understood.", "Safe travels.") is no growing request


def _late_rows(a: Approach, sents: list[tuple[str, str]]) -> list[int]:
    """Rows of the sender's sentences written after the recipient's first reply, of LATE_MIN_WORDS words or
    more: the probes read short replies far from anything they were fitted on (a bare "Understood." as an
    ask for introductions, 0.9 with the static table). Over sets 1-28 this took the input from 10 legitimate
    cases and no hostile one (docs/detection-quality.md)."""
    n, first_late = 0, 0
    replied = False
    for m in a.messages:
        if not m.inbound:
            replied = True
        else:
            n += 1
            if replied:
                first_late = n
                break
    if not first_late:
        return []
    out = []
    for i, (sentence, where) in enumerate(sents):
        hit = _MESSAGE_NO.match(where)
        if hit and int(hit.group(1)) >= first_late and len(sentence.split()) >= LATE_MIN_WORDS:
            out.append(i)
    return out


def _split_memo(text: str) -> tuple[str, ...]:
    """split_sentences, remembered for texts up to 4,000 characters: a pure function of the text, and
    texts recur (a recruiter's template, a campaign sent to many recipients)."""
    return _split_cached(text) if len(text) <= 4_000 else tuple(split_sentences(text))


@lru_cache(maxsize=16_384)
def _split_cached(text: str) -> tuple[str, ...]:
    return tuple(split_sentences(text))


_LAYERS: dict[str, SemanticLayer | None] = {}
_LOCK = threading.Lock()
_PROBLEM: list[str] = []


def layer_problem() -> str | None:
    """Why the default layer could not load (a missing or corrupt model), if it could not."""
    return _PROBLEM[-1] if _PROBLEM else None


def build_layer(docs: Sequence[tuple[str, dict[str, Any]]], kind: str = "auto") -> SemanticLayer | None:
    """A layer over these rule documents, or None (with `layer_problem()` set) when no encoder loads."""
    from lurewatch.semantic.encoder import SemanticUnavailable, load_encoder

    families = parse_families(docs)
    if not families:
        return None
    key = kind + ":" + hashlib.sha256(repr([(n, d.get("semantic"), sorted(rule_examples([(n, d)])))
                                            for n, d in docs]).encode()).hexdigest()
    with _LOCK:
        if key in _LAYERS:
            return _LAYERS[key]
        try:
            enc = load_encoder(kind)
        except SemanticUnavailable as e:
            _PROBLEM.append(str(e))
            _LAYERS[key] = None
            return None
        layer = _LAYERS[key] = SemanticLayer(families, enc, rule_examples(docs))
        return layer


def default_layer(kind: str = "auto") -> SemanticLayer | None:
    """The layer over the built-in rule files (plus LUREWATCH_RULES), built once per process."""
    from lurewatch.indicators.engine import default_engine

    return build_layer(default_engine().documents, kind)
