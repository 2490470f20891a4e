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
