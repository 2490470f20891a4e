"""The Dagster code location: every asset, check, resource and the main job.

Runs execute in process: DuckDB allows one writing process per file, so the steps of a
run must not write from parallel processes (generation parallelizes inside its own step,
writing Parquet), and dagster_home/dagster.yaml queues runs so that one runs at a time.
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets import load_warehouse, metric_assets, parquet_lake, published_warehouse
from pipelines.checks import build_quality_checks
from pipelines.release import public_release
from pipelines.report import insight_report
from pipelines.resources import default_resources
from pipelines.runs import dead_run_sensor


main_job = dg.define_asset_job(
    "main",
    selection=dg.AssetSelection.all(),
    description="Generate the scenario, load the warehouse, compute every metric and run every check.",
)

# The full refresh, nightly. Stopped until switched on in the UI (Automation) or with
# `dagster schedule start main_nightly`, so that `make ui` does not start runs on its own.
main_schedule = dg.ScheduleDefinition(
    name="main_nightly",
    job=main_job,
    cron_schedule="0 3 * * *",
    execution_timezone="Europe/Amsterdam",
    description="Full refresh every night at 03:00 Amsterdam time: the main job on the default resources.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)

defs = dg.Definitions(
    assets=[parquet_lake, load_warehouse, *metric_assets(), published_warehouse, insight_report, public_release],
    asset_checks=build_quality_checks(),
    jobs=[main_job],
    schedules=[main_schedule],
    # Runs whose process died would hold the one-run queue for ever (pipelines/runs.py).
    sensors=[dead_run_sensor],
    resources=default_resources(),
    executor=dg.in_process_executor,
)
