"""The warehouse's public contract: every generated table, its columns, types and meaning.

The generator writes exactly these columns to the Parquet lake, the loader creates the
DuckDB tables from them (with the descriptions as COMMENTs), and the Dagster assets show
them as column metadata. Renaming a column here is a breaking change for analysts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    columns: tuple[Column, ...]

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"

    @property
    def lake_name(self) -> str:
        """Folder name of the table in the Parquet lake."""
        return f"{self.schema}_{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


def _cols(*specs: tuple[str, str, str]) -> tuple[Column, ...]:
    return tuple(Column(*s) for s in specs)


_POSITION_COLUMNS = (
    ("position_id", "BIGINT", "Position identifier, stable for a given seed whatever the shard count."),
    ("company_id", "BIGINT", "Employer, references companies.company_id."),
    ("title", "VARCHAR", "Job title as shown on the profile (seniority + occupation)."),
    ("occupation", "VARCHAR", "Occupation from the scenario's occupation list."),
    ("occupation_family", "VARCHAR", "Family the occupation belongs to (ICT, Healthcare, ...)."),
    ("seniority", "VARCHAR", "junior / medior / senior / manager."),
    ("city", "VARCHAR", "City of the workplace; a person's location is the city of the current position."),
    ("start_date", "DATE", "First day of the month the position started."),
    (
        "end_date",
        "DATE",
        "First day of the month the person no longer held the position (exclusive end); NULL = current.",
    ),
)

RAW_MEMBERS = Table(
    "raw",
    "members",
    "One row per platform member: the profile as the platform sees it at the end of the timeline.",
    _cols(
        ("member_id", "BIGINT", "Member identifier (platform side)."),
        ("full_name", "VARCHAR", "Name on the profile (synthetic, Faker nl_NL pools)."),
        ("email", "VARCHAR", "Sign-up e-mail address (synthetic)."),
        ("joined_on", "DATE", "First day of the month the member joined the platform."),
        ("city", "VARCHAR", "City of the member's latest reported position, else of the last school."),
        ("highest_education_level", "VARCHAR", "Highest education level: VO, MBO, HBO or WO."),
    ),
)

RAW_EDUCATIONS = Table(
    "raw",
    "educations",
    "Educations listed on member profiles.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id."),
        ("institution", "VARCHAR", "School, hogeschool or university."),
        ("level", "VARCHAR", "VO / MBO / HBO / WO."),
        ("field", "VARCHAR", "Field of study."),
        ("start_date", "DATE", "First day of the month the study started."),
        ("graduation_date", "DATE", "First day of the month of graduation."),
    ),
)

RAW_COMPANIES = Table(
    "raw",
    "companies",
    "Company pages on the platform (every employer in the simulated world).",
    _cols(
        ("company_id", "BIGINT", "Company identifier."),
        ("name", "VARCHAR", "Company name (synthetic, Faker nl_NL pool)."),
        ("industry", "VARCHAR", "Industry of the company."),
        ("city", "VARCHAR", "City of the company's (single) site."),
    ),
)

RAW_POSITIONS = Table(
    "raw",
    "positions",
    "Positions members report on their profiles: late (reporting lag) or never for some job changes; "
    "an end date is only known once the member reported what came next.",
    _cols(
        _POSITION_COLUMNS[0],
        ("member_id", "BIGINT", "References raw.members.member_id."),
        *_POSITION_COLUMNS[1:],
        ("reported_on", "DATE", "First day of the month the position appeared on the profile."),
    ),
)

RAW_MEMBER_SKILLS = Table(
    "raw",
    "member_skills",
    "Skills members add to their profiles, one row per member and skill.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id."),
        ("skill", "VARCHAR", "Skill from the scenario's skill taxonomy."),
        ("source", "VARCHAR", "How the skill got on the profile: self / endorsed / assessment / course."),
        ("added_on", "DATE", "First day of the month the skill was added."),
    ),
)

RAW_SKILLS = Table(
    "raw",
    "skills",
    "The platform's skill taxonomy: every skill members and postings can name, with its group.",
    _cols(
        ("skill", "VARCHAR", "Skill name."),
        ("skill_group", "VARCHAR", "Group of related skills (Programming, Nursing, Languages, ...)."),
    ),
)

RAW_POSTINGS = Table(
    "raw",
    "postings",
    "Job postings published on the platform, filled or not.",
    _cols(
        ("posting_id", "BIGINT", "Posting identifier."),
        ("company_id", "BIGINT", "References raw.companies.company_id."),
        ("occupation", "VARCHAR", "Occupation sought."),
        ("occupation_family", "VARCHAR", "Family of the occupation."),
        ("city", "VARCHAR", "City of the job."),
        ("seniority", "VARCHAR", "junior / medior / senior / manager."),
        ("opened_on", "DATE", "First day of the month the posting opened."),
        ("closed_on", "DATE", "First day of the month the posting closed."),
        (
            "hired_member_id",
            "BIGINT",
            "Member hired through the posting; NULL = unfilled or hired off-platform.",
        ),
    ),
)

RAW_POSTING_SKILLS = Table(
    "raw",
    "posting_skills",
    "Skills a posting requires, one row per posting and skill.",
    _cols(
        ("posting_id", "BIGINT", "References raw.postings.posting_id."),
        ("skill", "VARCHAR", "Required skill."),
    ),
)

RAW_POSTING_EVENTS = Table(
    "raw",
    "posting_events",
    "Members viewing and applying to job postings on the platform, one row per member, posting and event.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id."),
        ("posting_id", "BIGINT", "References raw.postings.posting_id."),
        ("event", "VARCHAR", "view or apply (every application also has a view)."),
        ("occurred_on", "DATE", "First day of the month of the event."),
    ),
)

RAW_RECRUITER_SEARCHES = Table(
    "raw",
    "recruiter_searches",
    "Searches recruiters run for candidates for their open postings, one row per search, with the "
    "skills it filtered on.",
    _cols(
        ("search_id", "BIGINT", "Search identifier."),
        ("company_id", "BIGINT", "The recruiter's company, references raw.companies.company_id."),
        ("posting_id", "BIGINT", "Posting searched for, references raw.postings.posting_id."),
        ("searched_on", "DATE", "First day of the month of the search (while the posting was open)."),
        ("occupation", "VARCHAR", "Occupation searched for (the posting's)."),
        (
            "skill_filters",
            "VARCHAR[]",
            "Skills the search filtered on, in alphabetical order: 1-3 skills the posting requires (of "
            "its occupation if it requires none); an empty list when the search had no skill filter "
            "(never NULL).",
        ),
    ),
)

RAW_CONNECTIONS = Table(
    "raw",
    "connections",
    "First-degree connections between members, one row per pair: formed mostly among colleagues of one "
    "team and classmates of one class, some elsewhere; a pair is stored once, with member_a < member_b.",
    _cols(
        ("member_a", "BIGINT", "The member of the pair with the lower member_id, references raw.members."),
        ("member_b", "BIGINT", "The member with the higher member_id, references raw.members."),
        (
            "connected_on",
            "DATE",
            "First day of the month the pair connected: never before either member joined (may be before the "
            "window for early members).",
        ),
        (
            "context",
            "VARCHAR",
            "Where the pair met: colleagues (positions in one team at the same time), classmates (one class of "
            "an institution, level, field and graduation year) or other; the earliest if several.",
        ),
    ),
)

TRUTH_PEOPLE = Table(
    "truth",
    "people",
    "Every person of the simulated workforce, member of the platform or not.",
    _cols(
        ("person_id", "BIGINT", "Person identifier."),
        ("member_id", "BIGINT", "Member identifier if the person joined the platform, else NULL."),
        ("full_name", "VARCHAR", "Name (synthetic)."),
        ("birth_year", "INTEGER", "Year of birth."),
        ("highest_education_level", "VARCHAR", "VO / MBO / HBO / WO."),
        ("labour_market_entry", "DATE", "First day of the month after graduation: start of the job search."),
        ("retirement", "DATE", "First day of the month the person leaves the labour market."),
        ("city", "VARCHAR", "City at the end of the timeline (of the last position, else of the school)."),
    ),
)

TRUTH_EDUCATIONS = Table(
    "truth",
    "educations",
    "Every person's highest education.",
    _cols(
        ("person_id", "BIGINT", "References truth.people.person_id."),
        ("institution", "VARCHAR", "School, hogeschool or university."),
        ("level", "VARCHAR", "VO / MBO / HBO / WO."),
        ("field", "VARCHAR", "Field of study."),
        ("start_date", "DATE", "First day of the month the study started."),
        ("graduation_date", "DATE", "First day of the month of graduation."),
    ),
)

TRUTH_POSITIONS = Table(
    "truth",
    "positions",
    "Every position every person held, with true dates (no reporting lag, nothing missing).",
    _cols(
        _POSITION_COLUMNS[0],
        ("person_id", "BIGINT", "References truth.people.person_id."),
        *_POSITION_COLUMNS[1:],
        (
            "start_reason",
            "VARCHAR",
            "first_job / job_change (employer change, no gap) / reemployment (after a gap) / promotion / "
            "initial (held at the start of the timeline).",
        ),
    ),
)

TRUTH_APPLICATIONS = Table(
    "truth",
    "applications",
    "Every job application: those made on the platform and those made elsewhere, which the platform never sees.",
    _cols(
        ("application_id", "BIGINT", "Application identifier."),
        ("person_id", "BIGINT", "References truth.people.person_id."),
        ("company_id", "BIGINT", "Employer applied to, references raw.companies.company_id."),
        ("posting_id", "BIGINT", "Platform posting applied to; NULL for an application off the platform."),
        ("channel", "VARCHAR", "platform or off_platform."),
        ("applied_on", "DATE", "First day of the month of the application."),
        ("hired", "BOOLEAN", "The application led to the hire."),
    ),
)

TRUTH_PARAMETERS = Table(
    "truth",
    "parameters",
    "Every planted parameter of the scenario the world was generated from.",
    _cols(
        ("name", "VARCHAR", "Parameter name, e.g. job_change_multiplier."),
        ("key", "VARCHAR", "What the value applies to (a year, a level, a city|family pair), '' if global."),
        ("value", "DOUBLE", "Planted value."),
    ),
)

GENERATED_TABLES: tuple[Table, ...] = (
    RAW_MEMBERS,
    RAW_EDUCATIONS,
    RAW_COMPANIES,
    RAW_POSITIONS,
    RAW_MEMBER_SKILLS,
    RAW_SKILLS,
    RAW_POSTINGS,
    RAW_POSTING_SKILLS,
    RAW_POSTING_EVENTS,
    RAW_RECRUITER_SEARCHES,
    RAW_CONNECTIONS,
    TRUTH_PEOPLE,
    TRUTH_EDUCATIONS,
    TRUTH_POSITIONS,
    TRUTH_APPLICATIONS,
    TRUTH_PARAMETERS,
)

TABLES_BY_NAME = {t.qualified_name: t for t in GENERATED_TABLES}
