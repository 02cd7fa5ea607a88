"""Normalisation of profile URLs, so one account is one key whatever form it was written in; and the
registrable part of a host name (one offline public-suffix extractor for linking, sharing and the checks)."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import unquote, urlsplit

import tldextract

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=())  # offline: the bundled public-suffix snapshot


@lru_cache(maxsize=65536)
def domain_parts(host: str) -> tuple[str, str]:
    """(name, public suffix) of a host: mail.example.co.uk -> (example, co.uk); suffix '' when unknown."""
    ext = _EXTRACT(host.lower().strip().strip("."))
    return ext.domain, ext.suffix


def registered_domain(host: str) -> str:
    """example.co.uk for mail.example.co.uk (offline public-suffix list); '' if none."""
    name, suffix = domain_parts(host)
    return f"{name}.{suffix}" if name and suffix else ""

_LINKEDIN_PATH = re.compile(r"^/(in|pub|company|school)/([^/?#]+)", re.IGNORECASE)
# The common case (a plain profile URL as exports write it) without urlsplit: same result, 10x faster.
_SIMPLE = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(in|pub|company|school)/([^/?#%\s:@\\]+)/?",
                     re.IGNORECASE | re.ASCII)


def normalise_profile_url(url: str | None) -> str | None:
    """Canonical form of a (LinkedIn) profile URL: https, no www., no query, no trailing slash, lower case.

    `HTTP://WWW.LinkedIn.com/in/Jane-Doe/?trk=x` -> `https://linkedin.com/in/jane-doe`.
    Country sub-domains (uk.linkedin.com) fold into linkedin.com. Non-LinkedIn URLs keep their path.
    """
    if not url:
        return None
    url = url.strip().strip("<>\"'")
    if not url:
        return None
    m = _SIMPLE.fullmatch(url)
    if m:
        return f"https://linkedin.com/{m.group(1).lower()}/{m.group(2).lower()}"
    if "://" not in url:
        url = "https://" + url.lstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    path = unquote(parts.path or "")
    if host == "linkedin.com" or host.endswith(".linkedin.com"):
        host = "linkedin.com"
        m = _LINKEDIN_PATH.match(path)
        if m:
            path = f"/{m.group(1).lower()}/{m.group(2)}"
    elif host.startswith("www."):
        host = host[4:]
    path = path.rstrip("/").lower()
    return f"https://{host}{path}"
