"""Report charts as PNG bytes (matplotlib, no display needed), in the Okabe–Ito colour-blind-safe palette.

Every chart has a title, labelled axes and integer counts; colours are never the only cue (legends,
hatching for high risk, different markers and line styles per campaign).
"""

from __future__ import annotations

import io
import textwrap

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from lurewatch.reports.data import LEVELS, GroupRow, ReportData

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}
LEVEL_COLOURS = {"high": OKABE_ITO["vermillion"], "medium": OKABE_ITO["orange"], "low": OKABE_ITO["sky_blue"]}
LEVEL_HATCH = {"high": "///", "medium": "", "low": ""}
SERIES = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple", "orange", "black")]
MARKERS = ["o", "s", "^", "D", "v", "P"]
LINESTYLES = ["-", "--", "-.", ":", "-", "--"]

FONT = {"font.size": 11, "axes.titlesize": 13, "axes.labelsize": 11, "legend.fontsize": 10}
DPI = 110


def _figure(width: float = 8.0, height: float = 3.8) -> Figure:
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _style(ax) -> None:  # type: ignore[no-untyped-def]
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.grid(axis="both", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)


def weekly_chart(d: ReportData) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(d.weeks)))
    bottom = [0] * len(x)
    for lv in reversed(LEVELS):  # low at the bottom, high on top
        vals = d.weekly[lv]
        ax.bar(x, vals, bottom=bottom, color=LEVEL_COLOURS[lv], hatch=LEVEL_HATCH[lv], edgecolor="white",
               linewidth=0.5, label=f"{lv} risk")
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [f"{w:%d %b %y}" for w in d.weeks[::step]], rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Approaches per week, by risk level")
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Approaches")
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], frameon=False, loc="upper left")
    _style(ax)
    return _png(fig)


def group_chart(rows: list[GroupRow], title: str, ylabel: str, top: int = 10) -> bytes:
    rows = rows[:top][::-1]
    fig = _figure(8.0, max(2.2, 0.45 * len(rows) + 1.4))
    ax = fig.add_subplot()
    names = [textwrap.shorten(r.name, 40, placeholder="…") for r in rows]
    high = [r.high for r in rows]
    other = [r.approaches - r.high for r in rows]
    ax.barh(names, high, color=LEVEL_COLOURS["high"], hatch="///", edgecolor="white", label="high risk")
    ax.barh(names, other, left=high, color=OKABE_ITO["blue"], edgecolor="white", label="medium or low risk")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.set_xlabel("Approaches")
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="lower right")
    _style(ax)
    return _png(fig)


def indicator_chart(d: ReportData) -> bytes:
    rows = d.top_indicators[::-1]
    fig = _figure(8.0, max(2.2, 0.45 * len(rows) + 1.4))
    ax = fig.add_subplot()
    names = [textwrap.shorten(r.title or r.indicator, 45, placeholder="…") for r in rows]
    ax.barh(names, [r.approaches for r in rows], color=OKABE_ITO["bluish_green"], edgecolor="white")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Most common warning signs")
    ax.set_xlabel("Approaches showing the sign")
    ax.set_ylabel("Warning sign")
    _style(ax)
    return _png(fig)


def campaign_chart(d: ReportData, top: int = 6) -> bytes:
    fig = _figure()
    ax = fig.add_subplot()
    x = list(range(len(d.weeks)))
    for k, c in enumerate((d.campaigns or [])[:top]):
        total, cum = 0, []
        for v in c.weekly:
            total += v
            cum.append(total)
        ax.plot(x, cum, color=SERIES[k % len(SERIES)], marker=MARKERS[k % len(MARKERS)], markersize=4,
                linestyle=LINESTYLES[k % len(LINESTYLES)], linewidth=2, label=f"{c.campaign_id} ({c.size})")
    step = max(1, len(x) // 12)
    ax.set_xticks(x[::step], [f"{w:%d %b %y}" for w in d.weeks[::step]], rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Growth of the largest campaigns (cumulative approaches)")
    ax.set_xlabel("Week starting")
    ax.set_ylabel("Approaches so far")
    ax.legend(frameon=False, loc="upper left", title="campaign (size)")
    _style(ax)
    return _png(fig)


def triage_chart(d: ReportData) -> bytes:
    assert d.triage is not None
    hours = d.triage.hours
    fig = _figure(8.0, 3.4)
    ax = fig.add_subplot()
    ax.hist(hours, bins=min(20, max(5, len(hours) // 3)), color=OKABE_ITO["blue"], edgecolor="white")
    if d.triage.median_hours is not None:
        ax.axvline(d.triage.median_hours, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=2,
                   label=f"median {d.triage.median_hours:.1f} h")
        ax.legend(frameon=False)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Time from report to triage")
    ax.set_xlabel("Hours from report to first triage decision")
    ax.set_ylabel("Cases")
    _style(ax)
    return _png(fig)


def render_charts(d: ReportData) -> dict[str, bytes]:
    """PNG bytes per chart name: weekly, teams, sectors, indicators, and campaigns / triage when known."""
    import matplotlib

    out: dict[str, bytes] = {}
    with matplotlib.rc_context(FONT):
        if d.weeks:
            out["weekly"] = weekly_chart(d)
        if d.by_team:
            out["teams"] = group_chart(d.by_team, "Approaches by team", "Team")
        if d.by_sector:
            out["sectors"] = group_chart(d.by_sector, "Approaches by sensitive sector", "Sector")
        if d.top_indicators:
            out["indicators"] = indicator_chart(d)
        if d.campaigns and d.weeks:
            out["campaigns"] = campaign_chart(d)
        if d.triage and d.triage.hours:
            out["triage"] = triage_chart(d)
    return out
