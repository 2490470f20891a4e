-- Wage growth of the same people twelve months apart, as the Federal Reserve Bank of
-- Atlanta's Wage Growth Tracker measures it: the median of each person's percent change in
-- wage between two observations a year apart, for job stayers (the same employer on both
-- dates) and job switchers (another employer). Here the two dates are 1 December of
-- consecutive years, so year y holds the collective raise paid from January y and the moves
-- made during y.
--
-- The wage paid on 1 December of each year: intermediate int_december_wages.
WITH changes AS (
    SELECT
        this_december.year,
        this_december.company_id = last_december.company_id AS stayed,
        100.0 * (this_december.monthly_wage / last_december.monthly_wage - 1) AS growth
    FROM {{ ref('int_december_wages') }} this_december
    JOIN {{ ref('int_december_wages') }} last_december
        ON last_december.person_id = this_december.person_id AND last_december.year = this_december.year - 1
),
per_year AS (
    SELECT
        year,
        count(*) AS people,
        count(*) FILTER (WHERE stayed) AS stayers,
        count(*) FILTER (WHERE NOT stayed) AS switchers,
        {{ median('growth') }} AS median_growth,
        {{ median('CASE WHEN stayed THEN growth END') }} AS median_growth_stayers,
        {{ median('CASE WHEN NOT stayed THEN growth END') }} AS median_growth_switchers
    FROM changes
    GROUP BY year
)
SELECT
    'truth' AS source,
    year,
    CAST(people AS BIGINT) AS people,
    CAST(stayers AS BIGINT) AS stayers,
    CAST(switchers AS BIGINT) AS switchers,
    median_growth,
    median_growth_stayers,
    median_growth_switchers,
    median_growth_switchers - median_growth_stayers AS switcher_premium
FROM per_year
