"""Benchmark: the whole pipeline at a given population, stage by stage, against Faker.

    make benchmark                                   # 1,000,000 people
    make benchmark PEOPLE=10000000
    python benchmarks/pipeline.py --people 1000000 --faker-people 20000 --workers 2

Stages (each in a fresh process, on the default scenario with the population overridden):

    generate   the Parquet lake, shards' chunks in --workers processes
    load       the lake into a new DuckDB file (one writer)
    metrics    dbt build: every model in dependency order, with the tests of the sources and models
    checks     the column expectations of the table contract on raw/truth (GX); the dbt tests
               of the sources and metrics run in the metrics stage
    faker      the usual way, for comparison: Faker called row by row for the same
               tables and columns, on --faker-people people (rows per table as many as
               the generator writes for that population)

For each stage it prints the wall time, the rows written and rows per second, and two
memory figures: the peak resident set of the largest single process, from the operating
system's own accounting (``ru_maxrss`` that ``wait4`` returns for the stage's process
tree), and the peak of the summed resident sets of the stage's process tree, sampled
every 50 ms with psutil (what the machine had to hold at once). Nothing is asserted:
this is a measurement. ``--json FILE`` also writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STAGES = ("generate", "load", "metrics", "checks")


# --------------------------------------------------------------------------------------
# Stages: each runs in its own process and prints one JSON line.
# --------------------------------------------------------------------------------------


def _scenario(people: int, shards: int | None):
    from synthetic.scenario import load_scenario

    return load_scenario("netherlands").with_overrides(people=people, shards=shards)


def stage_generate(folder: Path, people: int, workers: int, shards: int | None) -> dict:
    from synthetic.lake import generate_lake

    started = time.perf_counter()
    summary = generate_lake(_scenario(people, shards), folder / "lake", workers=workers)
    return {"seconds": time.perf_counter() - started, "rows": summary.rows, "shards": summary.shards}


def stage_load(folder: Path, people: int, shards: int | None) -> dict:
    from pipelines.warehouse import connect, load_lake

    started = time.perf_counter()
    con = connect(folder / "warehouse.duckdb")
    rows = load_lake(con, folder / "lake", _scenario(people, shards))
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": rows}


def stage_metrics(folder: Path) -> dict:
    """dbt build: every model and its tests; the time of each from dbt's run results."""
    from pipelines.dbt import build, model_tables
    from pipelines.warehouse import connect

    started = time.perf_counter()
    results = build(folder / "warehouse.duckdb")
    elapsed = time.perf_counter() - started
    seconds = {result["unique_id"].split(".", 2)[-1]: result["execution_time"] for result in results["results"]}
    con = connect(folder / "warehouse.duckdb", read_only=True)
    rows = {table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in model_tables()}
    con.close()
    return {"seconds": elapsed, "rows": rows, "per_table_seconds": seconds}


def stage_checks(folder: Path) -> dict:
    """Every GX column expectation of the contract, table by table."""
    from pipelines.quality import checked_tables, validate_table
    from pipelines.warehouse import connect

    con = connect(folder / "warehouse.duckdb", read_only=True)
    started = time.perf_counter()  # after the imports: GX takes seconds to import, once
    seconds, failed, checks = {}, [], 0
    for table in checked_tables():
        begun = time.perf_counter()
        for outcome in validate_table(con, table):
            checks += 1
            if not outcome.passed:
                failed.append(f"{table}.{outcome.name}")
        seconds[table] = time.perf_counter() - begun
    con.close()
    return {"seconds": time.perf_counter() - started, "rows": {}, "checks": checks, "failed": failed,
            "per_table_seconds": seconds}


def stage_faker(folder: Path, people: int) -> dict:
    """Faker row by row: the same tables, columns and row counts as the generator's."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq
    from faker import Faker

    from synthetic.lake import arrow_schema, generate_lake
    from synthetic.tables import GENERATED_TABLES

    # The row count per table the generator writes for this population (not timed).
    reference = generate_lake(_scenario(people, None), folder / "reference_lake", workers=1).rows
    fake = Faker("nl_NL")
    Faker.seed(20221220)
    start, end = dt.date(2012, 1, 1), dt.date(2025, 12, 1)

    def value(column, row: int):
        name, sql_type = column.name, column.sql_type
        if sql_type == "BIGINT":
            return row + 1 if name.endswith("_id") and name == column_names[0] else fake.random_int(1, 10**9)
        if sql_type == "INTEGER":
            return fake.random_int(1950, 2007)
        if sql_type == "DOUBLE":
            return fake.pyfloat(min_value=0, max_value=1)
        if sql_type == "BOOLEAN":
            return fake.pybool()
        if sql_type == "DATE":
            return fake.date_between(start, end).replace(day=1)
        if sql_type == "VARCHAR[]":
            return [fake.word() for _ in range(fake.random_int(0, 3))]
        if name == "full_name":
            return fake.name()
        if name == "email":
            return fake.email()
        if "city" in name:
            return fake.city()
        if name == "name":
            return fake.company()
        return fake.word()

    started = time.perf_counter()
    rows = {}
    for table in GENERATED_TABLES:
        count = reference.get(table.lake_name, 0)
        column_names = table.column_names
        records = [{c.name: value(c, i) for c in table.columns} for i in range(count)]
        out = folder / "faker_lake" / table.lake_name
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist(records, schema=arrow_schema(table)), out / "part-0.parquet")
        rows[table.lake_name] = count
    return {"seconds": time.perf_counter() - started, "rows": rows}


def run_stage(args: argparse.Namespace) -> None:
    folder = Path(args.folder)
    if args.stage == "generate":
        result = stage_generate(folder, args.people, args.workers, args.shards)
    elif args.stage == "load":
        result = stage_load(folder, args.people, args.shards)
    elif args.stage == "metrics":
        result = stage_metrics(folder)
    elif args.stage == "checks":
        result = stage_checks(folder)
    else:
        result = stage_faker(folder, args.faker_people)
    print(json.dumps(result))


# --------------------------------------------------------------------------------------
# The driver: one process per stage, memory watched from outside.
# --------------------------------------------------------------------------------------


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def measure(stage: str, args: argparse.Namespace, folder: Path) -> dict:
    command = [sys.executable, __file__, "--stage", stage, "--folder", str(folder), "--people", str(args.people),
               "--workers", str(args.workers), "--faker-people", str(args.faker_people)]
    if args.shards:
        command += ["--shards", str(args.shards)]
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        child = subprocess.Popen(command, cwd=ROOT, stdout=out, text=True)
        watched = psutil.Process(child.pid)
        tree_peak = 0
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree_peak = max(tree_peak, _tree_rss(watched))
            except psutil.Error:
                pass
            time.sleep(0.05)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        out.seek(0)
        lines = out.read().strip().splitlines()
    if child.returncode != 0 or not lines:
        raise SystemExit(f"stage {stage} failed with exit code {child.returncode} after {wall:.0f} s "
                         f"(peak {_gib(tree_peak)} GiB for the process tree)")
    result = json.loads(lines[-1])
    result.update(wall=wall, max_process_rss=usage.ru_maxrss * 1024, tree_rss=tree_peak)
    return result


def _gib(value: float) -> str:
    return f"{value / 2**30:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--faker-people", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--shards", type=int, default=None, help="default: the scenario's")
    parser.add_argument("--folder", help="where the lake and warehouse go (default: a temporary folder)")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument("--stages", default=",".join((*STAGES, "faker")),
                        help="comma-separated subset of generate,load,metrics,checks,faker (in that order; "
                             "each needs the ones before it, faker none)")
    parser.add_argument("--stage", choices=(*STAGES, "faker"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        run_stage(args)
        return

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, "
          f"{psutil.virtual_memory().total / 2**30:.0f} GiB; python {platform.python_version()}")
    print(f"people: {args.people:,}; generator workers: {args.workers}; faker people: {args.faker_people:,}\n")
    stages = [s for s in (*STAGES, "faker") if s in args.stages.split(",")]
    header = f"{'stage':<10} {'wall s':>8} {'work s':>8} {'rows':>13} {'rows/s':>12} {'max proc GiB':>13} {'tree GiB':>9}"
    print(header)
    print("-" * len(header), flush=True)
    results = {}
    with tempfile.TemporaryDirectory(dir=args.folder) as folder:
        for stage in stages:  # each line as soon as its stage ends: a long run shows progress
            r = results[stage] = measure(stage, args, Path(folder))
            rows = sum(r["rows"].values())
            rate = f"{rows / r['seconds']:,.0f}" if rows else ""
            print(f"{stage:<10} {r['wall']:>8.1f} {r['seconds']:>8.1f} {rows:>13,} {rate:>12} "
                  f"{_gib(r['max_process_rss']):>13} {_gib(r['tree_rss']):>9}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({"people": args.people, "workers": args.workers,
                                               "faker_people": args.faker_people, "stages": results}, indent=2))
    if set(stages) != {*STAGES, "faker"}:
        return
    generated = sum(results["generate"]["rows"].values()) / results["generate"]["seconds"]
    faker = sum(results["faker"]["rows"].values()) / results["faker"]["seconds"]
    totals = {
        "generate + load": sum(results[s]["wall"] for s in ("generate", "load")),
        "metrics + checks": sum(results[s]["wall"] for s in ("metrics", "checks")),
    }
    print()
    for name, seconds in totals.items():
        print(f"{name}: {seconds:.1f} s wall")
    print(f"peak memory of any stage: {_gib(max(r['tree_rss'] for r in results.values() if r is not results['faker']))} "
          f"GiB (process tree), {_gib(max(r['max_process_rss'] for r in results.values()))} GiB (largest process)")
    print(f"generator {generated:,.0f} rows/s against Faker row by row {faker:,.0f} rows/s: {generated / faker:,.0f}x")
    print("\nrows per table (generate, load):")
    for table, count in results["generate"]["rows"].items():
        print(f"  {table:<28} {count:>13,}")
    print("\ndbt build, every model and test, slowest first (seconds):")
    for name, seconds in sorted(results["metrics"]["per_table_seconds"].items(), key=lambda kv: -kv[1]):
        print(f"  {name:<70} {seconds:>8.2f}")
    slowest = sorted(results["checks"]["per_table_seconds"].items(), key=lambda kv: -kv[1])[:8]
    print("slowest tables to check: " + ", ".join(f"{name} {s:.1f}s" for name, s in slowest))
    if results["checks"]["failed"]:
        print(f"failed checks: {', '.join(results['checks']['failed'])}")


if __name__ == "__main__":
    main()
