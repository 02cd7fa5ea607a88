"""Run each indicator's own positive and negative examples (used by the tests and `lurewatch indicators`).

An example is turned into the smallest approach that exercises the indicator's scope:
  message / advert_text text      -> one inbound message (or an advert with that description)
  attachment                      -> an inbound message with that attachment name
  owner                           -> the recipient's headline
  profile / employer / profile_text -> {profile: <JSON Resume>, first_contact: "YYYY-MM-DD"}
  advert                          -> {advert: {EMSCAD columns}}
  thread                          -> {messages: ["inbound text", {owner: "reply"}, ...], days_apart: 1}
  sender                          -> {email_from, reply_to, messages}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from lurewatch.indicators.engine import Engine, Indicator
from lurewatch.model import Approach, JobAdvert, Message, Profile


@dataclass(slots=True)
class ExampleResult:
    indicator: str
    kind: str  # positive | negative
    example: Any
    fired: bool
    margin: float | None = None  # a semantic example: how far its family's score is on the right side of the floor

    @property
    def ok(self) -> bool:
        return self.fired == (self.kind == "positive")


def approach_for(ind: Indicator, example: Any) -> Approach:
    base = datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    a = Approach(source="linkedin-message", sender_name="Example Sender")
    ex = example if isinstance(example, dict) else {}
    text = example if isinstance(example, str) else ""
    if ind.scope in ("message",):
        a.messages = [Message("Example Sender", text, base)]
    elif ind.scope == "attachment":
        a.messages = [Message("Example Sender", "Please see attached.", base, attachments=[text])]
    elif ind.scope == "owner":
        a.messages = [Message("Example Sender", "Hello", base)]
        a.owner = Profile(name="Owner", headline=text)
    elif ind.scope in ("profile", "employer", "profile_text"):
        from lurewatch.ingest.jsonresume import parse_jsonresume

        a.profile = parse_jsonresume(ex.get("profile", {}), "example")
        fc = ex.get("first_contact")
        when = datetime.fromisoformat(fc).replace(tzinfo=UTC) if fc else base
        a.messages = [Message("Example Sender", "Hello", when)]
    elif ind.scope in ("advert", "advert_text"):
        fields = ex.get("advert", {}) if ex else {"description": text}
        a.source = "job-advert"
        a.advert = _advert(fields)
        a.messages = [Message("job advert", a.advert.text(), base)]
    elif ind.scope in ("thread", "sender"):
        msgs = []
        for i, m in enumerate(ex.get("messages", [])):
            when = base + timedelta(days=i * int(ex.get("days_apart", 1)))
            if isinstance(m, dict) and "owner" in m:
                msgs.append(Message("Owner", str(m["owner"]), when, inbound=False))
            else:
                msgs.append(Message("Example Sender", str(m), when))
        a.messages = msgs
        if ind.scope == "sender":
            a.source = "email"
            a.profile = Profile(name="Example Sender", email=ex.get("email_from"))
            if ex.get("reply_to"):
                a.profile.urls.append("mailto:" + ex["reply_to"])
            if ex.get("owner_headline") or ex.get("owner_email"):
                a.owner = Profile(name="Owner", headline=ex.get("owner_headline", ""), email=ex.get("owner_email"))
    return a


def _advert(fields: dict[str, Any]) -> JobAdvert:
    def flag(v: Any) -> bool | None:
        if v is None:
            return None
        return str(v).strip().lower() in ("1", "t", "true", "yes")

    ad = JobAdvert(**{k: str(v) for k, v in fields.items()
                      if k in JobAdvert.__slots__ and k not in ("telecommuting", "has_company_logo", "has_questions")})
    ad.telecommuting = flag(fields.get("telecommuting"))
    ad.has_company_logo = flag(fields.get("has_company_logo"))
    ad.has_questions = flag(fields.get("has_questions"))
    return ad


def run_examples(engine: Engine) -> list[ExampleResult]:
    results = []
    for ind in engine.indicators:
        for kind in ("positive", "negative"):
            for ex in ind.examples.get(kind, []) or []:
                a = approach_for(ind, ex)
                fired = any(f.indicator == ind.id for f in engine.evaluate(a))
                results.append(ExampleResult(ind.id, kind, ex, fired))
    return results
