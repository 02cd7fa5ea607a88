"""Defensive reading of hostile files: bounded sizes, safe zip extraction, lenient decoding.

Everything an adversary wrote passes through here before any parser sees it.
"""

from __future__ import annotations

import io
import os
import stat
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import ftfy

# Bounds. A LinkedIn export of a very active account is tens of MB; these leave ample room.
MAX_FILE_BYTES = 512 * 1024 * 1024  # one input file
# All members of one zip (one upload or one scanned zip), uncompressed: what ends up in memory. Far below
# the memory of a small server; LUREWATCH_MAX_UNCOMPRESSED_MB changes it.
MAX_ZIP_TOTAL_BYTES = 256 * 1024 * 1024
MAX_ZIP_MEMBER_BYTES = MAX_ZIP_TOTAL_BYTES
MAX_ZIP_ENTRIES = 10_000
MAX_ZIP_RATIO = 200  # uncompressed / compressed for one member; above this it is a bomb
MAX_FIELD_CHARS = 200_000  # one CSV field (a message body)


class UnsafeInput(Exception):
    """The input was refused for safety reasons (zip bomb, path traversal, binary file...)."""


@dataclass(slots=True)
class DecodedText:
    text: str
    repaired: bool  # True when an encoding problem was repaired (mojibake, bad bytes, BOM...)
    encoding: str


def looks_binary(data: bytes) -> bool:
    """NUL bytes or a high share of control characters in the first 8 KiB."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head:
        # UTF-16 text has NULs too; the caller tries BOM-marked UTF-16 before this.
        return True
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.10


def decode_text(data: bytes) -> DecodedText:
    """Decode bytes from a text export leniently: BOMs, UTF-8, UTF-16, cp1252, mojibake repair.

    Raises UnsafeInput for data that is not text at all.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        enc = "utf-8-sig"
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return DecodedText(data.decode("utf-16"), True, "utf-16")
        except UnicodeDecodeError as e:
            raise UnsafeInput(f"broken UTF-16 text ({e.reason})") from e
    else:
        enc = "utf-8"
    if looks_binary(data):
        raise UnsafeInput("binary data, not a text file")
    repaired = False  # a BOM alone is not a repair
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        # Old exports and hand-edited files come in Windows-1252; undecodable bytes are replaced.
        text = data.decode("cp1252", errors="replace")
        enc = "cp1252"
        repaired = True
    fixed = _repair_lines(text) if _maybe_mojibake(text) else text
    if fixed != text:
        repaired = True
    return DecodedText(fixed, repaired, enc)


# Only repair encodings: keep quotes, line breaks, HTML entities and widths exactly as written.
_FTFY = ftfy.TextFixerConfig(
    unescape_html=False, remove_terminal_escapes=True, fix_encoding=True, restore_byte_a0=True,
    replace_lossy_sequences=True, decode_inconsistent_utf8=True, fix_c1_controls=True,
    fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
    fix_surrogates=True, remove_control_chars=False, normalization=None,
)


_MARKERS = "ÃÂâ€\ufffd"


def _maybe_mojibake(text: str) -> bool:
    # ftfy is thorough but not free: only call it when a typical mojibake marker is present.
    return any(c in text for c in _MARKERS)


def _repair_lines(text: str) -> str:
    # ftfy works line by line anyway; giving it only the lines with a marker keeps one bad line in a
    # 50 MB export from costing a second.
    spans: set[tuple[int, int]] = set()
    for marker in _MARKERS:
        pos = text.find(marker)
        while pos >= 0:
            start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            spans.add((start, end))
            pos = text.find(marker, end)
    out, last = [], 0
    for start, end in sorted(spans):
        out += [text[last:start], ftfy.fix_text(text[start:end], config=_FTFY)]
        last = end
    out.append(text[last:])
    return "".join(out)


def check_regular_file(path: Path, limit: int) -> os.stat_result:
    """Refuse devices, FIFOs and files over `limit` bytes (before anything is read)."""
    st = os.stat(path)
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeInput(f"{path} is not a regular file")
    if st.st_size > limit:
        raise UnsafeInput(f"{path} is {st.st_size} bytes, over the limit of {limit}")
    return st


def read_bounded(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read a regular file, refusing devices, FIFOs and files over `limit` bytes."""
    check_regular_file(path, limit)
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise UnsafeInput(f"{path} grew past the limit of {limit} bytes while reading")
    return data


def _safe_member_name(name: str) -> str:
    if "\x00" in name:
        raise UnsafeInput(f"zip entry with a NUL in its name: {name!r}")
    norm = name.replace("\\", "/")
    if norm.startswith("/") or (len(norm) > 1 and norm[1] == ":"):
        raise UnsafeInput(f"zip entry with an absolute path refused: {name!r}")
    parts = PurePosixPath(norm).parts
    if any(p == ".." for p in parts):
        raise UnsafeInput(f"zip entry with '..' refused: {name!r}")
    return norm


def max_uncompressed_bytes() -> int:
    """The bound on the uncompressed bytes of one zip: LUREWATCH_MAX_UNCOMPRESSED_MB, else 256 MiB."""
    value = os.environ.get("LUREWATCH_MAX_UNCOMPRESSED_MB", "").strip()
    try:
        return max(1, int(value)) * 1024 * 1024 if value else MAX_ZIP_TOTAL_BYTES
    except ValueError:
        return MAX_ZIP_TOTAL_BYTES


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1024 * 1024 else f"{n} bytes"


_ZIP_READ_ERRORS = (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError)


class SafeZip:
    """Read members of a zip into memory within bounds; never extracts to disk.

    Refuses path traversal, absolute paths, too many entries, and members whose declared or actual
    uncompressed size or compression ratio is out of bounds (zip bombs); the total uncompressed size of
    all members is bounded too (`max_uncompressed_bytes()`), since every member read is held in memory.
    """

    def __init__(self, source: Path | bytes, *, max_total: int | None = None,
                 max_member: int | None = None, max_entries: int = MAX_ZIP_ENTRIES) -> None:
        self.max_total = max_uncompressed_bytes() if max_total is None else max_total
        self.max_member = min(self.max_total, MAX_ZIP_MEMBER_BYTES if max_member is None else max_member)
        max_total = self.max_total
        self._read_total = 0
        self._streamed: dict[str, int] = {}  # member -> the most bytes read of it in one pass (opener)
        try:
            fh = io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115
            self._zip = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as e:
            raise UnsafeInput(f"not a readable zip file: {e}") from e
        infos = self._zip.infolist()
        if len(infos) > max_entries:
            raise UnsafeInput(f"zip has {len(infos)} entries, over the limit of {max_entries}")
        declared = 0
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            name = _safe_member_name(info.filename)
            if info.is_dir():
                continue
            declared += info.file_size
            if info.file_size > self.max_member:
                raise UnsafeInput(f"zip entry {name!r} holds {_mb(info.file_size)} uncompressed, over the limit "
                                  f"of {_mb(self.max_member)}")
            if info.compress_size and info.file_size / max(info.compress_size, 1) > MAX_ZIP_RATIO \
                    and info.file_size > 1024 * 1024:
                raise UnsafeInput(f"zip entry {name!r} has a compression ratio typical of a zip bomb")
            self.members[name] = info
        if declared > max_total:
            raise UnsafeInput(f"the zip holds {_mb(declared)} uncompressed, over the limit of {_mb(max_total)} "
                              "for one zip (LUREWATCH_MAX_UNCOMPRESSED_MB); refused before reading it")

    def names(self) -> list[str]:
        return list(self.members)

    def read(self, name: str) -> bytes:
        info = self.members[name]
        budget = min(self.max_member, self.max_total - self._read_total)
        chunks: list[bytes] = []
        size = 0
        try:
            with self._zip.open(info) as fh:  # streamed in 1 MiB chunks, stopped at the budget
                while chunk := fh.read(1024 * 1024):
                    size += len(chunk)
                    if size > budget:
                        raise UnsafeInput(f"zip entry {name!r} inflates past the limit of {_mb(self.max_total)} "
                                          "uncompressed (zip bomb?)")
                    chunks.append(chunk)
        except _ZIP_READ_ERRORS as e:
            raise UnsafeInput(f"zip entry {name!r} cannot be read: {e}") from e
        self._read_total += size
        out = b"".join(chunks)
        chunks.clear()
        return out

    def opener(self, name: str) -> Callable[[], _MemberStream]:
        """Opens the member afresh at each call, as a stream that stops with UnsafeInput past the member's
        budget: for reading a large member in bounded memory. `read` holds what it reads, so its reads add up
        against the zip's total; a streamed member holds nothing and counts once (its largest pass)."""
        info = self.members[name]

        def open_member() -> _MemberStream:
            budget = min(self.max_member, self.max_total - self._read_total + self._streamed.get(name, 0))
            try:
                raw = self._zip.open(info)
            except _ZIP_READ_ERRORS as e:
                raise UnsafeInput(f"zip entry {name!r} cannot be read: {e}") from e
            return _MemberStream(self, name, raw, budget)

        return open_member

    def _count_streamed(self, name: str, size: int) -> None:
        before = self._streamed.get(name, 0)
        if size > before:
            self._streamed[name] = size
            self._read_total += size - before

    def close(self) -> None:
        self._zip.close()


class _MemberStream:
    """A zip member's bytes, read in chunks, cut off past its budget (see SafeZip.opener)."""

    def __init__(self, owner: SafeZip, name: str, raw: IO[bytes], budget: int) -> None:
        self._owner, self._name, self._raw, self._budget = owner, name, raw, budget
        self.size = 0

    def read(self, n: int) -> bytes:
        """At most n bytes (n at most 1 MiB is read whole; more is cut to 1 MiB)."""
        try:
            chunk = self._raw.read(min(n, 1024 * 1024))
        except _ZIP_READ_ERRORS as e:
            raise UnsafeInput(f"zip entry {self._name!r} cannot be read: {e}") from e
        self.size += len(chunk)
        if self.size > self._budget:
            raise UnsafeInput(f"zip entry {self._name!r} inflates past the limit of {_mb(self._budget)} "
                              "uncompressed (zip bomb?)")
        return chunk

    def close(self) -> None:
        self._owner._count_streamed(self._name, self.size)
        self._raw.close()

    def __enter__(self) -> _MemberStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
