-- Management outcomes by education: the share of graduates who held a management
-- position within 5 and within 10 years of graduating, per level, field and institution
-- ('all' for totals), with 95% confidence intervals, for the platform and the truth.
--
-- Cohort: graduates of the window (graduation on or after its first month) followed for
-- the whole horizon (graduation + horizon <= the window's last month); graduates without
-- a full horizon are left out of that horizon's row rather than counted as non-managers.
-- Manager: a position with seniority 'manager' starting before graduation + horizon.
-- Interval: Wilson score interval at 95% (z = 1.96), which stays inside [0, 1] for small
-- groups and shares near 0. Answers "which education gives the best chance of a
-- management job?" (compare institutions head to head in metrics.institution_comparison).
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   horizon_years: 5 or 10 years after graduation.
--   level: VO / MBO / HBO / WO, or 'all'.
--   field: Field of study, or 'all'.
--   institution: Institution, or 'all'.
--   graduates: Graduates followed for the whole horizon.
--   managers: Of those, graduates in a management position within the horizon.
--   management_share: managers / graduates.
--   ci_low: Lower bound of the 95% Wilson interval of management_share.
--   ci_high: Upper bound of the 95% Wilson interval of management_share.
WITH graduates AS (
    SELECT 'platform' AS source, member_id AS person_id, level, field, institution, graduation_date
    FROM raw.educations
    UNION ALL
    SELECT 'truth', person_id, level, field, institution, graduation_date
    FROM truth.educations
),
first_management AS (
    SELECT 'platform' AS source, member_id AS person_id, min(start_date) AS became_manager
    FROM raw.positions WHERE seniority = 'manager' GROUP BY ALL
    UNION ALL
    SELECT 'truth', person_id, min(start_date)
    FROM truth.positions WHERE seniority = 'manager' GROUP BY ALL
),
window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM raw.calendar
),
followed_graduates AS (
    SELECT
        g.source, h.horizon_years, g.level, g.field, g.institution,
        coalesce(m.became_manager < g.graduation_date + h.horizon, false) AS became_manager
    FROM graduates g
    CROSS JOIN (VALUES (5, INTERVAL 5 YEAR), (10, INTERVAL 10 YEAR)) h(horizon_years, horizon)
    CROSS JOIN window_bounds w
    LEFT JOIN first_management m USING (source, person_id)
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
        count(*) FILTER (WHERE became_manager) AS managers
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
    SELECT *, managers / graduates AS p, 1.96 AS z FROM counts
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
        / (1 + z * z / graduates))) AS ci_high
FROM wilson
ORDER BY source, horizon_years, level, field, institution
