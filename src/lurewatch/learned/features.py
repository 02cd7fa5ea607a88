"""Turn a job advert into the tokens the text model counts. Shared by training and scoring, so the
exported model sees exactly the features it was fitted on.

Tokens: lower-cased words (each digit run folded to "0"), placeholders for URLs / e-mail addresses / phone
numbers (EMSCAD's anonymised #URL_..# markers map to the same ones), word bigrams, and a few
structural tokens from the advert's flags ("__logo:no", "__profile:empty"...). A flag that is unknown
(None) yields no token, so missing metadata is neutral rather than suspicious.
"""

from __future__ import annotations

import re

from lurewatch.model import Approach, JobAdvert

MAX_CHARS = 50_000  # bound the text of one advert (hostile content); adverts are a few KB
# Only the start of an advert is scored (title, company profile, the start of the description): in grouped
# CV on EMSCAD the first 1,000 characters did as well as the whole text (F1 0.92 / 0.91) at 2.5x less cost.
SCORED_CHARS = 1_000

_PLACEHOLDER = re.compile(r"#(url|email|phone)_[0-9a-f]+#")  # EMSCAD's anonymised values (lower-cased)
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
# Bounded repetitions keep matching linear on hostile text (an unbounded local part is quadratic on "a.a.a...").
_EMAIL = re.compile(r"\b[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}\b")
# One pass finds words, phone numbers ("+44 20 7946 0000", "(555) 123-4567", "555.123.4567"; not salary
# ranges such as "35000-73000"), digit runs and placeholders; `words` then folds digits and phones.
_PHONE = r"(?<!\w)(?:\+\d[\d ().-]{6,20}\d|\(?\d{2,4}\)?[ .-]\d{3,4}[ .-]\d{3,5})(?!\w)"
_TOKEN = re.compile(r"[a-z]+|" + _PHONE + r"|\d+|[$£€]|<(?:url|email|phone)>")
# The rest of UTF-8 punctuation read as cp1252 ("â€™" less its "â"): in the EMSCAD sample only fraudulent
# adverts carry it, an artefact of how they were collected; left in, the model would learn the encoding.
_MOJIBAKE_REST = re.compile("€[\u00a2\u2122\u201c\u201d\u0153\u009d\u00a8\u00a6\u2039\u203a\u02dc\u0192\u00af"
                            "\u0161\u017e\u2018\u2019\u201a\u201e\u2020\u2021\u2026\u2030]")

# Readable names for the structural tokens, used in the finding's evidence.
META_LABELS = {
    "__logo:no": "no company logo",
    "__logo:yes": "has a company logo",
    "__questions:no": "no screening questions",
    "__questions:yes": "has screening questions",
    "__remote:yes": "telecommuting",
    "__remote:no": "on-site",
    "__profile:empty": "no company profile",
    "__profile:given": "has a company profile",
    "__salary:given": "salary stated",
    "__salary:none": "no salary stated",
}


def normalise(text: str) -> str:
    # Each substitution runs only when its cheap marker is present: most texts have none of them.
    text = text[:MAX_CHARS].lower()
    if "€" in text:
        text = _MOJIBAKE_REST.sub(" ", text)
    if "#" in text:
        text = _PLACEHOLDER.sub(lambda m: f" <{m.group(1)}> ", text)
    if "http" in text or "www." in text:
        text = _URL.sub(" <url> ", text)
    if "@" in text:
        text = _EMAIL.sub(" <email> ", text)
    return text


def words(text: str) -> list[str]:
    """Word tokens: letters only ("company's" -> company, s, whatever the apostrophe), every digit run
    reads "0" (amounts generalise), phone numbers read <phone>."""
    return [t if t[0] > "9" or t == "$" else ("0" if t.isdigit() else "<phone>")
            for t in _TOKEN.findall(normalise(text))]


def text_tokens(text: str) -> list[str]:
    """Unigrams and bigrams of a text (bigrams joined by one space, like scikit-learn's)."""
    w = words(text)
    return w + list(map(" ".join, zip(w, w[1:], strict=False)))


def meta_tokens(advert: JobAdvert) -> list[str]:
    out: list[str] = []
    for flag, name in ((advert.has_company_logo, "logo"), (advert.has_questions, "questions"),
                       (advert.telecommuting, "remote")):
        if flag is not None:
            out.append(f"__{name}:{'yes' if flag else 'no'}")
    out.append("__profile:given" if advert.company_profile.strip() else "__profile:empty")
    out.append("__salary:given" if advert.salary_range.strip() else "__salary:none")
    return out


def advert_tokens(advert: JobAdvert) -> list[str]:
    return text_tokens(advert.text()[:SCORED_CHARS]) + meta_tokens(advert)


def approach_words(approach: Approach) -> tuple[list[str], list[str]]:
    """(words, structural tokens) of the approach's advert, or of its inbound messages when it has none
    (then without structural tokens: a message has no logo or company profile to miss)."""
    if approach.advert is not None:
        return words(approach.advert.text()[:SCORED_CHARS]), meta_tokens(approach.advert)
    return words("\n".join(m.text for m in approach.inbound)[:SCORED_CHARS]), []


def approach_tokens(approach: Approach) -> list[str]:
    """All tokens (unigrams, bigrams, structural) of an approach, as training counts them."""
    w, meta = approach_words(approach)
    return w + list(map(" ".join, zip(w, w[1:], strict=False))) + meta
