"""The Dagster code location: every asset, check, resource and the main job.

Runs execute in process: DuckDB allows one writing process per file, so the steps of a
run must not write from parallel processes (generation parallelizes inside its own step,
writing Parquet), and dagster_home/dagster.yaml queues runs so that one runs at a time.
"""

from __future__ import annotations

import dagster as dg

from pipelines.assets import load_warehouse, metric_assets, parquet_lake, published_warehouse
from pipelines.resources import default_resources

try:  # the quality checks module is optional while it is being written
    from pipelines.checks import build_quality_checks
except ImportError:  # pragma: no cover
    def build_quality_checks() -> list:
        return []

main_job = dg.define_asset_job(
    "main",
    selection=dg.AssetSelection.all(),
    description="Generate the scenario, load the warehouse, compute every metric and run every check.",
)

defs = dg.Definitions(
    assets=[parquet_lake, load_warehouse, *metric_assets(), published_warehouse],
    asset_checks=build_quality_checks(),
    jobs=[main_job],
    resources=default_resources(),
    executor=dg.in_process_executor,
)
