"""The main job (every asset and check) and its nightly schedule."""

import dagster as dg

main_job = dg.define_asset_job(
    "main",
    selection=dg.AssetSelection.all(),
    description="Generate the scenario, load the warehouse, compute every metric and run every check.",
)

# The full refresh, nightly. Stopped until switched on in the UI (Automation) or with
# `dagster schedule start main_nightly`, so that `make ui` does not start runs on its own.
main_schedule = dg.ScheduleDefinition(
    name="main_nightly",
    job=main_job,
    cron_schedule="0 3 * * *",
    execution_timezone="Europe/Amsterdam",
    description="Full refresh every night at 03:00 Amsterdam time: the main job on the default resources.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)
