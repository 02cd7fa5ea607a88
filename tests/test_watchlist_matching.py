"""True and false matches of organisation names in text."""

from __future__ import annotations

import pytest

from lurewatch.watchlists import Entry, WatchlistIndex, normalize_name

ENTRIES = [
    Entry("Beijing Institute of Technology", "L", aliases=["北京理工大学", "BIT", "Beijing Ligong Daxue"]),
    Entry("Huawei Technologies Co., Ltd.", "L"),
    Entry("National University of Defense Technology", "L", aliases=["NUDT", "Guofang Keji Daxue"]),
    Entry("Northwestern Polytechnical University", "L", aliases=["Xibei Gongye Daxue"]),
    Entry("Meridian Vantage Strategic Studies Institute", "L", aliases=["MVSSI"]),
    Entry("Korvath Dynamics Limited", "L"),
    Entry("Stellaris Advisory Partners LLC", "L"),
    Entry("Institute of Technology", "L"),
    Entry("Московский авиационный институт", "L", aliases=["Moskovskiy Aviatsionnyy Institut"]),
]


@pytest.fixture(scope="module")
def index() -> WatchlistIndex:
    return WatchlistIndex(ENTRIES)


def names(index: WatchlistIndex, text: str, **kw: bool) -> dict[str, int]:
    return {m.entry.name: m.score for m in index.match_text(text, **kw)}


@pytest.mark.parametrize(
    ("text", "entry", "score"),
    [
        ("I am a visiting fellow at Beijing Institute of Technology.", "Beijing Institute of Technology", 100),
        ("our partner, beijing institute of technology,", "Beijing Institute of Technology", 100),
        ("合作单位：北京理工大学。", "Beijing Institute of Technology", 100),  # alias in another script
        ("studied at Beijing Ligong Daxue", "Beijing Institute of Technology", 100),  # transliteration alias
        ("Huawei Technologies Limited", "Huawei Technologies Co., Ltd.", 100),  # Ltd. vs Limited
        ("HUAWEI TECHNOLOGIES CO. LTD.", "Huawei Technologies Co., Ltd.", 100),
        ("Huawei Tech. Co", "Huawei Technologies Co., Ltd.", 100),  # abbreviation
        ("Natl. Univ. of Defence Technology", "National University of Defense Technology", 100),
        ("a delegation from NUDT", "National University of Defense Technology", 100),  # acronym alias
        ("Northwestern Polytechnical Univ.", "Northwestern Polytechnical University", 100),
        ("Northwestern Polytechnic University", "Northwestern Polytechnical University", 97),  # variant
        ("the Meridian-Vantage Strategic-Studies Institute", "Meridian Vantage Strategic Studies Institute", 100),
        ("Korvath Dynamics, Ltd", "Korvath Dynamics Limited", 100),  # punctuation and suffix
        ("Korvatth Dynamics", "Korvath Dynamics Limited", 94),  # a typo in a long distinctive word
        ("Stellaris Advisory Partners, L.L.C.", "Stellaris Advisory Partners LLC", 100),
        ("МОСКОВСКИЙ АВИАЦИОННЫЙ ИНСТИТУТ", "Московский авиационный институт", 100),
        ("a delegation from N.U.D.T. visited", "National University of Defense Technology", 100),  # dotted
        ("the Meridian Vantage Strategic Studies Institute's office", "Meridian Vantage Strategic Studies Institute",
         100),  # possessive
    ],
)
def test_true_matches(index: WatchlistIndex, text: str, entry: str, score: int) -> None:
    got = names(index, text)
    assert entry in got, got
    assert got[entry] >= score


def test_match_reports_the_text_as_written(index: WatchlistIndex) -> None:
    [m] = index.match_text("Contact: Dr Li, Beijing Inst. of Technology (Zhongguancun).")
    assert m.text == "Beijing Inst. of Technology"
    assert m.entry.name == "Beijing Institute of Technology" and m.key == "Beijing Institute of Technology"


@pytest.mark.parametrize(
    "text",
    [
        "Institute of Physics, Beijing",  # shares Beijing and Institute with an entry
        "I work at the Institute of Physics",
        "Massachusetts Institute of Technology",  # contains a generic-only entry name
        "Beijing Normal University",
        "National University of Singapore",
        "Defense Technology Review conference",
        "Huawei phones are popular",  # one word of a two-word entry
        "a bit of fun with the nudt team",  # short acronym not written as one
        "Northwestern University",
        "Stellaris Energy Partners",
        "Strategic Studies Institute of Meridian Bank",  # words of an entry, not the entry
        "Technology Institute",
        "",
    ],
)
def test_false_matches(index: WatchlistIndex, text: str) -> None:
    assert names(index, text) == {}


def test_generic_only_entry_matches_a_whole_name_field(index: WatchlistIndex) -> None:
    assert names(index, "Institute of Technology", name_field=True) == {"Institute of Technology": 100}
    assert names(index, "Institute of Technology, Ltd.", name_field=True) == {"Institute of Technology": 100}
    assert "Institute of Technology" not in names(index, "Massachusetts Institute of Technology", name_field=True)


def test_best_match_per_entry(index: WatchlistIndex) -> None:
    ms = index.match_text("BIT (Beijing Institute of Technology) and 北京理工大学 again")
    assert len(ms) == 1 and ms[0].score == 100


def test_normalize_name() -> None:
    assert normalize_name("Huawei Technologies Co., Ltd.") == "huawei technology"
    assert normalize_name("Zürich Intl. Acad. of Sci.") == "zurich international academy of science"
    assert normalize_name("示例有限公司") == "示 例"
    assert normalize_name("Ltd") == "ltd"  # a name that is only a suffix is kept
