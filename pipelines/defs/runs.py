"""The sensor that marks failed the runs whose process died (pipelines/runs.py), so that
they never block the one-run queue; under `make ui` the daemon evaluates it."""

import dagster as dg

from pipelines.runs import fail_dead_runs


@dg.sensor(
    name="dead_run_sensor",
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Marks failed every run in progress whose process on this machine died (killed, "
        "crashed), so that it no longer blocks the run queue (one run at a time). Starts no runs."
    ),
)
def dead_run_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason | None:
    failed = fail_dead_runs(context.instance, log=context.log)
    if failed:
        return dg.SkipReason(f"marked {len(failed)} run(s) failed whose process died: {', '.join(failed)}")
    return None
