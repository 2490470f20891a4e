WITH window_bounds AS (
    SELECT
        max(month) - INTERVAL 59 MONTH AS reference_first_month,
        max(month) - INTERVAL 36 MONTH AS reference_last_month
    FROM {{ source('raw', 'calendar') }}
),
reference_job_changes AS (
    SELECT {{ month_difference('p.start_date', 'greatest(p.reported_on, p.previous_reported_on)') }} AS lag_months
    FROM {{ ref('int_position_history') }} p
    JOIN {{ source('raw', 'members') }} m ON m.member_id = p.person_id
    CROSS JOIN window_bounds w
    WHERE p.source = 'platform'
        AND p.is_job_change
        AND p.start_date >= m.joined_on
        AND p.start_date BETWEEN w.reference_first_month AND w.reference_last_month
),
lags AS (
    SELECT {{ integers_from_to(0, 36) }} AS lag_months
),
per_lag AS (
    SELECT l.lag_months, count(r.lag_months) AS job_changes
    FROM lags l
    LEFT JOIN reference_job_changes r USING (lag_months)
    GROUP BY ALL
)
SELECT
    lag_months,
    job_changes,
    job_changes / nullif(sum(job_changes) OVER (), 0) AS share,
    sum(job_changes) OVER (ORDER BY lag_months ROWS UNBOUNDED PRECEDING) / nullif(sum(job_changes) OVER (), 0)
        AS completion,
    CAST(w.reference_first_month AS DATE) AS reference_first_month,
    CAST(w.reference_last_month AS DATE) AS reference_last_month
FROM per_lag, window_bounds w
ORDER BY lag_months
