"""Dagster resources: the scenario a run generates, and the warehouse it writes.

Both are configurable per run (launchpad, ``--config``/``--config-json`` on the CLI) and
default from environment variables, so ``make run PEOPLE=20000`` and CI need no YAML.
"""

from __future__ import annotations

import enum
import fcntl
import hashlib
import importlib.metadata
import os
import sys
import tempfile
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version
from pydantic import Field, PrivateAttr

from pipelines.dbt import PROJECT_DIR as DBT_PROJECT_DIR
from pipelines.dbt import dbt_executable
from pipelines.publication import DataLayout
from pipelines.runs import check_at_run_start
from pipelines.warehouse import connect, memory_limit
from synthetic.scenario import (
    DEFAULT_SCENARIO,
    RUN_SETTINGS,
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    load_scenario,
    parse_setting,
    resolve_scenario_path,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


# The scenarios shipped in synthetic/scenarios/, by name: the values the launchpad offers for
# the scenario resource's `scenario`, so that a misspelt name is refused before a run starts
# (Dagster checks run config against its schema when it is entered, and at launch).
ShippedScenario = enum.Enum("ShippedScenario", {p.stem: p.stem for p in sorted(SCENARIO_DIR.glob("*.yaml"))})

# The run settings the default resources (and so `make run`) take from the environment.
ENV_SETTINGS = {"EGS_PEOPLE": "people", "EGS_SEED": "seed", "EGS_SHARDS": "shards", "EGS_WORKERS": "workers"}


def _env_int(name: str) -> int | None:
    """The run setting in environment variable ``name`` (a key of ENV_SETTINGS), None if unset.

    Empty counts as unset: `make run` passes EGS_PEOPLE= when PEOPLE is not given. Anything
    else must be a whole number in the setting's range, or a ScenarioError names the variable.
    """
    value = os.environ.get(name, "")
    if not value.strip():
        return None
    return parse_setting(ENV_SETTINGS[name], value, name)


def environment_settings() -> dict[str, object]:
    """The scenario resource's settings from the EGS_* environment variables, each checked.

    Raises a ScenarioError with one line per invalid variable, naming it and what it
    accepts. EGS_DUCKDB_MEMORY_LIMIT is checked here too: a bad one then stops the run
    before it generates anything, not at its first DuckDB connection.
    """
    problems: list[str] = []
    settings: dict[str, object] = {}
    for name, setting in ENV_SETTINGS.items():
        try:
            settings[setting] = _env_int(name)
        except ScenarioError as err:
            problems.append(str(err))
    scenario = os.environ.get("EGS_SCENARIO", "")
    scenario = scenario if scenario.strip() else DEFAULT_SCENARIO
    try:
        path = resolve_scenario_path(scenario)
        if not path.is_file():
            state = "is not a file" if path.exists() else "does not exist"
            raise ScenarioError(f"scenario file {str(path)!r} {state}")
    except ScenarioError as err:
        problems.append(f"EGS_SCENARIO: {err}")
    # A shipped scenario by its name, any other by its file.
    if scenario in ShippedScenario.__members__:
        settings["scenario"] = ShippedScenario[scenario]
    else:
        settings["scenario_file"] = scenario
    try:
        memory_limit()
    except ValueError as err:
        problems.append(str(err))
    if problems:
        raise ScenarioError("\n".join(problems))
    return settings


def check_settings() -> int:
    """`make run`'s check before Dagster starts: 0 if the EGS_* variables and the scenario they
    name (with the overrides) are valid, else 2 after printing what is wrong, one line per
    problem, without a traceback. Dagster takes seconds to start and would bury the message
    in its event log."""
    try:
        settings = environment_settings()
    except ScenarioError as err:
        print("\n".join(f"error: {line}" for line in str(err).splitlines()), file=sys.stderr)
        return 2
    try:
        ScenarioResource(**settings).validated()
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def print_published_summary() -> None:
    """`make run`'s last words: where the published warehouse, report and release are, and
    what to do next (the run's own log is quiet at INFO level)."""
    layout = DataLayout(Path(os.environ.get("EGS_DATA_DIR") or DEFAULT_DATA_DIR) / "warehouse.duckdb")
    con = duckdb.connect(str(layout.published), read_only=True)
    try:
        tables = con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
        people, seed = con.execute(
            "SELECT (SELECT count(*) FROM truth.people), "
            "(SELECT value FROM truth.parameters WHERE name = 'seed')"
        ).fetchall()[0]
    finally:
        con.close()
    here = Path.cwd()

    def shown(path: Path) -> str:
        return str(path.relative_to(here)) if path.is_relative_to(here) else str(path)

    print(
        f"\nPublished {people:,} people (seed {int(seed)}), {tables} tables:\n"
        f"  warehouse  {shown(layout.published)}\n"
        f"  report     {shown(layout.report / 'index.html')}\n"
        f"  release    {shown(layout.release)}/ (RELEASE.md says what it holds)\n"
        f"Next: .venv/bin/duckdb -readonly {shown(layout.published)}   or   make ui"
    )


class ScenarioResource(dg.ConfigurableResource):
    """Which scenario to generate, with optional overrides of its size and seed."""

    scenario: ShippedScenario = Field(  # type: ignore[valid-type]
        ShippedScenario[DEFAULT_SCENARIO],
        description="A scenario shipped in synthetic/scenarios/, by name: "
        f"{', '.join(ShippedScenario.__members__)}.",
    )
    scenario_file: str | None = Field(
        None, description="A scenario YAML file of your own (a path); when set, it is the one generated."
    )
    people: int | None = None
    seed: int | None = None
    shards: int | None = None
    workers: int | None = None

    def validated(self) -> Scenario:
        """The scenario (a file of one's own if given, else the shipped one named) with the
        overrides applied; a ScenarioError names what is invalid."""
        return load_scenario(self.scenario_file or self.scenario.value).with_overrides(
            people=self.people, seed=self.seed, shards=self.shards
        )

    def load(self) -> Scenario:
        """The validated scenario with overrides applied.

        A bad scenario (or worker count) fails the step with the validation message alone
        (naming the field and the allowed values), not with a traceback through Dagster.
        """
        low, high = RUN_SETTINGS["workers"]
        if self.workers is not None and not low <= self.workers <= high:
            raise dg.Failure(
                description=f"workers must be a whole number between {low:,} and {high:,}, got {self.workers!r}",
                allow_retries=False,
            )
        try:
            return self.validated()
        except ScenarioError as err:
            raise dg.Failure(description=str(err), allow_retries=False) from None


class InvalidSettingsResource(ScenarioResource):
    """The scenario resource when an EGS_* environment variable is invalid.

    The definitions still load (an exception at import would show Dagster users a traceback
    and no assets at all); ``problem`` says what is wrong, and every run fails at its first
    step with it, naming the variable.
    """

    problem: str

    def load(self) -> Scenario:
        raise dg.Failure(description=self.problem, allow_retries=False)


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

        First, the run records its process and marks failed any run whose process died
        (pipelines/runs.py): such a run would block the UI's run queue for ever, and
        command-line runs have no daemon to notice. Before the lock, so that a run
        waiting here still frees the queue.
        """
        run = context.instance.get_run_by_id(context.run_id) if context.instance and context.run_id else None
        if run is not None and run.is_finished:
            # `dagster job execute` sets the resources up once more after its run has ended,
            # to read the results: that must neither check runs nor wait for the lock, which
            # another run may hold by then (the command would return only when that run ends).
            return
        check_at_run_start(context)
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
    def layout(self) -> DataLayout:
        """Where the published files, their snapshots and the working files of this warehouse live."""
        return DataLayout(Path(self.path))

    @property
    def working_path(self) -> Path:
        return self.layout.working

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A connection to the working database (the one runs build and check)."""
        return connect(self.working_path, read_only=read_only)


def default_resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = Path(os.environ.get("EGS_DATA_DIR", DEFAULT_DATA_DIR))
    try:
        scenario: ScenarioResource = ScenarioResource(**environment_settings())
    except ScenarioError as err:
        scenario = InvalidSettingsResource(problem=str(err))
    return {
        "scenario": scenario,
        "warehouse": WarehouseResource(
            path=str(data_dir / "warehouse.duckdb"),
            lake=str(data_dir / "lake"),
        ),
        "dbt": dbt_resource(),
    }


class ProjectDbtResource(DbtCliResource):
    """dagster-dbt's dbt resource, told the dbt version instead of asking the executable.

    dagster-dbt runs ``dbt --version`` once per run to learn which engine it drives, which
    costs a dbt start (about 3 seconds) before the real command. The executable here is
    always the dbt-core installed beside this Python (pipelines.dbt.dbt_executable), so its
    version is the installed package's.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_resource() -> DbtCliResource:
    """The metric layer's dbt project; each run passes its working database as --vars."""
    return ProjectDbtResource(
        project_dir=str(DBT_PROJECT_DIR), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable()
    )
