"""The public release: aggregates of the platform's data that are safe to hand to outsiders.

What a platform shares about people must not reveal any individual (a city council asking
which ICT workers leave town gets counts, never people). The protection follows
statistical offices, LinkedIn and the US Census Bureau's LEHD:

- a minimum cell size (statistical offices' threshold rule): a count of fewer than
  ``min_cell_size`` people is suppressed (NULL);
- complementary (secondary) suppression, as in tau-ARGUS: where the release holds a total
  and its parts, or two tables that must agree, a lone suppressed cell could be recovered
  by subtraction, so more cells are suppressed until no suppressed cell is an exact linear
  combination of released ones, and the suppressed parts of any total together count at
  least ``min_cell_size`` people;
- complements: a count nested in another (graduates hold those employed within 12 months,
  members hold departures) reveals the group between them by subtraction, so those groups
  are cells of their own (never written, protected like any count) and no two released
  nested counts differ by fewer than ``min_cell_size`` people, 0 included;
- deterministic noise (LinkedIn's PriPeARL): every released count of people carries
  discrete Laplace noise drawn from a keyed hash of the install's release secret and the
  group of people the cell counts, so asking for the same cell again, or reading a group
  the release shows in two places, returns the same value and cannot be averaged away.
  The secret is random and private (:func:`release_secret`): nothing public regenerates
  the noise;
- a status flag beside every value (LEHD's flags): published / noised / suppressed.

Only platform data is released (``raw.*`` and the ``source = 'platform'`` rows of the
metrics): the platform is the party that shares. Nothing identifies a person or a
company: no names, e-mail addresses, IDs or dates finer than a year, and no company- or
institution-level cells.

The package is plain functions on DuckDB connections and polars frames, one step per
module: ``tables`` (what is released and the query of its true values), ``cells`` (every
count as a cell and the identities between cells), ``suppression``, ``noise`` (with
:func:`build_release`, the steps in order), ``output`` (:func:`write_release`,
:func:`publish`), ``secret`` and ``settings``. The Dagster asset is in
``pipelines/defs/release.py``.
"""

from pipelines.release.noise import build_release, noise
from pipelines.release.output import publish, release_notes, status_counts, write_release
from pipelines.release.secret import SECRET_ENV, check_secret, release_secret, secret_path
from pipelines.release.settings import (
    DEFAULT_MIN_CELL_SIZE,
    DEFAULT_NOISE_SCALE,
    STATUSES,
    STORAGE_VERSION,
    ReleaseSettings,
    check_protection,
)
from pipelines.release.tables import READ_TABLES, RELEASED_TABLES, ReleasedTable, read_true_tables

__all__ = [
    "DEFAULT_MIN_CELL_SIZE",
    "DEFAULT_NOISE_SCALE",
    "READ_TABLES",
    "RELEASED_TABLES",
    "SECRET_ENV",
    "STATUSES",
    "STORAGE_VERSION",
    "ReleaseSettings",
    "ReleasedTable",
    "build_release",
    "check_protection",
    "check_secret",
    "noise",
    "publish",
    "read_true_tables",
    "release_notes",
    "release_secret",
    "secret_path",
    "status_counts",
    "write_release",
]
