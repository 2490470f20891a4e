"""The resources every run gets: the scenario and the warehouse, defaulting from the EGS_*
environment variables (pipelines/resources.py)."""

import dagster as dg

from pipelines.resources import default_resources


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(resources=default_resources())
