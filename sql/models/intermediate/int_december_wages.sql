-- The wage each person is paid on 1 December of each year of the window, with the job it is
-- paid for (truth only: the platform sees no pay). The one place this rule is written:
-- truth.wages has one row per position and year (the wage from the position's start in the
-- year it starts, from 1 January in each later year), so the wage paid on 1 December of a
-- year is the row of that year of the position held on that day; a person holds one
-- position at a time (no_overlapping_positions), so there is at most one row per person and
-- year.
SELECT
    w.person_id,
    CAST(year(w.effective_from) AS INTEGER) AS year,
    w.position_id,
    p.company_id,
    p.occupation,
    p.seniority,
    p.city,
    w.monthly_wage
FROM {{ source('truth', 'wages') }} w
JOIN {{ ref('stg_positions') }} p ON p.source = 'truth' AND p.position_id = w.position_id
WHERE p.end_date IS NULL OR p.end_date > make_date(year(w.effective_from), 12, 1)
