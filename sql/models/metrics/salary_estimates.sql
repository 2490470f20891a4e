-- Can the platform estimate your salary? Its salary model (int_salary_model, fitted on the
-- pay members reported) applied to every member employed on 1 December, from what the
-- profile showed that day, held against the true yearly pay (12 x the full-time monthly
-- wage paid that day, int_december_wages).
--
-- The profile's job on 1 December is the latest started of the positions on the profile by
-- then (reported_on <= that day): an end date reaches a profile only with the next job, so
-- until then the old job shows as current. A member whose profile shows no job by then gets
-- no estimate. The estimate is exp(intercept + the effects of the job's occupation x
-- seniority and city, the profile's education level and the employer), a level the model
-- never saw counting zero.
--
-- The error of an estimate is estimate / true pay - 1. Per year and segment (everyone; each
-- education level, age band and city of the true job; whether the member's own reports were
-- among the model's, reported only in other years or never; whether the profile's employer
-- is the true one): how many were estimated, the median error (the bias), the median
-- absolute error and the shares within 10% and 25%.
WITH years AS (
    SELECT DISTINCT year FROM {{ source('raw', 'calendar') }}
),
employed_members AS (
    SELECT
        d.year,
        p.member_id,
        12 * d.monthly_wage AS true_salary,
        d.company_id,
        d.city,
        p.birth_year,
        p.highest_education_level
    FROM {{ ref('int_december_wages') }} d
    JOIN {{ source('truth', 'people') }} p ON p.person_id = d.person_id
    WHERE p.member_id IS NOT NULL
),
shown_positions AS (
    -- the position a member's profile shows as the job on 1 December (macros/profiles.sql)
    SELECT y.year, p.member_id, max_by(p.position_id, p.start_date) AS position_id
    FROM {{ source('raw', 'positions') }} p
    JOIN years y ON {{ on_profile_by('p', 'make_date(y.year, 12, 1)') }}
    GROUP BY y.year, p.member_id
),
profile_jobs AS (
    SELECT
        s.year,
        s.member_id,
        p.occupation || ' / ' || p.seniority AS occupation_seniority,
        p.city,
        p.company_id
    FROM shown_positions s
    JOIN {{ source('raw', 'positions') }} p ON p.position_id = s.position_id
),
report_years AS (
    SELECT DISTINCT member_id, CAST(year(reported_on) AS INTEGER) AS year FROM {{ source('raw', 'salary_reports') }}
),
reported_for_model AS (
    -- members whose own reports the year's model was fitted on (this year's or last year's)
    SELECT DISTINCT r.member_id, y.year
    FROM report_years r
    JOIN years y ON {{ in_salary_window('r.year', 'y.year') }}
),
estimates AS (
    SELECT
        e.*,
        j.company_id AS profile_company_id,
        CASE WHEN j.member_id IS NOT NULL THEN
            exp(i.effect + coalesce(o.effect, 0) + coalesce(c.effect, 0) + coalesce(l.effect, 0)
                + coalesce(w.effect, 0)) / e.true_salary - 1
        END AS error
    FROM employed_members e
    JOIN {{ source('raw', 'members') }} m ON m.member_id = e.member_id
    LEFT JOIN profile_jobs j ON j.member_id = e.member_id AND j.year = e.year
    LEFT JOIN {{ ref('int_salary_model') }} i ON i.year = e.year AND i.factor = 'intercept'
    LEFT JOIN {{ ref('int_salary_model') }} o
        ON o.year = e.year AND o.factor = 'occupation_seniority' AND o.level = j.occupation_seniority
    LEFT JOIN {{ ref('int_salary_model') }} c ON c.year = e.year AND c.factor = 'city' AND c.level = j.city
    LEFT JOIN {{ ref('int_salary_model') }} l
        ON l.year = e.year AND l.factor = 'education_level' AND l.level = m.highest_education_level
    LEFT JOIN {{ ref('int_salary_model') }} w
        ON w.year = e.year AND w.factor = 'employer' AND w.level = CAST(j.company_id AS STRING)
),
segmented AS (
    SELECT
        s.year,
        s.error,
        s.highest_education_level,
        {{ age_band('s.year', 's.birth_year', beyond='75+') }} AS age_band,
        s.city,
        CASE
            WHEN f.member_id IS NOT NULL THEN 'in the model'
            WHEN r.member_id IS NOT NULL THEN 'other years only'
            ELSE 'never'
        END AS own_reports,
        CASE
            WHEN s.profile_company_id IS NULL THEN 'no job'
            WHEN s.profile_company_id = s.company_id THEN 'true employer'
            ELSE 'another employer'
        END AS profile_employer
    FROM estimates s
    LEFT JOIN reported_for_model f ON f.member_id = s.member_id AND f.year = s.year
    LEFT JOIN (SELECT DISTINCT member_id FROM report_years) r ON r.member_id = s.member_id
),
long AS (
    SELECT year, 'all' AS dimension, 'all' AS segment, error FROM segmented
    UNION ALL
    SELECT year, 'education_level', highest_education_level, error FROM segmented
    UNION ALL
    SELECT year, 'age_band', age_band, error FROM segmented
    UNION ALL
    SELECT year, 'city', city, error FROM segmented
    UNION ALL
    SELECT year, 'own_reports', own_reports, error FROM segmented
    UNION ALL
    SELECT year, 'profile_employer', profile_employer, error FROM segmented
)
SELECT
    year,
    dimension,
    segment,
    count(*) AS members,
    count(error) AS estimated,
    {{ median('error') }} AS median_error,
    {{ median('abs(error)') }} AS median_absolute_error,
    CAST(count(*) FILTER (WHERE abs(error) <= 0.10) AS DOUBLE) / nullif(count(error), 0) AS within_10_percent,
    CAST(count(*) FILTER (WHERE abs(error) <= 0.25) AS DOUBLE) / nullif(count(error), 0) AS within_25_percent
FROM long
GROUP BY year, dimension, segment
