"""The data that flows through the pipeline: ingest -> indicators -> scoring -> output/store.

Everything here is plain dataclasses so that every stage (local, Spark, server) can share it.
`Approach.to_contract()` is the public JSON contract documented in docs/contract.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Source = Literal["linkedin-message", "linkedin-invitation", "email", "job-advert", "screenshot"]
Level = Literal["low", "medium", "high"]


@dataclass(slots=True)
class Message:
    """One message of a thread, inbound (from the sender) or outbound (from the owner)."""

    sender_name: str
    text: str
    sent_at: datetime | None = None
    inbound: bool = True
    subject: str = ""
    attachments: list[str] = field(default_factory=list)
    sender_profile_url: str | None = None


def headline_parts(headline: str) -> tuple[str, str | None]:
    """("Senior Consultant", "Brightmoor Recruitment") from "Senior Consultant at Brightmoor Recruitment";
    a headline without " at " is all title."""
    head = (headline or "").strip()
    if " at " not in head:
        return head, None
    title, org = head.rsplit(" at ", 1)
    return title.strip(), org.strip() or None


@dataclass(slots=True)
class Position:
    company: str = ""
    title: str = ""
    start: str | None = None  # ISO date text as given ("2022-09", "2022-09-01", "2022")
    end: str | None = None
    summary: str = ""


@dataclass(slots=True)
class Profile:
    """A sender's profile (JSON Resume), or the owner's own (Profile.csv / Positions.csv)."""

    name: str = ""
    headline: str = ""
    summary: str = ""
    url: str | None = None  # normalised LinkedIn URL
    urls: list[str] = field(default_factory=list)  # every normalised URL it claims
    location: str = ""
    industry: str = ""
    positions: list[Position] = field(default_factory=list)
    education: list[Position] = field(default_factory=list)  # company=institution, title=degree/area
    skills: list[str] = field(default_factory=list)
    connections: int | None = None
    degree: str | None = None  # the owner's connection degree to them as LinkedIn shows it: 1st, 2nd, 3rd+
    followers: int | None = None
    account_created: str | None = None  # ISO date
    photo: str | None = None  # local path, never a URL we fetch
    activity: list[str] = field(default_factory=list)
    email: str | None = None
    phone: str | None = None
    source_file: str | None = None

    @property
    def current_employer(self) -> str:
        for p in self.positions:
            if not p.end:
                return p.company
        return self.positions[0].company if self.positions else ""

    def text(self) -> str:
        """All free text of the profile, for text indicators over the persona."""
        parts = [self.headline, self.summary]
        for p in self.positions:
            parts += [p.company, p.title, p.summary]
        parts += self.skills
        return "\n".join(x for x in parts if x)


@dataclass(slots=True)
class Finding:
    indicator: str
    title: str
    category: str
    weight: float
    evidence: str
    rationale: str = ""
    field: str = ""  # where the evidence was found: message[2], profile.summary, advert.salary_range ...
    contribution: float | None = None  # its share of the score's log-odds (lurewatch.learned.combiner)
    # Combiner inputs other than its own that this finding carries, with its part of each (the semantic
    # layer's LW-SEM-LATE): its contribution includes their terms, so the parts add up.
    carries: dict[str, float] = dataclasses.field(default_factory=dict)  # (the attribute `field` shadows it)

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "indicator": self.indicator,
            "title": self.title,
            "category": self.category,
            "weight": round(float(self.weight), 2),
            "evidence": self.evidence,
            "field": self.field,
            "rationale": self.rationale,
        }
        if self.contribution is not None:
            out["contribution"] = self.contribution
        return out


@dataclass(slots=True)
class JobAdvert:
    """One job advert with the EMSCAD columns (free text kept as given, flags as bools)."""

    title: str = ""
    location: str = ""
    department: str = ""
    salary_range: str = ""
    company_profile: str = ""
    description: str = ""
    requirements: str = ""
    benefits: str = ""
    telecommuting: bool | None = None
    has_company_logo: bool | None = None
    has_questions: bool | None = None
    employment_type: str = ""
    required_experience: str = ""
    required_education: str = ""
    industry: str = ""
    function: str = ""
    job_id: str | None = None

    def text(self) -> str:
        return "\n".join(
            x
            for x in (
                self.title,
                self.company_profile,
                self.description,
                self.requirements,
                self.benefits,
                self.salary_range,
            )
            if x
        )


@dataclass(slots=True)
class Approach:
    """The first inbound contact from one sender to the owner, plus the rest of that thread."""

    source: Source
    sender_name: str
    messages: list[Message] = field(default_factory=list)
    conversation_id: str | None = None
    sender_profile_url: str | None = None
    owner_profile_url: str | None = None
    owner: Profile | None = None
    profile: Profile | None = None
    advert: JobAdvert | None = None
    invitation_note: str = ""
    origin: str = ""  # the file it came from (for the analyst, never shared by default)
    owner_org: str | None = None  # set when known from elsewhere (a contract file, the server)
    owner_team: str | None = None
    owner_sector: str | None = None
    # filled by scoring
    findings: list[Finding] = field(default_factory=list)
    score: int = 0
    level: Level = "low"
    advice: list[str] = field(default_factory=list)

    @property
    def first_contact(self) -> datetime | None:
        times = [m.sent_at for m in self.messages if m.inbound and m.sent_at]
        return min(times) if times else None

    def target_org(self) -> str | None:
        """The recipient's organisation: as given, else the current employer, else the headline after ' at '."""
        o = self.owner
        if self.owner_org or o is None:
            return self.owner_org
        if o.current_employer:
            return o.current_employer
        return headline_parts(o.headline)[1]

    def target_team(self) -> str | None:
        """The recipient's role or team: as given, else the current title or headline, for reports by team."""
        o = self.owner
        if self.owner_team or o is None:
            return self.owner_team
        for p in o.positions:
            if not p.end and p.title:
                return p.title
        return headline_parts(o.headline)[0] or None

    def target_sector(self) -> str | None:
        """The recipient's sensitive area (lurewatch/sectors.py): as given, else from their profile."""
        o = self.owner
        if self.owner_sector or o is None:
            return self.owner_sector
        from lurewatch.sectors import sector_of

        return sector_of(o.headline, o.industry, o.summary, o.current_employer,
                         *(p.title for p in o.positions[:2]))

    @property
    def inbound(self) -> list[Message]:
        return [m for m in self.messages if m.inbound]

    @property
    def approach_id(self) -> str:
        """Stable id: the same export scanned twice gives the same ids (idempotent --store)."""
        first = self.inbound[0] if self.inbound else (self.messages[0] if self.messages else None)
        key = "\x1f".join(
            [
                self.source,
                self.owner_profile_url or "",
                self.sender_profile_url or self.sender_name,
                self.conversation_id or "",
                first.sent_at.isoformat() if first and first.sent_at else "",
                (first.text[:200] if first else "") or (self.advert.title if self.advert else ""),
                (self.advert.job_id or "") if self.advert else "",
            ]
        )
        return "ap-" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]

    def to_contract(self) -> dict[str, Any]:
        fc = self.first_contact
        out = self._contract(fc)
        if self.source == "screenshot" and self.profile is not None:  # what the screen showed of the sender
            out["sender_headline"] = self.profile.headline or None
            out["sender_degree"] = self.profile.degree
        return out

    def _contract(self, fc: datetime | None) -> dict[str, Any]:
        return {
            "approach_id": self.approach_id,
            "source": self.source,
            "conversation_id": self.conversation_id,
            "sender_name": self.sender_name,
            "sender_profile_url": self.sender_profile_url,
            "owner_profile_url": self.owner_profile_url,
            "owner_org": self.target_org(),
            "owner_team": self.target_team(),
            "owner_sector": self.target_sector(),
            "first_contact": fc.isoformat() if fc else None,
            "score": int(self.score),
            "level": self.level,
            "findings": [f.to_contract() for f in self.findings],
            "advice": list(self.advice),
            "messages": [
                {
                    "from": m.sender_name,
                    "inbound": m.inbound,
                    "sent_at": m.sent_at.isoformat() if m.sent_at else None,
                    "subject": m.subject,
                    "text": m.text,
                    "attachments": list(m.attachments),
                }
                for m in self.messages
            ],
        }


@dataclass(slots=True)
class IngestProblem:
    """A row or file that could not be used, reported to the user (never silently dropped)."""

    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.reason}"


@dataclass(slots=True)
class IngestResult:
    approaches: list[Approach] = field(default_factory=list)
    problems: list[IngestProblem] = field(default_factory=list)
    rows_read: int = 0
    rows_skipped: int = 0
    files_read: int = 0
    # approaches still to be read, streamed from inputs too large to hold (message tables): iterating one
    # reads its file and updates the counts and problems above as it goes
    pending: list[Iterator[Approach]] = field(default_factory=list)
    message_tables: list[str] = field(default_factory=list)  # the files behind `pending`

    def extend(self, other: IngestResult) -> None:
        self.approaches += other.approaches
        self.pending += other.pending
        self.message_tables += other.message_tables
        self.problems += other.problems
        self.rows_read += other.rows_read
        self.rows_skipped += other.rows_skipped
        self.files_read += other.files_read
