-- Everyone employed on 1 January (int_january_employment) with where they live that day: the
-- residence spell that holds it (start_date <= day < end_date, NULL end = still there). A
-- person lives in one place at a time (one_residence_at_a_time, and a profile shows one location
-- a month), so each January matches at most one spell. On the platform a member employed on a
-- January before joining has no location yet and no row.
SELECT
    e.source,
    e.year,
    e.person_id,
    e.occupation_family,
    e.city AS work_city,
    r.city AS residence_city
FROM {{ ref('int_january_employment') }} e
JOIN {{ ref('stg_residences') }} r
    ON r.source = e.source
    AND r.person_id = e.person_id
    AND r.start_date <= e.snapshot
    AND (r.end_date IS NULL OR r.end_date > e.snapshot)
