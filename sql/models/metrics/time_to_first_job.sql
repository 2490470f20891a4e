WITH graduates AS (
    SELECT 'platform' AS source, member_id AS person_id, level, field, institution, graduation_date
    FROM {{ source('raw', 'educations') }}
    UNION ALL
    SELECT 'truth', person_id, level, field, institution, graduation_date
    FROM {{ source('truth', 'educations') }}
),
first_positions AS (
    SELECT 'platform' AS source, member_id AS person_id, min(start_date) AS first_start
    FROM {{ source('raw', 'positions') }}
    GROUP BY ALL
    UNION ALL
    SELECT 'truth', person_id, min(start_date)
    FROM {{ source('truth', 'positions') }}
    GROUP BY ALL
),
window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM {{ source('raw', 'calendar') }}
),
graduates_followed AS (
    -- k: months to the first job (event) or months observed without one (censored).
    SELECT
        g.source,
        year(g.graduation_date) AS graduation_year,
        g.level,
        g.field,
        g.institution,
        f.first_start IS NOT NULL AS found_job,
        CASE
            WHEN f.first_start IS NOT NULL THEN greatest(datediff('month', g.graduation_date, f.first_start), 0)
            ELSE datediff('month', g.graduation_date, w.last_month)
        END AS k,
        datediff('month', g.graduation_date, w.last_month) AS months_followed
    FROM graduates g
    CROSS JOIN window_bounds w
    LEFT JOIN first_positions f USING (source, person_id)
    WHERE g.graduation_date >= w.first_month
),
events_per_month AS (
    SELECT
        source,
        graduation_year,
        CASE WHEN grouping(level) = 1 THEN 'all' ELSE level END AS level,
        CASE WHEN grouping(field) = 1 THEN 'all' ELSE field END AS field,
        CASE WHEN grouping(institution) = 1 THEN 'all' ELSE institution END AS institution,
        k,
        count(*) FILTER (WHERE found_job) AS events,
        count(*) FILTER (WHERE NOT found_job) AS censored,
        max(months_followed) AS months_followed
    FROM graduates_followed
    GROUP BY GROUPING SETS (
        (source, graduation_year, level, field, institution, k),
        (source, graduation_year, level, field, k),
        (source, graduation_year, level, institution, k),
        (source, graduation_year, level, k),
        (source, graduation_year, k)
    )
),
at_risk_per_month AS (
    SELECT
        *,
        sum(events + censored) OVER whole_group AS graduates,
        sum(censored) OVER whole_group AS censored_in_group,
        max(months_followed) OVER whole_group AS longest_follow_up,
        sum(events + censored) OVER whole_group
            - coalesce(sum(events + censored) OVER earlier_months, 0) AS at_risk
    FROM events_per_month
    WINDOW
        whole_group AS (PARTITION BY source, graduation_year, level, field, institution),
        earlier_months AS (
            PARTITION BY source, graduation_year, level, field, institution
            ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        )
),
kaplan_meier AS (
    -- S(k) = product over months j <= k of (1 - events_j / at_risk_j); 0 once a month
    -- leaves nobody without a job.
    SELECT
        *,
        CASE
            WHEN bool_or(events = at_risk) OVER up_to_k THEN 0.0
            ELSE exp(sum(ln(1.0 - events / at_risk)) OVER up_to_k)
        END AS survival
    FROM at_risk_per_month
    WINDOW up_to_k AS (
        PARTITION BY source, graduation_year, level, field, institution
        ORDER BY k ROWS UNBOUNDED PRECEDING
    )
)
SELECT
    source,
    graduation_year,
    level,
    field,
    institution,
    max(graduates)::BIGINT AS graduates,
    max(censored_in_group)::BIGINT AS censored,
    CASE WHEN max(longest_follow_up) >= 5 THEN 1 - coalesce(arg_max(survival, k) FILTER (WHERE k <= 5), 1.0) END
        AS employed_6m_share,
    CASE WHEN max(longest_follow_up) >= 11 THEN 1 - coalesce(arg_max(survival, k) FILTER (WHERE k <= 11), 1.0) END
        AS employed_12m_share,
    -- exp(sum(ln)) can put a survival of exactly 0.5 a rounding error above it (which way
    -- depends on the math library); 1e-9 is far below any real step of S (S / at_risk).
    min(k) FILTER (WHERE survival <= 0.5 + 1e-9) AS median_months,
    min(k) FILTER (WHERE survival <= 0.75 + 1e-9) AS p25_months,
    min(k) FILTER (WHERE survival <= 0.25 + 1e-9) AS p75_months
FROM kaplan_meier
GROUP BY source, graduation_year, level, field, institution
ORDER BY source, graduation_year, level, field, institution
