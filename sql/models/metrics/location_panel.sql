WITH located_each_january AS (
    SELECT source, snapshot, person_id, city, occupation_family
    FROM {{ ref('int_january_employment') }}
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
-- No ORDER BY: the row order of a table is no contract (readers sort what they show), and
-- sorting the 15 million rows at a million people was a large share of the model's time.
