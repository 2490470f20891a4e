"""Each metric agrees with an independent computation in polars from the raw and truth tables.

Independent means another formulation than the model it checks: dataframe joins, shifts and
sorted-array counts in polars and numpy, never the project's SQL or its rules written again in
SQL. Exact recounts compare exactly: counts as integers, ratios and averages within 1e-9
relative (the two sides only round differently).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

SOURCES = {"platform": ("raw.positions", "member_id"), "truth": ("truth.positions", "person_id")}
EDUCATIONS = {"platform": ("raw.educations", "member_id"), "truth": ("truth.educations", "person_id")}
# Floats of an exact recount: the metric's and the recount's only differ by rounding.
EXACT = 1e-9


def positions(con, source: str) -> pl.DataFrame:
    table, person = SOURCES[source]
    reported = "reported_on" if source == "platform" else "CAST(NULL AS DATE) AS reported_on"
    end_reason = "end_reason" if source == "truth" else "CAST(NULL AS VARCHAR) AS end_reason"
    return con.sql(
        f"SELECT {person} AS person_id, company_id, city, occupation_family, seniority, start_date, "
        f"end_date, {reported}, {end_reason} FROM {table}"
    ).pl()


def months_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (b.dt.year() - a.dt.year()) * 12 + (b.dt.month() - a.dt.month())


def calendar(con) -> pl.DataFrame:
    """The window's months (first days), in order."""
    return con.sql("SELECT month FROM raw.calendar ORDER BY month").pl()


def held_on(days: np.ndarray, starts: pl.Series, ends: pl.Series) -> np.ndarray:
    """How many [start, end) intervals (end NULL = not ended) contain each of ``days``: the
    intervals started by then minus those ended by then, counted in sorted arrays. An interval
    that ended before the first day is both started and ended: it adds nothing."""
    started = np.sort(starts.to_numpy())
    ended = np.sort(ends.drop_nulls().to_numpy())
    return np.searchsorted(started, days, side="right") - np.searchsorted(ended, days, side="right")


def holding_on(day: dt.date) -> pl.Expr:
    """A position held on ``day``: started by then and not ended (end NULL = not ended)."""
    return (pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") > day))


def assert_same(got: pl.Series, expected: pl.Series, what: str) -> None:
    """Equal values and equal NULLs: integers exactly, floats within EXACT relative."""
    assert got.len() == expected.len(), what
    assert (got.is_null() == expected.is_null()).all(), f"{what}: NULLs differ"
    a, b = got.drop_nulls().to_numpy(), expected.drop_nulls().to_numpy()
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        assert np.allclose(a.astype(float), b.astype(float), rtol=EXACT, atol=0), what
    else:
        assert (a == b).all(), what


def assert_same_to_scale(got: pl.Series, expected: pl.Series, scale: pl.Series, what: str) -> None:
    """Equal NULLs, and values within EXACT of ``scale``: for a mean or difference whose terms
    may cancel, where the rounding error follows the size of the terms (``scale``), not of the
    result (a mean of 0.5, -0.25 and -0.25 is 0 in one order and 1e-17 in another)."""
    assert got.len() == expected.len() == scale.len(), what
    assert (got.is_null() == expected.is_null()).all(), f"{what}: NULLs differ"
    a, b, c = (x.to_numpy()[~got.is_null().to_numpy()].astype(float) for x in (got, expected, scale))
    assert (np.abs(a - b) <= EXACT * c).all(), what


def employer_moves(con, source: str) -> pl.DataFrame:
    """Every position beside its holder's previous and next one (positions of a person never
    overlap, so the start date orders them), with the moves between employers it marks."""
    pos = positions(con, source).sort("person_id", "start_date")
    pos = pos.with_columns(
        prev_company=pl.col("company_id").shift(1).over("person_id"),
        prev_end=pl.col("end_date").shift(1).over("person_id"),
        next_company=pl.col("company_id").shift(-1).over("person_id"),
        next_start=pl.col("start_date").shift(-1).over("person_id"),
    )
    other_before = pl.col("prev_company").is_null() | (pl.col("prev_company") != pl.col("company_id"))
    other_after = pl.col("next_company").is_null() | (pl.col("next_company") != pl.col("company_id"))
    gap_before = months_between(pl.col("prev_end"), pl.col("start_date"))
    return pos.with_columns(
        new_employer=other_before,
        # a spell starts at another employer, or at the same one after a gap
        starts_spell=other_before | (pl.col("prev_end") != pl.col("start_date")).fill_null(False),
        ends_spell=pl.col("end_date").is_not_null()
        & (other_after | (pl.col("next_start") != pl.col("end_date")).fill_null(False)),
        # job to job: another employer than the previous one, left under a quarter before
        job_change=(pl.col("prev_company").is_not_null() & other_before & (gap_before < 3)).fill_null(False),
        # a quit (JOLTS): the next employer, another one, starts within a month
        quit=(
            pl.col("next_company").is_not_null() & other_after
            & (months_between(pl.col("end_date"), pl.col("next_start")) <= 1)
        ).fill_null(False),
    )


def inactive_spells(con) -> pl.DataFrame:
    """Truth only: who is out of the labour force between jobs, and when. A position that
    ended in a quit into inactivity or an early exit starts a spell at its end; the spell
    lasts until the person's next position starts, or else until retirement."""
    pos = con.sql(
        "SELECT person_id, start_date, end_date, end_reason FROM truth.positions"
    ).pl().sort("person_id", "start_date")
    people = con.sql("SELECT person_id, birth_year, retirement FROM truth.people").pl()
    return (
        pos.with_columns(next_start=pl.col("start_date").shift(-1).over("person_id"))
        .filter(pl.col("end_reason").is_in(["quit", "early_exit"]))
        .join(people, on="person_id")
        .select("person_id", "birth_year", inactive_from="end_date",
                inactive_until=pl.coalesce("next_start", "retirement"))
    )


# Every job a person of the truth holds: positions and side jobs beside school.
TRUTH_JOBS_HELD = (
    "SELECT person_id, start_date, end_date FROM truth.positions "
    "UNION ALL SELECT person_id, start_date, end_date FROM truth.student_jobs"
)


def labour_force_on(days: np.ndarray, people: pl.DataFrame, inactive: pl.DataFrame, side_jobs: pl.DataFrame) -> np.ndarray:
    """In the labour force on each of ``days``: between labour-market entry and retirement, less
    those inactive then (``inactive_spells``), plus pupils and students holding a side job."""
    return (
        held_on(days, people["labour_market_entry"], people["retirement"])
        - held_on(days, inactive["inactive_from"], inactive["inactive_until"])
        + held_on(days, side_jobs["start_date"], side_jobs["end_date"])
    )


def monthly_stocks(con, source: str, months: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Employed (holding a position on the first of the month) and population (members who
    joined by then; people between labour-market entry and retirement) per month."""
    table, _ = SOURCES[source]
    held = con.sql(f"SELECT start_date, end_date FROM {table}").pl()
    employed = held_on(months, held["start_date"], held["end_date"])
    if source == "platform":
        joined = con.sql("SELECT joined_on FROM raw.members").pl()["joined_on"]
        population = held_on(months, joined, pl.Series([], dtype=pl.Date))
    else:
        people = con.sql("SELECT labour_market_entry, retirement FROM truth.people").pl()
        population = held_on(months, people["labour_market_entry"], people["retirement"])
    return employed, population


def with_yearly_rows(monthly: pl.DataFrame, sums: list[str], means: list[str]) -> pl.DataFrame:
    """The month rows and one row per year (period 1 January): counts summed, stocks averaged."""
    yearly = monthly.group_by(period=pl.col("period").dt.truncate("1y")).agg(
        *[pl.col(c).sum() for c in sums], *[pl.col(c).mean() for c in means]
    )
    columns = ["period", *sums, *means]
    return pl.concat([
        monthly.select(columns).with_columns(grain=pl.lit("month")),
        yearly.select(columns).with_columns(grain=pl.lit("year")),
    ], how="vertical_relaxed")


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_job_change_rate_matches_a_recount(con, source):
    """Every month and year: job changes, hires, LinkedIn hires, employment, population and
    the rates and year-on-year changes built from them."""
    months = calendar(con)["month"]
    moves = employer_moves(con, source)
    # LinkedIn Hiring Rate numerator: a new employer, on the profile in the month the job began.
    reported_at_once = pl.lit(True) if source == "truth" else months_between(
        pl.col("start_date"), pl.col("reported_on")) == 0
    starts = moves.filter(pl.col("starts_spell")).group_by(period=pl.col("start_date")).agg(
        job_changes=pl.col("job_change").sum(),
        hires=pl.len(),
        linkedin_hires=(pl.col("new_employer") & reported_at_once).sum(),
    )
    employed, population = monthly_stocks(con, source, months.to_numpy())
    monthly = (
        pl.DataFrame({"period": months, "employed": employed, "population": population})
        .join(starts, on="period", how="left")
        .with_columns(pl.col("job_changes", "hires", "linkedin_hires").fill_null(0))
    )
    counts, stocks = ["job_changes", "hires", "linkedin_hires"], ["employed", "population"]
    expected = with_yearly_rows(monthly, counts, stocks)
    expected = expected.with_columns(
        rate=pl.col("job_changes") / pl.col("employed"),
        hiring_rate=pl.col("linkedin_hires") / pl.col("population"),
    )
    a_year_earlier = expected.select(
        "grain", period=pl.col("period").dt.offset_by("1y"), earlier_rate=pl.col("rate")
    )
    expected = expected.join(a_year_earlier, on=["grain", "period"], how="left").with_columns(
        yoy_change=pl.col("rate") / pl.col("earlier_rate") - 1
    )
    metric = con.sql(
        "SELECT grain, period, job_changes, avg_employed, rate, yoy_change, hires, linkedin_hires, "
        f"population, hiring_rate FROM metrics.job_change_rate WHERE source = '{source}'"
    ).pl()
    joined = metric.join(expected, on=["grain", "period"], how="full", coalesce=True).sort("grain", "period")
    assert joined.height == metric.height == expected.height == months.len() + months.dt.year().n_unique()
    for column, recount in (
        ("job_changes", "job_changes_right"), ("hires", "hires_right"),
        ("linkedin_hires", "linkedin_hires_right"), ("avg_employed", "employed"),
        ("population", "population_right"), ("rate", "rate_right"), ("hiring_rate", "hiring_rate_right"),
        ("yoy_change", "yoy_change_right"),
    ):
        assert_same(joined[column], joined[recount], column)


def assert_flows_match(con, table: str, source: str, panel: pl.DataFrame) -> None:
    """``table``'s rows of ``source`` are the flows of ``panel`` (year, person_id,
    occupation_family, city a January, city_end the next, moved), per family and for 'all'."""
    both = pl.concat([panel, panel.with_columns(occupation_family=pl.lit("all"))])
    group = ["year", "occupation_family"]
    members = both.group_by(*group, "city").agg(
        pl.len().alias("members"), pl.col("moved").sum().alias("departures"))
    arrivals = both.group_by(*group, city=pl.col("city_end")).agg(
        pl.len().alias("members_end"), pl.col("moved").sum().alias("arrivals"))
    expected = members.join(arrivals, on=[*group, "city"], how="full", coalesce=True).fill_null(0).with_columns(
        net_per_10k=pl.when(pl.col("members") > 0)
        .then((pl.col("arrivals").cast(pl.Int64) - pl.col("departures").cast(pl.Int64)) / pl.col("members") * 10_000)
    )
    metric = con.sql(
        f"SELECT year, occupation_family, city, arrivals, departures, members, members_end, net_per_10k "
        f"FROM {table} WHERE source = '{source}'"
    ).pl()
    joined = metric.join(expected.with_columns(pl.col("year").cast(metric["year"].dtype)),
                         on=[*group, "city"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column in ("arrivals", "departures", "members", "members_end"):
        assert_same(joined[column], joined[f"{column}_right"].cast(pl.Int64), column)
    assert_same(joined["net_per_10k"], joined["net_per_10k_right"], "net_per_10k")


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_talent_flows_match_a_recount(con, source):
    """Every year and occupation family ('all' too): where each person held a position on
    1 January and a year later, recounted by interval filter per January; the location panel
    itself, and the flows and origin-destination pairs counted from it."""
    pos = positions(con, source)

    def located(day: dt.date) -> pl.DataFrame:
        return pos.filter(holding_on(day)).select("person_id", "city", "occupation_family")

    years = calendar(con)["month"].dt.year().unique().sort().to_list()
    panels = [
        located(dt.date(year, 1, 1)).join(located(dt.date(year + 1, 1, 1)).drop("occupation_family"),
                                          on="person_id", suffix="_end").with_columns(year=pl.lit(year))
        for year in years[:-1]
    ]
    panel = pl.concat(panels).with_columns(moved=pl.col("city") != pl.col("city_end"))
    stored = con.sql(
        f"SELECT year, person_id, occupation_family, origin_city AS city, destination_city AS city_end "
        f"FROM metrics.location_panel WHERE source = '{source}'"
    ).pl()
    key = ["year", "person_id"]
    assert stored.sort(key).equals(
        panel.select(stored.columns).sort(key).with_columns(pl.col("year").cast(stored["year"].dtype))
    )
    assert_flows_match(con, "metrics.talent_flows", source, panel)

    group = ["year", "occupation_family"]
    both = pl.concat([panel, panel.with_columns(occupation_family=pl.lit("all"))])
    pairs = both.filter("moved").group_by(*group, origin_city=pl.col("city"), destination_city=pl.col("city_end")).len()
    od = con.sql(
        f"SELECT year, occupation_family, origin_city, destination_city, movers "
        f"FROM metrics.talent_flows_od WHERE source = '{source}'"
    ).pl()
    check = od.join(pairs.with_columns(pl.col("year").cast(od["year"].dtype)),
                    on=[*group, "origin_city", "destination_city"], how="full", coalesce=True)
    assert check.height == od.height == pairs.height
    assert_same(check["movers"], check["len"].cast(pl.Int64), "movers")


def residences_on(con, source: str, day: dt.date) -> pl.DataFrame:
    """Where each person lives on ``day``, by an as-of join: the latest residence (profile
    location) started (set) on or before the day, kept in the truth while not yet ended."""
    if source == "truth":
        spells = con.sql("SELECT person_id, city AS residence, start_date, end_date FROM truth.residences").pl()
    else:
        spells = con.sql(
            "SELECT member_id AS person_id, city AS residence, set_on AS start_date, "
            "CAST(NULL AS DATE) AS end_date FROM raw.profile_locations"
        ).pl()
    asked = spells.select("person_id").unique().with_columns(day=pl.lit(day))
    found = asked.sort("day").join_asof(
        spells.sort("start_date"), left_on="day", right_on="start_date", by="person_id", strategy="backward"
    )
    return found.filter(pl.col("start_date").is_not_null() & (pl.col("end_date").is_null() | (pl.col("end_date") > day)))


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_residence_flows_and_commuting_match_a_recount(con, source):
    """Everybody holding a position on 1 January, where they live that day (an as-of join of the
    residences, see residences_on): commuting counts who lives in the work city; the residence
    flows are the flows of the people found on two consecutive Januaries."""
    pos = positions(con, source)
    years = calendar(con)["month"].dt.year().unique().sort().to_list()
    januaries = {}
    for year in years:
        day = dt.date(year, 1, 1)
        januaries[year] = pos.filter(holding_on(day)).select("person_id", "city", "occupation_family").join(
            residences_on(con, source, day).select("person_id", "residence"), on="person_id")
    employed = pl.concat([j.with_columns(year=pl.lit(y)) for y, j in januaries.items()]).with_columns(
        home=pl.col("residence") == pl.col("city"))
    per_city = pl.concat([employed, employed.with_columns(city=pl.lit("all"))]).group_by("year", "city").agg(
        pl.len().alias("employed"), pl.col("home").sum().alias("home"))
    metric = con.sql(
        f"SELECT year, work_city AS city, employed, live_in_work_city, commuters, live_in_work_city_pct "
        f"FROM metrics.commuting WHERE source = '{source}'"
    ).pl()
    joined = metric.join(per_city.with_columns(pl.col("year").cast(metric["year"].dtype)),
                         on=["year", "city"], how="full", coalesce=True)
    assert joined.height == metric.height == per_city.height > 0
    assert_same(joined["employed"], joined["employed_right"].cast(pl.Int64), "employed")
    assert_same(joined["live_in_work_city"], joined["home"].cast(pl.Int64), "live_in_work_city")
    assert_same(joined["commuters"], (joined["employed_right"] - joined["home"]).cast(pl.Int64), "commuters")
    assert_same(joined["live_in_work_city_pct"], 100 * joined["home"] / joined["employed_right"], "share")

    panel = pl.concat([
        januaries[year].select("person_id", "occupation_family", city="residence").join(
            januaries[year + 1].select("person_id", city_end="residence"), on="person_id"
        ).with_columns(year=pl.lit(year))
        for year in years[:-1]
    ]).with_columns(moved=pl.col("city") != pl.col("city_end"))
    assert_flows_match(con, "metrics.residence_flows", source, panel)


def kaplan_meier(months: np.ndarray, found: np.ndarray) -> np.ndarray:
    """S(k), k = 0 .. max(months): the estimated share still without a job after month k.
    Whoever found a job in month k or was last seen in month k (censored) is at risk in k."""
    length = months.max() + 1
    events = np.bincount(months[found], minlength=length)
    leaving = np.bincount(months, minlength=length)
    at_risk = months.size - np.concatenate([[0], np.cumsum(leaving)[:-1]])
    hazard = np.divide(events, at_risk, out=np.zeros(length), where=at_risk > 0)
    return np.cumprod(1.0 - hazard)


def employed_by(survival: np.ndarray, longest_follow_up: int, month: int) -> float | None:
    """The share employed after months 0 .. ``month``; NULL when nobody was followed that long."""
    return None if longest_follow_up < month else 1.0 - survival[min(month, survival.size - 1)]


def first_month_at_most(survival: np.ndarray, level: float) -> int | None:
    """The first month whose survival is at most ``level``; the same 1e-9 allowance as the
    metric: a survival of exactly 0.5 may come out a rounding error above it either way."""
    reached = np.flatnonzero(survival <= level + 1e-9)
    return int(reached[0]) if reached.size else None


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_time_to_first_job_matches_a_kaplan_meier_recount(con, source):
    """Every graduation cohort, censored ones included, per level and in total: both horizons
    and the quartiles of a Kaplan-Meier curve computed in numpy."""
    table, person = EDUCATIONS[source]
    window = calendar(con)["month"]
    first_month, last_month = window.min(), window.max()
    graduates = con.sql(f"SELECT {person} AS person_id, level, graduation_date FROM {table}").pl().filter(
        pl.col("graduation_date") >= first_month
    )
    first_jobs = positions(con, source).sort("start_date").group_by("person_id").agg(
        first_start=pl.col("start_date").first()
    )
    followed = months_between(pl.col("graduation_date"), pl.lit(last_month))
    graduates = graduates.join(first_jobs, on="person_id", how="left").with_columns(
        cohort=pl.col("graduation_date").dt.year(),
        found=pl.col("first_start").is_not_null(),
        followed=followed,
        # a first job before graduation counts as month 0; without one, the months observed
        months=pl.when(pl.col("first_start").is_not_null())
        .then(months_between(pl.col("graduation_date"), pl.col("first_start")).clip(lower_bound=0))
        .otherwise(followed),
    )
    expected = []
    for (cohort, level), group in pl.concat([
        graduates, graduates.with_columns(level=pl.lit("all"))
    ]).group_by("cohort", "level"):
        months, found = group["months"].to_numpy(), group["found"].to_numpy()
        survival, longest = kaplan_meier(months, found), group["followed"].max()
        expected.append({
            "graduation_year": cohort, "level": level, "graduates": group.height,
            "censored": int((~found).sum()),
            "employed_6m_share": employed_by(survival, longest, 5),
            "employed_12m_share": employed_by(survival, longest, 11),
            "median_months": first_month_at_most(survival, 0.5),
            "p25_months": first_month_at_most(survival, 0.75),
            "p75_months": first_month_at_most(survival, 0.25),
        })
    expected = pl.DataFrame(expected, schema_overrides={"graduation_year": pl.Int64})
    metric = con.sql(
        "SELECT graduation_year, level, graduates, censored, employed_6m_share, employed_12m_share, "
        "median_months, p25_months, p75_months FROM metrics.time_to_first_job "
        f"WHERE source = '{source}' AND field = 'all' AND institution = 'all'"
    ).pl()
    joined = metric.join(expected, on=["graduation_year", "level"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    # the recount reaches cohorts with censoring (the last ones): Kaplan-Meier is not plain shares there
    assert joined.filter(pl.col("censored") > 0)["graduation_year"].n_unique() >= 3
    for column in ("graduates", "censored", "employed_6m_share", "employed_12m_share", "median_months",
                   "p25_months", "p75_months"):
        assert_same(joined[column], joined[f"{column}_right"], column)


def test_skill_demand_matches_a_recount(con):
    """Postings per skill and year, their share of the year's postings, the rank and both
    year-on-year growths, for every year and skill."""
    postings = con.sql("SELECT posting_id, year(opened_on) AS year FROM raw.postings").pl()
    per_year = postings.group_by("year").agg(all_postings=pl.len())
    counts = (
        con.sql("SELECT posting_id, skill FROM raw.posting_skills").pl().join(postings, on="posting_id")
        .group_by("year", "skill").agg(n=pl.len())
        .join(per_year, on="year")
        .with_columns(
            share=pl.col("n") / pl.col("all_postings"),
            # rank with ties: 1 + the skills with more postings that year
            expected_rank=pl.col("n").rank("min", descending=True).over("year"),
        )
    )
    earlier = counts.select("skill", year=pl.col("year") + 1, n_before="n", share_before="share")
    expected = counts.join(earlier, on=["year", "skill"], how="left").with_columns(
        growth=pl.col("n") / pl.col("n_before") - 1, share_growth=pl.col("share") / pl.col("share_before") - 1
    )
    metric = con.sql(
        "SELECT year, skill, postings, share_of_postings, rank, yoy_growth, share_yoy_growth "
        "FROM metrics.skill_demand"
    ).pl()
    joined = metric.join(expected, on=["year", "skill"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("postings", "n"), ("share_of_postings", "share"), ("rank", "expected_rank"),
                            ("yoy_growth", "growth"), ("share_yoy_growth", "share_growth")):
        assert_same(joined[column], joined[recount], column)


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_hires_match_a_recount(con, source):
    """Every month and year: hires (starts of an employer spell), separations (ends of one),
    quits, employment and its change."""
    months = calendar(con)["month"]
    moves = employer_moves(con, source)
    starts = moves.filter(pl.col("starts_spell")).group_by(period=pl.col("start_date")).agg(hires=pl.len())
    # Quits as JOLTS counts them (truth only): every separation that is neither a layoff, a
    # retirement nor an early exit, by the recorded reason; quits into non-employment, the
    # reason 'quit'.
    involuntary = pl.col("end_reason").is_in(["layoff", "retirement", "early_exit"])
    ends = moves.filter(pl.col("ends_spell")).group_by(period=pl.col("end_date")).agg(
        separations=pl.len(), quits=pl.col("quit").sum(),
        to_non_employment=(pl.col("end_reason") == "quit").sum(),
        all_quits=pl.len() - involuntary.sum(),
    )
    employed, _ = monthly_stocks(con, source, months.to_numpy())
    monthly = (
        pl.DataFrame({"period": months, "employment": employed, "change": np.diff(employed, prepend=np.nan)})
        .join(starts, on="period", how="left").join(ends, on="period", how="left")
        .with_columns(pl.col("hires", "separations", "quits", "to_non_employment", "all_quits").fill_null(0),
                      pl.col("change").fill_nan(None))
    )
    counts = ["hires", "separations", "quits", "to_non_employment", "all_quits", "change"]
    expected = with_yearly_rows(monthly, counts, ["employment"])
    if source == "platform":  # a profile does not say why a job ended
        expected = expected.with_columns(
            pl.lit(None, dtype=pl.Int64).alias(c) for c in ("to_non_employment", "all_quits")
        )
    expected = expected.with_columns(
        to_non_employment_rate=100 * pl.col("to_non_employment") / pl.col("employment"),
        all_quits_rate=100 * pl.col("all_quits") / pl.col("employment"),
    )
    metric = con.sql(
        "SELECT grain, period, hires, separations, quits, quits_to_non_employment, total_quits, employment, "
        "employment_change, quits_to_non_employment_rate, total_quits_rate FROM metrics.hires "
        f"WHERE source = '{source}'"
    ).pl()
    joined = metric.join(expected, on=["grain", "period"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("hires", "hires_right"), ("separations", "separations_right"),
                            ("quits", "quits_right"), ("employment", "employment_right"),
                            ("quits_to_non_employment", "to_non_employment"), ("total_quits", "all_quits"),
                            ("quits_to_non_employment_rate", "to_non_employment_rate"),
                            ("total_quits_rate", "all_quits_rate")):
        assert_same(joined[column], joined[recount], column)
    by_month = joined.filter(pl.col("grain") == "month")
    assert_same(by_month["employment_change"], by_month["change"].cast(pl.Int64), "employment_change")
    changes = by_month.filter(pl.col("employment_change").is_not_null())
    assert (changes["employment_change"] == changes["hires"] - changes["separations"]).all()


def wilson_interval(successes: np.ndarray, trials: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """The Wilson score interval, as the two proportions p at which the score test statistic
    (p_hat - p)^2 / (p (1 - p) / n) equals z^2: the roots of
    (1 + z^2/n) p^2 - (2 p_hat + z^2/n) p + p_hat^2 = 0."""
    p_hat, zz = successes / trials, z * z / trials
    a, b, c = 1 + zz, -(2 * p_hat + zz), p_hat**2
    root = np.sqrt(b * b - 4 * a * c)
    return (-b - root) / (2 * a), (-b + root) / (2 * a)


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_management_outcomes_match_a_recount(con, source):
    """Graduates followed for 5 and 10 years and those who became managers within that time,
    per level, field and institution as the metric breaks them down, with the 95% Wilson
    interval (z = 1.96, as the metric documents) of the share."""
    table, person = EDUCATIONS[source]
    window = calendar(con)["month"]
    graduates = con.sql(
        f"SELECT {person} AS person_id, level, field, institution, graduation_date FROM {table}"
    ).pl()
    managers = positions(con, source).filter(pl.col("seniority") == "manager")
    first_manager = managers.sort("start_date").group_by("person_id").agg(
        first_manager=pl.col("start_date").first()
    )
    # Pay on 1 December of the horizon's year, by the as-of wages (truth only).
    if source == "truth":
        pay = december_wages(con).select("person_id", "year", yearly_pay=12 * pl.col("monthly_wage"))
    else:
        pay = pl.DataFrame(schema={"person_id": pl.Int64, "year": pl.Int32, "yearly_pay": pl.Float64})
    followed = []
    for horizon in (5, 10):
        until = pl.col("graduation_date").dt.offset_by(f"{horizon}y")
        followed.append(
            graduates.filter((pl.col("graduation_date") >= window.min()) & (until <= window.max()))
            .join(first_manager, on="person_id", how="left")
            .with_columns(year=(pl.col("graduation_date").dt.year() + horizon).cast(pl.Int32))
            .join(pay, on=["person_id", "year"], how="left")
            .select("level", "field", "institution", "yearly_pay", horizon_years=pl.lit(horizon),
                    manager=(pl.col("first_manager") < until).fill_null(False))
        )
    followed = pl.concat(followed)
    breakdowns = [
        ("level", "field", "institution"), ("level", "field"), ("level", "institution"), ("level",), (),
    ]
    expected = pl.concat([
        followed.group_by("horizon_years", *kept).agg(
            graduates=pl.len(), managers=pl.col("manager").sum(),
            employed=pl.col("yearly_pay").count(), median_pay=pl.col("yearly_pay").median(),
        )
        .with_columns(*[pl.lit("all").alias(c) for c in ("level", "field", "institution") if c not in kept])
        .select("horizon_years", "level", "field", "institution", "graduates", "managers", "employed", "median_pay")
        for kept in breakdowns
    ], how="vertical_relaxed")
    low, high = wilson_interval(expected["managers"].to_numpy(), expected["graduates"].to_numpy(), 1.96)
    expected = expected.with_columns(share=pl.col("managers") / pl.col("graduates"), low=low, high=high)
    metric = con.sql(
        "SELECT horizon_years, level, field, institution, graduates, managers, management_share, ci_low, "
        f"ci_high, employed_at_horizon, median_yearly_pay FROM metrics.education_outcomes WHERE source = '{source}'"
    ).pl()
    key = ["horizon_years", "level", "field", "institution"]
    joined = metric.join(expected, on=key, how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("graduates", "graduates_right"), ("managers", "managers_right"),
                            ("management_share", "share")):
        assert_same(joined[column], joined[recount], column)
    if source == "truth":
        assert_same(joined["employed_at_horizon"], joined["employed"], "employed_at_horizon")
        assert_same(joined["median_yearly_pay"], joined["median_pay"], "median_yearly_pay")
        assert joined["employed_at_horizon"].sum() > 0
    else:  # the platform sees no pay
        assert joined["employed_at_horizon"].null_count() == joined["median_yearly_pay"].null_count() == joined.height
    # At a share of 0 or 1 a bound equals it, and the metric's closed form leaves a rounding
    # error there that is absolute, not relative: compare the bounds within 1e-12 absolute too.
    for column, recount in (("ci_low", "low"), ("ci_high", "high")):
        assert np.allclose(joined[column], joined[recount], rtol=EXACT, atol=0), column


def test_skills_genome_tfidf_matches_a_recount(con):
    postings = con.sql("SELECT posting_id, occupation FROM raw.postings").pl()
    skills = con.sql("SELECT posting_id, skill FROM raw.posting_skills").pl().join(postings, on="posting_id")
    per_occupation = postings.group_by("occupation").len().rename({"len": "n"})
    tf = skills.group_by("occupation", "skill").len().join(per_occupation, on="occupation")
    idf = tf.group_by("skill").len().rename({"len": "df"}).with_columns(
        idf=(per_occupation.height / pl.col("df")).log()
    )
    expected = tf.join(idf, on="skill").with_columns(tfidf=pl.col("len") / pl.col("n") * pl.col("idf"))
    metric = con.sql("SELECT occupation, skill, tfidf, rank FROM metrics.skills_genome").pl()
    joined = metric.join(expected, on=["occupation", "skill"])
    assert joined.height == metric.height
    assert np.allclose(joined["tfidf"], joined["tfidf_right"])
    top = expected.sort("tfidf", "skill", descending=[True, False]).group_by("occupation", maintain_order=True).first()
    firsts = metric.filter(pl.col("rank") == 1).join(top, on="occupation")
    assert (firsts["skill"] == firsts["skill_right"]).all()


def test_platform_attribution_matches_a_recount(con):
    hires = employer_moves(con, "platform").filter(
        pl.col("starts_spell") & (pl.col("start_date").dt.year() == 2020)
    ).select(member_id="person_id", company_id="company_id", start_date="start_date")
    events = con.sql(
        "SELECT e.member_id, p.company_id, e.occurred_on FROM raw.posting_events e JOIN raw.postings p USING (posting_id)"
    ).pl()
    joined = hires.join(events, on=["member_id", "company_id"]).filter(
        (pl.col("occurred_on") <= pl.col("start_date"))
        & (pl.col("occurred_on") >= pl.col("start_date").dt.offset_by("-3mo"))
    )
    attributed = joined.select("member_id", "company_id", "start_date").unique().height
    metric = con.execute(
        "SELECT hires, attributed_hires FROM metrics.platform_attribution WHERE source = 'platform' AND year = 2020"
    ).fetchall()[0]
    assert metric == (hires.height, attributed)


def recount_applications(con, source: str, postings: pl.DataFrame) -> pl.DataFrame:
    """person_id, month, occupation_family and city of every application of the source."""
    cells = postings.select("posting_id", "occupation_family", "city")
    if source == "platform":
        events = con.sql("SELECT member_id, posting_id, event, occurred_on FROM raw.posting_events").pl()
        applied = events.filter(pl.col("event") == "apply").rename(
            {"member_id": "person_id", "occurred_on": "month"}
        )
        return applied.join(cells, on="posting_id").select("person_id", "month", "occupation_family", "city")
    applications = con.sql(
        "SELECT person_id, company_id, posting_id, applied_on AS month FROM truth.applications"
    ).pl()
    on_platform = applications.filter(pl.col("posting_id").is_not_null()).join(cells, on="posting_id")
    # An application made elsewhere is placed where the hire it led to (in its month or the next) works.
    hires = con.sql(
        "SELECT person_id, company_id, occupation_family, city, start_date FROM truth.positions "
        "WHERE start_reason IN ('first_job', 'job_change', 'reemployment')"
    ).pl()
    elsewhere = (
        applications.filter(pl.col("posting_id").is_null())
        .join(hires, on=["person_id", "company_id"])
        .filter(months_between(pl.col("month"), pl.col("start_date")).is_between(0, 1))
    )
    assert elsewhere.height == applications.filter(pl.col("posting_id").is_null()).height
    columns = ["person_id", "month", "occupation_family", "city"]
    return pl.concat([on_platform.select(columns), elsewhere.select(columns)])


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_vacancies_and_tightness_match_a_recount(con, source):
    postings = con.sql(
        "SELECT posting_id, occupation_family, city, opened_on, closed_on, hired_member_id FROM raw.postings"
    ).pl()
    applications = recount_applications(con, source, postings)
    metric = con.sql(
        "SELECT grain, period, occupation_family, city, active_openings, postings_opened, postings_filled, "
        f"median_months_to_fill, mean_months_to_fill, applications, active_applicants, tightness "
        f"FROM metrics.vacancies WHERE source = '{source}' AND city = 'all'"
    ).pl()

    def open_on(day: dt.date) -> pl.DataFrame:
        return postings.filter(
            (pl.col("opened_on") <= day) & (pl.col("closed_on").is_null() | (pl.col("closed_on") > day))
        )

    # June 2019 per family and in total.
    month = dt.date(2019, 6, 1)
    openings = open_on(month)
    applied = applications.filter(pl.col("month") == month)
    applicants = applied.group_by("occupation_family").agg(applicants=pl.col("person_id").n_unique(), apps=pl.len())
    expected = (
        openings.group_by("occupation_family").agg(openings=pl.len())
        .join(applicants, on="occupation_family", how="full", coalesce=True)
        .fill_null(0)
    )
    totals = pl.DataFrame({
        "occupation_family": ["all"], "openings": [openings.height],
        "applicants": [applied["person_id"].n_unique()], "apps": [applied.height],
    })
    expected = pl.concat([expected, totals], how="vertical_relaxed")
    got = metric.filter((pl.col("grain") == "month") & (pl.col("period") == month))
    # A family without openings or applicants has no row, or one of zeros (a posting opened that month).
    joined = expected.join(got, on="occupation_family", how="full", coalesce=True).with_columns(
        pl.col("openings", "applicants", "apps", "active_openings", "active_applicants", "applications").fill_null(0)
    )
    assert joined.height == got.height >= expected.height > 1
    assert (joined["openings"] == joined["active_openings"]).all()
    assert (joined["applicants"] == joined["active_applicants"]).all()
    assert (joined["apps"] == joined["applications"]).all()
    with_applicants = joined.filter(pl.col("applicants") > 0)
    assert np.allclose(with_applicants["tightness"], with_applicants["openings"] / with_applicants["applicants"])

    # The year 2019 in total: averages over its months, fills and fill times.
    year = metric.filter((pl.col("grain") == "year") & (pl.col("period") == dt.date(2019, 1, 1))
                         & (pl.col("occupation_family") == "all")).row(0, named=True)
    days = [dt.date(2019, m, 1) for m in range(1, 13)]
    average_openings = np.mean([open_on(day).height for day in days])
    in_year = applications.filter(pl.col("month").dt.year() == 2019)
    average_applicants = in_year.group_by("month").agg(pl.col("person_id").n_unique())["person_id"].sum() / 12
    assert year["active_openings"] == pytest.approx(average_openings, rel=1e-12)
    assert year["active_applicants"] == pytest.approx(average_applicants, rel=1e-12)
    assert year["tightness"] == pytest.approx(average_openings / average_applicants, rel=1e-12)
    assert year["postings_opened"] == postings.filter(pl.col("opened_on").dt.year() == 2019).height
    filled = postings.filter(pl.col("hired_member_id").is_not_null() & (pl.col("closed_on").dt.year() == 2019))
    fill_months = months_between(pl.col("opened_on"), pl.col("closed_on"))
    if source == "platform":
        assert year["postings_filled"] == filled.height
        assert year["median_months_to_fill"] == filled.select(fill_months.median()).item()
        assert year["mean_months_to_fill"] == pytest.approx(filled.select(fill_months.mean()).item(), rel=1e-12)
    else:  # the truth does not know which posting an off-platform hire filled
        assert year["postings_filled"] is None and year["median_months_to_fill"] is None


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_company_insights_match_a_recount(con, source):
    table, person = SOURCES[source]
    pos = con.sql(
        f"SELECT {person} AS person_id, company_id, seniority, start_date, end_date FROM {table}"
    ).pl().sort("person_id", "start_date")
    # Employer spells: a position at the company the previous one ended at, with no gap, continues it.
    pos = pos.with_columns(
        new_spell=(
            pl.col("company_id").shift(1).over("person_id").is_null()
            | (pl.col("company_id").shift(1).over("person_id") != pl.col("company_id"))
            | (pl.col("end_date").shift(1).over("person_id") != pl.col("start_date")).fill_null(False)
        )
    ).with_columns(spell=pl.col("new_spell").cum_sum().over("person_id"))
    spells = pos.group_by("person_id", "spell").agg(
        pl.col("company_id").first(),
        pl.col("start_date").min(),
        pl.when(pl.col("end_date").null_count() == 0).then(pl.col("end_date").max()).alias("end_date"),
    ).sort("person_id", "start_date")
    year = 2019
    start, end = dt.date(year - 1, 12, 1), dt.date(year, 12, 1)

    def employed_at(day: dt.date) -> pl.DataFrame:
        return spells.filter(holding_on(day))

    at_end = employed_at(end).with_columns(tenure=(months_between(pl.col("start_date"), pl.lit(end)) + 1) / 12)
    ending = at_end.group_by("company_id").agg(headcount_end=pl.len(), median_tenure_years=pl.col("tenure").median())
    hired = spells.filter(pl.col("start_date").dt.year() == year).group_by("company_id").agg(hires=pl.len())
    left = spells.filter(pl.col("end_date").dt.year() == year).group_by("company_id").agg(leavers=pl.len())
    counts = (
        employed_at(start).group_by("company_id").agg(headcount_start=pl.len())
        .join(ending, on="company_id", how="full", coalesce=True)
        .join(hired, on="company_id", how="full", coalesce=True)
        .join(left, on="company_id", how="full", coalesce=True)
        .with_columns(pl.col("headcount_start", "headcount_end", "hires", "leavers").fill_null(0))
    )
    # Job-to-job hires: the previous spell, at another company, ended under a quarter before.
    linked = spells.with_columns(
        previous_company=pl.col("company_id").shift(1).over("person_id"),
        previous_end=pl.col("end_date").shift(1).over("person_id"),
    )
    moves_in = linked.filter(
        (pl.col("start_date").dt.year() == year) & (pl.col("previous_company") != pl.col("company_id"))
        & (months_between(pl.col("previous_end"), pl.col("start_date")) < 3)
    )
    from_each = moves_in.group_by("company_id", "previous_company").len()
    top = from_each.sort("len", "previous_company", descending=[True, False]).group_by("company_id").first()
    j2j = moves_in.group_by("company_id").agg(hires_from_other_employers=pl.len())

    metric = con.sql(
        "SELECT company_id, headcount_start, headcount_end, hires, leavers, attrition, median_tenure_years, "
        "hires_from_other_employers, top_source_company_id, top_source_hires "
        f"FROM metrics.company_insights WHERE source = '{source}' AND year = {year}"
    ).pl()
    joined = metric.join(counts, on="company_id", how="full", coalesce=True, suffix="_recount")
    assert joined.height == metric.height == counts.height
    for column in ("headcount_start", "headcount_end", "hires", "leavers"):
        assert (joined[column] == joined[f"{column}_recount"]).all(), column
    tenure = joined.filter(pl.col("headcount_end") > 0)
    assert np.allclose(tenure["median_tenure_years"], tenure["median_tenure_years_recount"])
    average = (joined["headcount_start"] + joined["headcount_end"]) / 2
    has_staff = average > 0
    assert np.allclose(joined["attrition"].filter(has_staff), (joined["leavers"] / average).filter(has_staff))
    sources = metric.join(j2j, on="company_id", how="left", suffix="_recount").join(top, on="company_id", how="left")
    recounted = sources["hires_from_other_employers_recount"].fill_null(0)
    assert (sources["hires_from_other_employers"] == recounted).all()
    with_moves = sources.filter(pl.col("hires_from_other_employers") > 0)
    assert (with_moves["top_source_company_id"] == with_moves["previous_company"]).all()
    assert (with_moves["top_source_hires"] == with_moves["len"]).all()


def test_posting_insights_match_a_recount(con):
    events = con.sql("SELECT member_id, posting_id, event, occurred_on FROM raw.posting_events").pl()
    postings = con.sql("SELECT posting_id, opened_on, closed_on, hired_member_id FROM raw.postings").pl()
    members = con.sql("SELECT member_id, highest_education_level AS level FROM raw.members").pl()
    required = con.sql("SELECT posting_id, skill FROM raw.posting_skills").pl()
    profile = con.sql("SELECT member_id, skill, added_on FROM raw.member_skills").pl()

    applied = events.filter(pl.col("event") == "apply").select("member_id", "posting_id", applied_on="occurred_on")
    counts = events.group_by("posting_id").agg(
        views=pl.col("member_id").filter(pl.col("event") == "view").n_unique(),
        applicants=pl.col("member_id").filter(pl.col("event") == "apply").n_unique(),
    )
    education = applied.join(members, on="member_id").group_by("posting_id").agg(
        wo_share=(pl.col("level") == "WO").mean(), vo_share=(pl.col("level") == "VO").mean()
    )
    needed = required.group_by("posting_id").agg(required_skills=pl.len())
    held = (
        applied.join(required, on="posting_id")
        .join(profile, on=["member_id", "skill"], how="left")
        .group_by("posting_id", "member_id")
        .agg(held=(pl.col("added_on") <= pl.col("applied_on")).fill_null(False).sum())
        .join(needed, on="posting_id")
        .group_by("posting_id")
        .agg(
            with_all=(pl.col("held") == pl.col("required_skills")).sum(),
            half=(2 * pl.col("held") >= pl.col("required_skills")).mean(),
            coverage=(pl.col("held") / pl.col("required_skills")).mean(),
        )
    )
    hires = postings.filter(pl.col("hired_member_id").is_not_null()).join(
        applied, left_on=["posting_id", "hired_member_id"], right_on=["posting_id", "member_id"]
    ).select(
        "posting_id",
        to_fill=months_between(pl.col("opened_on"), pl.col("closed_on")),
        to_hire=months_between(pl.col("applied_on"), pl.col("closed_on")),
    )
    expected = (
        postings.select("posting_id")
        .join(counts, on="posting_id", how="left")
        .join(education, on="posting_id", how="left")
        .join(needed, on="posting_id", how="left")
        .join(held, on="posting_id", how="left")
        .join(hires, on="posting_id", how="left")
        .with_columns(pl.col("views", "applicants", "required_skills").fill_null(0))
    )
    metric = con.sql("SELECT * FROM metrics.posting_insights").pl()
    joined = metric.join(expected, on="posting_id", suffix="_recount")
    assert joined.height == metric.height == postings.height
    for column in ("views", "applicants", "required_skills"):
        assert (joined[column] == joined[f"{column}_recount"]).all(), column
    for metric_column, recount in (
        ("wo_share", "wo_share_recount"), ("vo_share", "vo_share_recount"), ("half_skills_share", "half"),
        ("skill_coverage", "coverage"),
    ):
        a, b = joined[metric_column].to_numpy().astype(float), joined[recount].to_numpy().astype(float)
        assert np.allclose(a, b, equal_nan=True), metric_column
    skilled = joined.filter(pl.col("applicants") > 0, pl.col("required_skills") > 0)
    assert (skilled["applicants_with_all_skills"] == skilled["with_all"]).all()
    assert np.allclose(skilled["all_skills_share"], skilled["with_all"] / skilled["applicants"])
    assert joined["months_to_fill"].null_count() == joined["to_fill"].null_count()
    filled = joined.filter(pl.col("to_fill").is_not_null())
    assert (filled["months_to_fill"] == filled["to_fill"]).all()
    assert (filled["months_to_hire"] == filled["to_hire"]).all()


def test_skills_based_hiring_matches_a_recount(con):
    hires = con.sql(
        "SELECT posting_id, company_id, hired_member_id AS member_id, closed_on AS hired_on FROM raw.postings "
        "WHERE hired_member_id IS NOT NULL"
    ).pl()
    # Posting skills on the profile before the hire month.
    held = (
        hires.join(con.sql("SELECT member_id, skill, added_on FROM raw.member_skills").pl(), on="member_id")
        .filter(pl.col("added_on") < pl.col("hired_on"))
        .join(con.sql("SELECT posting_id, skill FROM raw.posting_skills").pl(), on=["posting_id", "skill"])
        .group_by("posting_id")
        .len("skills_held")
    )
    # Pedigree: where the member came from (latest earlier position at another company) ...
    pos = con.sql(
        "SELECT position_id, member_id, company_id, start_date, end_date FROM raw.positions"
    ).pl().sort("member_id", "start_date", pl.col("end_date").fill_null(dt.date(9999, 1, 1)), "position_id")
    origin = (
        hires.join(pos.select("member_id", "position_id", pl.col("company_id").alias("came_from"), "start_date"),
                   on="member_id")
        .filter((pl.col("start_date") < pl.col("hired_on")) & (pl.col("came_from") != pl.col("company_id")))
        .sort("start_date", "position_id")
        .group_by("posting_id")
        .agg(pl.col("company_id").last(), pl.col("hired_on").last(), pl.col("came_from").last())
    )
    # ... and colleagues' spells (consecutive positions at one company, no gap) with theirs.
    previous = pos.select(pl.col("company_id", "end_date").shift(1).over("member_id").name.prefix("prev_"))
    spells = (
        pos.with_columns(previous)
        .with_columns(
            new=pl.col("prev_company_id").is_null()
            | (pl.col("prev_company_id") != pl.col("company_id"))
            | (pl.col("prev_end_date") != pl.col("start_date")).fill_null(False)
        )
        .with_columns(spell=pl.col("new").cast(pl.Int32).cum_sum().over("member_id"))
        .group_by("member_id", "spell")
        .agg(
            pl.col("company_id").first(),
            came_from=pl.col("prev_company_id").first(),
            spell_start=pl.col("start_date").first(),
            spell_end=pl.when(pl.col("end_date").null_count() == 0).then(pl.col("end_date").max()),
        )
        .filter(pl.col("came_from").is_not_null() & (pl.col("came_from") != pl.col("company_id")))
    )
    pedigree = (
        origin.join(spells, on=["company_id", "came_from"])
        .filter((pl.col("spell_start") < pl.col("hired_on"))
                & (pl.col("spell_end").is_null() | (pl.col("spell_end") > pl.col("hired_on"))))
        .select("posting_id").unique().with_columns(pedigree=pl.lit(True))
    )
    per_hire = (
        hires.join(held, on="posting_id", how="left")
        .join(pedigree, on="posting_id", how="left")
        .with_columns(pl.col("skills_held").fill_null(0), pl.col("pedigree").fill_null(False),
                      year=pl.col("hired_on").dt.year())
    )
    skills, ped = pl.col("skills_held"), pl.col("pedigree")
    categories = {
        ("hires", "skills_at_least_1"): skills >= 1,
        ("hires", "skills_at_least_2"): skills >= 2,
        ("hires", "skills_at_least_3"): skills >= 3,
        ("hires", "pedigree"): ped,
        ("hires_by_basis", "skills_only"): (skills >= 1) & ~ped,
        ("hires_by_basis", "pedigree_only"): (skills == 0) & ped,
        ("hires_by_basis", "skills_and_pedigree"): (skills >= 1) & ped,
        ("hires_by_basis", "neither"): (skills == 0) & ~ped,
    }
    expected = {
        (year, measure, category): (count, total)
        for (measure, category), condition in categories.items()
        for year, count, total in per_hire.group_by("year")
        .agg(condition.sum().alias("count"), pl.len().alias("total"))
        .iter_rows()
    }
    searches = con.sql("SELECT searched_on, skill_filters FROM raw.recruiter_searches").pl()
    for year, filtering, total in (
        searches.group_by(year=pl.col("searched_on").dt.year())
        .agg((pl.col("skill_filters").list.len() > 0).sum(), pl.len())
        .iter_rows()
    ):
        expected[(year, "recruiter_searches", "skill_filter")] = (filtering, total)
        expected[(year, "recruiter_searches", "no_skill_filter")] = (total - filtering, total)
    added = con.sql("SELECT year(added_on) AS year, source FROM raw.member_skills").pl()
    totals = dict(added.group_by("year").len().iter_rows())
    counts = dict(((y, s), n) for y, s, n in added.group_by("year", "source").len().iter_rows())
    for year, total in totals.items():
        for source in ("self", "endorsed", "assessment", "course"):
            expected[(year, "skills_added", source)] = (counts.get((year, source), 0), total)

    metric = {
        (year, measure, category): (count, total)
        for year, measure, category, count, total in con.execute(
            "SELECT year, measure, category, count, total FROM metrics.skills_based_hiring WHERE source = 'platform'"
        ).fetchall()
    }
    assert metric == expected
    assert sum(total for (_, m, c), (_, total) in metric.items() if c == "pedigree") == hires.height


def test_network_matches_a_recount(con):
    members = con.sql("SELECT member_id, joined_on FROM raw.members").pl()
    connections = con.sql("SELECT member_a, member_b, connected_on FROM raw.connections").pl()
    ends = pl.concat([
        connections.select(member_id="member_a", other_id="member_b", connected_on="connected_on"),
        connections.select(member_id="member_b", other_id="member_a", connected_on="connected_on"),
    ])
    network = con.sql("SELECT * FROM metrics.network").pl()
    metric = {row["year"]: row for row in network.filter(pl.col("source") == "platform").iter_rows(named=True)}
    # The truth shares the platform's network: the same degrees, only the hires differ.
    degrees = ["year", "members", "connections", "connections_formed", "mean_degree", "median_degree"]
    assert network.filter(pl.col("source") == "truth").select(degrees).equals(
        network.filter(pl.col("source") == "platform").select(degrees)
    )
    for year in (2016, 2025):
        year_end = dt.date(year + 1, 1, 1)
        joined = members.filter(pl.col("joined_on") < year_end)
        degree = joined.join(
            ends.filter(pl.col("connected_on") < year_end).group_by("member_id").len("degree"),
            on="member_id", how="left",
        )["degree"].fill_null(0).sort().to_numpy()
        row = metric[year]
        assert row["members"] == degree.size
        assert row["connections"] == connections.filter(pl.col("connected_on") < year_end).height
        assert row["connections_formed"] == connections.filter(pl.col("connected_on").dt.year() == year).height
        assert row["mean_degree"] == pytest.approx(degree.mean())
        assert row["median_degree"] == degree[int(np.ceil(0.5 * degree.size)) - 1]

    # Hires in 2020: first positions at a company; each paired with the next hire of its
    # month, city and family (cyclically), kept when neither company employed the other member before.
    pos = con.sql(
        "SELECT member_id, company_id, city, occupation_family, start_date, end_date FROM raw.positions"
    ).pl()
    firsts = pos.sort("start_date", pl.col("end_date").fill_null(dt.date(9999, 1, 1))).group_by(
        "member_id", "company_id"
    ).first()
    group = ["start_date", "city", "occupation_family"]
    hires = (
        firsts.filter(pl.col("start_date").dt.year() == 2020)
        .sort(*group, "member_id", "company_id")
        .with_columns(
            partner=pl.col("member_id").shift(-1).over(group).fill_null(pl.col("member_id").first().over(group)),
            partner_company=pl.col("company_id").shift(-1).over(group)
            .fill_null(pl.col("company_id").first().over(group)),
            group_hires=pl.len().over(group),
        )
    )
    own_former = firsts.select("member_id", partner_company="company_id", own_since="start_date")
    partner_former = firsts.select(partner="member_id", company_id="company_id", partner_since="start_date")
    matched = (
        hires.join(own_former, on=["member_id", "partner_company"], how="left")
        .join(partner_former, on=["partner", "company_id"], how="left")
        .filter(
            (pl.col("group_hires") > 1)
            & ~(pl.col("own_since") < pl.col("start_date")).fill_null(False)
            & ~(pl.col("partner_since") < pl.col("start_date")).fill_null(False)
        )
    )
    staff = pos.select(other_id="member_id", company="company_id", since="start_date", until="end_date")

    def with_insider(checks: pl.DataFrame, company: str) -> set:
        found = (
            checks.select("member_id", "start_date", company=company)
            .join(ends, on="member_id")
            .filter(pl.col("connected_on") < pl.col("start_date"))
            .join(staff, on=["other_id", "company"])
            .filter(
                (pl.col("since") < pl.col("start_date"))
                & (pl.col("until").is_null() | (pl.col("until") > pl.col("start_date")))
            )
        )
        return set(found.select("member_id", "start_date").iter_rows())

    row = metric[2020]
    assert (row["hires"], row["matched_hires"]) == (hires.height, matched.height)
    insiders_at_own = with_insider(hires, "company_id")
    assert row["connected_hires"] == len(insiders_at_own)
    matched_keys = set(matched.select("member_id", "start_date").iter_rows())
    assert row["matched_connected_share"] == pytest.approx(len(insiders_at_own & matched_keys) / matched.height)
    assert row["placebo_connected_share"] == pytest.approx(
        len(with_insider(matched, "partner_company")) / matched.height
    )


def test_skills_added_match_a_recount(con):
    """Skills added per year, member-years (members on the first of each month, each month a
    twelfth of a year; members who joined before the window count from its first month) and
    both growths."""
    months = calendar(con)["month"]
    joined = con.sql("SELECT joined_on FROM raw.members").pl()["joined_on"]
    members = held_on(months.to_numpy(), joined, pl.Series([], dtype=pl.Date))
    member_years = pl.DataFrame({"year": months.dt.year(), "members": members}).group_by("year").agg(
        member_years=pl.col("members").sum() / 12
    )
    added = con.sql("SELECT added_on FROM raw.member_skills").pl()
    added = added.group_by(year=pl.col("added_on").dt.year()).agg(added=pl.len())
    expected = member_years.join(added, on="year", how="left").with_columns(pl.col("added").fill_null(0))
    expected = expected.with_columns(per_member=pl.col("added") / pl.col("member_years"))
    earlier = expected.select(year=pl.col("year") + 1, added_before="added", per_member_before="per_member")
    expected = expected.join(earlier, on="year", how="left").with_columns(
        growth=pl.col("added") / pl.col("added_before") - 1,
        per_member_growth=pl.col("per_member") / pl.col("per_member_before") - 1,
    )
    metric = con.sql(
        "SELECT year, skills_added, yoy_growth, member_years, skills_per_member, per_member_yoy_growth "
        "FROM metrics.skills_added"
    ).pl().with_columns(pl.col("year").cast(pl.Int32))
    expected = expected.with_columns(pl.col("year").cast(pl.Int32))
    joined = metric.join(expected, on="year", how="full", coalesce=True)
    assert joined.height == metric.height == expected.height == months.dt.year().n_unique()
    for column, recount in (("skills_added", "added"), ("member_years", "member_years_right"),
                            ("skills_per_member", "per_member"), ("yoy_growth", "growth"),
                            ("per_member_yoy_growth", "per_member_growth")):
        assert_same(joined[column], joined[recount], column)


AGE_BANDS = [(15, 24), (25, 34), (35, 44), (45, 54), (55, 64), (65, 74)]


def labour_force_by_age(con, months: pl.Series) -> pl.DataFrame:
    """Per month and CBS age band (age reached in the calendar year, 15-74), from the truth:
    people of those ages, those in the labour force (from entry until retirement, less those
    inactive after a quit or an early exit, plus pupils and students holding a side job) and
    those holding a position or a side job. One sorted-array count per birth year."""
    people = con.sql("SELECT person_id, birth_year, labour_market_entry, retirement FROM truth.people").pl()
    held = con.sql(TRUTH_JOBS_HELD).pl().join(people.select("person_id", "birth_year"), on="person_id")
    side_jobs = con.sql("SELECT person_id, start_date, end_date FROM truth.student_jobs").pl().join(
        people.select("person_id", "birth_year"), on="person_id"
    )
    inactive = inactive_spells(con)
    days = months.to_numpy()
    per_birth_year = []
    for (birth_year,), cohort in people.group_by("birth_year"):
        jobs = held.filter(pl.col("birth_year") == birth_year)
        out = inactive.filter(pl.col("birth_year") == birth_year)
        students = side_jobs.filter(pl.col("birth_year") == birth_year)
        per_birth_year.append(pl.DataFrame({
            "month": months, "birth_year": birth_year, "population": cohort.height,
            "labour_force": labour_force_on(days, cohort, out, students),
            "employed": held_on(days, jobs["start_date"], jobs["end_date"]),
        }))
    age = pl.col("month").dt.year() - pl.col("birth_year")
    band = pl.lit(None, dtype=pl.String)
    for low, high in reversed(AGE_BANDS):
        band = pl.when(age.is_between(low, high)).then(pl.lit(f"{low}-{high}")).otherwise(band)
    stocks = pl.concat(per_birth_year, how="vertical_relaxed")
    return stocks.with_columns(age_band=band).drop_nulls("age_band")


def test_labour_force_matches_a_recount(con):
    """Every month and year, per age band and in total (all education levels): population,
    labour force, employed, and the unemployment and participation rates."""
    months = calendar(con)["month"]
    stocks = ["population", "labour_force", "employed"]
    by_age = labour_force_by_age(con, months)
    monthly = pl.concat([
        by_age.group_by("month", "age_band").agg(pl.col(stocks).sum()),
        by_age.group_by("month").agg(pl.col(stocks).sum()).with_columns(age_band=pl.lit("all")),
    ], how="diagonal")
    yearly = monthly.group_by(pl.col("month").dt.year().alias("year"), "age_band").agg(
        pl.col("month").min(), pl.col(stocks).mean()
    )
    expected = pl.concat([
        monthly.with_columns(grain=pl.lit("month")).select("grain", "month", "age_band", *stocks),
        yearly.with_columns(grain=pl.lit("year")).select("grain", "month", "age_band", *stocks),
    ], how="vertical_relaxed").with_columns(
        unemployment=100 * (pl.col("labour_force") - pl.col("employed")) / pl.col("labour_force"),
        participation=100 * pl.col("labour_force") / pl.col("population"),
    )
    metric = con.sql(
        "SELECT grain, period AS month, age_band, population, labour_force, employed, unemployment_rate, "
        "participation_rate FROM metrics.labour_force WHERE education_level = 'all'"
    ).pl()
    joined = metric.join(expected, on=["grain", "month", "age_band"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("population", "population_right"), ("labour_force", "labour_force_right"),
                            ("employed", "employed_right"), ("unemployment_rate", "unemployment"),
                            ("participation_rate", "participation")):
        assert_same(joined[column], joined[recount].cast(pl.Float64), column)


def test_beveridge_curve_matches_a_recount(con):
    """Per quarter: the average open postings and unemployed (labour force minus employed,
    from the truth) of its months, and the three ratios."""
    months = calendar(con)["month"]
    postings = con.sql("SELECT opened_on, closed_on FROM raw.postings").pl()
    people = con.sql("SELECT labour_market_entry, retirement FROM truth.people").pl()
    # Pupils and students with a side job are employed, and so in the labour force.
    held = con.sql(TRUTH_JOBS_HELD).pl()
    side_jobs = con.sql("SELECT start_date, end_date FROM truth.student_jobs").pl()
    inactive = inactive_spells(con)
    days = months.to_numpy()
    employed = held_on(days, held["start_date"], held["end_date"])
    labour_force = labour_force_on(days, people, inactive, side_jobs)
    monthly = pl.DataFrame({
        "month": months,
        "vacancies": held_on(days, postings["opened_on"], postings["closed_on"]),
        "employed": employed,
        "unemployed": labour_force - employed,
    })
    expected = monthly.group_by(period=pl.col("month").dt.truncate("1q")).agg(
        pl.col("vacancies", "employed", "unemployed").mean()
    ).with_columns(
        per_100=100 * pl.col("vacancies") / pl.col("unemployed"),
        vacancy_rate=100 * pl.col("vacancies") / (pl.col("vacancies") + pl.col("employed")),
        unemployment_rate=100 * pl.col("unemployed") / (pl.col("unemployed") + pl.col("employed")),
    )
    metric = con.sql(
        "SELECT period, vacancies, unemployed, vacancies_per_100_unemployed, vacancy_rate, unemployment_rate "
        "FROM metrics.beveridge_curve"
    ).pl()
    joined = metric.join(expected, on="period", how="full", coalesce=True)
    assert joined.height == metric.height == expected.height == months.len() // 3
    for column, recount in (("vacancies", "vacancies_right"), ("unemployed", "unemployed_right"),
                            ("vacancies_per_100_unemployed", "per_100"),
                            ("vacancy_rate", "vacancy_rate_right"),
                            ("unemployment_rate", "unemployment_rate_right")):
        assert_same(joined[column], joined[recount], column)


def test_coverage_matches_a_recount(con):
    """Each 1 January: the employed workforce (truth), who of it is a member by then and who
    ever becomes one, in total and per education level, occupation family and city."""
    januaries = calendar(con).filter(pl.col("month").dt.month() == 1)["month"]
    people = con.sql(
        "SELECT person_id, member_id, highest_education_level AS education_level FROM truth.people"
    ).pl()
    joined_on = con.sql("SELECT member_id, joined_on FROM raw.members").pl()
    held = positions(con, "truth").join(people, on="person_id").join(joined_on, on="member_id", how="left")
    workforce = pl.concat([
        held.filter(holding_on(day))
        .with_columns(year=pl.lit(day.year), member=(pl.col("joined_on") <= day).fill_null(False))
        for day in januaries
    ])
    segments = pl.concat([
        workforce.select("year", "member", "member_id", dimension=pl.lit(dimension),
                         segment=pl.lit("all") if dimension == "all" else pl.col(dimension))
        for dimension in ("all", "education_level", "occupation_family", "city")
    ])
    expected = segments.group_by("year", "dimension", "segment").agg(
        workforce=pl.len(), members=pl.col("member").sum(), eventual=pl.col("member_id").is_not_null().sum()
    ).with_columns(
        coverage=pl.col("members") / pl.col("workforce"),
        member_share=pl.col("members") / pl.col("members").sum().over("year", "dimension"),
        workforce_share=pl.col("workforce") / pl.col("workforce").sum().over("year", "dimension"),
    )
    metric = con.sql(
        "SELECT year, dimension, segment, workforce, members, eventual_members, coverage, workforce_share, "
        "member_share FROM metrics.coverage"
    ).pl().with_columns(pl.col("year").cast(pl.Int32))
    joined = metric.join(expected.with_columns(pl.col("year").cast(pl.Int32)),
                         on=["year", "dimension", "segment"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("workforce", "workforce_right"), ("members", "members_right"),
                            ("eventual_members", "eventual"), ("coverage", "coverage_right"),
                            ("workforce_share", "workforce_share_right"),
                            ("member_share", "member_share_right")):
        assert_same(joined[column], joined[recount], column)


def test_stale_profiles_match_a_recount(con):
    """Per year and age band: members with a current position on the profile on 1 January,
    split by what the truth says of them that day, and members employed in truth; of those
    shown, the members whose profile is not dormant and how many of them do not work. The
    recount takes each 1 January's current positions by interval filter, per year."""
    raw = positions(con, "platform").select("person_id", "start_date", "end_date")
    true = positions(con, "truth").select("person_id", "start_date", "end_date")
    members = con.sql(
        "SELECT person_id, member_id, birth_year, retirement FROM truth.people WHERE member_id IS NOT NULL"
    ).pl()

    def current(held: pl.DataFrame, day: dt.date) -> pl.Series:
        return held.filter(holding_on(day))["person_id"].unique()

    years = calendar(con)["month"].dt.year().unique().sort()
    rows = []
    for year in years:
        day = dt.date(year, 1, 1)
        rows.append(members.with_columns(
            year=pl.lit(year),
            shown=pl.col("member_id").is_in(current(raw, day).implode()),
            employed=pl.col("person_id").is_in(current(true, day).implode()),
            retired=pl.col("retirement") <= day,
        ))
    states = pl.concat(rows).filter(pl.col("shown") | pl.col("employed")).join(
        dormant_profiles(con).rename({"person_id": "member_id"}).with_columns(dormant=pl.lit(True)),
        on=["year", "member_id"], how="left").with_columns(current=pl.col("dormant").is_null())
    age = pl.col("year") - pl.col("birth_year")
    band = pl.when(age >= 75).then(pl.lit("75+")).otherwise(pl.lit(None, dtype=pl.String))
    for low, high in reversed(AGE_BANDS):
        band = pl.when(age.is_between(low, high)).then(pl.lit(f"{low}-{high}")).otherwise(band)
    counts = [
        (pl.col("shown")).sum().alias("shown_employed"),
        (pl.col("shown") & pl.col("employed")).sum().alias("employed"),
        (pl.col("shown") & ~pl.col("employed") & ~pl.col("retired")).sum().alias("without_work"),
        (pl.col("shown") & ~pl.col("employed") & pl.col("retired")).sum().alias("retired"),
        pl.col("employed").sum().alias("members_employed"),
        (pl.col("shown") & pl.col("current")).sum().alias("shown_current"),
        (pl.col("shown") & pl.col("current") & ~pl.col("employed")).sum().alias("stale_current"),
    ]
    states = states.with_columns(age_band=band)
    expected = pl.concat([
        states.group_by("year", "age_band").agg(counts),
        states.group_by("year").agg(counts).with_columns(age_band=pl.lit("all")),
    ], how="diagonal").with_columns(
        stale_share=(pl.col("without_work") + pl.col("retired")) / pl.col("shown_employed"),
        overstatement=pl.col("shown_employed") / pl.col("members_employed") - 1,
        current_stale_share=pl.col("stale_current") / pl.col("shown_current"),
    )
    metric = con.sql(
        "SELECT year, age_band, shown_employed, employed, without_work, retired, members_employed, stale_share, "
        "overstatement, shown_current, current_stale_share FROM metrics.stale_profiles"
    ).pl()
    joined = metric.join(expected.with_columns(pl.col("year").cast(pl.Int32)), on=["year", "age_band"],
                         how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column in ("shown_employed", "employed", "without_work", "retired", "members_employed", "shown_current"):
        assert_same(joined[column], joined[f"{column}_right"].cast(pl.Int64), column)
    for column in ("stale_share", "overstatement", "current_stale_share"):
        recount = joined[f"{column}_right"].fill_nan(None)  # 0/0 and x/0 are NULL in the metric
        assert_same(joined[column], recount.replace([float("inf")], [None]), column)


def test_skill_penetration_matches_a_recount(con):
    """Per occupation (a member's latest reported one; a posting's own) and skill group: the
    members and postings of the occupation, and those holding or requiring a skill of the group."""
    groups = con.sql("SELECT skill, skill_group FROM raw.skills").pl()
    latest = (
        con.sql("SELECT member_id, occupation, start_date FROM raw.positions").pl()
        .sort("start_date").group_by("member_id").agg(pl.col("occupation").last())
    )
    held = (
        con.sql("SELECT member_id, skill FROM raw.member_skills").pl().join(groups, on="skill")
        .select("member_id", "skill_group").unique().join(latest, on="member_id")
        .group_by("occupation", "skill_group").len("members_with_group")
    )
    postings = con.sql("SELECT posting_id, occupation FROM raw.postings").pl()
    required = (
        con.sql("SELECT posting_id, skill FROM raw.posting_skills").pl().join(groups, on="skill")
        .select("posting_id", "skill_group").unique().join(postings, on="posting_id")
        .group_by("occupation", "skill_group").len("postings_with_group")
    )
    expected = (
        held.join(required, on=["occupation", "skill_group"], how="full", coalesce=True)
        .join(latest.group_by("occupation").len("members"), on="occupation", how="left")
        .join(postings.group_by("occupation").len("postings"), on="occupation", how="left")
        .with_columns(pl.col("members_with_group", "postings_with_group", "members", "postings").fill_null(0))
        .with_columns(
            member_penetration=pl.when(pl.col("members") > 0).then(pl.col("members_with_group") / pl.col("members")),
            posting_penetration=pl.when(pl.col("postings") > 0)
            .then(pl.col("postings_with_group") / pl.col("postings")),
        )
    )
    metric = con.sql("SELECT * FROM metrics.skill_penetration").pl()
    joined = metric.join(expected, on=["occupation", "skill_group"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column in ("members", "members_with_group", "postings", "postings_with_group"):
        assert_same(joined[column], joined[f"{column}_right"].cast(pl.Int64), column)
    for column in ("member_penetration", "posting_penetration"):
        assert_same(joined[column], joined[f"{column}_right"], column)


def test_reporting_lag_matches_a_recount(con):
    """Job changes of members after they joined, started 36 to 59 months before the last month:
    how many months after the start the change reached the profile (the later of the new
    position's report and the previous one's), per lag from 0 to 36, with shares and the
    running completion."""
    moves = employer_moves(con, "platform").with_columns(
        prev_reported=pl.col("reported_on").shift(1).over("person_id")
    )
    joined_on = con.sql("SELECT member_id AS person_id, joined_on FROM raw.members").pl()
    last = calendar(con)["month"].max()

    def months_before(n: int) -> dt.date:
        year, month = divmod(last.year * 12 + last.month - 1 - n, 12)
        return dt.date(year, month + 1, 1)

    first_ref, last_ref = months_before(59), months_before(36)
    changes = (
        moves.filter(pl.col("job_change")).join(joined_on, on="person_id")
        .filter((pl.col("start_date") >= pl.col("joined_on")) & pl.col("start_date").is_between(first_ref, last_ref))
        .with_columns(lag=months_between(pl.col("start_date"), pl.max_horizontal("reported_on", "prev_reported")))
    )
    lags = changes["lag"].to_numpy()
    counts = np.array([(lags == k).sum() for k in range(37)])
    metric = con.sql(
        "SELECT lag_months, job_changes, share, completion, reference_first_month, reference_last_month "
        "FROM metrics.reporting_lag ORDER BY lag_months"
    ).pl()
    assert metric["lag_months"].to_list() == list(range(37))
    assert metric["reference_first_month"].unique().to_list() == [first_ref]
    assert metric["reference_last_month"].unique().to_list() == [last_ref]
    assert (metric["job_changes"].to_numpy() == counts).all()
    assert np.allclose(metric["share"].to_numpy(), counts / counts.sum(), rtol=EXACT, atol=0)
    assert np.allclose(metric["completion"].to_numpy(), np.cumsum(counts) / counts.sum(), rtol=EXACT, atol=0)


def test_institution_comparison_matches_a_recount(con):
    """Every pair of institutions of a level (per source and horizon), from the management
    shares of education_outcomes: the difference and its 95% Wald interval, significant when
    the interval leaves out zero."""
    shares = con.sql(
        "SELECT source, horizon_years, level, institution, graduates, management_share AS share "
        "FROM metrics.education_outcomes WHERE field = 'all' AND institution <> 'all' AND level <> 'all'"
    ).pl()
    group = ["source", "horizon_years", "level"]
    pairs = shares.join(shares, on=group, suffix="_b").filter(pl.col("institution") < pl.col("institution_b"))
    a, b = pairs["share"].to_numpy(), pairs["share_b"].to_numpy()
    margin = 1.96 * np.sqrt(a * (1 - a) / pairs["graduates"].to_numpy() + b * (1 - b) / pairs["graduates_b"].to_numpy())
    expected = pairs.select(*group, institution_a="institution", institution_b="institution_b").with_columns(
        difference=pl.Series(a - b), ci_low=pl.Series(a - b - margin), ci_high=pl.Series(a - b + margin),
        significant=pl.Series((a - b - margin > 0) | (a - b + margin < 0)),
    )
    metric = con.sql("SELECT * FROM metrics.institution_comparison").pl()
    joined = metric.join(expected, on=[*group, "institution_a", "institution_b"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column in ("difference", "ci_low", "ci_high"):
        assert_same(joined[column], joined[f"{column}_right"], column)
    assert (joined["significant"] == joined["significant_right"]).all()


def test_population_margins_match_a_recount(con):
    """The official counts the weights are raked to: people holding a position on 1 January
    (truth) per education level, occupation family and city, and graduates per year and level
    from the window's first month."""
    employed = january_frame(con, "truth")
    parts = [
        employed.group_by("year", segment=pl.col(d)).len("people").with_columns(
            population=pl.lit("employed"), dimension=pl.lit(d))
        for d in ("education_level", "occupation_family", "city")
    ]
    graduates = con.sql(
        "SELECT graduation_date, level FROM truth.educations WHERE graduation_date >= (SELECT min(month) FROM raw.calendar)"
    ).pl()
    parts.append(graduates.group_by(year=pl.col("graduation_date").dt.year(), segment=pl.col("level")).len("people")
                 .with_columns(population=pl.lit("graduates"), dimension=pl.lit("education_level")))
    key = ["population", "year", "dimension", "segment"]
    expected = pl.concat([p.select(*key, "people").with_columns(pl.col("year").cast(pl.Int64)) for p in parts])
    metric = con.sql("SELECT population, year, dimension, segment, people FROM metrics.population_margins").pl()
    joined = metric.join(expected, on=key, how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    assert_same(joined["people"], joined["people_right"].cast(pl.Int64), "people")


RAKED = ["education_level", "occupation_family", "city"]


def dormant_profiles(con) -> pl.DataFrame:
    """(year, person_id) of the members whose profile is dormant on 1 January: joined before the
    day, no own action (a posting view or application, a skill added, a position or salary
    reported, joining) in the year before it, and graduated in the 40th calendar year before it
    or earlier. Recounted per day from each member's last action before it (an as-of join) and
    date offsets, not by calendar year."""
    actions = con.sql(
        "SELECT member_id AS person_id, joined_on AS acted_on FROM raw.members "
        "UNION ALL SELECT member_id, occurred_on FROM raw.posting_events "
        "UNION ALL SELECT member_id, added_on FROM raw.member_skills "
        "UNION ALL SELECT member_id, reported_on FROM raw.positions "
        "UNION ALL SELECT member_id, reported_on FROM raw.salary_reports"
    ).pl().sort("acted_on")
    graduations = con.sql("SELECT member_id AS person_id, graduation_date FROM raw.educations").pl().group_by(
        "person_id").agg(pl.col("graduation_date").max())  # the end of the member's education
    members = con.sql("SELECT member_id AS person_id, joined_on FROM raw.members").pl().join(
        graduations, on="person_id")
    years = calendar(con)["month"].dt.year().unique().sort().to_list()
    days = pl.concat([members.with_columns(year=pl.lit(y, dtype=pl.Int64), day=pl.lit(dt.date(y, 1, 1)))
                      for y in years])
    # strategy backward takes the last action on or before the day looked up: the day before.
    last = days.with_columns(before=pl.col("day") - pl.duration(days=1)).sort("before").join_asof(
        actions, left_on="before", right_on="acted_on", by="person_id", strategy="backward", check_sortedness=False)
    quiet = pl.col("acted_on").is_null() | (pl.col("acted_on") < pl.col("day").dt.offset_by("-1y"))
    late = pl.col("graduation_date") < pl.col("day").dt.offset_by("-39y")
    return last.filter((pl.col("joined_on") < pl.col("day")) & quiet & late).select("year", "person_id")


def january_frame(con, source: str) -> pl.DataFrame:
    """Who holds a position on each 1 January (start <= day < end), with the cell they are
    weighted in: education level (the person's), occupation family and city (the position's)."""
    table, person = {"platform": ("raw.members", "member_id"), "truth": ("truth.people", "person_id")}[source]
    people = con.sql(f"SELECT {person} AS person_id, highest_education_level AS education_level FROM {table}").pl()
    pos = positions(con, source).join(people, on="person_id")
    years = calendar(con)["month"].dt.year().unique().sort().to_list()
    return pl.concat([
        pos.filter(holding_on(dt.date(y, 1, 1))).select("person_id", *RAKED).with_columns(year=pl.lit(y, dtype=pl.Int64))
        for y in years
    ])


def test_raking_weights_match_a_recount(con):
    """Iterative proportional fitting in numpy, year by year, on the members shown as employed
    but for dormant profiles: cell weights scaled in turn to the
    employed per education level, occupation family and city (metrics.population_margins,
    recounted above), 25 cycles from the ratio of all employed to members; a segment without
    members drops out and the others' targets are scaled to the whole total."""
    members = january_frame(con, "platform").join(dormant_profiles(con), on=["year", "person_id"], how="anti")
    cells = members.group_by("year", *RAKED).len("members").sort("year", *RAKED)
    margins = con.sql(
        "SELECT year, dimension, segment, people FROM metrics.population_margins WHERE population = 'employed'"
    ).pl()
    weights = []
    for (year,), frame in cells.group_by("year", maintain_order=True):
        members = frame["members"].to_numpy().astype(float)
        codes, targets = [], []
        for dimension in RAKED:
            segment = frame[dimension]
            present = segment.unique().sort()
            official = dict(margins.filter((pl.col("year") == year) & (pl.col("dimension") == dimension))
                            .select("segment", "people").iter_rows())
            people = np.array([official.get(s, 0) for s in present], dtype=float)
            targets.append(people * sum(official.values()) / people.sum())
            codes.append(np.searchsorted(present.to_numpy(), segment.to_numpy()))
        employed = sum(dict(margins.filter((pl.col("year") == year) & (pl.col("dimension") == "city"))
                            .select("segment", "people").iter_rows()).values())
        weight = np.full(members.size, employed / members.sum())
        for step in range(75):
            d = step % 3
            totals = np.bincount(codes[d], weights=np.nan_to_num(members * weight), minlength=targets[d].size)
            with np.errstate(divide="ignore", invalid="ignore"):
                weight = weight * np.where(totals[codes[d]] == 0, np.nan, targets[d][codes[d]] / totals[codes[d]])
        weights.append(np.nan_to_num(weight, nan=0.0))
    expected = cells.with_columns(weight=pl.Series(np.concatenate(weights)))
    metric = con.sql("SELECT year, education_level, occupation_family, city, members, weight FROM metrics.raking_weights").pl()
    joined = metric.join(expected.with_columns(pl.col("year").cast(metric["year"].dtype)), on=["year", *RAKED],
                         how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    assert_same(joined["members"], joined["members_right"].cast(pl.Int64), "members")
    assert_same(joined["weight"], joined["weight_right"], "weight")


def test_corrected_estimates_match_a_recount(con):
    """Truth, platform and raked platform side by side, each recounted from its inputs:
    job changes per person employed on 1 January; the occupation and education mix of each
    city and the education mix of each family; net migration per city from the location
    panel; and the share of graduates with a job within six months, post-stratified by level
    to the official graduate counts. The corrected kind leaves out the members whose profile is
    dormant on the day and weights the others with metrics.raking_weights (recounted above)."""
    weights = con.sql("SELECT year, education_level, occupation_family, city, weight FROM metrics.raking_weights").pl()
    frames = {}
    for source in ("truth", "platform"):
        changes = (employer_moves(con, source).filter("job_change")
                   .group_by("person_id", year=pl.col("start_date").dt.year().cast(pl.Int64)).len("job_changes"))
        frames[source] = january_frame(con, source).join(changes, on=["person_id", "year"], how="left").with_columns(
            pl.col("job_changes").fill_null(0), weight=pl.lit(1.0))
    frames["corrected"] = frames["platform"].drop("weight").join(
        dormant_profiles(con), on=["year", "person_id"], how="anti").join(
        weights.with_columns(pl.col("year").cast(pl.Int64)), on=["year", *RAKED])
    rows = []
    for kind, frame in frames.items():
        w = pl.col("weight")
        rows.append(frame.group_by("year").agg(
            value=(w * pl.col("job_changes")).sum() / w.sum(), base=pl.len()
        ).with_columns(metric=pl.lit("job_changes_per_employed"), kind=pl.lit(kind), dimension=pl.lit("all"),
                       segment=pl.lit("all")))
    # composition: the category's weighted share of its group, for every category any kind found there
    mixes = [("occupation_family_share", "city", "occupation_family"),
             ("education_level_share", "city", "education_level"),
             ("education_level_share", "occupation_family", "education_level")]
    for metric, group, category in mixes:
        parts = pl.concat([
            f.group_by("year", group, category).agg(weighted=pl.col("weight").sum(), people=pl.len())
            .with_columns(kind=pl.lit(kind)) for kind, f in frames.items()
        ])
        totals = parts.group_by("kind", "year", group).agg(total=pl.col("weighted").sum(), base=pl.col("people").sum())
        grid = parts.select("year", group, category).unique()
        shares = (totals.join(grid, on=["year", group])
                  .join(parts.select("kind", "year", group, category, "weighted"), on=["kind", "year", group, category],
                        how="left")
                  .with_columns(value=pl.col("weighted").fill_null(0) / pl.col("total")))
        rows.append(shares.select(
            "kind", "year", "value", "base", metric=pl.lit(metric), dimension=pl.lit(f"{group}|{category}"),
            segment=pl.col(group) + "|" + pl.col(category)))
    # net migration per origin city, each mover weighted by the cell of the 1 January position
    panel = con.sql("SELECT source, year, person_id, origin_city, destination_city FROM metrics.location_panel").pl()
    for kind, frame in frames.items():
        source = "truth" if kind == "truth" else "platform"
        moves = panel.filter(pl.col("source") == source).join(
            frame.select("person_id", "year", "weight", city="city"), on=["person_id", "year"])
        moved = pl.col("origin_city") != pl.col("destination_city")
        out = moves.group_by("year", city="origin_city").agg(
            departed=pl.when(moved).then(pl.col("weight")).otherwise(0.0).sum(),
            at_start=pl.col("weight").sum(), base=pl.len())
        into = moves.filter(moved).group_by("year", city="destination_city").agg(arrived=pl.col("weight").sum())
        flows = out.join(into, on=["year", "city"], how="full", coalesce=True).with_columns(
            pl.col("departed", "at_start", "arrived").fill_null(0.0), pl.col("base").fill_null(0))
        rows.append(flows.select(
            "year", "base", kind=pl.lit(kind), metric=pl.lit("net_talent_migration_per_10k"), dimension=pl.lit("city"),
            segment="city",
            value=pl.when(pl.col("at_start") != 0)
            .then(10_000 * (pl.col("arrived") - pl.col("departed")) / pl.col("at_start"))))
    # first jobs: the six-month share per level, and the platform's post-stratified to the graduates
    first = con.sql(
        "SELECT source, graduation_year AS year, level, employed_6m_share AS value, graduates AS base "
        "FROM metrics.time_to_first_job WHERE field = 'all' AND institution = 'all'"
    ).pl().with_columns(pl.col("year").cast(pl.Int64))
    for kind in ("truth", "platform"):
        rows.append(first.filter((pl.col("source") == kind) & (pl.col("level") == "all")).select(
            "year", "value", "base", kind=pl.lit(kind), metric=pl.lit("employed_6m_share"), dimension=pl.lit("all"),
            segment=pl.lit("all")))
    graduates = con.sql(
        "SELECT year, segment AS level, people FROM metrics.population_margins "
        "WHERE population = 'graduates' AND dimension = 'education_level'"
    ).pl().with_columns(pl.col("year").cast(pl.Int64))
    levels = graduates.join(first.filter(pl.col("source") == "platform"), on=["year", "level"], how="left")
    rows.append(levels.group_by("year").agg(
        value=pl.when(pl.col("value").null_count() == 0)
        .then((pl.col("people") * pl.col("value")).sum() / pl.col("people").sum()),
        base=pl.col("base").sum(),
    ).select("year", "value", "base", kind=pl.lit("corrected"), metric=pl.lit("employed_6m_share"),
             dimension=pl.lit("all"), segment=pl.lit("all")))

    columns = ["metric", "kind", "year", "dimension", "segment", "value", "base"]
    estimates = pl.concat([r.select(columns).with_columns(pl.col("year").cast(pl.Int64), pl.col("base").cast(pl.Int64),
                                                        pl.col("value").cast(pl.Float64)) for r in rows])
    key = ["metric", "year", "dimension", "segment"]
    side = estimates.pivot(on="kind", index=key, values=["value", "base"])
    expected = side.filter(pl.col("value_truth").is_not_null())
    metric = con.sql(
        "SELECT metric, year, dimension, segment, truth, platform, corrected, platform_base, truth_base "
        "FROM metrics.corrected_estimates"
    ).pl()
    joined = metric.join(expected.with_columns(pl.col("year").cast(metric["year"].dtype)), on=key, how="full",
                         coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("truth", "value_truth"), ("platform", "value_platform"), ("corrected", "value_corrected")):
        assert_same(joined[column], joined[recount], column)
    assert_same(joined["platform_base"], joined["base_platform"].fill_null(0), "platform_base")
    assert_same(joined["truth_base"], joined["base_truth"].fill_null(0), "truth_base")


def test_nowcast_matches_a_recount(con):
    """Every month: the platform's job changes (those filled in at sign-up apart), each month's
    reported ones divided by the completion reporting_lag (recounted above) gives for its
    distance from the cut-off, and the rates over the platform's employed (job_change_rate,
    recounted above)."""
    moves = employer_moves(con, "platform").filter("job_change").join(
        con.sql("SELECT member_id AS person_id, joined_on FROM raw.members").pl(), on="person_id")
    per_month = moves.group_by(month="start_date").agg(
        reported=pl.len(), signup=(pl.col("start_date") < pl.col("joined_on")).sum())
    months = calendar(con)
    last = months["month"].max()
    completion = con.sql("SELECT completion FROM metrics.reporting_lag ORDER BY lag_months").pl()["completion"].to_numpy()
    expected = months.join(per_month, on="month", how="left").with_columns(pl.col("reported", "signup").fill_null(0))
    before_cutoff = (last.year - expected["month"].dt.year()) * 12 + last.month - expected["month"].dt.month()
    factor = completion[np.minimum(before_cutoff.to_numpy(), completion.size - 1)]
    reported, signup = expected["reported"].to_numpy(), expected["signup"].to_numpy()
    nowcast = signup + (reported - signup) / factor
    rates = con.sql(
        "SELECT period AS month, source, avg_employed, rate FROM metrics.job_change_rate WHERE grain = 'month'"
    ).pl()
    employed = expected.join(rates.filter(pl.col("source") == "platform"), on="month", how="left")["avg_employed"]
    truth = expected.join(rates.filter(pl.col("source") == "truth"), on="month", how="left")["rate"]
    metric = con.sql("SELECT * FROM metrics.nowcast ORDER BY month").pl()
    assert metric["month"].to_list() == expected["month"].to_list()
    assert (metric["months_before_cutoff"].to_numpy() == before_cutoff.to_numpy()).all()
    assert (metric["reported_job_changes"].to_numpy() == reported).all()
    assert (metric["signup_job_changes"].to_numpy() == signup).all()
    for column, values in (("completion", factor), ("nowcast_job_changes", nowcast),
                           ("reported_rate", reported / employed.to_numpy()),
                           ("nowcast_rate", nowcast / employed.to_numpy())):
        assert_same(metric[column], pl.Series(values), column)
    with np.errstate(divide="ignore", invalid="ignore"):
        undercount = np.where(nowcast == 0, np.nan, 1 - reported / nowcast)
    assert_same(metric["estimated_undercount"], pl.Series(undercount).fill_nan(None), "estimated_undercount")
    assert_same(metric["truth_rate"], truth, "truth_rate")


def test_platform_vs_truth_matches_its_metrics(con):
    """Each compared figure is the platform's and the truth's value of the metric it names
    (each recounted above), paired by year and segment, with the errors between them."""
    rates = con.sql("SELECT * FROM metrics.job_change_rate WHERE grain = 'year'").pl().with_columns(
        year=pl.col("period").dt.year(), hires_per_employed=pl.col("hires") / pl.col("avg_employed"))
    flows = con.sql("SELECT * FROM metrics.talent_flows WHERE occupation_family = 'all'").pl()
    first = con.sql("SELECT * FROM metrics.time_to_first_job WHERE field = 'all' AND institution = 'all'").pl()
    skills = con.sql("SELECT * FROM metrics.skills_added").pl()
    whole = {"dimension": pl.lit("all"), "segment": pl.lit("all")}
    figures = [
        *(rates.select("source", "year", **whole, metric=pl.lit(name), value=value, base=base)
          for name, value, base in (("job_change_rate", "rate", "avg_employed"),
                                    ("job_change_rate_yoy", "yoy_change", "avg_employed"),
                                    ("hires_per_employed", "hires_per_employed", "avg_employed"),
                                    ("hiring_rate", "hiring_rate", "population"))),
        flows.select("source", "year", dimension=pl.lit("city"), segment="city",
                     metric=pl.lit("net_talent_migration_per_10k"), value="net_per_10k", base="members"),
        *(first.select("source", year="graduation_year", dimension=pl.lit("education_level"), segment="level",
                       metric=pl.lit(name), value=value, base="graduates")
          for name, value in (("employed_6m_share", "employed_6m_share"), ("employed_12m_share", "employed_12m_share"),
                              ("median_months_to_first_job", "median_months"))),
        skills.select("source", "year", **whole, metric=pl.lit("skills_per_member"), value="skills_per_member",
                      base="member_years"),
    ]
    figures = pl.concat([f.with_columns(pl.col("year").cast(pl.Int64), pl.col("value").cast(pl.Float64),
                                        pl.col("base").cast(pl.Float64)) for f in figures])
    key = ["metric", "year", "dimension", "segment"]
    platform = figures.filter(pl.col("source") == "platform").drop("source")
    truth = figures.filter(pl.col("source") == "truth").drop("source")
    expected = platform.join(truth, on=key, suffix="_truth")
    metric = con.sql("SELECT * FROM metrics.platform_vs_truth").pl()
    joined = metric.join(expected.with_columns(pl.col("year").cast(metric["year"].dtype)), on=key, how="full",
                         coalesce=True)
    assert joined.height == metric.height == expected.height
    assert_same(joined["platform"], joined["value"], "platform")
    assert_same(joined["truth"], joined["value_truth"], "truth")
    assert_same(joined["platform_base"], joined["base"], "platform_base")
    assert_same(joined["truth_base"], joined["base_truth"], "truth_base")
    assert_same(joined["error"], joined["value"] - joined["value_truth"], "error")
    relative = (joined["value"] - joined["value_truth"]) / joined["value_truth"].replace(0.0, None)
    assert_same(joined["relative_error"], relative, "relative_error")


def test_it_talent_regions_match_their_flows(con):
    """ICT talent per city and year: talent_flows' ICT rows (recounted above), ranked by net
    arrivals and by net arrivals per 10,000 (ties share the best rank; no rate ranks last)."""
    flows = con.sql("SELECT * FROM metrics.talent_flows WHERE occupation_family = 'ICT'").pl()
    expected = flows.with_columns(
        rank_by_net=pl.col("net").rank("min", descending=True).over("source", "year"),
        rank_by_rate=pl.col("net_per_10k").fill_null(-np.inf).rank("min", descending=True).over("source", "year"),
    )
    metric = con.sql("SELECT * FROM metrics.it_talent_regions").pl()
    joined = metric.join(expected, on=["source", "year", "city"], how="full", coalesce=True)
    assert joined.height == metric.height == expected.height
    for column, recount in (("ict_arrivals", "arrivals"), ("ict_departures", "departures"), ("ict_net", "net"),
                            ("ict_members", "members"), ("rank_by_net", "rank_by_net_right"),
                            ("rank_by_rate", "rank_by_rate_right")):
        assert_same(joined[column], joined[recount].cast(pl.Int64), column)
    assert_same(joined["ict_net_per_10k"], joined["net_per_10k"], "ict_net_per_10k")


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_monthly_stocks_match_a_recount(con, source):
    """Employed and population on the first of every month, counted in sorted arrays."""
    months = calendar(con)["month"]
    employed, population = monthly_stocks(con, source, months.to_numpy())
    metric = con.sql(
        f"SELECT month, year, employed, population FROM metrics.monthly_stocks WHERE source = '{source}' ORDER BY month"
    ).pl()
    assert metric["month"].to_list() == months.to_list()
    assert (metric["year"].to_numpy() == months.dt.year().to_numpy()).all()
    assert (metric["employed"].to_numpy() == employed).all()
    assert (metric["population"].to_numpy() == population).all()


def wages_paid_on(con, days: pl.DataFrame) -> pl.DataFrame:
    """The wage paid on each day of ``days`` (a column ``day``; with ``person_id`` as well, the
    day of that person only) by an as-of join: the person's last truth.wages row up to that day
    (not the row of that year of the position held), with the job held that day."""
    held = con.sql(
        "SELECT person_id, company_id, occupation, city, seniority, start_date, end_date FROM truth.positions"
    ).pl()
    wages = con.sql("SELECT person_id, effective_from, monthly_wage FROM truth.wages").pl().sort("effective_from")
    on_days = held.join(days, on="person_id") if "person_id" in days.columns else held.join(days, how="cross")
    return (
        on_days
        .filter((pl.col("start_date") <= pl.col("day")) & (pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("day"))))
        .sort("day")
        .join_asof(wages, left_on="day", right_on="effective_from", by="person_id", strategy="backward")
        .select("person_id", "day", "company_id", "occupation", "city", "seniority", "monthly_wage")
    )


def december_wages(con) -> pl.DataFrame:
    """The wage paid on 1 December of each year (wages_paid_on), with the job held."""
    years = con.sql("SELECT DISTINCT year FROM raw.calendar ORDER BY year").pl()["year"].to_list()
    decembers = pl.DataFrame({"day": [dt.date(y, 12, 1) for y in years]})
    return wages_paid_on(con, decembers).select(
        pl.exclude("day"), year=pl.col("day").dt.year().cast(pl.Int32)
    )


def stayer_switcher_growth(observed: pl.DataFrame, period: str, a_year_later: pl.Expr) -> pl.DataFrame:
    """Pairs of one person's observations a year apart (a join on the earlier observation moved
    forward by ``a_year_later``), stayers when the employer is the same, and per period the
    people, stayers and the medians of everyone, of stayers and of switchers, in polars."""
    earlier = observed.with_columns(a_year_later.alias(period))
    pairs = observed.join(earlier, on=["person_id", period], suffix="_before").with_columns(
        growth=100 * (pl.col("monthly_wage") / pl.col("monthly_wage_before") - 1),
        stayed=pl.col("company_id") == pl.col("company_id_before"),
    )
    return (
        pairs.group_by(period)
        .agg(
            people=pl.len(),
            stayers=pl.col("stayed").sum(),
            median_growth=pl.col("growth").median(),
            median_growth_stayers=pl.col("growth").filter(pl.col("stayed")).median(),
            median_growth_switchers=pl.col("growth").filter(~pl.col("stayed")).median(),
        )
        .sort(period)
    )


def test_wage_growth_matches_a_recount(con):
    """metrics.wage_growth from the as-of December wages; medians in polars."""
    years = con.sql("SELECT DISTINCT year FROM raw.calendar ORDER BY year").pl()["year"].to_list()
    on_day = december_wages(con).select("person_id", "company_id", "monthly_wage", "year")
    recount = stayer_switcher_growth(on_day, "year", pl.col("year") + 1)
    metric = con.sql("SELECT * FROM metrics.wage_growth ORDER BY year").pl()
    assert metric["year"].to_list() == recount["year"].to_list() == years[1:]
    assert metric["people"].to_list() == recount["people"].to_list()
    assert metric["stayers"].to_list() == recount["stayers"].to_list()
    for column in ("median_growth", "median_growth_stayers", "median_growth_switchers"):
        assert np.allclose(metric[column].to_numpy(), recount[column].to_numpy(), rtol=EXACT, atol=0), column


def test_salary_insights_match_a_recount(con):
    """metrics.salary_insights in polars: two-year windows of raw.salary_reports, medians and
    quartiles, the order-statistic interval from the sorted salaries, the shrinkage toward the
    occupation and seniority nationwide, and the truth from the as-of December wages."""
    min_reports, prior_reports = 10, 10
    years = pl.DataFrame({"year": con.sql("SELECT DISTINCT year FROM raw.calendar").pl()["year"].cast(pl.Int32)})
    reports = con.sql("SELECT occupation, city, seniority, yearly_salary, reported_on FROM raw.salary_reports").pl()
    windowed = (
        reports.join(years, how="cross")
        .filter(pl.col("reported_on").dt.year().is_between(pl.col("year") - 1, pl.col("year")))
        .with_columns(salary=pl.col("yearly_salary").cast(pl.Float64))
    )
    cell = ["year", "occupation", "city", "seniority"]
    cells = windowed.group_by(cell).agg(
        reports=pl.len(),
        median_salary=pl.col("salary").median(),
        p25_salary=pl.col("salary").quantile(0.25, interpolation="linear"),
        p75_salary=pl.col("salary").quantile(0.75, interpolation="linear"),
        sorted_salaries=pl.col("salary").sort(),
    )
    n = cells["reports"].to_numpy()
    low_rank = np.maximum(1, np.floor(n / 2 - 0.98 * np.sqrt(n))).astype(int)
    high_rank = np.minimum(n, np.ceil(n / 2 + 1 + 0.98 * np.sqrt(n))).astype(int)
    ordered = cells["sorted_salaries"].to_list()
    cells = cells.with_columns(
        low=pl.Series([v[r - 1] for v, r in zip(ordered, low_rank)]),
        high=pl.Series([v[r - 1] for v, r in zip(ordered, high_rank)]),
    ).drop("sorted_salaries")
    parents = windowed.group_by("year", "occupation", "seniority").agg(
        parent_reports=pl.len(), parent_median=pl.col("salary").median()
    )
    december = december_wages(con)
    truth = (
        december.join(years.rename({"year": "window"}), how="cross")
        .filter(pl.col("year").is_between(pl.col("window") - 1, pl.col("window")))
        .group_by("window", "occupation", "city", "seniority")
        .agg(truth_person_years=pl.len(), truth_median=(12 * pl.col("monthly_wage")).median())
        .rename({"window": "year"})
    )
    supported = pl.col("reports") >= min_reports
    shrunk = ((pl.col("reports") * pl.col("median_salary").log() + prior_reports * pl.col("parent_median").log())
              / (pl.col("reports") + prior_reports)).exp()
    recount = (
        cells.join(parents, on=["year", "occupation", "seniority"])
        .join(truth, on=cell, how="left")
        .with_columns(
            status=pl.when(supported).then(pl.lit("supported")).otherwise(pl.lit("shrunk")),
            estimate=pl.when(supported).then(pl.col("median_salary")).otherwise(shrunk),
            ci_low=pl.when(supported).then(pl.col("low")),
            ci_high=pl.when(supported).then(pl.col("high")),
            truth_person_years=pl.col("truth_person_years").fill_null(0),
        )
        .with_columns(estimate_error=pl.col("estimate") / pl.col("truth_median") - 1)
        .sort(cell)
    )
    metric = con.sql("SELECT * FROM metrics.salary_insights").pl().sort(cell)
    assert metric.height == recount.height > 0
    for column in ("year", "occupation", "city", "seniority", "reports", "status", "parent_reports", "truth_person_years"):
        assert metric[column].to_list() == recount[column].cast(metric[column].dtype).to_list(), column
    for column in ("estimate", "median_salary", "p25_salary", "p75_salary", "ci_low", "ci_high", "parent_median",
                   "truth_median", "estimate_error"):
        a, b = metric[column].to_numpy().astype(float), recount[column].to_numpy().astype(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), column
        assert np.allclose(a[~np.isnan(a)], b[~np.isnan(b)], rtol=EXACT, atol=1e-9), column


def tracked_months(growth: pl.DataFrame, period: str, months: list) -> pl.DataFrame:
    """The tracker's rows: every month given, its pairs' counts (0 when nobody) and medians, and
    the three-month averages, the month's and the two before's sum over 3: null unless all
    three months have a value. (polars' rolling_mean keeps a running sum, whose rounding
    leaves some 1e-16 where three medians of 0 follow others.)"""
    rows = (
        pl.DataFrame({period: months})
        .join(growth, on=period, how="left")
        .with_columns(pl.col("people", "stayers").fill_null(0))
        .sort(period)
    )
    def three_months(column: str) -> pl.Expr:
        return (pl.col(column).shift(2) + pl.col(column).shift(1) + pl.col(column)) / 3

    return rows.with_columns(
        median_growth_3m=three_months("median_growth"),
        median_growth_stayers_3m=three_months("median_growth_stayers"),
        median_growth_switchers_3m=three_months("median_growth_switchers"),
    ).with_columns(switcher_premium_3m=pl.col("median_growth_switchers_3m") - pl.col("median_growth_stayers_3m"))


def profile_employers(con, reports: pl.DataFrame) -> pl.DataFrame:
    """The employer each report's member showed on the profile in the month of the report: of the
    positions on it by then (started and reported), the one started last; an as-of join on the
    start. ``reports`` holds report_id, member_id and reported_on; returns report_id, company_id."""
    profile = con.sql("SELECT member_id, company_id, start_date, reported_on AS position_reported_on "
                      "FROM raw.positions").pl()
    return (
        reports.select("report_id", "member_id", "reported_on")
        .join(profile, on="member_id")
        .filter((pl.col("start_date") <= pl.col("reported_on")) & (pl.col("position_reported_on") <= pl.col("reported_on")))
        .sort("start_date")
        .group_by("report_id")
        .agg(pl.col("company_id").last())
    )


def test_wage_growth_tracker_matches_a_recount(con):
    """metrics.wage_growth_tracker. truth: each person's wage on the first of their month of the
    year (1 + person_id mod 12) by an as-of join. platform: each member's last report of a
    month, with the employer on the profile then. Both: pairs a year apart, monthly medians in
    polars over every month from the window's thirteenth, and the three-month averages as
    rolling means over the sorted months."""
    people = con.sql("SELECT DISTINCT person_id FROM truth.positions").pl()
    years = con.sql("SELECT DISTINCT year FROM raw.calendar").pl()
    calendar = con.sql("SELECT month FROM raw.calendar ORDER BY month").pl()["month"].to_list()
    months = calendar[12:]
    days = people.join(years, how="cross").select(
        "person_id", day=pl.date(pl.col("year"), 1 + pl.col("person_id") % 12, 1)
    )
    observed = wages_paid_on(con, days).select("person_id", "day", "company_id", "monthly_wage")
    truth = tracked_months(stayer_switcher_growth(observed, "day", pl.col("day").dt.offset_by("12mo")), "day", months)

    reports = (
        con.sql("SELECT report_id, member_id, reported_on, yearly_salary FROM raw.salary_reports "
                "WHERE yearly_salary > 0").pl()
        .sort("report_id")
        .group_by("member_id", "reported_on")
        .agg(pl.col("report_id").last(), pl.col("yearly_salary").last())
    )
    reported = reports.join(profile_employers(con, reports), on="report_id").select(
        person_id="member_id", day="reported_on", company_id="company_id",
        monthly_wage=pl.col("yearly_salary") / 12.0,
    )
    platform = tracked_months(stayer_switcher_growth(reported, "day", pl.col("day").dt.offset_by("12mo")), "day", months)

    for source, recount in (("truth", truth), ("platform", platform)):
        metric = con.sql(f"SELECT * FROM metrics.wage_growth_tracker WHERE source = '{source}' ORDER BY month").pl()
        assert metric["month"].to_list() == recount["day"].to_list() == months, source
        assert metric.height >= 12
        assert metric["people"].to_list() == recount["people"].to_list(), source
        assert metric["stayers"].to_list() == recount["stayers"].to_list(), source
        assert metric["switchers"].to_list() == (recount["people"] - recount["stayers"]).to_list(), source
        for column in ("median_growth", "median_growth_stayers", "median_growth_switchers"):
            assert_same(metric[column], recount[column], f"{source} {column}")
            # A three-month mean to the size of its three medians.
            scale = (recount[column].abs().shift(2) + recount[column].abs().shift(1) + recount[column].abs()) / 3
            assert_same_to_scale(metric[f"{column}_3m"], recount[f"{column}_3m"], scale, f"{source} {column}_3m")
        premium_scale = recount["median_growth_switchers_3m"].abs() + recount["median_growth_stayers_3m"].abs()
        assert_same_to_scale(metric["switcher_premium_3m"], recount["switcher_premium_3m"], premium_scale,
                             f"{source} switcher_premium_3m")
    assert platform["people"].sum() > 0, "no member reported twice a year apart"


def salary_model(con) -> dict[int, dict[str, dict[str, float]]]:
    """The platform's salary model refitted in numpy, per year: the same backfitting written as
    linear algebra on one-hot matrices. A factor's update is (D'D + k I)^-1 D' r for its
    indicator matrix D and what the other terms leave (r); D'D is diagonal (one level per
    report), so the solve is a division. Returns {year: {factor: {level: effect}}}."""
    import scipy.sparse as sparse

    factors, sweeps, prior_reports = ("occupation_seniority", "city", "education_level", "employer"), 3, 10
    reports = con.sql("SELECT report_id, member_id, occupation, seniority, city, yearly_salary, reported_on "
                      "FROM raw.salary_reports WHERE yearly_salary > 0").pl()
    members = con.sql("SELECT member_id, highest_education_level AS education_level FROM raw.members").pl()
    employers = profile_employers(con, reports).select("report_id", employer=pl.col("company_id").cast(pl.Utf8))
    table = (
        reports.join(members, on="member_id")
        .join(employers, on="report_id", how="left")
        .with_columns(occupation_seniority=pl.col("occupation") + " / " + pl.col("seniority"),
                      log_salary=pl.col("yearly_salary").cast(pl.Float64).log(),
                      report_year=pl.col("reported_on").dt.year())
    )
    years = con.sql("SELECT DISTINCT year FROM raw.calendar").pl()["year"].to_list()
    model = {}
    for year in years:
        rows = table.filter(pl.col("report_year").is_between(year - 1, year))
        y = rows["log_salary"].to_numpy()
        intercept = y.mean()
        matrices, levels = {}, {}
        for factor in factors:
            values = rows[factor]
            seen = values.drop_nulls().unique().sort().to_list()
            index = {v: i for i, v in enumerate(seen)}
            present = ~values.is_null().to_numpy()
            codes = np.array([index[v] for v in values.drop_nulls().to_list()], dtype=int)
            matrices[factor] = sparse.csr_matrix(
                (np.ones(len(codes)), (np.flatnonzero(present), codes)), shape=(len(y), len(seen)))
            levels[factor] = seen
        effects = {f: np.zeros(len(levels[f])) for f in factors}
        for _ in range(sweeps):
            for factor in factors:
                others = sum(matrices[o] @ effects[o] for o in factors if o != factor)
                d = matrices[factor]
                effects[factor] = (d.T @ (y - intercept - others)) / (np.asarray(d.sum(axis=0)).ravel() + prior_reports)
        model[year] = {"intercept": {"all": intercept}} | {
            f: dict(zip(levels[f], effects[f])) for f in factors
        }
    return model


def test_salary_model_matches_a_refit(con):
    """intermediate.int_salary_model against the refit in numpy: every level, every effect."""
    model = salary_model(con)
    fitted = con.sql("SELECT year, factor, level, effect FROM intermediate.int_salary_model").pl()
    assert fitted.height == sum(len(levels) for year in model.values() for levels in year.values()) > 0
    expected = np.array([model[y][f][level] for y, f, level in fitted.select("year", "factor", "level").iter_rows()])
    assert np.allclose(fitted["effect"].to_numpy(), expected, rtol=EXACT, atol=1e-12)


def test_salary_estimates_match_a_recount(con):
    """metrics.salary_estimates from the refit model, the profile's job as an as-of join and the
    as-of December wages; errors, medians and shares in polars."""
    model = salary_model(con)
    people = con.sql("SELECT person_id, member_id, birth_year, highest_education_level FROM truth.people "
                     "WHERE member_id IS NOT NULL").pl()
    profile_education = con.sql("SELECT member_id, highest_education_level AS profile_education FROM raw.members").pl()
    employed = december_wages(con).join(people, on="person_id")
    positions_on_profile = con.sql("SELECT member_id, occupation || ' / ' || seniority AS occupation_seniority, "
                                   "city AS profile_city, company_id AS profile_company_id, start_date, reported_on "
                                   "FROM raw.positions").pl()
    decembers = employed.select("year").unique().with_columns(day=pl.date(pl.col("year"), 12, 1))
    shown = (
        positions_on_profile.join(decembers, how="cross")
        .filter((pl.col("start_date") <= pl.col("day")) & (pl.col("reported_on") <= pl.col("day")))
        .sort("start_date")
        .group_by("member_id", "year")
        .agg(pl.col("occupation_seniority", "profile_city", "profile_company_id").last())
    )
    rows = employed.join(shown, on=["member_id", "year"], how="left").join(profile_education, on="member_id")

    def effect(year, factor, level):
        return model[year][factor].get(level, 0.0) if level is not None else 0.0

    log_estimates = [
        None if occupation is None or year not in model else
        model[year]["intercept"]["all"] + effect(year, "occupation_seniority", occupation)
        + effect(year, "city", city) + effect(year, "education_level", education)
        + effect(year, "employer", str(company))
        for year, occupation, city, education, company in rows.select(
            "year", "occupation_seniority", "profile_city", "profile_education", "profile_company_id").iter_rows()
    ]
    reports = con.sql("SELECT member_id, year(reported_on) AS report_year FROM raw.salary_reports").pl()
    rows = rows.with_columns(
        error=pl.Series(log_estimates, dtype=pl.Float64).exp() / (12 * pl.col("monthly_wage")) - 1,
        age=pl.col("year") - pl.col("birth_year"),
    )
    in_model = (rows.select("member_id", "year").join(reports, on="member_id")
                .filter(pl.col("report_year").is_between(pl.col("year") - 1, pl.col("year")))
                .unique(["member_id", "year"]).with_columns(in_model=pl.lit(True)).select("member_id", "year", "in_model"))
    ever = reports.select("member_id").unique().with_columns(ever=pl.lit(True))
    bands = [(15, "15-24"), (25, "25-34"), (35, "35-44"), (45, "45-54"), (55, "55-64"), (65, "65-74"), (75, "75+")]
    band = pl.lit(None, dtype=pl.Utf8)
    for low, name in bands:
        band = pl.when(pl.col("age") >= low).then(pl.lit(name)).otherwise(band)
    rows = (
        rows.join(in_model, on=["member_id", "year"], how="left").join(ever, on="member_id", how="left")
        .with_columns(
            all=pl.lit("all"),
            education_level=pl.col("highest_education_level"),
            age_band=band,
            own_reports=pl.when(pl.col("in_model")).then(pl.lit("in the model"))
            .when(pl.col("ever")).then(pl.lit("other years only")).otherwise(pl.lit("never")),
            profile_employer=pl.when(pl.col("profile_company_id").is_null()).then(pl.lit("no job"))
            .when(pl.col("profile_company_id") == pl.col("company_id")).then(pl.lit("true employer"))
            .otherwise(pl.lit("another employer")),
        )
    )
    size = pl.col("error").abs()
    recount = pl.concat([
        rows.group_by("year", pl.col(dimension).alias("segment")).agg(
            dimension=pl.lit(dimension),
            members=pl.len(),
            estimated=pl.col("error").count(),
            median_error=pl.col("error").median(),
            median_absolute_error=size.median(),
            within_10_percent=(size <= 0.10).sum() / pl.col("error").count(),
            within_25_percent=(size <= 0.25).sum() / pl.col("error").count(),
        ).with_columns(pl.when(pl.col("estimated") > 0).then(pl.col("^within_.*$")).name.keep())
        for dimension in ("all", "education_level", "age_band", "city", "own_reports", "profile_employer")
    ]).sort("year", "dimension", "segment")
    metric = con.sql("SELECT * FROM metrics.salary_estimates").pl().sort("year", "dimension", "segment")
    assert metric.height == recount.height > 0
    for column in ("year", "dimension", "segment", "members", "estimated"):
        assert metric[column].to_list() == recount[column].cast(metric[column].dtype).to_list(), column
    for column in ("median_error", "median_absolute_error", "within_10_percent", "within_25_percent"):
        assert_same(metric[column], recount[column], column)


def test_school_leavers_matches_a_recount(con):
    """metrics.school_leavers: each graduate of the window asked 18 months after graduation
    (polars date offsets), working when a position of theirs covers that day; the hourly wage
    on 1 October of the year after graduation by the as-of join of wages_paid_on; each graduate
    once under the level and, for MBO, once under 'MBO k'; quartiles by polars' linear
    interpolation."""
    first_month, last_month = con.sql("SELECT min(month), max(month) FROM raw.calendar").fetchall()[0]
    hours = con.sql("SELECT value FROM truth.parameters WHERE name = 'wages.hours_per_month'").fetchall()[0][0]
    recounts = []
    for source, (table, person) in EDUCATIONS.items():
        graduates = (
            con.sql(f"SELECT {person} AS person_id, level, mbo_level, graduation_date FROM {table}").pl()
            .filter(pl.col("graduation_date") >= first_month)
            .with_columns(asked_on=pl.col("graduation_date").dt.offset_by("18mo"))
            .with_columns(followed=pl.col("asked_on") <= last_month)
        )
        held = positions(con, source).join(graduates.select("person_id", "asked_on"), on="person_id").filter(
            (pl.col("start_date") <= pl.col("asked_on"))
            & (pl.col("end_date").is_null() | (pl.col("end_date") > pl.col("asked_on")))
        )
        graduates = graduates.with_columns(working=pl.col("person_id").is_in(held["person_id"].unique().implode()))
        if source == "truth":
            # an October past the window's end has no wage to pay
            octobers = graduates.select(
                "person_id", day=pl.date(pl.col("graduation_date").dt.year() + 1, 10, 1)
            ).filter(pl.col("day") <= last_month)
            paid = wages_paid_on(con, octobers).select("person_id", hourly_wage=pl.col("monthly_wage") / hours)
            graduates = graduates.join(paid, on="person_id", how="left")
        else:
            graduates = graduates.with_columns(hourly_wage=pl.lit(None, dtype=pl.Float64))
        qualifications = pl.concat([
            graduates.with_columns(qualification=pl.col("level")),
            graduates.filter(pl.col("mbo_level").is_not_null()).with_columns(
                qualification=pl.lit("MBO ") + pl.col("mbo_level").cast(pl.Utf8)),
        ])
        recounts.append(
            qualifications.with_columns(graduation_year=pl.col("graduation_date").dt.year().cast(pl.Int64))
            .group_by("graduation_year", "qualification")
            .agg(
                graduates=pl.len(),
                followed=pl.col("followed").sum(),
                without_job=(pl.col("followed") & ~pl.col("working")).sum(),
                employees_paid=pl.col("hourly_wage").is_not_null().sum(),
                hourly_wage_p25=pl.col("hourly_wage").quantile(0.25, interpolation="linear"),
                hourly_wage_median=pl.col("hourly_wage").quantile(0.5, interpolation="linear"),
                hourly_wage_p75=pl.col("hourly_wage").quantile(0.75, interpolation="linear"),
            )
            .with_columns(source=pl.lit(source))
        )
    recount = pl.concat(recounts).sort("source", "graduation_year", "qualification")
    metric = con.sql("SELECT * FROM metrics.school_leavers ORDER BY source, graduation_year, qualification").pl()
    assert metric.height == recount.height > 0
    for column in ("source", "graduation_year", "qualification", "graduates", "followed", "without_job",
                   "employees_paid"):
        assert metric[column].to_list() == recount[column].cast(metric[column].dtype).to_list(), column
    share = recount["without_job"] / recount["followed"]
    assert_same(metric["without_job_share"], pl.Series(np.where(recount["followed"] > 0, share, None)), "share")
    for column in ("hourly_wage_p25", "hourly_wage_median", "hourly_wage_p75"):
        assert_same(metric[column], recount[column], column)
    mbo = metric.filter(pl.col("level") == "MBO")
    assert set(mbo["qualification"]) == {"MBO", "MBO 1", "MBO 2", "MBO 3", "MBO 4"}


def test_every_metric_has_a_recount():
    """A new metric needs its recount here: each metric's table is read by a test of this file."""
    from pipelines.dbt import metrics

    text = Path(__file__).read_text(encoding="utf-8")
    unread = [m.name for m in metrics() if f"metrics.{m.name}" not in text]
    assert unread == [], f"no recount reads {unread}"
