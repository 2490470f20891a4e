"""The insight report, the charts and the UI metadata, built from small warehouses (no Dagster run):
one of the default scenario, and one of another scenario whose places have other names."""

from __future__ import annotations

import html
import json
import re

import duckdb
import pytest

from pipelines.charts import (
    COLOURS,
    INLINE_MARKDOWN,
    LAST_YEAR,
    Chart,
    ChartError,
    fill,
    model_charts,
    sparkline_markdown,
    time_axes,
)
from pipelines.dbt import metrics, models
from pipelines.definitions import defs
from pipelines.report import (
    ReportError,
    audit_report,
    build_report,
    report_charts,
    report_sections,
    report_sources,
)
from pipelines.ui_metadata import metric_metadata, table_preview
from synthetic.scenario import parse_scenario_text, resolve_scenario_path
from tests.conftest import build_warehouse

SMALL = 8_000  # two generation blocks: every metric has rows, the warehouse builds in seconds
OTHER = 5_000
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# The other scenario renames the values the charts once hard-coded: a chart that still named
# one would find no rows in it.
RENAMED = {
    "Amsterdam": "Mokum",
    "Rijksuniversiteit Groningen": "Universiteit van het Noorden",
    "Software developer": "Programmer",
}


@pytest.fixture(scope="module")
def small_con(scenario, tmp_path_factory):
    path = build_warehouse(scenario.with_overrides(people=SMALL), tmp_path_factory.mktemp("small"))
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def other_con(tmp_path_factory):
    """uniform_coverage, not the default scenario, with the names of RENAMED changed."""
    text = resolve_scenario_path("uniform_coverage").read_text(encoding="utf-8")
    for old, new in RENAMED.items():
        assert old in text and new not in text
        text = text.replace(old, new)
    other = parse_scenario_text(text, "uniform_coverage, renamed").with_overrides(people=OTHER)
    path = build_warehouse(other, tmp_path_factory.mktemp("other"))
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(small_con, tmp_path_factory):
    return build_report(small_con, tmp_path_factory.mktemp("report"))


def _own_markup(page: str) -> str:
    """The page without the inlined Vega library (which names XML namespaces it never loads)."""
    return re.sub(r'<script id="vega-bundle">.*?</script>', "", page, flags=re.DOTALL)


def _qualified_names() -> dict[str, str]:
    return {model.name: model.qualified_name for model in models()}


def test_every_chart_is_on_the_page_and_names_its_source(report):
    page = report.index.read_text(encoding="utf-8")
    assert audit_report(page, report.charts) == []
    assert [c.id for c in report.charts] == [c.id for c in report_charts()]
    assert len(report.charts) >= 10
    for chart in report.charts:
        figure = re.search(rf'<figure id="fig-{chart.id}".*?</figure>', page, re.DOTALL).group(0)
        assert chart.sources and all(f"<code>{table}</code>" in figure for table in chart.sources)
        assert report.pngs[chart.id].read_bytes().startswith(PNG_MAGIC)


def test_the_report_answers_each_headline_question():
    questions = " ".join(s.question for s in report_sections("Amsterdam")).lower()
    topics = ("change jobs", "year over year", "amsterdam", "skills", "grow fastest", "first job", "platform")
    for topic in topics:
        assert topic in questions
    ids = {c.id for c in report_charts()}
    assert {"job_change_rate", "job_change_yoy", "city_flows", "top_skills", "fastest_growing_skills",
            "first_job_curves", "platform_vs_truth_flows"} <= ids


def test_the_report_reads_models_only():
    """Beside the calendar (its subtitle's months), every table the report reads is a model's
    (the scenario's identity too: staging.stg_parameters): no chart computes a metric from the
    raw or truth tables itself."""
    built = set(_qualified_names().values())
    assert set(report_sources()) - built == {"raw.calendar"}
    assert "staging.stg_parameters" in report_sources()


def test_the_report_chooses_its_city_from_the_data(report, small_con):
    page = report.index.read_text(encoding="utf-8")
    largest = small_con.execute(
        "SELECT city FROM raw.members GROUP BY city ORDER BY count(*) DESC, city LIMIT 1"
    ).fetchone()[0]
    assert report.city == largest  # the city with the most members
    flows = next(c for c in report.charts if c.id == "city_flows")
    assert report.city in flows.title and report.city in flows.caption
    assert html.escape(f"Where does {report.city}'s talent come from") in page


def test_the_page_fetches_nothing_from_the_network(report):
    page = report.index.read_text(encoding="utf-8")
    own = _own_markup(page)
    assert own != page, "the Vega library should be inlined"
    assert re.findall(r"https?://", own) == []
    assert not re.search(r"<(script|img|link|iframe)\b[^>]*\b(src|href)=", own)
    assert '"url"' not in own  # every chart's data is inside its specification


def test_the_audit_catches_a_broken_page(report):
    page = report.index.read_text(encoding="utf-8")
    first = report.charts[0]
    without_chart = re.sub(rf'<figure id="fig-{first.id}".*?</figure>', "", page, flags=re.DOTALL)
    assert f"chart {first.id} is missing" in audit_report(without_chart, report.charts)
    fetching = page.replace("</head>", '<script src="https://cdn.example.org/vega.js"></script></head>')
    problems = audit_report(fetching, report.charts)
    assert any("cdn.example.org" in p for p in problems) and "the page loads an external file" in problems
    unsourced = page.replace(f"<code>{first.sources[0]}</code>", "<code>somewhere</code>", 1)
    assert any("does not name its source" in p for p in audit_report(unsourced, report.charts))


def test_an_unknown_city_is_refused_with_the_known_ones(small_con, tmp_path):
    with pytest.raises(ReportError, match=r"'Atlantis'.*Amsterdam"):
        build_report(small_con, tmp_path, city="Atlantis")


def test_first_job_curves_match_the_metric(small_con, report):
    """intermediate.int_first_job_survival is the estimator of metrics.time_to_first_job: each
    graduation year's curve at 5 months is the metric's employed_6m_share; and the report's
    curves are the model's pooled ones."""
    compared = small_con.execute(
        """
        SELECT m.source, m.graduation_year, m.level, m.employed_6m_share, coalesce(c.share_employed, 0)
        FROM metrics.time_to_first_job m
        LEFT JOIN (
            -- A curve is 0 before its first month: no row at 5 months or earlier reads 0.
            SELECT source, cohort, level, arg_max(share_employed, months) AS share_employed
            FROM intermediate.int_first_job_survival
            WHERE months <= 5 AND field = 'all' AND institution = 'all'
            GROUP BY ALL
        ) c ON c.source = m.source AND c.cohort = CAST(m.graduation_year AS VARCHAR) AND c.level = m.level
        WHERE m.field = 'all' AND m.institution = 'all' AND m.employed_6m_share IS NOT NULL
        """
    ).fetchall()
    assert len(compared) >= 8 * 5
    for source, year, level, metric, curve in compared:
        assert curve == pytest.approx(metric, abs=1e-9), (source, year, level)
    curves = next(c for c in report.charts if c.id == "first_job_curves").data
    pooled = small_con.execute(
        "SELECT source, level, months, share_employed FROM intermediate.int_first_job_survival "
        "WHERE cohort = 'all' AND level <> 'all' AND field = 'all' AND institution = 'all' AND months <= 24 "
        "ORDER BY ALL"
    ).fetchall()
    assert list(curves.itertuples(index=False, name=None)) == pooled
    assert set(curves.level) == {"VO", "MBO", "HBO", "WO"} and set(curves.source) == {"truth", "platform"}


def test_table_preview_shows_the_latest_yearly_rows_as_a_table(small_con):
    preview = table_preview(small_con, "metrics.job_change_rate", rows=3)
    records = [r.data for r in preview.records]
    assert len(records) == 3 and [c.name for c in preview.schema.columns] == list(records[0])
    latest = small_con.execute("SELECT max(period) FROM metrics.job_change_rate WHERE grain = 'year'").fetchone()[0]
    assert all(r["grain"] == "year" for r in records)
    assert records[0]["period"] == records[1]["period"] == latest.isoformat()  # both sources of the latest year
    assert records[2]["period"] < records[0]["period"]
    # values are cells, not markdown: text with markdown characters stays as it is
    calendar = [r.data for r in table_preview(small_con, "raw.calendar", rows=2).records]
    last_month = small_con.execute("SELECT max(month) FROM raw.calendar").fetchone()[0]
    assert calendar[0] == {"month": last_month.isoformat(), "year": last_month.year}


def test_table_preview_puts_complete_rows_first():
    """Yearly rows first, the latest period first, then the rows with fewer NULLs."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA metrics")
    con.execute("CREATE TABLE metrics.t (source VARCHAR, grain VARCHAR, period DATE, a INTEGER, b INTEGER)")
    con.execute(
        "INSERT INTO metrics.t VALUES ('platform', 'year', '2025-01-01', NULL, 1), ('truth', 'year', '2025-01-01', 1, 1), "
        "('platform', 'month', '2025-12-01', 1, 1), ('truth', 'year', '2024-01-01', 1, 1)"
    )
    records = [r.data for r in table_preview(con, "metrics.t", rows=4).records]
    assert [(r["grain"], r["period"], r["a"]) for r in records] == [
        ("year", "2025-01-01", 1), ("year", "2025-01-01", None), ("year", "2024-01-01", 1), ("month", "2025-12-01", 1)
    ]


def test_every_model_chart_draws_in_the_ui_and_names_its_table(small_con):
    tables = _qualified_names()
    for name, chart in model_charts().items():
        shown = metric_metadata(small_con, name, tables[name], warn=pytest.fail)
        over_time = {"trend"} if time_axes(chart.spec) else set()
        assert set(shown) == {"dagster/column_schema", "preview", "chart", *over_time}, name
        assert all(c.type for c in shown["dagster/column_schema"].columns), name
        assert "data:image/svg+xml;base64," in shown["chart"].value
        assert f"Source: {tables[name]}" in shown["chart"].value


def test_a_metric_without_a_chart_gets_schema_and_preview(small_con):
    shown = metric_metadata(small_con, "no_such_chart", "raw.calendar")
    assert set(shown) == {"dagster/column_schema", "preview"}


def test_a_chart_that_fails_to_draw_costs_the_picture_not_the_run(small_con, monkeypatch):
    broken = Chart.declared(
        {"id": "x", "title": "x", "caption": "x", "sources": ["raw.calendar"],
         "query": "SELECT * FROM nowhere", "spec": {"mark": "bar"}},
        "a test",
    )
    monkeypatch.setattr("pipelines.ui_metadata.model_charts", lambda: {"calendar": broken})
    warnings = []
    shown = metric_metadata(small_con, "calendar", "raw.calendar", warn=warnings.append)
    assert set(shown) == {"dagster/column_schema", "preview"}
    assert len(warnings) == 1 and "nowhere" in warnings[0]


def test_every_asset_explains_itself_in_the_ui():
    for spec in defs.resolve_all_asset_specs():
        name = spec.key.to_user_string()
        assert spec.description and spec.group_name and spec.kinds, name
        if "dagster/table_name" in spec.metadata:
            assert "dagster/column_schema" in spec.metadata, name
    report = next(s for s in defs.resolve_all_asset_specs() if s.key.to_user_string() == "insight_report")
    assert report.group_name == "report"
    schedule = defs.resolve_schedule_def("main_nightly")
    assert schedule.job_name == "main" and schedule.cron_schedule == "0 3 * * *"


def _assert_drawn_with_data(figure, name):
    assert len(figure.data) > 0, f"{name}: the chart's query returned no rows"
    assert not re.search(r"\{\w+(:[^{}]*)?\}", figure.title + figure.caption), f"{name}: {figure.title}"
    spec = figure.to_dict()
    datasets = spec.get("datasets", {})
    assert datasets and all(len(rows) > 0 for rows in datasets.values()), f"{name}: a layer has no rows"
    image = figure.png()
    assert image.startswith(PNG_MAGIC) and len(image) > 5_000, name


def test_every_metric_has_a_chart_that_draws_its_data(small_con):
    """Each metric's .yml declares a chart; chart ids are unique; each draws a PNG with data in it."""
    charts = model_charts()
    names = [metric.name for metric in metrics()]
    assert sorted(set(names) - set(charts)) == []
    ids = [chart.id for chart in charts.values()]
    assert len(ids) == len(set(ids)), "a chart id names a figure and a PNG file: it must be unique"
    others = [c.id for c in report_charts() if c not in charts.values()]
    assert len(others) == len(set(others)) and set(others).isdisjoint(ids), "two charts share an id"
    tables = _qualified_names()
    for name, chart in charts.items():
        assert chart.sources[0] == tables[name] and chart.title and chart.caption, name
        _assert_drawn_with_data(chart.draw(small_con), name)


def test_every_chart_draws_on_another_scenario(other_con, tmp_path):
    """On another scenario, where the default's city, institution and occupation do not exist,
    every chart still has data, and those that choose a value name one of this scenario."""
    for name, chart in model_charts().items():
        figure = chart.draw(other_con)
        _assert_drawn_with_data(figure, name)
        texts = figure.title + figure.caption + str(figure.spec)
        assert not any(old in texts for old in RENAMED), f"{name}: {figure.title}"
    report = build_report(other_con, tmp_path)
    assert report.city == RENAMED["Amsterdam"]  # the largest city under its new name
    for figure in report.charts:
        _assert_drawn_with_data(figure, figure.id)
    assert audit_report(report.index.read_text(encoding="utf-8"), report.charts) == []


def test_chart_declarations_fill_in_names_and_values():
    known = {"city": "Utrecht", "share": 0.25, "ticks": [0, 6, 12]}
    assert fill("Movers into {city}: {share:.0%}", known) == "Movers into Utrecht: 25%"
    filled = fill({"values": "{ticks}", "domain": [0, "{share}"]}, known)
    assert filled == {"values": [0, 6, 12], "domain": [0, 0.25]}
    assert fill("datum.x > 0 and {unknown}", known) == "datum.x > 0 and {unknown}"
    with pytest.raises(ChartError, match="lacks"):
        Chart.declared({"id": "x", "title": "x"}, "a test")
    with pytest.raises(ChartError, match="no value for the parameter"):
        Chart.declared(
            {"id": "x", "title": "x", "caption": "x", "sources": ["metrics.x"], "query": "SELECT $city",
             "spec": {"mark": "bar"}},
            "a test",
        ).draw(duckdb.connect())


def _mappings(spec):
    """Every mapping of a spec, at any depth (layers, concatenations, encodings)."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from _mappings(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _mappings(value)


def _colour_scales(spec):
    """Every (domain, range) pair of the spec's colour scales, at any depth (layers, concatenations)."""
    for node in _mappings(spec):
        scale = node.get("color", {}).get("scale") if isinstance(node.get("color"), dict) else None
        if isinstance(scale, dict) and isinstance(scale.get("domain"), list) and isinstance(scale.get("range"), list):
            yield scale["domain"], scale["range"]


def test_every_chart_names_its_colours_and_each_source_keeps_its_own(report):
    """Finding: navy was the truth and orange the platform, except on charts where orange was
    an education level or a third blue the platform. Colours are named once (COLOURS); a
    declaration holds no colour of its own, and wherever a scale colours the truth, the
    platform, the corrected estimates or an education level, it gives it its colour."""
    declared = {**{c.id: c for c in report_charts()}, **{c.id: c for c in model_charts().values()}}
    for chart in declared.values():
        assert not re.search(r"#[0-9a-fA-F]{3,6}\b", str(chart.spec)), f"{chart.id} writes a colour of its own"
    named = {"truth", "platform", "corrected", "VO", "MBO", "HBO", "WO"}
    coloured = set()
    for figure in report.charts:
        for domain, colours in _colour_scales(figure.spec):
            for value, colour in zip(domain, colours):
                if value in named:
                    assert colour == COLOURS[value], f"{figure.id}: {value} is {colour}"
                    coloured.add(value)
    assert coloured == set(named)  # the report shows every one of them


def _over_time(last_year=None, spec=None):
    declaration = {"id": "x", "title": "x", "caption": "x", "sources": ["metrics.x"], "query": "SELECT 1",
                   "spec": spec or {"mark": "line", "encoding": {"x": {"field": "year", "type": "ordinal"}}}}
    return declaration if last_year is None else {**declaration, "last_year": last_year}


def test_a_chart_over_time_says_whether_its_last_year_is_all_in():
    with pytest.raises(ChartError, match="last_year must be one of incomplete, complete, not None"):
        Chart.declared(_over_time(), "a test")
    with pytest.raises(ChartError, match="not 'partial'"):
        Chart.declared(_over_time("partial"), "a test")
    with pytest.raises(ChartError, match="x is no year or date"):
        Chart.declared(_over_time("complete", {"mark": "bar", "encoding": {"x": {"field": "share"}}}), "a test")
    declared = [*report_charts(), *model_charts().values()]
    assert {c.last_year for c in declared if time_axes(c.spec)} == set(LAST_YEAR)


def _shades(spec):
    """The (x type, values) of every shaded band in the spec: the rect layers with data of their own."""
    for node in _mappings(spec):
        mark = node.get("mark", {})
        if isinstance(mark, dict) and mark.get("type") == "rect" and mark.get("color") == COLOURS["incomplete"]:
            yield node["encoding"]["x"]["type"], node["data"]["values"][0]


def test_the_incomplete_last_year_is_shaded_on_every_panel_over_time(report):
    """Finding: the platform's last year (6.8% job changes, 7.4% attrition) read as a collapse, with
    only a caption to say that recent jobs reach profiles late. Every panel over time of a chart
    whose last year is not all in shades that year, taken from the data, and labels it."""
    figures = {f.id: f for f in report.charts}
    declared = {c.id: c for c in [*report_charts(), *model_charts().values()] if c.id in figures}
    incomplete = [i for i, c in declared.items() if c.last_year == "incomplete"]
    assert {"job_change_rate", "job_change_yoy", "company_attrition", "hires_and_quits", "nowcast"} <= set(incomplete)
    for chart_id in incomplete:
        figure = figures[chart_id]
        bands = list(_shades(figure.spec))
        assert len(bands) == len(time_axes(declared[chart_id].spec)), chart_id
        years = {c for c in ("year", "month") if c in figure.data}
        last = max(int(figure.data["year"].max()) if "year" in years else 0,
                   max(figure.data["month"]).year if "month" in years else 0)
        for kind, band in bands:
            start = band["start"]
            year = int(start[:4]) if kind == "temporal" else int(start + 0.5 if kind == "quantitative" else start)
            assert year == last, (chart_id, band, last)
        assert json.dumps(f"{last}\nincomplete") in json.dumps(figure.spec), chart_id
    for chart_id, chart in declared.items():
        if chart.last_year != "incomplete":
            assert not list(_shades(figures[chart_id].spec)), chart_id


def test_a_chart_over_time_has_a_trend_the_ui_shows_without_a_click(small_con):
    """Finding: the chart sat behind a "[Show Markdown]" click. Dagster shows a markdown entry in
    place when it is shorter than 1,000 characters: each metric over time also gets its lines as a
    small SVG, in the chart's colours, with each series' first and last value and the shaded year."""
    from urllib.parse import unquote
    from xml.etree import ElementTree

    over_time = {name: chart for name, chart in model_charts().items() if time_axes(chart.spec)}
    assert {"job_change_rate", "hires", "monthly_stocks", "nowcast", "skills_added"} <= set(over_time)
    for name, chart in over_time.items():
        figure = chart.draw(small_con)
        markdown = sparkline_markdown(figure, chart.last_year == "incomplete")
        assert markdown is not None, name
        text = markdown.value
        assert len(text) < INLINE_MARKDOWN, name
        image, legend = re.fullmatch(r"!\[[^]]*\]\(data:image/svg\+xml,([^)\s]+)\)\n\n(.+)", text, re.DOTALL).groups()
        svg = ElementTree.fromstring(unquote(image))
        lines = svg.findall("{http://www.w3.org/2000/svg}polyline")
        assert 1 <= len(lines) <= 4, name
        shaded = svg.findall("{http://www.w3.org/2000/svg}rect")
        assert bool(shaded) == (chart.last_year == "incomplete"), name
        assert ("not all in yet" in legend) == (chart.last_year == "incomplete"), name
    figure = over_time["job_change_rate"].draw(small_con)
    svg = ElementTree.fromstring(unquote(re.search(r"svg\+xml,([^)]+)", sparkline_markdown(figure).value)[1]))
    strokes = [line.get("stroke") for line in svg.findall("{http://www.w3.org/2000/svg}polyline")]
    assert strokes == [COLOURS["truth"], COLOURS["platform"]]
    yearly = figure.data.sort_values("year")
    truth = yearly[yearly.source == "truth"].rate
    assert f"truth {truth.iloc[0]:.1%} → {truth.iloc[-1]:.1%}" in sparkline_markdown(figure).value
    assert sparkline_markdown(model_charts()["skill_demand"].draw(small_con)) is None  # nothing over time


def test_every_figure_is_valid_vega_lite(report, small_con):
    """A run draws its charts without checking them against the Vega-Lite schema (a tenth of a
    second a chart); here every figure of the report and of the UI is checked, filled in and
    shaded as a run draws it."""
    figures = [*report.charts, *(chart.draw(small_con) for chart in model_charts().values())]
    for figure in figures:
        assert figure.to_dict() == figure.vega_lite, figure.id  # validates, and a run draws the same spec
    wrong = {"mark": "line", "encoding": {"x": {"field": "year", "type": "ordinal"},
                                          "y": {"field": "share", "type": "wrong"}}}
    broken = Chart.declared(_over_time("complete", wrong), "a test").draw(duckdb.connect())
    with pytest.raises(Exception, match="wrong"):
        broken.to_dict()
