"""Shared fixtures: one warehouse built from the default scenario for the whole session."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

from pipelines.dbt import build as build_models  # noqa: E402
from pipelines.warehouse import connect, load_lake  # noqa: E402
from synthetic.lake import generate_lake  # noqa: E402
from synthetic.scenario import Scenario, load_scenario  # noqa: E402

# The default scenario at its full default size: large enough for tight statistical
# tolerances, and it builds in seconds.
SESSION_PEOPLE = 120_000
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def build_warehouse(scenario: Scenario, folder: Path, workers: int = 1, tests: bool = False, models: bool = True) -> Path:
    """Generate, load and build the models of ``scenario`` in ``folder``. Only the session's
    warehouse runs the models' dbt tests as well (``tests``): the other warehouses are data for
    the tests that use them, and the dbt tests are the same queries on other figures."""
    lake, db = folder / "lake", folder / "warehouse.duckdb"
    generate_lake(scenario, lake, workers=workers)
    con = connect(db)
    try:
        load_lake(con, lake, scenario)
    finally:
        con.close()
    if models:
        build_models(db, tests=tests)
    return db


@pytest.fixture(scope="session")
def scenario() -> Scenario:
    return load_scenario("netherlands").with_overrides(people=SESSION_PEOPLE)


# The test files that take longest, longest first, with their time on one process of a
# two-core machine (measured on a fresh clone). `make test` hands whole files to two
# processes in collection order (--dist loadfile --no-loadscope-reorder); starting with
# these leaves short files for the end, so that neither process still runs a long one when
# the other has nothing left. (pytest-xdist's own order, most tests first, started them last.)
LONGEST_FILES = (
    "test_reliability.py",  # about 8 minutes: whole pipeline runs, killed and raced
    "test_portability.py",  # about 4: every model on Spark
    "test_mutations.py",  # about 4: 21 rebuilds of a mutated model with its tests and recounts
    "test_browser.py",  # about 2: the Dagster UI and a run from it
    "test_release.py",
    "test_quality.py",
    "test_pipeline.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The longest files first (LONGEST_FILES), then the others in their usual order."""
    rank = {name: position for position, name in enumerate(LONGEST_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


# A built warehouse to test instead of building one (tests/test_mutations.py points it at a mutated copy).
WAREHOUSE_VARIABLE = "EGS_TEST_WAREHOUSE"


@contextlib.contextmanager
def exclusive(lock_file: Path) -> Iterator[None]:
    """Hold ``lock_file`` alone: the other test processes wait here until it is released."""
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder every test process of this run sees (`make test` runs two, each with a
    temporary folder of its own inside the run's)."""
    own = tmp_path_factory.getbasetemp()
    return own.parent if os.environ.get("PYTEST_XDIST_WORKER") else own


@pytest.fixture(scope="session")
def warehouse_path(scenario, tmp_path_factory) -> Path:
    """The session's warehouse, built once for all test processes: the first to need it
    builds it in the shared folder, the others wait and read it (read only: the tests that
    change a warehouse change a copy)."""
    if given := os.environ.get(WAREHOUSE_VARIABLE):
        return Path(given)
    shared = shared_folder(tmp_path_factory)
    folder, built = shared / "session_warehouse", shared / "session_warehouse.built"
    with exclusive(shared / "session_warehouse.lock"):
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a process that failed to build left
            folder.mkdir()
            built.write_text(str(build_warehouse(scenario, folder, workers=2, tests=True)))
    return Path(built.read_text())


# The published run's size and seed, given by its run config (not the scenario's seed, so
# that the config is seen to count): two generation blocks of 4,096 people.
RUN_PEOPLE = 8_000
RUN_SEED = 7


@dataclass(frozen=True)
class PublishedRun:
    """A data folder as a user's looks after a run from the command line: the published
    warehouse, report and release, the lake, and the run's Dagster instance."""

    data: Path
    dagster_home: Path
    output: str  # what the command printed


def dagster_home_at(home: Path) -> Path:
    """``home`` as a DAGSTER_HOME with the project's instance settings (created if missing)."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copy(PROJECT_ROOT / "dagster_home" / "dagster.yaml", home / "dagster.yaml")
    return home


@pytest.fixture(scope="session")
def published_run(tmp_path_factory) -> PublishedRun:
    """Every asset and check materialized by `dagster asset materialize --select '*'`, the
    size and seed from a run config file (the launchpad's YAML), once for all test processes.
    Tests read it or copy it (tests/test_reliability.py), never change it."""
    shared = shared_folder(tmp_path_factory)
    folder = shared / "published_run"
    output = folder / "output.txt"
    with exclusive(shared / "published_run.lock"):
        if not output.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a process that failed to run left
            folder.mkdir()
            home = dagster_home_at(folder / "dagster_home")
            config = folder / "run.yaml"
            config.write_text(
                f"resources:\n  scenario:\n    config:\n      people: {RUN_PEOPLE}\n      seed: {RUN_SEED}\n"
            )
            env = {k: v for k, v in os.environ.items() if not k.startswith("EGS_")}
            env.update(DAGSTER_HOME=str(home), EGS_DATA_DIR=str(folder / "data"), GX_ANALYTICS_ENABLED="false")
            dagster = Path(sys.executable).with_name("dagster")
            run = subprocess.run(
                [dagster, "asset", "materialize", "-m", "pipelines.definitions", "--select", "*", "-c", str(config)],
                cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=900,
            )
            assert run.returncode == 0, run.stderr[-3000:]
            output.write_text(run.stdout + run.stderr)
    return PublishedRun(folder / "data", folder / "dagster_home", output.read_text())


@pytest.fixture(scope="session")
def con(warehouse_path):
    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture()
def dagster_home(tmp_path, monkeypatch) -> Path:
    """A throw-away DAGSTER_HOME with the project's instance settings."""
    home = dagster_home_at(tmp_path / "dagster_home")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home
