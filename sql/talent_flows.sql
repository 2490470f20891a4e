-- Talent flows: arrivals, departures and net talent migration per city and year, per
-- occupation family and in total ('all'), for the platform and the truth.
--
-- Net talent migration (LinkedIn Economic Graph): (arrivals - departures) / members in
-- the region x 10,000. A person's location is the city of the position held; the year's
-- panel (metrics.location_panel) is everyone located both on 1 January of the year and on
-- 1 January of the next (so the last year of the window, without a next January, has no row). A person located
-- in A and then in B (A <> B) is a departure from A and an arrival in B. Members are the
-- panel located in the city on the first January, so for every row the identity
-- arrivals - departures = members_end - members holds exactly. The family is the one of
-- the position held on the first January.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   year: Calendar year of the flow (1 January to 1 January of the next year).
--   city: The city.
--   occupation_family: Occupation family of the movers, or 'all' for every family.
--   arrivals: Panel members located elsewhere on 1 January and in the city a year later.
--   departures: Panel members located in the city on 1 January and elsewhere a year later.
--   net: arrivals - departures.
--   members: Panel members located in the city on 1 January.
--   members_end: Panel members located in the city a year later.
--   net_per_10k: net / members x 10,000 (net talent migration rate).
WITH city_roles AS (
    SELECT source, year, occupation_family, origin_city AS city,
           1 AS at_start, 0 AS at_end, (origin_city <> destination_city)::INTEGER AS departed, 0 AS arrived
    FROM metrics.location_panel
    UNION ALL
    SELECT source, year, occupation_family, destination_city,
           0, 1, 0, (origin_city <> destination_city)::INTEGER
    FROM metrics.location_panel
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
    10000.0 * (arrivals - departures) / nullif(members, 0) AS net_per_10k
FROM flows
ORDER BY source, year, city, occupation_family
