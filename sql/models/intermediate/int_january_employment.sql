-- Who is employed on 1 January of each year of the window, where, in which occupation
-- family, and with which education: the annual panel that location, migration, coverage and
-- weighting metrics count. A person holds one position at a time (no_overlapping_positions, a
-- blocking check on both positions tables), so each person matches at most one position per
-- 1 January: no aggregate is needed to pick one.
--
-- The rule, written once: a position holds 1 January of year y when it starts on or before
-- that day and ends after it (or not at all). Its first such year is the year of the day
-- before it starts, plus one (a start on 1 January counts); its last is the year of the day
-- before it ends. Each position is expanded to those years within the window: a range join of
-- every position with every January would build its 16 million rows at a million people
-- before the people's education could be joined to them, twice as slow.
WITH januaries AS (
    {{ january_years() }}
),
positions_with_years AS (
    SELECT
        p.source,
        p.person_id,
        pe.member_id,
        pe.education_level,
        p.company_id,
        p.occupation_family,
        p.city,
        greatest(year(p.start_date - INTERVAL 1 DAY) + 1, j.first_year) AS first_year,
        least(coalesce(year(p.end_date - INTERVAL 1 DAY), j.last_year), j.last_year) AS last_year
    FROM {{ ref('stg_positions') }} p
    JOIN {{ ref('stg_people') }} pe ON pe.source = p.source AND pe.person_id = p.person_id
    CROSS JOIN januaries j
),
held AS (
    SELECT *, {{ integers_from_to('first_year', 'last_year') }} AS held_year
    FROM positions_with_years
    WHERE first_year <= last_year
)
SELECT
    source,
    CAST(held_year AS BIGINT) AS year,
    make_date(CAST(held_year AS INTEGER), 1, 1) AS snapshot,
    person_id,
    member_id,
    education_level,
    company_id,
    occupation_family,
    city
FROM held
