"""Forwarded e-mails: the original is taken out of an attachment or an inline forward, loops are seen."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from lurewatch.ingest.email import MAX_BOUNDARY_LINES, MAX_MESSAGE_BYTES, load_mail_bytes
from lurewatch.ingest.forward import parse_forward

LURE = ("Hello, I lead research at a think tank in Singapore. We pay 3,000 USD for short reports on your "
        "sector. Please keep this confidential and let's continue on WhatsApp.")


def original() -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Li Wei <li.wei@thinktank.example>"
    m["To"] = "alice@corp.example"
    m["Subject"] = "Paid consultancy"
    m["Date"] = "Tue, 04 Mar 2025 09:30:00 +0000"
    m["Message-ID"] = "<orig-1@thinktank.example>"
    m.set_content(LURE)
    return m


def forward(body: str, attach: EmailMessage | None = None, **headers: str) -> bytes:
    m = EmailMessage()
    m["From"] = "Alice Staff <Alice@Corp.example>"
    m["To"] = "intake@corp.example"
    m["Subject"] = "Fwd: Paid consultancy"
    m["Message-ID"] = "<fwd-1@corp.example>"
    for k, v in headers.items():
        m[k.replace("_", "-")] = v
    m.set_content(body)
    if attach is not None:
        m.add_attachment(attach)
    return m.as_bytes()


def test_attached_original() -> None:
    f = parse_forward(forward("Is this legit?", original()))
    assert (f.forwarder, f.how, f.note, f.loop, f.problem) == ("alice@corp.example", "attached", "Is this legit?", "", "")
    res = load_mail_bytes(f.original or b"", "fwd")
    [a] = res.approaches
    assert a.sender_name == "Li Wei" and a.profile and a.profile.email == "li.wei@thinktank.example"
    assert "WhatsApp" in a.messages[0].text


@pytest.mark.parametrize("marker,block", [
    ("---------- Forwarded message ---------",
     "From: Li Wei <li.wei@thinktank.example>\nDate: Tue, Mar 4, 2025 at 9:30 AM\nSubject: Paid consultancy\n"
     "To: <alice@corp.example>\n"),
    ("Begin forwarded message:",
     "\nFrom: Li Wei <li.wei@thinktank.example>\nSubject: Paid consultancy\nDate: 4 March 2025 at 09:30:00 GMT\n"
     "To: alice@corp.example\n"),
    ("________________________________",
     "From: Li Wei [mailto:li.wei@thinktank.example]\nSent: Tuesday, March 4, 2025 9:30 AM\n"
     "To: Alice Staff\nSubject: Paid consultancy\n"),
    ("", "From: Li Wei <li.wei@thinktank.example>\nSent: Tuesday, March 4, 2025 9:30 AM\nTo: Alice\n"
         "Subject: Paid consultancy\n"),
    ("-------- Weitergeleitete Nachricht --------",
     "Betreff: Paid consultancy\nDatum: Tue, 04 Mar 2025 09:30:00 +0000\nVon: Li Wei <li.wei@thinktank.example>\n"
     "An: alice@corp.example\n"),
])
def test_inline_forwards(marker: str, block: str) -> None:
    body = f"Please check this one.\n\n{marker}\n{block}\n{LURE}\n"
    f = parse_forward(forward(body))
    assert f.how == "inline" and f.note == "Please check this one."
    [a] = load_mail_bytes(f.original or b"", "fwd").approaches
    assert a.profile and a.profile.email == "li.wei@thinktank.example" and a.sender_name == "Li Wei"
    assert a.messages[0].text.strip() == LURE and a.messages[0].subject == "Paid consultancy"


def test_quoted_inline_forward_is_unquoted() -> None:
    quoted = "\n".join("> " + ln for ln in ["From: Li Wei <li.wei@thinktank.example>", "Subject: x", "", LURE])
    f = parse_forward(forward("FYI\n\n---------- Forwarded message ---------\n" + quoted))
    [a] = load_mail_bytes(f.original or b"", "fwd").approaches
    assert a.messages[0].text.strip() == LURE


def test_no_forward_inside() -> None:
    f = parse_forward(forward("Somebody called me about a paid report, what do I do?"))
    assert f.original is None and f.how == "none" and f.problem == ""


def test_linkedin_inmail_notification() -> None:
    n = EmailMessage()
    n["From"] = "Li Wei via LinkedIn <inmail-hit-reply@linkedin.com>"
    n["To"] = "alice@corp.example"
    n["Subject"] = "Li Wei sent you a new message"
    n.set_content("Li Wei\nDirector of Research at Global Insight\n\n" + LURE + "\n\nReply\n\nView profile: "
                  "https://www.linkedin.com/in/li-wei-9a/\n\nThis email was intended for Alice Staff")
    f = parse_forward(forward("check please", n))
    assert f.inmail is not None
    name, text, url = f.inmail
    assert name == "Li Wei" and text.endswith("WhatsApp.") and "Reply" not in text
    assert url is not None and "linkedin.com/in/li-wei-9a" in url


@pytest.mark.parametrize("headers,why", [
    ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted"),
    ({"X_Lurewatch": "verdict"}, "verdict"),
    ({"Precedence": "bulk"}, "Precedence"),
    ({"X_Autoreply": "yes"}, "auto-reply"),
    ({"In_Reply_To": "<lw-verdict.5.abc@lurewatch.example>"}, "reply to one of our verdicts"),
])
def test_loops(headers: dict[str, str], why: str) -> None:
    f = parse_forward(forward("Out of office", original(), **headers), own_domain="lurewatch.example")
    assert why in f.loop and f.original is None


def test_our_verdict_forwarded_back() -> None:
    v = EmailMessage()
    v["From"] = "lurewatch <intake@corp.example>"
    v["To"] = "alice@corp.example"
    v["Subject"] = "Verdict"
    v["X-Lurewatch"] = "verdict"
    v.set_content("High risk")
    assert "forwarded back" in parse_forward(forward("?", v)).loop
    inline = "---------- Forwarded message ---------\nFrom: lurewatch <intake@corp.example>\nSubject: V\n\nHigh"
    f = parse_forward(forward(inline), own_addresses=frozenset({"intake@corp.example"}))
    assert "forwarded back" in f.loop


def test_bounds_of_the_email_reader() -> None:
    assert "limit" in parse_forward(b"From: a@b\r\n\r\n" + b"x" * (MAX_MESSAGE_BYTES + 1)).problem
    bomb = b"From: a@b\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" + b"\n--b\n\n" * (MAX_BOUNDARY_LINES + 1)
    assert "boundary" in parse_forward(bomb).problem
    assert parse_forward(b"\x00\x01\x02" * 100).problem
    assert load_mail_bytes(b"x" * (MAX_MESSAGE_BYTES + 1), "big").problems


def test_hostile_headers_in_inline_forward_stay_one_header() -> None:
    body = "---------- Forwarded message ---------\nFrom: Evil <e@x.example>\rBcc: victim@corp.example\n\nhi"
    f = parse_forward(forward(body))
    assert f.original is not None and b"\r\nBcc:" not in f.original


def test_hostile_input_never_raises() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(["---------- Forwarded message ---------\n", "Begin forwarded message:\n", "From: ",
                              "Sent: ", "Subject: ", "> ", "\n", "\r", "x@y.example", "<", ">", "[mailto:", "]",
                              "Content-Type: message/rfc822\n", "--b\n", "=?utf-8?b?", "\x00", "é"])

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pieces, max_size=60), st.binary(max_size=200))
    def check(parts: list[str], noise: bytes) -> None:
        body = "".join(parts)
        for raw in (forward(body), b"From: a@b.example\r\n\r\n" + body.encode("utf-8", "surrogatepass") + noise):
            f = parse_forward(raw)
            if f.original is not None:
                load_mail_bytes(f.original, "fuzz")

    check()
