"""Runs whose process died are marked failed, so that they never block the run queue.

dagster_home/dagster.yaml allows one run in progress at a time. A run whose process is
killed (SIGKILL, the OOM killer, a reboot, `dagster dev` killed with its run inside) never
writes its end, so it stays STARTED in the run history, and from then on every queued
run, the "Materialize all" button and the nightly schedule wait behind it for ever.

Dagster's run monitoring (``run_monitoring:`` in dagster.yaml) cannot see that death
here: the DefaultRunLauncher offers no worker health check, and runs from
``dagster job execute`` have no launcher at all. So this module does it for runs started
on this machine: it finds the process of every run in progress and, if that process is
gone (or its pid now belongs to a younger process), reports the run failed.

Where the process of a run is known from:

* the record a run leaves at its start (``record_run_process``, called by the warehouse
  resource): the host, the pid and the process start time, in one run tag that also
  names the run id, so that a re-execution that copies its parent's tags is not judged
  by its parent's process;
* otherwise Dagster's own events: the RUN_START event (the event that makes a run
  STARTED) carries the pid of the process that wrote it, as does the in-process
  executor's "Executing steps in process (pid: N)" engine event. They name no host, so
  such a run is judged only when the instance keeps its runs in a local SQLite file
  (which only processes on this machine write), and only after a grace period, which
  leaves a starting run time to write its own record.

The check runs from a sensor in the daemon (``dead_run_sensor`` in pipelines/defs/runs.py: `dagster dev` frees the
queue by itself) and at the start of every run (``check_at_run_start``: command-line runs
free it too, with no daemon).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from collections.abc import Collection
from pathlib import Path
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEventType, JobFailureData, RunFailureReason
from dagster._core.storage.dagster_run import RunRecord
from dagster._core.storage.runs import InMemoryRunStorage, SqliteRunStorage

logger = logging.getLogger(__name__)

# One tag with everything needed to find a run's process again; JSON so the UI shows it.
RUN_PROCESS_TAG = "economic-graph/run-process"

# The statuses in which a run counts against max_concurrent_runs (they hold the queue).
WATCHED_STATUSES = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]

# A run writes its own record within seconds of starting (when its resources are set
# up); until this much time has passed, a run without one is left for a later check.
GRACE_SECONDS = 30.0

# Process start times from /proc are exact to a clock tick, but the boot time they are
# counted from is a whole second and moves with wall-clock corrections.
START_TIME_TOLERANCE = 2.0


# --------------------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------------------


def _proc_stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name, None if there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may itself contain spaces and ")".
    return stat[stat.rindex(")") + 2 :].split()


def _has_proc() -> bool:
    return Path("/proc/self/stat").exists()


def process_alive(pid: int) -> bool:
    """Whether a process with this pid exists and has not exited.

    A zombie (exited, not yet collected by its parent) counts as gone: a killed run's
    process stays a zombie until its parent waits for it.
    """
    if pid <= 0:
        return False
    if _has_proc():
        fields = _proc_stat(pid)
        if fields is not None:
            return fields[0] not in ("Z", "X", "x")
    # No /proc (macOS), or /proc hides other users' processes (hidepid): ask the kernel.
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def process_start_time(pid: int) -> float | None:
    """When the process started, in seconds since the epoch; None if unknown."""
    if not _has_proc():
        return None
    fields = _proc_stat(pid)
    if fields is None:
        return None
    try:
        ticks = int(fields[19])  # field 22 of /proc/<pid>/stat: start time in clock ticks since boot
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (IndexError, ValueError, StopIteration, OSError):
        return None
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def this_host() -> str:
    return socket.gethostname()


# --------------------------------------------------------------------------------------
# The record of a run's process
# --------------------------------------------------------------------------------------


def _run_start_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The pid on the run's RUN_START event: the process that made the run STARTED."""
    for entry in instance.get_records_for_run(run_id, of_type=DagsterEventType.RUN_START, limit=1).records:
        event = entry.event_log_entry.dagster_event
        if event is not None and event.pid:
            return event.pid
    return None


def record_run_process(instance: dg.DagsterInstance, run_id: str) -> None:
    """Tag the run with this process: host, pid, start time (guards against pid reuse).

    Only from the process that runs the whole run. Under an executor that sets up
    resources in a process per step, this process ends with its step while the run goes
    on: recording it would get a live run marked failed.
    """
    if _run_start_pid(instance, run_id) != os.getpid():
        return
    record: dict[str, Any] = {"run_id": run_id, "host": this_host(), "pid": os.getpid()}
    started = process_start_time(os.getpid())
    if started is not None:
        record["started"] = round(started, 2)
    instance.add_run_tags(run_id, {RUN_PROCESS_TAG: json.dumps(record, sort_keys=True)})


def _own_record(run: dg.DagsterRun) -> dict[str, Any] | None:
    """The run's own process record, if it wrote one (not one inherited from a parent run)."""
    raw = run.tags.get(RUN_PROCESS_TAG)
    if not raw:
        return None
    try:
        record = json.loads(raw)
        record["pid"] = int(record["pid"])
    except (ValueError, TypeError, KeyError):
        return None
    return record if record.get("run_id") == run.run_id else None


def _pid_from_dagster_events(instance: dg.DagsterInstance, run_id: str) -> int | None:
    """The run process's pid as Dagster logged it: on RUN_START, else the executor's engine event."""
    pid = _run_start_pid(instance, run_id)
    if pid is not None:
        return pid
    # The in-process executor's "Executing steps in process (pid: N)", with the pid in its
    # metadata, is among the first engine events (other engine events may name other processes).
    engine_events = instance.get_records_for_run(run_id, of_type=DagsterEventType.ENGINE_EVENT, limit=20)
    for entry in engine_events.records:
        event = entry.event_log_entry.dagster_event
        if event is None or not (event.message or "").startswith("Executing steps in process"):
            continue
        value = getattr(event.event_specific_data, "metadata", {}).get("pid")
        try:
            return int(getattr(value, "value", value))
        except (TypeError, ValueError):
            return None
    return None


def _storage_is_local(instance: dg.DagsterInstance) -> bool:
    """Whether every run in this instance was started on this machine.

    True for a SQLite run storage (a file on this machine; SQLite does not work across
    machines) and for an in-memory one (this process); False for a database server
    that processes on other machines may share.
    """
    return isinstance(instance.run_storage, (SqliteRunStorage, InMemoryRunStorage))


# --------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------


def _death_of(instance: dg.DagsterInstance, record: RunRecord, host: str, now: float,
              grace: float) -> str | None:
    """Why this run's process is known to be gone (None: alive, unknown, or not ours to judge)."""
    run = record.dagster_run
    own = _own_record(run)
    if own is not None:
        if own.get("host") != host:
            return None  # another machine's process: nothing to learn from our /proc
        pid, reference, where = own["pid"], own.get("started"), f"pid {own['pid']} on {host}"
    else:
        started = record.start_time or record.create_timestamp.timestamp()
        if now - started < grace:
            return None  # the run may be about to write its own record
        if not _storage_is_local(instance):
            return None
        pid = _pid_from_dagster_events(instance, run.run_id)
        if pid is None:
            # Never reached RUN_START (STARTING) or logged no pid: Dagster's run monitoring
            # times out a run stuck in STARTING; there is no process to look at here.
            return None
        reference, where = record.start_time, f"pid {pid}"
    if not process_alive(pid):
        return f"its process ({where}) died without finishing the run (killed or crashed)"
    began = process_start_time(pid)
    if began is not None and reference is not None and began > float(reference) + START_TIME_TOLERANCE:
        return (f"its process ({where}) died without finishing the run (killed or crashed); "
                f"pid {pid} now belongs to a process started after the run")
    return None


def fail_dead_runs(
    instance: dg.DagsterInstance,
    log: logging.Logger | dg.DagsterLogManager | None = None,
    exclude_run_ids: Collection[str] = (),
    now: float | None = None,
    grace_seconds: float = GRACE_SECONDS,
) -> list[str]:
    """Report failed every run in progress whose process on this host is gone; their ids.

    Quiet and cheap when there is nothing to do: one query for the runs in progress, then
    a read of /proc per run. A run whose process is alive is never touched, whatever it
    is doing (a run waiting for the warehouse lock is alive). ``now`` and
    ``grace_seconds`` exist for tests.
    """
    log = log or logger
    now = time.time() if now is None else now
    host = this_host()
    failed: list[str] = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=WATCHED_STATUSES)):
        run = record.dagster_run
        if run.run_id in exclude_run_ids:
            continue
        reason = _death_of(instance, record, host, now, grace_seconds)
        if reason is None:
            continue
        # Read the run again now that its process is known to be gone: a process that
        # ended cleanly wrote its final status before exiting, and must keep it.
        current = instance.get_run_by_id(run.run_id)
        if current is None or current.status not in WATCHED_STATUSES:
            continue
        message = f"Run {run.run_id} marked failed: {reason}, and would otherwise block the run queue."
        failure = JobFailureData(error=None, failure_reason=RunFailureReason.UNEXPECTED_TERMINATION)
        instance.report_run_failed(current, message, failure)
        log.warning(message)
        failed.append(run.run_id)
    return failed


def check_at_run_start(context: dg.InitResourceContext) -> None:
    """Record this run's process, then free the queue of runs whose process died.

    Called when a run sets up its resources. A failure of the check itself is logged and
    never fails the run that is starting.
    """
    instance, run_id = context.instance, context.run_id
    if instance is None or run_id is None:
        return  # a resource built outside a run
    try:
        record_run_process(instance, run_id)
        fail_dead_runs(instance, log=context.log, exclude_run_ids={run_id})
    except Exception as err:  # noqa: BLE001 - housekeeping must not cost the run
        (context.log or logger).warning(f"could not check for runs whose process died: {err!r}")
