-- Profiles the platform takes as left behind on 1 January: the platform's own rule for a
-- position that stays current on a profile after its holder stopped working. A member closes
-- a position when adding the next one, or never: a retiree's last job stays on the profile.
-- What the platform can see is that such a member has long finished studying and no longer
-- does anything on the site.
--
-- The rule, written once: the profile of a member is dormant on 1 January of year y when
-- - the member joined before that day and did nothing themselves in calendar year y - 1 (the
--   twelve months before the day): no posting viewed or applied to, no skill added, no
--   position or salary reported (a connection is not counted: the other member may have
--   made it); and
-- - the member's education ended at least `career_years` before year y: at that distance from
--   graduation most people are near or past the pension age.
-- Dormancy alone is not enough: members who are looking for a new job act more, so leaving out
-- every quiet member would leave out the people least likely to change jobs, and bias the
-- job-change rate upwards. Near the end of a career few change jobs anyway.
{%- set career_years = 40 %}
WITH januaries AS (
    {{ january_years() }}
),
acted AS (
    -- Members who did something in the calendar year before a 1 January (joining included).
    SELECT DISTINCT year(acted_on) + 1 AS year, member_id
    FROM (
        SELECT member_id, joined_on AS acted_on FROM {{ source('raw', 'members') }}
        UNION ALL
        SELECT member_id, occurred_on FROM {{ source('raw', 'posting_events') }}
        UNION ALL
        SELECT member_id, added_on FROM {{ source('raw', 'member_skills') }}
        UNION ALL
        SELECT member_id, reported_on FROM {{ source('raw', 'positions') }}
        UNION ALL
        SELECT member_id, reported_on FROM {{ source('raw', 'salary_reports') }}
    ) AS actions
),
graduations AS (
    -- The end of a member's education: the last graduation on the profile.
    SELECT member_id, max(graduation_date) AS graduated_on
    FROM {{ source('raw', 'educations') }}
    GROUP BY member_id
),
late_in_career AS (
    -- From the first 1 January after joining that lies career_years after graduation.
    SELECT m.member_id,
           greatest(year(m.joined_on) + 1, year(g.graduated_on) + {{ career_years }}, j.first_year) AS first_year,
           j.last_year
    FROM {{ source('raw', 'members') }} m
    JOIN graduations g USING (member_id)
    CROSS JOIN januaries j
),
candidates AS (
    -- Spark expands a generator only as a whole select item: the cast comes after.
    SELECT {{ integers_from_to('first_year', 'last_year') }} AS year, member_id
    FROM late_in_career
    WHERE first_year <= last_year
)
SELECT CAST(c.year AS BIGINT) AS year, c.member_id
FROM candidates c
LEFT JOIN acted a ON a.year = c.year AND a.member_id = c.member_id
WHERE a.member_id IS NULL
