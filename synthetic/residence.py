"""Where people live: a residence per person and month, beside the workplace of each position.

A person's residence is followed from labour-market entry, or from the timeline's first month
for those already in the labour market then. It starts in the city of the school, or, for a
person at work when the timeline opens, where a person who moves for that job would live: in
the work city with residence.live_in_work_city (live_in_work_city_young under young_until_age:
the large cities draw the young and lose families to their suburbs), else in the work city's
commuting region. It changes in two ways (scenario section ``residence``):

- A new job out of commuting reach (the residence is neither the work city nor in its
  commuting region) is followed, with relocate_for_distant_job, by a move in the month the job
  starts, drawn as above; the others commute far.
- With move_hazard a month, a person moves without changing jobs: where to live is drawn
  again as above, near the work city (near the residence for a person without work). A draw of
  the city lived in is a move within the municipality, which municipal statistics do not count:
  no move here. So the draw near the work city is also where the employed settle in the long
  run, and the share living in the work city tends to live_in_work_city for their age (1 where
  the city has no region).

Moves stop when the person leaves the labour market (retirement or an early exit); the last
residence is kept. A city's commuting region is Model.commuting_region.

A member's profile shows a location (LinkedIn's talent migration counts where members say they
live): the residence when joining, then, for each later move the member reports
(platform.location_update_share), the residence in the month of the report, a geometric lag
(mean platform.location_update_lag_months) after the move.

The draws come from a stream of the block's own (RESIDENCE_STREAM), so every other table is
the same with or without residences; a block's draws depend on its own people only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.careers import Positions
from synthetic.model import GroupedSampler, Model, lexsort_ints
from synthetic.people import People

RESIDENCE_STREAM = 6  # block b draws its residences from SeedSequence(seed, spawn_key=(6, b))
JOB, MOVE = 0, 1  # the kinds of event that may change a residence, in the order of one month


def residence_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(RESIDENCE_STREAM, block)))


@dataclass
class Residences:
    """Residence spells of a block, sorted by person and start; end_t = -1 for the current one."""

    person: np.ndarray
    city: np.ndarray
    start_t: np.ndarray
    end_t: np.ndarray


@dataclass
class ProfileLocations:
    """The locations members' profiles showed, sorted by person and month set."""

    person: np.ndarray
    city: np.ndarray
    set_t: np.ndarray


class _Destinations:
    """The draws of a residence city from the scenario's geography, one uniform per row."""

    def __init__(self, model: Model) -> None:
        spec = model.scenario.residence
        region = model.commuting_region
        self.has_region = region.sum(axis=1) > 0
        # Rows without a region get a placeholder weight; they are never sampled (has_region).
        self.region = GroupedSampler.from_matrix(np.where(self.has_region[:, None], region, 1.0))
        self.region_weights = region
        self.live_in_work_city = spec.live_in_work_city
        young = spec.live_in_work_city_young
        self.live_in_work_city_young = spec.live_in_work_city if young is None else young
        self.young_until_age = spec.young_until_age

    def in_reach(self, residence: np.ndarray, work: np.ndarray) -> np.ndarray:
        return (residence == work) | (self.region_weights[work, residence] > 0)

    def near(self, work: np.ndarray, u: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Where a person of ``age`` who moves for a job in ``work`` lives."""
        p = np.where(age < self.young_until_age, self.live_in_work_city_young, self.live_in_work_city)
        in_city = (u < p) | ~self.has_region[work]
        scaled = np.clip((u - p) / np.maximum(1.0 - p, 1e-12), 0.0, np.nextafter(1.0, 0.0))
        out = self.region.sample_with(np.where(in_city, 0, work), scaled) if work.size else work
        return np.where(in_city, work, out)

    def move(self, residence: np.ndarray, work: np.ndarray, u: np.ndarray, age: np.ndarray) -> np.ndarray:
        """Where a person lives after a move without a job change: a new draw near the work
        city (work = -1: without work, near the residence). A draw of the residence itself is
        a move within the municipality, which municipal statistics do not count."""
        return self.near(np.where(work >= 0, work, residence), u, age)


def _latest(rows_person: np.ndarray, rows_t: np.ndarray, person: np.ndarray, t: np.ndarray) -> np.ndarray:
    """For each (person, t): the last row of the arrays (sorted by person, then t) of that person
    at or before t, -1 if none."""
    if rows_person.size == 0 or person.size == 0:
        return np.full(person.size, -1, dtype=np.int64)
    low = min(int(rows_t.min()), int(t.min()))
    span = max(int(rows_t.max()), int(t.max())) - low + 1
    row = np.searchsorted(rows_person * span + (rows_t - low), person * span + (t - low), side="right") - 1
    same = rows_person[np.maximum(row, 0)] == person
    return np.where((row >= 0) & same, row, -1)


def _workplace_at(positions: Positions, person: np.ndarray, t: np.ndarray) -> np.ndarray:
    """The city of the position ``person`` holds in month ``t``, -1 if none (one at a time)."""
    row = _latest(positions.person, positions.start_t, person, t)
    held = (row >= 0) & ((positions.end_t[row] < 0) | (positions.end_t[row] > t))
    return np.where(held, positions.city[row], -1)


def _move_months(rng, hazard: float, first: np.ndarray, stop: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Months of moves without a job change: per person i, each month of [first_i, stop_i) with
    chance ``hazard``, drawn as geometric gaps, one round per move for those still inside."""
    rows, months = [np.empty(0, np.int64)], [np.empty(0, np.int64)]
    if hazard <= 0:
        return rows[0], months[0]
    who = np.flatnonzero(first < stop)
    at = first[who] - 1
    while who.size:
        at = at + rng.geometric(hazard, who.size)
        inside = at < stop[who]
        who, at = who[inside], at[inside]
        rows.append(who)
        months.append(at)
    return np.concatenate(rows), np.concatenate(months)


def draw_residences(
    model: Model, rng: np.random.Generator, people: People, positions: Positions, leaves_t: np.ndarray
) -> Residences:
    """Every person's residence spells over the timeline (none for a person out of the labour
    market throughout it). A block's draws depend on its own people and positions only."""
    spec, T, n = model.scenario.residence, model.months, len(people)
    where = _Destinations(model)
    u_initial = rng.random(n)
    u_job = rng.random((2, positions.person.size))
    start = np.maximum(people.graduation_t, 0)
    # Followed while in the labour market during the timeline.
    followed = (people.graduation_t < T) & (np.minimum(leaves_t, T) > start)
    stop = np.where(followed, np.minimum(leaves_t, T), start)

    # The residence at the start: the school's city, or near the job held then.
    residence = model.institution_city[people.institution].copy()
    at_start = _workplace_at(positions, np.arange(n), start)
    held_at_start = followed & (at_start >= 0)
    age_at_start = model.month_year[np.minimum(start, T - 1)] - people.birth_year
    residence[held_at_start] = where.near(
        at_start[held_at_start], u_initial[held_at_start], age_at_start[held_at_start]
    )

    initial = residence.copy()

    # Jobs that may move a residence: a position starting after the residence began (one held
    # then is where it began) in another city than the person's position before.
    person, city = positions.person, positions.city
    new_city = np.append(True, (person[1:] != person[:-1]) | (city[1:] != city[:-1]))
    job_rows = np.flatnonzero(
        new_city & followed[person] & (positions.start_t > start[person]) & (positions.start_t < stop[person])
    )
    move_person, move_t = _move_months(rng, spec.move_hazard, start + 1, stop)
    u_move = rng.random(move_person.size)

    # Events per person in time order (a job before a move in the same month); each round
    # takes every person's next event: the residence an event acts on is the one before it.
    ev_person = np.concatenate([person[job_rows], move_person])
    ev_t = np.concatenate([positions.start_t[job_rows], move_t])
    ev_kind = np.concatenate([np.full(job_rows.size, JOB), np.full(move_person.size, MOVE)])
    ev_work = np.concatenate([city[job_rows], _workplace_at(positions, move_person, move_t)])
    ev_u = np.concatenate([u_job[0, job_rows], np.zeros(move_person.size)])
    ev_v = np.concatenate([u_job[1, job_rows], u_move])
    order = lexsort_ints((ev_kind, ev_t, ev_person))
    ev_person, ev_t, ev_kind, ev_work, ev_u, ev_v = (
        a[order] for a in (ev_person, ev_t, ev_kind, ev_work, ev_u, ev_v)
    )
    ev_age = model.month_year[ev_t] - people.birth_year[ev_person]
    ev_city = np.empty(ev_person.size, dtype=np.int64)
    first_event = np.append(True, ev_person[1:] != ev_person[:-1]) if ev_person.size else np.zeros(0, bool)
    row_number = np.arange(ev_person.size)
    rank = row_number - np.maximum.accumulate(np.where(first_event, row_number, 0))
    by_rank = np.argsort(rank, kind="stable")
    cuts = np.searchsorted(rank[by_rank], np.arange(int(rank.max()) + 2 if rank.size else 1))
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        rows = by_rank[lo:hi]
        who, work, after = ev_person[rows], ev_work[rows], residence[ev_person[rows]].copy()
        is_job = ev_kind[rows] == JOB
        relocates = is_job & (ev_u[rows] < spec.relocate_for_distant_job)
        relocates[relocates] = ~where.in_reach(after[relocates], work[relocates])
        age = ev_age[rows]
        after[relocates] = where.near(work[relocates], ev_v[rows][relocates], age[relocates])
        after[~is_job] = where.move(after[~is_job], work[~is_job], ev_v[rows][~is_job], age[~is_job])
        residence[who] = after
        ev_city[rows] = after

    # Spells: the residence at the start, then each event's; a month's last event counts, and a
    # residence equal to the one before is no move.
    first = np.flatnonzero(followed)
    sp_person = np.concatenate([first, ev_person])
    sp_t = np.concatenate([start[first], ev_t])
    sp_city = np.concatenate([initial[first], ev_city])
    sequence = np.concatenate([np.zeros(first.size), np.arange(1, ev_person.size + 1)])  # the start first
    order = lexsort_ints((sequence, sp_t, sp_person))
    sp_person, sp_t, sp_city = sp_person[order], sp_t[order], sp_city[order]
    last_of_month = np.append((sp_person[1:] != sp_person[:-1]) | (sp_t[1:] != sp_t[:-1]), True)
    sp_person, sp_t, sp_city = sp_person[last_of_month], sp_t[last_of_month], sp_city[last_of_month]
    new_person = np.append(True, sp_person[1:] != sp_person[:-1])
    keep = new_person | np.append(True, sp_city[1:] != sp_city[:-1])
    sp_person, sp_t, sp_city = sp_person[keep], sp_t[keep], sp_city[keep]
    next_same = np.append(sp_person[1:] == sp_person[:-1], False)
    end_t = np.where(next_same, np.append(sp_t[1:], -1), -1)
    return Residences(person=sp_person, city=sp_city, start_t=sp_t, end_t=end_t)


def residence_at(
    people: People, model: Model, residences: Residences, person: np.ndarray, t: np.ndarray
) -> np.ndarray:
    """The city ``person`` lives in in month ``t``: the spell then, the first spell before it
    began, and the school's city for a person never followed."""
    city = model.institution_city[people.institution[person]]
    if residences.person.size == 0:
        return city
    first = np.minimum(np.searchsorted(residences.person, person, side="left"), residences.person.size - 1)
    followed = residences.person[first] == person
    row = _latest(residences.person, residences.start_t, person, t)
    return np.where(followed, residences.city[np.where(row >= 0, row, first)], city)


def observe_locations(
    model: Model,
    rng: np.random.Generator,
    people: People,
    residences: Residences,
    is_member: np.ndarray,
    join_t: np.ndarray,
) -> ProfileLocations:
    """The locations members' profiles showed: the residence when joining, then the residence
    when each reported move was reported. Draws from the residence stream after the residences."""
    platform, T = model.scenario.platform, model.months
    k = residences.person.size
    u_reported = rng.random(k)
    lag = rng.geometric(1.0 / (1.0 + platform.location_update_lag_months), k) - 1
    members = np.flatnonzero(is_member)
    moved = np.append(False, residences.person[1:] == residences.person[:-1])  # a spell after a move
    report_t = residences.start_t + lag
    reported = (
        moved
        & is_member[residences.person]
        & (residences.start_t > join_t[residences.person])
        & (u_reported < platform.location_update_share)
        & (report_t < T)
    )
    person = np.concatenate([members, residences.person[reported]])
    set_t = np.concatenate([join_t[members], report_t[reported]])
    city = residence_at(people, model, residences, person, set_t)
    order = lexsort_ints((set_t, person))
    person, set_t, city = person[order], set_t[order], city[order]
    # One location a month (the residence then), and a report of the location shown is none.
    same_month = np.append((person[1:] == person[:-1]) & (set_t[1:] == set_t[:-1]), False)
    person, set_t, city = person[~same_month], set_t[~same_month], city[~same_month]
    keep = np.append(True, (person[1:] != person[:-1]) | (city[1:] != city[:-1]))
    return ProfileLocations(person=person[keep], city=city[keep], set_t=set_t[keep])
