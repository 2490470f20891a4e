WITH window_bounds AS (
    SELECT min(month) AS first_month FROM {{ source('raw', 'calendar') }}
),
employed AS (
    SELECT year, education_level, occupation_family, city
    FROM {{ ref('int_january_employment') }}
    WHERE source = 'truth'
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
