-- Both sources' educations in one relation: what members put on their profiles, and every
-- person's highest education in the world.
SELECT 'platform' AS source, member_id AS person_id, institution, level, mbo_level, field, start_date, graduation_date
FROM {{ source('raw', 'educations') }}
UNION ALL
SELECT 'truth', person_id, institution, level, mbo_level, field, start_date, graduation_date
FROM {{ source('truth', 'educations') }}
