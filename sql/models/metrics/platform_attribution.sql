WITH hires AS (
    -- Hires by member: in the truth, a person's member_id (NULL for non-members).
    SELECT h.source, CASE WHEN h.source = 'platform' THEN h.person_id ELSE pe.member_id END AS member_id,
           h.company_id, h.start_date
    FROM {{ ref('int_position_history') }} h
    LEFT JOIN {{ source('truth', 'people') }} pe ON h.source = 'truth' AND pe.person_id = h.person_id
    WHERE h.starts_spell AND h.start_date >= (SELECT min(month) FROM {{ source('raw', 'calendar') }})
),
events_at_companies AS (
    -- No DISTINCT here: the join below keeps only the events at a hire's company, and its own
    -- DISTINCT counts each hire once (de-duplicating all 15 million events first took most of
    -- the model's time at a million people)
    SELECT e.member_id, p.company_id, e.occurred_on
    FROM {{ source('raw', 'posting_events') }} e JOIN {{ source('raw', 'postings') }} p USING (posting_id)
),
attributed AS (
    SELECT DISTINCT h.source, h.member_id, h.company_id, h.start_date
    FROM hires h
    JOIN events_at_companies e
        ON e.member_id = h.member_id AND e.company_id = h.company_id
        AND e.occurred_on BETWEEN h.start_date - INTERVAL 3 MONTH AND h.start_date
),
truth_hires_seen AS (
    SELECT DISTINCT h.member_id, h.company_id, h.start_date
    FROM hires h
    JOIN {{ source('raw', 'positions') }} r ON r.member_id = h.member_id AND r.company_id = h.company_id AND r.start_date = h.start_date
    WHERE h.source = 'truth'
),
-- A member holds one position at a time, so a (member, company, start) key is one hire and
-- the distinct attributed and seen keys count hires; a non-member (NULL member_id) is
-- neither attributed nor seen.
hires_per_year AS (
    SELECT source, year(start_date) AS year, count(*) AS hires
    FROM hires
    GROUP BY source, year(start_date)
),
attributed_per_year AS (
    SELECT source, year(start_date) AS year, count(*) AS attributed_hires
    FROM attributed
    GROUP BY source, year(start_date)
),
seen_per_year AS (
    SELECT year(start_date) AS year, count(*) AS seen_hires
    FROM truth_hires_seen
    GROUP BY year(start_date)
),
per_year AS (
    SELECT
        h.source,
        h.year,
        h.hires,
        coalesce(a.attributed_hires, 0) AS attributed_hires,
        h.hires - coalesce(s.seen_hires, 0) AS unseen_hires
    FROM hires_per_year h
    LEFT JOIN attributed_per_year a ON a.source = h.source AND a.year = h.year
    LEFT JOIN seen_per_year s ON h.source = 'truth' AND s.year = h.year
)
SELECT
    source,
    year,
    hires,
    attributed_hires,
    attributed_hires / hires AS attributed_share,
    CASE WHEN source = 'truth' THEN unseen_hires END AS invisible_hires,
    CASE WHEN source = 'truth' THEN unseen_hires / hires END AS invisible_share
FROM per_year
ORDER BY source, year
