"""How strongly the release is protected, and the status flag beside every released value."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pipelines.release.secret import check_secret


DEFAULT_MIN_CELL_SIZE = 30
DEFAULT_NOISE_SCALE = 2.0
STORAGE_VERSION = "v1.4.0"  # DuckDB 1.x clients open the file as well as 2.x


# Values of a status column. 'published' values are exact: counts of public job postings
# (a posting is an advertisement anyone can read, not a person) and statistics of a
# released group; counts of people are 'noised' unless noise_scale is 0.
STATUSES = {
    "published": "Released exactly, without noise.",
    "noised": "Counts at least the minimum cell size of people; released with deterministic noise added.",
    "suppressed": (
        "Withheld (NULL): fewer people than the minimum cell size, or withheld so that another "
        "suppressed value cannot be recovered from totals and neighbouring values, or so that the "
        "difference of two nested counts (graduates and those employed) is not a group of fewer people."
    ),
}


@dataclass(frozen=True)
class ReleaseSettings:
    """How strongly the release is protected.

    ``secret`` keys the noise (:func:`release_secret`); a release with noise needs one. It is
    left out of the repr, so that no log or traceback shows it.
    """

    min_cell_size: int = DEFAULT_MIN_CELL_SIZE
    noise_scale: float = DEFAULT_NOISE_SCALE
    secret: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_protection(self.min_cell_size, self.noise_scale)
        if self.secret is not None:
            object.__setattr__(self, "secret", check_secret(self.secret, "ReleaseSettings.secret"))


def check_protection(min_cell_size: int, noise_scale: float) -> None:
    """One clear message per mistake, before anything is read or written."""
    if isinstance(min_cell_size, bool) or not isinstance(min_cell_size, int) or min_cell_size < 1:
        raise ValueError(
            f"min_cell_size must be a whole number of people, at least 1, got {min_cell_size!r} "
            "(statistical offices and LinkedIn publish only cells of 30 to 50 people)"
        )
    if not np.isfinite(noise_scale) or noise_scale < 0:
        raise ValueError(f"noise_scale must be 0 (no noise) or a positive number, got {noise_scale!r}")
