-- The labour force as a labour force survey counts it (ILO definitions, ages 15-74), from the
-- truth: the platform cannot tell a member without a current position who searches from one
-- who stopped updating the profile. Stocks on the first of every month, counted from
-- changes (+1/-1) per birth year and education level, then summed into age bands; the
-- year rows average the twelve months, as CBS's yearly figures do.
WITH window_bounds AS (
    SELECT min(month) AS first_month FROM {{ source('raw', 'calendar') }}
),
people AS (
    SELECT person_id, birth_year, highest_education_level AS education_level, labour_market_entry, retirement
    FROM {{ source('truth', 'people') }}
),
deltas AS (
    -- In the labour force from entry (graduation) until retirement: everyone in between holds
    -- a position or searches for one, except while inactive (below).
    SELECT birth_year, education_level, greatest(labour_market_entry, w.first_month) AS month,
           1 AS labour_force_delta, 0 AS employed_delta
    FROM people, window_bounds w
    WHERE retirement > w.first_month
    UNION ALL
    SELECT birth_year, education_level, retirement, -1, 0
    FROM people, window_bounds w
    WHERE retirement > w.first_month
    UNION ALL
    -- Employed: holding a position (start_date <= month < end_date); positions of a person
    -- never overlap (a blocking check on truth.positions), so entries minus exits count people.
    SELECT p.birth_year, p.education_level, greatest(q.start_date, w.first_month), 0, 1
    FROM {{ source('truth', 'positions') }} q JOIN people p USING (person_id), window_bounds w
    WHERE q.end_date IS NULL OR q.end_date > w.first_month
    UNION ALL
    SELECT p.birth_year, p.education_level, q.end_date, 0, -1
    FROM {{ source('truth', 'positions') }} q JOIN people p USING (person_id), window_bounds w
    WHERE q.end_date > w.first_month
    UNION ALL
    -- Pupils and students with a side job: employed, and so in the labour force, while they
    -- hold it (before labour-market entry, so never counted twice).
    SELECT p.birth_year, p.education_level, j.start_date, 1, 1
    FROM {{ source('truth', 'student_jobs') }} j JOIN people p USING (person_id)
    UNION ALL
    SELECT p.birth_year, p.education_level, j.end_date, -1, -1
    FROM {{ source('truth', 'student_jobs') }} j JOIN people p USING (person_id)
    UNION ALL
    -- Inactive, outside the labour force: from a quit into inactivity or an early exit until the next position
    -- starts, or else until retirement (where this +1 and the retirement's -1 above cancel).
    -- Quits happen inside the window, so the spell starts in it.
    SELECT p.birth_year, p.education_level, h.end_date, -1, 0
    FROM {{ ref('int_position_history') }} h JOIN people p USING (person_id)
    WHERE h.source = 'truth' AND h.ends_in_inactivity
    UNION ALL
    SELECT p.birth_year, p.education_level, coalesce(h.next_start_date, p.retirement), 1, 0
    FROM {{ ref('int_position_history') }} h JOIN people p USING (person_id)
    WHERE h.source = 'truth' AND h.ends_in_inactivity
),
net_deltas AS (
    SELECT birth_year, education_level, month,
           sum(labour_force_delta) AS labour_force_delta, sum(employed_delta) AS employed_delta
    FROM deltas
    GROUP BY birth_year, education_level, month
),
cohorts AS (
    SELECT birth_year, education_level, count(*) AS people
    FROM people
    GROUP BY birth_year, education_level
),
cohort_months AS (
    SELECT k.birth_year, k.education_level, k.people, c.month, c.year,
           sum(coalesce(d.labour_force_delta, 0)) OVER running AS labour_force,
           sum(coalesce(d.employed_delta, 0)) OVER running AS employed
    FROM cohorts k
    CROSS JOIN {{ source('raw', 'calendar') }} c
    LEFT JOIN net_deltas d
        ON d.birth_year = k.birth_year AND d.education_level = k.education_level AND d.month = c.month
    WINDOW running AS (PARTITION BY k.birth_year, k.education_level ORDER BY c.month ROWS UNBOUNDED PRECEDING)
),
banded AS (
    -- Age reached in the calendar year, in CBS's bands (15-74: the survey's population).
    SELECT month, year, education_level, people, labour_force, employed,
           {{ age_band('year', 'birth_year') }} AS age_band
    FROM cohort_months
    WHERE year - birth_year BETWEEN 15 AND 74
),
monthly AS (
    SELECT month, year,
           coalesce(age_band, 'all') AS age_band,
           coalesce(education_level, 'all') AS education_level,
           CAST(sum(people) AS DOUBLE) AS population,
           CAST(sum(labour_force) AS DOUBLE) AS labour_force,
           CAST(sum(employed) AS DOUBLE) AS employed
    FROM banded
    GROUP BY GROUPING SETS ((month, year, age_band, education_level), (month, year, age_band),
                            (month, year, education_level), (month, year))
),
both_grains AS (
    SELECT 'month' AS grain, month AS period, year, age_band, education_level, population, labour_force, employed
    FROM monthly
    UNION ALL
    SELECT 'year', min(month), year, age_band, education_level,
           avg(population), avg(labour_force), avg(employed)
    FROM monthly
    GROUP BY year, age_band, education_level
)
SELECT
    grain, period, year, age_band, education_level,
    population,
    labour_force,
    employed,
    labour_force - employed AS unemployed,
    population - labour_force AS inactive,
    {{ float_literal('100.0') }} * (labour_force - employed) / nullif(labour_force, 0) AS unemployment_rate,
    {{ float_literal('100.0') }} * labour_force / nullif(population, 0) AS participation_rate
FROM both_grains
