"""A text file decoded as it is read: `safety.decode_text`'s decoding, line by line, in bounded memory.

`decode_text` turns a whole file into one string (and mojibake repair copies it); for a large export that
is the peak of memory. Here the encoding is settled in a first read of the bytes (UTF-16 by its BOM, UTF-8
if every byte decodes, else cp1252), then the file is decoded in chunks by an incremental decoder (so a
character split across chunks is whole) and cut into the physical lines `io.StringIO(text, newline="")`
gives, each line with a mojibake marker repaired by ftfy as decode_text repairs it. The lines are the
same as those of `io.StringIO(decode_text(data).text, newline="")`.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import ftfy

from lurewatch.ingest.safety import (
    _FTFY,
    _MARKERS,
    MAX_FIELD_CHARS,
    UnsafeInput,
    check_regular_file,
    looks_binary,
)


class ByteStream(Protocol):
    """What is read here: a binary file, or a zip member cut off past its bounds (safety.SafeZip.opener)."""

    def read(self, n: int, /) -> bytes: ...
    def __enter__(self) -> ByteStream: ...
    def __exit__(self, *exc: object) -> object: ...


CHUNK_BYTES = 1024 * 1024
# A physical line longer than this cannot be a row of a message export (64 fields at the field limit):
# the rest of it is dropped, so that one hostile line is not held whole.
MAX_LINE_CHARS = 64 * MAX_FIELD_CHARS


@dataclass(slots=True)
class TextFile:
    """A file to decode as it is read; `repaired` is known once the lines have all been read."""

    opener: Callable[[], ByteStream]  # opens the bytes afresh (a file, or a zip member read within its bounds)
    encoding: str  # utf-8, utf-8-sig, utf-16 or cp1252 (as DecodedText.encoding)
    chars: int  # characters before mojibake repair
    skip: int = 0  # bytes of a UTF-8 BOM
    repaired: bool = False

    def lines(self) -> Iterator[str]:
        """The decoded physical lines (line ends kept), mojibake repaired on the lines with a marker."""
        codec = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        decoder = codecs.getincrementaldecoder(codec)("replace" if codec == "cp1252" else "strict")
        repair = codec != "utf-16"  # decode_text does not repair UTF-16 (it is marked repaired anyway)
        self.repaired = self.encoding in ("utf-16", "cp1252")
        rest, skipping = "", False
        with self.opener() as fh:
            if self.skip:
                fh.read(self.skip)
            while True:
                chunk = fh.read(CHUNK_BYTES)
                text = decoder.decode(chunk, final=not chunk)
                if skipping:  # the rest of an over-long line, up to its end
                    cut = text.find("\n")
                    text, skipping = ("", True) if cut < 0 else (text[cut + 1:], False)
                parts = (rest + text).split("\n")
                rest = parts.pop()
                for part in parts:
                    yield from self._split(part, repair, "\n")
                if len(rest) > MAX_LINE_CHARS:
                    yield from self._split(rest[:MAX_LINE_CHARS], repair, "")
                    rest, skipping = "", True
                if not chunk:
                    break
        if rest:
            yield from self._split(rest, repair, "")

    def _split(self, line: str, repair: bool, end: str) -> Iterator[str]:
        if repair and any(c in line for c in _MARKERS):
            fixed = ftfy.fix_text(line, config=_FTFY)
            if fixed != line:
                self.repaired = True
                line = fixed
        line += end
        if "\r" in line:
            yield from io.StringIO(line, newline="")
        else:
            yield line


def open_text(path: Path, limit: int) -> TextFile:
    """Settle the encoding of a regular file of at most `limit` bytes, as decode_text would.

    Raises UnsafeInput for what decode_text refuses (binary data, broken UTF-16) and for files too large."""
    check_regular_file(path, limit)
    return open_stream(lambda: open(path, "rb"), str(path), limit)


def open_stream(opener: Callable[[], ByteStream], name: str, limit: int) -> TextFile:
    """As open_text, for bytes that `opener` gives afresh each time (read twice: once here to settle the
    encoding, once by `TextFile.lines`)."""
    with opener() as fh:
        head = fh.read(8192 + 3)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            codec, enc, skip = "utf-16", "utf-16", 0
        else:
            skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
            codec, enc = "utf-8", "utf-8-sig" if skip else "utf-8"
            if looks_binary(head[skip: skip + 8192]):
                raise UnsafeInput("binary data, not a text file")
        decoder = codecs.getincrementaldecoder(codec)("strict")
        size = len(head) - skip
        if size > limit:
            raise UnsafeInput(f"{name} grew past the limit of {limit} bytes while reading")
        try:
            chars = len(decoder.decode(head[skip:]))
            while True:
                chunk = fh.read(CHUNK_BYTES)
                size += len(chunk)
                if size > limit:
                    raise UnsafeInput(f"{name} grew past the limit of {limit} bytes while reading")
                chars += len(decoder.decode(chunk, final=not chunk))
                if not chunk:
                    break
        except UnicodeDecodeError as e:
            if codec == "utf-16":
                raise UnsafeInput(f"broken UTF-16 text ({e.reason})") from e
            enc, chars = "cp1252", size - skip  # one character a byte; the count only bounds re-parsing
    return TextFile(opener, enc, chars, skip)
