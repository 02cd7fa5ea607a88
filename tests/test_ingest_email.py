"""E-mail ingest: .eml, mbox threads, owner inference, hostile MIME, e-mail CSV corpora."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lurewatch.ingest import email as mail
from lurewatch.ingest.email import (
    html_to_text,
    is_eml,
    is_mail_csv_header,
    is_mbox,
    load_mail,
    load_mail_csv,
    load_mail_csv_with_labels,
)

FIX = Path(__file__).parent / "fixtures" / "email"
NAZARIO = Path(__file__).resolve().parents[2] / "shared" / "data" / "phishing" / "nazario_phishing.csv"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _mbox(tmp_path: Path, *messages: str) -> Path:
    path = tmp_path / "box.mbox"
    path.write_text("\n".join(f"From x@y Mon Mar  2 08:00:00 2026\n{m.strip()}\n" for m in messages))
    return path


def test_html_quoted_printable_eml() -> None:
    res = load_mail(FIX / "html_qp.eml")
    assert res.problems == [] and res.rows_read == 1
    (ap,) = res.approaches
    assert ap.source == "email" and ap.sender_name == "Emma Clarke"
    assert ap.conversation_id == "20260303091401.77A@horizon-insight-partners.com"
    (msg,) = ap.messages
    assert msg.inbound and msg.subject == "Paid advisory opportunity - geopolitical insight"
    assert msg.sent_at == datetime(2026, 3, 3, 9, 14, 1, tzinfo=UTC)
    assert msg.text.startswith("Dear Jane,\n\nI came across your profile")
    assert "energy policy" in msg.text and "€500 per short report (2–3 pages)" in msg.text
    assert "Could we continue on WhatsApp <https://wa.me/6591234567>?" in msg.text  # hidden link target shown
    for hidden in ("alert(", "color: red", "Opportunity", "pixel.gif", "<p>"):
        assert hidden not in msg.text
    # LinkedIn URL in the signature -> normalised sender profile URL
    assert ap.sender_profile_url == "https://linkedin.com/in/emma-clarke-hip" == msg.sender_profile_url
    # Reply-To differing from From is kept as a mailto: URL the sender claims
    assert ap.profile.email == "talent@horizon-insight-partners.com"
    assert ap.profile.urls == ["https://linkedin.com/in/emma-clarke-hip", "mailto:emma.clarke.hr@gmail.com"]
    assert ap.owner is None and ap.owner_profile_url is None


def test_rfc2047_headers_and_attachment_names_only() -> None:
    res = load_mail(FIX / "encoded_attachment.eml")
    (ap,) = res.approaches
    (msg,) = ap.messages
    assert ap.sender_name == "Jürgen Müller" and ap.profile.email == "j.mueller@thinktank-eu.example"
    assert msg.subject == "Einladung zur Konferenz – Reise bezahlt (Peking)"  # folded, two encoded words
    assert msg.attachments == ["Programm Konferenz übersicht.pdf", "(unnamed attachment)"]
    assert "Reise und Hotel werden übernommen." in msg.text and "Jürgen Müller" in msg.text
    assert "PDF" not in msg.text and "JVBER" not in msg.text  # attachment content never decoded into text
    assert msg.sent_at == datetime(2026, 2, 11, 21, 45, tzinfo=UTC)
    assert ap.sender_profile_url is None and ap.profile.urls == []


def test_mbox_thread_owner_replies_and_problems() -> None:
    res = load_mail(FIX / "thread.mbox")
    assert res.rows_read == 6 and res.rows_skipped == 1
    (problem,) = res.problems
    assert problem.line == 55 and problem.reason.startswith("message 5 malformed")
    assert [a.sender_name for a in res.approaches] == ["Emma Clarke", "Conference Team", "Head Hunter"]
    thread = res.approaches[0]
    assert thread.conversation_id == "root-001@horizon-insight-partners.com"
    assert [m.inbound for m in thread.messages] == [True, False, True]
    assert [m.sender_name for m in thread.messages] == ["Emma Clarke", "Jane Smith", "Emma Clarke"]
    assert thread.owner is not None and thread.owner.email == "j.smith@example.org"
    assert thread.owner.name == "Jane Smith"
    # the owner's own LinkedIn URL in her reply is not taken as the sender's
    assert thread.sender_profile_url == "https://linkedin.com/in/emma-clarke-hip"
    assert thread.first_contact == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert "WhatsApp" in thread.messages[2].text
    # mojibake subject repaired; unparsable date -> None; unknown charset falls back
    assert res.approaches[1].messages[0].subject == "Sécurité énergétique 2026 – programme"
    hunter = res.approaches[2].messages[0]
    assert hunter.sent_at is None and hunter.text == "Café meeting?"


def test_owner_inferred_from_recipients_without_sent_label(tmp_path: Path) -> None:
    path = tmp_path / "nolabel.mbox"
    path.write_bytes((FIX / "thread.mbox").read_bytes().replace(b"X-Gmail-Labels: Sent\n", b""))
    res = load_mail(path)
    thread = res.approaches[0]
    assert thread.owner.email == "j.smith@example.org"
    assert [m.inbound for m in thread.messages] == [True, False, True]


def _mail(frm: str, to: str, extra: str = "") -> str:
    return f"From: {frm}\nTo: {to}\nSubject: s {frm}\n{extra}\nbody"


@pytest.mark.parametrize(
    ("messages", "owner"),
    [
        ([_mail("a@x.org", "b@y.org")], None),  # one message says nothing
        ([_mail("a@x.org", "b@y.org", "Delivered-To: b@y.org")], "b@y.org"),
        ([_mail("a@x.org", "o@me.org"), _mail("c@z.org", "o@me.org"), _mail("d@w.org", "o@me.org")], "o@me.org"),
        # two people writing to each other as often: no way to tell who exported the mailbox
        ([_mail("a@x.org", "b@y.org"), _mail("b@y.org", "a@x.org")], None),
        # a Sent folder: one sender only, whoever it writes to is not the owner
        ([_mail("o@me.org", "a@x.org"), _mail("o@me.org", "a@x.org"), _mail("o@me.org", "c@z.org")], None),
        ([_mail("a@x.org", "o@me.org"), _mail("o@me.org", "a@x.org"), _mail("c@z.org", "o@me.org")], "o@me.org"),
    ],
)
def test_owner_inference(tmp_path: Path, messages: list[str], owner: str | None) -> None:
    res = load_mail(_mbox(tmp_path, *messages))
    assert res.problems == [] and res.rows_read == len(messages)
    owners = {a.owner.email if a.owner else None for a in res.approaches}
    assert owners == {owner}
    outbound = [m for a in res.approaches for m in a.messages if not m.inbound]
    assert all(m.sender_name == owner for m in outbound) and (owner is not None or not outbound)


def test_control_characters_are_dropped_from_headers(tmp_path: Path) -> None:
    path = tmp_path / "ctl.eml"
    path.write_bytes(b"From: =?utf-8?q?Evil=1B=5B31mName?= <e@x.org>\nTo: o@me.org\n"
                     b"Subject: =?utf-8?q?a=00b=07c?= \x1b[2J\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\n"
                     b"body\x1b[0m\tend\r\nline\x08")
    (ap,) = load_mail(path).approaches
    assert ap.sender_name == "Evil[31mName" and ap.messages[0].subject == "abc [2J"
    assert ap.messages[0].text == "body[0m\tend\nline"


def test_threading_fallbacks(tmp_path: Path) -> None:
    path = _mbox(
        tmp_path,
        # two replies to a root that is not in the mailbox: one thread, rooted at the missing id
        "From: A <a@x.org>\nTo: o@me.org\nSubject: Re: offer\nMessage-ID: <r1@x>\nIn-Reply-To: <root@x>\n"
        "References: <root@x>\nDate: Mon, 2 Mar 2026 10:00:00 +0000\n\nfirst",
        "From: A <a@x.org>\nTo: o@me.org\nSubject: Re: offer\nMessage-ID: <r2@x>\nReferences: <root@x>\n"
        "Date: Mon, 2 Mar 2026 11:00:00 +0000\n\nsecond",
        # no threading headers at all: joined by normalised subject + sender
        "From: B <b@z.org>\nTo: o@me.org\nSubject: Paid trip\nDate: Tue, 3 Mar 2026 10:00:00 +0000\n\none",
        "From: B <B@Z.org>\nTo: o@me.org\nSubject: RE: Fwd:  paid   TRIP\n"
        "Date: Tue, 3 Mar 2026 11:00:00 +0000\n\ntwo",
        # same subject from the same sender but a separate Message-ID root: a separate thread
        "From: B <b@z.org>\nTo: o@me.org\nSubject: Paid trip\nMessage-ID: <other@z>\n"
        "Date: Wed, 4 Mar 2026 10:00:00 +0000\n\nthree",
    )
    res = load_mail(path)
    assert res.problems == []
    groups = [(a.conversation_id, [m.text for m in a.messages]) for a in res.approaches]
    assert groups == [("root@x", ["first", "second"]), (None, ["one", "two"]), ("other@z", ["three"])]


def test_from_line_in_body_does_not_split(tmp_path: Path) -> None:
    path = _mbox(tmp_path, "From: A <a@x.org>\nSubject: s\n\nHello\nFrom the team\nregards")
    res = load_mail(path)
    assert res.problems == [] and res.approaches[0].messages[0].text.endswith("From the team\nregards")


def test_refusals(tmp_path: Path) -> None:
    msg = tmp_path / "outlook.msg"
    msg.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".msg files are not supported" in load_mail(msg).problems[0].reason
    binary = tmp_path / "x.eml"
    binary.write_bytes(bytes(range(256)) * 10)
    assert "binary" in load_mail(binary).problems[0].reason
    text = tmp_path / "notes.txt"
    text.write_text("Just some notes\nnothing: here\n")
    assert "not an e-mail" in load_mail(text).problems[0].reason
    assert "refused" in load_mail(tmp_path).problems[0].reason
    for path in (msg, binary, text):
        assert load_mail(path).approaches == []


def test_bounds_are_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies = ("x" * (i * 600) for i in range(4))
    path = _mbox(tmp_path, *(f"From: S{i} <s{i}@x.org>\nSubject: m{i}\n\n{b}" for i, b in enumerate(bodies)))
    monkeypatch.setattr(mail, "MAX_MESSAGE_BYTES", 1000)
    monkeypatch.setattr(mail, "MAX_MAILBOX_MESSAGES", 3)
    res = load_mail(path)
    assert [a.sender_name for a in res.approaches] == ["S0", "S1"]
    assert res.rows_read == 3 and res.rows_skipped == 2
    reasons = [p.reason for p in res.problems]
    assert "over the 1000 limit" in reasons[0] and "the last 1 skipped" in reasons[1]


def test_mime_part_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mail, "MAX_BOUNDARY_LINES", 50)
    parts = "--b\n\nx\n" * 60
    path = tmp_path / "bomb.eml"
    path.write_text(f'From: a@b.c\nSubject: s\nContent-Type: multipart/mixed; boundary="b"\n\n{parts}--b--\n')
    res = load_mail(path)
    assert res.approaches == [] and "MIME boundary lines" in res.problems[0].reason


def test_predicates() -> None:
    assert is_mbox((FIX / "thread.mbox").read_bytes()[:4096])
    assert is_eml((FIX / "html_qp.eml").read_bytes()[:4096])
    assert is_eml((FIX / "encoded_attachment.eml").read_bytes()[:4096])
    assert not is_mbox((FIX / "html_qp.eml").read_bytes()[:4096])
    for other in (b"title,location\n1,2\n", b'[{"from": "x"}]', b"From here on we talk\nabout things\n",
                  b"name: x\nvalue: y\n", b"", b"\x00\x01"):
        assert not is_eml(other) and not is_mbox(other)
    assert is_mail_csv_header(["sender", "receiver", "date", "subject", "body", "urls", "label"])
    assert not is_mail_csv_header(["title", "description"])


def test_html_to_text_is_safe() -> None:
    html = ("<html><head><style>x{}</style><script>fetch('//evil')</script></head><body>"
            "<div>A&amp;B&nbsp;C</div><a href='javascript:alert(1)'>click</a><img src='http://t/x.gif'>"
            "<p>unclosed <b>bold")
    assert html_to_text(html) == "A&B C\nclick\nunclosed bold"
    assert html_to_text("<script>never closed") == ""
    # a "<" that opens no tag is text (and is defused before html.parser, which is quadratic on it)
    assert html_to_text("a < b <i>and</i> c <![CDATA[ y") == "a < b and c <![CDATA[ y"
    assert html_to_text("x </ bogus end tag > y") == "x y"  # as browsers do
    assert html_to_text("</" * 5000) == "</" * 5000
    assert html_to_text("<p>x</p><!--[if mso]><table><td>hidden</td></table><![endif]-->") == "x"


def test_mail_csv_layout() -> None:
    res, labels = load_mail_csv_with_labels(FIX / "phish.csv")
    assert res.rows_read == 4 and res.rows_skipped == 1 and labels == [1, 0, 1]
    assert res.problems[0].line == 5 and "9 fields" in res.problems[0].reason
    first, recruiter, bare = res.approaches
    assert first.sender_name == "IT Help Desk" and first.profile.email == "helpdesk@mail-verify.example"
    assert first.messages[0].subject == "Verify your mailbox – final notice"
    assert first.messages[0].sent_at == datetime(2015, 10, 30, 5, 0, 48, tzinfo=UTC)
    assert first.owner.email == "jose@monkey.org"
    assert recruiter.messages[0].sent_at == datetime(2017, 9, 28, 9, 58, tzinfo=UTC)
    assert recruiter.messages[0].text == "Hello,\n\nSee my profile <https://www.linkedin.com/in/Fake-Recruiter-01>"
    assert recruiter.sender_profile_url == "https://linkedin.com/in/fake-recruiter-01"
    assert bare.sender_name == "Update" and bare.profile.email is None and bare.messages[0].sent_at is None


@pytest.mark.skipif(not NAZARIO.exists(), reason="shared phishing corpus not present")
def test_nazario_corpus_loads_every_row() -> None:
    res = load_mail_csv(NAZARIO)
    assert res.problems == []
    assert len(res.approaches) == res.rows_read == 1563
    assert sum(1 for a in res.approaches if a.messages[0].sent_at) > 1500


_HEADER = st.sampled_from(["From", "To", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
                           "Reply-To", "Content-Type", "Content-Transfer-Encoding", "Content-Disposition"])
_VALUE = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["=?utf-8?b?!!!?=", "=?x-none?q?caf=E9?=", "multipart/mixed; boundary=b",
                     'text/html; charset="utf-7"', "base64", "quoted-printable", "<a@b> <c@d>",
                     '"a, b" <x@y>, =?utf-8?q?=C3=A9?= <z@w>', "attachment; filename*=bad''%ZZ",
                     "Mon, 32 Foo 99999 25:61:00 +9999", "message/rfc822"]),
)
_MESSAGE = st.tuples(st.lists(st.tuples(_HEADER, _VALUE), max_size=8),
                     st.text(max_size=200) | st.sampled_from(["--b\n\n<html><script>", "=\n=ZZ", "PGh0bWw+"]))


@FUZZ
@given(data=st.binary(max_size=3000), prefix=st.sampled_from([b"", b"From a@b Mon Jan  1 00:00:00 2026\n",
                                                              b"From: a@b\nSubject: x\n"]))
def test_random_bytes_never_raise(tmp_path: Path, data: bytes, prefix: bytes) -> None:
    path = tmp_path / "m.eml"
    path.write_bytes(prefix + data)
    res = load_mail(path)
    assert res.rows_read >= res.rows_skipped
    path.write_bytes(b"sender,subject,body\n" + data)
    load_mail_csv(path)


@FUZZ
@given(messages=st.lists(_MESSAGE, min_size=1, max_size=4))
def test_structured_mail_never_raises(tmp_path: Path, messages: list) -> None:
    parts = []
    for headers, body in messages:
        head = "\n".join(f"{name}: {value}" for name, value in headers)
        parts.append(f"From a@b Mon Jan  1 00:00:00 2026\nFrom: a@b\n{head}\n\n{body}\n")
    path = tmp_path / "m.mbox"
    path.write_text("\n".join(parts), errors="surrogatepass")
    res = load_mail(path)
    assert res.rows_read == len(messages) or res.problems
    for ap in res.approaches:
        ap.to_contract()
        assert all(m.sent_at is None or m.sent_at.tzinfo is not None for m in ap.messages)
