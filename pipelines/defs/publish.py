"""``published_warehouse`` (group publish): the checked working database, the report and the
release of the same run, made visible together (pipelines/publication.py)."""

# No `from __future__ import annotations`: Dagster reads the context and resource
# annotations at definition time and cannot resolve them from strings.
import dagster as dg

from pipelines.keys import CALENDAR_KEY, PUBLISHED_KEY, RELEASE_KEY, REPORT_KEY, WAREHOUSE_POOL, table_key
from pipelines.publication import PublishError, publish
from pipelines.resources import WarehouseResource
from pipelines.dbt import model_tables
from synthetic.tables import GENERATED_TABLES


def _warehouse_keys() -> list[dg.AssetKey]:
    tables = [table_key(t.qualified_name) for t in GENERATED_TABLES] + [CALENDAR_KEY]
    return tables + [table_key(t) for t in model_tables()]


@dg.asset(
    key=PUBLISHED_KEY,
    deps=[*_warehouse_keys(), REPORT_KEY, RELEASE_KEY],
    pool=WAREHOUSE_POOL,
    group_name="publish",
    kinds={"duckdb"},
    description=(
        "What analysts open, published together from this run once every table, the report and the "
        "release are built and every blocking check has passed: data/warehouse.duckdb, data/report/ and "
        "data/public/ by default. The three are assembled into a new snapshot, opened and checked, and "
        "made visible in one atomic switch; a failure or kill at any point leaves all three as they "
        "were. Readers holding the old file keep their version; new connections see the new one."
    ),
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    layout = warehouse.layout
    try:
        published = publish(layout, context.run_id, log=context.log.warning)
    except PublishError as err:  # the message says why and that nothing changed
        raise dg.Failure(description=str(err), allow_retries=False) from None
    context.log.info(
        f"published {layout.published}, {layout.report} and {layout.release} "
        f"({published.warehouse_bytes / 1e6:.1f} MB, {published.tables} tables)"
    )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(layout.published)),
            "report": dg.MetadataValue.path(str(layout.report / "index.html")),
            "release": dg.MetadataValue.path(str(layout.release)),
            "snapshot": dg.MetadataValue.path(str(published.snapshot)),
            "size_mb": round(published.warehouse_bytes / 1e6, 1),
            "tables": published.tables,
            "recovered": dg.MetadataValue.md("\n".join(f"- {p}" for p in published.recovered) or "none"),
        }
    )
