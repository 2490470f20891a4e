"""The figures the README's prose quotes, recomputed from the warehouse of the default run.

The README answers questions with ```sql blocks and quotes, around them, what those
queries return on the default scenario ("tightness falls from 1.39 to 1.00"). Each entry
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
    # ---- How wrong is the platform's view? Who is on it (metrics.coverage), on 1 January 2025
    # unless said; representativeness and dissimilarity averaged over 2013-2024.
    F("coverage-2025", "the platform covers 54% of the employed (19% in 2012)", "54",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2025", decimals(0)),
    F("coverage-2012", "the platform covers 54% of the employed (19% in 2012)", "19",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2012", decimals(0)),
    F("coverage-2025-closing", "it covers 54% of the employed in 2025", "54",
      "SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'all' AND year = 2025", decimals(0)),
    *[F(f"coverage-{level}", "By education it covers 86% of WO and 76% of HBO graduates, against 44% of MBO and 30% of VO",
        figure, f"SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'education_level' AND year = 2025 AND segment = '{level}'", decimals(0))
      for level, figure in (("WO", "86"), ("HBO", "76"), ("MBO", "44"), ("VO", "30"))],
    *[F(f"coverage-{family}", "it covers 79% of legal and 70% of ICT workers, against 33% of construction workers",
        figure, f"SELECT round(100 * coverage) FROM metrics.coverage WHERE dimension = 'occupation_family' AND year = 2025 AND segment = '{family}'", decimals(0))
      for family, figure in (("Legal", "79"), ("ICT", "70"), ("Construction & Trades", "33"))],
    *[F(f"representativeness-{level}", "WO graduates are over-represented 1.60× and VO 0.56×", figure,
        "SELECT round(avg(representativeness), 2) FROM metrics.coverage WHERE dimension = 'education_level' "
        f"AND segment = '{level}' AND year BETWEEN 2013 AND 2024", decimals(2))
      for level, figure in (("WO", "1.60"), ("VO", "0.56"))],
    *[F(f"dissimilarity-{dimension}", "index is 0.18 by education, 0.11 by family and 0.02 by city", figure,
        "SELECT round(avg(dissimilarity), 2) FROM metrics.coverage "
        f"WHERE dimension = '{dimension}' AND year BETWEEN 2013 AND 2024", decimals(2))
      for dimension, figure in (("education_level", "0.18"), ("occupation_family", "0.11"), ("city", "0.02"))],
    *[F(f"members-{level}", "| VO 28%, MBO 40%, HBO 70%, WO 79% |", f"{level} {figure}%",
        "SELECT round(100 * avg(CASE WHEN member_id IS NULL THEN 0 ELSE 1 END)) FROM truth.people "
        f"WHERE highest_education_level = '{level}'", lambda v, level=level: f"{level} {v:.0f}%")
      for level, figure in (("VO", "28"), ("MBO", "40"), ("HBO", "70"), ("WO", "79"))],
    # How wrong: the platform's job-change rate against the truth (metrics.platform_vs_truth).
    F("job-change-too-low", "It is 20% too low", "20",
      "SELECT -round(100 * avg(relative_error)) FROM metrics.platform_vs_truth WHERE metric = 'job_change_rate' "
      "AND dimension = 'all' AND year BETWEEN 2013 AND 2024", decimals(0)),
    *[F(f"net-migration-{city}-{source}", "Groningen −169 per 10,000 a year against −186, Zoetermeer +294 against +294",
        figure, "SELECT round(avg(net_per_10k)) FROM metrics.talent_flows WHERE occupation_family = 'all' "
        f"AND city = '{city}' AND source = '{source}' AND year BETWEEN 2013 AND 2024", signed)
      for city, source, figure in (("Groningen", "platform", "\u2212169"), ("Groningen", "truth", "\u2212186"),
                                   ("Zoetermeer", "platform", "+294"), ("Zoetermeer", "truth", "+294"))],
    F("groningen-net-truth", "| Groningen | net −187 per 10,000 a year |", "\u2212187",
      "SELECT round(avg(net_per_10k)) FROM metrics.talent_flows WHERE occupation_family = 'all' "
      "AND city = 'Groningen' AND source = 'truth'", signed),
    # ---- What do people earn, and did job switchers out-earn stayers?
    F("senior-developer-median", "earns a median 6,026 euros a month", "6,026",
      "SELECT median_wage FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-people", "(115 people; the middle half", "115",
      "SELECT people FROM {developer_wages} WHERE seniority = 'senior'", text),
    F("senior-developer-p25", "the middle half between 4,538 and 7,714", "4,538",
      "SELECT p25 FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-p75", "the middle half between 4,538 and 7,714", "7,714",
      "SELECT p75 FROM {developer_wages} WHERE seniority = 'senior'", thousands),
    F("senior-developer-reports", "from the 15 pay reports of such developers", "15",
      "SELECT reports FROM " + UTRECHT_SENIOR_DEVELOPERS, text),
    F("senior-developer-estimate", "would publish 85,000 euros a year", "85,000",
      "SELECT platform_estimate FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-true-median", "against a true median of 69,649", "69,649",
      "SELECT true_median FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-error", "69,649: 22% too high", "22",
      "SELECT error_pct FROM " + UTRECHT_SENIOR_DEVELOPERS, decimals(0)),
    F("senior-developer-ci-low", "an interval of 58,000 to 110,000", "58,000",
      "SELECT ci_low FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("senior-developer-ci-high", "an interval of 58,000 to 110,000", "110,000",
      "SELECT ci_high FROM " + UTRECHT_SENIOR_DEVELOPERS, thousands),
    F("supported-cells-error-2025", "or more is 8.5% too high", "8.5",
      "SELECT median_error_pct FROM {salary_insights_by_status} WHERE status = 'supported'"),
    F("shrunk-cells-error-2025", "the thinner shrunk cells 7.1%", "7.1",
      "SELECT median_error_pct FROM {salary_insights_by_status} WHERE status = 'shrunk'"),
    # Can the platform estimate your salary? (metrics.salary_estimates, 1 December 2025)
    F("estimates-members", "Of the 45,509 members employed", "45,509",
      "SELECT members FROM metrics.salary_estimates WHERE year = 2025 AND dimension = 'all'", thousands),
    F("estimates-estimated", "it could estimate 44,841", "44,841",
      "SELECT estimated FROM {salary_estimates} WHERE dimension = 'all'", thousands),
    F("estimates-error", "Half its estimates are more than 19.7% off", "19.7",
      "SELECT median_abs_error_pct FROM {salary_estimates} WHERE dimension = 'all'"),
    F("estimates-within-10", "only 27% are within 10%", "27",
      "SELECT within_10_pct FROM {salary_estimates} WHERE dimension = 'all'", decimals(0)),
    *[F(f"estimates-{segment}", phrase, figure,
        f"SELECT median_abs_error_pct FROM {{salary_estimates}} WHERE dimension = '{dimension}' AND segment = '{segment}'")
      for dimension, segment, phrase, figure in (
          ("own_reports", "never", "they earn the error is 19.6%", "19.6"),
          ("own_reports", "in the model", "were in the model 18.2%", "18.2"),
          ("education_level", "WO", "(19.0% for WO, 20.3% for MBO)", "19.0"),
          ("education_level", "MBO", "(19.0% for WO, 20.3% for MBO)", "20.3"),
          ("age_band", "15-24", "17.2% at 15-24 to 26.0% at 65-74", "17.2"),
          ("age_band", "65-74", "17.2% at 15-24 to 26.0% at 65-74", "26.0"),
      )],
    F("estimates-bias-2025", "run low, by 5.2% in 2025, where in 2012 they ran 0.4% high", "5.2",
      "SELECT -median_error_pct FROM {salary_estimates} WHERE dimension = 'all'"),
    F("estimates-bias-2012", "run low, by 5.2% in 2025, where in 2012 they ran 0.4% high", "0.4",
      "SELECT round(100 * median_error, 1) FROM metrics.salary_estimates WHERE year = 2012 AND dimension = 'all'"),
    F("switchers-2022", "2022: 6.9% against 4.0%", "6.9",
      "SELECT switchers_pct FROM {wage_growth} WHERE year = 2022"),
    F("stayers-2022", "2022: 6.9% against 4.0%", "4.0",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2022"),
    F("premium-2022", "a premium of 2.8 points", "2.8",
      "SELECT premium_points FROM {wage_growth} WHERE year = 2022"),
    F("premium-largest-in-2022", "out-earned stayers most in 2022", "2022",
      "SELECT year FROM {wage_growth} ORDER BY premium_points DESC LIMIT 1", text),
    F("tracker-premium-january-2022", "from 1.0 points in January to 3.5 in December", "1.0",
      "SELECT premium_3m_points FROM {wage_growth_tracker} WHERE source = 'truth' AND month = DATE '2022-01-01'"),
    F("tracker-premium-december-2022", "from 1.0 points in January to 3.5 in December", "3.5",
      "SELECT premium_3m_points FROM {wage_growth_tracker} WHERE source = 'truth' AND month = DATE '2022-12-01'"),
    F("tracker-premium-peak", "peaked in November 2022 at 3.6", "3.6",
      "SELECT round(max(switcher_premium_3m), 1) FROM metrics.wage_growth_tracker WHERE source = 'truth'"),
    F("tracker-premium-peak-month", "peaked in November 2022 at 3.6", "November 2022",
      "SELECT strftime(month, '%B %Y') FROM metrics.wage_growth_tracker WHERE source = 'truth' "
      "ORDER BY switcher_premium_3m DESC NULLS LAST LIMIT 1", text),
    # The platform's tracker: members who report a year apart (2022, and the whole window).
    F("tracker-platform-pairs-2022", "150 a month in 2022, 20 of them switchers", "150",
      "SELECT round(avg(people)) FROM {wage_growth_tracker} WHERE source = 'platform'", decimals(0)),
    F("tracker-platform-switchers-2022", "150 a month in 2022, 20 of them switchers", "20",
      "SELECT round(avg(switchers)) FROM {wage_growth_tracker} WHERE source = 'platform'", decimals(0)),
    *(
        F(f"tracker-premium-2022-{source}", "(in 2022 it averages 1.2 points against 2.1 in truth)", figure,
          f"SELECT round(avg(premium_3m_points), 1) FROM {{wage_growth_tracker}} WHERE source = '{source}'")
        for source, figure in (("platform", "1.2"), ("truth", "2.1"))
    ),
    F("tracker-platform-premium-gap", "it runs 0.9 points above the truth's", "0.9",
      "SELECT round(avg(p.switcher_premium_3m - t.switcher_premium_3m), 1) "
      "FROM metrics.wage_growth_tracker p JOIN metrics.wage_growth_tracker t USING (month) "
      "WHERE p.source = 'platform' AND t.source = 'truth'"),
    F("tracker-platform-stayers-gap", "stayers' growth runs 1.0 points below", "1.0",
      "SELECT round(avg(t.median_growth_stayers_3m - p.median_growth_stayers_3m), 1) "
      "FROM metrics.wage_growth_tracker p JOIN metrics.wage_growth_tracker t USING (month) "
      "WHERE p.source = 'platform' AND t.source = 'truth'"),
    F("stayers-2023", "7.0% in 2023 and 7.6% in 2024", "7.0",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2023"),
    F("stayers-2024", "7.0% in 2023 and 7.6% in 2024", "7.6",
      "SELECT stayers_pct FROM {wage_growth} WHERE year = 2024"),
    # ---- How tight is the labour market, and how fast are postings filled?
    # Open postings are the yearly averages of postings open on the first of a month, both
    # sources alike; the range leaves out the 2022 boom, quoted apart.
    F("open-postings-min", "2,500 to 3,800 postings are open", "2,500",
      "SELECT round(min(open_postings), -2) FROM {tightness} WHERE source = 'truth' AND year <> 2022",
      thousands),
    F("open-postings-max", "2,500 to 3,800 postings are open", "3,800",
      "SELECT round(max(open_postings), -2) FROM {tightness} WHERE source = 'truth' AND year <> 2022",
      thousands),
    F("open-postings-2022", "(4,300 in the 2022 boom)", "4,300",
      "SELECT round(open_postings, -2) FROM {tightness} WHERE source = 'truth' AND year = 2022", thousands),
    F("truth-applicants-2012", "In truth 1,810 people applied", "1,810",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'truth' AND year = 2012",
      thousands),
    F("truth-applicants-2025", "and 3,110 in 2025, so tightness", "3,110",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'truth' AND year = 2025",
      thousands),
    F("truth-tightness-2012", "tightness falls from 1.39 to 1.00", "1.39",
      "SELECT tightness FROM {tightness} WHERE source = 'truth' AND year = 2012", decimals(2)),
    F("truth-tightness-2025", "tightness falls from 1.39 to 1.00", "1.00",
      "SELECT tightness FROM {tightness} WHERE source = 'truth' AND year = 2025", decimals(2)),
    F("platform-applicants-2012", "(620 a month in 2012", "620",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'platform' AND year = 2012",
      thousands),
    F("platform-applicants-2025", "2,080 in 2025)", "2,080",
      "SELECT round(applicants_a_month, -1) FROM {tightness} WHERE source = 'platform' AND year = 2025",
      thousands),
    *(
        F(f"platform-tightness-{year}", "4.06 in 2012, 1.65 in 2024 and 1.50 in 2025", figure,
          f"SELECT tightness FROM {{tightness}} WHERE source = 'platform' AND year = {year}", decimals(2))
        for year, figure in [(2012, "4.06"), (2024, "1.65"), (2025, "1.50")]
    ),
    *(
        F(f"tightness-2024-{family.split()[0].lower()}-{source}", phrase, figure,
          f"SELECT {source} FROM {{tightness_by_family}} WHERE occupation_family = '{family}'", decimals(2))
        for family, phrase, source, figure in [
            ("Logistics", "logistics reads 1.78 against 1.10", "platform", "1.78"),
            ("Logistics", "logistics reads 1.78 against 1.10", "truth", "1.10"),
            ("Construction & Trades", "construction 1.85 against 1.12", "platform", "1.85"),
            ("Construction & Trades", "construction 1.85 against 1.12", "truth", "1.12"),
            ("ICT", "ICT only 1.58 against 1.08", "platform", "1.58"),
            ("ICT", "ICT only 1.58 against 1.08", "truth", "1.08"),
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
    F("largest-employer-headcount", "(2,168 people at the end of 2024", "2,168",
      "SELECT headcount_end FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1", thousands),
    F("largest-employer-industry", "in construction) lost", "construction",
      "SELECT lower(industry) FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1", text),
    F("largest-employer-attrition", "lost 23.7% of its average headcount", "23.7",
      "SELECT attrition_pct FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1"),
    F("largest-employer-tenure", "had been there 3.4 years", "3.4",
      "SELECT median_tenure_years FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1"),
    # The README's query does not show the leavers to other employers: read them directly.
    F("largest-employer-leavers", "of the 361 leavers who moved straight", "361",
      TRUTH_2024_LARGEST.format(col="leavers_to_other_employers"), thousands),
    F("largest-employer-top-destination-leavers", "the most (52) went to", "52",
      "SELECT top_destination_industry_leavers FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1",
      thousands),
    F("largest-employer-top-destination", "went to retail and hospitality", "retail and hospitality",
      "SELECT lower(top_destination_industry) FROM {largest_employers} ORDER BY headcount_end DESC LIMIT 1",
      text),
    *(
        F(f"attrition-{source}-{year}", phrase, figure,
          f"SELECT attrition_pct FROM {{attrition}} WHERE source = '{source}' AND year = {year}")
        for source, phrase, year, figure in [
            ("truth", "attrition is 20.6% in 2013, 28.3% in the 2022 boom and 23.6% in 2024", 2013, "20.6"),
            ("truth", "attrition is 20.6% in 2013, 28.3% in the 2022 boom and 23.6% in 2024", 2022, "28.3"),
            ("truth", "attrition is 20.6% in 2013, 28.3% in the 2022 boom and 23.6% in 2024", 2024, "23.6"),
            ("platform", "The platform reads 18.1%, 20.1% and 12.9%", 2013, "18.1"),
            ("platform", "The platform reads 18.1%, 20.1% and 12.9%", 2022, "20.1"),
            ("platform", "The platform reads 18.1%, 20.1% and 12.9%", 2024, "12.9"),
        ]
    ),
    F("hired-from-another-employer-min", "58-71% of hires come straight from another employer", "58",
      "SELECT round(min(pct_hired_from_another_employer)) FROM {attrition} WHERE source = 'truth'",
      decimals(0)),
    F("hired-from-another-employer-max", "58-71% of hires come straight from another employer", "71",
      "SELECT round(max(pct_hired_from_another_employer)) FROM {attrition} WHERE source = 'truth'",
      decimals(0)),
    F("company-attrition-ratio-2013", "0.86 times the true one in 2013", "0.86",
      f"SELECT round(median(platform / truth), 2) FROM {COMPANY_PAIRS} WHERE year = 2013", decimals(2)),
    F("company-attrition-ratio-2024", "and 0.54 times in 2024", "0.54",
      f"SELECT round(median(platform / truth), 2) FROM {COMPANY_PAIRS} WHERE year = 2024", decimals(2)),
    # The correlation's range over the years 2013 to 2024, the years the sentence spans.
    F("company-attrition-correlation-min", "with a correlation of 0.55-0.72", "0.55",
      f"SELECT round(min(r), 2) FROM (SELECT corr(platform, truth) AS r FROM {COMPANY_PAIRS} "
      "WHERE year BETWEEN 2013 AND 2024 GROUP BY year)", decimals(2)),
    F("company-attrition-correlation-max", "with a correlation of 0.55-0.72", "0.72",
      f"SELECT round(max(r), 2) FROM (SELECT corr(platform, truth) AS r FROM {COMPANY_PAIRS} "
      "WHERE year BETWEEN 2013 AND 2024 GROUP BY year)", decimals(2)),
    # ---- Who applies to a posting? The README's query is per family; the all-family
    # figures are the same aggregates over every posting of the year.
    F("posting-views-2025", "viewed by 6.7 members", "6.7",
      f"SELECT round(avg(i.views), 1) FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("posting-applicants-2025", "gets 1.20 applicants", "1.20",
      f"SELECT round(avg(i.applicants), 2) FROM {POSTINGS} WHERE year(p.opened_on) = 2025", decimals(2)),
    F("posting-views-2013", "(3.2 and 0.60 in 2013", "3.2",
      f"SELECT round(avg(i.views), 1) FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("posting-applicants-2013", "(3.2 and 0.60 in 2013", "0.60",
      f"SELECT round(avg(i.applicants), 2) FROM {POSTINGS} WHERE year(p.opened_on) = 2013", decimals(2)),
    F("half-the-skills-2025", "12.4% held at least half", "12.4",
      f"SELECT {HALF_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("all-skills-2025", "and 0.7% all of them", "0.7",
      f"SELECT {ALL_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2025"),
    F("half-the-skills-2013", "(0.4% and 0.0% in 2013)", "0.4",
      f"SELECT {HALF_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("all-skills-2013", "(0.4% and 0.0% in 2013)", "0.0",
      f"SELECT {ALL_SHARE} FROM {POSTINGS} WHERE year(p.opened_on) = 2013"),
    F("required-skills-per-posting", "a posting requires about five", "five",
      "SELECT round(avg(required_skills)) FROM metrics.posting_insights", in_words),
    F("best-fitting-family", "Hospitality & Retail applicants fit best", "Hospitality & Retail",
      "SELECT occupation_family FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1", text),
    F("best-fitting-family-half-the-skills", "(19.2% with half the skills", "19.2",
      "SELECT half_the_skills_pct FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1"),
    F("best-fitting-family-wo", "16% of them WO", "16",
      "SELECT wo_pct FROM {posting_fit} ORDER BY half_the_skills_pct DESC LIMIT 1", decimals(0)),
    F("worst-fitting-family", "ICT applicants least", "ICT",
      "SELECT occupation_family FROM {posting_fit} ORDER BY half_the_skills_pct LIMIT 1", text),
    F("worst-fitting-family-half-the-skills", "ICT applicants least (3.3%)", "3.3",
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
            ("skills_at_least_1", 2025, "54% of the 2025 hires through postings", "54"),
            ("skills_at_least_2", 2025, "(25% at least two; 6% in 2013)", "25"),
            ("skills_at_least_1", 2013, "(25% at least two; 6% in 2013)", "6"),
            ("pedigree", 2025, "and 28% came from an employer", "28"),
            ("pedigree", 2013, "(12% in 2013): 38% skills only", "12"),
            ("skills_only", 2025, "38% skills only, 12% pedigree only, 16% both, 35% neither", "38"),
            ("pedigree_only", 2025, "38% skills only, 12% pedigree only, 16% both, 35% neither", "12"),
            ("skills_and_pedigree", 2025, "38% skills only, 12% pedigree only, 16% both, 35% neither", "16"),
            ("neither", 2025, "38% skills only, 12% pedigree only, 16% both, 35% neither", "35"),
        ]
    ),
    F("recruiter-searches-2025", "about 64,000 searches in 2025", "64,000",
      "SELECT round(searches, -3) FROM {skill_searches} WHERE year = 2025", thousands),
    F("skill-filter-share-2025", "50.3% of them filtering on skills", "50.3",
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
    F("mean-connections-2012", "2.5 connections on average at the end of 2012", "2.5",
      "SELECT mean_connections FROM {network} WHERE year = 2012"),
    F("mean-connections-2025", "and 23.8 at the end of 2025", "23.8",
      "SELECT mean_connections FROM {network} WHERE year = 2025"),
    F("median-connections-2012", "(median 2 and 21)", "2",
      "SELECT median_degree FROM {network} WHERE year = 2012", text),
    F("median-connections-2025", "(median 2 and 21)", "21",
      "SELECT median_degree FROM {network} WHERE year = 2025", text),
    F("connections", "75% of the 713,000 connections", "713,000",
      "SELECT round(count(*), -3) FROM raw.connections", thousands),
    *(
        F(f"connections-{context}", phrase, figure,
          f"SELECT round(100 * avg((context = '{context}')::INT)) FROM raw.connections", decimals(0))
        for context, phrase, figure in [
            ("colleagues", "75% of the 713,000 connections are colleagues", "75"),
            ("classmates", "4% classmates", "4"),
            ("other", "21% met elsewhere", "21"),
        ]
    ),
    # The README's network query does not show the connected hires: read them directly.
    F("connected-hires-2025", "10.1% already knew someone", "10.1",
      "SELECT round(100 * connected_hire_share, 1) FROM metrics.network "
      "WHERE source = 'platform' AND year = 2025"),
    F("connected-hires-2016", "(3.3% in 2016)", "3.3",
      "SELECT round(100 * connected_hire_share, 1) FROM metrics.network "
      "WHERE source = 'platform' AND year = 2016"),
    *(
        F(f"insider-{source}-{column.split('_')[1]}", phrase, figure,
          f"SELECT round({column}, 1) FROM {{insiders}} WHERE source = '{source}'")
        for source, column, phrase, figure in [
            ("platform", "at_own_employer_pct", "4.5% of matched hires", "4.5"),
            ("platform", "at_partners_employer_pct", "against 3.7% at their partner's", "3.7"),
            ("truth", "at_own_employer_pct", "The truth says no: 3.4% against 3.3%", "3.4"),
            ("truth", "at_partners_employer_pct", "The truth says no: 3.4% against 3.3%", "3.3"),
        ]
    ),
    F("unseen-joiners", "1.9% of the hires it sees", "1.9",
      UNSEEN_JOINERS + "SELECT round(100 * (SELECT count(*) FROM unseen) / (SELECT count(*) FROM hires), 1)"),
    F("unseen-joiners-connected", "and 66% of them know someone there", "66",
      UNSEEN_JOINERS + "SELECT round(100 * (SELECT count(*) FROM connected) / (SELECT count(*) FROM unseen))",
      decimals(0)),
    # ---- Figures other sections quote from the blocks that have no prose of their own.
    # "How close the default scenario lands" (truth) and "How wrong is the platform's view?".
    *(
        F(f"job-change-yoy-{year}", "2020 −20%, 2021 +19%, 2022 +43%, 2023 −16%", figure,
          f"SELECT yoy_pct FROM {{job_change}} WHERE source = 'truth' AND year = {year}", signed)
        for year, figure in [(2020, "−20"), (2021, "+19"), (2022, "+43"), (2023, "−16")]
    ),
    # a quarter's rate: the yearly rate / 4, from the unrounded rate
    F("job-changes-a-quarter-2013", "2.8% → 5.2% (yearly rate / 4)", "2.8",
      "SELECT round(100 * rate / 4, 1) FROM metrics.job_change_rate "
      "WHERE source = 'truth' AND grain = 'year' AND year(period) = 2013"),
    F("job-changes-a-quarter-2022", "2.8% → 5.2% (yearly rate / 4)", "5.2",
      "SELECT round(100 * rate / 4, 1) FROM metrics.job_change_rate "
      "WHERE source = 'truth' AND grain = 'year' AND year(period) = 2022"),
    F("job-change-yoy-2022-platform", "The 2022 boom reads +39% instead of +43%", "+39",
      "SELECT yoy_pct FROM {job_change} WHERE source = 'platform' AND year = 2022", signed),
    F("job-change-yoy-2022-truth", "The 2022 boom reads +39% instead of +43%", "+43",
      "SELECT yoy_pct FROM {job_change} WHERE source = 'truth' AND year = 2022", signed),
    *(
        F(f"job-change-rate-platform-error-{year}", "−9% in 2013, −27% in 2022 and −54% in 2025", figure,
          "SELECT round(100 * (platform_pct / truth_pct - 1)) FROM {platform_vs_truth} "
          f"WHERE year = {year}",
          signed)
        for year, figure in [(2013, "−9"), (2022, "−27"), (2025, "−54")]
    ),
    F("amsterdam-leavers-destinations", "Almere, Zaanstad, Haarlem, Amstelveen first",
      "Almere, Zaanstad, Haarlem, Amstelveen",
      "SELECT string_agg(destination_city, ', ' ORDER BY movers DESC) "
      "FROM (SELECT * FROM {amsterdam_leavers} ORDER BY movers DESC LIMIT 4)", text),
    F("groningen-net-per-10k", "net −187 per 10,000 a year", "−187",
      "SELECT net_per_10k_a_year FROM {net_by_city} WHERE city = 'Groningen'", signed),
    F("skills-added-yoy-2022", "+44% (+38% per member)", "+44",
      "SELECT yoy_pct FROM {skills_added} WHERE year = 2022", signed),
    F("skills-added-per-member-yoy-2022", "+44% (+38% per member)", "+38",
      "SELECT round(100 * per_member_yoy_growth) FROM metrics.skills_added WHERE year = 2022", signed),
    F("skill-filter-share-range-2012", "10% (2012) → 50% (2025)", "10",
      "SELECT round(pct_filtering_on_skills) FROM {skill_searches} WHERE year = 2012", decimals(0)),
    F("skill-filter-share-range-2025", "10% (2012) → 50% (2025)", "50",
      "SELECT round(pct_filtering_on_skills) FROM {skill_searches} WHERE year = 2025", decimals(0)),
    *(
        F(f"stale-profiles-{name}", phrase, figure, f"SELECT {sql} FROM metrics.stale_profiles "
          f"WHERE year = {year} AND age_band = '{band}'", fmt)
        for name, phrase, figure, sql, year, band, fmt in [
            ("shown-2025", "platform counts 55,761 members as employed", "55,761", "shown_employed", 2025, "all",
             thousands),
            ("retired-2025", "16.3% of them have retired and 4.0% are without work", "16.3",
             "round(100 * retired_share, 1)", 2025, "all", decimals(1)),
            ("without-work-2025", "16.3% of them have retired and 4.0% are without work", "4.0",
             "round(100 * without_work / shown_employed, 1)", 2025, "all", decimals(1)),
            ("overstatement-2025", "overstates its employed members by 22.9% (2015: 0.3%)", "22.9",
             "round(100 * overstatement, 1)", 2025, "all", decimals(1)),
            ("overstatement-2015", "overstates its employed members by 22.9% (2015: 0.3%)", "0.3",
             "round(100 * overstatement, 1)", 2015, "all", decimals(1)),
            ("stale-65-74-2025", "80.8% no longer work", "80.8", "round(100 * stale_share, 1)", 2025, "65-74",
             decimals(1)),
        ]
    ),
    *(
        F(f"dormant-{name}", phrase, figure, f"SELECT {sql} FROM metrics.stale_profiles "
          f"WHERE year = 2025 AND age_band = '{band}'", fmt)
        for name, phrase, figure, sql, band, fmt in [
            ("kept-2025", "keeps 47,490 of the 55,761 members in 2025", "47,490", "shown_current", "all", thousands),
            ("shown-2025", "keeps 47,490 of the 55,761 members in 2025", "55,761", "shown_employed", "all", thousands),
            ("stale-2025", "from 20.3% to 6.5%", "20.3", "round(100 * stale_share, 1)", "all", decimals(1)),
            ("kept-stale-2025", "from 20.3% to 6.5%", "6.5", "round(100 * current_stale_share, 1)", "all",
             decimals(1)),
            ("kept-stale-65-74-2025", "(aged 65–74: to 33.9%)", "33.9", "round(100 * current_stale_share, 1)",
             "65-74", decimals(1)),
        ]
    ),
    F("raking-weights-low", "is weighted (0.9–5.7)", "0.9", "SELECT round(min(weight), 1) FROM metrics.raking_weights"),
    F("raking-weights-high", "is weighted (0.9–5.7)", "5.7", "SELECT round(max(weight), 1) FROM metrics.raking_weights"),
    *(
        # A composition error before and after the correction, and how much of it goes.
        F(f"correction-{name}-{part}", phrase, figure,
          f"SELECT {sql} FROM metrics.corrected_estimates WHERE dimension = '{dimension}' "
          "AND year BETWEEN 2013 AND 2024", fmt)
        for name, dimension, phrase, figures in [
            ("city-education", "city|education_level", "a city goes from 8.8 to 0.7 points off (−92%)",
             ("8.8", "0.7", "−92")),
            ("family-education", "occupation_family|education_level", "family goes from 7.6 to 0.4 points off (−94%)",
             ("7.6", "0.4", "−94")),
            ("city-family", "city|occupation_family", "the family mix of a city goes from 1.9 to 0.5 points off (−75%)",
             ("1.9", "0.5", "−75")),
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
            ("job-changes-before", "19.9% too low uncorrected and 15.0% corrected", "19.9",
             "round(-100 * avg(relative_error), 1)", "metric = 'job_changes_per_employed'", 2024, decimals(1)),
            ("job-changes-after", "19.9% too low uncorrected and 15.0% corrected", "15.0",
             "round(-100 * avg(corrected_relative_error), 1)", "metric = 'job_changes_per_employed'", 2024,
             decimals(1)),
            ("migration-before", "(44 to 53 per 10,000 off)", "44", "round(avg(abs(error)))",
             "metric = 'net_talent_migration_per_10k'", 2024, decimals(0)),
            ("migration-after", "(44 to 53 per 10,000 off)", "53", "round(avg(abs(corrected_error)))",
             "metric = 'net_talent_migration_per_10k'", 2024, decimals(0)),
            ("first-jobs-before", "(−3.2 to −6.4 points)", "−3.2", "round(100 * avg(error), 1)",
             "metric = 'employed_6m_share'", 2023, signed_tenths),
            ("first-jobs-after", "(−3.2 to −6.4 points)", "−6.4", "round(100 * avg(corrected_error), 1)",
             "metric = 'employed_6m_share'", 2023, signed_tenths),
        ]
    ),
    *(
        F(f"correction-job-changes-2024-{kind}", "(2024: 36.2% and 26.6%)", figure,
          f"SELECT round(-100 * {column}, 1) FROM metrics.corrected_estimates "
          "WHERE metric = 'job_changes_per_employed' AND year = 2024")
        for kind, figure, column in [("before", "36.2", "relative_error"), ("after", "26.6", "corrected_relative_error")]
    ),
    *(
        F(f"correction-amsterdam-ict-{kind}", "goes from 10.9% to 8.7%, against 8.9% in truth", figure,
          f"SELECT round(100 * {column}, 1) FROM metrics.corrected_estimates "
          "WHERE metric = 'occupation_family_share' AND year = 2024 AND segment = 'Amsterdam|ICT'")
        for kind, figure, column in [("platform", "10.9", "platform"), ("corrected", "8.7", "corrected"),
                                     ("truth", "8.9", "truth")]
    ),
    *(
        F(f"labour-force-by-age-2017-{band}", "| 9.2, 22.4, 22.6, 22.4, 21.9, 1.4% (`metrics.labour_force`) |",
          figure, "SELECT round(100 * labour_force / (SELECT labour_force FROM metrics.labour_force "
          "WHERE grain = 'year' AND year = 2017 AND age_band = 'all' AND education_level = 'all'), 1) "
          f"FROM metrics.labour_force WHERE grain = 'year' AND year = 2017 AND age_band = '{band}' "
          "AND education_level = 'all'")
        for band, figure in [("15-24", "9.2"), ("25-34", "22.4"), ("35-44", "22.6"), ("45-54", "22.4"),
                             ("55-64", "21.9"), ("65-74", "1.4")]
    ),
    F("labour-force-15-24-2017", "15–24 year olds are 9.2% of the labour force, CBS 15.5%", "9.2",
      "SELECT round(100 * labour_force / (SELECT labour_force FROM metrics.labour_force WHERE grain = 'year' "
      "AND year = 2017 AND age_band = 'all' AND education_level = 'all'), 1) FROM metrics.labour_force "
      "WHERE grain = 'year' AND year = 2017 AND age_band = '15-24' AND education_level = 'all'"),
    *(
        F(f"school-leavers-{source}-{qualification}", phrase, figure,
          f"SELECT without_job_18m_pct FROM {{school_leavers}} WHERE source = '{source}' "
          f"AND qualification = '{qualification}'")
        for source, qualification, phrase, figure in (
            ("truth", "MBO 1", "(entree) 14.8% had no job", "14.8"),
            ("truth", "MBO 4", "after the diploma, MBO 4 4.7%", "4.7"),
            ("platform", "MBO", "(15.2% of its MBO graduates against 6.3%", "15.2"),
            ("truth", "MBO", "(15.2% of its MBO graduates against 6.3%", "6.3"),
        )
    ),
    F("wo-within-6-months", "WO graduates with a job within 6 months | 88.8%", "88.8",
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
