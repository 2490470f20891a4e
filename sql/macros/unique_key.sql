-- The columns together identify one row: the rows returned are the key values held by
-- more than one row (with how many).
{% test unique_key(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
