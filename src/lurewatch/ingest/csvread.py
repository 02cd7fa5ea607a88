"""Lenient, bounded reading of CSV exports and their dates: header search, column aliases, bad rows reported.

The csv module does the parsing; this adds what exports need on top of it: a header found after a
preamble (Connections.csv's `Notes:`), header names matched case-, space- and punctuation-insensitively,
reordered and unknown columns, and every bad row reported with its line while reading goes on.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from lurewatch.ingest.safety import MAX_FIELD_CHARS
from lurewatch.model import IngestProblem, IngestResult

HEADER_SEARCH_ROWS = 30  # a preamble longer than this is not an export
DELIMITERS = (",", ";", "\t")  # LinkedIn writes commas; a file re-saved by a spreadsheet may not
MAX_RESYNCS = 10_000  # re-parses after stray quotes, per file
PROGRESS_EVERY = 2000


def norm_header(name: str) -> str:
    """`SENDER PROFILE URL`, `senderProfileUrl` and `sender_profile_url` all become `senderprofileurl`."""
    return "".join(c for c in name.casefold() if c.isalnum())


@dataclass(slots=True)
class Table:
    """Column positions of a CSV found in a text. `index[key]` is a column index; a column missing from
    the file points at the empty pad value appended to every row, so `row[index[key]]` is always valid."""

    file: str
    index: dict[str, int]
    present: set[str]
    width: int
    header_line: int
    delimiter: str = ","


def find_header(rows: Iterable[list[str]], wanted: dict[str, tuple[str, ...]], required: Iterable[str]
                ) -> tuple[dict[str, int], set[str], int, int] | None:
    """Look for the header row among the first rows: the first row naming every `required` column.

    `wanted` maps our key to the accepted normalised header names. Returns (index, present keys, width,
    number of rows consumed) or None.
    """
    req = list(required)
    for n, row in enumerate(rows, start=1):
        if n > HEADER_SEARCH_ROWS:
            return None
        names = [norm_header(c) for c in row]
        pos: dict[str, int] = {}
        for key, aliases in wanted.items():
            for alias in aliases:
                if alias in names:
                    pos[key] = names.index(alias)
                    break
        if all(k in pos for k in req):
            width = len(row)
            present = set(pos)
            for key in wanted:
                pos.setdefault(key, width)  # the pad
            return pos, present, width, n
    return None


def iter_rows(text: str, file: str, wanted: dict[str, tuple[str, ...]], required: Iterable[str],
              result: IngestResult, progress: Callable[[int], None] | None = None,
              ) -> tuple[Table | None, Iterator[tuple[int, list[str]]]]:
    """Find the header, then yield (line, row padded with one "") for every well-formed data row.

    Malformed rows (wrong number of fields, csv errors, over-long fields) become IngestProblems and
    count in rows_skipped; good rows count in rows_read. A malformed row spanning several physical lines
    (a stray quote) is reported and reading restarts on the line after its first one, so the rows it
    swallowed are not lost (bounded, so a hostile file cannot make this quadratic).
    """
    return iter_line_rows(io.StringIO(text, newline=""), len(text), file, wanted, required, result, progress)


def iter_line_rows(lines: Iterable[str], chars: int, file: str, wanted: dict[str, tuple[str, ...]],
                   required: Iterable[str], result: IngestResult, progress: Callable[[int], None] | None = None,
                   ) -> tuple[Table | None, Iterator[tuple[int, list[str]]]]:
    """As iter_rows, over physical lines (as `io.StringIO(text, newline="")` splits them) read as they come,
    so that a file need not be held whole; `chars` (the text's length) bounds the re-parsing work."""
    src = _Lines(iter(lines))
    head = list(itertools.islice(src, HEADER_SEARCH_ROWS * 4))
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)  # process-wide: restored below and after the rows
    try:
        found_table = _find_table(head, file, wanted, required)
    finally:
        csv.field_size_limit(old_limit)
    if found_table is None:
        need = ", ".join(sorted(required))
        result.problems.append(IngestProblem(file, None, f"no CSV header with the columns {need} found"))
        return None, iter(())
    src.back.extend(head[found_table.header_line:])
    return found_table, _rows(src, chars, found_table, result, progress)


class _Lines:
    """A line iterator that lines can be pushed back onto (to parse them again after a stray quote)."""

    def __init__(self, it: Iterator[str]) -> None:
        self.it = it
        self.back: deque[str] = deque()

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        return self.back.popleft() if self.back else next(self.it)


def _find_table(lines: list[str], file: str, wanted: dict[str, tuple[str, ...]], required: Iterable[str]
                ) -> Table | None:
    for delimiter in DELIMITERS:
        header_rows: list[list[str]] = []
        header_ends: list[int] = []
        head_reader = csv.reader(iter(lines[: HEADER_SEARCH_ROWS * 4]), delimiter=delimiter)
        try:
            for row in head_reader:
                header_rows.append(row)
                header_ends.append(head_reader.line_num)
                if len(header_rows) >= HEADER_SEARCH_ROWS:
                    break
        except csv.Error:
            pass
        found = find_header(header_rows, wanted, required)
        if found is not None:
            index, present, width, consumed = found
            return Table(file, index, present, width, header_ends[consumed - 1], delimiter)
    return None


def _rows(src: _Lines, chars: int, table: Table, result: IngestResult,
          progress: Callable[[int], None] | None) -> Iterator[tuple[int, list[str]]]:
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        yield from _parse_rows(src, chars, table, result, progress)
    finally:
        csv.field_size_limit(old_limit)


def _parse_rows(src: _Lines, chars: int, table: Table, result: IngestResult,
                progress: Callable[[int], None] | None) -> Iterator[tuple[int, list[str]]]:
    file, width = table.file, table.width
    base = table.header_line  # lines before the next one `src` gives
    resync_budget = 4 * chars + 100_000
    resyncs_left = MAX_RESYNCS
    done = 0
    held: list[str] = []  # the physical lines of the row being parsed

    def feed() -> Iterator[str]:
        for line in src:
            held.append(line)
            yield line

    while True:
        reader = csv.reader(feed(), delimiter=table.delimiter)
        restart = False
        prev = 0  # reader.line_num after the previous row
        while True:
            held.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                first = base + prev + 1
                span = reader.line_num - prev
                prev = reader.line_num
                result.problems.append(IngestProblem(file, first, f"unreadable CSV row: {e}"))
                result.rows_skipped += 1
                if span > 1 and resync_budget > 0 and resyncs_left > 0 and \
                        _swallowed_rows(held, span, width, table.delimiter):
                    resyncs_left -= 1
                    resync_budget -= sum(len(x) for x in held[1:span])
                    base, restart = first, True
                    break
                continue
            first = base + prev + 1
            span = reader.line_num - prev
            prev = reader.line_num
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != width:
                result.rows_skipped += 1
                result.problems.append(IngestProblem(
                    file, first, f"malformed row: {len(row)} fields where the header has {width}"))
                if span > 1 and resync_budget > 0 and resyncs_left > 0 and \
                        _swallowed_rows(held, span, width, table.delimiter):
                    resyncs_left -= 1
                    # a stray quote swallowed whole rows: parse again from the line after its first
                    resync_budget -= sum(len(x) for x in held[1:span])
                    base, restart = first, True
                    break
                continue
            row.append("")
            result.rows_read += 1
            done += 1
            if progress is not None and done >= PROGRESS_EVERY:
                progress(done)
                done = 0
            yield first, row
        if not restart:
            break
        src.back.extendleft(reversed(held[1:]))  # the lines after the bad row's first, read again
    if progress is not None and done:
        progress(done)


def _swallowed_rows(held: list[str], span: int, width: int, delimiter: str) -> bool:
    """True when one of the lines inside a malformed multi-line row parses on its own as a full row."""
    for line in held[1: 1 + min(span - 1, 200)]:
        try:
            parsed = next(csv.reader([line], delimiter=delimiter), [])
        except csv.Error:
            continue
        if len(parsed) == width:
            return True
    return False

# --- dates as LinkedIn exports write them, parsed fast into timezone-aware UTC datetimes ---

# Tried in order after the ISO fast paths; LinkedIn has used all of these over the years.
_FORMATS = (
    "%m/%d/%y, %I:%M %p",  # Invitations.csv: 1/19/26, 9:15 AM
    "%m/%d/%Y, %I:%M %p",
    "%m/%d/%y, %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%d/%m/%Y, %H:%M",  # day-first locales; only reached when the US reading failed (day > 12)
    "%d/%m/%y, %H:%M",
    "%d %b %Y",  # Connections.csv: 22 Jan 2026
    "%d %B %Y",
    "%b %d, %Y",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%Y/%m/%d %H:%M:%S",
)


def parse_when(text: str) -> datetime | None:
    """`2023-06-11 15:33:58 UTC`, ISO 8601, `1/19/26, 9:15 AM`, `22 Jan 2026` -> aware UTC datetime.

    Naive times are taken as UTC (LinkedIn writes UTC). Returns None when nothing fits.
    """
    s = text.strip()
    if not s:
        return None
    try:
        d = datetime.fromisoformat(s[:-4] if s.endswith(" UTC") else s)
    except ValueError:
        d = None
    if d is None:
        s2 = s.replace("\u202f", " ").replace("\xa0", " ")
        if s2.endswith((" UTC", " GMT")):
            s2 = s2[:-4]
        for fmt in _FORMATS:
            try:
                d = datetime.strptime(s2, fmt)
                break
            except ValueError:
                continue
        else:
            return None
    try:
        return d.replace(tzinfo=UTC) if d.tzinfo is None else d.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_day(text: str) -> date | None:
    d = parse_when(text)
    return d.date() if d else None


_MONTH_FORMATS = ("%b %Y", "%B %Y", "%Y-%m", "%Y-%m-%d", "%Y", "%m/%Y", "%d %b %Y")


def iso_month(text: str | None) -> str | None:
    """Position dates (`Jan 2020`, `2020-01`, `2020`) as ISO text; anything else kept as given."""
    if text is None:
        return None
    s = str(text).strip()
    if not s:
        return None
    for fmt in _MONTH_FORMATS:
        try:
            d = datetime.strptime(s, fmt)
        except ValueError:
            continue
        if fmt == "%Y":
            return f"{d.year:04d}"
        if fmt in ("%Y-%m-%d", "%d %b %Y"):
            return d.strftime("%Y-%m-%d")
        return f"{d.year:04d}-{d.month:02d}"
    return s[:40]
