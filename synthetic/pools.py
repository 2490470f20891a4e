"""Name pools built once with Faker (nl_NL); the generator samples indices into them.

Calling Faker per row runs at tens of thousands of rows a second; sampling from pools
with numpy runs at millions. The pools depend only on the seed, so every shard and
process builds the same pools.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
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

    # The pools as Arrow strings, built once: names and addresses are joined by Arrow
    # kernels from indices, with no Python string per row.
    @cached_property
    def _arrow(self) -> dict[str, pa.Array]:
        return {
            "first": pa.array(list(self.first_names), type=pa.string()),
            "last": pa.array(list(self.last_names), type=pa.string()),
            "first_slug": pa.array([_ascii_slug(n) for n in self.first_names], type=pa.string()),
            "last_slug": pa.array([_ascii_slug(n) for n in self.last_names], type=pa.string()),
            "domain": pa.array(list(self.email_domains), type=pa.string()),
        }

    def full_names(self, first_idx: np.ndarray, last_idx: np.ndarray) -> pa.Array:
        """'First Last' per row."""
        a = self._arrow
        return pc.binary_join_element_wise(a["first"].take(first_idx), a["last"].take(last_idx), " ")

    def emails(
        self, first_idx: np.ndarray, last_idx: np.ndarray, member_id: np.ndarray, domain_idx: np.ndarray
    ) -> pa.Array:
        """'first.last.<member_id>@<domain>' per row, names as ASCII slugs."""
        a = self._arrow
        first, last = a["first_slug"].take(first_idx), a["last_slug"].take(last_idx)
        local = pc.binary_join_element_wise(first, last, pa.array(member_id).cast(pa.string()), ".")
        return pc.binary_join_element_wise(local, a["domain"].take(domain_idx), "@")


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
