"""The report's HTML template (Jinja2, autoescaped; self-contained: inline CSS, charts as data: URIs).

Kept in a module (not a data file) so that it ships with the package; HTML lines may be long.
"""
# ruff: noqa: E501

REPORT_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>{{ title }}</title>
<style>
  @page { size: A4; margin: 16mm 14mm; @bottom-right { content: "page " counter(page) " of " counter(pages);
          font-size: 9pt; color: #555; } }
  body { font-family: "DejaVu Sans", "Helvetica", "Arial", sans-serif; color: #1a1a1a; max-width: 980px;
         margin: 0 auto; padding: 0 1em; line-height: 1.45; font-size: 11pt; }
  h1 { font-size: 20pt; margin: 0.6em 0 0.1em; }
  h2 { font-size: 14pt; margin: 1.4em 0 0.4em; border-bottom: 2px solid #0072B2; padding-bottom: 2px; }
  .meta { color: #555; font-size: 9.5pt; }
  .summary { font-size: 12pt; background: #f3f7fb; border-left: 5px solid #0072B2; padding: 0.7em 1em; }
  .cards { display: flex; flex-wrap: wrap; gap: 0.6em; margin: 0.8em 0; }
  .card { flex: 1 1 0; min-width: 7em; border: 1px solid #ccc; border-radius: 4px; padding: 0.4em 0.7em; }
  .card .n { font-size: 18pt; font-weight: bold; }
  .card .l { font-size: 9pt; color: #444; }
  .high { color: #B34700; }
  img { max-width: 100%; height: auto; }
  figure { margin: 0.6em 0; page-break-inside: avoid; }
  figcaption { font-size: 9.5pt; color: #444; }
  table { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 0.4em 0; page-break-inside: auto; }
  th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
  th { background: #eef2f6; }
  td.num, th.num { text-align: right; }
  .evidence { font-family: "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-word; }
  .na { color: #555; font-style: italic; }
  td.code { white-space: nowrap; }
  td.signs { width: 55%; }
  @media print { figure img { max-height: 82mm; width: auto; max-width: 100%; } body { font-size: 10pt; } }
</style>
</head>
<body>
<h1>{{ title }}</h1>
<p class="meta">Period: {{ period }} · generated {{ d.generated_at.strftime("%Y-%m-%d %H:%M UTC") }} by lurewatch
 · {{ d.total }} approaches{% if d.undated %} ({{ d.undated }} without a date){% endif %}</p>

<h2>Summary</h2>
<p class="summary">{{ d.summary }}</p>

<div class="cards">
  <div class="card"><div class="n">{{ d.total }}</div><div class="l">approaches recorded</div></div>
  <div class="card"><div class="n high">{{ d.by_level.high }}</div><div class="l">high risk</div></div>
  <div class="card"><div class="n">{{ d.targets }}</div><div class="l">people approached</div></div>
  <div class="card"><div class="n">{% if d.trend.weeks %}{{ trend_arrow }} {{ d.trend.recent }}{% else %}–{% endif %}</div>
    <div class="l">{% if d.trend.weeks %}last {{ d.trend.weeks }} weeks (before: {{ d.trend.previous }}){% else %}trend needs 2+ weeks{% endif %}</div></div>
  <div class="card"><div class="n">{% if d.triage and d.triage.median_hours is not none %}{{ "%.1f"|format(d.triage.median_hours) }} h{% else %}n/a{% endif %}</div>
    <div class="l">median time to triage</div></div>
</div>

<h2>Approaches over time</h2>
{% if charts.weekly %}<figure><img src="{{ charts.weekly }}" alt="Bar chart of approaches per week by risk level">
<figcaption>Each bar is one week (Monday to Sunday, UTC); high-risk approaches are hatched, on top.</figcaption></figure>
{% else %}<p class="na">No dated approaches in this period.</p>{% endif %}

<h2>Who is targeted</h2>
{% if charts.teams %}<figure><img src="{{ charts.teams }}" alt="Bar chart of approaches by team"></figure>{% endif %}
{% if charts.sectors %}<figure><img src="{{ charts.sectors }}" alt="Bar chart of approaches by sector"></figure>{% endif %}
<table>
<tr><th>Team</th><th class="num">Approaches</th><th class="num">High risk</th><th class="num">People</th></tr>
{% for g in d.by_team[:10] %}<tr><td>{{ g.name }}</td><td class="num">{{ g.approaches }}</td><td class="num">{{ g.high }}</td><td class="num">{{ g.targets }}</td></tr>
{% endfor %}</table>
<table>
<tr><th>Sensitive sector</th><th class="num">Approaches</th><th class="num">High risk</th><th class="num">People</th></tr>
{% for g in d.by_sector[:10] %}<tr><td>{{ g.name }}</td><td class="num">{{ g.approaches }}</td><td class="num">{{ g.high }}</td><td class="num">{{ g.targets }}</td></tr>
{% endfor %}</table>

<h2>Warning signs</h2>
{% if charts.indicators %}<figure><img src="{{ charts.indicators }}" alt="Bar chart of the most common warning signs"></figure>{% endif %}
<table>
<tr><th>Sign</th><th>Indicator</th><th class="num">Approaches</th></tr>
{% for i in d.top_indicators %}<tr><td>{{ i.title }}</td><td class="code">{{ i.indicator }}</td><td class="num">{{ i.approaches }}</td></tr>
{% else %}<tr><td colspan="3" class="na">No findings recorded.</td></tr>{% endfor %}</table>

<h2>Campaigns</h2>
{% if d.campaigns is none %}<p class="na">Campaign linking is not available in this installation.</p>
{% elif not d.campaigns %}<p class="na">No approaches were linked into a campaign in this period.</p>
{% else %}
{% if charts.campaigns %}<figure><img src="{{ charts.campaigns }}" alt="Line chart of campaign growth"></figure>{% endif %}
<table>
<tr><th>Campaign</th><th class="num">Approaches</th><th class="num">Senders</th><th class="num">People</th><th>First seen</th><th>Last seen</th><th class="num">Last {{ d.trend.weeks or 4 }} wk / before</th></tr>
{% for c in d.campaigns %}<tr><td>{{ c.campaign_id }}</td><td class="num">{{ c.size }}</td><td class="num">{{ c.senders }}</td><td class="num">{{ c.targets }}</td>
<td>{{ (c.first_seen or "")[:10] }}</td><td>{{ (c.last_seen or "")[:10] }}</td><td class="num">{{ c.recent }} / {{ c.previous }}</td></tr>
{% endfor %}</table>
{% endif %}

<h2>Time from report to triage</h2>
{% if d.triage is none %}<p class="na">Not available: there is no case data (cases are kept by the lurewatch server).</p>
{% elif not d.triage.triaged %}<p class="na">{{ d.triage.cases }} cases in this period, none triaged yet.</p>
{% else %}
{% if charts.triage %}<figure><img src="{{ charts.triage }}" alt="Histogram of hours from report to triage"></figure>{% endif %}
<p>{{ d.triage.triaged }} of {{ d.triage.cases }} cases triaged; median {{ "%.1f"|format(d.triage.median_hours) }} hours,
90th percentile {{ "%.1f"|format(d.triage.p90_hours) }} hours; {{ d.triage.untriaged }} still waiting.</p>
{% endif %}

{% if d.examples %}
<h2>Highest-risk approaches</h2>
<table>
<tr><th>Date</th><th>Level</th><th class="num">Score</th><th>Team</th><th>Sector</th><th>Strongest signs (evidence)</th></tr>
{% for e in d.examples %}<tr><td>{{ e.first_contact }}</td><td>{{ e.level }}</td><td class="num">{{ e.score }}</td><td>{{ e.team }}</td><td>{{ e.sector }}</td>
<td class="signs">{% for title, ev in e.signs %}<div><b>{{ title }}</b><br><span class="evidence">{{ ev }}</span></div>{% endfor %}</td></tr>
{% endfor %}</table>
{% endif %}

<p class="meta">Counts are of approaches stored by lurewatch (suspicious contacts found in the exports and reports
analysed). A finding is a reason to look, not proof of hostile intent. Colours follow the Okabe–Ito palette.</p>
</body>
</html>
"""
