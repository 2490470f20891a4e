"""What the Dagster UI shows of a table: a preview of its first rows and, for a metric, its chart.

The chart of each metric is defined here once (``METRIC_CHARTS``) and reused by the
insight report (pipelines.report), so the UI and the report never disagree. Every chart
names the tables it reads in its subtitle. Charts are Altair (Vega-Lite) specifications,
rendered to PNG by vl-convert without a browser or a network connection.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import dagster as dg
import duckdb
import pandas as pd
import vl_convert as vlc

PREVIEW_ROWS = 5
WIDTH, HEIGHT = 640, 280
SOURCE_COLORS = alt.Scale(domain=["truth", "platform"], range=["#1f4e79", "#e07b39"])
LEVELS = ["VO", "MBO", "HBO", "WO"]  # from secondary school to university: the legend's order
YEAR_AXIS = alt.Axis(labelAngle=0)


@dataclass(frozen=True)
class Chart:
    """One chart: what it shows, which tables it reads, and how to draw it from the warehouse."""

    id: str
    title: str
    sources: tuple[str, ...]
    caption: str
    draw: Callable[[duckdb.DuckDBPyConnection], alt.TopLevelMixin]

    @property
    def source_line(self) -> str:
        return "Source: " + ", ".join(self.sources)

    def render(self, con: duckdb.DuckDBPyConnection) -> alt.TopLevelMixin:
        """The chart with its title and, below it, the tables it was computed from."""
        title = alt.Title(self.title, subtitle=self.source_line, anchor="start")
        return self.draw(con).properties(title=title)


def frame(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> pd.DataFrame:
    """The query's result as a pandas frame (what Altair embeds); ``params`` fill ``$name`` placeholders."""
    return con.execute(query, params or {}).df()


def png(chart: alt.TopLevelMixin, scale: float = 1.0) -> bytes:
    return vlc.vegalite_to_png(chart.to_dict(), scale=scale)


def chart_markdown(chart: Chart, con: duckdb.DuckDBPyConnection) -> dg.MetadataValue:
    """The chart as a PNG inlined in markdown (a data URI), which the UI shows in place."""
    encoded = base64.b64encode(png(chart.render(con))).decode("ascii")
    return dg.MetadataValue.md(f"![{chart.title}](data:image/png;base64,{encoded})\n\n*{chart.source_line}*")


# --- Row previews -----------------------------------------------------------------------


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table_preview(con: duckdb.DuckDBPyConnection, table: str, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of ``table`` (in its stored order) as a markdown table."""
    result = con.execute(f"SELECT * FROM {table} LIMIT {int(rows)}")
    names = [d[0] for d in result.description]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in result.fetchall()]
    return dg.MetadataValue.md("\n".join(lines))


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """Columns as built, with their DuckDB types and comments.

    A metric's column types are only known once its SQL has run, so the definition's
    schema has descriptions only; this one, attached to the materialization, adds the types.
    """
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name=n, type=t, description=c or None) for n, t, c in rows])


# --- The chart of each metric ------------------------------------------------------------


def _job_change_rate(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, year(period) AS year, rate FROM metrics.job_change_rate "
        "WHERE grain = 'year' ORDER BY source, year",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("rate:Q", title="job changes per employed person", axis=alt.Axis(format="%")),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=["source", "year", alt.Tooltip("rate:Q", format=".1%")],
        )
    )


def _net_talent_migration(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT city, avg(net_per_10k) AS net_per_10k, sum(net) AS net FROM metrics.talent_flows "
        "WHERE source = 'truth' AND occupation_family = 'all' GROUP BY city",
    )
    return (
        alt.Chart(data, width=WIDTH, height=max(HEIGHT, 16 * len(data)))
        .mark_bar()
        .encode(
            x=alt.X("net_per_10k:Q", title="net arrivals per 10,000 residents a year"),
            y=alt.Y("city:N", sort="-x", title=None),
            color=alt.condition("datum.net_per_10k > 0", alt.value("#2a7f62"), alt.value("#b23a48")),
            tooltip=["city", alt.Tooltip("net_per_10k:Q", format=".0f"), alt.Tooltip("net:Q", format=",")],
        )
    )


def _city_flows_summary(con) -> alt.Chart:
    # The UI's chart of the origin-destination table: the busiest routes between cities.
    data = frame(
        con,
        "SELECT origin_city || ' → ' || destination_city AS route, sum(movers) AS movers "
        "FROM metrics.talent_flows_od WHERE source = 'truth' AND occupation_family = 'all' "
        "GROUP BY ALL ORDER BY movers DESC, route LIMIT 15",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar(color="#1f4e79")
        .encode(
            x=alt.X("movers:Q", title="movers, all years"),
            y=alt.Y("route:N", sort="-x", title=None),
            tooltip=["route", alt.Tooltip("movers:Q", format=",")],
        )
    )


def _top_skills(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT skill, share_of_postings, postings FROM metrics.skill_demand "
        "WHERE year = (SELECT max(year) FROM metrics.skill_demand) ORDER BY postings DESC, skill LIMIT 15",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar(color="#1f4e79")
        .encode(
            x=alt.X(
                "share_of_postings:Q",
                title="share of the year's postings requiring it",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y("skill:N", sort="-x", title=None),
            tooltip=[
                "skill",
                alt.Tooltip("share_of_postings:Q", format=".1%"),
                alt.Tooltip("postings:Q", format=","),
            ],
        )
    )


def _skills_added(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT year, skills_added, yoy_growth, skills_per_member FROM metrics.skills_added ORDER BY year",
    )
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(x=alt.X("year:O", title=None, axis=YEAR_AXIS))
    bars = base.mark_bar(color="#e07b39").encode(
        y=alt.Y("skills_added:Q", title="skills added to profiles"),
        tooltip=[
            "year",
            alt.Tooltip("skills_added:Q", format=","),
            alt.Tooltip("yoy_growth:Q", format="+.0%", title="on the year before"),
            alt.Tooltip("skills_per_member:Q", format=".2f", title="per member"),
        ],
    )
    labels = base.transform_filter("isValid(datum.yoy_growth)").mark_text(dy=-6, fontSize=10).encode(
        y="skills_added:Q", text=alt.Text("yoy_growth:Q", format="+.0%")
    )
    return bars + labels


def _first_job_within_6_months(con) -> alt.Chart:
    # Pooled over graduation years, weighted by graduates; the last year of the window is
    # left out because its graduates were followed for less than six months.
    data = frame(
        con,
        "SELECT source, level, sum(employed_6m_share * graduates) / sum(graduates) AS share, "
        "sum(graduates) AS graduates FROM metrics.time_to_first_job "
        "WHERE field = 'all' AND institution = 'all' AND level <> 'all' AND employed_6m_share IS NOT NULL "
        "GROUP BY ALL",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("level:N", sort=LEVELS, title="education level", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("source:N", sort=["truth", "platform"]),
            y=alt.Y("share:Q", title="with a first job within 6 months", axis=alt.Axis(format="%")),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=[
                "source",
                "level",
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("graduates:Q", format=","),
            ],
        )
    )


def _location_panel(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, year, count(*) AS people, "
        "count(*) FILTER (WHERE origin_city <> destination_city) AS moved "
        "FROM metrics.location_panel GROUP BY ALL ORDER BY ALL",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("people:Q", title="people located on both 1 Januaries"),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=[
                "source", "year", alt.Tooltip("people:Q", format=","), alt.Tooltip("moved:Q", format=",")
            ],
        )
    )


# Charts of the metrics that read the first ones, and of the platform's corrections.

# The default palette's first four, as the report's curves per level, and grey for all levels.
LEVEL_COLORS = alt.Scale(
    domain=[*LEVELS, "all"], range=["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#555555"]
)
LEVEL_ONLY_COLORS = alt.Scale(domain=LEVELS, range=LEVEL_COLORS.range[: len(LEVELS)])
CORRECTED_COLOR = "#2a7f62"  # the platform's figure after a correction (reweighting, nowcast)
TOP_N = 10
MANAGEMENT_HORIZON = 10  # years after graduation: the longer horizon of metrics.education_outcomes
COMPARED_INSTITUTION = "Rijksuniversiteit Groningen"
COMPARED_HORIZON = 5  # the shorter horizon follows more graduates: narrower intervals
GENOME_OCCUPATION = "Software developer"
NOWCAST_MONTHS = 24
# Relative errors that swing around small numbers (a change on the year before, a median of
# a few months) say little across years; platform_vs_truth's chart leaves them out.
ERRATIC_RELATIVE_ERRORS = ("job_change_rate_yoy", "median_months_to_first_job")


def _hires_and_quits(con) -> alt.LayerChart:
    data = frame(
        con,
        "SELECT source, year(period) AS year, 'hires' AS measure, hires_rate / 100 AS rate "
        "FROM metrics.hires WHERE grain = 'year' "
        "UNION ALL "
        "SELECT source, year(period), 'quits', quits_rate / 100 FROM metrics.hires WHERE grain = 'year' "
        "ORDER BY ALL",
    )
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(
        x=alt.X("year:O", title=None, axis=YEAR_AXIS),
        y=alt.Y("rate:Q", title="per employed person in the year", axis=alt.Axis(format="%")),
        color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
        tooltip=["source", "measure", "year", alt.Tooltip("rate:Q", format=".1%")],
    )
    # Lines and points apart, so that the legend of the dashes shows lines, not dots.
    lines = base.mark_line().encode(
        strokeDash=alt.StrokeDash("measure:N", sort=["hires", "quits"], title=None)
    )
    points = base.mark_point(filled=True, opacity=1)
    return alt.layer(lines, points)


def _platform_attribution(con) -> alt.LayerChart:
    data = frame(
        con,
        "SELECT source, year, 'attributed to the platform' AS measure, attributed_share AS share "
        "FROM metrics.platform_attribution "
        "UNION ALL "
        "SELECT source, year, 'invisible to the platform', invisible_share FROM metrics.platform_attribution "
        "WHERE invisible_share IS NOT NULL ORDER BY ALL",
    )
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(
        x=alt.X("year:O", title=None, axis=YEAR_AXIS),
        y=alt.Y("share:Q", title="share of hires", axis=alt.Axis(format="%")),
        color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
        tooltip=["source", "measure", "year", alt.Tooltip("share:Q", format=".1%")],
    )
    lines = base.mark_line().encode(strokeDash=alt.StrokeDash("measure:N", title=None))
    points = base.mark_point(filled=True, opacity=1)
    return alt.layer(lines, points)


def _skills_based_hiring(con) -> alt.LayerChart:
    data = frame(
        con,
        """
        SELECT year, CASE category WHEN 'skills_at_least_1' THEN 'hires holding a skill the posting requires'
                                   WHEN 'pedigree' THEN 'hires from a colleague''s former employer'
                                   ELSE 'recruiter searches filtering on skills' END AS series,
               share, count, total
        FROM metrics.skills_based_hiring
        WHERE (measure = 'hires' AND category IN ('skills_at_least_1', 'pedigree'))
           OR (measure = 'recruiter_searches' AND category = 'skill_filter')
        ORDER BY ALL
        """,
    )
    series = [
        "hires holding a skill the posting requires",
        "hires from a colleague's former employer",
        "recruiter searches filtering on skills",
    ]
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(
        x=alt.X("year:O", title=None, axis=YEAR_AXIS),
        y=alt.Y("share:Q", title="share of the year's hires or searches", axis=alt.Axis(format="%")),
        color=alt.Color(
            "series:N", scale=alt.Scale(domain=series, range=["#2a7f62", "#1f4e79", "#e07b39"]), title=None,
            legend=alt.Legend(orient="top-left", labelLimit=320),
        ),
        tooltip=[
            "series",
            "year",
            alt.Tooltip("share:Q", format=".1%"),
            alt.Tooltip("count:Q", format=","),
            alt.Tooltip("total:Q", format=",", title="of"),
        ],
    )
    return alt.layer(base.mark_line(), base.mark_point(filled=True, opacity=1))


def _network(con) -> alt.HConcatChart:
    degrees = frame(
        con,
        "SELECT year, 'mean' AS measure, mean_degree AS connections FROM metrics.network "
        "WHERE source = 'platform' UNION ALL "
        "SELECT year, 'median', median_degree FROM metrics.network WHERE source = 'platform' "
        "ORDER BY measure, year",
    )
    shares = frame(
        con,
        "SELECT source, year, 'at the new employer' AS company, matched_connected_share AS share "
        "FROM metrics.network UNION ALL "
        "SELECT source, year, 'at the partner''s employer', placebo_connected_share FROM metrics.network "
        "ORDER BY source, company, year",
    )
    half = (WIDTH - 40) // 2
    year = alt.X("year:Q", title=None, axis=alt.Axis(format="d", tickMinStep=1))
    by_degree = (
        alt.Chart(degrees, width=half, height=HEIGHT, title="Connections per member at the end of the year")
        .mark_line(point=True)
        .encode(
            x=year,
            y=alt.Y("connections:Q", title="connections per member"),
            strokeDash=alt.StrokeDash(
                "measure:N", title=None, legend=alt.Legend(orient="bottom", symbolType="stroke")
            ),
            tooltip=["measure", "year", alt.Tooltip("connections:Q", format=".1f")],
        )
    )
    share_title = alt.Title(
        "Hires who knew someone there before starting",
        subtitle="solid: at the new employer; dashed: at the employer of a matched other hire",
    )
    by_share = (
        alt.Chart(shares, width=half, height=HEIGHT, title=share_title)
        .mark_line(point=True)
        .encode(
            x=year,
            y=alt.Y("share:Q", title="share of hires", axis=alt.Axis(format="%")),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None, legend=alt.Legend(orient="bottom")),
            # A dash legend under a colour scale draws no line, so the subtitle explains the dashes.
            strokeDash=alt.StrokeDash(
                "company:N",
                scale=alt.Scale(
                    domain=["at the new employer", "at the partner's employer"], range=[[1, 0], [4, 4]]
                ),
                legend=None,
            ),
            tooltip=["source", "company", "year", alt.Tooltip("share:Q", format=".1%")],
        )
    )
    return alt.hconcat(by_degree, by_share).resolve_scale(strokeDash="independent")


def _tightness(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, year(period) AS year, tightness, active_openings, active_applicants "
        "FROM metrics.vacancies WHERE grain = 'year' AND occupation_family = 'all' AND city = 'all' "
        "ORDER BY source, year",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("tightness:Q", title="open postings per person applying in a month"),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=[
                "source",
                "year",
                alt.Tooltip("tightness:Q", format=".2f"),
                alt.Tooltip("active_openings:Q", format=",.0f", title="open postings (monthly average)"),
                alt.Tooltip("active_applicants:Q", format=",.0f", title="applicants (monthly average)"),
            ],
        )
    )


def _company_attrition(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, year, sum(leavers) / sum(average_headcount) AS attrition, sum(leavers) AS leavers, "
        "sum(average_headcount) AS average_headcount FROM metrics.company_insights "
        "GROUP BY source, year HAVING sum(average_headcount) > 0 ORDER BY source, year",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("attrition:Q", title="leavers per average headcount", axis=alt.Axis(format="%")),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            tooltip=[
                "source",
                "year",
                alt.Tooltip("attrition:Q", format=".1%"),
                alt.Tooltip("leavers:Q", format=","),
                alt.Tooltip("average_headcount:Q", format=",.0f"),
            ],
        )
    )


def _applicant_education(con) -> alt.Chart:
    data = frame(
        con,
        "WITH weighted AS ("
        "  SELECT p.occupation_family, sum(i.applicants) AS applicants,"
        "         sum(i.vo_share * i.applicants) AS VO, sum(i.mbo_share * i.applicants) AS MBO,"
        "         sum(i.hbo_share * i.applicants) AS HBO, sum(i.wo_share * i.applicants) AS WO"
        "  FROM metrics.posting_insights i JOIN raw.postings p USING (posting_id)"
        "  WHERE i.applicants > 0 GROUP BY p.occupation_family) "
        "SELECT occupation_family, level, applicants, count / applicants AS share FROM weighted "
        "UNPIVOT (count FOR level IN (VO, MBO, HBO, WO)) ORDER BY ALL",
    )
    # Families with the most higher-educated applicants (HBO + WO) on top.
    higher = data[data.level.isin(["HBO", "WO"])].groupby("occupation_family")["share"].sum()
    order = list(higher.sort_values(ascending=False).index)
    return (
        alt.Chart(data, width=WIDTH, height=max(HEIGHT, 24 * len(order)))
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="share of the applicants", axis=alt.Axis(format="%"), stack="normalize"),
            y=alt.Y("occupation_family:N", sort=order, title=None),
            color=alt.Color("level:N", scale=LEVEL_ONLY_COLORS, sort=LEVELS, title="education"),
            order=alt.Order("level_order:Q"),
            tooltip=["occupation_family", "level", alt.Tooltip("share:Q", format=".1%"),
                     alt.Tooltip("applicants:Q", format=",", title="applicants, all levels")],
        )
        .transform_calculate(level_order=f"indexof({LEVELS!r}, datum.level)")
    )


def _monthly_stocks(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT source, month, 'employed' AS measure, employed AS people FROM metrics.monthly_stocks "
        "UNION ALL SELECT source, month, 'population', population FROM metrics.monthly_stocks ORDER BY ALL",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line()
        .encode(
            x=alt.X("month:T", title=None),
            y=alt.Y("people:Q", title="people on the first of the month"),
            color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
            strokeDash=alt.StrokeDash("measure:N", title=None),
            tooltip=["source", "measure", alt.Tooltip("month:T", format="%Y-%m"), alt.Tooltip("people:Q", format=",")],
        )
    )


def _management_share_by_level(con) -> alt.LayerChart:
    data = frame(
        con,
        "SELECT source, level, graduates, managers, management_share, ci_low, ci_high "
        "FROM metrics.education_outcomes WHERE horizon_years = $horizon AND field = 'all' "
        "AND institution = 'all' AND level <> 'all' ORDER BY ALL",
        {"horizon": MANAGEMENT_HORIZON},
    )
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(
        x=alt.X("level:N", sort=LEVELS, title="education level", axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("source:N", sort=["truth", "platform"]),
    )
    bars = base.mark_bar().encode(
        y=alt.Y(
            "management_share:Q",
            title=f"in management within {MANAGEMENT_HORIZON} years",
            axis=alt.Axis(format="%"),
        ),
        color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
        tooltip=[
            "source",
            "level",
            alt.Tooltip("management_share:Q", format=".1%"),
            alt.Tooltip("ci_low:Q", format=".1%", title="95% interval from"),
            alt.Tooltip("ci_high:Q", format=".1%", title="95% interval to"),
            alt.Tooltip("graduates:Q", format=","),
        ],
    )
    intervals = base.mark_rule(color="#333", strokeWidth=1.5).encode(y="ci_low:Q", y2="ci_high:Q")
    return bars + intervals


def _institution_against_others(con) -> alt.LayerChart:
    # Each pair is stored once, alphabetically: turn it round where the institution is second.
    data = frame(
        con,
        """
        SELECT source,
               CASE WHEN institution_a = $inst THEN institution_b ELSE institution_a END AS other,
               CASE WHEN institution_a = $inst THEN difference ELSE -difference END AS difference,
               CASE WHEN institution_a = $inst THEN ci_low ELSE -ci_high END AS ci_low,
               CASE WHEN institution_a = $inst THEN ci_high ELSE -ci_low END AS ci_high,
               CASE WHEN institution_a = $inst THEN share_a ELSE share_b END AS share,
               CASE WHEN institution_a = $inst THEN share_b ELSE share_a END AS other_share,
               CASE WHEN institution_a = $inst THEN graduates_b ELSE graduates_a END AS other_graduates,
               significant
        FROM metrics.institution_comparison
        WHERE horizon_years = $horizon AND $inst IN (institution_a, institution_b)
        ORDER BY ALL
        """,
        {"inst": COMPARED_INSTITUTION, "horizon": COMPARED_HORIZON},
    )
    truth = data[data.source == "truth"].sort_values(["difference", "other"], ascending=[False, True])
    order = list(dict.fromkeys([*truth.other, *sorted(data.other)]))
    base = alt.Chart(data, width=WIDTH, height=max(HEIGHT, 26 * len(order))).encode(
        y=alt.Y("other:N", sort=order, title=None),
        yOffset=alt.YOffset("source:N", sort=["truth", "platform"]),
        color=alt.Color("source:N", scale=SOURCE_COLORS, title=None),
    )
    zero = alt.Chart(pd.DataFrame({"x": [0.0]})).mark_rule(color="#999", strokeDash=[4, 4]).encode(x="x:Q")
    intervals = base.mark_rule(strokeWidth=1.5).encode(x="ci_low:Q", x2="ci_high:Q")
    points = base.mark_point(filled=True, size=50, opacity=1).encode(
        x=alt.X(
            "difference:Q",
            title=f"{COMPARED_INSTITUTION} minus the other, share in management within "
            f"{COMPARED_HORIZON} years (percentage points)",
            axis=alt.Axis(format="+%"),
        ),
        tooltip=[
            "source",
            "other",
            alt.Tooltip("share:Q", format=".1%", title=COMPARED_INSTITUTION),
            alt.Tooltip("other_share:Q", format=".1%", title="the other"),
            alt.Tooltip("difference:Q", format="+.1%"),
            alt.Tooltip("ci_low:Q", format="+.1%", title="95% interval from"),
            alt.Tooltip("ci_high:Q", format="+.1%", title="95% interval to"),
            alt.Tooltip("other_graduates:Q", format=",", title="graduates of the other"),
            "significant",
        ],
    )
    return alt.layer(zero, intervals, points)


def _it_talent_cities(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT city, sum(ict_net) AS ict_net, sum(ict_arrivals) AS arrivals, "
        "sum(ict_departures) AS departures, min(year) AS first_year, max(year) AS last_year "
        "FROM metrics.it_talent_regions WHERE source = 'truth' GROUP BY city "
        "ORDER BY ict_net DESC, city LIMIT $top",
        {"top": TOP_N},
    )
    span = f", {data.first_year.min()}–{data.last_year.max()}" if len(data) else ""
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("ict_net:Q", title=f"ICT workers gained (arrivals minus departures){span}"),
            y=alt.Y("city:N", sort="-x", title=None),
            color=alt.condition("datum.ict_net > 0", alt.value("#2a7f62"), alt.value("#b23a48")),
            tooltip=[
                "city",
                alt.Tooltip("ict_net:Q", format="+,"),
                alt.Tooltip("arrivals:Q", format=","),
                alt.Tooltip("departures:Q", format=","),
            ],
        )
    )


def _skills_genome(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT skill, skill_group, tfidf, tf, idf, postings, rank FROM metrics.skills_genome "
        "WHERE occupation = $occupation ORDER BY rank, skill LIMIT $top",
        {"occupation": GENOME_OCCUPATION, "top": TOP_N},
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X(
                "tfidf:Q", title="TF-IDF: share of the postings requiring it × rarity across occupations"
            ),
            y=alt.Y("skill:N", sort=None, title=None),
            color=alt.Color("skill_group:N", title="skill group"),
            tooltip=[
                "skill",
                "skill_group",
                alt.Tooltip("tfidf:Q", format=".2f"),
                alt.Tooltip("tf:Q", format=".1%", title="share of the postings"),
                alt.Tooltip("idf:Q", format=".2f"),
                alt.Tooltip("postings:Q", format=","),
            ],
        )
    )


def _skill_penetration(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT skill_group, 'members listing one' AS measure, member_penetration AS share, "
        "members_with_group AS count, members AS base, posting_penetration AS posting_share "
        "FROM metrics.skill_penetration WHERE occupation = $occupation "
        "UNION ALL "
        "SELECT skill_group, 'postings requiring one', posting_penetration, postings_with_group, postings, "
        "posting_penetration FROM metrics.skill_penetration WHERE occupation = $occupation "
        "ORDER BY ALL",
        {"occupation": GENOME_OCCUPATION},
    )
    # Groups employers ask for most first; among those they never ask for, the most listed first.
    members = data[data.measure == "members listing one"]
    ranked = members.sort_values(["posting_share", "share", "skill_group"], ascending=[False, False, True])
    order = list(ranked.skill_group)
    measures = ["members listing one", "postings requiring one"]
    return (
        alt.Chart(data, width=WIDTH, height=max(HEIGHT, 30 * len(order)))
        .mark_bar()
        .encode(
            x=alt.X("share:Q", title="share with at least one skill of the group", axis=alt.Axis(format="%")),
            y=alt.Y("skill_group:N", sort=order, title=None),
            yOffset=alt.YOffset("measure:N", sort=measures),
            color=alt.Color(
                "measure:N", scale=alt.Scale(domain=measures, range=["#6a51a3", "#e07b39"]), title=None
            ),
            tooltip=[
                "skill_group",
                "measure",
                alt.Tooltip("share:Q", format=".1%"),
                alt.Tooltip("count:Q", format=","),
                alt.Tooltip("base:Q", format=",", title="of"),
            ],
        )
    )


def _coverage_by_education(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT year, segment AS level, coverage, eventual_coverage, members, workforce, representativeness "
        "FROM metrics.coverage WHERE dimension IN ('all', 'education_level') ORDER BY ALL",
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("coverage:Q", title="share of the employed who are members", axis=alt.Axis(format="%")),
            color=alt.Color("level:N", scale=LEVEL_COLORS, title="education"),
            tooltip=[
                "level",
                "year",
                alt.Tooltip("coverage:Q", format=".1%"),
                alt.Tooltip("eventual_coverage:Q", format=".1%", title="members by the end"),
                alt.Tooltip("representativeness:Q", format=".2f"),
                alt.Tooltip("members:Q", format=","),
                alt.Tooltip("workforce:Q", format=","),
            ],
        )
    )


def _platform_error_by_year(con) -> alt.LayerChart:
    data = frame(
        con,
        "SELECT metric, year, platform, truth, relative_error FROM metrics.platform_vs_truth "
        "WHERE segment = 'all' AND relative_error IS NOT NULL "
        "AND NOT list_contains($erratic, metric) ORDER BY ALL",
        {"erratic": list(ERRATIC_RELATIVE_ERRORS)},
    )
    zero = alt.Chart(pd.DataFrame({"y": [0.0]})).mark_rule(color="#999", strokeDash=[4, 4]).encode(y="y:Q")
    lines = (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y(
                "relative_error:Q", title="platform error, relative to the truth", axis=alt.Axis(format="+%")
            ),
            color=alt.Color("metric:N", title=None),
            tooltip=[
                "metric",
                "year",
                alt.Tooltip("platform:Q", format=".4g"),
                alt.Tooltip("truth:Q", format=".4g"),
                alt.Tooltip("relative_error:Q", format="+.1%"),
            ],
        )
    )
    return alt.layer(zero, lines)


def _employed_by_education(con) -> alt.Chart:
    data = frame(
        con,
        "SELECT year, segment AS level, people FROM metrics.population_margins "
        "WHERE population = 'employed' AND dimension = 'education_level' ORDER BY ALL",
    )
    data["stack"] = data.level.map({level: i for i, level in enumerate(LEVELS)})
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("people:Q", title="people employed on 1 January"),
            color=alt.Color("level:N", scale=LEVEL_ONLY_COLORS, title="education"),
            order=alt.Order("stack:Q"),
            tooltip=["level", "year", alt.Tooltip("people:Q", format=",")],
        )
    )


def _raking_weight_by_education(con) -> alt.Chart:
    data = frame(
        con,
        """
        SELECT year, education_level AS level, sum(members * weight) / sum(members) AS weight,
               min(weight) FILTER (WHERE members > 0) AS lowest, max(weight) AS highest,
               sum(members) AS members, sum(members * weight) AS people
        FROM metrics.raking_weights GROUP BY ALL
        UNION ALL
        SELECT year, 'all', sum(members * weight) / sum(members), min(weight) FILTER (WHERE members > 0),
               max(weight), sum(members), sum(members * weight)
        FROM metrics.raking_weights GROUP BY ALL
        ORDER BY ALL
        """,
    )
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title=None, axis=YEAR_AXIS),
            y=alt.Y("weight:Q", title="people each member stands for (mean weight)"),
            color=alt.Color("level:N", scale=LEVEL_COLORS, title="education"),
            tooltip=[
                "level",
                "year",
                alt.Tooltip("weight:Q", format=".2f", title="mean weight"),
                alt.Tooltip("lowest:Q", format=".2f", title="lowest cell weight"),
                alt.Tooltip("highest:Q", format=".2f", title="highest cell weight"),
                alt.Tooltip("members:Q", format=","),
                alt.Tooltip("people:Q", format=",.0f", title="people represented"),
            ],
        )
    )


def _error_before_and_after_correction(con) -> alt.Chart:
    data = frame(
        con,
        """
        WITH figures AS (
            SELECT CASE WHEN metric = 'education_level_share'
                        THEN metric || ' by ' || split_part(dimension, '|', 1) ELSE metric END AS figure,
                   abs(relative_error) AS platform, abs(corrected_relative_error) AS corrected
            FROM metrics.corrected_estimates
        )
        SELECT figure, 'platform' AS estimate, median(platform) AS error, count(platform) AS figures
        FROM figures GROUP BY ALL
        UNION ALL
        SELECT figure, 'corrected', median(corrected), count(corrected) FROM figures GROUP BY ALL
        ORDER BY ALL
        """,
    )
    platform = data[data.estimate == "platform"].sort_values(["error", "figure"], ascending=[False, True])
    estimates = ["platform", "corrected"]
    return (
        alt.Chart(data, width=WIDTH, height=max(HEIGHT, 44 * len(platform)))
        .mark_bar()
        .encode(
            x=alt.X("error:Q", title="median |error| relative to the truth", axis=alt.Axis(format="%")),
            y=alt.Y("figure:N", sort=list(platform.figure), title=None, axis=alt.Axis(labelLimit=320)),
            yOffset=alt.YOffset("estimate:N", sort=estimates),
            color=alt.Color(
                "estimate:N",
                scale=alt.Scale(domain=estimates, range=["#e07b39", CORRECTED_COLOR]),
                title=None,
            ),
            tooltip=[
                "figure",
                "estimate",
                alt.Tooltip("error:Q", format=".1%"),
                alt.Tooltip("figures:Q", format=",", title="segments x years"),
            ],
        )
    )


def _reporting_completion(con) -> alt.LayerChart:
    data = frame(
        con,
        "SELECT lag_months, share, completion, job_changes, reference_first_month, reference_last_month "
        "FROM metrics.reporting_lag ORDER BY lag_months",
    )
    measures = ["reported with this lag", "reported within it (completion)"]
    color = alt.Color("measure:N", scale=alt.Scale(domain=measures, range=["#bbbbbb", "#e07b39"]), title=None)
    span = ""
    if len(data):
        first, last = data.reference_first_month.iloc[0], data.reference_last_month.iloc[0]
        span = f" (job changes started {first:%b %Y}–{last:%b %Y})"
    longest = int(data.lag_months.max()) if len(data) else 36
    base = alt.Chart(data, width=WIDTH, height=HEIGHT).encode(
        x=alt.X(
            "lag_months:Q",
            title=f"months from the start of the new job to the profile{span}",
            scale=alt.Scale(domain=[-0.5, longest + 0.5], nice=False),
            axis=alt.Axis(values=list(range(0, longest + 1, 6))),
        )
    )
    tooltip = [
        "lag_months",
        alt.Tooltip("share:Q", format=".1%", title="reported with this lag"),
        alt.Tooltip("completion:Q", format=".1%"),
        alt.Tooltip("job_changes:Q", format=","),
    ]
    bars = base.transform_calculate(measure=f"'{measures[0]}'").mark_bar(width=8).encode(
        y=alt.Y("share:Q", title="share of the reference job changes", axis=alt.Axis(format="%")),
        color=color,
        tooltip=tooltip,
    )
    curve = base.transform_calculate(measure=f"'{measures[1]}'").mark_line(
        point=True, interpolate="step-after"
    ).encode(y="completion:Q", color=color, tooltip=tooltip)
    return alt.layer(bars, curve)


def _nowcast(con) -> alt.Chart:
    data = frame(
        con,
        """
        SELECT month, months_before_cutoff, completion, estimated_undercount, series, rate
        FROM metrics.nowcast
        UNPIVOT (rate FOR series IN (truth_rate, reported_rate, nowcast_rate))
        WHERE months_before_cutoff < $months
        ORDER BY ALL
        """,
        {"months": NOWCAST_MONTHS},
    )
    names = {
        "truth_rate": "truth",
        "reported_rate": "platform, reported",
        "nowcast_rate": "platform, nowcast",
    }
    data["series"] = data.series.map(names)
    series = list(names.values())
    return (
        alt.Chart(data, width=WIDTH, height=HEIGHT)
        .mark_line(point=True)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
            y=alt.Y("rate:Q", title="job changes per employed person a month", axis=alt.Axis(format=".1%")),
            color=alt.Color(
                "series:N",
                scale=alt.Scale(domain=series, range=["#1f4e79", "#e07b39", CORRECTED_COLOR]),
                title=None,
                legend=alt.Legend(symbolType="stroke", symbolStrokeWidth=2),
            ),
            strokeDash=alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=series, range=[[1, 0], [1, 0], [5, 3]]), title=None
            ),
            tooltip=[
                "series",
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("rate:Q", format=".2%"),
                alt.Tooltip("completion:Q", format=".0%", title="completion (lagged changes)"),
                alt.Tooltip("estimated_undercount:Q", format=".0%", title="estimated undercount"),
            ],
        )
    )


METRIC_CHARTS: dict[str, Chart] = {
    "job_change_rate": Chart(
        "job_change_rate",
        "Job-change rate per year, platform against truth",
        ("metrics.job_change_rate",),
        "Employer changes (gap under a quarter) per employed person. The platform sees fewer "
        "changes, and the latest ones not yet, because members report late or never.",
        _job_change_rate,
    ),
    "talent_flows": Chart(
        "net_talent_migration",
        "Net talent migration per city (truth)",
        ("metrics.talent_flows",),
        "Arrivals minus departures per 10,000 people located in the city, averaged over the years.",
        _net_talent_migration,
    ),
    "talent_flows_od": Chart(
        "busiest_routes",
        "Busiest routes between cities (truth)",
        ("metrics.talent_flows_od",),
        "People who moved from one city to another, summed over the years.",
        _city_flows_summary,
    ),
    "skill_demand": Chart(
        "top_skills",
        "Skills most in demand in the latest year",
        ("metrics.skill_demand",),
        "Share of the year's job postings that require each skill "
        "(platform only: every posting is on the platform).",
        _top_skills,
    ),
    "skills_added": Chart(
        "skills_added",
        "Skills added to profiles per year",
        ("metrics.skills_added",),
        "Skills members added to their profiles, labelled with the growth on the year before "
        "(platform only).",
        _skills_added,
    ),
    "time_to_first_job": Chart(
        "first_job_within_6_months",
        "Graduates with a first job within 6 months, platform against truth",
        ("metrics.time_to_first_job",),
        "Kaplan-Meier share per education level, all graduation years weighted by graduates.",
        _first_job_within_6_months,
    ),
    "location_panel": Chart(
        "location_panel",
        "People in the location panel per year",
        ("metrics.location_panel",),
        "Everybody located on 1 January and a year later: the population the talent flows count.",
        _location_panel,
    ),
    "platform_attribution": Chart(
        "platform_attribution",
        "Hires the platform can claim, and hires it cannot see",
        ("metrics.platform_attribution",),
        "Share of hires preceded within three months by a view or application of a posting at the "
        "new employer (the closed ecosystem), and, in truth, the share of hires with no trace on any profile.",
        _platform_attribution,
    ),
    "skills_based_hiring": Chart(
        "skills_based_hiring",
        "Skills or pedigree: what platform hires had, and how recruiters search",
        ("metrics.skills_based_hiring",),
        "Share of hires through postings whose profile held a skill the posting requires before the hire, "
        "share who came from an employer a colleague at the hiring company had also come from (pedigree), "
        "and share of recruiter searches filtering on skills (platform only).",
        _skills_based_hiring,
    ),
    "network": Chart(
        "network",
        "The professional network: connections per member, and hires who knew someone at the employer",
        ("metrics.network",),
        "Mean and median first-degree connections of the members who had joined by the end of each year; "
        "and the share of matched hires with a connection already working at the new employer, beside the "
        "same share at the employer of their partner (another hire of the same month, city and occupation "
        "family): equal in truth, where careers ignore the network.",
        _network,
    ),
    "vacancies": Chart(
        "tightness",
        "Labour-market tightness per year, platform against truth",
        ("metrics.vacancies",),
        "Postings open on the first of the month per person applying in the month, averaged over the year. "
        "Both sources count the same postings; the truth also counts the applications made elsewhere, "
        "which the platform never sees, so the platform reads the market as tighter than it is.",
        _tightness,
    ),
    "company_insights": Chart(
        "company_attrition",
        "Attrition per year over all companies, platform against truth",
        ("metrics.company_insights",),
        "Leavers in the year per average headcount (start and end of the year), all companies together; "
        "each company's own attrition, growth, tenure and talent sources are in the table.",
        _company_attrition,
    ),
    "posting_insights": Chart(
        "applicant_education",
        "Who applies: education of the applicants per occupation family",
        ("metrics.posting_insights", "raw.postings"),
        "Highest education on the applicants' profiles, over all postings of the family and all years "
        "(platform only: applications are made on it).",
        _applicant_education,
    ),
    "monthly_stocks": Chart(
        "monthly_stocks",
        "Employed and population per month, platform against truth",
        ("metrics.monthly_stocks",),
        "The denominators of the rates: people holding a position, and members (platform) or people "
        "in the labour market (truth), on the first of every month.",
        _monthly_stocks,
    ),
    "hires": Chart(
        "hires_and_quits",
        "Hires and quits per year, platform against truth",
        ("metrics.hires",),
        "Hires (employer spells starting) and quits (a separation followed by a hire elsewhere "
        "within a month) per employed person, JOLTS-style; the platform's recent years fall away "
        "because members report late or never.",
        _hires_and_quits,
    ),
    "education_outcomes": Chart(
        "management_share_by_level",
        f"Graduates in management within {MANAGEMENT_HORIZON} years, platform against truth",
        ("metrics.education_outcomes",),
        f"Share of graduates followed for {MANAGEMENT_HORIZON} years who held a management position, "
        "per education level (all fields and institutions), with its 95% Wilson interval.",
        _management_share_by_level,
    ),
    "institution_comparison": Chart(
        "institution_against_others",
        f"{COMPARED_INSTITUTION} against the other institutions of its level",
        ("metrics.institution_comparison",),
        f"Difference in the share of graduates in management within {COMPARED_HORIZON} years, with "
        "its 95% interval; with this many pairs about 1 in 20 excludes 0 by chance, and the default "
        "scenario plants no effect of the institution.",
        _institution_against_others,
    ),
    "it_talent_regions": Chart(
        "it_talent_cities",
        f"Cities gaining the most ICT workers (truth, top {TOP_N})",
        ("metrics.it_talent_regions",),
        "ICT workers arriving minus leaving, summed over the years.",
        _it_talent_cities,
    ),
    "skills_genome": Chart(
        "skills_genome",
        f"Most distinctive skills of a {GENOME_OCCUPATION.lower()} (top {TOP_N})",
        ("metrics.skills_genome",),
        "Skills ranked by TF-IDF over the occupation's job postings: common in its postings and "
        "rare in other occupations' (platform only: every posting is on the platform).",
        _skills_genome,
    ),
    "skill_penetration": Chart(
        "skill_penetration",
        f"Skill groups of a {GENOME_OCCUPATION.lower()}: on profiles against in postings",
        ("metrics.skill_penetration",),
        "Share of the occupation's members listing at least one skill of the group, beside the share "
        "of its postings requiring one (platform only).",
        _skill_penetration,
    ),
    "coverage": Chart(
        "coverage_by_education",
        "Platform coverage of the workforce by education level",
        ("metrics.coverage",),
        "Share of the people employed on 1 January who had joined the platform by then: the gap "
        "between the levels is the over-representation every platform metric inherits.",
        _coverage_by_education,
    ),
    "platform_vs_truth": Chart(
        "platform_error_by_year",
        "The platform's error on the headline metrics per year",
        ("metrics.platform_vs_truth",),
        "Platform minus truth, relative to the truth, for every figure over the whole population "
        "(year-over-year changes and median months, whose relative errors swing around small "
        "numbers, are left out).",
        _platform_error_by_year,
    ),
    "population_margins": Chart(
        "employed_by_education",
        "Employed population by education level (the statistician's margin)",
        ("metrics.population_margins",),
        "People employed on 1 January per education level, from the truth: one of the margins the "
        "raking weights are fitted to (those by occupation family and city are in the table too).",
        _employed_by_education,
    ),
    "raking_weights": Chart(
        "raking_weight_by_education",
        "Raking weight per member by education level",
        ("metrics.raking_weights",),
        "How many employed people a member employed on 1 January stands for, averaged over the "
        "members of each level: under-represented levels are weighted up.",
        _raking_weight_by_education,
    ),
    "corrected_estimates": Chart(
        "error_before_and_after_correction",
        "Platform error before and after reweighting to the margins",
        ("metrics.corrected_estimates",),
        "Median absolute error relative to the truth over segments and years, for the platform's "
        "figure as it is and reweighted with the raking weights (post-stratified for employed_6m_share).",
        _error_before_and_after_correction,
    ),
    "reporting_lag": Chart(
        "reporting_completion",
        "How fast job changes reach profiles",
        ("metrics.reporting_lag",),
        "Share of a month's eventually reported job changes on profiles per month of lag, and the "
        "cumulative completion curve the nowcast divides recent months by (platform only).",
        _reporting_completion,
    ),
    "nowcast": Chart(
        "nowcast",
        f"Monthly job-change rate, the last {NOWCAST_MONTHS} months: reported, nowcast and truth",
        ("metrics.nowcast",),
        "The platform's rate as reported by the cut-off and corrected for reporting lag, beside the "
        "true rate; the nowcast restores late reports only, not changes never reported.",
        _nowcast,
    ),
}


def metric_metadata(
    con: duckdb.DuckDBPyConnection, metric_name: str, table: str, warn: Callable[[str], None] = print
) -> dict[str, dg.MetadataValue]:
    """Typed column schema, preview and (if the metric has one) chart of a freshly built metric table.

    A chart that fails to draw costs the UI its picture, not the metric its run: the
    table is built and checked all the same, and ``warn`` says what went wrong.
    """
    metadata = {"dagster/column_schema": table_schema(con, table), "preview": table_preview(con, table)}
    chart = METRIC_CHARTS.get(metric_name)
    if chart is not None:
        try:
            metadata["chart"] = chart_markdown(chart, con)
        except Exception as err:  # noqa: BLE001 - any drawing error; the metric itself is fine
            warn(f"the chart of {table} could not be drawn: {err}")
    return metadata
