-- Who lives where they work: the employed on 1 January by the city of the workplace, and how
-- many of them live in that municipality (CBS's measure of commuting: the share of jobs whose
-- residence is in the municipality of the employer).
SELECT
    source,
    year,
    CASE WHEN grouping(work_city) = 1 THEN 'all' ELSE work_city END AS work_city,
    count(*) AS employed,
    count(*) FILTER (WHERE residence_city = work_city) AS live_in_work_city,
    count(*) FILTER (WHERE residence_city <> work_city) AS commuters,
    {{ float_literal('100.0') }} * count(*) FILTER (WHERE residence_city = work_city) / count(*)
        AS live_in_work_city_pct
FROM {{ ref('int_january_residence') }}
GROUP BY GROUPING SETS ((source, year, work_city), (source, year))
ORDER BY source, year, work_city
