"""The released tables: what each holds, the query of its true values and the counts to protect."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import polars as pl


@dataclass(frozen=True)
class ReleasedTable:
    """One table of the release and the query of its true (unprotected) values.

    The query returns one row per cell of a complete grid (zero counts included: a missing
    row would tell that the count is 0), with the dimensions, the counts to protect and the
    statistics; it reads platform data only.
    """

    name: str
    description: str
    dimensions: dict[str, str]
    counts: dict[str, str]
    query: str
    # Dimensions whose value 'all' is the sum over the others: the totals to protect.
    totals: tuple[str, ...] = ()
    # The year column: cells of different years share no total, so each year is checked alone.
    year: str = "year"
    # Tables whose totals tie them to this one, checked together with it.
    system: str = ""
    noised: bool = True
    # Statistics of a group, released exactly where every count named beside them is
    # released (a median bounds the counts it derives from: it must not bound a suppressed one).
    statistics: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # Columns computed from the released (noised) values only, so they add nothing to them.
    derived: dict[str, tuple[str, pl.Expr]] = field(default_factory=dict)
    # Counts holding another count of the same cell, as whole: (part, complement). The whole
    # is the part plus the complement, a group of people no column shows but subtraction
    # reveals (graduates - employed within 12 months = not employed within 12 months). The
    # complement is a cell of its own, never written, protected like any count.
    nested: dict[str, tuple[str, str]] = field(default_factory=dict)


# What the release reads: its asset's dependencies.
READ_TABLES = [
    "metrics.talent_flows",
    "metrics.talent_flows_od",
    "metrics.time_to_first_job",
    "metrics.skill_demand",
    "metrics.salary_insights",
    "intermediate.int_position_history",
    "raw.positions",
    "raw.calendar",
]

TALENT_FLOWS = ReleasedTable(
    name="talent_flows",
    system="talent_flows",
    description=(
        "Talent flows per year, city and occupation family ('all' = every family), as the platform "
        "sees its members: arrivals, departures and members located in the city. A member's location "
        "is the city of the position held on 1 January; a member located in A and a year later in B "
        "is a departure from A and an arrival in B (source: metrics.talent_flows, platform rows)."
    ),
    dimensions={
        "year": "Calendar year of the flow (1 January to 1 January of the next year).",
        "city": "The city.",
        "occupation_family": (
            "Occupation family of the position held on 1 January, or 'all' for every family."
        ),
    },
    counts={
        "arrivals": "Members located elsewhere on 1 January and in the city a year later.",
        "departures": "Members located in the city on 1 January and elsewhere a year later.",
        "members": (
            "Members located in the city on 1 January (and located somewhere a year later: the panel)."
        ),
    },
    totals=("occupation_family",),
    nested={"members": ("departures", "stayers")},
    derived={
        "net_per_10k": (
            "(arrivals - departures) / members x 10,000 from the released values: net talent migration.",
            (10_000 * (pl.col("arrivals") - pl.col("departures")) / pl.col("members"))
            .round(1)
            .pipe(lambda e: pl.when(pl.col("members") > 0).then(e)),
        ),
    },
    query="""
        WITH flows AS (
            SELECT year, city, occupation_family, arrivals, departures, members
            FROM metrics.talent_flows WHERE source = 'platform'
        ),
        years AS (SELECT DISTINCT year FROM flows),
        cities AS (SELECT DISTINCT city FROM flows),
        families AS (SELECT DISTINCT occupation_family FROM flows)
        SELECT y.year, c.city, f.occupation_family,
               coalesce(arrivals, 0) AS arrivals, coalesce(departures, 0) AS departures,
               coalesce(members, 0) AS members
        FROM years y CROSS JOIN cities c CROSS JOIN families f
        LEFT JOIN flows USING (year, city, occupation_family)
    """,
)

TALENT_FLOWS_OD = ReleasedTable(
    name="talent_flows_od",
    system="talent_flows",
    description=(
        "Members who moved from one city to another per year, every occupation family together: "
        "where each city's leavers went. Summed over destinations, movers equal talent_flows.departures "
        "of the origin; summed over origins, talent_flows.arrivals of the destination (family 'all'). "
        "Source: metrics.talent_flows_od, platform rows."
    ),
    dimensions={
        "year": "Calendar year of the move (1 January to 1 January of the next year).",
        "origin_city": "City on 1 January.",
        "destination_city": "City a year later.",
    },
    counts={"movers": "Members who moved from origin_city to destination_city."},
    query="""
        WITH od AS (
            SELECT year, origin_city, destination_city, movers
            FROM metrics.talent_flows_od WHERE source = 'platform' AND occupation_family = 'all'
        ),
        flows AS (SELECT year, city FROM metrics.talent_flows WHERE source = 'platform'),
        years AS (SELECT DISTINCT year FROM flows),
        cities AS (SELECT DISTINCT city FROM flows)
        SELECT y.year, o.city AS origin_city, d.city AS destination_city, coalesce(movers, 0) AS movers
        FROM years y CROSS JOIN cities o CROSS JOIN cities d
        LEFT JOIN od ON od.year = y.year AND od.origin_city = o.city AND od.destination_city = d.city
        WHERE o.city <> d.city
    """,
)

# Same definitions as sql/job_change_rate.sql, per occupation family of the new position.
JOB_CHANGES = ReleasedTable(
    name="job_changes",
    description=(
        "Job changes and hires per year and occupation family ('all' = every family), as members "
        "report them. A job change is a start at a new employer less than a quarter after leaving "
        "another (LEHD J2J, CBS); a hire is any start of an employer spell (JOLTS), first jobs and "
        "returns after a gap included. The family is the one of the new position (definitions: "
        "sql/models/intermediate/int_position_history.sql)."
    ),
    dimensions={
        "year": "Calendar year of the start.",
        "occupation_family": "Occupation family of the new position, or 'all' for every family.",
    },
    counts={
        "job_changes": "Starts at a new employer less than three months after leaving another.",
        "hires": "Starts of an employer spell (job changes, first jobs and returns after a gap).",
        "employed": "Members holding a position in the family, averaged over the months of the year.",
    },
    totals=("occupation_family",),
    # Same WHERE for both counts: a job change is a hire that follows another job closely.
    nested={"hires": ("job_changes", "first_jobs_and_returns")},
    derived={
        "job_change_rate": (
            "job_changes / employed from the released values (0.12 = 12% changed employer in the year).",
            (pl.col("job_changes") / pl.col("employed"))
            .round(4)
            .pipe(lambda e: pl.when(pl.col("employed") > 0).then(e)),
        ),
    },
    query="""
        WITH window_bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM raw.calendar),
        starts AS (
            -- Moves as the metric layer marks them (intermediate.int_position_history).
            SELECT
                year(start_date) AS year,
                CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END
                    AS occupation_family,
                count(*) FILTER (WHERE is_job_change) AS job_changes,
                count(*) AS hires
            FROM intermediate.int_position_history, window_bounds
            WHERE source = 'platform'
                AND starts_spell
                AND start_date BETWEEN first_month AND last_month
            GROUP BY GROUPING SETS ((year(start_date), occupation_family), (year(start_date)))
        ),
        months_per_year AS (SELECT year, count(*) AS months FROM raw.calendar GROUP BY year),
        employed AS (
            SELECT
                c.year,
                CASE WHEN grouping(p.occupation_family) = 1 THEN 'all' ELSE p.occupation_family END
                    AS occupation_family,
                count(*) AS position_months
            FROM raw.calendar c
            JOIN raw.positions p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
            GROUP BY GROUPING SETS ((c.year, p.occupation_family), (c.year))
        ),
        families AS (SELECT DISTINCT occupation_family FROM raw.positions UNION SELECT 'all')
        SELECT m.year, f.occupation_family,
               coalesce(s.job_changes, 0) AS job_changes, coalesce(s.hires, 0) AS hires,
               coalesce(e.position_months, 0) / m.months AS employed
        FROM months_per_year m CROSS JOIN families f
        LEFT JOIN starts s ON s.year = m.year AND s.occupation_family = f.occupation_family
        LEFT JOIN employed e ON e.year = m.year AND e.occupation_family = f.occupation_family
    """,
)

TIME_TO_FIRST_JOB = ReleasedTable(
    name="time_to_first_job",
    year="graduation_year",
    description=(
        "Graduates per graduation year, level and field ('all' = total; fields within a level), and "
        "how many had a first job within 6 and 12 months of graduating, as members report it. Only "
        "graduation years whose every graduate was followed for 12 months, so that the counts are "
        "exact (source: metrics.time_to_first_job, platform rows; institutions are not released)."
    ),
    dimensions={
        "graduation_year": "Calendar year of graduation.",
        "level": "VO / MBO / HBO / WO, or 'all' (with field 'all').",
        "field": "Field of study, or 'all' for every field of the level.",
    },
    counts={
        "graduates": "Members who graduated in the year with this level and field.",
        "employed_within_6_months": "Graduates whose first job started within 6 months (months 0-5).",
        "employed_within_12_months": "Graduates whose first job started within 12 months (months 0-11).",
    },
    totals=("level", "field"),
    nested={
        "graduates": ("employed_within_12_months", "not_employed_within_12_months"),
        "employed_within_12_months": ("employed_within_6_months", "employed_in_months_6_to_11"),
    },
    statistics={
        "median_months": (
            (
                "Median months from graduation to the first job (0 = the month of graduation); "
                "NULL also where half the group had none by the end of the window."
            ),
            ("graduates", "employed_within_6_months", "employed_within_12_months"),
        ),
    },
    derived={
        "employed_within_6_months_share": (
            "employed_within_6_months / graduates from the released values.",
            (pl.col("employed_within_6_months") / pl.col("graduates"))
            .clip(upper_bound=1)
            .round(3)
            .pipe(lambda e: pl.when(pl.col("graduates") > 0).then(e)),
        ),
        "employed_within_12_months_share": (
            "employed_within_12_months / graduates from the released values.",
            (pl.col("employed_within_12_months") / pl.col("graduates"))
            .clip(upper_bound=1)
            .round(3)
            .pipe(lambda e: pl.when(pl.col("graduates") > 0).then(e)),
        ),
    },
    query="""
        WITH first_jobs AS (
            SELECT graduation_year, level, field, graduates, employed_6m_share, employed_12m_share,
                   median_months
            FROM metrics.time_to_first_job WHERE source = 'platform' AND institution = 'all'
        ),
        followed_a_year AS (
            -- Graduates of December are followed the shortest; once they are followed for
            -- months 0-11 nobody of the year is censored before, and the Kaplan-Meier shares
            -- are exact shares of whole people.
            SELECT DISTINCT graduation_year
            FROM first_jobs, (SELECT max(month) AS last_month FROM raw.calendar)
            WHERE make_date(graduation_year, 12, 1) + INTERVAL 11 MONTH <= last_month
        ),
        groups AS (SELECT DISTINCT level, field FROM first_jobs)
        SELECT y.graduation_year, g.level, g.field,
               coalesce(graduates, 0) AS graduates,
               coalesce(round(employed_6m_share * graduates), 0) AS employed_within_6_months,
               coalesce(round(employed_12m_share * graduates), 0) AS employed_within_12_months,
               median_months
        FROM followed_a_year y CROSS JOIN groups g
        LEFT JOIN first_jobs USING (graduation_year, level, field)
    """,
)

SKILL_DEMAND = ReleasedTable(
    name="skill_demand",
    noised=False,
    description=(
        "Job postings opened per year that require each skill. Postings are public advertisements, "
        "not people, so their counts are exact; a skill asked by fewer postings than the minimum cell "
        "size is suppressed all the same, since it may point at one employer (source: metrics.skill_demand)."
    ),
    dimensions={"year": "Calendar year the postings opened.", "skill": "Skill required."},
    counts={"postings": "Postings opened in the year that require the skill."},
    statistics={
        "share_of_postings": (
            (
                "postings / all postings opened in the year (a posting requires several skills: shares do "
                "not add up to 1)."
            ),
            ("postings",),
        ),
    },
    query="""
        WITH demand AS (
            SELECT year, skill, postings, round(share_of_postings, 4) AS share_of_postings
            FROM metrics.skill_demand
        ),
        years AS (SELECT DISTINCT year FROM demand),
        skills AS (SELECT DISTINCT skill FROM demand)
        SELECT y.year, s.skill, coalesce(postings, 0) AS postings,
               coalesce(share_of_postings, 0.0) AS share_of_postings
        FROM years y CROSS JOIN skills s LEFT JOIN demand USING (year, skill)
    """,
)

SALARIES = ReleasedTable(
    name="salaries",
    description=(
        "Yearly base salaries members reported, per occupation, city and seniority, over two years (the "
        "year and the one before), as LinkedIn Salary publishes them: the number of reports and, where "
        "that number is released, their median and quartiles. Only cells of at least the minimum cell "
        "size carry figures; the metric's thinner cells, shrunk toward the occupation nationwide, are "
        "not released (source: metrics.salary_insights)."
    ),
    dimensions={
        "year": "The last year of the two-year window of reports.",
        "occupation": "Occupation of the jobs reported on.",
        "city": "City of the jobs reported on.",
        "seniority": "junior / medior / senior / manager.",
    },
    # A member may report twice in two years: counting reports as people errs on the side of
    # protection only if no member reports more often than that, which the platform's rate
    # (a report every few years) makes the rule.
    counts={"reports": "Pay reports of the cell over the two years."},
    statistics={
        "median_salary": ("Median yearly salary reported, in euros.", ("reports",)),
        "p25_salary": ("First quartile of the salaries reported.", ("reports",)),
        "p75_salary": ("Third quartile of the salaries reported.", ("reports",)),
    },
    query="""
        WITH cells AS (
            SELECT year, occupation, city, seniority, reports, median_salary, p25_salary, p75_salary
            FROM metrics.salary_insights
        ),
        years AS (SELECT DISTINCT year FROM raw.calendar),
        occupations AS (SELECT DISTINCT occupation FROM raw.positions),
        cities AS (SELECT DISTINCT city FROM raw.positions),
        seniorities AS (SELECT DISTINCT seniority FROM raw.positions)
        SELECT y.year, o.occupation, c.city, s.seniority, coalesce(reports, 0) AS reports,
               median_salary, p25_salary, p75_salary
        FROM years y CROSS JOIN occupations o CROSS JOIN cities c CROSS JOIN seniorities s
        LEFT JOIN cells USING (year, occupation, city, seniority)
    """,
)

RELEASED_TABLES = [TALENT_FLOWS, TALENT_FLOWS_OD, JOB_CHANGES, TIME_TO_FIRST_JOB, SKILL_DEMAND, SALARIES]


def read_true_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The unprotected values of every released table, sorted by its dimensions."""
    return {t.name: con.sql(t.query).pl().sort(list(t.dimensions)) for t in RELEASED_TABLES}
