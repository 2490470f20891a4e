"""The warehouse and its metrics.

- ``raw/*``, ``truth/*``, ``raw/calendar`` (group warehouse): the lake loaded into the working
  database in one transaction.
The models that read them (staging, intermediate, metrics) are the dbt project's, in
pipelines/defs/metrics.py.
"""

# No `from __future__ import annotations`: Dagster reads the context and resource
# annotations at definition time and cannot resolve them from strings.
import dagster as dg

from pipelines.keys import CALENDAR_KEY, LAKE_KEY, WAREHOUSE_POOL, table_key
from pipelines.publication import clear_other_staging, forget_build, record_build
from pipelines.resources import ScenarioResource, WarehouseResource
from pipelines.ui_metadata import table_preview
from pipelines.warehouse import CALENDAR_COMMENT, load_lake, reset_database
from synthetic.manifest import LakeError
from synthetic.tables import GENERATED_TABLES, Table


def _schema(columns: dict[str, tuple[str, str]]) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[dg.TableColumn(name=n, type=t, description=d) for n, (t, d) in columns.items()]
    )


def _table_spec(table: Table) -> dg.AssetSpec:
    return dg.AssetSpec(
        key=table_key(table.qualified_name),
        description=table.description,
        deps=[LAKE_KEY],
        group_name="warehouse",
        kinds={"duckdb"},
        metadata={
            "dagster/column_schema": _schema({c.name: (c.sql_type, c.description) for c in table.columns}),
            "dagster/table_name": table.qualified_name,
        },
    )


@dg.multi_asset(
    specs=[
        *(_table_spec(t) for t in GENERATED_TABLES),
        dg.AssetSpec(
            key=CALENDAR_KEY,
            description=CALENDAR_COMMENT,
            deps=[LAKE_KEY],
            group_name="warehouse",
            kinds={"duckdb"},
            metadata={
                "dagster/column_schema": _schema(
                    {"month": ("DATE", "First day of the month."), "year": ("INTEGER", "Calendar year of the month.")}
                ),
                "dagster/table_name": "raw.calendar",
            },
        ),
    ],
    name="load_warehouse",
    pool=WAREHOUSE_POOL,
)
def load_warehouse(context: dg.AssetExecutionContext, scenario: ScenarioResource, warehouse: WarehouseResource):
    """Load every lake table into a fresh working database (schemas raw and truth) in one transaction."""
    sc = scenario.load()
    layout = warehouse.layout
    forget_build(layout)
    clear_other_staging(layout, context.run_id)  # what failed or killed runs staged and never published
    reset_database(warehouse.working_path)  # whatever a killed run left there is rebuilt
    con = warehouse.connect()
    try:
        rows = load_lake(con, warehouse.lake, sc)
        previews = {name: table_preview(con, name) for name in rows}
    except LakeError as err:  # the message names the file and the remedy; no traceback needed
        con.close()
        reset_database(warehouse.working_path)  # half a database is of no use: give the space back
        raise dg.Failure(description=str(err), allow_retries=False) from None
    except BaseException:
        con.close()
        reset_database(warehouse.working_path)
        raise
    con.close()
    record_build(layout, context.run_id)
    context.log.info(f"loaded {sum(rows.values()):,} rows into {warehouse.working_path}")
    for name, count in rows.items():
        yield dg.MaterializeResult(
            asset_key=table_key(name), metadata={"dagster/row_count": count, "preview": previews[name]}
        )
