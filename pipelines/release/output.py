"""Writing the release: release.duckdb, one CSV per table and RELEASE.md, swapped in at once."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

from pipelines.release.noise import build_release
from pipelines.release.secret import SECRET_ENV, SECRET_MIN_HEX, secret_path
from pipelines.release.settings import STATUSES, STORAGE_VERSION, ReleaseSettings
from pipelines.release.tables import RELEASED_TABLES, ReleasedTable


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


def status_counts(frame: pl.DataFrame) -> dict[str, int]:
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
        counts = status_counts(frame)
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
