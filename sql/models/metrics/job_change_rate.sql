WITH monthly_starts AS (
    -- Hires as JOLTS and metrics.hires count them: every start of an employer spell. The
    -- LinkedIn Hiring Rate's numerator: a new employer that appears on the profile in the
    -- month the job began (the world knows every job as it begins).
    SELECT
        source,
        start_date AS month,
        count(*) FILTER (WHERE is_job_change) AS job_changes,
        count(*) AS hires,
        count(*) FILTER (
            WHERE starts_at_new_employer
                AND (source = 'truth' OR {{ month_difference('start_date', 'reported_on') }} = 0)
        ) AS linkedin_hires
    FROM {{ ref('int_position_history') }}
    WHERE starts_spell
    GROUP BY ALL
),
monthly AS (
    SELECT
        m.source,
        m.month,
        m.year,
        coalesce(st.job_changes, 0) AS job_changes,
        coalesce(st.hires, 0) AS hires,
        coalesce(st.linkedin_hires, 0) AS linkedin_hires,
        m.employed,
        m.population
    FROM {{ ref('monthly_stocks') }} m
    LEFT JOIN monthly_starts st USING (source, month)
),
by_period AS (
    SELECT source, 'month' AS grain, month AS period, job_changes, employed::DOUBLE AS avg_employed,
           hires, linkedin_hires, population::DOUBLE AS population
    FROM monthly
    UNION ALL
    SELECT source, 'year', make_date(year, 1, 1), sum(job_changes)::BIGINT, avg(employed), sum(hires)::BIGINT,
           sum(linkedin_hires)::BIGINT, avg(population)
    FROM monthly
    GROUP BY source, year
),
with_rates AS (
    SELECT
        *,
        job_changes / nullif(avg_employed, 0) AS rate,
        linkedin_hires / nullif(population, 0) AS hiring_rate
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
    cur.linkedin_hires,
    cur.population,
    cur.hiring_rate
FROM with_rates cur
LEFT JOIN with_rates earlier
    ON earlier.source = cur.source
    AND earlier.grain = cur.grain
    AND earlier.period = cur.period - INTERVAL 1 YEAR
ORDER BY cur.source, cur.grain, cur.period
