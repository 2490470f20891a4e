"""The published warehouse survives readers, killed runs, concurrent runs and bad input.

Runs here are real `dagster job execute` processes on a small scenario, so what is
tested is what a user gets: a DuckDB session held open on data/warehouse.duckdb during a
run, a run killed with SIGKILL at each stage, two runs launched together, a corrupt
lake file. Pause points (synthetic/pause.py) hold a run at a known stage so that the
kill lands there.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import numpy as np
import pytest
import yaml

from pipelines.defs.checks import build_quality_checks
from pipelines.defs.lake import parquet_lake
from pipelines.defs.publish import published_warehouse
from pipelines.defs.metrics import metric_layer
from pipelines.defs.warehouse import load_warehouse
from pipelines.definitions import defs
from pipelines.report import report_sources
from pipelines.resources import ScenarioResource, WarehouseResource, dbt_resource
from pipelines.warehouse import load_lake
from synthetic.manifest import LakeError
from synthetic.scenario import load_scenario
from tests.conftest import RUN_PEOPLE, RUN_SEED, dagster_home_at

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")  # a DuckDB 1.x client
PEOPLE = RUN_PEOPLE  # the runs here replace a published run of that size
RUN_TIMEOUT = int(os.environ.get("EGS_TEST_RUN_TIMEOUT", "300"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_env(data: Path, home: Path, **extra: str) -> dict[str, str]:
    dagster_home_at(home)
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
    folders = [data, data / "work", data / ".snapshots", data / "work" / "runs"]
    names = [p.name for folder in folders if folder.is_dir() for p in folder.iterdir()]
    temporary = (".partial", ".old-", ".link-", ".retired-", ".tmp")
    left = sorted(n for n in names if any(t in n for t in temporary) or n.endswith(".wal"))
    snapshots = sorted((data / ".snapshots").iterdir())
    if len(snapshots) != 1:  # only the published one is kept
        left += [p.name for p in snapshots]
    return left + [p.name for p in (data / "work" / "runs").iterdir()]  # every staged run published or cleared


def published_hashes(data: Path) -> dict[str, str]:
    """What analysts read: the warehouse, the report page and the release, one hash each."""
    return {name: sha256(data / name) for name in ("warehouse.duckdb", "report/index.html", "public/release.duckdb")}


@pytest.fixture()
def data(published_run, tmp_path) -> Path:
    """A copy of the data folder of the session's command-line run (tests/conftest.py): a
    published warehouse, report and release of seed RUN_SEED, the lake and the working files."""
    folder = tmp_path / "data"
    shutil.copytree(published_run.data, folder, symlinks=True)  # the published files are links into a snapshot
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


@contextlib.contextmanager
def readers_held_open(published: Path) -> Iterator[Callable[[], tuple[str, dict[str, str]]]]:
    """A DuckDB 1.x CLI session and a Python session, each opened on the published file and
    held while the caller runs the pipeline; the yielded function ends both sessions and
    returns what they read then: the CLI's output, and the Python session's states
    ('before', 'held' by the same session, 'reopened' by a new one)."""
    python_reader = subprocess.Popen(
        [sys.executable, "-c", PYTHON_READER, str(published)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert python_reader.stdout.readline().startswith(f"before {RUN_SEED} ")
    cli_reader = subprocess.Popen(  # an interactive DuckDB 1.x CLI session on the file
        [DUCKDB_CLI, "-readonly", "-csv", "-noheader", str(published)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    cli_reader.stdin.write("SELECT 'cli-before', value FROM truth.parameters WHERE name = 'seed';\n")
    cli_reader.stdin.flush()

    def finish_reading() -> tuple[str, dict[str, str]]:
        cli_reader.stdin.write(
            "SELECT 'cli-held', value, (SELECT count(*) FROM truth.people) FROM truth.parameters WHERE name = 'seed';\n"
        )
        cli_out, cli_err = cli_reader.communicate(timeout=60)
        assert cli_reader.returncode == 0, cli_err
        python_out, _ = python_reader.communicate("go\n", timeout=60)
        return cli_out, dict(line.split(" ", 1) for line in python_out.strip().splitlines())

    try:
        yield finish_reading
    finally:
        for reader in (cli_reader, python_reader):
            if reader.poll() is None:
                reader.kill()


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
    """SIGKILL during generation, load, metrics and publish, one after the other; then two clean
    runs launched together, while a DuckDB 1.x CLI session and a Python session hold the
    published file open.

    The pause in publish holds the run after the new snapshot (warehouse, report and release)
    is assembled and verified, just before the switch that shows it.
    """
    published = data / "warehouse.duckdb"
    before = published_hashes(data)
    home = tmp_path / "home"
    for stage in ("generate", "load", "metrics", "publish"):
        kill_at(stage, data, home, tmp_path)
        assert published_hashes(data) == before, f"a published file changed after a kill during {stage}"
        assert published_seed(published) == RUN_SEED
    # Two clean runs, with readers holding the published file: they never block a run nor see
    # a mix of two versions. The instance exists by now, as a user's does (two processes
    # creating a brand-new SQLite run storage at the same moment race on its tables, which is
    # not under test).
    with readers_held_open(published) as finish_reading:
        first_out, second_out = two_runs_launched_together(data, home, tmp_path, seeds=("4", "5"))
        cli_out, python_states = finish_reading()
    assert "waiting for it to finish" in second_out and "waiting for it to finish" not in first_out
    assert f"cli-before,{RUN_SEED}.0" in cli_out and f"cli-held,{RUN_SEED}.0,{PEOPLE}" in cli_out, cli_out
    assert python_states["held"].startswith(f"{RUN_SEED} ")  # the held session still reads the old version, whole
    assert python_states["reopened"].startswith("5 ")  # a new session sees the last run's
    assert published_seed(published) == 5
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


def two_runs_launched_together(data: Path, home: Path, tmp_path: Path, seeds: tuple[str, str]) -> tuple[str, str]:
    """Two `dagster job execute` commands on one data folder, the second started once the first
    holds the warehouse (so that the order is known); both must succeed. Returns their output."""
    marker = tmp_path / "first-run-holds-the-warehouse"
    # The pause point in generation comes after the run has taken the warehouse; with no
    # pause time it only writes the marker.
    first = start_run(run_env(data, home, EGS_SEED=seeds[0], EGS_PAUSE_AT="generate", EGS_PAUSE_MARKER=str(marker),
                              EGS_PAUSE_SECONDS="0"))
    deadline = time.monotonic() + RUN_TIMEOUT
    while not marker.exists():
        assert first.poll() is None and time.monotonic() < deadline
        time.sleep(0.2)
    second = start_run(run_env(data, home, EGS_SEED=seeds[1]))
    first_out = finish(first)
    # Finding: the first command returned only when the second run ended, because
    # `dagster job execute` sets the resources up again after its run to read the results,
    # and waited there for the lock the second run had taken. The second run, a whole
    # pipeline long, must still be running when the first command returns.
    assert second.poll() is None, "the first command waited for the second run"
    return first_out, finish(second)


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
            [parquet_lake, load_warehouse, metric_layer, published_warehouse, *build_quality_checks()],
            selection=dg.AssetSelection.all() - dg.AssetSelection.assets(parquet_lake),
            instance=instance,
            resources={
                "scenario": ScenarioResource(people=PEOPLE),
                "warehouse": WarehouseResource(path=str(published), lake=str(data / "lake")),
                "dbt": dbt_resource(),
            },
            raise_on_error=False,
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.user_failure_data.description
    assert str(shard) in message and "does not match the checksum" in message, message
    assert sha256(published) == before


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_any_flipped_bit_in_the_lake_stops_the_load_and_names_the_file(data, tmp_path, seed):
    """Finding: single-bit flips inside Parquet pages often decode to other valid values (one
    moved three people to other cities, passed every check and was published)."""
    rng = np.random.default_rng(seed)
    files = sorted((data / "lake").glob("*/shard=*/*.parquet"))
    victim = files[rng.integers(len(files))]
    content = bytearray(victim.read_bytes())
    position = int(rng.integers(len(content)))
    content[position] ^= 1 << int(rng.integers(8))
    victim.write_bytes(bytes(content))
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    try:
        with pytest.raises(LakeError, match="does not match the checksum") as raised:
            load_lake(con, data / "lake", load_scenario("netherlands").with_overrides(people=PEOPLE))
    finally:
        con.close()
    assert str(victim) in str(raised.value)


def test_a_run_whose_blocking_check_fails_publishes_none_of_the_three(data, tmp_path):
    """Finding: the release and the report were written before the warehouse's checks finished."""
    before = published_hashes(data)

    # On a metric that neither the report nor the release reads: both are built in the run,
    # and still nothing of it is shown.
    assert "metrics.skill_penetration" not in report_sources()

    @dg.asset_check(asset=dg.AssetKey(["metrics", "skill_penetration"]), blocking=True)
    def planted_failure():
        return dg.AssetCheckResult(passed=False, description="planted by the test")

    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*defs.assets, *build_quality_checks(), planted_failure],
            instance=instance,
            resources={
                "scenario": ScenarioResource(people=PEOPLE, seed=8),
                "warehouse": WarehouseResource(path=str(data / "warehouse.duckdb"), lake=str(data / "lake")),
                "dbt": dbt_resource(),
            },
            raise_on_error=False,
        )
    assert not result.success
    materialized = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert {"insight_report", "release/public_release"} <= materialized
    assert "published_warehouse" not in materialized
    assert published_hashes(data) == before
    assert published_seed(data / "warehouse.duckdb") == RUN_SEED


def test_generator_cli_rejects_bad_arguments_with_a_message():
    for args, expected in ((["--people", "-3"], "must be a whole number between 1 and"), (["--seed", "x"], "must be a whole number between 0 and"),
                           (["--scenario", "nowhere"], "not found")):
        out = subprocess.run([sys.executable, "-m", "synthetic", *args], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 2 and expected in out.stderr and "Traceback" not in out.stderr, out.stderr


def generator(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "synthetic", "--people", "300", "--workers", "1", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=RUN_TIMEOUT)


def tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_generator_never_replaces_a_path_that_is_not_its_lake(data, tmp_path):
    """Finding: `python -m synthetic --lake PATH` wiped a folder holding a warehouse and a
    release, and put a folder in place of a warehouse file."""
    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "notes.txt").write_text("not a lake")
    before = tree(keep)
    for target in (keep, data / ".snapshots", data / "work" / "warehouse.duckdb", data / "warehouse.duckdb"):
        out = generator("--lake", str(target))
        assert out.returncode == 2, out.stderr
        assert str(target) in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert tree(keep) == before
    assert (data / "work" / "warehouse.duckdb").is_file() and published_seed(data / "warehouse.duckdb") == RUN_SEED
    # A leftover with a staging name but without the staging mark is not the generator's either.
    impostor = tmp_path / ".lake.partial-12345678"
    impostor.mkdir()
    (impostor / "mine.txt").write_text("keep me")
    empty, lake = tmp_path / "empty", tmp_path / "lake"
    empty.mkdir()
    for target in (empty, lake, lake):  # an empty folder, a new path, then its own lake again
        out = generator("--lake", str(target))
        assert out.returncode == 0, out.stderr
        assert (target / "LAKE.json").is_file()
    assert (impostor / "mine.txt").read_text() == "keep me"


def test_a_disk_that_fills_during_generation_is_given_back_and_the_old_lake_kept(data, monkeypatch):
    """Finding: a disk that filled during generation was left 100% full after the failure."""
    from synthetic import lake as lake_module

    before = tree(data / "lake")
    written = []
    original = lake_module.write_table_file

    def filling(*args, **kwargs):
        if len(written) == 20:
            raise OSError(28, "No space left on device")
        written.append(args[2])
        return original(*args, **kwargs)

    monkeypatch.setattr(lake_module, "write_table_file", filling)
    scenario = load_scenario("netherlands").with_overrides(people=PEOPLE)
    with pytest.raises(OSError, match="No space left"):
        lake_module.generate_lake(scenario, data / "lake", workers=1)
    assert tree(data / "lake") == before
    assert [p.name for p in data.iterdir() if p.name.startswith(".lake")] == []  # the staging lake is gone


def test_a_run_the_disk_cannot_hold_is_refused_before_anything_is_written(data, tmp_path, monkeypatch):
    from synthetic import lake as lake_module

    before = published_hashes(data)
    lake_before = tree(data / "lake")
    monkeypatch.setattr(lake_module.shutil, "disk_usage", lambda path: SimpleNamespace(total=10**12, free=10**6))
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [*defs.assets, *build_quality_checks()],
            instance=instance,
            resources={
                "scenario": ScenarioResource(people=PEOPLE),
                "warehouse": WarehouseResource(path=str(data / "warehouse.duckdb"), lake=str(data / "lake")),
                "dbt": dbt_resource(),
            },
            raise_on_error=False,
        )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    message = failure.event_specific_data.user_failure_data.description
    assert "needs about" in message and "GB free" in message, message
    assert published_hashes(data) == before and tree(data / "lake") == lake_before
