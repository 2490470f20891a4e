-- The location panel: everybody located on 1 January of a year and on 1 January of the
-- next, with both cities: the shared basis of the talent-flow metrics.
--
-- A person's location is the city of the position held on the day (start_date <= day <
-- end_date, NULL end = current); people without a position on either day are not in that
-- year's panel (LinkedIn's talent migration likewise compares a member's location a year
-- apart). Should positions overlap, the latest started one counts. The platform sees
-- members through their reported positions (raw.positions), the truth sees everybody
-- (truth.positions). The last year of the window has no next January and no panel.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   year: Calendar year the panel spans (1 January to 1 January of the next year).
--   person_id: member_id for the platform, person_id for the truth.
--   occupation_family: Occupation family of the position held on the first January.
--   origin_city: City on the first January.
--   destination_city: City a year later (equal to origin_city for people who stayed).
WITH positions AS (
    SELECT 'platform' AS source, member_id AS person_id, city, occupation_family, start_date, end_date
    FROM raw.positions
    UNION ALL
    SELECT 'truth', person_id, city, occupation_family, start_date, end_date
    FROM truth.positions
),
januaries AS (
    SELECT month AS snapshot FROM raw.calendar WHERE month(month) = 1
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
