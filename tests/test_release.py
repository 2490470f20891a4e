"""The public release: small cells never come out, suppressed cells cannot be recovered,
no two nested counts reveal a small group, the noise cannot be regenerated or averaged
away, nothing identifies a person, and the same secret gives the same release.

The attacks here are written against the released files alone (what an outsider has) and
the identities RELEASE.md states, not against the release module's own bookkeeping. They
give the attacker more than an outsider has: the true value of every released cell (as if
the noise had been averaged away) — the protection must hold even then. The de-noising
attack gives the attacker every public input instead: the scenario, its seed and the code.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import stat
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines import release
from pipelines.defs.release import ReleaseConfig, public_release
from pipelines.release import RELEASED_TABLES, SECRET_ENV, STATUSES, ReleaseSettings
from pipelines.resources import WarehouseResource

MIN = release.DEFAULT_MIN_CELL_SIZE
SPECS = {t.name: t for t in RELEASED_TABLES}
# Counts nested in another count of the same cell, as RELEASE.md states them: (whole, part).
# whole - part is a group of people no column shows (graduates not employed within 12 months).
NESTED = {
    "time_to_first_job": [
        ("graduates", "employed_within_12_months"),
        ("employed_within_12_months", "employed_within_6_months"),
    ],
    "talent_flows": [("members", "departures")],
    "job_changes": [("hires", "job_changes")],
}
RELEASED = pl.col("status").is_in(["noised", "published"])
# What the attacks may see through: suppressed values and the groups between nested counts.
HIDDEN = pl.col("status").is_in(["suppressed", "complement"])
# What they must never pin down: a suppressed value, or a group between nested counts of
# fewer than MIN people.
PROTECTED = (pl.col("status") == "suppressed") | ((pl.col("status") == "complement") & (pl.col("true") < MIN))


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> ReleaseSettings:
    """As an install's first release sets it up: a secret created in a fresh DAGSTER_HOME."""
    home = tmp_path_factory.mktemp("install")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(home))
        env.delenv(SECRET_ENV, raising=False)
        return ReleaseSettings(secret=release.release_secret())


@pytest.fixture(scope="module")
def published(con, settings, tmp_path_factory) -> Path:
    return release.write_release(
        release.build_release(con, settings), tmp_path_factory.mktemp("r") / "public", settings
    )


@pytest.fixture(scope="module")
def released(published) -> dict[str, pl.DataFrame]:
    """The tables as an outsider reads them: from the DuckDB file of the release."""
    db = duckdb.connect(str(published / "release.duckdb"), read_only=True)
    try:
        return {t.name: db.sql(f"SELECT * FROM {t.name}").pl() for t in RELEASED_TABLES}
    finally:
        db.close()


@pytest.fixture(scope="module")
def truth(con) -> dict[str, pl.DataFrame]:
    return release.read_true_tables(con)


def count_cells(released: dict[str, pl.DataFrame], truth: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every released count beside its true value.

    Columns: table, column, dims (one string), year, value, status, true, cid (the cell's name).
    """
    frames = []
    for name, spec in SPECS.items():
        dims = list(spec.dimensions)
        both = released[name].join(
            truth[name].select(*dims, *spec.counts), on=dims, suffix="_true", how="full", coalesce=True
        )
        assert both.height == released[name].height == truth[name].height, name
        for column in spec.counts:
            frames.append(
                both.select(
                    table=pl.lit(name),
                    column=pl.lit(column),
                    year=pl.col(spec.year).cast(pl.Int64),
                    dims=pl.concat_str([pl.col(d).cast(pl.String) for d in dims], separator="|"),
                    value=pl.col(column).cast(pl.Float64),
                    status=pl.col(f"{column}_status"),
                    true=pl.col(f"{column}_true").cast(pl.Float64),
                )
            )
    return pl.concat(frames).with_columns(cid=pl.concat_str(["table", "column", "dims"], separator="|"))


def with_complements(cells: pl.DataFrame) -> pl.DataFrame:
    """The counts plus, per nested pair of columns and cell, the group between them: people
    no column shows (status 'complement', no value), whose size subtraction may reveal."""
    frames = [cells]
    for name, pairs in NESTED.items():
        of_table = cells.filter(pl.col("table") == name)
        for whole, part in pairs:
            inner = of_table.filter(pl.col("column") == part).select("dims", part_true="true")
            frames.append(
                of_table.filter(pl.col("column") == whole)
                .join(inner, on="dims")
                .select(
                    "table",
                    column=pl.lit(f"{whole}-{part}"),
                    year="year",
                    dims="dims",
                    value=pl.lit(None, dtype=pl.Float64),
                    status=pl.lit("complement"),
                    true=pl.col("true") - pl.col("part_true"),
                )
                .with_columns(cid=pl.concat_str(["table", "column", "dims"], separator="|"))
            )
    return pl.concat(frames)


# --------------------------------------------------------------------------------------
# Minimum cell size and flags


def test_every_count_is_flagged_and_small_counts_are_never_released(released, truth):
    cells = count_cells(released, truth)
    assert set(cells["status"].unique()) <= set(STATUSES)
    assert cells.filter((pl.col("status") == "suppressed") != pl.col("value").is_null()).height == 0
    # The rule: a count of fewer than MIN people is suppressed, whatever the noise.
    assert cells.filter((pl.col("true") < MIN) & (pl.col("status") != "suppressed")).height == 0
    out = cells.filter(pl.col("status") != "suppressed")
    assert out.height > 1000 and (out["true"] >= MIN).all()
    # Counts of people are noised; only the public postings are exact.
    assert set(out.filter(pl.col("table") != "skill_demand")["status"]) == {"noised"}
    exact = out.filter(pl.col("table") == "skill_demand")
    assert set(exact["status"]) == {"published"} and (exact["value"] == exact["true"]).all()
    # The noise is real but small: about its standard deviation of 2.8 for scale 2.
    noise = out.filter(pl.col("status") == "noised").select(pl.col("value") - pl.col("true"))
    assert 2.0 < noise.to_series().std() < 3.6 and (noise.to_series() != 0).mean() > 0.7


def test_statistics_and_rates_follow_the_counts_they_come_from(released):
    ttfj = released["time_to_first_job"]
    hidden = ttfj.filter(
        pl.any_horizontal(pl.col("^(graduates|employed_within_.*_months)_status$") == "suppressed")
    )
    assert hidden["median_months"].null_count() == hidden.height
    assert set(hidden["median_months_status"]) == {"suppressed"}
    # Rates are functions of the released (noised) counts: nothing more precise leaks through them.
    shown = ttfj.filter(pl.col("graduates").is_not_null() & pl.col("employed_within_6_months").is_not_null())
    recomputed = (shown["employed_within_6_months"] / shown["graduates"]).clip(upper_bound=1).round(3)
    assert (shown["employed_within_6_months_share"] == recomputed).all()
    for share, count in [
        ("employed_within_6_months_share", "employed_within_6_months"),
        ("employed_within_12_months_share", "employed_within_12_months"),
    ]:
        # A share is withheld with either count it comes from.
        either_hidden = ttfj.filter(pl.col("graduates").is_null() | pl.col(count).is_null())
        assert either_hidden[share].null_count() == either_hidden.height, share
    flows = released["talent_flows"]
    no_rate = flows.filter(pl.any_horizontal(pl.col("arrivals", "departures", "members").is_null()))
    assert no_rate["net_per_10k"].null_count() == no_rate.height
    skills = released["skill_demand"]
    assert (
        skills.filter(pl.col("postings").is_null())["share_of_postings"].null_count()
        == skills["postings"].null_count()
    )


def test_the_released_counts_are_the_platform_metrics(con, truth):
    jobs = truth["job_changes"].filter(pl.col("occupation_family") == "all").sort("year")
    metric = con.sql(
        "SELECT year(period) AS year, job_changes, hires, avg_employed FROM metrics.job_change_rate "
        "WHERE source = 'platform' AND grain = 'year' ORDER BY year"
    ).pl()
    assert jobs["job_changes"].to_list() == metric["job_changes"].to_list()
    assert jobs["hires"].to_list() == metric["hires"].to_list()
    assert np.allclose(jobs["employed"].to_numpy(), metric["avg_employed"].to_numpy())
    flows = con.sql(
        "SELECT year, city, occupation_family, arrivals, departures, members FROM metrics.talent_flows "
        "WHERE source = 'platform'"
    ).pl()
    joined = flows.join(truth["talent_flows"], on=["year", "city", "occupation_family"], suffix="_r")
    assert joined.height == flows.height
    assert all((joined[c] == joined[f"{c}_r"]).all() for c in ["arrivals", "departures", "members"])


# --------------------------------------------------------------------------------------
# The differencing attack


def identities(cells: pl.DataFrame) -> pl.DataFrame:
    """Every linear identity between released cells that RELEASE.md states, as rows
    (equation, year, table, column, dims, coef): sum of coef x value = 0.

    ``cells`` holds the complements (:func:`with_complements`): a nested pair states
    whole = part + complement."""
    wide = {name: cells.filter(pl.col("table") == name) for name in SPECS}
    parts = []
    # Totals: the 'all' value of a dimension is the sum of its other values, the rest fixed.
    hierarchies = {
        "talent_flows": [(["year", "city", "occupation_family"], "occupation_family")],
        "job_changes": [(["year", "occupation_family"], "occupation_family")],
        "time_to_first_job": [
            (["graduation_year", "level", "field"], "field"),
            (["graduation_year", "level", "field"], "level"),
        ],
    }
    for name, lines in hierarchies.items():
        for dims, over in lines:
            split = (
                wide[name]
                .filter(pl.col("status") != "complement")
                .with_columns(
                    pl.col("dims")
                    .str.split("|")
                    .list.to_struct(fields=[f"d.{d}" for d in dims])
                    .alias("split")
                )
                .unnest("split")
            )
            fixed = [f"d.{d}" for d in dims if d != over]
            rows = split.select(
                "table",
                "column",
                "year",
                "dims",
                equation=pl.concat_str(
                    [pl.lit(f"{name}|{over}|"), pl.col("column"), *[pl.lit("|") + pl.col(d) for d in fixed]]
                ),
                coef=pl.when(pl.col(f"d.{over}") == "all").then(-1.0).otherwise(1.0),
            )
            complete = rows.group_by("equation").agg(
                ok=(pl.col("coef") < 0).any() & (pl.col("coef") > 0).any()
            )
            parts.append(rows.join(complete.filter("ok").select("equation"), on="equation"))
    # Nested counts: the whole is the part plus the people between them.
    for name, pairs in NESTED.items():
        for whole, part in pairs:
            for column, coef in ((whole, -1.0), (part, 1.0), (f"{whole}-{part}", 1.0)):
                parts.append(
                    wide[name]
                    .filter(pl.col("column") == column)
                    .select(
                        "table",
                        "column",
                        "year",
                        "dims",
                        equation=pl.concat_str([pl.lit(f"nested|{name}|{whole}|"), pl.col("dims")]),
                        coef=pl.lit(coef),
                    )
                )
    flows = (
        wide["talent_flows"]
        .with_columns(pl.col("dims").str.split("|").list.to_struct(fields=["y", "city", "family"]))
        .unnest("dims")
    )
    moves = flows.filter(pl.col("column").is_in(["arrivals", "departures"]))
    # Every move leaves one city and arrives in another.
    parts.append(
        moves.select(
            "table",
            "column",
            "year",
            dims=pl.concat_str(["y", "city", "family"], separator="|"),
            equation=pl.concat_str([pl.lit("balance|"), pl.col("y"), pl.lit("|"), pl.col("family")]),
            coef=pl.when(pl.col("column") == "arrivals").then(1.0).otherwise(-1.0),
        )
    )
    od = (
        wide["talent_flows_od"]
        .with_columns(pl.col("dims").str.split("|").list.to_struct(fields=["y", "origin", "destination"]))
        .unnest("dims")
    )
    for end, column in (("origin", "departures"), ("destination", "arrivals")):
        parts.append(
            od.select(
                "table",
                "column",
                "year",
                dims=pl.concat_str(["y", "origin", "destination"], separator="|"),
                equation=pl.concat_str([pl.lit(f"od|{end}|"), pl.col("y"), pl.lit("|"), pl.col(end)]),
                coef=pl.lit(1.0),
            )
        )
        parts.append(
            moves.filter((pl.col("column") == column) & (pl.col("family") == "all")).select(
                "table",
                "column",
                "year",
                dims=pl.concat_str(["y", "city", "family"], separator="|"),
                equation=pl.concat_str([pl.lit(f"od|{end}|"), pl.col("y"), pl.lit("|"), pl.col("city")]),
                coef=pl.lit(-1.0),
            )
        )
    return pl.concat(parts).join(cells, on=["table", "column", "dims", "year"])


@pytest.fixture(scope="module")
def cells(released, truth) -> pl.DataFrame:
    return count_cells(released, truth)


@pytest.fixture(scope="module")
def equations(cells) -> pl.DataFrame:
    eq = identities(with_complements(cells))
    # The identities hold for the true values (else the attack below would prove nothing).
    sums = eq.group_by("equation").agg((pl.col("coef") * pl.col("true")).sum().abs().alias("gap"))
    assert sums["gap"].max() < 1e-6 and sums.height > 1000
    assert eq.filter(pl.col("equation").str.starts_with("nested|")).height > 1000
    return eq


def subtraction_attack(eq: pl.DataFrame, hidden: pl.Expr) -> pl.DataFrame:
    """Total minus the siblings: every identity with a single hidden cell gives it away."""
    marked = eq.with_columns(hidden=hidden)
    lone = marked.group_by("equation").agg(pl.col("hidden").sum().alias("n")).filter(pl.col("n") == 1)
    known = (
        marked.join(lone, on="equation")
        .group_by("equation")
        .agg(
            rest=(pl.col("coef") * pl.col("true")).filter(~pl.col("hidden")).sum(),
            coef=pl.col("coef").filter(pl.col("hidden")).first(),
            table=pl.col("table").filter(pl.col("hidden")).first(),
            column=pl.col("column").filter(pl.col("hidden")).first(),
            dims=pl.col("dims").filter(pl.col("hidden")).first(),
            status=pl.col("status").filter(pl.col("hidden")).first(),
            true=pl.col("true").filter(pl.col("hidden")).first(),
        )
    )
    return known.with_columns(recovered=-pl.col("rest") / pl.col("coef"))


RECOVERED = {
    "year": pl.Int64, "cid": pl.String, "status": pl.String, "recovered": pl.Float64, "true": pl.Float64
}


class YearSystem(NamedTuple):
    """The identities of one year as a_hidden x = rhs: x the hidden cells, rhs from the known ones."""

    a_hidden: np.ndarray
    rhs: np.ndarray
    value: np.ndarray  # every cell's true value
    hidden_cols: np.ndarray  # the hidden cells' column indices
    hidden: pl.DataFrame  # the hidden cells (cid, status), in the order of a_hidden's columns


def year_system(part: pl.DataFrame) -> YearSystem:
    rows = part["equation"].rank("dense").to_numpy().astype(int) - 1
    cols = part["cid"].rank("dense").to_numpy().astype(int) - 1
    a = np.zeros((rows.max() + 1, cols.max() + 1))
    a[rows, cols] = part["coef"].to_numpy()
    value = np.zeros(cols.max() + 1)
    value[cols] = part["true"].to_numpy()
    hidden_cols = np.unique(cols[part["hidden"].to_numpy()])
    known_cols = np.setdiff1d(np.arange(a.shape[1]), hidden_cols)
    names = part.select("cid", "status", col=pl.Series(cols)).unique("col").sort("col")
    hidden = names.filter(pl.col("col").is_in(hidden_cols)).sort("col").select("cid", "status")
    return YearSystem(a[:, hidden_cols], -a[:, known_cols] @ value[known_cols], value, hidden_cols, hidden)


def linear_algebra_attack(eq: pl.DataFrame, hidden: pl.Expr) -> pl.DataFrame:
    """Any linear combination of identities, across tables, columns and dimensions: the
    hidden cells of a year solve A_hidden x = -A_known v; a cell is recovered exactly when
    every solution agrees on it, i.e. the null space of A_hidden is zero in its row."""
    marked = eq.with_columns(hidden=hidden)
    found = []
    for part in marked.partition_by("year"):
        system = year_system(part)
        if len(system.hidden_cols) == 0:
            continue
        solution, *_ = np.linalg.lstsq(system.a_hidden, system.rhs, rcond=None)
        # Pinned = e_k lies in the row space of a_hidden (the null space is zero in row k).
        # The row space's orthonormal basis comes from the small Gram matrix (identities
        # squared), which stays fast on a busy machine.
        u, eigenvalues, _ = np.linalg.svd(system.a_hidden @ system.a_hidden.T)
        keep = eigenvalues > 1e-9 * eigenvalues.max()
        basis = system.a_hidden.T @ u[:, keep] / np.sqrt(eigenvalues[keep])
        pinned = (basis**2).sum(axis=1) > 1 - 1e-9
        found.append(
            system.hidden.filter(pl.Series(pinned)).with_columns(
                year=pl.lit(part["year"][0], dtype=pl.Int64),
                recovered=pl.Series(solution[pinned]),
                true=pl.Series(system.value[system.hidden_cols][pinned]),
            )
        )
    return pl.concat([pl.DataFrame(schema=RECOVERED), *(f.select(list(RECOVERED)) for f in found)])


def test_the_attacks_recover_cells_when_only_small_cells_are_suppressed(equations):
    """Without complementary suppression the attacks work: the tests below are not vacuous."""
    primary_only = (pl.col("true") < MIN) | (pl.col("status") == "complement")
    by_subtraction = subtraction_attack(equations, primary_only)
    assert by_subtraction.height > 10
    assert np.allclose(by_subtraction["recovered"].to_numpy(), by_subtraction["true"].to_numpy())
    by_algebra = linear_algebra_attack(equations, primary_only)
    assert by_algebra.height >= by_subtraction["dims"].n_unique()
    assert np.allclose(by_algebra["recovered"].to_numpy(), by_algebra["true"].to_numpy())
    assert (by_algebra["true"] < MIN).any()
    # Small groups between nested counts too (graduates minus those employed).
    assert by_algebra.filter((pl.col("status") == "complement") & (pl.col("true") < MIN)).height > 10


def test_no_suppressed_cell_is_a_total_minus_its_released_siblings(equations):
    assert subtraction_attack(equations, HIDDEN).filter(PROTECTED).height == 0


def test_no_combination_of_identities_recovers_a_suppressed_cell(equations):
    assert linear_algebra_attack(equations, HIDDEN).filter(PROTECTED).height == 0


def test_bounds_from_nonnegative_counts_do_not_pin_a_suppressed_cell(equations):
    """The interval attack: counts are never negative (nor the groups between nested counts),
    so the attacker can bound each hidden cell by linear programming over all identities of
    its year. A sample of protected cells per year must keep a range of at least one person."""
    optimize = pytest.importorskip("scipy.optimize")
    marked = equations.with_columns(hidden=HIDDEN, protected=PROTECTED)
    rng = np.random.default_rng(0)
    checked = 0
    for part in marked.partition_by("year"):
        system = year_system(part)
        protected = part.filter("protected")["cid"].unique()
        candidates = np.flatnonzero(system.hidden["cid"].is_in(protected).to_numpy())
        for k in rng.choice(candidates, size=min(6, len(candidates)), replace=False):
            c = np.zeros(len(system.hidden_cols))
            c[k] = 1.0
            a, b = system.a_hidden, system.rhs
            low = optimize.linprog(c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            high = optimize.linprog(-c, A_eq=a, b_eq=b, bounds=(0, None), method="highs")
            assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, as protected as it gets
            upper = -high.fun if high.status == 0 else np.inf
            true = system.value[system.hidden_cols][k]
            assert upper - low.fun >= 1, (part["year"][0], system.hidden["cid"][int(k)], true, low.fun, upper)
            checked += 1
    assert checked > 50


def test_the_suppressed_parts_of_a_released_total_hold_enough_people(equations):
    """Subtraction reveals the sum of a total's hidden parts: it must not be a small group.
    A nested count is a total too (graduates = those employed within 12 months + the rest)."""
    totals = equations.filter(
        pl.col("equation").str.contains(r"^(talent_flows|job_changes|time_to_first_job|od|nested)\|")
    )
    per_line = (
        totals.group_by("equation")
        .agg(
            total_released=((pl.col("coef") < 0) & RELEASED).any(),
            hidden_parts=pl.col("true").filter((pl.col("coef") > 0) & HIDDEN).sum(),
            n_hidden=((pl.col("coef") > 0) & HIDDEN).sum(),
        )
        .filter(pl.col("total_released") & (pl.col("n_hidden") > 0))
    )
    assert per_line.height > 100
    assert per_line.filter(pl.col("hidden_parts") < MIN).height == 0


# --------------------------------------------------------------------------------------
# Complements: nested counts


TOTALS = r"^(talent_flows|job_changes|time_to_first_job|od|nested)\|"


@pytest.fixture(scope="module")
def nested(equations) -> pl.DataFrame:
    """Every pair of cells (outer, inner) whose outer count holds the inner's people, as
    RELEASE.md states them: a total holds each of its parts (a nested count its part and the
    group between them), and holding is transitive (a city's members hold its movers to one
    destination). ``identical``: one group by construction, through totals of a single part
    (level VO has a single field). Each side's status, value and true value beside."""
    totals = equations.filter(pl.col("equation").str.contains(TOTALS))
    parts = totals.group_by("equation").agg(single=(pl.col("coef") > 0).sum() == 1)
    direct = (
        totals.filter(pl.col("coef") < 0)
        .select("equation", outer="cid")
        .join(totals.filter(pl.col("coef") > 0).select("equation", inner="cid"), on="equation")
        .join(parts, on="equation")
        .group_by("outer", "inner")
        .agg(identical=pl.col("single").any())
    )
    pairs, frontier = direct, direct
    while frontier.height:
        step = frontier.join(direct.rename({"outer": "inner", "inner": "next"}), on="inner")
        frontier = (
            step.group_by("outer", pl.col("next").alias("inner"))
            .agg(identical=(pl.col("identical") & pl.col("identical_right")).any())
            .join(pairs, on=["outer", "inner"], how="anti")
        )
        pairs = pl.concat([pairs, frontier])
    side = equations.select("cid", "status", "value", "true").unique("cid")
    return pairs.join(side.rename(lambda c: f"{c}_outer" if c != "cid" else "outer"), on="outer").join(
        side.rename(lambda c: f"{c}_inner" if c != "cid" else "inner"), on="inner"
    )


def test_no_two_released_nested_counts_reveal_a_small_group(nested, released, truth):
    """Subtracting a released count from a released count that holds it reveals the people
    between them: never fewer than MIN (0 included: 'every graduate found a job' tells each
    graduate's outcome). A pair where either count is suppressed reveals nothing."""
    written = pl.col("status_outer").is_in(["noised", "published"]) & pl.col("status_inner").is_in(
        ["noised", "published"]
    )
    both = nested.filter(written & ~pl.col("identical"))
    assert both.height > 1000
    assert both["outer"].str.starts_with("time_to_first_job|graduates").any()
    between = both.with_columns(gap=pl.col("true_outer") - pl.col("true_inner"))
    assert between.filter(pl.col("gap") < MIN).height == 0, between.filter(pl.col("gap") < MIN).head()
    # A share of a released total: (1 - share) x graduates is the group not (yet) employed.
    dims = list(SPECS["time_to_first_job"].dimensions)
    ttfj = released["time_to_first_job"].join(truth["time_to_first_job"], on=dims, suffix="_true")
    for share, count in [
        ("employed_within_6_months_share", "employed_within_6_months"),
        ("employed_within_12_months_share", "employed_within_12_months"),
    ]:
        shown = ttfj.filter(pl.col(share).is_not_null() & pl.col("graduates").is_not_null())
        assert shown.height > 0, share
        rest = shown["graduates_true"] - shown[f"{count}_true"]
        assert (rest >= MIN).all(), share


def test_a_group_released_twice_carries_one_value(nested):
    """The averaging attack: two released values of the same people (a nested pair of equal
    size is one group) with independent noise average to half the noise's variance."""
    written = pl.col("status_outer").is_in(["noised", "published"]) & pl.col("status_inner").is_in(
        ["noised", "published"]
    )
    twice = nested.filter(written & (pl.col("true_outer") == pl.col("true_inner")))
    assert twice.filter("identical").height > 10  # level VO's single field: the same graduates
    assert twice.filter(pl.col("value_outer") != pl.col("value_inner")).height == 0


# --------------------------------------------------------------------------------------
# The de-noising attack


def discrete_laplace(scale: float) -> tuple[float, float]:
    """alpha = exp(-1 / scale) and P(noise = 0) = (1 - alpha) / (1 + alpha), the largest
    probability of any one value: no guess of a noise is right more often than that."""
    alpha = float(np.exp(-1.0 / scale))
    return alpha, (1 - alpha) / (1 + alpha)


def previous_noise(frame: pl.DataFrame, seed: int, scale: float) -> np.ndarray:
    """The noise as the previous release drew it, from its public code: MD5 of (seed, table,
    column, cell, draw), two geometric draws."""
    uniform = (
        "((md5_number(concat_ws('|', $seed, \"table\", \"column\", dims, '{draw}')) >> 75)::DOUBLE + 0.5)"
        " / 9007199254740992.0"
    )
    con = duckdb.connect()
    try:
        con.register("cells", frame.select("table", "column", "dims").with_row_index("row").to_arrow())
        return (
            con.sql(
                f"""SELECT floor(ln({uniform.format(draw="a")}) / ln($alpha))
                         - floor(ln({uniform.format(draw="b")}) / ln($alpha)) AS noise
                    FROM cells ORDER BY row""",
                params={"seed": str(seed), "alpha": float(np.exp(-1.0 / scale))},
            )
            .pl()["noise"]
            .to_numpy()
        )
    finally:
        con.close()


def identities_of(frame: pl.DataFrame) -> pl.Series:
    """Each cell's name, table|column|dims: the identity the current code hashes."""
    identity = pl.concat_str(["table", "column", "dims"], separator="|").alias("identity")
    return frame.select(identity)["identity"]


def public_noises(frame: pl.DataFrame, scenario_seed: int, scale: float) -> dict[str, np.ndarray]:
    """Every noise an outsider can regenerate from public inputs: the scenario's seed, the
    seed the previous release derived from it, 0; through the previous code and through the
    current one with each of them in place of the secret."""
    digest = hashlib.sha256(f"public-release:{scenario_seed}".encode())
    derived = int.from_bytes(digest.digest()[:8], "big") >> 1
    seeds = {"scenario seed": scenario_seed, "derived seed": derived, "zero": 0}
    noises = {f"previous code, {name}": previous_noise(frame, seed, scale) for name, seed in seeds.items()}
    keys = {f"{name} as the key": f"{seed:064x}" for name, seed in seeds.items()}
    keys["digest of the derivation as the key"] = digest.hexdigest()
    for name, key in keys.items():
        settings = ReleaseSettings(noise_scale=scale, secret=key)
        noises[f"current code, {name}"] = release.noise(identities_of(frame), settings).to_numpy()
    return noises


def recovered_by(frame: pl.DataFrame, noise: np.ndarray) -> int:
    """Cells whose released value is the true value plus this noise, rounded and floored at
    0 as the release does: the cells the guess de-noises."""
    guess = (pl.col("true") + pl.Series(noise)).round().clip(lower_bound=0)
    return frame.select((guess == pl.col("value")).sum()).item()


def test_the_noise_cannot_be_regenerated_from_public_inputs(cells, nested, settings, scenario):
    """Guess every noise the public inputs give: each guess matches the real noise of a cell
    no more often than chance, P(noise = guess) <= P(noise = 0) (plus the floor at 0, reached
    only when the noise is below -MIN), so the de-noised cells stay within a binomial bound."""
    binom = pytest.importorskip("scipy.stats").binom
    duplicate = nested.filter(pl.col("identical"))["inner"]
    noised = cells.filter((pl.col("status") == "noised") & ~pl.col("cid").is_in(duplicate))
    alpha, p0 = discrete_laplace(settings.noise_scale)
    chance = p0 + alpha**MIN / (1 + alpha)
    guesses = public_noises(noised, scenario.seed, settings.noise_scale)
    # One chance in a billion of failing by bad luck, over all guesses together.
    bound = binom.isf(1e-9 / len(guesses), noised.height, chance)
    assert noised.height > 1000 and bound < 0.5 * noised.height
    for name, guess in guesses.items():
        assert recovered_by(noised, guess) <= bound, name
    # With the secret, the same attack de-noises everything: the secret alone protects the noise.
    # (A group shown twice is noised under one of its cells' names: at most those few differ.)
    with_secret = release.noise(identities_of(noised), settings).to_numpy()
    assert recovered_by(noised, with_secret) >= noised.height - len(duplicate)


# --------------------------------------------------------------------------------------
# No personal data


def test_no_column_name_suggests_personal_data(released):
    for name, frame in released.items():
        for column in frame.columns:
            words = set(column.lower().split("_"))
            assert not words & {
                "id",
                "name",
                "email",
                "mail",
                "member",
                "person",
                "date",
                "company",
                "institution",
            }, (name, column)
            assert not column.lower().endswith("id"), (name, column)


def test_no_released_value_is_a_name_email_id_or_exact_date(con, released, published):
    members = con.sql("SELECT member_id, full_name, email FROM raw.members").pl()
    forbidden = set(members["full_name"]) | set(members["email"]) | set(members["member_id"].cast(pl.String))
    forbidden |= set(con.sql("SELECT name FROM raw.companies").pl()["name"])
    forbidden |= set(con.sql("SELECT DISTINCT institution FROM raw.educations").pl()["institution"])
    member_ids = set(members["member_id"])
    email = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
    iso_date = re.compile(r"\b\d{4}-\d{2}(-\d{2})?\b")
    years = set(con.sql("SELECT DISTINCT year FROM raw.calendar").pl()["year"])
    for name, frame in released.items():
        for column, dtype in frame.schema.items():
            assert not dtype.is_temporal(), (name, column)
            values = frame[column].drop_nulls()
            if dtype == pl.String:
                assert not set(values) & forbidden, (name, column)
                assert not values.str.contains(email.pattern).any(), (name, column)
                assert not values.str.contains(iso_date.pattern).any(), (name, column)
            elif dtype.is_integer():
                # Counts stay far below the smallest member_id here, so any hit would be an ID.
                assert not set(values) & member_ids, (name, column)
        year_column = SPECS[name].year
        assert set(frame[year_column]) <= years, name
    # The files themselves, as text: CSVs and RELEASE.md.
    for path in published.iterdir():
        if path.suffix in {".csv", ".md"}:
            text = path.read_text(encoding="utf-8")
            assert not email.search(text), path.name
            assert not iso_date.search(text), path.name
            tokens = set(re.split(r"[,\n|]", text))
            assert not tokens & forbidden, path.name
    assert sorted(p.name for p in published.iterdir()) == sorted(
        ["RELEASE.md", "release.duckdb", *(f"{t.name}.csv" for t in RELEASED_TABLES)]
    )


def test_the_release_uses_platform_data_only(warehouse_path, settings, published, tmp_path):
    """Wipe everything the truth knows, the scenario's parameters and seed included: the
    release does not change (the noise's key is the secret, not the seed)."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    try:
        for table in ["truth.people", "truth.positions", "truth.educations", "truth.parameters"]:
            con.execute(f"DELETE FROM {table}")
        for (table,) in con.execute(
            "SELECT DISTINCT schema_name || '.' || table_name FROM duckdb_columns() "
            "WHERE schema_name = 'metrics' AND column_name = 'source'"
        ).fetchall():
            con.execute(f"DELETE FROM {table} WHERE source = 'truth'")
        again = release.write_release(release.build_release(con, settings), tmp_path / "public", settings)
    finally:
        con.close()
    for t in RELEASED_TABLES:
        assert (again / f"{t.name}.csv").read_bytes() == (published / f"{t.name}.csv").read_bytes(), t.name


# --------------------------------------------------------------------------------------
# Determinism, the secret, configuration, writing


def test_the_same_secret_gives_the_same_release_and_another_secret_other_noise(
    con, settings, published, released, truth, cells, nested, tmp_path
):
    # Same secret, same data: the same release, so two releases of one install average to nothing.
    again = release.write_release(release.build_release(con, settings), tmp_path / "same", settings)
    for path in published.iterdir():
        if path.suffix in {".csv", ".md"}:
            assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    other_settings = ReleaseSettings(secret="0123456789abcdef" * 4)
    assert other_settings.secret != settings.secret
    other = release.build_release(con, other_settings)
    for name, frame in released.items():
        statuses = [c for c in frame.columns if c.endswith("_status")]
        # What is suppressed does not depend on the secret (it would otherwise leak through it).
        assert other[name].select(statuses).equals(frame.select(statuses)), name
    assert other["skill_demand"].equals(released["skill_demand"])  # exact counts carry no noise
    # Two independent discrete Laplace draws agree with probability sum_k P(k)^2
    # = P(0)^2 (1 + alpha^2) / (1 - alpha^2), plus the floor at 0 (noise below -MIN).
    duplicate = nested.filter(pl.col("identical"))["inner"]
    noised = cells.filter((pl.col("status") == "noised") & ~pl.col("cid").is_in(duplicate))
    theirs = count_cells(other, truth).select("cid", other_value="value")
    compared = noised.join(theirs, on="cid")
    assert compared.height == noised.height
    alpha, p0 = discrete_laplace(settings.noise_scale)
    agree = p0**2 * (1 + alpha**2) / (1 - alpha**2) + 2 * alpha**MIN / (1 + alpha)
    binom = pytest.importorskip("scipy.stats").binom
    changed = compared.filter(pl.col("value") != pl.col("other_value")).height
    assert changed >= binom.ppf(1e-9, compared.height, 1 - agree)


def test_noise_scale_zero_releases_exact_counts(con, truth):
    exact = release.build_release(con, ReleaseSettings(noise_scale=0.0))
    cells = count_cells(exact, truth).filter(pl.col("status") != "suppressed")
    assert set(cells["status"]) == {"published"}
    assert (cells["value"] == cells["true"].round()).all()
    with pytest.raises(ValueError, match="a release with noise needs a secret"):
        release.build_release(con, ReleaseSettings())


@pytest.mark.parametrize(
    "bad, message",
    [
        ({"min_cell_size": 0}, "min_cell_size must be a whole number of people, at least 1, got 0"),
        ({"min_cell_size": -5}, "min_cell_size must be a whole number of people, at least 1, got -5"),
        ({"noise_scale": -1.0}, "noise_scale must be 0 (no noise) or a positive number, got -1.0"),
    ],
)
def test_invalid_protection_is_refused_with_a_clear_message(bad, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        ReleaseSettings(**bad)
    with pytest.raises(ValueError, match=re.escape(message)):  # pydantic's ValidationError is a ValueError
        ReleaseConfig(**bad)


@pytest.fixture()
def install(tmp_path, monkeypatch) -> Path:
    """A fresh install without a secret: DAGSTER_HOME empty, no EGS_RELEASE_SECRET."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.delenv(SECRET_ENV, raising=False)
    return home


def test_the_secret_is_created_once_private_and_reused(install):
    secret = release.release_secret()
    path = install / "release.secret"
    assert release.secret_path() == path
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="ascii").strip() == secret
    before = path.stat()
    assert release.release_secret() == secret  # read, not made again
    after = path.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(p.name for p in install.iterdir()) == ["release.secret"]  # no temporary file left
    # A secret others can read is refused, as ssh refuses such a key.
    path.chmod(0o644)
    with pytest.raises(PermissionError, match="chmod 600"):
        release.release_secret()


def test_first_releases_racing_agree_on_one_secret(install):
    start = threading.Barrier(8)

    def first_release() -> str:
        start.wait()
        return release.release_secret()

    with ThreadPoolExecutor(8) as pool:
        secrets_seen = set(pool.map(lambda _: first_release(), range(8)))
    assert len(secrets_seen) == 1
    assert (install / "release.secret").read_text(encoding="ascii").strip() in secrets_seen
    assert sorted(p.name for p in install.iterdir()) == ["release.secret"]


def test_without_dagster_home_the_secret_is_per_user(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.delenv(SECRET_ENV, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    secret = release.release_secret()
    path = tmp_path / "config" / "economic-graph-simulator" / "release.secret"
    assert release.secret_path() == path and path.read_text(encoding="ascii").strip() == secret
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_secret_variable_overrides_the_file_and_is_checked(install, monkeypatch):
    given = "A1B2C3D4" * 5
    monkeypatch.setenv(SECRET_ENV, given)
    assert release.release_secret() == given.lower()
    assert not (install / "release.secret").exists()  # the variable wins: no file is made
    for bad, detail in [("abc123", "got 6 characters"), ("xyz!" * 10, "not all hexadecimal")]:
        monkeypatch.setenv(SECRET_ENV, bad)
        expected = f"environment variable {SECRET_ENV} must be at least 32"
        with pytest.raises(ValueError, match=expected) as error:
            release.release_secret()
        assert detail in str(error.value) and bad not in str(error.value)  # never echoes the value
    with pytest.raises(ValueError, match="ReleaseSettings.secret must be at least 32"):
        ReleaseSettings(secret="not a secret")
    assert given.lower() not in repr(ReleaseSettings(secret=given))


def test_a_secret_inside_the_data_folder_or_the_release_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("DAGSTER_HOME", str(data / "dagster_home"))
    monkeypatch.delenv(SECRET_ENV, raising=False)
    with pytest.raises(ValueError, match="would be inside"):
        release.release_secret(outside=[data])
    assert not (data / "dagster_home" / "release.secret").exists()
    # Writing a release over the folder that holds the secret would publish it, then delete it.
    target = tmp_path / "public"
    monkeypatch.setenv("DAGSTER_HOME", str(target))
    with pytest.raises(ValueError, match="is inside the release folder"):
        release.write_release({}, target, ReleaseSettings())
    assert not target.exists()


def test_a_failed_write_leaves_the_previous_release_whole(con, settings, published, tmp_path, monkeypatch):
    target = tmp_path / "public"
    shutil.copytree(published, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken_notes(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(release.output, "release_notes", broken_notes)
    with pytest.raises(OSError, match="disk full"):
        release.write_release(
            release.build_release(con, ReleaseSettings(min_cell_size=50, secret=settings.secret)),
            target,
            settings,
        )
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]  # no half-written folder left behind

    # A run killed in the middle of the swap: the old release set aside, a staging folder left.
    (tmp_path / ".public-killed").mkdir()
    target.rename(tmp_path / ".public.previous")
    monkeypatch.undo()
    release.write_release(release.build_release(con, settings), target, settings)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["public"]
    assert (target / "RELEASE.md").read_bytes() == before["RELEASE.md"]


def test_the_dagster_asset_keys_the_noise_with_the_install_secret_and_never_shows_it(
    warehouse_path, tmp_path, dagster_home, monkeypatch
):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    data = tmp_path / "data"
    monkeypatch.setenv("EGS_DATA_DIR", str(data))
    resource = WarehouseResource(path=str(data / "warehouse.duckdb"), lake=str(tmp_path / "lake"))
    built = Path(getattr(resource, "working_path", resource.path))  # the database a run reads
    built.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse_path, built)
    config = {"ops": {"release__public_release": {"config": {"min_cell_size": 50}}}}
    result = dg.materialize([public_release], resources={"warehouse": resource}, run_config=config)
    assert result.success
    meta = result.asset_materializations_for_node("release__public_release")[0].metadata
    assert meta["min_cell_size"].value == 50
    public = Path(meta["staged"].value)  # the run's release, published later with its warehouse and report
    notes = (public / "RELEASE.md").read_text(encoding="utf-8")
    assert "Minimum cell size 50" in notes
    assert SECRET_ENV in notes and "release.secret" in notes and "average" in notes  # how the secret works
    db = duckdb.connect(str(public / "release.duckdb"), read_only=True)
    try:
        comments = db.sql("SELECT table_name, comment FROM duckdb_tables()").fetchall()
        assert {t for t, c in comments if c} == {*SPECS, "status_flags"}
        assert db.sql(
            "SELECT count(*) FROM duckdb_columns() WHERE NOT internal AND (comment IS NULL OR comment = '')"
        ).fetchall() == [(0,)]
    finally:
        db.close()

    # The secret was made in DAGSTER_HOME, outside the data folder and the release.
    secret_file = dagster_home / "release.secret"
    secret = secret_file.read_text(encoding="ascii").strip()
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert not secret_file.resolve().is_relative_to(data.resolve())
    assert not secret_file.resolve().is_relative_to(public.resolve())
    # It is nowhere in the data folder, the release, the run's metadata or its logs.
    for root in {data, public}:
        for path in root.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), path
    assert secret not in str({k: v.value for k, v in meta.items()})
    for event in result.all_events:
        assert secret not in str(event.message) and secret not in repr(event.event_specific_data)
    # The noise is the secret's: the release is the one its settings give.
    again = duckdb.connect(str(built), read_only=True)
    try:
        expected = release.build_release(again, ReleaseSettings(min_cell_size=50, secret=secret))
    finally:
        again.close()
    assert (public / "talent_flows.csv").read_text(encoding="utf-8") == expected["talent_flows"].write_csv()

    # No seed in the configuration any more: an old run config is refused, not silently ignored.
    old = {"ops": {"release__public_release": {"config": {"release_seed": 7}}}}
    with pytest.raises(Exception, match="release_seed"):
        dg.materialize([public_release], resources={"warehouse": resource}, run_config=old)
    bad = {"ops": {"release__public_release": {"config": {"min_cell_size": 0}}}}
    with pytest.raises(Exception, match="min_cell_size must be a whole number of people, at least 1"):
        dg.materialize([public_release], resources={"warehouse": resource}, run_config=bad)
