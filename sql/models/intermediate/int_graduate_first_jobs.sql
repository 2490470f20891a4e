-- Every graduate of the window with the months to a first job: the event (a first position,
-- whenever it started; before graduation counts as month 0) or, without one, the months
-- observed until the end of the window (censored).
WITH first_positions AS (
    SELECT source, person_id, min(start_date) AS first_start
    FROM {{ ref('stg_positions') }}
    GROUP BY ALL
),
window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM {{ source('raw', 'calendar') }}
)
SELECT
    g.source,
    g.person_id,
    year(g.graduation_date) AS graduation_year,
    g.level,
    g.field,
    g.institution,
    f.first_start IS NOT NULL AS found_job,
    CASE
        WHEN f.first_start IS NOT NULL THEN greatest({{ month_difference('g.graduation_date', 'f.first_start') }}, 0)
        ELSE {{ month_difference('g.graduation_date', 'w.last_month') }}
    END AS months,
    {{ month_difference('g.graduation_date', 'w.last_month') }} AS months_followed
FROM {{ ref('stg_educations') }} g
CROSS JOIN window_bounds w
LEFT JOIN first_positions f USING (source, person_id)
WHERE g.graduation_date >= w.first_month
