"""Pivots an analyst can share and match: e-mail addresses, phone numbers, messenger handles, URLs,
domains and LinkedIn profile URLs, extracted from (hostile) message text and normalised.

Normal forms (one value, one key - used for export, import and matching alike):
- linkedin-url: `lurewatch.urls.normalise_profile_url` (https://linkedin.com/in/slug)
- email: lower case;  phone: E.164 (+447700900123);  handle: "app:handle" lower case (telegram:jw_talent)
- url: https://host/path, lower case, host without www., no query, fragment or trailing slash
- domain: registrable domain (tldextract offline snapshot), lower case
- sha256: 64 lower-case hex;  pdq: 64 lower-case hex (256-bit PDQ hash)

`extract` reuses the linking package's pivot extractor (`lurewatch.linking.pivots.extract_pivots`) when it
is installed, mapping its kinds onto these types, and adds LinkedIn profile URLs (which linking ignores as a
common platform). `extract_local` is the stand-alone extractor used when linking is absent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlsplit

import phonenumbers

from lurewatch import urls
from lurewatch.urls import normalise_profile_url

TYPES: tuple[str, ...] = ("linkedin-url", "email", "phone", "handle", "url", "domain", "sha256", "pdq")
MAX_TEXT = 100_000  # chars of one message scanned for pivots (bounded work on hostile input)

# Shared platforms and free-mail providers: a domain indicator on these would match everyone, so they
# never become domain indicators (the full e-mail address / URL still does). No library lists these.
SHARED_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.uk",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "gmx.de",
        "mail.ru",
        "yandex.ru",
        "yandex.com",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "foxmail.com",
        "zoho.com",
        "linkedin.com",
        "lnkd.in",
        "google.com",
        "microsoft.com",
        "apple.com",
        "whatsapp.com",
        "wa.me",
        "t.me",
        "telegram.org",
        "telegram.me",
        "signal.org",
        "signal.me",
        "wechat.com",
        "weixin.qq.com",
        "skype.com",
        "zoom.us",
        "teams.microsoft.com",
        "facebook.com",
        "instagram.com",
        "x.com",
        "twitter.com",
        "youtube.com",
        "github.com",
        "dropbox.com",
        "box.com",
        "bit.ly",
        "tinyurl.com",
    ]
)
# File extensions that are also top-level domains: "report.zip" in a message is a file, not a domain.
_FILE_SUFFIXES = frozenset(
    [
        "zip",
        "mov",
        "md",
        "py",
        "sh",
        "pl",
        "rs",
        "ps",
        "ai",
        "io",
        "doc",
        "docx",
        "pdf",
        "xls",
        "xlsx",
        "ppt",
        "pptx",
        "dmg",
        "iso",
        "exe",
    ]
)

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}(?![\w-])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"'`(){}\[\]]{2,2000}", re.IGNORECASE)
_BARE_DOMAIN = re.compile(
    r"(?<![\w@./-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![\w@-])"
)
_APPS = r"telegram|signal|wechat|weixin|skype|viber|line|threema|wickr|session|kakaotalk|kakao|whatsapp"
# "Telegram (@jw_talent)", "my WeChat ID: rachelh88", "Skype: live:abc", "add me on Signal - @x"
_HANDLE = re.compile(
    rf"\b(?P<app>{_APPS})\b[^\S\n]*(?:\(|(?:id|handle|username|user\s?name|account|is|:|：|-|—)[^\S\n]*)+"
    r"(?P<h>@?[A-Za-z][A-Za-z0-9_.:\-]{2,63})",
    re.IGNORECASE,
)
_AT_HANDLE_APP = re.compile(rf"\b(?P<app>{_APPS})\b[^\n]{{0,40}}?(?P<h>@[A-Za-z][A-Za-z0-9_]{{3,31}})", re.I)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")


@dataclass(frozen=True, slots=True)
class Observable:
    type: str
    value: str  # normalised

    @property
    def key(self) -> str:
        return f"{self.type}:{self.value}"


def registered_domain(host: str) -> str | None:
    return urls.registered_domain(host) or None


def normalise_url(url: str) -> str | None:
    url = url.strip().strip("<>\"'")
    if not url:
        return None
    if "://" not in url:
        if _SCHEME.match(url):
            return None  # javascript:, data:, mailto: ... are not web URLs
        url = "https://" + url
    try:
        p = urlsplit(url)
    except ValueError:
        return None
    host = (p.hostname or "").lower().rstrip(".")
    if not host or p.scheme.lower() not in ("http", "https"):
        return None
    host = host.removeprefix("www.")
    path = p.path.rstrip("/").lower()  # no query, lower-case path: the form linking's pivots use
    return f"https://{host}{path}"


def normalise_phone(text: str, region: str | None = "GB") -> str | None:
    try:
        n = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(n):
        return None
    return phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164)


def normalise(type_: str, value: str) -> str | None:
    """Normal form of one value of a given type, or None if it is not a valid value of that type."""
    v = (value or "").strip()
    if not v:
        return None
    if type_ == "linkedin-url":
        u = normalise_profile_url(v)
        return u if u and u.startswith("https://linkedin.com/") else None
    if type_ == "email":
        v = v.lower().removeprefix("mailto:")
        return v if _EMAIL.fullmatch(v) else None
    if type_ == "phone":
        return normalise_phone(v)
    if type_ == "handle":
        app, _, h = v.partition(":")
        h = h.strip().lstrip("@").lower()
        return f"{app.strip().lower()}:{h}" if app and h else None
    if type_ == "url":
        return normalise_url(v)
    if type_ == "domain":
        return registered_domain(v.split("/")[0])
    if type_ in ("sha256", "pdq"):
        v = v.lower()
        return v if _HEX64.match(v) else None
    return None


def _from_url(raw: str) -> Iterable[Observable]:
    raw = raw.rstrip(".,;:!?'\")]}>")
    u = normalise_url(raw)
    if not u:
        return
    host = urlsplit(u).hostname or ""
    path = urlsplit(u).path.strip("/")
    if host.endswith("linkedin.com"):
        li = normalise("linkedin-url", u)
        if li and "/in/" in li:
            yield Observable("linkedin-url", li)
        return
    if host in ("t.me", "telegram.me") and path:
        yield Observable("handle", f"telegram:{path.split('/')[0].lower()}")
        return
    if host == "wa.me" and path:
        ph = normalise_phone("+" + path.split("/")[0].lstrip("+"), None)
        if ph:
            yield Observable("phone", ph)
        return
    yield Observable("url", u)
    dom = registered_domain(host)
    if dom and dom not in SHARED_DOMAINS:
        yield Observable("domain", dom)


def extract(text: str) -> list[Observable]:
    """Every pivot in a message text, normalised and de-duplicated (sorted by type, then value)."""
    text = (text or "")[:MAX_TEXT]
    try:
        from lurewatch.linking.pivots import extract_pivots
    except ImportError:
        return extract_local(text)
    out: dict[str, Observable] = {}
    for kind, value in extract_pivots(text):
        if kind in ("whatsapp", "telegram", "wechat", "signal", "viber"):
            type_, raw = "handle", f"{kind}:{value}"
        else:
            type_, raw = kind, value
        if type_ in TYPES and (v := normalise(type_, raw)):
            out.setdefault(f"{type_}:{v}", Observable(type_, v))
    for m in _URL.finditer(text):  # LinkedIn profiles: linking treats linkedin.com as a common platform
        for o in _from_url(m.group(0)):
            if o.type == "linkedin-url":
                out.setdefault(o.key, o)
    return sorted(out.values(), key=lambda o: (o.type, o.value))


@lru_cache(maxsize=8192)
def extract_cached(text: str) -> tuple[Observable, ...]:
    """`extract` with a cache: campaign messages are templated, the same text comes back many times."""
    return tuple(extract(text))


def extract_local(text: str, region: str | None = "GB") -> list[Observable]:
    """Stand-alone extractor: every pivot, normalised, de-duplicated, in order of first appearance."""
    text = (text or "")[:MAX_TEXT]
    out: dict[str, Observable] = {}

    def add(o: Observable) -> None:
        out.setdefault(o.key, o)

    spans: list[tuple[int, int]] = []
    for m in _URL.finditer(text):
        spans.append(m.span())
        for o in _from_url(m.group(0)):
            add(o)
    for m in _EMAIL.finditer(text):
        spans.append(m.span())
        e = normalise("email", m.group(0))
        if e:
            add(Observable("email", e))
            dom = registered_domain(e.rsplit("@", 1)[1])
            if dom and dom not in SHARED_DOMAINS:
                add(Observable("domain", dom))
    for m in list(_HANDLE.finditer(text)) + list(_AT_HANDLE_APP.finditer(text)):
        app = m.group("app").lower().replace("weixin", "wechat").replace("kakaotalk", "kakao")
        h = m.group("h").rstrip(".:-")
        if app == "whatsapp" or len(h.lstrip("@")) < 3:
            continue  # WhatsApp is a phone number: the phone matcher finds it
        if h.lower() in ("is", "me", "at", "and", "the", "please", "instead", "there"):
            continue
        v = normalise("handle", f"{app}:{h}")
        if v:
            add(Observable("handle", v))
    try:
        # POSSIBLE so that reserved/fictional ranges still count, but then only numbers written in
        # international form (+..., at least 10 digits) or valid national numbers: "2024" is not a phone.
        for pm in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
            digits = sum(c.isdigit() for c in pm.raw_string)
            intl = pm.raw_string.startswith("+") and digits >= 10
            if intl or phonenumbers.is_valid_number(pm.number):
                add(
                    Observable(
                        "phone", phonenumbers.format_number(pm.number, phonenumbers.PhoneNumberFormat.E164)
                    )
                )
    except Exception:  # noqa: BLE001 - the matcher is third-party code over hostile text: never fatal
        pass
    for m in _BARE_DOMAIN.finditer(text):
        if any(a <= m.start() < b for a, b in spans):
            continue
        host = m.group(0).lower()
        name, suffix = urls.domain_parts(host)
        if not name or not suffix or suffix in _FILE_SUFFIXES:
            continue
        dom = f"{name}.{suffix}"
        if dom not in SHARED_DOMAINS:
            add(Observable("domain", dom))
    return list(out.values())
