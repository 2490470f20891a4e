-- Platform against truth: every headline metric that has both a platform and a truth
-- figure, side by side per period and segment, with the platform's error.
--
-- Each figure is the metric as published in its own table, computed once from raw.*
-- (what the platform sees: members only, positions late or never, an old job shown as
-- current until a later one is reported) and once from truth.* (everybody, true dates);
-- the error is everything that separates them: coverage, reporting lag, unreported
-- changes and the platform's own denominators. Rates are compared, never counts (the
-- platform counts a subsample).
--   metrics.job_change_rate, grain 'year' (dimension 'all'): job_change_rate (rate),
--     job_change_rate_yoy (yoy_change), hires_per_employed (hires / avg_employed, the
--     same denominator on both sides) and hiring_rate (the LinkedIn Hiring Rate as
--     published: hires / members on the platform, against hires / people in the labour
--     market: the platform's denominator keeps members who retired and counts students
--     who joined before graduating). Base: average employed (population for hiring_rate).
--   metrics.talent_flows, occupation_family 'all' (dimension 'city'):
--     net_talent_migration_per_10k (net_per_10k) per city and year. Both sides locate a
--     person by the position held on 1 January; the platform's members are located by
--     their reported positions, so a move shows once the new job is on the profile. Base:
--     panel members in the city.
--   metrics.time_to_first_job, field and institution 'all' (dimension 'education_level',
--     segment a level or 'all'): employed_6m_share, employed_12m_share and
--     median_months_to_first_job (median_months) per graduation year. The platform's
--     graduates are its members; their first job is the first position on the profile,
--     which is a later one when the real first job was never reported. Base: graduates.
--   metrics.skills_added (dimension 'all'): skills_per_member per year, wherever the
--     metric has a truth row beside the platform's (today it has none: skills exist only on
--     profiles, so no row comes from it).
-- Errors are signed: error = platform - truth; abs_error = |error|; relative_error =
-- error / truth (NULL where the truth is 0; unstable where the truth is near 0, as for the
-- net migration of cities that neither gain nor lose).
-- Columns:
--   metric: Name of the compared figure (see above).
--   source_table: The metric table both figures come from.
--   year: Calendar year (graduation year for time to first job).
--   dimension: 'all', 'city' or 'education_level'.
--   segment: 'all', the city, or the education level ('all' = every level).
--   platform: The platform's figure (from raw.*).
--   truth: The true figure (from truth.*).
--   error: platform - truth, in the unit of the metric.
--   abs_error: |platform - truth|.
--   relative_error: (platform - truth) / truth; NULL where truth = 0.
--   platform_base: What the platform's figure rests on (employed, members, panel members or graduates).
--   truth_base: The same for the truth.
WITH job_change_figures AS (
    SELECT source, year(period) AS year, 'job_change_rate' AS metric, rate AS value, avg_employed AS base
    FROM metrics.job_change_rate WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'job_change_rate_yoy', yoy_change, avg_employed
    FROM metrics.job_change_rate WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'hires_per_employed', hires / nullif(avg_employed, 0), avg_employed
    FROM metrics.job_change_rate WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'hiring_rate', hiring_rate, population
    FROM metrics.job_change_rate WHERE grain = 'year'
),
figures AS (
    SELECT metric, 'metrics.job_change_rate' AS source_table, source, year, 'all' AS dimension, 'all' AS segment,
           value, base
    FROM job_change_figures
    UNION ALL
    SELECT 'net_talent_migration_per_10k', 'metrics.talent_flows', source, year, 'city', city, net_per_10k, members
    FROM metrics.talent_flows WHERE occupation_family = 'all'
    UNION ALL
    SELECT 'employed_6m_share', 'metrics.time_to_first_job', source, graduation_year, 'education_level', level,
           employed_6m_share, graduates
    FROM metrics.time_to_first_job WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'employed_12m_share', 'metrics.time_to_first_job', source, graduation_year, 'education_level', level,
           employed_12m_share, graduates
    FROM metrics.time_to_first_job WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'median_months_to_first_job', 'metrics.time_to_first_job', source, graduation_year, 'education_level',
           level, median_months, graduates
    FROM metrics.time_to_first_job WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'skills_per_member', 'metrics.skills_added', source, year, 'all', 'all', skills_per_member, member_years
    FROM metrics.skills_added
),
paired AS (
    SELECT
        p.metric,
        p.source_table,
        p.year,
        p.dimension,
        p.segment,
        p.value AS platform,
        t.value AS truth,
        p.base AS platform_base,
        t.base AS truth_base
    FROM figures p
    JOIN figures t
        ON t.source = 'truth'
        AND t.metric = p.metric
        AND t.year = p.year
        AND t.dimension = p.dimension
        AND t.segment = p.segment
    WHERE p.source = 'platform'
)
SELECT
    metric,
    source_table,
    year,
    dimension,
    segment,
    platform,
    truth,
    platform - truth AS error,
    abs(platform - truth) AS abs_error,
    (platform - truth) / nullif(truth, 0) AS relative_error,
    platform_base::DOUBLE AS platform_base,
    truth_base::DOUBLE AS truth_base
FROM paired
ORDER BY metric, dimension, segment, year
