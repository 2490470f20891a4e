"""raw.connections: the professional network, drawn once every shard of people is written.

People are generated in independent blocks, but a person's colleagues and classmates are
spread over all blocks, so the network is a global stage over the whole staging lake's
truth tables (truth.positions, truth.people, truth.educations, raw.members). The model
(the planted parameters are the scenario's ``network`` section):

- Teams. The staff of a company in one occupation family is split into
  max(1, round(mean headcount / team_size)) teams, the mean headcount taken over the
  months of the timeline. A person's team there is a hash of the seed, the person and the
  company, so a promotion or a return keeps the team. Two members whose positions in one
  team overlapped connect with ``colleague_probability``.
  Splitting big employers into teams keeps the pairs linear in the headcount: a company
  of 10,000 makes about 10,000 x team_size pairs, not 10,000 squared.
- Classes. The graduates of an institution, level, field and graduation year are split
  the same way into max(1, round(graduates / class_size)) classes; two members of a class
  connect with ``classmate_probability``.
- Elsewhere. Each member makes Binomial(slots, other_per_member / 2 / slots) connections
  with members drawn uniformly (``other_per_member`` per member, counting both ends).
- Dates. Colleagues and classmates connect ``lag_months`` after the later of the month
  they met (the start of the overlap, or the later study start) and both join months.
  Other connections form at a uniform month between the later join and the end of the
  timeline. A connection dated after the timeline is not formed (yet).
A pair met in several contexts is one connection, dated by its earliest; its context is
the one that connected it first (colleagues before classmates before other on a tie).

Every draw is a uniform number hashed from (seed, what, member_a, member_b), not taken from
a random stream: the result is a function of the lake's content alone, whatever the shard
count, the file order or the thread timing. (The hash is DuckDB's, fixed by the locked
version.) DuckDB does the joins with a memory limit, spilling to a folder under the
staging lake, and the pairs are formed in chunks of member_a so that one chunk's pairs
are aggregated at a time.
"""

from __future__ import annotations

import hashlib
import math
import shutil
from pathlib import Path

import duckdb

from synthetic.scenario import Scenario

LAKE_NAME = "raw_connections"
CONTEXTS = ("colleagues", "classmates", "other")  # also the tie-break order on equal dates
MEMORY_LIMIT = "1GB"
# About 20 million candidate rows per chunk at the default network: a few hundred MB.
MEMBERS_PER_CHUNK = 1_000_000
MEMBER_ID_SPACE = 2**32  # member ids lie in [0, 2**32) (synthetic.platform.member_ids)
_SPILL_FOLDER = ".connections-spill"
_MONTH_OFFSET = 1_000_000  # months: far more than any career before the window


def _salt(seed: int, what: str) -> int:
    """A 63-bit integer standing for (seed, what): one hashed argument instead of two per row."""
    digest = hashlib.blake2b(f"{seed}:{what}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _hash(seed: int, what: str, keys: str) -> str:
    """SQL for a 64-bit hash of the seed, a label and key columns.

    DuckDB combines the hashes of several arguments cheaply: two draws of one pair under
    different labels come out correlated (about -0.02 for member ids). Hashing the
    combination once more mixes every bit, and the draws become independent.
    """
    return f"hash(hash(CAST({_salt(seed, what)} AS BIGINT), {keys}))"


def _uniform(seed: int, what: str, keys: str) -> str:
    """SQL for a uniform number in [0, 1) hashed from the seed, a label and key columns."""
    return f"(CAST({_hash(seed, what, keys)} >> 11 AS DOUBLE) / 9007199254740992.0)"


def _bucket(seed: int, what: str, keys: str, buckets: str) -> str:
    """SQL for a bucket in [0, buckets) hashed from the seed, a label and key columns."""
    return f"CAST({_hash(seed, what, keys)} % CAST({buckets} AS UBIGINT) AS BIGINT)"


def _lag(pmf: dict[int, float], uniform: str) -> str:
    """SQL drawing a lag in months from its distribution by inverting the cumulative sum."""
    items = sorted(pmf.items())
    cases, cumulative = [], 0.0
    for months, p in items[:-1]:
        cumulative += p
        cases.append(f"WHEN {uniform} < {cumulative!r} THEN {months}")
    return f"CASE {' '.join(cases)} ELSE {items[-1][0]} END" if cases else str(items[-1][0])


def _files(root: Path, lake_name: str) -> str:
    return "'" + str(root / lake_name / "shard=*" / "*.parquet").replace("'", "''") + "'"


def write_connections(scenario: Scenario, root: Path) -> int:
    """Draw raw.connections from the staging lake under ``root`` and write it there; returns the rows."""
    root = Path(root)
    out = root / LAKE_NAME / "shard=0"
    out.mkdir(parents=True, exist_ok=True)
    spill = root / _SPILL_FOLDER
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT, "temp_directory": str(spill)})
    try:
        _stage_inputs(con, scenario, root)
        members = con.execute("SELECT count(*) FROM members").fetchone()[0]
        chunks = max(1, math.ceil(members / MEMBERS_PER_CHUNK))
        rows = 0
        for chunk in range(chunks):
            low, high = chunk * MEMBER_ID_SPACE // chunks, (chunk + 1) * MEMBER_ID_SPACE // chunks
            target = str(out / f"part-{chunk}.parquet").replace("'", "''")
            query = _connections_query(scenario, members, low, high)
            # zstd level 1 (DuckDB's default is 3): writes in about 40% less time, same size.
            copy = f"COPY ({query}) TO '{target}' (FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)"
            rows += con.execute(copy).fetchone()[0]
        return rows
    finally:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)


def _stage_inputs(con: duckdb.DuckDBPyConnection, scenario: Scenario, root: Path) -> None:
    """Members, their positions with teams and their educations with classes, in month indices."""
    net, seed = scenario.network, scenario.seed
    start, months = scenario.timeline.start_date.isoformat(), scenario.timeline.months

    def month(column: str) -> str:
        return f"CAST(datediff('month', DATE '{start}', {column}) AS INTEGER)"

    con.execute(
        f"""
        CREATE TEMP TABLE members AS
        SELECT p.person_id, p.member_id, {month('m.joined_on')} AS joined_t
        FROM read_parquet({_files(root, 'truth_people')}) p
        JOIN read_parquet({_files(root, 'raw_members')}) m ON m.member_id = p.member_id
        """
    )
    positions = f"""
        SELECT person_id, company_id, occupation_family,
               {month('start_date')} AS s, coalesce({month('end_date')}, {months}) AS e
        FROM read_parquet({_files(root, 'truth_positions')})
    """
    # Teams follow the whole workforce's headcount, members or not: a team is a world thing.
    # first_team numbers the teams of all companies and families one after the other.
    con.execute(
        f"""
        CREATE TEMP TABLE team_counts AS
        SELECT *, sum(teams) OVER (ORDER BY company_id, occupation_family ROWS UNBOUNDED PRECEDING) - teams
                  AS first_team
        FROM (
            SELECT company_id, occupation_family,
                   CAST(greatest(1, round(sum(greatest(least(e, {months}) - greatest(s, 0), 0))
                                          / {months} / {net.team_size!r})) AS BIGINT) AS teams
            FROM ({positions}) GROUP BY company_id, occupation_family
        )
        """
    )
    # A person's team at a company depends on the person, not the position: a promotion
    # or a return keeps it. Back-to-back positions in one team (promotions) make one spell,
    # which meets the same colleagues as its positions did, with fewer rows to pair.
    con.execute(
        f"""
        CREATE TEMP TABLE member_spells AS
        WITH positions_in_teams AS (
            SELECT m.member_id, m.joined_t, p.s, p.e,
                   t.first_team + {_bucket(seed, 'team', 'p.person_id, p.company_id', 't.teams')} AS team
            FROM ({positions}) p
            JOIN members m ON m.person_id = p.person_id
            JOIN team_counts t ON t.company_id = p.company_id AND t.occupation_family = p.occupation_family
        ),
        spell_starts AS (
            SELECT *, CASE WHEN lag(e) OVER (PARTITION BY member_id, team ORDER BY s) = s THEN 0 ELSE 1 END
                      AS starts_spell
            FROM positions_in_teams
        ),
        numbered AS (
            SELECT *,
                   sum(starts_spell) OVER (PARTITION BY member_id, team ORDER BY s ROWS UNBOUNDED PRECEDING)
                       AS spell
            FROM spell_starts
        )
        SELECT member_id, min(joined_t) AS joined_t, team, min(s) AS s, max(e) AS e
        FROM numbered GROUP BY member_id, team, spell
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE class_counts AS
        SELECT *,
               sum(classes) OVER (
                   ORDER BY institution, level, field, graduation_year ROWS UNBOUNDED PRECEDING
               ) - classes AS first_class
        FROM (
            SELECT institution, level, field, year(graduation_date) AS graduation_year,
                   CAST(greatest(1, round(count(*) / {net.class_size!r})) AS BIGINT) AS classes
            FROM read_parquet({_files(root, 'truth_educations')})
            GROUP BY institution, level, field, year(graduation_date)
        )
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE member_classes AS
        SELECT m.member_id, m.joined_t, {month('e.start_date')} AS study_t,
               c.first_class + {_bucket(seed, 'class', 'e.person_id', 'c.classes')} AS class
        FROM read_parquet({_files(root, 'truth_educations')}) e
        JOIN members m ON m.person_id = e.person_id
        JOIN class_counts c
          ON c.institution = e.institution AND c.level = e.level AND c.field = e.field
         AND c.graduation_year = year(e.graduation_date)
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE member_index AS
        SELECT member_id, joined_t, row_number() OVER (ORDER BY member_id) - 1 AS idx FROM members
        """
    )


def _connections_query(scenario: Scenario, members: int, low: int, high: int) -> str:
    """SELECT of the connections whose member_a lies in [low, high), one row per pair.

    Every context yields candidate rows (member_a, member_b, month, priority); a pair met
    several times in one context has one draw (hashed from the pair), several rows, and
    keeps the earliest, like a pair met in several contexts.
    """
    net, seed = scenario.network, scenario.seed
    start, last = scenario.timeline.start_date.isoformat(), scenario.timeline.months - 1
    in_chunk = f"BETWEEN {low} AND {high - 1}"

    def lagged(priority: int, met: str) -> str:
        return f"""
            SELECT member_a, member_b, met_t + {_lag(net.lag_months, 'u_lag')} AS t, {priority} AS priority
            FROM ({met}) met_pairs
        """

    colleagues = lagged(
        0,
        f"""
        SELECT a.member_id AS member_a, b.member_id AS member_b,
               greatest(a.s, b.s, a.joined_t, b.joined_t) AS met_t,
               {_uniform(seed, 'colleagues-lag', 'a.member_id, b.member_id')} AS u_lag
        FROM member_spells a
        JOIN member_spells b ON a.team = b.team AND a.member_id < b.member_id AND a.s < b.e AND b.s < a.e
        WHERE a.member_id {in_chunk}
          AND {_uniform(seed, 'colleagues', 'a.member_id, b.member_id')} < {net.colleague_probability!r}
        """,
    )
    classmates = lagged(
        1,
        f"""
        SELECT a.member_id AS member_a, b.member_id AS member_b,
               greatest(a.study_t, b.study_t, a.joined_t, b.joined_t) AS met_t,
               {_uniform(seed, 'classmates-lag', 'a.member_id, b.member_id')} AS u_lag
        FROM member_classes a
        JOIN member_classes b ON a.class = b.class AND a.member_id < b.member_id
        WHERE a.member_id {in_chunk}
          AND {_uniform(seed, 'classmates', 'a.member_id, b.member_id')} < {net.classmate_probability!r}
        """,
    )
    parts = [colleagues, classmates]
    if net.other_per_member > 0:
        slots = max(1, math.ceil(net.other_per_member))
        per_slot = net.other_per_member / 2 / slots
        partner = _bucket(seed, "other-partner", "m.member_id, slots.slot", str(max(members, 1)))
        # met_t <= last (everybody joined by then), so the month lies in [met_t, last].
        parts.append(
            f"""
            SELECT member_a, member_b,
                   met_t + CAST(floor({_uniform(seed, 'other-month', 'member_a, member_b')}
                                      * ({last} + 1 - met_t)) AS INTEGER) AS t,
                   2 AS priority
            FROM (
                SELECT least(m.member_id, partner.member_id) AS member_a,
                       greatest(m.member_id, partner.member_id) AS member_b,
                       greatest(m.joined_t, partner.joined_t) AS met_t
                FROM member_index m
                CROSS JOIN range({slots}) slots(slot)
                JOIN member_index partner ON partner.idx = {partner}
                WHERE {_uniform(seed, 'other', 'm.member_id, slots.slot')} < {per_slot!r}
                  AND partner.member_id <> m.member_id
                  AND least(m.member_id, partner.member_id) {in_chunk}
            )
            """
        )
    candidates = "\nUNION ALL\n".join(parts)
    # One non-negative integer orders by month, then by context: its minimum is the first
    # meeting (months before the window are negative, hence the offset).
    whens = [f"WHEN {i} THEN '{c}'" for i, c in enumerate(CONTEXTS)]
    context = " ".join(["CASE first_meeting % 4", *whens, "END"])
    month = f"CAST(first_meeting // 4 - {_MONTH_OFFSET} AS INTEGER)"
    return f"""
        SELECT CAST(member_a AS BIGINT) AS member_a, CAST(member_b AS BIGINT) AS member_b,
               CAST(DATE '{start}' + to_months({month}) AS DATE) AS connected_on,
               {context} AS context
        FROM (
            SELECT member_a, member_b,
                   min((CAST(t AS BIGINT) + {_MONTH_OFFSET}) * 4 + priority) AS first_meeting
            FROM ({candidates})
            WHERE t <= {last}
            GROUP BY member_a, member_b
        )
        ORDER BY member_a, member_b
    """
