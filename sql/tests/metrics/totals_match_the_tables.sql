{{ config(meta={
    'dagster': {'ref': {'name': 'network'}},
    'description': 'The last year of each source counts every row of raw.connections and every member of'
                   ' raw.members.',
}) }}
-- metrics.network: the last year's totals are the whole connection and member tables.
select n.source, n.year,
       n.connections, (select count(*) from {{ source('raw', 'connections') }}) as connection_rows,
       n.members, (select count(*) from {{ source('raw', 'members') }}) as member_rows
from {{ ref('network') }} n
where n.year = (select max(year) from {{ ref('network') }} l where l.source = n.source)
  and (n.connections <> (select count(*) from {{ source('raw', 'connections') }})
       or n.members <> (select count(*) from {{ source('raw', 'members') }}))
