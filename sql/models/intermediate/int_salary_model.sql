-- The platform's salary model: what it can learn about pay from the members who report it,
-- fitted for each year on the reports of that year and the one before (the window of
-- metrics.salary_insights). The log of a reported yearly salary is modelled as a sum of
-- effects of what a profile shows:
--   ln(salary) = intercept + occupation x seniority + city + education level + employer
-- The intercept is the mean log salary of the year's reports. Each effect is a shrunken mean
-- of what the other terms leave unexplained: the sum of the residuals of the level's reports
-- divided by (reports + prior_reports), so a level seen in few reports stays near zero (the
-- ridge, or random-effects, estimate). The effects are fitted in turn, in the order above,
-- and the round is done `sweeps` times (backfitting stopped early: occupation and education
-- go together, and how the fit splits pay between them settles slowly; the sum, which is the
-- estimate, settles in the first rounds). A report's employer is the one its member's
-- profile showed that month; education is the profile's highest level. Skills are left
-- out: a profile's skills carry no date, and the occupation already names the work.
--
-- One row per year, factor and level: the level's effect in log points and the reports it
-- was estimated from. A level the year's reports never saw has no row: its effect is zero.
{%- set factors = ['occupation_seniority', 'city', 'education_level', 'employer'] %}
{%- set sweeps = 3 %}
{%- set prior_reports = 10 %}
WITH years AS (
    SELECT DISTINCT year FROM {{ source('raw', 'calendar') }}
),
reports AS (
    SELECT
        y.year,
        ln(CAST(r.yearly_salary AS DOUBLE)) AS log_salary,
        r.occupation || ' / ' || r.seniority AS occupation_seniority,
        r.city,
        m.highest_education_level AS education_level,
        CAST(p.company_id AS STRING) AS employer
    FROM {{ source('raw', 'salary_reports') }} r
    JOIN years y ON {{ in_salary_window('year(r.reported_on)', 'y.year') }}
    JOIN {{ source('raw', 'members') }} m ON m.member_id = r.member_id
    -- the job the profile showed in the month of the report (macros/profiles.sql)
    LEFT JOIN (
        SELECT r.report_id, max_by(p.company_id, p.start_date) AS company_id
        FROM {{ source('raw', 'salary_reports') }} r
        JOIN {{ source('raw', 'positions') }} p
            ON p.member_id = r.member_id AND {{ on_profile_by('p', 'r.reported_on') }}
        GROUP BY r.report_id
    ) p ON p.report_id = r.report_id
    WHERE r.yearly_salary > 0
),
fit_0 AS (
    SELECT
        *,
        {{ order_free_sum_over('log_salary', 'year') }} / count(*) OVER (PARTITION BY year) AS intercept
        {%- for factor in factors %},
        CAST(0 AS DOUBLE) AS {{ factor }}_effect
        {%- endfor %}
    FROM reports
),
{%- set step = namespace(number=0) %}
{%- for sweep in range(sweeps) %}
{%- for factor in factors %}
{%- set step.number = step.number + 1 %}
fit_{{ step.number }} AS (
    -- sweep {{ sweep + 1 }}: {{ factor }}, from what the intercept and the other effects leave
    SELECT
        year,
        log_salary,
        {{ factors | join(', ') }},
        intercept
        {%- for other in factors %},
        {%- if other == factor %}
        CASE WHEN {{ factor }} IS NULL THEN CAST(0 AS DOUBLE) ELSE
            {{ order_free_sum_over('residual', 'year, ' ~ factor) }}
            / (count(*) OVER (PARTITION BY year, {{ factor }}) + {{ prior_reports }})
        END AS {{ factor }}_effect
        {%- else %}
        {{ other }}_effect
        {%- endif %}
        {%- endfor %}
    FROM (
        SELECT
            *,
            log_salary - intercept
            {%- for other in factors if other != factor %} - {{ other }}_effect{% endfor %} AS residual
        FROM fit_{{ step.number - 1 }}
    ) residuals
),
{%- endfor %}
{%- endfor %}
fitted AS {{ materialized() }} (
    SELECT * FROM fit_{{ step.number }}
)
SELECT year, 'intercept' AS factor, 'all' AS level, count(*) AS reports, max(intercept) AS effect
FROM fitted
GROUP BY year
{%- for factor in factors %}
UNION ALL
SELECT year, '{{ factor }}', {{ factor }}, count(*), max({{ factor }}_effect)
FROM fitted
WHERE {{ factor }} IS NOT NULL
GROUP BY year, {{ factor }}
{%- endfor %}
