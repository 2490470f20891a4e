-- Both sources' positions in one relation: the platform's as members report them, the
-- world's as they are. Holder is person_id in both (a member's id on the platform). Why a
-- position started or ended only the world knows: a profile says neither.
SELECT
    'platform' AS source, member_id AS person_id, position_id, company_id, title, occupation,
    occupation_family, seniority, city, start_date, end_date, reported_on,
    CAST(NULL AS STRING) AS start_reason, CAST(NULL AS STRING) AS end_reason
FROM {{ source('raw', 'positions') }}
UNION ALL
SELECT
    'truth', person_id, position_id, company_id, title, occupation,
    occupation_family, seniority, city, start_date, end_date, CAST(NULL AS DATE),
    start_reason, end_reason
FROM {{ source('truth', 'positions') }}
