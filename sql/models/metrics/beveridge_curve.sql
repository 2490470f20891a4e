-- The Beveridge curve: vacancies against unemployment, quarter by quarter, from the truth
-- (every posting is on the platform; unemployment only the world knows). Quarterly
-- figures average the months' stocks, as CBS's quarterly tightness does.
WITH monthly AS (
    SELECT
        v.period AS month,
        v.active_openings AS vacancies,
        f.unemployed,
        f.employed,
        f.labour_force
    FROM {{ ref('vacancies') }} v
    JOIN {{ ref('labour_force') }} f
        ON f.grain = 'month' AND f.period = v.period AND f.age_band = 'all' AND f.education_level = 'all'
    WHERE v.source = 'truth' AND v.grain = 'month' AND v.occupation_family = 'all' AND v.city = 'all'
),
quarterly AS (
    SELECT
        CAST(year(month) AS INTEGER) AS year,
        CAST(quarter(month) AS INTEGER) AS quarter,
        min(month) AS period,
        avg(vacancies) AS vacancies,
        avg(unemployed) AS unemployed,
        avg(employed) AS employed,
        avg(labour_force) AS labour_force
    FROM monthly
    GROUP BY year(month), quarter(month)
)
SELECT
    year,
    quarter,
    period,
    vacancies,
    unemployed,
    {{ float_literal('100.0') }} * vacancies / nullif(unemployed, 0) AS vacancies_per_100_unemployed,
    {{ float_literal('100.0') }} * vacancies / nullif(vacancies + employed, 0) AS vacancy_rate,
    {{ float_literal('100.0') }} * unemployed / nullif(labour_force, 0) AS unemployment_rate
FROM quarterly
