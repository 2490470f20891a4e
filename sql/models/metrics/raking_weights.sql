WITH employed_members AS (
    -- Members shown as employed on 1 January, but for dormant profiles: a position left open
    -- on a profile the platform takes as left behind (a retiree's last job) is not weighted
    -- as employment.
    SELECT e.year, e.person_id AS member_id, e.education_level, e.occupation_family, e.city
    FROM {{ ref('int_january_employment') }} e
    LEFT JOIN {{ ref('int_dormant_profiles') }} d ON d.year = e.year AND d.member_id = e.person_id
    WHERE e.source = 'platform' AND d.member_id IS NULL
),
cells AS (
    SELECT year, education_level, occupation_family, city, count(*) AS members
    FROM employed_members
    GROUP BY ALL
),
segments_with_members AS (
    SELECT DISTINCT year, 'education_level' AS dimension, education_level AS segment FROM cells
    UNION ALL
    SELECT DISTINCT year, 'occupation_family', occupation_family FROM cells
    UNION ALL
    SELECT DISTINCT year, 'city', city FROM cells
),
margins AS (
    SELECT year, dimension, segment, people
    FROM {{ ref('population_margins') }}
    WHERE population = 'employed'
),
targets AS (
    SELECT
        s.year,
        s.dimension,
        s.segment,
        coalesce(m.people, 0)
            * (SELECT sum(people) FROM margins a WHERE a.year = s.year AND a.dimension = s.dimension)
            / sum(coalesce(m.people, 0)) OVER (PARTITION BY s.year, s.dimension) AS target
    FROM segments_with_members s
    LEFT JOIN margins m USING (year, dimension, segment)
),
-- The steps are written out, one CTE each, rather than as a recursive CTE: Spark runs no
-- recursive CTE whose step aggregates, and the number of steps is fixed. Step s scales to
-- the margin of dimension s % 3 (0 = education, 1 = family, 2 = city). Every segment of a
-- cell has its target (targets covers segments_with_members), so each cell carries its three
-- targets from the start and a step is one window over the step before, with no join: a
-- short plan for either engine.
{%- set dimensions = ['education_level', 'occupation_family', 'city'] %}
{%- set cycles = 25 %}
raking_0 AS (
    SELECT
        c.year,
        c.education_level,
        c.occupation_family,
        c.city,
        c.members,
        {%- for dimension in dimensions %}
        target_{{ loop.index }}.target AS {{ dimension }}_target,
        {%- endfor %}
        (SELECT sum(people) FROM margins m WHERE m.year = c.year AND m.dimension = 'city')
            / sum(c.members) OVER (PARTITION BY c.year) AS weight
    FROM cells c
    {%- for dimension in dimensions %}
    JOIN targets target_{{ loop.index }}
        ON target_{{ loop.index }}.year = c.year AND target_{{ loop.index }}.dimension = '{{ dimension }}'
        AND target_{{ loop.index }}.segment = c.{{ dimension }}
    {%- endfor %}
),
{%- for step in range(3 * cycles) %}
{%- set dimension = dimensions[step % 3] %}
raking_{{ step + 1 }} AS (
    SELECT
        year,
        education_level,
        occupation_family,
        city,
        members,
        education_level_target,
        occupation_family_target,
        city_target,
        weight * {{ dimension }}_target
            / nullif({{ order_free_sum_over('members * weight', 'year, ' ~ dimension) }}, 0) AS weight
    FROM raking_{{ step }}
){{ "," if not loop.last }}
{%- endfor %}
SELECT year, education_level, occupation_family, city, members, coalesce(weight, 0.0) AS weight
FROM raking_{{ 3 * cycles }}
ORDER BY year, education_level, occupation_family, city
