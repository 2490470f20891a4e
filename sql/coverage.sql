-- Coverage: the share of the workforce that is on the platform, per year and per
-- education level, occupation family and city, and how representative the members are.
--
-- Workforce: people holding a position on 1 January of the year (truth.positions; the
-- latest started one should positions overlap gives the family and city), with their
-- education level (truth.people). Members: those of them who had joined the platform by
-- that day (truth.people.member_id, raw.members.joined_on). Eventual members: those who
-- joined by the end of the window; the platform's metrics draw on them for every year,
-- because positions held before joining are filled in at sign-up.
-- coverage = members / workforce. representativeness = the segment's share of the members
-- / its share of the workforce (= coverage / coverage of the whole workforce; 1 = the
-- segment is represented in proportion, 2 = twice over). dissimilarity = half the sum over
-- the dimension's segments of |member share - workforce share| (the Duncan index: the
-- share of members who would have to be in another segment for the members to mirror the
-- workforce; 0 = representative), the same on every row of the dimension and year.
-- Columns:
--   year: Calendar year of the 1 January count.
--   dimension: 'all', 'education_level', 'occupation_family' or 'city'.
--   segment: The level, family or city; 'all' for dimension 'all'.
--   workforce: People employed on 1 January in the segment.
--   members: Of them, members who had joined the platform by that day.
--   eventual_members: Of them, members who joined by the end of the window.
--   coverage: members / workforce.
--   eventual_coverage: eventual_members / workforce.
--   workforce_share: workforce / workforce of the dimension.
--   member_share: members / members of the dimension.
--   representativeness: member_share / workforce_share.
--   dissimilarity: Half the sum of |member_share - workforce_share| over the dimension's segments.
WITH employed_on_1_january AS (
    -- A person holds one position at a time (no_overlapping_positions, a blocking check on
    -- both positions tables), so each person matches at most one position per 1 January:
    -- no aggregate is needed to pick one.
    SELECT
        c.month AS day,
        p.person_id,
        p.occupation_family,
        p.city
    FROM raw.calendar c
    JOIN truth.positions p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
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
    JOIN truth.people pe USING (person_id)
    LEFT JOIN raw.members m ON m.member_id = pe.member_id
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
