"""One block of people, end to end: the world (truth.*) and the platform's view (raw.*).

People are generated in fixed blocks of BLOCK_SIZE. Block b draws from its own random
stream ``SeedSequence(seed, spawn_key=(1, b))`` and allocates row identifiers in its own
range, so a block's rows are the same whichever shard or process generates it: the
shard count only decides which blocks a shard writes.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

from synthetic.careers import REASONS, simulate_careers
from synthetic.companies import Companies, draw_companies
from synthetic.marketplace import SKILL_SOURCES, draw_posting_events, draw_skill_sources
from synthetic.model import Model
from synthetic.people import draw_people
from synthetic.platform import draw_member_skills, draw_membership, member_ids, observe_positions
from synthetic.pools import NamePools, build_pools
from synthetic.postings import draw_posting_skills, draw_postings
from synthetic.searches import draw_recruiter_searches

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
    return draw_companies(model, rng, sc.people, pools), pools


def _null_where(values: pl.Series, missing: np.ndarray) -> pl.Series:
    return pl.select(pl.when(pl.Series(missing)).then(None).otherwise(values)).to_series().alias(values.name)


def _dates(model: Model, t: np.ndarray, missing: np.ndarray | None = None) -> pl.Series:
    dates = pl.Series(model.month_dates(t)).cast(pl.Date)
    return dates if missing is None else _null_where(dates, missing)


def _pick(labels: list[str], codes: np.ndarray) -> pl.Series:
    # A gather from the few labels, in polars: no Python string object per row.
    return pl.Series(labels, dtype=pl.String).gather(np.asarray(codes, dtype=np.int64))


_SENIORITY_TITLE = np.array(["Junior ", "", "Senior ", "Lead "], dtype=object)


def generate_block(model: Model, companies: Companies, pools: NamePools, block: int) -> dict[str, pl.DataFrame]:
    sc = model.scenario
    rng = block_rng(sc.seed, block)
    first_id = block * BLOCK_SIZE + 1
    n = min(BLOCK_SIZE, sc.people - block * BLOCK_SIZE)
    people = draw_people(model, rng, first_id, n, pools)
    positions = simulate_careers(model, rng, people, companies)
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
    skills = draw_member_skills(model, rng, people, membership)

    mids = member_ids(people.person_id).astype(np.int64)
    full_name = pools.first_names[people.first_name] + " " + pools.last_names[people.last_name]
    school_city = model.institution_city[people.institution]

    # Latest city: of the last true position (truth) and of the last visible one (platform).
    last_true = np.append(positions.person[1:] != positions.person[:-1], True)
    true_city = school_city.copy()
    true_city[positions.person[last_true]] = positions.city[last_true]
    vis_person = positions.person[reported.rows]
    last_vis = np.append(vis_person[1:] != vis_person[:-1], True) if vis_person.size else vis_person.astype(bool)
    platform_city = school_city.copy()
    platform_city[vis_person[last_vis]] = positions.city[reported.rows[last_vis]]

    def position_columns(rows: np.ndarray, end_t: np.ndarray) -> dict[str, pl.Series]:
        occ = positions.occupation[rows]
        sen = positions.seniority[rows]
        titles = _pick(
            [prefix + occupation for prefix in _SENIORITY_TITLE for occupation in model.occupations],
            sen * len(model.occupations) + occ,
        )
        return {
            "company_id": pl.Series(companies.company_id[positions.company[rows]]),
            "title": titles,
            "occupation": _pick(model.occupations, occ),
            "occupation_family": _pick(model.families, model.occupation_family[occ]),
            "seniority": _pick(model.seniorities, sen),
            "city": _pick(model.cities, positions.city[rows]),
            "start_date": _dates(model, positions.start_t[rows]),
            "end_date": _dates(model, end_t, missing=end_t < 0),
        }

    all_rows = np.arange(positions.person.size)
    truth_positions = pl.DataFrame(
        {
            "position_id": position_id,
            "person_id": people.person_id[positions.person],
            **position_columns(all_rows, positions.end_t),
            "start_reason": _pick(list(REASONS), positions.reason),
        }
    )
    raw_positions = pl.DataFrame(
        {
            "position_id": position_id[reported.rows],
            "member_id": mids[positions.person[reported.rows]],
            **position_columns(reported.rows, reported.end_t),
            "reported_on": _dates(model, reported.reported_t),
        }
    )

    educations = pl.DataFrame(
        {
            "person_id": people.person_id,
            "institution": _pick(model.institutions, people.institution),
            "level": _pick(model.levels, people.level),
            "field": _pick(model.fields, people.field),
            "start_date": _dates(model, people.study_start_t),
            "graduation_date": _dates(model, people.graduation_t),
        }
    )
    truth_people = pl.DataFrame(
        {
            "person_id": people.person_id,
            "member_id": _null_where(pl.Series(mids), ~membership.is_member),
            "full_name": pl.Series(full_name, dtype=pl.String),
            "birth_year": pl.Series(people.birth_year, dtype=pl.Int32),
            "highest_education_level": _pick(model.levels, people.level),
            "labour_market_entry": _dates(model, people.graduation_t),
            "retirement": _dates(model, people.retirement_t),
            "city": _pick(model.cities, true_city),
        }
    )
    member_rows = np.flatnonzero(membership.is_member)
    local = pools.email_local_parts(people.first_name[member_rows], people.last_name[member_rows])
    domain = pools.email_domains[rng.integers(0, len(pools.email_domains), member_rows.size)]
    raw_members = pl.DataFrame(
        {
            "member_id": mids[member_rows],
            "full_name": pl.Series(full_name[member_rows], dtype=pl.String),
            "email": pl.Series(local + "." + mids[member_rows].astype(str).astype(object) + "@" + domain, dtype=pl.String),
            "joined_on": _dates(model, membership.join_t[member_rows]),
            "city": _pick(model.cities, platform_city[member_rows]),
            "highest_education_level": _pick(model.levels, people.level[member_rows]),
        }
    )
    raw_educations = (
        educations.filter(pl.Series(membership.is_member)).rename({"person_id": "member_id"}).with_columns(pl.Series("member_id", mids[member_rows]))
    )
    hired = postings.hired_position
    hired_member = np.where(postings.platform_hire, mids[positions.person[np.maximum(hired, 0)]], -1)
    raw_postings = pl.DataFrame(
        {
            "posting_id": posting_id,
            "company_id": companies.company_id[postings.company],
            "occupation": _pick(model.occupations, postings.occupation),
            "occupation_family": _pick(model.families, model.occupation_family[postings.occupation]),
            "city": _pick(model.cities, postings.city),
            "seniority": _pick(model.seniorities, postings.seniority),
            "opened_on": _dates(model, postings.opened_t),
            "closed_on": _dates(model, postings.closed_t, missing=postings.closed_t < 0),
            "hired_member_id": _null_where(pl.Series(hired_member), hired_member < 0),
        }
    )
    raw_posting_skills = pl.DataFrame(
        {"posting_id": posting_id[posting_row], "skill": _pick(model.skills, posting_skill)}
    )
    raw_member_skills = pl.DataFrame(
        {
            "member_id": mids[skills.person],
            "skill": _pick(model.skills, skills.skill),
            "source": pl.Series(["self"] * skills.person.size, dtype=pl.String),
            "added_on": _dates(model, skills.added_t),
        }
    )
    # The marketplace comes last: its draws leave every table above as it was without it.
    sources = draw_skill_sources(model, rng, skills.person.size)
    raw_member_skills = raw_member_skills.with_columns(source=_pick(list(SKILL_SOURCES), sources))
    events = draw_posting_events(model, rng, postings, positions, people.family, membership)
    event_member = mids[events.person]
    raw_posting_events = pl.concat(
        [
            pl.DataFrame(
                {
                    "member_id": event_member[rows],
                    "posting_id": posting_id[events.posting[rows]],
                    "event": pl.Series([event] * rows.size, dtype=pl.String),
                    "occurred_on": _dates(model, events.t[rows]),
                }
            )
            for event, rows in (("view", np.arange(events.person.size)), ("apply", np.flatnonzero(events.applied)))
        ]
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
    }


def _applications(model, positions, postings, events, hires, people, companies, posting_id, id_base) -> pl.DataFrame:
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
    return pl.DataFrame(
        {
            "application_id": id_base + 1 + np.arange(n, dtype=np.int64),
            "person_id": people.person_id[person],
            "company_id": companies.company_id[company],
            "posting_id": _null_where(
                pl.Series(np.concatenate([posting_id[on_platform_posting], np.zeros(elsewhere.size, np.int64)])),
                np.arange(n) >= n_platform,
            ),
            "channel": pl.Series(["platform"] * n_platform + ["off_platform"] * elsewhere.size, dtype=pl.String),
            "applied_on": _dates(model, applied_t),
            "hired": np.concatenate([was_hired, np.ones(elsewhere.size, bool)]),
        }
    )


def _recruiter_searches(model, searches, postings, companies, posting_id, id_base) -> pl.DataFrame:
    """raw.recruiter_searches: one row per search, its skill filters as a list (empty = none)."""
    skills = _pick(model.skills, searches.filter_skill).to_arrow()
    filters = pa.LargeListArray.from_arrays(pa.array(searches.filter_offsets, type=pa.int64()), skills)
    posting = searches.posting
    return pl.DataFrame(
        {
            "search_id": id_base + 1 + np.arange(posting.size, dtype=np.int64),
            "company_id": companies.company_id[postings.company[posting]],
            "posting_id": posting_id[posting],
            "searched_on": _dates(model, searches.t),
            "occupation": _pick(model.occupations, postings.occupation[posting]),
            "skill_filters": pl.Series(filters, dtype=pl.List(pl.String)),
        }
    )
