"""Employers: one shared pool of companies, each in one city, and how hires pick one.

Companies are generated from the scenario seed alone (not per shard), so every shard
hires into the same companies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from synthetic.model import GroupedSampler, Model, categorical

PEOPLE_PER_COMPANY = 25
OWN_INDUSTRY_PULL = 4.0  # a family is hired 4x more often by companies of its own industry
OWN_INDUSTRY_SHARE = 0.7  # share of companies whose industry is one of the families' industries


@dataclass
class Companies:
    company_id: np.ndarray
    name: np.ndarray
    industry: np.ndarray
    city: np.ndarray
    by_city_family: GroupedSampler  # group = city * families + family -> company index
    wage_effect: np.ndarray | None = None  # log-wage employer effect (synthetic/wages.py)

    def frame(self, model: Model) -> pl.DataFrame:
        return pl.DataFrame(
            {
                "company_id": self.company_id,
                "name": self.name.astype(str),
                "industry": np.array(model.industries)[self.industry],
                "city": np.array(model.cities)[self.city],
            }
        )


def draw_companies(model: Model, rng: np.random.Generator, people: int, pools) -> Companies:
    C, F = len(model.cities), len(model.families)
    n = max(3 * C, people // PEOPLE_PER_COMPANY)
    # Every city gets a few companies; the rest follow population (larger cities have more).
    city = np.concatenate([np.repeat(np.arange(C), 3), categorical(rng, model.city_population, n - 3 * C)])
    family_pick = categorical(rng, model.family_weight, n)
    industry = np.where(
        rng.random(n) < OWN_INDUSTRY_SHARE,
        model.family_industry[family_pick],
        rng.integers(0, len(model.industries), n),
    )
    size = rng.pareto(1.2, n) + 1.0  # heavy-tailed: a few large employers, many small ones
    names = pools.company_names[rng.permutation(n) % len(pools.company_names)]
    # Name clashes beyond the pool size get a branch suffix so names stay distinct.
    dup = np.arange(n) >= len(pools.company_names)
    names = np.where(dup, names + " " + np.array(model.cities, dtype=object)[city], names)

    weights = np.zeros((C * F, n))
    for f in range(F):
        pull = np.where(industry == model.family_industry[f], OWN_INDUSTRY_PULL, 1.0)
        for c in range(C):
            weights[c * F + f] = np.where(city == c, size * pull, 0.0)
    return Companies(
        company_id=np.arange(1, n + 1, dtype=np.int64),
        name=names,
        industry=industry,
        city=city,
        by_city_family=GroupedSampler.from_matrix(weights),
    )
