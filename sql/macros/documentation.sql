-- A metric is its SQL and its .yml: a description, one for every column, and tests. These
-- macros make the build fail when a metric lacks any of them, naming what is missing.

{% macro require_documented_metrics() %}
    {% if execute %}
        {% set tested = [] %}
        {% for node in graph.nodes.values() if node.resource_type == 'test' %}
            {% for parent in node.depends_on.nodes %}{% do tested.append(parent) %}{% endfor %}
        {% endfor %}
        {% set problems = [] %}
        {% for node in graph.nodes.values()
              if node.resource_type == 'model' and node.fqn[1] == 'metrics' %}
            {% if not node.description | trim %}
                {% do problems.append(node.name ~ ': no description') %}
            {% endif %}
            {% if not node.columns %}
                {% do problems.append(node.name ~ ': no columns documented') %}
            {% endif %}
            {% for column in node.columns.values() if not column.description | trim %}
                {% do problems.append(node.name ~ '.' ~ column.name ~ ': no description') %}
            {% endfor %}
            {% if node.unique_id not in tested %}
                {% do problems.append(node.name ~ ': no tests') %}
            {% endif %}
        {% endfor %}
        {% if problems %}
            {% do exceptions.raise_compiler_error(
                'every metric needs a description, a description for each column and at least one test '
                ~ '(in models/metrics/<name>.yml); missing: ' ~ problems | join('; ')) %}
        {% endif %}
    {% endif %}
    select 1
{% endmacro %}

{% macro assert_columns_documented() %}
    {% if execute %}
        {% set actual = adapter.get_columns_in_relation(this) | map(attribute='name') | list %}
        {% set documented = model.columns.keys() | list %}
        {% set undocumented = actual | reject('in', documented) | list %}
        {% set absent = documented | reject('in', actual) | list %}
        {% if undocumented or absent %}
            {% do exceptions.raise_compiler_error(
                model.name ~ ': the .yml documents other columns than the query returns; undocumented '
                ~ undocumented ~ ', documented but absent ' ~ absent) %}
        {% endif %}
    {% endif %}
    select 1
{% endmacro %}
