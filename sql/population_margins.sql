-- Population margins: the counts an official statistician publishes (CBS labour-force
-- tables, DUO graduate counts), taken from the truth. They are the only truth the
-- platform-side correction may use (metrics.raking_weights, metrics.corrected_estimates):
-- totals per segment, never who is who.
--
-- 'employed': people holding a position on 1 January of the year (start_date <= day <
-- end_date, NULL end = current; truth.positions), by education level (truth.people), by
-- occupation family and by city of the position held (the latest started one should
-- positions overlap), one dimension at a time: the one-way margins of the population
-- by education level x region x occupation family.
-- 'graduates': people graduating in the year (truth.educations), by education level;
-- graduation years from the first month of the window on, as in metrics.time_to_first_job.
-- Columns:
--   population: 'employed' (on 1 January) or 'graduates' (in the year).
--   year: Calendar year of the 1 January count, or of graduation.
--   dimension: 'education_level', 'occupation_family' or 'city'.
--   segment: The level, family or city.
--   people: People of the population in the segment.
WITH window_bounds AS (
    SELECT min(month) AS first_month FROM raw.calendar
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
    FROM raw.calendar c
    JOIN truth.positions p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
    WHERE month(c.month) = 1
),
employed AS (
    SELECT e.year, pe.highest_education_level AS education_level, e.occupation_family, e.city
    FROM employed_on_1_january e
    JOIN truth.people pe USING (person_id)
),
graduates AS (
    SELECT year(e.graduation_date) AS year, e.level AS education_level
    FROM truth.educations e, window_bounds w
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
