"""Recruiter searches: recruiters looking for candidates for their open postings.

Drawn after everything else of a block (the marketplace included), so every other table
keeps the random stream, and so the rows, it had before searches existed.

- Each posting gets a Poisson number (``postings.searches_per_posting``) of searches by a
  recruiter of its company, for its occupation, each in a month drawn uniformly between
  the posting's opening and its closing (or OPEN_POSTING_SEARCH_MONTHS after opening while
  it stays open), within the timeline.
- A search filters on skills with the planted share of its year
  (``platform.skill_search_share``, a logistic rise over the years). A filtering search
  uses FILTER_SKILLS (1 to 3, uniformly) distinct skills the posting requires, all of them
  if it requires fewer; for a posting that requires none, skills of its occupation (the
  skills its postings may require; an occupation without any leaves nothing to filter on).
  Other searches have no skill filter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.model import Model, lexsort_ints
from synthetic.postings import Postings

OPEN_POSTING_SEARCH_MONTHS = 3
FILTER_SKILLS = (1, 3)  # a filtering search names this many skills, inclusive, uniformly


@dataclass
class RecruiterSearches:
    posting: np.ndarray  # index into Postings
    t: np.ndarray  # month index of the search
    filter_offsets: np.ndarray  # search i filters on filter_skill[filter_offsets[i]:filter_offsets[i + 1]]
    filter_skill: np.ndarray  # skill index, sorted by skill name within each search


def skill_pools(model: Model, postings: Postings, posting_row: np.ndarray, posting_skill: np.ndarray):
    """CSR of the skills a search for each posting may filter on: (offsets, skills).

    The posting's required skills; for a posting that requires none, every skill of its
    occupation. ``posting_row`` is sorted (draw_posting_skills emits postings in order).
    """
    n = postings.occupation.size
    required = np.bincount(posting_row, minlength=n)
    bare = np.flatnonzero(required == 0)
    occ_nnz = (model.occupation_skill_prob > 0).sum(axis=1)
    occ_ptr = np.concatenate([[0], np.cumsum(occ_nnz)])
    occ_skill = np.flatnonzero(model.occupation_skill_prob.ravel() > 0) % model.occupation_skill_prob.shape[1]
    counts = occ_nnz[postings.occupation[bare]]
    bare_row = np.repeat(bare, counts)
    within = np.arange(bare_row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    bare_skill = occ_skill[occ_ptr[postings.occupation[bare_row]] + within]
    rows = np.concatenate([posting_row, bare_row])
    skills = np.concatenate([posting_skill, bare_skill])
    order = np.argsort(rows, kind="stable")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))])
    return offsets, skills[order]


def _order_by_key_within(group: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``np.lexsort((key, group))`` for a sorted integer ``group`` and float keys in [0, 1).

    One stable sort of ``group + key``: rounding keeps the order of the keys within a
    group, and a group's values never pass the next group's. Only two keys of a group
    that round to one value could be ordered differently; then lexsort decides.
    """
    combined = group + key
    order = np.argsort(combined, kind="stable")
    ordered, ordered_group = combined[order], group[order]
    if np.any((ordered[1:] == ordered[:-1]) & (ordered_group[1:] == ordered_group[:-1])):
        return np.lexsort((key, group))
    return order


def draw_recruiter_searches(
    model: Model, rng, postings: Postings, posting_row: np.ndarray, posting_skill: np.ndarray
) -> RecruiterSearches:
    sc = model.scenario
    T = model.months
    n_searches = rng.poisson(sc.postings.searches_per_posting, postings.occupation.size)
    posting = np.repeat(np.arange(postings.occupation.size), n_searches)
    last = np.where(postings.closed_t >= 0, postings.closed_t, postings.opened_t + OPEN_POSTING_SEARCH_MONTHS)
    first = postings.opened_t[posting]
    span = np.minimum(last[posting], T - 1) - first + 1
    t = first + np.floor(rng.random(posting.size) * span).astype(np.int64)

    years = sc.timeline.years
    share = np.array(list(sc.platform.skill_search_share.by_year(years).values()))
    filtering = np.flatnonzero(rng.random(posting.size) < share[model.month_year[t] - years[0]])
    wanted = rng.integers(FILTER_SKILLS[0], FILTER_SKILLS[1] + 1, filtering.size)

    # Every candidate skill of each filtering search gets a random key; the search keeps
    # the ``wanted`` candidates with the smallest keys: a uniform draw without replacement.
    pool_offsets, pool_skill = skill_pools(model, postings, posting_row, posting_skill)
    pool_size = np.diff(pool_offsets)[posting[filtering]]
    search = np.repeat(np.arange(filtering.size), pool_size)
    within = np.arange(search.size) - np.repeat(np.cumsum(pool_size) - pool_size, pool_size)
    candidate = pool_skill[pool_offsets[posting[filtering]][search] + within]
    order = _order_by_key_within(search, rng.random(search.size))
    search, candidate = search[order], candidate[order]
    rank = np.arange(search.size) - np.repeat(np.cumsum(pool_size) - pool_size, pool_size)
    keep = rank < wanted[search]
    search, candidate = filtering[search[keep]], candidate[keep]

    # Within a search, skills in alphabetical order: the list reads the same whatever the draw order.
    name_rank = np.argsort(np.argsort(np.array(model.skills, dtype=object)))
    order = lexsort_ints((name_rank[candidate], search))
    offsets = np.concatenate([[0], np.cumsum(np.bincount(search, minlength=posting.size))])
    return RecruiterSearches(posting=posting, t=t, filter_offsets=offsets, filter_skill=candidate[order])
