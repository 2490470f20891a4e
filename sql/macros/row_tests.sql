-- Generic tests of rows and groups of rows. Each returns the rows that break its rule:
-- the test fails when there is any.

-- The expression holds on every row; with group_by, the (aggregate) expression holds for
-- every group. A NULL result is no violation (as in a WHERE or HAVING clause).
{% test expression_is_true(model, expression, group_by=none) %}
{% if group_by %}
select {{ group_by | join(', ') }}, count(*) as rows
from {{ model }}
group by {{ group_by | join(', ') }}
having not ({{ expression }})
{% else %}
select *
from {{ model }}
where not ({{ expression }})
{% endif %}
{% endtest %}

-- Every value of the columns lies between low and high (either may be left out); NULL is
-- allowed.
{% test between(model, columns, low=none, high=none) %}
select *
from {{ model }}
where false
{%- for column in columns %}
    {%- if low is not none %} or {{ column }} < {{ low }}{% endif %}
    {%- if high is not none %} or {{ column }} > {{ high }}{% endif %}
{%- endfor %}
{% endtest %}

-- Counts, sums and other amounts that cannot be negative: every value of the columns is
-- >= 0 (NULL allowed).
{% test not_negative(model, columns) %}
{{ test_between(model, columns, low=0) }}
{% endtest %}
