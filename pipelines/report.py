"""The insight report: one HTML page (and a PNG per chart) answering the headline questions.

``build_report`` reads the warehouse and writes ``<folder>/index.html`` plus ``<chart>.png``;
the asset ``insight_report`` (``pipelines/defs/report.py``) calls it on the warehouse a run
has built, and the report is published beside the warehouse file (data/report/ by default).

What the report shows is data, in pipelines/report.yml: its sections, each a question and
its charts, either the models' own (declared in their .yml) or the report's, declared in
the same form. Every chart reads models and is drawn by pipelines.charts, as in the UI.

The page is self-contained and works offline: every chart is a Vega-Lite specification
drawn in the browser by vega-embed, whose JavaScript (with Vega and Vega-Lite) is inlined
from the vl-convert package, and the data sits inside the specifications. Every chart
names the tables it was computed from, in its subtitle and in its caption.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import vl_convert as vlc
import yaml

from pipelines.charts import Chart, ChartError, Figure, execute, fill, model_charts

REPORT_FILE = Path(__file__).with_name("report.yml")
CHECK_NAME = "every_chart_rendered"


class ReportError(ValueError):
    """The report cannot be built as asked (e.g. a city the warehouse does not know)."""


# --- The report's structure, from report.yml ----------------------------------------------


@dataclass(frozen=True)
class Section:
    id: str
    question: str
    charts: tuple  # Chart declarations, or the Figures drawn from them


@cache
def _declaration() -> dict:
    return yaml.safe_load(REPORT_FILE.read_text(encoding="utf-8"))


def report_sections(city: str | None = None) -> list[Section]:
    """The report's sections, each chart a declaration; ``{city}`` in a question filled when given."""
    models = model_charts()
    sections = []
    for section in _declaration()["sections"]:
        charts = []
        for entry in section["charts"]:
            if isinstance(entry, str):
                if entry not in models:
                    raise ChartError(f"{REPORT_FILE.name}: the model {entry} declares no chart")
                charts.append(models[entry])
            else:
                charts.append(Chart.declared(entry, f"{REPORT_FILE.name}, section {section['id']}"))
        question = fill(section["question"], {"city": city} if city else {})
        sections.append(Section(section["id"], question, tuple(charts)))
    return sections


def report_charts(city: str | None = None) -> list[Chart]:
    return [chart for section in report_sections(city) for chart in section.charts]


def report_sources() -> list[str]:
    """Every table the report reads: its charts' sources, the scenario's identity and the calendar."""
    tables = [t for chart in report_charts() for t in chart.sources]
    return list(dict.fromkeys([*tables, "staging.stg_parameters", "raw.calendar"]))


def report_parameters(con: duckdb.DuckDBPyConnection, city: str | None = None) -> dict[str, str]:
    """The values every chart of the report is drawn with: the city given, checked against the
    warehouse's, and the others (the city when none is given) chosen as report.yml says."""
    if city is not None:
        query = "SELECT DISTINCT city FROM metrics.talent_flows ORDER BY city"
        cities = [r[0] for r in con.execute(query).fetchall()]
        if city not in cities:
            raise ReportError(f"city {city!r} has no talent flows in the warehouse; choose one of {cities}")
    values = {"city": city} if city is not None else {}
    for name, query in _declaration().get("choose", {}).items():
        if values.get(name) is None:
            row = execute(con, query, values, f"{REPORT_FILE.name}, choosing {name}").fetchone()
            if row is None or row[0] is None:
                raise ReportError(f"the warehouse has no {name} to draw the report for")
            values[name] = row[0]
    return values


# --- HTML --------------------------------------------------------------------------------

STYLE = """
body { font-family: "Liberation Sans", Arial, sans-serif; color: #222; margin: 0; background: #f6f6f3; }
header, main { max-width: 960px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 32px; }
h1 { font-size: 28px; margin-bottom: 4px; }
h2 { font-size: 20px; margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 6px; }
nav ol { padding-left: 20px; line-height: 1.6; }
figure { background: #fff; border: 1px solid #e2e2dc; border-radius: 6px; padding: 16px; margin: 16px 0; }
figcaption { font-size: 14px; line-height: 1.45; color: #444; margin-top: 8px; }
.chart { overflow-x: auto; }  /* a chart wider than the card scrolls inside it */
.source { color: #666; font-size: 13px; }
code { background: #f0f0ea; padding: 1px 4px; border-radius: 3px; }
.muted { color: #666; font-size: 14px; }
"""


@cache
def vega_javascript() -> str:
    """vega-embed with Vega and Vega-Lite, bundled by vl-convert (takes seconds: once per process)."""
    return vlc.javascript_bundle()


def _spec(figure: Figure) -> str:
    spec = dict(figure.vega_lite)
    spec.pop("$schema", None)  # a URL string: the page loads nothing, so it need not name one
    # "</" inside a <script> block would end it early.
    return json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")


def _figure(chart: Figure) -> str:
    sources = ", ".join(f"<code>{html.escape(s)}</code>" for s in chart.sources)
    tables = html.escape(" ".join(chart.sources))
    return (
        f'<figure id="fig-{chart.id}" data-chart="{chart.id}" data-sources="{tables}">'
        f'<div class="chart" id="chart-{chart.id}"></div>'
        f"<figcaption><p>{html.escape(chart.caption)}</p>"
        f'<p class="source">Source: {sources} · <a href="{chart.id}.png">PNG</a></p></figcaption></figure>'
    )


def render_html(sections: list[Section], specs: dict[str, str], subtitle: str) -> str:
    toc = "".join(f'<li><a href="#{s.id}">{html.escape(s.question)}</a></li>' for s in sections)
    body = "".join(
        f'<section id="{s.id}"><h2>{html.escape(s.question)}</h2>'
        + "".join(_figure(c) for c in s.charts)
        + "</section>"
        for s in sections
    )
    spec_tags = "".join(
        f'<script type="application/json" class="spec" data-chart="{cid}">{spec}</script>'
        for cid, spec in specs.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Economic graph simulator: insight report</title>
<style>{STYLE}</style></head>
<body>
<header><h1>The labour market, as the platform sees it and as it is</h1>
<p class="muted">{html.escape(subtitle)}</p>
<nav><ol>{toc}</ol></nav></header>
<main>{body}</main>
<script id="vega-bundle">{vega_javascript()}</script>
{spec_tags}
<script>
for (const tag of document.querySelectorAll("script.spec")) {{
  const target = document.getElementById("chart-" + tag.dataset.chart);
  vegaEmbed(target, JSON.parse(tag.textContent), {{mode: "vega-lite", renderer: "svg", actions: false}})
    .then(() => target.setAttribute("data-rendered", "true"))
    .catch(error => {{ target.textContent = "This chart failed to draw: " + error; }});
}}
</script>
</body></html>
"""


def _subtitle(con) -> str:
    people, seed = (
        con.execute(
            "SELECT max(value) FILTER (WHERE name = 'people'), max(value) FILTER (WHERE name = 'seed') "
            "FROM staging.stg_parameters"
        ).fetchall()[0]
    )
    first, last = con.execute("SELECT min(month), max(month) FROM raw.calendar").fetchall()[0]
    return (
        f"A synthetic labour market of {int(people or 0):,} people (seed {int(seed or 0)}), "
        f"{first:%B %Y} to {last:%B %Y}. Truth = the simulated world; platform = what a professional "
        "network sees of it (members only, reported late or never). Hover a chart for its numbers."
    )


@dataclass(frozen=True)
class Report:
    index: Path
    charts: list[Figure]
    pngs: dict[str, Path]
    city: str


def build_report(con: duckdb.DuckDBPyConnection, folder: str | Path, city: str | None = None) -> Report:
    """Write index.html and one PNG per chart into ``folder``, from the warehouse ``con`` reads.
    ``city``: the city whose talent flows the report draws; by default the one with the most
    members on the platform."""
    params = report_parameters(con, city)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections = [
        Section(s.id, fill(s.question, params), tuple(chart.draw(con, **params) for chart in s.charts))
        for s in report_sections()
    ]
    specs, pngs = {}, {}
    for section in sections:
        for figure in section.charts:
            specs[figure.id] = _spec(figure)
            pngs[figure.id] = folder / f"{figure.id}.png"
            pngs[figure.id].write_bytes(figure.png(scale=2))
    index = folder / "index.html"
    staging = index.with_suffix(".html.partial")  # a reader never sees half a page
    staging.write_text(render_html(sections, specs, _subtitle(con)), encoding="utf-8")
    staging.replace(index)
    return Report(index=index, charts=[f for s in sections for f in s.charts], pngs=pngs, city=params["city"])


_BUNDLE = re.compile(r'<script id="vega-bundle">.*?</script>', re.DOTALL)


def audit_report(page: str, charts: list[Figure] | list[Chart]) -> list[str]:
    """What is wrong with a report page: missing charts, unnamed sources, network references.

    The inlined Vega library mentions some URLs (XML namespaces, links it would open on
    a click) but fetches none of them; everything else on the page must name no URL.
    """
    problems = []
    own = _BUNDLE.sub("", page)
    if own == page:
        problems.append("the Vega library is not inlined")
    for chart in charts:
        figure = re.search(rf'<figure id="fig-{chart.id}".*?</figure>', own, re.DOTALL)
        spec = re.search(
            rf'<script type="application/json" class="spec" data-chart="{chart.id}">(.*?)</script>', own
        )
        if not figure:
            problems.append(f"chart {chart.id} is missing")
            continue
        if not spec:
            problems.append(f"chart {chart.id} has no specification")
            continue
        for table in chart.sources:
            if f"<code>{table}</code>" not in figure.group(0):
                problems.append(f"chart {chart.id} does not name its source {table} in its caption")
            if table not in json.dumps(json.loads(spec.group(1)).get("title", "")):
                problems.append(f"chart {chart.id} does not name its source {table} in its title")
        if '"url"' in spec.group(1):
            problems.append(f"chart {chart.id} loads its data from a URL")
    for address in re.findall(r"https?://[^\s\"'<>)]*", own):
        problems.append(f"the page refers to {address}")
    if re.search(r"<(?:script|img|link|iframe)\b[^>]*\b(?:src|href)=", own):
        problems.append("the page loads an external file")
    return problems
