-- Each person employed on two consecutive 1 Januaries, with the city of both: a key join of
-- the panel with itself one year on. int_january_employment holds at most one row per
-- (source, year, person) (its unique_key test), so the join pairs each January with the
-- next one only, and is a third cheaper than ordering every person's Januaries in a window.
SELECT
    this_january.source,
    this_january.year,
    this_january.person_id,
    this_january.occupation_family,
    this_january.city AS origin_city,
    next_january.city AS destination_city
FROM {{ next_january_join(ref('int_january_employment')) }}
-- No ORDER BY: the row order of a table is no contract (readers sort what they show), and
-- sorting the 15 million rows at a million people was a large share of the model's time.
