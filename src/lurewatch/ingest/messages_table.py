"""The message table: a platform's message store as JSON Lines or Parquet, one row per message.

Columns (docs/scan-spark.md): conversation_id, from, date and content are required; conversation_title,
sender_profile_url, to, recipient_profile_urls, subject, folder, attachments, is_draft and
owner_profile_url (the account whose mailbox the conversation is, the recipient) are optional.
The rows of one conversation must sit together in one file (as `repartition` + `sortWithinPartitions`
by conversation id writes them): the local reader streams the file and threads each run of rows of one
conversation as it ends, so memory is bounded by the largest conversation, not by the file.

Each conversation is threaded by the LinkedIn export's own rules (`linkedin.build_export`), its owner
being `owner_profile_url` when given, else the recipient of its first message. Both engines (local and
Spark) turn rows into approaches with these same functions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lurewatch.ingest.linkedin import MESSAGE_COLUMNS, RawMessage, build_export, raw_messages
from lurewatch.model import Approach, IngestProblem, IngestResult, Profile
from lurewatch.urls import normalise_profile_url

# message-table column -> the MESSAGE_COLUMNS key it fills
COLUMNS: dict[str, str] = {
    "conversation_id": "conversation_id", "conversation_title": "title", "from": "from",
    "sender_profile_url": "from_url", "to": "to", "recipient_profile_urls": "to_urls", "date": "date",
    "subject": "subject", "content": "content", "folder": "folder", "attachments": "attachments",
    "is_draft": "draft",
}
REQUIRED = ("conversation_id", "from", "date", "content")
_IX = {key: i for i, key in enumerate(MESSAGE_COLUMNS)}
_OWNER = len(MESSAGE_COLUMNS)  # the owner_profile_url, after the MESSAGE_COLUMNS fields
MAX_LINE_BYTES = 4 * 1024 * 1024  # one JSON line (a message of 200,000 characters fits)
MAX_FIELD_CHARS = 200_000
MAX_CONVERSATION_ROWS = 10_000  # rows threaded per conversation; the rest is reported and skipped
MAX_CONVERSATION_CHARS = 20_000_000  # characters of one conversation's fields held, likewise
BATCH_ROWS = 4096  # Parquet rows read at once


def looks_like_message_row(obj: Any) -> bool:
    """A message-table row: the required columns and no `messages` list (that is the approach contract)."""
    return isinstance(obj, dict) and "messages" not in obj and all(k in obj for k in REQUIRED)


def _text(value: Any) -> str:
    if value is None or isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, str):
        return value[:MAX_FIELD_CHARS]
    if isinstance(value, datetime):  # a Parquet timestamp: naive means UTC
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, dict):
        return ""
    if isinstance(value, list | tuple) or hasattr(value, "tolist"):  # lists, numpy arrays from pandas
        items = value.tolist() if hasattr(value, "tolist") else value
        if not isinstance(items, list):
            return _text(items)
        return ";".join(_text(v) for v in items[:1000] if isinstance(v, str) and v)[:MAX_FIELD_CHARS]
    return str(value)[:MAX_FIELD_CHARS]


def row_fields(obj: Any) -> list[str]:
    """A row (dict) -> its fields at MESSAGE_COLUMNS positions, then owner_profile_url.
    Raises ValueError when the row is unusable."""
    if not isinstance(obj, dict):
        raise ValueError("a message row must be a JSON object")
    out = [""] * (_OWNER + 1)
    for col, key in COLUMNS.items():
        v = obj.get(col)
        if key == "draft":
            out[_IX[key]] = "yes" if v is True or (isinstance(v, str) and v.strip().lower() in
                                                     ("yes", "true", "1", "y")) else ""
        else:
            out[_IX[key]] = _text(v)
    out[_OWNER] = _text(obj.get("owner_profile_url"))[:2000]
    if not out[_IX["conversation_id"]].strip():
        raise ValueError("no conversation_id")
    if not out[_IX["from"]].strip():
        raise ValueError("no sender (`from`)")
    return out


def conversation_key(fields: list[str]) -> str:
    return fields[_IX["conversation_id"]].strip()


def _owner_of(msgs: list[RawMessage], fields: list[list[str]]) -> tuple[str | None, str]:
    """(URL, name) of the mailbox owner: owner_profile_url, else the recipient of the first message."""
    given = next((u for f in fields if (u := normalise_profile_url(f[_OWNER]))), None)
    if given:
        name = next((m.sender for m in msgs if m.sender_url == given), "")
        if not name:
            name = next((m.recipients.strip() for m in msgs if m.recipient_urls == (given,)), "")
        return given, name
    live = [m for m in msgs if not m.draft and not m.system] or msgs
    first = min(live, key=lambda m: (m.sent_at is None, m.sent_at or datetime.min.replace(tzinfo=UTC), m.line))
    names = [x.strip() for x in first.recipients.replace(";", ",").split(",") if x.strip()]
    url = first.recipient_urls[0] if first.recipient_urls else None
    return url, names[0] if names else ""


class Conversation:
    """The rows of one conversation as they are read, bounded in rows and characters (both engines)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.rows: list[tuple[int, list[str]]] = []
        self.chars = 0
        self.full = False

    def add(self, n: int, fields: list[str], result: IngestResult) -> None:
        size = sum(map(len, fields))
        if len(self.rows) >= MAX_CONVERSATION_ROWS or self.chars + size > MAX_CONVERSATION_CHARS:
            result.rows_read -= 1
            result.rows_skipped += 1
            if not self.full:
                self.full = True
                result.problems.append(IngestProblem(
                    self.origin, n, f"conversation {conversation_key(fields)[:80]!r} has more than "
                    f"{MAX_CONVERSATION_ROWS} rows or {MAX_CONVERSATION_CHARS:,} characters; the rest skipped"))
            return
        self.chars += size
        self.rows.append((n, fields))


def conversation_approaches(rows: list[tuple[int, list[str]]], origin: str, result: IngestResult,
                            profiles: dict[str, Profile] | None = None) -> list[Approach]:
    """The approaches of one conversation's rows ((order, fields) in file order), profiles attached."""
    msgs = raw_messages(rows, _IX, origin, result)
    if not msgs:
        return []
    owner = _owner_of(msgs, [f for _, f in rows])
    part = IngestResult()
    export = build_export(msgs, [], [], None, origin, part, owner_known=owner)
    result.problems += part.problems
    if profiles:
        for ap in export.approaches:
            key = normalise_profile_url(ap.sender_profile_url)
            if key:
                ap.profile = profiles.get(key)
    return export.approaches


# --- local reading, streamed --------------------------------------------------------------------------------

def is_message_table(path: Path, first: Any) -> bool:
    return path.suffix.lower() == ".parquet" or looks_like_message_row(first)


def iter_rows(path: Path, result: IngestResult) -> Iterator[tuple[int, list[str]]]:
    """(row number, fields) of every usable row; bad rows become problems."""
    file = str(path)
    source = _parquet_rows(path, result) if path.suffix.lower() == ".parquet" else _jsonl_rows(path, result)
    for n, obj in source:
        if isinstance(obj, ValueError):
            fields: list[str] | ValueError = obj
        else:
            try:
                fields = row_fields(obj)
            except ValueError as e:
                fields = e
        if isinstance(fields, ValueError):
            result.rows_skipped += 1
            result.problems.append(IngestProblem(file, n, f"message row: {fields}; skipped"))
            continue
        result.rows_read += 1
        yield n, fields


def _jsonl_rows(path: Path, result: IngestResult) -> Iterator[tuple[int, Any]]:
    with open(path, "rb") as fh:
        n = 0
        while True:
            line = fh.readline(MAX_LINE_BYTES + 1)
            if not line:
                return
            n += 1
            if len(line) > MAX_LINE_BYTES and not line.endswith(b"\n"):
                while (rest := fh.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                yield n, ValueError(f"line longer than {MAX_LINE_BYTES} bytes")
                continue
            if not line.strip():
                continue
            yield n, parse_line(line)


def parse_line(line: bytes) -> Any:
    """One JSON line -> its object, or a ValueError saying why not."""
    try:
        return json.loads(line.decode("utf-8", "replace").lstrip("\ufeff"))  # a BOM may open the file
    except (ValueError, RecursionError) as e:
        return ValueError(f"not valid JSON: {str(e)[:200]}")


def _parquet_rows(path: Path, result: IngestResult) -> Iterator[tuple[int, Any]]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        result.problems.append(IngestProblem(str(path), None, "reading Parquet needs pyarrow "
                                             "(pip install 'lurewatch[spark]'); skipped"))
        return
    try:
        pf = pq.ParquetFile(path)
        wanted = [c for c in (*COLUMNS, "owner_profile_url") if c in pf.schema_arrow.names]
        n = 0
        for batch in pf.iter_batches(batch_size=BATCH_ROWS, columns=wanted):
            for obj in batch.to_pylist():
                n += 1
                yield n, obj
    except (OSError, ValueError) as e:  # pyarrow's errors derive from these
        result.problems.append(IngestProblem(str(path), None, f"Parquet not read: {str(e)[:200]}"))


def stream_approaches(path: Path, result: IngestResult,
                      profiles: dict[str, Profile] | None = None) -> Iterator[Approach]:
    """The file's approaches, conversation by conversation, as each run of rows of one conversation ends."""
    result.files_read += 1
    file = str(path)
    conv = Conversation(file)
    key = None
    for n, fields in iter_rows(path, result):
        k = conversation_key(fields)
        if k != key and conv.rows:
            yield from conversation_approaches(conv.rows, file, result, profiles)
            conv = Conversation(file)
        key = k
        conv.add(n, fields, result)
    if conv.rows:
        yield from conversation_approaches(conv.rows, file, result, profiles)
