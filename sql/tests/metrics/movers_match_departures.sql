{{ config(meta={
    'dagster': {'ref': {'name': 'talent_flows_od'}},
    'description': 'Movers summed over destinations equal metrics.talent_flows.departures of the origin '
                   'city, per source, year and occupation family.',
}) }}
-- metrics.talent_flows_od: the origin-destination flows add up to the departures of talent_flows.
with leavers as (
    select source, year, origin_city as city, occupation_family, sum(movers) as movers
    from {{ ref('talent_flows_od') }}
    group by all
)
select source, year, city, occupation_family,
       coalesce(l.movers, 0) as movers, coalesce(f.departures, 0) as departures
from leavers l
full join {{ ref('talent_flows') }} f using (source, year, city, occupation_family)
where coalesce(l.movers, 0) <> coalesce(f.departures, 0)
