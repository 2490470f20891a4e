-- Flows of the residence (LinkedIn's definition: where members say they live), on the same
-- people as the workplace flows of metrics.talent_flows: those employed on two consecutive
-- 1 Januaries, here with a residence known on both.
WITH panel AS (
    SELECT
        this_january.source,
        this_january.year,
        this_january.occupation_family,
        this_january.residence_city AS origin_city,
        next_january.residence_city AS destination_city
    FROM {{ next_january_join(ref('int_january_residence')) }}
),
{{ city_flows('panel') }}
