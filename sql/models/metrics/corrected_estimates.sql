WITH dormant_profiles AS (
    SELECT 'platform' AS source, year, member_id AS person_id FROM {{ ref('int_dormant_profiles') }}
),
frame AS (
    -- is_current: every truth row, and a member whose profile the platform does not take as
    -- dormant on the day. The platform's estimate counts every member it shows as employed;
    -- the corrected one only those with a current profile.
    SELECT e.source, e.year, e.person_id, e.education_level, e.occupation_family, e.city,
           d.person_id IS NULL AS is_current
    FROM {{ ref('int_january_employment') }} e
    LEFT JOIN dormant_profiles d USING (source, year, person_id)
),
job_changes_per_person AS (
    SELECT source, year(start_date) AS year, person_id, count(*) AS job_changes
    FROM {{ ref('int_position_history') }}
    WHERE is_job_change
    GROUP BY ALL
),
cells AS (
    -- The frame per cell: the weights are per cell, so every weighted count is a sum over cells.
    SELECT f.source, f.year, f.education_level, f.occupation_family, f.city, f.is_current,
           count(*) AS people, sum(coalesce(j.job_changes, 0)) AS job_changes
    FROM frame f
    LEFT JOIN job_changes_per_person j USING (source, year, person_id)
    GROUP BY ALL
),
weighted_cells AS {{ materialized() }} (
    -- kind: which estimate a cell counts for, with the weight each of its people counts with.
    SELECT 'truth' AS kind, c.*, 1.0 AS weight FROM cells c WHERE source = 'truth'
    UNION ALL
    SELECT 'platform', c.*, 1.0 FROM cells c WHERE source = 'platform'
    UNION ALL
    -- ON, not USING: after USING, Spark's c.* puts the join columns first.
    SELECT 'corrected', c.*, w.weight
    FROM cells c
    JOIN {{ ref('raking_weights') }} w
        ON w.year = c.year AND w.education_level = c.education_level
        AND w.occupation_family = c.occupation_family AND w.city = c.city
    WHERE c.source = 'platform' AND c.is_current
),
job_change_estimates AS (
    SELECT
        'job_changes_per_employed' AS metric, kind, year, 'all' AS dimension, 'all' AS segment,
        {{ order_free_sum('weight * job_changes') }} / {{ order_free_sum('weight * people') }} AS value,
        sum(people) AS base
    FROM weighted_cells
    GROUP BY ALL
),
composition AS (
    -- Per cell and share table: the group the share is taken within, and the category
    -- whose share it is.
    SELECT kind, year, 'occupation_family_share' AS metric, 'city|occupation_family' AS dimension,
           city AS group_value, occupation_family AS category, weight * people AS weighted, people
    FROM weighted_cells
    UNION ALL
    SELECT kind, year, 'education_level_share', 'city|education_level', city, education_level,
           weight * people, people
    FROM weighted_cells
    UNION ALL
    SELECT kind, year, 'education_level_share', 'occupation_family|education_level', occupation_family,
           education_level, weight * people, people
    FROM weighted_cells
),
group_totals AS (
    SELECT kind, year, metric, dimension, group_value, {{ order_free_sum('weighted') }} AS total, sum(people) AS base
    FROM composition
    GROUP BY ALL
),
category_totals AS (
    SELECT kind, year, metric, dimension, group_value, category, {{ order_free_sum('weighted') }} AS part
    FROM composition
    GROUP BY ALL
),
share_grid AS (
    -- Every category found in a group by either source; where a source has none, its share is 0.
    SELECT DISTINCT year, metric, dimension, group_value, category
    FROM composition
),
share_estimates AS (
    SELECT
        g.metric, t.kind, g.year, g.dimension, g.group_value || '|' || g.category AS segment,
        coalesce(c.part, 0) / nullif(t.total, 0) AS value,
        t.base
    FROM share_grid g
    JOIN group_totals t USING (year, metric, dimension, group_value)
    LEFT JOIN category_totals c USING (kind, year, metric, dimension, group_value, category)
),
education_levels AS (
    SELECT source, person_id, education_level FROM {{ ref('stg_people') }}
),
panel_moves AS (
    -- The location panel per 1 January cell and destination. The panel's row for a person
    -- and year is the frame's (the same 1 January position: occupation family, and city as
    -- the origin), so only the education level and whether the profile is current are looked
    -- up, per person.
    SELECT l.source, l.year, e.education_level, l.occupation_family, l.origin_city AS city,
           d.person_id IS NULL AS is_current, l.destination_city,
           count(*) AS people
    FROM {{ ref('location_panel') }} l
    JOIN education_levels e ON e.source = l.source AND e.person_id = l.person_id
    LEFT JOIN dormant_profiles d ON d.source = l.source AND d.year = l.year AND d.person_id = l.person_id
    GROUP BY ALL
),
weighted_moves AS (
    SELECT w.kind, m.year, m.city AS origin_city, m.destination_city, w.weight * m.people AS weighted, m.people
    FROM panel_moves m
    JOIN weighted_cells w USING (source, year, education_level, occupation_family, city, is_current)
),
city_flows AS (
    SELECT kind, year, origin_city AS city, 0.0 AS arrived,
           CASE WHEN origin_city <> destination_city THEN weighted ELSE 0.0 END AS departed,
           weighted AS at_start, people
    FROM weighted_moves
    UNION ALL
    SELECT kind, year, destination_city, CASE WHEN origin_city <> destination_city THEN weighted ELSE 0.0 END,
           0.0, 0.0, 0
    FROM weighted_moves
),
flow_estimates AS (
    SELECT
        'net_talent_migration_per_10k' AS metric, kind, year, 'city' AS dimension, city AS segment,
        10000.0 * ({{ order_free_sum('arrived') }} - {{ order_free_sum('departed') }}) / nullif({{ order_free_sum('at_start') }}, 0) AS value,
        sum(people) AS base
    FROM city_flows
    GROUP BY ALL
),
first_job_shares AS (
    SELECT source, graduation_year AS year, level, employed_6m_share, graduates
    FROM {{ ref('time_to_first_job') }}
    WHERE field = 'all' AND institution = 'all'
),
graduates_per_level AS (
    SELECT year, segment AS level, people
    FROM {{ ref('population_margins') }}
    WHERE population = 'graduates' AND dimension = 'education_level'
),
first_job_estimates AS (
    SELECT 'employed_6m_share' AS metric, 'truth' AS kind, year, 'all' AS dimension, 'all' AS segment,
           employed_6m_share AS value, graduates AS base
    FROM first_job_shares
    WHERE source = 'truth' AND level = 'all'
    UNION ALL
    SELECT 'employed_6m_share', 'platform', year, 'all', 'all', employed_6m_share, graduates
    FROM first_job_shares
    WHERE source = 'platform' AND level = 'all'
    UNION ALL
    -- Post-stratified: only where every level with graduates has a platform share.
    SELECT 'employed_6m_share', 'corrected', g.year, 'all', 'all',
           CASE WHEN count(s.employed_6m_share) = count(*) THEN {{ order_free_sum('g.people * s.employed_6m_share') }} / sum(g.people) END,
           sum(s.graduates)
    FROM graduates_per_level g
    LEFT JOIN first_job_shares s ON s.source = 'platform' AND s.year = g.year AND s.level = g.level
    GROUP BY g.year
),
estimates AS (
    SELECT * FROM job_change_estimates
    UNION ALL
    SELECT metric, kind, year, dimension, segment, value, base FROM share_estimates
    UNION ALL
    SELECT * FROM flow_estimates
    UNION ALL
    SELECT * FROM first_job_estimates
),
side_by_side AS (
    SELECT
        metric,
        year,
        dimension,
        segment,
        max(value) FILTER (WHERE kind = 'truth') AS truth,
        max(value) FILTER (WHERE kind = 'platform') AS platform,
        max(value) FILTER (WHERE kind = 'corrected') AS corrected,
        max(base) FILTER (WHERE kind = 'platform') AS platform_base,
        max(base) FILTER (WHERE kind = 'truth') AS truth_base
    FROM estimates
    GROUP BY ALL
)
SELECT
    metric,
    year,
    dimension,
    segment,
    truth,
    platform,
    corrected,
    platform - truth AS error,
    corrected - truth AS corrected_error,
    (platform - truth) / nullif(truth, 0) AS relative_error,
    (corrected - truth) / nullif(truth, 0) AS corrected_relative_error,
    coalesce(platform_base, 0)::BIGINT AS platform_base,
    coalesce(truth_base, 0)::BIGINT AS truth_base
FROM side_by_side
WHERE truth IS NOT NULL
ORDER BY metric, dimension, segment, year
