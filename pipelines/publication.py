"""Publishing: the warehouse, the report and the release appear together, from one checked run.

What analysts open lives in the data folder (``data/`` by default) behind one switch:

    warehouse.duckdb -> .current/warehouse.duckdb
    report           -> .current/report
    public           -> .current/public
    .current         -> .snapshots/<id>      replaced by one atomic rename per publish
    .snapshots/<id>/                         warehouse.duckdb, report/, public/, PUBLISHED.json
    work/                                    the working database; work/runs/<run>/ a run's staged report and release
    recovered/                               earlier warehouses left with an unfinished write session

A run builds the working database, then the report and the release into its own staging
folder; the publish step (after every blocking check has passed) assembles a new snapshot,
verifies it opens, and only then turns ``.current`` to it. A reader therefore sees the three
of one run, old or new, never a mixture; a run that fails or is killed at any point leaves
``.current`` and so all three as they were.

DuckDB resolves the links when it opens a file, so a session held open on
``warehouse.duckdb`` keeps its snapshot, and the write-ahead log (WAL) of a session that
writes into a published file stays with that snapshot: it can never stand beside a newer
file (DuckDB refuses a database whose WAL belongs to another file). A snapshot whose
session died with an unfinished WAL is moved to ``recovered/`` with its WAL rather than
deleted: the writes in it were somebody's.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from synthetic.pause import pause_point

CURRENT = ".current"
SNAPSHOTS = ".snapshots"
RECOVERED = "recovered"
RUNS = "runs"
BUILD_RECORD = "build.json"
REPORT = "report"
RELEASE = "public"
REPORT_INDEX = "index.html"
RELEASE_DATABASE = "release.duckdb"
MANIFEST = "PUBLISHED.json"
_PARTIAL = ".partial"


class PublishError(RuntimeError):
    """Publishing was refused or failed; the message says why, and the published files are unchanged."""


@dataclass(frozen=True)
class Published:
    snapshot: Path
    warehouse_bytes: int
    tables: int
    recovered: list[Path]


@dataclass(frozen=True)
class DataLayout:
    """The paths of one data folder, from the path analysts open (``<data>/warehouse.duckdb``)."""

    published: Path

    @property
    def root(self) -> Path:
        return self.published.parent

    @property
    def working(self) -> Path:
        return self.root / "work" / self.published.name

    @property
    def report(self) -> Path:
        return self.root / REPORT

    @property
    def release(self) -> Path:
        return self.root / RELEASE

    @property
    def current(self) -> Path:
        return self.root / CURRENT

    @property
    def snapshots(self) -> Path:
        return self.root / SNAPSHOTS

    @property
    def recovered(self) -> Path:
        return self.root / RECOVERED

    def staging(self, run_id: str) -> Path:
        """Where a run stages its report and release until the publish step takes them."""
        return self.working.parent / RUNS / run_id

    def staged_report(self, run_id: str) -> Path:
        return self.staging(run_id) / REPORT

    def staged_release(self, run_id: str) -> Path:
        return self.staging(run_id) / RELEASE

    @property
    def build_record(self) -> Path:
        return self.working.parent / BUILD_RECORD

    def entry_links(self) -> dict[Path, str]:
        """The paths analysts use and where each link points (relative, so the folder can move)."""
        return {
            self.published: f"{CURRENT}/{self.published.name}",
            self.report: f"{CURRENT}/{REPORT}",
            self.release: f"{CURRENT}/{RELEASE}",
        }


# --------------------------------------------------------------------------------------
# What a run builds


def record_build(layout: DataLayout, run_id: str) -> None:
    """Note that ``run_id`` (re)built the working database; publishing takes only its own run's."""
    layout.build_record.parent.mkdir(parents=True, exist_ok=True)
    temporary = layout.build_record.with_name(layout.build_record.name + ".tmp")
    temporary.write_text(json.dumps({"run_id": run_id}), encoding="utf-8")
    os.replace(temporary, layout.build_record)


def forget_build(layout: DataLayout) -> None:
    layout.build_record.unlink(missing_ok=True)


def built_by(layout: DataLayout) -> str | None:
    try:
        return json.loads(layout.build_record.read_text(encoding="utf-8")).get("run_id")
    except (FileNotFoundError, json.JSONDecodeError, AttributeError):
        return None


def clear_other_staging(layout: DataLayout, run_id: str) -> None:
    """Remove what earlier runs staged and never published (they failed or were killed)."""
    runs = layout.working.parent / RUNS
    if runs.is_dir():
        for folder in runs.iterdir():
            if folder.name != run_id:
                shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------------------
# Opening what is published


def open_check(database: Path) -> int:
    """Open ``database`` read-only as an analyst would and count its tables; raise if it does not open."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0]
    finally:
        con.close()


def _writer_holds(database: Path) -> bool:
    """True while a process has ``database`` open for writing (DuckDB holds an exclusive lock;
    readers hold shared ones, so a shared lock is refused only by a writer)."""
    try:
        handle = os.open(database, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(handle)  # also releases the probe's own lock
    return False


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def _fsync_dir(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _link(path: Path, target: str) -> None:
    """Point the symlink ``path`` at ``target`` in one atomic rename."""
    temporary = path.with_name(f".{path.name}.link-{uuid.uuid4().hex[:8]}")
    os.symlink(target, temporary)
    try:
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def current_snapshot(layout: DataLayout) -> Path | None:
    if not layout.current.is_symlink():
        return None
    return layout.root / os.readlink(layout.current)


# --------------------------------------------------------------------------------------
# Publishing


def _required_bytes(layout: DataLayout, run_id: str) -> int:
    staged = sum(p.stat().st_size for p in layout.staging(run_id).rglob("*") if p.is_file())
    return layout.working.stat().st_size + staged  # the staged folders move; counted for safety


def _assemble(layout: DataLayout, run_id: str) -> Path:
    """A complete, verified snapshot of this run, not yet visible to anyone."""
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S")
    snapshot = layout.snapshots / f"{stamp}-{run_id[:8]}"
    partial = snapshot.with_name(snapshot.name + _PARTIAL)
    partial.mkdir(parents=True)
    try:
        database = partial / layout.published.name
        shutil.copyfile(layout.working, database)
        with open(database, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(layout.staged_report(run_id), partial / REPORT)
        os.replace(layout.staged_release(run_id), partial / RELEASE)
        manifest = {
            "run_id": run_id,
            "published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "warehouse_bytes": database.stat().st_size,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        _fsync_dir(partial)
        os.replace(partial, snapshot)
        _fsync_dir(layout.snapshots)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return snapshot


def _verify_snapshot(snapshot: Path, name: str) -> int:
    problems = []
    try:
        tables = open_check(snapshot / name)
    except duckdb.Error as err:
        problems.append(f"{name} does not open: {err}")
        tables = 0
    index = snapshot / REPORT / REPORT_INDEX
    if not index.is_file() or index.stat().st_size == 0:
        problems.append(f"{REPORT}/{REPORT_INDEX} is missing or empty")
    try:
        open_check(snapshot / RELEASE / RELEASE_DATABASE)
    except duckdb.Error as err:
        problems.append(f"{RELEASE}/{RELEASE_DATABASE} does not open: {err}")
    if problems:
        raise PublishError(f"the new snapshot {snapshot} failed its checks, nothing was published: " + "; ".join(problems))
    return tables


def _set_aside(layout: DataLayout, files: list[Path], label: str) -> Path:
    """Move files that hold somebody's unfinished writes to recovered/<label>/."""
    folder = layout.recovered / label
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        os.replace(file, folder / file.name)
    return folder


def _place_entry_links(layout: DataLayout, log: Callable[[str], None]) -> list[Path]:
    """Make the paths analysts open point through ``.current``.

    Data folders published before snapshots existed hold a real file and real folders there:
    the file (with a stale WAL beside it, if any, set aside to recovered/) is replaced by a
    link in one rename; a folder steps aside first (a directory cannot be renamed over).
    """
    recovered = []
    for path, target in layout.entry_links().items():
        if path.is_symlink():
            if os.readlink(path) != target:
                _link(path, target)
            continue
        if path.is_dir():
            retired = path.with_name(f".{path.name}.retired-{uuid.uuid4().hex[:8]}")
            os.replace(path, retired)
            _link(path, target)
            shutil.rmtree(retired, ignore_errors=True)
            continue
        stale_wal = _wal(path)
        if path.is_file() and stale_wal.exists():
            folder = _set_aside(layout, [path, stale_wal], f"legacy-{uuid.uuid4().hex[:8]}")
            recovered.append(folder)
            log(f"{path} had an unfinished write session (a WAL); both kept in {folder}")
        elif stale_wal.exists():
            folder = _set_aside(layout, [stale_wal], f"legacy-{uuid.uuid4().hex[:8]}")
            recovered.append(folder)
            log(f"a stray WAL beside {path} was moved to {folder}")
        _link(path, target)
    _fsync_dir(layout.root)
    return recovered


def _retire_snapshots(layout: DataLayout, keep: Path, log: Callable[[str], None]) -> list[Path]:
    """Delete earlier snapshots, except one a writer still holds (next time, then) and those
    with an unfinished WAL, which move to recovered/ with it."""
    recovered = []
    for snapshot in sorted(layout.snapshots.iterdir()):
        if snapshot == keep or not snapshot.is_dir():
            continue
        if snapshot.name.endswith(_PARTIAL):  # what a killed publish left
            shutil.rmtree(snapshot, ignore_errors=True)
            continue
        database = snapshot / layout.published.name
        if _writer_holds(database):
            log(f"{database} is still open for writing by another process; kept until the next publish")
            continue
        if _wal(database).exists():
            folder = _set_aside(layout, [database, _wal(database)], snapshot.name)
            recovered.append(folder)
            log(
                f"an earlier published warehouse had unfinished writes (a WAL left by a session that did not "
                f"close); kept with its WAL in {folder}: the pipeline never writes the published file"
            )
        shutil.rmtree(snapshot, ignore_errors=True)
    return recovered


def publish(layout: DataLayout, run_id: str, log: Callable[[str], None] = print) -> Published:
    """Publish the working database and this run's staged report and release together.

    Refused with a PublishError before anything changes if the working database was built
    by another run (a run publishes only what it built and checked), if the report or the
    release is not staged, or if the disk cannot hold the new snapshot. The new snapshot is
    opened and checked before it becomes visible and again, through the path analysts
    use, after; should that fail, the previous snapshot is put back.
    """
    builder = built_by(layout)
    if builder != run_id:
        raise PublishError(
            f"the working database {layout.working} was built by run {builder or '(unknown)'}, not by this "
            f"run ({run_id}); a run publishes only what it built and checked: materialize the warehouse, "
            "report and release together with published_warehouse (the main job does)"
        )
    missing = [
        str(p) for p in (layout.staged_report(run_id) / REPORT_INDEX, layout.staged_release(run_id) / RELEASE_DATABASE)
        if not p.is_file()
    ]
    if missing:
        raise PublishError(
            f"this run staged no {' and no '.join(missing)}; the warehouse is published only together with "
            "its report and release: materialize insight_report and release/public_release in the same run"
        )
    con = duckdb.connect(str(layout.working))
    try:
        con.execute("CHECKPOINT")  # everything in the main file, nothing left in the WAL
    finally:
        con.close()
    if _wal(layout.working).exists():
        raise PublishError(f"{layout.working} still has a write-ahead log after a checkpoint; not publishing")
    layout.snapshots.mkdir(parents=True, exist_ok=True)
    needed, free = _required_bytes(layout, run_id), shutil.disk_usage(layout.snapshots).free
    if needed > free:
        raise PublishError(
            f"publishing needs about {needed / 1e6:,.0f} MB free in {layout.root}, and {free / 1e6:,.0f} MB are; "
            "nothing was published: free some space and rerun"
        )
    previous = current_snapshot(layout)
    snapshot = _assemble(layout, run_id)
    try:
        tables = _verify_snapshot(snapshot, layout.published.name)
    except BaseException:
        shutil.rmtree(snapshot, ignore_errors=True)
        raise
    pause_point("publish")  # tests hold the run here to kill it between assembling and switching
    _link(layout.current, os.path.relpath(snapshot, layout.root))
    _fsync_dir(layout.root)
    try:
        recovered = _place_entry_links(layout, log)
        open_check(layout.published)
    except BaseException as err:
        if previous is not None and previous.is_dir():
            _link(layout.current, os.path.relpath(previous, layout.root))
        raise PublishError(f"{layout.published} did not open after publishing ({err}); the previous version is back") from err
    recovered += _retire_snapshots(layout, snapshot, log)
    clear_other_staging(layout, run_id)
    shutil.rmtree(layout.staging(run_id), ignore_errors=True)
    return Published(
        snapshot=snapshot, warehouse_bytes=(snapshot / layout.published.name).stat().st_size, tables=tables,
        recovered=recovered,
    )
