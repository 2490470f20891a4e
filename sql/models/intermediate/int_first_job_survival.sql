-- The Kaplan-Meier curve of the time to a first job, month by month: the one estimator of
-- it, which metrics.time_to_first_job reads at 6 and 12 months and at its quartiles, and the
-- insight report draws whole. One curve per graduation year and one pooled over every
-- graduation year of the window ('all'); per level, field and institution as the metric
-- breaks them down ('all' = every one).
WITH per_month AS (
    SELECT
        source,
        CASE WHEN grouping(graduation_year) = 1 THEN 'all' ELSE CAST(graduation_year AS STRING) END AS cohort,
        CASE WHEN grouping(level) = 1 THEN 'all' ELSE level END AS level,
        CASE WHEN grouping(field) = 1 THEN 'all' ELSE field END AS field,
        CASE WHEN grouping(institution) = 1 THEN 'all' ELSE institution END AS institution,
        months,
        count(*) FILTER (WHERE found_job) AS events,
        count(*) FILTER (WHERE NOT found_job) AS censored,
        max(months_followed) AS months_followed
    FROM {{ ref('int_graduate_first_jobs') }}
    GROUP BY GROUPING SETS (
        (source, graduation_year, level, field, institution, months),
        (source, graduation_year, level, field, months),
        (source, graduation_year, level, institution, months),
        (source, graduation_year, level, months),
        (source, graduation_year, months),
        (source, level, months),
        (source, months)
    )
),
at_risk_per_month AS (
    -- at risk in month k: every graduate followed for k months or more
    SELECT
        *,
        sum(events + censored) OVER whole_curve AS graduates,
        sum(censored) OVER whole_curve AS censored_in_curve,
        max(months_followed) OVER whole_curve AS longest_follow_up,
        sum(events + censored) OVER whole_curve - coalesce(sum(events + censored) OVER earlier_months, 0) AS at_risk
    FROM per_month
    WINDOW
        whole_curve AS (PARTITION BY source, cohort, level, field, institution),
        earlier_months AS (
            PARTITION BY source, cohort, level, field, institution
            ORDER BY months ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        )
),
curves AS (
    -- S(k) = product over months j <= k of (1 - events_j / at_risk_j); 0 from the first month
    -- that leaves nobody without a job.
    SELECT
        *,
        CASE
            WHEN bool_or(events = at_risk) OVER up_to_month THEN 0.0
            ELSE exp(sum(ln(1.0 - events / at_risk)) OVER up_to_month)
        END AS survival
    FROM at_risk_per_month
    WINDOW up_to_month AS (
        PARTITION BY source, cohort, level, field, institution ORDER BY months ROWS UNBOUNDED PRECEDING
    )
)
SELECT
    source,
    cohort,
    level,
    field,
    institution,
    months,
    graduates::BIGINT AS graduates,
    censored_in_curve::BIGINT AS censored_in_curve,
    longest_follow_up,
    at_risk::BIGINT AS at_risk,
    events,
    censored,
    survival,
    1 - survival AS share_employed
FROM curves
