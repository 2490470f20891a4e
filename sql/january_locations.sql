-- Where everybody is on 1 January of every year of the window: the shared basis of the
-- talent-flow metrics.
--
-- A person's location is the city of the position held on that day (start_date <= day <
-- end_date, NULL end = current); people without a position that day have no row. Should
-- positions overlap, the latest started one counts. The platform sees members through
-- their reported positions (raw.positions), the truth sees everybody (truth.positions).
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   snapshot: 1 January of a year of the window.
--   person_id: member_id for the platform, person_id for the truth.
--   city: City of the position held on the snapshot day.
--   occupation_family: Occupation family of that position.
WITH positions AS (
    SELECT 'platform' AS source, member_id AS person_id, city, occupation_family, start_date, end_date
    FROM raw.positions
    UNION ALL
    SELECT 'truth', person_id, city, occupation_family, start_date, end_date
    FROM truth.positions
),
januaries AS (
    SELECT month AS snapshot FROM raw.calendar WHERE month(month) = 1
)
SELECT
    p.source,
    j.snapshot,
    p.person_id,
    arg_max(p.city, p.start_date) AS city,
    arg_max(p.occupation_family, p.start_date) AS occupation_family
FROM januaries j
JOIN positions p ON p.start_date <= j.snapshot AND (p.end_date IS NULL OR p.end_date > j.snapshot)
GROUP BY ALL
ORDER BY source, snapshot, person_id
