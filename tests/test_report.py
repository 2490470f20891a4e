"""The insight report and the UI metadata, built from a small warehouse (no Dagster run)."""

from __future__ import annotations

import re

import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.report import (
    ReportError,
    audit_report,
    build_report,
    first_job_curves,
    report_charts,
    report_sections,
)
from pipelines.ui_metadata import METRIC_CHARTS, metric_metadata, table_preview
from tests.conftest import build_warehouse

SMALL = 8_000  # two generation blocks: every metric has rows, the warehouse builds in seconds
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small_con(scenario, tmp_path_factory):
    path = build_warehouse(scenario.with_overrides(people=SMALL), tmp_path_factory.mktemp("small"))
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def report(small_con, tmp_path_factory):
    return build_report(small_con, tmp_path_factory.mktemp("report"))


def _own_markup(page: str) -> str:
    """The page without the inlined Vega library (which names XML namespaces it never loads)."""
    return re.sub(r'<script id="vega-bundle">.*?</script>', "", page, flags=re.DOTALL)


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


def test_first_job_curves_match_the_metric(small_con):
    """The report's survival curves use the estimator of metrics.time_to_first_job."""
    curves = first_job_curves(small_con, first_year=2016, last_year=2016)
    metric = small_con.execute(
        "SELECT source, level, employed_6m_share FROM metrics.time_to_first_job "
        "WHERE graduation_year = 2016 AND field = 'all' AND institution = 'all' AND level <> 'all'"
    ).fetchall()
    assert len(metric) == 8
    for source, level, share in metric:
        curve = curves[(curves.source == source) & (curves.level == level) & (curves.months <= 5)]
        assert curve.share_employed.iloc[-1] == pytest.approx(share, abs=1e-9), (source, level)


def test_table_preview_is_a_markdown_table_of_the_first_rows(small_con):
    text = table_preview(small_con, "raw.calendar", rows=3).value
    lines = text.splitlines()
    assert lines[0] == "| month | year |" and lines[1] == "|---|---|"
    assert len(lines) == 5 and lines[2].startswith("| 2012-01-01 | 2012 |")


def test_every_metric_chart_draws_and_names_its_table(small_con):
    for name, chart in METRIC_CHARTS.items():
        shown = metric_metadata(small_con, name, f"metrics.{name}", warn=pytest.fail)
        assert set(shown) == {"dagster/column_schema", "preview", "chart"}, name
        assert all(c.type for c in shown["dagster/column_schema"].columns), name
        assert "data:image/png;base64," in shown["chart"].value
        assert f"Source: metrics.{name}" in shown["chart"].value


def test_a_metric_without_a_chart_gets_schema_and_preview(small_con):
    shown = metric_metadata(small_con, "no_such_chart", "raw.calendar")
    assert set(shown) == {"dagster/column_schema", "preview"}


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


def test_every_metric_has_a_chart_that_draws_its_data(small_con):
    """Each metric model has a chart in METRIC_CHARTS, and it renders a PNG with data in it."""
    from pipelines.dbt import metrics
    from pipelines.ui_metadata import png

    names = [metric.name for metric in metrics()]
    assert sorted(set(names) - set(METRIC_CHARTS)) == []
    ids = [chart.id for chart in METRIC_CHARTS.values()]
    assert len(ids) == len(set(ids)), "a chart id names a figure and a PNG file: it must be unique"
    others = {c.id for c in report_charts() if c not in METRIC_CHARTS.values()}
    assert others.isdisjoint(ids), "the report's own charts and the metrics' charts share an id"
    for name in names:
        chart = METRIC_CHARTS[name]
        assert chart.sources[0] == f"metrics.{name}" and chart.title and chart.caption, name
        spec = chart.render(small_con).to_dict()
        datasets = spec.get("datasets", {})
        assert datasets and all(len(rows) > 0 for rows in datasets.values()), f"{name}: a layer has no rows"
        image = png(chart.render(small_con))
        assert image.startswith(PNG_MAGIC) and len(image) > 5_000, name
