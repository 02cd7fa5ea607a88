"""LinkedIn export ingest: real layouts (fixtures under tests/fixtures/linkedin), zips, hostile inputs."""

from __future__ import annotations

import json
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from lurewatch.ingest import load_inputs, scan_inputs
from lurewatch.ingest.linkedin import load_folder, parse_connections, parse_invitations, parse_messages
from lurewatch.model import IngestResult
from lurewatch.urls import normalise_profile_url

FIX = Path(__file__).parent / "fixtures" / "linkedin"
NEW = FIX / "new-export"
OLD = FIX / "old-export"
SHARED_CASES = Path(__file__).resolve().parents[1].parent / "shared" / "cases"
DEMO = Path(__file__).resolve().parents[1] / "examples" / "demo-export"


def by_conv(result: IngestResult) -> dict[str | None, list]:
    out: dict[str | None, list] = {}
    for ap in result.approaches:
        out.setdefault(ap.conversation_id, []).append(ap)
    return out


def make_zip(folder: Path, dest: Path, prefix: str = "Basic_LinkedInDataExport_01-15-2026/") -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                zf.write(f, prefix + f.relative_to(folder).as_posix())
    return dest


@pytest.fixture(scope="module")
def new() -> IngestResult:
    return load_inputs([NEW])


# --- messages.csv -------------------------------------------------------------------------------------


def test_new_export_owner_and_profile(new: IngestResult) -> None:
    export = load_folder(NEW)
    assert export.owner_profile_url == "https://linkedin.com/in/nadia-brook-qx"
    assert export.owner is not None and export.owner.name == "Nadia Brook"
    assert export.owner.location == "Cambridge, England, United Kingdom"
    assert [(p.company, p.start, p.end) for p in export.owner.positions] == [
        ("Qanto Labs", "2022-09", None), ("University of Northfield", "2018-10", "2022-08")]
    assert all(ap.owner is export.owner or ap.owner.name == "Nadia Brook" for ap in new.approaches)
    assert {ap.owner_profile_url for ap in new.approaches} == {"https://linkedin.com/in/nadia-brook-qx"}


def test_bom_crlf_quoted_newlines_and_thread_order(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-AAA"]
    assert ap.source == "linkedin-message"
    assert ap.sender_name == "Victor Hale"
    # the first row's URL is written with www., upper case, a trailing slash and a query
    assert ap.sender_profile_url == "https://linkedin.com/in/victor-hale-pri"
    texts = [m.text for m in ap.messages]
    assert texts[0] == ("Dear Nadia,\nI lead research at a policy institute and admire your work.\n"
                        "Would you write a short paid report for our clients?")
    assert [m.inbound for m in ap.messages] == [True, False, True, True]
    times = [m.sent_at for m in ap.messages]
    assert times == sorted(times) and times[0] == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
    assert all(t.tzinfo is UTC for t in times)
    assert ap.first_contact == datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def test_drafts_are_not_part_of_the_thread(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-AAA"]
    assert "Draft reply I never sent" not in [m.text for m in ap.messages]
    assert load_folder(NEW).stats["drafts"] == 1


def test_attachments_from_column_and_from_bare_file_name(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-AAA"]
    assert ap.messages[2].attachments == ["https://www.linkedin.com/dms/prv/attachment-1",
                                          "https://www.linkedin.com/dms/prv/attachment-2"]
    iso = ap.messages[3]
    assert iso.attachments == ["Project_Brief.iso"] and iso.text == "Project_Brief.iso"


def test_invitation_note_attached_and_note_only_invitation_is_an_approach(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-AAA"]
    assert ap.invitation_note.startswith("Hello Nadia, your work on trapped ions")
    (inv,) = [a for a in new.approaches if a.source == "linkedin-invitation"]
    assert inv.sender_name == "Yara Quill" and inv.conversation_id is None
    assert inv.sender_profile_url == "https://linkedin.com/in/yara-quill"
    assert len(inv.messages) == 1 and inv.messages[0].inbound
    assert inv.messages[0].text == inv.invitation_note
    assert inv.messages[0].sent_at == datetime(2025, 4, 2, 19, 45, tzinfo=UTC)
    # an invitation without a note is no approach
    assert "Owen Park" not in {a.sender_name for a in new.approaches}


def test_owner_started_threads_are_not_approaches(new: IngestResult) -> None:
    convs = by_conv(new)
    assert "2-BBB" not in convs  # the owner wrote first
    assert "2-HHH" not in convs  # the owner only


def test_owner_started_after_the_sender_invited_is_an_approach(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-CCC"]
    assert ap.sender_name == "Mira Castell"
    assert [m.inbound for m in ap.messages] == [False, True]


def test_recontact_after_long_silence_starts_an_approach(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-GGG"]
    assert len(ap.messages) == 1 and ap.messages[0].text.startswith("Long time!")
    assert ap.first_contact == datetime(2024, 6, 1, 10, 0, tzinfo=UTC)


def test_group_thread_gives_one_approach_per_sender(new: IngestResult) -> None:
    aps = by_conv(new)["2-DDD"]
    assert sorted(a.sender_name for a in aps) == ["Leo Grant", "Sam Oduya"]
    for ap in aps:
        assert [m.inbound for m in ap.messages] == [True, False]
        assert ap.messages[0].sender_name == ap.sender_name
        assert ap.messages[1].sender_name == "Nadia Brook"
    assert len({a.approach_id for a in aps}) == 2


def test_system_rows_and_sponsored_are_skipped(new: IngestResult) -> None:
    convs = by_conv(new)
    assert "2-EEE" not in convs and "2-SPON" not in convs
    assert load_folder(NEW).stats["system_rows"] == 2
    names = {a.sender_name for a in new.approaches}
    assert "LinkedIn Member" not in names and "Acme Cloud" not in names


def test_mojibake_repaired(new: IngestResult) -> None:
    (ap,) = by_conv(new)["2-FFF"]
    assert ap.sender_name == "Renée Dubois"
    assert "votre résumé est très intéressant" in ap.messages[0].text


def test_no_problems_on_messages_and_all_rows_counted(new: IngestResult) -> None:
    # 19 message rows + 5 invitations + 3 connections + 1 profile + 2 positions
    assert new.rows_read == 30 and new.rows_skipped == 0
    assert not [p for p in new.problems if "messages.csv" in p.file or "Invitations" in p.file]


def test_multiple_recipient_urls_separators() -> None:
    text = ("CONVERSATION ID,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,CONTENT\n"
            'c1,A,https://www.linkedin.com/in/a,"B, C","https://www.linkedin.com/in/b; '
            'https://uk.linkedin.com/in/C/,https://www.linkedin.com/in/d"'
            ",2024-01-01 10:00:00 UTC,hi\n")
    res = IngestResult()
    (m,) = parse_messages(text, "m.csv", res)
    assert m.recipient_urls == ("https://linkedin.com/in/b", "https://linkedin.com/in/c",
                                "https://linkedin.com/in/d")


# --- old exports, header variations --------------------------------------------------------------------


def test_old_export_without_new_columns_and_odd_headers() -> None:
    res = load_inputs([OLD])
    assert not res.problems, res.problems
    convs = by_conv(res)
    (p,) = convs["old-1"]
    assert p.sender_name == "Paul Rigby" and p.sender_profile_url == "https://linkedin.com/in/paul-rigby"
    assert [m.inbound for m in p.messages] == [True, False]
    assert p.messages[0].subject == "Visiting position"
    assert p.owner_profile_url == "https://linkedin.com/in/elin-marsh"
    # Invitations.csv without URL columns: matched by name
    assert p.invitation_note == "Dear Elin, I would like to add you to my network."
    (jo,) = convs[None]
    assert jo.source == "linkedin-invitation" and jo.sender_name == "Jo Finch"
    assert jo.sender_profile_url is None


def test_invitations_with_and_without_url_columns() -> None:
    res = IngestResult()
    with_urls = parse_invitations((NEW / "Invitations.csv").read_text("utf-8"), "i.csv", res)
    assert with_urls[0].inviter_url == "https://linkedin.com/in/yara-quill"
    assert with_urls[0].direction == "INCOMING"
    assert with_urls[-1].direction == "OUTGOING"
    assert with_urls[-1].sent_at == datetime(2025, 1, 5, 11, 0, tzinfo=UTC)
    without = parse_invitations((OLD / "invitations.csv").read_text("utf-8"), "i.csv", res)
    assert [i.inviter_url for i in without] == [None, None, None]
    assert not res.problems


def test_connections_preamble() -> None:
    res = IngestResult()
    conns = parse_connections((NEW / "Connections.csv").read_text("utf-8"), "c.csv", res)
    assert not res.problems
    assert [c.name for c in conns] == ["Colin Webb", "Leo Grant", "Victor Hale"]
    assert conns[0].connected_on.isoformat() == "2019-03-12"
    assert conns[0].email == "colin.webb@example.ac.uk"
    export = load_folder(NEW)
    victor = export.connection("https://linkedin.com/in/victor-hale-pri")
    assert victor is not None and victor.connected_on.isoformat() == "2025-03-09"
    assert export.connection("https://linkedin.com/in/yara-quill") is None


def test_owner_inferred_without_profile_csv(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(NEW, folder)
    (folder / "Profile.csv").unlink()
    export = load_folder(folder)
    assert export.owner_profile_url == "https://linkedin.com/in/nadia-brook-qx"
    assert export.owner is not None and export.owner.name == "Nadia Brook"


# --- profiles -------------------------------------------------------------------------------------------


def test_profiles_folder_in_export_is_attached(new: IngestResult) -> None:
    (victor,) = by_conv(new)["2-AAA"]
    assert victor.profile is not None and victor.profile.name == "Victor Hale"
    assert victor.profile.connections == 42
    assert victor.profile.photo == str((NEW / "profiles" / "victor.jpg").resolve())
    (mira,) = by_conv(new)["2-CCC"]
    assert mira.profile is not None and mira.profile.connections == 500 and mira.profile.photo is None
    problems = [str(p) for p in new.problems]
    assert any("broken.json" in p and "not valid JSON" in p for p in problems)
    assert any("mira-castell.json" in p and "URL" in p for p in problems)


def test_explicit_profiles_dir(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    shutil.copytree(NEW, folder, ignore=shutil.ignore_patterns("profiles"))
    profiles = tmp_path / "elsewhere"
    profiles.mkdir()
    (profiles / "yara.json").write_text(json.dumps(
        {"basics": {"name": "Yara Quill", "url": "HTTPS://www.linkedin.com/in/yara-quill/"}}))
    res = load_inputs([folder], profiles_dir=profiles)
    (inv,) = [a for a in res.approaches if a.source == "linkedin-invitation"]
    assert inv.profile is not None and inv.profile.name == "Yara Quill"
    (victor,) = by_conv(res)["2-AAA"]
    assert victor.profile is None
    missing = load_inputs([folder], profiles_dir=tmp_path / "nope")
    assert any("profiles folder does not exist" in p.reason for p in missing.problems)


# --- zips --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "Basic_LinkedInDataExport_01-15-2026/"])
def test_zip_and_folder_give_identical_approaches(tmp_path: Path, new: IngestResult, prefix: str) -> None:
    z = make_zip(NEW, tmp_path / "Complete_LinkedInDataExport_01-15-2026.zip", prefix)
    res = load_inputs([z])
    assert [a.to_contract() for a in res.approaches] == [a.to_contract() for a in new.approaches]
    assert [a.profile.name if a.profile else None for a in res.approaches] == \
        [a.profile.name if a.profile else None for a in new.approaches]
    # a photo inside a zip cannot be used: reported, not kept
    (victor,) = by_conv(res)["2-AAA"]
    assert victor.profile.photo is None
    assert res.rows_read == new.rows_read


def _zip_with(tmp_path: Path, name: str) -> Path:
    z = tmp_path / "evil.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("messages.csv", (NEW / "messages.csv").read_bytes())
        zf.writestr(name, b"owned")
    return z


@pytest.mark.parametrize("name", ["../evil.txt", "/abs/evil.txt", "a/../../evil.txt", "C:/evil.txt"])
def test_zip_traversal_refused(tmp_path: Path, name: str) -> None:
    res = load_inputs([_zip_with(tmp_path, name)])
    assert res.approaches == []
    (p,) = res.problems
    assert p.file.endswith("evil.zip") and "zip refused" in p.reason
    assert ("'..'" in p.reason) or ("absolute path" in p.reason)


def test_zip_bomb_refused(tmp_path: Path) -> None:
    z = tmp_path / "bomb.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("messages.csv", b"CONVERSATION ID,FROM,DATE,CONTENT\n" + b"a" * (30 * 1024 * 1024))
    assert z.stat().st_size < 100_000
    res = load_inputs([z])
    assert res.approaches == []
    assert any("zip bomb" in p.reason for p in res.problems)


def test_zip_with_too_many_entries_refused(tmp_path: Path) -> None:
    from lurewatch.ingest.safety import SafeZip, UnsafeInput

    z = tmp_path / "many.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for i in range(11):
            zf.writestr(f"f{i}.txt", b"x")
    with pytest.raises(UnsafeInput, match="11 entries"):
        SafeZip(z, max_entries=10)


def test_not_a_zip_and_zip_without_export(tmp_path: Path) -> None:
    fake = tmp_path / "Basic_LinkedInDataExport_01-15-2026.zip"
    fake.write_bytes(b"PK\x03\x04 not really a zip")
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("notes.txt", "hello")
    res = load_inputs([fake, other])
    reasons = [p.reason for p in res.problems]
    assert any("not a readable zip" in r for r in reasons)
    assert any("no messages.csv" in r for r in reasons)


# --- hostile and broken files ------------------------------------------------------------------------------


def test_binary_messages_csv_refused(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "messages.csv").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 40)
    res = load_inputs([folder])
    assert res.approaches == []
    (p,) = res.problems
    assert p.file.endswith("messages.csv") and "binary" in p.reason


def test_malformed_rows_reported_with_file_and_line() -> None:
    res = load_inputs([FIX / "malformed"])
    where = {(Path(p.file).name, p.line): p.reason for p in res.problems}
    assert "malformed row: 5 fields" in where[("messages.csv", 3)]
    assert "unreadable DATE 'yesterday-ish'" in where[("messages.csv", 4)]
    assert "without a CONVERSATION ID" in where[("messages.csv", 5)]
    assert "malformed row" in where[("messages.csv", 6)]
    assert res.rows_skipped == 3 and res.rows_read == 4
    texts = [m.text for a in res.approaches for m in a.messages]
    # the row after the stray quote is recovered, nothing else is lost
    assert texts == ["first good row", "a row with a bad date", "swallowed by the stray quote but recovered",
                     "last good row"]


def test_unknown_and_missing_inputs_are_problems(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "x.json").write_text('{"hello": 1}')
    res = load_inputs([tmp_path / "notes.txt", tmp_path / "data.csv", tmp_path / "x.json", tmp_path / "nope"])
    assert len(res.problems) == 4 and res.approaches == []


def test_folder_of_several_exports_and_progress(tmp_path: Path) -> None:
    shutil.copytree(NEW, tmp_path / "a" / "Basic_LinkedInDataExport_01-15-2026")
    shutil.copytree(OLD, tmp_path / "b" / "old")
    make_zip(NEW, tmp_path / "c.zip")
    seen: list[int] = []
    loaded = scan_inputs([tmp_path], progress=seen.append)
    assert len(loaded.exports) == 3
    assert sum(seen) == loaded.result.rows_read + loaded.result.rows_skipped
    assert len(loaded.result.approaches) == 2 * 7 + 3


def test_contract_round_trip(tmp_path: Path, new: IngestResult) -> None:
    path = tmp_path / "approaches.jsonl"
    path.write_text("\n".join(json.dumps(a.to_contract()) for a in new.approaches) + "\nnot json\n")
    res = load_inputs([path])
    assert [a.to_contract() for a in res.approaches] == [a.to_contract() for a in new.approaches]
    assert res.rows_skipped == 1 and res.problems[0].line == len(new.approaches) + 1


# --- the shared development cases --------------------------------------------------------------------------


@pytest.mark.skipif(not SHARED_CASES.is_dir(), reason="../shared/cases is not present")
def test_shared_cases_each_labelled_conversation_is_one_approach() -> None:
    labels = json.loads((SHARED_CASES / "labels.json").read_text("utf-8"))
    res = load_inputs([SHARED_CASES / label["case"] for label in {x["case"]: x for x in labels}.values()])
    assert not res.problems, res.problems
    for label in labels:
        aps = [a for a in res.approaches if a.conversation_id == label["conversation_id"]]
        assert len(aps) == 1, label
        (ap,) = aps
        assert ap.sender_profile_url == normalise_profile_url(label["sender_profile_url"])
        assert ap.profile is not None and ap.sender_profile_url in ap.profile.urls
        assert ap.inbound and ap.owner is not None


def test_demo_export_folder_and_zip(tmp_path: Path) -> None:
    res = load_inputs([DEMO])
    assert not res.problems, res.problems
    labels = json.loads((DEMO.parent / "demo-labels.json").read_text("utf-8"))
    assert len(res.approaches) == len(labels) == 24
    for label in labels:
        (ap,) = [a for a in res.approaches
                 if a.conversation_id == label["conversation_id"] and a.sender_name == label["sender_name"]]
        assert ap.profile is not None and ap.profile.name == ap.sender_name
        assert ap.owner is not None and ap.owner.name == "Freya Lindahl"
    z = make_zip(DEMO, tmp_path / "Basic_LinkedInDataExport_01-15-2026.zip")
    assert [a.to_contract() for a in load_inputs([z]).approaches] == [a.to_contract() for a in res.approaches]


# --- the dispatcher with the other input kinds -----------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("2023-06-11 15:33:58 UTC", datetime(2023, 6, 11, 15, 33, 58, tzinfo=UTC)),
    ("2023-06-11T15:33:58Z", datetime(2023, 6, 11, 15, 33, 58, tzinfo=UTC)),
    ("2023-06-11T17:33:58+02:00", datetime(2023, 6, 11, 15, 33, 58, tzinfo=UTC)),
    ("1/19/26, 9:15 AM", datetime(2026, 1, 19, 9, 15, tzinfo=UTC)),
    ("1/19/26, 9:15\u202fPM", datetime(2026, 1, 19, 21, 15, tzinfo=UTC)),
    ("19/01/2026, 21:15", datetime(2026, 1, 19, 21, 15, tzinfo=UTC)),
    ("22 Jan 2026", datetime(2026, 1, 22, tzinfo=UTC)),
    ("soon", None), ("", None),
])
def test_dates(text: str, expected: datetime | None) -> None:
    from lurewatch.ingest.csvread import parse_when

    assert parse_when(text) == expected


def test_single_messages_csv_path_reads_its_export(new: IngestResult) -> None:
    res = load_inputs([NEW / "messages.csv", NEW])  # the same export twice is read once
    assert [a.to_contract() for a in res.approaches] == [a.to_contract() for a in new.approaches]


def test_dispatch_eml_job_adverts_and_contract_list(tmp_path: Path, new: IngestResult) -> None:
    (tmp_path / "mail.eml").write_bytes(
        b"From: Pat Doe <pat@consult.example>\r\nTo: nadia@qanto.example\r\nSubject: Paid report\r\n"
        b"Date: Mon, 10 Mar 2025 09:00:00 +0000\r\nMessage-ID: <1@consult.example>\r\n\r\n"
        b"Dear Nadia, our client pays USD 2,000 per report.\r\n")
    (tmp_path / "adverts.csv").write_text(
        "job_id,title,location,department,salary_range,company_profile,description,requirements,benefits,"
        "telecommuting,has_company_logo,has_questions,employment_type,required_experience,"
        "required_education,industry,function,fraudulent\n"
        "1,Data entry,US,,,,Work from home,,,1,0,0,Part-time,,,,,1\n")
    (tmp_path / "approaches.json").write_text(json.dumps([a.to_contract() for a in new.approaches[:2]]))
    res = load_inputs([tmp_path])
    sources = sorted(a.source for a in res.approaches)
    assert sources.count("email") == 1 and sources.count("job-advert") == 1
    assert len(sources) == 4
    assert not [p for p in res.problems if "could not be read (" in p.reason]


def test_semicolon_csv_resaved_by_a_spreadsheet() -> None:
    text = ("CONVERSATION ID;FROM;SENDER PROFILE URL;DATE;CONTENT\r\n"
            'c1;Ann Lee;https://www.linkedin.com/in/ann-lee;2024-01-01 10:00:00 UTC;"Hello; are you free, Bo?"\r\n')
    res = IngestResult()
    (m,) = parse_messages(text, "m.csv", res)
    assert m.text == "Hello; are you free, Bo?" and m.sender_url == "https://linkedin.com/in/ann-lee"
    assert not res.problems


def test_stray_quote_swallowing_past_the_field_limit_is_recovered() -> None:
    good = "".join(f"c{i},Ann,2024-01-01 10:00:00 UTC,message {i}\n" for i in range(5000))
    text = "CONVERSATION ID,FROM,DATE,CONTENT\n" + 'c0,Ann,2024-01-01 10:00:00 UTC,"oops\n' + good
    res = IngestResult()
    msgs = parse_messages(text, "m.csv", res)
    assert len(msgs) == 5000 and res.rows_skipped == 1
    (p,) = res.problems
    assert p.line == 2 and "field limit" in p.reason
