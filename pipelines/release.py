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

The module is plain functions on DuckDB connections and polars frames
(:func:`build_release`, :func:`write_release`); the Dagster asset is in
``pipelines/defs/release.py``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

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


# --------------------------------------------------------------------------------------
# Settings


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


# --------------------------------------------------------------------------------------
# The release secret: the key of the noise
#
# Whoever can regenerate the noise can subtract it, so its key must come from nothing an
# outsider has (the scenario and its seed are public): a random secret of the install,
# read from the environment or from a private file created on first use.

SECRET_ENV = "EGS_RELEASE_SECRET"
SECRET_FILE = "release.secret"
SECRET_MIN_HEX = 32  # 128 bits: out of reach of guessing
_HEX = re.compile(r"[0-9a-fA-F]+")


def check_secret(secret: str, source: str) -> str:
    """The secret in one spelling (lower case), or an error naming where it came from.

    The message never quotes the value: a near miss is still most of a secret.
    """
    if not isinstance(secret, str) or len(secret) < SECRET_MIN_HEX or not _HEX.fullmatch(secret):
        found = (
            f"got {len(secret)} characters" if isinstance(secret, str) else f"got a {type(secret).__name__}"
        )
        if isinstance(secret, str) and secret and not _HEX.fullmatch(secret):
            found += ", not all hexadecimal"
        raise ValueError(
            f"{source} must be at least {SECRET_MIN_HEX} hexadecimal characters (0-9, a-f), {found}; "
            "make one with: python -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return secret.lower()


def secret_path() -> Path:
    """Where the install keeps its release secret when EGS_RELEASE_SECRET is not set.

    In $DAGSTER_HOME, the instance's own folder (the Makefile and the tests set it; git
    ignores all of it but dagster.yaml), else in the user's configuration folder: never in
    the data folder, which holds the release and gets copied and shared.
    """
    home = os.environ.get("DAGSTER_HOME", "").strip()
    if home:
        return Path(home).expanduser() / SECRET_FILE
    config = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(config) if config else Path.home() / ".config") / "economic-graph-simulator" / SECRET_FILE


def _create_secret(path: Path) -> None:
    """Write a new random secret at ``path`` unless another process does so first.

    The secret is written whole to a private temporary file (mkstemp: mode 0600) and then
    hard-linked to its name, which fails if the name exists: of two first releases racing,
    one secret wins, and neither ever reads a half-written file.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = secrets.token_hex(32) + "\n"
    descriptor, temporary = tempfile.mkstemp(prefix=f".{SECRET_FILE}-", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won: its secret is the install's
        except OSError:
            # No hard links on this file system: create the name exclusively instead.
            try:
                exclusive = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                return
            with os.fdopen(exclusive, "w", encoding="ascii") as out:
                out.write(text)
    finally:
        os.unlink(temporary)


def release_secret(outside: Iterable[str | Path] = ()) -> str:
    """The install's release secret (hexadecimal), the key of the noise.

    From the environment variable EGS_RELEASE_SECRET when set, else from the file
    :func:`secret_path`, created at random on first use and read on every later release,
    so that the releases of one install are consistent. ``outside``: folders the secret
    file must not be in (the data folder, which holds the release).
    """
    value = os.environ.get(SECRET_ENV, "").strip()
    if value:
        return check_secret(value, f"environment variable {SECRET_ENV}")
    path = secret_path()
    for folder in outside:
        if path.resolve().is_relative_to(Path(folder).resolve()):
            raise ValueError(
                f"the release secret {path} would be inside {folder}, which is published or shared: "
                f"set DAGSTER_HOME to a folder outside it, or set {SECRET_ENV}"
            )
    if not path.exists():
        _create_secret(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(
            f"the release secret {path} is open to other users (mode {mode:o}): run chmod 600 on it"
        )
    return check_secret(path.read_text(encoding="ascii").strip(), f"the release secret file {path}")


# --------------------------------------------------------------------------------------
# The released tables


@dataclass(frozen=True)
class ReleasedTable:
    """One table of the release and the query of its true (unprotected) values.

    The query returns one row per cell of a complete grid (zero counts included: a missing
    row would tell that the count is 0), with the dimensions, the counts to protect and the
    statistics; it reads platform data only.
    """

    name: str
    description: str
    dimensions: dict[str, str]
    counts: dict[str, str]
    query: str
    # Dimensions whose value 'all' is the sum over the others: the totals to protect.
    totals: tuple[str, ...] = ()
    # The year column: cells of different years share no total, so each year is checked alone.
    year: str = "year"
    # Tables whose totals tie them to this one, checked together with it.
    system: str = ""
    noised: bool = True
    # Statistics of a group, released exactly where every count named beside them is
    # released (a median bounds the counts it derives from: it must not bound a suppressed one).
    statistics: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    # Columns computed from the released (noised) values only, so they add nothing to them.
    derived: dict[str, tuple[str, pl.Expr]] = field(default_factory=dict)
    # Counts holding another count of the same cell, as whole: (part, complement). The whole
    # is the part plus the complement, a group of people no column shows but subtraction
    # reveals (graduates - employed within 12 months = not employed within 12 months). The
    # complement is a cell of its own, never written, protected like any count.
    nested: dict[str, tuple[str, str]] = field(default_factory=dict)


# What the release reads: its asset's dependencies.
READ_TABLES = [
    "metrics.talent_flows",
    "metrics.talent_flows_od",
    "metrics.time_to_first_job",
    "metrics.skill_demand",
    "intermediate.int_position_history",
    "raw.positions",
    "raw.calendar",
]

TALENT_FLOWS = ReleasedTable(
    name="talent_flows",
    system="talent_flows",
    description=(
        "Talent flows per year, city and occupation family ('all' = every family), as the platform "
        "sees its members: arrivals, departures and members located in the city. A member's location "
        "is the city of the position held on 1 January; a member located in A and a year later in B "
        "is a departure from A and an arrival in B (source: metrics.talent_flows, platform rows)."
    ),
    dimensions={
        "year": "Calendar year of the flow (1 January to 1 January of the next year).",
        "city": "The city.",
        "occupation_family": (
            "Occupation family of the position held on 1 January, or 'all' for every family."
        ),
    },
    counts={
        "arrivals": "Members located elsewhere on 1 January and in the city a year later.",
        "departures": "Members located in the city on 1 January and elsewhere a year later.",
        "members": (
            "Members located in the city on 1 January (and located somewhere a year later: the panel)."
        ),
    },
    totals=("occupation_family",),
    nested={"members": ("departures", "stayers")},
    derived={
        "net_per_10k": (
            "(arrivals - departures) / members x 10,000 from the released values: net talent migration.",
            (10_000 * (pl.col("arrivals") - pl.col("departures")) / pl.col("members"))
            .round(1)
            .pipe(lambda e: pl.when(pl.col("members") > 0).then(e)),
        ),
    },
    query="""
        WITH flows AS (
            SELECT year, city, occupation_family, arrivals, departures, members
            FROM metrics.talent_flows WHERE source = 'platform'
        ),
        years AS (SELECT DISTINCT year FROM flows),
        cities AS (SELECT DISTINCT city FROM flows),
        families AS (SELECT DISTINCT occupation_family FROM flows)
        SELECT y.year, c.city, f.occupation_family,
               coalesce(arrivals, 0) AS arrivals, coalesce(departures, 0) AS departures,
               coalesce(members, 0) AS members
        FROM years y CROSS JOIN cities c CROSS JOIN families f
        LEFT JOIN flows USING (year, city, occupation_family)
    """,
)

TALENT_FLOWS_OD = ReleasedTable(
    name="talent_flows_od",
    system="talent_flows",
    description=(
        "Members who moved from one city to another per year, every occupation family together: "
        "where each city's leavers went. Summed over destinations, movers equal talent_flows.departures "
        "of the origin; summed over origins, talent_flows.arrivals of the destination (family 'all'). "
        "Source: metrics.talent_flows_od, platform rows."
    ),
    dimensions={
        "year": "Calendar year of the move (1 January to 1 January of the next year).",
        "origin_city": "City on 1 January.",
        "destination_city": "City a year later.",
    },
    counts={"movers": "Members who moved from origin_city to destination_city."},
    query="""
        WITH od AS (
            SELECT year, origin_city, destination_city, movers
            FROM metrics.talent_flows_od WHERE source = 'platform' AND occupation_family = 'all'
        ),
        flows AS (SELECT year, city FROM metrics.talent_flows WHERE source = 'platform'),
        years AS (SELECT DISTINCT year FROM flows),
        cities AS (SELECT DISTINCT city FROM flows)
        SELECT y.year, o.city AS origin_city, d.city AS destination_city, coalesce(movers, 0) AS movers
        FROM years y CROSS JOIN cities o CROSS JOIN cities d
        LEFT JOIN od ON od.year = y.year AND od.origin_city = o.city AND od.destination_city = d.city
        WHERE o.city <> d.city
    """,
)

# Same definitions as sql/job_change_rate.sql, per occupation family of the new position.
JOB_CHANGES = ReleasedTable(
    name="job_changes",
    description=(
        "Job changes and hires per year and occupation family ('all' = every family), as members "
        "report them. A job change is a start at a new employer less than a quarter after leaving "
        "another (LEHD J2J, CBS); a hire is any start at a new employer, first jobs and returns "
        "included. The family is the one of the new position (definition: sql/job_change_rate.sql)."
    ),
    dimensions={
        "year": "Calendar year of the start.",
        "occupation_family": "Occupation family of the new position, or 'all' for every family.",
    },
    counts={
        "job_changes": "Starts at a new employer less than three months after leaving another.",
        "hires": "Starts at a new employer (job changes, first jobs and returns after a gap).",
        "employed": "Members holding a position in the family, averaged over the months of the year.",
    },
    totals=("occupation_family",),
    # Same WHERE for both counts: a job change is a hire that follows another job closely.
    nested={"hires": ("job_changes", "first_jobs_and_returns")},
    derived={
        "job_change_rate": (
            "job_changes / employed from the released values (0.12 = 12% changed employer in the year).",
            (pl.col("job_changes") / pl.col("employed"))
            .round(4)
            .pipe(lambda e: pl.when(pl.col("employed") > 0).then(e)),
        ),
    },
    query="""
        WITH window_bounds AS (SELECT min(month) AS first_month, max(month) AS last_month FROM raw.calendar),
        starts AS (
            -- Moves as the metric layer marks them (intermediate.int_position_history).
            SELECT
                year(start_date) AS year,
                CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END
                    AS occupation_family,
                count(*) FILTER (WHERE is_job_change) AS job_changes,
                count(*) AS hires
            FROM intermediate.int_position_history, window_bounds
            WHERE source = 'platform'
                AND starts_at_new_employer
                AND start_date BETWEEN first_month AND last_month
            GROUP BY GROUPING SETS ((year(start_date), occupation_family), (year(start_date)))
        ),
        months_per_year AS (SELECT year, count(*) AS months FROM raw.calendar GROUP BY year),
        employed AS (
            SELECT
                c.year,
                CASE WHEN grouping(p.occupation_family) = 1 THEN 'all' ELSE p.occupation_family END
                    AS occupation_family,
                count(*) AS position_months
            FROM raw.calendar c
            JOIN raw.positions p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
            GROUP BY GROUPING SETS ((c.year, p.occupation_family), (c.year))
        ),
        families AS (SELECT DISTINCT occupation_family FROM raw.positions UNION SELECT 'all')
        SELECT m.year, f.occupation_family,
               coalesce(s.job_changes, 0) AS job_changes, coalesce(s.hires, 0) AS hires,
               coalesce(e.position_months, 0) / m.months AS employed
        FROM months_per_year m CROSS JOIN families f
        LEFT JOIN starts s ON s.year = m.year AND s.occupation_family = f.occupation_family
        LEFT JOIN employed e ON e.year = m.year AND e.occupation_family = f.occupation_family
    """,
)

TIME_TO_FIRST_JOB = ReleasedTable(
    name="time_to_first_job",
    year="graduation_year",
    description=(
        "Graduates per graduation year, level and field ('all' = total; fields within a level), and "
        "how many had a first job within 6 and 12 months of graduating, as members report it. Only "
        "graduation years whose every graduate was followed for 12 months, so that the counts are "
        "exact (source: metrics.time_to_first_job, platform rows; institutions are not released)."
    ),
    dimensions={
        "graduation_year": "Calendar year of graduation.",
        "level": "VO / MBO / HBO / WO, or 'all' (with field 'all').",
        "field": "Field of study, or 'all' for every field of the level.",
    },
    counts={
        "graduates": "Members who graduated in the year with this level and field.",
        "employed_within_6_months": "Graduates whose first job started within 6 months (months 0-5).",
        "employed_within_12_months": "Graduates whose first job started within 12 months (months 0-11).",
    },
    totals=("level", "field"),
    nested={
        "graduates": ("employed_within_12_months", "not_employed_within_12_months"),
        "employed_within_12_months": ("employed_within_6_months", "employed_in_months_6_to_11"),
    },
    statistics={
        "median_months": (
            (
                "Median months from graduation to the first job (0 = the month of graduation); "
                "NULL also where half the group had none by the end of the window."
            ),
            ("graduates", "employed_within_6_months", "employed_within_12_months"),
        ),
    },
    derived={
        "employed_within_6_months_share": (
            "employed_within_6_months / graduates from the released values.",
            (pl.col("employed_within_6_months") / pl.col("graduates"))
            .clip(upper_bound=1)
            .round(3)
            .pipe(lambda e: pl.when(pl.col("graduates") > 0).then(e)),
        ),
        "employed_within_12_months_share": (
            "employed_within_12_months / graduates from the released values.",
            (pl.col("employed_within_12_months") / pl.col("graduates"))
            .clip(upper_bound=1)
            .round(3)
            .pipe(lambda e: pl.when(pl.col("graduates") > 0).then(e)),
        ),
    },
    query="""
        WITH first_jobs AS (
            SELECT graduation_year, level, field, graduates, employed_6m_share, employed_12m_share,
                   median_months
            FROM metrics.time_to_first_job WHERE source = 'platform' AND institution = 'all'
        ),
        followed_a_year AS (
            -- Graduates of December are followed the shortest; once they are followed for
            -- months 0-11 nobody of the year is censored before, and the Kaplan-Meier shares
            -- are exact shares of whole people.
            SELECT DISTINCT graduation_year
            FROM first_jobs, (SELECT max(month) AS last_month FROM raw.calendar)
            WHERE make_date(graduation_year, 12, 1) + INTERVAL 11 MONTH <= last_month
        ),
        groups AS (SELECT DISTINCT level, field FROM first_jobs)
        SELECT y.graduation_year, g.level, g.field,
               coalesce(graduates, 0) AS graduates,
               coalesce(round(employed_6m_share * graduates), 0) AS employed_within_6_months,
               coalesce(round(employed_12m_share * graduates), 0) AS employed_within_12_months,
               median_months
        FROM followed_a_year y CROSS JOIN groups g
        LEFT JOIN first_jobs USING (graduation_year, level, field)
    """,
)

SKILL_DEMAND = ReleasedTable(
    name="skill_demand",
    noised=False,
    description=(
        "Job postings opened per year that require each skill. Postings are public advertisements, "
        "not people, so their counts are exact; a skill asked by fewer postings than the minimum cell "
        "size is suppressed all the same, since it may point at one employer (source: metrics.skill_demand)."
    ),
    dimensions={"year": "Calendar year the postings opened.", "skill": "Skill required."},
    counts={"postings": "Postings opened in the year that require the skill."},
    statistics={
        "share_of_postings": (
            (
                "postings / all postings opened in the year (a posting requires several skills: shares do "
                "not add up to 1)."
            ),
            ("postings",),
        ),
    },
    query="""
        WITH demand AS (
            SELECT year, skill, postings, round(share_of_postings, 4) AS share_of_postings
            FROM metrics.skill_demand
        ),
        years AS (SELECT DISTINCT year FROM demand),
        skills AS (SELECT DISTINCT skill FROM demand)
        SELECT y.year, s.skill, coalesce(postings, 0) AS postings,
               coalesce(share_of_postings, 0.0) AS share_of_postings
        FROM years y CROSS JOIN skills s LEFT JOIN demand USING (year, skill)
    """,
)

RELEASED_TABLES = [TALENT_FLOWS, TALENT_FLOWS_OD, JOB_CHANGES, TIME_TO_FIRST_JOB, SKILL_DEMAND]


def read_true_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    """The unprotected values of every released table, sorted by its dimensions."""
    return {t.name: con.sql(t.query).pl().sort(list(t.dimensions)) for t in RELEASED_TABLES}


# --------------------------------------------------------------------------------------
# Cells and the identities between them


def _key(table: ReleasedTable) -> pl.Expr:
    """The cell's dimensions as one string: the key of its noise and of its identity."""
    return pl.concat_str([pl.col(d).cast(pl.String) for d in table.dimensions], separator="|")


def to_cells(true_tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Every count of every table as one row: table, column, key, year block and true value.

    The complements of nested counts are cells too, with ``written`` false: they are never
    released, but subtraction reveals them, so suppression must treat them as counts.
    ``dims`` keeps the dimensions (as a struct) so identities can be found by joining.
    """
    frames = []
    for table in RELEASED_TABLES:
        complements = {c: pl.col(whole) - pl.col(part) for whole, (part, c) in table.nested.items()}
        wide = true_tables[table.name].with_columns(
            key=_key(table),
            block=pl.lit(f"{table.system or table.name}|") + pl.col(table.year).cast(pl.String),
            is_margin=pl.any_horizontal([pl.col(d) == "all" for d in table.totals])
            if table.totals
            else pl.lit(False),
            dims=pl.struct([pl.col(d).cast(pl.String) for d in table.dimensions]),
            **complements,
        )
        long = wide.unpivot(
            on=[*table.counts, *complements],
            index=["key", "block", "is_margin", "dims"],
            variable_name="measure",
            value_name="value",
        )
        frames.append(
            long.with_columns(
                table=pl.lit(table.name),
                value=pl.col("value").cast(pl.Float64),
                written=pl.col("measure").is_in(list(table.counts)),
            )
        )
    cells = pl.concat(frames, how="vertical_relaxed").select(
        "table", "measure", "key", "block", "is_margin", "written", "value", "dims"
    )
    # A stable order makes the cell ids, and so every tie-break, the same on every run.
    return cells.sort("table", "measure", "key").with_row_index("cell")


def _total_identities(cells: pl.DataFrame, table: ReleasedTable) -> pl.DataFrame:
    """Sum of the parts - the 'all' cell = 0, for every total dimension of the table.

    Parts and total share every other dimension and the column; a group holding a total and
    no parts (e.g. level 'all' with a field) states nothing.
    """
    of_table = cells.filter(pl.col("table") == table.name).unnest("dims")
    identities = []
    for dim in table.totals:
        others = [d for d in table.dimensions if d != dim]
        line = pl.concat_str(
            [pl.lit(f"{table.name}|{dim}|"), pl.col("measure"), *[pl.lit("|") + pl.col(d) for d in others]]
        )
        rows = of_table.select(
            "cell", "block", constraint=line, coef=pl.when(pl.col(dim) == "all").then(-1).otherwise(1)
        )
        with_both = rows.group_by("constraint").agg(
            has_total=(pl.col("coef") < 0).any(), has_parts=(pl.col("coef") > 0).any()
        )
        identities.append(
            rows.join(
                with_both.filter("has_total", "has_parts").select("constraint"), on="constraint"
            ).with_columns(kind=pl.lit("total"))
        )
    return pl.concat(identities) if identities else pl.DataFrame()


def _flow_identities(cells: pl.DataFrame) -> pl.DataFrame:
    """How talent_flows and talent_flows_od tie together, per year.

    Every move leaves one city and arrives in another: per family, arrivals summed over the
    cities equal departures summed over the cities. The movers out of a city (to every
    destination) are its departures, the movers into it its arrivals (family 'all').
    """
    flows = cells.filter(pl.col("table") == TALENT_FLOWS.name).unnest("dims")
    od = cells.filter(pl.col("table") == TALENT_FLOWS_OD.name).unnest("dims")
    moves = flows.filter(pl.col("measure").is_in(["arrivals", "departures"]))
    balance = moves.select(
        "cell",
        "block",
        constraint=pl.concat_str(
            [pl.lit("balance|"), pl.col("year"), pl.lit("|"), pl.col("occupation_family")]
        ),
        coef=pl.when(pl.col("measure") == "arrivals").then(1).otherwise(-1),
        kind=pl.lit("balance"),
    )
    city_totals = moves.filter(pl.col("occupation_family") == "all")
    margins = []
    for end, measure in (("origin_city", "departures"), ("destination_city", "arrivals")):

        def line(city: str, end: str = end) -> pl.Expr:
            return pl.concat_str([pl.lit(f"od|{end}|"), pl.col("year"), pl.lit("|"), pl.col(city)])

        margins.append(od.select("cell", "block", constraint=line(end), coef=pl.lit(1)))
        margins.append(
            city_totals.filter(pl.col("measure") == measure).select(
                "cell", "block", constraint=line("city"), coef=pl.lit(-1)
            )
        )
    od_margins = pl.concat(margins).with_columns(kind=pl.lit("total"))
    return pl.concat([balance, od_margins.select(balance.columns)])


def _nesting_identities(cells: pl.DataFrame, table: ReleasedTable) -> pl.DataFrame:
    """Whole = part + complement, per cell of the table: a total of two parts, one never written."""
    of_table = cells.filter(pl.col("table") == table.name)
    lines = [
        of_table.filter(pl.col("measure").is_in([whole, part, complement])).select(
            "cell",
            "block",
            constraint=pl.concat_str([pl.lit(f"{table.name}|nested|{whole}|"), pl.col("key")]),
            coef=pl.when(pl.col("measure") == whole).then(-1).otherwise(1),
            kind=pl.lit("total"),
        )
        for whole, (part, complement) in table.nested.items()
    ]
    return pl.concat(lines)


def identities(cells: pl.DataFrame) -> pl.DataFrame:
    """Every linear identity the released cells obey: constraint, cell, coef (+1/-1), kind, block.

    kind 'total': the parts (+1) sum to the total (-1), the people of each part being among
    the total's (nested counts too: whole = part + complement); kind 'balance': two sums agree.
    """
    parts = [_total_identities(cells, t) for t in RELEASED_TABLES if t.totals]
    parts += [_nesting_identities(cells, t) for t in RELEASED_TABLES if t.nested]
    parts.append(_flow_identities(cells))
    columns = ["constraint", "cell", "coef", "kind", "block"]
    return pl.concat([p.select(columns) for p in parts if p.height]).with_columns(
        pl.col("coef").cast(pl.Int8)
    )


def same_group(cells: pl.DataFrame, lines: pl.DataFrame) -> np.ndarray:
    """Per cell, the smallest id of the cells counting the same people.

    A total with a single part counts exactly its part's people (level VO has one field, so
    VO 'all' and VO's field are one group): the two are one group, noised alike, else the
    average of the two values would halve the noise's variance. Chains of such totals make
    one group, found by spreading the smallest id along the lines until nothing changes.
    """
    totals = lines.filter(pl.col("kind") == "total")
    single = totals.group_by("constraint").agg(
        parts=(pl.col("coef") > 0).sum(), a=pl.col("cell").min(), b=pl.col("cell").max()
    )
    single = single.filter(pl.col("parts") == 1)
    a, b = single["a"].to_numpy(), single["b"].to_numpy()
    group = np.arange(cells.height)
    while len(a):
        low = np.minimum(group[a], group[b])
        if (group[a] == low).all() and (group[b] == low).all():
            break
        np.minimum.at(group, a, low)
        np.minimum.at(group, b, low)
    return group


def nested_pairs(lines: pl.DataFrame, group: np.ndarray) -> pl.DataFrame:
    """Every (outer, inner) pair of cells of different groups whose outer holds the inner's people.

    A total holds each of its parts (a whole its part and complement; a city's departures its
    movers to each destination), and holding is transitive (a city's members hold its movers
    to one destination): subtracting the inner from the outer reveals the people between them.
    """
    totals = lines.filter(pl.col("kind") == "total")
    direct = (
        totals.filter(pl.col("coef") < 0)
        .select("constraint", outer="cell")
        .join(totals.filter(pl.col("coef") > 0).select("constraint", inner="cell"), on="constraint")
        .select("outer", "inner")
        .unique()
    )
    pairs, frontier = direct, direct
    while frontier.height:
        step = frontier.join(direct.rename({"outer": "inner", "inner": "next"}), on="inner")
        frontier = step.select("outer", inner="next").unique().join(pairs, on=["outer", "inner"], how="anti")
        pairs = pl.concat([pairs, frontier])
    different = group[pairs["outer"].to_numpy()] != group[pairs["inner"].to_numpy()]
    return pairs.filter(pl.Series(different)).sort("outer", "inner")


# --------------------------------------------------------------------------------------
# Suppression


def _with_state(lines: pl.DataFrame, suppressed: np.ndarray) -> pl.DataFrame:
    return lines.with_columns(suppressed=pl.Series(suppressed[lines["cell"].to_numpy()]))


def _first_choice(candidates: pl.DataFrame, by: str) -> pl.Series:
    """Per group ``by``, the published cell whose suppression costs least.

    Detail before totals (a total is what users read first), then the smallest cell that
    covers the group's deficit, else the largest (and the next round adds more); the cell
    id breaks ties so that the choice is the same on every run.
    """
    ranked = candidates.with_columns(
        is_total=(pl.col("coef") < 0) & (pl.col("kind") == "total"),
        covers=pl.col("value") >= pl.col("deficit"),
    ).with_columns(order=pl.when(pl.col("covers")).then(pl.col("value")).otherwise(-pl.col("value")))
    return (
        ranked.sort(
            by,
            "is_total",
            "is_margin",
            "covers",
            "order",
            "cell",
            descending=[False, False, False, True, False, False],
        )
        .group_by(by, maintain_order=True)
        .first()["cell"]
    )


def _protect_lines(lines: pl.DataFrame, suppressed: np.ndarray, min_cell_size: int) -> None:
    """Suppress more until no identity has a lone suppressed cell (recoverable by subtraction)
    and the suppressed parts of every released total count at least min_cell_size together
    (else their sum, which subtraction reveals, would be a group of too few people)."""
    while True:
        state = _with_state(lines, suppressed)
        per_line = state.group_by("constraint").agg(
            hidden=pl.col("suppressed").sum(),
            kind=pl.col("kind").first(),
            total_hidden=(pl.col("suppressed") & (pl.col("coef") < 0)).any(),
            hidden_parts=pl.when(pl.col("suppressed") & (pl.col("coef") > 0))
            .then(pl.col("value"))
            .otherwise(0.0)
            .sum(),
        )
        needy = per_line.with_columns(
            deficit=pl.when((pl.col("kind") == "total") & ~pl.col("total_hidden"))
            .then(min_cell_size - pl.col("hidden_parts"))
            .otherwise(0.0)
            .clip(lower_bound=0.0)
        ).filter((pl.col("hidden") >= 1) & ((pl.col("hidden") == 1) | (pl.col("deficit") > 0)))
        if needy.height == 0:
            return
        candidates = state.filter(~pl.col("suppressed")).join(
            needy.select("constraint", "deficit"), on="constraint"
        )
        chosen = _first_choice(candidates, "constraint").to_numpy()
        if len(chosen) == 0:  # only possible for identities that do not hold; never loop forever
            return
        suppressed[chosen] = True


def _row_space_coverage(matrix: np.ndarray) -> np.ndarray:
    """Per column k, the squared length of e_k's projection onto the row space (1 = inside).

    Through the eigenvectors of M M^T (identities x identities, a few hundred at most)
    rather than an SVD of M itself (identities x suppressed cells, thousands): the right
    singular vectors are M^T u / sigma.
    """
    eigenvalues, eigenvectors = np.linalg.eigh(matrix @ matrix.T)
    keep = eigenvalues > eigenvalues.max() * 1e-10
    basis = matrix.T @ eigenvectors[:, keep] / np.sqrt(eigenvalues[keep])
    return (basis**2).sum(axis=1)


def exactly_recoverable(lines: pl.DataFrame, suppressed: np.ndarray) -> np.ndarray:
    """Suppressed cells whose value follows from released values by some linear combination
    of the identities, however many: a cell k is recoverable exactly when the unit vector e_k
    lies in the row space of the identities restricted to the suppressed cells.

    Cells of different year blocks share no identity, so each block is one small matrix.
    """
    hidden = _with_state(lines, suppressed).filter("suppressed")
    recoverable = []
    for part in hidden.partition_by("block", maintain_order=True):
        rows = part["constraint"].rank("dense").cast(pl.Int64).to_numpy() - 1
        columns = part["cell"].rank("dense").cast(pl.Int64).to_numpy() - 1
        matrix = np.zeros((rows.max() + 1, columns.max() + 1))
        matrix[rows, columns] = part["coef"].to_numpy()
        coverage = _row_space_coverage(matrix)
        cells = (
            part.select("cell", column=pl.col("cell").rank("dense").cast(pl.Int64) - 1)
            .unique()
            .sort("column")
        )
        recoverable.append(cells["cell"].to_numpy()[coverage[cells["column"].to_numpy()] > 1 - 1e-6])
    return np.concatenate(recoverable) if recoverable else np.array([], dtype=np.int64)


def _separate_nested(
    cells: pl.DataFrame, pairs: pl.DataFrame, suppressed: np.ndarray, min_cell_size: int
) -> bool:
    """Two known nested counts reveal the people between them: where those are fewer than
    min_cell_size (0 included: 'every graduate found a job' tells each one's outcome),
    suppress the inner count, the detail. A complement (never written) costs nothing to
    suppress: the other rules then keep it from being derived. True if anything changed."""
    outer, inner = pairs["outer"].to_numpy(), pairs["inner"].to_numpy()
    value = cells["value"].to_numpy()
    close = ~suppressed[outer] & ~suppressed[inner] & (value[outer] - value[inner] < min_cell_size)
    if not close.any():
        return False
    suppressed[inner[close]] = True
    return True


def suppress(
    cells: pl.DataFrame, lines: pl.DataFrame, min_cell_size: int, pairs: pl.DataFrame | None = None
) -> np.ndarray:
    """Primary suppression (fewer than min_cell_size people), then complementary suppression
    until no suppressed cell can be recovered: the cheap rule per identity first, then the
    rule for nested counts (``pairs``, from :func:`nested_pairs`), then the exact check
    across all identities of a year, whose findings get a partner suppressed.

    Complements (cells never written) of fewer than min_cell_size people count as suppressed
    from the start: the same rules then keep them from being recovered."""
    suppressed = cells["value"].to_numpy() < min_cell_size
    lines = lines.join(cells.select("cell", "value", "is_margin"), on="cell")
    while True:
        _protect_lines(lines, suppressed, min_cell_size)
        if pairs is not None and _separate_nested(cells, pairs, suppressed, min_cell_size):
            continue
        recoverable = exactly_recoverable(lines, suppressed)
        if len(recoverable) == 0:
            return suppressed
        state = _with_state(lines, suppressed)
        targets = state.filter(pl.col("cell").is_in(recoverable)).select("constraint", target="cell")
        candidates = (
            state.filter(~pl.col("suppressed"))
            .join(targets, on="constraint")
            .with_columns(deficit=pl.lit(0.0))
        )
        chosen = _first_choice(candidates, "target").to_numpy()
        if len(chosen) == 0:  # every neighbour already suppressed: take the cheapest cell of the block
            blocks = state.filter(pl.col("cell").is_in(recoverable))["block"].unique()
            candidates = state.filter(~pl.col("suppressed") & pl.col("block").is_in(blocks)).with_columns(
                deficit=pl.lit(0.0)
            )
            chosen = _first_choice(candidates, "block").to_numpy()
            if len(chosen) == 0:
                raise RuntimeError("complementary suppression found no cell left to suppress")
        suppressed[chosen] = True


# --------------------------------------------------------------------------------------
# Noise and statuses


def noise_identities(cells: pl.DataFrame, group: np.ndarray) -> pl.Series:
    """Per cell, the identity of the group of people it counts: the key of the group's first
    cell (:func:`same_group`), so that a group shown twice gets one noise."""
    identity = pl.concat_str(["table", "measure", "key"], separator="|")
    return cells.select(identity.gather(pl.Series(group)).alias("identity"))["identity"]


def noise(identity: pl.Series, settings: ReleaseSettings) -> pl.Series:
    """Discrete Laplace noise, P(k) proportional to exp(-|k| / noise_scale), per group identity.

    The difference of two geometric draws, each from a uniform number taken from a keyed
    hash of the group's identity: SHA-256 of the secret and the identity, hashed again with
    the secret (HMAC's nesting). The same group always gets the same noise, so repeating a
    query cannot average it away (PriPeARL), and without the secret the noise is unknown.
    """
    if settings.noise_scale == 0:
        return pl.Series("noise", np.zeros(len(identity)))
    if settings.secret is None:
        raise ValueError("a release with noise needs a secret: ReleaseSettings(secret=release_secret())")
    alpha = float(np.exp(-1.0 / settings.noise_scale))
    # 52 bits of the digest (13 hexadecimal digits from position {start}) as a number in (0, 1).
    uniform = "((('0x' || substr(digest, {start}, 13))::UBIGINT)::DOUBLE + 0.5) / 4503599627370496.0"
    con = duckdb.connect()
    try:
        con.register("identities", identity.rename("identity").to_frame().with_row_index("row").to_arrow())
        result = con.sql(
            f"""
            WITH hashed AS (
                SELECT row, sha256($secret || '|outer|' || sha256($secret || '|inner|' || identity)) AS digest
                FROM identities
            )
            SELECT floor(ln({uniform.format(start=1)}) / ln($alpha))
                 - floor(ln({uniform.format(start=14)}) / ln($alpha)) AS noise
            FROM hashed ORDER BY row
            """,
            params={"secret": settings.secret, "alpha": alpha},
        ).pl()
    finally:
        con.close()
    return result["noise"]


def protect(
    cells: pl.DataFrame, suppressed: np.ndarray, settings: ReleaseSettings, identity: pl.Series
) -> pl.DataFrame:
    """The released value and status of every cell; ``identity``: :func:`noise_identities`."""
    noised_tables = [t.name for t in RELEASED_TABLES if t.noised and settings.noise_scale > 0]
    is_noised = pl.col("table").is_in(noised_tables)
    return cells.with_columns(noise=noise(identity, settings), suppressed=pl.Series(suppressed)).with_columns(
        released=pl.when(pl.col("suppressed"))
        .then(None)
        .when(is_noised)
        .then((pl.col("value") + pl.col("noise")).round().clip(lower_bound=0))
        .otherwise(pl.col("value").round())
        .cast(pl.Int64),
        status=pl.when(pl.col("suppressed"))
        .then(pl.lit("suppressed"))
        .when(is_noised)
        .then(pl.lit("noised"))
        .otherwise(pl.lit("published")),
    )


def assemble(table: ReleasedTable, true_wide: pl.DataFrame, released: pl.DataFrame) -> pl.DataFrame:
    """The released table: dimensions, each value beside its status, then derived columns."""
    mine = released.filter(pl.col("table") == table.name)
    values = mine.pivot(on="measure", index="key", values="released")
    statuses = mine.pivot(on="measure", index="key", values="status").rename(
        {m: f"{m}_status" for m in table.counts}
    )
    wide = (
        true_wide.select(*table.dimensions, *table.statistics)
        .with_columns(key=_key(table))
        .join(values, on="key", how="left")
        .join(statuses, on="key", how="left")
    )
    for stat, (_, guards) in table.statistics.items():
        hidden = pl.any_horizontal([pl.col(f"{g}_status") == "suppressed" for g in guards])
        wide = wide.with_columns(
            pl.when(hidden).then(None).otherwise(pl.col(stat)).alias(stat),
            pl.when(hidden).then(pl.lit("suppressed")).otherwise(pl.lit("published")).alias(f"{stat}_status"),
        )
    wide = wide.with_columns(**{name: expr for name, (_, expr) in table.derived.items()})
    ordered = [*table.dimensions]
    for column in [*table.counts, *table.statistics]:
        ordered += [column, f"{column}_status"]
    return wide.select(*ordered, *table.derived).sort(list(table.dimensions))


def build_release(con: duckdb.DuckDBPyConnection, settings: ReleaseSettings) -> dict[str, pl.DataFrame]:
    """Every released table, protected, from the warehouse's platform data."""
    true_tables = read_true_tables(con)
    cells = to_cells(true_tables)
    lines = identities(cells)
    group = same_group(cells, lines)
    suppressed = suppress(cells, lines, settings.min_cell_size, nested_pairs(lines, group))
    released = protect(cells, suppressed, settings, noise_identities(cells, group)).filter("written")
    return {t.name: assemble(t, true_tables[t.name], released) for t in RELEASED_TABLES}


# --------------------------------------------------------------------------------------
# Writing the release


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column_comments(table: ReleasedTable) -> dict[str, str]:
    """Every released column and what it holds."""
    comments = dict(table.dimensions)
    for column, text in table.counts.items():
        protection = "exact (public postings)" if not table.noised else "noised"
        comments[column] = f"{text} Count, {protection}; NULL where suppressed."
        comments[f"{column}_status"] = f"published / noised / suppressed: how {column} was released."
    for column, (text, guards) in table.statistics.items():
        where = " or ".join(guards)
        comments[column] = f"{text} Exact; NULL where {where} is suppressed."
        comments[f"{column}_status"] = f"published, or suppressed where {where} is suppressed."
    for column, (text, _) in table.derived.items():
        comments[column] = f"{text} NULL where a value it uses is suppressed."
    return comments


def _write_duckdb(tables: dict[str, pl.DataFrame], path: Path) -> None:
    con = duckdb.connect(str(path), config={"storage_compatibility_version": STORAGE_VERSION})
    try:
        for table in RELEASED_TABLES:
            con.register("released", tables[table.name].to_arrow())
            con.execute(f"CREATE TABLE {table.name} AS SELECT * FROM released")
            con.unregister("released")
            con.execute(f"COMMENT ON TABLE {table.name} IS {_quote(table.description)}")
            for column, text in column_comments(table).items():
                con.execute(f"COMMENT ON COLUMN {table.name}.{column} IS {_quote(text)}")
        statuses = pl.DataFrame({"status": list(STATUSES), "meaning": list(STATUSES.values())})
        con.register("statuses", statuses.to_arrow())
        con.execute("CREATE TABLE status_flags AS SELECT * FROM statuses")
        con.execute("COMMENT ON TABLE status_flags IS 'What each value of a *_status column means.'")
        con.execute("COMMENT ON COLUMN status_flags.status IS 'A value of the *_status columns.'")
        con.execute("COMMENT ON COLUMN status_flags.meaning IS 'How a value with this status was released.'")
    finally:
        con.close()


def _status_counts(frame: pl.DataFrame) -> dict[str, int]:
    statuses = frame.select(pl.concat_list(pl.col("^.*_status$")).alias("s")).explode("s")["s"]
    counts = statuses.value_counts()
    return {s: int(counts.filter(pl.col("s") == s)["count"].sum()) for s in STATUSES}


def release_notes(tables: dict[str, pl.DataFrame], settings: ReleaseSettings) -> str:
    """RELEASE.md: what each table holds and how it is protected. Never the secret: it must stay private."""
    noise_text = (
        f"discrete Laplace noise of scale {settings.noise_scale:g} (P(k) proportional to "
        f"exp(-|k| / {settings.noise_scale:g}); standard deviation "
        f"{np.sqrt(2 * np.exp(-1 / settings.noise_scale)) / (1 - np.exp(-1 / settings.noise_scale)):.1f})"
        if settings.noise_scale > 0
        else "no noise (noise_scale 0): every released value is exact"
    )
    size = settings.min_cell_size
    lines = [
        "# Public release: the economic graph in aggregates",
        "",
        (
            "Aggregates of what the professional network sees of its members, safe to share with "
            "outsiders (a city council, researchers): counts of groups of people, never a person. Every "
            "table is in `release.duckdb` and, the same, in `<table>.csv` (an empty field is a suppressed "
            "value)."
        ),
        "",
        "## Protection",
        "",
        (
            f"- **Minimum cell size {size}.** A count of fewer than {size} people is suppressed (NULL); "
            "so is every statistic of that group."
        ),
        (
            "- **Complementary suppression.** Where a table holds a total ('all') and its parts, or two "
            "tables must agree (below), more cells are suppressed so that no suppressed value can be "
            "recovered exactly from released values by any combination of totals and neighbours "
            "(checked by linear algebra over all identities of a year), and the suppressed parts of any "
            f"total count at least {size} people together."
        ),
        (
            "- **Complements.** Counts nested in one another (a total and its parts; graduates, those "
            "employed within 12 months and those employed within 6; members and departures; hires and job "
            "changes; a city's departures and its movers to one destination) reveal the group between "
            "them by subtraction, or through a share (1 - employed_within_12_months_share is the share not "
            f"employed). No two released nested counts differ by fewer than {size} people, 0 included "
            "('every graduate found a job' would tell each graduate's outcome), and the groups between "
            f"them of fewer than {size} people (not employed within 12 months, employed in months 6-11, "
            "members who stayed, hires that are not job changes) are protected like suppressed values: no "
            "combination of released values recovers them. Statistics and shares are withheld with the "
            "counts they come from."
        ),
        (
            f"- **Deterministic noise.** Every released count of people carries {noise_text}, drawn from "
            "a keyed hash of the release secret and the group of people the cell counts: asking again "
            "gives the same value, and a group shown in two places (a level with a single field: its "
            "'all' and its field count the same graduates) shows the same value in both, so the noise "
            "cannot be averaged away. Totals therefore differ slightly from the sum of their parts, and a "
            "count can differ slightly from a count it bounds; rates are computed from the noised counts."
        ),
        (
            "- **The release secret.** The noise comes from a random secret of this installation, never "
            "from anything public (not the scenario, not its seed). Whoever holds it can subtract the "
            "noise: it must stay private, never published or shared, and it is in no file of this "
            f"release. It is the environment variable `{SECRET_ENV}` (at least {SECRET_MIN_HEX} "
            "hexadecimal characters) when set, else the file `release.secret` in `$DAGSTER_HOME` (in "
            "`~/.config/economic-graph-simulator/` when DAGSTER_HOME is unset), created at random with "
            "mode 0600 on the first release, outside the data folder. Releases of the same data with the "
            "same secret are identical. Rotating it (deleting the file, or setting another "
            f"`{SECRET_ENV}`) makes the next release's noise independent of every earlier release's: "
            "anyone holding an old and a new release can then average the two and halve the noise's "
            "variance. So keep the secret (back it up with the installation) and rotate it only if it "
            "leaked."
        ),
        (
            "- **Nothing identifying.** No names, e-mail addresses, IDs or dates finer than a year; no "
            "cells per company or per institution. Only the platform's own data (its members) is released."
        ),
        (
            "- **One checked run.** This folder is published together with the warehouse and the insight "
            "report of the same run, and only after every blocking data-quality check of that run passed; "
            "a failed or killed run leaves the previous release, warehouse and report in place, together."
        ),
        "",
        "## How the protection is tested",
        "",
        (
            "The project's test suite (`tests/test_release.py`) attacks every release it builds and fails "
            "if any attack succeeds: subtraction of released totals and neighbours, linear algebra over all "
            "identities of a year, linear-programming bounds from non-negative counts, differences and "
            "shares of nested counts (complements), averaging of cells that count the same group, and "
            "de-noising by regenerating the noise from every public input (the scenario and its seed). "
            "The last recovers no more cells than chance (a noise draw is 0 with probability "
            "(1 - a) / (1 + a), a = exp(-1 / scale))."
        ),
        "",
        "Every value sits beside a status column (`<column>_status`, LEHD-style flags):",
        "",
        "| status | meaning |",
        "|---|---|",
        *(f"| {s} | {m} |" for s, m in STATUSES.items()),
        "",
        "Identities the release respects (what the protection guards):",
        "",
        "- talent_flows: per year, city and column, the families add up to 'all'.",
        (
            "- talent_flows: per year and family, arrivals summed over the cities equal departures "
            "summed over the cities."
        ),
        (
            "- talent_flows_od: per year, movers out of a city (all destinations) = "
            "talent_flows.departures of that city, family 'all'; movers into a city = its "
            "talent_flows.arrivals."
        ),
        "- job_changes: per year and column, the families add up to 'all'.",
        (
            "- time_to_first_job: per graduation year and column, the fields of a level add up to the "
            "level's 'all', and the levels to level 'all'."
        ),
        (
            "- Nested counts, per cell: time_to_first_job employed_within_6_months <= "
            "employed_within_12_months <= graduates; talent_flows departures <= members; job_changes "
            "job_changes <= hires; talent_flows_od movers <= the origin's departures and the destination's "
            "arrivals (family 'all')."
        ),
        "",
    ]
    for table in RELEASED_TABLES:
        frame = tables[table.name]
        counts = _status_counts(frame)
        lines += [
            f"## {table.name}",
            "",
            table.description,
            "",
            f"{frame.height:,} rows; values " + ", ".join(f"{n:,} {s}" for s, n in counts.items()) + ".",
            "",
            "| column | meaning |",
            "|---|---|",
            *(f"| {c} | {t} |" for c, t in column_comments(table).items()),
            "",
        ]
    return "\n".join(lines)


def _staging_prefix(target: Path) -> str:
    return f".{target.name}-"


def _previous(target: Path) -> Path:
    return target.with_name(f".{target.name}.previous")


def _clear_leftovers(target: Path) -> None:
    """Undo what a killed run left: a staging folder, or the old release set aside mid-swap.

    Safe because releases are written one at a time (the asset is in the writers' pool).
    """
    for stale in target.parent.glob(_staging_prefix(target) + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    previous = _previous(target)
    if previous.exists() and not target.exists():
        os.replace(previous, target)
    shutil.rmtree(previous, ignore_errors=True)


def _swap_in(staging: Path, target: Path) -> None:
    """Replace target by staging: readers see the old release or the new one, never a mix.

    A directory cannot replace a non-empty one in a single rename, so the old release steps
    aside first and comes back should the second rename fail.
    """
    previous = _previous(target)
    if target.exists():
        os.replace(target, previous)
    try:
        os.replace(staging, target)
    except BaseException:
        if previous.exists():
            os.replace(previous, target)
        raise
    shutil.rmtree(previous, ignore_errors=True)


def write_release(tables: dict[str, pl.DataFrame], target: str | Path, settings: ReleaseSettings) -> Path:
    """Write the release (release.duckdb, one CSV per table, RELEASE.md) to ``target`` at once."""
    target = Path(target)
    # The old release is replaced whole: a secret file inside it would be published, then deleted.
    from_file = not os.environ.get(SECRET_ENV, "").strip()
    if from_file and secret_path().resolve().is_relative_to(target.resolve()):
        raise ValueError(
            f"the release secret {secret_path()} is inside the release folder {target}: "
            "set DAGSTER_HOME to a folder outside it"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    _clear_leftovers(target)
    staging = Path(tempfile.mkdtemp(prefix=_staging_prefix(target), dir=target.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private; the release is for everyone
        _write_duckdb(tables, staging / "release.duckdb")
        for name, frame in tables.items():
            frame.write_csv(staging / f"{name}.csv")
        (staging / "RELEASE.md").write_text(release_notes(tables, settings), encoding="utf-8")
        _swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def publish(
    con: duckdb.DuckDBPyConnection, target: str | Path, settings: ReleaseSettings
) -> dict[str, pl.DataFrame]:
    """Build the release from the warehouse and write it to ``target``."""
    tables = build_release(con, settings)
    write_release(tables, target, settings)
    return tables
