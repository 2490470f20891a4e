"""The whole pipeline in Dagster: in process, through the CLI, and the file in a DuckDB 1.x client."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.definitions import defs
from pipelines.resources import ScenarioResource, WarehouseResource
from tests.test_readme_figures import readme_blocks

SMALL = 8_000  # two generation blocks; the run takes seconds
ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # the duckdb-cli package: a 1.x client

HEADLINE_TABLES = [
    "metrics.job_change_rate",
    "metrics.talent_flows",
    "metrics.talent_flows_od",
    "metrics.skill_demand",
    "metrics.skills_added",
    "metrics.time_to_first_job",
]


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    """Every asset and check of the code location, materialized in process on a small scenario."""
    folder = tmp_path_factory.mktemp("in_process")
    home = tmp_path_factory.mktemp("dagster_home")  # outside the data folder, as the release's secret must be
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    job = defs.resolve_job_def("main")
    with dg.instance_for_test(temp_dir=str(home)) as instance:
        result = job.execute_in_process(
            instance=instance,
            resources={
                "scenario": ScenarioResource(people=SMALL),
                "warehouse": WarehouseResource(path=str(folder / "w.duckdb"), lake=str(folder / "lake")),
            },
            raise_on_error=False,
        )
    return result, folder / "w.duckdb"


def test_every_asset_materializes_and_every_check_passes(materialized):
    result, _ = materialized
    assert result.success
    planned = {k for k in defs.resolve_asset_graph().get_all_asset_keys()}
    done = {e.asset_key for e in result.get_asset_materialization_events()}
    assert planned == done
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) >= 40
    failed = [(e.asset_key.to_user_string(), e.check_name) for e in evaluations if not e.passed]
    assert failed == []


def test_each_shard_is_a_step_of_its_own(materialized):
    """Shards run as dynamic steps (one per shard, as a distributed executor would spread
    them), and the lake they write together holds every person once."""
    result, warehouse = materialized
    shard_steps = sorted(
        e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS" and "generate_lake_shard" in e.step_key
    )
    shards = ScenarioResource(people=SMALL).load().shards
    assert shard_steps == [f"parquet_lake.generate_lake_shard[shard_{k}]" for k in range(shards)]
    lake = warehouse.with_name("lake")
    assert sorted(p.name for p in (lake / "truth_people").iterdir()) == [f"shard={k}" for k in range(shards)]
    people = duckdb.sql(f"SELECT count(DISTINCT person_id) FROM read_parquet('{lake}/truth_people/*/*.parquet')")
    assert people.fetchall()[0][0] == SMALL


def test_the_warehouse_answers_the_headline_questions(materialized):
    _, path = materialized
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
    _, path = materialized
    version = subprocess.run([DUCKDB_CLI, "-version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1."), version
    out = subprocess.run(
        [DUCKDB_CLI, "-readonly", "-csv", str(path), "-c",
         "SELECT source, count(*) FROM metrics.job_change_rate GROUP BY ALL ORDER BY ALL"],
        capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    assert "platform," in out.stdout and "truth," in out.stdout


def _cli_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return {**os.environ, "DAGSTER_HOME": str(home), "EGS_DATA_DIR": str(tmp_path / "data"),
            "GX_ANALYTICS_ENABLED": "false"}


def test_dagster_asset_materialize_cli_takes_people_and_seed_from_run_config(tmp_path):
    """Every asset from `dagster asset materialize`, the scenario's size and seed from a run
    config file (the launchpad's YAML) rather than the environment."""
    config = tmp_path / "run.yaml"
    config.write_text("resources:\n  scenario:\n    config:\n      people: 5000\n      seed: 7\n")
    out = subprocess.run(
        [DAGSTER, "asset", "materialize", "-m", "pipelines.definitions", "--select", "*", "-c", str(config)],
        cwd=ROOT, env=_cli_env(tmp_path), capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    # Finding: every run warned three times that dbt tests ran outside Dagster's checks (those
    # of truth.parameters, a source no model read). A full run warns of nothing.
    warnings = [line for line in (out.stdout + out.stderr).splitlines() if " - WARNING - " in line]
    assert warnings == []
    con = duckdb.connect(str(tmp_path / "data" / "warehouse.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM truth.people").fetchall()[0][0] == 5000
        assert con.execute("SELECT value FROM truth.parameters WHERE name = 'seed'").fetchall()[0][0] == 7
    finally:
        con.close()


def readme_queries() -> list[str]:
    return [statement for block in readme_blocks() for statement in block]


def test_readme_queries_run_in_the_duckdb_1x_cli(materialized):
    _, path = materialized
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
