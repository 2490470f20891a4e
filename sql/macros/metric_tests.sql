-- Generic tests of rules that span rows of one metric: totals, running sums, stocks and
-- flows. Each returns the rows (or groups) that break its rule.

-- Long format (one row per dimension and segment): per group_by, the segments of every
-- dimension add up to the same sums of the columns. With total, the sums equal the
-- columns of the total dimension's row; without, every dimension's sums are equal.
{% test dimensions_add_up(model, group_by, dimension, columns, total=none) %}
with sums as (
    select {{ group_by | join(', ') }}, {{ dimension }}
    {%- for column in columns %}, sum({{ column }}) as {{ column }}{% endfor %}
    from {{ model }}
    group by all
)
{% if total is none %}
select {{ group_by | join(', ') }}
from sums
group by all
having false
{%- for column in columns %} or min({{ column }}) <> max({{ column }}){% endfor %}
{% else %}
select d.*
from sums d
left join {{ model }} t
    on {% for column in group_by %}t.{{ column }} = d.{{ column }} and {% endfor -%}
       t.{{ dimension }} = '{{ total }}'
where false
{%- for column in columns %} or d.{{ column }} is distinct from t.{{ column }}{% endfor %}
{% endif %}
{% endtest %}

-- Wide format (one column per dimension, `total` for all of it): per keys, the rows of a
-- dimension's values add up to its total row, for each dimension with the others fixed:
-- exactly for the columns, within tolerance x max(1, total) for the approximate ones
-- (averages). A missing total row is a violation.
{% test parts_add_up(model, keys, dimensions, columns, approximate=[], tolerance=1e-6, total='all') %}
{% set summed = approximate + columns %}
with parts as (
    {%- for dimension in dimensions %}
    select '{{ dimension }}' as summed, {{ keys | join(', ') }}
        {%- for other in dimensions -%}
            , {% if other == dimension %}'{{ total }}' as {{ other }}{% else %}{{ other }}{% endif %}
        {%- endfor %},
        {{ summed | join(', ') }}
    from {{ model }}
    where {{ dimension }} <> '{{ total }}'
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),
sums as (
    select summed, {{ keys | join(', ') }}, {{ dimensions | join(', ') }}
    {%- for column in summed %}, sum({{ column }}) as {{ column }}{% endfor %}
    from parts
    group by summed, {{ keys | join(', ') }}, {{ dimensions | join(', ') }}
)
select s.*
from sums s
left join {{ model }} t using ({{ (keys + dimensions) | join(', ') }})
where false
{%- for column in approximate %}
   or not coalesce(
       abs(s.{{ column }} - t.{{ column }}) <= {{ tolerance }} * greatest(1, t.{{ column }}), false)
{%- endfor %}
{%- for column in columns %}
   or s.{{ column }} is distinct from t.{{ column }}
{%- endfor %}
{% endtest %}

-- `column` is the running sum of `of` over order_by (within tolerance); with final, it
-- ends at final on the row of the largest order_by.
{% test running_sum(model, column, of, order_by, final=none, tolerance=1e-9) %}
select *
from (
    select *, sum({{ of }}) over (order by {{ order_by }} rows unbounded preceding) as running_sum
    from {{ model }}
)
where abs({{ column }} - running_sum) > {{ tolerance }}
{%- if final is not none %}
   or ({{ order_by }} = (select max({{ order_by }}) from {{ model }})
       and abs({{ column }} - {{ final }}) > {{ tolerance }})
{%- endif %}
{% endtest %}

-- A stock and its flow: from one step to the next (step = previous step + 1, per
-- partition_by), `column` grows by `increment`.
{% test grows_by(model, column, increment, partition_by, step) %}
select *
from (
    select *,
           lag({{ step }}) over steps as previous_step,
           lag({{ column }}) over steps as previous_value
    from {{ model }}
    window steps as (partition by {{ partition_by | join(', ') }} order by {{ step }})
)
where {{ step }} = previous_step + 1 and {{ column }} - previous_value <> {{ increment }}
{% endtest %}
