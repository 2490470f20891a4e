"""The public release: small cells never come out, suppressed cells cannot be recovered,
nothing identifies a person, and the same seed gives the same release.

The attacks here are written against the released files alone (what an outsider has) and
the identities RELEASE.md states, not against the release module's own bookkeeping. They
give the attacker more than an outsider has: the true value of every released cell (as if
the noise had been averaged away) — the protection must hold even then.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import polars as pl
import pytest

from pipelines import release
from pipelines.release import RELEASED_TABLES, STATUSES, ReleaseConfig, ReleaseSettings
from pipelines.resources import WarehouseResource

MIN = release.DEFAULT_MIN_CELL_SIZE
SPECS = {t.name: t for t in RELEASED_TABLES}


@pytest.fixture(scope="module")
def settings(con) -> ReleaseSettings:
    return ReleaseSettings(seed=release.release_seed_from(release.scenario_seed(con)))


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

    Columns: table, column, dims (one string), year, value, status, true.
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
    assert (
        ttfj.filter(pl.col("graduates").is_null())["employed_within_6_months_share"].null_count()
        == ttfj.filter(pl.col("graduates").is_null()).height
    )
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
    (equation, year, table, column, dims, coef): sum of coef x value = 0."""
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
    eq = identities(cells)
    # The identities hold for the true values (else the attack below would prove nothing).
    sums = eq.group_by("equation").agg((pl.col("coef") * pl.col("true")).sum().abs().alias("gap"))
    assert sums["gap"].max() < 1e-6 and sums.height > 1000
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
            true=pl.col("true").filter(pl.col("hidden")).first(),
        )
    )
    return known.with_columns(recovered=-pl.col("rest") / pl.col("coef"))


RECOVERED = {"year": pl.Int64, "recovered": pl.Float64, "true": pl.Float64}


def year_system(part: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The identities of one year as A_hidden x = rhs: x the hidden cells, rhs from the known ones.

    Returns (A_hidden, rhs, every cell's true value, the hidden cells' column indices)."""
    rows = part["equation"].rank("dense").to_numpy().astype(int) - 1
    cols = part.select(pl.concat_str("table", "column", "dims").rank("dense")).to_series().to_numpy().astype(int) - 1
    a = np.zeros((rows.max() + 1, cols.max() + 1))
    a[rows, cols] = part["coef"].to_numpy()
    value = np.zeros(cols.max() + 1)
    value[cols] = part["true"].to_numpy()
    hidden_cols = np.unique(cols[part["hidden"].to_numpy()])
    known_cols = np.setdiff1d(np.arange(a.shape[1]), hidden_cols)
    return a[:, hidden_cols], -a[:, known_cols] @ value[known_cols], value, hidden_cols


def linear_algebra_attack(eq: pl.DataFrame, hidden: pl.Expr) -> pl.DataFrame:
    """Any linear combination of identities, across tables, columns and dimensions: the
    hidden cells of a year solve A_hidden x = -A_known v; a cell is recovered exactly when
    every solution agrees on it, i.e. the null space of A_hidden is zero in its row."""
    marked = eq.with_columns(hidden=hidden)
    found = []
    for part in marked.partition_by("year"):
        a_hidden, rhs, value, hidden_cols = year_system(part)
        if len(hidden_cols) == 0:
            continue
        solution, *_ = np.linalg.lstsq(a_hidden, rhs, rcond=None)
        # Pinned = e_k lies in the row space of a_hidden (the null space is zero in row k).
        # The row space's orthonormal basis comes from the small Gram matrix (identities
        # squared), which stays fast on a busy machine.
        u, eigenvalues, _ = np.linalg.svd(a_hidden @ a_hidden.T)
        keep = eigenvalues > 1e-9 * eigenvalues.max()
        basis = a_hidden.T @ u[:, keep] / np.sqrt(eigenvalues[keep])
        pinned = (basis**2).sum(axis=1) > 1 - 1e-9
        found.append(
            pl.DataFrame(
                {
                    "year": [part["year"][0]] * int(pinned.sum()),
                    "recovered": solution[pinned],
                    "true": value[hidden_cols][pinned],
                },
                schema=RECOVERED,
            )
        )
    return pl.concat([pl.DataFrame(schema=RECOVERED), *found])


def test_the_attacks_recover_cells_when_only_small_cells_are_suppressed(equations):
    """Without complementary suppression the attacks work: the tests below are not vacuous."""
    primary_only = pl.col("true") < MIN
    by_subtraction = subtraction_attack(equations, primary_only)
    assert by_subtraction.height > 10
    assert np.allclose(by_subtraction["recovered"].to_numpy(), by_subtraction["true"].to_numpy())
    by_algebra = linear_algebra_attack(equations, primary_only)
    assert by_algebra.height >= by_subtraction["dims"].n_unique()
    assert np.allclose(by_algebra["recovered"].to_numpy(), by_algebra["true"].to_numpy())
    assert (by_algebra["true"] < MIN).any()


def test_no_suppressed_cell_is_a_total_minus_its_released_siblings(equations):
    assert subtraction_attack(equations, pl.col("status") == "suppressed").height == 0


def test_no_combination_of_identities_recovers_a_suppressed_cell(equations):
    assert linear_algebra_attack(equations, pl.col("status") == "suppressed").height == 0


def test_bounds_from_nonnegative_counts_do_not_pin_a_suppressed_cell(equations):
    """The interval attack: counts are never negative, so the attacker can bound each hidden
    cell by linear programming over all identities of its year. A sample of cells per year
    must keep a range of at least one person."""
    optimize = pytest.importorskip("scipy.optimize")
    marked = equations.with_columns(hidden=pl.col("status") == "suppressed")
    rng = np.random.default_rng(0)
    checked = 0
    for part in marked.partition_by("year"):
        a_hidden, rhs, value, hidden_cols = year_system(part)
        for k in rng.choice(len(hidden_cols), size=min(6, len(hidden_cols)), replace=False):
            c = np.zeros(len(hidden_cols))
            c[k] = 1.0
            low = optimize.linprog(c, A_eq=a_hidden, b_eq=rhs, bounds=(0, None), method="highs")
            high = optimize.linprog(-c, A_eq=a_hidden, b_eq=rhs, bounds=(0, None), method="highs")
            assert low.status == 0 and high.status in (0, 3)  # 3: unbounded above, as protected as it gets
            upper = -high.fun if high.status == 0 else np.inf
            assert upper - low.fun >= 1, (part["year"][0], value[hidden_cols][k], low.fun, upper)
            checked += 1
    assert checked > 50


def test_the_suppressed_parts_of_a_released_total_hold_enough_people(equations):
    """Subtraction reveals the sum of a total's suppressed parts: it must not be a small group."""
    totals = equations.filter(
        pl.col("equation").str.contains(r"^(talent_flows|job_changes|time_to_first_job|od)\|")
    )
    per_line = (
        totals.group_by("equation")
        .agg(
            total_released=((pl.col("coef") < 0) & (pl.col("status") != "suppressed")).any(),
            hidden_parts=pl.col("true")
            .filter((pl.col("coef") > 0) & (pl.col("status") == "suppressed"))
            .sum(),
            n_hidden=((pl.col("coef") > 0) & (pl.col("status") == "suppressed")).sum(),
        )
        .filter(pl.col("total_released") & (pl.col("n_hidden") > 0))
    )
    assert per_line.height > 100
    assert per_line.filter(pl.col("hidden_parts") < MIN).height == 0


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
    """Wipe everything the truth knows (but the seed): the release does not change."""
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    try:
        for table in ["truth.people", "truth.positions", "truth.educations"]:
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
# Determinism, configuration, writing


def test_the_same_seed_gives_the_same_release_and_another_seed_other_noise(
    con, settings, published, released, tmp_path
):
    again = release.write_release(release.build_release(con, settings), tmp_path / "same", settings)
    for path in published.iterdir():
        if path.suffix in {".csv", ".md"}:
            assert (again / path.name).read_bytes() == path.read_bytes(), path.name
    other_settings = ReleaseSettings(seed=settings.seed + 1)
    other = release.build_release(con, other_settings)
    for name, frame in released.items():
        statuses = [c for c in frame.columns if c.endswith("_status")]
        # What is suppressed does not depend on the seed (it would otherwise leak through it).
        assert other[name].select(statuses).equals(frame.select(statuses)), name
    flows, flows_other = released["talent_flows"]["members"], other["talent_flows"]["members"]
    changed = ((flows != flows_other) & flows.is_not_null()).sum()
    assert changed > 0.5 * flows.is_not_null().sum()
    assert other["skill_demand"].equals(released["skill_demand"])  # exact counts carry no noise


def test_noise_scale_zero_releases_exact_counts(con, truth):
    exact = release.build_release(con, ReleaseSettings(noise_scale=0.0, seed=1))
    cells = count_cells(exact, truth).filter(pl.col("status") != "suppressed")
    assert set(cells["status"]) == {"published"}
    assert (cells["value"] == cells["true"].round()).all()


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


def test_a_failed_write_leaves_the_previous_release_whole(con, settings, published, tmp_path, monkeypatch):
    target = tmp_path / "public"
    shutil.copytree(published, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}

    def broken_notes(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(release, "release_notes", broken_notes)
    with pytest.raises(OSError, match="disk full"):
        release.write_release(
            release.build_release(con, ReleaseSettings(min_cell_size=50, seed=3)), target, settings
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


def test_the_dagster_asset_writes_the_release_beside_the_warehouse(warehouse_path, tmp_path):
    resource = WarehouseResource(path=str(tmp_path / "warehouse.duckdb"), lake=str(tmp_path / "lake"))
    built = Path(getattr(resource, "working_path", resource.path))  # the database a run reads
    built.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(warehouse_path, built)
    config = {"ops": {"release__public_release": {"config": {"min_cell_size": 50, "release_seed": 7}}}}
    result = dg.materialize([release.public_release], resources={"warehouse": resource}, run_config=config)
    assert result.success
    public = tmp_path / "public"
    notes = (public / "RELEASE.md").read_text(encoding="utf-8")
    assert "Minimum cell size 50" in notes
    db = duckdb.connect(str(public / "release.duckdb"), read_only=True)
    try:
        comments = db.sql("SELECT table_name, comment FROM duckdb_tables()").fetchall()
        assert {t for t, c in comments if c} == {*SPECS, "status_flags"}
        assert db.sql(
            "SELECT count(*) FROM duckdb_columns() WHERE NOT internal AND (comment IS NULL OR comment = '')"
        ).fetchall() == [(0,)]
    finally:
        db.close()
    meta = result.asset_materializations_for_node("release__public_release")[0].metadata
    assert meta["min_cell_size"].value == 50

    bad = {"ops": {"release__public_release": {"config": {"min_cell_size": 0}}}}
    with pytest.raises(Exception, match="min_cell_size must be a whole number of people, at least 1"):
        dg.materialize([release.public_release], resources={"warehouse": resource}, run_config=bad)
