-- A position is on a member's profile by `day` once it has started and been reported. An end
-- date reaches a profile only with the next job, so of the positions on the profile by a day
-- the latest started is the one the profile shows as the job that day (a member's positions
-- never start in the same month): pick it with max_by(..., start_date) over this condition.
-- `position` names a raw.positions row; `day` is a date expression. Used by int_salary_model
-- and wage_growth_tracker (the employer on the profile when pay was reported) and
-- salary_estimates (the job on the profile on 1 December).
{% macro on_profile_by(position, day) -%}
    {{ position }}.start_date <= {{ day }} AND {{ position }}.reported_on <= {{ day }}
{%- endmacro %}
