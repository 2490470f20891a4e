"""Dagster assets, in groups that mirror the data flow: generate -> warehouse -> metrics -> publish.

- ``parquet_lake`` (generate): the scenario generated into Parquet, one step per shard.
- ``raw/*``, ``truth/*`` (warehouse): the lake loaded into DuckDB in one transaction.
- ``metrics/<name>`` (metrics): one asset per ``sql/<name>.sql`` file, discovered from
  the folder; its dependencies are the tables the query reads.
- ``published_warehouse`` (publish): the checked working database, the report and the
  release of the same run, made visible together (pipelines/publication.py).
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
    WAREHOUSE_BYTES_PER_PERSON,
    MetricSql,
    build_metric,
    discover_metrics,
    load_lake,
    reset_database,
)
from pipelines.publication import PublishError, clear_other_staging, forget_build, publish, record_build
from synthetic.lake import (
    LAKE_BYTES_PER_PERSON,
    finish_lake,
    generate_shard,
    new_staging,
    require_free_space,
    shard_blocks,
)
from synthetic.manifest import LakeError, check_lake_target
from synthetic.pause import pause_point
from synthetic.tables import GENERATED_TABLES, Table

LAKE_KEY = dg.AssetKey("parquet_lake")
PUBLISHED_KEY = dg.AssetKey("published_warehouse")
REPORT_KEY = dg.AssetKey("insight_report")
RELEASE_KEY = dg.AssetKey(["release", "public_release"])
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
    layout = warehouse.layout
    old_working = layout.working.stat().st_size if layout.working.exists() else 0  # rebuilt, so freed
    needed = sc.people * (LAKE_BYTES_PER_PERSON + 2 * WAREHOUSE_BYTES_PER_PERSON) - old_working
    try:
        check_lake_target(Path(warehouse.lake))
        require_free_space(layout.root, needed, f"a run of {sc.people:,} people (lake, working and published warehouse)")
        staging = new_staging(warehouse.lake)
    except LakeError as err:
        raise dg.Failure(description=str(err), allow_retries=False) from None
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
    try:
        rows = generate_shard(
            sc, shard["shard"], shard["blocks"], shard["staging"], workers=scenario.workers or os.cpu_count() or 1
        )
    except BaseException:
        # A failed shard fails the run: the staging lake will never be finished, and a disk
        # that filled up should not stay full.
        shutil.rmtree(shard["staging"], ignore_errors=True)
        raise
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
    layout = warehouse.layout
    forget_build(layout)
    clear_other_staging(layout, context.run_id)  # what failed or killed runs staged and never published
    reset_database(warehouse.working_path)  # whatever a killed run left there is rebuilt
    con = warehouse.connect()
    try:
        rows = load_lake(con, warehouse.lake, sc)
        previews = {name: table_preview(con, name) for name in rows}
    except LakeError as err:  # the message names the file and the remedy; no traceback needed
        con.close()
        reset_database(warehouse.working_path)  # half a database is of no use: give the space back
        raise dg.Failure(description=str(err), allow_retries=False) from None
    except BaseException:
        con.close()
        reset_database(warehouse.working_path)
        raise
    con.close()
    record_build(layout, context.run_id)
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
    deps=[*_warehouse_keys(), REPORT_KEY, RELEASE_KEY],
    pool=WAREHOUSE_POOL,
    group_name="publish",
    kinds={"duckdb"},
    description=(
        "What analysts open, published together from this run once every table, the report and the "
        "release are built and every blocking check has passed: data/warehouse.duckdb, data/report/ and "
        "data/public/ by default. The three are assembled into a new snapshot, opened and checked, and "
        "made visible in one atomic switch; a failure or kill at any point leaves all three as they "
        "were. Readers holding the old file keep their version; new connections see the new one."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    layout = warehouse.layout
    try:
        published = publish(layout, context.run_id, log=context.log.warning)
    except PublishError as err:  # the message says why and that nothing changed
        raise dg.Failure(description=str(err), allow_retries=False) from None
    context.log.info(
        f"published {layout.published}, {layout.report} and {layout.release} "
        f"({published.warehouse_bytes / 1e6:.1f} MB, {published.tables} tables)"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(layout.published)),
            "report": dg.MetadataValue.path(str(layout.report / "index.html")),
            "release": dg.MetadataValue.path(str(layout.release)),
            "snapshot": dg.MetadataValue.path(str(published.snapshot)),
            "size_mb": round(published.warehouse_bytes / 1e6, 1),
            "tables": published.tables,
            "recovered": dg.MetadataValue.md("\n".join(f"- {p}" for p in published.recovered) or "none"),
        }
    )
