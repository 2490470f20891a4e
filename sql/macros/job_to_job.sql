-- Job-to-job move (job change): from one employer to another with a gap under one quarter,
-- i.e. starting fewer than three months after leaving (LEHD J2J; CBS "another employer than
-- three months earlier"). Dates are first days of months. Used by int_position_history only:
-- every metric reads the flags it computes there.
{% macro job_to_job(from_company, left_on, to_company, started_on) -%}
    coalesce({{ from_company }} <> {{ to_company }} AND {{ month_difference(left_on, started_on) }} < 3, false)
{%- endmacro %}
