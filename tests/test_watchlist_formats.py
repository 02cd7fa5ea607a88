"""Parsing each watchlist layout: lurewatch CSV, US CSL CSV and JSON, OpenSanctions FtM JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lurewatch.ingest.safety import UnsafeInput
from lurewatch.watchlists import detect_format, read_list

# The real CSL CSV header (consolidated.csv), one organisation, one person, one vessel.
CSL_HEADER = (
    "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,"
    "standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,"
    "gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,"
    "dates_of_birth,nationalities,places_of_birth,source_information_url,ids"
)


def _csl_row(**kw: str) -> str:
    cols = CSL_HEADER.split(",")
    return ",".join(json.dumps(kw.get(c, "")) for c in cols)


CSL_CSV = "\n".join(
    [
        CSL_HEADER,
        _csl_row(_id="a1", source="Entity List (EL) - Bureau of Industry and Security", type="",
                 name="Example Photonics Research Co., Ltd.",
                 addresses="12 Example Road, Example City, , CN; 3 Other Street, Sample Town, , HK",
                 alt_names="Example Photonics; EPR Co.",
                 source_list_url="https://www.bis.doc.gov/example-list",
                 source_information_url="https://www.bis.doc.gov/example-info"),
        _csl_row(_id="a2", source="Specially Designated Nationals (SDN) - Treasury Department",
                 type="Individual", name="DOE, John", alt_names="DOE, Johnny"),
        _csl_row(_id="a3", source="Specially Designated Nationals (SDN) - Treasury Department",
                 type="Vessel", name="EXAMPLE STAR"),
        _csl_row(_id="a4", source="Military End User (MEU) List - Bureau of Industry and Security",
                 type="Entity", name="Sample Avionics Institute", alt_names=""),
    ]
)

CSL_JSON = {
    "total": 3,
    "sources_used": [{"source": "Entity List (EL) - Bureau of Industry and Security"}],
    "results": [
        {
            "id": "x1", "source": "Entity List (EL) - Bureau of Industry and Security", "entity_number": None,
            "type": None, "programs": [], "name": "Example Photonics Research Co., Ltd.",
            "addresses": [{"address": "12 Example Road", "city": "Example City", "country": "CN"}],
            "alt_names": ["Example Photonics", "EPR Co."],
            "source_list_url": "https://www.bis.doc.gov/example-list",
            "source_information_url": "https://www.bis.doc.gov/example-info",
        },
        {"id": "x2", "source": "SDN", "type": "Individual", "name": "DOE, John", "alt_names": []},
        {"id": "x3", "source": "SDN", "type": "Entity", "name": "Sample Avionics Institute",
         "alt_names": None, "addresses": []},
    ],
}

FTM = [
    {"id": "NK-aaa", "schema": "Company", "caption": "Example Photonics Research Co., Ltd.",
     "properties": {"name": ["Example Photonics Research Co., Ltd.", "示例光电研究有限公司"],
                    "alias": ["Example Photonics"], "weakAlias": ["EPR"], "country": ["cn"],
                    "topics": ["export.control"], "sourceUrl": ["https://example.gov/el"]},
     "datasets": ["us_bis_entity_list"], "referents": [], "target": True},
    {"id": "NK-bbb", "schema": "Person", "caption": "John Doe", "properties": {"name": ["John Doe"]},
     "datasets": ["us_ofac_sdn"]},
    {"id": "NK-ccc", "schema": "Organization", "caption": "Sample Talent Programme",
     "properties": {"name": ["Sample Talent Programme"], "topics": ["poi"]}, "datasets": ["research_sec"]},
    {"id": "NK-ddd", "schema": "Vessel", "caption": "Example Star", "properties": {"name": ["Example Star"]}},
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_lurewatch_csv_with_comments_aliases_and_risk(tmp_path: Path) -> None:
    p = _write(tmp_path, "mine.csv", "# my list\nname,aliases,country,list,risk,source_url\n"
               'Foo Bar Institute,"FBI Alias; Foo Bar Inst.|福巴研究所",CN,My list,medium,https://x.test/1\n'
               "Quux Ltd,,RU,,75,\n,,,,,\n")
    parsed = read_list(p)
    assert parsed.format == "csv"
    assert [e.name for e in parsed.entries] == ["Foo Bar Institute", "Quux Ltd"]
    first, second = parsed.entries
    assert first.aliases == ["FBI Alias", "Foo Bar Inst.", "福巴研究所"]
    assert (first.country, first.list_name, first.risk, first.source_url) == ("CN", "My list", "medium",
                                                                              "https://x.test/1")
    assert second.list_name == "mine" and second.risk == "high"  # list defaults to the file name; 75 -> high
    assert parsed.skipped_other == 1 and parsed.problems


def test_shipped_example_list_is_labelled_fictional() -> None:
    path = Path(__file__).resolve().parents[1] / "src/lurewatch/data/example_watchlist.csv"
    assert "FICTIONAL" in path.read_text(encoding="utf-8").splitlines()[0]
    parsed = read_list(path)
    assert len(parsed.entries) >= 5
    assert all("fictional" in e.list_name for e in parsed.entries)


def test_csl_csv_keeps_organisations_only(tmp_path: Path) -> None:
    p = _write(tmp_path, "consolidated.csv", CSL_CSV)
    assert detect_format(CSL_CSV) == "csl"
    parsed = read_list(p)
    assert [e.name for e in parsed.entries] == ["Example Photonics Research Co., Ltd.", "Sample Avionics Institute"]
    e = parsed.entries[0]
    assert e.aliases == ["Example Photonics", "EPR Co."]
    assert e.country == "CN;HK"
    assert e.list_name == "Entity List (EL) - Bureau of Industry and Security"
    assert e.source_url == "https://www.bis.doc.gov/example-info"
    assert parsed.skipped_people == 1 and parsed.skipped_other == 1  # the person and the vessel


def test_csl_json_results(tmp_path: Path) -> None:
    p = _write(tmp_path, "csl.json", json.dumps(CSL_JSON))
    parsed = read_list(p)
    assert parsed.format == "csl-json"
    assert [e.name for e in parsed.entries] == ["Example Photonics Research Co., Ltd.", "Sample Avionics Institute"]
    assert parsed.entries[0].aliases == ["Example Photonics", "EPR Co."]
    assert parsed.entries[0].country == "CN"
    assert parsed.skipped_people == 1


def test_ftm_entities_organisations_only(tmp_path: Path) -> None:
    text = "\n".join(json.dumps(e, ensure_ascii=False) for e in FTM) + "\nnot json\n"
    p = _write(tmp_path, "entities.ftm.json", text)
    parsed = read_list(p)
    assert parsed.format == "ftm"
    names = [e.name for e in parsed.entries]
    assert names == ["Example Photonics Research Co., Ltd.", "Sample Talent Programme"]
    first = parsed.entries[0]
    assert "示例光电研究有限公司" in first.aliases and "Example Photonics" in first.aliases
    assert "EPR" not in first.aliases  # weakAlias is too weak to match on
    assert (first.risk, first.country, first.list_name) == ("high", "cn", "us_bis_entity_list")
    assert parsed.entries[1].risk == "medium"
    assert parsed.skipped_people == 1 and parsed.skipped_other == 1
    assert parsed.problems == ["line 5: not JSON"]


def test_binary_file_refused(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_bytes(b"\x00\x01\x02" * 100)
    with pytest.raises(UnsafeInput):
        read_list(p)


def test_unknown_format_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsafeInput):
        read_list(_write(tmp_path, "a.csv", "name\nX\n"), "xml")


@pytest.mark.parametrize(
    ("value", "risk"),
    [("very high risk", "high"), ("High", "high"), ("medium risk", "medium"), ("Moderate", "medium"),
     ("low", "low"), ("", "high"), ("0.5", "medium"), ("20", "low"), ("85", "high")],
)
def test_risk_ratings_of_research_security_trackers(tmp_path: Path, value: str, risk: str) -> None:
    p = _write(tmp_path, "t.csv", f"name,risk\nSample University of Things,{value}\n")
    assert read_list(p).entries[0].risk == risk


def test_oversized_csv_field_refused_and_limit_restored(tmp_path: Path) -> None:
    import csv

    before = csv.field_size_limit()
    p = _write(tmp_path, "big.csv", "name,aliases\nFoo Ltd,\"" + "x" * 250_000 + "\"\n")
    with pytest.raises(UnsafeInput):
        read_list(p)
    assert csv.field_size_limit() == before
