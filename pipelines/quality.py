"""Data quality of the warehouse: one suite of Great Expectations checks per table.

Every check is one GX expectation (or a small fixed set of them) run on a pandas frame:
either the table's own columns, or, for rules that span rows or tables (foreign keys,
overlapping positions, metric identities), the violating rows that one DuckDB query
computes, so that GX only ever sees a small frame and expects it to be empty. GX runs on
pandas because its SQL path through duckdb-engine fails with MetricResolutionError.

No Dagster here: pipelines.checks wires the suites into asset checks, tests call
validate_table directly.
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

# GX imports pyspark (a test dependency) when it is installed, and pyspark warns about
# pandas 3 on import: noise in every run, the Dagster UI's logs and the benchmark alike.
# The GX imports therefore come after the filter.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

import great_expectations as gx
import great_expectations.expectations as gxe
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation import Expectation

EDUCATION_LEVELS = ["VO", "MBO", "HBO", "WO"]
SENIORITIES = ["junior", "medior", "senior", "manager"]
SKILL_SOURCES = ["self", "endorsed", "assessment", "course"]
START_REASONS = ["initial", "first_job", "job_change", "reemployment", "promotion"]

# Expectations refer to the scenario window through these GX parameters; validate_table
# fills them from raw.calendar.
FIRST_MONTH = {"$PARAMETER": "first_month"}
LAST_MONTH = {"$PARAMETER": "last_month"}
CALENDAR = "raw.calendar"

EXAMPLE_COUNT = 5
CHUNK_ROWS = 2_000_000  # rows per frame GX validates: about 100 MB of pandas per column at most
_CHECK_TAG = "quality_check"  # expectation meta key that maps a GX result back to its check


@dataclass
class CheckOutcome:
    name: str
    passed: bool
    blocking: bool
    description: str
    metadata: dict


@dataclass(frozen=True)
class QualityCheck:
    """One rule on one table.

    ``query`` None: the expectations run on the table's own columns (only those they
    name are loaded). Otherwise they run on the frame the query returns; ``{table}`` in
    the query stands for the checked table.
    """

    name: str
    description: str
    blocking: bool
    expectations: tuple[Expectation, ...]
    query: str | None = None
    uses_window: bool = False  # the expectations use the first_month/last_month parameters

    @property
    def columns(self) -> list[str]:
        """Table columns the expectations read (for checks without a query)."""
        names: list[str] = []
        for expectation in self.expectations:
            for attr in ("column", "column_A", "column_B"):
                if getattr(expectation, attr, None):
                    names.append(getattr(expectation, attr))
            names.extend(getattr(expectation, "column_list", None) or [])
        return list(dict.fromkeys(names))

    def reads(self, table: str) -> list[str]:
        """Other tables the check reads: its upstream dependencies besides ``table``."""
        found = re.findall(r"\b((?:raw|truth|metrics)\.[a-z_][a-z0-9_]*)\b", self.query or "")
        if self.uses_window:
            found.append(CALENDAR)
        return [t for t in dict.fromkeys(found) if t != table]


# --------------------------------------------------------------------------------------
# Check builders: one per kind of rule, so that the suites below read like the rules.
# --------------------------------------------------------------------------------------


def key_unique(*columns: str) -> QualityCheck:
    # Uniqueness spans all rows, so DuckDB finds the duplicate (or NULL) keys and GX sees
    # only those: the column checks run chunk by chunk and could not see a duplicate
    # split across two chunks.
    keys = ", ".join(columns)
    null_key = " OR ".join(f"{c} IS NULL" for c in columns)
    return violations(
        "key_unique",
        f"The key ({keys}) is never NULL and identifies one row.",
        f"SELECT {keys}, count(*) AS rows FROM {{table}} GROUP BY {keys} HAVING count(*) > 1 OR {null_key}",
    )


def unique_when_present(column: str, why: str) -> QualityCheck:
    return violations(
        f"{column}_unique",
        f"{column} appears on at most one row (NULLs aside): {why}",
        f"SELECT {column}, count(*) AS rows FROM {{table}} WHERE {column} IS NOT NULL "
        f"GROUP BY {column} HAVING count(*) > 1",
    )


def in_set(column: str, values: list[str]) -> QualityCheck:
    # Not blocking: no metric identity depends on the category labels, an unknown label
    # shows up as a group of its own rather than corrupting a figure.
    return QualityCheck(
        f"{column}_in_set",
        f"{column} is never NULL and one of {', '.join(values)}.",
        blocking=False,
        expectations=(
            gxe.ExpectColumnValuesToNotBeNull(column=column),
            gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values),
        ),
    )


def violations(name: str, description: str, query: str, blocking: bool = True) -> QualityCheck:
    """A rule DuckDB evaluates: ``query`` returns the violating rows, GX expects none."""
    return QualityCheck(
        name, description, blocking, expectations=(gxe.ExpectTableRowCountToEqual(value=0),), query=query
    )


def foreign_key(column: str, parent: str, parent_column: str, nullable: bool = False) -> QualityCheck:
    # An anti join keeps the child rows without a parent, NULL children included
    # (NULL matches nothing) unless the reference is optional. One row per orphan value,
    # with its row count, keeps the frame small even when a whole parent is missing.
    optional = f"WHERE child.{column} IS NOT NULL" if nullable else ""
    return violations(
        f"{column}_foreign_key",
        f"Every {column} references an existing {parent}.{parent_column}"
        + (" (NULL allowed)" if nullable else " (never NULL)")
        + "; violations are counted per orphan value.",
        f"SELECT child.{column}, count(*) AS rows FROM {{table}} child "
        f"ANTI JOIN {parent} p ON child.{column} = p.{parent_column} {optional} "
        f"GROUP BY ALL ORDER BY rows DESC",
    )


def no_overlapping_positions(person_column: str) -> QualityCheck:
    # A position overlaps when it starts before the latest end of the person's earlier
    # positions (a current one, end_date NULL, never ends). The running max catches every
    # overlapping row, not only those overlapping their direct predecessor.
    return violations(
        "no_overlapping_positions",
        f"A {person_column} holds one position at a time: no position starts before an earlier one "
        "ended (end_date is exclusive; NULL = still held).",
        f"""
        WITH with_earlier_end AS (
            SELECT {person_column}, position_id, start_date, end_date,
                   max(coalesce(end_date, 'infinity'::DATE)) OVER (
                       PARTITION BY {person_column} ORDER BY start_date, position_id
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ) AS earlier_end
            FROM {{table}}
        )
        SELECT {person_column}, position_id, start_date, end_date,
               nullif(earlier_end, 'infinity'::DATE) AS earlier_end_null_if_still_held
        FROM with_earlier_end
        WHERE start_date < earlier_end
        ORDER BY {person_column}, start_date
        """,
    )


# Dates outside the window are not blocking: metrics clamp or drop them by the calendar,
# they flag a generator problem rather than a wrong figure.


def in_window(column: str, nullable: bool = False) -> QualityCheck:
    not_null = () if nullable else (gxe.ExpectColumnValuesToNotBeNull(column=column),)
    return QualityCheck(
        f"{column}_in_window",
        f"{column} lies between the first and last month of raw.calendar"
        + (" when set." if nullable else " and is never NULL."),
        blocking=False,
        expectations=(
            *not_null,
            gxe.ExpectColumnValuesToBeBetween(column=column, min_value=FIRST_MONTH, max_value=LAST_MONTH),
        ),
        uses_window=True,
    )


def not_after_window(column: str, why: str) -> QualityCheck:
    return QualityCheck(
        f"{column}_not_after_window",
        f"{column} is never NULL and not after the last month of raw.calendar ({why}).",
        blocking=False,
        expectations=(
            gxe.ExpectColumnValuesToNotBeNull(column=column),
            gxe.ExpectColumnValuesToBeBetween(column=column, max_value=LAST_MONTH),
        ),
        uses_window=True,
    )


def ordered(
    later: str, earlier: str, strictly: bool, blocking: bool, why: str, name: str | None = None
) -> QualityCheck:
    relation = "after" if strictly else "not_before"
    return QualityCheck(
        name or f"{later}_{relation}_{earlier}",
        f"{later} is {'after' if strictly else 'on or after'} {earlier} when both are set: {why}",
        blocking=blocking,
        expectations=(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=earlier,
                or_equal=not strictly,
                ignore_row_if="either_value_is_missing",
            ),
        ),
    )


def between(name: str, columns: list[str], low: float | None, high: float | None, what: str) -> QualityCheck:
    return QualityCheck(
        name,
        f"{', '.join(columns)} {what} (NULL allowed).",
        blocking=True,
        expectations=tuple(
            gxe.ExpectColumnValuesToBeBetween(column=c, min_value=low, max_value=high) for c in columns
        ),
    )


def counts_not_negative(*columns: str) -> QualityCheck:
    return between("counts_not_negative", list(columns), 0, None, "are >= 0")


def position_checks(person_column: str, person_table: str, company_table: str) -> list[QualityCheck]:
    """Rules shared by raw.positions (per member) and truth.positions (per person)."""
    return [
        key_unique("position_id"),
        foreign_key(person_column, person_table, person_column),
        foreign_key("company_id", company_table, "company_id"),
        in_set("seniority", SENIORITIES),
        # Positions held at the window start began before it: only the upper bound applies.
        not_after_window("start_date", "positions held at the window start may begin before it"),
        in_window("end_date", nullable=True),
        ordered(
            "end_date",
            "start_date",
            strictly=True,
            blocking=True,
            why="end_date is exclusive, a position lasts at least a month (employment counts rely on it).",
        ),
        no_overlapping_positions(person_column),
    ]


# --------------------------------------------------------------------------------------
# The suites.
# --------------------------------------------------------------------------------------

SUITES: dict[str, list[QualityCheck]] = {
    "raw.calendar": [
        key_unique("month"),
        violations(
            "months_contiguous",
            "raw.calendar holds every month between its first and last: metrics iterate over its months.",
            """
            SELECT expected.month AS missing_month
            FROM range((SELECT min(month) FROM {table}), (SELECT max(month) FROM {table}) + INTERVAL 1 MONTH,
                       INTERVAL 1 MONTH) expected(month)
            ANTI JOIN {table} c ON c.month = expected.month
            """,
        ),
    ],
    "raw.members": [
        key_unique("member_id"),
        in_set("highest_education_level", EDUCATION_LEVELS),
        # Members may have joined before the window: only the upper bound applies.
        not_after_window("joined_on", "members may have joined before the window"),
    ],
    "raw.educations": [
        key_unique("member_id", "institution", "level"),
        foreign_key("member_id", "raw.members", "member_id"),
        in_set("level", EDUCATION_LEVELS),
    ],
    "raw.companies": [
        key_unique("company_id"),
    ],
    "raw.positions": [
        *position_checks("member_id", "raw.members", "raw.companies"),
        # The platform predates the window: positions of early members were reported before it.
        not_after_window("reported_on", "profiles were updated before the window too"),
        violations(
            "reported_not_before_joining",
            "A position reaches a profile no earlier than the month its member joined.",
            """
            SELECT p.position_id, p.reported_on, m.joined_on
            FROM {table} p JOIN raw.members m USING (member_id)
            WHERE p.reported_on < m.joined_on
            """,
            blocking=False,
        ),
        ordered(
            "reported_on",
            "start_date",
            strictly=False,
            blocking=False,
            why="a position appears on a profile once it has started.",
        ),
    ],
    "raw.member_skills": [
        key_unique("member_id", "skill"),
        foreign_key("member_id", "raw.members", "member_id"),
        in_set("source", SKILL_SOURCES),
        in_window("added_on"),
    ],
    "raw.postings": [
        key_unique("posting_id"),
        foreign_key("company_id", "raw.companies", "company_id"),
        foreign_key("hired_member_id", "raw.members", "member_id", nullable=True),
        in_set("seniority", SENIORITIES),
        in_window("opened_on"),
        in_window("closed_on", nullable=True),
        ordered(
            "closed_on", "opened_on", strictly=False, blocking=True, why="a posting closes after it opens."
        ),
    ],
    "raw.posting_skills": [
        key_unique("posting_id", "skill"),
        foreign_key("posting_id", "raw.postings", "posting_id"),
    ],
    "truth.people": [
        key_unique("person_id"),
        foreign_key("member_id", "raw.members", "member_id", nullable=True),
        unique_when_present("member_id", "a member is one person, or the platform view double counts."),
        in_set("highest_education_level", EDUCATION_LEVELS),
    ],
    "truth.educations": [
        key_unique("person_id"),
        foreign_key("person_id", "truth.people", "person_id"),
        in_set("level", EDUCATION_LEVELS),
    ],
    "truth.positions": [
        *position_checks("person_id", "truth.people", "raw.companies"),
        in_set("start_reason", START_REASONS),
    ],
    "truth.parameters": [
        key_unique("name", "key"),
    ],
    "metrics.location_panel": [
        key_unique("source", "year", "person_id"),
    ],
    "raw.skills": [
        key_unique("skill"),
    ],
    "metrics.hires": [
        key_unique("source", "grain", "period"),
        violations(
            "employment_identity",
            "Every month, the change in employment equals hires minus separations (JOLTS flow identity).",
            "SELECT source, period, employment_change, hires, separations FROM {table} "
            "WHERE grain = 'month' AND employment_change <> hires - separations",
        ),
        violations(
            "quits_within_separations",
            "Quits are separations, so never more than the separations of the period.",
            "SELECT source, grain, period, quits, separations FROM {table} WHERE quits > separations",
        ),
        counts_not_negative("hires", "separations", "quits", "employment"),
    ],
    "metrics.education_outcomes": [
        key_unique("source", "horizon_years", "level", "field", "institution"),
        violations(
            "share_within_interval",
            "managers <= graduates, and 0 <= ci_low <= management_share <= ci_high <= 1.",
            "SELECT source, horizon_years, level, field, institution FROM {table} "
            "WHERE managers > graduates OR NOT (0 <= ci_low AND ci_low <= management_share "
            "AND management_share <= ci_high AND ci_high <= 1)",
        ),
    ],
    "metrics.institution_comparison": [
        key_unique("source", "horizon_years", "level", "institution_a", "institution_b"),
        violations(
            "pairs_once_in_order",
            "Each pair of institutions appears once, institution_a before institution_b alphabetically.",
            "SELECT source, horizon_years, institution_a, institution_b FROM {table} "
            "WHERE institution_a >= institution_b",
        ),
    ],
    "metrics.it_talent_regions": [
        key_unique("source", "year", "city"),
        violations(
            "net_identity",
            "ict_net = ict_arrivals - ict_departures on every row.",
            "SELECT source, year, city FROM {table} WHERE ict_net <> ict_arrivals - ict_departures",
        ),
        violations(
            "rank_1_per_year",
            "Every source and year ranks a city first by net ICT inflow.",
            "SELECT source, year FROM {table} GROUP BY ALL HAVING min(rank_by_net) <> 1",
        ),
    ],
    "metrics.skills_genome": [
        key_unique("occupation", "skill"),
        between("rank_within_50", ["rank"], 1, 50, "lies between 1 and 50: the top 50 per occupation"),
        between("tf_within_bounds", ["tf"], 0, 1, "is a share of postings, in [0, 1]"),
    ],
    "metrics.skill_penetration": [
        key_unique("occupation", "skill_group"),
        between(
            "penetration_within_bounds",
            ["member_penetration", "posting_penetration"],
            0,
            1,
            "are shares, in [0, 1]",
        ),
    ],
    "raw.posting_events": [
        key_unique("member_id", "posting_id", "event"),
        foreign_key("member_id", "raw.members", "member_id"),
        foreign_key("posting_id", "raw.postings", "posting_id"),
        in_set("event", ["view", "apply"]),
        in_window("occurred_on"),
        violations(
            "apply_has_view",
            "A member who applied to a posting also viewed it.",
            "SELECT member_id, posting_id FROM {table} GROUP BY ALL "
            "HAVING bool_or(event = 'apply') AND NOT bool_or(event = 'view')",
        ),
        violations(
            "not_before_joining",
            "Nobody views or applies on the platform before joining it.",
            "SELECT e.member_id, e.posting_id, e.occurred_on, m.joined_on FROM {table} e "
            "JOIN raw.members m USING (member_id) WHERE e.occurred_on < m.joined_on",
            blocking=False,
        ),
    ],
    "raw.recruiter_searches": [
        key_unique("search_id"),
        foreign_key("company_id", "raw.companies", "company_id"),
        foreign_key("posting_id", "raw.postings", "posting_id"),
        in_window("searched_on"),
        violations(
            "skill_filters_well_formed",
            "skill_filters is never NULL (an empty list when the search had no skill filter) and names at "
            "most 3 distinct skills: metrics count a search as filtering on skills when the list is not "
            "empty.",
            "SELECT search_id, CAST(skill_filters AS VARCHAR) AS skill_filters FROM {table} "
            "WHERE skill_filters IS NULL OR len(skill_filters) > 3 "
            "OR len(list_distinct(skill_filters)) <> len(skill_filters)",
        ),
        violations(
            "search_matches_posting",
            "A search is run by the posting's company, for its occupation, while it is open: not before the "
            "month it opened nor after the month it closed.",
            "SELECT s.search_id, s.posting_id, s.company_id, p.company_id AS posting_company_id, "
            "s.occupation, p.occupation AS posting_occupation, s.searched_on, p.opened_on, p.closed_on "
            "FROM {table} s JOIN raw.postings p USING (posting_id) "
            "WHERE s.company_id <> p.company_id OR s.occupation <> p.occupation "
            "OR s.searched_on < p.opened_on OR s.searched_on > p.closed_on",
            blocking=False,
        ),
        violations(
            "skill_filters_from_posting",
            "Every skill a search filters on is one its posting requires (for a posting that requires none, "
            "a skill of the taxonomy, raw.skills).",
            """
            WITH filters AS (SELECT search_id, posting_id, unnest(skill_filters) AS skill FROM {table})
            SELECT f.search_id, f.posting_id, f.skill
            FROM filters f
            WHERE NOT EXISTS (SELECT 1 FROM raw.posting_skills s
                              WHERE s.posting_id = f.posting_id AND s.skill = f.skill)
              AND (EXISTS (SELECT 1 FROM raw.posting_skills s WHERE s.posting_id = f.posting_id)
                   OR NOT EXISTS (SELECT 1 FROM raw.skills k WHERE k.skill = f.skill))
            """,
            blocking=False,
        ),
    ],
    "truth.applications": [
        key_unique("application_id"),
        foreign_key("person_id", "truth.people", "person_id"),
        foreign_key("company_id", "raw.companies", "company_id"),
        foreign_key("posting_id", "raw.postings", "posting_id", nullable=True),
        in_set("channel", ["platform", "off_platform"]),
        in_window("applied_on"),
        violations(
            "posting_only_on_platform",
            "Applications on the platform name a posting; those made elsewhere do not.",
            "SELECT application_id, channel, posting_id FROM {table} "
            "WHERE (channel = 'platform') <> (posting_id IS NOT NULL)",
        ),
    ],
    "metrics.platform_attribution": [
        key_unique("source", "year"),
        between("shares_within_bounds", ["attributed_share", "invisible_share"], 0, 1, "are shares, in [0, 1]"),
        violations(
            "attributed_within_hires",
            "Attributed and invisible hires are hires, so never more than the hires of the year.",
            "SELECT source, year FROM {table} WHERE attributed_hires > hires OR invisible_hires > hires",
        ),
    ],
    "metrics.skills_based_hiring": [
        key_unique("source", "year", "measure", "category"),
        violations(
            "measure_and_category_known",
            "Every (measure, category) is one the metric defines: hires (skills_at_least_1/2/3, pedigree), "
            "hires_by_basis (skills_only, pedigree_only, skills_and_pedigree, neither), recruiter_searches "
            "(skill_filter, no_skill_filter), skills_added (the four skill sources).",
            "SELECT source, year, measure, category FROM {table} "
            "WHERE coalesce(measure || '|' || category NOT IN ("
            "'hires|skills_at_least_1', 'hires|skills_at_least_2', 'hires|skills_at_least_3', "
            "'hires|pedigree', "
            "'hires_by_basis|skills_only', 'hires_by_basis|pedigree_only', "
            "'hires_by_basis|skills_and_pedigree', 'hires_by_basis|neither', "
            "'recruiter_searches|skill_filter', 'recruiter_searches|no_skill_filter', "
            + ", ".join(f"'skills_added|{s}'" for s in SKILL_SOURCES)
            + "), TRUE)",
            blocking=False,
        ),
        counts_not_negative("count", "total"),
        violations(
            "share_identity",
            "count <= total and share = count / total (to within 1e-9) on every row.",
            "SELECT source, year, measure, category, count, total, share FROM {table} "
            "WHERE NOT coalesce(count <= total AND abs(share - count / total) <= 1e-9, FALSE)",
        ),
        violations(
            "parts_add_up",
            "The categories of hires_by_basis, recruiter_searches and skills_added partition the year's "
            "total: they share one total and their counts add up to it.",
            "SELECT source, year, measure, sum(count) AS counted, min(total) AS total, "
            "max(total) AS largest_total FROM {table} "
            "WHERE measure IN ('hires_by_basis', 'recruiter_searches', 'skills_added') "
            "GROUP BY ALL HAVING sum(count) <> min(total) OR min(total) <> max(total)",
        ),
        violations(
            "hire_measures_consistent",
            "Per year, hires and hires_by_basis count the same hires: skills_at_least_1 >= _2 >= _3, "
            "skills_at_least_1 = skills_only + skills_and_pedigree, pedigree = pedigree_only + "
            "skills_and_pedigree, and both measures have the same total.",
            """
            WITH per_year AS (
                SELECT source, year,
                       max(CASE WHEN category = 'skills_at_least_1' THEN count END) AS skills_1,
                       max(CASE WHEN category = 'skills_at_least_2' THEN count END) AS skills_2,
                       max(CASE WHEN category = 'skills_at_least_3' THEN count END) AS skills_3,
                       max(CASE WHEN category = 'pedigree' THEN count END) AS pedigree,
                       max(CASE WHEN category = 'skills_only' THEN count END) AS skills_only,
                       max(CASE WHEN category = 'pedigree_only' THEN count END) AS pedigree_only,
                       max(CASE WHEN category = 'skills_and_pedigree' THEN count END) AS both_bases,
                       max(CASE WHEN measure = 'hires' THEN total END) AS hires,
                       max(CASE WHEN measure = 'hires_by_basis' THEN total END) AS hires_by_basis
                FROM {table} WHERE measure IN ('hires', 'hires_by_basis') GROUP BY ALL
            )
            SELECT * FROM per_year
            WHERE NOT coalesce(skills_1 >= skills_2 AND skills_2 >= skills_3
                               AND skills_1 = skills_only + both_bases
                               AND pedigree = pedigree_only + both_bases
                               AND hires = hires_by_basis, FALSE)
            """,
        ),
    ],
    "raw.connections": [
        key_unique("member_a", "member_b"),
        violations(
            "member_a_before_member_b",
            "A pair is stored once, the lower member_id first: degrees count both sides of every row.",
            "SELECT member_a, member_b FROM {table} WHERE member_a >= member_b",
        ),
        foreign_key("member_a", "raw.members", "member_id"),
        foreign_key("member_b", "raw.members", "member_id"),
        in_set("context", ["colleagues", "classmates", "other"]),
        # Early members connected before the window: only the upper bound applies.
        not_after_window("connected_on", "members who joined before the window connected before it too"),
        violations(
            "not_before_joining",
            "Nobody connects before joining: connected_on is on or after both members' joined_on "
            "(a member's degree counts from the year of joining).",
            """
            SELECT c.member_a, c.member_b, c.connected_on, a.joined_on AS a_joined_on, b.joined_on AS b_joined_on
            FROM {table} c
            JOIN raw.members a ON a.member_id = c.member_a
            JOIN raw.members b ON b.member_id = c.member_b
            WHERE c.connected_on < a.joined_on OR c.connected_on < b.joined_on
            """,
        ),
    ],
    "metrics.network": [
        key_unique("source", "year"),
        counts_not_negative(
            "members", "connections", "connections_formed", "mean_degree", "median_degree", "hires",
            "connected_hires", "matched_hires",
        ),
        between(
            "shares_within_bounds",
            ["connected_hire_share", "matched_connected_share", "placebo_connected_share"],
            0,
            1,
            "lie in [0, 1]",
        ),
        violations(
            "connections_add_up",
            "From one year to the next the stock of connections grows by the connections formed in the year.",
            """
            SELECT source, year, connections, previous_connections, connections_formed
            FROM (SELECT *, lag(year) OVER (PARTITION BY source ORDER BY year) AS previous_year,
                            lag(connections) OVER (PARTITION BY source ORDER BY year) AS previous_connections
                  FROM {table})
            WHERE year = previous_year + 1 AND connections - previous_connections <> connections_formed
            """,
        ),
        violations(
            "degree_identity",
            "mean_degree = 2 x connections / members (every connection has two ends), to within 1e-9; NULL "
            "without members.",
            "SELECT source, year, members, connections, mean_degree FROM {table} "
            "WHERE NOT coalesce(abs(mean_degree - 2.0 * connections / nullif(members, 0)) <= 1e-9 * (1 + mean_degree), "
            "mean_degree IS NULL AND nullif(members, 0) IS NULL)",
        ),
        violations(
            "connected_within_hires",
            "Connected hires and matched hires are hires: never more than the hires of the year.",
            "SELECT source, year, hires, connected_hires, matched_hires FROM {table} "
            "WHERE connected_hires > hires OR matched_hires > hires",
        ),
        violations(
            "totals_match_the_tables",
            "The last year of each source counts every row of raw.connections and every member of raw.members.",
            """
            SELECT n.source, n.year, n.connections, (SELECT count(*) FROM raw.connections) AS connection_rows,
                   n.members, (SELECT count(*) FROM raw.members) AS member_rows
            FROM {table} n
            WHERE n.year = (SELECT max(year) FROM {table} l WHERE l.source = n.source)
              AND (n.connections <> (SELECT count(*) FROM raw.connections)
                   OR n.members <> (SELECT count(*) FROM raw.members))
            """,
        ),
    ],
    "metrics.vacancies": [
        key_unique("source", "grain", "period", "occupation_family", "city"),
        counts_not_negative(
            "active_openings", "postings_opened", "postings_filled", "applications", "active_applicants"
        ),
        violations(
            "tightness_identity",
            "tightness = active_openings / active_applicants to within 1e-9, NULL exactly when nobody applied.",
            "SELECT source, grain, period, occupation_family, city, active_openings, active_applicants, tightness "
            "FROM {table} WHERE NOT coalesce(abs(tightness - active_openings / nullif(active_applicants, 0)) "
            "<= 1e-9 * greatest(1, abs(tightness)), tightness IS NULL AND active_applicants = 0)",
        ),
        violations(
            "applicants_within_applications",
            "A person applying several times counts once: active_applicants never exceed the applications.",
            "SELECT source, grain, period, occupation_family, city, applications, active_applicants "
            "FROM {table} WHERE active_applicants > applications",
        ),
        violations(
            "fills_only_on_platform",
            "Platform rows always count fills and carry fill times (>= 0) exactly when a posting was filled; "
            "truth rows have none (the truth does not record which posting an off-platform hire filled).",
            """
            SELECT source, grain, period, occupation_family, city, postings_filled, median_months_to_fill,
                   mean_months_to_fill
            FROM {table}
            WHERE CASE WHEN source = 'platform'
                       THEN postings_filled IS NULL
                            OR (median_months_to_fill IS NULL) <> (postings_filled = 0)
                            OR (mean_months_to_fill IS NULL) <> (postings_filled = 0)
                            OR median_months_to_fill < 0 OR mean_months_to_fill < 0
                       ELSE postings_filled IS NOT NULL OR median_months_to_fill IS NOT NULL
                            OR mean_months_to_fill IS NOT NULL
                  END
            """,
        ),
        violations(
            "segments_add_up",
            "Openings, postings opened and filled, and applications of a family's cities add up to the family's "
            "'all' row, and those of a city's families to the city's 'all' row (averaged openings within 1e-6).",
            """
            WITH parts AS (
                SELECT 'city' AS summed, source, grain, period, occupation_family, 'all' AS city,
                       active_openings, postings_opened, postings_filled, applications
                FROM {table} WHERE city <> 'all'
                UNION ALL
                SELECT 'occupation_family', source, grain, period, 'all', city,
                       active_openings, postings_opened, postings_filled, applications
                FROM {table} WHERE occupation_family <> 'all'
            ),
            sums AS (
                SELECT summed, source, grain, period, occupation_family, city,
                       sum(active_openings) AS active_openings, sum(postings_opened) AS postings_opened,
                       sum(postings_filled) AS postings_filled, sum(applications) AS applications
                FROM parts GROUP BY summed, source, grain, period, occupation_family, city
            )
            SELECT s.summed, s.source, s.grain, s.period, s.occupation_family, s.city,
                   s.active_openings, t.active_openings AS total_openings, s.applications,
                   t.applications AS total_applications
            FROM sums s
            LEFT JOIN {table} t USING (source, grain, period, occupation_family, city)
            WHERE NOT coalesce(abs(s.active_openings - t.active_openings)
                               <= 1e-6 * greatest(1, t.active_openings), FALSE)
               OR s.postings_opened IS DISTINCT FROM t.postings_opened
               OR s.postings_filled IS DISTINCT FROM t.postings_filled
               OR s.applications IS DISTINCT FROM t.applications
            """,
        ),
        violations(
            "openings_match_hires",
            "The platform's active openings over all families and cities equal metrics.hires' job_openings in "
            "every month and year (the same definition), to within 1e-9.",
            """
            SELECT h.grain, h.period, h.job_openings, v.active_openings
            FROM metrics.hires h
            LEFT JOIN {table} v ON v.source = 'platform' AND v.grain = h.grain AND v.period = h.period
                AND v.occupation_family = 'all' AND v.city = 'all'
            WHERE h.source = 'platform'
              AND NOT abs(coalesce(v.active_openings, 0) - h.job_openings) <= 1e-9 * greatest(1, h.job_openings)
            """,
        ),
    ],
    "metrics.company_insights": [
        key_unique("source", "company_id", "year"),
        foreign_key("company_id", "raw.companies", "company_id"),
        counts_not_negative(
            "headcount_start", "headcount_end", "hires", "leavers", "management_hires", "promotions_to_management",
            "hires_from_other_employers", "leavers_to_other_employers",
        ),
        violations(
            "headcount_identity",
            "headcount_end - headcount_start = hires - leavers on every row: a spell joining the headcount is a "
            "hire, one leaving it a leaver.",
            "SELECT source, company_id, year, headcount_start, headcount_end, hires, leavers FROM {table} "
            "WHERE headcount_end - headcount_start <> hires - leavers",
        ),
        violations(
            "ratio_identities",
            "average_headcount = (headcount_start + headcount_end) / 2, growth = (headcount_end - headcount_start) "
            "/ headcount_start and attrition = leavers / average_headcount to within 1e-9 (NULL on a zero "
            "denominator).",
            """
            SELECT source, company_id, year, headcount_start, headcount_end, average_headcount, growth, leavers,
                   attrition
            FROM {table}
            WHERE NOT coalesce(abs(average_headcount - (headcount_start + headcount_end) / 2) <= 1e-9, FALSE)
               OR NOT coalesce(abs(growth - (headcount_end - headcount_start) / nullif(headcount_start, 0)) <= 1e-9,
                               growth IS NULL AND headcount_start = 0)
               OR NOT coalesce(abs(attrition - leavers / nullif(average_headcount, 0)) <= 1e-9,
                               attrition IS NULL AND average_headcount = 0)
            """,
        ),
        violations(
            "flows_within_totals",
            "Management and job-to-job hires are hires, job-to-job leavers are leavers; the top company's movers "
            "never exceed the top industry's, nor those the job-to-job movers; the top columns are NULL exactly "
            "when there are no job-to-job movers.",
            """
            SELECT source, company_id, year, hires, management_hires, hires_from_other_employers,
                   top_source_hires, top_source_industry_hires, leavers, leavers_to_other_employers,
                   top_destination_leavers, top_destination_industry_leavers
            FROM {table}
            WHERE management_hires > hires OR hires_from_other_employers > hires
               OR leavers_to_other_employers > leavers
               OR CASE WHEN hires_from_other_employers > 0
                       THEN NOT coalesce(top_source_hires >= 1 AND top_source_hires <= top_source_industry_hires
                                         AND top_source_industry_hires <= hires_from_other_employers
                                         AND top_source_company_id IS NOT NULL
                                         AND top_source_industry IS NOT NULL, FALSE)
                       ELSE top_source_company_id IS NOT NULL OR top_source_hires IS NOT NULL
                            OR top_source_industry IS NOT NULL OR top_source_industry_hires IS NOT NULL
                  END
               OR CASE WHEN leavers_to_other_employers > 0
                       THEN NOT coalesce(top_destination_leavers >= 1
                                         AND top_destination_leavers <= top_destination_industry_leavers
                                         AND top_destination_industry_leavers <= leavers_to_other_employers
                                         AND top_destination_company_id IS NOT NULL
                                         AND top_destination_industry IS NOT NULL, FALSE)
                       ELSE top_destination_company_id IS NOT NULL OR top_destination_leavers IS NOT NULL
                            OR top_destination_industry IS NOT NULL OR top_destination_industry_leavers IS NOT NULL
                  END
            """,
        ),
        violations(
            "tenure_only_with_headcount",
            "median_tenure_years is at least a month (1/12) when anybody is employed at the year's end, and "
            "NULL when nobody is.",
            "SELECT source, company_id, year, headcount_end, median_tenure_years FROM {table} "
            "WHERE CASE WHEN headcount_end > 0 THEN NOT coalesce(median_tenure_years >= 1.0 / 12 - 1e-9, FALSE) "
            "ELSE median_tenure_years IS NOT NULL END",
        ),
        violations(
            "hires_match_metrics_hires",
            "Per source and year, hires and leavers summed over companies equal metrics.hires' yearly hires and "
            "separations (the same employer spells).",
            """
            SELECT c.source, c.year, c.hires, h.hires AS metric_hires, c.leavers,
                   h.separations AS metric_separations
            FROM (SELECT source, year, sum(hires) AS hires, sum(leavers) AS leavers
                  FROM {table} GROUP BY source, year) c
            LEFT JOIN metrics.hires h ON h.source = c.source AND h.grain = 'year' AND year(h.period) = c.year
            WHERE c.hires IS DISTINCT FROM h.hires OR c.leavers IS DISTINCT FROM h.separations
            """,
        ),
    ],
    "metrics.posting_insights": [
        key_unique("posting_id"),
        foreign_key("posting_id", "raw.postings", "posting_id"),
        counts_not_negative(
            "views", "applicants", "required_skills", "applicants_with_all_skills", "months_to_fill",
            "months_to_hire",
        ),
        violations(
            "applicants_within_views",
            "Every applicant viewed the posting, and applicants with all skills are applicants.",
            "SELECT posting_id, views, applicants, applicants_with_all_skills FROM {table} "
            "WHERE applicants > views OR applicants_with_all_skills > applicants",
        ),
        violations(
            "education_shares_add_up",
            "The four education shares lie in [0, 1] and add up to 1 (within 1e-9) when anybody applied, and "
            "are all NULL when nobody did.",
            """
            SELECT posting_id, applicants, vo_share, mbo_share, hbo_share, wo_share FROM {table}
            WHERE CASE WHEN applicants > 0
                       THEN NOT coalesce(abs(vo_share + mbo_share + hbo_share + wo_share - 1) <= 1e-9
                                         AND least(vo_share, mbo_share, hbo_share, wo_share) >= 0
                                         AND greatest(vo_share, mbo_share, hbo_share, wo_share) <= 1, FALSE)
                       ELSE vo_share IS NOT NULL OR mbo_share IS NOT NULL OR hbo_share IS NOT NULL
                            OR wo_share IS NOT NULL
                  END
            """,
        ),
        violations(
            "skill_shares_consistent",
            "all_skills_share = applicants_with_all_skills / applicants and all_skills_share <= half_skills_share "
            "<= 1, all_skills_share <= skill_coverage <= 1 (within 1e-9); the shares are NULL without applicants "
            "or required skills, the count NULL exactly without required skills.",
            """
            SELECT posting_id, applicants, required_skills, applicants_with_all_skills, all_skills_share,
                   half_skills_share, skill_coverage
            FROM {table}
            WHERE CASE WHEN applicants = 0 OR required_skills = 0
                       THEN all_skills_share IS NOT NULL OR half_skills_share IS NOT NULL
                            OR skill_coverage IS NOT NULL
                            OR (applicants_with_all_skills IS NULL) <> (required_skills = 0)
                       ELSE NOT coalesce(
                            abs(all_skills_share - applicants_with_all_skills / applicants) <= 1e-9
                            AND all_skills_share <= half_skills_share + 1e-9 AND half_skills_share <= 1
                            AND all_skills_share <= skill_coverage + 1e-9 AND skill_coverage <= 1 + 1e-9, FALSE)
                  END
            """,
        ),
        violations(
            "hire_times_for_platform_hires",
            "months_to_fill and months_to_hire are set exactly for postings filled through the platform "
            "(raw.postings.hired_member_id), and the application falls between opening and hire: "
            "months_to_hire <= months_to_fill.",
            """
            SELECT i.posting_id, p.hired_member_id, i.months_to_fill, i.months_to_hire
            FROM {table} i JOIN raw.postings p USING (posting_id)
            WHERE (i.months_to_fill IS NULL) <> (p.hired_member_id IS NULL)
               OR (i.months_to_hire IS NULL) <> (p.hired_member_id IS NULL)
               OR i.months_to_hire > i.months_to_fill
            """,
        ),
    ],
    "metrics.monthly_stocks": [
        key_unique("source", "month"),
        counts_not_negative("employed", "population"),
    ],
    "metrics.job_change_rate": [
        key_unique("source", "grain", "period"),
        violations(
            "rates_within_bounds",
            "Yearly rate and hiring_rate lie in [0, 1.5] (NULL allowed when the denominator is 0).",
            "SELECT source, period, rate, hiring_rate FROM {table} WHERE grain = 'year' "
            "AND (rate NOT BETWEEN 0 AND 1.5 OR hiring_rate NOT BETWEEN 0 AND 1.5)",
        ),
        counts_not_negative("job_changes", "avg_employed", "hires", "population"),
    ],
    "metrics.talent_flows": [
        key_unique("source", "year", "city", "occupation_family"),
        violations(
            "flow_identity",
            "On every row arrivals - departures = net = members_end - members.",
            "SELECT source, year, city, occupation_family, arrivals, departures, net, members, members_end "
            "FROM {table} WHERE arrivals - departures IS DISTINCT FROM net "
            "OR members_end - members IS DISTINCT FROM net",
        ),
        counts_not_negative("arrivals", "departures", "members", "members_end"),
    ],
    "metrics.talent_flows_od": [
        key_unique("source", "year", "origin_city", "destination_city", "occupation_family"),
        violations(
            "movers_match_departures",
            "Movers summed over destinations equal metrics.talent_flows.departures of the origin city, "
            "per source, year and occupation family.",
            """
            WITH leavers AS (
                SELECT source, year, origin_city AS city, occupation_family, sum(movers) AS movers
                FROM {table} GROUP BY ALL
            )
            SELECT source, year, city, occupation_family,
                   coalesce(l.movers, 0) AS movers, coalesce(f.departures, 0) AS departures
            FROM leavers l FULL JOIN metrics.talent_flows f USING (source, year, city, occupation_family)
            WHERE coalesce(l.movers, 0) <> coalesce(f.departures, 0)
            """,
        ),
        counts_not_negative("movers"),
    ],
    "metrics.skill_demand": [
        key_unique("year", "skill"),
        between("shares_within_bounds", ["share_of_postings"], 0, 1, "lie in [0, 1]"),
        counts_not_negative("postings"),
        violations(
            "rank_1_per_year",
            "Every year has a most demanded skill (rank 1).",
            "SELECT year, min(rank) AS best_rank FROM {table} "
            "GROUP BY year HAVING min(rank) IS DISTINCT FROM 1",
        ),
    ],
    "metrics.skills_added": [
        key_unique("source", "year"),
        counts_not_negative("skills_added", "member_years", "skills_per_member"),
    ],
    "metrics.time_to_first_job": [
        key_unique("source", "graduation_year", "level", "field", "institution"),
        between("shares_within_bounds", ["employed_6m_share", "employed_12m_share"], 0, 1, "lie in [0, 1]"),
        QualityCheck(
            "median_between_quartiles",
            "p25_months <= median_months <= p75_months wherever both sides are set.",
            blocking=True,
            expectations=(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="median_months",
                    column_B="p25_months",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="p75_months",
                    column_B="median_months",
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
            ),
        ),
        counts_not_negative("graduates", "censored", "median_months", "p25_months", "p75_months"),
        ordered(
            "graduates",
            "censored",
            strictly=False,
            blocking=True,
            why="censored graduates are part of the group.",
            name="censored_within_graduates",
        ),
    ],
    "metrics.population_margins": [
        key_unique("population", "year", "dimension", "segment"),
        counts_not_negative("people"),
        violations(
            "dimensions_add_up",
            "Per population and year, every dimension's segments add up to the same number of people "
            "(everybody employed has a level, a family and a city).",
            "SELECT population, year, min(people) AS smallest_total, max(people) AS largest_total "
            "FROM (SELECT population, year, dimension, sum(people) AS people FROM {table} GROUP BY ALL) "
            "GROUP BY ALL HAVING min(people) <> max(people)",
        ),
    ],
    "metrics.raking_weights": [
        key_unique("year", "education_level", "occupation_family", "city"),
        counts_not_negative("members"),
        between("weights_not_negative", ["weight"], 0, None, "are >= 0"),
        violations(
            "margins_match",
            "Weighted members (members x weight) of every segment the members reach equal its margin in "
            "metrics.population_margins ('employed'), the margins of unreached segments spread over the "
            "reached ones; to within a millionth of the year's population.",
            """
            WITH weighted AS (
                SELECT year, 'education_level' AS dimension, education_level AS segment,
                       sum(members * weight) AS weighted
                FROM {table} GROUP BY ALL
                UNION ALL
                SELECT year, 'occupation_family', occupation_family, sum(members * weight)
                FROM {table} GROUP BY ALL
                UNION ALL
                SELECT year, 'city', city, sum(members * weight) FROM {table} GROUP BY ALL
            ),
            margins AS (
                SELECT year, dimension, segment, people
                FROM metrics.population_margins WHERE population = 'employed'
            ),
            totals AS (
                SELECT year, dimension, sum(people) AS total FROM margins GROUP BY ALL
            ),
            reached AS (
                SELECT w.year, w.dimension, sum(coalesce(m.people, 0)) AS reached_people
                FROM weighted w LEFT JOIN margins m USING (year, dimension, segment) GROUP BY ALL
            )
            SELECT w.year, w.dimension, w.segment, w.weighted,
                   coalesce(m.people, 0) * t.total / nullif(r.reached_people, 0) AS target
            FROM weighted w
            LEFT JOIN margins m USING (year, dimension, segment)
            LEFT JOIN totals t USING (year, dimension)
            LEFT JOIN reached r USING (year, dimension)
            WHERE NOT coalesce(abs(w.weighted - coalesce(m.people, 0) * t.total / nullif(r.reached_people, 0))
                               <= 1e-6 * t.total, FALSE)
            """,
        ),
    ],
    "metrics.coverage": [
        key_unique("year", "dimension", "segment"),
        counts_not_negative("workforce", "members", "eventual_members"),
        between(
            "shares_within_bounds",
            ["coverage", "eventual_coverage", "workforce_share", "member_share", "dissimilarity"],
            0,
            1,
            "lie in [0, 1]",
        ),
        violations(
            "members_within_workforce",
            "members <= eventual_members <= workforce: who had joined by the day is a member by the end.",
            "SELECT year, dimension, segment, workforce, members, eventual_members FROM {table} "
            "WHERE NOT (members <= eventual_members AND eventual_members <= workforce)",
        ),
        violations(
            "segments_add_up",
            "Per year, the segments of every dimension add up to the workforce and members of 'all'.",
            """
            SELECT d.year, d.dimension, d.workforce, a.workforce AS all_workforce,
                   d.members, a.members AS all_members
            FROM (SELECT year, dimension, sum(workforce) AS workforce, sum(members) AS members
                  FROM {table} GROUP BY ALL) d
            LEFT JOIN {table} a ON a.year = d.year AND a.dimension = 'all'
            WHERE d.workforce IS DISTINCT FROM a.workforce OR d.members IS DISTINCT FROM a.members
            """,
        ),
    ],
    "metrics.platform_vs_truth": [
        key_unique("metric", "year", "dimension", "segment"),
        violations(
            "error_identities",
            "error = platform - truth, abs_error = |error| and relative_error = error / truth (NULL where "
            "truth = 0), to within 1e-9.",
            """
            SELECT metric, year, dimension, segment, platform, truth, error, abs_error, relative_error
            FROM {table}
            WHERE NOT coalesce(abs(error - (platform - truth)) <= 1e-9,
                               error IS NULL AND platform - truth IS NULL)
               OR NOT coalesce(abs(abs_error - abs(platform - truth)) <= 1e-9,
                               abs_error IS NULL AND platform - truth IS NULL)
               OR NOT coalesce(abs(relative_error - (platform - truth) / nullif(truth, 0)) <= 1e-9,
                               relative_error IS NULL AND (platform - truth) / nullif(truth, 0) IS NULL)
            """,
        ),
        violations(
            "figures_within_bounds",
            "Shares (employed_6m_share, employed_12m_share) lie in [0, 1], yearly rates (job_change_rate, "
            "hires_per_employed, hiring_rate) in [0, 1.5], on both sides (NULL allowed).",
            "SELECT metric, year, dimension, segment, platform, truth FROM {table} "
            "WHERE (metric IN ('employed_6m_share', 'employed_12m_share') "
            "       AND (platform NOT BETWEEN 0 AND 1 OR truth NOT BETWEEN 0 AND 1)) "
            "OR (metric IN ('job_change_rate', 'hires_per_employed', 'hiring_rate') "
            "    AND (platform NOT BETWEEN 0 AND 1.5 OR truth NOT BETWEEN 0 AND 1.5))",
        ),
        counts_not_negative("platform_base", "truth_base"),
    ],
    "metrics.corrected_estimates": [
        key_unique("metric", "year", "dimension", "segment"),
        violations(
            "error_identities",
            "error = platform - truth, corrected_error = corrected - truth, and the relative errors divide "
            "them by the truth (NULL where truth = 0), to within 1e-9.",
            """
            SELECT metric, year, dimension, segment, truth, platform, corrected, error, corrected_error
            FROM {table}
            WHERE NOT coalesce(abs(error - (platform - truth)) <= 1e-9,
                               error IS NULL AND platform - truth IS NULL)
               OR NOT coalesce(abs(corrected_error - (corrected - truth)) <= 1e-9,
                               corrected_error IS NULL AND corrected - truth IS NULL)
               OR NOT coalesce(abs(relative_error - (platform - truth) / nullif(truth, 0)) <= 1e-9,
                               relative_error IS NULL AND (platform - truth) / nullif(truth, 0) IS NULL)
               OR NOT coalesce(abs(corrected_relative_error - (corrected - truth) / nullif(truth, 0)) <= 1e-9,
                               corrected_relative_error IS NULL
                               AND (corrected - truth) / nullif(truth, 0) IS NULL)
            """,
        ),
        violations(
            "shares_add_up",
            "Shares (occupation_family_share, education_level_share) lie in [0, 1] and add up to 1 within "
            "every group (the segment's part before '|'), for truth, platform and corrected alike.",
            """
            SELECT metric, year, dimension, split_part(segment, '|', 1) AS group_value,
                   sum(truth) AS truth, sum(platform) AS platform, sum(corrected) AS corrected,
                   min(least(truth, platform, corrected)) AS smallest,
                   max(greatest(truth, platform, corrected)) AS largest
            FROM {table}
            WHERE metric IN ('occupation_family_share', 'education_level_share')
            GROUP BY ALL
            HAVING abs(sum(truth) - 1) > 1e-9 OR abs(sum(platform) - 1) > 1e-9
                OR abs(sum(corrected) - 1) > 1e-9
                OR min(least(truth, platform, corrected)) < 0 OR max(greatest(truth, platform, corrected)) > 1
            """,
        ),
        counts_not_negative("platform_base", "truth_base"),
    ],
    "metrics.reporting_lag": [
        key_unique("lag_months"),
        counts_not_negative("lag_months", "job_changes"),
        between("shares_within_bounds", ["share", "completion"], 0, 1, "lie in [0, 1]"),
        violations(
            "completion_is_cumulative",
            "completion is the running sum of share over lag_months: it never falls and reaches 1 at the "
            "longest lag (when there are reference job changes).",
            """
            SELECT lag_months, share, completion, running_share
            FROM (SELECT *, sum(share) OVER (ORDER BY lag_months ROWS UNBOUNDED PRECEDING) AS running_share
                  FROM {table})
            WHERE abs(completion - running_share) > 1e-9
               OR (lag_months = (SELECT max(lag_months) FROM {table}) AND abs(completion - 1) > 1e-9)
            """,
        ),
    ],
    "metrics.nowcast": [
        key_unique("month"),
        counts_not_negative("months_before_cutoff", "reported_job_changes", "signup_job_changes"),
        between("shares_within_bounds", ["completion", "estimated_undercount"], 0, 1, "lie in [0, 1]"),
        violations(
            "nowcast_identity",
            "signup_job_changes <= reported_job_changes <= nowcast_job_changes, and nowcast_job_changes = "
            "signup_job_changes + (reported_job_changes - signup_job_changes) / completion (to within 1e-6; "
            "both NULL without reference job changes).",
            """
            SELECT month, reported_job_changes, signup_job_changes, completion, nowcast_job_changes
            FROM {table}
            WHERE signup_job_changes > reported_job_changes
               OR reported_job_changes > nowcast_job_changes + 1e-9
               OR NOT coalesce(abs(nowcast_job_changes - signup_job_changes
                                   - (reported_job_changes - signup_job_changes) / completion) <= 1e-6,
                               completion IS NULL AND nowcast_job_changes IS NULL)
            """,
        ),
        violations(
            "reported_matches_job_change_rate",
            "reported_job_changes equals the platform's monthly job_changes in metrics.job_change_rate.",
            """
            SELECT n.month, n.reported_job_changes, j.job_changes
            FROM {table} n
            LEFT JOIN metrics.job_change_rate j
                ON j.source = 'platform' AND j.grain = 'month' AND j.period = n.month
            WHERE n.reported_job_changes IS DISTINCT FROM j.job_changes
            """,
        ),
    ],
}


# --------------------------------------------------------------------------------------
# Running a suite.
# --------------------------------------------------------------------------------------


@functools.cache
def _batch_definition():
    """The GX pandas batch definition, built once per process (GX is slow to set up)."""
    context = gx.get_context(mode="ephemeral")
    context.enable_analytics(False)  # as GX_ANALYTICS_ENABLED=false, also when the variable is unset
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("warehouse").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _run_expectations(frame: pd.DataFrame, checks: list[QualityCheck], window: dict) -> dict[str, list]:
    """Validate every check's expectations on one frame; GX results grouped by check name."""
    batch_definition = _batch_definition()  # first: suites need the active GX context
    suite = gx.ExpectationSuite(name="quality")
    for check in checks:
        for expectation in check.expectations:
            tagged = expectation.copy(deep=True)  # the suites stay untouched, tags differ per check
            tagged.meta = {**(tagged.meta or {}), _CHECK_TAG: check.name}
            suite.add_expectation(tagged)
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    validation = batch.validate(
        suite,
        expectation_parameters=window,
        result_format={"result_format": "SUMMARY", "partial_unexpected_count": EXAMPLE_COUNT},
    )
    results: dict[str, list] = {check.name: [] for check in checks}
    for result in validation.results:
        results[result.expectation_config.meta[_CHECK_TAG]].append(result)
    return results


def _text(value: Any) -> str:
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    if value is None or value is pd.NaT or (isinstance(value, float) and value != value):
        return "NULL"
    return str(value)


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar for metadata."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    return value if isinstance(value, (bool, int, float, str, type(None))) else _text(value)


def _describe(config) -> str:
    """'expect_column_values_to_be_unique(member_id)' for a GX expectation configuration."""
    kwargs = config.kwargs
    columns = [str(kwargs[k]) for k in ("column", "column_A", "column_B") if kwargs.get(k)]
    columns += kwargs.get("column_list") or []
    return f"{config.type}({', '.join(columns)})"


def _outcome(check: QualityCheck, results: list, frame: pd.DataFrame | None, rows: int | None = None) -> CheckOutcome:
    """Summarize a check's GX results (over all chunks); ``frame`` is the violating rows for
    query checks, ``rows`` the rows a column check read."""
    metadata: dict[str, Any] = {}
    failed, examples, errors, unexpected = [], [], [], 0
    for result in results:
        info = result.result or {}
        if result.exception_info and result.exception_info.get("raised_exception"):
            errors.append(result.exception_info.get("exception_message"))
        else:  # several metric failures nest their exception info one level down
            errors += [
                e["exception_message"]
                for e in (result.exception_info or {}).values()
                if isinstance(e, dict) and e.get("raised_exception")
            ]
        if not result.success:
            failed.append(_describe(result.expectation_config))
        unexpected += int(info.get("unexpected_count") or 0)
        examples += [_text(v) for v in info.get("partial_unexpected_list") or []]
        if "observed_value" in info:
            metadata["observed_value"] = _plain(info["observed_value"])
        if "element_count" in info:
            metadata["rows_checked"] = _plain(info["element_count"])
    if rows is not None:
        metadata["rows_checked"] = rows
    if frame is not None:  # the violating rows themselves are the unexpected values
        unexpected = len(frame)
        examples = [_text(row) for row in frame.head(EXAMPLE_COUNT).to_dict("records")]
    metadata["unexpected_count"] = unexpected
    metadata["unexpected_examples"] = examples[:EXAMPLE_COUNT]
    if failed:
        metadata["failed_expectations"] = failed
    if errors:
        metadata["error"] = "; ".join(dict.fromkeys(errors))
    passed = bool(results) and all(r.success for r in results) and not errors
    return CheckOutcome(check.name, passed, check.blocking, check.description, metadata)


def _error_outcome(check: QualityCheck, error: Exception) -> CheckOutcome:
    metadata = {"unexpected_count": 0, "unexpected_examples": [], "error": f"{type(error).__name__}: {error}"}
    return CheckOutcome(check.name, False, check.blocking, check.description, metadata)


def scenario_window(con) -> dict[str, pd.Timestamp]:
    """GX parameters of the window: first and last month of raw.calendar."""
    first, last = con.execute(f"SELECT min(month), max(month) FROM {CALENDAR}").fetchall()[0]
    return {"first_month": pd.Timestamp(first), "last_month": pd.Timestamp(last)}


def _chunks(reader) -> Iterator[pd.DataFrame]:
    """pandas frames of an Arrow record batch reader; one empty frame for an empty result."""
    empty = True
    for batch in reader:
        empty = False
        yield batch.to_pandas(date_as_object=False)
    if empty:
        yield reader.schema.empty_table().to_pandas(date_as_object=False)


def validate_table(con, table: str, checks: Collection[str] | None = None) -> list[CheckOutcome]:
    """Run the suite of ``table`` (or only the named ``checks``) on the DuckDB connection."""
    suite = [c for c in SUITES[table] if checks is None or c.name in checks]
    window = scenario_window(con) if any(c.uses_window for c in suite) else {}
    outcomes: dict[str, CheckOutcome] = {}

    # A column check judges each row on its own (NULL, in a set, in a range, A after B), so
    # it passes exactly when it passes on the distinct values of the columns it names:
    # DuckDB reduces the table to those (a few thousand rows even at ten million people),
    # and GX validates them CHUNK_ROWS at a time. Counts of unexpected values are
    # therefore of distinct values, and rows_checked of distinct value combinations.
    for check in suite:
        if check.query is not None:
            continue
        columns = ", ".join(check.columns)
        try:
            reader = con.sql(f"SELECT DISTINCT {columns} FROM {table}").to_arrow_reader(CHUNK_ROWS)
        except duckdb.Error as error:  # a missing table or column fails its checks, not the run
            outcomes[check.name] = _error_outcome(check, error)
            continue
        found, rows = [], 0
        for frame in _chunks(reader):
            rows += len(frame)
            found += _run_expectations(frame, [check], window)[check.name]
        outcomes[check.name] = _outcome(check, found, None, rows)

    for check in suite:
        if check.query is None:
            continue
        try:
            frame = con.execute(check.query.format(table=table)).df()
        except duckdb.Error as error:
            outcomes[check.name] = _error_outcome(check, error)
            continue
        results = _run_expectations(frame, [check], window)
        outcomes[check.name] = _outcome(check, results[check.name], frame)

    return [outcomes[c.name] for c in suite]
