-- The wage paid on the first of a month: truth.wages has one row per position and year (from
-- the position's start in its first year, from 1 January in each later year), so the wage
-- paid on the first of month m of a year is the row of that year of the position held that
-- day: the row took effect by then and the position had not ended. A person holds one
-- position at a time (no_overlapping_positions): at most one row qualifies per person and
-- day. `wage` and `position` name a truth.wages row and its position (staging); `month_of_year`
-- is 1-12, a number or an expression of the row. Used by int_december_wages (December) and
-- wage_growth_tracker (each person's month of the year).
{% macro paid_on_first_of(wage, position, month_of_year) -%}
    {{ wage }}.effective_from <= make_date(year({{ wage }}.effective_from), {{ month_of_year }}, 1)
    AND ({{ position }}.end_date IS NULL
         OR {{ position }}.end_date > make_date(year({{ wage }}.effective_from), {{ month_of_year }}, 1))
{%- endmacro %}

-- Wage growth of job stayers and job switchers, as the Federal Reserve Bank of Atlanta's
-- Wage Growth Tracker measures it: each person's percent change in the monthly wage between
-- two observations a year apart, a stayer when the employer is the same on both dates; per
-- period, the people observed twice, the stayers, the switchers and the medians of everyone,
-- of stayers and of switchers. `observations` holds person_id, `period`, company_id and
-- monthly_wage; `a_year_earlier` is the period a year before `this_period.<period>`.
-- Used by wage_growth (1 December of each year) and wage_growth_tracker (each person's month).
{% macro stayer_switcher_growth(observations, period, a_year_earlier) -%}
    SELECT
        {{ period }},
        CAST(count(*) AS BIGINT) AS people,
        CAST(count(*) FILTER (WHERE stayed) AS BIGINT) AS stayers,
        CAST(count(*) FILTER (WHERE NOT stayed) AS BIGINT) AS switchers,
        {{ median('growth') }} AS median_growth,
        {{ median('CASE WHEN stayed THEN growth END') }} AS median_growth_stayers,
        {{ median('CASE WHEN NOT stayed THEN growth END') }} AS median_growth_switchers
    FROM (
        SELECT
            this_period.{{ period }},
            this_period.company_id = earlier.company_id AS stayed,
            100.0 * (this_period.monthly_wage / earlier.monthly_wage - 1) AS growth
        FROM {{ observations }} this_period
        JOIN {{ observations }} earlier
            ON earlier.person_id = this_period.person_id AND earlier.{{ period }} = {{ a_year_earlier }}
    ) changes
    GROUP BY {{ period }}
{%- endmacro %}

-- The salary window: pay figures of a year pool that year and the one before, as LinkedIn
-- Salary pools reports of two years. True when `event_year` falls in the window of `year`.
-- Used by salary_insights (reports and true pay), int_salary_model (the reports it is fitted
-- on) and salary_estimates (whose own reports were in the model).
{% macro in_salary_window(event_year, year) -%}
    ({{ event_year }} = {{ year }} OR {{ event_year }} = {{ year }} - 1)
{%- endmacro %}
