WITH positions AS (
    SELECT 'platform' AS source, member_id AS person_id, city, occupation_family, start_date, end_date
    FROM {{ source('raw', 'positions') }}
    UNION ALL
    SELECT 'truth', person_id, city, occupation_family, start_date, end_date
    FROM {{ source('truth', 'positions') }}
),
januaries AS (
    SELECT month AS snapshot FROM {{ source('raw', 'calendar') }} WHERE month(month) = 1
),
located_each_january AS (
    -- A person holds one position at a time (no_overlapping_positions, a blocking check on
    -- both positions tables), so each person matches at most one position per 1 January:
    -- no aggregate is needed to pick one.
    SELECT
        p.source,
        j.snapshot,
        p.person_id,
        p.city,
        p.occupation_family
    FROM januaries j
    JOIN positions p ON p.start_date <= j.snapshot AND (p.end_date IS NULL OR p.end_date > j.snapshot)
),
located_with_next_january AS (
    SELECT
        *,
        lead(snapshot) OVER next_january AS next_snapshot,
        lead(city) OVER next_january AS next_city
    FROM located_each_january
    WINDOW next_january AS (PARTITION BY source, person_id ORDER BY snapshot)
)
SELECT
    source,
    year(snapshot) AS year,
    person_id,
    occupation_family,
    city AS origin_city,
    next_city AS destination_city
FROM located_with_next_january
WHERE next_snapshot = snapshot + INTERVAL 1 YEAR
ORDER BY source, year, person_id
