"""Deterministic noise keyed by the release secret, the status of every value, and the release assembled."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl

from pipelines.release.cells import _key, identities, nested_pairs, same_group, to_cells
from pipelines.release.settings import ReleaseSettings
from pipelines.release.suppression import suppress
from pipelines.release.tables import RELEASED_TABLES, ReleasedTable, read_true_tables


def noise_identities(cells: pl.DataFrame, group: np.ndarray) -> pl.Series:
    """Per cell, the identity of the group of people it counts: the key of the group's first
    cell (:func:`same_group`), so that a group shown twice gets one noise."""
    identity = pl.concat_str(["table", "measure", "key"], separator="|")
    return cells.select(identity.gather(pl.Series(group)).alias("identity"))["identity"]


def noise(identity: pl.Series, settings: ReleaseSettings) -> pl.Series:
    """Discrete Laplace noise, P(k) proportional to exp(-|k| / noise_scale), per group identity.

    The difference of two geometric draws, each from a uniform number taken from a keyed
    hash of the group's identity: SHA-256 of the secret and the identity, hashed again with
    the secret (HMAC's nesting). The same group always gets the same noise, so repeating a
    query cannot average it away (PriPeARL), and without the secret the noise is unknown.
    """
    if settings.noise_scale == 0:
        return pl.Series("noise", np.zeros(len(identity)))
    if settings.secret is None:
        raise ValueError("a release with noise needs a secret: ReleaseSettings(secret=release_secret())")
    alpha = float(np.exp(-1.0 / settings.noise_scale))
    # 52 bits of the digest (13 hexadecimal digits from position {start}) as a number in (0, 1).
    uniform = "((('0x' || substr(digest, {start}, 13))::UBIGINT)::DOUBLE + 0.5) / 4503599627370496.0"
    con = duckdb.connect()
    try:
        con.register("identities", identity.rename("identity").to_frame().with_row_index("row").to_arrow())
        result = con.sql(
            f"""
            WITH hashed AS (
                SELECT row, sha256($secret || '|outer|' || sha256($secret || '|inner|' || identity)) AS digest
                FROM identities
            )
            SELECT floor(ln({uniform.format(start=1)}) / ln($alpha))
                 - floor(ln({uniform.format(start=14)}) / ln($alpha)) AS noise
            FROM hashed ORDER BY row
            """,
            params={"secret": settings.secret, "alpha": alpha},
        ).pl()
    finally:
        con.close()
    return result["noise"]


def protect(
    cells: pl.DataFrame, suppressed: np.ndarray, settings: ReleaseSettings, identity: pl.Series
) -> pl.DataFrame:
    """The released value and status of every cell; ``identity``: :func:`noise_identities`."""
    noised_tables = [t.name for t in RELEASED_TABLES if t.noised and settings.noise_scale > 0]
    is_noised = pl.col("table").is_in(noised_tables)
    return cells.with_columns(noise=noise(identity, settings), suppressed=pl.Series(suppressed)).with_columns(
        released=pl.when(pl.col("suppressed"))
        .then(None)
        .when(is_noised)
        .then((pl.col("value") + pl.col("noise")).round().clip(lower_bound=0))
        .otherwise(pl.col("value").round())
        .cast(pl.Int64),
        status=pl.when(pl.col("suppressed"))
        .then(pl.lit("suppressed"))
        .when(is_noised)
        .then(pl.lit("noised"))
        .otherwise(pl.lit("published")),
    )


def assemble(table: ReleasedTable, true_wide: pl.DataFrame, released: pl.DataFrame) -> pl.DataFrame:
    """The released table: dimensions, each value beside its status, then derived columns."""
    mine = released.filter(pl.col("table") == table.name)
    values = mine.pivot(on="measure", index="key", values="released")
    statuses = mine.pivot(on="measure", index="key", values="status").rename(
        {m: f"{m}_status" for m in table.counts}
    )
    wide = (
        true_wide.select(*table.dimensions, *table.statistics)
        .with_columns(key=_key(table))
        .join(values, on="key", how="left")
        .join(statuses, on="key", how="left")
    )
    for stat, (_, guards) in table.statistics.items():
        hidden = pl.any_horizontal([pl.col(f"{g}_status") == "suppressed" for g in guards])
        wide = wide.with_columns(
            pl.when(hidden).then(None).otherwise(pl.col(stat)).alias(stat),
            pl.when(hidden).then(pl.lit("suppressed")).otherwise(pl.lit("published")).alias(f"{stat}_status"),
        )
    wide = wide.with_columns(**{name: expr for name, (_, expr) in table.derived.items()})
    ordered = [*table.dimensions]
    for column in [*table.counts, *table.statistics]:
        ordered += [column, f"{column}_status"]
    return wide.select(*ordered, *table.derived).sort(list(table.dimensions))


def build_release(con: duckdb.DuckDBPyConnection, settings: ReleaseSettings) -> dict[str, pl.DataFrame]:
    """Every released table, protected, from the warehouse's platform data."""
    true_tables = read_true_tables(con)
    cells = to_cells(true_tables)
    lines = identities(cells)
    group = same_group(cells, lines)
    suppressed = suppress(cells, lines, settings.min_cell_size, nested_pairs(lines, group))
    released = protect(cells, suppressed, settings, noise_identities(cells, group)).filter("written")
    return {t.name: assemble(t, true_tables[t.name], released) for t in RELEASED_TABLES}
