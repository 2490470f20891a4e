WITH starts_at_new_employer AS (
    SELECT source, start_date AS month, is_job_change
    FROM {{ ref('int_position_history') }}
    WHERE starts_at_new_employer
),
monthly_starts AS (
    SELECT source, month, count(*) FILTER (WHERE is_job_change) AS job_changes, count(*) AS hires
    FROM starts_at_new_employer
    GROUP BY ALL
),
monthly AS (
    SELECT
        m.source,
        m.month,
        m.year,
        coalesce(st.job_changes, 0) AS job_changes,
        coalesce(st.hires, 0) AS hires,
        m.employed,
        m.population
    FROM {{ ref('monthly_stocks') }} m
    LEFT JOIN monthly_starts st USING (source, month)
),
by_period AS (
    SELECT source, 'month' AS grain, month AS period, job_changes, employed::DOUBLE AS avg_employed,
           hires, population::DOUBLE AS population
    FROM monthly
    UNION ALL
    SELECT source, 'year', make_date(year, 1, 1), sum(job_changes)::BIGINT, avg(employed), sum(hires)::BIGINT, avg(population)
    FROM monthly
    GROUP BY source, year
),
with_rates AS (
    SELECT
        *,
        job_changes / nullif(avg_employed, 0) AS rate,
        hires / nullif(population, 0) AS hiring_rate
    FROM by_period
)
SELECT
    cur.source,
    cur.grain,
    cur.period,
    cur.job_changes,
    cur.avg_employed,
    cur.rate,
    cur.rate / nullif(earlier.rate, 0) - 1 AS yoy_change,
    cur.hires,
    cur.population,
    cur.hiring_rate
FROM with_rates cur
LEFT JOIN with_rates earlier
    ON earlier.source = cur.source
    AND earlier.grain = cur.grain
    AND earlier.period = cur.period - INTERVAL 1 YEAR
ORDER BY cur.source, cur.grain, cur.period
