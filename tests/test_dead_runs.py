"""A run whose process died is marked failed, so the one-run queue never stays blocked.

The end-to-end test kills a real `dagster job execute` run (SIGKILL to its process
group) on a small scenario, held at a pause point (synthetic/pause.py) so that the kill
lands inside a step. The unit tests build run records by hand in an ephemeral instance.

pipelines.runs is imported inside the tests: on code without it, the end-to-end test
then fails at the finding itself (the killed run stays STARTED) rather than at import.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.events import DagsterEvent, DagsterEventType, EngineEventData
from dagster._core.events.log import EventLogEntry
from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

from pipelines.resources import WarehouseResource
from tests.conftest import dagster_home_at

ROOT = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).with_name("dagster")
PEOPLE = 3_000
START_TIMEOUT = 120  # seconds for a run to reach its first step on a loaded machine


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def queue_blocked(instance: dg.DagsterInstance) -> bool:
    """The queued-run coordinator's own test before it launches anything."""
    in_progress = QueuedRunCoordinatorDaemon(interval_seconds=1)._get_in_progress_run_records(instance)
    return len(in_progress) >= instance.get_concurrency_config().run_queue_config.max_concurrent_runs


def start_paused_run(tmp_path: Path, name: str) -> tuple[subprocess.Popen, Path]:
    """A `dagster job execute` run that holds still in its first step (generate)."""
    marker = tmp_path / f"{name}.paused"
    env = {
        **os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "EGS_DATA_DIR": str(tmp_path / "data"),
        "EGS_PEOPLE": str(PEOPLE), "EGS_WORKERS": "1", "EGS_PAUSE_AT": "generate",
        "EGS_PAUSE_MARKER": str(marker), "GX_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1",
    }
    log = (tmp_path / f"{name}.log").open("w")
    process = subprocess.Popen(
        [DAGSTER, "job", "execute", "-m", "pipelines.definitions", "-j", "main"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, so that one kill reaches all of it
    )
    log.close()
    return process, marker


def wait_paused(process: subprocess.Popen, marker: Path, tmp_path: Path, name: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not marker.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            log = (tmp_path / f"{name}.log").read_text()
            pytest.fail(f"run {name} did not reach its pause point:\n{log[-3000:]}")
        time.sleep(0.2)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the run's process group and collect it, as a crash would leave it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def the_run(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun:
    """The run whose RUN_START was written by process pid."""
    for record in instance.get_run_records():
        run_id = record.dagster_run.run_id
        starts = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START).records
        if starts and starts[0].event_log_entry.dagster_event.pid == pid:
            return record.dagster_run
    raise AssertionError(f"no run started by pid {pid}")


def failure_message(instance: dg.DagsterInstance, run_id: str) -> str:
    records = instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_FAILURE).records
    return records[-1].event_log_entry.dagster_event.message if records else ""


# --------------------------------------------------------------------------------------
# End to end: real command-line runs, killed
# --------------------------------------------------------------------------------------


@dg.asset
def _probe(warehouse: WarehouseResource) -> None:
    """Needs the warehouse resource, so a run of it goes through its setup_for_execution."""


def test_a_killed_run_is_marked_failed_and_frees_the_queue(tmp_path):
    dagster_home_at(tmp_path / "home")
    first, first_marker = start_paused_run(tmp_path, "first")
    try:
        wait_paused(first, first_marker, tmp_path, "first")
        with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
            killed = the_run(instance, first.pid)
            assert killed.status == dg.DagsterRunStatus.STARTED

            from pipelines.runs import fail_dead_runs

            # Alive and inside a step: never touched.
            assert fail_dead_runs(instance) == []
            assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.STARTED

            kill(first)
            # The finding: the dead run stays STARTED and holds the one-run queue.
            assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.STARTED
            assert queue_blocked(instance)

            # The next run marks it failed as it sets up the warehouse resource. (In this
            # process, on another data folder: a second `dagster job execute` would spend
            # most of the test's time importing.)
            warehouse = WarehouseResource(path=str(tmp_path / "other" / "warehouse.duckdb"),
                                          lake=str(tmp_path / "other" / "lake"))
            second = dg.materialize([_probe], instance=instance, resources={"warehouse": warehouse})
            assert second.success
            assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
            message = failure_message(instance, killed.run_id)
            assert f"pid {first.pid}" in message and "died" in message
            assert not queue_blocked(instance)
            assert fail_dead_runs(instance) == []  # and nothing is marked twice
    finally:
        if first.poll() is None:
            kill(first)


# --------------------------------------------------------------------------------------
# Unit: which runs are judged dead
# --------------------------------------------------------------------------------------


@dg.op
def _noop() -> None:
    pass


@dg.job
def _tiny() -> None:
    _noop()


@pytest.fixture()
def instance():
    with dg.DagsterInstance.ephemeral() as inst:
        yield inst


def dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def started_run(instance: dg.DagsterInstance, pid: int | None, at: float | None = None,
                record: dict | None = None) -> dg.DagsterRun:
    """A run made STARTED by a RUN_START event from process pid at time at."""
    run = instance.create_run_for_job(job_def=_tiny)
    event = DagsterEvent(DagsterEventType.RUN_START.value, job_name=_tiny.name, message="started", pid=pid)
    instance.handle_new_event(EventLogEntry(
        error_info=None, level=logging.DEBUG, user_message="", run_id=run.run_id,
        timestamp=time.time() if at is None else at, job_name=_tiny.name, dagster_event=event,
    ))
    if record is not None:
        from pipelines.runs import RUN_PROCESS_TAG

        instance.add_run_tags(run.run_id, {RUN_PROCESS_TAG: json.dumps({"run_id": run.run_id, **record})})
    return instance.get_run_by_id(run.run_id)


def status(instance: dg.DagsterInstance, run: dg.DagsterRun) -> dg.DagsterRunStatus:
    return instance.get_run_by_id(run.run_id).status


def test_a_live_process_is_left_alone_however_old_its_run(instance):
    from pipelines.runs import RUN_PROCESS_TAG, fail_dead_runs, record_run_process

    recorded = started_run(instance, os.getpid())
    record_run_process(instance, recorded.run_id)
    assert f'"pid": {os.getpid()}' in instance.get_run_by_id(recorded.run_id).tags[RUN_PROCESS_TAG]
    from_events_only = started_run(instance, os.getpid())
    assert fail_dead_runs(instance, now=time.time() + 86_400) == []
    assert status(instance, recorded) == status(instance, from_events_only) == dg.DagsterRunStatus.STARTED


def test_pid_reuse_is_detected(instance):
    from pipelines.runs import fail_dead_runs, process_start_time, this_host

    # The recorded process started a minute before the live process that now has its pid.
    mine = process_start_time(os.getpid())
    reused = started_run(instance, os.getpid(),
                         record={"host": this_host(), "pid": os.getpid(), "started": mine - 60})
    # No record: the live process holding the pid started after the run did.
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        reused_too = started_run(instance, sleeper.pid, at=time.time() - 600)
        failed = fail_dead_runs(instance)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert reused.run_id in failed and reused_too.run_id in failed
    assert status(instance, reused) == status(instance, reused_too) == dg.DagsterRunStatus.FAILURE
    assert "started after the run" in failure_message(instance, reused.run_id)


def test_a_run_without_its_own_record_gets_a_grace_period(instance):
    from pipelines.runs import GRACE_SECONDS, fail_dead_runs

    # Inherited from a parent run (another run id): not this run's record.
    inherited = {"run_id": "parent", "host": "elsewhere", "pid": os.getpid()}
    run = started_run(instance, dead_pid())
    instance.add_run_tags(run.run_id, {"economic-graph/run-process": json.dumps(inherited)})
    started = instance.get_run_record_by_id(run.run_id).start_time
    assert fail_dead_runs(instance, now=started + 1) == []
    assert status(instance, run) == dg.DagsterRunStatus.STARTED
    assert fail_dead_runs(instance, now=started + GRACE_SECONDS + 1) == [run.run_id]
    assert status(instance, run) == dg.DagsterRunStatus.FAILURE


def test_the_pid_of_the_in_process_executor_engine_event_is_used_when_run_start_has_none(instance):
    from pipelines.runs import fail_dead_runs

    run = started_run(instance, pid=None, at=time.time() - 600)
    pid = dead_pid()
    instance.report_engine_event(f"Executing steps in process (pid: {pid})", run,
                                 EngineEventData.in_process(pid))
    assert fail_dead_runs(instance) == [run.run_id]
    assert f"pid {pid}" in failure_message(instance, run.run_id)


def test_only_the_process_that_started_the_run_records_itself(instance):
    """A step process (multiprocess executor) ends with its step: it must not stand for the run."""
    from pipelines.runs import RUN_PROCESS_TAG, record_run_process

    run = started_run(instance, dead_pid())
    record_run_process(instance, run.run_id)
    assert RUN_PROCESS_TAG not in instance.get_run_by_id(run.run_id).tags


def test_a_run_on_another_host_is_not_judged(instance):
    from pipelines.runs import fail_dead_runs

    pid = dead_pid()
    elsewhere = started_run(instance, pid, record={"host": "another-machine", "pid": pid})
    assert elsewhere.run_id not in fail_dead_runs(instance, now=time.time() + 86_400)
    assert status(instance, elsewhere) == dg.DagsterRunStatus.STARTED


def test_the_sensor_marks_dead_runs_failed_and_is_quiet_otherwise(instance):
    from pipelines.defs.runs import dead_run_sensor
    from pipelines.runs import this_host

    pid = dead_pid()
    dead = started_run(instance, pid, record={"host": this_host(), "pid": pid})
    alive = started_run(instance, os.getpid(), record={"host": this_host(), "pid": os.getpid()})
    result = dead_run_sensor(dg.build_sensor_context(instance=instance))
    assert dead.run_id in result.skip_message and alive.run_id not in result.skip_message
    assert status(instance, dead) == dg.DagsterRunStatus.FAILURE
    assert status(instance, alive) == dg.DagsterRunStatus.STARTED
    assert dead_run_sensor(dg.build_sensor_context(instance=instance)) is None
