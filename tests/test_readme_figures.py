"""The figures the README's prose quotes, recomputed from the warehouse of the default run.

The README answers questions with ```sql blocks and quotes, around them, what those
queries return on the default scenario ("tightness falls from 1.40 to 1.05"). Each entry
below names the exact phrase holding a figure, the figure as written, and the SQL that
computes it, rounded as the README rounds it. A change of the code that moves a figure,
or an edit of the prose, fails here until both agree again.

Where it can, an entry reads the README's own query: `{name}` in an entry's SQL stands for
the statement of README.md that contains `README_QUERIES[name]`, run as a subquery. So the
queries the README offers are the ones checked, and editing one recomputes its figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

README = Path(__file__).parent.parent / "README.md"


# ---------------------------------------------------------------- the README's queries


def readme_blocks() -> list[list[str]]:
    """The statements of every ```sql block, block by block, without their comment lines."""
    blocks = re.findall(r"```sql\n(.*?)```", README.read_text(), flags=re.DOTALL)
    return [
        [s.strip() for s in block.split(";") if s.strip()]
        for block in (
            "\n".join(line for line in b.splitlines() if not line.lstrip().startswith("--")) for b in blocks
        )
    ]


# A text that occurs in exactly one README statement names that statement.
README_QUERIES = {
    "job_change": "AS hiring_rate_pct",
    "net_by_city": "AS net_per_10k_a_year",
    "amsterdam_leavers": "origin_city = 'Amsterdam'",
    "skills_added": "FROM metrics.skills_added",
    "residence_and_workplace": "AS by_workplace",
    "commuting": "AS live_in_work_city_pct",
    "moves_of_residence": "AS moved_pct",
    "first_job": "AS within_6_months_pct",
    "school_leavers": "AS without_job_18m_pct",
    "platform_vs_truth": "AS platform_pct",
    "tightness": "AS applicants_a_month",
    "tightness_by_family": "period = DATE '2024-01-01'",
    "largest_employers": "JOIN raw.companies c USING (company_id)",
    "attrition": "AS pct_hired_from_another_employer",
    "posting_fit": "AS half_the_skills_pct",
    "hires_by_basis": "measure IN ('hires', 'hires_by_basis')",
    "skill_searches": "AS pct_filtering_on_skills",
    "skills_by_source": "AS how_added",
    "network": "AS mean_connections",
    "developer_wages": "p.occupation = 'Software developer' AND p.city = 'Utrecht'",
    "wage_growth": "AS premium_points",
    "wage_growth_tracker": "AS premium_3m_points",
    "salary_insights_by_status": "FROM metrics.salary_insights WHERE year = 2025",
    "salary_estimates": "FROM metrics.salary_estimates",
    "insiders": "AS at_own_employer_pct",
}

# Blocks whose question the README answers with no figure anywhere: nothing to check
# but that they run (tests/test_pipeline.py). Named by a text of one of their statements.
BLOCKS_WITHOUT_FIGURES = {
    "hires_a_minute_at_875m": "hires per year and per minute",
    "FROM metrics.education_outcomes": "management share per education, Groningen against Amsterdam",
    "FROM metrics.platform_attribution": "hires the platform sees and can claim",
    "FROM metrics.it_talent_regions": "IT talent regions and the skills genome",
}


def readme_statement(marker: str) -> str:
    found = [s for block in readme_blocks() for s in block if marker in s]
    assert len(found) == 1, f"{len(found)} README statements contain {marker!r}, expected one"
    return found[0]


class _ReadmeSubqueries(dict):
    """`{name}` in an entry's SQL becomes the README statement as a subquery, looked up on use."""

    def __missing__(self, name: str) -> str:
        return f"({readme_statement(README_QUERIES[name])})"


# ---------------------------------------------------------------- how the README writes numbers


def decimals(n: int) -> Callable[[float], str]:
    return lambda v: f"{v:.{n}f}"


def thousands(v) -> str:
    # the SQL has already rounded to the precision written (round(x, -2) for "2,700")
    return f"{v:,.0f}"


def signed(v) -> str:
    # "+44%", "−19%": the README writes the minus sign U+2212
    return f"{v:+.0f}".replace("-", "\u2212")


def signed_tenths(v) -> str:
    # "−3.5": one decimal, the README's minus sign, no plus
    return f"{v:.1f}".replace("-", "\u2212")


def text(v) -> str:
    return str(v)


def in_words(v) -> str:
    return {4: "four", 5: "five", 6: "six", 7: "seven"}[int(v)]


@dataclass(frozen=True)
class Figure:
    id: str
    phrase: str  # occurs in README.md (whitespace collapsed: a phrase may span a line break)
    figure: str  # as written, inside the phrase
    sql: str  # one row, one column: the figure before formatting
    fmt: Callable = decimals(1)


F = Figure
# An age band's share of the labour force in 2017 (yearly average), in percent.
LABOUR_FORCE_SHARE_2017 = (
    "SELECT round(100 * labour_force / (SELECT labour_force FROM metrics.labour_force "
    "WHERE grain = 'year' AND year = 2017 AND age_band = 'all' AND education_level = 'all'), 1) "
    "FROM metrics.labour_force WHERE grain = 'year' AND year = 2017 AND age_band = '{band}' "
    "AND education_level = 'all'"
)
TRUTH_2024_LARGEST = (
    "SELECT {col} FROM metrics.company_insights WHERE source = 'truth' AND year = 2024 "
    "ORDER BY headcount_end DESC LIMIT 1"
)
POSTINGS = "metrics.posting_insights i JOIN raw.postings p USING (posting_id)"
HALF_SHARE = "round(100 * sum(i.half_skills_share * i.applicants) / sum(i.applicants), 1)"
ALL_SHARE = "round(100 * sum(i.all_skills_share * i.applicants) / sum(i.applicants), 1)"
# Per company with at least 50 people (truth's average headcount, the attrition's denominator):
# the platform's attrition beside the true one, per year.
COMPANY_PAIRS = """(SELECT t.year, p.attrition AS platform, t.attrition AS truth
    FROM metrics.company_insights t JOIN metrics.company_insights p USING (company_id, year)
    WHERE t.source = 'truth' AND p.source = 'platform' AND t.average_headcount >= 50)"""
# Platform hires (a member's first reported position at a company, as metrics.network counts
# them) whose person already worked at that company in truth, and which of those had a
# connection working there before the reported start (the network's insider rule).
UNSEEN_JOINERS = """WITH hires AS (
        SELECT member_id, company_id, min(start_date) AS start_date FROM raw.positions
        GROUP BY member_id, company_id HAVING min(start_date) >= (SELECT min(month) FROM raw.calendar)),
    unseen AS (
        SELECT DISTINCT h.* FROM hires h
        JOIN truth.people pe ON pe.member_id = h.member_id
        JOIN truth.positions t ON t.person_id = pe.person_id AND t.company_id = h.company_id
            AND t.start_date < h.start_date),
    ends AS (
        SELECT member_a AS member_id, member_b AS other_id, connected_on FROM raw.connections
        UNION ALL SELECT member_b, member_a, connected_on FROM raw.connections),
    connected AS (
        SELECT DISTINCT u.* FROM unseen u
        JOIN ends c ON c.member_id = u.member_id AND c.connected_on < u.start_date
        JOIN raw.positions p ON p.member_id = c.other_id AND p.company_id = u.company_id
            AND p.start_date < u.start_date AND (p.end_date IS NULL OR p.end_date > u.start_date))
    """


# The salary-insight cell the README quotes (its prose names the cell; the README's query
# summarises every cell, which returns rows at any population).
UTRECHT_SENIOR_DEVELOPERS = (
    "(SELECT reports, round(estimate) AS platform_estimate, ci_low, ci_high, round(truth_median) AS true_median, "
    "round(100 * estimate_error) AS error_pct FROM metrics.salary_insights WHERE year = 2025 "
    "AND occupation = 'Software developer' AND city = 'Utrecht' AND seniority = 'senior')"
)

FIGURES = [
    # ---- Where do people live, and where do they work?
    *[F(f"suburb-{city}-{basis}", phrase, figure,
        f"SELECT {basis} FROM {{residence_and_workplace}} WHERE city = '{city}'", signed)
      for city, basis, figure, phrase in (
          ("Zoetermeer", "by_workplace", "+303", "Zoetermeer +303 per 10,000 a year by workplace against +110"),
          ("Zoetermeer", "by_residence", "+110", "Zoetermeer +303 per 10,000 a year by workplace against +110"),
          ("Amstelveen", "by_workplace", "+270", "Amstelveen +270 against +88"),
          ("Amstelveen", "by_residence", "+88", "Amstelveen +270 against +88"),
          ("Zaanstad", "by_workplace", "+258", "Zaanstad +258 against +73"),
          ("Zaanstad", "by_residence", "+73", "Zaanstad +258 against +73"),
      )],
    *[F(f"commuting-{source}", phrase, figure,
        f"SELECT live_in_work_city_pct FROM {{commuting}} WHERE source = '{source}'")
      for source, figure, phrase in (
          ("truth", "40.1", "40.1% of the employed live in the municipality where they work"),
          ("platform", "37.2", "(and 37.2% living where they work)"),
      )],
    *[F(f"moves-of-residence-{source}", phrase, figure,
        f"SELECT moved_pct FROM {{moves_of_residence}} WHERE source = '{source}'")
      for source, figure, phrase in (
          ("truth", "4.1", "Each year 4.1% of them move to another municipality"),
          ("platform", "2.9", "the platform sees 2.9%"),
      )],
    *[F(f"work-city-changes-{source}", "2.5% of its employed change work city in a year, against 3.3% in truth",
        figure, "SELECT round(100 * sum(departures) / sum(members), 1) FROM metrics.talent_flows "
        f"WHERE occupation_family = 'all' AND source = '{source}'")
      for source, figure in (("platform", "2.5"), ("truth", "3.3"))],
    F("commuting-2015", "| 39.5% (`metrics.commuting`)", "39.5",
      "SELECT round(live_in_work_city_pct, 1) FROM metrics.commuting WHERE source = 'truth' AND year = 2015 "
      "AND work_city = 'all'"),
    F("amsterdam-moving-out", "| 4.0% (`metrics.residence_flows`) |", "4.0",
      "SELECT round(100 * sum(departures) / sum(members), 1) FROM metrics.residence_flows WHERE source = 'truth' "
      "AND city = 'Amsterdam' AND occupation_family = 'all' AND year BETWEEN 2013 AND 2015"),
    *[F(f"live-in-work-city-{city}", phrase, figure,
        "SELECT round(live_in_work_city_pct, 1) FROM metrics.commuting WHERE source = 'truth' AND year = 2015 "
        f"AND work_city = '{city}'")
      for city, figure, phrase in (("Amsterdam", "31.6", "(Amsterdam 31.6% in 2015 against the national 38%"),
                                   ("Groningen", "98.9", "(Groningen 98.9%)"))],
    F("moving-2016", "| 4.1% of the employed (`metrics.residence_flows`)", "4.1",
      "SELECT round(100 * sum(departures) / sum(members), 1) FROM metrics.residence_flows WHERE source = 'truth' "
      "AND occupation_family = 'all' AND year = 2016"),
    F("utrecht-moving-2022", "the student city of Utrecht sees 5.0% of its employed leave in 2022", "5.0",
      "SELECT round(100 * departures / members, 1) FROM metrics.residence_flows WHERE source = 'truth' "
      "AND occupation_family = 'all' AND city = 'Utrecht' AND year = 2022"),
    *[F(f"amsterdam-balance-{label}", phrase, figure,
        "SELECT round(avg(net_per_10k)) FROM metrics.residence_flows WHERE source = 'truth' AND city = 'Amsterdam' "
        f"AND occupation_family = 'all' AND year BETWEEN {first} AND {last}", signed)
      for label, first, last, figure, phrase in (
          ("2015-2024", 2015, 2024, "\u221230", "(\u221230 per 10,000 a year over 2015\u20132024"),
          ("2012", 2012, 2012, "+152", "(+152 in 2012, as the first draws settle)"),
          ("row", 2015, 2024, "\u221230", "| \u221230 per 10,000 a year (`metrics.residence_flows`) |"),
      )],
    # ---- How wrong is the platform's view? Who is on it (metrics.coverage), on 1 January 2025
    # unless said; representativeness and dissimilarity averaged over 2013-2024.
    F("coverage-2025", "the platform covers 54% of the employed (19% in 2012)", "54",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2025", decimals(0)),
    F("coverage-2012", "the platform covers 54% of the employed (19% in 2012)", "19",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2012", decimals(0)),
    F("coverage-2025-closing", "it covers 54% of the employed in 2025", "54",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2025", decimals(0)),
    *[F(f"coverage-{level}", "By education it covers 86% of WO and 77% of HBO graduates, against 44% of MBO and 30% of VO",
        figure, f"SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'education_level' AND year = 2025 AND segment = '{level}'", decimals(0))
      for level, figure in (("WO", "86"), ("HBO", "77"), ("MBO", "44"), ("VO", "30"))],
    *[F(f"coverage-{family}", "it covers 79% of legal and 71% of ICT workers, against 32% of construction workers",
        figure, f"SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'occupation_family' AND year = 2025 AND segment = '{family}'", decimals(0))
      for family, figure in (("Legal", "79"), ("ICT", "71"), ("Construction & Trades", "32"))],
    *[F(f"representativeness-{level}", "WO graduates are over-represented 1.59× and VO 0.56×", figure,
        "SELECT round(avg(representativeness), 2) FROM metrics.coverage WHERE dimension = 'education_level' "
        f"AND segment = '{level}' AND year BETWEEN 2013 AND 2024", decimals(2))
      for level, figure in (("WO", "1.59"), ("VO", "0.56"))],
    *[F(f"dissimilarity-{dimension}", "index is 0.17 by education, 0.11 by family and 0.02 by city", figure,
        "SELECT round(avg(dissimilarity), 2) FROM metrics.coverage "
        f"WHERE dimension = '{dimension}' AND year BETWEEN 2013 AND 2024", decimals(2))
      for dimension, figure in (("education_level", "0.17"), ("occupation_family", "0.11"), ("city", "0.02"))],
    *[F(f"members-{level}", "| VO 28%, MBO 40%, HBO 70%, WO 78% |", f"{level} {figure}%",
        "SELECT round(100 * avg(CASE WHEN member_id IS NULL THEN 0 ELSE 1 END)) FROM truth.people "
        f"WHERE highest_education_level = '{level}'", lambda v, level=level: f"{level} {v:.0f}%")
      for level, figure in (("VO", "28"), ("MBO", "40"), ("HBO", "70"), ("WO", "78"))],
    # How wrong: the platform's job-change rate against the truth (metrics.platform_vs_truth).
    F("job-change-too-low", "It is 23% too low", "23",
      "SELECT -round(100 * avg(relative_error)) FROM metrics.platform_vs_truth WHERE metric = 'job_change_rate' "
      "AND dimension = 'all' AND year BETWEEN 2013 AND 2024", decimals(0)),
    *[F(f"net-migration-{city}-{source}", "Groningen −163 per 10,000 a year against −190, Zoetermeer +272 against +292",
        figure, "SELECT round(avg(net_per_10k)) FROM metrics.talent_flows WHERE occupation_family = 'all' "
        f"AND city = '{city}' AND source = '{source}' AND year BETWEEN 2013 AND 2024", signed)
      for city, source, figure in (("Groningen", "platform", "\u2212163"), ("Groningen", "truth", "\u2212190"),
                                   ("Zoetermeer", "platform", "+272"), ("Zoetermeer", "truth", "+292"))],
    F("groningen-net-truth", "| Groningen | net −192 per 10,000 a year |", "\u2212192",
      "SELECT round(avg(net_per_10k)) FROM metrics.talent_flows WHERE occupation_family = 'all' "
      "AND city = 'Groningen' AND source = 'truth'", signed),
    # ---- What do people earn, and did job switchers out-earn stayers?
    F("senior-developer-median", "earns a median 5,823 euros a month", "5,823",
      "SELECT median_wage FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-people", "(126 people; the middle half", "126",
      "SELECT people FROM {developer_wages} WHERE seniority = 'senior'", text),
    F("senior-developer-p25", "the middle half between 4,842 and 7,608", "4,842",
      "SELECT p25 FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-p75", "the middle half between 4,842 and 7,608", "7,608",
      "SELECT p75 FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-reports", "from the 16 pay reports of such developers", "16",
      "SELECT reports FROM " + UTRECHT_SENIOR_DEVELOPERS, text),
    F("senior-developer-estimate", "would publish 62,000 euros a year", "62,000",
      "SELECT platform_estimate FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-true-median", "against a true median of 70,044", "70,044",
      "SELECT true_median FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-error", "70,044: 11% too low", "11",
      "SELECT -error_pct FROM " + UTRECHT_SENIOR_DEVELOPERS, decimals(0)),
    F("senior-developer-ci-low", "an interval of 57,000 to 97,000", "57,000",
      "SELECT ci_low FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-ci-high", "an interval of 57,000 to 97,000", "97,000",
      "SELECT ci_high FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("supported-cells-error-2025", "or more is 6.9% too high", "6.9",
      "SELECT median_error_pct FROM {salary_insights_by_status} WHERE status = 'supported'"),
    F("shrunk-cells-error-2025", "the thinner shrunk cells 7.9%", "7.9",
      "SELECT median_error_pct FROM {salary_insights_by_status} WHERE status = 'shrunk'"),
    # Can the platform estimate your salary? (metrics.salary_estimates, 1 December 2025)
    F("estimates-members", "Of the 42,943 members employed", "42,943",
      "SELECT members FROM metrics.salary_estimates WHERE year = 2025 AND dimension = 'all'", thousands),
    F("estimates-estimated", "it could estimate 42,327", "42,327",
      "SELECT estimated FROM {salary_estimates} WHERE dimension = 'all'", thousands),
    F("estimates-error", "Half its estimates are more than 19.6% off", "19.6",
      "SELECT median_abs_error_pct FROM {salary_estimates} WHERE dimension = 'all'"),
    F("estimates-within-10", "only 27% are within 10%", "27",
      "SELECT within_10_pct FROM {salary_estimates} WHERE dimension = 'all'", decimals(0)),
    *[F(f"estimates-{segment}", phrase, figure,
        f"SELECT median_abs_error_pct FROM {{salary_estimates}} WHERE dimension = '{dimension}' AND segment = '{segment}'")
      for dimension, segment, phrase, figure in (
          ("own_reports", "never", "they earn the error is 19.7%", "19.7"),
          ("own_reports", "in the model", "were in the model 18.2%", "18.2"),
          ("education_level", "WO", "(18.7% for WO, 20.2% for MBO)", "18.7"),
          ("education_level", "MBO", "(18.7% for WO, 20.2% for MBO)", "20.2"),
          ("age_band", "15-24", "17.4% at 15-24 to 23.5% at 65-74", "17.4"),
          ("age_band", "65-74", "17.4% at 15-24 to 23.5% at 65-74", "23.5"),
      )],
    F("estimates-bias-2025", "run low, by 4.2% in 2025, where in 2012 they ran 2.5% high", "4.2",
      "SELECT -median_error_pct FROM {salary_estimates} WHERE dimension = 'all'"),
    F("estimates-bias-2012", "run low, by 4.2% in 2025, where in 2012 they ran 2.5% high", "2.5",
      "SELECT round(100 * median_error, 1) FROM metrics.salary_estimates WHERE year = 2012 AND dimension = 'all'"),
    F("switchers-2022", "2022: 7.3% against 4.1%", "7.3",
      "SELECT switchers_pct FROM {wage_growth} WHERE year = 2022"),
    F("stayers-2022", "2022: 7.3% against 4.1%", "4.1",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2022"),
    F("premium-2022", "a premium of 3.2 points", "3.2",
      "SELECT premium_points FROM {wage_growth} WHERE year = 2022"),
    F("premium-largest-in-2022", "out-earned stayers most in 2022", "2022",
      "SELECT year FROM {wage_growth} ORDER BY premium_points DESC LIMIT 1", text),
    F("tracker-premium-january-2022", "from 1.4 points in January to 3.6 in December", "1.4",
      "SELECT premium_3m_points FROM {wage_growth_tracker} WHERE source = 'truth' AND month = DATE '2022-01-01'"),
    F("tracker-premium-december-2022", "from 1.4 points in January to 3.6 in December", "3.6",
      "SELECT premium_3m_points FROM {wage_growth_tracker} WHERE source = 'truth' AND month = DATE '2022-12-01'"),
    F("tracker-premium-peak", "peaked in July 2023 at 4.3", "4.3",
      "SELECT round(max(switcher_premium_3m), 1) FROM metrics.wage_growth_tracker WHERE source = 'truth'"),
    F("tracker-premium-peak-month", "peaked in July 2023 at 4.3", "July 2023",
      "SELECT strftime(month, '%B %Y') FROM metrics.wage_growth_tracker WHERE source = 'truth' "
      "ORDER BY switcher_premium_3m DESC NULLS LAST LIMIT 1", text),
    # The platform's tracker: members who report a year apart (2022, and the whole window).
    F("tracker-platform-pairs-2022", "147 a month in 2022, 19 of them switchers", "147",
      "SELECT round(avg(people)) FROM {wage_growth_tracker} WHERE source = 'platform'", decimals(0)),
    F("tracker-platform-switchers-2022", "147 a month in 2022, 19 of them switchers", "19",
      "SELECT round(avg(switchers)) FROM {wage_growth_tracker} WHERE source = 'platform'", decimals(0)),
    *(
        F(f"tracker-premium-2022-{source}", "(in 2022 it averages 3.8 points against 2.1 in truth)", figure,
          f"SELECT round(avg(premium_3m_points), 1) FROM {{wage_growth_tracker}} WHERE source = '{source}'")
        for source, figure in (("platform", "3.8"), ("truth", "2.1"))
    ),
    F("tracker-platform-premium-gap", "it runs 1.3 points above the truth's", "1.3",
      "SELECT round(avg(p.switcher_premium_3m - t.switcher_premium_3m), 1) "
      "FROM metrics.wage_growth_tracker p JOIN metrics.wage_growth_tracker t USING (month) "
      "WHERE p.source = 'platform' AND t.source = 'truth'"),
    F("tracker-platform-stayers-gap", "stayers' growth runs 1.1 points below", "1.1",
      "SELECT round(avg(t.median_growth_stayers_3m - p.median_growth_stayers_3m), 1) "
      "FROM metrics.wage_growth_tracker p JOIN metrics.wage_growth_tracker t USING (month) "
      "WHERE p.source = 'platform' AND t.source = 'truth'"),
    F("stayers-2023", "7.0% in 2023 and 7.5% in 2024", "7.0",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2023"),
    F("stayers-2024", "7.0% in 2023 and 7.5% in 2024", "7.5",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2024"),
    # ---- How tight is the labour market, and how fast are postings filled?
    # Open postings are the yearly averages of postings open on the first of a month, both
    # sources alike; the range leaves out the 2022 boom, quoted apart.
    F("open-postings-min", "2,500 to 3,700 postings are open", "2,500",
      "SELECT round(min(open_postings), -2) FROM {tightness} WHERE source = 'truth' AND year <> 2022",
      thousands),
    F("open-postings-max", "2,500 to 3,700 postings are open", "3,700",
      "SELECT round(max(open_postings), -2) FROM {tightness} WHERE source = 'truth' AND year <> 2022",
      thousands),
    F("open-postings-2022", "(4,100 in the 2022 boom)", "4,100",
      "SELECT round(open_postings, -2) FROM {tightness} WHERE source = 'truth' AND year = 2022", thousands),
    F("truth-applicants-2012", "In truth 1,800 people applied", "1,800",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'truth' AND year = 2012",
      thousands),
    F("truth-applicants-2025", "and 2,840 in 2025, so tightness", "2,840",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'truth' AND year = 2025",
      thousands),
    F("truth-tightness-2012", "tightness falls from 1.40 to 1.05", "1.40",
      "SELECT tightness FROM {tightness} WHERE source = 'truth' AND year = 2012", decimals(2)),
    F("truth-tightness-2025", "tightness falls from 1.40 to 1.05", "1.05",
      "SELECT tightness FROM {tightness} WHERE source = 'truth' AND year = 2025", decimals(2)),
    F("platform-applicants-2012", "(610 a month in 2012", "610",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'platform' AND year = 2012",
      thousands),
    F("platform-applicants-2025", "1,850 in 2025)", "1,850",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'platform' AND year = 2025",
      thousands),
    *(
        F(f"platform-tightness-{year}", "4.13 in 2012, 1.71 in 2024 and 1.62 in 2025", figure,
          f"SELECT tightness FROM {{tightness}} WHERE source = 'platform' AND year = {year}", decimals(2))
        for year, figure in [(2012, "4.13"), (2024, "1.71"), (2025, "1.62")]
    ),
    *(
        F(f"tightness-2024-{family.split()[0].lower()}-{source}", phrase, figure,
          f"SELECT {source} FROM {{tightness_by_family}} WHERE occupation_family = '{family}'", decimals(2))
        for family, phrase, source, figure in [
            ("Logistics", "logistics reads 1.89 against 1.13", "platform", "1.89"),
            ("Logistics", "logistics reads 1.89 against 1.13", "truth", "1.13"),
            ("Construction & Trades", "construction 1.86 against 1.07", "platform", "1.86"),
            ("Construction & Trades", "construction 1.86 against 1.07", "truth", "1.07"),
            ("ICT", "ICT only 1.59 against 1.09", "platform", "1.59"),
            ("ICT", "ICT only 1.59 against 1.09", "truth", "1.09"),
        ]
    ),
    # The order the sentence claims: the family the platform overstates most is one of those
    # it covers least (coverage of the workforce, metrics.coverage), and ICT, covered twice as
    # well, is overstated least.
    F("overstated-most-is-covered-least", "It overstates most where it covers fewest workers", "fewest",
      "SELECT CASE WHEN (SELECT occupation_family FROM {tightness_by_family} ORDER BY platform / truth DESC LIMIT 1) "
      "IN (SELECT segment FROM metrics.coverage WHERE year = 2024 AND dimension = 'occupation_family' "
      "ORDER BY coverage LIMIT 3) THEN 'fewest' ELSE 'not the fewest' END", text),
    # The range of the years' means.
    F("mean-months-to-fill", "took 1.5-1.6 months from opening to hire", "1.5-1.6",
      "SELECT printf('%.1f-%.1f', min(mean_months_to_fill), max(mean_months_to_fill)) FROM {tightness} "
      "WHERE source = 'platform'", text),
    F("median-months-to-fill", "(median 1 or 2 months a year)", "1 or 2",
      "SELECT array_to_string(list_sort(list_distinct(list(median_months_to_fill::INT::VARCHAR))), ' or ') "
      "FROM {tightness} WHERE source = 'platform'", text),
    # ---- How do companies grow and lose people?
    F("largest-employer-headcount", "(1,994 people at the end of 2024", "1,994",
      "SELECT headcount_end FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1", thousands),
    F("largest-employer-industry", "in construction) lost", "construction",
      "SELECT lower(industry) FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1", text),
    F("largest-employer-attrition", "lost 25.4% of its average headcount", "25.4",
      "SELECT attrition_pct FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1"),
    F("largest-employer-tenure", "had been there 3.5 years", "3.5",
      "SELECT median_tenure_years FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1"),
    # The README's query does not show the leavers to other employers: read them directly.
    F("largest-employer-leavers", "of the 350 leavers who moved straight", "350",
      TRUTH_2024_LARGEST.format(col="leavers_to_other_employers"), thousands),
    F("largest-employer-top-destination-leavers", "the most (64) went to", "64",
      "SELECT top_destination_industry_leavers FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1",
      thousands),
    F("largest-employer-top-destination", "went to retail and hospitality", "retail and hospitality",
      "SELECT lower(top_destination_industry) FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1",
      text),
    *(
        F(f"attrition-{source}-{year}", phrase, figure,
          f"SELECT attrition_pct FROM {{attrition}} WHERE source = '{source}' AND year = {year}")
        for source, phrase, year, figure in [
            ("truth", "attrition is 21.3% in 2013, 28.6% in the 2022 boom and 24.0% in 2024", 2013, "21.3"),
            ("truth", "attrition is 21.3% in 2013, 28.6% in the 2022 boom and 24.0% in 2024", 2022, "28.6"),
            ("truth", "attrition is 21.3% in 2013, 28.6% in the 2022 boom and 24.0% in 2024", 2024, "24.0"),
            ("platform", "The platform reads 17.8%, 18.8% and 12.1%", 2013, "17.8"),
            ("platform", "The platform reads 17.8%, 18.8% and 12.1%", 2022, "18.8"),
            ("platform", "The platform reads 17.8%, 18.8% and 12.1%", 2024, "12.1"),
        ]
    ),
    F("hired-from-another-employer-min", "58-70% of hires come straight from another employer", "58",
      "SELECT round(min(pct_hired_from_another_employer)) FROM {attrition} WHERE source = 'truth'",
      decimals(0)),
    F("hired-from-another-employer-max", "58-70% of hires come straight from another employer", "70",
      "SELECT round(max(pct_hired_from_another_employer)) FROM {attrition} WHERE source = 'truth'",
      decimals(0)),
    F("company-attrition-ratio-2013", "0.84 times the true one in 2013", "0.84",
      f"SELECT round(median(platform / truth), 2) FROM {COMPANY_PAIRS} WHERE year = 2013", decimals(2)),
    F("company-attrition-ratio-2024", "and 0.49 times in 2024", "0.49",
      f"SELECT round(median(platform / truth), 2) FROM {COMPANY_PAIRS} WHERE year = 2024", decimals(2)),
    # The correlation's range over the years 2013 to 2024, the years the sentence spans.
    F("company-attrition-correlation-min", "with a correlation of 0.50-0.72", "0.50",
      f"SELECT round(min(r), 2) FROM (SELECT corr(platform, truth) AS r FROM {COMPANY_PAIRS} "
      "WHERE year BETWEEN 2013 AND 2024 GROUP BY year)", decimals(2)),
    F("company-attrition-correlation-max", "with a correlation of 0.50-0.72", "0.72",
      f"SELECT round(max(r), 2) FROM (SELECT corr(platform, truth) AS r FROM {COMPANY_PAIRS} "
      "WHERE year BETWEEN 2013 AND 2024 GROUP BY year)", decimals(2)),
    # ---- Who applies to a posting? The README's query is per family; the all-family
    # figures are the same aggregates over every posting of the year.
    F("posting-views-2025", "viewed by 6.3 members", "6.3",
      f"SELECT round(avg(i.views), 1) FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("posting-applicants-2025", "gets 1.13 applicants", "1.13",
      f"SELECT round(avg(i.applicants), 2) FROM {POSTINGS} WHERE year(p.opened_on) = 2025", decimals(2)),
    F("posting-views-2013", "(3.2 and 0.57 in 2013", "3.2",
      f"SELECT round(avg(i.views), 1) FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("posting-applicants-2013", "(3.2 and 0.57 in 2013", "0.57",
      f"SELECT round(avg(i.applicants), 2) FROM {POSTINGS} WHERE year(p.opened_on) = 2013", decimals(2)),
    F("half-the-skills-2025", "12.3% held at least half", "12.3",
      f"SELECT {HALF_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("all-skills-2025", "and 0.8% all of them", "0.8",
      f"SELECT {ALL_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("half-the-skills-2013", "(0.4% and 0.0% in 2013)", "0.4",
      f"SELECT {HALF_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("all-skills-2013", "(0.4% and 0.0% in 2013)", "0.0",
      f"SELECT {ALL_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("required-skills-per-posting", "a posting requires about five", "five",
      "SELECT round(avg(required_skills)) FROM metrics.posting_insights", in_words),
    F("best-fitting-family", "Legal applicants fit best", "Legal",
      "SELECT occupation_family FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1", text),
    F("best-fitting-family-half-the-skills", "(23.6% with half the skills", "23.6",
      "SELECT half_the_skills_pct FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1"),
    F("best-fitting-family-wo", "56% of them WO", "56",
      "SELECT wo_pct FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1", decimals(0)),
    F("worst-fitting-family", "ICT applicants least", "ICT",
      "SELECT occupation_family FROM {posting_fit} ORDER BY half_the_skills_pct LIMIT 1", text),
    F("worst-fitting-family-half-the-skills", "ICT applicants least (4.8%)", "4.8",
      "SELECT half_the_skills_pct FROM {posting_fit} ORDER BY half_the_skills_pct LIMIT 1"),
    F("months-to-hire-2025", "The hired member applied 1.5 months before the hire", "1.5",
      f"SELECT round(avg(i.months_to_hire), 1) FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    # ---- Do skills or pedigree get people hired? (whole percentages of the query's shares)
    *(
        F(f"hires-{category.replace('_', '-')}-{year}", phrase, figure,
          f"SELECT round(pct_of_hires) FROM {{hires_by_basis}} "
          f"WHERE year = {year} AND category = '{category}'",
          decimals(0))
        for category, year, phrase, figure in [
            ("skills_at_least_1", 2025, "53% of the 2025 hires through postings", "53"),
            ("skills_at_least_2", 2025, "(26% at least two; 6% in 2013)", "26"),
            ("skills_at_least_1", 2013, "(26% at least two; 6% in 2013)", "6"),
            ("pedigree", 2025, "and 27% came from an employer", "27"),
            ("pedigree", 2013, "(12% in 2013): 37% skills only", "12"),
            ("skills_only", 2025, "37% skills only, 11% pedigree only, 16% both, 37% neither", "37"),
            ("pedigree_only", 2025, "37% skills only, 11% pedigree only, 16% both, 37% neither", "11"),
            ("skills_and_pedigree", 2025, "37% skills only, 11% pedigree only, 16% both, 37% neither", "16"),
            ("neither", 2025, "37% skills only, 11% pedigree only, 16% both, 37% neither", "37"),
        ]
    ),
    F("recruiter-searches-2025", "about 61,000 searches in 2025", "61,000",
      "SELECT round(searches, -3) FROM {skill_searches} WHERE year = 2025", thousands),
    F("skill-filter-share-2025", "50.0% of them filtering on skills", "50.0",
      "SELECT pct_filtering_on_skills FROM {skill_searches} WHERE year = 2025"),
    F("skill-filter-share-2012", "up from 9.8% of 47,000 in 2012", "9.8",
      "SELECT pct_filtering_on_skills FROM {skill_searches} WHERE year = 2012"),
    F("recruiter-searches-2012", "up from 9.8% of 47,000 in 2012", "47,000",
      "SELECT round(searches, -3) FROM {skill_searches} WHERE year = 2012", thousands),
    *(
        F(f"skills-added-2025-{how}", phrase, figure,
          f"SELECT round(pct) FROM {{skills_by_source}} WHERE how_added = '{how}'", decimals(0))
        for how, phrase, figure in [
            ("self", "60% were added by members themselves", "60"),
            ("endorsed", "25% endorsed", "25"),
            ("course", "10% from courses", "10"),
            ("assessment", "5% from assessments", "5"),
        ]
    ),
    # ---- How big is the network?
    F("mean-connections-2012", "2.6 connections on average at the end of 2012", "2.6",
      "SELECT mean_connections FROM {network} WHERE year = 2012"),
    F("mean-connections-2025", "and 23.4 at the end of 2025", "23.4",
      "SELECT mean_connections FROM {network} WHERE year = 2025"),
    F("median-connections-2012", "(median 2 and 20)", "2",
      "SELECT median_degree FROM {network} WHERE year = 2012", text),
    F("median-connections-2025", "(median 2 and 20)", "20",
      "SELECT median_degree FROM {network} WHERE year = 2025", text),
    F("connections", "75% of the 700,000 connections", "700,000",
      "SELECT round(count(*), -3) FROM raw.connections", thousands),
    *(
        F(f"connections-{context}", phrase, figure,
          f"SELECT round(100 * avg((context = '{context}')::INT)) FROM raw.connections", decimals(0))
        for context, phrase, figure in [
            ("colleagues", "75% of the 700,000 connections are colleagues", "75"),
            ("classmates", "4% classmates", "4"),
            ("other", "21% met elsewhere", "21"),
        ]
    ),
    # The README's network query does not show the connected hires: read them directly.
    F("connected-hires-2025", "10.3% already knew someone", "10.3",
      "SELECT round(100 * connected_hire_share, 1) FROM metrics.network "
      "WHERE source = 'platform' AND year = 2025"),
    F("connected-hires-2016", "(2.9% in 2016)", "2.9",
      "SELECT round(100 * connected_hire_share, 1) FROM metrics.network "
      "WHERE source = 'platform' AND year = 2016"),
    *(
        F(f"insider-{source}-{column.split('_')[1]}", phrase, figure,
          f"SELECT round({column}, 1) FROM {{insiders}} WHERE source = '{source}'")
        for source, column, phrase, figure in [
            ("platform", "at_own_employer_pct", "4.5% of matched hires", "4.5"),
            ("platform", "at_partners_employer_pct", "against 3.7% at their partner's", "3.7"),
            ("truth", "at_own_employer_pct", "The truth says no: 3.3% against 3.3%", "3.3"),
            ("truth", "at_partners_employer_pct", "The truth says no: 3.3% against 3.3%", "3.3"),
        ]
    ),
    F("unseen-joiners", "1.9% of the hires it sees", "1.9",
      UNSEEN_JOINERS + "SELECT round(100 * (SELECT count(*) FROM unseen) / (SELECT count(*) FROM hires), 1)"),
    F("unseen-joiners-connected", "and 65% of them know someone there", "65",
      UNSEEN_JOINERS + "SELECT round(100 * (SELECT count(*) FROM connected) / (SELECT count(*) FROM unseen))",
      decimals(0)),
    # ---- Figures other sections quote from the blocks that have no prose of their own.
    # "How close the default scenario lands" (truth) and "How wrong is the platform's view?".
    *(
        F(f"job-change-yoy-{year}", "2020 −20%, 2021 +19%, 2022 +43%, 2023 −14%", figure,
          f"SELECT yoy_pct FROM {{job_change}} WHERE source = 'truth' AND year = {year}", signed)
        for year, figure in [(2020, "−20"), (2021, "+19"), (2022, "+43"), (2023, "−14")]
    ),
    # a quarter's rate: the yearly rate / 4, from the unrounded rate
    F("job-changes-a-quarter-2013", "2.8% → 5.2% (yearly rate / 4)", "2.8",
      "SELECT round(100 * rate / 4, 1) FROM metrics.job_change_rate "
      "WHERE source = 'truth' AND grain = 'year' AND year(period) = 2013"),
    F("job-changes-a-quarter-2022", "2.8% → 5.2% (yearly rate / 4)", "5.2",
      "SELECT round(100 * rate / 4, 1) FROM metrics.job_change_rate "
      "WHERE source = 'truth' AND grain = 'year' AND year(period) = 2022"),
    F("job-change-yoy-2022-platform", "The 2022 boom reads +38% instead of +43%", "+38",
      "SELECT yoy_pct FROM {job_change} WHERE source = 'platform' AND year = 2022", signed),
    F("job-change-yoy-2022-truth", "The 2022 boom reads +38% instead of +43%", "+43",
      "SELECT yoy_pct FROM {job_change} WHERE source = 'truth' AND year = 2022", signed),
    *(
        F(f"job-change-rate-platform-error-{year}", "−9% in 2013, −31% in 2022 and −58% in 2025", figure,
          "SELECT round(100 * (platform_pct / truth_pct - 1)) FROM {platform_vs_truth} "
          f"WHERE year = {year}",
          signed)
        for year, figure in [(2013, "−9"), (2022, "−31"), (2025, "−58")]
    ),
    F("amsterdam-leavers-destinations", "Almere, Zaanstad, Amstelveen, Haarlem first",
      "Almere, Zaanstad, Amstelveen, Haarlem",
      "SELECT string_agg(destination_city, ', ' ORDER BY movers DESC) "
      "FROM (SELECT * FROM {amsterdam_leavers} ORDER BY movers DESC LIMIT 4)", text),
    F("groningen-net-per-10k", "net −192 per 10,000 a year", "−192",
      "SELECT net_per_10k_a_year FROM {net_by_city} WHERE city = 'Groningen'", signed),
    F("skills-added-yoy-2022", "+45% (+38% per member)", "+45",
      "SELECT yoy_pct FROM {skills_added} WHERE year = 2022", signed),
    F("skills-added-per-member-yoy-2022", "+45% (+38% per member)", "+38",
      "SELECT round(100 * per_member_yoy_growth) FROM metrics.skills_added WHERE year = 2022", signed),
    F("skill-filter-share-range-2012", "10% (2012) → 50% (2025)", "10",
      "SELECT round(pct_filtering_on_skills) FROM {skill_searches} WHERE year = 2012", decimals(0)),
    F("skill-filter-share-range-2025", "10% (2012) → 50% (2025)", "50",
      "SELECT round(pct_filtering_on_skills) FROM {skill_searches} WHERE year = 2025", decimals(0)),
    *(
        F(f"stale-profiles-{name}", phrase, figure, f"SELECT {sql} FROM metrics.stale_profiles "
          f"WHERE year = {year} AND age_band = '{band}'", fmt)
        for name, phrase, figure, sql, year, band, fmt in [
            ("shown-2025", "platform counts 55,819 members as employed", "55,819", "shown_employed", 2025, "all",
             thousands),
            ("retired-2025", "16.2% of them have retired and 8.5% are without work", "16.2",
             "round(100 * retired_share, 1)", 2025, "all", decimals(1)),
            ("without-work-2025", "16.2% of them have retired and 8.5% are without work", "8.5",
             "round(100 * without_work / shown_employed, 1)", 2025, "all", decimals(1)),
            ("overstatement-2025", "overstates its employed members by 30.1% (2015: 2.7%)", "30.1",
             "round(100 * overstatement, 1)", 2025, "all", decimals(1)),
            ("overstatement-2015", "overstates its employed members by 30.1% (2015: 2.7%)", "2.7",
             "round(100 * overstatement, 1)", 2015, "all", decimals(1)),
            ("stale-65-74-2025", "88.4% no longer work", "88.4", "round(100 * stale_share, 1)", 2025, "65-74",
             decimals(1)),
        ]
    ),
    *(
        F(f"dormant-{name}", phrase, figure, f"SELECT {sql} FROM metrics.stale_profiles "
          f"WHERE year = 2025 AND age_band = '{band}'", fmt)
        for name, phrase, figure, sql, band, fmt in [
            ("kept-2025", "keeps 45,667 of the 55,819 members in 2025", "45,667", "shown_current", "all", thousands),
            ("shown-2025", "keeps 45,667 of the 55,819 members in 2025", "55,819", "shown_employed", "all", thousands),
            ("stale-2025", "from 24.7% to 8.0%", "24.7", "round(100 * stale_share, 1)", "all", decimals(1)),
            ("kept-stale-2025", "from 24.7% to 8.0%", "8.0", "round(100 * current_stale_share, 1)", "all",
             decimals(1)),
            ("kept-stale-65-74-2025", "(aged 65–74: to 37.3%)", "37.3", "round(100 * current_stale_share, 1)",
             "65-74", decimals(1)),
        ]
    ),
    F("raking-weights-low", "is weighted (0.8–5.8)", "0.8", "SELECT round(min(weight), 1) FROM metrics.raking_weights"),
    F("raking-weights-high", "is weighted (0.8–5.8)", "5.8", "SELECT round(max(weight), 1) FROM metrics.raking_weights"),
    *(
        # A composition error before and after the correction, and how much of it goes.
        F(f"correction-{name}-{part}", phrase, figure,
          f"SELECT {sql} FROM metrics.corrected_estimates WHERE dimension = '{dimension}' "
          "AND year BETWEEN 2013 AND 2024", fmt)
        for name, dimension, phrase, figures in [
            ("city-education", "city|education_level", "a city goes from 8.6 to 0.6 points off (−93%)",
             ("8.6", "0.6", "−93")),
            ("family-education", "occupation_family|education_level", "family goes from 7.7 to 0.4 points off (−95%)",
             ("7.7", "0.4", "−95")),
            ("city-family", "city|occupation_family", "the family mix of a city goes from 1.9 to 0.5 points off (−73%)",
             ("1.9", "0.5", "−73")),
        ]
        for part, figure, sql, fmt in zip(
            ("before", "after", "reduction"),
            figures,
            ("round(100 * avg(abs(error)), 1)", "round(100 * avg(abs(corrected_error)), 1)",
             "100 * (avg(abs(corrected_error)) / avg(abs(error)) - 1)"),
            (decimals(1), decimals(1), signed),
        )
    ),
    *(
        F(f"correction-{name}", phrase, figure,
          f"SELECT {sql} FROM metrics.corrected_estimates WHERE {where} AND year BETWEEN 2013 AND {last}", fmt)
        for name, phrase, figure, sql, where, last, fmt in [
            ("job-changes-before", "22.6% too low uncorrected and 16.0% corrected", "22.6",
             "round(-100 * avg(relative_error), 1)", "metric = 'job_changes_per_employed'", 2024, decimals(1)),
            ("job-changes-after", "22.6% too low uncorrected and 16.0% corrected", "16.0",
             "round(-100 * avg(corrected_relative_error), 1)", "metric = 'job_changes_per_employed'", 2024,
             decimals(1)),
            ("migration-before", "(49 to 56 per 10,000 off)", "49", "round(avg(abs(error)))",
             "metric = 'net_talent_migration_per_10k'", 2024, decimals(0)),
            ("migration-after", "(49 to 56 per 10,000 off)", "56", "round(avg(abs(corrected_error)))",
             "metric = 'net_talent_migration_per_10k'", 2024, decimals(0)),
            ("first-jobs-before", "(−3.5 to −7.0 points)", "−3.5", "round(100 * avg(error), 1)",
             "metric = 'employed_6m_share'", 2023, signed_tenths),
            ("first-jobs-after", "(−3.5 to −7.0 points)", "−7.0", "round(100 * avg(corrected_error), 1)",
             "metric = 'employed_6m_share'", 2023, signed_tenths),
        ]
    ),
    *(
        F(f"correction-job-changes-2024-{kind}", "(2024: 41.1% and 29.6%)", figure,
          f"SELECT round(-100 * {column}, 1) FROM metrics.corrected_estimates "
          "WHERE metric = 'job_changes_per_employed' AND year = 2024")
        for kind, figure, column in [("before", "41.1", "relative_error"), ("after", "29.6", "corrected_relative_error")]
    ),
    *(
        F(f"correction-amsterdam-ict-{kind}", "goes from 11.2% to 9.5%, against 9.5% in truth", figure,
          f"SELECT round(100 * {column}, 1) FROM metrics.corrected_estimates "
          "WHERE metric = 'occupation_family_share' AND year = 2024 AND segment = 'Amsterdam|ICT'")
        for kind, figure, column in [("platform", "11.2", "platform"), ("corrected", "9.5", "corrected"),
                                     ("truth", "9.5", "truth")]
    ),
    *(
        F(f"labour-force-by-age-2017-{band}", "| 15.7, 21.7, 21.9, 21.7, 17.8, 1.1% (`metrics.labour_force`);",
          figure, LABOUR_FORCE_SHARE_2017.format(band=band))
        for band, figure in [("15-24", "15.7"), ("25-34", "21.7"), ("35-44", "21.9"), ("45-54", "21.7"),
                             ("55-64", "17.8"), ("65-74", "1.1")]
    ),
    *(
        F(f"labour-force-share-2017-{band}", phrase, figure,
          LABOUR_FORCE_SHARE_2017.format(band=band))
        for band, phrase, figure in [
            ("15-24", "make 15–24 year olds 15.7% of the labour force", "15.7"),
            ("45-54", "are 21.7% of the labour force against CBS's 24.3%", "21.7"),
            ("65-74", "and the 65–74 year olds 1.1% against 2.2%", "1.1"),
        ]
    ),
    *(
        F(f"participation-55-64-{year}", "their participation falls from 84.4% in 2013 to 78.4% in 2017", figure,
          "SELECT round(participation_rate, 1) FROM metrics.labour_force "
          f"WHERE grain = 'year' AND year = {year} AND age_band = '55-64' AND education_level = 'all'")
        for year, figure in [(2013, "84.4"), (2017, "78.4")]
    ),
    F("participation-25-54-2017", "(96.1% of 25–54 year olds in 2017", "96.1",
      "SELECT round(100 * sum(labour_force) / sum(population), 1) FROM metrics.labour_force WHERE grain = 'year' "
      "AND year = 2017 AND education_level = 'all' AND age_band IN ('25-34', '35-44', '45-54')"),
    F("youth-unemployment-2017", "(15–24 year olds, 2017: 5.7%; CBS: 8.9%)", "5.7",
      "SELECT round(unemployment_rate, 1) FROM metrics.labour_force WHERE grain = 'year' AND year = 2017 "
      "AND age_band = '15-24' AND education_level = 'all'"),
    F("side-jobs-october-2017", "| 55.9% (`truth.student_jobs`) |", "55.9",
      "WITH ages AS (SELECT key AS level, CAST(value AS INTEGER) AS age FROM truth.parameters "
      "WHERE name = 'education.levels.graduation_age'), "
      # in school from the 15th birthday (born in the graduation month) until labour-market entry
      "pupils AS (SELECT p.person_id FROM truth.people p JOIN ages a ON a.level = p.highest_education_level "
      "WHERE p.labour_market_entry > DATE '2017-10-01' "
      "AND p.labour_market_entry - INTERVAL (a.age - 15) YEAR <= DATE '2017-10-01') "
      "SELECT round(100 * count(j.person_id) / count(*), 1) FROM pupils u LEFT JOIN truth.student_jobs j "
      "ON j.person_id = u.person_id AND j.start_date <= DATE '2017-10-01' AND j.end_date > DATE '2017-10-01'"),
    *(
        F(f"school-leavers-{source}-{qualification}", phrase, figure,
          f"SELECT without_job_18m_pct FROM {{school_leavers}} WHERE source = '{source}' "
          f"AND qualification = '{qualification}'")
        for source, qualification, phrase, figure in (
            ("truth", "MBO 1", "(entree) 17.8% had no job", "17.8"),
            ("truth", "MBO 4", "after the diploma, MBO 4 5.0%", "5.0"),
            ("platform", "MBO", "(14.7% of its MBO graduates against 6.6%", "14.7"),
            ("truth", "MBO", "(14.7% of its MBO graduates against 6.6%", "6.6"),
        )
    ),
    # The calibration table's rows (How close the default scenario lands).
    F("calibration-unemployment", "| 5.5, 6.8, 7.1, 6.6, 5.7, 4.7, 3.9, 3.4, 3.8, 4.1, 3.7, 3.5, 3.7, 3.9% (`metrics",
      "5.5, 6.8, 7.1, 6.6, 5.7, 4.7, 3.9, 3.4, 3.8, 4.1, 3.7, 3.5, 3.7, 3.9",
      "SELECT string_agg(printf('%.1f', unemployment_rate), ', ' ORDER BY year) FROM metrics.labour_force "
      "WHERE grain = 'year' AND age_band = 'all' AND education_level = 'all'", text),
    *(
        F(f"calibration-managers-{name}", "| 12.6% … 13.7% (the lowest and highest year; 50–54 year olds: 19–23%) |",
          figure,
          "WITH jan AS (SELECT y, p.seniority, y - pe.birth_year AS age FROM range(2012, 2026) r(y) "
          "JOIN truth.positions p ON p.start_date <= make_date(y::INT, 1, 1) "
          "AND (p.end_date IS NULL OR p.end_date > make_date(y::INT, 1, 1)) JOIN truth.people pe USING (person_id)), "
          "shares AS (SELECT y, avg((seniority = 'manager')::INT) AS everyone, "
          "avg((seniority = 'manager')::INT) FILTER (WHERE age BETWEEN 50 AND 54) AS aged_50_54 FROM jan GROUP BY y) "
          f"SELECT {sql} FROM shares", fmt)
        for name, figure, sql, fmt in [
            ("lowest", "12.6", "round(100 * min(everyone), 1)", decimals(1)),
            ("highest", "13.7", "round(100 * max(everyone), 1)", decimals(1)),
            ("50-54-lowest", "19", "round(100 * min(aged_50_54))", decimals(0)),
            ("50-54-highest", "23", "round(100 * max(aged_50_54))", decimals(0)),
        ]
    ),
    F("calibration-median-hourly-wage", "| 18.32, 22.22, 23.72 euros |", "18.32, 22.22, 23.72",
      "SELECT string_agg(printf('%.2f', hourly), ', ' ORDER BY y) FROM (SELECT year(effective_from) AS y, "
      "median(monthly_wage) / 164.67 AS hourly FROM truth.wages "
      "WHERE effective_from IN (DATE '2013-01-01', DATE '2022-01-01', DATE '2023-01-01') GROUP BY 1)", text),
    *(
        F(f"calibration-hourly-wage-{family}",
          "| ICT 28.79, care 23.22, education 24.62, hospitality & retail 13.31, logistics 13.47, legal 30.56 |",
          figure, "SELECT round(median(w.monthly_wage) / 164.67, 2) FROM truth.wages w JOIN truth.positions p "
          f"USING (position_id) WHERE w.effective_from = DATE '2022-01-01' AND p.occupation_family = '{family}'",
          decimals(2))
        for family, figure in [("ICT", "28.79"), ("Healthcare", "23.22"), ("Education", "24.62"),
                               ("Hospitality & Retail", "13.31"), ("Logistics", "13.47"), ("Legal", "30.56")]
    ),
    *(
        F(f"calibration-hourly-wage-{level}", "| VO 16.01, MBO 20.32, HBO 27.11, WO 31.17 (HBO/WO", figure,
          "SELECT round(avg(w.monthly_wage) / 164.67, 2) FROM truth.wages w JOIN truth.educations e "
          f"USING (person_id) WHERE w.effective_from = DATE '2019-01-01' AND e.level = '{level}'", decimals(2))
        for level, figure in [("VO", "16.01"), ("MBO", "20.32"), ("HBO", "27.11"), ("WO", "31.17")]
    ),
    *(
        F(f"calibration-school-leavers-{level}-{name}", "| MBO 10.61 / 12.64 / 14.63; HBO 15.06 / 17.66 / 20.24 |",
          figure,
          # the hourly wage paid in October of the year after graduation, of the job held then
          "SELECT round(quantile_cont(w.monthly_wage / 164.67, " + str(q) + "), 2) FROM truth.educations e "
          "JOIN truth.positions p ON p.person_id = e.person_id "
          "AND p.start_date <= make_date(year(e.graduation_date) + 1, 10, 1) "
          "AND (p.end_date IS NULL OR p.end_date > make_date(year(e.graduation_date) + 1, 10, 1)) "
          "JOIN truth.wages w ON w.position_id = p.position_id "
          "AND year(w.effective_from) = year(e.graduation_date) + 1 "
          "AND w.effective_from <= make_date(year(e.graduation_date) + 1, 10, 1) "
          f"WHERE e.level = '{level}' AND year(e.graduation_date) = {year}", decimals(2))
        for level, year, name, q, figure in [
            ("MBO", 2016, "q1", 0.25, "10.61"), ("MBO", 2016, "median", 0.5, "12.64"), ("MBO", 2016, "q3", 0.75, "14.63"),
            ("HBO", 2018, "q1", 0.25, "15.06"), ("HBO", 2018, "median", 0.5, "17.66"), ("HBO", 2018, "q3", 0.75, "20.24"),
        ]
    ),
    *(
        F(f"calibration-wage-{name}", "| 11.12 and 36.05 euros (1 January; ratio 3.24) |", figure,
          f"SELECT round({sql}, 2) FROM truth.wages WHERE effective_from = DATE '2019-01-01'", decimals(2))
        for name, figure, sql in [
            ("p10", "11.12", "quantile_cont(monthly_wage / 164.67, 0.1)"),
            ("p90", "36.05", "quantile_cont(monthly_wage / 164.67, 0.9)"),
            ("ratio", "3.24", "quantile_cont(monthly_wage, 0.9) / quantile_cont(monthly_wage, 0.1)"),
        ]
    ),
    *(
        F(f"calibration-mbo-{level}-without-job", "| 17.8 / 7.8 / 6.3 / 5.0% (`metrics.school_leavers`) |", figure,
          "SELECT round(100 * sum(without_job) / sum(followed), 1) FROM metrics.school_leavers "
          f"WHERE source = 'truth' AND graduation_year BETWEEN 2015 AND 2019 AND qualification = 'MBO {level}'",
          decimals(1))
        for level, figure in [(1, "17.8"), (2, "7.8"), (3, "6.3"), (4, "5.0")]
    ),
    *(
        F(f"calibration-wage-growth-{name}", "| 7.0% and 7.5%; +3.2 points in 2022, 0.7-2.6 in other years (", figure,
          f"SELECT {sql} FROM metrics.wage_growth", decimals(1))
        for name, figure, sql in [
            ("stayers-2023", "7.0", "round(max(median_growth_stayers) FILTER (WHERE year = 2023), 1)"),
            ("stayers-2024", "7.5", "round(max(median_growth_stayers) FILTER (WHERE year = 2024), 1)"),
            ("premium-2022", "3.2", "round(max(switcher_premium) FILTER (WHERE year = 2022), 1)"),
            ("premium-lowest-other", "0.7", "round(min(switcher_premium) FILTER (WHERE year <> 2022), 1)"),
            ("premium-highest-other", "2.6", "round(max(switcher_premium) FILTER (WHERE year <> 2022), 1)"),
        ]
    ),
    *(
        F(f"calibration-quits-{name}", phrase, figure,
          f"SELECT string_agg(printf('{pattern}', {column} / 12), ', ' ORDER BY period) FROM metrics.hires "
          "WHERE source = 'truth' AND grain = 'year' AND year(period) IN (2013, 2019, 2020, 2021, 2022)", text)
        for name, phrase, figure, pattern, column in [
            ("all", "| 1.0, 1.4, 1.1, 1.4, 1.9% of the employed;", "1.0, 1.4, 1.1, 1.4, 1.9", "%.1f",
             "total_quits_rate"),
            ("into-inactivity", "into inactivity alone 0.16, 0.22, 0.17, 0.25, 0.26% (",
             "0.16, 0.22, 0.17, 0.25, 0.26", "%.2f", "quits_to_non_employment_rate"),
        ]
    ),
    *(
        F(f"calibration-beveridge-{year}-{name}", "| 41–47 (2013) → 122–141 (2022) (`metrics.beveridge_curve`) |",
          figure, f"SELECT round({agg}(vacancies_per_100_unemployed)) FROM metrics.beveridge_curve WHERE year = {year}",
          decimals(0))
        for year, name, agg, figure in [(2013, "lowest", "min", "41"), (2013, "highest", "max", "47"),
                                        (2022, "lowest", "min", "122"), (2022, "highest", "max", "141")]
    ),
    *(
        F(f"calibration-hbo-{name}-within-6-months", "| 99.5% / 71.6% |", figure,
          "SELECT round(100 * sum(employed_6m_share * graduates) / sum(graduates), 1) FROM metrics.time_to_first_job "
          f"WHERE source = 'truth' AND level = 'HBO' AND field = '{field}' AND institution = 'all' "
          "AND employed_6m_share IS NOT NULL", decimals(1))
        for name, field, figure in [("nursing", "nursing", "99.5"), ("arts", "arts and humanities", "71.6")]
    ),
    F("wo-within-6-months", "WO graduates with a job within 6 months | 89.1%", "89.1",
      "SELECT within_6_months_pct FROM {first_job} WHERE source = 'truth' AND level = 'WO'"),
]


def _readme_text() -> str:
    return " ".join(README.read_text().split())


@pytest.mark.parametrize("entry", FIGURES, ids=[f.id for f in FIGURES])
def test_readme_figure_matches_the_default_run(entry: Figure, con):
    assert entry.figure in entry.phrase, f"{entry.figure!r} is not inside its phrase {entry.phrase!r}"
    assert entry.phrase in _readme_text(), f"README.md no longer says {entry.phrase!r}: update this entry"
    rows = con.sql(entry.sql.format_map(_ReadmeSubqueries())).fetchall()
    assert len(rows) == 1 and len(rows[0]) == 1, f"expected one value, got {rows}"
    (value,) = rows[0]
    assert value is not None, "the query returned NULL"
    assert entry.fmt(value) == entry.figure, (
        f"README.md says {entry.figure!r} in {entry.phrase!r}; the default run gives {entry.fmt(value)!r}"
    )


def test_ids_are_unique():
    ids = [f.id for f in FIGURES]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


def test_every_readme_sql_block_has_a_checked_figure_or_none_to_check():
    used = {name for f in FIGURES for name in re.findall(r"\{(\w+)\}", f.sql)}
    used_statements = {readme_statement(README_QUERIES[name]) for name in used}
    for block in readme_blocks():
        covered = any(s in used_statements for s in block)
        exempt = any(marker in s for s in block for marker in BLOCKS_WITHOUT_FIGURES)
        assert covered or exempt, f"no figure checks the README block beginning {block[0][:80]!r}"
