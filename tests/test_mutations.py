"""Mutation check: deliberate mistakes in the metric SQL, each of which the metric's own tests
must catch.

A metric that is right today stays right only if its tests would notice it going wrong. Each
mutation below is one plausible mistake (a shifted threshold, a wrong denominator, a dropped
condition, ...), written as a textual replacement in one file of the dbt project. For each:
copy the project, apply the replacement, rebuild on a copy of the session's warehouse the
mutated model and the models between it and the metric, then run the metric's own tests
against that copy:

- its dbt tests (the .yml tests and singular tests of the rebuilt models, selected with
  cautious indirect selection so that no test compares with a model left stale), and
- its exact recounts in tests/test_metrics_independent.py, in a pytest subprocess pointed at
  the mutated warehouse (conftest.py's EGS_TEST_WAREHOUSE).

The test passes when at least one of them fails; what caught the mutation is printed (see it
with ``pytest -rP``) and recorded as the test's ``caught_by`` property (in --junitxml). Without
the mutation the same tests pass (the session's build runs every dbt test, and
test_metrics_independent.py runs the recounts on it), so a failure here is the mutation's. A
replacement whose old text no longer occurs exactly once fails loudly: a refactor must move the
mutation, not skip it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.dbt import PROJECT_DIR, command, environment
from tests.conftest import WAREHOUSE_VARIABLE

REPOSITORY = PROJECT_DIR.parent
RECOUNTS = "tests/test_metrics_independent.py"


@dataclass(frozen=True)
class Mutation:
    name: str
    kind: str
    file: str  # under sql/
    old: str  # occurs exactly once in the file
    new: str
    model: str  # the model defined by the file (or, for a macro, the model that calls it)
    metric: str  # the metric whose tests must catch the mutation
    recounts: tuple[str, ...]  # the metric's recounts: test names in RECOUNTS, with parameters

    def recount_ids(self) -> list[str]:
        return [f"{RECOUNTS}::{test}" for test in self.recounts]


BOTH_SOURCES = ("[platform]", "[truth]")


def per_source(test: str) -> tuple[str, ...]:
    return tuple(test + source for source in BOTH_SOURCES)


MUTATIONS = [
    Mutation(
        "job_change_gap_under_four_months", "shifted threshold",
        file="macros/job_to_job.sql", old="}} < 3, false)", new="}} < 4, false)",
        model="int_position_history", metric="job_change_rate",
        recounts=per_source("test_job_change_rate_matches_a_recount"),
    ),
    Mutation(
        "rate_over_population", "wrong denominator",
        file="models/metrics/job_change_rate.sql",
        old="job_changes / nullif(avg_employed, 0) AS rate",
        new="job_changes / nullif(population, 0) AS rate",
        model="job_change_rate", metric="job_change_rate",
        recounts=per_source("test_job_change_rate_matches_a_recount"),
    ),
    Mutation(
        "linkedin_hire_reported_a_month_late", "boundary moved by one month",
        file="models/metrics/job_change_rate.sql",
        old="{{ month_difference('start_date', 'reported_on') }} = 0)",
        new="{{ month_difference('start_date', 'reported_on') }} <= 1)",
        model="job_change_rate", metric="job_change_rate",
        recounts=("test_job_change_rate_matches_a_recount[platform]",),
    ),
    Mutation(
        "open_spell_ends_at_an_earlier_position", "dropped condition",
        file="models/intermediate/int_employer_spells.sql",
        old="CASE WHEN count(*) = count(end_date) THEN max(end_date) END AS end_date",
        new="max(end_date) AS end_date",
        model="int_employer_spells", metric="company_insights",
        recounts=per_source("test_company_insights_match_a_recount"),
    ),
    Mutation(
        "median_tenure_in_half_years", "changed constant",
        file="models/metrics/company_insights.sql", old="/ CAST(24 AS DOUBLE)", new="/ CAST(12 AS DOUBLE)",
        model="company_insights", metric="company_insights",
        recounts=per_source("test_company_insights_match_a_recount"),
    ),
    Mutation(
        "quit_within_two_months", "shifted threshold",
        file="models/metrics/hires.sql",
        old="{{ month_difference('end_date', 'next_start_date') }} <= 1",
        new="{{ month_difference('end_date', 'next_start_date') }} <= 2",
        model="hires", metric="hires", recounts=per_source("test_hires_match_a_recount"),
    ),
    Mutation(
        "employed_within_thirteen_months", "boundary moved by one month",
        file="models/metrics/time_to_first_job.sql",
        old="FILTER (WHERE months <= 11)", new="FILTER (WHERE months <= 12)",
        model="time_to_first_job", metric="time_to_first_job",
        recounts=per_source("test_time_to_first_job_matches_a_kaplan_meier_recount"),
    ),
    Mutation(
        "censored_graduates_stay_at_risk", "dropped term",
        file="models/intermediate/int_first_job_survival.sql",
        old="coalesce(sum(events + censored) OVER earlier_months, 0) AS at_risk",
        new="coalesce(sum(events) OVER earlier_months, 0) AS at_risk",
        model="int_first_job_survival", metric="time_to_first_job",
        recounts=per_source("test_time_to_first_job_matches_a_kaplan_meier_recount"),
    ),
    Mutation(
        "graduates_of_the_first_month_left_out", "boundary moved by one month",
        file="models/intermediate/int_graduate_first_jobs.sql",
        old="WHERE g.graduation_date >= w.first_month", new="WHERE g.graduation_date > w.first_month",
        model="int_graduate_first_jobs", metric="time_to_first_job",
        recounts=per_source("test_time_to_first_job_matches_a_kaplan_meier_recount"),
    ),
    Mutation(
        "position_ending_on_1_january_still_held", "boundary moved (strict to inclusive)",
        file="models/intermediate/int_january_employment.sql",
        # The last 1 January a position holds is in the year of the day before it ends; the year
        # it ends in counts a position that ends on 1 January as still held that day.
        old="coalesce(year(p.end_date - INTERVAL 1 DAY), j.last_year)",
        new="coalesce(year(p.end_date), j.last_year)",
        model="int_january_employment", metric="talent_flows",
        recounts=per_source("test_talent_flows_match_a_recount"),
    ),
    Mutation(
        "members_counted_as_rows", "changed aggregate (sum to count)",
        file="macros/flows.sql",
        old="sum(at_start)::BIGINT AS members", new="count(*)::BIGINT AS members",
        model="talent_flows", metric="talent_flows",
        recounts=per_source("test_talent_flows_match_a_recount"),
    ),
    Mutation(
        "residence_ending_on_1_january_still_lived_in", "boundary moved (strict to inclusive)",
        file="models/intermediate/int_january_residence.sql",
        old="r.end_date > e.snapshot", new="r.end_date >= e.snapshot",
        model="int_january_residence", metric="residence_flows",
        recounts=per_source("test_residence_flows_and_commuting_match_a_recount"),
    ),
    Mutation(
        "profile_location_held_until_the_one_before", "reversed window order",
        file="models/staging/stg_residences.sql",
        old="lead(set_on) OVER (PARTITION BY member_id ORDER BY set_on)",
        new="lag(set_on) OVER (PARTITION BY member_id ORDER BY set_on)",
        model="stg_residences", metric="commuting",
        recounts=("test_residence_flows_and_commuting_match_a_recount[platform]",),
    ),
    Mutation(
        "views_counted_as_applications", "swapped source filter",
        file="models/metrics/vacancies.sql", old="WHERE e.event = 'apply'", new="WHERE e.event = 'view'",
        model="vacancies", metric="vacancies",
        recounts=("test_vacancies_and_tightness_match_a_recount[platform]",),
    ),
    Mutation(
        "share_of_closed_postings", "changed aggregate (count(*) to count(column))",
        file="models/metrics/skill_demand.sql",
        old="count(*) AS all_postings", new="count(closed_on) AS all_postings",
        model="skill_demand", metric="skill_demand", recounts=("test_skill_demand_matches_a_recount",),
    ),
    Mutation(
        "wilson_interval_at_90_percent", "changed constant",
        file="models/metrics/education_outcomes.sql",
        old="{{ float_literal('1.96') }}", new="{{ float_literal('1.645') }}",
        model="education_outcomes", metric="education_outcomes",
        recounts=per_source("test_management_outcomes_match_a_recount"),
    ),
    Mutation(
        "manager_on_the_horizon_day_counts", "boundary moved",
        file="models/metrics/education_outcomes.sql",
        old="m.became_manager < g.graduation_date + h.horizon",
        new="m.became_manager <= g.graduation_date + h.horizon",
        model="education_outcomes", metric="education_outcomes",
        recounts=per_source("test_management_outcomes_match_a_recount"),
    ),
    Mutation(
        "youngest_band_up_to_25", "shifted threshold",
        file="macros/age_bands.sql",
        old="{{ birth_year }} < 25 THEN '15-24'", new="{{ birth_year }} < 26 THEN '15-24'",
        model="labour_force", metric="labour_force", recounts=("test_labour_force_matches_a_recount",),
    ),
    Mutation(
        "every_age_in_the_population", "dropped WHERE predicate",
        file="models/metrics/labour_force.sql", old="WHERE year - birth_year BETWEEN 15 AND 74", new="",
        model="labour_force", metric="labour_force", recounts=("test_labour_force_matches_a_recount",),
    ),
    Mutation(
        "unemployment_of_every_age_band", "dropped ON predicate",
        file="models/metrics/beveridge_curve.sql", old=" AND f.age_band = 'all'", new="",
        model="beveridge_curve", metric="beveridge_curve",
        recounts=("test_beveridge_curve_matches_a_recount",),
    ),
    Mutation(
        "skills_added_a_year_late", "off-by-one year",
        file="models/metrics/skills_added.sql",
        old="SELECT year(added_on) AS year", new="SELECT year(added_on) + 1 AS year",
        model="skills_added", metric="skills_added", recounts=("test_skills_added_match_a_recount",),
    ),
    Mutation(
        "retired_only_after_the_month_of_retirement", "boundary moved by one month",
        file="models/metrics/stale_profiles.sql", old="m.retirement <= coalesce", new="m.retirement < coalesce",
        model="stale_profiles", metric="stale_profiles", recounts=("test_stale_profiles_match_a_recount",),
    ),
    Mutation(
        "members_only_after_their_join_month", "boundary moved by one month",
        file="models/metrics/coverage.sql", old="m.joined_on <= e.snapshot", new="m.joined_on < e.snapshot",
        model="coverage", metric="coverage", recounts=("test_coverage_matches_a_recount",),
    ),
    Mutation(
        "dormant_after_two_quiet_years", "changed constant",
        file="models/intermediate/int_dormant_profiles.sql", old="SELECT DISTINCT year(acted_on) + 1 AS year",
        new="SELECT DISTINCT year(acted_on) + 2 AS year",
        model="int_dormant_profiles", metric="corrected_estimates",
        recounts=("test_raking_weights_match_a_recount", "test_corrected_estimates_match_a_recount"),
    ),
]


@dataclass
class MutantWorkspace:
    """One copy of the dbt project and one warehouse path for every mutation in turn: the same
    paths give dbt the same variables, so it parses the project again only where a file changed."""

    project: Path
    warehouse: Path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> MutantWorkspace:
    root = tmp_path_factory.mktemp("mutants")
    project = root / "sql"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    return MutantWorkspace(project, root / "warehouse.duckdb")


def mutated(mutation: Mutation) -> str:
    """The file's text with the mutation applied; its old text must occur exactly once."""
    original = (PROJECT_DIR / mutation.file).read_text(encoding="utf-8")
    occurrences = original.count(mutation.old)
    assert occurrences == 1, (
        f"{mutation.file} holds {mutation.old!r} {occurrences} times, not once: "
        f"update mutation {mutation.name}"
    )
    return original.replace(mutation.old, mutation.new)


def failing_dbt_tests(mutation: Mutation, workspace: MutantWorkspace) -> tuple[list[str], str]:
    """Rebuild the mutated model and every model between it and the metric, with their tests;
    returns the failing tests and the metric's status ('success', or 'skipped' after a test
    upstream failed)."""
    selection = f"{mutation.model}+,+{mutation.metric}"
    args = ["build", "--select", selection, "--indirect-selection", "cautious"]
    results_file = workspace.project / "target" / "run_results.json"
    results_file.unlink(missing_ok=True)  # the previous mutation's
    result = subprocess.run(
        command(args, workspace.warehouse, project=workspace.project),
        env=environment(), capture_output=True, text=True, check=False,
    )
    output = result.stdout[-4000:] + result.stderr[-2000:]
    assert results_file.exists(), f"dbt build did not start:\n{output}"
    results = json.loads(results_file.read_text(encoding="utf-8"))["results"]
    statuses = {r["unique_id"]: r["status"] for r in results}
    broken = [uid for uid, status in statuses.items() if uid.startswith("model.") and status == "error"]
    assert not broken, f"mutation {mutation.name} is not valid SQL: {broken}\n{output}"
    failing = sorted(
        uid.split(".")[2] for uid, status in statuses.items()
        if uid.startswith("test.") and status in ("fail", "error")
    )
    metric = next(uid for uid in statuses if uid.startswith("model.") and uid.endswith(f".{mutation.metric}"))
    return failing, statuses[metric]


def failing_recounts(mutation: Mutation, warehouse: Path) -> list[str]:
    """Run the metric's recounts on the mutated warehouse; returns the failing tests (the first
    one: -x stops there)."""
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider"]
    result = subprocess.run(
        [*pytest, *mutation.recount_ids()],
        cwd=REPOSITORY, env={**os.environ, WAREHOUSE_VARIABLE: str(warehouse)},
        capture_output=True, text=True, check=False,
    )
    # 0: all passed, 1: some failed; anything else (no tests collected, an error) is no verdict.
    output = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode in (0, 1), f"recounts did not run:\n{output}"
    failed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    return [node.split("::")[-1] for node in failed]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name for m in MUTATIONS])
def test_the_metric_tests_catch_the_mutation(mutation, workspace, warehouse_path, record_property):
    target = workspace.project / mutation.file
    original = target.read_text(encoding="utf-8")
    target.write_text(mutated(mutation), encoding="utf-8")
    try:
        shutil.copyfile(warehouse_path, workspace.warehouse)
        dbt_failures, metric_status = failing_dbt_tests(mutation, workspace)
    finally:
        target.write_text(original, encoding="utf-8")
    # The recounts read the metric: only once it was rebuilt (a failing upstream test skips it).
    recount_failures = failing_recounts(mutation, workspace.warehouse) if metric_status == "success" else []
    caught_by = [f"dbt:{name}" for name in dbt_failures] + [f"pytest:{name}" for name in recount_failures]
    record_property("caught_by", ", ".join(caught_by))
    print(f"{mutation.name} ({mutation.kind}): caught by {', '.join(caught_by) or 'nothing'}")
    assert caught_by, f"no test of {mutation.metric} notices mutation {mutation.name} ({mutation.kind})"
