"""Compare every metrics.* table of a warehouse with what the metric SQL of an earlier commit
computes on the same raw and truth tables.

    python benchmarks/compare_metrics.py data/work/warehouse.duckdb --reference 4f5e50e

The reference commit's sql/<name>.sql files (one SELECT each, reading raw.*, truth.* and
metrics.*) are run on a copy of the warehouse into a schema of their own, in the order
they read each other; each table is then compared with metrics.<name>: the same columns,
the same number of rows, and row for row the same values, floating-point values within a
relative 1e-9. Exit code 0 when every table matches, 1 otherwise (each difference printed).
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.warehouse import connect  # noqa: E402

RELATIVE_TOLERANCE = 1e-9
REFERENCE_SCHEMA = "reference"


def reference_queries(commit: str) -> dict[str, str]:
    """name -> query of every sql/*.sql at ``commit`` (header comments dropped)."""
    listing = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{commit}:sql"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    queries = {}
    for name in listing:
        if not name.endswith(".sql"):
            continue
        text = subprocess.run(
            ["git", "show", f"{commit}:sql/{name}"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        body = "\n".join(line for line in text.splitlines() if not line.startswith("--")).strip().rstrip(";")
        queries[name[:-4]] = body
    if not queries:
        raise SystemExit(f"commit {commit} has no sql/*.sql metric files")
    return queries


def build_reference(con: duckdb.DuckDBPyConnection, queries: dict[str, str]) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {REFERENCE_SCHEMA}")
    built: set[str] = set()

    def build(name: str) -> None:
        if name in built:
            return
        for dependency in re.findall(r"\bmetrics\.([a-z_][a-z0-9_]*)\b", queries[name]):
            if dependency != name and dependency in queries:
                build(dependency)
        query = re.sub(r"(?<!')\bmetrics\.", f"{REFERENCE_SCHEMA}.", queries[name])  # not in a string literal
        con.execute(f"CREATE OR REPLACE TABLE {REFERENCE_SCHEMA}.{name} AS {query}")
        built.add(name)

    for name in sorted(queries):
        build(name)


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=1e-12)
    return a == b


def compare_table(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    new, old = f"metrics.{name}", f"{REFERENCE_SCHEMA}.{name}"
    new_types = [tuple(r[:2]) for r in con.execute(f"DESCRIBE {new}").fetchall()]
    old_types = [tuple(r[:2]) for r in con.execute(f"DESCRIBE {old}").fetchall()]
    if new_types != old_types:
        return [f"{name}: columns or types differ: {new_types} vs reference {old_types}"]
    types = dict(new_types)
    new_columns = list(types)
    # Rows in the order of their exact columns first, so that a last-bit difference in a
    # float never reorders them.
    exact = [c for c in new_columns if types[c] not in ("DOUBLE", "FLOAT")]
    inexact = [c for c in new_columns if c not in exact]
    order = ", ".join(f'"{c}" NULLS FIRST' for c in exact + inexact)
    new_rows = con.execute(f"SELECT * FROM {new} ORDER BY {order}").fetchall()
    old_rows = con.execute(f"SELECT * FROM {old} ORDER BY {order}").fetchall()
    if len(new_rows) != len(old_rows):
        return [f"{name}: {len(new_rows)} rows vs reference {len(old_rows)}"]
    problems = []
    for new_row, old_row in zip(new_rows, old_rows):
        if not all(_same(a, b) for a, b in zip(new_row, old_row)):
            problems.append(f"{name}: row {new_row} vs reference {old_row}")
            if len(problems) >= 5:
                break
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("warehouse", type=Path, help="a DuckDB file with raw, truth and metrics built")
    parser.add_argument("--reference", required=True, help="the commit whose sql/*.sql computes the reference")
    args = parser.parse_args()
    if not args.warehouse.is_file():
        parser.error(f"warehouse: no file at {args.warehouse}")
    queries = reference_queries(args.reference)
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "warehouse.duckdb"
        shutil.copyfile(args.warehouse, copy)
        con = connect(copy)
        try:
            build_reference(con, queries)
            problems = []
            for name in sorted(queries):
                found = compare_table(con, name)
                rows = con.execute(f"SELECT count(*) FROM {REFERENCE_SCHEMA}.{name}").fetchone()[0]
                print(f"{'same' if not found else 'DIFFERENT':9} {name} ({rows:,} rows)")
                problems += found
        finally:
            con.close()
    for problem in problems:
        print(problem)
    print(f"{len(queries)} metrics compared with {args.reference}: " + ("all the same" if not problems else "differences"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
