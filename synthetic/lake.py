"""The Parquet lake: every table, one folder per table and one sub-folder per shard.

    <lake>/<schema>_<table>/shard=<k>/part-0.parquet

Each shard is generated and written by one process (a worker of a process pool, or
the caller itself), with no shared state: shards could as well run on other machines.
A new lake is written next to the old one and swapped in only when every shard is
complete, so a failed generation never leaves a half-written lake behind; what a killed
generation leaves next to the lake is removed by the next one.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from synthetic.generate import block_count, generate_block, world_companies
from synthetic.model import compile_model
from synthetic.pause import pause_point
from synthetic.parameters import parameters_frame
from synthetic.scenario import Scenario
from synthetic.tables import GENERATED_TABLES

GLOBAL_TABLES = ("raw_companies", "raw_skills", "truth_parameters")  # not split by people: written by shard 0


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


def _write(frame: pl.DataFrame, root: Path, table: str, shard: int) -> None:
    folder = root / table / f"shard={shard}"
    folder.mkdir(parents=True, exist_ok=True)
    frame.write_parquet(folder / "part-0.parquet", compression="zstd", statistics=True)


def generate_shard(scenario: Scenario, shard: int, blocks: list[int], root: str) -> dict[str, int]:
    """Generate the given blocks and write them as shard ``shard`` under ``root``."""
    model = compile_model(scenario)
    companies, pools = world_companies(model)
    parts: dict[str, list[pl.DataFrame]] = {}
    for block in blocks:
        for table, frame in generate_block(model, companies, pools, block).items():
            parts.setdefault(table, []).append(frame)
    if shard == 0:
        parts["raw_companies"] = [companies.frame(model)]
        parts["raw_skills"] = [
            pl.DataFrame(
                {"skill": list(scenario.skills), "skill_group": [s.group for s in scenario.skills.values()]},
                schema={"skill": pl.String, "skill_group": pl.String},
            )
        ]
        parts["truth_parameters"] = [parameters_frame(scenario)]
    rows = {}
    for table, frames in parts.items():
        frame = pl.concat(frames, how="vertical")
        _write(frame, Path(root), table, shard)
        rows[table] = frame.height
    return rows


def generate_lake(
    scenario: Scenario,
    lake: str | Path,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> LakeSummary:
    """Generate every shard of ``scenario`` into ``lake``, replacing it only on success.

    ``progress`` (e.g. a logger's ``info``) receives one line per finished shard. It runs
    in this process only, never in the workers, so it need not be picklable.
    """
    lake = Path(lake)
    remove_stale_staging(lake)
    plan = shard_blocks(scenario.people, scenario.shards)
    workers = max(1, min(workers or os.cpu_count() or 1, len(plan)))
    staging = lake.with_name(f".{lake.name}.partial-{uuid.uuid4().hex[:8]}")
    lake.parent.mkdir(parents=True, exist_ok=True)
    totals: dict[str, int] = {t.lake_name: 0 for t in GENERATED_TABLES}
    started = time.perf_counter()

    def shard_done(shard: int, rows: dict[str, int]) -> None:
        if progress is not None:
            blocks = plan[shard]
            progress(
                f"shard {shard + 1}/{len(plan)} written: blocks {blocks[0]}-{blocks[-1]}, "
                f"{rows.get('truth_people', 0):,} people, {sum(rows.values()):,} rows "
                f"({time.perf_counter() - started:.1f}s)"
            )

    try:
        if workers == 1:
            results = []
            for k, blocks in enumerate(plan):
                results.append(generate_shard(scenario, k, blocks, str(staging)))
                shard_done(k, results[-1])
                pause_point("generate")
        else:
            context = multiprocessing.get_context("spawn")  # no inherited state, same result as in-process
            with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
                futures = [pool.submit(generate_shard, scenario, k, b, str(staging)) for k, b in enumerate(plan)]
                results = []
                # In shard order: a shard that finishes early is reported after those before it.
                for k, future in enumerate(futures):
                    results.append(future.result())
                    shard_done(k, results[-1])
                    pause_point("generate")
        for rows in results:
            for table, count in rows.items():
                totals[table] += count
        missing = [t for t in totals if not (staging / t).is_dir()]
        if missing:
            raise RuntimeError(f"generation wrote no files for {missing}")
        _swap_in(staging, lake)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return LakeSummary(path=lake, shards=len(plan), blocks=sum(len(b) for b in plan), rows=totals)


def remove_stale_staging(lake: Path) -> None:
    """Remove what a killed generation left next to the lake (runs never overlap)."""
    for leftover in lake.parent.glob(f".{lake.name}.*-*"):
        if leftover.name.startswith((f".{lake.name}.partial-", f".{lake.name}.old-")):
            shutil.rmtree(leftover, ignore_errors=True)


def _swap_in(staging: Path, lake: Path) -> None:
    retired = lake.with_name(f".{lake.name}.old-{uuid.uuid4().hex[:8]}")
    if lake.exists():
        os.replace(lake, retired)
    os.replace(staging, lake)
    shutil.rmtree(retired, ignore_errors=True)
