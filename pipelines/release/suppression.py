"""Primary and complementary suppression: no suppressed cell recoverable from released ones."""

from __future__ import annotations

import numpy as np
import polars as pl


def _with_state(lines: pl.DataFrame, suppressed: np.ndarray) -> pl.DataFrame:
    return lines.with_columns(suppressed=pl.Series(suppressed[lines["cell"].to_numpy()]))


def _first_choice(candidates: pl.DataFrame, by: str) -> pl.Series:
    """Per group ``by``, the published cell whose suppression costs least.

    Detail before totals (a total is what users read first), then the smallest cell that
    covers the group's deficit, else the largest (and the next round adds more); the cell
    id breaks ties so that the choice is the same on every run.
    """
    ranked = candidates.with_columns(
        is_total=(pl.col("coef") < 0) & (pl.col("kind") == "total"),
        covers=pl.col("value") >= pl.col("deficit"),
    ).with_columns(order=pl.when(pl.col("covers")).then(pl.col("value")).otherwise(-pl.col("value")))
    return (
        ranked.sort(
            by,
            "is_total",
            "is_margin",
            "covers",
            "order",
            "cell",
            descending=[False, False, False, True, False, False],
        )
        .group_by(by, maintain_order=True)
        .first()["cell"]
    )


def _protect_lines(lines: pl.DataFrame, suppressed: np.ndarray, min_cell_size: int) -> None:
    """Suppress more until no identity has a lone suppressed cell (recoverable by subtraction)
    and the suppressed parts of every released total count at least min_cell_size together
    (else their sum, which subtraction reveals, would be a group of too few people)."""
    while True:
        state = _with_state(lines, suppressed)
        per_line = state.group_by("constraint").agg(
            hidden=pl.col("suppressed").sum(),
            kind=pl.col("kind").first(),
            total_hidden=(pl.col("suppressed") & (pl.col("coef") < 0)).any(),
            hidden_parts=pl.when(pl.col("suppressed") & (pl.col("coef") > 0))
            .then(pl.col("value"))
            .otherwise(0.0)
            .sum(),
        )
        needy = per_line.with_columns(
            deficit=pl.when((pl.col("kind") == "total") & ~pl.col("total_hidden"))
            .then(min_cell_size - pl.col("hidden_parts"))
            .otherwise(0.0)
            .clip(lower_bound=0.0)
        ).filter((pl.col("hidden") >= 1) & ((pl.col("hidden") == 1) | (pl.col("deficit") > 0)))
        if needy.height == 0:
            return
        candidates = state.filter(~pl.col("suppressed")).join(
            needy.select("constraint", "deficit"), on="constraint"
        )
        chosen = _first_choice(candidates, "constraint").to_numpy()
        if len(chosen) == 0:  # only possible for identities that do not hold; never loop forever
            return
        suppressed[chosen] = True


def _row_space_coverage(matrix: np.ndarray) -> np.ndarray:
    """Per column k, the squared length of e_k's projection onto the row space (1 = inside).

    Through the eigenvectors of M M^T (identities x identities, a few hundred at most)
    rather than an SVD of M itself (identities x suppressed cells, thousands): the right
    singular vectors are M^T u / sigma.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(matrix @ matrix.T)
    keep = eigenvalues > eigenvalues.max() * 1e-10
    basis = matrix.T @ eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])
    return (basis**2).sum(axis=1)


def exactly_recoverable(lines: pl.DataFrame, suppressed: np.ndarray) -> np.ndarray:
    """Suppressed cells whose value follows from released values by some linear combination
    of the identities, however many: a cell k is recoverable exactly when the unit vector e_k
    lies in the row space of the identities restricted to the suppressed cells.

    Cells of different year blocks share no identity, so each block is one small matrix.
    """
    hidden = _with_state(lines, suppressed).filter("suppressed")
    recoverable = []
    for part in hidden.partition_by("block", maintain_order=True):
        rows = part["constraint"].rank("dense").cast(pl.Int64).to_numpy() - 1
        columns = part["cell"].rank("dense").cast(pl.Int64).to_numpy() - 1
        matrix = np.zeros((rows.max() + 1, columns.max() + 1))
        matrix[rows, columns] = part["coef"].to_numpy()
        coverage = _row_space_coverage(matrix)
        cells = (
            part.select("cell", column=pl.col("cell").rank("dense").cast(pl.Int64) - 1)
            .unique()
            .sort("column")
        )
        recoverable.append(cells["cell"].to_numpy()[coverage[cells["column"].to_numpy()] > 1 - 1e-6])
    return np.concatenate(recoverable) if recoverable else np.array([], dtype=np.int64)


def _separate_nested(
    cells: pl.DataFrame, pairs: pl.DataFrame, suppressed: np.ndarray, min_cell_size: int
) -> bool:
    """Two known nested counts reveal the people between them: where those are fewer than
    min_cell_size (0 included: 'every graduate found a job' tells each one's outcome),
    suppress the inner count, the detail. A complement (never written) costs nothing to
    suppress: the other rules then keep it from being derived. True if anything changed."""
    outer, inner = pairs["outer"].to_numpy(), pairs["inner"].to_numpy()
    value = cells["value"].to_numpy()
    close = ~suppressed[outer] & ~suppressed[inner] & (value[outer] - value[inner] < min_cell_size)
    if not close.any():
        return False
    suppressed[inner[close]] = True
    return True


def suppress(
    cells: pl.DataFrame, lines: pl.DataFrame, min_cell_size: int, pairs: pl.DataFrame | None = None
) -> np.ndarray:
    """Primary suppression (fewer than min_cell_size people), then complementary suppression
    until no suppressed cell can be recovered: the cheap rule per identity first, then the
    rule for nested counts (``pairs``, from :func:`nested_pairs`), then the exact check
    across all identities of a year, whose findings get a partner suppressed.

    Complements (cells never written) of fewer than min_cell_size people count as suppressed
    from the start: the same rules then keep them from being recovered."""
    suppressed = cells["value"].to_numpy() < min_cell_size
    lines = lines.join(cells.select("cell", "value", "is_margin"), on="cell")
    while True:
        _protect_lines(lines, suppressed, min_cell_size)
        if pairs is not None and _separate_nested(cells, pairs, suppressed, min_cell_size):
            continue
        recoverable = exactly_recoverable(lines, suppressed)
        if len(recoverable) == 0:
            return suppressed
        state = _with_state(lines, suppressed)
        targets = state.filter(pl.col("cell").is_in(recoverable)).select("constraint", target="cell")
        candidates = (
            state.filter(~pl.col("suppressed"))
            .join(targets, on="constraint")
            .with_columns(deficit=pl.lit(0.0))
        )
        chosen = _first_choice(candidates, "target").to_numpy()
        if len(chosen) == 0:  # every neighbour already suppressed: take the cheapest cell of the block
            blocks = state.filter(pl.col("cell").is_in(recoverable))["block"].unique()
            candidates = state.filter(~pl.col("suppressed") & pl.col("block").is_in(blocks)).with_columns(
                deficit=pl.lit(0.0)
            )
            chosen = _first_choice(candidates, "block").to_numpy()
            if len(chosen) == 0:
                raise RuntimeError("complementary suppression found no cell left to suppress")
        suppressed[chosen] = True
