"""Wages: the structure planted in wages.* is recovered from truth.wages, and the wage growth
tracker counts what the rows say.

Each planted-truth test derives its tolerance from the sampling error at the test's
population: a mean of n draws of a normal part with standard deviation s has standard error
s / sqrt(n), a sample variance s^2 * sqrt(2 / n). Z_TOLERANCE standard errors, as in
test_planted_truth.py, with the aggregate z-score check over the years.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from tests.test_planted_truth import Z_TOLERANCE, assert_z_scores, param, params

# Consecutive wage rows of one person, with what the two positions were.
CONSECUTIVE_ROWS = """
WITH rows AS (
    SELECT
        w.person_id, w.position_id, w.effective_from, ln(w.monthly_wage) AS log_wage,
        p.start_date, p.start_reason, p.company_id, p.city, p.seniority,
        datediff('month', pe.labour_market_entry, w.effective_from) / 12.0 AS experience_years
    FROM truth.wages w
    JOIN truth.positions p USING (position_id)
    JOIN truth.people pe ON pe.person_id = w.person_id
)
SELECT
    *,
    lag(position_id) OVER by_person AS previous_position_id,
    lag(effective_from) OVER by_person AS previous_from,
    lag(log_wage) OVER by_person AS previous_log_wage,
    lag(company_id) OVER by_person AS previous_company_id,
    lag(city) OVER by_person AS previous_city,
    lag(seniority) OVER by_person AS previous_seniority
FROM rows
WINDOW by_person AS (PARTITION BY person_id ORDER BY effective_from)
"""


@pytest.fixture(scope="module")
def consecutive(con) -> pl.DataFrame:
    return con.sql(CONSECUTIVE_ROWS).pl().filter(pl.col("previous_log_wage").is_not_null())


def test_raises_within_a_position_recover_the_collective_path_and_the_steps(con, consecutive):
    """Two rows of one position differ by the raise of 1 January: log(1 + collective raise of
    the year) + a step early in a career + N(0, raise_sd). The mean per year and step status
    recovers the planted path; standard error raise_sd / sqrt(n)."""
    raises = params(con, "wages.collective_raise")
    step, step_years, raise_sd = param(con, "wages.step_raise"), param(con, "wages.step_years"), param(con, "wages.raise_sd")
    cells = (
        consecutive.filter(pl.col("position_id") == pl.col("previous_position_id"))
        .with_columns(
            change=pl.col("log_wage") - pl.col("previous_log_wage"),
            year=pl.col("effective_from").dt.year(),
            stepping=pl.col("experience_years") < step_years,
        )
        .group_by("year", "stepping")
        .agg(n=pl.len(), mean=pl.col("change").mean(), sd=pl.col("change").std())
        .sort("year", "stepping")
    )
    assert cells.height >= 2 * (len(raises) - 1) - 1, cells  # every year after the first, both kinds
    expected = np.array([math.log1p(raises[str(y)]) + step * s for y, s in cells.select("year", "stepping").rows()])
    n = cells["n"].to_numpy()
    assert_z_scores((cells["mean"].to_numpy() - expected) / (raise_sd / np.sqrt(n)), "raise within a position")
    # The spread of the personal part: a sample standard deviation has standard error sd / sqrt(2n).
    assert_z_scores((cells["sd"].to_numpy() - raise_sd) / (raise_sd / np.sqrt(2 * n)), "spread of the raises")


def planted_premium(con) -> dict[int, float]:
    base, tightness = param(con, "wages.job_change_premium"), param(con, "wages.job_change_premium_tightness")
    return {
        int(year): max(0.0, base + tightness * (multiplier - 1.0))
        for year, multiplier in params(con, "dynamics.job_change_multiplier").items()
    }


@pytest.fixture(scope="module")
def moves(con, consecutive) -> pl.DataFrame:
    """Job-to-job moves within a year, in the same city at the same seniority: the wage changes
    by the premium of the year, the difference of the two employers' effects and the match
    part N(0, match_sd), and by nothing else (no collective raise between two rows of one year,
    the same occupation, education and city premium)."""
    effects = con.sql("SELECT company_id, wage_effect FROM truth.employers").pl()
    premium = pl.DataFrame(
        {"year": list(planted_premium(con)), "premium": list(planted_premium(con).values())},
        schema={"year": pl.Int32, "premium": pl.Float64},
    )
    return (
        consecutive.filter(
            (pl.col("start_reason") == "job_change")
            & (pl.col("effective_from") == pl.col("start_date"))
            & (pl.col("effective_from").dt.year() == pl.col("previous_from").dt.year())
            & (pl.col("city") == pl.col("previous_city"))
            & (pl.col("seniority") == pl.col("previous_seniority"))
        )
        .with_columns(year=pl.col("effective_from").dt.year(), change=pl.col("log_wage") - pl.col("previous_log_wage"))
        .join(effects.rename({"wage_effect": "new_effect"}), on="company_id")
        .join(effects.rename({"company_id": "previous_company_id", "wage_effect": "old_effect"}), on="previous_company_id")
        .join(premium, on="year")
    )


def test_job_to_job_moves_pay_the_planted_premium_of_their_year(con, moves):
    """The change at a move, less the difference of the employers' effects (truth.employers),
    averages the premium of the year: more in the tight market of 2022 than in 2020. Standard
    error match_sd / sqrt(n)."""
    match_sd = param(con, "wages.match_sd")
    cells = (
        moves.with_columns(residual=pl.col("change") - (pl.col("new_effect") - pl.col("old_effect")))
        .group_by("year")
        .agg(n=pl.len(), mean=pl.col("residual").mean(), premium=pl.col("premium").first())
        .sort("year")
    )
    assert cells.height >= 10, cells
    z = (cells["mean"] - cells["premium"]).to_numpy() / (match_sd / np.sqrt(cells["n"].to_numpy()))
    assert_z_scores(z, "premium of a job-to-job move")
    by_year = dict(zip(cells["year"], cells["mean"]))
    assert by_year[2022] > by_year[2020], "moves in the tight market of 2022 pay more than in 2020"


def test_the_employer_effects_spread_is_recovered_from_the_wages_of_movers(con, moves):
    """Without the planted effects: the variance of (change - premium) at moves is the variance
    of the difference of two employers' effects plus match_sd^2, so it recovers the spread of
    the effects across the employers people move between. Compared with that spread of the
    planted effects over the same moves; the two differ by the sample variance of the match
    parts less match_sd^2 (standard error match_sd^2 sqrt(2 / n)) and twice their sample
    covariance with the effects' difference (standard error 2 sd_diff match_sd / sqrt(n))."""
    match_sd = param(con, "wages.match_sd")
    estimated = (moves["change"] - moves["premium"]).var() - match_sd**2
    difference = moves["new_effect"] - moves["old_effect"]
    realised = difference.var()
    n = moves.height
    se = math.sqrt(2 * match_sd**4 / n + 4 * realised * match_sd**2 / n)
    assert abs(estimated - realised) < Z_TOLERANCE * se, (estimated, realised, se)
    # The effects across all employers: a sample variance of normal draws around the planted one.
    effects = con.sql("SELECT wage_effect FROM truth.employers").pl()["wage_effect"]
    sd = param(con, "wages.employer_effect_sd")
    assert abs(effects.var() - sd**2) < Z_TOLERANCE * sd**2 * math.sqrt(2 / (effects.len() - 1))


def test_the_median_wage_lands_on_cbs_2022(con):
    """Calibration (wages.level_offset), not sampling: the median full-time hourly wage paid on
    1 January 2022 within 5% of CBS's median gross hourly wage of all employees in 2022
    (22.20 euros, StatLine 85517NED). At the test's population the median's own sampling error
    is under 1%."""
    hours = param(con, "wages.hours_per_month")
    median = con.execute(
        "SELECT median(monthly_wage) FROM truth.wages WHERE effective_from = DATE '2022-01-01'"
    ).fetchall()[0][0] / hours
    assert abs(median / 22.20 - 1) < 0.05, median


# CBS's hourly wages of school leavers with a diploma who work as employees about a year after
# leaving (first quartile, median, third quartile, euros; published in OCW's "Onderwijs in
# cijfers"): (level, year of graduation, the October they are measured in) -> quartiles.
SCHOOL_LEAVER_QUARTILES = {
    ("MBO", 2016, "2017-10-01"): (10.56, 12.41, 14.93),  # full-time school route, leavers of 2015/16
    ("HBO", 2018, "2019-10-01"): (15.29, 17.52, 19.79),  # full-time, leavers of 2017/18
}
CALIBRATION_BAND = 0.05  # as the median above: within 5% of the published figure


@pytest.mark.parametrize("level, graduated, measured", list(SCHOOL_LEAVER_QUARTILES))
def test_school_leavers_quartiles_land_on_cbs(con, level, graduated, measured):
    """Calibration (the education and junior premiums, person_effect_sd, raise_sd), not
    sampling: the hourly wages (full-time monthly wage / hours_per_month) paid on the October
    day CBS measures to the employed graduates of that level and year have their quartiles
    within CALIBRATION_BAND of CBS's. The sample's own error is allowed for without a
    distribution: the order statistics at ranks n p -/+ Z_TOLERANCE sqrt(n p (1 - p)) bound
    the quartile, and that interval must meet the band around CBS's figure."""
    hours = param(con, "wages.hours_per_month")
    hourly = np.sort(
        con.execute(
            """
            SELECT w.monthly_wage / ? AS hourly
            FROM truth.educations e
            JOIN truth.positions p ON p.person_id = e.person_id
             AND p.start_date <= CAST(? AS DATE) AND (p.end_date IS NULL OR p.end_date > CAST(? AS DATE))
            JOIN truth.wages w ON w.position_id = p.position_id
             AND year(w.effective_from) = year(CAST(? AS DATE)) AND w.effective_from <= CAST(? AS DATE)
            WHERE e.level = ? AND year(e.graduation_date) = ?
            """,
            [hours, measured, measured, measured, measured, level, graduated],
        ).fetchnumpy()["hourly"]
    )
    n = hourly.size
    assert n > 100, n
    for fraction, published in zip((0.25, 0.5, 0.75), SCHOOL_LEAVER_QUARTILES[(level, graduated, measured)]):
        spread = Z_TOLERANCE * math.sqrt(n * fraction * (1 - fraction))
        low = hourly[max(0, math.floor(n * fraction - spread))]
        high = hourly[min(n - 1, math.ceil(n * fraction + spread))]
        assert low <= published * (1 + CALIBRATION_BAND) and high >= published * (1 - CALIBRATION_BAND), (
            fraction, low, high, published)


# --------------------------------------------------------------------------------------
# What the platform sees: the pay members report (raw.salary_reports)
# --------------------------------------------------------------------------------------

REPORTS_WITH_TRUE_PAY = """
WITH report_jobs AS (
    SELECT r.report_id, r.yearly_salary, r.reported_on, p.position_id
    FROM raw.salary_reports r
    JOIN truth.people pe ON pe.member_id = r.member_id
    JOIN truth.positions p ON p.person_id = pe.person_id
     AND p.start_date <= r.reported_on AND (p.end_date IS NULL OR p.end_date > r.reported_on)
)
SELECT
    j.report_id,
    j.yearly_salary,
    arg_max(w.monthly_wage, w.effective_from) FILTER (WHERE w.effective_from <= j.reported_on) AS wage_then,
    arg_min(w.monthly_wage, w.effective_from) AS wage_at_start
FROM report_jobs j JOIN truth.wages w ON w.position_id = j.position_id
GROUP BY j.report_id, j.yearly_salary
"""


def test_reports_give_the_pay_then_or_at_the_start_with_the_planted_stale_share(con):
    """Every report is 12 x the monthly wage of the job held that month, rounded: the wage in
    effect then, or (stale) the one the job started at. Where the two differ after rounding,
    the stale share recovers platform.salary_reports.stale_share; binomial standard error."""
    rounding = param(con, "platform.salary_reports.rounding")
    stale_share = param(con, "platform.salary_reports.stale_share")
    rows = con.sql(REPORTS_WITH_TRUE_PAY).pl()
    assert rows.height == con.sql("SELECT count(*) FROM raw.salary_reports").fetchall()[0][0] > 0

    def rounded(column: str) -> pl.Expr:
        return ((12 * pl.col(column) / rounding + 0.5).floor() * rounding).cast(pl.Int64)

    rows = rows.with_columns(current=rounded("wage_then"), started=rounded("wage_at_start"))
    matches = rows.filter((pl.col("yearly_salary") == pl.col("current")) | (pl.col("yearly_salary") == pl.col("started")))
    assert matches.height == rows.height, "a report that is neither the pay then nor the pay at the start"
    telling = rows.filter(pl.col("current") != pl.col("started"))
    n = telling.height
    stale = (telling["yearly_salary"] == telling["started"]).mean()
    assert abs(stale - stale_share) < Z_TOLERANCE * math.sqrt(stale_share * (1 - stale_share) / n), (stale, n)


# Every report beside whether it could have been updated (the member holds a job twelve months
# later, inside the window) and whether the same member reported in that month.
REPORTS_A_YEAR_LATER = """
WITH reports AS (
    SELECT r.report_id, r.member_id, pe.person_id, pe.highest_education_level AS level,
           CAST(r.reported_on + INTERVAL 12 MONTH AS DATE) AS a_year_later
    FROM raw.salary_reports r JOIN truth.people pe ON pe.member_id = r.member_id
)
SELECT
    r.report_id,
    r.level,
    r.a_year_later <= (SELECT max(month) FROM raw.calendar) AND EXISTS (
        SELECT 1 FROM truth.positions p
        WHERE p.person_id = r.person_id AND p.start_date <= r.a_year_later
          AND (p.end_date IS NULL OR p.end_date > r.a_year_later)
    ) AS could_update,
    EXISTS (
        SELECT 1 FROM raw.salary_reports later
        WHERE later.member_id = r.member_id AND later.reported_on = r.a_year_later
    ) AS reported_a_year_later
FROM reports r
"""


def test_members_report_at_the_planted_rate_per_education_level(con):
    """Reports by education level: a first report comes at yearly_share x the level's factor
    per year of holding a job as a member (Poisson), and each report the member could update
    a year later (holding a job then, inside the window) brings an update with chance
    update_share (binomial). Expected count and variance are the sums of the two parts:
    standard error sqrt(first + E x u x (1 - u)) for E reports that could be updated."""
    share = param(con, "platform.salary_reports.yearly_share")
    update = param(con, "platform.salary_reports.update_share")
    factors = params(con, "platform.salary_reports.level_factor")
    cells = con.sql(
        f"""
        WITH window_bounds AS (SELECT min(month) AS first_month, max(month) + INTERVAL 1 MONTH AS after_last FROM raw.calendar),
        exposure AS (
            SELECT pe.highest_education_level AS level,
                   sum(greatest(0, datediff('month',
                       greatest(p.start_date, m.joined_on, b.first_month),
                       coalesce(p.end_date, b.after_last)))) / 12.0 AS years
            FROM truth.positions p
            JOIN truth.people pe USING (person_id)
            JOIN raw.members m ON m.member_id = pe.member_id
            CROSS JOIN window_bounds b
            GROUP BY ALL
        ),
        reported AS (
            SELECT level, count(*) AS reports, count(*) FILTER (WHERE could_update) AS could_update
            FROM ({REPORTS_A_YEAR_LATER}) GROUP BY ALL
        )
        SELECT e.level, e.years, coalesce(r.reports, 0) AS reports, coalesce(r.could_update, 0) AS could_update
        FROM exposure e LEFT JOIN reported r USING (level)
        ORDER BY e.level
        """
    ).pl()
    first = np.array([share * factors[level] for level in cells["level"]]) * cells["years"].to_numpy()
    could_update = cells["could_update"].to_numpy()
    expected = first + update * could_update
    sd = np.sqrt(first + update * (1 - update) * could_update)
    assert_z_scores((cells["reports"].to_numpy() - expected) / sd, "salary reports per level")
    # The skew is there to see: WO members report more than VO members per year of work.
    rate = dict(zip(cells["level"], cells["reports"].to_numpy() / cells["years"].to_numpy()))
    assert rate["WO"] > rate["VO"]


def test_a_year_after_a_report_members_update_it_at_the_planted_share(con):
    """Of the reports a member could update a year later (a job then, inside the window), the
    share followed by a report of that member in that month recovers update_share. Another
    report can land in that month without being the update: a first report (chance at most
    yearly_share x the largest level factor / 12 a month) or the update of a second report made
    in the same month as this one (no more likely): the share lies in [u, u + 2 x that],
    widened by Z_TOLERANCE binomial standard errors."""
    share = param(con, "platform.salary_reports.yearly_share")
    update = param(con, "platform.salary_reports.update_share")
    largest_factor = max(params(con, "platform.salary_reports.level_factor").values())
    rows = con.sql(f"SELECT reported_a_year_later FROM ({REPORTS_A_YEAR_LATER}) WHERE could_update").pl()
    n = rows.height
    assert n > 1000, n
    followed = rows["reported_a_year_later"].mean()
    other_report = 2 * (1 - math.exp(-share * largest_factor / 12))
    error = Z_TOLERANCE * math.sqrt(max(update * (1 - update), 1 / n) / n)
    assert update - error <= followed <= update + other_report + error, (followed, n)
