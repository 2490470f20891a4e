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
        held = (pl.col("start_date") <= day) & (pl.col("end_date").is_null() | (pl.col("end_date") > day))
        return spells.filter(held)

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
