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
    """.split()
)

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


def extract_pivots(text: str) -> set[tuple[str, str]]:
    """Every pivot in one message, as normalised (kind, value) pairs. Kinds: email, phone, whatsapp,
    telegram, wechat, signal, url, domain."""
    text = text[:MAX_PIVOT_TEXT]
    out: set[tuple[str, str]] = set()
    low = text.lower()
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
