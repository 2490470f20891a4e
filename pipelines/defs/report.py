"""``insight_report`` (group report): the report built from the run's warehouse, staged for
publishing together with it."""

# No `from __future__ import annotations`: Dagster reads the config and resource types of
# the asset function from its annotations at decoration time.
import dagster as dg
from pydantic import Field

from pipelines.keys import REPORT_KEY, WAREHOUSE_POOL, table_key
from pipelines.report import (
    CHECK_NAME,
    Report,
    ReportError,
    audit_report,
    build_report,
    report_sources,
)
from pipelines.resources import WarehouseResource


class ReportConfig(dg.Config):
    city: str | None = Field(
        default=None,
        description="City whose talent flows the report draws; by default the one with the most members "
        "on the platform.",
    )


def _charts_table(report: Report) -> str:
    lines = ["| chart | source | PNG |", "|---|---|---|"]
    for chart in report.charts:
        lines.append(f"| {chart.title} | {', '.join(chart.sources)} | {report.pngs[chart.id].name} |")
    return "\n".join(lines)


@dg.asset(
    key=REPORT_KEY,
    group_name="report",
    kinds={"html", "altair"},
    pool=WAREHOUSE_POOL,
    deps=[table_key(t) for t in report_sources()],
    description=(
        "The insight report: one HTML page with a chart per headline question (job changes and "
        "their year-over-year swing, a city's talent flows, skills in demand and growing, time to "
        "a first job, platform against truth), each naming its source table, plus a PNG per chart. "
        "Written beside the warehouse file (data/report/index.html by default); it opens offline."
    ),
    check_specs=[
        dg.AssetCheckSpec(
            CHECK_NAME,
            asset=REPORT_KEY,
            description=(
                "The page holds every chart with its specification, each chart names its source "
                "tables in its title and caption, and the page loads nothing from the network. "
                "Blocking: a report that fails it is not published."
            ),
            blocking=True,
        )
    ],
)
def insight_report(context: dg.AssetExecutionContext, config: ReportConfig, warehouse: WarehouseResource):
    # Staged for this run; the publish step shows it together with the warehouse and release.
    folder = warehouse.layout.staged_report(context.run_id)
    con = warehouse.connect()
    try:
        report = build_report(con, folder, city=config.city)
    except ReportError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
    finally:
        con.close()
    context.log.info(f"wrote {report.index} with {len(report.charts)} charts")
    problems = audit_report(report.index.read_text(encoding="utf-8"), report.charts)
    details = {"details": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems))} if problems else {}
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(warehouse.layout.report / report.index.name)),
            "staged": dg.MetadataValue.path(str(report.index)),
            "city": report.city,
            "charts": dg.MetadataValue.md(_charts_table(report)),
        },
        check_results=[
            dg.AssetCheckResult(
                check_name=CHECK_NAME,
                passed=not problems,
                metadata={
                    "problems": len(problems),
                    **details,
                },
            )
        ],
    )
