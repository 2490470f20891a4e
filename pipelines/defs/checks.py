"""Dagster asset checks: the column expectations of the table contract (pipelines.quality),
one multi_asset_check per generated table.

One check op per table keeps GX's per-frame overhead and the DuckDB connection shared by
the table's checks, while each declaration still shows (and blocks) on its own in the UI.
Blocking checks fail with severity ERROR and stop downstream assets in the same run;
the others only warn. The rules that span rows or tables are dbt tests on the sources,
checks of the same raw/* and truth/* assets that the metric layer's dbt build reports
(pipelines/defs/metrics.py); the metrics' own tests are checks of their models.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource
# annotations at definition time and cannot resolve them from strings.
import dagster as dg
import duckdb

from pipelines.keys import table_key
from pipelines.quality import checked_tables, checks_of, validate_table
from pipelines.resources import WarehouseResource


def _open_for_reading(warehouse: WarehouseResource) -> duckdb.DuckDBPyConnection:
    try:
        return warehouse.connect(read_only=True)
    except duckdb.ConnectionException:
        # DuckDB refuses a read-only connection while this process holds a writing one
        # to the same file (in-process executor): share the writer's configuration.
        return warehouse.connect()


def _table_checks(table: str) -> dg.AssetChecksDefinition:
    asset_key = table_key(table)
    specs = [
        dg.AssetCheckSpec(
            check.name,
            asset=asset_key,
            description=check.description,
            blocking=check.blocking,
            # Window checks read raw.calendar: run after it is (re)built too.
            additional_deps=[table_key(t) for t in check.reads(table)],
        )
        for check in checks_of(table)
    ]

    @dg.multi_asset_check(
        name=f"{table.replace('.', '_')}_quality",
        specs=specs,
        description=f"Column expectations of {table} from the table contract (Great Expectations).",
        can_subset=True,
    )
    def _run_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
        selected = {key.name for key in context.selected_asset_check_keys}
        con = _open_for_reading(warehouse)
        try:
            outcomes = validate_table(con, table, checks=selected)
        finally:
            con.close()
        for outcome in outcomes:
            yield dg.AssetCheckResult(
                check_name=outcome.name,
                asset_key=asset_key,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR if outcome.blocking else dg.AssetCheckSeverity.WARN,
                description=outcome.description,
                metadata=outcome.metadata,
            )

    return _run_checks


def build_quality_checks() -> list[dg.AssetChecksDefinition]:
    return [_table_checks(table) for table in checked_tables()]


quality_checks = build_quality_checks()
