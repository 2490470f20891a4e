"""Each metric agrees with an independent computation in polars from the raw and truth tables."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

SOURCES = {"platform": ("raw.positions", "member_id"), "truth": ("truth.positions", "person_id")}


def positions(con, source: str) -> pl.DataFrame:
    table, person = SOURCES[source]
    return con.sql(
        f"SELECT {person} AS person_id, company_id, city, occupation_family, start_date, end_date FROM {table}"
    ).pl()


def months_between(a: pl.Expr, b: pl.Expr) -> pl.Expr:
    return (b.dt.year() - a.dt.year()) * 12 + (b.dt.month() - a.dt.month())


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_job_changes_and_employment_match_a_recount(con, source):
    pos = positions(con, source).sort("person_id", "start_date")
    prev = pos.with_columns(
        prev_company=pl.col("company_id").shift(1).over("person_id"),
        prev_end=pl.col("end_date").shift(1).over("person_id"),
    )
    changes = prev.filter(
        pl.col("prev_company").is_not_null()
        & (pl.col("prev_company") != pl.col("company_id"))
        & (months_between(pl.col("prev_end"), pl.col("start_date")) < 3)
    )
    by_year = changes.group_by(year=pl.col("start_date").dt.year()).len()
    metric = con.sql(
        f"SELECT year(period) AS year, job_changes, avg_employed FROM metrics.job_change_rate "
        f"WHERE source = '{source}' AND grain = 'year'"
    ).pl()
    joined = metric.join(by_year, on="year", how="left")
    assert (joined["job_changes"] == joined["len"].fill_null(0)).all()

    # Employment on 1 June 2019, counted directly.
    day = dt.date(2019, 6, 1)
    employed = pos.filter(
        (pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") > day))
    )["person_id"].n_unique()
    monthly = con.execute(
        f"SELECT avg_employed FROM metrics.job_change_rate WHERE source = '{source}' AND grain = 'month' "
        "AND period = DATE '2019-06-01'"
    ).fetchall()[0][0]
    assert monthly == employed


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_talent_flows_match_a_recount(con, source):
    pos = positions(con, source)

    def located(day: dt.date) -> pl.DataFrame:
        held = pos.filter((pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") > day)))
        return held.sort("start_date").group_by("person_id").agg(pl.col("city").last(), pl.col("occupation_family").last())

    year = 2019
    panel = located(dt.date(year, 1, 1)).join(located(dt.date(year + 1, 1, 1)), on="person_id", suffix="_end")
    moved = panel.filter(pl.col("city") != pl.col("city_end"))
    departures = moved.group_by("city").len().rename({"len": "departures"})
    arrivals = moved.group_by(city=pl.col("city_end")).len().rename({"len": "arrivals"})
    members = panel.group_by("city").len().rename({"len": "members"})
    expected = members.join(departures, on="city", how="left").join(arrivals, on="city", how="left").fill_null(0)
    metric = con.sql(
        f"SELECT city, arrivals, departures, members, net_per_10k FROM metrics.talent_flows "
        f"WHERE source = '{source}' AND year = {year} AND occupation_family = 'all'"
    ).pl()
    joined = expected.join(metric, on="city", suffix="_metric")
    assert joined.height == expected.height
    for col in ("arrivals", "departures", "members"):
        assert (joined[col] == joined[f"{col}_metric"]).all(), col
    net = (joined["arrivals"].cast(pl.Int64) - joined["departures"].cast(pl.Int64)) / joined["members"] * 10_000
    assert np.allclose(net, joined["net_per_10k"])

    od = con.sql(
        f"SELECT origin_city, destination_city, movers FROM metrics.talent_flows_od "
        f"WHERE source = '{source}' AND year = {year} AND occupation_family = 'all'"
    ).pl()
    pairs = moved.group_by(origin_city=pl.col("city"), destination_city=pl.col("city_end")).len()
    check = pairs.join(od, on=["origin_city", "destination_city"], how="full", coalesce=True).fill_null(0)
    assert (check["len"] == check["movers"]).all()


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_time_to_first_job_matches_a_recount_for_a_fully_followed_cohort(con, source):
    edu_table, pos_table, person = (
        ("raw.educations", "raw.positions", "member_id") if source == "platform" else
        ("truth.educations", "truth.positions", "person_id")
    )
    cohort = 2016  # followed for nine years: censoring is negligible, so Kaplan-Meier = plain shares
    grads = con.sql(
        f"SELECT e.{person} AS id, e.level, e.graduation_date, min(p.start_date) AS first_start "
        f"FROM {edu_table} e LEFT JOIN {pos_table} p ON p.{person} = e.{person} "
        f"WHERE year(e.graduation_date) = {cohort} GROUP BY ALL"
    ).pl()
    months = months_between(pl.col("graduation_date"), pl.col("first_start")).clip(lower_bound=0)
    grads = grads.with_columns(months=months)
    metric = con.sql(
        f"SELECT level, graduates, censored, employed_6m_share, employed_12m_share, median_months "
        f"FROM metrics.time_to_first_job WHERE source = '{source}' AND graduation_year = {cohort} "
        "AND field = 'all' AND institution = 'all' AND level <> 'all'"
    ).pl()
    for row in metric.iter_rows(named=True):
        g = grads.filter(pl.col("level") == row["level"])
        assert row["graduates"] == g.height
        assert row["censored"] == g["first_start"].null_count()
        if row["censored"]:
            continue  # Kaplan-Meier and plain shares differ once someone is censored
        m = g["months"].to_numpy()
        assert row["employed_6m_share"] == pytest.approx((m < 6).mean())
        assert row["employed_12m_share"] == pytest.approx((m < 12).mean())
        assert row["median_months"] == int(np.sort(m)[int(np.ceil(0.5 * m.size)) - 1])


def test_skill_demand_ranks_and_counts_match_a_recount(con):
    recount = con.sql(
        "SELECT year(p.opened_on) AS year, s.skill, count(*) AS n FROM raw.posting_skills s "
        "JOIN raw.postings p USING (posting_id) GROUP BY ALL"
    ).pl()
    metric = con.sql("SELECT year, skill, postings, rank FROM metrics.skill_demand").pl()
    joined = metric.join(recount, on=["year", "skill"])
    assert joined.height == metric.height == recount.height
    assert (joined["postings"] == joined["n"]).all()
    top = joined.sort("year", "n", descending=[False, True]).group_by("year", maintain_order=True).first()
    assert (top["rank"] == 1).all()


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_hires_flow_identity_and_recount(con, source):
    metric = con.sql(
        f"SELECT period, hires, separations, employment, employment_change FROM metrics.hires "
        f"WHERE source = '{source}' AND grain = 'month' ORDER BY period"
    ).pl()
    changes = metric.filter(pl.col("employment_change").is_not_null())
    assert (changes["employment_change"] == changes["hires"] - changes["separations"]).all()
    # Hires recounted: employer spells starting in June 2019.
    pos = positions(con, source).sort("person_id", "start_date")
    spells = pos.with_columns(
        prev_company=pl.col("company_id").shift(1).over("person_id"),
        prev_end=pl.col("end_date").shift(1).over("person_id"),
    ).filter(
        (pl.col("prev_company").is_null() | (pl.col("prev_company") != pl.col("company_id"))
         | (pl.col("prev_end") != pl.col("start_date")))
        & (pl.col("start_date") == dt.date(2019, 6, 1))
    )
    june = metric.filter(pl.col("period") == dt.date(2019, 6, 1))
    assert june["hires"][0] == spells.height


@pytest.mark.parametrize("source", ["platform", "truth"])
def test_management_outcomes_match_a_recount(con, source):
    edu, pos, person = (
        ("raw.educations", "raw.positions", "member_id") if source == "platform" else
        ("truth.educations", "truth.positions", "person_id")
    )
    recount = con.execute(
        f"""
        SELECT e.level, count(*) AS graduates,
               count(*) FILTER (WHERE m.first_manager < e.graduation_date + INTERVAL 5 YEAR) AS managers
        FROM {edu} e
        LEFT JOIN (SELECT {person}, min(start_date) AS first_manager FROM {pos}
                   WHERE seniority = 'manager' GROUP BY ALL) m USING ({person})
        WHERE e.graduation_date >= DATE '2012-01-01' AND e.graduation_date + INTERVAL 5 YEAR <= DATE '2025-12-01'
        GROUP BY ALL ORDER BY 1
        """
    ).fetchall()
    metric = con.execute(
        f"SELECT level, graduates, managers FROM metrics.education_outcomes WHERE source = '{source}' "
        "AND horizon_years = 5 AND field = 'all' AND institution = 'all' AND level <> 'all' ORDER BY 1"
    ).fetchall()
    assert metric == recount


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
    hires = con.sql(
        """
        SELECT member_id, company_id, start_date FROM (
            SELECT *, lag(company_id) OVER w AS prev_company, lag(end_date) OVER w AS prev_end
            FROM raw.positions WINDOW w AS (PARTITION BY member_id ORDER BY start_date, end_date NULLS LAST))
        WHERE (prev_company IS DISTINCT FROM company_id OR prev_end <> start_date)
          AND year(start_date) = 2020
        """
    ).pl()
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
