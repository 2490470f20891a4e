-- Read from the Kaplan-Meier curves of intermediate.int_first_job_survival, per graduation year.
SELECT
    source,
    CAST(cohort AS BIGINT) AS graduation_year,
    level,
    field,
    institution,
    max(graduates)::BIGINT AS graduates,
    max(censored_in_curve)::BIGINT AS censored,
    CASE WHEN max(longest_follow_up) >= 5 THEN 1 - coalesce(max_by(survival, months) FILTER (WHERE months <= 5), 1.0) END
        AS employed_6m_share,
    CASE WHEN max(longest_follow_up) >= 11 THEN 1 - coalesce(max_by(survival, months) FILTER (WHERE months <= 11), 1.0) END
        AS employed_12m_share,
    -- exp(sum(ln)) can put a survival of exactly 0.5 a rounding error above it (which way
    -- depends on the math library); 1e-9 is far below any real step of S (S / at_risk).
    min(months) FILTER (WHERE survival <= 0.5 + 1e-9) AS median_months,
    min(months) FILTER (WHERE survival <= 0.75 + 1e-9) AS p25_months,
    min(months) FILTER (WHERE survival <= 0.25 + 1e-9) AS p75_months
FROM {{ ref('int_first_job_survival') }}
WHERE cohort <> 'all'
GROUP BY source, cohort, level, field, institution
ORDER BY source, graduation_year, level, field, institution
