"""The metric layer (group staging, intermediate, metrics): the dbt project in sql/, one asset
per model, one asset check per dbt test.

Keys follow the warehouse: ``metrics/<name>`` for a metric (schema metrics),
``intermediate/<name>`` and ``staging/<name>`` for the shared layers, and the sources are
the loader's ``raw/*`` and ``truth/*`` assets.
"""

import contextlib
import io
import shutil
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from pipelines.dbt import TARGET_DIR, keep_parse, prepare_manifest, seed_parse, vars_argument
from pipelines.keys import WAREHOUSE_POOL
from pipelines.resources import WarehouseResource
from pipelines.ui_metadata import metric_metadata
from synthetic.pause import pause_point


class WarehouseTranslator(DagsterDbtTranslator):
    """dbt nodes as the warehouse's assets: <schema>/<table>."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["schema"] if dbt_resource_props["resource_type"] == "model" else None

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """A check says what it checks: the test's meta description, or else its rule in words."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=test_description(manifest["nodes"][unique_id]))


def test_description(test: Mapping[str, Any]) -> str:
    """A dbt test's rule in words, from its name and arguments (built-in and generic tests
    declared without a description)."""
    metadata = test.get("test_metadata") or {}
    kwargs = metadata.get("kwargs", {})
    column = kwargs.get("column_name")
    rules = {
        "not_null": f"{column} is never NULL.",
        "unique": f"{column} identifies one row.",
        "accepted_values": f"{column} is one of {', '.join(map(str, kwargs.get('values', [])))}.",
        "relationships": f"Every {column} references {kwargs.get('field')} of {kwargs.get('to', '')}.",
        "unique_key": f"The key ({', '.join(kwargs.get('columns', []))}) identifies one row.",
    }
    name = metadata.get("name", test["name"])
    where = test.get("config", {}).get("where")
    rule = rules.get(name) or f"{name}({', '.join(f'{k}={v}' for k, v in kwargs.items() if k != 'model')})"
    return rule + (f" Rows where {where}." if where else "")


TRANSLATOR = WarehouseTranslator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_source_tests_as_checks=True)
)


@dbt_assets(
    manifest=prepare_manifest(),
    dagster_dbt_translator=TRANSLATOR,
    name="metric_layer",
    pool=WAREHOUSE_POOL,
)
def metric_layer(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Build the selected models with dbt and run their tests, on the working database.

    dbt holds the file while it runs, so the previews and charts are drawn once it is done,
    and each model's materialization is reported then, with them.
    """
    # A target folder of the run's own, started from the last parse on this warehouse's settings.
    target = TARGET_DIR / f"metric_layer-{context.run_id}"
    seed_parse(target, warehouse.working_path)
    invocation = dbt.cli(
        ["build", *vars_argument(warehouse.working_path)], context=context, raise_on_error=False, target_path=target
    )
    # dagster-dbt echoes every line dbt prints to stdout: hundreds of lines in `make run`.
    # They go to the debug log instead (LOG_LEVEL=DEBUG), and one line says what dbt did.
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        events = list(invocation.stream())
    context.log.debug(printed.getvalue())
    done = [line for line in printed.getvalue().splitlines() if line.strip().startswith("Done.")]
    context.log.info(f"dbt build: {done[-1].strip() if done else 'no summary'}")
    error = None if invocation.is_successful() else invocation.get_error()
    # What this step needs of the target folder (events, the error) is read, and a folder per
    # run would pile up under sql/target; its parse is kept for the next run.
    keep_parse(invocation.target_path, warehouse.working_path)
    shutil.rmtree(invocation.target_path, ignore_errors=True)
    pause_point("metrics")  # a test stops the run here, the models built and not yet reported
    con = warehouse.connect()
    try:
        for event in events:
            if isinstance(event, dg.Output) and event.output_name:
                key = context.asset_key_for_output(event.output_name)
                table = ".".join(key.path)
                shown = metric_metadata(con, key.path[-1], table, warn=context.log.warning)
                count = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                event = event.with_metadata({**event.metadata, **shown, "dagster/row_count": count})
            yield event
    finally:
        con.close()
    if error is not None:
        raise dg.Failure(description=f"dbt build failed: {error}", allow_retries=False)
