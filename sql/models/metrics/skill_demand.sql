WITH postings_per_year AS (
    SELECT year(opened_on) AS year, count(*) AS all_postings
    FROM {{ source('raw', 'postings') }}
    GROUP BY ALL
),
skill_postings_per_year AS (
    SELECT year(p.opened_on) AS year, s.skill, count(*) AS postings
    FROM {{ source('raw', 'posting_skills') }} s
    JOIN {{ source('raw', 'postings') }} p USING (posting_id)
    GROUP BY ALL
),
shares AS (
    SELECT
        year,
        skill,
        postings,
        postings / all_postings AS share_of_postings,
        rank() OVER (PARTITION BY year ORDER BY postings DESC) AS rank
    FROM skill_postings_per_year
    JOIN postings_per_year USING (year)
)
SELECT
    cur.year,
    cur.skill,
    cur.postings,
    cur.share_of_postings,
    cur.rank,
    cur.postings / earlier.postings - 1 AS yoy_growth,
    cur.share_of_postings / earlier.share_of_postings - 1 AS share_yoy_growth
FROM shares cur
LEFT JOIN shares earlier ON earlier.skill = cur.skill AND earlier.year = cur.year - 1
ORDER BY cur.year, cur.rank, cur.skill
