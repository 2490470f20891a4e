-- Each position beside the one before and after it in its holder's history, and the moves
-- between employers it marks. The one place these rules are written:
--   starts_spell     a new employer spell: another employer than the previous position, or
--                    the same one after a gap (a hire, in JOLTS terms)
--   ends_spell       the spell ends with this position (a separation)
--   is_job_change    job-to-job (macro job_to_job): a new employer less than three months
--                    after leaving the previous one; first jobs and returns after a longer
--                    gap are hires, not job changes
--   ends_in_job_change  the next position is a job change away from this one
--   ends_in_inactivity  the holder left the labour force (truth only, NULL on the platform:
--                    a profile does not say why a job ended): a quit into inactivity, out of
--                    it from end_date until next_start_date, or else retirement; or an early
--                    exit, out of it until retirement
--   ends_in_quit     a quit as JOLTS counts it, a separation the employee chose: an employer
--                    change or a quit into inactivity, not a layoff, retirement or an early
--                    exit (truth only)
WITH neighbours AS (
    SELECT
        *,
        row_number() OVER by_person AS position_number,
        lag(company_id) OVER by_person AS previous_company_id,
        lag(end_date) OVER by_person AS previous_end_date,
        lag(seniority) OVER by_person AS previous_seniority,
        lag(reported_on) OVER by_person AS previous_reported_on,
        lead(company_id) OVER by_person AS next_company_id,
        lead(start_date) OVER by_person AS next_start_date
    FROM {{ ref('stg_positions') }}
    WINDOW by_person AS (PARTITION BY source, person_id ORDER BY start_date, end_date NULLS LAST, position_id)
)
SELECT
    *,
    previous_company_id IS DISTINCT FROM company_id AS starts_at_new_employer,
    previous_company_id IS DISTINCT FROM company_id OR previous_end_date <> start_date AS starts_spell,
    end_date IS NOT NULL AND (next_company_id IS DISTINCT FROM company_id OR next_start_date <> end_date)
        AS ends_spell,
    {{ job_to_job('previous_company_id', 'previous_end_date', 'company_id', 'start_date') }} AS is_job_change,
    {{ job_to_job('company_id', 'end_date', 'next_company_id', 'next_start_date') }} AS ends_in_job_change,
    CASE WHEN source = 'truth' THEN coalesce(end_reason IN ('quit', 'early_exit'), false) END AS ends_in_inactivity,
    CASE WHEN source = 'truth' THEN coalesce(end_reason IN ('job_change', 'quit'), false) END AS ends_in_quit
FROM neighbours
