"""The insight report: one HTML page (and a PNG per chart) answering the headline questions.

``build_report`` reads the warehouse and writes ``<folder>/index.html`` plus ``<chart>.png``;
the asset ``insight_report`` (``pipelines/defs/report.py``) calls it on the warehouse a run
has built, and the report is published beside the warehouse file (data/report/ by default).

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
from functools import cache, partial
from pathlib import Path

import altair as alt
import duckdb
import pandas as pd
import vl_convert as vlc

from pipelines.ui_metadata import (
    HEIGHT,
    LEVELS,
    METRIC_CHARTS,
    SOURCE_COLORS,
    WIDTH,
    YEAR_AXIS,
    Chart,
    frame,
    png,
)

DEFAULT_CITY = "Amsterdam"
FLOW_PARTNERS = 8  # origins and destinations drawn in the flow diagram
GROWTH_YEARS = 5  # skill growth: the latest year against this many years before
GROWTH_CANDIDATES = 50  # ... among the skills ranked this high in the latest year (fewer are noise)
FIRST_JOB_MONTHS = 24  # survival curves stop here: nearly everybody has a job by then
CHECK_NAME = "every_chart_rendered"


class ReportError(ValueError):
    """The report cannot be built as asked (e.g. a city the warehouse does not know)."""


# --- Charts the report adds to the metrics' own ----------------------------------------


def _job_change_yoy(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, year(period) AS year, yoy_change FROM metrics.job_change_rate "
        "WHERE grain = 'year' AND yoy_change IS NOT NULL ORDER BY source, year",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            xOffset=alt.XOffset("source:N", sort=["truth", "platform"]),
            y=alt.Y("yoy_change:Q", title="change on the year before", axis=alt.Axis(format="+%")),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=["source", "year", alt.Tooltip("yoy_change:Q", format="+.1%")],
        )
    )


def city_flows(con, city: str) -> pd.DataFrame:
    """Movers into ``city`` per origin and out of it per destination (truth, all years)."""
    return frame(
        con,
        """
        WITH flows AS (
            SELECT 'from' AS side, origin_city AS partner, sum(movers) AS movers
            FROM metrics.talent_flows_od
            WHERE source = 'truth' AND occupation_family = 'all' AND destination_city = $city
            GROUP BY ALL
            UNION ALL
            SELECT 'to', destination_city, sum(movers)
            FROM metrics.talent_flows_od
            WHERE source = 'truth' AND occupation_family = 'all' AND origin_city = $city
            GROUP BY ALL
        )
        SELECT side, partner, movers::BIGINT AS movers,
               row_number() OVER (PARTITION BY side ORDER BY movers DESC, partner) - 1 AS position
        FROM flows
        QUALIFY position < $partners
        """,
        {"city": city, "partners": FLOW_PARTNERS},
    )


def _flow_diagram(con, city: str) -> alt.LayerChart:
    # Origins on the left, the city in the middle, destinations on the right; a line's
    # width is the number of movers on it.
    flows = city_flows(con, city)
    rows = max(len(flows[flows.side == "from"]), len(flows[flows.side == "to"]), 1)
    middle = (rows - 1) / 2
    flows["x"] = flows.side.map({"from": 0.0, "to": 1.08})
    flows["x2"] = flows.side.map({"from": 0.92, "to": 2.0})
    flows["y"] = flows.position.where(flows.side == "from", middle).astype(float)
    flows["y2"] = flows.position.where(flows.side == "to", middle).astype(float)
    flows["label"] = flows.partner + "  " + flows.movers.map("{:,}".format)
    flows["direction"] = flows.side.map({"from": f"into {city}", "to": f"out of {city}"})
    x = alt.X("x:Q", scale=alt.Scale(domain=[-0.9, 2.9]), axis=None)
    y = alt.Y("y:Q", scale=alt.Scale(domain=[rows - 0.5, -0.5]), axis=None)
    base = alt.Chart(flows, width=WIDTH, height=max(HEIGHT, 32 * rows))
    lines = base.mark_rule(opacity=0.75, strokeCap="round").encode(
        x=x,
        y=y,
        x2="x2:Q",
        y2="y2:Q",
        strokeWidth=alt.StrokeWidth("movers:Q", scale=alt.Scale(range=[1.5, 16]), legend=None),
        color=alt.Color(
            "direction:N",
            scale=alt.Scale(domain=[f"into {city}", f"out of {city}"], range=["#2a7f62", "#b23a48"]),
            title=None,
        ),
        tooltip=["direction", "partner", alt.Tooltip("movers:Q", format=",")],
    )
    origins = base.transform_filter("datum.side == 'from'").mark_text(align="right", dx=-6).encode(
        x=x, y=y, text="label:N"
    )
    destinations = (
        base.transform_filter("datum.side == 'to'")
        .mark_text(align="left", dx=6)
        .encode(
            x=alt.X("x2:Q", scale=alt.Scale(domain=[-0.9, 2.9]), axis=None),
            y=alt.Y("y2:Q", scale=alt.Scale(domain=[rows - 0.5, -0.5]), axis=None),
            text="label:N",
        )
    )
    centre = pd.DataFrame({"x": [1.0], "y": [middle], "label": [city]})
    hub = alt.Chart(centre).mark_text(fontWeight="bold", fontSize=13).encode(x=x, y=y, text="label:N")
    return alt.layer(lines, origins, destinations, hub).configure_view(stroke=None)


def fastest_growing_skills(con) -> pd.DataFrame:
    """Growth of each skill's share of postings, latest year against GROWTH_YEARS before."""
    return frame(
        con,
        """
        WITH years AS (
            SELECT max(year) AS latest, greatest(min(year), max(year) - $years) AS earlier
            FROM metrics.skill_demand
        ),
        shares AS (
            SELECT
                skill,
                any_value(y.earlier) AS earlier,
                any_value(y.latest) AS latest,
                max(share_of_postings) FILTER (WHERE year = y.earlier) AS share_earlier,
                max(share_of_postings) FILTER (WHERE year = y.latest) AS share_latest,
                min(rank) FILTER (WHERE year = y.latest) AS rank_latest
            FROM metrics.skill_demand CROSS JOIN years y
            GROUP BY skill
        )
        SELECT skill, earlier, latest, share_earlier, share_latest, share_latest / share_earlier - 1 AS growth
        FROM shares
        WHERE share_earlier > 0 AND rank_latest <= $candidates
        ORDER BY growth DESC, skill
        LIMIT 10
        """,
        {"years": GROWTH_YEARS, "candidates": GROWTH_CANDIDATES},
    )


def _fastest_growing_skills(con) -> alt.LayerChart:
    data = fastest_growing_skills(con)
    data["shares"] = [
        f"{a:.1%} → {b:.1%}" for a, b in zip(data.share_earlier, data.share_latest, strict=True)
    ]
    span = f"{data.earlier.iloc[0]}–{data.latest.iloc[0]}" if len(data) else ""
    # The query returns the skills fastest first: keep that order (sort=None) in both layers.
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(y=alt.Y("skill:N", sort=None, title=None))
    bars = base.mark_bar(color="#2a7f62").encode(
        x=alt.X(
            "growth:Q",
            title=f"growth of the share of postings, {span}",
            axis=alt.Axis(format="+%"),
            scale=alt.Scale(domain=[0, float(max(data.growth.max(), 0.01)) * 1.3] if len(data) else [0, 1]),
        ),
        tooltip=["skill", "shares", alt.Tooltip("growth:Q", format="+.0%")],
    )
    labels = base.mark_text(align="left", dx=4, fontSize=10).encode(x="growth:Q", text="shares:N")
    return bars + labels


FIRST_JOB_CURVES_SQL = """
WITH window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM raw.calendar
),
graduates AS (
    SELECT 'platform' AS source, member_id AS person_id, level, graduation_date FROM raw.educations
    UNION ALL
    SELECT 'truth', person_id, level, graduation_date FROM truth.educations
),
first_positions AS (
    SELECT 'platform' AS source, member_id AS person_id, min(start_date) AS first_start
    FROM raw.positions GROUP BY ALL
    UNION ALL
    SELECT 'truth', person_id, min(start_date) FROM truth.positions GROUP BY ALL
),
followed AS (
    -- months to the first job, or months observed without one (right-censored)
    SELECT
        g.source,
        g.level,
        f.first_start IS NOT NULL AS found_job,
        CASE
            WHEN f.first_start IS NOT NULL
                THEN greatest(datediff('month', g.graduation_date, f.first_start), 0)
            ELSE datediff('month', g.graduation_date, w.last_month)
        END AS months
    FROM graduates g
    CROSS JOIN window_bounds w
    LEFT JOIN first_positions f USING (source, person_id)
    WHERE g.graduation_date >= w.first_month
      AND year(g.graduation_date) BETWEEN $first_year AND $last_year
),
per_month AS (
    SELECT source, level, months, count(*) FILTER (WHERE found_job) AS events, count(*) AS leaving
    FROM followed
    GROUP BY ALL
),
at_risk AS (
    -- at risk in month k: everybody followed for k months or more
    SELECT *, sum(leaving) OVER (
        PARTITION BY source, level ORDER BY months DESC ROWS UNBOUNDED PRECEDING
    ) AS at_risk
    FROM per_month
)
SELECT
    source,
    level,
    months,
    1 - CASE
        WHEN bool_or(events = at_risk) OVER up_to_month THEN 0.0
        ELSE exp(sum(ln(1.0 - events / at_risk)) OVER up_to_month)
    END AS share_employed
FROM at_risk
WINDOW up_to_month AS (PARTITION BY source, level ORDER BY months ROWS UNBOUNDED PRECEDING)
ORDER BY source, level, months
"""


def first_job_curves(con, first_year: int = 0, last_year: int = 9999) -> pd.DataFrame:
    """Kaplan-Meier share of graduates with a first job by months since graduation, per level.

    The estimator of sql/time_to_first_job.sql, pooled over the graduation years given.
    """
    return frame(con, FIRST_JOB_CURVES_SQL, {"first_year": first_year, "last_year": last_year})


def _first_job_curves(con) -> alt.Chart:
    data = first_job_curves(con)
    data = data[data.months <= FIRST_JOB_MONTHS]
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(interpolate="step-after")
        .encode(
            x=alt.X(
                "months:Q", title="months since graduation", scale=alt.Scale(domain=[0, FIRST_JOB_MONTHS])
            ),
            y=alt.Y("share_employed:Q", title="share with a first job", axis=alt.Axis(format="%")),
            color=alt.Color("level:N", sort=LEVELS, title="education"),
            strokeDash=alt.StrokeDash("source:N", sort=["truth", "platform"], title=None),
            tooltip=["source", "level", "months", alt.Tooltip("share_employed:Q", format=".1%")],
        )
    )


def _platform_against_truth_flows(con) -> alt.LayerChart:
    data = frame(
        con,
        """
        SELECT city,
               avg(net_per_10k) FILTER (WHERE source = 'truth') AS truth,
               avg(net_per_10k) FILTER (WHERE source = 'platform') AS platform
        FROM metrics.talent_flows
        WHERE occupation_family = 'all'
        GROUP BY city
        HAVING truth IS NOT NULL AND platform IS NOT NULL
        """,
    )
    low = float(min(data.truth.min(), data.platform.min(), 0)) if len(data) else -1.0
    high = float(max(data.truth.max(), data.platform.max(), 0)) if len(data) else 1.0
    diagonal = alt.Chart(pd.DataFrame({"truth": [low, high], "platform": [low, high]})).mark_line(
        color="#999", strokeDash=[4, 4]
    ).encode(x="truth:Q", y="platform:Q")
    base = alt.Chart(data, width=WIDTH, height=HEIGHT + 80)
    points = base.mark_circle(size=60, color="#1f4e79").encode(
        x=alt.X("truth:Q", title="truth: net arrivals per 10,000 a year"),
        y=alt.Y("platform:Q", title="platform: net arrivals per 10,000 a year"),
        tooltip=["city", alt.Tooltip("truth:Q", format=".0f"), alt.Tooltip("platform:Q", format=".0f")],
    )
    names = base.mark_text(align="left", dx=5, fontSize=9, color="#555").encode(
        x="truth:Q", y="platform:Q", text="city:N"
    )
    return alt.layer(diagonal, points, names)


def _membership_by_education(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT highest_education_level AS level, avg((member_id IS NOT NULL)::INTEGER) AS members, "
        "count(*) AS people FROM truth.people GROUP BY ALL",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT - 60)
        .mark_bar(color="#e07b39")
        .encode(
            x=alt.X("level:N", sort=LEVELS, title="highest education", axis=alt.Axis(labelAngle=0)),
            y=alt.Y(
                "members:Q",
                title="share who are members",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=["level", alt.Tooltip("members:Q", format=".0%"), alt.Tooltip("people:Q", format=",")],
        )
    )


# --- The report's structure ------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    id: str
    question: str
    charts: tuple[Chart, ...]


def report_sections(city: str = DEFAULT_CITY) -> list[Section]:
    m = METRIC_CHARTS
    return [
        Section("job-changes", "How often do people change jobs, and how did that move year over year?", (
            m["job_change_rate"],
            Chart(
                "job_change_yoy", "Job-change rate, change on the year before", ("metrics.job_change_rate",),
                "Each year's rate against the year before: the scenario's macro cycle shows here. The "
                "platform follows the truth's swings; its last year falls away because recent changes "
                "reach profiles late or never.",
                _job_change_yoy,
            ),
        )),
        Section("talent-flows", f"Where does {city}'s talent come from and go to, and which cities win?", (
            Chart(
                "city_flows",
                f"Movers into and out of {city} (truth, all years)",
                ("metrics.talent_flows_od",),
                f"Left: the cities {city}'s newcomers came from; right: where its leavers went "
                f"(the {FLOW_PARTNERS} largest each way). Line width is the number of movers.",
                partial(_flow_diagram, city=city),
            ),
            m["talent_flows"],
        )),
        Section("skills", "Which skills do employers ask for, and which grow fastest?", (
            m["skill_demand"],
            Chart(
                "fastest_growing_skills", f"Fastest-growing skills over {GROWTH_YEARS} years",
                ("metrics.skill_demand",),
                f"Growth of the share of postings requiring the skill, among the {GROWTH_CANDIDATES} most "
                "demanded skills of the latest year; labels show the share then and now.",
                _fastest_growing_skills,
            ),
            m["skills_added"],
        )),
        Section("first-job", "How long do graduates wait for their first job?", (
            Chart(
                "first_job_curves", "Share of graduates with a first job, by months since graduation",
                ("truth.educations", "truth.positions", "raw.educations", "raw.positions"),
                "Kaplan-Meier curves per education level (graduates still searching at the end of the "
                "window count for the months observed), pooled over graduation years; solid = truth, "
                "dashed = platform. Same estimator as metrics.time_to_first_job.",
                _first_job_curves,
            ),
            m["time_to_first_job"],
        )),
        Section("marketplace", "How tight is the market, and do skills, pedigree or contacts get people hired?", (
            m["vacancies"],
            m["company_insights"],
            m["skills_based_hiring"],
            m["network"],
        )),
        Section("platform-vs-truth", "How far is the platform's view from the truth?", (
            Chart(
                "membership_by_education", "Who the platform sees: members by education", ("truth.people",),
                "Share of all simulated people who are platform members, per education level: where the "
                "bars differ, the platform over-represents some people, which colours every platform "
                "metric above.",
                _membership_by_education,
            ),
            Chart(
                "platform_vs_truth_flows", "Net talent migration per city, platform against truth",
                ("metrics.talent_flows",),
                "Each dot a city (average over the years); on the dashed line the platform would match the "
                "truth. The job-change, year-over-year and first-job charts above also show both views.",
                _platform_against_truth_flows,
            ),
        )),
    ]


def report_charts(city: str = DEFAULT_CITY) -> list[Chart]:
    return [chart for section in report_sections(city) for chart in section.charts]


def report_sources(city: str = DEFAULT_CITY) -> list[str]:
    """Every table the report reads: its charts' sources, the scenario's identity and the calendar."""
    tables = [t for chart in report_charts(city) for t in chart.sources]
    return list(dict.fromkeys([*tables, "truth.parameters", "raw.calendar"]))


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
.source { color: #666; font-size: 13px; }
code { background: #f0f0ea; padding: 1px 4px; border-radius: 3px; }
.muted { color: #666; font-size: 14px; }
"""


@cache
def vega_javascript() -> str:
    """vega-embed with Vega and Vega-Lite, bundled by vl-convert (takes seconds: once per process)."""
    return vlc.javascript_bundle()


def _spec(chart: alt.TopLevelMixin) -> str:
    spec = chart.to_dict()
    spec.pop("$schema", None)  # a URL string: the page loads nothing, so it need not name one
    # "</" inside a <script> block would end it early.
    return json.dumps(spec, separators=(",", ":")).replace("</", "<\\/")


def _figure(chart: Chart) -> str:
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
            "FROM truth.parameters"
        ).fetchall()[0]
    )
    first, last = con.execute("SELECT min(month), max(month) FROM raw.calendar").fetchall()[0]
    return (
        f"A synthetic Dutch labour market of {int(people or 0):,} people (seed {int(seed or 0)}), "
        f"{first:%B %Y} to {last:%B %Y}. Truth = the simulated world; platform = what a professional "
        "network sees of it (members only, reported late or never). Hover a chart for its numbers."
    )


@dataclass(frozen=True)
class Report:
    index: Path
    charts: list[Chart]
    pngs: dict[str, Path]


def _check_city(con, city: str) -> None:
    query = "SELECT DISTINCT city FROM metrics.talent_flows ORDER BY city"
    cities = [r[0] for r in con.execute(query).fetchall()]
    if city not in cities:
        raise ReportError(f"city {city!r} has no talent flows in the warehouse; choose one of {cities}")


def build_report(con: duckdb.DuckDBPyConnection, folder: str | Path, city: str = DEFAULT_CITY) -> Report:
    """Write index.html and one PNG per chart into ``folder``, from the warehouse ``con`` reads."""
    _check_city(con, city)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sections = report_sections(city)
    specs, pngs = {}, {}
    for section in sections:
        for chart in section.charts:
            drawn = chart.render(con)
            specs[chart.id] = _spec(drawn)
            pngs[chart.id] = folder / f"{chart.id}.png"
            pngs[chart.id].write_bytes(png(drawn, scale=2))
    index = folder / "index.html"
    staging = index.with_suffix(".html.partial")  # a reader never sees half a page
    staging.write_text(render_html(sections, specs, _subtitle(con)), encoding="utf-8")
    staging.replace(index)
    return Report(index=index, charts=[c for s in sections for c in s.charts], pngs=pngs)


_BUNDLE = re.compile(r'<script id="vega-bundle">.*?</script>', re.DOTALL)


def audit_report(page: str, charts: list[Chart]) -> list[str]:
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
