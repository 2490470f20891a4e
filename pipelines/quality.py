"""Great Expectations on what the generator writes: the column expectations of the contract.

synthetic/tables.py declares, once, what every column of raw.* and truth.* may hold: never
NULL, one of a set of values, a range (months of the scenario window), and pairs of
columns in order. This module turns those declarations into GX expectations, one check per
declaration, and validates them on pandas frames (GX's SQL path through duckdb-engine fails
with MetricResolutionError). Rules that span rows or tables (keys, references, overlapping
positions, ...) are dbt tests on the sources (pipelines/dbt.py writes them), and the
metrics are guarded by the dbt tests of their models: nothing here is SQL.

No Dagster here: pipelines/defs/checks.py wires the checks into asset checks, tests call
validate_table directly.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import duckdb
import pandas as pd

from synthetic.tables import (
    FIRST_MONTH,
    GENERATED_TABLES,
    LAST_MONTH,
    TABLES_BY_NAME,
    Column,
    Order,
    Table,
    WindowMonth,
)

# Bounds that are months of the scenario window: GX parameters, filled from raw.calendar.
CALENDAR = "raw.calendar"

EXAMPLE_COUNT = 5
CHUNK_ROWS = 2_000_000  # rows per frame GX validates: about 100 MB of pandas per column at most
_CHECK_TAG = "quality_check"  # expectation meta key that maps a GX result back to its check


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    blocking: bool
    description: str
    metadata: dict


@dataclass(frozen=True)
class Declared:
    """One GX expectation as data: its class in great_expectations.expectations and arguments."""

    kind: str
    arguments: dict[str, Any] = field(hash=False)


@functools.cache
def _gx() -> ModuleType:
    """Great Expectations, imported on first use: it takes about 5 s, which every process
    that loads the Dagster definitions (a run, the UI, a test) would otherwise pay before
    doing anything, checks or not."""
    # GX imports pyspark (a test dependency) when it is installed, and pyspark warns about
    # pandas 3 on import: noise in every run, the Dagster UI's logs and the benchmark alike.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    import great_expectations as gx
    import great_expectations.expectations  # noqa: F401  (gx.expectations below)

    return gx


@dataclass(frozen=True)
class QualityCheck:
    """The expectations of one declaration of the contract, on the table's own columns
    (only those they name are loaded)."""

    name: str
    description: str
    blocking: bool
    declared: tuple[Declared, ...]
    uses_window: bool = False  # the expectations use the first_month/last_month parameters

    @property
    def columns(self) -> list[str]:
        names = [d.arguments[a] for d in self.declared for a in ("column", "column_A", "column_B") if a in d.arguments]
        return list(dict.fromkeys(names))

    @property
    def expectations(self) -> list:
        """The GX expectations, built when a check runs (GX takes seconds to import)."""
        gxe = _gx().expectations
        return [getattr(gxe, d.kind)(**d.arguments) for d in self.declared]

    def reads(self, table: str) -> list[str]:
        """Other tables the check reads: raw.calendar for the window's months."""
        return [CALENDAR] if self.uses_window else []


# --------------------------------------------------------------------------------------
# From the contract to expectations.
# --------------------------------------------------------------------------------------


def _bound(value: Any) -> Any:
    return {"$PARAMETER": value.which} if isinstance(value, WindowMonth) else value


def _range_name(column: Column) -> str:
    if column.low == FIRST_MONTH and column.high == LAST_MONTH:
        return "in_window"
    if column.low is None and column.high == LAST_MONTH:
        return "not_after_window"
    if column.low == FIRST_MONTH and column.high is None:
        return "not_before_window"
    return "in_range"


def _range_text(column: Column) -> str:
    if column.low is not None and column.high is not None:
        return f"lies between {column.low} and {column.high}"
    if column.low is not None:
        return f"is not before {column.low}" if isinstance(column.low, WindowMonth) else f"is >= {column.low}"
    return f"is not after {column.high}" if isinstance(column.high, WindowMonth) else f"is <= {column.high}"


def _covered_by_dbt(table: Table, column: Column) -> bool:
    """A key column's or a required reference's NULLs are the dbt tests' (not_null, beside the
    key or the reference): the rule spans rows or tables, and it blocks."""
    return column.name in table.key or bool(column.references and column.required)


# Categories and dates are not blocking: no metric identity depends on a category label (an
# unknown one shows up as a group of its own rather than corrupting a figure), and metrics
# clamp or drop dates by the calendar, so a date outside the window flags a generator
# problem rather than a wrong figure. Pairs of columns say for themselves.
def _column_checks(table: Table, column: Column) -> list[QualityCheck]:
    """The value set and the range of a column, each a check; its NULLs go with the first."""
    name = column.name
    not_null = (Declared("ExpectColumnValuesToNotBeNull", {"column": name}),) if column.required else ()
    nulls = "is never NULL and " if column.required else ""
    when_set = "" if column.required else " (NULL allowed)"
    checks = []
    if column.values:
        in_set = Declared("ExpectColumnValuesToBeInSet", {"column": name, "value_set": list(column.values)})
        checks.append(
            QualityCheck(
                f"{name}_in_set",
                f"{name} {nulls}is one of {', '.join(column.values)}{when_set}.",
                blocking=False,
                declared=(*not_null, in_set),
            )
        )
    if column.low is not None or column.high is not None:
        between = Declared(
            "ExpectColumnValuesToBeBetween",
            {"column": name, "min_value": _bound(column.low), "max_value": _bound(column.high)},
        )
        nulls, not_null = ("", ()) if checks else (nulls, not_null)
        checks.append(
            QualityCheck(
                f"{name}_{_range_name(column)}",
                f"{name} {nulls}{_range_text(column)}{when_set}.",
                blocking=False,
                declared=(*not_null, between),
                uses_window=isinstance(column.low, WindowMonth) or isinstance(column.high, WindowMonth),
            )
        )
    if not checks and column.required and not _covered_by_dbt(table, column):
        checks.append(
            QualityCheck(f"{name}_not_null", f"{name} is never NULL.", blocking=False, declared=not_null)
        )
    return checks


def _order_check(table: Table, order: Order) -> QualityCheck:
    dates = table.column(order.later).sql_type == "DATE"
    if order.strictly:
        relation, words = ("after", "after") if dates else ("greater_than", "greater than")
    else:
        relation, words = ("not_before", "on or after") if dates else ("at_least", "at least")
    return QualityCheck(
        f"{order.later}_{relation}_{order.earlier}",
        f"{order.later} is {words} {order.earlier} when both are set: {order.why}",
        blocking=order.blocking,
        declared=(
            Declared(
                "ExpectColumnPairValuesAToBeGreaterThanB",
                {
                    "column_A": order.later,
                    "column_B": order.earlier,
                    "or_equal": not order.strictly,
                    "ignore_row_if": "either_value_is_missing",
                },
            ),
        ),
    )


def column_checks(table: Table) -> list[QualityCheck]:
    """The GX checks the contract declares for ``table``: one per constrained column, one
    per pair of columns in order."""
    checks = [check for column in table.columns for check in _column_checks(table, column)]
    return checks + [_order_check(table, order) for order in table.order]


def checked_tables() -> list[str]:
    """The generated tables with at least one column expectation."""
    return [t.qualified_name for t in GENERATED_TABLES if column_checks(t)]


def checks_of(table: str) -> list[QualityCheck]:
    return column_checks(TABLES_BY_NAME[table])


# --------------------------------------------------------------------------------------
# Running the checks.
# --------------------------------------------------------------------------------------


@functools.cache
def _batch_definition():
    """The GX pandas batch definition, built once per process (GX is slow to set up)."""
    gx = _gx()  # first: it sets the warning filter
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # as GX_ANALYTICS_ENABLED=false, also when the variable is unset
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _run_expectations(frame: pd.DataFrame, check: QualityCheck, window: dict) -> list:
    """Validate the check's expectations on one frame; the GX results."""
    batch_definition = _batch_definition()  # first: suites need the active GX context
    suite = _gx().ExpectationSuite(name="quality")
    for expectation in check.expectations:  # new objects each time: the checks stay untouched
        expectation.meta = {**(expectation.meta or {}), _CHECK_TAG: check.name}
        suite.add_expectation(expectation)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(
        suite,
        expectation_parameters=window,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLE_COUNT},
    )
    return list(validation.results)


def _text(value: Any) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return "NULL"
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar for metadata."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, (bool, int, float, str, type(None))) else _text(value)


def _describe(config) -> str:
    """'expect_column_values_to_be_in_set(level)' for a GX expectation configuration."""
    kwargs = config.kwargs
    columns = [str(kwargs[k]) for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    return f"{config.type}({', '.join(columns)})"


def _outcome(check: QualityCheck, results: list, rows: int) -> CheckOutcome:
    """Summarize a check's GX results over all chunks; ``rows`` the rows it read."""
    metadata: dict[str, Any] = {}
    failed, examples, errors, unexpected = [], [], [], 0
    for result in results:
        info = result.result or {}
        if result.exception_info and result.exception_info.get("raised_exception"):
            errors.append(result.exception_info.get("exception_message"))
        else:  # several metric failures nest their exception info one level down
            errors += [
                e["exception_message"]
                for e in (result.exception_info or {}).values()
                if isinstance(e, dict) and e.get("raised_exception")
            ]
        if not result.success:
            failed.append(_describe(result.expectation_config))
        unexpected += int(info.get("unexpected_count") or 0)
        examples += [_text(v) for v in info.get("partial_unexpected_list") or []]
        if "observed_value" in info:
            metadata["observed_value"] = _plain(info["observed_value"])
    metadata["rows_checked"] = rows
    metadata["unexpected_count"] = unexpected
    metadata["unexpected_examples"] = list(dict.fromkeys(examples))[:EXAMPLE_COUNT]
    if failed:
        metadata["failed_expectations"] = list(dict.fromkeys(failed))
    if errors:
        metadata["error"] = "; ".join(dict.fromkeys(errors))
    passed = bool(results) and all(r.success for r in results) and not errors
    return CheckOutcome(check.name, passed, check.blocking, check.description, metadata)


def _error_outcome(check: QualityCheck, error: Exception) -> CheckOutcome:
    metadata = {"unexpected_count": 0, "unexpected_examples": [], "error": f"{type(error).__name__}: {error}"}
    return CheckOutcome(check.name, False, check.blocking, check.description, metadata)


def scenario_window(con) -> dict[str, pd.Timestamp]:
    """GX parameters of the window: first and last month of raw.calendar."""
    first, last = con.execute(f"SELECT min(month), max(month) FROM {CALENDAR}").fetchall()[0]
    return {"first_month": pd.Timestamp(first), "last_month": pd.Timestamp(last)}


def _chunks(reader) -> Iterator[pd.DataFrame]:
    """pandas frames of an Arrow record batch reader; one empty frame for an empty result."""
    empty = True
    for batch in reader:
        empty = False
        yield batch.to_pandas(date_as_object=False)
    if empty:
        yield reader.schema.empty_table().to_pandas(date_as_object=False)


def validate_table(con, table: str, checks: Collection[str] | None = None) -> list[CheckOutcome]:
    """Run the column checks of ``table`` (or only the named ``checks``) on the DuckDB connection.

    A column check judges each row on its own (NULL, in a set, in a range, A after B), so it
    passes exactly when it passes on the distinct values of the columns it names: DuckDB
    reduces the table to those (a few thousand rows even at ten million people), and GX
    validates them CHUNK_ROWS at a time. Counts of unexpected values are therefore of
    distinct values, and rows_checked of distinct value combinations.
    """
    selected = [c for c in checks_of(table) if checks is None or c.name in checks]
    window: dict = {}
    if any(c.uses_window for c in selected):
        try:
            window = scenario_window(con)
        except duckdb.Error as error:  # without a calendar the window checks fail, not the run
            return [
                _error_outcome(c, error) if c.uses_window else _validate(con, table, c, {}) for c in selected
            ]
    return [_validate(con, table, check, window) for check in selected]


def _validate(con, table: str, check: QualityCheck, window: dict) -> CheckOutcome:
    columns = ", ".join(check.columns)
    try:
        reader = con.sql(f"SELECT DISTINCT {columns} FROM {table}").to_arrow_reader(CHUNK_ROWS)
    except duckdb.Error as error:  # a missing table or column fails its checks, not the run
        return _error_outcome(check, error)
    found, rows = [], 0
    for frame in _chunks(reader):
        rows += len(frame)
        found += _run_expectations(frame, check, window)
    return _outcome(check, found, rows)
