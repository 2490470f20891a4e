WITH joins_per_month AS (
    SELECT greatest(joined_on, (SELECT min(month) FROM {{ source('raw', 'calendar') }})) AS month, count(*) AS joined
    FROM {{ source('raw', 'members') }}
    GROUP BY ALL
),
members_per_month AS (
    SELECT c.month, c.year, sum(coalesce(j.joined, 0)) OVER (ORDER BY c.month ROWS UNBOUNDED PRECEDING) AS members
    FROM {{ source('raw', 'calendar') }} c
    LEFT JOIN joins_per_month j USING (month)
),
member_years_per_year AS (
    SELECT year, sum(members) / {{ float_literal('12.0') }} AS member_years FROM members_per_month GROUP BY ALL
),
added_per_year AS (
    SELECT year(added_on) AS year, count(*) AS skills_added FROM {{ source('raw', 'member_skills') }} GROUP BY ALL
),
per_year AS (
    SELECT year, coalesce(skills_added, 0) AS skills_added, member_years,
           coalesce(skills_added, 0) / nullif(member_years, 0) AS skills_per_member
    FROM member_years_per_year
    LEFT JOIN added_per_year USING (year)
)
SELECT
    'platform' AS source,
    cur.year,
    cur.skills_added,
    cur.skills_added / nullif(earlier.skills_added, 0) - 1 AS yoy_growth,
    cur.member_years,
    cur.skills_per_member,
    cur.skills_per_member / nullif(earlier.skills_per_member, 0) - 1 AS per_member_yoy_growth
FROM per_year cur
LEFT JOIN per_year earlier ON earlier.year = cur.year - 1
ORDER BY cur.year
