WITH spell_starts AS (
    SELECT source, start_date AS month, count(*) AS hires
    FROM {{ ref('int_position_history') }}
    WHERE starts_spell
    GROUP BY ALL
),
spell_ends AS (
    -- A job-to-job quit, what a profile shows of one: a separation followed by another employer
    -- within a month. The truth knows why each job ended (end_reason): a quit into inactivity,
    -- and every quit as JOLTS counts it, job to job or into non-employment (ends_in_quit).
    SELECT
        source,
        end_date AS month,
        count(*) AS separations,
        count(*) FILTER (
            WHERE next_company_id <> company_id AND {{ month_difference('end_date', 'next_start_date') }} <= 1
        ) AS quits,
        count(*) FILTER (WHERE ends_in_quit AND ends_in_inactivity) AS quits_to_non_employment,
        count(*) FILTER (WHERE ends_in_quit) AS total_quits
    FROM {{ ref('int_position_history') }}
    WHERE ends_spell
    GROUP BY ALL
),
openings AS (
    SELECT c.month, CAST(coalesce(sum(o.open_postings), 0) AS BIGINT) AS job_openings
    FROM {{ source('raw', 'calendar') }} c
    LEFT JOIN {{ ref('int_posting_months') }} o ON o.month = c.month
    GROUP BY c.month
),
hires_through_postings AS (
    SELECT closed_on AS month, count(*) AS platform_hires
    FROM {{ source('raw', 'postings') }}
    WHERE hired_member_id IS NOT NULL
    GROUP BY ALL
),
monthly AS (
    SELECT
        m.source,
        m.month,
        m.year,
        coalesce(h.hires, 0) AS hires,
        coalesce(e.separations, 0) AS separations,
        coalesce(e.quits, 0) AS quits,
        CASE WHEN m.source = 'truth' THEN coalesce(e.quits_to_non_employment, 0) END AS quits_to_non_employment,
        CASE WHEN m.source = 'truth' THEN coalesce(e.total_quits, 0) END AS total_quits,
        m.employed AS employment,
        m.population AS members,
        CASE WHEN m.source = 'platform' THEN o.job_openings END AS job_openings,
        CASE WHEN m.source = 'platform' THEN coalesce(ph.platform_hires, 0) END AS platform_hires
    FROM {{ ref('monthly_stocks') }} m
    LEFT JOIN spell_starts h USING (source, month)
    LEFT JOIN spell_ends e USING (source, month)
    LEFT JOIN openings o USING (month)
    LEFT JOIN hires_through_postings ph USING (month)
),
monthly_with_change AS (
    SELECT *, employment - lag(employment) OVER (PARTITION BY source ORDER BY month) AS employment_change
    FROM monthly
),
by_period AS (
    SELECT source, 'month' AS grain, month AS period, hires, separations, quits, quits_to_non_employment,
           total_quits, employment::DOUBLE AS employment, employment_change, job_openings::DOUBLE AS job_openings,
           members::DOUBLE AS members, platform_hires, 1440.0 * day(last_day(month)) AS minutes
    FROM monthly_with_change
    UNION ALL
    SELECT source, 'year', make_date(year, 1, 1), sum(hires), sum(separations), sum(quits),
           sum(quits_to_non_employment), sum(total_quits), avg(employment), sum(employment_change), avg(job_openings), avg(members), sum(platform_hires),
           1440.0 * sum(day(last_day(month)))
    FROM monthly_with_change
    GROUP BY source, year
)
SELECT
    source,
    grain,
    period,
    hires::BIGINT AS hires,
    separations::BIGINT AS separations,
    quits::BIGINT AS quits,
    quits_to_non_employment::BIGINT AS quits_to_non_employment,
    total_quits::BIGINT AS total_quits,
    employment,
    employment_change::BIGINT AS employment_change,
    100.0 * hires / nullif(employment, 0) AS hires_rate,
    100.0 * separations / nullif(employment, 0) AS separations_rate,
    100.0 * quits / nullif(employment, 0) AS quits_rate,
    100.0 * quits_to_non_employment / nullif(employment, 0) AS quits_to_non_employment_rate,
    100.0 * total_quits / nullif(employment, 0) AS total_quits_rate,
    job_openings,
    100.0 * job_openings / nullif(employment + job_openings, 0) AS job_openings_rate,
    members,
    hires / nullif(members, 0) * 875e6 / minutes AS hires_per_minute_875m,
    platform_hires::BIGINT AS platform_hires,
    platform_hires / nullif(members, 0) * 875e6 / minutes AS platform_hires_per_minute_875m
FROM by_period
ORDER BY source, grain, period
