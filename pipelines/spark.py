"""The metrics on Apache Spark: the same dbt models (sql/models), transpiled from DuckDB's dialect.

The lake is plain hive-partitioned Parquet, so Spark reads it where it lies (a local
folder, HDFS, S3). ``register_lake`` gives Spark the tables the metric SQL names: a view
per lake table in the databases ``raw`` and ``truth`` (the contract's columns and types,
without the ``shard`` partition column) and ``raw.calendar``, built from the scenario's
timeline as the DuckDB loader builds it. ``build_metric`` runs one metric and saves it as
the table ``metrics.<name>``, where the metrics that read it find it; ``build_metrics``
runs them all, each after the metrics it reads. No Dagster: this runs under spark-submit,
in a notebook or in a test.

    python -m pipelines.spark --master 'local[4]' --lake data/lake --output data/spark_metrics
    spark-submit --master spark://head:7077 pipelines/spark.py \
        --lake s3a://bucket/lake --output s3a://bucket/metrics
"""

from __future__ import annotations

import argparse
import functools
import sys
import uuid
import warnings
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

if __package__ in (None, ""):  # run as a file (spark-submit pipelines/spark.py): import from the project root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.dbt import Model, models  # noqa: E402
from synthetic.scenario import DEFAULT_SCENARIO, Scenario, load_scenario  # noqa: E402
from synthetic.tables import GENERATED_TABLES  # noqa: E402

SCHEMAS = ("raw", "truth", "staging", "intermediate", "metrics")
# DuckDB sets no limit on recursion; this one only stops a runaway query.
RECURSION_LIMIT = 1000


def _spark_tree(query: str) -> exp.Expression:
    """Parse DuckDB SQL, with the one fix-up sqlglot's translation to Spark needs.

    Decimal literals (``100.0``, ``1.96``) become DOUBLE. DuckDB divides a DECIMAL in
    floating point, while Spark keeps the quotient DECIMAL and, past 38 digits of
    precision, rounds it to as few as 6 decimal places (``10000.0 * n / m`` loses about
    five significant digits). The lake has no DECIMAL columns, so literals are the only
    decimals; as DOUBLEs every division is a floating-point one, as in DuckDB.
    """
    tree = sqlglot.parse_one(query, read="duckdb")
    decimals = [
        literal
        for literal in tree.find_all(exp.Literal)
        if literal.is_number and "." in literal.this and "e" not in literal.this.lower()
    ]
    for literal in decimals:
        literal.replace(exp.cast(literal.copy(), exp.DataType.build("DOUBLE")))
    return tree


def _spark_sql(tree: exp.Expression) -> str:
    """Spark SQL text; DuckDB's ``AS MATERIALIZED`` hint is left out (sqlglot would pass it
    through, and Spark has no such keyword; ``run_metric`` materializes those CTEs itself)."""
    tree = tree.copy()
    for cte in tree.find_all(exp.CTE):
        cte.set("materialized", None)
    # Constructs sqlglot knows it cannot translate raise here instead of producing wrong SQL.
    return tree.sql(dialect="spark", pretty=True, unsupported_level=ErrorLevel.RAISE)


def to_spark_sql(query: str) -> str:
    """One metric's DuckDB SELECT as one Spark SQL statement (see ``_spark_tree`` for the fix-up).

    A recursive CTE whose recursive step aggregates (raking_weights) is translated but
    Spark refuses to run it; ``run_metric`` evaluates such CTEs step by step.
    """
    return _spark_sql(_spark_tree(query))


def _spark_type(duckdb_type: str) -> str:
    return exp.DataType.build(duckdb_type, dialect="duckdb").sql(dialect="spark")


def _path_literal(path: str) -> str:
    return "`" + path.replace("`", "``") + "`"


def register_lake(spark, lake: str | Path, scenario: Scenario) -> dict[str, str]:
    """Create the databases, a view per lake table and raw.calendar; returns each view's SELECT.

    ``lake`` is any path Spark reads (``/data/lake``, ``hdfs://...``, ``s3a://...``). Each
    view reads the table's folder, in which Spark discovers the ``shard=<k>`` partitions,
    and selects the contract's columns with the contract's types, so the partition column
    never reaches a ``SELECT *``.
    """
    lake = str(lake).rstrip("/")
    for schema in SCHEMAS:
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


def _references(node: exp.Expression, name: str) -> list[exp.Table]:
    return [t for t in node.find_all(exp.Table) if not t.args.get("db") and t.name == name]


def _point_to(node: exp.Expression, name: str, view: str) -> None:
    """Make every unqualified reference to ``name`` read the view ``view``, aliased as ``name``."""
    for table in _references(node, name):
        if not table.alias:
            table.set("alias", exp.TableAlias(this=exp.to_identifier(name)))
        table.set("this", exp.to_identifier(view))


def _with(ctes: list[exp.CTE], query: exp.Expression) -> exp.Expression:
    """``query`` preceded by those of ``ctes`` it reads, directly or through another."""
    needed: set[str] = set()
    pending = [query]
    while pending:
        for table in pending.pop().find_all(exp.Table):
            if not table.args.get("db") and table.name not in needed:
                needed.add(table.name)
                pending.extend(c.this for c in ctes if c.alias == table.name)
    query = query.copy()
    kept = [c.copy() for c in ctes if c.alias in needed]
    if kept:
        query.set("with_", exp.With(expressions=kept))
    return query


def _is_recursive(cte: exp.CTE) -> bool:
    return isinstance(cte.this, exp.Union) and bool(_references(cte.this.right, cte.alias))


def _iterate(spark, cte: exp.CTE, kept: list[exp.CTE], views: list[str], token: str):
    """The rows of a recursive CTE, as the SQL standard (and DuckDB) defines them.

    Spark refuses a recursive CTE whose recursive step aggregates or uses a window over
    the recursive reference, which an iterative fit such as raking needs, and no rewrite
    of the SQL avoids it. So the anchor gives the first working table, each step reads
    only the previous step's rows, until a step returns none (for UNION without ALL: no
    new rows). Every step is materialized, so the plan does not grow with the number of
    steps, and the CTEs a step reads are materialized once instead of at every step.
    """
    name, body = cte.alias, cte.this
    step = body.right.copy()
    for read in {t.name for t in step.find_all(exp.Table) if not t.args.get("db")} & {c.alias for c in kept}:
        view = f"{read}__{token}"
        rows = spark.sql(_spark_sql(_with(kept, exp.select("*").from_(read))))
        rows.localCheckpoint().createOrReplaceTempView(view)
        views.append(view)
        _point_to(step, read, view)
    working_view = f"{name}__{token}_working"
    views.append(working_view)
    _point_to(step, name, working_view)
    step_sql = _spark_sql(_with(kept, step))

    first = spark.sql(_spark_sql(_with(kept, body.left)))
    columns = [c.name for c in cte.args["alias"].columns] or first.columns
    first = first.toDF(*columns).distinct() if body.args.get("distinct") else first.toDF(*columns)
    schema = first.schema
    working = first.localCheckpoint()
    steps = [working]
    for _ in range(RECURSION_LIMIT):
        working.createOrReplaceTempView(working_view)
        rows = spark.sql(step_sql).toDF(*columns)
        rows = rows.select([rows[f.name].cast(f.dataType) for f in schema.fields])
        if body.args.get("distinct"):
            rows = rows.distinct().subtract(functools.reduce(lambda a, b: a.unionByName(b), steps))
        working = rows.localCheckpoint(eager=False)
        if working.count() == 0:  # the one job that computes and keeps the step's rows
            break
        steps.append(working)
    else:
        raise RuntimeError(f"recursive CTE {name} did not finish within {RECURSION_LIMIT} steps")
    # Not checkpointed again: Spark 4 fails to plan a checkpoint of a union of checkpoints.
    return functools.reduce(lambda a, b: a.unionByName(b), steps)


def _materialize_ctes(spark, tree: exp.Expression, views: list[str]) -> exp.Expression:
    """Compute recursive and MATERIALIZED CTEs into temporary views; returns the query left to run.

    A MATERIALIZED CTE is computed once, as DuckDB does, instead of once per reference
    (Spark SQL has no syntax for the hint and inlines a CTE wherever it is read).
    """
    token = uuid.uuid4().hex[:8]
    computed: dict[str, str] = {}  # CTE -> temporary view holding its rows
    kept: list[exp.CTE] = []  # the CTEs left in the query, in order
    for cte in tree.args["with_"].expressions:
        cte = cte.copy()
        for name, view in computed.items():
            _point_to(cte, name, view)
        if _is_recursive(cte):
            rows = _iterate(spark, cte, kept, views, token)
        elif cte.args.get("materialized"):
            rows = spark.sql(_spark_sql(_with([*kept, cte], exp.select("*").from_(cte.alias))))
            rows = rows.localCheckpoint()
        else:
            kept.append(cte)
            continue
        computed[cte.alias] = f"{cte.alias}__{token}"
        rows.createOrReplaceTempView(computed[cte.alias])
        views.append(computed[cte.alias])
    main = tree.copy()
    main.set("with_", None)
    for name, view in computed.items():
        _point_to(main, name, view)
    return _with(kept, main)


def _frame(spark, query: str, views: list[str]):
    tree = _spark_tree(query)
    with_ = tree.args.get("with_")
    if with_ is not None and any(c.args.get("materialized") or _is_recursive(c) for c in with_.expressions):
        tree = _materialize_ctes(spark, tree, views)
    return spark.sql(_spark_sql(tree))


def run_metric(spark, metric: Model):
    """The metric's result as a Spark DataFrame; the tables it reads must be registered.

    Recursive and MATERIALIZED CTEs are computed first, into temporary views that stay
    for the session.
    """
    return _frame(spark, metric.query, [])


def build_metric(spark, metric: Model, output: str | None = None) -> int:
    """Save the metric as the table metrics.<name>; returns its row count.

    With ``output`` (a folder or URL), the table's files are ``<output>/metrics_<name>/``;
    without, Spark keeps them in its warehouse (``spark.sql.warehouse.dir``).
    """
    views: list[str] = []
    try:
        frame = _frame(spark, metric.query, views)
        undocumented = [c for c in frame.columns if c not in metric.columns]
        documented_missing = [c for c in metric.columns if c not in frame.columns]
        if undocumented or documented_missing:
            raise ValueError(
                f"{metric.path.name}: header columns do not match the query on Spark; "
                f"undocumented {undocumented}, documented but absent {documented_missing}"
            )
        writer = frame.write.mode("overwrite").format("parquet")
        if output:  # an external table: its files are the Parquet output, and a rerun replaces them
            writer = writer.option("path", f"{str(output).rstrip('/')}/metrics_{metric.name}")
        writer.saveAsTable(metric.qualified_name)
    finally:
        for view in views:
            spark.catalog.dropTempView(view)
    return spark.table(metric.qualified_name).count()


def build_metrics(
    spark,
    metrics: Iterable[Model] | None = None,
    output: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Every metric (default: all of sql/), each after the metrics it reads; returns rows per table."""
    rows = {}
    for metric in models() if metrics is None else metrics:
        rows[metric.qualified_name] = build_metric(spark, metric, output)
        if progress is not None:
            progress(f"{metric.qualified_name}: {rows[metric.qualified_name]:,} rows")
    return rows


def with_dependencies(metrics: list[Model], names: Iterable[str]) -> list[Model]:
    """The named metrics and every metric they read, in ``metrics``' (dependency) order."""
    by_name = {m.qualified_name: m for m in metrics}
    wanted: set[str] = set()

    def add(name: str) -> None:
        if name in by_name and name not in wanted:
            wanted.add(name)
            for read in by_name[name].reads:
                add(read)

    for name in names:
        qualified = name if "." in name else f"metrics.{name}"
        if qualified not in by_name:
            raise KeyError(f"no metric {name!r}; the metrics are {sorted(m.name for m in metrics)}")
        add(qualified)
    return [m for m in metrics if m.qualified_name in wanted]


def _location(text: str) -> str:
    """A URL as it is; a local path made absolute, so the tables do not depend on the working directory."""
    return text if "://" in text else str(Path(text).resolve())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.spark", description=__doc__.splitlines()[0])
    parser.add_argument("--lake", required=True, help="the Parquet lake: a folder or any URL Spark reads")
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="the lake's scenario (its calendar)")
    parser.add_argument("--output", help="keep each metric as Parquet in <output>/metrics_<name>/")
    parser.add_argument("--master", help="Spark master when not started by spark-submit, e.g. 'local[4]'")
    parser.add_argument("--warehouse", help="spark.sql.warehouse.dir, for a local run")
    parser.add_argument("--metric", action="append", help="only this metric and those it reads (repeatable)")
    args = parser.parse_args(argv)
    metrics = models()
    try:
        if args.metric:
            metrics = with_dependencies(metrics, args.metric)
        scenario = load_scenario(args.scenario)
    except (KeyError, ValueError) as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2

    from pyspark.sql import SparkSession  # only where Spark runs: nothing else in the project needs it

    # pyspark warns about pandas 3 on import; this module hands no data to pandas.
    warnings.filterwarnings("ignore", "PySpark does not yet fully support pandas", FutureWarning)
    builder = SparkSession.builder.appName("economic-graph-metrics")
    builder = builder.config("spark.sql.session.timeZone", "UTC")
    if args.master:
        builder = builder.master(args.master)
    if args.warehouse:
        builder = builder.config("spark.sql.warehouse.dir", _location(args.warehouse))
    spark = builder.getOrCreate()
    register_lake(spark, _location(args.lake), scenario)
    build_metrics(spark, metrics, output=args.output and _location(args.output), progress=print)
    return 0


if __name__ == "__main__":
    sys.exit(main())
