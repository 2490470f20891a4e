-- Age band of a person in a calendar year, in CBS's ten-year bands of the labour force
-- survey: the age reached in the year (year - birth_year). Ages under 15 and over 74 fall
-- outside the survey's population: their band is NULL unless `beyond` names one for 75+.
{% macro age_band(year, birth_year, beyond=none) -%}
    CASE
        WHEN {{ year }} - {{ birth_year }} < 15 THEN NULL
        WHEN {{ year }} - {{ birth_year }} < 25 THEN '15-24'
        WHEN {{ year }} - {{ birth_year }} < 35 THEN '25-34'
        WHEN {{ year }} - {{ birth_year }} < 45 THEN '35-44'
        WHEN {{ year }} - {{ birth_year }} < 55 THEN '45-54'
        WHEN {{ year }} - {{ birth_year }} < 65 THEN '55-64'
        WHEN {{ year }} - {{ birth_year }} < 75 THEN '65-74'
        ELSE {% if beyond %}'{{ beyond }}'{% else %}NULL{% endif %}
    END
{%- endmacro %}
