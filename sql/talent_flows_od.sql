-- Talent flows between cities: origin-destination pairs of movers per year, per
-- occupation family and in total ('all'), for the platform and the truth.
--
-- Same panel as metrics.talent_flows (from metrics.january_locations): people located
-- (city of the position
-- held) on 1 January of the year and on 1 January of the next, in different cities. The
-- destinations of a city's leavers are its competing cities (LinkedIn's "where talent
-- goes"). Summed over destinations, movers equal talent_flows.departures of the origin.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   year: Calendar year of the move (1 January to 1 January of the next year).
--   origin_city: City on the first January.
--   destination_city: City a year later.
--   occupation_family: Occupation family of the movers on the first January, or 'all'.
--   movers: People who moved from origin_city to destination_city.
WITH moves_a_year_apart AS (
    SELECT
        here.source,
        year(here.snapshot) AS year,
        here.occupation_family,
        here.city AS origin_city,
        later.city AS destination_city
    FROM metrics.january_locations here
    JOIN metrics.january_locations later
        ON later.source = here.source
        AND later.person_id = here.person_id
        AND later.snapshot = here.snapshot + INTERVAL 1 YEAR
    WHERE later.city <> here.city
)
SELECT
    source,
    year,
    origin_city,
    destination_city,
    CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
    count(*) AS movers
FROM moves_a_year_apart
GROUP BY GROUPING SETS (
    (source, year, origin_city, destination_city, occupation_family),
    (source, year, origin_city, destination_city)
)
ORDER BY source, year, origin_city, destination_city, occupation_family
