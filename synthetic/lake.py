"""The Parquet lake: every table, one folder per table and one sub-folder per shard.

    <lake>/<schema>_<table>/shard=<k>/part-<c>.parquet

People are generated in fixed blocks (synthetic/generate.py). A shard is a contiguous run
of blocks, generated with no shared state, so shards can run in separate processes or,
as Dagster steps on a distributed executor, on separate machines. Within a shard, blocks
are written in chunks of BLOCKS_PER_FILE, one Parquet file per chunk and table: memory
holds one chunk per process, whatever the population.

A new lake is written next to the old one (the staging folder) and swapped in only when
every shard is complete, so a failed generation never leaves a half-written lake behind;
what a killed generation leaves next to the lake is removed by the next one. Each shard's
files are hashed as soon as it is written, and LAKE.json (synthetic/manifest.py) lists
every file with its hash: the load verifies them, and the generator replaces only a folder
that carries that mark, never anything else.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from synthetic.connections import write_connections
from synthetic.companies import Companies
from synthetic.generate import block_count, generate_blocks, world_companies
from synthetic.manifest import (
    MARKER,
    STAGING_MARKER,
    LakeError,
    check_lake_target,
    finish_manifest,
    is_generated_lake,
    write_part_manifest,
)
from synthetic.model import Model, compile_model
from synthetic.pools import NamePools
from synthetic.pause import pause_point
from synthetic.parameters import parameters_frame
from synthetic.scenario import Scenario
from synthetic.tables import GENERATED_TABLES, Table

GLOBAL_TABLES = ("raw_companies", "raw_skills", "truth_parameters", "truth_employers")  # not split by people: one file each
# 16 blocks of 4,096 people: about 2 million rows per chunk, a few hundred MB at most.
BLOCKS_PER_FILE = 16
# Lake bytes per person of the default scenario: 290 at 120,000 people, 302 at 1M (with the
# residences and profile locations). Rounded up, for the free-space check before generating.
LAKE_BYTES_PER_PERSON = 350

_ARROW_TYPES = {
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "DOUBLE": pa.float64(),
    "BOOLEAN": pa.bool_(),
    "DATE": pa.date32(),
    "VARCHAR": pa.string(),
    "VARCHAR[]": pa.list_(pa.string()),
}
_TABLES_BY_LAKE_NAME = {t.lake_name: t for t in GENERATED_TABLES}


@dataclass(frozen=True)
class LakeSummary:
    path: Path
    shards: int
    blocks: int
    rows: dict[str, int]


def shard_blocks(people: int, shards: int) -> list[list[int]]:
    """Contiguous runs of blocks per shard; never more shards than blocks."""
    blocks = block_count(people)
    shards = max(1, min(shards, blocks))
    return [list(range(k * blocks // shards, (k + 1) * blocks // shards)) for k in range(shards)]


def shard_chunks(blocks: list[int], parallel: int = 1) -> list[list[int]]:
    """The blocks of one shard in file-sized chunks, at least ``parallel`` of them when the
    shard has that many blocks, so that every worker process has a chunk to generate."""
    size = max(1, min(BLOCKS_PER_FILE, -(-len(blocks) // max(1, parallel))))
    return [blocks[i : i + size] for i in range(0, len(blocks), size)]


def arrow_schema(table: Table) -> pa.Schema:
    return pa.schema([pa.field(c.name, _ARROW_TYPES[c.sql_type]) for c in table.columns])


def _conform(data: pa.Table, table: Table) -> pa.Table:
    """The contract's column order and types; dictionary-coded strings stay dictionary-coded
    (they are written as plain strings' dictionary pages, and read back as strings)."""
    columns = []
    for field in arrow_schema(table):
        column = data.column(field.name)
        coded_string = pa.types.is_dictionary(column.type) and column.type.value_type == field.type
        columns.append(column if column.type == field.type or coded_string else column.cast(field.type))
    return pa.table(columns, names=table.column_names)


def write_table_file(
    frame: pl.DataFrame | pa.Table, root: Path, lake_name: str, shard: int, part: int
) -> int:
    """Write one file of a table, with the contract's column order and types."""
    folder = root / lake_name / f"shard={shard}"
    folder.mkdir(parents=True, exist_ok=True)
    table = _TABLES_BY_LAKE_NAME.get(lake_name)
    data = frame.to_arrow() if isinstance(frame, pl.DataFrame) else frame
    if table is not None:
        data = _conform(data, table)
    schema = data.schema
    # Identifiers (BIGINT) take too many values for a dictionary to pay: delta-encoded they
    # write faster and smaller (ids ascend within a file). Names, e-mail addresses and
    # measured amounts (wages, DOUBLE) are nearly all distinct: plain. Labels, dates and the
    # rest repeat and get a dictionary.
    ids = [f.name for f in schema if pa.types.is_int64(f.type)]
    distinct = [
        f.name for f in schema
        if pa.types.is_string(f.type) or pa.types.is_large_string(f.type) or pa.types.is_float64(f.type)
    ]
    pq.write_table(
        data,
        folder / f"part-{part}.parquet",
        compression="zstd",
        use_dictionary=[f.name for f in schema if f.name not in ids and f.name not in distinct],
        column_encoding={name: "DELTA_BINARY_PACKED" for name in ids},
        # Min/max of a coded label column would prune nothing (a file holds nearly every
        # label) and cost a sixth of the writing: statistics for the other columns only.
        write_statistics=[f.name for f in schema if not pa.types.is_dictionary(f.type)],
        # No Arrow schema in the file: a dictionary-coded column reads back as plain strings.
        store_schema=False,
    )
    return data.num_rows


# The compiled model, companies and name pools of the scenario this process last generated.
# Building the companies takes seconds at country size; a worker process generates many
# chunks of one scenario, so it builds them once, not once per chunk.
_WORLD: dict[str, tuple[Model, Companies, NamePools]] = {}


def _world(scenario: Scenario) -> tuple[Model, Companies, NamePools]:
    key = scenario.model_dump_json()
    if key not in _WORLD:
        _WORLD.clear()
        model = compile_model(scenario)
        _WORLD[key] = (model, *world_companies(model))
    return _WORLD[key]


def generate_chunk(scenario: Scenario, shard: int, part: int, blocks: list[int], root: str) -> dict[str, int]:
    """Generate the given blocks and write them as file ``part`` of shard ``shard``."""
    model, companies, pools = _world(scenario)
    tables = generate_blocks(model, companies, pools, blocks)
    return {table: write_table_file(data, Path(root), table, shard, part) for table, data in tables.items()}


def _add(totals: dict[str, int], rows: dict[str, int]) -> dict[str, int]:
    for table, count in rows.items():
        totals[table] = totals.get(table, 0) + count
    return totals


def _run_chunks(
    scenario: Scenario, jobs: list[tuple[int, int, list[int]]], root: Path, workers: int
) -> Iterable[tuple[tuple[int, int, list[int]], dict[str, int]]]:
    """Generate (shard, part, blocks) jobs in ``workers`` processes; yields them in job order."""
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job, generate_chunk(scenario, *job, str(root))
        return
    context = multiprocessing.get_context("spawn")  # no inherited state, same result as in-process
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [pool.submit(generate_chunk, scenario, *job, str(root)) for job in jobs]
        for job, future in zip(jobs, futures):
            yield job, future.result()


def _chunk_files(shard: int, part: int, rows: dict[str, int]) -> list[str]:
    """The files one chunk wrote, relative to the lake (see write_table_file)."""
    return [f"{table}/shard={shard}/part-{part}.parquet" for table in rows]


def generate_shard(scenario: Scenario, shard: int, blocks: list[int], staging: str | Path, workers: int = 1) -> dict[str, int]:
    """Generate one shard into the staging lake, its chunks in ``workers`` processes, and
    record the hashes of its files in the shard's manifest."""
    jobs = [(shard, part, chunk) for part, chunk in enumerate(shard_chunks(blocks, workers))]
    totals: dict[str, int] = {}
    files: list[str] = []
    for (_, part, _), rows in _run_chunks(scenario, jobs, Path(staging), workers):
        _add(totals, rows)
        files += _chunk_files(shard, part, rows)
    write_part_manifest(Path(staging), f"shard={shard}", files)
    return totals


def require_free_space(folder: Path, needed: int, purpose: str) -> None:
    """Refuse up front, with the figures, a run the disk cannot hold: a disk that fills up
    half-way fails later, less clearly, after minutes of work."""
    probe = folder
    while not probe.exists():
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if needed > free:
        raise LakeError(
            f"{purpose} needs about {needed / 1e9:,.2f} GB free in {folder}, and {free / 1e9:,.2f} GB are; "
            "nothing was written: free some space or generate fewer people"
        )


def new_staging(lake: str | Path) -> Path:
    """A fresh staging folder next to the lake (what a killed generation left is removed first).

    Refuses, before anything is written, a lake path that holds something other than a lake.
    """
    lake = Path(lake)
    check_lake_target(lake)
    remove_stale_staging(lake)
    lake.parent.mkdir(parents=True, exist_ok=True)
    staging = lake.with_name(f".{lake.name}.partial-{uuid.uuid4().hex[:8]}")
    staging.mkdir()
    (staging / STAGING_MARKER).touch()
    return staging


def write_global_tables(scenario: Scenario, staging: Path) -> dict[str, int]:
    """Tables that do not depend on people: companies, the skill taxonomy, the planted parameters,
    the employers' wage effects."""
    model, companies, _ = _world(scenario)
    frames = {
        "raw_companies": companies.frame(model),
        "raw_skills": pl.DataFrame(
            {"skill": list(scenario.skills), "skill_group": [s.group for s in scenario.skills.values()]},
            schema={"skill": pl.String, "skill_group": pl.String},
        ),
        "truth_parameters": parameters_frame(scenario),
        "truth_employers": pl.DataFrame({"company_id": companies.company_id, "wage_effect": companies.wage_effect}),
    }
    return {table: write_table_file(frame, staging, table, 0, 0) for table, frame in frames.items()}


def finish_lake(scenario: Scenario, staging: Path, lake: str | Path, shard_rows: list[dict[str, int]]) -> LakeSummary:
    """Add the global tables to a staging lake whose shards are all written, and swap it in."""
    lake = Path(lake)
    totals: dict[str, int] = {t.lake_name: 0 for t in GENERATED_TABLES}
    for rows in shard_rows:
        _add(totals, rows)
    global_rows = write_global_tables(scenario, staging)
    _add(totals, global_rows)
    totals["raw_connections"] = write_connections(scenario, staging)
    missing = [t for t in totals if not (staging / t).is_dir()]
    if missing:
        raise RuntimeError(f"generation wrote no files for {missing}")
    connections = [p.relative_to(staging).as_posix() for p in (staging / "raw_connections").glob("shard=*/*.parquet")]
    write_part_manifest(staging, "global", _chunk_files(0, 0, global_rows) + connections)
    blocks = block_count(scenario.people)
    finish_manifest(
        staging,
        {"scenario": scenario.name, "people": scenario.people, "seed": scenario.seed, "shards": len(shard_rows),
         "rows": totals},
    )
    (staging / STAGING_MARKER).unlink()
    _swap_in(staging, lake)
    return LakeSummary(path=lake, shards=len(shard_rows), blocks=blocks, rows=totals)


def generate_lake(
    scenario: Scenario,
    lake: str | Path,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> LakeSummary:
    """Generate every shard of ``scenario`` into ``lake``, replacing it only on success.

    All chunks of all shards share one pool of ``workers`` processes. ``progress`` (e.g.
    a logger's ``info``) receives one line per finished shard; it runs in this process
    only, never in the workers, so it need not be picklable.
    """
    plan = shard_blocks(scenario.people, scenario.shards)
    workers = max(1, workers or os.cpu_count() or 1)
    per_shard = -(-workers // len(plan))
    chunks = [shard_chunks(blocks, per_shard) for blocks in plan]
    jobs = [(k, part, chunk) for k, shard in enumerate(chunks) for part, chunk in enumerate(shard)]
    workers = min(workers, len(jobs))
    check_lake_target(Path(lake))
    require_free_space(Path(lake).parent, scenario.people * LAKE_BYTES_PER_PERSON, f"a lake of {scenario.people:,} people")
    staging = new_staging(lake)
    started = time.perf_counter()
    shard_rows: list[dict[str, int]] = [{} for _ in plan]
    shard_files: list[list[str]] = [[] for _ in plan]
    remaining = [len(shard) for shard in chunks]
    try:
        for (shard, part, _), rows in _run_chunks(scenario, jobs, staging, workers):
            _add(shard_rows[shard], rows)
            shard_files[shard] += _chunk_files(shard, part, rows)
            remaining[shard] -= 1
            if remaining[shard] == 0:
                write_part_manifest(staging, f"shard={shard}", shard_files[shard])
                if progress is not None:
                    blocks, done = plan[shard], shard_rows[shard]
                    progress(
                        f"shard {shard + 1}/{len(plan)} written: blocks {blocks[0]}-{blocks[-1]}, "
                        f"{done.get('truth_people', 0):,} people, {sum(done.values()):,} rows "
                        f"({time.perf_counter() - started:.1f}s)"
                    )
                pause_point("generate")
        return finish_lake(scenario, staging, lake, shard_rows)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def remove_stale_staging(lake: Path) -> None:
    """Remove what a killed generation left next to the lake (runs never overlap): staging
    folders that carry the staging mark and retired lakes, nothing else of that name."""
    for leftover in lake.parent.glob(f".{lake.name}.*-*"):
        if leftover.is_symlink() or not leftover.is_dir():
            continue
        partial = leftover.name.startswith(f".{lake.name}.partial-") and (
            (leftover / STAGING_MARKER).is_file() or is_generated_lake(leftover)  # or left by an older version
        )
        retired = leftover.name.startswith(f".{lake.name}.old-") and is_generated_lake(leftover)
        if partial or retired:
            shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, lake: Path) -> None:
    """Put the finished staging lake in place of ``lake``, which is nothing, an empty folder or
    a lake (checked again here: the path may have changed while the lake was generated)."""
    check_lake_target(lake)
    if not (staging / MARKER).is_file():
        raise LakeError(f"{staging} has no {MARKER}; not swapping in an unfinished lake")
    retired = lake.with_name(f".{lake.name}.old-{uuid.uuid4().hex[:8]}")
    if lake.exists():
        os.replace(lake, retired)
    os.replace(staging, lake)
    shutil.rmtree(retired, ignore_errors=True)
