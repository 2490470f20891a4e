WITH latest_occupation AS (
    SELECT member_id, max_by(occupation, start_date) AS occupation
    FROM {{ source('raw', 'positions') }} GROUP BY ALL
),
members_per_occupation AS (
    SELECT occupation, count(*) AS members FROM latest_occupation GROUP BY ALL
),
member_groups AS (
    SELECT o.occupation, k.skill_group, count(DISTINCT s.member_id) AS members_with_group
    FROM {{ source('raw', 'member_skills') }} s
    JOIN latest_occupation o USING (member_id)
    JOIN {{ source('raw', 'skills') }} k USING (skill)
    GROUP BY ALL
),
postings_per_occupation AS (
    SELECT occupation, count(*) AS postings FROM {{ source('raw', 'postings') }} GROUP BY ALL
),
posting_groups AS (
    SELECT p.occupation, k.skill_group, count(DISTINCT p.posting_id) AS postings_with_group
    FROM {{ source('raw', 'posting_skills') }} s
    JOIN {{ source('raw', 'postings') }} p USING (posting_id)
    JOIN {{ source('raw', 'skills') }} k USING (skill)
    GROUP BY ALL
),
occupation_groups AS (
    SELECT occupation, skill_group FROM member_groups
    UNION
    SELECT occupation, skill_group FROM posting_groups
)
SELECT
    g.occupation,
    g.skill_group,
    coalesce(m.members, 0) AS members,
    coalesce(mg.members_with_group, 0) AS members_with_group,
    coalesce(mg.members_with_group, 0) / nullif(m.members, 0) AS member_penetration,
    coalesce(p.postings, 0) AS postings,
    coalesce(pg.postings_with_group, 0) AS postings_with_group,
    coalesce(pg.postings_with_group, 0) / nullif(p.postings, 0) AS posting_penetration
FROM occupation_groups g
LEFT JOIN members_per_occupation m USING (occupation)
LEFT JOIN member_groups mg USING (occupation, skill_group)
LEFT JOIN postings_per_occupation p USING (occupation)
LEFT JOIN posting_groups pg USING (occupation, skill_group)
ORDER BY g.occupation, g.skill_group
