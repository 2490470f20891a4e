"""The whole pipeline in Dagster from the command line, and the published file in a DuckDB 1.x client."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.resources import ScenarioResource
from tests.conftest import RUN_PEOPLE, RUN_SEED
from tests.test_readme_figures import readme_blocks

DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # the duckdb-cli package: a 1.x client

HEADLINE_TABLES = [
    "metrics.job_change_rate",
    "metrics.talent_flows",
    "metrics.talent_flows_od",
    "metrics.skill_demand",
    "metrics.skills_added",
    "metrics.time_to_first_job",
]


@dataclass
class Materialized:
    """A command-line run of every asset: its Dagster events, what it printed and its files."""

    events: list[dg.DagsterEvent]
    output: str
    warehouse: Path  # the published file
    lake: Path

    def of_type(self, event_type: str) -> list[dg.DagsterEvent]:
        return [e for e in self.events if e.event_type_value == event_type]


@pytest.fixture(scope="module")
def materialized(published_run) -> Materialized:
    """The session's command-line run of every asset (tests/conftest.py), its events read back
    from its Dagster instance."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(published_run.dagster_home))
        with dg.DagsterInstance.get() as instance:
            (run,) = instance.get_runs()
            events = [entry.dagster_event for entry in instance.all_logs(run.run_id) if entry.is_dagster_event]
    data = published_run.data
    return Materialized(events, published_run.output, data / "warehouse.duckdb", data / "lake")


def test_every_asset_materializes_and_every_check_passes(materialized):
    planned = {k for k in defs.resolve_asset_graph().get_all_asset_keys()}
    done = {e.asset_key for e in materialized.of_type("ASSET_MATERIALIZATION")}
    assert planned == done
    evaluations = [e.event_specific_data for e in materialized.of_type("ASSET_CHECK_EVALUATION")]
    assert len(evaluations) >= 40
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []


def test_the_run_config_sets_the_size_and_seed_and_nothing_warns(materialized):
    # Finding: every run warned three times that dbt tests ran outside Dagster's checks (those
    # of truth.parameters, a source no model read). A full run warns of nothing.
    warnings = [line for line in materialized.output.splitlines() if " - WARNING - " in line]
    assert warnings == []
    con = duckdb.connect(str(materialized.warehouse), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM truth.people").fetchall()[0][0] == RUN_PEOPLE
        assert con.execute("SELECT value FROM truth.parameters WHERE name = 'seed'").fetchall()[0][0] == RUN_SEED
    finally:
        con.close()


def test_each_shard_is_a_step_of_its_own(materialized):
    """Shards run as dynamic steps (one per shard, as a distributed executor would spread
    them), and the lake they write together holds every person once."""
    shard_steps = sorted(e.step_key for e in materialized.of_type("STEP_SUCCESS") if "generate_lake_shard" in e.step_key)
    shards = ScenarioResource(people=RUN_PEOPLE).load().shards
    assert shard_steps == [f"parquet_lake.generate_lake_shard[shard_{k}]" for k in range(shards)]
    lake = materialized.lake
    assert sorted(p.name for p in (lake / "truth_people").iterdir()) == [f"shard={k}" for k in range(shards)]
    people = duckdb.sql(f"SELECT count(DISTINCT person_id) FROM read_parquet('{lake}/truth_people/*/*.parquet')")
    assert people.fetchall()[0][0] == RUN_PEOPLE


def test_the_warehouse_answers_the_headline_questions(materialized):
    path = materialized.warehouse
    con = duckdb.connect(str(path), read_only=True)
    try:
        for table in HEADLINE_TABLES:
            sources = {r[0] for r in con.execute(f"SELECT DISTINCT * FROM (SELECT {'source' if table != 'metrics.skill_demand' else chr(39) + 'platform' + chr(39)} FROM {table})").fetchall()}
            assert sources, table
        assert {r[0] for r in con.execute("SELECT DISTINCT source FROM metrics.job_change_rate").fetchall()} == {
            "platform",
            "truth",
        }
        # Every table and every column of raw, truth and metrics is documented.
        undocumented = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() "
            "WHERE schema_name IN ('raw', 'truth', 'metrics') AND (comment IS NULL OR comment = '')"
        ).fetchall()
        assert undocumented == []
        undocumented_columns = con.execute(
            "SELECT schema_name || '.' || table_name || '.' || column_name FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'truth', 'metrics') AND (comment IS NULL OR comment = '')"
        ).fetchall()
        assert undocumented_columns == []
        tables = {r[0] for r in con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}
        assert set(HEADLINE_TABLES) <= tables
    finally:
        con.close()


def test_the_file_opens_in_a_duckdb_1x_client(materialized):
    path = materialized.warehouse
    version = subprocess.run([DUCKDB_CLI, "-version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1."), version
    out = subprocess.run(
        [DUCKDB_CLI, "-readonly", "-csv", str(path), "-c",
         "SELECT source, count(*) FROM metrics.job_change_rate GROUP BY ALL ORDER BY ALL"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "platform," in out.stdout and "truth," in out.stdout


def readme_queries() -> list[str]:
    return [statement for block in readme_blocks() for statement in block]


def test_readme_queries_run_in_the_duckdb_1x_cli(materialized):
    path = materialized.warehouse
    queries = readme_queries()
    assert len(queries) >= 8
    for query in queries:
        out = subprocess.run([DUCKDB_CLI, "-readonly", "-csv", str(path), "-c", query], capture_output=True, text=True)
        assert out.returncode == 0 and "Error" not in out.stderr, (query, out.stderr)
        header, *rows = list(csv.reader(io.StringIO(out.stdout)))
        assert rows, (query, out.stdout)
        # A column that is NULL (empty) in every row answers nothing: a broken window or
        # filter, as the growth query's lag over two rows once was.
        empty = [name for i, name in enumerate(header) if all(row[i] == "" for row in rows)]
        assert not empty, (query, empty)
