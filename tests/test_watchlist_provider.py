"""Watchlists in the store, the LW-WATCH-001 provider and the `lurewatch watchlist` commands."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from lurewatch.cli import app
from lurewatch.model import Approach, JobAdvert, Message, Position, Profile
from lurewatch.scoring.providers import ScanContext
from lurewatch.watchlists import Entry, WatchlistStore
from lurewatch.watchlists.provider import build

EXAMPLE = Path(__file__).resolve().parents[1] / "src/lurewatch/data/example_watchlist.csv"


def _approach() -> Approach:
    t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    return Approach(
        source="linkedin-message",
        sender_name="A. Sender",
        messages=[
            Message("A. Sender", "Hello! I lead research at the Meridian Vantage Institute.", t),
            Message("Owner", "I visited Korvath Dynamics Ltd once.", t, inbound=False),  # the owner's words
            Message("A. Sender", "Our sponsor, <b>Korvath Dynamics Ltd.</b>, pays well.", t),
        ],
        profile=Profile(
            positions=[Position(company="Stellaris Advisory Partners, LLC"), Position(company="Acme Widgets")],
            education=[Position(company="Halcyon Polytechnic Univ.")],
        ),
        advert=JobAdvert(company_profile="A unit of the Aurelian Institute for Global Futures."),
    )


def test_store_add_list_replace_remove(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    store = WatchlistStore(db)
    assert store.lists() == []
    assert store.add("one", [Entry("Foo Bar Institute", "one", aliases=["FBI"])], source="f.csv", fmt="csv") == 1
    assert store.add("one", [Entry("Baz Qux Ltd", "one"), Entry("Zed Corp", "one")]) == 2  # replaced
    [info] = store.lists()
    assert (info.name, info.count) == ("one", 2)
    assert sorted(e.name for e in store.entries()) == ["Baz Qux Ltd", "Zed Corp"]
    assert store.remove("one") and not store.remove("one")
    assert store.entries() == []


def test_provider_none_without_lists(tmp_path: Path) -> None:
    db = tmp_path / "empty.sqlite"
    assert build(ScanContext(db_url=f"sqlite:///{db}")) is None
    assert not db.exists()  # checking for lists created nothing
    WatchlistStore(db)  # tables exist but hold no list
    assert build(ScanContext(db_url=f"sqlite:///{db}")) is None


def test_provider_findings_fields_and_evidence(tmp_path: Path) -> None:
    from lurewatch.watchlists import read_list

    db = tmp_path / "lists.sqlite"
    WatchlistStore(db).add("example", read_list(EXAMPLE).entries, fmt="csv")
    provider = build(ScanContext(db_url=f"sqlite:///{db}"))
    assert provider is not None
    found = {f.field: f for f in provider.findings(_approach())}
    assert set(found) == {"message[0]", "message[2]", "profile.work[0].name", "profile.education[0].institution",
                          "advert.company_profile"}
    f = found["message[0]"]
    assert (f.indicator, f.category, f.title) == ("LW-WATCH-001", "destination", "Organisation on a watchlist")
    assert f.evidence == (
        '"Meridian Vantage Institute" ~ "Meridian Vantage Strategic Studies Institute" (alias "Meridian Vantage '
        'Institute", list lurewatch example list (fictional), score 100, source '
        'https://example.org/lurewatch-fictional/1)'
    )
    assert f.weight == 40.0  # high-risk entry, exact alias
    assert found["profile.education[0].institution"].weight == 28.0  # medium-risk entry
    assert found["message[2]"].evidence.startswith('"Korvath Dynamics Ltd" ~ "Korvath Dynamics Ltd."')


def test_cli_add_list_check_remove(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.sqlite")
    r = runner.invoke(app, ["watchlist", "add", str(EXAMPLE), "--name", "demo", "--db", db])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["watchlist", "list", "--db", db])
    assert r.exit_code == 0 and "demo" in r.output
    r = runner.invoke(app, ["watchlist", "check", "Fellow, Northgate Talent Programme", "--db", db])
    assert r.exit_code == 0 and "Northgate Talent Exchange Programme" in r.output
    r = runner.invoke(app, ["watchlist", "check", "Institute of Physics", "--db", db])
    assert r.exit_code == 1
    r = runner.invoke(app, ["watchlist", "remove", "demo", "--db", db])
    assert r.exit_code == 0
    r = runner.invoke(app, ["watchlist", "remove", "demo", "--db", db])
    assert r.exit_code == 2


def test_cli_add_refuses_missing_and_empty_files(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "cli.sqlite")
    assert runner.invoke(app, ["watchlist", "add", str(tmp_path / "nope.csv"), "--db", db]).exit_code == 2
    empty = tmp_path / "empty.csv"
    empty.write_text("name,country\n", encoding="utf-8")
    assert runner.invoke(app, ["watchlist", "add", str(empty), "--db", db]).exit_code == 2


def test_scan_pipeline_reports_the_watchlisted_organisation(tmp_path: Path) -> None:
    from lurewatch.pipeline import Analyser
    from lurewatch.watchlists import read_list

    db = tmp_path / "scan.sqlite"
    WatchlistStore(db).add("example", read_list(EXAMPLE).entries)
    t = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    a = Approach("linkedin-message", "A. Sender", messages=[
        Message("A. Sender", "I am a fellow of the Northgate Talent Programme; we fund short visits.", t)])
    Analyser(ScanContext(db_url=f"sqlite:///{db}", use_photos=False, use_text_model=False)).analyse_one(a)
    [f] = [f for f in a.findings if f.indicator == "LW-WATCH-001"]
    assert f.field == "message[0]" and "Northgate Talent Exchange Programme" in f.evidence
    assert a.score > 0


def test_cli_add_example_list(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "ex.sqlite")
    r = runner.invoke(app, ["watchlist", "add", "--example", "--db", db])
    assert r.exit_code == 0, r.output
    [info] = WatchlistStore(db).lists()
    assert info.name == "example-fictional" and info.count == 10


def test_provider_reuses_an_unchanged_index(tmp_path: Path) -> None:
    db = tmp_path / "cache.sqlite"
    url = f"sqlite:///{db}"
    store = WatchlistStore(db)
    store.add("one", [Entry("Foo Bar Institute", "one")])
    first, again = build(ScanContext(db_url=url)), build(ScanContext(db_url=url))
    assert first is not None and again is not None and first.index is again.index
    store.add("one", [Entry("Baz Qux Academy", "one")])  # reloaded: a new index
    fresh = build(ScanContext(db_url=url))
    assert fresh is not None and fresh.index is not first.index
    assert [e.name for e in fresh.index.entries] == ["Baz Qux Academy"]
