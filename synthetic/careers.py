"""Careers, simulated month by month for all people of a block at once.

State per person: out of the labour market, searching (first job or after a layoff),
or employed at a company in a city with an occupation and seniority. Each month every
employed person faces competing risks drawn from one uniform number: a layoff, an
employer change (hazard = base x macro multiplier of the year x short-tenure factor x
family factor), or a promotion. Searchers find work with their hazard. An employer
change may come with a promotion and with a move to another city, chosen by the
city's pull for the person's occupation family (or a regional move, e.g. Amsterdam to
Almere). Every new job is a position; positions end when the next event starts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.companies import Companies
from synthetic.model import GroupedSampler, Model, categorical
from synthetic.people import People

OUT, SEARCH_FIRST, SEARCH_AGAIN, EMPLOYED, RETIRED = 0, 1, 2, 3, 4
REASONS = ("initial", "first_job", "job_change", "reemployment", "promotion")
INITIAL, FIRST_JOB, JOB_CHANGE, REEMPLOYMENT, PROMOTION = range(5)
SEPARATION = -1  # event code for leaving a job without a new one (layoff, retirement)

INITIAL_UNEMPLOYED_SHARE = 0.04
INITIAL_TENURE_MEAN_MONTHS = 60
MAX_COMPANY_REDRAWS = 8


@dataclass
class Positions:
    """Positions of a block, sorted by person and start; end_t = -1 for current ones."""

    person: np.ndarray  # index into the block's People
    start_t: np.ndarray
    end_t: np.ndarray
    company: np.ndarray
    city: np.ndarray
    occupation: np.ndarray
    seniority: np.ndarray
    reason: np.ndarray


class _Events:
    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, person, t, company, city, occupation, seniority, reason) -> None:
        if person.size:
            k = person.size
            self.parts.append(
                (
                    person,
                    np.broadcast_to(np.asarray(t, dtype=np.int64), k),
                    company,
                    city,
                    occupation,
                    seniority,
                    np.full(k, reason, dtype=np.int64),
                )
            )

    def arrays(self) -> list[np.ndarray]:
        return [np.concatenate([p[i] for p in self.parts]) for i in range(7)]


class _CityChooser:
    """Destination city for a mover or a first job, by pull for the occupation family."""

    def __init__(self, model: Model) -> None:
        C, F = len(model.cities), len(model.families)
        pull = model.city_population[None, :] * model.attractiveness  # [F, C]
        # National move: any other city, by pull. group = family * C + origin
        national = np.repeat(pull, C, axis=0).reshape(F, C, C)
        national[:, np.arange(C), np.arange(C)] = 0.0
        self.national = GroupedSampler.from_matrix(national.reshape(F * C, C))
        self.anywhere = GroupedSampler.from_matrix(pull)  # group = family
        self.by_population = GroupedSampler.from_matrix(model.city_population[None, :])  # group 0
        has_local = model.local_destinations.sum(axis=1) > 0
        local = np.where(has_local[:, None], model.local_destinations, 1.0)
        self.local = GroupedSampler.from_matrix(local)  # group = origin
        self.local_share = np.where(has_local, model.local_share, 0.0)
        self.C = C

    def move(self, rng, origin: np.ndarray, family: np.ndarray) -> np.ndarray:
        regional = rng.random(origin.size) < self.local_share[origin]
        national = self.national.sample(rng, family * self.C + origin)
        local = self.local.sample(rng, origin)
        return np.where(regional, local, national)

    def anywhere_for(self, rng, family: np.ndarray) -> np.ndarray:
        return self.anywhere.sample(rng, family)

    def by_population_only(self, rng, size: int) -> np.ndarray:
        return self.by_population.sample(rng, np.zeros(size, dtype=np.int64))


def _pick_company(rng, companies: Companies, city, family, n_families: int, avoid=None) -> tuple[np.ndarray, np.ndarray]:
    """Company per row in the row's city; returns (company, ok). ok=False if only `avoid` was available."""
    groups = city * n_families + family
    company = companies.by_city_family.sample(rng, groups)
    ok = np.ones(company.size, dtype=bool)
    if avoid is not None:
        clash = company == avoid
        for _ in range(MAX_COMPANY_REDRAWS):
            if not clash.any():
                break
            company[clash] = companies.by_city_family.sample(rng, groups[clash])
            clash = company == avoid
        ok = ~clash
    return company, ok


def simulate_careers(model: Model, rng: np.random.Generator, people: People, companies: Companies) -> Positions:
    sc, dyn = model.scenario, model.scenario.dynamics
    n, T, F = len(people), model.months, len(model.families)
    chooser = _CityChooser(model)
    events = _Events()
    separations: list[tuple[np.ndarray, int]] = []

    state = np.full(n, OUT, dtype=np.int64)
    company = np.full(n, -1, dtype=np.int64)
    city = model.institution_city[people.institution].copy()
    seniority = np.zeros(n, dtype=np.int64)
    employer_since = np.zeros(n, dtype=np.int64)
    family, occupation = people.family, people.occupation
    promo_factor = model.level_promotion_factor[people.level]
    change_factor = model.family_job_change[family]

    # --- the world at the start of the timeline ------------------------------------
    active = (people.graduation_t < 0) & (people.retirement_t > 0)
    elapsed = -people.graduation_t
    first_job_after = rng.geometric(people.first_job_hazard) - 1
    working = active & (first_job_after < elapsed) & (rng.random(n) >= INITIAL_UNEMPLOYED_SHARE)
    state[active & (first_job_after >= elapsed)] = SEARCH_FIRST
    state[active & (first_job_after < elapsed) & ~working] = SEARCH_AGAIN
    idx = np.flatnonzero(working)
    experience = elapsed[idx] - first_job_after[idx]
    tenure = np.minimum(experience, rng.geometric(1 / INITIAL_TENURE_MEAN_MONTHS, idx.size))
    years = experience / 12
    manager = rng.random(idx.size) < 0.35 * promo_factor[idx]
    seniority[idx] = np.select([years < 3, years < 8, (years >= 15) & manager], [0, 1, 3], default=2)
    # The workforce of the first month is spread by population: the pull of cities is what
    # the simulated years then act on, so the planted attractiveness shows up as net flows.
    stays = rng.random(idx.size) < dyn.first_job_in_school_city
    city[idx] = np.where(stays, city[idx], chooser.by_population_only(rng, idx.size))
    company[idx], _ = _pick_company(rng, companies, city[idx], family[idx], F)
    employer_since[idx] = -np.maximum(tenure, 1)
    state[idx] = EMPLOYED
    events.add(idx, employer_since[idx], company[idx], city[idx], occupation[idx], seniority[idx], INITIAL)

    short_tenure = dyn.short_tenure_months
    for t in range(T):
        # Every transition this month is decided on the state at the start of the month.
        u = rng.random(n)
        employed = state == EMPLOYED
        search_first = state == SEARCH_FIRST
        search_again = state == SEARCH_AGAIN

        retiring = people.retirement_t == t
        left = np.flatnonzero(retiring & employed)
        if left.size:
            separations.append((left, t))
        state[retiring] = RETIRED
        employed &= ~retiring
        search_first &= ~retiring
        search_again &= ~retiring

        p_layoff = dyn.layoff_hazard
        tenure = t - employer_since
        p_change = (
            dyn.job_change_hazard
            * model.job_change_multiplier[t]
            * np.where(tenure < short_tenure, dyn.short_tenure_factor, 1.0)
            * change_factor
        )
        p_promo = model.promotion_hazard[seniority] * promo_factor
        laid_off = employed & (u < p_layoff)
        changing = employed & (u >= p_layoff) & (u < p_layoff + p_change)
        promoted = employed & (u >= p_layoff + p_change) & (u < p_layoff + p_change + p_promo)
        # Graduates of this month start searching; their first job can start this month.
        graduating = (people.graduation_t == t) & (state == OUT)
        state[graduating] = SEARCH_FIRST
        found_first = (search_first | graduating) & (u < people.first_job_hazard)
        found_again = search_again & (u < dyn.reemployment_hazard)

        # Layoffs: the position ends, the person searches again from next month.
        idx = np.flatnonzero(laid_off)
        if idx.size:
            separations.append((idx, t))
            state[idx] = SEARCH_AGAIN
            company[idx] = -1

        # Employer changes, possibly with a promotion and a move.
        idx = np.flatnonzero(changing)
        if idx.size:
            moving = rng.random(idx.size) < dyn.move_on_change
            new_city = np.where(moving, chooser.move(rng, city[idx], family[idx]), city[idx])
            new_company, ok = _pick_company(rng, companies, new_city, family[idx], F, avoid=company[idx])
            idx, new_city, new_company = idx[ok], new_city[ok], new_company[ok]
            up = rng.random(idx.size) < dyn.promotion_on_change
            seniority[idx] = np.minimum(seniority[idx] + up, 3)
            city[idx], company[idx], employer_since[idx] = new_city, new_company, t
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], JOB_CHANGE)

        # Promotions at the same employer.
        idx = np.flatnonzero(promoted)
        if idx.size:
            seniority[idx] += 1
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], PROMOTION)

        # First jobs: in the school's city or wherever the family's pull leads.
        idx = np.flatnonzero(found_first)
        if idx.size:
            stays = rng.random(idx.size) < dyn.first_job_in_school_city
            city[idx] = np.where(stays, city[idx], chooser.anywhere_for(rng, family[idx]))
            company[idx], _ = _pick_company(rng, companies, city[idx], family[idx], F)
            seniority[idx], employer_since[idx], state[idx] = 0, t, EMPLOYED
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], FIRST_JOB)

        # Back to work after a gap, possibly elsewhere.
        idx = np.flatnonzero(found_again)
        if idx.size:
            moving = rng.random(idx.size) < dyn.move_on_change
            city[idx] = np.where(moving, chooser.move(rng, city[idx], family[idx]), city[idx])
            company[idx], _ = _pick_company(rng, companies, city[idx], family[idx], F)
            employer_since[idx], state[idx] = t, EMPLOYED
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], REEMPLOYMENT)


    return _close_positions(events, separations, n)


def _close_positions(events: _Events, separations, n: int) -> Positions:
    person, start, company, city, occupation, seniority, reason = events.arrays()
    sep_person = np.concatenate([p for p, _ in separations]) if separations else np.empty(0, np.int64)
    sep_t = np.concatenate([np.full(p.size, t) for p, t in separations]) if separations else np.empty(0, np.int64)
    # Interleave starts and separations per person in time; a position ends at the next event.
    all_person = np.concatenate([person, sep_person])
    all_t = np.concatenate([start, sep_t])
    is_start = np.concatenate([np.ones(person.size, bool), np.zeros(sep_person.size, bool)])
    order = np.lexsort((all_t, all_person))
    all_person, all_t, is_start = all_person[order], all_t[order], is_start[order]
    next_same = np.append(all_person[1:] == all_person[:-1], False)
    end = np.where(next_same, np.append(all_t[1:], -1), -1)
    start_rows = order[is_start]  # original index of each start event, in sorted order
    return Positions(
        person=person[start_rows],
        start_t=start[start_rows],
        end_t=end[is_start],
        company=company[start_rows],
        city=city[start_rows],
        occupation=occupation[start_rows],
        seniority=seniority[start_rows],
        reason=reason[start_rows],
    )
