WITH platform_hires AS (
    SELECT posting_id, company_id, hired_member_id AS member_id, closed_on AS hired_on
    FROM {{ source('raw', 'postings') }}
    WHERE hired_member_id IS NOT NULL AND closed_on IS NOT NULL
),
skills_of_hired_members AS (
    SELECT member_id, skill, added_on
    FROM {{ source('raw', 'member_skills') }}
    WHERE member_id IN (SELECT member_id FROM platform_hires)
),
posting_skills_held_before_the_hire AS (
    SELECT h.posting_id, count(*) AS skills_held
    FROM platform_hires h
    JOIN skills_of_hired_members m ON m.member_id = h.member_id AND m.added_on < h.hired_on
    JOIN {{ source('raw', 'posting_skills') }} s ON s.posting_id = h.posting_id AND s.skill = m.skill
    GROUP BY h.posting_id
),
spells_with_origin AS (
    SELECT
        company_id,
        CASE WHEN previous_company_id <> company_id THEN previous_company_id END AS came_from_company_id,
        start_date AS spell_start,
        end_date AS spell_end
    FROM {{ ref('int_employer_spells') }}
    WHERE source = 'platform'
),
hires_with_origin AS (
    SELECT posting_id, company_id, hired_on, came_from_company_id
    FROM (
        SELECT
            h.posting_id,
            h.company_id,
            h.hired_on,
            p.company_id AS came_from_company_id,
            row_number() OVER (
                PARTITION BY h.posting_id ORDER BY p.start_date DESC, p.position_id DESC
            ) AS recency
        FROM platform_hires h
        JOIN {{ source('raw', 'positions') }} p
            ON p.member_id = h.member_id AND p.start_date < h.hired_on AND p.company_id <> h.company_id
    ) AS earlier_positions
    WHERE recency = 1
),
-- Colleagues who came from each employer, as +1 when their spell starts and -1 when it
-- ends, merged in time order with the hires from that employer: the running sum at a hire
-- is the number of such colleagues on the first of the hire month (an end in that month
-- counts before the hire, a start in it after).
colleague_events_and_hires AS (
    SELECT company_id, came_from_company_id, spell_start AS on_date, 2 AS order_on_date, 1 AS change,
           CAST(NULL AS BIGINT) AS posting_id
    FROM spells_with_origin
    WHERE came_from_company_id IS NOT NULL
    UNION ALL
    SELECT company_id, came_from_company_id, spell_end, 0, -1, CAST(NULL AS BIGINT)
    FROM spells_with_origin
    WHERE came_from_company_id IS NOT NULL AND spell_end IS NOT NULL
    UNION ALL
    SELECT company_id, came_from_company_id, hired_on, 1, 0, posting_id
    FROM hires_with_origin
),
colleagues_from_the_same_employer AS (
    SELECT
        posting_id,
        sum(change) OVER (
            PARTITION BY company_id, came_from_company_id ORDER BY on_date, order_on_date
            ROWS UNBOUNDED PRECEDING
        ) AS colleagues
    FROM colleague_events_and_hires
),
pedigree_hires AS (
    SELECT DISTINCT posting_id
    FROM colleagues_from_the_same_employer
    WHERE posting_id IS NOT NULL AND colleagues > 0
),
hires_by_skills_and_pedigree AS (
    SELECT
        year(h.hired_on) AS year,
        coalesce(s.skills_held, 0) AS skills_held,
        CASE WHEN p.posting_id IS NULL THEN 0 ELSE 1 END AS pedigree
    FROM platform_hires h
    LEFT JOIN posting_skills_held_before_the_hire s ON s.posting_id = h.posting_id
    LEFT JOIN pedigree_hires p ON p.posting_id = h.posting_id
),
hires_per_year AS (
    SELECT
        year,
        count(*) AS hires,
        count(CASE WHEN skills_held >= 1 THEN 1 END) AS skills_1,
        count(CASE WHEN skills_held >= 2 THEN 1 END) AS skills_2,
        count(CASE WHEN skills_held >= 3 THEN 1 END) AS skills_3,
        count(CASE WHEN pedigree = 1 THEN 1 END) AS pedigree,
        count(CASE WHEN skills_held >= 1 AND pedigree = 0 THEN 1 END) AS skills_only,
        count(CASE WHEN skills_held = 0 AND pedigree = 1 THEN 1 END) AS pedigree_only,
        count(CASE WHEN skills_held >= 1 AND pedigree = 1 THEN 1 END) AS skills_and_pedigree,
        count(CASE WHEN skills_held = 0 AND pedigree = 0 THEN 1 END) AS neither
    FROM hires_by_skills_and_pedigree
    GROUP BY year
),
searches_per_year AS (
    SELECT
        year(searched_on) AS year,
        count(*) AS searches,
        count(CASE WHEN {{ list_length('skill_filters') }} > 0 THEN 1 END) AS filtering
    FROM {{ source('raw', 'recruiter_searches') }}
    GROUP BY year(searched_on)
),
skill_sources AS (
    SELECT source FROM (VALUES ('self'), ('endorsed'), ('assessment'), ('course')) AS kinds(source)
),
skills_added_per_year_and_source AS (
    SELECT year(added_on) AS year, source, count(*) AS skills
    FROM {{ source('raw', 'member_skills') }}
    GROUP BY year(added_on), source
),
skills_added_per_year AS (
    SELECT year(added_on) AS year, count(*) AS skills FROM {{ source('raw', 'member_skills') }} GROUP BY year(added_on)
),
counts AS (
    SELECT year, 'hires' AS measure, 'skills_at_least_1' AS category, skills_1 AS count, hires AS total
    FROM hires_per_year
    UNION ALL
    SELECT year, 'hires', 'skills_at_least_2', skills_2, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires', 'skills_at_least_3', skills_3, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires', 'pedigree', pedigree, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires_by_basis', 'skills_only', skills_only, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires_by_basis', 'pedigree_only', pedigree_only, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires_by_basis', 'skills_and_pedigree', skills_and_pedigree, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'hires_by_basis', 'neither', neither, hires FROM hires_per_year
    UNION ALL
    SELECT year, 'recruiter_searches', 'skill_filter', filtering, searches FROM searches_per_year
    UNION ALL
    SELECT year, 'recruiter_searches', 'no_skill_filter', searches - filtering, searches
    FROM searches_per_year
    UNION ALL
    SELECT y.year, 'skills_added', k.source, coalesce(a.skills, 0), y.skills
    FROM skills_added_per_year y
    CROSS JOIN skill_sources k
    LEFT JOIN skills_added_per_year_and_source a ON a.year = y.year AND a.source = k.source
)
SELECT
    'platform' AS source,
    year,
    measure,
    category,
    count,
    total,
    count / total AS share
FROM counts
ORDER BY source, year, measure, category
