WITH window_bounds AS (
    SELECT
        max(month) - INTERVAL 59 MONTH AS reference_first_month,
        max(month) - INTERVAL 36 MONTH AS reference_last_month
    FROM {{ source('raw', 'calendar') }}
),
member_positions AS (
    SELECT
        p.member_id,
        p.company_id,
        p.start_date,
        p.end_date,
        p.reported_on,
        m.joined_on,
        lag(p.company_id) OVER by_member AS previous_company_id,
        lag(p.end_date) OVER by_member AS previous_end_date,
        lag(p.reported_on) OVER by_member AS previous_reported_on
    FROM {{ source('raw', 'positions') }} p
    JOIN {{ source('raw', 'members') }} m USING (member_id)
    WINDOW by_member AS (PARTITION BY p.member_id ORDER BY p.start_date, p.end_date NULLS LAST)
),
reference_job_changes AS (
    SELECT datediff('month', p.start_date, greatest(p.reported_on, p.previous_reported_on)) AS lag_months
    FROM member_positions p, window_bounds w
    WHERE p.previous_company_id IS NOT NULL
        AND p.previous_company_id <> p.company_id
        AND datediff('month', p.previous_end_date, p.start_date) < 3
        AND p.start_date >= p.joined_on
        AND p.start_date BETWEEN w.reference_first_month AND w.reference_last_month
),
lags AS (
    SELECT unnest(range(0, 37)) AS lag_months
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
