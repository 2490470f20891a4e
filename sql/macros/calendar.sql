-- The years of the window's 1 January snapshots, as one row (first_year, last_year): the
-- range the yearly panels (int_january_employment, int_dormant_profiles) expand over.
{% macro january_years() -%}
    SELECT min(year(month)) AS first_year, max(year(month)) AS last_year
    FROM {{ source('raw', 'calendar') }}
    WHERE month(month) = 1
{%- endmacro %}
