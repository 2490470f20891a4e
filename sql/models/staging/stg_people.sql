-- Both sources' people: the platform's members and the world's workforce, with the education
-- level each knows them by.
SELECT
    'platform' AS source, member_id AS person_id, member_id, highest_education_level AS education_level,
    joined_on, city
FROM {{ source('raw', 'members') }}
UNION ALL
SELECT
    'truth', person_id, member_id, highest_education_level, CAST(NULL AS DATE), city
FROM {{ source('truth', 'people') }}
