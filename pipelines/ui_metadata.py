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

from pipelines.charts import chart_markdown, model_charts

PREVIEW_ROWS = 5


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "NULL"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def table_preview(con: duckdb.DuckDBPyConnection, table: str, rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """The first rows of ``table`` (in its stored order) as a markdown table."""
    result = con.execute(f"SELECT * FROM {table} LIMIT {int(rows)}")
    names = [d[0] for d in result.description]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in result.fetchall()]
    return dg.MetadataValue.md("\n".join(lines))


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
    metadata = {"dagster/column_schema": table_schema(con, table), "preview": table_preview(con, table)}
    try:
        chart = model_charts().get(metric_name)
        if chart is not None:
            metadata["chart"] = chart_markdown(chart.draw(con))
    except Exception as err:  # noqa: BLE001 - any declaration or drawing error; the table itself is fine
        warn(f"the chart of {table} could not be drawn: {err}")
    return metadata
