"""What the Dagster UI shows of a table: a preview of its first rows and, for a model with a
chart (declared in its .yml, drawn by pipelines.charts), that chart.

The insight report (pipelines.report) draws the same declarations with the same function,
so the UI and the report never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import dagster as dg
import duckdb

from pipelines.charts import chart_markdown, model_charts, sparkline_markdown

PREVIEW_ROWS = 5


# Columns that place a row in time, latest first: a preview shows the newest figures.
TIME_COLUMNS = ("period", "month", "year", "graduation_year")


def _record_value(value):
    """A cell as Dagster's table metadata holds it: numbers and text as they are, dates as ISO
    text, NaN as empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def table_preview(
    con: duckdb.DuckDBPyConnection, table: str, rows: int = PREVIEW_ROWS, schema: dg.TableSchema | None = None
) -> dg.MetadataValue:
    """The rows that tell most about ``table``, as Dagster table metadata (a real table in the
    UI, whatever characters the values hold): yearly rows before monthly ones, the latest
    period first, complete rows before rows with NULLs; the table's first rows where it has no
    time column."""
    if schema is None:
        schema = table_schema(con, table)
    columns = [c.name for c in schema.columns]
    order = []
    if "grain" in columns:
        order.append("grain = 'year' DESC")
    order += [f'"{c}" DESC NULLS LAST' for c in TIME_COLUMNS if c in columns]
    if order:
        nulls = " + ".join(f'CAST("{c}" IS NULL AS INTEGER)' for c in columns)
        order += [f"{nulls} ASC", *(f'"{c}"' for c in columns)]
    ordered = f" ORDER BY {', '.join(order)}" if order else ""
    result = con.execute(f"SELECT * FROM {table}{ordered} LIMIT {int(rows)}")
    records = [dg.TableRecord({n: _record_value(v) for n, v in zip(columns, row)}) for row in result.fetchall()]
    return dg.MetadataValue.table(records=records, schema=schema)


def table_schema(con: duckdb.DuckDBPyConnection, table: str) -> dg.TableSchema:
    """Columns as built, with their DuckDB types and comments.

    A metric's column types are only known once its SQL has run, so the definition's
    schema has descriptions only; this one, attached to the materialization, adds the types.
    """
    schema, name = table.split(".")
    rows = con.execute(
        "SELECT column_name, data_type, comment FROM duckdb_columns() "
        "WHERE schema_name = ? AND table_name = ? ORDER BY column_index",
        [schema, name],
    ).fetchall()
    return dg.TableSchema(columns=[dg.TableColumn(name=n, type=t, description=c or None) for n, t, c in rows])


def metric_metadata(
    con: duckdb.DuckDBPyConnection, metric_name: str, table: str, warn: Callable[[str], None] = print
) -> dict[str, dg.MetadataValue]:
    """Typed column schema, preview and (if the model declares one) chart of a freshly built table.

    A chart that fails to draw costs the UI its picture, not the model its run: the
    table is built and checked all the same, and ``warn`` says what went wrong.
    """
    schema = table_schema(con, table)
    metadata = {"dagster/column_schema": schema, "preview": table_preview(con, table, schema=schema)}
    try:
        chart = model_charts().get(metric_name)
        if chart is not None:
            figure = chart.draw(con)
            glance = sparkline_markdown(figure, last_year_incomplete=chart.last_year == "incomplete")
            if glance is not None:
                metadata["trend"] = glance  # shown on the asset's page as it is
            metadata["chart"] = chart_markdown(figure)  # behind a click: a markdown entry this long
    except Exception as err:  # noqa: BLE001 - any declaration or drawing error; the table itself is fine
        warn(f"the chart of {table} could not be drawn: {err}")
    return metadata
