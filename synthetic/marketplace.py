"""The marketplace: who views and applies to postings, and applications off the platform.

Drawn after everything else of a block, so that scenarios without marketplace activity
(views_per_posting = 0) keep the random streams, and so the tables, they had before.

- Views: each posting is viewed by a Poisson number (``views_per_posting``) of members of
  the block in its occupation family, in a month between its opening and its closing (or
  three months after opening while it stays open). A view before the member joined, or
  from the month the member leaves the labour market on (retirement, or an early exit
  before it), is dropped: people out of it for good look for no work. A viewer applies
  with chance ``apply_share``.
- The member hired through a posting viewed it and applied in the month it opened (or,
  for a member who joined later, in the month of joining).
- Truth: every application, with the person, and for every hire that did not go through
  the platform one application at the hiring employer, made off the platform a month
  before the start (or in the start month at the window's edge).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.model import GroupedSampler, Model, lexsort_ints
from synthetic.people import People
from synthetic.platform import Membership
from synthetic.postings import Postings

OPEN_POSTING_VIEW_MONTHS = 3
SKILL_SOURCES = ("self", "endorsed", "assessment", "course")


@dataclass
class PostingEvents:
    person: np.ndarray  # index into the block's People
    posting: np.ndarray  # index into Postings
    applied: np.ndarray  # bool: an application (every application also has a view)
    t: np.ndarray


def draw_posting_events(
    model: Model,
    rng,
    postings: Postings,
    positions,
    people: People,
    membership: Membership,
    leaves_t: np.ndarray,
) -> PostingEvents:
    sc = model.scenario.postings
    family = people.family
    T, F = model.months, len(model.families)
    members = np.flatnonzero(membership.is_member)
    # Members of the block per occupation family, for drawing viewers of a family's postings.
    weights = np.zeros((F, max(members.size, 1)))
    weights[family[members], np.arange(members.size)] = 1.0
    by_family = GroupedSampler.from_matrix(weights) if members.size else None

    posting_family = model.occupation_family[postings.occupation]
    n_views = rng.poisson(sc.views_per_posting, postings.occupation.size)
    if by_family is not None:
        n_views = np.where(by_family.has_items[posting_family], n_views, 0)
    else:
        n_views[:] = 0
    posting = np.repeat(np.arange(postings.occupation.size), n_views)
    viewer = members[by_family.sample(rng, posting_family[posting])] if posting.size else posting
    last = np.where(postings.closed_t >= 0, postings.closed_t, postings.opened_t + OPEN_POSTING_VIEW_MONTHS)
    first = postings.opened_t[posting]
    span = np.minimum(last[posting], T - 1) - first + 1
    t = first + np.floor(rng.random(posting.size) * span).astype(np.int64)
    applied = rng.random(posting.size) < sc.apply_share
    hired_person = np.where(postings.hired_position >= 0, positions.person[np.maximum(postings.hired_position, 0)], -1)
    keep = (membership.join_t[viewer] <= t) & (t < leaves_t[viewer]) & (viewer != hired_person[posting])

    hires = np.flatnonzero(postings.platform_hire)
    person = np.concatenate([viewer[keep], hired_person[hires]])
    posting = np.concatenate([posting[keep], hires])
    applied = np.concatenate([applied[keep], np.ones(hires.size, bool)])
    # The hire's own view and application: when the posting opened, or when the member joined
    # if later (a member is hired through the platform only after joining it).
    hire_t = np.maximum(postings.opened_t[hires], membership.join_t[hired_person[hires]])
    t = np.concatenate([t[keep], hire_t])
    # One view (and at most one application) per member and posting: keep the first draw in
    # time, draw order breaking ties, so that whether a viewer applies stays a chance of
    # apply_share (preferring the draw that applied would raise it).
    order = lexsort_ints((t, posting, person))
    person, posting, applied, t = person[order], posting[order], applied[order], t[order]
    first_of_pair = np.ones(person.size, dtype=bool)  # also right for a block with no events
    first_of_pair[1:] = (person[1:] != person[:-1]) | (posting[1:] != posting[:-1])
    return PostingEvents(person=person[first_of_pair], posting=posting[first_of_pair],
                         applied=applied[first_of_pair], t=t[first_of_pair])


def draw_skill_sources(model: Model, rng, count: int) -> np.ndarray:
    """Source code (index into SKILL_SOURCES) of each skill added to a profile."""
    shares = model.scenario.platform.skill_sources
    if set(shares) == {"self"}:
        return np.zeros(count, dtype=np.int64)  # nothing to draw: streams stay as they were
    p = np.array([shares.get(s, 0.0) for s in SKILL_SOURCES])
    return np.searchsorted(np.cumsum(p), rng.random(count) * p.sum(), side="right").clip(0, len(p) - 1)
