"""Job adverts with the EMSCAD columns (CSV, JSON array or JSON Lines) -> one Approach per advert.

The optional `fraudulent` label is never put on the Approach (detection must not see it); it is only
returned by `load_adverts_with_labels` for evaluation. Free text is kept as given, including EMSCAD's
HTML remnants and `#URL_<hash>#` / `#EMAIL_<hash>#` placeholders (indicators use them).

Also home of the bounded text/CSV helpers shared with the e-mail CSV loader.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from lurewatch.ingest.safety import UnsafeInput, decode_text, looks_binary, read_bounded
from lurewatch.model import Approach, IngestProblem, IngestResult, JobAdvert, Message

MAX_CSV_FIELD = 1024 * 1024  # one CSV field; EMSCAD descriptions are a few KB
MAX_ROW_ERRORS = 1000  # past this many unreadable records the file is given up

TEXT_FIELDS = (
    "title", "location", "department", "salary_range", "company_profile", "description",
    "requirements", "benefits", "employment_type", "required_experience", "required_education",
    "industry", "function",
)
BOOL_FIELDS = ("telecommuting", "has_company_logo", "has_questions")
EMSCAD_FIELDS = frozenset(TEXT_FIELDS + BOOL_FIELDS + ("job_id", "fraudulent"))
_TRUE = frozenset({"1", "t", "true", "yes", "y"})
_FALSE = frozenset({"0", "f", "false", "no", "n"})

# UTF-8 read as cp1252/latin-1: a lead char (Â Ã â) then a continuation byte's char, a mangled BOM,
# or a replacement char. decode_text gives ftfy every whole line holding a bare "€" or "â" (EMSCAD
# salaries; a CSV line is a whole advert), too slow over 100k adverts: ftfy only sees the words
# around these sequences here.
_CONT = "\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e" \
        "\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122"
MOJIBAKE = re.compile(f"[ÂÃâ][{_CONT}]|Â |ï»¿|\ufffd")
_MARKERS = ("Ã", "Â", "â", "ï»¿", "\ufffd")
_WINDOW = 160  # at most this many characters either side are given to ftfy


def decode_bulk_text(data: bytes) -> str:
    """safety.decode_text for big files: same decoding, mojibake repaired only around the bad sequences."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return decode_text(data).text
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if looks_binary(body):
        raise UnsafeInput("binary data, not a text file")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return decode_text(data).text  # cp1252 fallback; rare, so the slow path is fine
    return repair_mojibake(text)


def repair_mojibake(text: str) -> str:
    """Text with each typical mojibake sequence repaired by ftfy (via decode_text) in its own word."""
    spans: list[tuple[int, int]] = []
    for marker in _MARKERS:
        pos = text.find(marker)
        while pos >= 0:
            if MOJIBAKE.match(text, pos):
                # the word around the sequence: mojibake never contains an ASCII space
                start, end = max(0, pos - _WINDOW), min(len(text), pos + _WINDOW)
                lo, hi = text.rfind(" ", start, pos), text.find(" ", pos + 2, end)
                spans.append((lo + 1 if lo >= 0 else start, hi + 1 if hi >= 0 else end))
            pos = text.find(marker, pos + 1)
    if not spans:
        return text
    merged: list[list[int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    out, last = [], 0
    for lo, hi in merged:
        out += [text[last:lo], repair_text(text[lo:hi])]
        last = hi
    out.append(text[last:])
    return "".join(out)


def repair_text(text: str) -> str:
    """Mojibake repair of one short text (a line, a header) through safety.decode_text."""
    try:
        return decode_text(text.encode("utf-8", "surrogatepass")).text
    except (UnsafeInput, UnicodeError):
        return text


def _lines(text: str) -> Iterator[str]:
    # io.StringIO would copy the whole text as UCS-4 (4 bytes a character); slices cost only a line
    start, size = 0, len(text)
    sep = "\n" if "\n" in text else "\r"  # old Mac line ends
    while start < size:
        end = text.find(sep, start)
        end = size if end < 0 else end + 1
        yield text[start:end]
        start = end


def iter_csv_records(text: str, file: str, res: IngestResult) -> Iterator[tuple[int, list[str]]]:
    """(first line number, fields) of each CSV record; unreadable records become problems in `res`."""
    old_limit = csv.field_size_limit()
    csv.field_size_limit(MAX_CSV_FIELD)  # bounded; restored below since the limit is process-wide
    try:
        reader = csv.reader(_lines(text))
        start, errors = 1, 0
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                res.rows_read += 1
                res.rows_skipped += 1
                res.problems.append(IngestProblem(file, start, f"unreadable CSV record skipped: {e}"))
                start = reader.line_num + 1
                errors += 1
                if errors >= MAX_ROW_ERRORS:
                    res.problems.append(IngestProblem(file, start, "too many bad records; rest skipped"))
                    return
                continue
            yield start, row
            start = reader.line_num + 1
    finally:
        csv.field_size_limit(old_limit)


def iter_csv_dicts(text: str, file: str, res: IngestResult, header_ok: Callable[[list[str]], bool],
                   not_header: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line, {lower-case column: value}) of each data row of a headed CSV. A first row that fails
    `header_ok` ends the file with the problem `not_header`; blank rows are ignored; rows whose field
    count differs from the header's are reported and skipped; an empty file is reported."""
    header: list[str] | None = None
    for line, row in iter_csv_records(text, file, res):
        if header is None:
            header = [h.strip().lower() for h in row]
            if not header_ok(header):
                res.problems.append(IngestProblem(file, line, not_header))
                return
            continue
        if not any(f.strip() for f in row):
            continue
        res.rows_read += 1
        if len(row) != len(header):
            res.rows_skipped += 1
            res.problems.append(IngestProblem(
                file, line, f"{len(row)} fields where the header has {len(header)}; row skipped"))
            continue
        yield line, dict(zip(header, row, strict=True))
    if header is None:
        res.problems.append(IngestProblem(file, None, "empty file: no header row"))


def is_job_advert_header(fields: list[str]) -> bool:
    """True for a header (CSV first row or JSON keys) with the EMSCAD job-advert columns."""
    names = {str(f).strip().lstrip("\ufeff").lower() for f in fields}
    return "title" in names and bool(names & {"description", "company_profile"})


def parse_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    text = str(value or "").strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def _label(value: Any) -> int | None:
    flag = parse_bool(value)
    return None if flag is None else int(flag)


def _advert_approach(rec: dict[str, str | bool | None], origin: str) -> Approach:
    text = {k: str(rec.get(k) or "") for k in TEXT_FIELDS}
    job_id = str(rec.get("job_id") or "").strip() or None
    advert = JobAdvert(**text, job_id=job_id, **{k: parse_bool(rec.get(k)) for k in BOOL_FIELDS})
    sender = str(rec.get("company") or "").strip() or "job advert"
    parts = (advert.title, advert.description, advert.requirements, advert.benefits)
    body = "\n\n".join(x for x in parts if x)
    msg = Message(sender_name=sender, text=body, subject=advert.title)
    return Approach(source="job-advert", sender_name=sender, messages=[msg], conversation_id=job_id,
                    advert=advert, origin=origin)


def _scalar(value: Any) -> str | bool | None:
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise ValueError(f"a {type(value).__name__} where text was expected")


def _json_records(
    text: str, file: str, res: IngestResult
) -> Iterator[tuple[int | None, str, Any]]:
    """(line or None, where, object) for a JSON array, a single object, or JSON Lines."""
    head = text.lstrip()
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as e:
        if head.startswith("["):
            res.problems.append(IngestProblem(file, None, f"not valid JSON: {str(e)[:200]}"))
            return
        doc = None  # JSON Lines: several documents
    if isinstance(doc, list):
        for i, obj in enumerate(doc, 1):
            yield None, f"record {i}", obj
        return
    if isinstance(doc, dict):
        yield 1, "record 1", doc
        return
    if doc is not None:
        res.problems.append(IngestProblem(file, None, "JSON is neither a list of adverts nor an advert"))
        return
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError) as e:
            res.rows_read += 1
            res.rows_skipped += 1
            res.problems.append(IngestProblem(file, n, f"not valid JSON, skipped: {str(e)[:200]}"))
            continue
        yield n, f"line {n}", obj


def _load(path: Path) -> tuple[IngestResult, list[int | None]]:
    res, labels, file = IngestResult(), [], str(path)
    try:
        text = decode_bulk_text(read_bounded(path))
    except (UnsafeInput, OSError) as e:
        res.problems.append(IngestProblem(file, None, f"refused: {e}"))
        return res, labels
    res.files_read = 1
    first = text.lstrip()[:1]
    if first in ("[", "{"):
        for line, where, obj in _json_records(text, file, res):
            res.rows_read += 1
            try:
                if not isinstance(obj, dict):
                    raise ValueError("not a JSON object")
                rec = {str(k).strip().lower(): _scalar(v) for k, v in obj.items()}
                if not rec.keys() & EMSCAD_FIELDS:
                    raise ValueError("no job-advert fields")
            except ValueError as e:
                res.rows_skipped += 1
                res.problems.append(IngestProblem(file, line, f"{where}: {e}; skipped"))
                continue
            res.approaches.append(_advert_approach(rec, file))
            labels.append(_label(rec.get("fraudulent")))
        return res, labels
    for _line, rec in iter_csv_dicts(text, file, res, is_job_advert_header,
                                     "not a job-advert file: no EMSCAD header row"):
        res.approaches.append(_advert_approach(rec, file))
        labels.append(_label(rec.get("fraudulent")))
    return res, labels


def load_adverts(path: Path) -> IngestResult:
    """EMSCAD-like job adverts (CSV, JSON array, JSON Lines) -> one Approach(source="job-advert") each."""
    return _load(path)[0]


def load_adverts_with_labels(path: Path) -> tuple[IngestResult, list[int | None]]:
    """As load_adverts, plus the `fraudulent` label (1/0/None) of each approach, in the same order."""
    return _load(path)
