"""Normalising organisation names for matching: case, accents, punctuation, abbreviations, legal suffixes.

The same token rules apply to list entries and to the text being screened, so that a text token maps
back to its span in the original text (for evidence). Legal suffixes are stripped from entry names only;
in screened text they simply stay outside the matched span.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# A CJK ideograph (or kana/hangul syllable) is a token of its own: those scripts do not separate words.
_CJK = (
    "\u3040-\u30ff"  # hiragana, katakana
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # CJK ideographs
    "\uac00-\ud7af"  # hangul syllables
)
# A dotted acronym ("N.U.D.T.", "L.L.C.") is one token; then CJK characters; then words (with apostrophes).
_TOKEN_RE = re.compile(rf"(?:[^\W\d_{_CJK}]\.){{2,}}|[{_CJK}]|[^\W_{_CJK}]+(?:['’][^\W_{_CJK}]+)*")

# Common abbreviations in organisation names, expanded in entries and in text alike.
ABBREVIATIONS: dict[str, str] = {
    "univ": "university",
    "uni": "university",
    "inst": "institute",
    "instit": "institute",
    "tech": "technology",
    "techn": "technology",
    "technol": "technology",
    "intl": "international",
    "int'l": "international",
    "internat": "international",
    "acad": "academy",
    "sci": "science",
    "sciences": "science",
    "natl": "national",
    "nat'l": "national",
    "assoc": "association",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "lab": "laboratory",
    "labs": "laboratory",
    "laboratories": "laboratory",
    "eng": "engineering",
    "engg": "engineering",
    "res": "research",
    "mgmt": "management",
    "dev": "development",
    "grp": "group",
    "hldgs": "holdings",
    "technologies": "technology",
    "industries": "industry",
    "defence": "defense",
    "organisation": "organization",
    "programme": "program",
    "&": "and",
}

# Legal-form suffixes, stripped from the end of entry names (longest sequences first).
_LEGAL_SUFFIXES_TEXT = [
    "co ltd", "company limited", "co limited", "limited liability company", "public limited company",
    "ltd", "limited", "llc", "l l c", "llp", "lp", "gmbh", "mbh", "ag", "kg", "co kg", "gmbh co kg",
    "inc", "incorporated", "corp", "corporation", "co", "company", "plc", "sa", "s a", "sas", "sarl",
    "srl", "spa", "s p a", "bv", "b v", "nv", "n v", "oy", "oyj", "ab", "as", "a s", "aps", "pte",
    "pte ltd", "pty", "pty ltd", "sdn bhd", "bhd", "kk", "k k", "jsc", "ojsc", "pjsc", "cjsc", "ooo",
    "oao", "zao", "pao", "ao", "tov", "sp z o o", "group co ltd",
    "有限公司", "股份有限公司", "有限责任公司", "集团有限公司", "公司", "株式会社",
]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that carry no identity on their own: an entry is never matched on these alone, and they are
# never used for blocking. Every other token of an entry name must be present in the matched text.
STOPWORDS = _words("of the and for in on at to a an de des du la le der die das und di del y")
GENERIC = _words(
    """
    university institute technology science academy international national research center college school
    laboratory engineering group holdings company industry development association foundation council
    bureau agency ministry department office society federation corporation enterprise enterprises
    global china chinese people peoples state republic province city general first second third no
    advanced applied studies study policy strategic strategy affairs economic economics trade
    management services service solutions systems system consulting consultancy partners talent
    program organization key joint new central north south east west northern southern eastern western
    electronic electronics information communication communications software digital network networks
    innovation industrial military defense defence aerospace aviation space energy nuclear
    medical health physics chemistry materials machinery equipment manufacturing import export
    """
)


class Token(NamedTuple):
    norm: str
    start: int  # span in the original text
    end: int
    upper: bool  # starts with a capital in the original (names, acronyms)


def fold(text: str) -> str:
    """Compatibility-fold, casefold and strip accents (é -> e, ß -> ss, full-width -> ASCII)."""
    text = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in text if not unicodedata.combining(c))


def _norm_token(raw: str) -> str:
    t = raw.lower() if raw.isascii() else fold(raw).replace("’", "'")  # ASCII fast path
    if t.endswith("."):
        t = t.replace(".", "")  # a dotted acronym
    elif t.endswith("'s"):
        t = t[:-2]  # possessive: "Huawei's" is Huawei
    if t in ABBREVIATIONS:
        return ABBREVIATIONS[t]
    t = t.replace("'", "")
    return ABBREVIATIONS.get(t, t)


def scan(text: str) -> tuple[list[str], list[re.Match[str]]]:
    """Normalised tokens of `text` and their regex matches (spans): the fast path used for screening."""
    if text.isascii():  # the common case: lowercase once, look up abbreviations, no Unicode folding
        low = text.lower()
        ms = list(_TOKEN_RE.finditer(low))
        get = ABBREVIATIONS.get
        norms = [get(g, g) for g in (m.group() for m in ms)]
        if "'" in low or "." in low:  # rare forms: dotted acronyms, apostrophes
            norms = [_norm_token(g) if ("'" in g or "." in g) else n
                     for n, g in zip(norms, (m.group() for m in ms), strict=True)]
    else:
        ms = list(_TOKEN_RE.finditer(text))
        norms = [_norm_token(m.group()) for m in ms]
    if "" in norms:
        keep = [i for i, n in enumerate(norms) if n]
        norms, ms = [norms[i] for i in keep], [ms[i] for i in keep]
    return norms, ms


def tokens(text: str) -> list[Token]:
    """Normalised word tokens of `text` with their spans (CJK characters are one token each)."""
    norms, ms = scan(text)
    return [Token(n, m.start(), m.end(), text[m.start()].isupper()) for n, m in zip(norms, ms, strict=True)]


def _suffix_seqs() -> list[tuple[str, ...]]:
    seqs = {tuple(t.norm for t in tokens(s)) for s in _LEGAL_SUFFIXES_TEXT}
    return sorted((s for s in seqs if s), key=len, reverse=True)


LEGAL_SUFFIXES = _suffix_seqs()


_SUFFIX_BY_LAST: dict[str, list[tuple[str, ...]]] = {}
for _seq in LEGAL_SUFFIXES:  # longest first within each list, as LEGAL_SUFFIXES is sorted
    _SUFFIX_BY_LAST.setdefault(_seq[-1], []).append(_seq)


def strip_legal(toks: list[str]) -> list[str]:
    """Remove trailing legal-form suffixes (repeatedly: "Foo Group Co., Ltd." -> "foo group")."""
    while toks:
        for seq in _SUFFIX_BY_LAST.get(toks[-1], ()):
            n = len(seq)
            if len(toks) > n and tuple(toks[-n:]) == seq:
                toks = toks[:-n]
                break
        else:
            return toks
    return toks


def name_key(name: str) -> tuple[str, ...]:
    """The normalised token tuple of an organisation name, legal suffixes removed."""
    return tuple(strip_legal(scan(name)[0]))


def normalize_name(name: str) -> str:
    return " ".join(name_key(name))


def informative(tok: str) -> bool:
    """A token that can identify an entry: not a stopword nor a generic organisation word."""
    return tok not in STOPWORDS and tok not in GENERIC and not tok.isdigit()
