"""Quoted earlier messages in a reply: the recipient's quoted words are not the sender's, but the
sender's own quoted asks and anything forwarded stay evidence."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from lurewatch.indicators.text import strip_quoted_replies
from lurewatch.model import Approach, Message, Profile
from lurewatch.pipeline import Analyser

QUOTED_OWNER = (
    "Hi Kofi,\n\nThanks for the call. I've started the data access request with your committee.\n\n"
    "Cheers,\nRachel\n\nOn Thu, 10 Jul 2025 at 14:02, Kofi Osei wrote:\n"
    "> As discussed the raw data is restricted and the source code is proprietary,\n"
    "> so any sharing has to go via our data access committee.\n"
)


def test_a_quote_of_the_recipient_is_removed() -> None:
    out = strip_quoted_replies(QUOTED_OWNER, ("Rachel Adeyemi",))
    assert "restricted" not in out and "proprietary" not in out
    assert out.endswith("Cheers,\nRachel")


def test_a_quote_of_the_sender_is_kept() -> None:
    assert strip_quoted_replies(QUOTED_OWNER, ("Kofi Osei",)) == QUOTED_OWNER


def test_outlook_history_is_removed_but_a_forward_is_kept() -> None:
    reply = "Thanks, noted.\n\n-----Original Message-----\nFrom: Kofi Osei\nSent: Monday\n\nsend the source code"
    assert strip_quoted_replies(reply, ("Rachel",)) == "Thanks, noted."
    fwd = "See below.\n\n---------- Forwarded message ---------\nFrom: Client\nDate: Mon\n\nSend the source code."
    assert strip_quoted_replies(fwd, ("Rachel",)) == fwd


def test_inline_reply_after_a_quote_is_kept() -> None:
    text = "On Mon, Bob wrote:\n> are you sure?\nYes. Send me the unpublished results and the source code."
    assert "unpublished results" in strip_quoted_replies(text, ("Alice",))


def _email(text: str) -> Approach:
    prof = Profile(name="Rachel Adeyemi", email="r.adeyemi@westmoor-uni.example")
    return Approach(source="email", sender_name="Rachel Adeyemi", profile=prof, messages=[
        Message("Rachel Adeyemi", text, datetime(2025, 7, 11, tzinfo=UTC), subject="Phase 2 data")])


def test_the_recipients_quoted_words_do_not_score_against_the_sender() -> None:
    an = Analyser()
    quoted = an.analyse_one(_email(QUOTED_OWNER))
    assert not any(f.indicator == "LW-REQ-001" for f in quoted.findings)
    # the same words written by the sender are a request
    own = an.analyse_one(_email("Could you send the raw data and the proprietary source code?"))
    assert any(f.indicator == "LW-REQ-001" for f in own.findings)


@given(st.text(alphabet=st.sampled_from(list("On wrote:>\n -_From:Sent abc")), max_size=400))
def test_never_grows_and_never_raises(text: str) -> None:
    out = strip_quoted_replies(text, ("abc",))
    assert len(out) <= len(text)
