"""The Dagster code location: every definition in ``pipelines/defs``, run in process.

Runs execute in process: DuckDB allows one writing process per file, so the steps of a
run must not write from parallel processes (generation parallelizes inside its own step,
writing Parquet), and dagster_home/dagster.yaml queues runs so that one runs at a time.
"""

from pathlib import Path

import dagster as dg

PROJECT_ROOT = Path(__file__).resolve().parent.parent

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=PROJECT_ROOT),
    dg.Definitions(executor=dg.in_process_executor),
)
