WITH window_bounds AS (
    SELECT min(month) AS first_month FROM {{ source('raw', 'calendar') }}
),
employed_on_1_january AS (
    -- A person holds one position at a time (no_overlapping_positions, a blocking check on
    -- both positions tables), so each person matches at most one position per 1 January:
    -- no aggregate is needed to pick one.
    SELECT
        year(c.month) AS year,
        p.person_id,
        p.occupation_family,
        p.city
    FROM {{ source('raw', 'calendar') }} c
    JOIN {{ source('truth', 'positions') }} p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
    WHERE month(c.month) = 1
),
employed AS (
    SELECT e.year, pe.highest_education_level AS education_level, e.occupation_family, e.city
    FROM employed_on_1_january e
    JOIN {{ source('truth', 'people') }} pe USING (person_id)
),
graduates AS (
    SELECT year(e.graduation_date) AS year, e.level AS education_level
    FROM {{ source('truth', 'educations') }} e, window_bounds w
    WHERE e.graduation_date >= w.first_month
)
SELECT 'employed' AS population, year, 'education_level' AS dimension, education_level AS segment, count(*) AS people
FROM employed GROUP BY ALL
UNION ALL
SELECT 'employed', year, 'occupation_family', occupation_family, count(*) FROM employed GROUP BY ALL
UNION ALL
SELECT 'employed', year, 'city', city, count(*) FROM employed GROUP BY ALL
UNION ALL
SELECT 'graduates', year, 'education_level', education_level, count(*) FROM graduates GROUP BY ALL
ORDER BY population, year, dimension, segment
