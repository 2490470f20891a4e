"""Dagster resources: the scenario a run generates, and the warehouse it writes.

Both are configurable per run (launchpad, ``--config``/``--config-json`` on the CLI) and
default from environment variables, so ``make run PEOPLE=20000`` and CI need no YAML.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from pipelines.warehouse import connect
from synthetic.scenario import DEFAULT_SCENARIO, Scenario, ScenarioError, load_scenario

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"environment variable {name} must be a whole number, got {value!r}") from None


class ScenarioResource(dg.ConfigurableResource):
    """Which scenario to generate, with optional overrides of its size and seed."""

    scenario: str = DEFAULT_SCENARIO
    people: int | None = None
    seed: int | None = None
    shards: int | None = None
    workers: int | None = None

    def load(self) -> Scenario:
        """The validated scenario with overrides applied.

        A bad scenario fails the step with the validation message alone (naming the field
        and the allowed values), not with a traceback through Dagster.
        """
        try:
            return load_scenario(self.scenario).with_overrides(people=self.people, seed=self.seed, shards=self.shards)
        except ScenarioError as err:
            raise dg.Failure(description=str(err), allow_retries=False) from None


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse: a working file the pipeline writes, and the published file.

    ``path`` is the file analysts open. Runs never write it: they build the working file
    (``work/`` beside it) and the publish step replaces ``path`` atomically once the
    blocking checks have passed, so a reader holding ``path`` open never blocks a run
    and never sees a half-built warehouse.
    """

    path: str = str(DEFAULT_DATA_DIR / "warehouse.duckdb")
    lake: str = str(DEFAULT_DATA_DIR / "lake")
    _run_lock: int | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Hold this warehouse for the whole run.

        Runs started from the UI queue (dagster.yaml allows one at a time) and their
        writing steps share a pool of one; a run started from the command line bypasses
        the queue, so two of them could interleave steps (one rebuilding the working
        database while the other publishes it). This lock makes such a run wait for the
        other instead. The lock file lives in the temporary folder, keyed by the path.
        """
        key = hashlib.sha256(str(Path(self.path).resolve()).encode()).hexdigest()[:16]
        handle = os.open(Path(tempfile.gettempdir()) / f"economic-graph-{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if context.log:
                context.log.info(f"another run is building {self.path}; waiting for it to finish")
            fcntl.flock(handle, fcntl.LOCK_EX)
        self._run_lock = handle

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_lock is not None:
            os.close(self._run_lock)  # closing the file releases the lock
            self._run_lock = None

    @property
    def working_path(self) -> Path:
        published = Path(self.path)
        return published.parent / "work" / published.name

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the working database (the one runs build and check)."""
        return connect(self.working_path, read_only=read_only)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = Path(os.environ.get("EGS_DATA_DIR", DEFAULT_DATA_DIR))
    return {
        "scenario": ScenarioResource(
            scenario=os.environ.get("EGS_SCENARIO", DEFAULT_SCENARIO),
            people=_env_int("EGS_PEOPLE"),
            seed=_env_int("EGS_SEED"),
            shards=_env_int("EGS_SHARDS"),
            workers=_env_int("EGS_WORKERS"),
        ),
        "warehouse": WarehouseResource(
            path=str(data_dir / "warehouse.duckdb"),
            lake=str(data_dir / "lake"),
        ),
    }
