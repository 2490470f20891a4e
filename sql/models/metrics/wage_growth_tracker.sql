-- A monthly wage growth tracker built the way the Federal Reserve Bank of Atlanta builds its
-- Wage Growth Tracker from the Current Population Survey: each month, people whose wage is
-- observed that month and twelve months earlier; per month the median percent change of
-- their wage, for job stayers (the same employer on both dates) and job switchers; the
-- published series is the three-month moving average of those monthly medians.
--
-- The survey sees each person in one month of the year; here so does the tracker: person p
-- is observed on the first of month 1 + (p mod 12) of every year, which spreads the workforce
-- evenly over the months (the CPS's rotation groups). Which wage is paid that day: the macro
-- paid_on_first_of. metrics.wage_growth is the December-to-December figure of everyone.
WITH observations AS {{ materialized() }} (
    SELECT
        w.person_id,
        make_date(year(w.effective_from), CAST(1 + w.person_id % 12 AS INTEGER), 1) AS month,
        p.company_id,
        w.monthly_wage
    FROM {{ source('truth', 'wages') }} w
    JOIN {{ ref('stg_positions') }} p ON p.source = 'truth' AND p.position_id = w.position_id
    WHERE {{ paid_on_first_of('w', 'p', 'CAST(1 + w.person_id % 12 AS INTEGER)') }}
),
per_month AS (
    {{ stayer_switcher_growth('observations', 'month', 'CAST(this_period.month - INTERVAL 12 MONTH AS DATE)') }}
),
averaged AS (
    SELECT
        *,
        count(*) OVER last_three AS months_averaged,
        avg(median_growth) OVER last_three AS growth_3m,
        avg(median_growth_stayers) OVER last_three AS growth_stayers_3m,
        avg(median_growth_switchers) OVER last_three AS growth_switchers_3m
    FROM per_month
    WINDOW last_three AS (ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
)
SELECT
    'truth' AS source,
    month,
    CAST(year(month) AS INTEGER) AS year,
    people,
    stayers,
    switchers,
    median_growth,
    median_growth_stayers,
    median_growth_switchers,
    -- the moving average needs three months: the tracker's first two months have none
    CASE WHEN months_averaged = 3 THEN growth_3m END AS median_growth_3m,
    CASE WHEN months_averaged = 3 THEN growth_stayers_3m END AS median_growth_stayers_3m,
    CASE WHEN months_averaged = 3 THEN growth_switchers_3m END AS median_growth_switchers_3m,
    CASE WHEN months_averaged = 3 THEN growth_switchers_3m - growth_stayers_3m END AS switcher_premium_3m
FROM averaged
