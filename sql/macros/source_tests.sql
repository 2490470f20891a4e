-- Generic tests of the rules that span rows or tables of the generated tables (raw.*,
-- truth.*), named by the table contract (synthetic/tables.py) and declared on the sources
-- by pipelines/dbt.py. Each returns the rows that break its rule.
--
-- Another table is passed by name (schema.table), not through source(): dbt attaches a test
-- on a source to no node when it depends on two, and Dagster then shows it as an
-- observation instead of a check on the table's asset. The loader writes every source in
-- one step, so no order between them is lost.

-- Every month between the first and the last of `column` is present.
{% test months_contiguous(model, column) %}
select expected.month as missing_month
from range(
    (select min({{ column }}) from {{ model }}),
    (select max({{ column }}) from {{ model }}) + interval 1 month,
    interval 1 month
) expected(month)
anti join {{ model }} present on present.{{ column }} = expected.month
{% endtest %}

-- Periods of one `per` value do not overlap: no row starts before the latest end of the
-- earlier rows (ordered by start, then order_by); a NULL end never ends. The running
-- maximum catches every overlapping row, not only those overlapping their predecessor.
{% test no_overlapping_periods(model, per, start_column, end_column, order_by) %}
with with_earlier_end as (
    select {{ per }}, {{ order_by }}, {{ start_column }}, {{ end_column }},
           max(coalesce({{ end_column }}, 'infinity'::date)) over (
               partition by {{ per }} order by {{ start_column }}, {{ order_by }}
               rows between unbounded preceding and 1 preceding
           ) as earlier_end
    from {{ model }}
)
select {{ per }}, {{ order_by }}, {{ start_column }}, {{ end_column }},
       nullif(earlier_end, 'infinity'::date) as earlier_end_null_if_still_held
from with_earlier_end
where {{ start_column }} < earlier_end
{% endtest %}

-- `column` lies in the period of the rows of `to` whose `field` equals the `keys` columns
-- (each key joined to its own row of `to`): not before its `from_column` (when given) and
-- before its `until_column` (when given and set). A row some key finds no row of `to` for
-- is left to the foreign key tests (or, for members who are not people of the world, to no
-- rule).
{% test during(model, column, keys, to, field, from_column=none, until_column=none) %}
select child.*
from {{ model }} child
{%- for key in keys %}
join {{ to }} parent_{{ loop.index }} on parent_{{ loop.index }}.{{ field }} = child.{{ key }}
{%- endfor %}
where false
{%- for key in keys %}
{%- if from_column %}
   or child.{{ column }} < parent_{{ loop.index }}.{{ from_column }}
{%- endif %}
{%- if until_column %}
   or child.{{ column }} >= parent_{{ loop.index }}.{{ until_column }}
{%- endif %}
{%- endfor %}
{% endtest %}

-- Within each group, a row whose `column` is `value` needs one whose `column` is `requires`.
{% test requires_in_group(model, column, group_by, value, requires) %}
select {{ group_by | join(', ') }}
from {{ model }}
group by {{ group_by | join(', ') }}
having bool_or({{ column }} = '{{ value }}') and not bool_or({{ column }} = '{{ requires }}')
{% endtest %}

-- The list column is never NULL (an empty list instead) and holds at most `max_length`
-- elements, none twice.
{% test distinct_list(model, column, max_length) %}
select *
from {{ model }}
where {{ column }} is null
   or len({{ column }}) > {{ max_length }}
   or len(list_distinct({{ column }})) <> len({{ column }})
{% endtest %}

-- The row of `to` that `key` references (its `field`) has the same `same_columns`, and
-- `date_column` lies between its `from_column` and `until_column`.
{% test matches_referenced(model, key, to, field, same_columns, date_column, from_column, until_column) %}
select child.*
from {{ model }} child
join {{ to }} parent on parent.{{ field }} = child.{{ key }}
where false
{%- for column in same_columns %}
   or child.{{ column }} <> parent.{{ column }}
{%- endfor %}
   or child.{{ date_column }} < parent.{{ from_column }}
   or child.{{ date_column }} > parent.{{ until_column }}
{% endtest %}

-- Every element of the list `column` is one of the `items_column` values of `items` rows
-- whose `items_key` equals the row's `key`; when there are none, one of the
-- `fallback_column` values of `fallback`.
{% test items_from_referenced(
    model, column, key, items, items_key, items_column, fallback, fallback_column
) %}
with elements as (
    select {{ key }}, unnest({{ column }}) as element from {{ model }}
)
select e.{{ key }}, e.element
from elements e
where not exists (select 1 from {{ items }} i
                  where i.{{ items_key }} = e.{{ key }} and i.{{ items_column }} = e.element)
  and (exists (select 1 from {{ items }} i where i.{{ items_key }} = e.{{ key }})
       or not exists (select 1 from {{ fallback }} f where f.{{ fallback_column }} = e.element))
{% endtest %}

-- `column` is set exactly on the rows whose `when_column` is `value` (without a value: on
-- the rows where `when_column` is set).
{% test present_exactly_when(model, column, when_column, value=none) %}
select *
from {{ model }}
where ({% if value is none %}{{ when_column }} is not null{% else %}{{ when_column }} = '{{ value }}'{% endif %})
      <> ({{ column }} is not null)
{% endtest %}

-- A period ends by `other_column` of the row of `to` whose `field` equals `key`: its end
-- `column` is not after it, and an open period (NULL: held past the window's last month)
-- only belongs to a row whose `other_column` lies after the window.
{% test ends_by(model, column, key, to, field, other_column) %}
select child.*
from {{ model }} child
join {{ to }} parent on parent.{{ field }} = child.{{ key }}
where coalesce(child.{{ column }}, (select max(month) + interval 1 month from raw.calendar)) > parent.{{ other_column }}
{% endtest %}

-- Every date of `columns` is the first day of its month: the warehouse counts months, and
-- the metrics join dates to raw.calendar's months by equality, which a mid-month date
-- would silently drop out of.
{% test first_of_month(model, columns) %}
select *
from {{ model }}
where false
{%- for column in columns %}
   or day({{ column }}) <> 1
{%- endfor %}
{% endtest %}
