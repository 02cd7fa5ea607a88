"""Input dispatcher: recognise what each path holds and load it into approaches.

Recognised: LinkedIn data exports (the zip, or its extracted folder, or a folder of several exports),
.eml files and mailboxes, EMSCAD-like job adverts (CSV/JSON/JSON Lines), approaches in lurewatch's JSON
contract, and JSON Resume sender profiles (in `profiles/` folders or the `profiles_dir` given). Anything
else, and anything unsafe or broken, becomes an IngestProblem: this never raises for bad input.

Profiles are attached to approaches by normalised sender URL: first the export's own `profiles/`
folder, then `profiles_dir`, then any other `profiles/` folder found under the inputs.
"""

from __future__ import annotations

import csv
import gc
import json
import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lurewatch.ingest import linkedin, messages_table
from lurewatch.ingest.contract import iter_json_documents, load_contract, looks_like_contract
from lurewatch.ingest.jsonresume import add_profile, load_profile_bytes, load_profiles
from lurewatch.ingest.linkedin import LinkedInExport
from lurewatch.ingest.safety import UnsafeInput, decode_text, read_bounded
from lurewatch.model import Approach, IngestProblem, IngestResult, Profile
from lurewatch.urls import normalise_profile_url

__all__ = ["Loaded", "load_inputs", "scan_inputs"]

MAX_DEPTH = 4  # folders below a given folder
MAX_WALK_ENTRIES = 50_000  # directory entries looked at in one walk
HEAD_BYTES = 65_536
MAX_JSON_SNIFF_BYTES = 64 * 1024 * 1024  # a .json bigger than this is only tried as the contract


@dataclass(slots=True)
class Loaded:
    """Everything loaded: the IngestResult, plus the LinkedIn exports (owner, connections) and profiles."""

    result: IngestResult = field(default_factory=IngestResult)
    exports: list[LinkedInExport] = field(default_factory=list)
    profiles: dict[str, Profile] = field(default_factory=dict)  # every profile read, by each URL it claims
    # the streamed exports' approach iterators (large messages.csv files), also in result.pending
    export_streams: list[Iterator[Approach]] = field(default_factory=list)


def load_inputs(paths: list[Path], profiles_dir: Path | None = None,
                progress: Callable[[int], None] | None = None, stream: bool = False) -> IngestResult:
    """Load every input path; `progress(n)` is called with the number of rows just processed.

    With `stream`, a large LinkedIn messages.csv is read in bounded memory and its approaches are left in
    `result.pending` (as message tables' are), for callers that iterate it."""
    return scan_inputs(paths, profiles_dir, progress, stream).result


def scan_inputs(paths: list[Path], profiles_dir: Path | None = None,
                progress: Callable[[int], None] | None = None, stream: bool = False) -> Loaded:
    """As load_inputs, keeping the LinkedIn exports (owner, connections) and the profiles found."""
    # Loading builds millions of small acyclic objects; the cyclic GC would scan them over and over
    # (it made loading 1.8x slower), so it is paused while loading and restored after.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _scan(paths, profiles_dir, progress, stream)
    finally:
        if paused:
            gc.enable()


def _scan(paths: list[Path], profiles_dir: Path | None, progress: Callable[[int], None] | None,
          stream: bool = False) -> Loaded:
    d = _Dispatcher(progress, stream)
    for p in paths:
        d.add(Path(p), depth=0)
    explicit: dict[str, Profile] = {}
    if profiles_dir is not None:
        if Path(profiles_dir).is_dir():
            explicit, probs = load_profiles(Path(profiles_dir))
            d.loaded.result.problems += probs
        else:
            d.problem(profiles_dir, "the profiles folder does not exist or is not a folder")
    loaded = d.loaded
    for url, prof in explicit.items():
        loaded.profiles.setdefault(url, prof)
    for url, prof in d.found_profiles.items():
        loaded.profiles.setdefault(url, prof)
    for export in loaded.exports:
        for url, prof in export.profiles.items():
            loaded.profiles.setdefault(url, prof)
    own_approaches = set()
    for export in loaded.exports:
        for ap in export.approaches:
            own_approaches.add(id(ap))
            key = normalise_profile_url(ap.sender_profile_url)
            if key:
                ap.profile = export.profiles.get(key) or loaded.profiles.get(key)
    for ap in loaded.result.approaches:
        if ap.profile is None and id(ap) not in own_approaches:
            key = normalise_profile_url(ap.sender_profile_url)
            if key:
                ap.profile = loaded.profiles.get(key)
    return loaded


def _advert_fields(fields: list[str]) -> bool:
    """EMSCAD-like job adverts: `title` plus `company_profile` or `description` (or the full header)."""
    from lurewatch.ingest import jobads

    names = {str(f).strip().lstrip("\ufeff").lower() for f in fields}
    return jobads.is_job_advert_header(fields) or (
        "title" in names and bool(names & {"company_profile", "description"}))


class _Dispatcher:
    def __init__(self, progress: Callable[[int], None] | None, stream: bool = False) -> None:
        self.progress = progress
        self.stream = stream
        self.loaded = Loaded()
        self.found_profiles: dict[str, Profile] = {}
        self.seen: set[Path] = set()
        self.walked = 0

    # -- reporting
    def problem(self, path: Path | str, reason: str, line: int | None = None) -> None:
        self.loaded.result.problems.append(IngestProblem(str(path), line, reason))

    def merge(self, res: IngestResult) -> None:
        self.loaded.result.extend(res)
        if self.progress is not None and res.rows_read + res.rows_skipped:
            self.progress(res.rows_read + res.rows_skipped)

    # -- walking
    def add(self, path: Path, depth: int) -> None:
        try:
            real = path.resolve()
        except (OSError, RuntimeError) as e:
            self.problem(path, f"cannot resolve the path: {e}")
            return
        if real in self.seen:
            return
        self.seen.add(real)
        try:
            if not path.exists():
                self.problem(path, "no such file or folder")
            elif path.is_dir():
                self._add_dir(path, depth)
            else:
                self._add_file(path, depth)
        except Exception as e:  # the safety net: one broken input must not stop the scan
            self.problem(path, f"could not be read ({type(e).__name__}: {str(e)[:200]}); skipped")

    def _add_dir(self, folder: Path, depth: int) -> None:
        if linkedin.is_export_folder(folder):
            self._load_export_folder(folder)
            return
        if depth >= MAX_DEPTH:
            self.problem(folder, f"more than {MAX_DEPTH} folders deep; not read")
            return
        try:
            children = sorted(folder.iterdir())
        except OSError as e:
            self.problem(folder, f"cannot list the folder: {e}")
            return
        for child in children:
            self.walked += 1
            if self.walked > MAX_WALK_ENTRIES:
                self.problem(folder, f"more than {MAX_WALK_ENTRIES} entries under the inputs; the rest "
                                     "is not read")
                return
            if child.name.startswith(".") or child.is_symlink():
                continue  # hidden files (.DS_Store) and links (loops) are not inputs
            if child.is_dir() and child.name.lower() == "profiles":
                profs, probs = load_profiles(child)
                self.loaded.result.problems += probs
                for prof in dict.fromkeys(profs.values()):
                    add_profile(self.found_profiles, prof, self.loaded.result.problems)
                continue
            self.add(child, depth + 1)

    def _load_export_folder(self, folder: Path) -> None:
        self._add_export(linkedin.load_folder(folder, self.progress, self.stream))

    def _add_export(self, export: LinkedInExport) -> None:
        self.loaded.exports.append(export)
        self.loaded.result.extend(export.result)
        if export.stream is not None:  # a large messages.csv: its approaches come as they are threaded
            approaches = self._with_profiles(export, export.stream)
            self.loaded.result.pending.append(approaches)
            self.loaded.export_streams.append(approaches)
            export.stream = None

    def _with_profiles(self, export: LinkedInExport, approaches: Iterator[Approach]) -> Iterator[Approach]:
        """As `_scan` attaches profiles: the export's own, else any found under the inputs."""
        for ap in approaches:
            key = normalise_profile_url(ap.sender_profile_url)
            if key:
                ap.profile = export.profiles.get(key) or self.loaded.profiles.get(key)
            yield ap

    def _add_file(self, path: Path, depth: int) -> None:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            self.problem(path, "not a regular file; skipped")
            return
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES)
        name = path.name.lower()
        suffix = path.suffix.lower()
        if suffix == ".zip" or head.startswith(b"PK\x03\x04"):
            exports, res = linkedin.load_zip(path, self.progress, self.stream)
            self.loaded.result.extend(res)
            for export in exports:
                self._add_export(export)
            return
        if name in linkedin.EXPORT_MARKERS:
            # one file of an export given alone: read the folder it sits in, once
            if path.parent.resolve() not in self.seen:
                self.seen.add(path.parent.resolve())
                self._load_export_folder(path.parent)
            return
        from lurewatch.ingest import email  # written alongside; imported only when needed

        if suffix in (".eml", ".mbox", ".mbx") or email.is_mbox(head) or email.is_eml(head):
            self.merge(email.load_mail(path))
            return
        if suffix in (".csv", ".tsv"):
            self._add_csv(path, head)
            return
        if suffix in (".json", ".jsonl", ".ndjson"):
            self._add_json(path, head, st.st_size)
            return
        if suffix == ".parquet":
            self._add_message_table(path)
            return
        self.problem(path, "not a recognised input (LinkedIn export, e-mail, mailbox, job adverts, "
                           "approaches or profiles JSON); skipped")

    def _add_csv(self, path: Path, head: bytes) -> None:
        from lurewatch.ingest import jobads

        try:
            text = decode_text(head).text
        except UnsafeInput as e:
            self.problem(path, f"refused: {e}")
            return
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        try:
            fields = next(csv.reader([first]), []) if first else []
        except csv.Error:
            fields = []
        if _advert_fields(fields):
            self.merge(jobads.load_adverts(path))
            return
        from lurewatch.ingest import email

        if email.is_mail_csv_header(fields):  # e-mail corpora: sender,receiver,date,subject,body
            self.merge(email.load_mail_csv(path))
            return
        self.problem(path, "CSV file that is neither part of a LinkedIn export, job adverts (EMSCAD "
                           "columns) nor e-mails (sender, subject, body); skipped", 1)

    def _add_json(self, path: Path, head: bytes, size: int) -> None:
        first = self._first_json_object(path, head, size)
        if isinstance(first, UnsafeInput):
            self.problem(path, f"refused: {first}")
            return
        if isinstance(first, dict) and isinstance(first.get("basics"), dict):
            probs: list[IngestProblem] = []
            try:
                prof = load_profile_bytes(read_bounded(path), str(path), probs)
            except UnsafeInput as e:
                self.problem(path, f"refused: {e}")
                return
            self.loaded.result.problems += probs
            if prof is not None:
                add_profile(self.found_profiles, prof, self.loaded.result.problems)
                self.loaded.result.files_read += 1
            return
        if isinstance(first, dict) and _advert_fields(list(first)):
            from lurewatch.ingest import jobads

            self.merge(jobads.load_adverts(path))
            return
        if messages_table.looks_like_message_row(first):
            self._add_message_table(path)
            return
        if first is None or looks_like_contract(first):
            self.merge(load_contract(path))  # reports what is wrong record by record
            return
        self.problem(path, "JSON that is neither approaches (lurewatch contract), job adverts nor a JSON "
                           "Resume profile; skipped")

    def _add_message_table(self, path: Path) -> None:
        """A message table is streamed when the approaches are read, with the profiles found by then."""
        res = self.loaded.result
        res.pending.append(messages_table.stream_approaches(path, res, self.loaded.profiles))
        res.message_tables.append(str(path))

    @staticmethod
    def _first_json_object(path: Path, head: bytes, size: int) -> object:
        """The first object of a JSON list / object / JSON Lines file, None when it cannot be told."""
        try:
            if size <= MAX_JSON_SNIFF_BYTES:
                text = decode_text(read_bounded(path)).text
            else:
                text = decode_text(head).text.split("\n", 1)[0]
        except UnsafeInput as e:
            return e
        stripped = text.lstrip()
        if stripped.startswith("{") and "\n" in stripped.rstrip():
            # JSON Lines, or one pretty-printed object: try the first line alone first
            try:
                return json.loads(stripped.split("\n", 1)[0])
            except (ValueError, RecursionError):
                pass
        for _line, obj in iter_json_documents(text):
            return None if isinstance(obj, ValueError) else obj
        return None
