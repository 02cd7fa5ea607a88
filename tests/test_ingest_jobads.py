"""Job-advert ingest: EMSCAD CSV, JSON and JSON Lines layouts, labels kept apart, hostile input."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lurewatch.ingest.jobads import (
    decode_bulk_text,
    is_job_advert_header,
    load_adverts,
    load_adverts_with_labels,
    parse_bool,
)
from lurewatch.ingest.safety import decode_text

FIX = Path(__file__).parent / "fixtures" / "jobads"
EMSCAD_DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "emscad" / "job_postings_dev.csv"
EMSCAD_HEADER = [
    "title", "location", "department", "salary_range", "company_profile", "description", "requirements",
    "benefits", "telecommuting", "has_company_logo", "has_questions", "employment_type",
    "required_experience", "required_education", "industry", "function", "fraudulent",
]


def test_csv_adverts_fields_flags_and_placeholders() -> None:
    res = load_adverts(FIX / "adverts.csv")
    assert res.files_read == 1 and res.rows_read == 4 and res.rows_skipped == 1
    assert [a.advert.job_id for a in res.approaches] == ["1", "2", "3"]
    intern, analyst, service = res.approaches
    assert intern.source == "job-advert" and intern.sender_name == "job advert"
    assert intern.conversation_id == "1"
    assert intern.advert.company_profile.startswith("<h3>We're Food52")  # HTML remnants kept as given
    url = "#URL_86fd830a95a64e2b30ceed829e63fd384c289e4f01e3c93608b42a84f6e662dd#"
    assert url in intern.advert.description
    assert (intern.advert.telecommuting, intern.advert.has_company_logo, intern.advert.has_questions) == (
        False, True, False)
    assert (service.advert.telecommuting, service.advert.has_company_logo, service.advert.has_questions) == (
        False, True, True)
    assert "#EMAIL_0b13a2cf" in analyst.advert.description
    assert "\nNo experience needed!" in analyst.advert.description
    assert analyst.advert.salary_range == "50000-90000" and analyst.advert.location == "SG, , Singapore"
    # one inbound message: title + description + requirements + benefits
    (msg,) = analyst.messages
    assert msg.inbound and msg.subject == analyst.advert.title
    assert msg.text.startswith("Geopolitical Research Analyst (remote, paid per report)\n\nWe pay $800")
    assert msg.text.endswith("Travel to Singapore paid. Flexible hours.")
    # mojibake repaired, entities kept
    assert "London – central office" in service.advert.description and "€25,000" in service.advert.description
    assert "&rsquo;" in service.advert.company_profile
    (problem,) = res.problems
    assert problem.line == 6 and "4 fields" in problem.reason


def test_label_is_never_on_the_approach_but_returned_apart() -> None:
    res, labels = load_adverts_with_labels(FIX / "adverts.csv")
    assert labels == [0, 1, 0]
    contract = json.dumps([a.to_contract() for a in res.approaches])
    assert "fraudulent" not in contract
    assert not hasattr(res.approaches[1].advert, "fraudulent")


def test_json_array_and_json_lines() -> None:
    res, labels = load_adverts_with_labels(FIX / "adverts.json")
    assert [a.advert.job_id for a in res.approaches] == ["1", "2", "3"]
    assert labels == [0, 1, 0]
    first = res.approaches[0].advert
    assert first.telecommuting is False and first.has_company_logo is True
    assert res.approaches[2].sender_name == "Novitex"  # a `company` column names the sender
    assert [p.reason for p in res.problems] == ["record 4: not a JSON object; skipped"]

    res = load_adverts(FIX / "adverts.jsonl")
    titles = [a.advert.title for a in res.approaches]
    assert titles == ["Marketing Intern", "Geopolitical Research Analyst (remote, paid per report)",
                      "Customer Service Associate"]
    assert res.rows_read == 5 and res.rows_skipped == 2
    lines = sorted((p.line, p.reason.split(":")[0]) for p in res.problems)
    assert lines == [(4, "not valid JSON, skipped"), (6, "line 6")]


def test_refusals_are_problems(tmp_path: Path) -> None:
    binary = tmp_path / "x.csv"
    binary.write_bytes(b"\x00\x01\x02binary" * 100)
    res = load_adverts(binary)
    assert not res.approaches and "binary" in res.problems[0].reason

    other = tmp_path / "other.csv"
    other.write_text("name,email\nJane,j@x.org\n")
    res = load_adverts(other)
    assert not res.approaches and "not a job-advert file" in res.problems[0].reason

    assert "refused" in load_adverts(tmp_path / "missing.csv").problems[0].reason
    assert "refused" in load_adverts(tmp_path).problems[0].reason  # a directory

    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "empty" in load_adverts(empty).problems[0].reason


def test_oversized_field_is_reported_and_later_rows_still_load(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EMSCAD_HEADER)
        w.writerow(["Big"] + [""] * 4 + ["x" * 1_200_000] + [""] * 11)
        w.writerow(["Small", "", "", "", "", "", "desc"] + [""] * 10)
    before = csv.field_size_limit()
    res = load_adverts(path)
    assert csv.field_size_limit() == before  # the process-wide limit is restored
    assert [a.advert.title for a in res.approaches] == ["Small"]
    assert res.problems and res.problems[0].line == 2 and "field larger" in res.problems[0].reason


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_endings_and_multiline_fields(tmp_path: Path, newline: str) -> None:
    path = tmp_path / "ads.csv"
    rows = [",".join(EMSCAD_HEADER), 'A,"US, NY",,,,"line one' + newline + 'line two",,,1,0,0,,,,,,0', "B" + "," * 16]
    path.write_bytes(newline.join(rows).encode() + newline.encode())
    res = load_adverts(path)
    assert res.problems == [] and [a.advert.title for a in res.approaches] == ["A", "B"]
    assert res.approaches[0].advert.description == f"line one{newline}line two"
    assert res.approaches[0].advert.telecommuting is True


def test_header_predicate_and_bools() -> None:
    assert is_job_advert_header(EMSCAD_HEADER)
    assert is_job_advert_header(["\ufeffJob_ID", "Title", "Description", "Requirements", "Benefits",
                                 "Industry"])
    assert not is_job_advert_header(["sender", "receiver", "date", "subject", "body", "urls", "label"])
    assert is_job_advert_header(["title", "company_profile"])
    assert not is_job_advert_header(["title", "location", "salary_range"])
    assert not is_job_advert_header(["description", "company_profile"])
    assert [parse_bool(x) for x in ("1", "0", "t", "f", "TRUE", "no", "yes", "", "maybe", 1, 0, True)] == [
        True, False, True, False, True, False, True, None, None, True, False, True]


def test_bulk_decoding_matches_decode_text_on_mojibake_lines() -> None:
    data = "ok line €10\nbroken â€“ dash\r\nCafÃ© here\n".encode()
    assert decode_bulk_text(data) == decode_text(data).text == "ok line €10\nbroken – dash\r\nCafé here\n"
    assert decode_bulk_text("é".encode("cp1252") + b" text") == "é text"
    assert decode_bulk_text(b"\xef\xbb\xbftitle") == "title"


@pytest.mark.skipif(not EMSCAD_DEV.exists(), reason="shared EMSCAD sample not present")
def test_emscad_dev_sample_loads_every_row() -> None:
    res, labels = load_adverts_with_labels(EMSCAD_DEV)
    assert res.problems == []
    assert len(res.approaches) == 811 == res.rows_read == len(labels)
    assert set(labels) == {0, 1}
    assert all(a.advert.title for a in res.approaches)
    assert all(isinstance(a.advert.telecommuting, bool) for a in res.approaches)


_FIELD = st.one_of(st.text(max_size=40), st.sampled_from(["0", "1", "t", "#URL_ab12#", "<br>", '"', "\r\n"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes) -> None:
    for name in ("f.csv", "f.json"):
        path = tmp_path / name
        path.write_bytes(data if name == "f.csv" else b"[" + data)
        res = load_adverts(path)
        assert res.problems or res.approaches or res.rows_read == 0


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(_FIELD, max_size=20), max_size=8), as_json=st.booleans())
def test_structured_text_never_raises(tmp_path: Path, rows: list[list[str]], as_json: bool) -> None:
    path = tmp_path / "s.txt"
    if as_json:
        path.write_text(json.dumps([dict(zip(EMSCAD_HEADER, r, strict=False)) for r in rows] + rows))
    else:
        with path.open("w", newline="") as fh:
            csv.writer(fh).writerows([EMSCAD_HEADER, *rows])
    res = load_adverts(path)
    assert res.rows_read >= len(res.approaches)
    for a in res.approaches:
        assert a.advert is not None and a.to_contract()["source"] == "job-advert"
