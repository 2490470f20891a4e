"""Shared fixtures: one warehouse built from the default scenario for the whole session."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from collections.abc import Iterator
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
    "test_reliability.py",  # about 7 minutes: whole pipeline runs, killed and raced
    "test_portability.py",  # about 4.5: every model on Spark
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


@pytest.fixture(scope="session")
def warehouse_path(scenario, tmp_path_factory) -> Path:
    """The session's warehouse, built once for all test processes (`make test` runs two): the
    first to need it builds it in the folder the processes share, the others wait and read it
    (read only: the tests that change a warehouse change a copy)."""
    if given := os.environ.get(WAREHOUSE_VARIABLE):
        return Path(given)
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # each process's own folder sits in the run's folder
    folder, built = shared / "session_warehouse", shared / "session_warehouse.built"
    with exclusive(shared / "session_warehouse.lock"):
        if not built.exists():
            shutil.rmtree(folder, ignore_errors=True)  # what a process that failed to build left
            folder.mkdir()
            built.write_text(str(build_warehouse(scenario, folder, workers=2, tests=True)))
    return Path(built.read_text())


@pytest.fixture(scope="session")
def con(warehouse_path):
    connection = duckdb.connect(str(warehouse_path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture()
def dagster_home(tmp_path, monkeypatch) -> Path:
    """A throw-away DAGSTER_HOME with the project's instance settings."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((Path(__file__).parent.parent / "dagster_home" / "dagster.yaml").read_text())
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    return home
