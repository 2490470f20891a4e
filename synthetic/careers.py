"""Careers, simulated month by month for all people of a block at once (and for the
people of several blocks at once, each block drawing from its own random stream).

State per person: out of the labour market (not yet graduated), searching (first job
or after a layoff), employed at a company in a city with an occupation and seniority,
inactive (quit work without searching: care, study, health, a move), out of the labour
force for good before retirement (an early exit: disability, early retirement), or
retired. Each month every employed person faces competing risks drawn from one uniform
number: a layoff, an employer change (hazard = base x macro multiplier of the year x
short-tenure factor x family factor), a promotion, a quit into inactivity, or, from
early_exit_age, an early exit. Searchers find work with their hazard; the inactive return
to work with theirs; those who left early do not return. An employer change may come
with a promotion and with a move to another city, chosen by the city's pull for the
person's occupation family (or a regional move, e.g. Amsterdam to Almere). Every new
job is a position; positions end when the next event starts, and record why they ended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synthetic.companies import Companies
from synthetic.model import GroupedSampler, Model, lexsort_ints
from synthetic.people import People

# INACTIVE: left work and not searching (outside the labour force, ILO); EXITED: the same
# until retirement, never to return; OUT is before graduation. None is unemployment.
OUT, SEARCH_FIRST, SEARCH_AGAIN, EMPLOYED, RETIRED, INACTIVE, EXITED = 0, 1, 2, 3, 4, 5, 6
REASONS = ("initial", "first_job", "job_change", "reemployment", "promotion")
INITIAL, FIRST_JOB, JOB_CHANGE, REEMPLOYMENT, PROMOTION = range(5)
# Why a position ended: the next position starts (an employer change, a promotion) or a
# separation without a new job (a layoff, a quit into inactivity, retirement, an early exit).
END_REASONS = ("job_change", "promotion", "layoff", "quit", "retirement", "early_exit")
ENDED_BY_CHANGE, ENDED_BY_PROMOTION, LAYOFF, QUIT, RETIREMENT, EARLY_EXIT = range(6)
STILL_HELD = -1  # end_reason of a current position
# The end reason a start of the next position gives the one before it (-1: a start that
# never follows a held position without a separation in between).
_END_BY_NEXT_START = np.array([-1, -1, ENDED_BY_CHANGE, -1, ENDED_BY_PROMOTION])

INITIAL_TENURE_MEAN_MONTHS = 60


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
    end_reason: np.ndarray  # END_REASONS code; STILL_HELD for current positions


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
        if not self.parts:  # nobody in the chunk had such an event
            return [np.empty(0, dtype=np.int64) for _ in range(7)]
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
        k = origin.size
        return self.move_with(rng.random(k), rng.random(k), rng.random(k), origin, family)

    def move_with(self, u_regional, u_national, u_local, origin, family) -> np.ndarray:
        """``move`` with its three uniforms per row drawn by the caller, in that order."""
        regional = u_regional < self.local_share[origin]
        national = self.national.sample_with(family * self.C + origin, u_national)
        local = self.local.sample_with(origin, u_local)
        return np.where(regional, local, national)

    def by_population_only(self, rng, size: int) -> np.ndarray:
        return self.by_population.sample(rng, np.zeros(size, dtype=np.int64))


def _pick_company(rng, companies: Companies, city, family, n_families: int) -> np.ndarray:
    """Company per row in the row's city."""
    return companies.by_city_family.sample(rng, city * n_families + family)


class _Streams:
    """The random streams of several blocks, stepped together.

    The people of the blocks are laid end to end (rows ``bounds[b]:bounds[b + 1]`` are
    block b). A block's draws come from its own stream, in the order and sizes they would
    have one block at a time, so a block's careers do not depend on which blocks are
    simulated with it. ``Generator.random(k * c)`` yields the same numbers as k calls of
    ``random(c)``, so the draws of several steps can be taken in one call per block.
    """

    def __init__(self, rngs: list[np.random.Generator], sizes: list[int]) -> None:
        self.rngs = rngs
        self.bounds = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)

    def per_block(self, rows: np.ndarray) -> np.ndarray:
        """How many of the (sorted) ``rows`` fall in each block."""
        return np.diff(np.searchsorted(rows, self.bounds))

    def uniforms(self, counts, steps: int = 1) -> np.ndarray:
        """[steps, sum(counts)]: block b draws ``counts[b]`` numbers per step, step after step."""
        draws = [rng.random(steps * int(c)).reshape(steps, int(c)) for rng, c in zip(self.rngs, counts) if c]
        return np.concatenate(draws, axis=1) if draws else np.empty((steps, 0))


def simulate_careers(
    model: Model, rng: np.random.Generator, people: People, companies: Companies
) -> Positions:
    """The careers of one block."""
    return simulate_careers_blocks(model, [rng], [people], companies)[0]


def _initial_jobs(model: Model, rng, people: People, companies: Companies, chooser: _CityChooser):
    """One block's labour market at the start of the timeline: state per person and the jobs held."""
    dyn, n, F = model.scenario.dynamics, len(people), len(model.families)
    state = np.full(n, OUT, dtype=np.int64)
    company = np.full(n, -1, dtype=np.int64)
    city = model.institution_city[people.institution].copy()
    seniority = np.zeros(n, dtype=np.int64)
    employer_since = np.zeros(n, dtype=np.int64)
    promo_factor = model.level_promotion_factor[people.level]

    active = (people.graduation_t < 0) & (people.retirement_t > 0)
    elapsed = -people.graduation_t
    first_job_after = rng.geometric(people.first_job_hazard) - 1
    working = active & (first_job_after < elapsed) & (rng.random(n) >= dyn.initial_unemployment_rate)
    state[active & (first_job_after >= elapsed)] = SEARCH_FIRST
    state[active & (first_job_after < elapsed) & ~working] = SEARCH_AGAIN
    idx = np.flatnonzero(working)
    experience = elapsed[idx] - first_job_after[idx]
    tenure = np.minimum(experience, rng.geometric(1 / INITIAL_TENURE_MEAN_MONTHS, idx.size))
    years = experience / 12
    manager = rng.random(idx.size) < np.minimum(dyn.initial_manager_share * promo_factor[idx], 1.0)
    seniority[idx] = np.select([years < 3, years < 8, (years >= 15) & manager], [0, 1, 3], default=2)
    # The workforce of the first month is spread by population: the pull of cities is what
    # the simulated years then act on, so the planted attractiveness shows up as net flows.
    stays = rng.random(idx.size) < dyn.first_job_in_school_city
    city[idx] = np.where(stays, city[idx], chooser.by_population_only(rng, idx.size))
    company[idx] = _pick_company(rng, companies, city[idx], people.family[idx], F)
    employer_since[idx] = -np.maximum(tenure, 1)
    state[idx] = EMPLOYED
    return state, company, city, seniority, employer_since, idx


def _rows_by_month(month: np.ndarray, months: int) -> list[np.ndarray]:
    """For each month 0 .. months - 1, the rows (ascending) whose ``month`` it is."""
    order = np.argsort(month, kind="stable")
    cuts = np.searchsorted(month[order], np.arange(months + 1))
    return [order[cuts[t] : cuts[t + 1]] for t in range(months)]


def simulate_careers_blocks(
    model: Model, rngs: list[np.random.Generator], blocks: list[People], companies: Companies
) -> list[Positions]:
    """The careers of several blocks of people, each block drawing from its own stream.

    Stepping many blocks month by month together does the same arithmetic on longer
    arrays: the per-call cost of numpy, which dominates on one block's few thousand
    people, is paid once per month instead of once per block and month.
    """
    dyn = model.scenario.dynamics
    T, F = model.months, len(model.families)
    chooser = _CityChooser(model)
    by_city_family = companies.by_city_family
    streams = _Streams(rngs, [len(p) for p in blocks])
    n = int(streams.bounds[-1])
    events = _Events()
    separations: list[tuple[np.ndarray, int, int]] = []  # (rows, month, END_REASONS code)

    # --- the world at the start of the timeline, block by block ----------------------
    initial = [_initial_jobs(model, rng, p, companies, chooser) for rng, p in zip(rngs, blocks)]
    state, company, city, seniority, employer_since = (
        np.concatenate([b[i] for b in initial]) for i in range(5)
    )
    idx = np.concatenate([b[5] + off for b, off in zip(initial, streams.bounds)])

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(p, name) for p in blocks])

    family, occupation = cat("family"), cat("occupation")
    graduation_t, retirement_t, birth_year = cat("graduation_t"), cat("retirement_t"), cat("birth_year")
    first_job_hazard = cat("first_job_hazard")
    promo_factor = model.level_promotion_factor[cat("level")]
    change_factor = model.family_job_change[family]
    events.add(idx, employer_since[idx], company[idx], city[idx], occupation[idx], seniority[idx], INITIAL)

    short_tenure = dyn.short_tenure_months
    # Who retires, and who graduates, in each month of the timeline (ascending rows).
    retire_at, graduate_at = _rows_by_month(retirement_t, T), _rows_by_month(graduation_t, T)
    # Each person's promotion hazard, kept up to date as seniority changes.
    p_promo = model.promotion_hazard[seniority] * promo_factor
    u = np.empty(n)
    for t in range(T):
        # Every transition this month is decided on the state at the start of the month.
        for rng, lo, hi in zip(streams.rngs, streams.bounds[:-1], streams.bounds[1:]):
            rng.random(out=u[lo:hi])
        employed = state == EMPLOYED
        search_first = state == SEARCH_FIRST
        search_again = state == SEARCH_AGAIN
        inactive = state == INACTIVE

        retiring = retire_at[t]
        left = retiring[employed[retiring]]
        if left.size:
            separations.append((left, t, RETIREMENT))
        state[retiring] = RETIRED
        employed[retiring] = search_first[retiring] = search_again[retiring] = inactive[retiring] = False

        # p_change = job_change_hazard x multiplier of the year x short-tenure factor (1 after
        # short_tenure months) x family factor; p_layoff = layoff_hazard x the year's layoff
        # multiplier. The layoff + change threshold takes one of two values per person, which
        # change only with the year.
        # The one uniform u splits [0, 1) into the competing risks of the employed, in this
        # order: layoff, employer change, promotion, quit into inactivity (quit_hazard x the
        # year's quit multiplier), early exit (from early_exit_age), and no event above. The
        # quit and the exit come last so that the risks before them keep the thresholds they
        # had before they existed.
        # The same u decides a searcher's job finding and an inactive person's return: a
        # person is in one state at a time.
        if t == 0 or model.month_year[t] != model.month_year[t - 1]:
            p_layoff = dyn.layoff_hazard * model.layoff_multiplier[t]
            p_reemployment = dyn.reemployment_hazard * model.reemployment_multiplier[t]
            p_quit = dyn.quit_hazard * model.quit_multiplier[t]
            # Returns follow the job-finding cycle of the unemployed (reemployment_multiplier).
            p_return = dyn.return_hazard * model.reemployment_multiplier[t]
            rate = dyn.job_change_hazard * model.job_change_multiplier[t]
            change_short = p_layoff + (rate * dyn.short_tenure_factor) * change_factor
            change_long = p_layoff + rate * change_factor
            # From the year a person turns early_exit_age: the chance of leaving for good.
            p_exit = np.where(model.month_year[t] - birth_year >= dyn.early_exit_age, dyn.early_exit_hazard, 0.0)
        short = employer_since > t - short_tenure  # tenure below short_tenure months
        up_to_change = np.where(short, change_short, change_long)
        below_layoff = u < p_layoff
        below_change = u < up_to_change
        up_to_promo = up_to_change + p_promo
        below_promo = u < up_to_promo
        laid_off = employed & below_layoff
        changing = employed & below_change & ~below_layoff
        promoted = employed & below_promo & ~below_change
        below_quit = u < up_to_promo + p_quit
        quitting = employed & below_quit & ~below_promo
        exiting = employed & (u < up_to_promo + p_quit + p_exit) & ~below_quit
        # Graduates of this month start searching; their first job can start this month.
        graduating = graduate_at[t][state[graduate_at[t]] == OUT]
        state[graduating] = SEARCH_FIRST
        search_first[graduating] = True
        found_first = search_first & (u < first_job_hazard)
        found_again = search_again & (u < p_reemployment)
        # The inactive go back to work directly, not through a spell of search. An assumption:
        # such a return is mostly planned (a care period or a study ends, a move is made) and
        # the job found before it starts, and the ILO counts people as unemployed only while
        # they search. It also keeps the truth free of a table of state spells: an inactive
        # spell is the gap after a position that ended in a quit (truth.positions.end_reason),
        # until the next position or retirement.
        returning = inactive & (u < p_return)

        # Layoffs: the position ends, the person searches again from next month.
        idx = np.flatnonzero(laid_off)
        if idx.size:
            separations.append((idx, t, LAYOFF))
            state[idx] = SEARCH_AGAIN
            company[idx] = -1

        # Quits into inactivity: the position ends, the person neither works nor searches
        # from next month; the city stays that of the last job.
        idx = np.flatnonzero(quitting)
        if idx.size:
            separations.append((idx, t, QUIT))
            state[idx] = INACTIVE
            company[idx] = -1

        # Early exits: the position ends, and the person is out of the labour force until
        # retirement.
        idx = np.flatnonzero(exiting)
        if idx.size:
            separations.append((idx, t, EARLY_EXIT))
            state[idx] = EXITED
            company[idx] = -1

        # Employer changes, possibly with a promotion and a move. Per changer, in stream
        # order: move?, regional?, national city, local city, company, then redraws of a
        # company that is the current employer, and the promotion draw of those who moved on.
        idx = np.flatnonzero(changing)
        moving, u_regional, u_national, u_local, u_company = streams.uniforms(streams.per_block(idx), 5)
        moving = moving < dyn.move_on_change
        moved = chooser.move_with(u_regional, u_national, u_local, city[idx], family[idx])
        new_city = np.where(moving, moved, city[idx])
        groups = new_city * F + family[idx]
        # Another employer than the one left: drawn from the group without it. A changer whose
        # city and family have no other employer does not change.
        new_company = by_city_family.sample_excluding(groups, u_company, company[idx])
        ok = new_company >= 0
        idx, new_city, new_company = idx[ok], new_city[ok], new_company[ok]

        # The rest of the month's draws, one call per block: the changers' promotions,
        # then three per first job, then five per return to work (after a layoff or from
        # inactivity: both are a new job after a gap, drawn alike, in row order).
        first = np.flatnonzero(found_first)
        back = np.flatnonzero(found_again | returning)
        n_up, n_first, n_back = streams.per_block(idx), streams.per_block(first), streams.per_block(back)
        u_up, u_first, u_back = [], [], []
        for rng, a, b, c in zip(streams.rngs, n_up, n_first, n_back):
            r = rng.random(int(a + 3 * b + 5 * c))
            u_up.append(r[:a])
            u_first.append(r[a : a + 3 * b].reshape(3, b))
            u_back.append(r[a + 3 * b :].reshape(5, c))
        u_up = np.concatenate(u_up)
        u_first, u_back = np.concatenate(u_first, axis=1), np.concatenate(u_back, axis=1)

        # A junior or medior changer steps up with chance promotion_on_change; a senior moves
        # as a senior (management comes with promotion_hazard, from within); a manager stays
        # a manager at the new employer with chance manager_on_change and otherwise joins as a
        # senior. One draw serves all three: a changer holds one seniority.
        up = u_up < dyn.promotion_on_change
        manager = seniority[idx] == 3
        stays_manager = u_up < dyn.manager_on_change
        seniority[idx] = np.where(manager, np.where(stays_manager, 3, 2), np.minimum(seniority[idx] + up, 2))
        p_promo[idx] = model.promotion_hazard[seniority[idx]] * promo_factor[idx]
        city[idx], company[idx], employer_since[idx] = new_city, new_company, t
        events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], JOB_CHANGE)

        # Promotions at the same employer.
        idx = np.flatnonzero(promoted)
        if idx.size:
            seniority[idx] += 1
            p_promo[idx] = model.promotion_hazard[seniority[idx]] * promo_factor[idx]
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], PROMOTION)

        # First jobs: in the school's city or wherever the family's pull leads.
        idx = first
        if idx.size:
            stays = u_first[0] < dyn.first_job_in_school_city
            city[idx] = np.where(stays, city[idx], chooser.anywhere.sample_with(family[idx], u_first[1]))
            company[idx] = by_city_family.sample_with(city[idx] * F + family[idx], u_first[2])
            seniority[idx], employer_since[idx], state[idx] = 0, t, EMPLOYED
            p_promo[idx] = model.promotion_hazard[0] * promo_factor[idx]
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], FIRST_JOB)

        # Back to work after a gap (unemployment or inactivity), possibly elsewhere.
        idx = back
        if idx.size:
            moving = u_back[0] < dyn.move_on_change
            moved = chooser.move_with(u_back[1], u_back[2], u_back[3], city[idx], family[idx])
            city[idx] = np.where(moving, moved, city[idx])
            company[idx] = by_city_family.sample_with(city[idx] * F + family[idx], u_back[4])
            employer_since[idx], state[idx] = t, EMPLOYED
            events.add(idx, t, company[idx], city[idx], occupation[idx], seniority[idx], REEMPLOYMENT)

    positions = _close_positions(events, separations, n)
    # Split by block: rows are sorted by person, and a block's people are one run of rows.
    cuts = np.searchsorted(positions.person, streams.bounds)
    return [
        Positions(
            **{
                name: (values[lo:hi] - off if name == "person" else values[lo:hi])
                for name, values in vars(positions).items()
            }
        )
        for lo, hi, off in zip(cuts[:-1], cuts[1:], streams.bounds[:-1])
    ]


def leaves_market_t(people: People, positions: Positions) -> np.ndarray:
    """Per person of the block, the month they leave the labour market for good: the end of a
    position that ended in an early exit, else retirement. From then on a member looks for no
    work and adds no skills on the platform."""
    leaves = people.retirement_t.copy()
    exits = positions.end_reason == EARLY_EXIT
    leaves[positions.person[exits]] = positions.end_t[exits]
    return leaves


def _close_positions(events: _Events, separations, n: int) -> Positions:
    person, start, company, city, occupation, seniority, reason = events.arrays()
    empty = np.empty(0, np.int64)
    sep_person = np.concatenate([p for p, _, _ in separations]) if separations else empty
    sep_t = np.concatenate([np.full(p.size, t) for p, t, _ in separations]) if separations else empty
    sep_kind = np.concatenate([np.full(p.size, k) for p, _, k in separations]) if separations else empty
    # Interleave starts and separations per person in time; a position ends at the next event,
    # for the reason that event gives: the kind of separation, or what the next start is.
    all_person = np.concatenate([person, sep_person])
    all_t = np.concatenate([start, sep_t])
    is_start = np.concatenate([np.ones(person.size, bool), np.zeros(sep_person.size, bool)])
    ends_as = np.concatenate([_END_BY_NEXT_START[reason], sep_kind])
    order = lexsort_ints((all_t, all_person))
    all_person, all_t, is_start, ends_as = all_person[order], all_t[order], is_start[order], ends_as[order]
    next_same = np.append(all_person[1:] == all_person[:-1], False)
    end = np.where(next_same, np.append(all_t[1:], -1), -1)
    end_reason = np.where(next_same, np.append(ends_as[1:], STILL_HELD), STILL_HELD)
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
        end_reason=end_reason[is_start],
    )
