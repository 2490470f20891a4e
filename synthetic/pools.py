"""Name pools built once with Faker (nl_NL); the generator samples indices into them.

Calling Faker per row runs at tens of thousands of rows a second; sampling from pools
with numpy runs at millions. The pools depend only on the seed, so every shard and
process builds the same pools.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from faker import Faker

FIRST_NAMES = 1200
LAST_NAMES = 1500
COMPANY_NAMES = 4000


def _ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())


@dataclass(frozen=True)
class NamePools:
    first_names: np.ndarray
    last_names: np.ndarray
    company_names: np.ndarray
    email_domains: np.ndarray

    def email_local_parts(self, first_idx: np.ndarray, last_idx: np.ndarray) -> np.ndarray:
        firsts = np.array([_ascii_slug(n) for n in self.first_names], dtype=object)
        lasts = np.array([_ascii_slug(n) for n in self.last_names], dtype=object)
        return firsts[first_idx] + "." + lasts[last_idx]


def _unique(draw, count: int, attempts: int) -> list[str]:
    seen: dict[str, None] = {}
    for _ in range(attempts):
        seen.setdefault(draw(), None)
        if len(seen) >= count:
            break
    return list(seen)


@lru_cache(maxsize=4)
def build_pools(seed: int) -> NamePools:
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    firsts = _unique(fake.first_name, FIRST_NAMES, FIRST_NAMES * 20)
    lasts = _unique(fake.last_name, LAST_NAMES, LAST_NAMES * 20)
    companies = _unique(fake.company, COMPANY_NAMES, COMPANY_NAMES * 5)
    domains = _unique(fake.free_email_domain, 8, 400)
    return NamePools(
        first_names=np.array(firsts, dtype=object),
        last_names=np.array(lasts, dtype=object),
        company_names=np.array(companies, dtype=object),
        email_domains=np.array(sorted(domains), dtype=object),
    )
