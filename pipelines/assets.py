"""Dagster assets, in groups that mirror the data flow: generate -> warehouse -> metrics -> publish.

- ``parquet_lake`` (generate): the scenario generated into Parquet, shard by shard.
- ``raw/*``, ``truth/*`` (warehouse): the lake loaded into DuckDB in one transaction.
- ``metrics/<name>`` (metrics): one asset per ``sql/<name>.sql`` file, discovered from
  the folder; its dependencies are the tables the query reads.
- ``published_warehouse`` (publish): the checked working database swapped in as the
  file analysts open.
"""


import time

import dagster as dg

from pipelines.resources import ScenarioResource, WarehouseResource
from pipelines.ui_metadata import metric_metadata, table_preview
from pipelines.warehouse import (
    CALENDAR_COMMENT,
    LakeError,
    MetricSql,
    build_metric,
    discover_metrics,
    load_lake,
    publish_database,
    reset_database,
)
from synthetic.lake import generate_lake
from synthetic.tables import GENERATED_TABLES, Table

LAKE_KEY = dg.AssetKey("parquet_lake")
PUBLISHED_KEY = dg.AssetKey("published_warehouse")
# Every step that writes the lake or the DuckDB file is in this pool; dagster_home/dagster.yaml
# limits it to one run at a time, so queued runs launched together never write at once.
WAREHOUSE_POOL = "duckdb_warehouse"
CALENDAR_KEY = dg.AssetKey(["raw", "calendar"])


def table_key(qualified_name: str) -> dg.AssetKey:
    return dg.AssetKey(qualified_name.split("."))


def _schema(columns: dict[str, tuple[str, str]]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=n, type=t, description=d) for n, (t, d) in columns.items()]
    )


def _table_spec(table: Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(table.qualified_name),
        description=table.description,
        deps=[LAKE_KEY],
        group_name="warehouse",
        kinds={"duckdb"},
        metadata={
            "dagster/column_schema": _schema({c.name: (c.sql_type, c.description) for c in table.columns}),
            "dagster/table_name": table.qualified_name,
        },
    )


@dg.asset(
    key=LAKE_KEY,
    pool=WAREHOUSE_POOL,
    group_name="generate",
    kinds={"python", "parquet"},
    description=(
        "The synthetic world and the platform's view of it, generated from the scenario into a "
        "Parquet lake: <lake>/<schema>_<table>/shard=<k>/part-0.parquet. Shards are generated in "
        "parallel processes; one seed gives the same rows whatever the shard count."
    ),
)
def parquet_lake(context: dg.AssetExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource):
    sc = scenario.load()  # validation first: a bad scenario stops here, before anything is written
    started = time.perf_counter()
    summary = generate_lake(sc, warehouse.lake, workers=scenario.workers, progress=context.log.info)
    seconds = time.perf_counter() - started
    context.log.info(f"generated {sc.people:,} people in {summary.shards} shards in {seconds:.1f}s")
    return dg.MaterializeResult(
        metadata={
            "scenario": sc.name,
            "people": sc.people,
            "seed": sc.seed,
            "shards": summary.shards,
            "blocks": summary.blocks,
            "seconds": round(seconds, 2),
            "path": dg.MetadataValue.path(str(summary.path)),
            **{f"rows/{table}": count for table, count in summary.rows.items()},
        }
    )


@dg.multi_asset(
    specs=[
        *(_table_spec(t) for t in GENERATED_TABLES),
        dg.AssetSpec(
            key=CALENDAR_KEY,
            description=CALENDAR_COMMENT,
            deps=[LAKE_KEY],
            group_name="warehouse",
            kinds={"duckdb"},
            metadata={
                "dagster/column_schema": _schema(
                    {"month": ("DATE", "First day of the month."), "year": ("INTEGER", "Calendar year of the month.")}
                ),
                "dagster/table_name": "raw.calendar",
            },
        ),
    ],
    name="load_warehouse",
    pool=WAREHOUSE_POOL,
)
def load_warehouse(context: dg.AssetExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource):
    """Load every lake table into a fresh working database (schemas raw and truth) in one transaction."""
    sc = scenario.load()
    reset_database(warehouse.working_path)  # whatever a killed run left there is rebuilt
    con = warehouse.connect()
    try:
        rows = load_lake(con, warehouse.lake, sc)
        previews = {name: table_preview(con, name) for name in rows}
    except LakeError as err:  # the message names the file and the remedy; no traceback needed
        raise dg.Failure(description=str(err), allow_retries=False) from None
    finally:
        con.close()
    context.log.info(f"loaded {sum(rows.values()):,} rows into {warehouse.working_path}")
    for name, count in rows.items():
        yield dg.MaterializeResult(
            asset_key=table_key(name), metadata={"dagster/row_count": count, "preview": previews[name]}
        )


def _metric_asset(metric: MetricSql) -> dg.AssetsDefinition:
    @dg.asset(
        key=table_key(metric.qualified_name),
        description=f"{metric.description}\n\nSQL: sql/{metric.path.name}",
        deps=[table_key(t) for t in metric.reads],
        group_name="metrics",
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "sql"},
        metadata={
            "dagster/column_schema": _schema({c: ("", d) for c, d in metric.columns.items()}),
            "dagster/table_name": metric.qualified_name,
            "sql": dg.MetadataValue.md(f"```sql\n{metric.query}\n```"),
        },
    )
    def _build(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        con = warehouse.connect()
        try:
            count = build_metric(con, metric)
            shown = metric_metadata(con, metric.name, metric.qualified_name, warn=context.log.warning)
        finally:
            con.close()
        return dg.MaterializeResult(metadata={"dagster/row_count": count, **shown})

    return _build


def metric_assets() -> list[dg.AssetsDefinition]:
    return [_metric_asset(m) for m in discover_metrics()]


def _warehouse_keys() -> list[dg.AssetKey]:
    tables = [table_key(t.qualified_name) for t in GENERATED_TABLES] + [CALENDAR_KEY]
    return tables + [table_key(m.qualified_name) for m in discover_metrics()]


@dg.asset(
    key=PUBLISHED_KEY,
    deps=_warehouse_keys(),
    pool=WAREHOUSE_POOL,
    group_name="publish",
    kinds={"duckdb"},
    description=(
        "The warehouse file analysts open (data/warehouse.duckdb by default): the working database, "
        "copied and renamed over the published file in one atomic step once every table is built "
        "and every blocking check has passed. Readers holding the old file keep their version; "
        "new connections see the new one."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    size = publish_database(warehouse.working_path, warehouse.path)
    context.log.info(f"published {warehouse.path} ({size / 1e6:.1f} MB)")
    return dg.MaterializeResult(
        metadata={"path": dg.MetadataValue.path(warehouse.path), "size_mb": round(size / 1e6, 1)}
    )
