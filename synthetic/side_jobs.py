"""Side jobs: paid work beside school or study.

A pupil or student who works an hour a week is employed in a labour force survey (ILO), and
in the Netherlands most of them do. A person's school years from
education.side_jobs.earliest_age until graduation have two phases: secondary school, until
the study of the level the person graduates at starts (all of it for a VO graduate), and that
study. In each phase the person holds a side job throughout, with the phase's share, at an
employer of the side-job occupation family in the city of the person's school, drawn as a
regular hire's employer is. A phase that ended before the timeline is left out; one that began
before it starts at the timeline's first month, as the positions held then do.

Side jobs are a table of their own (truth.student_jobs): careers, wages, job changes and the
platform's profiles are of regular jobs. Their draws come from a stream of the block's own
(SIDE_JOB_STREAM), so every other table stays as it was without them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.companies import Companies
from synthetic.model import Model
from synthetic.people import People, birth_t
from synthetic.scenario import LEVELS

SIDE_JOB_STREAM = 5  # block b draws its side jobs from SeedSequence(seed, spawn_key=(5, b))
SECONDARY, STUDY = 0, 1  # the phases
VO = LEVELS.index("VO")


def side_job_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SIDE_JOB_STREAM, block)))


@dataclass
class SideJobs:
    person: np.ndarray  # row of the block's people
    school_level: np.ndarray  # level code: VO in secondary school, else the level studied
    start_t: np.ndarray  # month index, not before 0
    end_t: np.ndarray  # month index of the first month no longer held (the phase's end)
    company: np.ndarray  # company index


def draw_side_jobs(model: Model, rng: np.random.Generator, people: People, companies: Companies) -> SideJobs:
    """At most one side job per person and phase; every person gets the same draws whatever
    the outcome, so that a person's side jobs depend on the person's place in the block only."""
    spec = model.scenario.education.side_jobs
    n = len(people)
    held = rng.random((2, n))
    u_company = rng.random((2, n))
    if spec.occupation_family is None or n == 0:
        return _empty()
    earliest_t = birth_t(model, people.level, people.graduation_t) + 12 * spec.earliest_age
    is_vo = people.level == VO
    study_start_t = np.maximum(people.study_start_t, earliest_t)
    secondary_end_t = np.where(is_vo, people.graduation_t, study_start_t)
    start = np.stack([earliest_t, study_start_t])
    end = np.stack([secondary_end_t, np.where(is_vo, study_start_t, people.graduation_t)])
    share = np.array([[spec.secondary_share], [spec.study_share]])
    chosen = (held < share) & (end > start) & (end > 0)
    person, phase = np.nonzero(chosen.T)  # by person, then phase
    city = model.institution_city[people.institution[person]]
    family = model.families.index(spec.occupation_family)
    company = companies.by_city_family.sample_with(city * len(model.families) + family, u_company[phase, person])
    return SideJobs(
        person=person,
        school_level=np.where(phase == SECONDARY, VO, people.level[person]),
        start_t=np.maximum(start[phase, person], 0),
        end_t=end[phase, person],
        company=company,
    )


def _empty() -> SideJobs:
    none = np.zeros(0, dtype=np.int64)
    return SideJobs(person=none, school_level=none, start_t=none, end_t=none, company=none)
