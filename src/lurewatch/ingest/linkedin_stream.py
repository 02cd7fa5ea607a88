"""A large `messages.csv` read in bounded memory: the same approaches as `linkedin.build_export`.

Reading a LinkedIn export whole holds the decoded file, its lines, every row and every thread at once
(about 4.6 KB a row). Here, as for message tables (`messages_table.py`), memory is bounded by a slice of
the export rather than by all of it:

1. `spill`: the file is decoded and parsed line by line (`textstream`, `csvread.iter_line_rows`); the
   whole-export statistics are gathered message by message (`OwnerStats.add`, the name-to-URL map) and
   each row is written to one of N temporary files chosen by a hash of its conversation id.
2. `Spill.owner`: each partition in turn gives its conversations to `OwnerStats.add_conversation`;
   the owner is decided as for a whole export.
3. `Spill.approaches`: each partition in turn is threaded (`linkedin.Threader`) and its approaches are
   yielded; invitation notes without an approach come last. The files are removed as they are done.

The approaches are those of the whole-file reader; only their order before the report's sort differs
(by partition rather than by first row; the report is sorted by score and approach id).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from lurewatch.ingest.csvread import iter_line_rows
from lurewatch.ingest.linkedin import (
    MESSAGE_COLUMNS,
    MESSAGE_REQUIRED,
    Invitation,
    OwnerStats,
    RawMessage,
    Threader,
    add_name_url,
    iter_raw_messages,
)
from lurewatch.ingest.textstream import TextFile
from lurewatch.model import Approach, IngestResult, Profile

STREAM_ABOVE_BYTES = 64 * 1024 * 1024  # messages.csv files larger than this are streamed
# The streamed file's bound: memory no longer grows with it, the temporary files (about its size) do.
MAX_STREAM_FILE_BYTES = 4 * 1024 * 1024 * 1024
PARTITION_BYTES = 4 * 1024 * 1024  # of the file, per partition (its rows held at once when threading)
MAX_PARTITIONS = 512
FLUSH_ROWS = 64  # rows buffered per partition before they are written


def wanted(size: int) -> bool:
    """Stream this messages.csv? LUREWATCH_CSV_STREAM=1 always, =0 never, else above 64 MiB."""
    force = os.environ.get("LUREWATCH_CSV_STREAM", "").strip()
    if force in ("0", "1"):
        return force == "1"
    return size > STREAM_ABOVE_BYTES


def _pack(m: RawMessage) -> tuple[object, ...]:
    return (m.line, m.conversation_id, m.title, m.sender, m.sender_url, m.recipients, m.recipient_urls,
            m.sent_at, m.subject, m.text, m.folder, m.attachments, m.draft, m.system)


class Spill:
    """The rows of one messages.csv, partitioned by conversation into temporary files."""

    def __init__(self, parts: int) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="lurewatch-csv-")  # removed by cleanup or at exit
        self.paths = [Path(self.tmp.name) / f"part-{i:04d}.pickle" for i in range(parts)]
        self.stats = OwnerStats(keep_names=False)  # names per URL: read back from the partitions
        self.url_of_name: dict[str, str] = {}

    def _read(self, path: Path) -> list[RawMessage]:
        out: list[RawMessage] = []
        with open(path, "rb") as fh:
            while True:
                try:
                    batch = pickle.load(fh)  # our own file, in our own private folder
                except EOFError:
                    return out
                out += [RawMessage(*t) for t in batch]

    def owner(self, invitations: list[Invitation], owner: Profile | None) -> tuple[str | None, str]:
        """Pass 2: the conversations' share of owner inference, then the decision."""
        cf = owner.name.casefold() if owner and owner.name else ""
        named: set[str] = set()
        for path in self.paths:
            convs: dict[str, list[RawMessage]] = {}
            for m in self._read(path):
                convs.setdefault(m.conversation_id, []).append(m)
                if cf and m.sender_url and m.sender.casefold() == cf:
                    named.add(m.sender_url)
            for msgs in convs.values():
                self.stats.add_conversation(msgs)
        return self.stats.decide(invitations, owner, lambda _cf: named, self._names_of)

    def _names_of(self, url: str) -> tuple[Counter[str], Counter[str]]:
        """OwnerStats.names_of, read back from the partitions (only when Profile.csv gives no name)."""
        names: dict[str, list[int]] = {}  # name -> [count, first line]
        to_names: dict[str, list[int]] = {}
        for path in self.paths:
            for m in self._read(path):
                if m.sender_url == url:
                    names.setdefault(m.sender, [0, m.line])[0] += 1
                if m.recipient_urls == (url,):
                    to_names.setdefault(m.recipients.strip(), [0, m.line])[0] += 1

        def in_file_order(d: dict[str, list[int]]) -> Counter[str]:  # ties go to the first seen
            return Counter({k: v[0] for k, v in sorted(d.items(), key=lambda kv: kv[1][1])})
        return in_file_order(names), in_file_order(to_names)

    def approaches(self, threader: Threader, stats: Counter[str]) -> Iterator[Approach]:
        """Pass 3: the approaches, partition by partition; the temporary files are removed as it goes."""
        try:
            for path in self.paths:
                for conv_id, thread in threader.group(self._read(path), stats).items():
                    yield from threader.conversation(conv_id, thread, stats)
                path.unlink()
            yield from threader.invitation_approaches()
        finally:
            self.tmp.cleanup()


def spill(text: TextFile, size: int, file: str, result: IngestResult,
          progress: Callable[[int], None] | None = None) -> Spill:
    """Pass 1: parse the file, gather the whole-export statistics and partition the rows."""
    parts = max(8, min(MAX_PARTITIONS, size // PARTITION_BYTES))
    out = Spill(parts)
    table, rows = iter_line_rows(text.lines(), text.chars, file, MESSAGE_COLUMNS, MESSAGE_REQUIRED, result,
                                 progress)
    handles = [open(p, "wb") for p in out.paths]  # noqa: SIM115 (closed below)
    done = False
    try:
        if table is None:
            return out
        bufs: list[list[tuple[object, ...]]] = [[] for _ in range(parts)]
        add, url_of_name = out.stats.add, out.url_of_name
        for m in iter_raw_messages(rows, table.index, file, result):
            add(m)
            add_name_url(url_of_name, m)
            i = zlib.crc32(m.conversation_id.encode("utf-8", "surrogatepass")) % parts
            buf = bufs[i]
            buf.append(_pack(m))
            if len(buf) >= FLUSH_ROWS:
                pickle.dump(buf, handles[i], protocol=pickle.HIGHEST_PROTOCOL)
                buf.clear()
        for i, buf in enumerate(bufs):
            if buf:
                pickle.dump(buf, handles[i], protocol=pickle.HIGHEST_PROTOCOL)
        done = True
    finally:
        for fh in handles:
            fh.close()
        if not done:  # refused part-way (a zip member that inflates past its bounds): nothing is kept
            out.tmp.cleanup()
    return out
