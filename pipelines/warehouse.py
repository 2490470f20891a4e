"""The DuckDB warehouse: loading the lake, running the metric SQL, documenting columns.

Plain functions on a DuckDB connection, so they run the same under Dagster, in tests
and in a notebook. Every file is written with an explicit storage version so that
DuckDB 1.x clients (the CLI on PyPI is 1.5) open it as well as 2.x.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from synthetic.manifest import LakeError, verify_lake
from synthetic.pause import pause_point
from synthetic.scenario import Scenario
from synthetic.tables import GENERATED_TABLES, Table

STORAGE_VERSION = "v1.4.0"
# DuckDB has no COMMENT ON SCHEMA: these texts appear in the README and the Dagster UI.
SCHEMAS = {
    "raw": "What the platform has: members only, as reported (late or never).",
    "truth": "The simulated world as it is: every person, member or not, with true dates.",
    "metrics": "Aggregate metrics, computed from raw (source = 'platform') and truth (source = 'truth').",
}

# Sort keys make every table's row order a function of its content: identical files
# whatever the shard count that generated the lake.
SORT_KEYS = {
    "raw.members": "member_id",
    "raw.educations": "member_id",
    "raw.companies": "company_id",
    "raw.positions": "position_id",
    "raw.member_skills": "member_id, skill",
    "raw.salary_reports": "report_id",
    "raw.profile_locations": "member_id, set_on",
    "raw.skills": "skill",
    "raw.postings": "posting_id",
    "raw.posting_skills": "posting_id, skill",
    "raw.posting_events": "member_id, posting_id, event",
    "raw.recruiter_searches": "search_id",
    "raw.connections": "member_a, member_b",
    "truth.applications": "application_id",
    "truth.people": "person_id",
    "truth.educations": "person_id",
    "truth.positions": "position_id",
    "truth.student_jobs": "person_id, start_date",
    "truth.residences": "person_id, start_date",
    "truth.wages": "position_id, effective_from",
    "truth.employers": "company_id",
    "truth.parameters": "name, key",
}


def estimate_warehouse_bytes(people: int) -> int:
    """An upper estimate of the warehouse file for the default scenario: 150 MB at 120,000
    people and 1,124 MB at 1M with the metric layer's intermediate tables (about 1,110 bytes a
    person over about 17 MB of fixed size), rounded up. A run holds the working database and a
    published copy."""
    return 20_000_000 + 1_250 * people


CALENDAR_COMMENT = "One row per month of the observation window: the months every metric covers."


# DuckDB's buffer memory for loads and metrics. Beyond it, sorts, joins and aggregates
# spill to a temporary folder beside the database, so a run's memory does not grow with
# the population. The default keeps a whole run near 3 GiB; EGS_DUCKDB_MEMORY_LIMIT
# (any DuckDB size, e.g. "8GB") raises it on larger machines.
DEFAULT_MEMORY_LIMIT = "2GB"


_MEMORY_UNITS = {
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12, "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40
}
_MEMORY_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmgt]i?b)", re.IGNORECASE | re.ASCII)
_MEMORY_SHARE = re.compile(r"(\d+(?:\.\d+)?)\s*%", re.ASCII)
# With a few KB (2KB typed for 2GB) DuckDB fails its first query out of memory; 100 MB is far
# below any useful limit and far above such slips.
MIN_MEMORY_LIMIT_BYTES = 100 * 10**6


def memory_limit() -> str:
    """EGS_DUCKDB_MEMORY_LIMIT (a size such as 8GB, or a share of RAM such as 50%), or the default.

    Checked here rather than by DuckDB at the first connection, so that a bad value stops a
    run before it starts, with a ValueError naming the variable and the accepted forms.
    """
    value = os.environ.get("EGS_DUCKDB_MEMORY_LIMIT", "").strip()
    if not value:
        return DEFAULT_MEMORY_LIMIT
    size, share = _MEMORY_SIZE.fullmatch(value), _MEMORY_SHARE.fullmatch(value)
    if size and float(size.group(1)) * _MEMORY_UNITS[size.group(2).lower()] >= MIN_MEMORY_LIMIT_BYTES:
        return value
    if share and 1 <= float(share.group(1)) <= 100:
        return value
    raise ValueError(
        "EGS_DUCKDB_MEMORY_LIMIT must be a size of at least 100MB with a unit (KB, MB, GB, TB, KiB, MiB, GiB, "
        f"TiB; e.g. 2GB or 512MiB) or a share of memory from 1% to 100%, got {value!r}"
    )


def spill_directory(path: str | Path) -> Path:
    """Where DuckDB spills what does not fit in memory_limit(): a folder beside the file."""
    path = Path(path)
    return path.with_name(path.name + ".tmp")


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    limits = {"memory_limit": memory_limit()}
    if read_only:
        con = duckdb.connect(str(path), read_only=True, config=limits)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(
            str(path),
            config={
                "storage_compatibility_version": STORAGE_VERSION,
                "temp_directory": str(spill_directory(path)),
                **limits,
            },
        )
    # No progress bar: it would draw on the terminal of `make run` and of the Dagster UI
    # (a session setting: DuckDB refuses it as a connection option).
    con.execute("SET enable_progress_bar = false")
    return con


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_table(con, qualified: str, description: str, columns: dict[str, str]) -> None:
    con.execute(f"COMMENT ON TABLE {qualified} IS {_quote(description)}")
    for name, text in columns.items():
        con.execute(f"COMMENT ON COLUMN {qualified}.{name} IS {_quote(text)}")


def load_table(con, table: Table, lake: Path) -> int:
    files = sorted((lake / table.lake_name).glob("shard=*/*.parquet"))
    if not files:
        raise LakeError(
            f"the lake has no Parquet files for {table.qualified_name} under {lake / table.lake_name}; "
            "generate the lake first (materialize parquet_lake)"
        )
    # The files match their hashes (load_lake verified them); the footers tell whether the lake
    # was written for this table contract, before DuckDB reads any rows.
    for file in files:
        try:
            columns = set(pq.read_schema(file).names)
        except (OSError, ValueError) as err:
            raise LakeError(
                f"lake file {file} is not a readable Parquet file ({err}); "
                "regenerate the lake (materialize parquet_lake)"
            ) from None
        missing = [c for c in table.column_names if c not in columns]
        if missing:
            raise LakeError(f"lake file {file} lacks columns {missing} of {table.qualified_name}; regenerate the lake")
    file_list = "[" + ", ".join(_quote(str(f)) for f in files) + "]"
    columns = ", ".join(f"{c.name} {c.sql_type}" for c in table.columns)
    select = ", ".join(f"CAST({c.name} AS {c.sql_type}) AS {c.name}" for c in table.columns)
    con.execute(f"CREATE OR REPLACE TABLE {table.qualified_name} ({columns})")
    con.execute(
        f"INSERT INTO {table.qualified_name} SELECT {select} FROM read_parquet({file_list}) "
        f"ORDER BY {SORT_KEYS[table.qualified_name]}"
    )
    comment_table(con, table.qualified_name, table.description, {c.name: c.description for c in table.columns})
    return con.execute(f"SELECT count(*) FROM {table.qualified_name}").fetchall()[0][0]


def load_lake(con, lake: str | Path, scenario: Scenario) -> dict[str, int]:
    """(Re)create the raw and truth schemas from the lake, in one transaction.

    Every file is first checked against the hash recorded when its shard was generated, so
    a file that changed since (a flipped bit decodes to other valid values more often than
    not) stops the load with its name instead of loading silently.
    """
    lake = Path(lake)
    if not lake.is_dir():
        raise LakeError(f"there is no lake at {lake}; generate the lake first (materialize parquet_lake)")
    verify_lake(lake)
    con.execute("BEGIN TRANSACTION")
    try:
        for schema in SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        rows = {}
        for table in GENERATED_TABLES:
            rows[table.qualified_name] = load_table(con, table, lake)
            pause_point("load")
        tl = scenario.timeline
        con.execute(
            "CREATE OR REPLACE TABLE raw.calendar AS "
            f"SELECT CAST(month AS DATE) AS month, CAST(year(month) AS INTEGER) AS year "
            f"FROM range(DATE '{tl.start_date}', DATE '{tl.end_date}' + INTERVAL 1 MONTH, INTERVAL 1 MONTH) t(month) "
            "ORDER BY month"
        )
        comment_table(
            con,
            "raw.calendar",
            CALENDAR_COMMENT,
            {"month": "First day of the month.", "year": "Calendar year of the month."},
        )
        rows["raw.calendar"] = tl.months
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return rows


def reset_database(path: str | Path) -> None:
    """Delete a working database (and its write-ahead log) so it is rebuilt from scratch."""
    path = Path(path)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.rmtree(spill_directory(path), ignore_errors=True)  # DuckDB's spill folder
