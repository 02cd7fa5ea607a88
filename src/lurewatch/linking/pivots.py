"""Off-platform pivots in a message: e-mail, phone, WhatsApp, Telegram, WeChat, Signal, URLs and domains.

Every pivot is a (kind, value) pair with a normalised value, so the same phone written three ways is one key.
Common public domains (webmail, social networks, big platforms) never link by domain alone.
"""

from __future__ import annotations

import re

import phonenumbers

from lurewatch.urls import registered_domain

MAX_PIVOT_TEXT = 20_000  # only this much of a message is scanned for pivots
DEFAULT_REGION = "GB"

# Domains so widely shared that having them in common says nothing (documented in docs/linking.md).
COMMON_DOMAINS = frozenset(
    """
    linkedin.com lnkd.in gmail.com googlemail.com google.com outlook.com hotmail.com live.com msn.com
    yahoo.com yahoo.co.uk ymail.com aol.com icloud.com me.com mac.com proton.me protonmail.com pm.me
    gmx.com gmx.de gmx.net web.de mail.com yandex.com yandex.ru mail.ru qq.com 163.com 126.com sina.com
    foxmail.com naver.com zoho.com tutanota.com fastmail.com hey.com
    facebook.com fb.com instagram.com twitter.com x.com t.co youtube.com youtu.be tiktok.com reddit.com
    whatsapp.com wa.me t.me telegram.me telegram.org signal.me signal.org wechat.com weixin.qq.com
    microsoft.com office.com live.net apple.com amazon.com amazonaws.com github.com gitlab.com
    zoom.us teams.microsoft.com calendly.com docs.google.com drive.google.com dropbox.com box.com
    bit.ly tinyurl.com goo.gl ow.ly buff.ly wikipedia.org medium.com substack.com indeed.com glassdoor.com
    cal.com doodle.com surveymonkey.com typeform.com forms.gle eventbrite.com eventbrite.co.uk meetup.com lu.ma
    wetransfer.com we.tl mega.nz 1drv.ms sharepoint.com onedrive.live.com github.io wixsite.com notion.site
    blogspot.com wordpress.com carrd.co webflow.io netlify.app vercel.app pages.dev
    """.split()
)

# Infrastructure on shared services: the service's domain says nothing, the account or document on it does.
# (category, substring guard, pattern whose group 1 is the canonical "host/path"). Each pattern is one
# bounded run after a literal host: linear, no nested quantifiers.
_PRE = r"(?<![\w.-])(?:https?://)?(?:www\.)?"
_ID = r"[\w-]{4,100}"
INFRASTRUCTURE = tuple((cat, guard, re.compile(_PRE + pat, re.I)) for cat, guard, pat in (
    ("calendar", "calendly", r"(calendly\.com/[\w.-]{2,64})"),
    ("calendar", "cal.com", r"(cal\.com/[\w.-]{2,64})"),
    ("survey", "forms", r"(docs\.google\.com/forms/d/(?:e/)?" + _ID + r"|forms\.gle/" + _ID + ")"),
    ("survey", "forms.office", r"forms\.office\.com/[^\s?#]{0,100}\?(?:[^\s#]{0,200}&)?id=(" + _ID + ")"),
    ("survey", "surveymonkey", r"((?:[a-z]{2}\.)?surveymonkey\.com/r/" + _ID + ")"),
    ("survey", "typeform", r"([\w-]{2,63}\.typeform\.com/to/" + _ID + ")"),
    ("survey", "doodle", r"(doodle\.com/(?:poll|meeting/participate/id)/" + _ID + ")"),
    ("file share", "google", r"((?:docs|drive)\.google\.com/(?:document|spreadsheets|presentation|file|drive/folders)"
     r"/(?:d/)?" + _ID + ")"),
    ("file share", "dropbox", r"(dropbox\.com/(?:s|sh|scl/fi|scl/fo)/" + _ID + ")"),
    ("file share", "we", r"(wetransfer\.com/downloads/" + _ID + r"|we\.tl/[\w-]{4,100})"),
    ("file share", "mega.nz", r"(mega\.nz/(?:file|folder)/" + _ID + ")"),
    ("file share", "1drv", r"(1drv\.ms/[a-z]/(?:s!)?[\w!-]{4,100})"),
    ("file share", "sharepoint", r"([\w-]{2,63}\.sharepoint\.com/:[a-z]:/[a-z]/(?:[\w.-]{1,64}/){0,3}" + _ID + ")"),
    ("meeting", "zoom.us", r"((?:[\w-]{2,63}\.)?zoom\.us/[jw]/\d{9,12})"),
    ("meeting", "meet.google", r"(meet\.google\.com/[a-z]{3}-[a-z]{4}-[a-z]{3})"),
    ("meeting", "teams", r"(teams\.microsoft\.com/l/meetup-join/[\w%.-]{10,200})"),
    ("event", "eventbrite", r"(eventbrite\.(?:com|co\.uk)/e/[\w-]{4,150})"),
    ("event", "meetup.com", r"(meetup\.com/[\w-]{3,80})"),
    ("event", "lu.ma", r"(lu\.ma/[\w-]{3,80})"),
    ("landing page", "sites.google", r"(sites\.google\.com/view/[\w-]{2,80})"),
    ("landing page", ".", r"([a-z0-9-]{2,63}\.(?:github\.io|wixsite\.com|notion\.site|blogspot\.com|wordpress\.com|"
     r"carrd\.co|webflow\.io|netlify\.app|vercel\.app|pages\.dev))(?![\w-])"),
    ("short link", "", r"((?:bit\.ly|tinyurl\.com|goo\.gl|ow\.ly|buff\.ly)/[\w-]{4,40})"),
))
_SHORTENERS = ("bit.ly", "tinyurl", "goo.gl", "ow.ly", "buff.ly")
_NOT_ACCOUNTS = frozenset({"www", "app", "about", "pricing", "login", "signup", "help", "blog", "features", "find",
                           "topics", "cities", "apps", "support", "legal", "privacy", "terms", "home", "en"})

_EMAIL = re.compile(r"(?<![\w.+-])([\w.+-]{1,64})@((?:[\w-]{1,63}\.){1,8}[a-z]{2,24})\b", re.I)
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"'()\[\]]{2,300}", re.I)
_BARE_DOMAIN = re.compile(r"\b((?:[a-z0-9-]{1,63}\.){1,4}(?:com|org|net|io|co|uk|de|cn|ru|info|biz|ai))\b", re.I)
_WA = re.compile(r"(?:wa\.me/|api\.whatsapp\.com/send\?phone=)\+?(\d{6,15})", re.I)
_TG_LINK = re.compile(r"\b(?:t\.me|telegram\.me)/(?:\+)?([a-z0-9_]{4,32})", re.I)
_TG_HANDLE = re.compile(r"telegram[^\n@]{0,30}@([a-z0-9_]{4,32})", re.I)
_WECHAT = re.compile(r"\b(?:wechat|weixin|wx)(?:\s*id)?\s*[:：]?\s*(?:is\s+)?([a-z][a-z0-9_-]{5,19})\b", re.I)
_SIGNAL_LINK = re.compile(r"signal\.me/#p/\+?(\d{6,15})", re.I)
_SIGNAL_USER = re.compile(r"\bsignal[^\n]{0,25}?\b([a-z][a-z0-9_]{2,31}\.\d{2,9})\b", re.I)
_LENIENT_PHONE = re.compile(r"\+\d[\d ()./-]{6,20}\d")
_DIGITS7 = re.compile(r"\d(?:[\s().+/-]{0,3}\d){6,}")
_PLATFORMS = ("whatsapp", "signal", "telegram", "wechat", "viber")
_TLD_HINTS = (".com", ".org", ".net", ".io", ".co", ".uk", ".de", ".cn", ".ru", ".info", ".biz", ".ai")
_PLATFORM_WORD = re.compile(r"\b(whatsapp|signal|telegram|wechat|viber)\b", re.I)
_WECHAT_STOP = frozenset({"please", "account", "number", "contact", "message", "friend", "search"})



def _phone_key(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def infrastructure(text: str, low: str | None = None) -> set[tuple[str, str]]:
    """("infrastructure", "<category>:<host/path>") for accounts and documents on shared services: a calendar
    (calendly.com/anna-k), survey, file share, meeting, event, hosted landing page or short link."""
    low = text.lower() if low is None else low
    out: set[tuple[str, str]] = set()
    if "/" not in low and "." not in low:
        return out
    for category, guard, rx in INFRASTRUCTURE:
        if guard and guard not in low:
            continue
        if not guard and not any(s in low for s in _SHORTENERS):
            continue
        for m in rx.finditer(low):
            where = m.group(1).rstrip(".-")
            head = where.split(".", 1)[0] if category == "landing page" else where.rsplit("/", 1)[-1]
            if head in _NOT_ACCOUNTS:
                continue
            if category == "survey" and guard == "forms.office":
                where = "forms.office.com/id=" + where
            out.add(("infrastructure", f"{category}:{where}"))
    return out


def extract_pivots(text: str) -> set[tuple[str, str]]:
    """Every pivot in one message, as normalised (kind, value) pairs. Kinds: email, phone, whatsapp,
    telegram, wechat, signal, url, domain, infrastructure."""
    text = text[:MAX_PIVOT_TEXT]
    low = text.lower()
    out = infrastructure(text, low)
    has_at, has_dot = "@" in text, "." in text
    for local, dom in _EMAIL.findall(text) if has_at else ():
        addr = f"{local.lower()}@{dom.lower()}"
        out.add(("email", addr))
        reg = registered_domain(dom)
        if reg and reg not in COMMON_DOMAINS:
            out.add(("domain", reg))
    platform = _PLATFORM_WORD.search(text) if any(w in low for w in _PLATFORMS) else None
    phones: set[str] = set()
    has_phone = _DIGITS7.search(text) is not None  # the matcher is costly: only where 7+ digits are close
    if has_phone:
        try:
            for m in phonenumbers.PhoneNumberMatcher(text, DEFAULT_REGION, leniency=phonenumbers.Leniency.VALID):
                phones.add(_phone_key(m.number))
        except Exception:  # noqa: BLE001 - the matcher must never break linking on odd text
            pass
    for raw in _LENIENT_PHONE.findall(text) if has_phone and "+" in text else ():
        try:
            phones.add(_phone_key(phonenumbers.parse(raw, None)))
        except phonenumbers.NumberParseException:
            continue
    for digits in _WA.findall(text) if "wa.me" in low or "whatsapp.com" in low else ():
        phones.add("+" + digits)
        out.add(("whatsapp", "+" + digits))
    for p in phones:
        out.add(("phone", p))
        if platform:  # "add me on WhatsApp +44..." - the number is also that platform's handle
            out.add((platform.group(1).lower(), p))
    tg = _TG_LINK.findall(text) + _TG_HANDLE.findall(text) if "t.me" in low or "telegram" in low else []
    for h in tg:
        out.add(("telegram", h.lower()))
    if "wechat" in low or "weixin" in low or "wx" in low:
        for h in _WECHAT.findall(text):
            if h.lower() not in _WECHAT_STOP:
                out.add(("wechat", h.lower()))
    if "signal" in low:
        for d in _SIGNAL_LINK.findall(text):
            out.add(("signal", "+" + d))
        for h in _SIGNAL_USER.findall(text):
            out.add(("signal", h.lower()))
    hosts: set[str] = set()
    for u in _URL.findall(text) if "http" in low or "www." in low else ():
        u = u.rstrip(".,;:!?")
        body = u.split("://", 1)[-1]
        hostport, _, rest = body.partition("/")
        host = hostport.split("?", 1)[0].split("#", 1)[0].split(":", 1)[0].lower().removeprefix("www.")
        reg = registered_domain(host) if host else ""
        if not reg or reg in COMMON_DOMAINS:
            continue  # a link to a big platform is not a pivot (wa.me / t.me handled above)
        path = rest.split("?", 1)[0].split("#", 1)[0].rstrip("/").lower()
        out.add(("url", f"{host}/{path}" if path else host))
        hosts.add(reg)
    for d in _BARE_DOMAIN.findall(text) if has_dot and any(x in low for x in _TLD_HINTS) else ():
        reg = registered_domain(d)
        if reg and reg not in COMMON_DOMAINS and f"@{d.lower()}" not in low:
            hosts.add(reg)
    for reg in hosts:
        out.add(("domain", reg))
    return out
