"""The published warehouse survives readers, killed runs, concurrent runs and bad input.

Runs here are real `dagster job execute` processes on a small scenario, so what is
tested is what a user gets: a DuckDB session held open on data/warehouse.duckdb during a
run, a run killed with SIGKILL at each stage, two runs launched together, a corrupt
lake file. Pause points (synthetic/pause.py) hold a run at a known stage so that the
kill lands there.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import yaml

from pipelines.assets import load_warehouse, metric_assets, parquet_lake, published_warehouse
from pipelines.checks import build_quality_checks
from pipelines.definitions import defs
from pipelines.resources import ScenarioResource, WarehouseResource

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # a DuckDB 1.x client
PEOPLE = 6_000
RUN_TIMEOUT = int(os.environ.get("EGS_TEST_RUN_TIMEOUT", "300"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_env(data: Path, home: Path, **extra: str) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    env = {**os.environ, "DAGSTER_HOME": str(home), "EGS_DATA_DIR": str(data), "EGS_PEOPLE": str(PEOPLE),
           "GX_ANALYTICS_ENABLED": "false"}
    env.pop("EGS_PAUSE_AT", None)
    return {**env, **extra}


def start_run(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [DAGSTER, "job", "execute", "-m", "pipelines.definitions", "-j", "main"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,  # its own process group: a kill reaches the generation workers too
    )


def finish(run: subprocess.Popen) -> str:
    out, _ = run.communicate(timeout=RUN_TIMEOUT)
    assert run.returncode == 0, out[-4000:]
    return out


def published_seed(path: Path) -> int:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return int(con.execute("SELECT value FROM truth.parameters WHERE name = 'seed'").fetchall()[0][0])
    finally:
        con.close()


def leftovers(data: Path) -> list[str]:
    """Temporary files and folders a run may leave only while it is running."""
    names = [p.name for p in data.iterdir()] + [p.name for p in (data / "work").iterdir()]
    return sorted(n for n in names if ".partial-" in n or ".old-" in n or ".publishing-" in n or n.endswith(".wal"))


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> Path:
    """A data folder with a published warehouse (seed 1)."""
    base = tmp_path_factory.mktemp("first_build")
    finish(start_run(run_env(base / "data", base / "home", EGS_SEED="1")))
    return base / "data"


@pytest.fixture()
def data(first_build, tmp_path) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(first_build, folder)
    return folder


# --------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------

PYTHON_READER = textwrap.dedent(
    """
    import sys, duckdb
    path = sys.argv[1]
    def state(con):
        seed = con.execute("SELECT value FROM truth.parameters WHERE name = 'seed'").fetchall()[0][0]
        people = con.execute("SELECT count(*) FROM truth.people").fetchall()[0][0]
        rates = con.execute("SELECT count(*) FROM metrics.job_change_rate").fetchall()[0][0]
        return f"{int(seed)} {people} {rates}"
    held = duckdb.connect(path, read_only=True)
    print("before", state(held), flush=True)
    sys.stdin.readline()                       # the test runs the pipeline meanwhile
    print("held", state(held), flush=True)     # the same session, after the run
    held.close()
    fresh = duckdb.connect(path, read_only=True)
    print("reopened", state(fresh), flush=True)
    """
)


def test_readers_holding_the_published_file_never_block_a_run_nor_see_a_mix(data, tmp_path):
    published = data / "warehouse.duckdb"
    python_reader = subprocess.Popen(
        [sys.executable, "-c", PYTHON_READER, str(published)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert python_reader.stdout.readline().startswith("before 1 ")
    cli_reader = subprocess.Popen(  # an interactive DuckDB 1.x CLI session on the file
        [DUCKDB_CLI, "-readonly", "-csv", "-noheader", str(published)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    cli_reader.stdin.write("SELECT 'cli-before', value FROM truth.parameters WHERE name = 'seed';\n")
    cli_reader.stdin.flush()
    try:
        finish(start_run(run_env(data, tmp_path / "home", EGS_SEED="2")))
        cli_reader.stdin.write("SELECT 'cli-held', value, (SELECT count(*) FROM truth.people) FROM truth.parameters WHERE name = 'seed';\n")
        cli_out, cli_err = cli_reader.communicate(timeout=60)
        python_out, _ = python_reader.communicate("go\n", timeout=60)
    finally:
        for reader in (cli_reader, python_reader):
            if reader.poll() is None:
                reader.kill()
    assert cli_reader.returncode == 0, cli_err
    assert "cli-before,1.0" in cli_out and f"cli-held,1.0,{PEOPLE}" in cli_out, cli_out
    lines = dict(line.split(" ", 1) for line in python_out.strip().splitlines())
    old_state = lines["held"]
    assert old_state.startswith("1 ")  # the held session still reads the old version, whole
    assert lines["reopened"].startswith("2 ")  # a new session sees the new one
    assert published_seed(published) == 2


# --------------------------------------------------------------------------------------
# Killed runs
# --------------------------------------------------------------------------------------


def kill_at(stage: str, data: Path, home: Path, tmp_path: Path) -> None:
    """Start a run, wait until it is held at ``stage``, and SIGKILL its whole process group."""
    marker = tmp_path / f"paused-at-{stage}"
    env = run_env(data, home, EGS_SEED="3", EGS_PAUSE_AT=stage, EGS_PAUSE_MARKER=str(marker), EGS_WORKERS="1")
    run = subprocess.Popen(
        [DAGSTER, "job", "execute", "-m", "pipelines.definitions", "-j", "main"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + RUN_TIMEOUT
    while not marker.exists():
        assert run.poll() is None, f"run ended (exit {run.returncode}) before reaching {stage}"
        assert time.monotonic() < deadline, f"run never reached {stage}"
        time.sleep(0.2)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait(timeout=30)


def test_runs_killed_at_every_stage_leave_the_published_file_intact(data, tmp_path):
    """SIGKILL during generation, load, metrics and publish, one after the other; then a rerun."""
    published = data / "warehouse.duckdb"
    before = sha256(published)
    home = tmp_path / "home"
    for stage in ("generate", "load", "metrics", "publish"):
        kill_at(stage, data, home, tmp_path)
        assert sha256(published) == before, f"the published file changed after a kill during {stage}"
        assert published_seed(published) == 1
    finish(start_run(run_env(data, home, EGS_SEED="3")))
    assert published_seed(published) == 3
    assert leftovers(data) == []  # what the killed runs left behind was cleaned up


# --------------------------------------------------------------------------------------
# Concurrent runs
# --------------------------------------------------------------------------------------


def test_the_instance_queues_runs_and_pools_writing_steps():
    settings = yaml.safe_load((ROOT / "dagster_home" / "dagster.yaml").read_text())
    assert settings["concurrency"]["runs"]["max_concurrent_runs"] == 1
    assert settings["concurrency"]["pools"]["default_limit"] == 1
    assert settings["concurrency"]["pools"]["granularity"] == "run"
    graph = defs.resolve_asset_graph()
    writers = [k for k in graph.get_all_asset_keys() if graph.get(k).pools]
    assert {k.to_user_string() for k in writers} >= {"parquet_lake", "raw/members", "metrics/talent_flows",
                                                     "published_warehouse"}


def test_two_runs_launched_together_both_succeed(data, tmp_path):
    home = tmp_path / "home"
    # An instance that exists already, as a user's does: two processes creating a brand-new
    # SQLite run storage at the same moment race on its tables, which is not under test.
    subprocess.run([DAGSTER, "instance", "migrate"], env=run_env(data, home), cwd=ROOT, check=True,
                   capture_output=True)
    first = start_run(run_env(data, home, EGS_SEED="4"))
    second = start_run(run_env(data, home, EGS_SEED="5"))
    outputs = [finish(first), finish(second)]
    # One waited for the other (Dagster opens resources again as a run ends, so the first
    # may also wait briefly at its very end; its steps never overlap the other's).
    assert any("waiting for it to finish" in out for out in outputs)
    assert published_seed(data / "warehouse.duckdb") in (4, 5)
    assert leftovers(data) == []


# --------------------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------------------


def test_a_corrupt_lake_file_gives_a_clear_error_and_keeps_the_published_file(data, tmp_path):
    published = data / "warehouse.duckdb"
    before = sha256(published)
    shard = sorted((data / "lake" / "truth_positions").glob("shard=*/*.parquet"))[-1]
    shard.write_bytes(b"PAR1 not really parquet" + shard.read_bytes()[100:200])
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [parquet_lake, load_warehouse, *metric_assets(), published_warehouse, *build_quality_checks()],
            selection=dg.AssetSelection.all() - dg.AssetSelection.assets(parquet_lake),
            instance=instance,
            resources={
                "scenario": ScenarioResource(people=PEOPLE),
                "warehouse": WarehouseResource(path=str(published), lake=str(data / "lake")),
            },
            raise_on_error=False,
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.user_failure_data.description
    assert str(shard) in message and "not a readable Parquet file" in message, message
    assert sha256(published) == before


def test_generator_cli_rejects_bad_arguments_with_a_message():
    for args, expected in ((["--people", "-3"], "must be greater than 0"), (["--seed", "x"], "expected a whole number"),
                           (["--scenario", "nowhere"], "not found")):
        out = subprocess.run([sys.executable, "-m", "synthetic", *args], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 2 and expected in out.stderr and "Traceback" not in out.stderr, out.stderr
