-- A monthly wage growth tracker built the way the Federal Reserve Bank of Atlanta builds its
-- Wage Growth Tracker from the Current Population Survey: each month, people whose wage is
-- observed that month and twelve months earlier; per month the median percent change of
-- their wage, for job stayers (the same employer on both dates) and job switchers; the
-- published series is the three-month moving average of those monthly medians.
--
-- truth: the survey sees each person in one month of the year, and so does the tracker:
-- person p is observed on the first of month 1 + (p mod 12) of every year, which spreads the
-- workforce evenly over the months (the CPS's rotation groups). Which wage is paid that day:
-- the macro paid_on_first_of.
-- platform: what members report (raw.salary_reports; the platform asks again a year after a
-- report). A member is observed in a month with a report: the last report of the month
-- (highest report_id) and the employer of the job the profile showed then (macro
-- on_profile_by, as the salary model takes it); reports with no job on the profile are left out.
-- A report gives a yearly salary, rounded, sometimes the pay the job started at: the
-- platform's medians inherit both.
--
-- Every month from the window's thirteenth (the first with a year before it) has a row per
-- source; a month with nobody observed twice has zero counts and no medians, and the moving
-- averages need a median in each of the three months. metrics.wage_growth is the truth's
-- December-to-December figure of everyone.
WITH truth_observations AS {{ materialized() }} (
    SELECT
        w.person_id,
        make_date(year(w.effective_from), CAST(1 + w.person_id % 12 AS INTEGER), 1) AS month,
        p.company_id,
        w.monthly_wage
    FROM {{ source('truth', 'wages') }} w
    JOIN {{ ref('stg_positions') }} p ON p.source = 'truth' AND p.position_id = w.position_id
    WHERE {{ paid_on_first_of('w', 'p', 'CAST(1 + w.person_id % 12 AS INTEGER)') }}
),
reports AS (
    SELECT member_id, reported_on, yearly_salary
    FROM (
        SELECT
            member_id, reported_on, yearly_salary,
            row_number() OVER (PARTITION BY member_id, reported_on ORDER BY report_id DESC) AS nth
        FROM {{ source('raw', 'salary_reports') }}
        WHERE yearly_salary > 0
    ) numbered
    WHERE nth = 1
),
platform_observations AS {{ materialized() }} (
    -- the employer of the job the profile showed in the month of the report (macros/profiles.sql)
    SELECT
        r.member_id AS person_id,
        r.reported_on AS month,
        max_by(p.company_id, p.start_date) AS company_id,
        CAST(r.yearly_salary AS DOUBLE) / 12 AS monthly_wage
    FROM reports r
    JOIN {{ source('raw', 'positions') }} p
        ON p.member_id = r.member_id AND {{ on_profile_by('p', 'r.reported_on') }}
    GROUP BY r.member_id, r.reported_on, r.yearly_salary
),
truth_months AS (
    {{ stayer_switcher_growth('truth_observations', 'month', 'CAST(this_period.month - INTERVAL 12 MONTH AS DATE)') }}
),
platform_months AS (
    {{ stayer_switcher_growth('platform_observations', 'month', 'CAST(this_period.month - INTERVAL 12 MONTH AS DATE)') }}
),
tracker_months AS (
    SELECT month
    FROM {{ source('raw', 'calendar') }}
    WHERE month >= (SELECT CAST(min(month) + INTERVAL 12 MONTH AS DATE) FROM {{ source('raw', 'calendar') }})
),
per_month AS (
    SELECT
        s.source,
        m.month,
        coalesce(g.people, 0) AS people,
        coalesce(g.stayers, 0) AS stayers,
        coalesce(g.switchers, 0) AS switchers,
        g.median_growth,
        g.median_growth_stayers,
        g.median_growth_switchers
    FROM tracker_months m
    CROSS JOIN (SELECT 'truth' AS source UNION ALL SELECT 'platform') s
    LEFT JOIN (
        SELECT 'truth' AS source, * FROM truth_months
        UNION ALL
        SELECT 'platform', * FROM platform_months
    ) g ON g.source = s.source AND g.month = m.month
),
averaged AS (
    SELECT
        *,
        count(median_growth) OVER last_three AS months_everyone,
        count(median_growth_stayers) OVER last_three AS months_stayers,
        count(median_growth_switchers) OVER last_three AS months_switchers,
        avg(median_growth) OVER last_three AS growth_3m,
        avg(median_growth_stayers) OVER last_three AS growth_stayers_3m,
        avg(median_growth_switchers) OVER last_three AS growth_switchers_3m
    FROM per_month
    WINDOW last_three AS (PARTITION BY source ORDER BY month ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)
)
SELECT
    source,
    month,
    CAST(year(month) AS INTEGER) AS year,
    people,
    stayers,
    switchers,
    median_growth,
    median_growth_stayers,
    median_growth_switchers,
    -- the moving average needs a median in each of the three months: the tracker's first two
    -- months have none
    CASE WHEN months_everyone = 3 THEN growth_3m END AS median_growth_3m,
    CASE WHEN months_stayers = 3 THEN growth_stayers_3m END AS median_growth_stayers_3m,
    CASE WHEN months_switchers = 3 THEN growth_switchers_3m END AS median_growth_switchers_3m,
    CASE WHEN months_stayers = 3 AND months_switchers = 3 THEN growth_switchers_3m - growth_stayers_3m END
        AS switcher_premium_3m
FROM averaged
