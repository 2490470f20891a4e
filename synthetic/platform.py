"""The platform's view: who is a member, when positions reach the profile, which skills.

- Membership: chance by education level times a factor per occupation family (the
  white-collar skew) and a factor per city of the person's school (a regional skew),
  capped at 1. Members join in the year the adoption curve gives, never more than a
  year before graduating.
- Reporting: a position that starts after joining reaches the profile after a lag
  drawn from the lag distribution; a share of them is never reported. Positions held
  before joining are filled in on the day of joining. Whatever is not reported by the
  end of the timeline is invisible, and an end date is only known once a later
  position was reported (until then the old job still shows as current), or, if the
  scenario sets ``reported_end_share``, once the member closed the position.
- Skills: each member adds a Poisson number of skills a year (mean from the scenario,
  pro rata for the months since joining), from the skills of the member's
  occupation family, each skill at most once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.careers import Positions
from synthetic.model import Model, categorical, lexsort_ints
from synthetic.people import People

MEMBER_ID_MULTIPLIER = 2654435761  # odd, so person_id -> member_id is a bijection mod 2**32
EARLY_ADOPTER_MONTHS = 36  # members of the first adoption year may have joined up to 3 years earlier
JOIN_BEFORE_GRADUATION_MONTHS = 12


def member_ids(person_id: np.ndarray) -> np.ndarray:
    """Opaque platform identifiers, distinct from person ids but stable for a seed."""
    return (person_id.astype(np.uint64) * np.uint64(MEMBER_ID_MULTIPLIER)) % np.uint64(2**32)


@dataclass
class Membership:
    is_member: np.ndarray
    join_t: np.ndarray  # month index of joining (meaningful for members only)


def draw_membership(model: Model, rng, people: People) -> Membership:
    n = len(people)
    # Membership is drawn from the person alone (no positions): the school is where they come from.
    city_factor = model.membership_city_factor[model.institution_city[people.institution]]
    level_and_family = model.membership_by_level[people.level] * model.membership_family_factor[people.family]
    p = np.minimum(level_and_family * city_factor, 1.0)
    is_member = rng.random(n) < p
    year_idx = np.searchsorted(model.adoption_cdf, rng.random(n), side="right").clip(0, len(model.adoption_cdf) - 1)
    month_in_year = rng.integers(0, 12, n)
    first_year = year_idx == 0
    join_t = np.where(first_year, rng.integers(-EARLY_ADOPTER_MONTHS, 12, n), year_idx * 12 + month_in_year)
    join_t = np.maximum(join_t, people.graduation_t - JOIN_BEFORE_GRADUATION_MONTHS)
    # Someone who retires before the drawn join month never joins.
    is_member &= join_t < people.retirement_t
    # People who only enter after the timeline's end cannot have joined within it.
    is_member &= join_t <= model.months - 1
    return Membership(is_member=is_member, join_t=join_t)


@dataclass
class ReportedPositions:
    rows: np.ndarray  # indices into Positions of the visible ones
    reported_t: np.ndarray
    end_t: np.ndarray  # -1 where the end is not (yet) visible


def observe_positions(model: Model, rng, positions: Positions, membership: Membership) -> ReportedPositions:
    pf = model.scenario.platform
    T = model.months
    member = membership.is_member[positions.person]
    join = membership.join_t[positions.person]
    k = positions.person.size
    lag = model.reporting_lag_values[categorical(rng, model.reporting_lag_probs, k)]
    after_join = positions.start_t >= join
    reported_t = np.where(after_join, positions.start_t + lag, join)
    never = after_join & (rng.random(k) < pf.unreported_change_share)
    visible = member & ~never & (reported_t <= T - 1)
    closed = _closed_by_member(model, rng, positions, join)

    # End known iff a later position of the same person is visible (rows are sorted by
    # person, start), or the member closed the position.
    rows = np.flatnonzero(visible)
    person = positions.person[rows]
    later_visible = np.append(person[1:] == person[:-1], False)
    end_t = np.where(later_visible | closed[rows], positions.end_t[rows], -1)
    return ReportedPositions(rows=rows, reported_t=reported_t[rows], end_t=end_t)


def _closed_by_member(model: Model, rng, positions: Positions, join: np.ndarray) -> np.ndarray:
    """Positions whose end the member put on the profile by the end of the timeline.

    Drawn only when the scenario sets ``reported_end_share``: scenarios without it keep
    the random streams (and so the data) they had before the knob existed.
    """
    share, k, T = model.scenario.platform.reported_end_share, positions.person.size, model.months
    if share is None:
        return np.zeros(k, dtype=bool)
    closes = rng.random(k) < share
    end_lag = model.reporting_lag_values[categorical(rng, model.reporting_lag_probs, k)]
    # An end before joining is filled in at sign-up, like the position itself.
    end_seen_t = np.maximum(positions.end_t + end_lag, join)
    return closes & (positions.end_t >= 0) & (end_seen_t <= T - 1)


@dataclass
class MemberSkills:
    person: np.ndarray  # index into People
    skill: np.ndarray
    added_t: np.ndarray


def draw_member_skills(
    model: Model, rng, people: People, membership: Membership, leaves_t: np.ndarray
) -> MemberSkills:
    T, years = model.months, model.scenario.timeline.years
    members = np.flatnonzero(membership.is_member)
    year_start = np.arange(len(years)) * 12 - (int(model.scenario.timeline.start[5:]) - 1)
    # Active months on the platform per member and timeline year, from joining until the
    # member leaves the labour market (``leaves_t``: retirement, or an early exit before it; a
    # member out of it for good adds no skills): what a member-month denominator counts.
    shape = (members.size, len(years))
    lo = np.maximum(np.broadcast_to(np.maximum(year_start, 0), shape), membership.join_t[members, None])
    hi = np.minimum(np.broadcast_to(np.minimum(year_start + 12, T), shape), leaves_t[members, None])
    months_on = np.clip(hi - lo, 0, 12)
    counts = rng.poisson(model.skills_per_member_year[None, :] * months_on / 12.0)
    member_row, year = np.nonzero(counts)
    n_events = counts[member_row, year]
    # Event month: uniform inside the member's months of that year; events in time order.
    ev_member = np.repeat(member_row, n_events)
    ev_lo = np.repeat(lo[member_row, year], n_events)
    ev_span = np.repeat(months_on[member_row, year], n_events)
    ev_t = ev_lo + np.floor(rng.random(ev_member.size) * ev_span).astype(np.int64)
    order = lexsort_ints((ev_t, ev_member))
    ev_member, ev_t = ev_member[order], ev_t[order]
    # k-th skill of a member = family skill list at (offset + k): never the same skill twice.
    first = np.concatenate([[True], ev_member[1:] != ev_member[:-1]]) if ev_member.size else np.empty(0, bool)
    run_start = np.maximum.accumulate(np.where(first, np.arange(ev_member.size), 0)) if ev_member.size else first
    k = np.arange(ev_member.size) - run_start
    fam = people.family[members[ev_member]]
    ptr, size = model.family_skill_ptr[fam], np.diff(model.family_skill_ptr)[fam]
    offset = rng.integers(0, 1 << 30, members.size)[ev_member]
    keep = k < size
    skill = model.family_skill_idx[ptr + (offset + k) % np.maximum(size, 1)]
    return MemberSkills(person=members[ev_member][keep], skill=skill[keep], added_t=ev_t[keep])
