"""``parquet_lake`` (group generate): the scenario generated into Parquet, one step per shard."""

# No `from __future__ import annotations`: Dagster reads the context and resource
# annotations at definition time and cannot resolve them from strings.
import os
import shutil
import time
from pathlib import Path

import dagster as dg

from pipelines.keys import LAKE_KEY, WAREHOUSE_POOL
from pipelines.resources import ScenarioResource, WarehouseResource
from pipelines.warehouse import estimate_warehouse_bytes
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


@dg.op(out=dg.DynamicOut(dict), pool=WAREHOUSE_POOL)
def plan_lake_shards(context: dg.OpExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource):
    """Validate the scenario, open a staging lake, and emit one step per shard."""
    sc = scenario.load()  # validation first: a bad scenario stops here, before anything is written
    layout = warehouse.layout
    old_working = layout.working.stat().st_size if layout.working.exists() else 0  # rebuilt, so freed
    # The new lake is written while the old working database still exists (the load
    # deletes it); then the working and the published warehouse come.
    lake_bytes = sc.people * LAKE_BYTES_PER_PERSON
    needed = max(lake_bytes, lake_bytes + 2 * estimate_warehouse_bytes(sc.people) - old_working)
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
