-- The SQL that DuckDB and Spark write differently, one macro per difference. Models call
-- these; adapter.dispatch picks spark__<name> on the spark target and default__<name>
-- everywhere else. default__ is DuckDB's dialect, the one the project is written in: a
-- duckdb__ copy of it would be a second definition of the same SQL. Everything else in
-- the models is SQL both engines read alike (GROUP BY ALL, FILTER, ::, INTERVAL, max_by,
-- VALUES, STRING); window orders name NULLS LAST where a column may be NULL, because
-- Spark puts NULLs first by default and DuckDB last.

-- Calendar months from start_date to end_date, counting month boundaries crossed (Feb 28 to
-- Mar 1 is one), as DuckDB's datediff counts them. Spark's datediff(MONTH, ...) counts whole
-- months elapsed instead (that is zero).
{% macro month_difference(start_date, end_date) -%}
    {{ return(adapter.dispatch('month_difference', 'economic_graph')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__month_difference(start_date, end_date) -%}
    datediff('month', {{ start_date }}, {{ end_date }})
{%- endmacro %}

{% macro spark__month_difference(start_date, end_date) -%}
    ((year({{ end_date }}) - year({{ start_date }})) * 12 + month({{ end_date }}) - month({{ start_date }}))
{%- endmacro %}

-- A number with a decimal point that takes part in a division. DuckDB reads 1.96 as a
-- DECIMAL but divides DECIMALs in floating point. Spark keeps the quotient DECIMAL and,
-- past 38 digits of precision, rounds it to as few as 6 decimal places (10000.0 * n / m
-- loses about five significant digits), so there the literal is a DOUBLE. The lake holds
-- no DECIMAL columns: literals are the only DECIMALs.
{% macro float_literal(number) -%}
    {{ return(adapter.dispatch('float_literal', 'economic_graph')(number)) }}
{%- endmacro %}

{% macro default__float_literal(number) -%}
    {{ number }}
{%- endmacro %}

{% macro spark__float_literal(number) -%}
    CAST({{ number }} AS DOUBLE)
{%- endmacro %}

-- The number of elements of a list (NULL for a NULL list).
{% macro list_length(list) -%}
    {{ return(adapter.dispatch('list_length', 'economic_graph')(list)) }}
{%- endmacro %}

{% macro default__list_length(list) -%}
    array_length({{ list }})
{%- endmacro %}

{% macro spark__list_length(list) -%}
    array_size({{ list }})
{%- endmacro %}

-- One row per integer from first to last, both included: an expression for a SELECT list.
-- first and last are integers or integer expressions of the row (one list per row).
{% macro integers_from_to(first, last) -%}
    {{ return(adapter.dispatch('integers_from_to', 'economic_graph')(first, last)) }}
{%- endmacro %}

{% macro default__integers_from_to(first, last) -%}
    unnest(range({{ first }}, ({{ last }}) + 1))
{%- endmacro %}

{% macro spark__integers_from_to(first, last) -%}
    explode(sequence({{ first }}, {{ last }}))
{%- endmacro %}

-- Written after `name AS` of a CTE that several parts of a query read: DuckDB then computes
-- it once. Spark has no such hint (it reuses an identical exchange by itself), so there it
-- is left out.
{% macro materialized() -%}
    {{ return(adapter.dispatch('materialized', 'economic_graph')()) }}
{%- endmacro %}

{% macro default__materialized() -%}
    MATERIALIZED
{%- endmacro %}

{% macro spark__materialized() -%}
{%- endmacro %}

-- The sum of floating-point numbers, the same to the last bit whatever order the rows come
-- in. Float addition is not associative: a parallel aggregate that adds its threads' partial
-- sums in the order they finish gives a last bit that changes from run to run. Adding the
-- values in their own order (ties are equal values) fixes the result. DuckDB sorts an
-- aggregate's input on request; Spark has no ordered aggregates, and its sums are compared
-- with DuckDB's within a tolerance (tests/test_portability.py).
{% macro order_free_sum(expression) -%}
    {{ return(adapter.dispatch('order_free_sum', 'economic_graph')(expression)) }}
{%- endmacro %}

{% macro default__order_free_sum(expression) -%}
    sum({{ expression }} ORDER BY {{ expression }})
{%- endmacro %}

{% macro spark__order_free_sum(expression) -%}
    sum({{ expression }})
{%- endmacro %}

-- The same, as a window over the whole partition: ordered by the values and framed over
-- every row, the window adds them in their own order on both engines.
{% macro order_free_sum_over(expression, partition_by) -%}
    sum({{ expression }}) OVER (
        PARTITION BY {{ partition_by }} ORDER BY {{ expression }}
        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING
    )
{%- endmacro %}

-- A quantile of a numeric expression within each group, interpolated between the two
-- nearest values (the same definition on both engines, exact on both); median is the 0.5 one.
{% macro quantile(expression, fraction) -%}
    {{ return(adapter.dispatch('quantile', 'economic_graph')(expression, fraction)) }}
{%- endmacro %}

{% macro default__quantile(expression, fraction) -%}
    quantile_cont({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro spark__quantile(expression, fraction) -%}
    percentile({{ expression }}, {{ fraction }})
{%- endmacro %}

{% macro median(expression) -%}
    {{ quantile(expression, 0.5) }}
{%- endmacro %}
