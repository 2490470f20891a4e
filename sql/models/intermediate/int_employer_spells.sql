-- Employer spells: the consecutive positions of one holder at one employer without a gap
-- (promotions stay inside a spell), with the moves that start and end them, as
-- int_position_history marks them on the spell's first and last position.
WITH numbered AS (
    SELECT
        *,
        sum(CASE WHEN starts_spell THEN 1 ELSE 0 END) OVER (
            PARTITION BY source, person_id ORDER BY start_date, end_date NULLS LAST, position_id
            ROWS UNBOUNDED PRECEDING
        ) AS spell_number
    FROM {{ ref('int_position_history') }}
)
SELECT
    source,
    person_id,
    spell_number,
    max(company_id) AS company_id,
    min(start_date) AS start_date,
    CASE WHEN count(*) = count(end_date) THEN max(end_date) END AS end_date,
    bool_or(starts_spell AND seniority = 'manager') AS starts_as_manager,
    max(previous_company_id) FILTER (WHERE starts_spell) AS previous_company_id,
    coalesce(bool_or(is_job_change) FILTER (WHERE starts_spell), false) AS is_job_change,
    -- A spell that has ended ends with the one position marked ends_spell; one still held has none.
    max(next_company_id) FILTER (WHERE ends_spell) AS next_company_id,
    coalesce(bool_or(ends_in_job_change) FILTER (WHERE ends_spell), false) AS ends_in_job_change
FROM numbered
GROUP BY source, person_id, spell_number
