-- Arrivals, departures and net migration per city and year, per occupation family and in
-- total ('all'), from a panel of people with a city on one 1 January (origin_city) and on the
-- next (destination_city): LinkedIn's net talent migration, (arrivals - departures) / people in
-- the city x 10,000. Written once for every kind of location a panel holds (the workplace in
-- metrics.talent_flows, the residence in metrics.residence_flows). Emits the CTEs and the final
-- query after a WITH: `WITH {{ city_flows(ref('location_panel')) }}`.
{% macro city_flows(panel) -%}
city_roles AS (
    SELECT source, year, occupation_family, origin_city AS city,
           1 AS at_start, 0 AS at_end, (origin_city <> destination_city)::INTEGER AS departed, 0 AS arrived
    FROM {{ panel }}
    UNION ALL
    SELECT source, year, occupation_family, destination_city,
           0, 1, 0, (origin_city <> destination_city)::INTEGER
    FROM {{ panel }}
),
flows AS (
    SELECT
        source,
        year,
        city,
        CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
        sum(arrived)::BIGINT AS arrivals,
        sum(departed)::BIGINT AS departures,
        sum(at_start)::BIGINT AS members,
        sum(at_end)::BIGINT AS members_end
    FROM city_roles
    GROUP BY GROUPING SETS ((source, year, city, occupation_family), (source, year, city))
)
SELECT
    source,
    year,
    city,
    occupation_family,
    arrivals,
    departures,
    arrivals - departures AS net,
    members,
    members_end,
    {{ float_literal('10000.0') }} * (arrivals - departures) / nullif(members, 0) AS net_per_10k
FROM flows
ORDER BY source, year, city, occupation_family
{%- endmacro %}

-- A yearly panel (one row per source, year and person_id) joined to itself one year on: each
-- person's 1 January (alias this_january) beside the next one (next_january), for people in
-- the panel on both. A key join: the panel's unique key holds each pair to one row.
{% macro next_january_join(panel) -%}
{{ panel }} this_january
JOIN {{ panel }} next_january
    ON next_january.source = this_january.source
    AND next_january.person_id = this_january.person_id
    AND next_january.year = this_january.year + 1
{%- endmacro %}
