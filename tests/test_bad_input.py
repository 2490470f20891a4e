"""A catalogue of bad input: each case ends in one clear error naming what is wrong.

Every way a user can hand the project a run's input is covered: the scenario file (wrong
types at several depths, booleans and strings for numbers, inf/nan, sizes out of range,
names that refer to nothing, empty tables the generator draws from, YAML tricks, bytes
that are not UTF-8, files that are not files), the run settings as overrides, environment
variables (``make run``, the Dagster resources) and flags of ``python -m synthetic``.
Each case must give the project's own error (ScenarioError, a Dagster Failure, an
argparse message, one ``error:`` line from make) naming the field or variable: never a
traceback, a hang, or a silently accepted value.

The last tests generate tiny populations from valid but unusual scenarios: a scenario
that passes validation must also generate.
"""

from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines import warehouse
from pipelines.definitions import defs
from pipelines.resources import (
    InvalidSettingsResource,
    ScenarioResource,
    ShippedScenario,
    check_settings,
    default_resources,
    environment_settings,
)
from synthetic.__main__ import main as synthetic_main
from synthetic.lake import generate_lake
from synthetic.scenario import (
    LEVELS,
    MAX_FILE_BYTES,
    MAX_PEOPLE,
    MAX_WEIGHT,
    MIN_WEIGHT,
    SCENARIO_DIR,
    Scenario,
    ScenarioError,
    load_scenario,
)
from tests.conftest import dagster_home_at

ROOT = Path(__file__).resolve().parent.parent
DEFAULT = yaml.safe_load((SCENARIO_DIR / "netherlands.yaml").read_text())
SOFTWARE = "Software developer"  # an occupation of the default scenario
INF, NAN = float("inf"), float("nan")


# --------------------------------------------------------------------------------------
# Mutations of the default scenario
# --------------------------------------------------------------------------------------


def _parent(data: dict, path: tuple):
    for step in path[:-1]:
        data = data[step]
    return data


def put(*path_and_value) -> Callable[[dict], None]:
    """A mutation setting the value at ``path`` (keys and list indices) to ``value``."""
    *path, value = path_and_value

    def mutate(d: dict) -> None:
        _parent(d, path)[path[-1]] = value

    return mutate


def delete(*path) -> Callable[[dict], None]:
    def mutate(d: dict) -> None:
        del _parent(d, path)[path[-1]]

    return mutate


def _add_family_without_occupations(d):
    d["occupation_families"]["Space"] = {"industry": "Aerospace", "weight": 1}


def _add_family_named_all(d):
    d["occupation_families"]["all"] = {"industry": "Everything", "weight": 1}
    d["occupations"]["Generalist"] = {"family": "all", "skills": {"Python": 0.5}}


def _no_vo_institution(d):
    d["education"]["institutions"] = [i for i in d["education"]["institutions"] if i["level"] != "VO"]


def _duplicate_institution_name(d):
    first = d["education"]["institutions"][0]
    d["education"]["institutions"].append({**copy.deepcopy(first), "short": "UvA2"})


def _one_city(d):
    d["cities"] = {"Amsterdam": d["cities"]["Amsterdam"]}


def _many_cities(d):
    d["cities"] = {f"City {i}": {"population": 1, "province": "P"} for i in range(1001)}


def _company_table_too_large(d):
    # 67 cities x 12 families x 2 million companies (50 million people): 12 GiB of weights.
    d["people"] = MAX_PEOPLE
    d["cities"].update({f"Extra {i}": {"population": 10, "province": "P"} for i in range(40)})


def _too_many_rows_per_person(d):
    d["postings"].update(unfilled_per_hire=10, views_per_posting=100, searches_per_posting=50)


def _skills_taught_everywhere_but_not_here(d):
    d["education"]["institutions"][0]["fields"] = ["general"]  # UvA (WO); general is a VO field


# (id, mutation, texts the message must contain)
SCENARIO_CASES: list[tuple[str, Callable[[dict], None], list[str]]] = [
    # --- wrong types and values at the top level ---------------------------------------
    ("people_bool", put("people", True), ["people", "valid integer", "True"]),
    ("people_string", put("people", "5000"), ["people", "valid integer", "'5000'"]),
    ("people_float", put("people", 5000.0), ["people", "valid integer"]),
    ("people_date", put("people", dt.date(2020, 1, 1)), ["people", "valid integer"]),
    ("people_1e12", put("people", 10**12), ["people", f"less than or equal to {MAX_PEOPLE}"]),
    ("people_zero", put("people", 0), ["people", "greater than 0"]),
    ("people_negative", put("people", -5), ["people", "greater than 0"]),
    ("seed_negative", put("seed", -1), ["seed", "greater than or equal to 0"]),
    ("seed_bool", put("seed", False), ["seed", "valid integer"]),
    ("shards_zero", put("shards", 0), ["shards", "greater than or equal to 1"]),
    ("shards_huge", put("shards", 10**6), ["shards", "less than or equal to 1024"]),
    ("name_number", put("name", 2024), ["name", "valid string"]),
    ("section_is_a_list", put("cities", ["Amsterdam"]), ["cities", "valid dictionary"]),
    ("non_string_key", put(1, 2), ["1", "Keys should be strings"]),
    ("unknown_nested_key", put("cities", "Amsterdam", "populaton", 918), ["cities.Amsterdam.populaton", "unknown key"]),
    # --- inf, nan, bools and strings deeper down ---------------------------------------
    ("population_inf", put("cities", "Amsterdam", "population", INF), ["cities.Amsterdam.population", "finite"]),
    ("population_nan", put("cities", "Amsterdam", "population", NAN), ["cities.Amsterdam.population", "finite"]),
    ("population_minus_inf", put("cities", "Amsterdam", "population", -INF), ["cities.Amsterdam.population", "finite"]),
    ("population_bool", put("cities", "Amsterdam", "population", True), ["cities.Amsterdam.population", "valid number"]),
    ("population_string", put("cities", "Amsterdam", "population", "918"), ["cities.Amsterdam.population", "valid number"]),
    ("population_zero", put("cities", "Amsterdam", "population", 0), ["cities.Amsterdam.population", "greater than or equal"]),
    ("population_huge", put("cities", "Amsterdam", "population", 1e300), ["cities.Amsterdam.population", "less than or equal"]),
    ("hazard_nan", put("dynamics", "job_change_hazard", NAN), ["dynamics.job_change_hazard", "finite"]),
    ("multiplier_inf", put("dynamics", "job_change_multiplier", 2020, INF), ["dynamics.job_change_multiplier.2020", "finite"]),
    ("multiplier_year_as_string", put("dynamics", "job_change_multiplier", "2020", 1.0), ["dynamics.job_change_multiplier.2020.[key]", "valid integer"]),
    ("unfilled_inf", put("postings", "unfilled_per_hire", INF), ["postings.unfilled_per_hire", "finite"]),
    ("views_huge", put("postings", "views_per_posting", 1e9), ["postings.views_per_posting", "less than or equal"]),
    ("skills_per_year_minus_inf", put("platform", "skills_per_member_year", 2012, -INF), ["platform.skills_per_member_year.2012", "finite"]),
    ("team_size_nan", put("network", "team_size", NAN), ["network.team_size", "finite"]),
    ("skill_chance_bool", put("occupations", SOFTWARE, "skills", "Python", True), [f"occupations.{SOFTWARE}.skills.Python", "valid number"]),
    ("institution_weight_string", put("education", "institutions", 0, "weight", "42"), ["education.institutions.0.weight", "valid number"]),
    ("promotion_hazard_string", put("dynamics", "promotion_hazard", "junior", "0.02"), ["dynamics.promotion_hazard.junior", "valid number"]),
    ("graduation_age_float", put("education", "levels", "VO", "graduation_age", 17.5), ["education.levels.VO.graduation_age", "valid integer"]),
    ("adoption_bool", put("platform", "adoption_by_year", 2025, True), ["platform.adoption_by_year.2025", "valid number"]),
    ("first_job_hazard_zero", put("education", "levels", "VO", "first_job_hazard", 0.0), ["education.levels.VO.first_job_hazard", "greater than or equal"]),
    ("mbo_level_missing", delete("education", "mbo_levels", 3), ["education.mbo_levels", "every MBO level", "missing [3]"]),
    ("mbo_level_five", put("education", "mbo_levels", 5, {"share": 1}), ["education.mbo_levels.5", "1, 2, 3 or 4"]),
    ("mbo_level_share_zero", put("education", "mbo_levels", 1, "share", 0), ["education.mbo_levels.1.share", "greater than or equal"]),
    ("update_share_above_one", put("platform", "salary_reports", "update_share", 1.5), ["platform.salary_reports.update_share", "less than or equal"]),
    ("retirement_age_sd_negative", put("dynamics", "retirement_age_sd", -1), ["dynamics.retirement_age_sd", "greater than or equal"]),
    ("retirement_age_of_ninety", put("dynamics", "retirement_age_by_year", 2015, 90), ["dynamics.retirement_age_by_year.2015", "less than or equal"]),
    ("side_job_share_above_one", put("education", "side_jobs", "study_share", 1.2), ["education.side_jobs.study_share", "less than or equal"]),
    ("side_jobs_at_twelve", put("education", "side_jobs", "earliest_age", 12), ["education.side_jobs.earliest_age", "greater than or equal to 15"]),
    ("side_job_family_unknown", put("education", "side_jobs", "occupation_family", "Paper rounds"), ["education.side_jobs.occupation_family", "Paper rounds"]),
    ("side_jobs_without_family", delete("education", "side_jobs", "occupation_family"), ["education.side_jobs.occupation_family", "needed when"]),
    ("early_exit_hazard_negative", put("dynamics", "early_exit_hazard", -0.1), ["dynamics.early_exit_hazard", "greater than or equal"]),
    ("live_in_work_city_above_one", put("residence", "live_in_work_city", 1.5), ["residence.live_in_work_city", "less than or equal"]),
    ("live_in_work_city_young_above_one", put("residence", "live_in_work_city_young", 2), ["residence.live_in_work_city_young", "less than or equal"]),
    ("young_until_age_ten", put("residence", "young_until_age", 10), ["residence.young_until_age", "greater than or equal to 15"]),
    ("residence_move_hazard_negative", put("residence", "move_hazard", -0.01), ["residence.move_hazard", "greater than or equal"]),
    ("residence_unknown_key", put("residence", "moves_per_year", 0.1), ["residence.moves_per_year", "unknown key"]),
    ("location_lag_too_long", put("platform", "location_update_lag_months", 500), ["platform.location_update_lag_months", "less than or equal to 120"]),
    ("location_share_string", put("platform", "location_update_share", "most"), ["platform.location_update_share"]),
    ("early_exit_at_ninety", put("dynamics", "early_exit_age", 90), ["dynamics.early_exit_age", "less than or equal"]),
    # --- time ------------------------------------------------------------------------------
    ("timeline_start_number", put("timeline", "start", 2012), ["timeline.start", "YYYY-MM"]),
    ("timeline_year_zero", put("timeline", "start", "0000-01"), ["timeline.start", "between 1900 and 2100"]),
    ("timeline_200_years", put("timeline", {"start": "1900-01", "end": "2100-12"}), ["timeline", "at most 1200"]),
    ("lag_negative", put("platform", "reporting_lag_months", {-1: 1.0}), ["platform.reporting_lag_months.-1.[key]", "greater than or equal to 0"]),
    ("lag_huge", put("platform", "reporting_lag_months", {2**70: 1.0}), ["platform.reporting_lag_months", "less than or equal to 1200"]),
    ("skills_base_year_huge", put("postings", "skills_base_year", 10**30), ["postings.skills_base_year", "less than or equal to 2100"]),
    ("missing_adoption_year", delete("platform", "adoption_by_year", 2019), ["platform.adoption_by_year", "missing [2019]"]),
    ("adoption_not_reaching_one", put("platform", "adoption_by_year", 2025, 0.99), ["platform.adoption_by_year", "reach 1.0"]),
    # --- what the generator looks up by name -------------------------------------------
    ("membership_level_missing", delete("platform", "membership_by_level", "WO"), ["platform.membership_by_level", "missing ['WO']"]),
    ("promotion_seniority_missing", delete("dynamics", "promotion_hazard", "junior"), ["dynamics.promotion_hazard", "missing ['junior']"]),
    ("education_level_missing", delete("education", "levels", "MBO"), ["education.levels", "missing ['MBO']"]),
    ("occupation_without_skills", put("occupations", SOFTWARE, "skills", {}), [f"occupations.{SOFTWARE}.skills", "at least 1 item"]),
    ("occupation_skill_chances_zero", put("occupations", SOFTWARE, "skills", {"Python": 0.0}), [f"occupations.{SOFTWARE}.skills", "chance above 0"]),
    ("occupation_unknown_family", put("occupations", SOFTWARE, "family", "Wizardry"), [f"occupations.{SOFTWARE}.family", "'Wizardry'"]),
    ("occupation_unknown_skill", put("occupations", SOFTWARE, "skills", {"Pyhton": 0.3}), [f"occupations.{SOFTWARE}.skills", "'Pyhton'", "did you mean 'Python'"]),
    ("family_without_occupation", _add_family_without_occupations, ["occupation_families.Space", "no occupation"]),
    ("family_named_all", _add_family_named_all, ["occupation_families.all", "reserved"]),
    ("local_move_unknown_origin", put("local_moves", "Atlantis", {"share": 0.1, "destinations": {"Delft": 1}}), ["local_moves", "'Atlantis'"]),
    ("local_move_unknown_destination", put("local_moves", "Amsterdam", "destinations", "Gotham", 0.1), ["local_moves.Amsterdam.destinations", "'Gotham'"]),
    ("local_move_no_destinations", put("local_moves", "Amsterdam", "destinations", {}), ["local_moves.Amsterdam.destinations", "at least 1 item"]),
    ("attractiveness_unknown_family", put("attractiveness", "Wizardry", {"Delft": 2.0}), ["attractiveness", "'Wizardry'"]),
    ("attractiveness_unknown_city", put("attractiveness", "ICT", "Atlantis", 2.0), ["attractiveness.ICT", "'Atlantis'"]),
    ("field_unknown_family", put("education", "fields", "law", "family", "Wizardry"), ["education.fields.law.family", "'Wizardry'"]),
    ("field_without_levels", put("education", "fields", "law", "levels", {}), ["education.fields.law.levels", "at least 1 item"]),
    ("institution_unknown_field", put("education", "institutions", 0, "fields", ["alchemy"]), ["education.institutions[0].fields", "'alchemy'"]),
    ("institution_field_not_at_level", _skills_taught_everywhere_but_not_here, ["education.institutions[0].fields", "not taught at level WO"]),
    ("institution_unknown_city", put("education", "institutions", 0, "city", "Gotham"), ["education.institutions[0].city", "'Gotham'"]),
    ("institution_without_fields", put("education", "institutions", 0, "fields", []), ["education.institutions.0.fields", "at least 1 item"]),
    ("institution_duplicate_name", _duplicate_institution_name, ["education.institutions[", ".name", "earlier institution"]),
    ("level_without_institution", _no_vo_institution, ["education.institutions", "level VO"]),
    ("membership_unknown_family", put("platform", "membership_family_factor", "Wizardry", 1.2), ["platform.membership_family_factor", "'Wizardry'"]),
    ("membership_unknown_city", put("platform", "membership_city_factor", {"Gotham": 1.2}), ["platform.membership_city_factor", "'Gotham'"]),
    # --- empty tables and distributions --------------------------------------------------
    ("cities_empty", put("cities", {}), ["cities", "at least 2 items"]),
    ("cities_one", _one_city, ["cities", "at least 2 items"]),
    ("families_empty", put("occupation_families", {}), ["occupation_families", "at least 1 item"]),
    ("occupations_empty", put("occupations", {}), ["occupations", "at least 1 item"]),
    ("skills_empty", put("skills", {}), ["skills", "at least 1 item"]),
    ("fields_empty", put("education", "fields", {}), ["education.fields", "at least 1 item"]),
    ("institutions_empty", put("education", "institutions", []), ["education.institutions", "at least 1 item"]),
    ("time_to_fill_empty", put("postings", "time_to_fill_months", {}), ["postings.time_to_fill_months", "at least 1 item"]),
    ("reporting_lag_empty", put("platform", "reporting_lag_months", {}), ["platform.reporting_lag_months", "at least 1 item"]),
    ("network_lag_empty", put("network", "lag_months", {}), ["network.lag_months", "at least one entry"]),
    ("skill_sources_empty", put("platform", "skill_sources", {}), ["platform.skill_sources", "at least 1 item"]),
    ("skill_sources_not_summing", put("platform", "skill_sources", {"self": 0.5}), ["platform.skill_sources", "sum to 1"]),
    # --- sizes that would exhaust memory ------------------------------------------------
    ("cities_too_many", _many_cities, ["cities", "at most 1000 items"]),
    ("company_table_too_large", _company_table_too_large, ["people", "company table", "GiB"]),
    ("rows_per_person_too_many", _too_many_rows_per_person, ["rows per person", "views_per_posting"]),
]


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _error(load: Callable[[], object]) -> str:
    with pytest.raises(ScenarioError) as err:
        load()
    text = str(err.value)
    assert "Traceback" not in text and text.strip()
    return text


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in SCENARIO_CASES], ids=[c[0] for c in SCENARIO_CASES])
def test_bad_scenario_value_is_a_scenario_error_naming_the_field(tmp_path, mutate, expected):
    data = copy.deepcopy(DEFAULT)
    mutate(data)
    text = _error(lambda: load_scenario(_write(tmp_path, data)))
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"


# --------------------------------------------------------------------------------------
# The file itself
# --------------------------------------------------------------------------------------

_DEFAULT_TEXT = (SCENARIO_DIR / "netherlands.yaml").read_text(encoding="utf-8")

# (id, file content as text or bytes, texts the message must contain)
FILE_CASES: list[tuple[str, str | bytes, list[str]]] = [
    ("empty_file", "", ["is empty"]),
    ("only_comments", "# nothing here\n", ["is empty"]),
    ("top_level_list", "- people: 5\n", ["top level must be a mapping", "list"]),
    ("top_level_scalar", "42\n", ["top level must be a mapping", "int"]),
    ("duplicate_top_key", _DEFAULT_TEXT + "\npeople: 5\n", ["duplicate key 'people'", "line"]),
    ("duplicate_nested_key", "cities:\n  Delft: {population: 1, province: P}\n  Delft: {population: 2, province: P}\n",
     ["duplicate key 'Delft'", "line 3"]),
    ("anchor_and_alias", "name: &n x\ndescription: *n\n", ["anchor &n", "line 1", "not supported"]),
    ("alias_only", "name: *n\n", ["alias *n", "line 1"]),
    ("merge_key", "cities:\n  <<: {Delft: {population: 1, province: P}}\n", ["merge keys"]),
    ("non_utf8_byte", b"name: caf\xe9\npeople: 5\n", ["not UTF-8", "0xe9", "offset 9", "line 1"]),
    ("utf16", "people: 5\n".encode("utf-16"), ["not UTF-8", "offset 0"]),
    ("nul_character", "name: a\x00b\n", ["not valid YAML", "control characters"]),
    ("syntax_error", "people: [1, 2\n", ["not valid YAML", "line"]),
    ("tab_indentation", "\tpeople: 5\n", ["not valid YAML", "line 1"]),
    ("two_documents", "people: 5\n---\npeople: 6\n", ["not valid YAML"]),
    ("python_tag", "name: !!python/object/apply:os.system ['echo pwned']\n", ["not valid YAML", "python/object"]),
    ("binary_tag", _DEFAULT_TEXT.replace("people: 120000", "people: !!binary AAAA"), ["people", "valid integer"]),
    ("unhashable_key", "? [a, b]\n: 1\n", ["not valid YAML", "unhashable key"]),
    ("deep_nesting", "a:\n" + "".join("  " * i + "- \n" for i in range(1, 60)), ["more than 32 deep"]),
    ("deep_flow_nesting", "a: " + "[" * 5000 + "]" * 5000 + "\n", ["not valid YAML", "nesting"]),
    ("too_large", "# padding\n" * (MAX_FILE_BYTES // 10 + 1), ["larger than 4 MB"]),
]


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_bad_scenario_file_is_a_scenario_error(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    text = _error(lambda: load_scenario(path))
    for part in expected:
        assert part in text, f"{part!r} not in:\n{text}"


def test_a_directory_or_a_missing_file_is_a_scenario_error(tmp_path):
    folder = tmp_path / "folder.yaml"
    folder.mkdir()
    assert "cannot be read" in _error(lambda: load_scenario(folder))
    assert "No such file" in _error(lambda: load_scenario(tmp_path / "missing.yaml"))
    assert "not found" in _error(lambda: load_scenario("atlantis"))
    assert "not found" in _error(lambda: load_scenario(tmp_path))  # a folder without .yaml: not a scenario name


BILLION_LAUGHS = "\n".join(
    ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    + [f"{key}: &{key} [" + ", ".join([f"*{prev}"] * 9) + "]" for prev, key in zip("abcdefgh", "bcdefghi")]
    + ["description: *i", "name: laughs"]
)


def test_billion_laughs_is_refused_in_well_under_a_second(tmp_path):
    """Nine levels of nine aliases: 387 million strings once expanded. A subprocess with a
    timeout, so that a regression fails this test instead of hanging the suite."""
    path = tmp_path / "laughs.yaml"
    path.write_text(BILLION_LAUGHS)
    script = textwrap.dedent(
        f"""
        import time
        from synthetic.scenario import ScenarioError, load_scenario
        started = time.perf_counter()
        try:
            load_scenario({str(path)!r})
        except ScenarioError as err:
            print(f"{{time.perf_counter() - started:.3f}}")
            print(err)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    elapsed, message = done.stdout.split("\n", 1)
    assert float(elapsed) < 0.5, elapsed
    assert "alias" in message or "anchor" in message, message


# --------------------------------------------------------------------------------------
# Run settings: overrides, environment variables, flags
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"people": True}, "people"), ({"people": 10**12}, "people"), ({"people": 1.5}, "people"),
     ({"seed": -1}, "seed"), ({"seed": 2**64}, "seed"), ({"shards": 0}, "shards"), ({"shards": "2"}, "shards")],
    ids=["people_bool", "people_1e12", "people_float", "seed_negative", "seed_huge", "shards_zero", "shards_string"],
)
def test_bad_override_is_a_scenario_error(overrides, field):
    text = _error(lambda: load_scenario("netherlands").with_overrides(**overrides))
    assert f"  - {field}:" in text, text


ENV_CASES = [
    ("EGS_PEOPLE", value, "1 and 50,000,000")
    for value in ["abc", "1e12", "-1", "0", "1.5", "true", "50000001", "12 000", "1_000", "+5", "١٢"]
] + [
    ("EGS_SEED", value, "0 and 9,223,372,036,854,775,807")
    for value in ["abc", "-1", str(2**63), "1e3", "99999999999999999999999"]
] + [
    ("EGS_SHARDS", value, "1 and 1,024") for value in ["abc", "0", "-1", "2000"]
] + [
    ("EGS_WORKERS", value, "1 and 256") for value in ["abc", "0", "-1", "1e12", "1000"]
]


@pytest.fixture()
def clean_env(monkeypatch):
    """No EGS_* variable from the developer's shell: only what a test sets."""
    for name in list(os.environ):
        if name.startswith("EGS_"):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(("name", "value", "allowed"), ENV_CASES, ids=[f"{n}={v}" for n, v, _ in ENV_CASES])
def test_bad_environment_variable_is_named_with_its_range(clean_env, capsys, name, value, allowed):
    clean_env.setenv(name, value)
    expected = f"{name} must be a whole number between {allowed}, got {value!r}"
    assert _error(environment_settings) == expected
    # make run's check: one line, exit code 2.
    assert check_settings() == 2
    assert capsys.readouterr().err == f"error: {expected}\n"
    # Dagster's definitions load, and the run fails at its first step with the message.
    resource = default_resources()["scenario"]
    assert isinstance(resource, InvalidSettingsResource)
    with pytest.raises(dg.Failure) as failure:
        resource.load()
    assert failure.value.description == expected


@pytest.mark.parametrize("value", ["", "   "], ids=["empty", "blank"])
def test_empty_environment_variable_means_unset(clean_env, value):
    """`make run` passes EGS_PEOPLE= when PEOPLE is not given: the scenario's own value."""
    for name in ("EGS_PEOPLE", "EGS_SEED", "EGS_SHARDS", "EGS_WORKERS", "EGS_SCENARIO", "EGS_DUCKDB_MEMORY_LIMIT"):
        clean_env.setenv(name, value)
    assert environment_settings() == {"people": None, "seed": None, "shards": None, "workers": None,
                                      "scenario": ShippedScenario.netherlands}
    assert warehouse.memory_limit() == warehouse.DEFAULT_MEMORY_LIMIT


def test_good_environment_variables_are_taken(clean_env):
    for name, value in (("EGS_PEOPLE", " 5000 "), ("EGS_SEED", "0"), ("EGS_SHARDS", "3"), ("EGS_WORKERS", "2")):
        clean_env.setenv(name, value)
    resource = default_resources()["scenario"]
    assert type(resource) is ScenarioResource
    assert (resource.people, resource.seed, resource.shards, resource.workers) == (5000, 0, 3, 2)


@pytest.mark.parametrize("scenario", ["atlantis", "missing.yaml", "folder.yaml"])
def test_egs_scenario_that_does_not_exist_is_named(clean_env, tmp_path, capsys, scenario):
    (tmp_path / "folder.yaml").mkdir()
    clean_env.chdir(tmp_path)
    clean_env.setenv("EGS_SCENARIO", scenario)
    text = _error(environment_settings)
    assert text.startswith("EGS_SCENARIO: ") and scenario in text, text
    assert check_settings() == 2
    assert capsys.readouterr().err.startswith("error: EGS_SCENARIO: ")


def test_egs_scenario_that_is_invalid_stops_make_run_with_the_scenario_error(clean_env, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text("name: x\npeople: true\n")
    clean_env.setenv("EGS_SCENARIO", str(path))
    assert check_settings() == 2
    err = capsys.readouterr().err
    assert err.startswith("error: scenario file 'bad.yaml' is invalid:") and "  - people: " in err, err


@pytest.mark.parametrize("value", ["abc", "2", "1KB", "-1GB", "0GB", "50MB", "150%", "0%", "2 G B", "1e3MB"])
def test_bad_duckdb_memory_limit_is_named(clean_env, capsys, value):
    clean_env.setenv("EGS_DUCKDB_MEMORY_LIMIT", value)
    with pytest.raises(ValueError, match=f"EGS_DUCKDB_MEMORY_LIMIT must be .*got {value!r}"):
        warehouse.memory_limit()
    assert "EGS_DUCKDB_MEMORY_LIMIT must be" in _error(environment_settings)
    assert check_settings() == 2
    assert capsys.readouterr().err.startswith("error: EGS_DUCKDB_MEMORY_LIMIT must be")


@pytest.mark.parametrize("value", ["2GB", "512 MB", "8GiB", "1.5gb", "50%"])
def test_good_duckdb_memory_limit_is_taken(clean_env, value):
    clean_env.setenv("EGS_DUCKDB_MEMORY_LIMIT", value)
    assert warehouse.memory_limit() == value


def test_every_bad_variable_is_listed_at_once(clean_env):
    clean_env.setenv("EGS_PEOPLE", "abc")
    clean_env.setenv("EGS_WORKERS", "0")
    clean_env.setenv("EGS_SCENARIO", "atlantis")
    lines = _error(environment_settings).splitlines()
    assert [line.split()[0] for line in lines] == ["EGS_PEOPLE", "EGS_WORKERS", "EGS_SCENARIO:"]


def test_egs_scenario_names_a_shipped_scenario_or_a_file(clean_env, tmp_path):
    clean_env.setenv("EGS_SCENARIO", "uniform_coverage")
    assert default_resources()["scenario"].load().name == "uniform_coverage"
    path = tmp_path / "mine.yaml"
    path.write_text((SCENARIO_DIR / "uniform_coverage.yaml").read_text().replace("name: uniform_coverage", "name: mine"))
    clean_env.setenv("EGS_SCENARIO", str(path))
    resource = default_resources()["scenario"]
    assert resource.scenario_file == str(path) and resource.load().name == "mine"


@pytest.mark.parametrize("scenario", ["netherland", "Netherlands", "netherlands.yaml", ""])
def test_a_scenario_the_launchpad_does_not_offer_is_refused_before_a_run_starts(scenario):
    """The run config's schema (which the launchpad and `dagster job execute` check before a run
    is created) lists the shipped scenarios: any other name is refused, the run never starts and
    no asset is touched. The shipped names are those the launchpad offers and the field's
    description lists."""
    job = defs.resolve_job_def("main")
    with pytest.raises(dg.DagsterInvalidConfigError, match="resources:scenario:config:scenario not in enum"):
        dg.validate_run_config(job, {"resources": {"scenario": {"config": {"scenario": scenario}}}})
    shipped = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    assert sorted(ShippedScenario.__members__) == shipped
    for name in shipped:
        dg.validate_run_config(job, {"resources": {"scenario": {"config": {"scenario": name}}}})
    field = ScenarioResource.model_fields["scenario"]
    assert all(name in field.description for name in shipped)


def test_bad_workers_in_run_config_fail_the_step():
    with pytest.raises(dg.Failure, match="workers must be a whole number between 1 and 256, got 0"):
        ScenarioResource(workers=0).load()


def test_importing_the_definitions_with_a_bad_variable_does_not_fail(tmp_path):
    """`dagster dev` and `dagster job execute` import the definitions: no traceback there."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGS_")}
    env.update(EGS_PEOPLE="abc", EGS_DATA_DIR=str(tmp_path / "data"), DAGSTER_HOME=str(tmp_path),
               GX_ANALYTICS_ENABLED="false")
    script = "from pipelines.definitions import defs; print(defs.resources['scenario'].problem)"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert done.stdout.strip() == "EGS_PEOPLE must be a whole number between 1 and 50,000,000, got 'abc'"


def _make_is_ready() -> bool:
    """make run would first (re)create the virtual environment if its stamp were stale."""
    if shutil.which("make") is None:
        return False
    return subprocess.run(["make", "-q", "setup"], cwd=ROOT, capture_output=True).returncode == 0


@pytest.mark.skipif(not _make_is_ready(), reason="make is missing or the virtual environment is not set up by make")
@pytest.mark.parametrize(
    ("setting", "line"),
    [
        ("PEOPLE=abc", "error: EGS_PEOPLE must be a whole number between 1 and 50,000,000, got 'abc'"),
        ("PEOPLE=1e12", "error: EGS_PEOPLE must be a whole number between 1 and 50,000,000, got '1e12'"),
        ("PEOPLE=1; touch injected", "error: EGS_PEOPLE must be a whole number between 1 and 50,000,000, got '1; touch injected'"),
        ("SCENARIO=atlantis", "error: EGS_SCENARIO: scenario 'atlantis' not found"),
    ],
    ids=["abc", "1e12", "shell_injection", "scenario_not_found"],
)
def test_make_run_with_a_bad_setting_ends_with_one_clear_line(tmp_path, setting, line):
    home = dagster_home_at(tmp_path / "dagster_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith("EGS_")}
    env["EGS_DATA_DIR"] = str(tmp_path / "data")
    done = subprocess.run(
        ["make", "--no-print-directory", "run", setting, f"DAGSTER_HOME={home}"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr + done.stdout
    # make's own closing line ("make: ***", or "make[1]: ***" when run from make test) aside.
    errors = [x for x in done.stderr.splitlines() if not re.match(r"make(\[\d+\])?: \*\*\*", x)]
    assert len(errors) == 1 and errors[0].startswith(line), done.stderr
    assert "dagster" not in done.stdout, "Dagster must not start"
    assert not (ROOT / "injected").exists() and not (tmp_path / "data").exists()


CLI_CASES = [
    (["--people", "1e12"], "argument --people: must be a whole number between 1 and 50,000,000, got '1e12'"),
    (["--people", "true"], "argument --people: must be a whole number between 1 and 50,000,000, got 'true'"),
    (["--people", "0"], "argument --people: must be a whole number between 1 and 50,000,000, got '0'"),
    (["--people=-1"], "argument --people: must be a whole number between 1 and 50,000,000, got '-1'"),
    (["--people", "50000001"], "argument --people: must be a whole number between 1 and 50,000,000"),
    (["--seed=-1"], "argument --seed: must be a whole number between 0 and 9,223,372,036,854,775,807, got '-1'"),
    (["--seed", "abc"], "argument --seed: must be a whole number"),
    (["--shards", "0"], "argument --shards: must be a whole number between 1 and 1,024, got '0'"),
    (["--shards", "2000"], "argument --shards: must be a whole number between 1 and 1,024"),
    (["--workers", "0"], "argument --workers: must be a whole number between 1 and 256, got '0'"),
    (["--workers", "abc"], "argument --workers: must be a whole number between 1 and 256, got 'abc'"),
    (["--workers", "1e12"], "argument --workers: must be a whole number between 1 and 256"),
]


@pytest.mark.parametrize(("argv", "message"), CLI_CASES, ids=[" ".join(a) for a, _ in CLI_CASES])
def test_bad_flag_of_python_m_synthetic_is_named(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as done:
        synthetic_main([*argv, "--lake", str(tmp_path / "lake")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert not (tmp_path / "lake").exists()


@pytest.mark.parametrize("scenario", ["atlantis", "bad.yaml"])
def test_bad_scenario_flag_of_python_m_synthetic_is_one_error(tmp_path, capsys, scenario):
    (tmp_path / "bad.yaml").write_text("people: true\n")
    code = synthetic_main(["--scenario", str(tmp_path / scenario) if scenario.endswith(".yaml") else scenario,
                           "--lake", str(tmp_path / "lake")])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err, err
    assert not (tmp_path / "lake").exists()


# --------------------------------------------------------------------------------------
# Valid but unusual scenarios generate: validation and the generator agree
# --------------------------------------------------------------------------------------


def _minimal() -> dict:
    """The smallest scenario: two cities, one family, occupation, skill and field, one
    school per level, a timeline of two months and distributions of one value each."""
    return {
        "name": "minimal",
        "seed": 1,
        "people": 300,
        "shards": 1,
        "timeline": {"start": "2020-01", "end": "2020-02"},
        "cities": {"A": {"population": 1, "province": "P"}, "B": {"population": 1, "province": "P"}},
        "occupation_families": {"F": {"industry": "I", "weight": 1}},
        "education": {
            "levels": {
                lvl: {"population_share": 1, "graduation_age": 20, "study_years": 3, "first_job_hazard": 0.3}
                for lvl in LEVELS
            },
            "fields": {"f": {"levels": {lvl: 1 for lvl in LEVELS}}},
            "institutions": [
                {"name": f"School {lvl}", "short": lvl, "city": "A", "level": lvl, "fields": ["f"]} for lvl in LEVELS
            ],
            "field_family_affinity": 0.5,
        },
        "occupations": {"o": {"family": "F", "skills": {"s": 1.0}}},
        "skills": {"s": {"group": "g"}},
        "dynamics": {
            "job_change_hazard": 0.01, "short_tenure_months": 1, "short_tenure_factor": 1,
            "job_change_multiplier": {2020: 1}, "layoff_hazard": 0, "layoff_multiplier": {2020: 1},
            "reemployment_hazard": 0.1, "reemployment_multiplier": {2020: 1}, "initial_unemployment_rate": 0,
            "promotion_hazard": {"junior": 0, "medior": 0, "senior": 0}, "promotion_on_change": 0,
            "manager_on_change": 0, "initial_manager_share": 0,
            "move_on_change": 0, "first_job_in_school_city": 1, "retirement_age": 67,
        },
        "postings": {
            "advertised_share": 1, "platform_hire_share": 1, "unfilled_per_hire": 0,
            "time_to_fill_months": {0: 1}, "skills_base_year": 2020,
        },
        "platform": {
            "membership_by_level": {lvl: 1 for lvl in LEVELS}, "adoption_by_year": {2020: 1.0},
            "reporting_lag_months": {0: 1}, "unreported_change_share": 0, "skills_per_member_year": {2020: 1},
            "salary_reports": {"yearly_share": 0.1, "level_factor": {lvl: 1 for lvl in LEVELS}, "stale_share": 0,
                               "rounding": 1},
        },
        "network": {"lag_months": {0: 1}},
        "wages": {
            "reference_year": 2020, "hours_per_month": 160.0, "family_hourly_level": {"F": 20.0}, "level_offset": 0.0,
            "education_premium": {lvl: 0.0 for lvl in LEVELS},
            "seniority_premium": {"junior": 0.0, "medior": 0.0, "senior": 0.0, "manager": 0.0},
            "person_effect_sd": 0.0, "employer_effect_sd": 0.0, "step_raise": 0.0, "step_years": 0, "raise_sd": 0.0,
            "match_sd": 0.0, "job_change_premium": 0.0, "job_change_premium_tightness": 0.0,
            "collective_raise": {2020: 0.0},
        },
    }


def _extreme_weights() -> dict:
    """The default world at the bounds: the tiniest and largest weights and factors, lags
    as long as allowed, certain and impossible events."""
    d = copy.deepcopy(DEFAULT)
    d.update(people=300, shards=1)
    for i, city in enumerate(d["cities"].values()):
        city["population"] = MIN_WEIGHT if i % 2 else MAX_WEIGHT
    d["attractiveness"] = {
        family: {city: MIN_WEIGHT for city in d["cities"]} for family in ["all", *d["occupation_families"]]
    }
    for field in d["education"]["fields"].values():
        field["first_job_multiplier"] = MAX_WEIGHT
    d["platform"]["membership_family_factor"] = {f: MAX_WEIGHT for f in d["occupation_families"]}
    d["platform"]["reporting_lag_months"] = {0: 0.5, 1200: 0.5}
    d["platform"]["reported_end_share"] = 1.0
    d["postings"]["time_to_fill_months"] = {0: 0.5, 1200: 0.5}
    d["postings"].update(apply_share=1.0, advertised_share=1.0, platform_hire_share=1.0)
    d["network"] = {"lag_months": {1200: 1.0}, "team_size": 2, "class_size": 2, "other_per_member": 100,
                    "colleague_probability": 1, "classmate_probability": 1}
    return d


def _century() -> dict:
    """The longest timeline: 100 years, every year listed."""
    d = _minimal()
    years = range(2000, 2100)
    d["timeline"] = {"start": "2000-01", "end": "2099-12"}
    for table in ("job_change_multiplier", "layoff_multiplier", "reemployment_multiplier"):
        d["dynamics"][table] = {y: 1 for y in years}
    d["platform"]["adoption_by_year"] = {y: 1.0 for y in years}
    d["platform"]["skills_per_member_year"] = {y: 1.0 for y in years}
    d["wages"]["collective_raise"] = {y: 0.0 for y in years}
    return d


def _default_with(mutate: Callable[[dict], None]) -> Callable[[], dict]:
    def build() -> dict:
        d = copy.deepcopy(DEFAULT)
        mutate(d)
        return d

    return build


def _all_skill_chances_zero(d):
    for occupation in d["occupations"].values():
        occupation["skills"] = dict.fromkeys(occupation["skills"], 0.0)


def _vanishing_pull(d):
    for city in d["cities"].values():
        city["population"] = 1e-200
    d["attractiveness"] = {"all": dict.fromkeys(d["cities"], 1e-200)}


def _one_city_everywhere(d):
    """One city, and nothing referring to another: nowhere to move to."""
    _one_city(d)
    d.update(local_moves={}, attractiveness={})
    d["platform"]["membership_city_factor"] = {}
    for institution in d["education"]["institutions"]:
        institution["city"] = "Amsterdam"


def _years_zero_and_one(d):
    """A timeline in years 0 and 1, every year table consistent with it."""
    d["timeline"] = {"start": "0000-01", "end": "0001-12"}
    for table in ("job_change_multiplier", "layoff_multiplier", "reemployment_multiplier"):
        d["dynamics"][table] = {0: 1.0, 1: 1.0}
    d["platform"]["adoption_by_year"] = {0: 0.5, 1: 1.0}
    d["platform"]["skills_per_member_year"] = {0: 1.0, 1: 1.0}


AGREEMENT_CASES = [
    # Valid, if unusual: they generate.
    ("minimal", _minimal, True),
    ("extreme_weights", _extreme_weights, True),
    ("century", _century, True),
    # Passed the old validation and crashed the generator: now refused before any work.
    ("membership_level_missing", _default_with(delete("platform", "membership_by_level", "WO")), False),
    ("promotion_seniority_missing", _default_with(delete("dynamics", "promotion_hazard", "junior")), False),
    ("one_city", _default_with(_one_city_everywhere), False),
    ("first_job_hazard_zero", _default_with(put("education", "levels", "VO", "first_job_hazard", 0.0)), False),
    ("pull_rounding_to_zero", _default_with(_vanishing_pull), False),
    ("no_skill_can_be_required", _default_with(_all_skill_chances_zero), False),
    ("infinite_unfilled_postings", _default_with(put("postings", "unfilled_per_hire", INF)), False),
    ("year_zero", _default_with(_years_zero_and_one), False),
]


@pytest.mark.parametrize(("build", "valid"), [c[1:] for c in AGREEMENT_CASES], ids=[c[0] for c in AGREEMENT_CASES])
def test_validation_and_generation_agree(tmp_path, build, valid):
    """A scenario either fails validation or generates (300 people): never passes and then crashes."""
    data = build()
    data.update(people=300, shards=1)
    try:
        scenario = load_scenario(_write(tmp_path, data))
    except ScenarioError as err:
        assert not valid, f"a valid scenario was refused: {err}"
        return
    summary = generate_lake(scenario, tmp_path / "lake", workers=1)
    assert summary.rows["truth_people"] == scenario.people
    assert summary.rows["truth_positions"] > 0
    assert valid, "generated a scenario that validation should have refused"


def test_population_just_over_a_block_generates(tmp_path):
    """The last block holds one person, with no posting events (draw_posting_events failed on it)."""
    scenario = load_scenario("netherlands").with_overrides(people=4097, shards=1)
    assert isinstance(scenario, Scenario)
    generate_lake(scenario, tmp_path / "lake", workers=1)
