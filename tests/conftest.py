"""Shared fixtures: one warehouse built from the default scenario for the whole session."""

from __future__ import annotations

import os
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


# A built warehouse to test instead of building one (tests/test_mutations.py points it at a mutated copy).
WAREHOUSE_VARIABLE = "EGS_TEST_WAREHOUSE"


@pytest.fixture(scope="session")
def warehouse_path(scenario, tmp_path_factory) -> Path:
    if given := os.environ.get(WAREHOUSE_VARIABLE):
        return Path(given)
    return build_warehouse(scenario, tmp_path_factory.mktemp("warehouse"), workers=2, tests=True)


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
