WITH employed_on_1_january AS (
    -- A person holds one position at a time (no_overlapping_positions, a blocking check on
    -- both positions tables), so each person matches at most one position per 1 January:
    -- no aggregate is needed to pick one.
    SELECT
        c.month AS day,
        p.person_id,
        p.occupation_family,
        p.city
    FROM {{ source('raw', 'calendar') }} c
    JOIN {{ source('truth', 'positions') }} p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
    WHERE month(c.month) = 1
),
workforce AS (
    SELECT
        year(e.day) AS year,
        pe.highest_education_level AS education_level,
        e.occupation_family,
        e.city,
        coalesce(m.joined_on <= e.day, FALSE) AS is_member,
        m.member_id IS NOT NULL AS is_eventual_member
    FROM employed_on_1_january e
    JOIN {{ source('truth', 'people') }} pe USING (person_id)
    LEFT JOIN {{ source('raw', 'members') }} m ON m.member_id = pe.member_id
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
    0.5 * sum(abs(member_share - workforce_share)) OVER (PARTITION BY year, dimension) AS dissimilarity
FROM shares
ORDER BY year, dimension, segment
