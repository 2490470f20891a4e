-- School leavers a year and a half and a year after their diploma, the way the Dutch
-- school-leaver surveys report them: ROA asks graduates about a year and a half after the
-- diploma whether they work (its unemployment rate by MBO level), CBS publishes the hourly
-- wages of those working as employees in the October a year after they left.
--
-- One row per source, graduation year and qualification: VO, each MBO level ('MBO 1' ... 'MBO
-- 4'), all of MBO ('MBO'), HBO, WO. Graduates of the window; a graduate is followed when the day
-- 18 months after graduation lies inside it, and is without a job when no position (stg_positions:
-- the profile's, as finally reported, on the platform) covers that day. Hourly wages (truth only:
-- the platform sees no pay): the full-time monthly wage paid on 1 October of the year after
-- graduation (macro paid_on_first_of) over the scenario's hours_per_month.
WITH window_bounds AS (
    SELECT min(month) AS first_month, max(month) AS last_month FROM {{ source('raw', 'calendar') }}
),
graduates AS (
    SELECT
        g.source,
        g.person_id,
        CAST(year(g.graduation_date) AS BIGINT) AS graduation_year,
        g.level,
        g.mbo_level,
        CAST(g.graduation_date + INTERVAL 18 MONTH AS DATE) AS asked_on,
        CAST(g.graduation_date + INTERVAL 18 MONTH AS DATE) <= w.last_month AS followed
    FROM {{ ref('stg_educations') }} g
    CROSS JOIN window_bounds w
    WHERE g.graduation_date >= w.first_month
),
working_when_asked AS (
    SELECT g.source, g.person_id, count(p.position_id) > 0 AS working
    FROM graduates g
    LEFT JOIN {{ ref('stg_positions') }} p
        ON p.source = g.source AND p.person_id = g.person_id
        AND p.start_date <= g.asked_on AND (p.end_date IS NULL OR p.end_date > g.asked_on)
    WHERE g.followed
    GROUP BY g.source, g.person_id
),
hours AS (
    SELECT value AS hours_per_month FROM {{ ref('stg_parameters') }} WHERE name = 'wages.hours_per_month'
),
hourly_wages AS (
    SELECT g.person_id, w.monthly_wage / h.hours_per_month AS hourly_wage
    FROM graduates g
    JOIN {{ source('truth', 'wages') }} w
        ON g.source = 'truth' AND w.person_id = g.person_id
        AND year(w.effective_from) = g.graduation_year + 1
    JOIN {{ ref('stg_positions') }} p ON p.source = 'truth' AND p.position_id = w.position_id
    CROSS JOIN hours h
    WHERE {{ paid_on_first_of('w', 'p', 10) }}
),
leavers AS (
    SELECT
        g.source,
        g.graduation_year,
        g.level,
        g.mbo_level,
        g.followed,
        coalesce(a.working, false) AS working,
        h.hourly_wage
    FROM graduates g
    LEFT JOIN working_when_asked a ON a.source = g.source AND a.person_id = g.person_id
    LEFT JOIN hourly_wages h ON g.source = 'truth' AND h.person_id = g.person_id
),
by_qualification AS (
    -- each graduate counts under the level and, for MBO, under the MBO level too
    SELECT source, graduation_year, level, level AS qualification, followed, working, hourly_wage FROM leavers
    UNION ALL
    SELECT source, graduation_year, level, 'MBO ' || CAST(mbo_level AS STRING), followed, working, hourly_wage
    FROM leavers
    WHERE mbo_level IS NOT NULL
)
SELECT
    source,
    graduation_year,
    level,
    qualification,
    CAST(count(*) AS BIGINT) AS graduates,
    CAST(count(*) FILTER (WHERE followed) AS BIGINT) AS followed,
    CAST(count(*) FILTER (WHERE followed AND NOT working) AS BIGINT) AS without_job,
    CAST(count(*) FILTER (WHERE followed AND NOT working) AS DOUBLE) / nullif(count(*) FILTER (WHERE followed), 0)
        AS without_job_share,
    CAST(count(hourly_wage) AS BIGINT) AS employees_paid,
    {{ quantile('hourly_wage', 0.25) }} AS hourly_wage_p25,
    {{ median('hourly_wage') }} AS hourly_wage_median,
    {{ quantile('hourly_wage', 0.75) }} AS hourly_wage_p75
FROM by_qualification
GROUP BY source, graduation_year, level, qualification
