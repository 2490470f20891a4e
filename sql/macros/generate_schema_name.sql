-- A model's schema is the one its folder declares (staging, intermediate, metrics), used
-- as it is: dbt would otherwise prefix it with the target's schema ("main_metrics").
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
