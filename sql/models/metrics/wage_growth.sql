-- Wage growth of the same people twelve months apart, as the Federal Reserve Bank of
-- Atlanta's Wage Growth Tracker measures it: the median of each person's percent change in
-- wage between two observations a year apart, for job stayers (the same employer on both
-- dates) and job switchers (another employer). Here the two dates are 1 December of
-- consecutive years, so year y holds the collective raise paid from January y and the moves
-- made during y.
--
-- The wage paid on 1 December of each year: intermediate int_december_wages; the growth of
-- stayers and switchers: the macro stayer_switcher_growth (macros/wages.sql).
WITH per_year AS (
    {{ stayer_switcher_growth(ref('int_december_wages'), 'year', 'this_period.year - 1') }}
)
SELECT
    'truth' AS source,
    year,
    people,
    stayers,
    switchers,
    median_growth,
    median_growth_stayers,
    median_growth_switchers,
    median_growth_switchers - median_growth_stayers AS switcher_premium
FROM per_year
