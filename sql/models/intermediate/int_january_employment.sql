-- Who is employed on 1 January of each year of the window, where, in which occupation
-- family, and with which education: the annual panel that location, migration, coverage and
-- weighting metrics count. A person holds one position at a time (no_overlapping_positions, a
-- blocking check on both positions tables), so each person matches at most one position per
-- 1 January: no aggregate is needed to pick one.
SELECT
    p.source,
    CAST(year(c.month) AS BIGINT) AS year,
    c.month AS snapshot,
    p.person_id,
    pe.member_id,
    pe.education_level,
    p.company_id,
    p.occupation_family,
    p.city
FROM {{ source('raw', 'calendar') }} c
JOIN {{ ref('stg_positions') }} p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
JOIN {{ ref('stg_people') }} pe ON pe.source = p.source AND pe.person_id = p.person_id
WHERE month(c.month) = 1
