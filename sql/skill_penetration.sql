-- Skill penetration: per occupation and skill group, the share of members in the
-- occupation who list at least one skill of the group (LinkedIn's skill penetration),
-- beside the share of the occupation's postings requiring one.
--
-- A member's occupation is the one of their latest reported position; skills are those
-- on the profile at the end of the window (raw.member_skills). Comparing the two shares
-- shows where what people list and what employers ask for part ways. Platform data only.
-- Columns:
--   occupation: Occupation.
--   skill_group: Group of skills (raw.skills).
--   members: Members whose latest position is in the occupation.
--   members_with_group: Of those, members listing at least one skill of the group.
--   member_penetration: members_with_group / members.
--   postings: Postings for the occupation.
--   postings_with_group: Of those, postings requiring at least one skill of the group.
--   posting_penetration: postings_with_group / postings.
WITH latest_occupation AS (
    SELECT member_id, arg_max(occupation, start_date) AS occupation
    FROM raw.positions GROUP BY ALL
),
members_per_occupation AS (
    SELECT occupation, count(*) AS members FROM latest_occupation GROUP BY ALL
),
member_groups AS (
    SELECT o.occupation, k.skill_group, count(DISTINCT s.member_id) AS members_with_group
    FROM raw.member_skills s
    JOIN latest_occupation o USING (member_id)
    JOIN raw.skills k USING (skill)
    GROUP BY ALL
),
postings_per_occupation AS (
    SELECT occupation, count(*) AS postings FROM raw.postings GROUP BY ALL
),
posting_groups AS (
    SELECT p.occupation, k.skill_group, count(DISTINCT p.posting_id) AS postings_with_group
    FROM raw.posting_skills s
    JOIN raw.postings p USING (posting_id)
    JOIN raw.skills k USING (skill)
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
