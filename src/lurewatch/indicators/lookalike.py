"""Look-alike domains: host names in messages that imitate the recipient's organisation or a named brand.

Offline and bounded: host names are read from the text (URLs, e-mail addresses, bare domains) without
resolving or fetching anything; at most `MAX_HOSTS_PER_TEXT` per message, each at most 253 characters.
A label is compared with a target label (``corvane``, ``microsoft``) after splitting off the public suffix
(lurewatch.urls.domain_parts):

- homoglyphs: non-Latin letters mapped to the Latin letter they imitate (confusable-homoglyphs, the Unicode
  confusables data), e.g. ``mіcrosoft`` with a Cyrillic ``і``;
- glyphs: letters written with dnstwist's look-alike glyphs (its ASCII and Unicode tables: ``micros0ft``,
  ``rnicrosoft``, ``paypa1``);
- permutations: dnstwist's fuzzer (omission, insertion, replacement, transposition, bitsquatting,
  vowel-swap... engines) generates the target's typos, e.g. ``micrsoft``, ``microsfot``;
- one edit on long names (rapidfuzz Damerau-Levenshtein), for changes dnstwist does not generate;
- added words: the target (or a look-alike of it) with a word such as ``login``, ``secure`` or ``careers``
  (``corvane-security``, ``micros0ft-login``), and the target's whole domain inside a sub-domain
  (``microsoft.com.verify.example``).

The same label on another suffix (``corvane.com`` beside ``corvane.co.uk``) and the organisation's name
with hyphens between its words are not flagged: organisations own those.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz.distance import DamerauLevenshtein, Levenshtein

from lurewatch.urls import domain_parts

MAX_HOSTS_PER_TEXT = 20
MAX_TOKEN = 300  # longer "words" are not host names (and are not looked at)
_TRIM = "<>()[]{}\"'.,;:!?*`|"
_LABEL = re.compile(r"[^\W_](?:[\w-]{0,61}[^\W_])?")  # letters (any script), digits, inner hyphens
_RESERVED = {"example", "test"}  # RFC 2606 documentation names: treated as a suffix in examples

# Fuzzers of dnstwist that change the name itself (not the TLD, not dictionary or sub-domain splits). Its
# homoglyph fuzzer enumerates every two-glyph substitution (seconds for a long name), so homoglyphs are
# checked the other way round, with dnstwist's own glyph tables (`glyph_lookalike`).
_FUZZERS = ["addition", "bitsquatting", "cyrillic", "insertion", "omission", "plural", "repetition",
            "replacement", "transposition", "vowel-swap"]

@dataclass(frozen=True, slots=True)
class Target:
    label: str  # compact ASCII label to protect: "corvane", "microsoft"
    what: str  # how to describe it: "the recipient's organisation (corvane.co.uk)", "Microsoft"


@dataclass(frozen=True, slots=True)
class Host:
    name: str  # the host as written, case-folded (may contain non-ASCII letters)
    label: str  # its registrable label, Unicode (xn-- decoded)
    registered: str  # label.suffix
    sub: str  # what precedes the registrable domain


def split_host(host: str) -> Host | None:
    """A host name into its parts, or None if it is not a plausible domain name."""
    host = host.strip(".").casefold()
    if not 3 < len(host) <= 253 or host.count(".") > 10:
        return None
    labels = host.split(".")
    if len(labels) < 2 or not all(_LABEL.fullmatch(x) for x in labels) or labels[-1].isdigit():
        return None
    name, suffix = domain_parts(host)
    if not suffix or not name:
        if labels[-1] not in _RESERVED:
            return None
        name, suffix = labels[-2], labels[-1]
    sub = host[: -(len(name) + len(suffix) + 1)].rstrip(".")
    return Host(host, _unpuny(name), f"{name}.{suffix}", sub)


def _unpuny(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return label
    return label


def hosts_in(text: str, limit: int = MAX_HOSTS_PER_TEXT) -> list[str]:
    """Host names of the URLs, e-mail addresses and bare domains in a text (linear; at most `limit`)."""
    out: list[str] = []
    if "." not in text:
        return out
    for tok in text.split():
        if len(tok) > MAX_TOKEN or "." not in tok:
            continue
        tok = tok.strip(_TRIM)
        if "." not in tok:  # a sentence's last word
            continue
        host = _host_of(tok.casefold())
        if host and host not in out and split_host(host):
            out.append(host)
            if len(out) >= limit:
                break
    return out


def _host_of(tok: str) -> str:
    if tok.startswith("mailto:"):
        tok = tok[7:]
    if "://" in tok:
        netloc = re.split(r"[/?#\\]", tok.split("://", 1)[1], maxsplit=1)[0]
        return netloc.rsplit("@", 1)[-1].split(":", 1)[0]
    if "@" in tok:
        return re.split(r"[/?#>]", tok.rsplit("@", 1)[1], maxsplit=1)[0]
    host = re.split(r"[/?#:]", tok, maxsplit=1)[0]
    if host.startswith("www."):
        return host
    parts = split_host(host)  # a bare name needs a real (or documentation) suffix: not "e.g", "node.js"
    return host if parts else ""


@lru_cache(maxsize=4096)
def _latin(ch: str) -> str:
    """The Latin letter or digit a non-ASCII character imitates ('' if none)."""
    from confusable_homoglyphs import confusables

    hits = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin"]) or []
    for h in hits:
        for g in h.get("homoglyphs", []):
            c = str(g.get("c", "")).casefold()
            if len(c) == 1 and c.isascii() and c.isalnum():
                return c
    return ""


def skeleton(label: str) -> str:
    """The label with every non-ASCII letter replaced by the Latin one it imitates."""
    if label.isascii():
        return label
    return "".join(c if c.isascii() else (_latin(c) or c) for c in label)


@lru_cache(maxsize=512)
def permutations(target: str) -> dict[str, str]:
    """dnstwist's look-alikes of a label (ASCII/punycode and Unicode forms) -> the fuzzer's name."""
    dnstwist = _dnstwist()

    fz = dnstwist.Fuzzer(f"{target[:63]}.com")
    fz.generate(fuzzers=_FUZZERS)
    out: dict[str, str] = {}
    for p in fz.domains:
        dom = str(p["domain"])
        if dom.endswith(".com") and "." not in dom[:-4]:
            out[dom[:-4]] = str(p["fuzzer"])
            out[_unpuny(dom[:-4])] = str(p["fuzzer"])
    out.pop(target, None)
    return out


@lru_cache(maxsize=1)
def _glyphs() -> dict[str, tuple[str, ...]]:
    """dnstwist's glyph tables (ASCII and Unicode): a letter or pair -> the strings that imitate it."""
    dnstwist = _dnstwist()

    fz = dnstwist.Fuzzer("x.com")
    out: dict[str, set[str]] = {}
    for table in (fz.glyphs_ascii, fz.glyphs_unicode):
        for k, v in table.items():
            out.setdefault(k, set()).update(v)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in out.items()}


def glyph_lookalike(x: str, target: str, max_glyphs: int = 2) -> bool:
    """True if `x` is `target` with one or two letters (or pairs: rn for m) written as look-alike glyphs
    (dnstwist's homoglyph fuzzer substitutes up to two too). A dynamic programme over (position in target,
    position in x, glyphs used): linear in the length."""
    if x == target or len(x) > 2 * len(target) + 2:
        return False
    glyphs = _glyphs()
    states = {(0, 0, 0)}
    seen = set(states)
    while states:
        nxt = set()
        for i, j, used in states:
            if i == len(target) and j == len(x):
                if used:
                    return True
                continue
            if i < len(target) and j < len(x) and target[i] == x[j]:
                nxt.add((i + 1, j + 1, used))
            if used >= max_glyphs:
                continue
            for w in {target[i:i + 1], target[i:i + 2]}:
                for g in glyphs.get(w, ()) if w else ():
                    if x.startswith(g, j):
                        nxt.add((i + len(w), j + len(g), used + 1))
        states = nxt - seen
        seen |= states
    return False


def _similar(x: str, target: str) -> str | None:
    """How `x` imitates `target` (x != target), or None."""
    sk = skeleton(x)
    if sk == target or glyph_lookalike(x, target) or (sk != x and glyph_lookalike(sk, target)):
        return "look-alike letters"
    if len(target) >= 5 and Levenshtein.distance(sk, target, score_cutoff=2) <= 2:
        perms = permutations(target)
        kind = perms.get(x) or perms.get(sk)
        if kind:
            return "look-alike letters" if kind == "cyrillic" else f"a typo ({kind})"
    if len(target) >= 8 and DamerauLevenshtein.distance(sk, target, score_cutoff=1) <= 1:
        return "a one-letter change"
    return None


def imitates(label: str, target: str, words: frozenset[str]) -> str | None:
    """How a registrable label imitates a target label, or None (the same label is the real one)."""
    if len(target) < 4 or label == target:
        return None
    tokens = label.split("-")
    extra = [t for t in tokens if t in words]
    core = "".join(t for t in tokens if t not in words)
    if extra and core:
        how = "the name" if core == target else _similar(core, target)
        if how:
            return f"{how} with the added word '{extra[0]}'"
    if not extra:
        for k in range(3, len(core) - 3):  # a word glued on: corvanelogin, securemicrosoft
            for w, rest in ((core[-k:], core[:-k]), (core[:k], core[k:])):
                if w in words:
                    how = "the name" if rest == target else _similar(rest, target)
                    if how:
                        return f"{how} with the added word '{w}'"
        if core != target:  # "corvane-dynamics" for Corvane Dynamics is the organisation's own style
            return _similar(core, target)
    return None


def find_lookalikes(hosts: Iterable[tuple[str, str]], targets: Iterable[Target], official: frozenset[str] | set[str],
                    words: frozenset[str]) -> Iterator[tuple[str, str]]:
    """(evidence, place) for each host that imitates a target; `official` registrable domains are real."""
    seen: set[str] = set()
    for host, place in hosts:
        h = split_host(host)
        if h is None or h.name in seen:
            continue
        seen.add(h.name)
        if h.registered in official or (_ascii(h.registered) in official):
            continue
        for t in targets:
            how = imitates(h.label, t.label, words)
            if how is None and h.sub:
                sub = split_host(h.sub)
                if sub and (sub.registered in official or sub.label == t.label or imitates(sub.label, t.label, words)):
                    how = f"its domain {sub.registered} placed before another domain"
            if how:
                shown = _ascii(h.name)
                shown = shown if shown == h.name else f"{shown} (written {h.name!a})"
                yield f"{shown} imitates {t.what}: {how}", place
                break


def _ascii(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host.encode("ascii", "backslashreplace").decode("ascii")


def _dnstwist():  # noqa: ANN202 - the module
    """dnstwist, imported without its side effect: on import it sets a process-wide default socket timeout
    of 12 s (meant for its DNS look-ups, which lurewatch never makes), which broke every long socket call in
    the same process (Spark's py4j gateway)."""
    import socket
    import sys

    if "dnstwist" not in sys.modules:
        before = socket.getdefaulttimeout()
        import dnstwist  # noqa: F401

        socket.setdefaulttimeout(before)
    return sys.modules["dnstwist"]

