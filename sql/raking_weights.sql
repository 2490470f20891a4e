-- Raking weights: how many people of the employed population each platform member
-- employed on 1 January stands for, per year and cell of education level x occupation
-- family x city, so that the weighted members match the statistician's margins.
--
-- Sample: members the platform sees employed on 1 January (raw.positions held on the
-- day, the latest started one should positions overlap), in the cell of their profile's
-- highest education level (raw.members) and the family and city of that position. As
-- every platform metric, it includes members who joined later: positions held before
-- joining are filled in at sign-up.
-- Targets: the one-way margins of metrics.population_margins ('employed': people
-- employed on 1 January by education level, by occupation family and by city; the
-- statistics office's table, no person-level truth). A segment without a single member
-- cannot be weighted up: the margin of its dimension is then spread over the segments
-- that have members (target = people x total / people of those segments), so that every
-- dimension still adds up to the employed population (never needed at the default size);
-- a segment the margins do not have (nobody employed there) gets weight 0.
-- Raking (iterative proportional fitting, Deming-Stephan): start from total / members
-- and scale the weights to the education margin, then to the family margin, then to the
-- city margin; 25 such cycles (the margins then match to rounding error). The fitted
-- weights are those of a log-linear model with main effects of the three dimensions:
-- they undo a membership propensity that is a product of a level and a family factor, as
-- the scenarios plant it (up to the cap at 1; membership_city_factor applies to the city
-- of the school, which the city of the job only partly reflects).
-- Columns:
--   year: Calendar year of the 1 January the cell is counted on.
--   education_level: Highest education level on the profile.
--   occupation_family: Occupation family of the position held on 1 January.
--   city: City of the position held on 1 January.
--   members: Members in the cell (unweighted).
--   weight: People each member of the cell stands for; members x weight summed over a
--     margin's segment equals its target.
WITH RECURSIVE member_positions AS (
    SELECT p.member_id, p.occupation_family, p.city, p.start_date, p.end_date, m.highest_education_level
    FROM raw.positions p
    JOIN raw.members m USING (member_id)
),
employed_members AS (
    -- A person holds one position at a time (no_overlapping_positions, a blocking check on
    -- both positions tables), so each person matches at most one position per 1 January:
    -- no aggregate is needed to pick one.
    SELECT
        year(c.month) AS year,
        p.member_id,
        p.highest_education_level AS education_level,
        p.occupation_family,
        p.city
    FROM raw.calendar c
    JOIN member_positions p ON p.start_date <= c.month AND (p.end_date IS NULL OR p.end_date > c.month)
    WHERE month(c.month) = 1
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
    FROM metrics.population_margins
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
