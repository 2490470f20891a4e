"""The dbt project in sql/: where it is, how it reaches the warehouse, and its sources.

Library code: the Dagster definitions (pipelines/defs/metrics.py), the tests and the
benchmark build the models through these functions, and so does a user on the command
line::

    python -m pipelines.dbt docs generate && python -m pipelines.dbt docs serve --port 8080
    python -m pipelines.dbt test --select job_change_rate      # on the published warehouse, read only
    EGS_WAREHOUSE=copy.duckdb python -m pipelines.dbt build --select job_change_rate+

Commands that only read use the published warehouse, read only; commands that build need
EGS_WAREHOUSE (a copy: the published file is only replaced by a run). The profile
(sql/profiles.yml) takes the database path and DuckDB's settings as dbt variables, filled
here from the same definitions the loader uses, so dbt and the loader open the file alike
(storage version, memory limit, spill folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipelines.warehouse import CALENDAR_COMMENT, SCHEMAS, STORAGE_VERSION, memory_limit, spill_directory
from synthetic.tables import GENERATED_TABLES, Column, Rule, Table

PROJECT_DIR = Path(__file__).resolve().parent.parent / "sql"
SOURCES_FILE = PROJECT_DIR / "models" / "sources.yml"
# Where the parsed manifest the Dagster definitions load from lives.
TARGET_DIR = PROJECT_DIR / "target"
MANIFEST = TARGET_DIR / "manifest.json"
# dbt's saved parse, which a later command on the same settings starts from.
PARTIAL_PARSE = "partial_parse.msgpack"
# dbt parses the whole project again when the database path or another variable differs from
# those of the parse it starts from (it hashes them). The last parses of each set of settings
# are kept here, so that the next command on the same warehouse (the next `make run`, a
# command line after it) starts from one of its own.
SAVED_PARSES = TARGET_DIR / "parses"
KEPT_PARSES = 8
# The published warehouse's default location, for commands run outside a Dagster run.
DEFAULT_WAREHOUSE = PROJECT_DIR.parent / "data" / "work" / "warehouse.duckdb"


def dbt_executable() -> str:
    """The dbt installed beside this Python: a run started as .venv/bin/dagster has no
    virtual environment on its PATH."""
    return str(Path(sys.executable).with_name("dbt"))


def dbt_vars(database: str | Path) -> dict[str, str]:
    database = Path(database).resolve()
    return {
        "warehouse_path": str(database),
        "storage_version": STORAGE_VERSION,
        "memory_limit": memory_limit(),
        "temp_directory": str(spill_directory(database)),
    }


def vars_argument(database: str | Path) -> list[str]:
    return ["--vars", json.dumps(dbt_vars(database))]


# raw.calendar is the loader's, not the generator's: its contract is written here.
CALENDAR = Table(
    "raw",
    "calendar",
    CALENDAR_COMMENT,
    (
        Column("month", "DATE", "First day of the month."),
        Column("year", "INTEGER", "Calendar year of the month."),
    ),
    key=("month",),
    rules=(
        Rule(
            "months_contiguous",
            "months_contiguous",
            "raw.calendar holds every month between its first and last: metrics iterate over its months.",
            {"column": "month"},
        ),
    ),
)


def _test(
    kind: str, name: str, description: str, blocking: bool = True, arguments: dict | None = None
) -> dict:
    """One dbt test entry, named (the name of its Dagster asset check) and described; a rule
    that need not stop publication only warns."""
    config: dict = {} if blocking else {"severity": "warn"}
    config["meta"] = {"description": description}
    return {kind: {"name": name, **({"arguments": arguments} if arguments else {}), "config": config}}


def _column_tests(table: Table, column: Column) -> list[dict]:
    """The cross-row rules of one column: never NULL where it is part of the key or a required
    reference, the reference itself, uniqueness. Rules of the column alone (values, ranges) are
    Great Expectations' (pipelines/quality.py)."""
    tests = []
    name = column.name
    if name in table.key or (column.references and column.required):
        why = "part of the key" if name in table.key else f"it references {column.references}"
        tests.append(_test("not_null", f"{name}_not_null", f"{name} is never NULL: {why}."))
    if column.references:
        parent, _, field = column.references.rpartition(".")
        nulls = f"never NULL: see {name}_not_null" if column.required else "NULL allowed"
        description = f"Every {name} references an existing {column.references} ({nulls})."
        # The parent by name, not source(): see sql/macros/source_tests.sql.
        arguments = {"to": parent, "field": field}
        tests.append(_test("relationships", f"{name}_foreign_key", description, arguments=arguments))
    if column.unique:
        tests.append(_test("unique", f"{name}_unique", f"{name} appears on at most one row (NULLs aside)."))
    return tests


def _table_tests(table: Table) -> list[dict]:
    """The key and the table's named rules (sql/macros/source_tests.sql)."""
    tests = []
    if table.key:
        keys = ", ".join(table.key)
        tests.append(
            _test(
                "unique_key",
                "key_unique",
                f"The key ({keys}) identifies one row: no two rows share it.",
                arguments={"columns": list(table.key)},
            )
        )
    for rule in table.rules:
        tests.append(_test(rule.test, rule.name, rule.description, rule.blocking, dict(rule.arguments)))
    if dates := table.date_columns:
        tests.append(
            _test(
                "first_of_month",
                "dates_first_of_month",
                f"Every date ({', '.join(dates)}) is the first day of its month: metrics join dates to "
                "the months of raw.calendar.",
                arguments={"columns": dates},
            )
        )
    return tests


def _source_table(table: Table) -> dict:
    entry: dict = {"name": table.name, "description": table.description}
    if tests := _table_tests(table):
        entry["data_tests"] = tests
    columns = []
    for column in table.columns:
        documented: dict = {"name": column.name, "description": column.description}
        if tests := _column_tests(table, column):
            documented["data_tests"] = tests
        columns.append(documented)
    entry["columns"] = columns
    return entry


@functools.lru_cache(maxsize=1)
def sources_yaml() -> str:
    """models/sources.yml, written from the table contract (synthetic/tables.py): the raw and
    truth tables the loader creates, with their descriptions, and as dbt tests the rules of
    the contract that span rows or tables (keys, references, each table's named rules)."""
    sources = []
    for schema in ("raw", "truth"):
        tables = [_source_table(t) for t in GENERATED_TABLES if t.schema == schema]
        if schema == "raw":
            tables.append(_source_table(CALENDAR))
        sources.append({"name": schema, "schema": schema, "description": SCHEMAS[schema], "tables": tables})
    header = (
        "# Written from synthetic/tables.py, the table contract, whenever the project is parsed\n"
        "# (pipelines/dbt.py): edit the contract, not this file.\n"
    )
    return header + yaml.safe_dump({"version": 2, "sources": sources}, sort_keys=False, width=100, allow_unicode=True)


# What dbt parses: the project's settings and its folders of models, macros and tests (not
# target/ nor logs/, which dbt writes and which grow with every invocation).
PROJECT_FILES = ("dbt_project.yml", "profiles.yml")
PROJECT_FOLDERS = ("models", "macros", "tests")


def _project_files() -> list[Path]:
    files = [PROJECT_DIR / name for name in PROJECT_FILES]
    for folder in PROJECT_FOLDERS:
        files += [p for p in (PROJECT_DIR / folder).rglob("*") if p.is_file()]
    return files


def manifest_is_current() -> bool:
    """Whether target/manifest.json was parsed after the last change to the project."""
    if not MANIFEST.exists():
        return False
    built = MANIFEST.stat().st_mtime
    return all(p.stat().st_mtime <= built for p in _project_files())


def environment() -> dict[str, str]:
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def _saved_parse(database: str | Path, args: list[str]) -> Path:
    """Where the parse of a command on ``database`` with ``args``' profile target is kept."""
    target = args[args.index("--target") + 1] if "--target" in args else ""
    settings = json.dumps([dbt_vars(database), target], sort_keys=True).encode()
    return SAVED_PARSES / f"{hashlib.sha256(settings).hexdigest()[:20]}.msgpack"


def seed_parse(target: Path, database: str | Path, args: list[str] = ()) -> None:
    """Start ``target`` from the last parse on the same settings, or else from the project's."""
    target.mkdir(parents=True, exist_ok=True)
    saved = _saved_parse(database, list(args))
    start = saved if saved.is_file() else TARGET_DIR / PARTIAL_PARSE
    if start.is_file():
        shutil.copy(start, target / PARTIAL_PARSE)


def keep_parse(target: Path, database: str | Path, args: list[str] = ()) -> None:
    """Keep the parse a command wrote into ``target`` for the next command on its settings (and
    only the last few sets of settings: every test warehouse has a path of its own)."""
    made = target / PARTIAL_PARSE
    if not made.is_file():
        return
    SAVED_PARSES.mkdir(parents=True, exist_ok=True)
    saved = _saved_parse(database, list(args))
    staging = saved.with_name(f"{saved.name}.{os.getpid()}.partial")
    shutil.copy(made, staging)
    os.replace(staging, saved)  # a reader sees the old parse or the new one, never half of one
    kept = sorted(SAVED_PARSES.glob("*.msgpack"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT_PARSES:]:
        old.unlink(missing_ok=True)


def run(args: list[str], database: str | Path = DEFAULT_WAREHOUSE, check: bool = True) -> subprocess.CompletedProcess:
    """Run one dbt command on ``database`` (a subprocess: dbt keeps its DuckDB connection
    for the life of its process, and one process may not open a file with two settings).

    A command that names no ``--target-path`` writes its artifacts and log into a folder of
    its own, removed after it: processes running dbt at the same time (the test suite's
    workers, a run beside a command line) never write into each other's files. Only ``parse``
    writes the project's target/ (prepare_manifest, under its lock)."""
    if args[0] == "parse" or "--target-path" in args:
        return _run(args, database, check)
    with own_target(database, args) as target:
        result = _run([*args, *target_arguments(target)], database, check)
        keep_parse(target, database, args)
        return result


def _run(args: list[str], database: str | Path, check: bool) -> subprocess.CompletedProcess:
    result = subprocess.run(command(args, database), env=environment(), capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}{result.stderr[-2000:]}")
    return result


@contextlib.contextmanager
def own_target(database: str | Path, args: list[str] = ()) -> Iterator[Path]:
    """A target folder for one dbt command, starting from the last parse on its settings
    (partial parsing picks it up where the command's settings are those of the parse)."""
    with tempfile.TemporaryDirectory(prefix="dbt-target-") as folder:
        target = Path(folder)
        seed_parse(target, database, list(args))
        yield target


def target_arguments(target: Path) -> list[str]:
    return ["--target-path", str(target), "--log-path", str(target)]


def prepare_manifest() -> Path:
    """Parse the project when the manifest is missing or older than a file of the project,
    so that a fresh clone (and every edit of a model) needs no extra step. One process at a
    time: the others wait, then find the manifest current."""
    TARGET_DIR.mkdir(exist_ok=True)
    with open(TARGET_DIR / ".parse.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if SOURCES_FILE.read_text(encoding="utf-8") != sources_yaml():
            SOURCES_FILE.write_text(sources_yaml(), encoding="utf-8")
        if not manifest_is_current():
            run(["parse", "--quiet"])
            MANIFEST.touch()
    return MANIFEST


@dataclass(frozen=True)
class Model:
    """One model of the project, as the parsed manifest describes it."""

    name: str
    schema: str
    description: str
    columns: dict[str, str]
    reads: tuple[str, ...]  # tables and views it selects from (schema.name), sources included
    path: Path  # its SQL file

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def models() -> list[Model]:
    """Every model, each after the models it reads (the order dbt builds them in)."""
    manifest = prepare_manifest()
    # Read once per parse: the Dagster definitions, the report, the release and the tests ask
    # for the models many times, and the manifest only changes when the project is parsed.
    return list(_models_of(manifest, manifest.stat().st_mtime_ns))


@functools.lru_cache(maxsize=2)
def _models_of(path: Path, parsed_at: int) -> tuple[Model, ...]:
    manifest = json.loads(path.read_text(encoding="utf-8"))
    nodes = {k: v for k, v in manifest["nodes"].items() if v["resource_type"] == "model"}
    tables = {**nodes, **manifest["sources"]}
    ordered: dict[str, Model] = {}

    def visit(unique_id: str) -> None:
        if unique_id in ordered:
            return
        node = nodes[unique_id]
        for parent in node["depends_on"]["nodes"]:
            if parent in nodes:
                visit(parent)
        ordered[unique_id] = Model(
            name=node["name"],
            schema=node["schema"],
            description=node["description"],
            columns={c["name"]: c["description"] for c in node["columns"].values()},
            reads=tuple(
                f"{tables[p]['schema']}.{tables[p].get('identifier') or tables[p]['name']}"
                for p in node["depends_on"]["nodes"]
            ),
            path=PROJECT_DIR / node["original_file_path"],
        )

    for unique_id in sorted(nodes):
        visit(unique_id)
    return tuple(ordered.values())


def model_tables() -> list[str]:
    """Every model's table or view (schema.name), in the order dbt builds them."""
    return [m.qualified_name for m in models()]


def metrics() -> list[Model]:
    """The public metrics: the models of schema metrics."""
    return [m for m in models() if m.schema == "metrics"]


def build(database: str | Path, select: list[str] | None = None, tests: bool = True) -> dict:
    """Build the models and run their tests (``tests=False``: the models only) on
    ``database``; raises naming the failures. Returns dbt's run results (each model's and
    test's status and time)."""
    prepare_manifest()
    with own_target(database) as target:
        run(["build" if tests else "run", *(["--select", *select] if select else []), *target_arguments(target)],
            database)
        keep_parse(target, database)
        return json.loads((target / "run_results.json").read_text(encoding="utf-8"))


def command(args: list[str], database: str | Path, project: Path = PROJECT_DIR) -> list[str]:
    """The dbt command line for ``args`` on ``database``, with this project's profile
    (``project``: another copy of it, as the tests use)."""
    return [
        dbt_executable(), *args, "--project-dir", str(project), "--profiles-dir", str(project),
        *vars_argument(database),
    ]


# dbt commands that create tables: never on the published warehouse, which only a run replaces.
WRITING_COMMANDS = {"build", "run", "seed", "snapshot", "run-operation", "clone"}
PUBLISHED_WAREHOUSE = PROJECT_DIR.parent / "data" / "warehouse.duckdb"


def main(argv: list[str]) -> int:
    """dbt on a warehouse, output as dbt prints it.

    Commands that read (docs generate, test, show, ls, compile) open the published warehouse
    read only, or the file EGS_WAREHOUSE names. Commands that write need EGS_WAREHOUSE: the
    published file is a run's output (make run), never edited in place.
    """
    args = argv or ["--help"]
    writes = args[0] in WRITING_COMMANDS
    named = os.environ.get("EGS_WAREHOUSE")
    if writes and not named:
        print(
            f"error: dbt {args[0]} writes tables; the published warehouse is only replaced by a run (make run). "
            "Set EGS_WAREHOUSE to a copy to build into, e.g. EGS_WAREHOUSE=copy.duckdb",
            file=sys.stderr,
        )
        return 2
    database = Path(named) if named else PUBLISHED_WAREHOUSE
    if args[0] not in ("--help", "-h", "parse", "clean", "deps") and not database.is_file():
        print(f"error: no warehouse at {database}; run `make run` first, or set EGS_WAREHOUSE", file=sys.stderr)
        return 2
    prepare_manifest()
    target = [] if writes or "--target" in args or args[0] in ("--help", "-h") else ["--target", "published"]
    return subprocess.run(command([*args, *target], database), env=environment()).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
