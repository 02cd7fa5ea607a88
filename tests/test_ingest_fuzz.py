"""Property tests: random bytes and CSV-ish text at every ingest entry point never raise.

Bad input must come back as IngestProblems, never as an exception. Time is bounded by the size of the
generated inputs and by pytest-timeout; there are no timing assertions.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lurewatch.ingest import load_inputs
from lurewatch.ingest.contract import approach_from_contract
from lurewatch.ingest.csvread import parse_when
from lurewatch.ingest.jsonresume import load_profile_bytes, parse_jsonresume
from lurewatch.ingest.linkedin import (
    build_export,
    parse_connections,
    parse_invitations,
    parse_messages,
    parse_positions,
    parse_profile_csv,
)
from lurewatch.ingest.safety import UnsafeInput, decode_text
from lurewatch.model import IngestResult
from lurewatch.urls import normalise_profile_url

# LUREWATCH_FUZZ_EXAMPLES=5000 for a longer local run
FUZZ = settings(max_examples=int(os.environ.get("LUREWATCH_FUZZ_EXAMPLES", "200")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])

MESSAGE_HEADER = ("CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,"
                  "DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS,IS MESSAGE DRAFT")
INVITATION_HEADER = "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl"
CONNECTION_HEADER = 'Notes:\n"some, notes"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On'
PROFILE_HEADER = "First Name,Last Name,Headline,Summary,Industry,Geo Location"
POSITION_HEADER = "Company Name,Title,Description,Location,Started On,Finished On"
HEADERS = [MESSAGE_HEADER, INVITATION_HEADER, CONNECTION_HEADER, PROFILE_HEADER, POSITION_HEADER]

# cells that look like what exports hold, plus the characters that break naive parsers
cell = st.one_of(
    st.sampled_from(["", "INCOMING", "OUTGOING", "Yes", "No", "INBOX", "LinkedIn Member",
                     "Sponsored Conversation", "2023-06-11 15:33:58 UTC", "1/19/26, 9:15 AM", "22 Jan 2026",
                     "https://www.linkedin.com/in/a", "https://www.linkedin.com/in/b;https://linkedin.com/in/c",
                     "Job_Description.iso", "Ã©", "c1", "c2", "Ann", "Bob", "\ufeff", "Message request accepted"]),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=40),
    st.text(alphabet='",\n\r;\\ ab', max_size=20),
)
row = st.lists(cell, min_size=0, max_size=14)


def csvish(rows: list[list[str]]) -> str:
    out = []
    for r in rows:
        out.append(",".join(f'"{c}"' if i % 3 == 0 else c for i, c in enumerate(r)))
    return "\n".join(out)


@st.composite
def csv_text(draw: st.DrawFn) -> str:
    header = draw(st.sampled_from(HEADERS + ["", "garbage,header"]))
    body = csvish(draw(st.lists(row, max_size=25)))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return (header + "\n" + body).replace("\n", newline)


PARSERS = [parse_messages, parse_invitations, parse_connections]


@FUZZ
@given(text=csv_text(), which=st.integers(0, 4))
def test_csv_parsers_never_raise(text: str, which: int) -> None:
    res = IngestResult()
    if which < 3:
        PARSERS[which](text, "f.csv", res)
    elif which == 3:
        parse_profile_csv(text, "f.csv", res)
    else:
        parse_positions(text, "f.csv", res)
    assert res.rows_skipped <= sum(1 for p in res.problems if p.line is not None)


@FUZZ
@given(text=csv_text(), inv=csv_text())
def test_build_export_never_raises(text: str, inv: str) -> None:
    res = IngestResult()
    msgs = parse_messages(MESSAGE_HEADER + "\n" + text, "m.csv", res)
    invs = parse_invitations(INVITATION_HEADER + "\n" + inv, "i.csv", res)
    export = build_export(msgs, invs, [], None, "m.csv", res)
    for ap in export.approaches:
        assert ap.messages and any(m.inbound for m in ap.messages)
        ap.to_contract()


@FUZZ
@given(data=st.binary(max_size=3000))
def test_decode_text_raises_only_unsafe_input(data: bytes) -> None:
    with contextlib.suppress(UnsafeInput):
        decode_text(data)


@FUZZ
@given(text=st.text(max_size=60))
def test_dates_and_urls_never_raise(text: str) -> None:
    d = parse_when(text)
    assert d is None or d.tzinfo is not None
    u = normalise_profile_url(text)
    assert u is None or u.startswith("https://")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(
        st.sampled_from(["basics", "work", "education", "skills", "meta", "name", "url", "profiles",
                         "connections", "followers", "accountCreated", "photo", "activity", "position",
                         "startDate", "endDate", "keywords", "highlights", "location", "label", "text",
                         "source", "messages", "inbound", "sent_at", "attachments", "from"]),
        children, max_size=6),
    max_leaves=30,
)


@FUZZ
@given(doc=json_values)
def test_jsonresume_never_raises(doc: object) -> None:
    parse_jsonresume(doc, "/tmp/x/p.json")
    problems: list = []
    load_profile_bytes(json.dumps(doc).encode(), "/tmp/x/p.json", problems)


@FUZZ
@given(doc=json_values)
def test_contract_raises_only_value_error(doc: object) -> None:
    for keep in (False, True):
        with contextlib.suppress(ValueError):
            approach_from_contract(doc, keep_scores=keep).to_contract()  # type: ignore[arg-type]


@FUZZ
@given(
    files=st.dictionaries(
        st.sampled_from(["messages.csv", "Invitations.csv", "Connections.csv", "Profile.csv", "Positions.csv",
                         "profiles/p.json", "x.eml", "a.json", "b.jsonl", "c.csv", "d.mbox", "e.zip"]),
        st.one_of(st.binary(max_size=2000), csv_text().map(lambda s: s.encode("utf-8", "surrogatepass")),
                  json_values.map(lambda v: json.dumps(v).encode())),
        max_size=6),
    as_zip=st.booleans(),
)
def test_dispatcher_on_random_folders_and_zips(files: dict[str, bytes], as_zip: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        if as_zip:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as zf:
                for name, data in files.items():
                    zf.writestr("export/" + name, data)
            target = root / "Basic_LinkedInDataExport_01-15-2026.zip"
            target.write_bytes(buf.getvalue())
        else:
            target = root / "in"
            for name, data in files.items():
                path = target / name
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
            target.mkdir(exist_ok=True)
        res = load_inputs([target], profiles_dir=root)
        for p in res.problems:
            assert "could not be read (" not in p.reason, p  # the safety net must not be what caught it
        for ap in res.approaches:
            ap.to_contract()
