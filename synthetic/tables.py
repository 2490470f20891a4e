"""The warehouse's public contract: every generated table, its columns, types and meaning,
and what the data must satisfy.

The generator writes exactly these columns to the Parquet lake, the loader creates the
DuckDB tables from them (with the descriptions as COMMENTs), and the Dagster assets show
them as column metadata. Renaming a column here is a breaking change for analysts.

The rules are declared once, here, and checked from these declarations:

- per column (a row at a time): never NULL, one of a set of values, within a range (a
  month of the scenario window), and per table pairs of columns in order on every row:
  Great Expectations (pipelines/quality.py);
- across rows or tables: the key, the columns that reference another table's key, and the
  named rules of each table (dbt generic tests in sql/macros): dbt tests on the sources
  (pipelines/dbt.py writes them into sql/models/sources.yml).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from synthetic.careers import END_REASONS, REASONS
from synthetic.connections import CONTEXTS
from synthetic.marketplace import SKILL_SOURCES
from synthetic.scenario import LEVELS, MBO_LEVELS, SENIORITIES

# Values the generator writes without a list of its own elsewhere.
EVENTS = ("view", "apply")
CHANNELS = ("platform", "off_platform")


@dataclass(frozen=True)
class WindowMonth:
    """A bound that is a month of the scenario window, read from raw.calendar when checked."""

    which: str  # "first_month" or "last_month"

    def __str__(self) -> str:
        return f"the {self.which.replace('_', ' ')} of raw.calendar"


FIRST_MONTH = WindowMonth("first_month")
LAST_MONTH = WindowMonth("last_month")


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    description: str
    required: bool = False  # never NULL (key columns are, whether declared or not)
    values: tuple[str, ...] = ()  # the only values allowed, if any (NULL aside unless required)
    low: Any = None  # the smallest value allowed: a number, a date or a WindowMonth
    high: Any = None  # the largest value allowed
    references: str | None = None  # "schema.table.column" every value (NULL aside) must exist in
    unique: bool = False  # no two rows share a value (NULLs aside)


@dataclass(frozen=True)
class Order:
    """Two columns in order on every row where both are set: ``later`` after ``earlier``
    (or equal, unless ``strictly``). ``blocking``: a violation must stop publication."""

    later: str
    earlier: str
    strictly: bool
    blocking: bool
    why: str


@dataclass(frozen=True)
class Rule:
    """A rule spanning rows or tables: the dbt generic test ``test`` (sql/macros) on the
    table, with ``arguments``. Other tables are named as schema.table."""

    name: str
    test: str
    description: str
    arguments: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    blocking: bool = True


@dataclass(frozen=True)
class Table:
    schema: str
    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # the columns that identify a row
    order: tuple[Order, ...] = ()
    rules: tuple[Rule, ...] = ()

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

    @property
    def date_columns(self) -> list[str]:
        """The DATE columns: first days of months, as every date of the warehouse is."""
        return [c.name for c in self.columns if c.sql_type == "DATE"]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _cols(*specs: tuple) -> tuple[Column, ...]:
    """Columns from (name, type, description[, constraints]) tuples."""
    return tuple(Column(*s[:3], **(s[3] if len(s) > 3 else {})) for s in specs)


def one_of(values: tuple[str, ...]) -> dict[str, Any]:
    """Never NULL and one of ``values``."""
    return {"required": True, "values": tuple(values)}


def references(column: str, required: bool = True) -> dict[str, Any]:
    """A reference to ``column`` (schema.table.column), never NULL unless not ``required``."""
    return {"required": required, "references": column}


MEMBER = references("raw.members.member_id")
COMPANY = references("raw.companies.company_id")
POSTING = references("raw.postings.posting_id")
PERSON = references("truth.people.person_id")

# Dates of the scenario window. Some may precede it (what happened before the window, such
# as positions held at its start or members who joined earlier): only the upper bound applies.
IN_WINDOW = {"required": True, "low": FIRST_MONTH, "high": LAST_MONTH}
IN_WINDOW_WHEN_SET = {"low": FIRST_MONTH, "high": LAST_MONTH}
NOT_AFTER_WINDOW = {"required": True, "high": LAST_MONTH}


def no_overlapping_positions(person: str) -> Rule:
    # A position overlaps when it starts before the latest end of the person's earlier
    # positions (a current one, end_date NULL, never ends).
    return Rule(
        "no_overlapping_positions",
        "no_overlapping_periods",
        f"A {person} holds one position at a time: no position starts before an earlier one ended "
        "(end_date is exclusive; NULL = still held).",
        {"per": person, "start_column": "start_date", "end_column": "end_date", "order_by": "position_id"},
    )


def not_before_joining(name: str, column: str, keys: list[str], description: str, blocking: bool) -> Rule:
    """``column`` is not before the month the members ``keys`` reference joined."""
    members = {"to": "raw.members", "field": "member_id", "from_column": "joined_on"}
    return Rule(name, "during", description, {"column": column, "keys": keys, **members}, blocking)


def before_retirement(name: str, column: str, key: str, field: str, description: str) -> Rule:
    """``column`` is before the retirement (truth.people) of the person ``key`` names through
    ``field`` (person_id, or member_id for the platform's tables): retirement ends everything."""
    people = {"to": "truth.people", "field": field, "until_column": "retirement"}
    return Rule(name, "during", description, {"column": column, "keys": [key], **people})


# An education's MBO level, set exactly when it is an MBO education.
MBO_LEVEL = (
    "mbo_level", "INTEGER", "MBO's qualification level: 1 (entree), 2 (basic vocational), 3 (professional), "
    "4 (middle management and specialist); NULL for other levels.", {"low": MBO_LEVELS[0], "high": MBO_LEVELS[-1]},
)
MBO_LEVEL_OF_MBO = Rule(
    "mbo_level_only_for_mbo",
    "present_exactly_when",
    "mbo_level is set (1-4) for an MBO education and NULL for every other level.",
    {"column": "mbo_level", "when_column": "level", "value": "MBO"},
)


END_AFTER_START = Order(
    "end_date", "start_date", strictly=True, blocking=True,
    why="end_date is exclusive, a position lasts at least a month (employment counts rely on it).",
)


_POSITION_COLUMNS = (
    ("position_id", "BIGINT", "Position identifier, stable for a given seed whatever the shard count."),
    ("company_id", "BIGINT", "Employer, references companies.company_id.", COMPANY),
    ("title", "VARCHAR", "Job title as shown on the profile (seniority + occupation)."),
    ("occupation", "VARCHAR", "Occupation from the scenario's occupation list."),
    ("occupation_family", "VARCHAR", "Family the occupation belongs to (ICT, Healthcare, ...)."),
    ("seniority", "VARCHAR", "junior / medior / senior / manager.", one_of(SENIORITIES)),
    ("city", "VARCHAR", "City of the workplace; a person's location is the city of the current position."),
    # Positions held at the window start began before it.
    ("start_date", "DATE", "First day of the month the position started.", NOT_AFTER_WINDOW),
    (
        "end_date",
        "DATE",
        "First day of the month the person no longer held the position (exclusive end); NULL = current.",
        IN_WINDOW_WHEN_SET,
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
        # Members may have joined before the window.
        ("joined_on", "DATE", "First day of the month the member joined the platform.", NOT_AFTER_WINDOW),
        ("city", "VARCHAR", "City of the member's latest reported position, else of the last school."),
        ("highest_education_level", "VARCHAR", "Highest education level: VO, MBO, HBO or WO.",
         one_of(LEVELS)),
    ),
    key=("member_id",),
)

RAW_EDUCATIONS = Table(
    "raw",
    "educations",
    "Educations listed on member profiles.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        ("institution", "VARCHAR", "School, hogeschool or university."),
        ("level", "VARCHAR", "VO / MBO / HBO / WO.", one_of(LEVELS)),
        MBO_LEVEL,
        ("field", "VARCHAR", "Field of study."),
        ("start_date", "DATE", "First day of the month the study started."),
        ("graduation_date", "DATE", "First day of the month of graduation."),
    ),
    key=("member_id", "institution", "level"),
    rules=(MBO_LEVEL_OF_MBO,),
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
    key=("company_id",),
)

RAW_POSITIONS = Table(
    "raw",
    "positions",
    "Positions members report on their profiles: late (reporting lag) or never for some job changes; "
    "an end date is only known once the member reported what came next.",
    _cols(
        _POSITION_COLUMNS[0],
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        *_POSITION_COLUMNS[1:],
        # The platform predates the window: positions of early members were reported before it.
        ("reported_on", "DATE", "First day of the month the position appeared on the profile.",
         NOT_AFTER_WINDOW),
    ),
    key=("position_id",),
    order=(
        END_AFTER_START,
        Order("reported_on", "start_date", strictly=False, blocking=False,
              why="a position appears on a profile once it has started."),
    ),
    rules=(
        no_overlapping_positions("member_id"),
        not_before_joining(
            "reported_not_before_joining", "reported_on", ["member_id"],
            "A position reaches a profile no earlier than the month its member joined.", blocking=False,
        ),
    ),
)

RAW_PROFILE_LOCATIONS = Table(
    "raw",
    "profile_locations",
    "Every location a member's profile showed, from joining on: where the member says they live (what "
    "LinkedIn's talent migration counts). A move reaches the profile late, or never (platform."
    "location_update_share, location_update_lag_months); a row holds until the member's next row.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        ("city", "VARCHAR", "Location the profile shows from set_on: the residence in that month.",
         {"required": True}),
        # The first row of a member is set when joining, which may precede the window.
        ("set_on", "DATE", "First day of the month the profile took this location.", NOT_AFTER_WINDOW),
    ),
    key=("member_id", "set_on"),
    rules=(
        not_before_joining(
            "set_not_before_joining", "set_on", ["member_id"],
            "A profile shows a location from the month its member joined.", blocking=True,
        ),
    ),
)

RAW_SALARY_REPORTS = Table(
    "raw",
    "salary_reports",
    "Pay members report (as LinkedIn Salary collects it): the job's occupation, seniority and city and its "
    "yearly base salary, when they choose to; a minority does, the higher educated more often, some give "
    "the salary the job started at, all in round figures.",
    _cols(
        ("report_id", "BIGINT", "Report identifier."),
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        ("occupation", "VARCHAR", "Occupation of the job reported on."),
        ("seniority", "VARCHAR", "junior / medior / senior / manager.", one_of(SENIORITIES)),
        ("city", "VARCHAR", "City of the job reported on."),
        ("yearly_salary", "BIGINT", "Yearly base salary reported, in euros (12 monthly wages, full-time, "
         "without holiday pay), rounded.", {"required": True, "low": 0}),
        ("reported_on", "DATE", "First day of the month of the report.", IN_WINDOW),
    ),
    key=("report_id",),
    rules=(
        not_before_joining(
            "reported_not_before_joining", "reported_on", ["member_id"],
            "A member reports pay no earlier than the month of joining.", blocking=True,
        ),
        before_retirement(
            "reported_before_retirement", "reported_on", "member_id", "member_id",
            "A member reports pay only before retiring (truth.people.retirement).",
        ),
    ),
)

RAW_MEMBER_SKILLS = Table(
    "raw",
    "member_skills",
    "Skills members add to their profiles, one row per member and skill.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        ("skill", "VARCHAR", "Skill from the scenario's skill taxonomy."),
        ("source", "VARCHAR", "How the skill got on the profile: self / endorsed / assessment / course.",
         one_of(SKILL_SOURCES)),
        ("added_on", "DATE", "First day of the month the skill was added.", IN_WINDOW),
    ),
    key=("member_id", "skill"),
    rules=(
        before_retirement(
            "added_before_retirement", "added_on", "member_id", "member_id",
            "A member adds skills only before retiring (truth.people.retirement).",
        ),
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
    key=("skill",),
)

RAW_POSTINGS = Table(
    "raw",
    "postings",
    "Job postings published on the platform, filled or not.",
    _cols(
        ("posting_id", "BIGINT", "Posting identifier."),
        ("company_id", "BIGINT", "References raw.companies.company_id.", COMPANY),
        ("occupation", "VARCHAR", "Occupation sought."),
        ("occupation_family", "VARCHAR", "Family of the occupation."),
        ("city", "VARCHAR", "City of the job."),
        ("seniority", "VARCHAR", "junior / medior / senior / manager.", one_of(SENIORITIES)),
        ("opened_on", "DATE", "First day of the month the posting opened.", IN_WINDOW),
        ("closed_on", "DATE", "First day of the month the posting closed.", IN_WINDOW_WHEN_SET),
        ("hired_member_id", "BIGINT",
         "Member hired through the posting; NULL = unfilled or hired off-platform.",
         references("raw.members.member_id", required=False)),
    ),
    key=("posting_id",),
    order=(
        Order("closed_on", "opened_on", strictly=False, blocking=True,
              why="a posting closes after it opens."),
    ),
)

RAW_POSTING_SKILLS = Table(
    "raw",
    "posting_skills",
    "Skills a posting requires, one row per posting and skill.",
    _cols(
        ("posting_id", "BIGINT", "References raw.postings.posting_id.", POSTING),
        ("skill", "VARCHAR", "Required skill."),
    ),
    key=("posting_id", "skill"),
)

RAW_POSTING_EVENTS = Table(
    "raw",
    "posting_events",
    "Members viewing and applying to job postings on the platform, one row per member, posting and event.",
    _cols(
        ("member_id", "BIGINT", "References raw.members.member_id.", MEMBER),
        ("posting_id", "BIGINT", "References raw.postings.posting_id.", POSTING),
        ("event", "VARCHAR", "view or apply (every application also has a view).", one_of(EVENTS)),
        ("occurred_on", "DATE", "First day of the month of the event.", IN_WINDOW),
    ),
    key=("member_id", "posting_id", "event"),
    rules=(
        Rule(
            "apply_has_view",
            "requires_in_group",
            "A member who applied to a posting also viewed it.",
            {"column": "event", "group_by": ["member_id", "posting_id"], "value": "apply",
             "requires": "view"},
        ),
        not_before_joining(
            "not_before_joining", "occurred_on", ["member_id"],
            "Nobody views or applies on the platform before joining it.", blocking=False,
        ),
        # Not bounded by labour-market entry: students look at postings before graduating.
        before_retirement(
            "before_retirement", "occurred_on", "member_id", "member_id",
            "Nobody views or applies to postings from the month they retire (truth.people.retirement).",
        ),
    ),
)

RAW_RECRUITER_SEARCHES = Table(
    "raw",
    "recruiter_searches",
    "Searches recruiters run for candidates for their open postings, one row per search, with the "
    "skills it filtered on.",
    _cols(
        ("search_id", "BIGINT", "Search identifier."),
        ("company_id", "BIGINT", "The recruiter's company, references raw.companies.company_id.", COMPANY),
        ("posting_id", "BIGINT", "Posting searched for, references raw.postings.posting_id.", POSTING),
        ("searched_on", "DATE", "First day of the month of the search (while the posting was open).",
         IN_WINDOW),
        ("occupation", "VARCHAR", "Occupation searched for (the posting's)."),
        (
            "skill_filters",
            "VARCHAR[]",
            "Skills the search filtered on, in alphabetical order: 1-3 skills the posting requires (of "
            "its occupation if it requires none); an empty list when the search had no skill filter "
            "(never NULL).",
        ),
    ),
    key=("search_id",),
    rules=(
        Rule(
            "skill_filters_well_formed",
            "distinct_list",
            "skill_filters is never NULL (an empty list when the search had no skill filter) and names at "
            "most 3 distinct skills: metrics count a search as filtering on skills when the list is not "
            "empty.",
            {"column": "skill_filters", "max_length": 3},
        ),
        Rule(
            "search_matches_posting",
            "matches_referenced",
            "A search is run by the posting's company, for its occupation, while it is open: not before the "
            "month it opened nor after the month it closed.",
            {"key": "posting_id", "to": "raw.postings", "field": "posting_id",
             "same_columns": ["company_id", "occupation"], "date_column": "searched_on",
             "from_column": "opened_on", "until_column": "closed_on"},
            blocking=False,
        ),
        Rule(
            "skill_filters_from_posting",
            "items_from_referenced",
            "Every skill a search filters on is one its posting requires (for a posting that requires none, "
            "a skill of the taxonomy, raw.skills).",
            {"column": "skill_filters", "key": "posting_id", "items": "raw.posting_skills",
             "items_key": "posting_id", "items_column": "skill", "fallback": "raw.skills",
             "fallback_column": "skill"},
            blocking=False,
        ),
    ),
)

RAW_CONNECTIONS = Table(
    "raw",
    "connections",
    "First-degree connections between members, one row per pair: formed mostly among colleagues of one "
    "team and classmates of one class, some elsewhere; a pair is stored once, with member_a < member_b.",
    _cols(
        ("member_a", "BIGINT", "The member of the pair with the lower member_id, references raw.members.",
         MEMBER),
        ("member_b", "BIGINT", "The member with the higher member_id, references raw.members.", MEMBER),
        (
            "connected_on",
            "DATE",
            "First day of the month the pair connected: never before either member joined (may be before the "
            "window for early members).",
            NOT_AFTER_WINDOW,
        ),
        (
            "context",
            "VARCHAR",
            "Where the pair met: colleagues (positions in one team at the same time), classmates (one class of "
            "an institution, level, field and graduation year) or other; the earliest if several.",
            one_of(CONTEXTS),
        ),
    ),
    key=("member_a", "member_b"),
    order=(
        Order("member_b", "member_a", strictly=True, blocking=True,
              why="a pair is stored once, the lower member_id first: degrees count both sides of every row."),
    ),
    rules=(
        not_before_joining(
            "not_before_joining", "connected_on", ["member_a", "member_b"],
            "Nobody connects before joining: connected_on is on or after both members' joined_on (a member's "
            "degree counts from the year of joining).",
            blocking=True,
        ),
    ),
)

TRUTH_PEOPLE = Table(
    "truth",
    "people",
    "Every person of the simulated workforce, member of the platform or not.",
    _cols(
        ("person_id", "BIGINT", "Person identifier."),
        # Unique: a member is one person, or the platform view double counts.
        ("member_id", "BIGINT", "Member identifier if the person joined the platform, else NULL.",
         {**references("raw.members.member_id", required=False), "unique": True}),
        ("full_name", "VARCHAR", "Name (synthetic)."),
        ("birth_year", "INTEGER", "Year of birth."),
        ("highest_education_level", "VARCHAR", "VO / MBO / HBO / WO.", one_of(LEVELS)),
        ("labour_market_entry", "DATE", "First day of the month after graduation: start of the job search."),
        ("retirement", "DATE", "First day of the month the person leaves the labour market."),
        ("city", "VARCHAR", "City at the end of the timeline (of the last position, else of the school)."),
    ),
    key=("person_id",),
)

TRUTH_EDUCATIONS = Table(
    "truth",
    "educations",
    "Every person's highest education.",
    _cols(
        ("person_id", "BIGINT", "References truth.people.person_id.", PERSON),
        ("institution", "VARCHAR", "School, hogeschool or university."),
        ("level", "VARCHAR", "VO / MBO / HBO / WO.", one_of(LEVELS)),
        MBO_LEVEL,
        ("field", "VARCHAR", "Field of study."),
        ("start_date", "DATE", "First day of the month the study started."),
        ("graduation_date", "DATE", "First day of the month of graduation."),
    ),
    key=("person_id",),
    rules=(MBO_LEVEL_OF_MBO,),
)

TRUTH_POSITIONS = Table(
    "truth",
    "positions",
    "Every position every person held, with true dates (no reporting lag, nothing missing).",
    _cols(
        _POSITION_COLUMNS[0],
        ("person_id", "BIGINT", "References truth.people.person_id.", PERSON),
        *_POSITION_COLUMNS[1:],
        (
            "start_reason",
            "VARCHAR",
            "first_job / job_change (employer change, no gap) / reemployment (after a gap: unemployment or "
            "inactivity) / promotion / initial (held at the start of the timeline).",
            one_of(REASONS),
        ),
        (
            "end_reason",
            "VARCHAR",
            "Why the position ended: job_change (the next position is at another employer from the same month) / "
            "promotion (the next one is a step up at the same employer) / layoff (involuntary, the person "
            "searches) / quit (into inactivity: neither working nor searching, until the next position or "
            "retirement) / retirement / early_exit (out of the labour force for good before retiring: disability, "
            "early retirement); NULL = current. Truth only: a profile does not say why a job ended.",
            {"values": END_REASONS},
        ),
    ),
    key=("position_id",),
    order=(END_AFTER_START,),
    rules=(
        no_overlapping_positions("person_id"),
        Rule(
            "within_working_life",
            "during",
            "A position starts in its holder's working life: not before the labour-market entry and "
            "before the retirement (truth.people).",
            {"column": "start_date", "keys": ["person_id"], "to": "truth.people", "field": "person_id",
             "from_column": "labour_market_entry", "until_column": "retirement"},
        ),
        Rule(
            "end_reason_when_ended",
            "present_exactly_when",
            "A position has an end_reason exactly when it has an end_date.",
            {"column": "end_reason", "when_column": "end_date"},
        ),
        Rule(
            "ended_by_retirement",
            "ends_by",
            "Retirement ends the last position: no position ends after it, and one still held at the "
            "window's end belongs to someone who retires after the window.",
            {"column": "end_date", "key": "person_id", "to": "truth.people", "field": "person_id",
             "other_column": "retirement"},
        ),
    ),
)

TRUTH_STUDENT_JOBS = Table(
    "truth",
    "student_jobs",
    "Side jobs of pupils and students, held beside school or study until graduation: employment in a labour "
    "force survey, not a career (education.side_jobs). Careers, wages and profiles are of regular jobs "
    "(truth.positions); the platform sees no side job.",
    _cols(
        ("person_id", "BIGINT", "References truth.people.person_id: the pupil or student.", PERSON),
        ("company_id", "BIGINT", "Employer, references raw.companies.company_id.", COMPANY),
        ("school_level", "VARCHAR",
         "The school beside which the job is held: VO (secondary school, until the study of the level the "
         "person graduates at starts) or that level (MBO, HBO, WO).", one_of(LEVELS)),
        ("start_date", "DATE",
         "First month held (the window's first month for a job held when it opens).", IN_WINDOW),
        ("end_date", "DATE",
         "First month no longer held: the start of the study, or graduation (truth.people.labour_market_entry).",
         IN_WINDOW),
    ),
    key=("person_id", "start_date"),
    order=(END_AFTER_START,),
    rules=(
        Rule(
            "one_side_job_at_a_time",
            "no_overlapping_periods",
            "A pupil or student holds one side job at a time: none starts before an earlier one ended.",
            {"per": "person_id", "start_column": "start_date", "end_column": "end_date", "order_by": "company_id"},
        ),
        Rule(
            "ended_by_graduation",
            "ends_by",
            "A side job ends by its holder's graduation (truth.people.labour_market_entry): from then on, "
            "work is a career.",
            {"column": "end_date", "key": "person_id", "to": "truth.people", "field": "person_id",
             "other_column": "labour_market_entry"},
        ),
    ),
)

TRUTH_RESIDENCES = Table(
    "truth",
    "residences",
    "Where every person lives, month by month, from labour-market entry (or the window's start) on: the "
    "municipality of residence, beside the workplace of each position (truth.positions.city). Moves follow "
    "a job out of commuting reach, or come without a job change (the scenario's residence section); they "
    "stop when the person leaves the labour market, and the last residence is kept.",
    _cols(
        ("person_id", "BIGINT", "References truth.people.person_id.", PERSON),
        ("city", "VARCHAR", "Municipality of residence.", {"required": True}),
        ("start_date", "DATE",
         "First month lived there (the window's first month for a residence held when it opens).", IN_WINDOW),
        ("end_date", "DATE", "First month lived elsewhere (exclusive); NULL = the residence at the window's end.",
         IN_WINDOW_WHEN_SET),
    ),
    key=("person_id", "start_date"),
    order=(END_AFTER_START,),
    rules=(
        Rule(
            "one_residence_at_a_time",
            "no_overlapping_periods",
            "A person lives in one place at a time: no residence starts before the one before it ended.",
            {"per": "person_id", "start_column": "start_date", "end_column": "end_date", "order_by": "city"},
        ),
    ),
)

TRUTH_EMPLOYERS = Table(
    "truth",
    "employers",
    "What the world knows about every employer and the platform does not: its planted effect on wages.",
    _cols(
        ("company_id", "BIGINT", "References raw.companies.company_id.", COMPANY),
        ("wage_effect", "DOUBLE",
         "The employer's effect on the log wage of everyone it employs (the employer effect of the AKM "
         "model), drawn once per company: 0.05 pays about 5% more than an average employer.",
         {"required": True}),
    ),
    key=("company_id",),
)

TRUTH_WAGES = Table(
    "truth",
    "wages",
    "Every wage every position paid: a row from the position's start (or the window's first month, for a "
    "position held when it opens) and one every 1 January it is still held. The wage in a month is the "
    "position's last row up to that month. The platform sees none of it.",
    _cols(
        ("position_id", "BIGINT", "References truth.positions.position_id.",
         references("truth.positions.position_id")),
        ("person_id", "BIGINT", "References truth.people.person_id: the position's holder.", PERSON),
        ("effective_from", "DATE", "First day of the first month this wage is paid.", IN_WINDOW),
        ("monthly_wage", "DOUBLE",
         "Gross monthly wage for full-time work (38 hours a week) in euros, without holiday pay, rounded to "
         "cents.", {"required": True, "low": 0.01}),
    ),
    key=("position_id", "effective_from"),
    rules=(
        Rule(
            "paid_while_held",
            "during",
            "A wage is paid while its position is held: from the position's start, before its end.",
            {"column": "effective_from", "keys": ["position_id"], "to": "truth.positions", "field": "position_id",
             "from_column": "start_date", "until_column": "end_date"},
        ),
    ),
)

TRUTH_APPLICATIONS = Table(
    "truth",
    "applications",
    "Every job application: those made on the platform and those made elsewhere, which the platform never sees.",
    _cols(
        ("application_id", "BIGINT", "Application identifier."),
        ("person_id", "BIGINT", "References truth.people.person_id.", PERSON),
        ("company_id", "BIGINT", "Employer applied to, references raw.companies.company_id.", COMPANY),
        ("posting_id", "BIGINT", "Platform posting applied to; NULL for an application off the platform.",
         references("raw.postings.posting_id", required=False)),
        ("channel", "VARCHAR", "platform or off_platform.", one_of(CHANNELS)),
        ("applied_on", "DATE", "First day of the month of the application.", IN_WINDOW),
        ("hired", "BOOLEAN", "The application led to the hire."),
    ),
    key=("application_id",),
    rules=(
        Rule(
            "posting_only_on_platform",
            "present_exactly_when",
            "Applications on the platform name a posting; those made elsewhere do not.",
            {"column": "posting_id", "when_column": "channel", "value": "platform"},
        ),
        # Not bounded by labour-market entry: students apply in their last months of school, and
        # an application made elsewhere precedes a first job by a month.
        before_retirement(
            "before_retirement", "applied_on", "person_id", "person_id",
            "Nobody applies for work from the month they retire (truth.people.retirement).",
        ),
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
    key=("name", "key"),
)

GENERATED_TABLES: tuple[Table, ...] = (
    RAW_MEMBERS,
    RAW_EDUCATIONS,
    RAW_COMPANIES,
    RAW_POSITIONS,
    RAW_MEMBER_SKILLS,
    RAW_SALARY_REPORTS,
    RAW_PROFILE_LOCATIONS,
    RAW_SKILLS,
    RAW_POSTINGS,
    RAW_POSTING_SKILLS,
    RAW_POSTING_EVENTS,
    RAW_RECRUITER_SEARCHES,
    RAW_CONNECTIONS,
    TRUTH_PEOPLE,
    TRUTH_EDUCATIONS,
    TRUTH_POSITIONS,
    TRUTH_STUDENT_JOBS,
    TRUTH_RESIDENCES,
    TRUTH_WAGES,
    TRUTH_EMPLOYERS,
    TRUTH_APPLICATIONS,
    TRUTH_PARAMETERS,
)

TABLES_BY_NAME = {t.qualified_name: t for t in GENERATED_TABLES}
