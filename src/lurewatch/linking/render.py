"""Campaign output: a Rich table, JSON (the contract), or a self-contained HTML page (everything escaped)."""

from __future__ import annotations

import json
from typing import Any

from jinja2 import Environment, select_autoescape
from rich.table import Table

_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>lurewatch campaigns</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
.c{border:1px solid #ccc;border-radius:6px;padding:1em;margin:1em 0}
.s{font-weight:bold;font-size:1.2em} table{border-collapse:collapse;font-size:.9em}
td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
blockquote{background:#f6f6f6;margin:.3em 0;padding:.4em .8em;white-space:pre-wrap}
</style></head><body>
<h1>Campaigns ({{ campaigns|length }})</h1>
<p>Approaches linked by shared evidence. Every merge is listed edge by edge with its evidence.</p>
{% for c in campaigns %}
<div class="c" id="{{ c.campaign_id }}">
<div class="s">{{ c.campaign_id }} &mdash; score {{ c.score }}</div>
<p>{{ c.size }} approaches, {{ c.senders|length }} sender(s), {{ c.targets|length }} target(s);
first seen {{ c.first_seen or "?" }}, last seen {{ c.last_seen or "?" }}.</p>
<p><b>Senders:</b> {{ c.senders|join(", ") }}</p>
<p><b>Target organisations:</b> {{ c.target_orgs|join(", ") or "unknown" }}
{% if c.target_sectors %}({{ c.target_sectors|join(", ") }}){% endif %}</p>
<p><b>Examples:</b></p>
{% for e in c.examples %}<blockquote>{{ e.excerpt }}</blockquote>{% endfor %}
<details><summary>Evidence ({{ c.edges|length }} edges)</summary>
<table><tr><th>a</th><th>b</th><th>kind</th><th>strength</th><th>pair</th><th>evidence</th></tr>
{% for e in c.edges %}<tr><td>{{ e.a }}</td><td>{{ e.b }}</td><td>{{ e.kind }}</td><td>{{ e.strength }}</td>
<td>{{ e.pair_strength }}</td><td>{{ e.evidence }}</td></tr>{% endfor %}
</table></details>
</div>
{% endfor %}
</body></html>
"""


def to_json(campaigns: list[dict[str, Any]]) -> str:
    return json.dumps(campaigns, ensure_ascii=False, indent=1)


def to_html(campaigns: list[dict[str, Any]]) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    return env.from_string(_HTML).render(campaigns=campaigns)


def to_table(campaigns: list[dict[str, Any]], limit: int = 50) -> Table:
    t = Table(title=f"{len(campaigns)} campaign(s)", show_lines=False)
    for col in ("campaign", "score", "approaches", "senders", "targets", "first seen", "last seen", "evidence"):
        t.add_column(col, overflow="fold")
    for c in campaigns[:limit]:
        kinds: dict[str, int] = {}
        for e in c["edges"]:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        t.add_row(
            c["campaign_id"], str(c["score"]), str(c["size"]), str(len(c["senders"])), str(len(c["targets"])),
            (c["first_seen"] or "")[:10], (c["last_seen"] or "")[:10],
            ", ".join(f"{k}x{v}" for k, v in sorted(kinds.items())),
        )
    return t
