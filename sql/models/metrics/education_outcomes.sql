WITH graduates AS (
    SELECT source, person_id, level, field, institution, graduation_date
    FROM {{ ref('stg_educations') }}
),
first_management AS (
    SELECT source, person_id, min(start_date) AS became_manager
    FROM {{ ref('stg_positions') }}
    WHERE seniority = 'manager'
    GROUP BY ALL
),
window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM {{ source('raw', 'calendar') }}
),
followed_graduates AS (
    SELECT
        g.source, h.horizon_years, g.level, g.field, g.institution,
        coalesce(m.became_manager < g.graduation_date + h.horizon, false) AS became_manager,
        12 * d.monthly_wage AS yearly_pay
    FROM graduates g
    CROSS JOIN (VALUES (5, INTERVAL 5 YEAR), (10, INTERVAL 10 YEAR)) h(horizon_years, horizon)
    CROSS JOIN window_bounds w
    LEFT JOIN first_management m USING (source, person_id)
    -- the pay on 1 December of the horizon's year (truth only: the platform sees no pay)
    LEFT JOIN {{ ref('int_december_wages') }} d
        ON g.source = 'truth' AND d.person_id = g.person_id
        AND d.year = year(g.graduation_date) + h.horizon_years
    WHERE g.graduation_date >= w.first_month
      AND g.graduation_date + h.horizon <= w.last_month
),
counts AS (
    SELECT
        source,
        horizon_years,
        CASE WHEN grouping(level) = 1 THEN 'all' ELSE level END AS level,
        CASE WHEN grouping(field) = 1 THEN 'all' ELSE field END AS field,
        CASE WHEN grouping(institution) = 1 THEN 'all' ELSE institution END AS institution,
        count(*) AS graduates,
        count(*) FILTER (WHERE became_manager) AS managers,
        count(yearly_pay) AS employed_at_horizon,
        {{ median('yearly_pay') }} AS median_yearly_pay
    FROM followed_graduates
    GROUP BY GROUPING SETS (
        (source, horizon_years, level, field, institution),
        (source, horizon_years, level, field),
        (source, horizon_years, level, institution),
        (source, horizon_years, level),
        (source, horizon_years)
    )
),
wilson AS (
    SELECT *, managers / graduates AS p, {{ float_literal('1.96') }} AS z FROM counts
)
SELECT
    source,
    horizon_years,
    level,
    field,
    institution,
    graduates,
    managers,
    p AS management_share,
    -- clamped: at p = 0 or 1 rounding can put a bound a hair past p or outside [0, 1]
    least(p, greatest(0.0, (p + z * z / (2 * graduates) - z * sqrt(p * (1 - p) / graduates + z * z / (4 * graduates * graduates)))
        / (1 + z * z / graduates))) AS ci_low,
    greatest(p, least(1.0, (p + z * z / (2 * graduates) + z * sqrt(p * (1 - p) / graduates + z * z / (4 * graduates * graduates)))
        / (1 + z * z / graduates))) AS ci_high,
    CASE WHEN source = 'truth' THEN CAST(employed_at_horizon AS BIGINT) END AS employed_at_horizon,
    median_yearly_pay
FROM wilson
ORDER BY source, horizon_years, level, field, institution
