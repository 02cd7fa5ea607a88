"""Sharing: TLP 2.0 markings, pivots, STIX 2.1 export (validated), import, MISP, the shared-intel provider."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import stix2
from stix2validator import ValidationOptions, validate_string
from typer.testing import CliRunner

from lurewatch.cli.app import app
from lurewatch.model import Approach, Finding, Message
from lurewatch.scoring.providers import ScanContext
from lurewatch.sharing import misp, observables, selection, tlp
from lurewatch.sharing.provider import INDICATOR, build
from lurewatch.sharing.stix_export import Campaign, ExportOptions, export_stix, sco_id
from lurewatch.sharing.stix_import import ImportProblem, bundle_indicators, pattern_observables, read_bundle
from lurewatch.sharing.watch import WatchIndicator, WatchStore
from lurewatch.store.db import Store

FIX = Path(__file__).parent / "fixtures" / "sharing"
PERSONA = "https://www.linkedin.com/in/rachel-huang-riskvantage"
HOSTILE_TEXT = (
    "Dear Maya, I lead research at RiskVantage. We pay 1,500 GBP for a short report on your sector. "
    "It is easier on WhatsApp: +44 7700 900123, or Telegram (@rv_research). "
    "Our brief: https://riskvantage-research.org/brief - or mail rachel@riskvantage-research.org"
)


def contract(i: int = 1, level: str = "high", url: str = PERSONA, text: str = HOSTILE_TEXT) -> dict:
    return {
        "approach_id": f"ap-{i:020d}",
        "source": "linkedin-message",
        "conversation_id": f"conv-{i}",
        "sender_name": "Rachel Huang",
        "sender_profile_url": url,
        "owner_profile_url": "https://www.linkedin.com/in/maya-okafor",
        "first_contact": "2024-03-01T10:00:00+00:00",
        "score": 80 if level == "high" else (45 if level == "medium" else 5),
        "level": level,
        "findings": [
            {
                "indicator": "LW-LURE-001",
                "title": "Paid report offer",
                "category": "lure",
                "weight": 30,
                "evidence": "We pay 1,500 GBP for a short report",
                "field": "message[0]",
                "rationale": "r",
            }
        ],
        "advice": [],
        "messages": [
            {
                "from": "Rachel Huang",
                "inbound": True,
                "sent_at": "2024-03-01T10:00:00+00:00",
                "subject": "",
                "text": text,
                "attachments": [],
            },
            {
                "from": "Maya Okafor",
                "inbound": False,
                "sent_at": "2024-03-02T08:00:00+00:00",
                "subject": "",
                "text": "Owner reply: my number is +44 7700 900999",
                "attachments": [],
            },
        ],
    }


def export(items, **kw) -> tuple[dict, str]:
    buf = io.StringIO()
    export_stix(items, buf, ExportOptions(org="Org A", **kw))
    text = buf.getvalue()
    return json.loads(text), text


def assert_valid(text: str) -> None:
    r = validate_string(text, ValidationOptions(version="2.1"))
    errors = [str(e) for e in r.errors]
    assert r.is_valid and not errors, errors[:5]


def objs(bundle: dict, type_: str) -> list[dict]:
    return [o for o in bundle["objects"] if o["type"] == type_]


# --- TLP ----------------------------------------------------------------------------------------------


def test_tlp2_official_marking_ids() -> None:
    # The OASIS TLP 2.0 ids (cti-stix-common-objects, extension-definition-specifications/tlp-2.0).
    assert tlp.TLP2_IDS == {
        "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
    md = tlp.marking_definition("amber+strict")
    assert md["name"] == "TLP:AMBER+STRICT" and md["created"] == "2022-10-01T00:00:00.000Z"
    assert md["extensions"][tlp.TLP2_EXTENSION_ID] == {
        "extension_type": "property-extension",
        "tlp_2_0": "amber+strict",
    }
    # the TLP 1.0 ids are the ones stix2 ships
    assert tlp.TLP1_IDS["clear"] == stix2.TLP_WHITE.id and tlp.TLP1_IDS["red"] == stix2.TLP_RED.id


def test_tlp_levels_parse_and_order() -> None:
    assert tlp.normalise("TLP:WHITE") == "clear"
    assert tlp.normalise("Amber+Strict") == "amber+strict"
    assert tlp.normalise("amber_strict") == "amber+strict"
    with pytest.raises(tlp.TLPError):
        tlp.normalise("purple")
    assert tlp.allowed("green", "amber") and not tlp.allowed("red", "amber")
    assert not tlp.allowed("amber+strict", "amber")
    with pytest.raises(tlp.TLPError, match="only carries up to TLP:AMBER"):
        tlp.require_allowed("red", "amber", "the feed")


@pytest.mark.parametrize(
    "marking, level",
    [
        (tlp.marking_definition("red"), "red"),
        (
            {
                "type": "marking-definition",
                "id": "marking-definition--x",
                "definition_type": "tlp",
                "definition": {"tlp": "green"},
            },
            "green",
        ),
        (
            {
                "type": "marking-definition",
                "id": "marking-definition--y",
                "definition_type": "TLP",
                "definition": {"TLP": "TLP:AMBER+STRICT"},
                "name": "TLP:AMBER+STRICT",
            },
            "amber+strict",
        ),
        (
            {
                "type": "marking-definition",
                "id": "marking-definition--z",
                "definition_type": "statement",
                "definition": {"statement": "Copyright"},
            },
            None,
        ),
    ],
)
def test_marking_forms(marking: dict, level: str | None) -> None:
    assert tlp.level_of_marking(marking) == level


# --- observables -------------------------------------------------------------------------------------


def test_pivots_extracted_and_normalised() -> None:
    got = {(o.type, o.value) for o in observables.extract(HOSTILE_TEXT)}
    assert ("phone", "+447700900123") in got
    assert ("handle", "telegram:rv_research") in got
    assert ("email", "rachel@riskvantage-research.org") in got
    assert ("domain", "riskvantage-research.org") in got
    assert ("url", "https://riskvantage-research.org/brief") in got
    li = observables.extract("see https://uk.linkedin.com/in/Jane-Doe/?trk=abc")
    assert observables.Observable("linkedin-url", "https://linkedin.com/in/jane-doe") in li


def test_free_mail_domains_are_not_indicators() -> None:
    got = {(o.type, o.value) for o in observables.extract("write to j.smith@gmail.com")}
    assert ("email", "j.smith@gmail.com") in got
    assert not any(t == "domain" for t, _ in got)


def test_normalise_rejects_garbage() -> None:
    assert observables.normalise("sha256", "xyz") is None
    assert observables.normalise("email", "not-an-email") is None
    assert observables.normalise("linkedin-url", "https://example.org/in/x") is None
    assert observables.normalise("phone", "+44 (0)20 7946 0018") == "+442079460018"


# --- STIX export ---------------------------------------------------------------------------------------


def test_export_bundle_validates_and_has_the_expected_objects() -> None:
    bundle, text = export(
        [contract(1), contract(2, "medium", PERSONA + "-2"), contract(3, "low")],
        campaign=Campaign("rv-2024", "RiskVantage think-tank lure"),
    )
    assert_valid(text)
    types = {o["type"] for o in bundle["objects"]}
    assert {
        "identity",
        "user-account",
        "observed-data",
        "indicator",
        "campaign",
        "relationship",
        "sighting",
        "note",
        "report",
        "marking-definition",
    } <= types
    # TLP: the one official marking definition, on every other object
    marks = objs(bundle, "marking-definition")
    assert [m["id"] for m in marks] == [tlp.TLP2_IDS["amber"]]
    assert all(
        o["object_marking_refs"] == [tlp.TLP2_IDS["amber"]]
        for o in bundle["objects"]
        if o["type"] != "marking-definition"
    )
    # only flagged approaches: two observed-data, not three
    assert len(objs(bundle, "observed-data")) == 2
    patterns = {o["pattern"] for o in objs(bundle, "indicator")}
    assert (
        "[user-account:account_type = 'linkedin' AND user-account:user_id = "
        "'https://linkedin.com/in/rachel-huang-riskvantage']"
    ) in patterns
    assert "[email-addr:value = 'rachel@riskvantage-research.org']" in patterns
    assert "[phone-number:value = '+447700900123']" in patterns
    assert "[domain-name:value = 'riskvantage-research.org']" in patterns
    camp = objs(bundle, "campaign")[0]
    assert camp["first_seen"] == "2024-03-01T10:00:00.000Z" and camp["last_seen"] >= camp["first_seen"]
    report = objs(bundle, "report")[0]
    listed = set(report["object_refs"])
    assert camp["id"] in listed and all(o["id"] in listed for o in objs(bundle, "indicator"))
    assert all(r in {o["id"] for o in bundle["objects"]} for r in report["object_refs"])
    sighting = objs(bundle, "sighting")[0]
    org = [o for o in objs(bundle, "identity") if o["identity_class"] == "organization"][0]
    assert org["name"] == "Org A" and sighting["where_sighted_refs"] == [org["id"]]


def test_export_is_deterministic() -> None:
    items = [contract(1), contract(2, "medium", PERSONA + "-2")]
    a, _ = export(items)
    b, _ = export(items)
    assert [o["id"] for o in a["objects"]] == [o["id"] for o in b["objects"]]
    assert a["id"] == b["id"]


def test_sco_ids_follow_the_spec() -> None:
    ua = stix2.UserAccount(account_type="linkedin", user_id="https://linkedin.com/in/x", account_login="x")
    assert (
        sco_id(
            "user-account",
            {"account_type": "linkedin", "user_id": "https://linkedin.com/in/x", "account_login": "x"},
        )
        == ua.id
    )
    assert sco_id("email-addr", {"value": "a@b.org"}) == stix2.EmailAddress(value="a@b.org").id


def test_default_export_leaves_out_targets_and_owner_words() -> None:
    _, text = export([contract(1)])
    assert "maya-okafor" not in text and "+447700900999" not in text and "Owner reply" not in text
    _, with_targets = export([contract(1)], include_targets=True)
    assert "maya-okafor" in with_targets
    assert_valid(with_targets)


def test_redact_text_keeps_observables_only() -> None:
    bundle, text = export([contract(1)], redact_text=True)
    assert_valid(text)
    assert "We pay 1,500 GBP" not in text
    note = objs(bundle, "note")[0]["content"]
    assert "[redacted sha256:" in note and f"length:{len(HOSTILE_TEXT)}" in note
    assert any("rachel@riskvantage-research.org" in o.get("pattern", "") for o in objs(bundle, "indicator"))


@pytest.mark.parametrize("level", tlp.LEVELS)
def test_every_tlp_level_validates(level: str) -> None:
    bundle, text = export([contract(1)], tlp=level, wrapper="grouping")
    assert_valid(text)
    assert objs(bundle, "grouping") and objs(bundle, "marking-definition")[0]["id"] == tlp.TLP2_IDS[level]


def test_streamed_export_of_a_few_hundred_objects_validates() -> None:
    items = [
        contract(
            i,
            "high" if i % 2 else "medium",
            f"{PERSONA}-{i % 20}",
            HOSTILE_TEXT.replace("900123", f"900{i:03d}"),
        )
        for i in range(60)
    ]
    bundle, text = export(items, campaign=Campaign("c", "big"))
    assert len(bundle["objects"]) > 300
    assert_valid(text)
    assert len(objs(bundle, "observed-data")) == 60
    assert len(objs(bundle, "user-account")) == 20  # one per persona, de-duplicated


# --- import --------------------------------------------------------------------------------------------


def test_round_trip_export_import_gives_the_same_indicators(tmp_path: Path) -> None:
    items = [contract(1), contract(2, "medium", PERSONA + "-2")]
    bundle, text = export(items)
    exported = {(o["id"], o["pattern"]) for o in objs(bundle, "indicator")}
    f = tmp_path / "a.json"
    f.write_text(text)
    got = read_bundle(f)
    assert {w.stix_id for w in got} == {i for i, _ in exported}
    assert all(w.source == "Org A" and w.tlp == "amber" for w in got)
    expected = {(o.type, o.value) for a in items for o in observables.extract(a["messages"][0]["text"])}
    expected |= {
        ("linkedin-url", "https://linkedin.com/in/rachel-huang-riskvantage"),
        ("linkedin-url", "https://linkedin.com/in/rachel-huang-riskvantage-2"),
    }
    assert {(w.type, w.value) for w in got} == expected


def test_import_opencti_form_with_tlp_source_and_skips(tmp_path: Path) -> None:
    got = {(w.type, w.value): w for w in read_bundle(FIX / "opencti_bundle.json")}
    persona = got[("linkedin-url", "https://linkedin.com/in/jonathan-wells-talent")]
    assert (
        persona.tlp == "amber+strict"
        and persona.source == "Example National CERT"
        and persona.confidence == 75
    )
    assert got[("email", "j.wells@talent-bridge-partners.com")].tlp == "green"
    assert ("domain", "revoked-example.org") not in got  # revoked
    assert len(got) == 2  # the snort pattern is ignored


def test_pattern_parsing_is_safe() -> None:
    assert pattern_observables("[url:value = 'unterminated") == []
    assert pattern_observables("x" * 50_000) == []
    assert pattern_observables("[file:hashes.'SHA-256' = '" + "a" * 64 + "']") == [
        observables.Observable("sha256", "a" * 64)
    ]
    got = pattern_observables(
        "[user-account:account_type = 'telegram' AND user-account:account_login = '@Spy_1']"
    )
    assert got == [observables.Observable("handle", "telegram:spy_1")]


def test_import_refuses_non_bundles(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ImportProblem):
        read_bundle(bad)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"type": "report"}))
    with pytest.raises(ImportProblem):
        read_bundle(other)


def test_watch_store_is_idempotent(tmp_path: Path) -> None:
    ws = WatchStore(tmp_path / "w.sqlite")
    w = WatchIndicator("email", "A@Example.org", "peer", "green", 50, "indicator--1")
    assert ws.add([w]) == (1, 0)
    assert ws.add([w]) == (0, 1)
    [got] = list(ws)
    assert got.value == "a@example.org" and got.tlp == "green"


# --- MISP ----------------------------------------------------------------------------------------------


def test_misp_export_objects_tags_and_round_trip() -> None:
    items = [contract(1), contract(2, "medium", PERSONA + "-2"), contract(3, "low", PERSONA + "-3")]
    opts = ExportOptions(org="Org A", tlp="green", campaign=Campaign("rv", "RiskVantage"))
    ev, n = misp.export_misp(items, opts, pap="amber")
    assert n == 2
    d = json.loads(misp.to_json(ev))["Event"]
    assert {t["name"] for t in d["Tag"]} == {"tlp:green", "PAP:AMBER"}
    names = {o["name"] for o in d["Object"]}
    assert {"impersonation", "user-account", "person", "email", "instant-message"} <= names
    again, _ = misp.export_misp(items, opts, pap="amber")
    assert json.loads(misp.to_json(again)) == json.loads(misp.to_json(ev))  # deterministic
    [back] = misp.load_events(json.loads(misp.to_json(ev)))
    got = {(w.type, w.value) for w in misp.event_indicators(back, "ev.json")}
    assert ("linkedin-url", "https://linkedin.com/in/rachel-huang-riskvantage") in got
    assert {
        ("email", "rachel@riskvantage-research.org"),
        ("phone", "+447700900123"),
        ("handle", "telegram:rv_research"),
        ("domain", "riskvantage-research.org"),
    } <= got
    assert "linkedin.com/in/rachel-huang-riskvantage-3" not in misp.to_json(ev)


def test_misp_import_fixture() -> None:
    got = {(w.type, w.value): w for w in misp.read_misp(FIX / "misp_event.json")}
    assert got[("linkedin-url", "https://linkedin.com/in/emma-clarke-phi")].source == "Example Sector ISAC"
    assert got[("phone", "+447700900456")].tlp == "green"
    assert got[("domain", "policy-horizons-institute.org")].tlp == "amber"  # attribute tag wins
    assert ("handle", "wechat:emma_phi88") in got


def test_misp_event_to_stix_with_misp_stix_carries_personas(tmp_path: Path) -> None:
    from misp_stix_converter import MISPtoSTIX21Parser

    ev, _ = misp.export_misp([contract(1)], ExportOptions(org="Org A", tlp="amber"))
    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(json.loads(misp.to_json(ev)))
    f = tmp_path / "converted.json"
    f.write_text(parser.bundle.serialize())
    got = {(w.type, w.value): w for w in read_bundle(f)}
    persona = got[("linkedin-url", "https://linkedin.com/in/rachel-huang-riskvantage")]
    assert persona.tlp == "amber" and persona.source == "Org A"
    assert ("email", "rachel@riskvantage-research.org") in got


# --- provider and the organisation A -> B story --------------------------------------------------------


def _approach(text: str, url: str = "https://uk.linkedin.com/in/Rachel-Huang-RiskVantage/") -> Approach:
    return Approach(
        source="linkedin-message",
        sender_name="R. Huang",
        sender_profile_url=url,
        messages=[Message("R. Huang", text, sent_at=datetime(2024, 6, 1, 9, 0, tzinfo=UTC))],
    )


def test_provider_none_without_indicators(tmp_path: Path) -> None:
    assert build(ScanContext(db_url=None)) is None
    assert build(ScanContext(db_url=f"sqlite:///{tmp_path / 'empty.sqlite'}")) is None


def test_provider_matches_persona_and_pivots(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'b.sqlite'}"
    WatchStore(db).add(bundle_indicators(export([contract(1)])[0]["objects"], "a.json"))
    p = build(ScanContext(db_url=db))
    [f] = p.findings(_approach("Hello, nice to meet you."))
    assert f.indicator == INDICATOR and f.weight == 60 and "Org A" in f.evidence and "TLP:AMBER" in f.evidence
    assert f.field == "sender_profile_url"
    [g] = p.findings(
        _approach("Let us talk on Telegram: @rv_research", url="https://linkedin.com/in/someone-new")
    )
    assert g.weight == 45 and "telegram:rv_research" in g.evidence and g.field == "message[0]"
    assert p.findings(_approach("Nice post!", url="https://linkedin.com/in/someone-else")) == []


def test_org_a_exports_org_b_imports_and_flags_the_persona(tmp_path: Path) -> None:
    from lurewatch.pipeline import analyse

    # Organisation A: a confirmed approach in its store, exported through the CLI.
    db_a = tmp_path / "a.sqlite"
    a = _approach(HOSTILE_TEXT, url=PERSONA)
    a.findings = [Finding("LW-LURE-001", "Paid report offer", "lure", 30, "We pay 1,500 GBP")]
    a.score, a.level = 82, "high"
    Store(db_a).save([a])
    bundle = tmp_path / "to-b.json"
    runner = CliRunner()
    r = runner.invoke(
        app,
        ["export", "stix", "--db", str(db_a), "--org", "Org A", "--tlp", "green", "--output", str(bundle)],
    )
    assert r.exit_code == 0, r.output
    assert_valid(bundle.read_text())
    persona_ind = [
        o
        for o in json.loads(bundle.read_text())["objects"]
        if o["type"] == "indicator" and "user-account:account_type = 'linkedin'" in o["pattern"]
    ][0]

    # Organisation B: imports into its own store; its next scan flags a new approach from that persona.
    db_b = tmp_path / "b.sqlite"
    r = runner.invoke(app, ["import", str(bundle), "--db", str(db_b)])
    assert r.exit_code == 0, r.output
    new = _approach("Hello! I came across your profile and would love to connect about your work.")
    [scored] = analyse([new], ScanContext(db_url=f"sqlite:///{db_b}"))
    shared = [f for f in scored.findings if f.indicator == INDICATOR]
    assert shared, scored.findings
    assert persona_ind["id"] in shared[0].evidence and "Org A" in shared[0].evidence
    assert "TLP:GREEN" in shared[0].evidence
    assert scored.level in ("medium", "high")


# --- CLI -----------------------------------------------------------------------------------------------


def test_cli_export_misp_and_import_both_kinds(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).save([contract(1), contract(2, "low", PERSONA + "-2")])
    out = tmp_path / "ev.json"
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "export",
            "misp",
            "--db",
            str(db),
            "--tlp",
            "amber",
            "--pap",
            "green",
            "--org",
            "Org A",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "rachel-huang-riskvantage-2" not in out.read_text()
    r = runner.invoke(
        app, ["import", str(out), str(FIX / "opencti_bundle.json"), "--db", str(tmp_path / "b.sqlite")]
    )
    assert r.exit_code == 0, r.output
    types = {(w.type, w.source) for w in WatchStore(tmp_path / "b.sqlite")}
    assert ("linkedin-url", "Org A") in types and ("linkedin-url", "Example National CERT") in types


def test_cli_export_refusals(tmp_path: Path) -> None:
    db = tmp_path / "s.sqlite"
    Store(db).save([contract(1)])
    runner = CliRunner()
    r = runner.invoke(
        app,
        [
            "export",
            "stix",
            "--db",
            str(db),
            "--tlp",
            "red",
            "--max-tlp",
            "amber",
            "-o",
            str(tmp_path / "x.json"),
        ],
    )
    assert r.exit_code != 0 and "refused" in r.output and not (tmp_path / "x.json").exists()
    r = runner.invoke(
        app, ["export", "stix", "--db", str(db), "--tlp", "purple", "-o", str(tmp_path / "y.json")]
    )
    assert r.exit_code != 0 and "unknown TLP" in r.output
    r = runner.invoke(app, ["export", "stix", "--db", str(db), "--case", "1", "-o", str(tmp_path / "z.json")])
    assert r.exit_code != 0 and "Traceback" not in r.output
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    r = runner.invoke(app, ["import", str(bad), "--db", str(db)])
    assert r.exit_code == 1 and "skipped" in r.output


def test_case_tlp_cannot_be_lowered() -> None:
    sel = selection.Selection(key="case:1", title="t", approach_ids=[], min_tlp="amber+strict")
    with pytest.raises(tlp.TLPError, match="cannot be exported as TLP:GREEN"):
        selection.check_tlp(sel, "green")
    assert selection.check_tlp(sel, "red") == "red"


def test_cli_export_of_a_linked_campaign(tmp_path: Path) -> None:
    from lurewatch.linking import link

    items = [contract(i, "high", f"{PERSONA}-{i}") for i in range(3)] + [
        contract(9, "high", "https://linkedin.com/in/unrelated", "Hello, quick question about your talk.")
    ]
    for i, a in enumerate(items):
        a["first_contact"] = a["messages"][0]["sent_at"] = f"2024-03-0{i + 1}T10:00:00+00:00"
    db = tmp_path / "s.sqlite"
    Store(db).save(items)
    [camp] = [c for c in link(Store(db).iter_approaches()) if c["size"] == 3]
    out = tmp_path / "camp.json"
    r = CliRunner().invoke(
        app,
        [
            "export",
            "stix",
            "--db",
            str(db),
            "--campaign",
            camp["campaign_id"],
            "--org",
            "Org A",
            "-o",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    bundle = json.loads(out.read_text())
    assert_valid(out.read_text())
    [c] = objs(bundle, "campaign")
    assert (c["first_seen"], c["last_seen"]) == ("2024-03-01T10:00:00.000Z", "2024-03-03T10:00:00.000Z")
    assert len(objs(bundle, "observed-data")) == 3 and "unrelated" not in out.read_text()
    indicates = [o for o in objs(bundle, "relationship") if o["relationship_type"] == "indicates"]
    assert indicates and all(o["target_ref"] == c["id"] for o in indicates)
    r = CliRunner().invoke(app, ["export", "stix", "--db", str(db), "--campaign", "cmp-nope", "-o", str(out)])
    assert r.exit_code != 0 and "no campaign" in r.output


def test_provider_matches_photo_by_sha256_and_pdq(tmp_path: Path) -> None:
    import numpy as np
    from PIL import Image

    from lurewatch.linking.photos import hash_photo
    from lurewatch.model import Profile

    rng = np.random.default_rng(3)
    base = (rng.random((32, 32, 3)) * 255).astype("uint8")
    img = Image.fromarray(base).resize((256, 256), Image.Resampling.BICUBIC)
    orig, copy = tmp_path / "orig.png", tmp_path / "copy.jpg"
    img.save(orig)
    img.resize((200, 200)).save(copy, quality=80)  # the same photo, re-encoded as a profile picture
    h = hash_photo(orig)
    assert h is not None and h.pdq
    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    WatchStore(db).add(
        [
            WatchIndicator("sha256", h.sha256, "Peer CERT", "amber", None, "indicator--photo-sha"),
            WatchIndicator("pdq", h.pdq, "Peer CERT", "amber", None, "indicator--photo-pdq"),
        ]
    )
    p = build(ScanContext(db_url=db))
    a = _approach("Hi", url="https://linkedin.com/in/new-face")
    a.profile = Profile(name="x", photo=str(orig))
    [f] = p.findings(a)
    assert f.weight == 60 and "indicator--photo-sha" in f.evidence and f.field == "profile.photo"
    a.profile = Profile(name="x", photo=str(copy))
    [g] = p.findings(a)
    assert "indicator--photo-pdq" in g.evidence and "PDQ distance" in g.evidence
    assert "indicator--photo-sha" not in g.evidence


def test_import_survives_hostile_json(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ImportProblem):
        read_bundle(deep)
    weird = {
        "type": "bundle",
        "objects": [
            1,
            "x",
            None,
            {"type": "indicator", "pattern": 5},
            {"type": "indicator", "pattern": "[url:value = 'javascript:alert(1)']"},
        ],
    }
    f = tmp_path / "weird.json"
    f.write_text(json.dumps(weird))
    assert read_bundle(f) == []
