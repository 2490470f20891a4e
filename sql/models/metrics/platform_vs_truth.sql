WITH job_change_figures AS (
    SELECT source, year(period) AS year, 'job_change_rate' AS metric, rate AS value, avg_employed AS base
    FROM {{ ref('job_change_rate') }} WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'job_change_rate_yoy', yoy_change, avg_employed
    FROM {{ ref('job_change_rate') }} WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'hires_per_employed', hires / nullif(avg_employed, 0), avg_employed
    FROM {{ ref('job_change_rate') }} WHERE grain = 'year'
    UNION ALL
    SELECT source, year(period), 'hiring_rate', hiring_rate, population
    FROM {{ ref('job_change_rate') }} WHERE grain = 'year'
),
figures AS (
    SELECT metric, 'metrics.job_change_rate' AS source_table, source, year, 'all' AS dimension, 'all' AS segment,
           value, base
    FROM job_change_figures
    UNION ALL
    SELECT 'net_talent_migration_per_10k', 'metrics.talent_flows', source, year, 'city', city, net_per_10k, members
    FROM {{ ref('talent_flows') }} WHERE occupation_family = 'all'
    UNION ALL
    SELECT 'employed_6m_share', 'metrics.time_to_first_job', source, graduation_year, 'education_level', level,
           employed_6m_share, graduates
    FROM {{ ref('time_to_first_job') }} WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'employed_12m_share', 'metrics.time_to_first_job', source, graduation_year, 'education_level', level,
           employed_12m_share, graduates
    FROM {{ ref('time_to_first_job') }} WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'median_months_to_first_job', 'metrics.time_to_first_job', source, graduation_year, 'education_level',
           level, median_months, graduates
    FROM {{ ref('time_to_first_job') }} WHERE field = 'all' AND institution = 'all'
    UNION ALL
    SELECT 'skills_per_member', 'metrics.skills_added', source, year, 'all', 'all', skills_per_member, member_years
    FROM {{ ref('skills_added') }}
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
