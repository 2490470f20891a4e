SELECT
    source,
    year,
    origin_city,
    destination_city,
    CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
    count(*) AS movers
FROM {{ ref('location_panel') }}
WHERE origin_city <> destination_city
GROUP BY GROUPING SETS (
    (source, year, origin_city, destination_city, occupation_family),
    (source, year, origin_city, destination_city)
)
ORDER BY source, year, origin_city, destination_city, occupation_family
