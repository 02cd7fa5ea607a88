"""The structure of a LinkedIn messaging view or profile page, recovered from OCR lines.

Messaging view: a header line "Name · 2nd" with the headline under it; date separators ("Feb 11, 2025",
"Today", "Tuesday"); one block per message, "Writer 9:07 AM" then the text. Profile page: "Name · 2nd",
headline, location, "500+ connections", then sections (About, Experience...). Lines left of the thread
(a desktop's conversation list) are dropped. Every pattern tolerates the usual OCR slips ("ist" for
"1st", "4M" for "AM", "-" for "·").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time

from lurewatch.screenshot.ocr import Line

_SEP = r"[·•\-–—.,:*°]?"
_DEGREE = re.compile(rf"^(?P<name>.*?\S)(?:\s*{_SEP[:-1]}\s*|\s+)(?P<deg>[1il|]st|2n[dq]|3r[dq]\+?|[1|]s|2n|3r\+?)"
                     r"\W{0,2}$", re.I)
DEGREE_TOKEN = re.compile(r"(?<!\w)([1il|]st|2n[dq]|3r[dq]\+?)(?!\w)", re.I)
_TIME = re.compile(r"^(?P<name>.*?[A-Za-z].*?)\s*[·•\-]?\s*(?P<h>\d{1,2})\s*[:.;]\s*(?P<m>\d{2})\s*"
                   r"(?P<ampm>[AaPp4][MmN™]?\.?[Mm]?\.?)?\W{0,2}$")
_MONTHS = {m: i + 1 for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                            "nov", "dec"))}
_DATE = re.compile(r"^(?:(?P<mon>[A-Za-z]{3})[a-z]*\.?\s+(?P<day>\d{1,2})|(?P<day2>\d{1,2})\s+(?P<mon2>[A-Za-z]{3})"
                   r"[a-z]*\.?)(?:,?\s+(?P<year>\d{4}))?$")
_RELATIVE = re.compile(r"^(today|yesterday|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$", re.I)
_CONNECTIONS = re.compile(r"(\d[\d,]*)(\+?)\s+conn[a-z]*", re.I)  # "500+ conne": the end is often lost
_SECTIONS = {"about", "experience", "education", "activity", "skills", "featured", "licenses & certifications",
             "volunteering", "interests", "recommendations", "languages", "projects", "publications", "honors & awards"}
_DATES_LINE = re.compile(r"\b(19|20)\d{2}\b.*(\b(19|20)\d{2}\b|present)", re.I)
MAX_NAME_WORDS = 6
_ARROW = re.compile(r"^[<‹«←]\s+")
_ARROW_WORD = re.compile(r"^[<‹«←]$")
_PIPE_I = re.compile(r"(?<!\S)\|(?= [a-z]|$)")


@dataclass(slots=True)
class ParsedMessage:
    writer: str
    text: str
    sent_at: datetime | None
    y: int


@dataclass(slots=True)
class ParsedPage:
    """What one screenshot shows; `kind` is "thread", "profile" or "unknown"."""

    kind: str = "unknown"
    name: str = ""
    degree: str | None = None
    headline: str = ""
    header: Line | None = None  # the name line
    name_box: tuple[int, int, int, int] = (0, 0, 0, 0)  # the name's words (the degree, when not read, is right)
    header_bottom: int = 0  # the bottom of the name and headline
    column_left: int = 0
    messages: list[ParsedMessage] = field(default_factory=list)
    location: str = ""
    connections: int | None = None
    about: str = ""
    positions: list[tuple[str, str, str]] = field(default_factory=list)  # title, company, dates


def clean_name(text: str) -> str:
    """Without surrounding punctuation or a stray glyph before it ("O Sam Carter": the photo read as "O")."""
    words = re.sub(r"^[^\w]+|[^\w.)]+$", "", text).strip().split()
    while len(words) > 2 and (len(words[0]) == 1 or not any(c.isalpha() for c in words[0])):
        words.pop(0)
    return " ".join(words)


def degree_of(raw: str) -> str:
    r = raw.lower().replace("|", "1").replace("i", "1").replace("l", "1").replace("q", "d")
    r = {"1s": "1st", "1": "1st", "2n": "2nd", "3r": "3rd", "3r+": "3rd+"}.get(r, r)  # the end often lost
    return r if r in ("1st", "2nd", "3rd", "3rd+") else raw


def _is_name(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= MAX_NAME_WORDS and len(text) <= 60 and sum(w[:1].isupper() for w in words) * 2 >= len(words)


def find_header(lines: list[Line]) -> tuple[Line, str, str | None] | None:
    """The topmost "Name · degree" line: (line, name, degree); without a degree read, the tallest
    name-like line above the first message or section (the degree is then read again by the caller)."""
    for ln in lines:
        m = _DEGREE.match(ln.text.strip())
        if not m:
            continue
        name = clean_name(m["name"])
        if not _is_name(name):  # text of another column read onto the name's line: keep the name at its end
            tail: list[str] = []
            for w in reversed(name.split()):
                if not _NAME_WORD.match(w) or len(tail) >= 4:
                    break
                tail.insert(0, w)
            name = " ".join(tail)
        if len(name) >= 2 and _is_name(name):
            return ln, name, degree_of(m["deg"])
    best: tuple[Line, str] | None = None
    for ln in lines:
        text = ln.text.strip()
        if _message_head(text) or text.lower() in _SECTIONS:
            break
        name = _leading_name(ln)
        if name and (best is None or ln.height > best[0].height * 1.15):
            best = (ln, name)
    return (best[0], best[1], None) if best else None


_NAME_WORD = re.compile(r"^[A-Z][\w'’.-]*[\w.]$|^[A-Z]$")


def _leading_name(ln: Line) -> str:
    """The name-like words at the start of a line ("Eleanor Whitcombe" of "Eleanor Whitcombe | i::")."""
    words = []
    for w in ln.text.split():
        if not _NAME_WORD.match(w) or len(words) >= MAX_NAME_WORDS:
            break
        words.append(w)
    rest = ln.text.split()[len(words):]
    while len(words) > 1 and len(words[-1]) == 1:  # "Whitcombe I": the degree's separator read as a letter
        rest.insert(0, words.pop())
    if not words or any(len(w) > 4 for w in rest):
        return ""
    return " ".join(words)


def name_box(ln: Line, name: str) -> tuple[int, int, int, int]:
    """The box of the name's words on the line (the line's box when the engine gave no word boxes)."""
    tokens = name.split()
    n = len(tokens)
    if not len(ln.words) >= n > 0:
        return ln.x0, ln.y0, ln.x1, ln.y1
    start = 0
    for i in range(len(ln.words) - n + 1):
        if [clean_name(w[0]) for w in ln.words[i:i + n]] == [clean_name(t) for t in tokens]:
            start = i
            break
    words = ln.words[start:start + n]
    return words[0][1], min(w[3] for w in words), words[-1][2], max(w[4] for w in words)


def _date_of(text: str, today: date) -> date | None:
    t = text.strip()
    m = _DATE.match(t)
    if m:
        mon = _MONTHS.get((m["mon"] or m["mon2"] or "").lower())
        day = int(m["day"] or m["day2"])
        if mon is None or not 1 <= day <= 31:
            return None
        year = int(m["year"]) if m["year"] else today.year
        try:
            d = date(year, mon, day)
        except ValueError:
            return None
        return d.replace(year=year - 1) if not m["year"] and d > today else d
    r = _RELATIVE.match(t)
    if r:
        word = r[1].lower()
        if word == "today":
            return today
        if word == "yesterday":
            return date.fromordinal(today.toordinal() - 1)
        wd = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday").index(word)
        return date.fromordinal(today.toordinal() - ((today.weekday() - wd) % 7 or 7))
    return None


def _message_head(text: str) -> tuple[str, time] | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    name = clean_name(m["name"])
    h, mi = int(m["h"]), int(m["m"])
    h = h % 10 if h > 23 else h  # "92:07": a stray glyph read into the hour
    if not _is_name(name) or mi > 59:
        return None
    ampm = (m["ampm"] or "").upper()
    if ampm[:1] == "P" and h < 12:
        h += 12
    elif ampm[:1] in ("A", "4") and h == 12:
        h = 0
    return name, time(h, mi)


def _normal(ln: Line) -> Line:
    """Glyphs read from a photo or icon at the start of a line (a phone's back arrow, "@" for an avatar)
    are dropped and the line starts after them; a lone "|" before a lowercase word is the pronoun "I"
    (Tesseract's usual slip on sans-serif text; "Advisor | Maritime" in a headline stays)."""
    text = _PIPE_I.sub("I", ln.text)
    words = list(ln.words)
    while len(words) >= 2 and _junk_lead(words):
        words.pop(0)
    if len(words) < len(ln.words):
        text = _PIPE_I.sub("I", " ".join(w[0] for w in words))
        return replace(ln, text=text, x0=words[0][1], y0=min(w[3] for w in words), y1=max(w[4] for w in words),
                       words=tuple(words))
    return replace(ln, text=text) if text != ln.text else ln


def _junk_lead(words: list[tuple[str, int, int, int, int]]) -> bool:
    w = words[0][0]
    if not (_ARROW_WORD.match(w) or len(w) <= 2 or not any(c.isalpha() for c in w)):
        return False  # a photo is read as one or two glyphs ("@", "Oo"); a word of the text is not that far
    heights = sorted(x[4] - x[3] for x in words[1:])
    if words[0][4] - words[0][3] > 2 * max(heights[len(heights) // 2], 1):
        return True  # far taller than the text: the photo itself
    gaps = sorted(b[1] - a[2] for a, b in zip(words[1:], words[2:], strict=False))
    usual = gaps[len(gaps) // 2] if gaps else (words[1][2] - words[1][1]) / max(1, len(words[1][0])) * 1.5
    return words[1][1] - words[0][2] > 2.5 * max(usual, 1)


def parse(lines: list[Line], today: date | None = None) -> ParsedPage:
    """The page's structure from its OCR lines (top to bottom)."""
    today = today or datetime.now(UTC).date()
    # lines with fewer than two letters or digits are a photo or an icon read as glyphs
    lines = [_normal(ln) for ln in lines if sum(c.isalnum() for c in ln.text) >= 2]
    page = ParsedPage()
    found = find_header(lines)
    if found is None:
        return page
    head, page.name, page.degree = found
    page.header = head
    page.name_box = name_box(head, page.name)
    nx0, ny0, _nx1, ny1 = page.name_box  # the name's own words: a glyph read from the photo can stretch the line
    h = max(ny1 - ny0, 8)
    page.column_left = max(0, nx0 - 4 * h)
    body = [ln for ln in lines if ln.x1 > page.column_left and ln.y0 >= head.y0 and ln is not head]
    if any(_message_head(ln.text) for ln in body):
        i, bottom = _thread_headline(page, head, body, today)
        page.header_bottom = bottom
        page.messages = _messages(body[i:], today)
        page.kind = "thread" if page.messages else "unknown"
    elif any(ln.text.strip().lower() in _SECTIONS or _CONNECTIONS.search(ln.text) for ln in body):
        page.kind = "profile"
        _profile(page, body)
    return page


def _thread_headline(page: ParsedPage, head: Line, body: list[Line], today: date) -> tuple[int, int]:
    """The headline: up to three lines just under the name, aligned with it."""
    nx0, ny0, _nx1, ny1 = page.name_box
    h = max(ny1 - ny0, 8)
    bottom, i = ny1, 0
    hl = []
    while i < len(body) and len(hl) < 3:
        ln = body[i]
        text = _ARROW.sub("", ln.text.strip())  # a phone's back arrow, read on the headline's line
        aligned = abs(ln.x0 - nx0) <= h or text != ln.text.strip()
        if ln.y0 - bottom > 1.2 * h or not aligned or _message_head(text) or _date_of(text, today):
            break
        hl.append(text)
        bottom = ln.y1
        i += 1
    page.headline = " ".join(hl)
    return i, bottom


def _messages(lines: list[Line], today: date) -> list[ParsedMessage]:
    out: list[ParsedMessage] = []
    day: date | None = None
    parts: list[str] = []
    last_y1 = 0
    line_h = 0
    for ln in lines:
        text = ln.text.strip()
        d = _date_of(text, today)
        if d is not None:
            day = d
            continue
        head = _message_head(text)
        if head is not None:
            if out:
                out[-1].text = " ".join(parts).strip()
            name, t = head
            sent = datetime.combine(day, t, tzinfo=UTC) if day else None
            out.append(ParsedMessage(name, "", sent, ln.y0))
            parts, last_y1, line_h = [], ln.y1, ln.height
            continue
        if not out:
            continue  # text above the first message block: cut off, its writer unknown
        if parts and ln.y0 - last_y1 > max(line_h, ln.height) * 0.9:
            parts.append("\n\n")
        parts.append(text)
        last_y1, line_h = ln.y1, ln.height
    if out:
        out[-1].text = " ".join(parts).strip()
    for m in out:
        m.text = re.sub(r" ?\n\n ?", "\n\n", m.text)
    return [m for m in out if m.text]


_BUTTONS = {"message", "follow", "more", "connect", "pending", "open to", "add profile section", "following"}


def _profile(page: ParsedPage, lines: list[Line]) -> None:
    """Headline and location (the line before the connections), then the sections."""
    top: list[str] = []
    k = 0
    for k, ln in enumerate(lines):
        text = ln.text.strip()
        m = _CONNECTIONS.search(text)
        if m:
            page.connections = int(m[1].replace(",", ""))
            k += 1
            break
        if text.lower() in _SECTIONS or set(text.lower().split()) <= _BUTTONS:
            break
        top.append(text)
    if page.connections is not None and len(top) >= 2:
        page.location = re.sub(r"\s*[·•\-]?\s*contact info.*$", "", top.pop(), flags=re.I)
    page.headline = " ".join(top[:3])
    page.header_bottom = lines[max(0, k - 1)].y1 if lines else 0
    section = ""
    about: list[str] = []
    block: list[str] = []
    for ln in lines[k:]:
        text = ln.text.strip()
        low = text.lower()
        if low in _SECTIONS:
            section = low
            continue
        if section == "about":
            about.append(text)
        elif section == "experience":
            block.append(text)
            if _DATES_LINE.search(text) and len(block) >= 2:
                title, company = (block[-3], block[-2]) if len(block) >= 3 else (block[-2], "")
                company = re.sub(r"\s*[·•]\s*(full|part)-time.*$", "", company, flags=re.I)
                page.positions.append((title, company, text))
                block = []
    page.about = " ".join(about)
