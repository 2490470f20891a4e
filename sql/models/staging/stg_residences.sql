-- Where each person lives, as spells, in both sources: the world's residences, and the
-- platform's profile locations, each holding from the month it was set until the member's
-- next one. The platform knows a member's location from joining on, not before.
SELECT
    'platform' AS source, member_id AS person_id, city, set_on AS start_date,
    lead(set_on) OVER (PARTITION BY member_id ORDER BY set_on) AS end_date
FROM {{ source('raw', 'profile_locations') }}
UNION ALL
SELECT 'truth', person_id, city, start_date, end_date
FROM {{ source('truth', 'residences') }}
