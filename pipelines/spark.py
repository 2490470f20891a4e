"""The dbt project (sql/) on Apache Spark, through dbt-spark's session method.

The models are the ones DuckDB runs: where the engines write SQL differently, a model calls
a dispatched macro (sql/macros/engines.sql), so dbt renders Spark's dialect on the `spark`
target. This module only prepares the ground and runs dbt in this process:

1. ``start_session`` starts the SparkSession with the `spark` target's
   ``server_side_parameters`` (sql/profiles.yml: master, memory, shuffle and join
   settings) and a warehouse folder for the models' tables.
2. ``register_lake`` gives Spark the sources: a view per lake table in the databases
   ``raw`` and ``truth`` (the contract's columns and types, without the ``shard``
   partition column) and ``raw.calendar``, built from the scenario's timeline as the
   DuckDB loader builds it.
3. ``run_models`` runs ``dbt run --target spark`` with dbtRunner. dbt-spark's session
   method calls ``SparkSession.builder.getOrCreate()``, which returns this session, so
   the models see the views above; their tables land in the warehouse folder as
   ``staging.*``, ``intermediate.*`` and ``metrics.*``.

The catalog is Spark's in-memory one: a later session reads the tables' Parquet files from
the warehouse folder (``<schema>.db/<table>``). No Dagster: this runs from the command line,
in a notebook or in a test::

    python -m pipelines.spark --lake data/lake --warehouse data/spark_warehouse
    python -m pipelines.spark --lake data/lake --warehouse data/spark_warehouse --select +job_change_rate

    from pipelines.spark import register_lake, run_models, start_session
    spark = start_session("data/spark_warehouse")
    register_lake(spark, "data/lake", load_scenario("netherlands"))
    run_models()
    spark.table("metrics.job_change_rate").show()
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as a file (spark-submit pipelines/spark.py): import from the project root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.dbt import PROJECT_DIR, TARGET_DIR, prepare_manifest  # noqa: E402
from synthetic.scenario import DEFAULT_SCENARIO, Scenario, load_scenario  # noqa: E402
from synthetic.tables import GENERATED_TABLES  # noqa: E402

PROFILES = PROJECT_DIR / "profiles.yml"
TARGET = "spark"
# The schemas dbt builds in (dbt_project.yml); a rerun starts from empty folders.
MODEL_SCHEMAS = ("staging", "intermediate", "metrics")
# dbt's own files of a Spark run, apart from the DuckDB manifest the Dagster definitions load.
SPARK_TARGET_DIR = TARGET_DIR / "spark"


def spark_settings(target: str = TARGET) -> dict[str, str]:
    """The target's server_side_parameters: the Spark settings dbt-spark applies to its session.

    Read here too, because the settings that size the JVM (driver memory, master) only
    count when the session starts, and it starts here, before dbt.
    """
    profile = yaml.safe_load(PROFILES.read_text(encoding="utf-8"))["economic_graph"]["outputs"][target]
    return {str(k): str(v) for k, v in profile.get("server_side_parameters", {}).items()}


def _location(text: str | Path) -> str:
    """A URL as it is; a local path made absolute, so the tables do not depend on the working directory."""
    text = str(text)
    return text if "://" in text else str(Path(text).resolve())


def start_session(warehouse: str | Path, target: str = TARGET, app_name: str = "economic-graph-dbt"):
    """The SparkSession dbt-spark will find, with the target's settings and ``warehouse`` as
    spark.sql.warehouse.dir (a folder or any URL Spark writes)."""
    from pyspark.sql import SparkSession  # only where Spark runs: nothing else in the project needs it

    # pyspark warns about pandas 3 on import; this module hands no data to pandas.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    builder = SparkSession.builder.appName(app_name)
    for key, value in spark_settings(target).items():
        builder = builder.config(key, value)
    warehouse = _location(warehouse)
    builder = builder.config("spark.sql.warehouse.dir", warehouse)
    if "://" not in warehouse:
        # Spark's scratch files (shuffle, spill) beside the warehouse, not in /tmp, whose
        # size is unknown; their folder is emptied when the session ends.
        builder = builder.config("spark.local.dir", str(Path(warehouse) / "_scratch"))
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# The contract's DuckDB types that Spark spells differently; the rest are the same words.
_SPARK_TYPES = {"VARCHAR": "STRING"}


def _spark_type(duckdb_type: str) -> str:
    if duckdb_type.endswith("[]"):
        return f"ARRAY<{_spark_type(duckdb_type[:-2])}>"
    return _SPARK_TYPES.get(duckdb_type, duckdb_type)


def _path_literal(path: str) -> str:
    return "`" + path.replace("`", "``") + "`"


def register_lake(spark, lake: str | Path, scenario: Scenario) -> dict[str, str]:
    """Create the databases raw and truth, a view per lake table and raw.calendar; returns each view's SELECT.

    ``lake`` is any path Spark reads (``data/lake``, ``hdfs://...``, ``s3a://...``). Each
    view reads the table's folder, in which Spark discovers the ``shard=<k>`` partitions,
    and selects the contract's columns with the contract's types, so the partition column
    never reaches a ``SELECT *``.
    """
    lake = _location(lake).rstrip("/")
    for schema in ("raw", "truth"):
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
    views = {}
    for table in GENERATED_TABLES:
        columns = ", ".join(f"CAST({c.name} AS {_spark_type(c.sql_type)}) AS {c.name}" for c in table.columns)
        folder = _path_literal(f"{lake}/{table.lake_name}")
        views[table.qualified_name] = f"SELECT {columns} FROM parquet.{folder}"
    timeline = scenario.timeline
    # As the loader builds it: every first of the month from the timeline's start to its end, inclusive.
    views["raw.calendar"] = (
        "SELECT month, CAST(year(month) AS INT) AS year FROM (SELECT explode(sequence("
        f"DATE '{timeline.start_date}', DATE '{timeline.end_date}', INTERVAL 1 MONTH)) AS month)"
    )
    for name, select in views.items():
        spark.sql(f"CREATE OR REPLACE VIEW {name} AS {select}")
    return views


@dataclass(frozen=True)
class ModelRun:
    """One model's outcome in a dbt run."""

    name: str
    status: str  # dbt's: success, error, skipped
    seconds: float
    message: str | None


def clear_model_tables(spark) -> None:
    """Drop the models' databases and, in a local warehouse, their folders.

    The in-memory catalog forgets a previous session's tables but their files stay, and
    Spark refuses to create a table over a folder that is not empty.
    """
    warehouse = spark.conf.get("spark.sql.warehouse.dir")
    for schema in MODEL_SCHEMAS:
        spark.sql(f"DROP DATABASE IF EXISTS {schema} CASCADE")
        if "://" not in warehouse or warehouse.startswith("file:"):
            shutil.rmtree(Path(warehouse.removeprefix("file:")) / f"{schema}.db", ignore_errors=True)


def run_models(select: Iterable[str] | None = None, target: str = TARGET) -> list[ModelRun]:
    """``dbt run --target <target>`` in this process, on the session started above; every model
    by default, else dbt's ``--select`` (``job_change_rate+``, ``metrics.hires``...).

    Returns each model's outcome, in the order dbt ran them; a model that fails does not
    stop the others that do not read it (dbt skips those that do).
    """
    from dbt.cli.main import dbtRunner

    prepare_manifest()  # sources.yml written from the table contract, as before any dbt command
    args = [
        "run", "--target", target, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(SPARK_TARGET_DIR), "--no-send-anonymous-usage-stats", "--quiet",
    ]
    select = list(select or [])
    if select:
        args += ["--select", *select]
    result = dbtRunner().invoke(args)
    if result.result is None:  # dbt stopped before running a model (bad profile, parse error)
        raise RuntimeError(f"dbt run --target {target} failed: {result.exception}")
    return [
        ModelRun(r.node.name, str(r.status), r.execution_time, r.message if str(r.status) != "success" else None)
        for r in result.result.results
    ]


def build(lake: str | Path, warehouse: str | Path, scenario: Scenario, select: Iterable[str] | None = None,
          target: str = TARGET) -> list[ModelRun]:
    """Start the session, register the lake and run the models into fresh tables.

    A new session's catalog holds no model, so ``select`` must include what the selected
    models read: ``+job_change_rate``, not ``job_change_rate``.
    """
    spark = start_session(warehouse, target)
    register_lake(spark, lake, scenario)
    clear_model_tables(spark)
    return run_models(select, target)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.spark", description=__doc__.splitlines()[0])
    parser.add_argument("--lake", required=True, help="the Parquet lake: a folder or any URL Spark reads")
    parser.add_argument("--warehouse", required=True, help="where the models' tables go (spark.sql.warehouse.dir)")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="the lake's scenario (its calendar)")
    parser.add_argument("--select", nargs="+", help="dbt's --select: only these models (default: every one)")
    parser.add_argument("--target", default=TARGET, help="the target of sql/profiles.yml whose settings to use")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario)
    except (KeyError, ValueError) as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    runs = build(args.lake, args.warehouse, scenario, args.select, args.target)
    for run in runs:
        print(f"{run.status:8} {run.seconds:8.1f} s  {run.name}" + (f": {run.message}" if run.message else ""))
    failed = [r.name for r in runs if r.status != "success"]
    print(f"{len(runs) - len(failed)} of {len(runs)} models in {time.perf_counter() - started:.0f} s"
          + (f"; not built: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
