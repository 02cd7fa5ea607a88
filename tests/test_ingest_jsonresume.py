"""JSON Resume sender profiles: mapping, URL keys, wrong types everywhere, bounds, photos."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lurewatch.ingest.jsonresume import MAX_PROFILE_BYTES, load_profiles, parse_count, parse_jsonresume

FULL = {
    "basics": {
        "name": "Dana Whitlock",
        "label": "Principal Engineer at Helix Instruments",
        "email": "dana@helix.example",
        "phone": "+44 20 7946 0000",
        "summary": "Builds cryostats.",
        "url": "https://www.LinkedIn.com/in/Dana-Whitlock/?originalSubdomain=uk",
        "location": {"city": "Leeds", "region": "West Yorkshire", "countryCode": "GB"},
        "profiles": [
            {"network": "LinkedIn", "url": "http://uk.linkedin.com/in/dana-whitlock"},
            {"network": "GitHub", "url": "https://github.com/DanaW/"},
        ],
    },
    "work": [
        {"name": "Helix Instruments", "position": "Principal Engineer", "startDate": "2019-04",
         "summary": "Cryogenic systems.", "highlights": ["Led the 4K platform", "Two patents"]},
        {"company": "Old Co", "position": "Engineer", "startDate": "2014", "endDate": "2019-03-31"},
    ],
    "education": [{"institution": "University of Leeds", "studyType": "PhD", "area": "Physics",
                   "startDate": "2010", "endDate": "2014"}],
    "skills": [{"name": "Cryogenics", "keywords": ["Dilution refrigerators", "Vacuum"]}, "Python"],
    "meta": {"connections": "500+", "followers": "1.2k", "accountCreated": "2012-06-30",
             "photo": "photos/dana.jpg", "activity": ["Posted about the 4K platform",
                                                      {"text": "Hiring!"}, {"other": 1}, None]},
}


def test_full_mapping(tmp_path: Path) -> None:
    src = tmp_path / "dana.json"
    prof = parse_jsonresume(FULL, str(src))
    assert prof.name == "Dana Whitlock" and prof.headline.startswith("Principal Engineer")
    assert prof.url == "https://linkedin.com/in/dana-whitlock"
    assert prof.urls == ["https://linkedin.com/in/dana-whitlock", "https://github.com/danaw"]
    assert prof.location == "Leeds, West Yorkshire, GB"
    assert [(p.company, p.title, p.start, p.end) for p in prof.positions] == [
        ("Helix Instruments", "Principal Engineer", "2019-04", None),
        ("Old Co", "Engineer", "2014", "2019-03-31")]
    assert "Two patents" in prof.positions[0].summary
    assert prof.current_employer == "Helix Instruments"
    assert [(e.company, e.title) for e in prof.education] == [("University of Leeds", "PhD Physics")]
    assert prof.skills == ["Cryogenics", "Dilution refrigerators", "Vacuum", "Python"]
    assert (prof.connections, prof.followers, prof.account_created) == (500, 1200, "2012-06-30")
    assert prof.photo == str((tmp_path / "photos" / "dana.jpg").resolve())
    assert prof.activity == ["Posted about the 4K platform", "Hiring!"]
    assert prof.email == "dana@helix.example" and prof.source_file == str(src)


@pytest.mark.parametrize("value,expected", [
    (500, 500), ("500+", 500), ("1,234", 1234), ("1.2k", 1200), ("12 K", 12000), ("3M", 3_000_000),
    (None, None), ("", None), ("many", None), (True, None), (-5, None), (12.7, 12), ([], None),
])
def test_parse_count(value: object, expected: int | None) -> None:
    assert parse_count(value) == expected


@pytest.mark.parametrize("doc", [
    None, [], "text", 5, {"basics": None}, {"basics": "Jane"}, {"basics": {"name": ["a"]}},
    {"basics": {"profiles": "https://linkedin.com/in/x"}, "work": {"name": "A"}, "skills": "Python",
     "education": "MIT", "meta": {"connections": {"n": 1}, "activity": "one post", "accountCreated": 5}},
    {"work": [None, 3, "Freelance", {"name": None, "startDate": {"y": 1}}], "meta": []},
])
def test_wrong_types_never_raise(doc: object) -> None:
    prof = parse_jsonresume(doc, "x.json")
    assert prof.source_file == "x.json"


def test_wrong_types_mapped_sensibly() -> None:
    prof = parse_jsonresume({"basics": {"profiles": "https://linkedin.com/in/x"}, "work": {"name": "A"},
                             "skills": "Python", "education": "MIT",
                             "meta": {"activity": "one post"}}, "x.json")
    assert prof.urls == ["https://linkedin.com/in/x"]
    assert [p.company for p in prof.positions] == ["A"]
    assert prof.skills == ["Python"] and [e.company for e in prof.education] == ["MIT"]
    assert prof.activity == ["one post"]


def test_load_profiles_keys_problems_and_bounds(tmp_path: Path) -> None:
    (tmp_path / "dana.json").write_text(json.dumps(FULL))
    (tmp_path / "clash.json").write_text(json.dumps(
        {"basics": {"name": "Impostor", "url": "linkedin.com/in/dana-whitlock"}}))
    (tmp_path / "nourl.json").write_text(json.dumps({"basics": {"name": "Nobody"}}))
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "bad.json").write_text("{nope")
    (tmp_path / "big.json").write_text('{"basics": {"summary": "' + "x" * MAX_PROFILE_BYTES + '"}}')
    (tmp_path / "bin.json").write_bytes(b"\x00\x01\x02" * 100)
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "urlphoto.json").write_text(json.dumps(
        {"basics": {"url": "linkedin.com/in/p"}, "meta": {"photo": "https://evil.example/p.jpg"}}))
    (tmp_path / "escape.json").write_text(json.dumps(
        {"basics": {"url": "linkedin.com/in/q"}, "meta": {"photo": "../../etc/passwd"}}))
    (tmp_path / "readme.txt").write_text("not a profile")
    profiles, problems = load_profiles(tmp_path)
    assert profiles["https://linkedin.com/in/dana-whitlock"].name in ("Dana Whitlock", "Impostor")
    assert profiles["https://github.com/danaw"].name == "Dana Whitlock"
    assert profiles["https://linkedin.com/in/p"].photo is None
    assert profiles["https://linkedin.com/in/q"].photo is None
    text = "\n".join(str(p) for p in problems)
    for needle in ("also claimed by", "nourl.json", "list.json", "bad.json: not valid JSON", "big.json",
                   "bin.json", "deep.json", "urlphoto.json", "escape.json"):
        assert needle in text, needle
    assert "readme" not in text


def test_load_profiles_missing_folder(tmp_path: Path) -> None:
    profiles, problems = load_profiles(tmp_path / "missing")
    assert profiles == {} and len(problems) == 1
