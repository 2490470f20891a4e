-- Talent flows between cities: origin-destination pairs of movers per year, per
-- occupation family and in total ('all'), for the platform and the truth.
--
-- Same panel as metrics.talent_flows (metrics.location_panel): people located (city of
-- the position held) on 1 January of the year and on 1 January of the next, in different cities. The
-- destinations of a city's leavers are its competing cities (LinkedIn's "where talent
-- goes"). Summed over destinations, movers equal talent_flows.departures of the origin.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   year: Calendar year of the move (1 January to 1 January of the next year).
--   origin_city: City on the first January.
--   destination_city: City a year later.
--   occupation_family: Occupation family of the movers on the first January, or 'all'.
--   movers: People who moved from origin_city to destination_city.
SELECT
    source,
    year,
    origin_city,
    destination_city,
    CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
    count(*) AS movers
FROM metrics.location_panel
WHERE origin_city <> destination_city
GROUP BY GROUPING SETS (
    (source, year, origin_city, destination_city, occupation_family),
    (source, year, origin_city, destination_city)
)
ORDER BY source, year, origin_city, destination_city, occupation_family
