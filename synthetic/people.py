"""People of one block: education, graduation cohort, career horizon and occupation.

A person enters the labour market at graduation and leaves at the retirement age.
Graduation months are spread so that the workforce is steady over the timeline: a
person is drawn anywhere from one full career before the start up to the last month.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.model import Model, categorical

GRADUATION_MONTH_JULY_SHARE = 0.6  # most Dutch programmes end in summer


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
    first_name: np.ndarray
    last_name: np.ndarray

    def __len__(self) -> int:
        return self.person_id.size


def draw_people(model: Model, rng: np.random.Generator, first_person_id: int, n: int, pools) -> People:
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

    hazard = model.level_first_job_hazard[level] * model.field_first_job_multiplier[field]
    return People(
        person_id=np.arange(first_person_id, first_person_id + n, dtype=np.int64),
        level=level,
        field=field,
        institution=institution,
        graduation_t=graduation_t,
        study_start_t=graduation_t - 12 * model.level_study_years[level],
        retirement_t=graduation_t + career_months,
        birth_year=grad_year - model.level_graduation_age[level],
        family=family,
        occupation=occupation,
        first_job_hazard=np.clip(hazard, 0.0, 0.95),
        first_name=rng.integers(0, len(pools.first_names), n),
        last_name=rng.integers(0, len(pools.last_names), n),
    )
