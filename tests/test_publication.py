"""Publishing makes the warehouse, the report and the release visible together, and only
when they open: stale write-ahead logs, refused preconditions, kills and corrupt files
never leave the data folder broken or mixed.

These tests drive pipelines.publication directly with small databases (a run's outputs
reduced to one table each), and real DuckDB client processes where a concurrent writer
matters, so that each case runs in about a second.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest

from pipelines import publication
from pipelines.publication import DataLayout, PublishError, publish, record_build

STORAGE = {"storage_compatibility_version": "v1.4.0"}


def build_run(layout: DataLayout, run_id: str, version: int) -> None:
    """What a run leaves before its publish step: a working database, a staged report and release."""
    layout.working.parent.mkdir(parents=True, exist_ok=True)
    layout.working.unlink(missing_ok=True)
    con = duckdb.connect(str(layout.working), config=STORAGE)
    con.execute(f"CREATE TABLE version AS SELECT {version} AS v")
    con.close()
    record_build(layout, run_id)
    report = layout.staged_report(run_id)
    report.mkdir(parents=True)
    (report / "index.html").write_text(f"<html>report {version}</html>")
    layout.staged_release(run_id).mkdir(parents=True)
    con = duckdb.connect(str(layout.staged_release(run_id) / "release.duckdb"), config=STORAGE)
    con.execute(f"CREATE TABLE version AS SELECT {version} AS v")
    con.close()


def publish_version(layout: DataLayout, version: int, **kwargs) -> publication.Published:
    run_id = f"run-{version:04d}-0000-0000"
    build_run(layout, run_id, version)
    return publish(layout, run_id, log=lambda message: None, **kwargs)


def visible(layout: DataLayout) -> tuple[int, str, int]:
    """What a reader sees now: the warehouse's version, the report page and the release's version."""
    def version(path: Path) -> int:
        con = duckdb.connect(str(path), read_only=True)
        try:
            return con.execute("SELECT v FROM version").fetchall()[0][0]
        finally:
            con.close()

    page = (layout.report / "index.html").read_text()
    return version(layout.published), page, version(layout.release / "release.duckdb")


@pytest.fixture()
def layout(tmp_path) -> DataLayout:
    return DataLayout(tmp_path / "data" / "warehouse.duckdb")


def test_the_three_outputs_of_a_run_appear_together(layout):
    publish_version(layout, 1)
    assert visible(layout) == (1, "<html>report 1</html>", 1)
    publish_version(layout, 2)
    assert visible(layout) == (2, "<html>report 2</html>", 2)
    assert [p.name for p in layout.snapshots.iterdir()] == [publication.current_snapshot(layout).name]
    assert not any((layout.working.parent / "runs").iterdir())  # the run's staging was taken


# A DuckDB session that writes into the published file and dies without closing it: it
# opens the file, writes, tells the test, waits, writes again, then exits at once.
CRASHING_WRITER = textwrap.dedent(
    """
    import os, sys, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SET checkpoint_threshold = '1TB'")   # keep the writes in the WAL, as a crash would
    con.execute("CREATE TABLE my_notes AS SELECT 'before the publish' AS note")
    print("written", flush=True)
    sys.stdin.readline()
    con.execute("INSERT INTO my_notes VALUES ('after the publish')")
    os._exit(0)                                        # no close, no checkpoint: the WAL stays
    """
)


def test_a_writer_that_crashes_after_a_publish_never_breaks_the_published_file(layout):
    """Finding: a session writing into data/warehouse.duckdb across a publish, then crashing,
    left a WAL beside the new file ("WAL does not match database file"), and reruns kept it."""
    publish_version(layout, 1)
    writer = subprocess.Popen(
        [sys.executable, "-c", CRASHING_WRITER, str(layout.published)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    assert writer.stdout.readline().strip() == "written"
    publish_version(layout, 2)  # while the writer holds version 1
    writer.communicate("go\n", timeout=60)
    assert visible(layout)[0] == 2  # the published file opens, and is the new one
    publish_version(layout, 3)  # the next publish finds the dead session's WAL
    assert visible(layout)[0] == 3
    [kept] = list(layout.recovered.iterdir())
    # The dead session's writes are not lost: its file and WAL were set aside together.
    con = duckdb.connect(str(kept / layout.published.name), read_only=True)
    assert con.execute("SELECT count(*) FROM my_notes").fetchall() == [(2,)]
    con.close()
    assert len(list(layout.snapshots.iterdir())) == 1


def test_a_data_folder_from_before_snapshots_with_a_stale_wal_is_mended(layout):
    """A published file and folders written in place, with a WAL of a crashed writer beside it."""
    layout.root.mkdir(parents=True)
    con = duckdb.connect(str(layout.published), config=STORAGE)
    con.execute("CREATE TABLE version AS SELECT 0 AS v")
    con.close()
    subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(layout.published)], input="go\n", text=True, check=True,
        capture_output=True,
    )
    assert Path(str(layout.published) + ".wal").exists()
    for folder in (layout.report, layout.release):
        folder.mkdir()
        (folder / "old.txt").write_text("old")
    publish_version(layout, 1)
    assert visible(layout) == (1, "<html>report 1</html>", 1)
    assert not Path(str(layout.published) + ".wal").exists()
    [kept] = list(layout.recovered.iterdir())
    assert sorted(p.name for p in kept.iterdir()) == ["warehouse.duckdb", "warehouse.duckdb.wal"]


def test_a_publish_refused_before_it_starts_changes_nothing(layout):
    publish_version(layout, 1)
    before = visible(layout)
    build_run(layout, "run-other", 2)
    with pytest.raises(PublishError, match="built by run run-other, not by this run"):
        publish(layout, "run-mine", log=lambda m: None)
    record_build(layout, "run-mine")  # built by this run, but the run staged no report
    with pytest.raises(PublishError, match="staged no .*index.html"):
        publish(layout, "run-mine", log=lambda m: None)
    assert visible(layout) == before


def test_a_snapshot_that_does_not_open_is_never_published(layout, monkeypatch):
    publish_version(layout, 1)
    before = visible(layout)
    original = publication.shutil.copyfile

    def corrupting_copy(source, target):
        original(source, target)
        with open(target, "r+b") as handle:  # what a bad disk or a torn copy gives
            handle.seek(0)
            handle.write(os.urandom(8192))

    monkeypatch.setattr(publication.shutil, "copyfile", corrupting_copy)
    with pytest.raises(PublishError, match="failed its checks, nothing was published"):
        publish_version(layout, 2)
    assert visible(layout) == before
    assert len(list(layout.snapshots.iterdir())) == 1


def test_a_kill_between_assembling_and_switching_leaves_all_three_as_they_were(layout, monkeypatch):
    publish_version(layout, 1)
    before = visible(layout)

    def killed(stage: str) -> None:
        raise KeyboardInterrupt  # stands for SIGKILL: nothing after this line runs

    monkeypatch.setattr(publication, "pause_point", killed)
    with pytest.raises(KeyboardInterrupt):
        publish_version(layout, 2)
    assert visible(layout) == before
    monkeypatch.undo()
    publish_version(layout, 3)  # the next publish cleans up what the killed one left
    assert visible(layout) == (3, "<html>report 3</html>", 3)
    assert len(list(layout.snapshots.iterdir())) == 1


def test_a_full_disk_is_reported_before_anything_is_written(layout, monkeypatch):
    publish_version(layout, 1)
    before = visible(layout)
    snapshots = sorted(layout.snapshots.iterdir())
    monkeypatch.setattr(publication.shutil, "disk_usage", lambda path: SimpleNamespace(total=10**12, free=1000))
    with pytest.raises(PublishError, match="needs about .* MB free"):
        publish_version(layout, 2)
    assert visible(layout) == before
    assert sorted(layout.snapshots.iterdir()) == snapshots
