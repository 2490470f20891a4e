SELECT
    source,
    year,
    city,
    arrivals AS ict_arrivals,
    departures AS ict_departures,
    net AS ict_net,
    members AS ict_members,
    net_per_10k AS ict_net_per_10k,
    rank() OVER (PARTITION BY source, year ORDER BY net DESC) AS rank_by_net,
    rank() OVER (PARTITION BY source, year ORDER BY net_per_10k DESC NULLS LAST) AS rank_by_rate
FROM {{ ref('talent_flows') }}
WHERE occupation_family = 'ICT'
ORDER BY source, year, rank_by_net, city
