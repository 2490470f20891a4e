-- Skill demand: how many job postings opened in a year require each skill, its share of
-- all postings of the year, its rank, and its growth on the year before.
--
-- Postings are platform data only (raw.postings, raw.posting_skills): every posting is on
-- the platform, so there is no separate truth. share_of_postings = postings requiring the
-- skill / all postings opened that year (a posting requires several skills, so shares do
-- not add up to 1). Rank 1 = most demanded skill of the year (ties share a rank).
-- Columns:
--   year: Calendar year the postings opened.
--   skill: Skill required.
--   postings: Postings opened in the year that require the skill.
--   share_of_postings: postings / all postings opened in the year.
--   rank: Rank of the skill by postings within the year (1 = most demanded).
--   yoy_growth: postings / postings of the year before - 1; NULL if the skill had none.
--   share_yoy_growth: share_of_postings / share of the year before - 1: growth net of the market's size.
WITH postings_per_year AS (
    SELECT year(opened_on) AS year, count(*) AS all_postings
    FROM raw.postings
    GROUP BY ALL
),
skill_postings_per_year AS (
    SELECT year(p.opened_on) AS year, s.skill, count(*) AS postings
    FROM raw.posting_skills s
    JOIN raw.postings p USING (posting_id)
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
