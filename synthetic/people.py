"""People of one block: education, graduation cohort, career horizon and occupation.

A person enters the labour market at graduation and leaves at the retirement age.
Graduation months are spread so that the workforce is steady over the timeline: a
person is drawn anywhere from one full career before the start up to the last month.
An MBO graduate has one of MBO's four qualification levels, drawn from a stream of the
block's own (MBO_LEVEL_STREAM), so that the levels leave every other draw of the block as
it was; the level scales the first-job hazard (and the wage, synthetic/wages.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.model import Model, categorical
from synthetic.scenario import LEVELS

GRADUATION_MONTH_JULY_SHARE = 0.6  # most Dutch programmes end in summer
MBO_LEVEL_STREAM = 3  # block b draws its MBO levels from SeedSequence(seed, spawn_key=(3, b))
RETIREMENT_STREAM = 4  # and its retirement ages from SeedSequence(seed, spawn_key=(4, b))
MBO = LEVELS.index("MBO")
EARLIEST_RETIREMENT_YEARS = 7  # nobody retires more than this many years before retirement_age


def mbo_level_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(MBO_LEVEL_STREAM, block)))


def retirement_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RETIREMENT_STREAM, block)))


def retirement_ages(model: Model, rng: np.random.Generator, birth_year: np.ndarray) -> np.ndarray:
    """Each person's retirement age in months: the mean age of the year the person turns 65
    (dynamics.retirement_age_by_year, the nearest year's outside it) plus a normal spread of
    retirement_age_sd years, whole months, kept between retirement_age - EARLIEST_RETIREMENT_YEARS
    and retirement_age; everybody at retirement_age without a map. One draw per person."""
    dyn = model.scenario.dynamics
    latest = 12 * dyn.retirement_age
    draw = rng.normal(0.0, 1.0, birth_year.size)
    if not dyn.retirement_age_by_year:
        return np.full(birth_year.size, latest, dtype=np.int64)
    years = np.array(sorted(dyn.retirement_age_by_year))
    means = np.array([dyn.retirement_age_by_year[y] for y in years])
    mean = means[np.clip(np.searchsorted(years, birth_year + 65), 0, years.size - 1)]
    months = np.round(12 * (mean + dyn.retirement_age_sd * draw)).astype(np.int64)
    return np.clip(months, latest - 12 * EARLIEST_RETIREMENT_YEARS, latest)


def birth_t(model: Model, level: np.ndarray, graduation_t: np.ndarray) -> np.ndarray:
    """Month index of birth: a person is born in the graduation month, the level's
    graduation_age years before."""
    return graduation_t - 12 * model.level_graduation_age[level]


@dataclass
class People:
    person_id: np.ndarray
    level: np.ndarray
    field: np.ndarray
    institution: np.ndarray
    graduation_t: np.ndarray  # month index of graduation (0 = timeline start, may be negative)
    study_start_t: np.ndarray
    retirement_t: np.ndarray
    birth_year: np.ndarray
    family: np.ndarray
    occupation: np.ndarray
    first_job_hazard: np.ndarray
    mbo_level: np.ndarray  # 1-4 for MBO graduates, 0 for the others
    first_name: np.ndarray
    last_name: np.ndarray

    def __len__(self) -> int:
        return self.person_id.size


def draw_people(
    model: Model,
    rng: np.random.Generator,
    first_person_id: int,
    n: int,
    pools,
    mbo_rng: np.random.Generator,
    retire_rng: np.random.Generator,
) -> People:
    sc = model.scenario
    level = categorical(rng, model.level_share, n)
    field = model.field_by_level.sample(rng, level)
    institution = model.institution_by_level_field.sample(rng, level * len(model.fields) + field)

    career_months = 12 * (sc.dynamics.retirement_age - model.level_graduation_age[level])
    # Graduation year uniform over [start - career, end]; month July for most, else any month.
    start_year = sc.timeline.start_year
    first_year = start_year - career_months // 12
    grad_year = first_year + np.floor(rng.random(n) * (sc.timeline.end_year - first_year + 1)).astype(np.int64)
    grad_month = np.where(rng.random(n) < GRADUATION_MONTH_JULY_SHARE, 7, rng.integers(1, 13, n))
    start_month_of_year = int(sc.timeline.start[5:])
    graduation_t = (grad_year - start_year) * 12 + grad_month - start_month_of_year
    graduation_t = np.minimum(graduation_t, model.months - 1)

    in_field = (rng.random(n) < sc.education.field_family_affinity) & (model.field_family[field] >= 0)
    family = np.where(in_field, model.field_family[field], categorical(rng, model.family_weight, n))
    occupation = model.occupation_by_family.sample(rng, family)

    # Every person gets a draw, whatever the level, so that a person's MBO level depends on
    # the person's place in the block only.
    mbo_level = np.where(level == MBO, 1 + categorical(mbo_rng, model.mbo_level_share, n), 0)
    hazard = (
        model.level_first_job_hazard[level]
        * model.field_first_job_multiplier[field]
        * model.mbo_first_job_multiplier[mbo_level]
    )
    return People(
        person_id=np.arange(first_person_id, first_person_id + n, dtype=np.int64),
        level=level,
        field=field,
        institution=institution,
        graduation_t=graduation_t,
        study_start_t=graduation_t - 12 * model.level_study_years[level],
        # Retired at the drawn age.
        retirement_t=birth_t(model, level, graduation_t)
        + retirement_ages(model, retire_rng, grad_year - model.level_graduation_age[level]),
        birth_year=grad_year - model.level_graduation_age[level],
        family=family,
        occupation=occupation,
        first_job_hazard=np.clip(hazard, 0.0, 0.95),
        mbo_level=mbo_level,
        first_name=rng.integers(0, len(pools.first_names), n),
        last_name=rng.integers(0, len(pools.last_names), n),
    )
