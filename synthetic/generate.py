"""One block of people, end to end: the world (truth.*) and the platform's view (raw.*).

People are generated in fixed blocks of BLOCK_SIZE. Block b draws from its own random
stream ``SeedSequence(seed, spawn_key=(1, b))`` and allocates row identifiers in its own
range, so a block's rows are the same whichever shard or process generates it: the
shard count only decides which blocks a shard writes. Several blocks are generated
together (generate_blocks), each still from its own stream, and come out as Arrow tables.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from synthetic.careers import END_REASONS, REASONS, leaves_market_t, simulate_careers_blocks
from synthetic.companies import Companies, draw_companies
from synthetic.marketplace import SKILL_SOURCES, draw_posting_events, draw_skill_sources
from synthetic.model import Model
from synthetic.people import People, draw_people, mbo_level_rng, retirement_rng
from synthetic.platform import draw_member_skills, draw_membership, member_ids, observe_positions
from synthetic.pools import NamePools, build_pools
from synthetic.postings import draw_posting_skills, draw_postings
from synthetic.residence import draw_residences, observe_locations, residence_rng
from synthetic.searches import draw_recruiter_searches
from synthetic.side_jobs import draw_side_jobs, side_job_rng
from synthetic.wages import draw_salary_reports, draw_wages, employer_effects, wage_rng

BLOCK_SIZE = 4096
IDS_PER_BLOCK = 10_000_000  # positions and postings of block b get ids b * IDS_PER_BLOCK + 1 ...
COMPANY_STREAM = (0, 0)


def block_count(people: int) -> int:
    return -(-people // BLOCK_SIZE)


def block_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, block)))


def world_companies(model: Model) -> tuple[Companies, NamePools]:
    sc = model.scenario
    pools = build_pools(sc.seed)
    rng = np.random.default_rng(np.random.SeedSequence(sc.seed, spawn_key=COMPANY_STREAM))
    companies = draw_companies(model, rng, sc.people, pools)
    companies.wage_effect = employer_effects(model, companies.company_id.size)
    return companies, pools


def _nullable(values: np.ndarray, missing: np.ndarray) -> pa.Array:
    return pa.array(values, mask=np.asarray(missing, dtype=bool))


def _dates(model: Model, t: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Month indices -> dates on the first of the month (NULL where ``missing``).

    The calendar conversion runs once per distinct month, not per row: a gather from
    the days of the few hundred months the rows span.
    """
    t = np.asarray(t, dtype=np.int64)
    if t.size == 0:
        return pa.array([], type=pa.date32())
    low = int(t.min())
    days = model.month_dates(np.arange(low, int(t.max()) + 1)).astype(np.int32)[t - low]
    return pa.array(days, mask=missing).view(pa.date32())


def _pick(labels: list[str], codes: np.ndarray) -> pa.DictionaryArray:
    """Labels by code, dictionary-coded: the few labels once, and an int32 code per row;
    a negative code is NULL.

    No string is built per row, and Parquet writes the column as the labels' dictionary
    page and the codes without hashing a string.
    """
    codes = np.asarray(codes, dtype=np.int32)
    missing = codes < 0
    indices = pa.array(codes, mask=missing) if missing.any() else pa.array(codes)
    return pa.DictionaryArray.from_arrays(indices, pa.array(labels, type=pa.string()))


def _label(labels: list[str], codes: np.ndarray) -> pa.Array:
    """Labels by code as plain strings (for a list column's values)."""
    return pa.array(labels, type=pa.string()).take(pa.array(np.asarray(codes, dtype=np.int64)))


def _table(columns: dict[str, object]) -> pa.Table:
    return pa.table({name: v if isinstance(v, pa.Array) else pa.array(v) for name, v in columns.items()})


_SENIORITY_TITLE = np.array(["Junior ", "", "Senior ", "Lead "], dtype=object)


def block_people(model: Model, pools: NamePools, block: int) -> tuple[np.random.Generator, People]:
    """The random stream of a block and its people, the stream's first draws."""
    sc = model.scenario
    rng = block_rng(sc.seed, block)
    n = min(BLOCK_SIZE, sc.people - block * BLOCK_SIZE)
    return rng, draw_people(
        model, rng, block * BLOCK_SIZE + 1, n, pools, mbo_level_rng(sc.seed, block), retirement_rng(sc.seed, block)
    )


def generate_blocks(
    model: Model, companies: Companies, pools: NamePools, blocks: list[int]
) -> dict[str, pa.Table]:
    """Every table of the given blocks, the blocks' rows one after the other.

    The careers of all the blocks are simulated together (one month at a time over all
    their people), each block drawing from its own stream as it would alone, so the rows
    of a block do not depend on the blocks generated with it.
    """
    streams = [block_people(model, pools, block) for block in blocks]
    careers = simulate_careers_blocks(model, [rng for rng, _ in streams], [p for _, p in streams], companies)
    parts: dict[str, list[pa.Table]] = {}
    for block, (rng, people), positions in zip(blocks, streams, careers):
        for table, data in _block_tables(model, companies, pools, block, rng, people, positions).items():
            parts.setdefault(table, []).append(data)
    return {table: pa.concat_tables(tables) for table, tables in parts.items()}


def generate_block(model: Model, companies: Companies, pools: NamePools, block: int) -> dict[str, pa.Table]:
    return generate_blocks(model, companies, pools, [block])


def _block_tables(
    model: Model,
    companies: Companies,
    pools: NamePools,
    block: int,
    rng: np.random.Generator,
    people: People,
    positions,
) -> dict[str, pa.Table]:
    """The tables of one block from its people and careers; the block's stream goes on from there."""
    membership = draw_membership(model, rng, people)
    reported = observe_positions(model, rng, positions, membership)

    id_base = block * IDS_PER_BLOCK
    position_id = id_base + 1 + np.arange(positions.person.size, dtype=np.int64)
    hires = np.flatnonzero(np.isin(positions.reason, [1, 2, 3]) & (positions.start_t >= 0))
    member_at_hire = membership.is_member[positions.person[hires]] & (
        membership.join_t[positions.person[hires]] <= positions.start_t[hires]
    )
    postings = draw_postings(model, rng, positions, hires, member_at_hire)
    posting_row, posting_skill = draw_posting_skills(model, rng, postings)
    posting_id = id_base + 1 + np.arange(postings.company.size, dtype=np.int64)
    # Until retirement or an early exit: then a member looks for no work and adds no skills.
    leaves_t = leaves_market_t(people, positions)
    skills = draw_member_skills(model, rng, people, membership, leaves_t)

    mids = member_ids(people.person_id).astype(np.int64)
    full_name = pools.full_names(people.first_name, people.last_name)
    school_city = model.institution_city[people.institution]

    # Latest city: of the last true position (truth) and of the last visible one (platform).
    last_true = np.append(positions.person[1:] != positions.person[:-1], True)
    true_city = school_city.copy()
    true_city[positions.person[last_true]] = positions.city[last_true]
    vis_person = positions.person[reported.rows]
    last_vis = np.append(vis_person[1:] != vis_person[:-1], True) if vis_person.size else vis_person.astype(bool)
    platform_city = school_city.copy()
    platform_city[vis_person[last_vis]] = positions.city[reported.rows[last_vis]]

    def position_columns(rows: np.ndarray, end_t: np.ndarray) -> dict[str, pa.Array]:
        occ = positions.occupation[rows]
        sen = positions.seniority[rows]
        titles = _pick(
            [prefix + occupation for prefix in _SENIORITY_TITLE for occupation in model.occupations],
            sen * len(model.occupations) + occ,
        )
        return {
            "company_id": companies.company_id[positions.company[rows]],
            "title": titles,
            "occupation": _pick(model.occupations, occ),
            "occupation_family": _pick(model.families, model.occupation_family[occ]),
            "seniority": _pick(model.seniorities, sen),
            "city": _pick(model.cities, positions.city[rows]),
            "start_date": _dates(model, positions.start_t[rows]),
            "end_date": _dates(model, end_t, missing=end_t < 0),
        }

    all_rows = np.arange(positions.person.size)
    truth_positions = _table(
        {
            "position_id": position_id,
            "person_id": people.person_id[positions.person],
            **position_columns(all_rows, positions.end_t),
            "start_reason": _pick(list(REASONS), positions.reason),
            "end_reason": _pick(list(END_REASONS), positions.end_reason),
        }
    )
    # Wages draw from a stream of their own: every other table keeps its draws.
    wage_stream = wage_rng(model.scenario.seed, block)
    wages = draw_wages(model, wage_stream, people, positions, companies.wage_effect)
    truth_wages = _table(
        {
            "position_id": position_id[wages.position],
            "person_id": people.person_id[positions.person[wages.position]],
            "effective_from": _dates(model, wages.t),
            "monthly_wage": wages.monthly_wage,
        }
    )
    salaries = draw_salary_reports(
        model, wage_stream, people, positions, membership.is_member, membership.join_t, wages
    )
    raw_salary_reports = _table(
        {
            "report_id": id_base + 1 + np.arange(salaries.position.size, dtype=np.int64),
            "member_id": mids[positions.person[salaries.position]],
            "occupation": _pick(model.occupations, positions.occupation[salaries.position]),
            "seniority": _pick(model.seniorities, positions.seniority[salaries.position]),
            "city": _pick(model.cities, positions.city[salaries.position]),
            "yearly_salary": salaries.yearly_salary,
            "reported_on": _dates(model, salaries.t),
        }
    )
    raw_positions = _table(
        {
            "position_id": position_id[reported.rows],
            "member_id": mids[positions.person[reported.rows]],
            **position_columns(reported.rows, reported.end_t),
            "reported_on": _dates(model, reported.reported_t),
        }
    )

    def education_columns(rows: np.ndarray) -> dict[str, pa.Array]:
        return {
            "institution": _pick(model.institutions, people.institution[rows]),
            "level": _pick(model.levels, people.level[rows]),
            "mbo_level": _nullable(people.mbo_level[rows].astype(np.int32), people.mbo_level[rows] == 0),
            "field": _pick(model.fields, people.field[rows]),
            "start_date": _dates(model, people.study_start_t[rows]),
            "graduation_date": _dates(model, people.graduation_t[rows]),
        }

    everyone = np.arange(len(people))
    educations = _table({"person_id": people.person_id, **education_columns(everyone)})
    truth_people = _table(
        {
            "person_id": people.person_id,
            "member_id": _nullable(mids, ~membership.is_member),
            "full_name": full_name,
            "birth_year": pa.array(people.birth_year, type=pa.int32()),
            "highest_education_level": _pick(model.levels, people.level),
            "labour_market_entry": _dates(model, people.graduation_t),
            "retirement": _dates(model, people.retirement_t),
            "city": _pick(model.cities, true_city),
        }
    )
    # Side jobs draw from a stream of their own: every other table keeps its draws.
    side_jobs = draw_side_jobs(model, side_job_rng(model.scenario.seed, block), people, companies)
    truth_student_jobs = _table(
        {
            "person_id": people.person_id[side_jobs.person],
            "company_id": companies.company_id[side_jobs.company],
            "school_level": _pick(model.levels, side_jobs.school_level),
            "start_date": _dates(model, side_jobs.start_t),
            "end_date": _dates(model, side_jobs.end_t),
        }
    )
    # Residences, and the locations profiles show, draw from a stream of their own too.
    residence_stream = residence_rng(model.scenario.seed, block)
    residences = draw_residences(model, residence_stream, people, positions, leaves_t)
    truth_residences = _table(
        {
            "person_id": people.person_id[residences.person],
            "city": _pick(model.cities, residences.city),
            "start_date": _dates(model, residences.start_t),
            "end_date": _dates(model, residences.end_t, missing=residences.end_t < 0),
        }
    )
    locations = observe_locations(
        model, residence_stream, people, residences, membership.is_member, membership.join_t
    )
    raw_profile_locations = _table(
        {
            "member_id": mids[locations.person],
            "city": _pick(model.cities, locations.city),
            "set_on": _dates(model, locations.set_t),
        }
    )
    member_rows = np.flatnonzero(membership.is_member)
    domain = rng.integers(0, len(pools.email_domains), member_rows.size)
    raw_members = _table(
        {
            "member_id": mids[member_rows],
            "full_name": full_name.take(pa.array(member_rows)),
            "email": pools.emails(
                people.first_name[member_rows], people.last_name[member_rows], mids[member_rows], domain
            ),
            "joined_on": _dates(model, membership.join_t[member_rows]),
            "city": _pick(model.cities, platform_city[member_rows]),
            "highest_education_level": _pick(model.levels, people.level[member_rows]),
        }
    )
    raw_educations = _table({"member_id": mids[member_rows], **education_columns(member_rows)})
    hired = postings.hired_position
    hired_member = np.where(postings.platform_hire, mids[positions.person[np.maximum(hired, 0)]], -1)
    raw_postings = _table(
        {
            "posting_id": posting_id,
            "company_id": companies.company_id[postings.company],
            "occupation": _pick(model.occupations, postings.occupation),
            "occupation_family": _pick(model.families, model.occupation_family[postings.occupation]),
            "city": _pick(model.cities, postings.city),
            "seniority": _pick(model.seniorities, postings.seniority),
            "opened_on": _dates(model, postings.opened_t),
            "closed_on": _dates(model, postings.closed_t, missing=postings.closed_t < 0),
            "hired_member_id": _nullable(hired_member, hired_member < 0),
        }
    )
    raw_posting_skills = _table(
        {"posting_id": posting_id[posting_row], "skill": _pick(model.skills, posting_skill)}
    )
    # The marketplace comes last: its draws leave every table above as it was without it.
    sources = draw_skill_sources(model, rng, skills.person.size)
    raw_member_skills = _table(
        {
            "member_id": mids[skills.person],
            "skill": _pick(model.skills, skills.skill),
            "source": _pick(list(SKILL_SOURCES), sources),
            "added_on": _dates(model, skills.added_t),
        }
    )
    events = draw_posting_events(model, rng, postings, positions, people, membership, leaves_t)
    # Every event is a view; applications are listed again, after all the views.
    rows = np.concatenate([np.arange(events.person.size), np.flatnonzero(events.applied)])
    raw_posting_events = _table(
        {
            "member_id": mids[events.person[rows]],
            "posting_id": posting_id[events.posting[rows]],
            "event": _pick(["view", "apply"], np.arange(rows.size) >= events.person.size),
            "occurred_on": _dates(model, events.t[rows]),
        }
    )
    truth_applications = _applications(model, positions, postings, events, hires, people, companies, posting_id, id_base)
    # Recruiter searches come after the marketplace: every table above keeps its draws.
    searches = draw_recruiter_searches(model, rng, postings, posting_row, posting_skill)
    raw_recruiter_searches = _recruiter_searches(model, searches, postings, companies, posting_id, id_base)
    return {
        "raw_recruiter_searches": raw_recruiter_searches,
        "raw_posting_events": raw_posting_events,
        "truth_applications": truth_applications,
        "raw_members": raw_members,
        "raw_educations": raw_educations,
        "raw_positions": raw_positions,
        "raw_member_skills": raw_member_skills,
        "raw_postings": raw_postings,
        "raw_posting_skills": raw_posting_skills,
        "truth_people": truth_people,
        "truth_educations": educations,
        "truth_positions": truth_positions,
        "truth_student_jobs": truth_student_jobs,
        "truth_residences": truth_residences,
        "raw_profile_locations": raw_profile_locations,
        "truth_wages": truth_wages,
        "raw_salary_reports": raw_salary_reports,
    }


def _applications(model, positions, postings, events, hires, people, companies, posting_id, id_base) -> pa.Table:
    """truth.applications: the platform's applications, and one off-platform application per other hire."""
    applied = np.flatnonzero(events.applied)
    on_platform_posting = events.posting[applied]
    hired_position = postings.hired_position[on_platform_posting]
    was_hired = (hired_position >= 0) & postings.platform_hire[on_platform_posting]
    was_hired &= positions.person[np.maximum(hired_position, 0)] == events.person[applied]
    through_platform = postings.hired_position[postings.platform_hire]
    elsewhere = hires[~np.isin(hires, through_platform)]
    person = np.concatenate([events.person[applied], positions.person[elsewhere]])
    company = np.concatenate([postings.company[on_platform_posting], positions.company[elsewhere]])
    applied_t = np.concatenate([events.t[applied], np.maximum(positions.start_t[elsewhere] - 1, 0)])
    n_platform, n = applied.size, applied.size + elsewhere.size
    off_platform = np.arange(n) >= n_platform
    return _table(
        {
            "application_id": id_base + 1 + np.arange(n, dtype=np.int64),
            "person_id": people.person_id[person],
            "company_id": companies.company_id[company],
            "posting_id": _nullable(
                np.concatenate([posting_id[on_platform_posting], np.zeros(elsewhere.size, np.int64)]),
                off_platform,
            ),
            "channel": _pick(["platform", "off_platform"], off_platform),
            "applied_on": _dates(model, applied_t),
            "hired": np.concatenate([was_hired, np.ones(elsewhere.size, bool)]),
        }
    )


def _recruiter_searches(model, searches, postings, companies, posting_id, id_base) -> pa.Table:
    """raw.recruiter_searches: one row per search, its skill filters as a list (empty = none)."""
    filters = pa.ListArray.from_arrays(
        pa.array(searches.filter_offsets.astype(np.int32)), _label(model.skills, searches.filter_skill)
    )
    posting = searches.posting
    return _table(
        {
            "search_id": id_base + 1 + np.arange(posting.size, dtype=np.int64),
            "company_id": companies.company_id[postings.company[posting]],
            "posting_id": posting_id[posting],
            "searched_on": _dates(model, searches.t),
            "occupation": _pick(model.occupations, postings.occupation[posting]),
            "skill_filters": filters,
        }
    )
