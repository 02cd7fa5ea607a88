"""Watchlists: organisations on sanctions, export-control and research-security lists named in approaches.

Load lists (lurewatch CSV, US Consolidated Screening List CSV/JSON, OpenSanctions FtM) into the store,
then every scan screens messages, profiles and adverts against them (finding LW-WATCH-001).
"""

from __future__ import annotations

from lurewatch.watchlists.formats import ParsedList, detect_format, read_list
from lurewatch.watchlists.matcher import Entry, Match, WatchlistIndex
from lurewatch.watchlists.normalize import normalize_name
from lurewatch.watchlists.storage import WatchlistStore

__all__ = [
    "Entry",
    "Match",
    "ParsedList",
    "WatchlistIndex",
    "WatchlistStore",
    "detect_format",
    "normalize_name",
    "read_list",
]
