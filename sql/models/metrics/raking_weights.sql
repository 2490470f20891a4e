WITH RECURSIVE employed_members AS (
    SELECT year, person_id AS member_id, education_level, occupation_family, city
    FROM {{ ref('int_january_employment') }}
    WHERE source = 'platform'
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
raking(step, year, education_level, occupation_family, city, members, weight) AS (
    SELECT
        0,
        year,
        education_level,
        occupation_family,
        city,
        members,
        (SELECT sum(people) FROM margins m WHERE m.year = c.year AND m.dimension = 'city')
            / sum(members) OVER (PARTITION BY year)
    FROM cells c
    UNION ALL
    -- Step s scales to the margin of dimension s % 3 (0 = education, 1 = family, 2 = city).
    SELECT
        r.step + 1,
        r.year,
        r.education_level,
        r.occupation_family,
        r.city,
        r.members,
        r.weight * t.target / nullif(sum(r.members * r.weight) OVER (
            PARTITION BY r.year, CASE r.step % 3 WHEN 0 THEN r.education_level WHEN 1 THEN r.occupation_family ELSE r.city END
        ), 0)
    FROM raking r
    JOIN targets t
        ON t.year = r.year
        AND t.dimension = CASE r.step % 3 WHEN 0 THEN 'education_level' WHEN 1 THEN 'occupation_family' ELSE 'city' END
        AND t.segment = CASE r.step % 3 WHEN 0 THEN r.education_level WHEN 1 THEN r.occupation_family ELSE r.city END
    WHERE r.step < 3 * 25
)
SELECT year, education_level, occupation_family, city, members, coalesce(weight, 0.0) AS weight
FROM raking
WHERE step = 3 * 25
ORDER BY year, education_level, occupation_family, city
