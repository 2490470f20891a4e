"""The scenario compiled into arrays: index maps, weight vectors and lookup matrices.

The simulation works on integer codes (city 3, family 1, ...) so that every step is a
numpy operation over all people of a block. This module turns the validated scenario
into those arrays once, and offers the few sampling helpers every step shares.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from synthetic.scenario import LEVELS, MBO_LEVELS, SENIORITIES, Scenario


def categorical(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """Draw ``size`` indices with probabilities proportional to ``weights``."""
    cdf = np.cumsum(weights, dtype=np.float64)
    return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").clip(0, len(weights) - 1)


def lexsort_ints(keys: tuple[np.ndarray, ...]) -> np.ndarray:
    """``np.lexsort(keys)`` (the last key primary) for integer or boolean keys, faster.

    The keys, each shifted to start at 0, and then the row number are packed into one
    int64. Packed values are all distinct, so a single plain sort of them gives exactly
    lexsort's (stable) order. Keys whose ranges do not fit fall back to lexsort.
    """
    n = np.asarray(keys[0]).size
    packed, span = np.zeros(n, dtype=np.int64), 1
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    for key in reversed(keys):
        key = np.asarray(key).astype(np.int64)
        low = int(key.min())
        width = int(key.max()) - low + 1
        span *= width
        if span * n >= 2**62:
            return np.lexsort(keys)
        packed = packed * width + (key - low)
    return np.argsort(packed * n + np.arange(n, dtype=np.int64))


_GUIDE_STEPS = 4  # keys still unplaced after this many steps past their guide are searched


@dataclass(frozen=True)
class GroupedSampler:
    """Samples an item per row from a weight table chosen by the row's group code.

    All groups' cumulative weights are laid end to end, group g occupying the interval
    (g, g + 1]; a draw for group g is ``g + u``, and its item is at the first cumulative
    weight >= g + u in that single sorted array (``searchsorted``), for rows of every
    group at once.

    A guide table finds that position without a binary search over the whole array
    (hundreds of thousands of entries for companies by city and family): group g's
    interval is cut into as many equal buckets as it has items, ``guide`` holds the
    position of each bucket's lower edge, and a key steps forward from its bucket's
    guide, usually zero or one step. The position found is the same as searchsorted's.
    """

    cdf: np.ndarray  # concatenated, group g scaled into (g, g + 1]
    items: np.ndarray  # item index at each cdf position
    has_items: np.ndarray  # bool per group
    buckets: np.ndarray  # per group: its number of items = of guide buckets
    first_bucket: np.ndarray  # per group: index of its first bucket
    edges: np.ndarray  # lower edge of each bucket (g + k / buckets[g])
    guide: np.ndarray  # searchsorted(cdf, edge): the position of each bucket's lower edge
    position_key: np.ndarray  # group * n_items + item at each cdf position, ascending
    n_items: int

    @classmethod
    def from_matrix(cls, weights: np.ndarray) -> GroupedSampler:
        """``weights[g, i]``: weight of item i in group g (zeros allowed)."""
        weights = np.asarray(weights, dtype=np.float64)
        cdfs, items, edges, keys = [], [], [], []
        buckets = np.zeros(weights.shape[0], dtype=np.int64)
        for g, row in enumerate(weights):
            idx = np.flatnonzero(row > 0)
            if idx.size == 0:
                continue
            cum = np.cumsum(row[idx])
            cdfs.append(g + cum / cum[-1])
            items.append(idx)
            edges.append(g + np.arange(idx.size) / idx.size)
            keys.append(g * weights.shape[1] + idx)
            buckets[g] = idx.size
        cdf, edges = np.concatenate(cdfs), np.concatenate(edges)
        return cls(
            cdf=cdf,
            position_key=np.concatenate(keys),
            n_items=weights.shape[1],
            items=np.concatenate(items),
            has_items=(weights > 0).any(axis=1),
            buckets=buckets,
            first_bucket=np.cumsum(buckets) - buckets,
            edges=edges,
            guide=np.searchsorted(cdf, edges, side="left"),
        )

    def sample(self, rng: np.random.Generator, groups: np.ndarray) -> np.ndarray:
        if groups.size and not self.has_items[groups].all():
            raise ValueError("a group with no positive weight was sampled")
        return self.lookup(groups, rng.random(groups.size))

    def sample_with(self, groups: np.ndarray, u: np.ndarray) -> np.ndarray:
        """``sample`` with the uniforms drawn by the caller (one per row, in row order)."""
        if groups.size and not self.has_items[groups].all():
            raise ValueError("a group with no positive weight was sampled")
        return self.lookup(groups, u)

    def sample_excluding(self, groups: np.ndarray, u: np.ndarray, excluded: np.ndarray) -> np.ndarray:
        """``sample_with``, each row's ``excluded`` item left out of its group: the uniform is
        laid over the group's interval with the excluded item's stretch cut out, so every other
        item keeps its weight relative to the rest (the draw a redraw-until-different would
        give, in one step). An excluded item outside the group changes nothing; a row whose
        group holds only the excluded item gets -1."""
        if groups.size and not self.has_items[groups].all():
            raise ValueError("a group with no positive weight was sampled")
        key = groups * self.n_items + excluded
        pos = np.minimum(np.searchsorted(self.position_key, key), self.position_key.size - 1)
        inside = (excluded >= 0) & (self.position_key[pos] == key)
        upper = np.where(inside, self.cdf[pos] - groups, 0.0)
        first_of_group = (pos == 0) | (self.position_key[np.maximum(pos - 1, 0)] // self.n_items != groups)
        lower = np.where(inside & ~first_of_group, self.cdf[np.maximum(pos - 1, 0)] - groups, 0.0)
        width = upper - lower
        alone = inside & (width >= 1.0 - 1e-12)
        v = u * (1.0 - width)
        # Past the excluded stretch's lower end, step over it (to just above its upper end).
        over = inside & (v >= lower)
        v = np.where(over, np.maximum(v + width, np.nextafter(upper, 2.0)), v)
        found = self.lookup(groups, np.minimum(v, np.nextafter(1.0, 0.0)))
        return np.where(alone, -1, found)

    def lookup(self, groups: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Item for each (group, uniform); every group must have items."""
        # u is in [0, 1); keep it off the exact group boundary at the low end.
        keys = groups + np.maximum(u, 1e-12)
        size = self.buckets[groups]
        bucket = self.first_bucket[groups] + np.minimum(((keys - groups) * size).astype(np.int64), size - 1)
        # Rounding may put a key just below its bucket's edge: take the bucket before.
        low = np.flatnonzero(self.edges[bucket] > keys)
        while low.size:
            bucket[low] -= 1
            low = low[self.edges[bucket[low]] > keys[low]]
        # From the edge's position (no cumulative weight below the edge is >= the key),
        # step to the first cumulative weight >= key.
        last = self.cdf.size - 1
        pos = self.guide[bucket]
        ahead = np.flatnonzero(self.cdf[np.minimum(pos, last)] < keys)
        for _ in range(_GUIDE_STEPS):
            if not ahead.size:
                break
            pos[ahead] += 1
            ahead = ahead[(pos[ahead] <= last) & (self.cdf[np.minimum(pos[ahead], last)] < keys[ahead])]
        if ahead.size:
            pos[ahead] = np.searchsorted(self.cdf, keys[ahead], side="left")
        return self.items[np.minimum(pos, last)]


@dataclass
class Model:
    scenario: Scenario
    cities: list[str]
    families: list[str]
    levels: list[str]
    fields: list[str]
    occupations: list[str]
    skills: list[str]
    institutions: list[str]
    industries: list[str]
    seniorities: list[str] = field(default_factory=lambda: list(SENIORITIES))

    # arrays filled in by compile_model
    months: int = 0
    city_population: np.ndarray = None  # [C]
    attractiveness: np.ndarray = None  # [F, C] pull factor incl. 'all'
    local_share: np.ndarray = None  # [C]
    local_destinations: np.ndarray = None  # [C, C] weights
    commuting_region: np.ndarray = None  # [C, C] weights of the cities one commutes from, zero diagonal
    family_weight: np.ndarray = None  # [F]
    family_industry: np.ndarray = None  # [F] industry code
    family_job_change: np.ndarray = None  # [F]
    level_share: np.ndarray = None  # [L]
    level_graduation_age: np.ndarray = None
    level_study_years: np.ndarray = None
    level_first_job_hazard: np.ndarray = None
    level_promotion_factor: np.ndarray = None
    # MBO levels, indexed by a person's mbo_level: 0 for graduates of other levels, 1-4 for MBO's.
    mbo_level_share: np.ndarray = None  # [4] levels 1-4
    mbo_first_job_multiplier: np.ndarray = None  # [5]
    mbo_wage_premium: np.ndarray = None  # [5] log points
    field_family: np.ndarray = None  # [Fi] family code or -1
    field_first_job_multiplier: np.ndarray = None
    field_by_level: GroupedSampler = None  # group = level
    institution_city: np.ndarray = None  # [I]
    institution_level: np.ndarray = None
    institution_by_level_field: GroupedSampler = None  # group = level * n_fields + field
    occupation_family: np.ndarray = None  # [O]
    occupation_by_family: GroupedSampler = None  # group = family
    occupation_skill_prob: np.ndarray = None  # [O, S] base-year posting probability
    skill_trend: np.ndarray = None  # [S]
    job_change_multiplier: np.ndarray = None  # [T] by month index
    layoff_multiplier: np.ndarray = None  # [T]
    reemployment_multiplier: np.ndarray = None  # [T]
    quit_multiplier: np.ndarray = None  # [T]; 1 where the scenario plants no cycle
    month_year: np.ndarray = None  # [T] calendar year of each month
    promotion_hazard: np.ndarray = None  # [4] per seniority (manager: 0)
    membership_by_level: np.ndarray = None
    membership_family_factor: np.ndarray = None
    membership_city_factor: np.ndarray = None  # [C] by the city of a person's school
    adoption_cdf: np.ndarray = None  # [Y]
    reporting_lag_values: np.ndarray = None
    reporting_lag_probs: np.ndarray = None
    time_to_fill_values: np.ndarray = None
    time_to_fill_probs: np.ndarray = None
    skills_per_member_year: np.ndarray = None  # [Y]
    family_skill_ptr: np.ndarray = None  # CSR over families: skills members may add
    family_skill_idx: np.ndarray = None
    wage_family_level: np.ndarray = None  # [F] log monthly full-time wage in the reference year
    wage_education_premium: np.ndarray = None  # [L] log points
    wage_seniority_premium: np.ndarray = None  # [4] log points
    wage_city_premium: np.ndarray = None  # [C] log points

    @property
    def start_month(self) -> np.datetime64:
        return np.datetime64(self.scenario.timeline.start, "M")

    def month_dates(self, t: np.ndarray) -> np.ndarray:
        """Month indices (0 = timeline start) -> datetime64[D] on the first of the month."""
        return (self.start_month + np.asarray(t, dtype=np.int64)).astype("datetime64[D]")


def compile_model(sc: Scenario) -> Model:
    cities = list(sc.cities)
    families = list(sc.occupation_families)
    fields = list(sc.education.fields)
    occupations = list(sc.occupations)
    skills = list(sc.skills)
    industries = sorted({f.industry for f in sc.occupation_families.values()})
    m = Model(
        scenario=sc,
        cities=cities,
        families=families,
        levels=list(LEVELS),
        fields=fields,
        occupations=occupations,
        skills=skills,
        institutions=[i.name for i in sc.education.institutions],
        industries=industries,
    )
    ci = {c: i for i, c in enumerate(cities)}
    fa = {f: i for i, f in enumerate(families)}
    fi = {f: i for i, f in enumerate(fields)}
    sk = {s: i for i, s in enumerate(skills)}
    lv = {lvl: i for i, lvl in enumerate(LEVELS)}
    C, F, S = len(cities), len(families), len(skills)

    m.months = sc.timeline.months
    m.city_population = np.array([sc.cities[c].population for c in cities])
    attract = np.ones((F, C))
    for fam, row in sc.attractiveness.items():
        for city, value in row.items():
            if fam == "all":
                attract[:, ci[city]] *= value
            else:
                attract[fa[fam], ci[city]] *= value
    m.attractiveness = attract
    m.local_share = np.zeros(C)
    m.local_destinations = np.zeros((C, C))
    for origin, moves in sc.local_moves.items():
        m.local_share[ci[origin]] = moves.share
        for dest, w in moves.destinations.items():
            m.local_destinations[ci[origin], ci[dest]] = w
    # A city's commuting region: the cities its residents move to when they stay in the region
    # (local_moves), else the other cities of its province, by population.
    province = np.array([sc.cities[c].province for c in cities])
    same_province = (province[:, None] == province[None, :]) & ~np.eye(C, dtype=bool)
    has_local = m.local_destinations.sum(axis=1) > 0
    by_province = same_province * m.city_population[None, :]
    region = np.where(has_local[:, None], m.local_destinations, by_province)
    np.fill_diagonal(region, 0.0)
    m.commuting_region = region

    fams = sc.occupation_families
    m.family_weight = np.array([fams[f].weight for f in families])
    m.family_industry = np.array([industries.index(fams[f].industry) for f in families])
    m.family_job_change = np.array([fams[f].job_change_factor for f in families])

    levels = sc.education.levels
    m.level_share = np.array([levels[lvl].population_share for lvl in LEVELS])
    m.level_graduation_age = np.array([levels[lvl].graduation_age for lvl in LEVELS])
    m.level_study_years = np.array([levels[lvl].study_years for lvl in LEVELS])
    m.level_first_job_hazard = np.array([levels[lvl].first_job_hazard for lvl in LEVELS])
    m.level_promotion_factor = np.array([levels[lvl].promotion_factor for lvl in LEVELS])
    mbo = sc.education.mbo_levels
    m.mbo_level_share = np.array([mbo[number].share for number in MBO_LEVELS])
    m.mbo_first_job_multiplier = np.array([1.0] + [mbo[number].first_job_multiplier for number in MBO_LEVELS])
    m.mbo_wage_premium = np.array([0.0] + [mbo[number].wage_premium for number in MBO_LEVELS])

    efields = sc.education.fields
    m.field_family = np.array([fa[efields[f].family] if efields[f].family else -1 for f in fields])
    m.field_first_job_multiplier = np.array([efields[f].first_job_multiplier for f in fields])
    field_w = np.zeros((len(LEVELS), len(fields)))
    for f, spec in efields.items():
        for lvl, w in spec.levels.items():
            field_w[lv[lvl], fi[f]] = w
    # Only fields some institution teaches at that level can be drawn.
    insts = sc.education.institutions
    taught = np.zeros_like(field_w, dtype=bool)
    for inst in insts:
        for f in inst.fields:
            taught[lv[inst.level], fi[f]] = True
    m.field_by_level = GroupedSampler.from_matrix(field_w * taught)
    m.institution_city = np.array([ci[i.city] for i in insts])
    m.institution_level = np.array([lv[i.level] for i in insts])
    inst_w = np.zeros((len(LEVELS) * len(fields), len(insts)))
    for j, inst in enumerate(insts):
        for f in inst.fields:
            inst_w[lv[inst.level] * len(fields) + fi[f], j] = inst.weight
    m.institution_by_level_field = GroupedSampler.from_matrix(inst_w)

    occs = sc.occupations
    m.occupation_family = np.array([fa[occs[o].family] for o in occupations])
    occ_w = np.zeros((F, len(occupations)))
    for j, o in enumerate(occupations):
        occ_w[fa[occs[o].family], j] = occs[o].weight
    m.occupation_by_family = GroupedSampler.from_matrix(occ_w)
    m.occupation_skill_prob = np.zeros((len(occupations), S))
    for j, o in enumerate(occupations):
        for s, p in occs[o].skills.items():
            m.occupation_skill_prob[j, sk[s]] = p
    m.skill_trend = np.array([sc.skills[s].trend for s in skills])

    # Skills a member may add: every skill asked for in the member's occupation family.
    family_skills = [np.flatnonzero(m.occupation_skill_prob[m.occupation_family == f].sum(axis=0) > 0) for f in range(F)]
    m.family_skill_ptr = np.concatenate([[0], np.cumsum([len(x) for x in family_skills])])
    m.family_skill_idx = np.concatenate(family_skills)

    years = sc.timeline.years
    start = m.start_month
    m.month_year = (start + np.arange(m.months)).astype("datetime64[Y]").astype(int) + 1970
    dyn = sc.dynamics
    # The macro cycle's factors per year, spread over the months of each year.
    m.job_change_multiplier, m.layoff_multiplier, m.reemployment_multiplier = (
        np.array([by_year[y] for y in m.month_year])
        for by_year in (dyn.job_change_multiplier, dyn.layoff_multiplier, dyn.reemployment_multiplier)
    )
    m.quit_multiplier = np.array([dyn.quit_multiplier.get(y, 1.0) for y in m.month_year])
    hz = sc.dynamics.promotion_hazard
    m.promotion_hazard = np.array([hz["junior"], hz["medior"], hz["senior"], 0.0])

    pf = sc.platform
    m.membership_by_level = np.array([pf.membership_by_level[lvl] for lvl in LEVELS])
    m.membership_family_factor = np.array([pf.membership_family_factor.get(f, 1.0) for f in families])
    m.membership_city_factor = np.array([pf.membership_city_factor.get(c, 1.0) for c in cities])
    m.adoption_cdf = np.array([pf.adoption_by_year[y] for y in years])
    m.reporting_lag_values = np.array(sorted(pf.reporting_lag_months))
    m.reporting_lag_probs = np.array([pf.reporting_lag_months[k] for k in m.reporting_lag_values])
    ttf = sc.postings.time_to_fill_months
    m.time_to_fill_values = np.array(sorted(ttf))
    m.time_to_fill_probs = np.array([ttf[k] for k in m.time_to_fill_values])
    m.skills_per_member_year = np.array([pf.skills_per_member_year[y] for y in years])

    wg = sc.wages
    m.wage_family_level = (
        np.log(np.array([wg.family_hourly_level[f] for f in families]) * wg.hours_per_month) + wg.level_offset
    )
    m.wage_education_premium = np.array([wg.education_premium[lvl] for lvl in LEVELS])
    m.wage_seniority_premium = np.array([wg.seniority_premium[s] for s in SENIORITIES])
    m.wage_city_premium = np.array([wg.city_premium.get(c, 0.0) for c in cities])
    return m
