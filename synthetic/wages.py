"""Wages: the monthly full-time wage of every position, month by month of the window.

    log wage = family level + education + seniority + city        what the position and
               (+ the MBO level's premium)                          the person's schooling pay
             + person effect + employer effect                    the AKM decomposition
             + log collective index of the year                   cao wage growth, 1 January
             + the person's own raises since entering the market  pay-scale steps, a personal
                                                                    part, premiums at job moves

A position has a wage from its start (or from the window's first month if it started
earlier) and a new one on every 1 January it is still held: truth.wages has one row per
change, so the wage in a month is the position's last row up to that month. The person's
own raises add up along the person's rows in time, across positions:

- every 1 January of a held position: a pay-scale step (wages.step_raise) in the first
  wages.step_years of a career, and a personal part ~ N(0, raise_sd);
- at a job-to-job move: the premium of the year (wages.job_change_premium, more when
  dynamics.job_change_multiplier is above 1) and a match part ~ N(0, match_sd); after a gap
  (reemployment) the match part alone; a promotion changes the seniority premium only;
- at a person's first wage row: the steps of the experience already gathered (a person
  employed when the window opens has had raises before it), with a personal part of
  N(0, raise_sd) per year of that experience.

Person effects come from the block's own stream, employer effects from one stream of the
seed: every block sees the same company at the same effect, whatever the shard count.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.careers import JOB_CHANGE, REEMPLOYMENT, Positions
from synthetic.model import Model, lexsort_ints
from synthetic.people import People

EMPLOYER_EFFECT_STREAM = (0, 1)  # beside the companies' own stream (0, 0)
WAGE_STREAM = 2  # block b draws its wages from SeedSequence(seed, spawn_key=(2, b))


def employer_effects(model: Model, companies: int) -> np.ndarray:
    """One log-wage effect per company, by company index."""
    sc = model.scenario
    rng = np.random.default_rng(np.random.SeedSequence(sc.seed, spawn_key=EMPLOYER_EFFECT_STREAM))
    return rng.normal(0.0, sc.wages.employer_effect_sd, companies)


def wage_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(WAGE_STREAM, block)))


def log_collective_index(model: Model) -> np.ndarray:
    """The log of the collective wage index in each month [T]: 0 in the reference year.

    The raise of year y is paid from 1 January of y, so the index of y is the one of y - 1
    times (1 + collective_raise[y]).
    """
    w = model.scenario.wages
    years = model.scenario.timeline.years
    growth = np.log1p(np.array([w.collective_raise[y] for y in years]))
    cumulative = np.cumsum(growth)
    by_year = cumulative - cumulative[years.index(w.reference_year)]
    return by_year[model.month_year - years[0]]


def job_change_premium(model: Model) -> np.ndarray:
    """The log-wage premium of a job-to-job move starting in each month [T]."""
    w = model.scenario.wages
    return np.maximum(0.0, w.job_change_premium + w.job_change_premium_tightness * (model.job_change_multiplier - 1.0))


@dataclass
class WageRows:
    """The wage changes of a block, sorted by person and month."""

    position: np.ndarray  # row of the block's positions
    t: np.ndarray  # month index the wage is paid from
    monthly_wage: np.ndarray


def draw_wages(
    model: Model, rng: np.random.Generator, people: People, positions: Positions, employer_effect: np.ndarray
) -> WageRows:
    w = model.scenario.wages
    months = model.months
    # Rows: each position's first month in the window, then every 1 January inside it.
    start = np.maximum(positions.start_t, 0)
    end = np.where(positions.end_t < 0, months, positions.end_t)
    offset = model.scenario.timeline.start_date.month - 1  # month t is January when (offset + t) % 12 == 0
    first_january = (offset + start) // 12 + 1  # counted in years since the window's first year
    last_january = (offset + end - 1) // 12
    counts = np.where(end > start, 1 + np.maximum(last_january - first_january + 1, 0), 0)
    position = np.repeat(np.arange(positions.person.size), counts)
    nth = np.arange(position.size) - np.repeat(np.cumsum(counts) - counts, counts)  # 0 = the position's start
    opens = nth == 0
    t = np.where(opens, start[position], 12 * (first_january[position] + nth - 1) - offset)
    person = positions.person[position]

    # Draws: one person effect and one experience draw per person, then one per row.
    person_effect = rng.normal(0.0, w.person_effect_sd, len(people))
    experience_draw = rng.normal(0.0, 1.0, len(people))
    row_draw = rng.normal(0.0, 1.0, position.size)

    experience_years = np.maximum(t - people.graduation_t[person], 0) / 12.0
    stepping = experience_years < w.step_years
    reason = positions.reason[position]
    own_raise = np.where(
        opens,
        np.where(reason == JOB_CHANGE, job_change_premium(model)[t] + w.match_sd * row_draw,
                 np.where(reason == REEMPLOYMENT, w.match_sd * row_draw, 0.0)),
        w.step_raise * stepping + w.raise_sd * row_draw,
    )
    first_of_person = np.ones(position.size, dtype=bool)
    first_of_person[1:] = person[1:] != person[:-1]
    years_before = experience_years[first_of_person]
    own_raise[first_of_person] += w.step_raise * np.minimum(years_before, w.step_years) + w.raise_sd * np.sqrt(
        years_before
    ) * experience_draw[person[first_of_person]]
    # The raises add up along each person's rows (rows are in person and time order).
    running = np.cumsum(own_raise)
    group_start = np.maximum.accumulate(np.where(first_of_person, np.arange(position.size), 0))
    accumulated = running - running[group_start] + own_raise[group_start]

    family = model.occupation_family[positions.occupation[position]]
    log_wage = (
        model.wage_family_level[family]
        + model.wage_education_premium[people.level[person]]
        + model.mbo_wage_premium[people.mbo_level[person]]
        + model.wage_seniority_premium[positions.seniority[position]]
        + model.wage_city_premium[positions.city[position]]
        + person_effect[person]
        + employer_effect[positions.company[position]]
        + log_collective_index(model)[t]
        + accumulated
    )
    return WageRows(position=position, t=t, monthly_wage=np.round(np.exp(log_wage), 2))


def position_held(positions: Positions, person: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The row of the position each person holds in month t, or -1 for none.

    A person holds one position at a time and rows are in person and start order, so the
    candidate is the person's last position started by t; it is held when it has not ended.
    """
    low = min(int(positions.start_t.min(initial=0)), int(t.min(initial=0)))
    span = max(int(positions.start_t.max(initial=0)), int(t.max(initial=0))) - low + 1
    key = positions.person.astype(np.int64) * span + (positions.start_t - low)
    row = np.searchsorted(key, person.astype(np.int64) * span + (t - low), side="right") - 1
    found = row >= 0
    row = np.where(found, row, 0)
    held = (
        found
        & (positions.person[row] == person)
        & ((positions.end_t[row] < 0) | (positions.end_t[row] > t))
    )
    return np.where(held, row, -1)


@dataclass
class SalaryReports:
    """Pay members report to the platform, sorted by position and month."""

    position: np.ndarray  # row of the block's positions: the job reported on
    t: np.ndarray  # month of the report
    yearly_salary: np.ndarray  # euros, rounded


def draw_salary_reports(
    model: Model,
    rng: np.random.Generator,
    people: People,
    positions: Positions,
    is_member: np.ndarray,
    join_t: np.ndarray,
    wages: WageRows,
) -> SalaryReports:
    """Reports of the pay of a position, while its holder is a member.

    A position held for m months as a member gets Poisson(yearly_share x level factor x m / 12)
    reports in months drawn uniformly over those months. Each report is followed, with chance
    update_share, by an update twelve months later when the member then holds a job (the
    platform asks a year after a report; the update is of the job held then, another one
    after a move), and an update can be followed by the next. A report gives 12 times the
    monthly wage then in effect, or, with chance stale_share, the one the position started at
    (or had when the window opened), rounded to `rounding` euros. Drawn from the block's wage
    stream after the wages: no other table changes with them.
    """
    rep = model.scenario.platform.salary_reports
    person = positions.person
    start = np.maximum(np.maximum(positions.start_t, 0), join_t[person])
    end = np.where(positions.end_t < 0, model.months, positions.end_t)
    months = np.where(is_member[person], np.maximum(end - start, 0), 0)
    factor = np.array([rep.level_factor[level] for level in model.levels])[people.level[person]]
    counts = rng.poisson(rep.yearly_share * factor * months / 12.0)
    position = np.repeat(np.arange(person.size), counts)
    t = start[position] + np.floor(rng.random(position.size) * months[position]).astype(np.int64)
    # Updates, a year at a time: the reports of one round that are answered a year later by
    # members holding a job then make the next round (at most one round per year of the window).
    round_position, round_t = position, t
    parts_position, parts_t = [position], [t]
    while round_position.size:
        answered = rng.random(round_position.size) < rep.update_share
        next_t = round_t[answered] + 12
        later = next_t < model.months
        next_t = next_t[later]
        held = position_held(positions, person[round_position[answered][later]], next_t)
        round_position, round_t = held[held >= 0], next_t[held >= 0]
        parts_position.append(round_position)
        parts_t.append(round_t)
    position, t = np.concatenate(parts_position), np.concatenate(parts_t)
    order = lexsort_ints((t, position))
    position, t = position[order], t[order]
    # The wage in effect in month t: the position's last wage row up to t (rows are in position
    # and month order, so one search on (position, month) finds it); a stale report gives the
    # position's first row.
    key = wages.position * (model.months + 1) + wages.t
    row = np.searchsorted(key, position * (model.months + 1) + t, side="right") - 1
    first_row = np.searchsorted(wages.position, position, side="left")
    row = np.where(rng.random(position.size) < rep.stale_share, first_row, row)
    # Half up (not numpy's half to even): the rule a reader would apply.
    yearly = np.floor(12.0 * wages.monthly_wage[row] / rep.rounding + 0.5) * rep.rounding
    return SalaryReports(position=position, t=t, yearly_salary=yearly.astype(np.int64))
