"""Beyond DuckDB: pyarrow reads the lake, and Apache Spark runs every dbt model with DuckDB's result.

The lake is plain hive-partitioned Parquet, so any engine reads it: pyarrow's dataset API
must recognise the ``shard`` partition column and count the rows DuckDB loaded. The dbt
project then runs on Spark in local mode over the same lake (`dbt run --target spark`,
dbt-spark's session method, through pipelines/spark.py, with the profile's settings), and
every model's table or view, staging, intermediate and metrics, is compared with DuckDB's
row for row.

A small scenario (10,000 people, three shards) keeps the module at a few minutes: the
comparison is about SQL semantics, not statistics, so size adds nothing. One SparkSession
and one dbt run serve the whole module.

Spark needs Java. Without it the Spark tests are skipped with the reason, except in CI
(environment variable CI set), where they fail; .ci/run installs a JRE.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from pipelines.dbt import models
from pipelines.spark import clear_model_tables, register_lake, run_models, start_session
from synthetic.scenario import Scenario, load_scenario
from synthetic.tables import GENERATED_TABLES
from tests.conftest import build_warehouse

PEOPLE = 10_000
SHARDS = 3
# Both engines compute in IEEE doubles but in a different order: partial sums per
# partition or thread, other join orders, exp/ln from another math library. Each step
# rounds at 1e-16 relative; a sum of n terms drifts by at most about n x 1e-16, 1e-10 for
# a million terms, and the 75 raking steps converge instead of amplifying. 1e-9 relative
# leaves room for that and is still a thousand times finer than any metric's last
# published digit; the largest difference measured here is 7e-14 relative. The absolute
# floor covers differences that cancel to about zero (platform - truth on equal figures,
# x / y - 1 on equal rates), where a last-bit difference is large relative to the result.
REL_TOL = 1e-9
ABS_TOL = 1e-12
MODELS = models()

# pyspark warns about pandas 3 when it converts results; these tests convert through Arrow only.
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")


@dataclass(frozen=True)
class SmallWorld:
    scenario: Scenario
    lake: Path
    warehouse: Path


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> SmallWorld:
    scenario = load_scenario("netherlands").with_overrides(people=PEOPLE, shards=SHARDS)
    folder = tmp_path_factory.mktemp("portability")
    return SmallWorld(scenario, folder / "lake", build_warehouse(scenario, folder))


@pytest.fixture(scope="module")
def duck(small):
    con = duckdb.connect(str(small.warehouse), read_only=True)
    yield con
    con.close()


def test_lake_is_hive_partitioned_parquet_with_the_warehouse_row_counts(small, duck):
    shard_counts = []
    for table in GENERATED_TABLES:
        folder = small.lake / table.lake_name
        dataset = ds.dataset(folder, format="parquet", partitioning="hive")
        assert dataset.partitioning.schema.names == ["shard"], table.qualified_name
        assert pa.types.is_integer(dataset.schema.field("shard").type), table.qualified_name
        assert set(table.column_names) <= set(dataset.schema.names), table.qualified_name
        on_disk = sorted(int(p.name.removeprefix("shard=")) for p in folder.glob("shard=*"))
        shards = sorted(set(dataset.to_table(columns=["shard"]).column("shard").to_pylist()))
        assert shards == on_disk, table.qualified_name
        shard_counts.append(len(shards))

        rows = dataset.count_rows()
        assert rows == duck.execute(f"SELECT count(*) FROM {table.qualified_name}").fetchall()[0][0], (
            table.qualified_name
        )
        # A filter on the partition column reads one shard's folder; the shards add up.
        assert sum(dataset.count_rows(filter=ds.field("shard") == k) for k in shards) == rows
    assert max(shard_counts) == SHARDS  # the people tables are split over every shard


def _require_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    java = Path(java_home, "bin", "java") if java_home else shutil.which("java")
    if java and Path(java).exists():
        return
    if os.environ.get("CI"):
        pytest.fail("CI must provide Java (17 or later) for Spark: .ci/run installs openjdk-17-jre-headless")
    pytest.skip(
        "no Java on PATH or in JAVA_HOME: install a JRE 17+ (apt-get install openjdk-17-jre-headless) "
        "to run the Spark tests; they run in CI"
    )


@pytest.fixture(scope="module")
def spark(small, tmp_path_factory):
    """The session of the `spark` target, its settings as sql/profiles.yml has them."""
    _require_java()
    session = start_session(tmp_path_factory.mktemp("spark") / "warehouse", app_name="portability-test")
    register_lake(session, small.lake, small.scenario)
    clear_model_tables(session)
    yield session
    session.stop()


@pytest.fixture(scope="module")
def dbt_on_spark(spark) -> dict:
    """Every model built once by `dbt run --target spark`; each model's outcome by name."""
    return {run.name: run for run in run_models()}


def test_spark_reads_the_lake_as_the_warehouse_has_it(spark, duck):
    for table in GENERATED_TABLES:
        frame = spark.table(table.qualified_name)
        assert frame.columns == table.column_names, table.qualified_name  # no shard column
        expected = duck.execute(f"SELECT count(*) FROM {table.qualified_name}").fetchall()[0][0]
        assert frame.count() == expected, table.qualified_name
    calendar = "SELECT month, year FROM raw.calendar ORDER BY month"
    assert [tuple(r) for r in spark.sql(calendar).collect()] == duck.execute(calendar).fetchall()


def _is_float(duckdb_type: str) -> bool:
    return duckdb_type in ("DOUBLE", "FLOAT", "REAL") or duckdb_type.startswith("DECIMAL")


def _plain(value):
    """Python values from both engines made comparable: UTC timestamps without a zone."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _sort_key(row: tuple, floats: list[bool]) -> tuple:
    # Exact columns first, then floats rounded well above the tolerance: rows tie on the
    # exact columns rarely, and then a last-digit difference must not reorder them.
    exact = tuple((0,) if v is None else (1, v) for v, f in zip(row, floats) if not f)
    rounded = tuple((0,) if v is None else (1, float(f"{float(v):.6g}")) for v, f in zip(row, floats) if f)
    return exact + rounded


def _same(spark_value, duck_value, is_float: bool) -> bool:
    if spark_value is None or duck_value is None:
        return spark_value is None and duck_value is None
    if is_float:
        if not isinstance(spark_value, (int, float, decimal.Decimal)) or isinstance(spark_value, bool):
            return False
        a, b = float(spark_value), float(duck_value)
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    # Integers, dates, strings and booleans exactly, and of the same kind (a date is no timestamp).
    return type(spark_value) is type(duck_value) and spark_value == duck_value


@pytest.mark.parametrize("model", MODELS, ids=[m.name for m in MODELS])
def test_model_on_spark_matches_duckdb(spark, dbt_on_spark, duck, model):
    """Staging views too: they are where the sources' types meet, and cheap at this size."""
    run = dbt_on_spark.get(model.name)
    assert run is not None, f"dbt on Spark did not run {model.name}"
    assert run.status == "success", f"dbt on Spark: {model.name} {run.status}: {run.message}"

    result = spark.table(model.qualified_name).toArrow()
    relation = duck.sql(f"SELECT * FROM {model.qualified_name}")
    assert result.column_names == relation.columns
    floats = [_is_float(str(t)) for t in relation.types]
    spark_rows = sorted(
        (tuple(_plain(v) for v in row) for row in zip(*(c.to_pylist() for c in result.columns))),
        key=lambda r: _sort_key(r, floats),
    ) if result.num_rows else []
    duck_rows = sorted(relation.fetchall(), key=lambda r: _sort_key(r, floats))
    assert len(spark_rows) == len(duck_rows)
    mismatches = [
        (i, column, s, d)
        for i, (spark_row, duck_row) in enumerate(zip(spark_rows, duck_rows))
        for column, s, d, f in zip(relation.columns, spark_row, duck_row, floats)
        if not _same(s, d, f)
    ]
    assert not mismatches, (
        f"{len(mismatches)} values differ; the first as (row in sorted order, column, Spark, DuckDB): "
        f"{mismatches[:10]}"
    )
