"""Scenario files: the planted world, validated on load.

A scenario is a YAML file (see ``scenarios/netherlands.yaml``). Every number in it is a
planted parameter that the metrics should recover. Loading validates the whole file
and raises :class:`ScenarioError` naming the offending field and the allowed values;
nothing is generated or written before a scenario has passed validation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SCENARIO_DIR = Path(__file__).parent / "scenarios"
DEFAULT_SCENARIO = "netherlands"

LEVELS = ("VO", "MBO", "HBO", "WO")
SENIORITIES = ("junior", "medior", "senior", "manager")

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
PositiveFloat = Annotated[float, Field(gt=0.0)]
NonNegativeFloat = Annotated[float, Field(ge=0.0)]
Level = Literal["VO", "MBO", "HBO", "WO"]


class ScenarioError(ValueError):
    """A scenario file is missing, unreadable or invalid. The message names the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class Timeline(_Strict):
    start: str = Field(description="First simulated month, YYYY-MM.")
    end: str = Field(description="Last simulated month, YYYY-MM (inclusive).")

    @field_validator("start", "end", mode="before")
    @classmethod
    def _month(cls, value: Any) -> str:
        if isinstance(value, dt.date):
            value = f"{value.year:04d}-{value.month:02d}"
        match = _MONTH.match(str(value))
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValueError(f"expected a month as YYYY-MM, got {value!r}")
        return str(value)

    @model_validator(mode="after")
    def _ordered(self) -> Timeline:
        if self.end_month_index <= 0:
            raise ValueError(f"end ({self.end}) must come after start ({self.start})")
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
    population: PositiveFloat = Field(description="Relative population weight (e.g. inhabitants x 1000).")
    province: str


class OccupationFamily(_Strict):
    industry: str = Field(description="Industry whose companies hire this family most.")
    weight: PositiveFloat = Field(description="Relative size of the family among workers outside their field.")
    job_change_factor: PositiveFloat = 1.0


class LocalMoves(_Strict):
    share: Probability = Field(description="Share of moves out of the city that stay in its region.")
    destinations: dict[str, PositiveFloat]


class EducationLevel(_Strict):
    population_share: PositiveFloat
    graduation_age: Annotated[int, Field(ge=14, le=40)]
    study_years: Annotated[int, Field(ge=1, le=10)]
    first_job_hazard: Probability = Field(description="Monthly chance a graduate starts a first job.")
    promotion_factor: PositiveFloat = 1.0


class EducationField(_Strict):
    family: str | None = Field(None, description="Occupation family the field leads to; None = any.")
    first_job_multiplier: PositiveFloat = 1.0
    levels: dict[Level, PositiveFloat] = Field(description="Relative weight of the field per level.")


class Institution(_Strict):
    name: str
    short: str
    city: str
    level: Level
    fields: list[str]
    weight: PositiveFloat = 1.0


class Education(_Strict):
    levels: dict[Level, EducationLevel]
    fields: dict[str, EducationField]
    institutions: list[Institution]
    field_family_affinity: Probability = Field(
        description="Share of graduates whose occupations stay in the family of their field."
    )

    @field_validator("levels")
    @classmethod
    def _all_levels(cls, levels: dict[str, EducationLevel]) -> dict[str, EducationLevel]:
        missing = [lvl for lvl in LEVELS if lvl not in levels]
        if missing:
            raise ValueError(f"every level must be given; missing {missing} (levels are {list(LEVELS)})")
        return levels


class Occupation(_Strict):
    family: str
    weight: PositiveFloat = 1.0
    skills: dict[str, Probability] = Field(
        description="Skill -> chance a posting for this occupation requires it in the skills base year."
    )


class Skill(_Strict):
    group: str
    trend: float = Field(0.0, ge=-1.0, le=1.0, description="Yearly log-growth of posting demand.")


class Dynamics(_Strict):
    job_change_hazard: Probability = Field(description="Monthly employer-change chance at long tenure.")
    short_tenure_months: Annotated[int, Field(ge=1, le=240)]
    short_tenure_factor: PositiveFloat
    job_change_multiplier: dict[int, PositiveFloat] = Field(description="Macro cycle: factor per year.")
    layoff_hazard: Probability
    reemployment_hazard: Probability
    promotion_hazard: dict[Literal["junior", "medior", "senior"], Probability]
    promotion_on_change: Probability
    move_on_change: Probability
    first_job_in_school_city: Probability
    retirement_age: Annotated[int, Field(ge=50, le=80)]


class Postings(_Strict):
    advertised_share: Probability = Field(description="Share of hires that went through a job posting.")
    platform_hire_share: Probability = Field(
        description="Share of advertised hires of members that happen through the platform."
    )
    unfilled_per_hire: NonNegativeFloat = Field(description="Unfilled postings per hire (Poisson mean).")
    time_to_fill_months: dict[int, Probability] = Field(description="Distribution of opened -> hire months.")
    skills_base_year: int
    views_per_posting: NonNegativeFloat = Field(
        0.0, description="Members of the posting's occupation family who view it (Poisson mean)."
    )
    apply_share: Probability = Field(0.0, description="Chance that a member who viewed a posting applies to it.")
    searches_per_posting: NonNegativeFloat = Field(
        3.0, description="Recruiter searches for candidates per posting while it is open (Poisson mean)."
    )


OpenProbability = Annotated[float, Field(gt=0.0, lt=1.0)]


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


class Platform(_Strict):
    membership_by_level: dict[Level, Probability]
    membership_family_factor: dict[str, PositiveFloat] = Field(default_factory=dict)
    membership_city_factor: dict[str, PositiveFloat] = Field(
        default_factory=dict,
        description="Factor on membership by the city a person studied in (the region a career starts from); "
        "missing = 1.",
    )
    adoption_by_year: dict[int, Probability] = Field(
        description="Cumulative share of eventual members that joined by the end of each year."
    )
    reporting_lag_months: dict[int, Probability] = Field(description="Distribution of profile-update lags.")
    unreported_change_share: Probability
    reported_end_share: Probability | None = Field(
        None,
        description="Share of positions ending without a reported next one (retirement, job loss) that "
        "the member closes on the profile, after the reporting lag; None (the default) = never: they stay "
        "current.",
    )
    skill_sources: dict[Literal["self", "endorsed", "assessment", "course"], Probability] = Field(
        default_factory=lambda: {"self": 1.0},
        description="How skills reach a profile: added by the member, endorsed by others, passed assessment, "
        "completed course; shares summing to 1.",
    )
    skills_per_member_year: dict[int, NonNegativeFloat] = Field(
        description="Mean skills a member adds to the profile per year."
    )
    skill_search_share: SkillSearchShare = Field(
        default_factory=SkillSearchShare,
        description="Share of recruiter searches that filter on skills: a logistic rise from start (first "
        "timeline year) to end (last year).",
    )


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
    lag_months: dict[int, Probability] = Field(
        default_factory=lambda: {0: 0.4, 1: 0.25, 3: 0.2, 6: 0.1, 12: 0.05},
        description="Months from meeting (or, if later, both having joined) to connecting, for colleagues "
        "and classmates.",
    )

    @field_validator("lag_months")
    @classmethod
    def _lag_distribution(cls, pmf: dict[int, float]) -> dict[int, float]:
        if not pmf:
            raise ValueError("needs at least one lag")
        if any(months < 0 for months in pmf):
            raise ValueError("months must be >= 0")
        if abs(sum(pmf.values()) - 1.0) > 1e-6:
            raise ValueError(f"probabilities must sum to 1, they sum to {sum(pmf.values()):.6f}")
        return pmf


class Scenario(_Strict):
    name: str
    description: str = ""
    seed: Annotated[int, Field(ge=0, lt=2**63)]
    people: Annotated[int, Field(gt=0, le=50_000_000)]
    shards: Annotated[int, Field(ge=1, le=1024)] = 2
    timeline: Timeline
    cities: dict[str, City]
    local_moves: dict[str, LocalMoves] = Field(default_factory=dict)
    occupation_families: dict[str, OccupationFamily]
    attractiveness: dict[str, dict[str, PositiveFloat]] = Field(
        default_factory=dict,
        description="Family (or 'all') -> city -> pull factor for movers and first jobs; missing = 1.",
    )
    education: Education
    occupations: dict[str, Occupation]
    skills: dict[str, Skill]
    dynamics: Dynamics
    postings: Postings
    platform: Platform
    network: Network = Field(default_factory=Network)

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        cities, families = set(self.cities), set(self.occupation_families)
        fields, skills = set(self.education.fields), set(self.skills)

        def known(where: str, value: str, allowed: set[str]) -> None:
            if value not in allowed:
                raise ValueError(f"{where}: unknown value {value!r}; allowed: {sorted(allowed)}")

        for origin, moves in self.local_moves.items():
            known("local_moves", origin, cities)
            for dest in moves.destinations:
                known(f"local_moves.{origin}.destinations", dest, cities)
        for family, row in self.attractiveness.items():
            known("attractiveness", family, families | {"all"})
            for city in row:
                known(f"attractiveness.{family}", city, cities)
        for name, field in self.education.fields.items():
            if field.family is not None:
                known(f"education.fields.{name}.family", field.family, families)
        for i, inst in enumerate(self.education.institutions):
            known(f"education.institutions[{i}].city", inst.city, cities)
            for f in inst.fields:
                known(f"education.institutions[{i}].fields", f, fields)
                if inst.level not in self.education.fields[f].levels:
                    raise ValueError(
                        f"education.institutions[{i}].fields: field {f!r} is not taught at level "
                        f"{inst.level} (education.fields.{f}.levels)"
                    )
        for level in LEVELS:
            taught = [f for f, spec in self.education.fields.items() if level in spec.levels]
            if not any(inst.level == level and set(inst.fields) & set(taught) for inst in self.education.institutions):
                raise ValueError(f"education.institutions: no institution teaches any field at level {level}")
        for name, occ in self.occupations.items():
            known(f"occupations.{name}.family", occ.family, families)
            for s in occ.skills:
                known(f"occupations.{name}.skills", s, skills)
        for family in families:
            if not any(o.family == family for o in self.occupations.values()):
                raise ValueError(f"occupation_families.{family}: no occupation belongs to this family")
        for family in self.platform.membership_family_factor:
            known("platform.membership_family_factor", family, families)
        for city in self.platform.membership_city_factor:
            known("platform.membership_city_factor", city, cities)
        years = set(self.timeline.years)
        for where, table in (
            ("dynamics.job_change_multiplier", self.dynamics.job_change_multiplier),
            ("platform.adoption_by_year", self.platform.adoption_by_year),
            ("platform.skills_per_member_year", self.platform.skills_per_member_year),
        ):
            missing = sorted(years - set(table))
            if missing:
                raise ValueError(f"{where}: every timeline year needs a value; missing {missing}")
        for where, pmf in (
            ("platform.skill_sources", self.platform.skill_sources),
            ("postings.time_to_fill_months", self.postings.time_to_fill_months),
            ("platform.reporting_lag_months", self.platform.reporting_lag_months),
        ):
            if any(isinstance(k, int) and k < 0 for k in pmf):
                raise ValueError(f"{where}: months must be >= 0")
            if abs(sum(pmf.values()) - 1.0) > 1e-6:
                raise ValueError(f"{where}: probabilities must sum to 1, they sum to {sum(pmf.values()):.6f}")
        adoption = [self.platform.adoption_by_year[y] for y in sorted(years)]
        if any(b < a for a, b in zip(adoption, adoption[1:])) or adoption[-1] != 1.0:
            raise ValueError("platform.adoption_by_year: must be non-decreasing and reach 1.0 in the last year")
        return self

    def with_overrides(self, *, people: int | None = None, seed: int | None = None, shards: int | None = None) -> Scenario:
        """A copy with run-time overrides applied (and validated like the file itself)."""
        data = self.model_dump()
        for key, value in (("people", people), ("seed", seed), ("shards", shards)):
            if value is not None:
                data[key] = value
        return _validate(data, source=f"scenario {self.name!r} with overrides")


def _format_error(err: ValidationError, source: str) -> str:
    lines = [f"{source} is invalid:"]
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"]) or "(top level)"
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown key (not part of the scenario format)"
        lines.append(f"  - {loc}: {msg}")
    return "\n".join(lines)


def _validate(data: Any, source: str) -> Scenario:
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
    if shipped.exists():
        return shipped
    available = sorted(p.stem for p in SCENARIO_DIR.glob("*.yaml"))
    raise ScenarioError(f"scenario {str(name_or_path)!r} not found; shipped scenarios: {available}, or give a .yaml path")


def load_scenario(name_or_path: str | Path = DEFAULT_SCENARIO) -> Scenario:
    path = resolve_scenario_path(name_or_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ScenarioError(f"scenario file {str(path)!r} cannot be read: {err.strerror}") from None
    try:
        data = yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader, libyaml's when present
    except yaml.YAMLError as err:
        raise ScenarioError(f"scenario file {path.name!r} is not valid YAML: {err}") from None
    return _validate(data, source=f"scenario file {path.name!r}")
