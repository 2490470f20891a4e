-- Salary insights the way LinkedIn Salary publishes them: per occupation, city and
-- seniority, the median and quartiles of the yearly base salaries members reported over two
-- years (the year and the one before), with the true pay of everyone in the cell beside it.
--
-- A cell with fewer than min_reports reports is not shown as it is: its estimate borrows from
-- the occupation and seniority nationwide (the parent cohort), weighted as if the parent
-- brought prior_reports reports, on the log scale:
--   estimate = exp((n ln(cell median) + k ln(parent median)) / (n + k)),  k = prior_reports.
-- Every cell says which it is (status): 'supported' (n >= min_reports) or 'shrunk'.
-- The 95% interval of a supported cell's median is distribution-free: the reports at ranks
-- n/2 - 0.98 sqrt(n) and n/2 + 1 + 0.98 sqrt(n) (rounded outward), the normal approximation
-- of the binomial count of reports below the median.
WITH publication AS (
    SELECT 10 AS min_reports, 10 AS prior_reports
),
years AS (
    SELECT DISTINCT year FROM {{ source('raw', 'calendar') }}
),
reports AS (
    SELECT y.year, r.occupation, r.city, r.seniority, CAST(r.yearly_salary AS DOUBLE) AS salary
    FROM {{ source('raw', 'salary_reports') }} r
    JOIN years y ON {{ in_salary_window('year(r.reported_on)', 'y.year') }}
),
ranked AS (
    SELECT
        *,
        row_number() OVER by_cell AS salary_rank,
        count(*) OVER (PARTITION BY year, occupation, city, seniority) AS cell_reports
    FROM reports
    WINDOW by_cell AS (PARTITION BY year, occupation, city, seniority ORDER BY salary)
),
cells AS (
    SELECT
        year,
        occupation,
        city,
        seniority,
        count(*) AS reports,
        {{ median('salary') }} AS median_salary,
        {{ quantile('salary', 0.25) }} AS p25_salary,
        {{ quantile('salary', 0.75) }} AS p75_salary,
        max(CASE WHEN salary_rank = greatest(1, floor(cell_reports / 2.0 - 0.98 * sqrt(cell_reports)))
            THEN salary END) AS lower_rank_salary,
        max(CASE WHEN salary_rank = least(cell_reports, ceil(cell_reports / 2.0 + 1 + 0.98 * sqrt(cell_reports)))
            THEN salary END) AS upper_rank_salary
    FROM ranked
    GROUP BY year, occupation, city, seniority
),
parents AS (
    SELECT year, occupation, seniority, count(*) AS parent_reports, {{ median('salary') }} AS parent_median
    FROM reports
    GROUP BY year, occupation, seniority
),
truth_cells AS (
    SELECT
        y.year,
        d.occupation,
        d.city,
        d.seniority,
        count(*) AS truth_person_years,
        {{ median('12 * d.monthly_wage') }} AS truth_median
    FROM {{ ref('int_december_wages') }} d
    JOIN years y ON {{ in_salary_window('d.year', 'y.year') }}
    GROUP BY y.year, d.occupation, d.city, d.seniority
),
estimated AS (
    SELECT
        c.*,
        p.parent_reports,
        p.parent_median,
        exp((c.reports * ln(c.median_salary) + u.prior_reports * ln(p.parent_median)) / (c.reports + u.prior_reports))
            AS shrunk_salary,
        c.reports >= u.min_reports AS supported
    FROM cells c
    JOIN parents p ON p.year = c.year AND p.occupation = c.occupation AND p.seniority = c.seniority
    CROSS JOIN publication u
)
SELECT
    e.year,
    e.occupation,
    e.city,
    e.seniority,
    CAST(e.reports AS BIGINT) AS reports,
    CASE WHEN e.supported THEN 'supported' ELSE 'shrunk' END AS status,
    CASE WHEN e.supported THEN e.median_salary ELSE e.shrunk_salary END AS estimate,
    e.median_salary,
    e.p25_salary,
    e.p75_salary,
    CASE WHEN e.supported THEN e.lower_rank_salary END AS ci_low,
    CASE WHEN e.supported THEN e.upper_rank_salary END AS ci_high,
    CAST(e.parent_reports AS BIGINT) AS parent_reports,
    e.parent_median,
    CAST(coalesce(t.truth_person_years, 0) AS BIGINT) AS truth_person_years,
    t.truth_median,
    (CASE WHEN e.supported THEN e.median_salary ELSE e.shrunk_salary END) / t.truth_median - 1 AS estimate_error
FROM estimated e
LEFT JOIN truth_cells t
    ON t.year = e.year AND t.occupation = e.occupation AND t.city = e.city AND t.seniority = e.seniority
