"""Job postings: one behind most hires, plus postings that are never filled.

A hire (first job, employer change, re-employment) inside the timeline was advertised
with chance ``advertised_share``; its posting opened ``time_to_fill`` months before the
start. A member hired through an advertised posting is a platform hire with chance
``platform_hire_share``: only then does the posting carry ``hired_member_id``. Each hire
also brings a Poisson number of postings at the same employer that close unfilled.

Required skills: a posting for occupation o opened in year y requires skill s with
probability ``p[o, s] * exp(trend[s] * (y - base_year))`` (capped at 1), independently per
skill. That is the planted skill-demand trend.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.model import Model, categorical

UNFILLED_OPEN_SPREAD_MONTHS = 6
UNFILLED_DURATION_MONTHS = (1, 5)  # closes 1-4 months after opening


@dataclass
class Postings:
    company: np.ndarray
    occupation: np.ndarray
    city: np.ndarray
    seniority: np.ndarray
    opened_t: np.ndarray
    closed_t: np.ndarray  # -1 = still open at the end of the timeline
    hired_position: np.ndarray  # index into positions, -1 = unfilled
    platform_hire: np.ndarray  # bool: the hire went through the platform


def draw_postings(model: Model, rng, positions, hire_rows: np.ndarray, member_at_hire: np.ndarray) -> Postings:
    sc = model.scenario.postings
    T = model.months
    k = hire_rows.size
    ttf = model.time_to_fill_values[categorical(rng, model.time_to_fill_probs, k)]
    opened = positions.start_t[hire_rows] - ttf
    advertised = (rng.random(k) < sc.advertised_share) & (opened >= 0)
    via_platform = advertised & member_at_hire & (rng.random(k) < sc.platform_hire_share)
    filled = hire_rows[advertised]

    # Unfilled postings at the same employers, around the same time.
    extra = rng.poisson(sc.unfilled_per_hire, k)
    src = np.repeat(hire_rows, extra)
    u_open = positions.start_t[src] + rng.integers(-UNFILLED_OPEN_SPREAD_MONTHS, UNFILLED_OPEN_SPREAD_MONTHS + 1, src.size)
    u_open = np.clip(u_open, 0, T - 1)
    u_close = u_open + rng.integers(*UNFILLED_DURATION_MONTHS, src.size)
    u_close = np.where(u_close > T - 1, -1, u_close)

    rows = np.concatenate([filled, src])
    return Postings(
        company=positions.company[rows],
        occupation=positions.occupation[rows],
        city=positions.city[rows],
        seniority=positions.seniority[rows],
        opened_t=np.concatenate([opened[advertised], u_open]),
        closed_t=np.concatenate([positions.start_t[filled], u_close]),
        hired_position=np.concatenate([filled, np.full(src.size, -1)]),
        platform_hire=np.concatenate([via_platform[advertised], np.zeros(src.size, bool)]),
    )


def draw_posting_skills(model: Model, rng, postings: Postings) -> tuple[np.ndarray, np.ndarray]:
    """(posting index, skill index) pairs: each skill of the occupation drawn independently."""
    probs = model.occupation_skill_prob
    nnz_per_occ = (probs > 0).sum(axis=1)
    occ_ptr = np.concatenate([[0], np.cumsum(nnz_per_occ)])
    occ_skill = np.flatnonzero(probs.ravel() > 0) % probs.shape[1]  # row by row, as occ_ptr
    occ_prob = probs[probs > 0]

    # One row per posting and skill of its occupation; ``slot`` indexes the occupation's skill list.
    counts = nnz_per_occ[postings.occupation]
    posting = np.repeat(np.arange(postings.occupation.size), counts)
    within = np.arange(posting.size) - np.repeat(np.cumsum(counts) - counts, counts)
    slot = np.repeat(occ_ptr[postings.occupation], counts) + within
    years = model.month_year[postings.opened_t] - model.scenario.postings.skills_base_year
    # The probability of every (slot, year) once, then one gather per row: the same
    # products as per row, min(p * exp(trend * years), 1), computed a few thousand times.
    low = int(years.min()) if years.size else 0
    span = np.arange(low, int(years.max()) + 1 if years.size else low + 1)
    table = np.minimum(occ_prob[:, None] * np.exp(model.skill_trend[occ_skill][:, None] * span[None, :]), 1.0)
    p = table.ravel()[slot * span.size + np.repeat(years - low, counts)]
    keep = rng.random(posting.size) < p
    return posting[keep], occ_skill[slot[keep]]
