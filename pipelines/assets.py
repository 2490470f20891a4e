"""Dagster assets, in groups that mirror the data flow: generate -> warehouse -> metrics -> publish.

- ``parquet_lake`` (generate): the scenario generated into Parquet, one step per shard.
- ``raw/*``, ``truth/*`` (warehouse): the lake loaded into DuckDB in one transaction.
- ``metrics/<name>`` (metrics): one asset per ``sql/<name>.sql`` file, discovered from
  the folder; its dependencies are the tables the query reads.
- ``published_warehouse`` (publish): the checked working database swapped in as the
  file analysts open.
"""


import os
import shutil
import time
from pathlib import Path

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
from synthetic.lake import finish_lake, generate_shard, new_staging, shard_blocks
from synthetic.pause import pause_point
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


@dg.op(out=dg.DynamicOut(dict), pool=WAREHOUSE_POOL)
def plan_lake_shards(context: dg.OpExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource):
    """Validate the scenario, open a staging lake, and emit one step per shard."""
    sc = scenario.load()  # validation first: a bad scenario stops here, before anything is written
    staging = new_staging(warehouse.lake)
    plan = shard_blocks(sc.people, sc.shards)
    context.log.info(f"{sc.people:,} people in {len(plan)} shards, staged in {staging}")
    for shard, blocks in enumerate(plan):
        yield dg.DynamicOutput(
            {"shard": shard, "blocks": blocks, "staging": str(staging)}, mapping_key=f"shard_{shard}"
        )


@dg.op(pool=WAREHOUSE_POOL)
def generate_lake_shard(context: dg.OpExecutionContext, scenario: ScenarioResource, shard: dict) -> dict:
    """Generate one shard's blocks into the staging lake (its chunks in parallel processes).

    Shards share nothing but the staging folder: on a distributed executor each shard is
    a step of its own, on whichever machine has the folder mounted.
    """
    sc = scenario.load()
    started = time.perf_counter()
    rows = generate_shard(sc, shard["shard"], shard["blocks"], shard["staging"], workers=scenario.workers or os.cpu_count() or 1)
    blocks = shard["blocks"]
    context.log.info(
        f"shard {shard['shard']}: blocks {blocks[0]}-{blocks[-1]}, {rows.get('truth_people', 0):,} people, "
        f"{sum(rows.values()):,} rows in {time.perf_counter() - started:.1f}s"
    )
    pause_point("generate")
    return {**shard, "rows": rows}


@dg.op(pool=WAREHOUSE_POOL)
def assemble_lake(context: dg.OpExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource, shards: list[dict]):
    """Add the tables that span all people, then swap the staging lake in for the old one."""
    sc = scenario.load()
    shards = sorted(shards, key=lambda s: s["shard"])
    staging = Path(shards[0]["staging"])
    try:
        summary = finish_lake(sc, staging, warehouse.lake, [s["rows"] for s in shards])
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # gone already once swapped in
    context.log.info(f"lake of {sc.people:,} people in {summary.shards} shards: {summary.path}")
    return dg.Output(
        None,
        metadata={
            "scenario": sc.name,
            "people": sc.people,
            "seed": sc.seed,
            "shards": summary.shards,
            "blocks": summary.blocks,
            "path": dg.MetadataValue.path(str(summary.path)),
            **{f"rows/{table}": count for table, count in summary.rows.items()},
        },
    )


@dg.graph_asset(
    key=LAKE_KEY,
    group_name="generate",
    kinds={"python", "parquet"},
    description=(
        "The synthetic world and the platform's view of it, generated from the scenario into a "
        "Parquet lake: <lake>/<schema>_<table>/shard=<k>/part-<c>.parquet. One step per shard "
        "(generate_lake_shard[shard_k]), each with its own random streams, so shards can run in "
        "parallel processes or on other machines; one seed gives the same rows whatever the "
        "shard count. The new lake replaces the old one only when every shard is written."
    ),
)
def parquet_lake():
    return assemble_lake(plan_lake_shards().map(generate_lake_shard).collect())


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
