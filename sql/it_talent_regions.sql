-- Which regions attract IT people: net inflow of ICT workers per city and year, ranked.
--
-- From metrics.talent_flows, occupation family 'ICT' (same panel definition: located on
-- 1 January and a year later). rank_by_net: 1 = the city gaining most ICT workers that
-- year (ties share a rank); rank_by_rate ranks net per 10,000 ICT workers in the city,
-- which favours smaller cities that draw many relative to their size.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   year: Calendar year of the flow.
--   city: The city.
--   ict_arrivals: ICT workers arriving.
--   ict_departures: ICT workers leaving.
--   ict_net: ict_arrivals - ict_departures.
--   ict_members: ICT workers located in the city on 1 January (panel).
--   ict_net_per_10k: ict_net / ict_members x 10,000.
--   rank_by_net: Rank of the city by ict_net within source and year (1 = largest gain).
--   rank_by_rate: Rank of the city by ict_net_per_10k within source and year.
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
FROM metrics.talent_flows
WHERE occupation_family = 'ICT'
ORDER BY source, year, rank_by_net, city
