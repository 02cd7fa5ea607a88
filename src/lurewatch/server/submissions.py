"""Submitting reports: score what the reporter gave us, store it, open cases, answer with the verdict."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from lurewatch.model import Approach, Profile
from lurewatch.server import analysis, audit, jobs, service, uploads
from lurewatch.server.auth import User
from lurewatch.server.deps import State
from lurewatch.server.service import Invalid

# Called inside the report's own transaction with (connection, report row, approaches, case ids): a caller
# records there what must commit or roll back with the cases (the mail intake's exactly-once record).
InTx = Callable[[Connection, dict[str, Any], list[Approach], list[int]], None]


def _store_report(st: State, user: User, act: audit.Actor, kind: str, found: list[Approach], sector: str,
                  comment: str, files: list[tuple[uploads.Stored, str]], in_tx: InTx | None = None) -> dict[str, Any]:
    with st.db.write() as conn:
        rep = service.create_report_row(conn, user, act, kind, comment)
        out_files = []
        for stored, fkind in files:
            fid = uploads.record(conn, stored, user.id, rep["id"], fkind)
            out_files.append({"id": fid, "kind": fkind, "original_name": stored.original_name, "size": stored.size})
        case_ids = service.attach_approaches(conn, rep["id"], found, act, sector=sector)
        if in_tx is not None:
            in_tx(conn, rep, found, case_ids)
    items = []
    for a, cid in sorted(zip(found, case_ids, strict=True), key=lambda x: -x[0].score):
        d = a.to_contract()
        if user.can("analyst"):
            d["case_id"] = cid
        items.append(d)
    return service.report_body(user, rep, items, out_files)


def submit_text(st: State, user: User, act: audit.Actor, message: str, sender_name: str = "",
                profile_url: str | None = None, jsonresume: dict[str, Any] | None = None, sector: str = "",
                comment: str = "", in_tx: InTx | None = None) -> dict[str, Any]:
    profile = None
    files: list[tuple[uploads.Stored, str]] = []
    if jsonresume is not None:
        from lurewatch.ingest.jsonresume import parse_jsonresume

        profile = analysis.safe_profile(parse_jsonresume(jsonresume, "report"))
        raw = json.dumps(jsonresume, ensure_ascii=False).encode()  # kept, so analysts see the profile
        files.append((uploads.store_stream(io.BytesIO(raw), st.cfg.data_dir, st.cfg.max_doc_bytes, "profile.json"),
                      "jsonresume"))
    if not message.strip() and profile is None and not profile_url:
        raise Invalid("give the message, the sender's profile URL or their profile")
    a = analysis.check_message(message, sender_name=sender_name, profile_url=profile_url, profile=profile,
                               ctx=analysis.context(st.cfg.db_url))
    return _store_report(st, user, act, "message" if message.strip() else "profile", [a], sector, comment, files,
                         in_tx)


def submit_files(st: State, user: User, act: audit.Actor, *, message: str = "", sender_name: str = "",
                 profile_url: str | None = None, sector: str = "", comment: str = "", photo: Any = None,
                 jsonresume: Any = None, eml: Any = None, export: Any = None,
                 screenshots: list[Any] | None = None, in_tx: InTx | None = None) -> dict[str, Any]:
    cfg = st.cfg
    files: list[tuple[uploads.Stored, str]] = []
    shots = [f for f in screenshots or [] if f is not None and getattr(f, "filename", "")]
    given = [f for f in (photo, jsonresume, eml, export) if f is not None and getattr(f, "filename", "")]
    try:
        if shots:
            if given or message.strip():
                raise Invalid("send screenshots on their own: the message and the sender are read from them")
            return _screenshots(st, user, act, shots, sector, comment, files)
        if export is not None and export.filename:
            if len(given) > 1 or message.strip():
                raise Invalid("send an export zip on its own")
            stored = uploads.store_stream(export.file, cfg.data_dir, cfg.max_zip_bytes, export.filename)
            return _queue_export(st, user, act, stored, sector, comment)
        profile: Profile | None = None
        photo_path: Path | None = None
        if jsonresume is not None and jsonresume.filename:
            stored = uploads.store_stream(jsonresume.file, cfg.data_dir, cfg.max_doc_bytes, jsonresume.filename)
            files.append((stored, "jsonresume"))
            try:
                profile = analysis.profile_from_jsonresume(stored.path.read_bytes(), "report")
            except Exception as e:
                raise Invalid(f"the JSON Resume could not be read: {e}") from e
        if photo is not None and photo.filename:
            stored = uploads.store_stream(photo.file, cfg.data_dir, cfg.max_image_bytes, photo.filename)
            files.append((stored, "photo"))
            try:
                uploads.thumbnail_png(stored.path, 32)  # refuse anything that is not a readable image
            except Exception as e:
                raise Invalid("the photo is not a readable image") from e
            photo_path = stored.path
        if eml is not None and eml.filename:
            stored = uploads.store_stream(eml.file, cfg.data_dir, cfg.max_doc_bytes, eml.filename)
            files.append((stored, "eml"))
            found = _one_email(stored)
            found = analysis.analyse(found, analysis.context(cfg.db_url))
            return _store_report(st, user, act, "eml", found, sector, comment, files, in_tx)
        if not message.strip() and profile is None and not profile_url and photo_path is None:
            raise Invalid("give the message, the sender's profile or a file")
        a = analysis.check_message(message, sender_name=sender_name, profile_url=profile_url, profile=profile,
                                   photo_path=photo_path, ctx=analysis.context(cfg.db_url))
        kind = "message" if message.strip() else ("photo" if photo_path else "profile")
        return _store_report(st, user, act, kind, [a], sector, comment, files, in_tx)
    except BaseException:
        for stored, _ in files:
            stored.path.unlink(missing_ok=True)
        raise


def _screenshots(st: State, user: User, act: audit.Actor, shots: list[Any], sector: str, comment: str,
                 files: list[tuple[uploads.Stored, str]]) -> dict[str, Any]:
    """Screenshots of one thread (and the sender's profile): kept like any upload, read by OCR within the
    intake's bounds (count, bytes, pixels, time), the sender's photo cropped from them kept as a photo."""
    from lurewatch.screenshot import MAX_SCREENSHOTS

    if len(shots) > MAX_SCREENSHOTS:
        raise Invalid(f"{len(shots)} screenshots: at most {MAX_SCREENSHOTS} at a time")
    items = []
    for f in shots:
        stored = uploads.store_stream(f.file, st.cfg.data_dir, st.cfg.max_image_bytes, f.filename)
        files.append((stored, "screenshot"))
        items.append((stored.original_name or "screenshot", stored.path.read_bytes()))
    a, problems, crop = analysis.check_screenshots(items, analysis.context(st.cfg.db_url))
    if crop is not None:
        files.append((uploads.store_stream(io.BytesIO(crop), st.cfg.data_dir, st.cfg.max_image_bytes,
                                           "sender photo (from the screenshot).png"), "photo"))
    out = _store_report(st, user, act, "screenshot", [a], sector, comment, files)
    out["problems"] = problems
    return out


def _one_email(stored: uploads.Stored) -> list[Approach]:
    """The approach in one uploaded e-mail. A mailbox is refused: every message in it would become a case
    (the export upload scans a mailbox and keeps only flagged approaches)."""
    from lurewatch.ingest.email import count_messages

    n = count_messages(stored.path.read_bytes())
    if n > 1:
        raise Invalid(f"this file is a mailbox (mbox) with {n} messages; the e-mail field takes one message. "
                      "Send a mailbox with \"Scan my export\" instead: only its flagged approaches are kept.")
    link = _suffixed(stored.path, ".eml")
    try:
        found, problems = analysis.scan_files([link], names={str(link): stored.original_name or "the e-mail"})
    finally:
        link.unlink(missing_ok=True)  # the upload itself is kept (or removed) by the caller
    if not found:
        raise Invalid("no message found in the e-mail" + (f": {problems[0]}" if problems else ""))
    return found


def _queue_export(st: State, user: User, act: audit.Actor, stored: uploads.Stored, sector: str,
                  comment: str) -> dict[str, Any]:
    with st.db.write() as conn:
        rid = service.create_report(conn, user, act, "export", comment)
        uid = uploads.record(conn, stored, user.id, rid, "export")
        jobs.enqueue(conn, "export-scan", user.id, rid, uid, act)
        return service.report_view(conn, user, rid)


def _suffixed(path: Path, suffix: str) -> Path:
    link = path.with_name(path.name + suffix)
    if not link.exists():
        os.link(path, link)
    return link
