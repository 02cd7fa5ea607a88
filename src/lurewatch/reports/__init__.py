"""Management reports: approaches per week and level, targets by team and sector, top warning signs,
campaigns and their growth, time to triage; charts (matplotlib), a self-contained HTML page and a PDF.

For the server's dashboard: `build_report_data(approaches, cases=None) -> ReportData` and
`render_charts(data) -> dict[str, bytes]` (PNG per chart), `render_html(data)` for the whole page.
"""

from __future__ import annotations

from lurewatch.reports.charts import render_charts
from lurewatch.reports.data import ReportData, build_report_data
from lurewatch.reports.render import render_html, render_pdf
from lurewatch.reports.sources import load_cases

__all__ = ["ReportData", "build_report_data", "load_cases", "render_charts", "render_html", "render_pdf"]
