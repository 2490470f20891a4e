-- The numbers the world was generated from, as the scenario planted them: what the report and
-- any reader quote as the run's identity (the people count, the seed) and what a metric can be
-- held against.
SELECT name, key, value
FROM {{ source('truth', 'parameters') }}
