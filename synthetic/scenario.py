"""Scenario files: the planted world, validated on load.

A scenario is a YAML file (see ``scenarios/netherlands.yaml``). Every number in it is a
planted parameter that the metrics should recover. Loading validates the whole file
and raises :class:`ScenarioError` naming the offending field and the allowed values;
nothing is generated or written before a scenario has passed validation.

A scenario that loads can be generated: validation checks what the generator relies on.

- Types are strict: no ``true`` where a number is expected, no ``"5"`` for 5, and every
  number is finite (no ``.inf`` or ``.nan``) and bounded, so that no draw overflows and no
  table outgrows memory.
- Every name a section refers to (level, city, family, occupation, field, skill) exists,
  and everything the generator looks up by name or draws from is present and non-empty:
  a membership chance per level, a promotion hazard per seniority, a skill per occupation,
  distributions that sum to 1.
- The YAML itself is plain: UTF-8, at most a few MB, no anchors or aliases (a few lines of
  nested aliases expand to billions of values), no duplicate keys (YAML would keep the
  last one silently).
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = "netherlands"

LEVELS = ("VO", "MBO", "HBO", "WO")
# MBO's qualification levels: 1 (entree), 2 (basic vocational), 3 (professional), 4
# (middle management and specialist). Graduates of other levels have none.
MBO_LEVELS = (1, 2, 3, 4)
SENIORITIES = ("junior", "medior", "senior", "manager")

# --- Run settings ------------------------------------------------------------------------
# The size, seed, shards and worker processes of a run come from the scenario file, flags
# of `python -m synthetic` and EGS_* environment variables (make run, the Dagster
# resources); every source checks them against these bounds (parse_setting).
#
# People: five times the Dutch labour force. At 10 million a run already takes 25 minutes
# and some 60 GB of DuckDB spill (README, Scale); at 50 million the company table of the
# default scenario (see MAX_COMPANY_TABLE_CELLS) takes 5 GB in each generating process,
# about what a 24 GiB machine with two workers holds. The bound also keeps identifiers in
# range: member ids mix person ids modulo 2**32 (distinct only below 2**32 people), and
# position and posting ids are block x 10**7 + row.
MAX_PEOPLE = 50_000_000
MAX_SEED = 2**63 - 1  # a signed 64-bit integer, as before: what an int64 column or JSON reader holds
MAX_SHARDS = 1024
# Worker processes each build the whole company table; beyond the cores they only cost memory.
MAX_WORKERS = 256
RUN_SETTINGS: dict[str, tuple[int, int]] = {
    "people": (1, MAX_PEOPLE),
    "seed": (0, MAX_SEED),
    "shards": (1, MAX_SHARDS),
    "workers": (1, MAX_WORKERS),
}

# --- Sizes that would exhaust memory ------------------------------------------------------
# Generous for a country (the default has 27 cities, 12 families, ~60 occupations, ~330
# skills, 17 fields, ~90 institutions), small enough that the generator's lookup tables
# (families x cities x cities, occupations x skills, ...) stay in the hundreds of MB.
MAX_CITIES = 1_000
MAX_FAMILIES = 200
MAX_OCCUPATIONS = 5_000
MAX_SKILLS = 5_000
MAX_FIELDS = 1_000
MAX_INSTITUTIONS = 5_000
# The generator keeps the companies' hiring weights as one dense float64 table of
# (cities x families) rows and one column per company (synthetic/companies.py), built in
# every worker process. 2**30 cells (8 GiB) allows the default scenario (27 cities x 12
# families) MAX_PEOPLE, and refuses a shape that would exhaust memory before the first
# person is drawn (1,000 cities x 200 families at a million people: 64 GB).
MAX_COMPANY_TABLE_CELLS = 2**30
# Rows a person brings (positions, postings, views, searches, profile skills), at most: the
# generator holds a chunk of 65,536 people's rows at once, and the default scenario makes
# about 230 by the bound below (some 60 in fact), so this allows 8 times its activity.
MAX_ROWS_PER_PERSON = 2_000
# Years on the timeline and in year-keyed tables: datetime64 and Python dates both hold
# them, and every year must be listed in the tables, so a long timeline is a long file.
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_MONTHS = 1_200  # the longest timeline (100 years), and the longest lag in months
# Relative weights and factors: products of three (population x attractiveness x family)
# stay well inside float64, neither overflowing nor rounding to 0 (which would leave a
# city or a company that can never be drawn).
MIN_WEIGHT, MAX_WEIGHT = 1e-9, 1e9

# --- The file -----------------------------------------------------------------------------
MAX_FILE_BYTES = 4 * 2**20  # the default scenario is about 100 KB
MAX_NESTING = 32  # mappings and lists inside each other; the format needs 5
MAX_LISTED_ERRORS = 25

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
OpenProbability = Annotated[float, Field(gt=0.0, lt=1.0)]
Weight = Annotated[float, Field(ge=MIN_WEIGHT, le=MAX_WEIGHT)]
Year = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
Months = Annotated[int, Field(ge=0, le=MAX_MONTHS)]
Level = Literal["VO", "MBO", "HBO", "WO"]
MboLevelNumber = Literal[1, 2, 3, 4]


class ScenarioError(ValueError):
    """A scenario file is missing, unreadable or invalid. The message names the field."""


class _Strict(BaseModel):
    # strict: a bool is not a number and a string is not a number (YAML's `yes`, "5");
    # allow_inf_nan: .inf and .nan fail every float field, in nested models and dict values too.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _every_key(given: dict, keys: tuple, requirement: str, called: str) -> dict:
    """``given`` if it has an entry for each of ``keys``, else a ValueError naming the missing ones."""
    missing = [key for key in keys if key not in given]
    if missing:
        raise ValueError(f"{requirement}; missing {missing} ({called} are {list(keys)})")
    return given


def _every_level(by_level: dict, requirement: str) -> dict:
    """``by_level`` if it has an entry for each education level, else a ValueError naming the missing ones."""
    return _every_key(by_level, LEVELS, requirement, "levels")


class Timeline(_Strict):
    start: str = Field(description="First simulated month, YYYY-MM.")
    end: str = Field(description="Last simulated month, YYYY-MM (inclusive).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value: Any) -> str:
        if isinstance(value, dt.date):
            value = f"{value.year:04d}-{value.month:02d}"
        if not isinstance(value, str):
            raise ValueError(f"expected a month as YYYY-MM in quotes, got {value!r}")
        match = _MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"expected a month as YYYY-MM, got {value!r}")
        if not FIRST_YEAR <= int(match.group(1)) <= LAST_YEAR:
            raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}, got {value!r}")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> Timeline:
        if self.end_month_index <= 0:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
        if self.months > MAX_MONTHS:
            raise ValueError(f"the timeline spans {self.months} months; at most {MAX_MONTHS} (100 years)")
        return self

    @property
    def start_year(self) -> int:
        return int(self.start[:4])

    @property
    def end_year(self) -> int:
        return int(self.end[:4])

    @property
    def start_date(self) -> dt.date:
        return dt.date(int(self.start[:4]), int(self.start[5:]), 1)

    @property
    def end_date(self) -> dt.date:
        return dt.date(int(self.end[:4]), int(self.end[5:]), 1)

    @property
    def end_month_index(self) -> int:
        """Index of the last month, counting the start month as 0."""
        return (self.end_year - self.start_year) * 12 + int(self.end[5:]) - int(self.start[5:])

    @property
    def months(self) -> int:
        return self.end_month_index + 1

    @property
    def years(self) -> list[int]:
        return list(range(self.start_year, self.end_year + 1))


class City(_Strict):
    population: Weight = Field(description="Relative population weight (e.g. inhabitants x 1000).")
    province: str


class OccupationFamily(_Strict):
    industry: str = Field(description="Industry whose companies hire this family most.")
    weight: Weight = Field(description="Relative size of the family among workers outside their field.")
    job_change_factor: Weight = 1.0


class LocalMoves(_Strict):
    share: Probability = Field(description="Share of moves out of the city that stay in its region.")
    destinations: dict[str, Weight] = Field(min_length=1, max_length=MAX_CITIES)


class Residence(_Strict):
    """Where people live beside where they work (synthetic/residence.py). The defaults switch it
    off: everybody lives in the work city from the first job on and never moves otherwise."""

    live_in_work_city: Probability = Field(
        1.0,
        description="Chance a person who moves for a job (or is at work when the timeline opens) lives in the "
        "work city itself; the rest live in its commuting region.",
    )
    live_in_work_city_young: Probability | None = Field(
        None,
        description="live_in_work_city for people under young_until_age (the age reached in the year); None (the "
        "default) = live_in_work_city at every age.",
    )
    young_until_age: Annotated[int, Field(ge=15, le=75)] = Field(
        30, description="The age from which live_in_work_city applies instead of live_in_work_city_young."
    )
    relocate_for_distant_job: Probability = Field(
        1.0,
        description="Chance a person whose new job is out of commuting reach (the residence is neither the work "
        "city nor in its commuting region) moves house for it; the rest commute far.",
    )
    move_hazard: Probability = Field(
        0.0,
        description="Monthly chance a person in the labour market draws where to live again without changing "
        "jobs, as one who moves for a job does (a draw of the city lived in is no move); 0 = never.",
    )


class EducationLevel(_Strict):
    population_share: Weight
    graduation_age: Annotated[int, Field(ge=14, le=40)]
    study_years: Annotated[int, Field(ge=1, le=10)]
    # A graduate's first job comes after a geometric number of months, which needs a chance
    # above 0; one in a million a month is a first job after some 80,000 years on average.
    first_job_hazard: float = Field(ge=1e-6, le=1.0, description="Monthly chance a graduate starts a first job.")
    promotion_factor: Weight = 1.0


class MboLevel(_Strict):
    """One of MBO's qualification levels: how many graduate at it and what it does to their outcomes."""

    share: Weight = Field(description="Relative number of MBO graduates at this level.")
    first_job_multiplier: Weight = Field(1.0, description="Factor on MBO's first_job_hazard (and the field's).")
    wage_premium: float = Field(
        0.0, ge=-1.0, le=1.0, description="Log-wage premium on top of MBO's education premium (wages section)."
    )


def _equal_mbo_levels() -> dict[int, MboLevel]:
    return {number: MboLevel(share=1.0) for number in MBO_LEVELS}


class EducationField(_Strict):
    family: str | None = Field(None, description="Occupation family the field leads to; None = any.")
    first_job_multiplier: Weight = 1.0
    levels: dict[Level, Weight] = Field(min_length=1, description="Relative weight of the field per level.")


class Institution(_Strict):
    name: str
    short: str
    city: str
    level: Level
    fields: list[str] = Field(min_length=1, max_length=MAX_FIELDS)
    weight: Weight = 1.0


class SideJobs(_Strict):
    """Paid work beside school or study: a pupil or student who works an hour a week is employed in a
    labour force survey (ILO)."""

    # Not below 15: the labour force survey's population starts there (metrics.labour_force).
    earliest_age: Annotated[int, Field(ge=15, le=20)] = Field(
        15, description="Age from which a pupil may hold a side job."
    )
    secondary_share: Probability = Field(
        0.0,
        description="Share of pupils with a side job in secondary school: from earliest_age until the study of "
        "the level they graduate at starts (until graduation for VO).",
    )
    study_share: Probability = Field(
        0.0, description="Share of MBO, HBO and WO students with a side job through their study."
    )
    occupation_family: str | None = Field(
        None, description="Occupation family whose employers hire pupils and students (needed when a share is above 0)."
    )


class Education(_Strict):
    levels: dict[Level, EducationLevel]
    mbo_levels: dict[MboLevelNumber, MboLevel] = Field(
        default_factory=_equal_mbo_levels,
        description="MBO's qualification levels 1 (entree) to 4, each with its share of MBO graduates, a factor "
        "on the first-job hazard and a wage premium; by default equal shares and no difference.",
    )
    side_jobs: SideJobs = Field(
        default_factory=SideJobs,
        description="Side jobs of pupils and students (truth.student_jobs); by default nobody holds one.",
    )
    fields: dict[str, EducationField] = Field(min_length=1, max_length=MAX_FIELDS)
    institutions: list[Institution] = Field(min_length=1, max_length=MAX_INSTITUTIONS)
    field_family_affinity: Probability = Field(
        description="Share of graduates whose occupations stay in the family of their field."
    )

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, levels: dict[str, EducationLevel]) -> dict[str, EducationLevel]:
        return _every_level(levels, "every level must be given")

    @field_validator("mbo_levels")
    @classmethod
    def _all_mbo_levels(cls, levels: dict[int, MboLevel]) -> dict[int, MboLevel]:
        return _every_key(levels, MBO_LEVELS, "every MBO level must be given", "MBO levels")


class Occupation(_Strict):
    family: str
    weight: Weight = 1.0
    skills: dict[str, Probability] = Field(
        min_length=1,
        max_length=MAX_SKILLS,
        description="Skill -> chance a posting for this occupation requires it in the skills base year.",
    )


class Skill(_Strict):
    group: str
    trend: float = Field(0.0, ge=-1.0, le=1.0, description="Yearly log-growth of posting demand.")


class Dynamics(_Strict):
    job_change_hazard: Probability = Field(description="Monthly employer-change chance at long tenure.")
    short_tenure_months: Annotated[int, Field(ge=1, le=240)]
    short_tenure_factor: Weight
    job_change_multiplier: dict[Year, Weight] = Field(description="Macro cycle: factor per year.")
    layoff_hazard: Probability = Field(description="Monthly chance an employee loses the job (2018 level).")
    layoff_multiplier: dict[Year, Weight] = Field(description="Macro cycle of layoffs: factor per year.")
    reemployment_hazard: Probability = Field(
        description="Monthly chance an unemployed person with work experience finds a job (2018 level)."
    )
    reemployment_multiplier: dict[Year, Weight] = Field(description="Macro cycle of job finding: factor per year.")
    initial_unemployment_rate: Probability = Field(
        description="Share of the experienced labour force without work at the start of the timeline."
    )
    quit_hazard: Probability = Field(
        0.0,
        description="Monthly chance an employee quits into inactivity: leaves the job without another one and "
        "without searching (care, study, health, a move), at the 2018 level; 0 (the default) = never.",
    )
    quit_multiplier: dict[Year, Weight] = Field(
        default_factory=dict,
        description="Macro cycle of quits into inactivity: factor per year (quits rise when jobs are easy to "
        "find again); empty (the default) = 1 in every year, else every timeline year needs a value.",
    )
    return_hazard: Probability = Field(
        0.0,
        description="Monthly chance an inactive person (one who quit) takes up a job again, directly, at the "
        "2018 level; it follows the job-finding cycle, reemployment_multiplier. 0 (the default) = never.",
    )
    early_exit_age: Annotated[int, Field(ge=40, le=75)] = Field(
        55, description="Age (reached in the year) from which an employee may leave the labour force early."
    )
    early_exit_hazard: Probability = Field(
        0.0,
        description="Monthly chance an employee aged early_exit_age or more leaves the labour force for good "
        "before retiring (disability, early retirement): inactive until retirement. 0 (the default) = never.",
    )
    promotion_hazard: dict[Literal["junior", "medior", "senior"], Probability]
    promotion_on_change: Probability
    manager_on_change: Probability = Field(
        description="Chance a manager who changes employer is hired as a manager (else as a senior)."
    )
    initial_manager_share: Probability = Field(
        description="Share of the employed with 15+ years of experience who manage at the start (x level factor)."
    )
    move_on_change: Probability
    first_job_in_school_city: Probability
    retirement_age: Annotated[int, Field(ge=50, le=80)] = Field(
        description="The age by which everybody has retired (the longest career)."
    )
    retirement_age_by_year: dict[Year, Annotated[float, Field(ge=40.0, le=80.0)]] = Field(
        default_factory=dict,
        description="Mean age at which people retire, by the year they turn 65 (years outside the map take the "
        "nearest year's); empty (the default) = everybody at retirement_age.",
    )
    retirement_age_sd: Annotated[float, Field(ge=0.0, le=10.0)] = Field(
        0.0,
        description="Spread (years) of a person's retirement age around the year's mean; ages are kept between "
        "retirement_age - 7 and retirement_age.",
    )

    @field_validator("promotion_hazard")
    @classmethod
    def _every_seniority(cls, hazards: dict[str, float]) -> dict[str, float]:
        missing = [s for s in SENIORITIES[:-1] if s not in hazards]
        if missing:
            raise ValueError(f"every seniority below manager needs a hazard; missing {missing}")
        return hazards


# Poisson means of events per posting or member: the default scenario's values are 0.4,
# 8, 3 and about 1.5. The caps keep a block's rows (a row per event) within memory.
class Postings(_Strict):
    advertised_share: Probability = Field(description="Share of hires that went through a job posting.")
    platform_hire_share: Probability = Field(
        description="Share of advertised hires of members that happen through the platform."
    )
    unfilled_per_hire: float = Field(ge=0.0, le=10.0, description="Unfilled postings per hire (Poisson mean).")
    time_to_fill_months: dict[Months, Probability] = Field(
        min_length=1, description="Distribution of opened -> hire months."
    )
    skills_base_year: Year
    views_per_posting: float = Field(
        0.0, ge=0.0, le=100.0, description="Members of the posting's occupation family who view it (Poisson mean)."
    )
    apply_share: Probability = Field(0.0, description="Chance that a member who viewed a posting applies to it.")
    searches_per_posting: float = Field(
        3.0,
        ge=0.0,
        le=50.0,
        description="Recruiter searches for candidates per posting while it is open (Poisson mean).",
    )


class SkillSearchShare(_Strict):
    """A logistic curve over the timeline's years through two planted points.

    The share is linear in log-odds between the first and the last year, so it follows the
    logistic S-curve of a technology being adopted; both ends must lie strictly between 0
    and 1 for the log-odds to exist.
    """

    start: OpenProbability = Field(0.1, description="Share of searches filtering on skills, first year.")
    end: OpenProbability = Field(0.5, description="Share of searches filtering on skills, last year.")

    def by_year(self, years: list[int]) -> dict[int, float]:
        """Planted share per year: log-odds linear from ``start`` (first year) to ``end`` (last year)."""
        first, last = years[0], years[-1]
        low, high = math.log(self.start / (1 - self.start)), math.log(self.end / (1 - self.end))
        if last == first:
            return {first: self.end}
        log_odds = {y: low + (high - low) * (y - first) / (last - first) for y in years}
        return {y: 1.0 / (1.0 + math.exp(-z)) for y, z in log_odds.items()}


class SalaryReports(_Strict):
    """Members who report their pay to the platform (raw.salary_reports), as LinkedIn Salary collects it."""

    yearly_share: Probability = Field(
        description="Chance an employed member at level factor 1 reports the pay of the job in a given year."
    )
    level_factor: dict[Level, Annotated[float, Field(ge=0.0, le=MAX_WEIGHT)]] = Field(
        description="Education level -> factor on yearly_share (who reports is skewed)."
    )
    stale_share: Probability = Field(
        description="Share of reports that give the pay the job started at, not the pay at the time of reporting."
    )
    update_share: Probability = Field(
        0.0,
        description="Chance a report is followed twelve months later by an update from the same member, for "
        "the job then held (the platform asks a year after a report; updates are asked again). 0 = never.",
    )
    rounding: Annotated[int, Field(ge=1, le=100_000)] = Field(
        description="Euros the reported yearly salary is rounded to."
    )

    @field_validator("level_factor")
    @classmethod
    def _every_level(cls, factors: dict[str, float]) -> dict[str, float]:
        return _every_level(factors, "every education level needs a factor")


class Platform(_Strict):
    membership_by_level: dict[Level, Probability]
    membership_family_factor: dict[str, Weight] = Field(default_factory=dict)
    membership_city_factor: dict[str, Weight] = Field(
        default_factory=dict,
        description="Factor on membership by the city a person studied in (the region a career starts from); "
        "missing = 1.",
    )
    adoption_by_year: dict[Year, Probability] = Field(
        description="Cumulative share of eventual members that joined by the end of each year."
    )
    reporting_lag_months: dict[Months, Probability] = Field(
        min_length=1, description="Distribution of profile-update lags."
    )
    unreported_change_share: Probability
    reported_end_share: Probability | None = Field(
        None,
        description="Share of positions ending without a reported next one (retirement, job loss) that "
        "the member closes on the profile, after the reporting lag; None (the default) = never: they stay "
        "current.",
    )
    location_update_share: Probability = Field(
        1.0,
        description="Share of a member's moves of residence that the member reports on the profile's location "
        "(the rest leave it stale); 1 (the default) = all.",
    )
    location_update_lag_months: Annotated[float, Field(ge=0.0, le=120.0)] = Field(
        0.0,
        description="Mean months (geometric) between a move and its report on the profile; 0 (the default) = "
        "the month of the move.",
    )
    skill_sources: dict[Literal["self", "endorsed", "assessment", "course"], Probability] = Field(
        default_factory=lambda: {"self": 1.0},
        min_length=1,
        description="How skills reach a profile: added by the member, endorsed by others, passed assessment, "
        "completed course; shares summing to 1.",
    )
    skills_per_member_year: dict[Year, Annotated[float, Field(ge=0.0, le=50.0)]] = Field(
        description="Mean skills a member adds to the profile per year."
    )
    salary_reports: SalaryReports = Field(description="Members who report their pay.")
    skill_search_share: SkillSearchShare = Field(
        default_factory=SkillSearchShare,
        description="Share of recruiter searches that filter on skills: a logistic rise from start (first "
        "timeline year) to end (last year).",
    )

    @field_validator("membership_by_level")
    @classmethod
    def _membership_for_every_level(cls, chances: dict[str, float]) -> dict[str, float]:
        return _every_level(chances, "every level needs a membership chance")


class Network(_Strict):
    """How members connect: raw.connections (synthetic/connections.py)."""

    team_size: float = Field(
        25.0,
        ge=2.0,
        le=10_000.0,
        description="Mean people in a team at a time: a company's staff of one occupation family is split "
        "into max(1, round(mean headcount / team_size)) teams.",
    )
    colleague_probability: Probability = Field(
        0.65, description="Chance that two members whose positions in one team overlapped connect."
    )
    class_size: float = Field(
        30.0,
        ge=2.0,
        le=10_000.0,
        description="Graduates per class: the graduates of an institution, level, field and year are split "
        "into max(1, round(graduates / class_size)) classes.",
    )
    classmate_probability: Probability = Field(0.3, description="Chance that two members of one class connect.")
    other_per_member: float = Field(
        5.0,
        ge=0.0,
        le=100.0,
        description="Mean connections per member met neither at work nor at school, at a uniform month "
        "between the later join and the end of the timeline.",
    )
    lag_months: dict[Months, Probability] = Field(
        default_factory=lambda: {0: 0.4, 1: 0.25, 3: 0.2, 6: 0.1, 12: 0.05},
        description="Months from meeting (or, if later, both having joined) to connecting, for colleagues "
        "and classmates.",
    )

    @field_validator("lag_months")
    @classmethod
    def _lag_distribution(cls, pmf: dict[int, float]) -> dict[int, float]:
        problem = _distribution_problem(pmf)
        if problem:
            raise ValueError(problem)
        return pmf


def _distribution_problem(pmf: dict) -> str | None:
    """Why ``pmf`` is not a probability distribution (None if it is)."""
    if not pmf:
        return "needs at least one entry"
    total = sum(pmf.values())
    if abs(total - 1.0) > 1e-6:
        return f"probabilities must sum to 1, they sum to {total:.6f}"
    return None


def _known(where: str, value: str, allowed: dict | set, kind: str) -> str | None:
    """A message if ``value`` is not one of ``allowed`` (listing them, or the closest when many)."""
    if value in allowed:
        return None
    if len(allowed) <= 30:
        return f"{where}: unknown {kind} {value!r}; allowed: {sorted(allowed)}"
    close = difflib.get_close_matches(value, list(allowed), n=3)
    hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
    return f"{where}: unknown {kind} {value!r} (not among the {len(allowed)} {kind}s of the scenario){hint}"


LogPoints = Annotated[float, Field(ge=-3.0, le=3.0)]


class Wages(_Strict):
    """The wage of every position: levels, premiums and the yearly path (synthetic/wages.py).

    Premiums and effects are in log points (0.10 is about 10.5% more); the level of a family
    is a median gross hourly wage in the reference year, turned into a monthly full-time wage
    with hours_per_month.
    """

    reference_year: Year = Field(description="The year the family levels are measured in (wage index 1).")
    hours_per_month: Annotated[float, Field(gt=0, le=744)] = Field(
        description="Paid hours in a full-time month: hourly levels x this = the monthly full-time wage."
    )
    family_hourly_level: dict[str, Annotated[float, Field(gt=0, le=10_000)]] = Field(
        description="Occupation family -> median gross hourly wage in the reference year (euros)."
    )
    level_offset: LogPoints = Field(description="Log points added to every family level (a calibration).")
    education_premium: dict[Level, LogPoints] = Field(description="Education level -> log wage premium.")
    seniority_premium: dict[Literal["junior", "medior", "senior", "manager"], LogPoints] = Field(
        description="Seniority -> log wage premium."
    )
    city_premium: dict[str, LogPoints] = Field(
        default_factory=dict, max_length=MAX_CITIES, description="City -> log wage premium; missing = 0."
    )
    person_effect_sd: Annotated[float, Field(ge=0, le=2)] = Field(
        description="Standard deviation of the person effect (log points), drawn once per person."
    )
    employer_effect_sd: Annotated[float, Field(ge=0, le=2)] = Field(
        description="Standard deviation of the employer effect (log points), drawn once per company."
    )
    step_raise: Annotated[float, Field(ge=0, le=1)] = Field(
        description="Yearly pay-scale step on 1 January (log points) in the first step_years of a career."
    )
    step_years: Annotated[int, Field(ge=0, le=60)]
    raise_sd: Annotated[float, Field(ge=0, le=1)] = Field(
        description="Standard deviation of a person's own part of the 1 January raise (log points)."
    )
    match_sd: Annotated[float, Field(ge=0, le=1)] = Field(
        description="Standard deviation of the wage change a new employer brings besides its effect (log points)."
    )
    job_change_premium: LogPoints = Field(
        description="Wage premium of a job-to-job move in a year whose job_change_multiplier is 1 (log points)."
    )
    job_change_premium_tightness: LogPoints = Field(
        description="Extra premium per unit of job_change_multiplier above 1: moves pay more in a tight market."
    )
    collective_raise: dict[Year, Annotated[float, Field(ge=-0.5, le=1.0)]] = Field(
        description="Year -> collectively agreed wage growth, paid from 1 January of that year (0.02 = 2%)."
    )

    @field_validator("education_premium")
    @classmethod
    def _every_level(cls, premiums: dict[str, float]) -> dict[str, float]:
        return _every_level(premiums, "every education level needs a premium")

    @field_validator("seniority_premium")
    @classmethod
    def _every_seniority(cls, premiums: dict[str, float]) -> dict[str, float]:
        return _every_key(premiums, SENIORITIES, "every seniority needs a premium", "seniorities")


class Scenario(_Strict):
    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)]
    people: Annotated[int, Field(gt=0, le=MAX_PEOPLE)]
    shards: Annotated[int, Field(ge=1, le=MAX_SHARDS)] = 2
    timeline: Timeline
    # A person who moves goes to another city: at least two.
    cities: dict[str, City] = Field(min_length=2, max_length=MAX_CITIES)
    local_moves: dict[str, LocalMoves] = Field(default_factory=dict, max_length=MAX_CITIES)
    residence: Residence = Field(default_factory=Residence)
    occupation_families: dict[str, OccupationFamily] = Field(min_length=1, max_length=MAX_FAMILIES)
    attractiveness: dict[str, dict[str, Weight]] = Field(
        default_factory=dict,
        max_length=MAX_FAMILIES + 1,
        description="Family (or 'all') -> city -> pull factor for movers and first jobs; missing = 1.",
    )
    education: Education
    occupations: dict[str, Occupation] = Field(min_length=1, max_length=MAX_OCCUPATIONS)
    skills: dict[str, Skill] = Field(min_length=1, max_length=MAX_SKILLS)
    dynamics: Dynamics
    postings: Postings
    platform: Platform
    network: Network = Field(default_factory=Network)
    wages: Wages

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        """Every name referred to exists and everything the generator draws from is there.

        All problems are collected, so that one pass over the file shows every one of them.
        """
        problems = [
            *self._geography_problems(),
            *self._education_problems(),
            *self._occupation_problems(),
            *self._table_problems(),
            *self._size_problems(),
        ]
        problems = [p for p in problems if p]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _geography_problems(self):
        cities, families = self.cities, self.occupation_families
        if "all" in families:
            yield "occupation_families.all: 'all' is reserved (attractiveness.all applies to every family)"
        for origin, moves in self.local_moves.items():
            yield _known("local_moves", origin, cities, "city")
            for dest in moves.destinations:
                yield _known(f"local_moves.{origin}.destinations", dest, cities, "city")
        for family, row in self.attractiveness.items():
            yield _known("attractiveness", family, {*families, "all"}, "family")
            for city in row:
                yield _known(f"attractiveness.{family}", city, cities, "city")
        for family in self.platform.membership_family_factor:
            yield _known("platform.membership_family_factor", family, families, "family")
        for city in self.platform.membership_city_factor:
            yield _known("platform.membership_city_factor", city, cities, "city")
        for city in self.wages.city_premium:
            yield _known("wages.city_premium", city, cities, "city")
        for family in self.wages.family_hourly_level:
            yield _known("wages.family_hourly_level", family, families, "family")
        unpaid = [f for f in families if f not in self.wages.family_hourly_level]
        if unpaid:
            yield f"wages.family_hourly_level: every occupation family needs a level; missing {unpaid}"

    def _education_problems(self):
        edu, families = self.education, self.occupation_families
        side = edu.side_jobs
        if side.occupation_family is not None:
            yield _known("education.side_jobs.occupation_family", side.occupation_family, families, "family")
        elif side.secondary_share > 0 or side.study_share > 0:
            yield (
                "education.side_jobs.occupation_family: needed when secondary_share or study_share is above 0 "
                f"(one of the occupation families: {sorted(families)})"
            )
        for name, field in edu.fields.items():
            if field.family is not None:
                yield _known(f"education.fields.{name}.family", field.family, families, "family")
        for kind in ("name", "short"):
            seen: set[str] = set()
            for i, inst in enumerate(edu.institutions):
                label = getattr(inst, kind)
                if label in seen:
                    # Institutions are told apart by name in the tables and by short name in truth.parameters.
                    yield f"education.institutions[{i}].{kind}: {label!r} is used by an earlier institution"
                seen.add(label)
        for i, inst in enumerate(edu.institutions):
            yield _known(f"education.institutions[{i}].city", inst.city, self.cities, "city")
            for f in inst.fields:
                problem = _known(f"education.institutions[{i}].fields", f, edu.fields, "field")
                if problem:
                    yield problem
                elif inst.level not in edu.fields[f].levels:
                    yield (
                        f"education.institutions[{i}].fields: field {f!r} is not taught at level "
                        f"{inst.level} (education.fields.{f}.levels)"
                    )
        # A person draws a level, then a field taught at that level by some institution.
        for level in LEVELS:
            taught = {f for f, spec in edu.fields.items() if level in spec.levels}
            if not any(inst.level == level and taught.intersection(inst.fields) for inst in edu.institutions):
                yield f"education.institutions: no institution teaches any field at level {level}"

    def _occupation_problems(self):
        families = self.occupation_families
        for name, occ in self.occupations.items():
            yield _known(f"occupations.{name}.family", occ.family, families, "family")
            for s in occ.skills:
                yield _known(f"occupations.{name}.skills", s, self.skills, "skill")
            # Postings and profiles draw skills with these chances: at least one must be possible.
            if not any(p > 0 for p in occ.skills.values()):
                yield f"occupations.{name}.skills: needs at least one skill with a chance above 0"
        staffed = {occ.family for occ in self.occupations.values()}
        for family in families:
            if family not in staffed:
                yield f"occupation_families.{family}: no occupation belongs to this family"

    def _table_problems(self):
        years = set(self.timeline.years)
        for where, table in (
            ("dynamics.job_change_multiplier", self.dynamics.job_change_multiplier),
            ("dynamics.layoff_multiplier", self.dynamics.layoff_multiplier),
            ("dynamics.reemployment_multiplier", self.dynamics.reemployment_multiplier),
            ("platform.adoption_by_year", self.platform.adoption_by_year),
            ("platform.skills_per_member_year", self.platform.skills_per_member_year),
            ("wages.collective_raise", self.wages.collective_raise),
        ):
            missing = sorted(years - set(table))
            if missing:
                yield f"{where}: every timeline year needs a value; missing {missing}"
        if self.wages.reference_year not in years:
            yield (
                f"wages.reference_year: {self.wages.reference_year} is not a timeline year "
                f"({min(years)}-{max(years)})"
            )
        quit_years = set(self.dynamics.quit_multiplier)
        if quit_years and years - quit_years:
            yield (
                "dynamics.quit_multiplier: every timeline year needs a value (or leave it out for 1 in every "
                f"year); missing {sorted(years - quit_years)}"
            )
        for where, pmf in (
            ("platform.skill_sources", self.platform.skill_sources),
            ("postings.time_to_fill_months", self.postings.time_to_fill_months),
            ("platform.reporting_lag_months", self.platform.reporting_lag_months),
        ):
            problem = _distribution_problem(pmf)
            if problem:
                yield f"{where}: {problem}"
        adoption = [self.platform.adoption_by_year[y] for y in sorted(years) if y in self.platform.adoption_by_year]
        if adoption and (any(b < a for a, b in zip(adoption, adoption[1:])) or adoption[-1] != 1.0):
            yield "platform.adoption_by_year: must be non-decreasing and reach 1.0 in the last year"

    def _size_problems(self):
        cells = self.company_table_cells()
        if cells > MAX_COMPANY_TABLE_CELLS:
            yield (
                f"people: {self.people:,} people in {len(self.cities)} cities and {len(self.occupation_families)} "
                f"occupation families need a company table of {cells * 8 / 2**30:.1f} GiB (at most "
                f"{MAX_COMPANY_TABLE_CELLS * 8 // 2**30} GiB): use fewer people, cities or families"
            )
        years = set(self.timeline.years)
        if years <= set(self.dynamics.job_change_multiplier) and years <= set(self.dynamics.layoff_multiplier):
            rows = self.rows_per_person_bound()
            if rows > MAX_ROWS_PER_PERSON:
                yield (
                    f"dynamics, postings, platform: these rates make up to {rows:,.0f} rows per person over the "
                    f"timeline (at most {MAX_ROWS_PER_PERSON:,}): lower dynamics.job_change_hazard, "
                    "job_change_multiplier, short_tenure_factor or layoff_hazard, postings.unfilled_per_hire, views_per_posting "
                    "or searches_per_posting, or platform.skills_per_member_year, or shorten the timeline"
                )

    def rows_per_person_bound(self) -> float:
        """An upper bound of the rows generated per person, from the rates that multiply them.

        A person is hired at most once a month: at the highest employer-change rate the
        rates allow (the macro cycle's peak, the short-tenure factor, the most mobile
        family) or back after a layoff or a quit into inactivity. Each hire brings its position and up to
        1 + unfilled_per_hire postings, each viewed views_per_posting times and searched
        searches_per_posting times (with up to 3 skill filters); a member adds profile
        skills every year.
        """
        dyn, post = self.dynamics, self.postings
        change = (
            dyn.job_change_hazard
            * max(dyn.job_change_multiplier[y] for y in self.timeline.years)
            * dyn.short_tenure_factor
            * max(f.job_change_factor for f in self.occupation_families.values())
        )
        layoff = dyn.layoff_hazard * max(dyn.layoff_multiplier[y] for y in self.timeline.years)
        quit = dyn.quit_hazard * max((dyn.quit_multiplier.get(y, 1.0) for y in self.timeline.years), default=1.0)
        hires = min(1.0, change + layoff + quit)
        per_posting = 1 + post.views_per_posting + 4 * post.searches_per_posting
        per_hire = 1 + (1 + post.unfilled_per_hire) * per_posting
        skills = sum(self.platform.skills_per_member_year.get(y, 0.0) for y in self.timeline.years)
        return self.timeline.months * hires * per_hire + skills

    def company_table_cells(self) -> int:
        """Cells of the companies' dense hiring-weight table (synthetic/companies.py draw_companies)."""
        from synthetic.companies import PEOPLE_PER_COMPANY  # here: companies imports this module

        cities, families = len(self.cities), len(self.occupation_families)
        return cities * families * max(3 * cities, self.people // PEOPLE_PER_COMPANY)

    def with_overrides(self, *, people: int | None = None, seed: int | None = None, shards: int | None = None) -> Scenario:
        """A copy with run-time overrides applied (and validated like the file itself)."""
        data = self.model_dump()
        for key, value in (("people", people), ("seed", seed), ("shards", shards)):
            if value is not None:
                data[key] = value
        return _validate(data, source=f"scenario {self.name!r} with overrides")


# --- Run settings given as text (flags, environment variables) ---------------------------

_WHOLE_NUMBER = re.compile(r"[0-9]{1,20}")  # ASCII digits: int() would also take '1_000', '+5' and '١٢'


def parse_whole_number(text: str, low: int, high: int, name: str = "") -> int:
    """``text`` as a whole number in [low, high]; ScenarioError naming ``name`` and the range otherwise."""
    value = text.strip()
    if _WHOLE_NUMBER.fullmatch(value) and low <= int(value) <= high:
        return int(value)
    prefix = f"{name} must" if name else "must"
    raise ScenarioError(f"{prefix} be a whole number between {low:,} and {high:,}, got {text!r}")


def parse_setting(setting: str, text: str, name: str = "") -> int:
    """A run setting (people, seed, shards, workers) given as text, checked against RUN_SETTINGS."""
    low, high = RUN_SETTINGS[setting]
    return parse_whole_number(text, low, high, name)


# --- Loading ------------------------------------------------------------------------------


def _describe(value: Any) -> str:
    text = repr(value)
    return f"{text[:60]}..." if len(text) > 60 else text


def _format_error(err: ValidationError, source: str) -> str:
    lines = [f"{source} is invalid:"]
    errors = err.errors()
    for e in errors[:MAX_LISTED_ERRORS]:
        loc = ".".join(str(p) for p in e["loc"])
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not part of the scenario format)"
        elif e["type"] not in ("missing", "value_error") and isinstance(
            e.get("input"), (bool, int, float, str, dt.date, type(None))
        ):
            # pydantic's own messages do not say what was given: a YAML `yes` is True, `.inf` is inf.
            msg += f" (got {_describe(e['input'])}, {type(e['input']).__name__})"
        # The cross-reference check reports several problems, each naming its own field.
        for line in msg.splitlines():
            lines.append(f"  - {loc}: {line}" if loc else f"  - {line}")
    if len(errors) > MAX_LISTED_ERRORS:
        lines.append(f"  ... and {len(errors) - MAX_LISTED_ERRORS} more")
    return "\n".join(lines)


def _validate(data: Any, source: str) -> Scenario:
    if data is None:
        raise ScenarioError(f"{source} is empty: expected a mapping of the scenario's keys (see {DEFAULT_SCENARIO}.yaml)")
    if not isinstance(data, dict):
        raise ScenarioError(f"{source} is invalid: the top level must be a mapping of keys, got {type(data).__name__}")
    try:
        return Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format_error(err, source)) from None


def resolve_scenario_path(name_or_path: str | Path) -> Path:
    """A shipped scenario name (``netherlands``) or a path to a YAML file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml"):
        return candidate
    shipped = SCENARIO_DIR / f"{name_or_path}.yaml"
    if shipped.is_file():
        return shipped
    available = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    raise ScenarioError(f"scenario {str(name_or_path)!r} not found; shipped scenarios: {available}, or give a .yaml path")


def _read_text(path: Path, source: str) -> str:
    """The file's text: at most MAX_FILE_BYTES of UTF-8."""
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1)  # no more: a huge file (or a device) is not read whole
    except OSError as err:
        raise ScenarioError(f"{source} cannot be read: {err.strerror or err}") from None
    except ValueError as err:  # e.g. a NUL byte in the path
        raise ScenarioError(f"{source} cannot be read: {err}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(f"{source} is larger than {MAX_FILE_BYTES // 2**20} MB; a scenario is a few hundred KB at most")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw.count(b"\n", 0, err.start) + 1
        raise ScenarioError(
            f"{source} is not UTF-8 text: byte 0x{raw[err.start]:02x} at offset {err.start} (line {line}); "
            "save it as UTF-8"
        ) from None


_BASE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when present: ~10x faster


class _Loader(_BASE_LOADER):  # type: ignore[misc, valid-type]
    """The safe loader, refusing duplicate and merge keys instead of silently resolving them."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise yaml.constructor.ConstructorError(None, None, "merge keys (<<) are not supported", key_node.start_mark)
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                continue  # unhashable: the base class says so
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (YAML would keep only the last value)", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml_problem(err: yaml.YAMLError) -> str:
    """A one-line description of a YAML error with its line and column."""
    if isinstance(err, yaml.MarkedYAMLError) and err.problem:
        mark = err.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        return f"{err.problem}{where}"
    return " ".join(str(err).replace('in "<unicode string>",', "at").split())


def _check_plain_yaml(text: str, source: str) -> None:
    """Refuse anchors, aliases and deep nesting, from the parser's events, before building anything.

    A few lines of nested aliases make a document of billions of values ("billion laughs"):
    the parser sees each alias once, so refusing them here takes time linear in the file.
    """
    depth = 0
    for event in yaml.parse(text, Loader=_BASE_LOADER):
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            mark = event.start_mark
            what = f"alias *{anchor}" if isinstance(event, yaml.AliasEvent) else f"anchor &{anchor}"
            raise ScenarioError(
                f"{source} uses the YAML {what} (line {mark.line + 1}, column {mark.column + 1}): anchors "
                "and aliases are not supported in scenarios; write the values out in full (yaml.dump "
                "writes them for a list or mapping that appears twice: dump a deep copy)"
            )
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_NESTING:
                mark = event.start_mark
                raise ScenarioError(
                    f"{source} nests mappings and lists more than {MAX_NESTING} deep (line {mark.line + 1}); "
                    "a scenario needs 5"
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_scenario_text(text: str, source: str = "scenario") -> Scenario:
    """Validate a scenario given as YAML text; ``source`` names it in errors."""
    try:
        _check_plain_yaml(text, source)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - the safe loader, libyaml's when present
    except yaml.YAMLError as err:
        raise ScenarioError(f"{source} is not valid YAML: {_yaml_problem(err)}") from None
    return _validate(data, source=source)


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    path = resolve_scenario_path(name_or_path)
    source = f"scenario file {path.name!r}"
    return parse_scenario_text(_read_text(path, source), source)
