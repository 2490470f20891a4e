-- The wage each person is paid on 1 December of each year of the window, with the job it is
-- paid for (truth only: the platform sees no pay). Which wage is paid on a day: the macro
-- paid_on_first_of (macros/wages.sql); at most one row per person and year.
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
WHERE {{ paid_on_first_of('w', 'p', 12) }}
