WITH workforce AS (
    SELECT
        e.year,
        e.education_level,
        e.occupation_family,
        e.city,
        coalesce(m.joined_on <= e.snapshot, FALSE) AS is_member,
        m.member_id IS NOT NULL AS is_eventual_member
    FROM {{ ref('int_january_employment') }} e
    LEFT JOIN {{ source('raw', 'members') }} m ON m.member_id = e.member_id
    WHERE e.source = 'truth'
),
segments AS (
    SELECT year, 'all' AS dimension, 'all' AS segment, is_member, is_eventual_member FROM workforce
    UNION ALL
    SELECT year, 'education_level', education_level, is_member, is_eventual_member FROM workforce
    UNION ALL
    SELECT year, 'occupation_family', occupation_family, is_member, is_eventual_member FROM workforce
    UNION ALL
    SELECT year, 'city', city, is_member, is_eventual_member FROM workforce
),
counts AS (
    SELECT
        year,
        dimension,
        segment,
        count(*) AS workforce,
        count(*) FILTER (WHERE is_member) AS members,
        count(*) FILTER (WHERE is_eventual_member) AS eventual_members
    FROM segments
    GROUP BY ALL
),
shares AS (
    SELECT
        *,
        workforce / sum(workforce) OVER dimension_year AS workforce_share,
        members / nullif(sum(members) OVER dimension_year, 0) AS member_share
    FROM counts
    WINDOW dimension_year AS (PARTITION BY year, dimension)
)
SELECT
    year,
    dimension,
    segment,
    workforce,
    members,
    eventual_members,
    members / workforce AS coverage,
    eventual_members / workforce AS eventual_coverage,
    workforce_share,
    member_share,
    member_share / workforce_share AS representativeness,
    0.5 * {{ order_free_sum_over('abs(member_share - workforce_share)', 'year, dimension') }} AS dissimilarity
FROM shares
ORDER BY year, dimension, segment
