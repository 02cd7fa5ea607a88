"""The self-contained HTML report and its PDF (WeasyPrint), built from ReportData and its charts."""

from __future__ import annotations

import base64
from typing import Any

from jinja2 import Environment, select_autoescape

from lurewatch.reports.charts import render_charts
from lurewatch.reports.data import ReportData
from lurewatch.reports.template import REPORT_HTML

_ENV = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_TEMPLATE = _ENV.from_string(REPORT_HTML)


def _period(d: ReportData) -> str:
    if d.since or d.until:
        return f"{d.since or 'start'} to {d.until or 'now'}"
    if d.weeks:
        return f"weeks of {d.first_week:%d %b %Y} to {d.last_week:%d %b %Y}"
    return "all stored approaches"


def render_html(d: ReportData, charts: dict[str, bytes] | None = None, title: str = "") -> str:
    """The report as one HTML page: inline CSS, charts embedded as base64 PNG, every text escaped."""
    charts = render_charts(d) if charts is None else charts
    uris = {k: "data:image/png;base64," + base64.b64encode(v).decode("ascii") for k, v in charts.items()}
    arrow = {"up": "▲", "down": "▼", "flat": "="}[d.trend.direction]
    return _TEMPLATE.render(
        d=d, charts=uris, title=title or "Hostile approaches: report for the board", period=_period(d),
        trend_arrow=arrow,
    )


def _data_only_fetcher() -> Any:
    """A WeasyPrint URL fetcher that reads data: URIs and refuses everything else (no network, no files)."""
    from weasyprint import urls

    if hasattr(urls, "URLFetcher"):  # WeasyPrint >= 66
        return urls.URLFetcher(allowed_protocols={"data"}, fail_on_errors=False)

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:  # older WeasyPrint
        if url.startswith("data:"):
            return urls.default_url_fetcher(url)
        raise ValueError(f"refused to fetch {url[:60]!r} while rendering the report")

    return fetch


def render_pdf(html: str) -> bytes:
    """The PDF of the HTML report (needs weasyprint and Debian's pango libraries)."""
    import weasyprint

    return weasyprint.HTML(string=html, url_fetcher=_data_only_fetcher()).write_pdf()
