"""Sender profiles as JSON Resume files (jsonresume.org schema v1), one per file.

Extra fields LinkedIn shows but the schema lacks are read from `meta`: `connections`, `followers`
(numbers, or text like "500+"), `accountCreated` (a date), `photo` (a local image path, resolved against
the JSON file's folder and kept only inside it; a URL is never kept, it is reported) and `activity`
(recent posts: strings or objects with a text). Every field survives wrong types: a string where a list
was expected, nulls, numbers as text.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lurewatch.ingest.csvread import iso_month, parse_when
from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded
from lurewatch.model import IngestProblem, Position, Profile
from lurewatch.urls import normalise_profile_url

MAX_PROFILE_BYTES = 1024 * 1024
MAX_PROFILE_FILES = 5000
MAX_ITEMS = 200  # per list (positions, skills, posts)
MAX_TEXT = 20_000  # per text field


def _s(value: Any, limit: int = MAX_TEXT) -> str:
    """Any JSON value as a bounded string ("" for null, objects and lists)."""
    if value is None or isinstance(value, dict | list):
        return ""
    if isinstance(value, bool):
        return ""
    return str(value).strip()[:limit]


def _list(value: Any) -> list[Any]:
    """A JSON value as a list: a list as is (bounded), a single value wrapped, null empty."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value[:MAX_ITEMS]
    return [value]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


_NUMBER = re.compile(r"(\d[\d,. ]*)\s*([kKmM]?)")


def parse_count(value: Any) -> int | None:
    """500, "500+", "1,234", "1.2k", "12 K" -> int; anything else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if 0 <= value < 1e12 else None
    m = _NUMBER.search(str(value)[:100])
    if not m:
        return None
    digits, unit = m.group(1).replace(",", "").replace(" ", ""), m.group(2).lower()
    try:
        n = float(digits)
    except ValueError:
        return None
    n *= {"k": 1_000, "m": 1_000_000}.get(unit, 1)
    return int(n) if n < 1e12 else None


def _date(value: Any) -> str | None:
    s = _s(value, 100)
    if not s:
        return None
    d = parse_when(s)
    if d is not None:
        return d.date().isoformat()
    month = iso_month(s)
    return month if month and month[:4].isdigit() else None


def _photo(value: Any, source: str, problems: list[IngestProblem], local: bool) -> str | None:
    s = _s(value, 1000)
    if not s:
        return None
    if "://" in s or s.lower().startswith(("data:", "//", "www.")):
        problems.append(IngestProblem(source, None, "meta.photo is a URL; lurewatch never fetches it, "
                                                    "give a local image path instead"))
        return None
    if not local:
        problems.append(IngestProblem(source, None, "meta.photo inside an archive is not extracted; "
                                                    "unpack the export to use photos"))
        return None
    base = Path(source).parent.resolve()
    try:
        path = (base / s).resolve()
    except (OSError, ValueError):
        path = None
    if path is None or not path.is_relative_to(base):
        problems.append(IngestProblem(source, None, f"meta.photo {s[:80]!r} is outside the profile's folder"))
        return None
    return str(path)


def _position(item: Any, company_key: str = "name") -> Position | None:
    d = _dict(item)
    if not d:
        s = _s(item)
        return Position(company=s) if s else None
    company = _s(d.get(company_key)) or _s(d.get("company")) or _s(d.get("organization"))
    highlights = [_s(h) for h in _list(d.get("highlights"))]
    summary = "\n".join(x for x in [_s(d.get("summary")) or _s(d.get("description")), *highlights] if x)
    return Position(company=company, title=_s(d.get("position")) or _s(d.get("title")),
                    start=_date(d.get("startDate")), end=_date(d.get("endDate")), summary=summary)


def _education(item: Any) -> Position | None:
    d = _dict(item)
    if not d:
        s = _s(item)
        return Position(company=s) if s else None
    title = " ".join(x for x in (_s(d.get("studyType")), _s(d.get("area"))) if x)
    return Position(company=_s(d.get("institution")), title=title, start=_date(d.get("startDate")),
                    end=_date(d.get("endDate")), summary=_s(d.get("score")))


def _activity(value: Any) -> list[str]:
    out = []
    for post in _list(value):
        if isinstance(post, dict):
            text = next((_s(post.get(k)) for k in ("text", "content", "body", "summary", "title")
                         if _s(post.get(k))), "")
        else:
            text = _s(post)
        if text:
            out.append(text)
    return out


def _parse(data: Any, source: str, problems: list[IngestProblem], local: bool = True) -> Profile:
    prof = Profile(source_file=source)
    root = _dict(data)
    if not root:
        return prof
    basics = _dict(root.get("basics"))
    meta = _dict(root.get("meta"))
    prof.name = _s(basics.get("name"), 300)
    prof.headline = _s(basics.get("label"), 1000)
    prof.summary = _s(basics.get("summary"))
    prof.email = _s(basics.get("email"), 300) or None
    prof.phone = _s(basics.get("phone"), 100) or None
    loc = basics.get("location")
    if isinstance(loc, dict):
        prof.location = ", ".join(x for x in (_s(loc.get(k), 200) for k in
                                              ("city", "region", "countryCode")) if x)
    else:
        prof.location = _s(loc, 300)
    urls: list[str] = []
    candidates = [basics.get("url"), *(_dict(p).get("url") if isinstance(p, dict) else p
                                      for p in _list(basics.get("profiles")))]
    for raw in candidates:
        u = normalise_profile_url(_s(raw, 2000)) if _s(raw, 2000) else None
        if u and u not in urls:
            urls.append(u)
    prof.urls = urls
    prof.url = next((u for u in urls if u.startswith("https://linkedin.com/")), urls[0] if urls else None)
    prof.positions = [p for p in (_position(w) for w in _list(root.get("work"))) if p]
    prof.positions += [p for p in (_position(v, "organization") for v in _list(root.get("volunteer"))) if p]
    prof.education = [p for p in (_education(e) for e in _list(root.get("education"))) if p]
    skills: list[str] = []
    for sk in _list(root.get("skills")):
        if isinstance(sk, dict):
            skills += [x for x in [_s(sk.get("name"), 200), *(_s(k, 200) for k in _list(sk.get("keywords")))]
                       if x]
        elif _s(sk, 200):
            skills.append(_s(sk, 200))
    prof.skills = list(dict.fromkeys(skills))[:MAX_ITEMS]
    prof.connections = parse_count(meta.get("connections"))
    prof.followers = parse_count(meta.get("followers"))
    prof.account_created = _date(meta.get("accountCreated"))
    if meta.get("accountCreated") not in (None, "") and prof.account_created is None:
        problems.append(IngestProblem(source, None, "meta.accountCreated is not a date; ignored"))
    photo = meta.get("photo")
    if photo in (None, "") and _s(basics.get("image")) and "://" not in _s(basics.get("image")):
        photo = basics.get("image")  # the schema's own image field, when it is a local path
    prof.photo = _photo(photo, source, problems, local)
    prof.activity = _activity(meta.get("activity"))
    return prof


def parse_jsonresume(data: Any, source: str) -> Profile:
    """A Profile from a parsed JSON Resume document; never raises (garbage gives an empty Profile)."""
    return _parse(data, source, [])


def load_profile_bytes(data: bytes, source: str, problems: list[IngestProblem], local: bool = True
                       ) -> Profile | None:
    """Decode, parse and map one JSON Resume file; problems are appended, None when unusable.

    `local` is False for a file read from inside a zip (its photo path cannot be used)."""
    if len(data) > MAX_PROFILE_BYTES:
        problems.append(IngestProblem(source, None, f"profile over {MAX_PROFILE_BYTES} bytes, skipped"))
        return None
    try:
        doc = json.loads(decode_text(data).text)
    except UnsafeInput as e:
        problems.append(IngestProblem(source, None, f"not a JSON Resume file: {e}"))
        return None
    except (ValueError, RecursionError) as e:
        problems.append(IngestProblem(source, None, f"not valid JSON: {str(e)[:200]}"))
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("basics"), dict):
        problems.append(IngestProblem(source, None, "not a JSON Resume profile (no `basics` object)"))
        return None
    prof = _parse(doc, source, problems, local)
    if not prof.urls:
        problems.append(IngestProblem(source, None, "profile has no URL in basics.url or basics.profiles; "
                                                    "it cannot be matched to a sender"))
    return prof


def load_profiles(folder: Path) -> tuple[dict[str, Profile], list[IngestProblem]]:
    """Every `*.json` profile in `folder`, keyed by each normalised URL it claims."""
    problems: list[IngestProblem] = []
    out: dict[str, Profile] = {}
    try:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".json")
    except OSError as e:
        return out, [IngestProblem(str(folder), None, f"cannot list the profiles folder: {e}")]
    if len(files) > MAX_PROFILE_FILES:
        problems.append(IngestProblem(str(folder), None, f"{len(files)} profiles, only the first "
                                                         f"{MAX_PROFILE_FILES} read"))
        files = files[:MAX_PROFILE_FILES]
    for path in files:
        try:
            data = read_bounded(path, MAX_PROFILE_BYTES)
        except (UnsafeInput, OSError) as e:
            problems.append(IngestProblem(str(path), None, f"profile not read: {e}"))
            continue
        prof = load_profile_bytes(data, str(path), problems)
        if prof is not None:
            add_profile(out, prof, problems)
    return out, problems


def add_profile(index: dict[str, Profile], prof: Profile, problems: list[IngestProblem]) -> None:
    """Index a profile by every URL it claims; a URL claimed by two files keeps the first and is reported."""
    for url in prof.urls:
        other = index.get(url)
        if other is not None and other is not prof:
            problems.append(IngestProblem(prof.source_file or "", None,
                                          f"{url} is also claimed by {other.source_file}; kept the first"))
            continue
        index[url] = prof
