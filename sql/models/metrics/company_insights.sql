WITH management_promotions AS (
    SELECT p.source, p.company_id, c.year, count(*) AS promotions
    FROM {{ ref('int_position_history') }} p
    JOIN {{ source('raw', 'calendar') }} c ON c.month = p.start_date
    WHERE NOT p.starts_spell AND p.seniority = 'manager' AND p.previous_seniority <> 'manager'
    GROUP BY p.source, p.company_id, c.year
),
spells AS (
    SELECT source, person_id, company_id, start_date, end_date, previous_company_id, next_company_id,
           CASE WHEN starts_as_manager THEN 1 ELSE 0 END AS starts_as_manager,
           CASE WHEN is_job_change THEN 1 ELSE 0 END AS came_from_other_employer,
           CASE WHEN ends_in_job_change THEN 1 ELSE 0 END AS went_to_other_employer
    FROM {{ ref('int_employer_spells') }}
),
snapshots AS (
    -- the last month of every year, and the month before the window for the first year's start
    SELECT year, max(month) AS month FROM {{ source('raw', 'calendar') }} GROUP BY year
    UNION ALL
    SELECT min(year) - 1, CAST(min(month) - INTERVAL 1 MONTH AS DATE) FROM {{ source('raw', 'calendar') }}
),
snapshot_slots AS (
    -- the snapshot years as slots 0, 1, ... of the company-year number (tenures_running)
    SELECT min(year) AS first_year, max(year) - min(year) + 1 AS years FROM snapshots
),
tenures AS (
    -- people employed at a snapshot per tenure in months: a median from counts needs no
    -- list of every employee in memory
    SELECT
        s.source,
        s.company_id,
        n.year,
        (year(n.month) - year(s.start_date)) * 12 + month(n.month) - month(s.start_date) + 1 AS tenure_months,
        count(*) AS people
    FROM spells s
    JOIN snapshots n ON s.start_date <= n.month AND coalesce(s.end_date, DATE '9999-12-01') > n.month
    GROUP BY s.source, s.company_id, n.year,
             (year(n.month) - year(s.start_date)) * 12 + month(n.month) - month(s.start_date) + 1
),
tenures_running AS (
    -- The window partitions on one integer that numbers (source, company_id, year) one to one:
    -- the source ('platform' or 'truth', the two of stg_positions) as the last bit, the
    -- snapshot year's slot above it, the company above that. On that one column DuckDB sorts
    -- the 12 million tenure cells of a million people in under half the time it takes on the
    -- three columns it encodes; the rows and sums are the same.
    SELECT
        *,
        sum(people) OVER (PARTITION BY company_year ORDER BY tenure_months ROWS UNBOUNDED PRECEDING)
            AS people_up_to,
        sum(people) OVER (PARTITION BY company_year) AS headcount
    FROM (
        SELECT
            t.*,
            (t.company_id * y.years + t.year - y.first_year) * 2
                + CASE WHEN t.source = 'truth' THEN 1 ELSE 0 END AS company_year
        FROM tenures t
        CROSS JOIN snapshot_slots y
    ) numbered
),
headcounts AS (
    -- the median is the mean of the two middle tenures (the same one for an odd headcount):
    -- the lower one is the first whose running count reaches half the headcount, the upper
    -- the first to pass it
    SELECT
        source,
        company_id,
        year,
        CAST(max(headcount) AS BIGINT) AS headcount,
        (min(CASE WHEN 2 * people_up_to >= headcount THEN tenure_months END)
         + min(CASE WHEN 2 * people_up_to > headcount THEN tenure_months END)) / CAST(24 AS DOUBLE)
            AS median_tenure_years
    FROM tenures_running
    GROUP BY source, company_id, year
),
spell_events AS (
    -- a spell's start (a hire, 'in') and end (a leaver, 'out') in the window year it falls in,
    -- with the other company of a job-to-job move
    SELECT s.source, s.company_id, c.year, 'in' AS direction, s.starts_as_manager AS managers,
           CASE WHEN s.came_from_other_employer = 1 THEN s.previous_company_id END AS other_company_id
    FROM spells s
    JOIN {{ source('raw', 'calendar') }} c ON c.month = s.start_date
    UNION ALL
    SELECT s.source, s.company_id, c.year, 'out', 0,
           CASE WHEN s.went_to_other_employer = 1 THEN s.next_company_id END
    FROM spells s
    JOIN {{ source('raw', 'calendar') }} c ON c.month = s.end_date
),
movers_per_company AS (
    SELECT source, company_id, year, direction, other_company_id, count(*) AS movers,
           CAST(sum(managers) AS BIGINT) AS managers
    FROM spell_events
    GROUP BY source, company_id, year, direction, other_company_id
),
movers_per_industry AS (
    SELECT m.source, m.company_id, m.year, m.direction, o.industry, CAST(sum(m.movers) AS BIGINT) AS movers
    FROM movers_per_company m
    JOIN {{ source('raw', 'companies') }} o ON o.company_id = m.other_company_id
    GROUP BY m.source, m.company_id, m.year, m.direction, o.industry
),
most_movers AS (
    SELECT source, company_id, year, direction, max(movers) AS movers
    FROM movers_per_company
    WHERE other_company_id IS NOT NULL
    GROUP BY source, company_id, year, direction
),
most_industry_movers AS (
    SELECT source, company_id, year, direction, max(movers) AS movers
    FROM movers_per_industry
    GROUP BY source, company_id, year, direction
),
top_companies AS (
    -- ties: the lowest company_id
    SELECT m.source, m.company_id, m.year, m.direction, min(m.other_company_id) AS other_company_id,
           max(m.movers) AS movers
    FROM movers_per_company m
    JOIN most_movers t
        ON t.source = m.source AND t.company_id = m.company_id AND t.year = m.year
        AND t.direction = m.direction AND t.movers = m.movers
    WHERE m.other_company_id IS NOT NULL
    GROUP BY m.source, m.company_id, m.year, m.direction
),
top_industries AS (
    -- ties: the first industry alphabetically
    SELECT m.source, m.company_id, m.year, m.direction, min(m.industry) AS industry, max(m.movers) AS movers
    FROM movers_per_industry m
    JOIN most_industry_movers t
        ON t.source = m.source AND t.company_id = m.company_id AND t.year = m.year
        AND t.direction = m.direction AND t.movers = m.movers
    GROUP BY m.source, m.company_id, m.year, m.direction
),
last_year AS (
    SELECT max(year) AS year FROM {{ source('raw', 'calendar') }}
),
window_years AS (
    SELECT DISTINCT year FROM {{ source('raw', 'calendar') }}
),
movers_totals AS (
    SELECT
        source, company_id, year,
        CAST(sum(CASE WHEN direction = 'in' THEN movers ELSE 0 END) AS BIGINT) AS hires,
        CAST(sum(CASE WHEN direction = 'out' THEN movers ELSE 0 END) AS BIGINT) AS leavers,
        CAST(sum(managers) AS BIGINT) AS management_hires,
        CAST(sum(CASE WHEN direction = 'in' AND other_company_id IS NOT NULL THEN movers ELSE 0 END) AS BIGINT)
            AS hires_from_other_employers,
        CAST(sum(CASE WHEN direction = 'out' AND other_company_id IS NOT NULL THEN movers ELSE 0 END) AS BIGINT)
            AS leavers_to_other_employers
    FROM movers_per_company
    GROUP BY source, company_id, year
),
headcounts_start AS (
    SELECT h.source, h.company_id, h.year + 1 AS year, h.headcount
    FROM headcounts h
    JOIN last_year l ON h.year < l.year
),
headcounts_end AS (
    SELECT source, company_id, year, headcount, median_tenure_years
    FROM headcounts
    JOIN window_years USING (year)
),
company_years AS (
    -- every company and year with a figure: a headcount at either end, a move or a promotion
    SELECT source, company_id, year FROM headcounts_start
    UNION
    SELECT source, company_id, year FROM headcounts_end
    UNION
    SELECT source, company_id, year FROM movers_totals
    UNION
    SELECT source, company_id, year FROM management_promotions
),
per_company_year AS (
    -- each part has one row per company and year at most: joined on that key
    SELECT
        k.source,
        k.company_id,
        k.year,
        coalesce(hs.headcount, 0) AS headcount_start,
        coalesce(he.headcount, 0) AS headcount_end,
        he.median_tenure_years,
        coalesce(m.hires, 0) AS hires,
        coalesce(m.leavers, 0) AS leavers,
        coalesce(m.management_hires, 0) AS management_hires,
        coalesce(p.promotions, 0) AS promotions_to_management,
        coalesce(m.hires_from_other_employers, 0) AS hires_from_other_employers,
        coalesce(m.leavers_to_other_employers, 0) AS leavers_to_other_employers,
        tci.other_company_id AS top_source_company_id,
        tci.movers AS top_source_hires,
        tii.industry AS top_source_industry,
        tii.movers AS top_source_industry_hires,
        tco.other_company_id AS top_destination_company_id,
        tco.movers AS top_destination_leavers,
        tio.industry AS top_destination_industry,
        tio.movers AS top_destination_industry_leavers
    FROM company_years k
    LEFT JOIN headcounts_start hs ON hs.source = k.source AND hs.company_id = k.company_id AND hs.year = k.year
    LEFT JOIN headcounts_end he ON he.source = k.source AND he.company_id = k.company_id AND he.year = k.year
    LEFT JOIN movers_totals m ON m.source = k.source AND m.company_id = k.company_id AND m.year = k.year
    LEFT JOIN management_promotions p ON p.source = k.source AND p.company_id = k.company_id AND p.year = k.year
    LEFT JOIN top_companies tci
        ON tci.source = k.source AND tci.company_id = k.company_id AND tci.year = k.year AND tci.direction = 'in'
    LEFT JOIN top_companies tco
        ON tco.source = k.source AND tco.company_id = k.company_id AND tco.year = k.year AND tco.direction = 'out'
    LEFT JOIN top_industries tii
        ON tii.source = k.source AND tii.company_id = k.company_id AND tii.year = k.year AND tii.direction = 'in'
    LEFT JOIN top_industries tio
        ON tio.source = k.source AND tio.company_id = k.company_id AND tio.year = k.year AND tio.direction = 'out'
)
SELECT
    source,
    company_id,
    year,
    headcount_start,
    headcount_end,
    CAST(headcount_start + headcount_end AS DOUBLE) / 2 AS average_headcount,
    CAST(headcount_end - headcount_start AS DOUBLE) / nullif(headcount_start, 0) AS growth,
    hires,
    leavers,
    CAST(leavers AS DOUBLE) / nullif(CAST(headcount_start + headcount_end AS DOUBLE) / 2, 0) AS attrition,
    management_hires,
    promotions_to_management,
    median_tenure_years,
    hires_from_other_employers,
    top_source_company_id,
    top_source_hires,
    top_source_industry,
    top_source_industry_hires,
    leavers_to_other_employers,
    top_destination_company_id,
    top_destination_leavers,
    top_destination_industry,
    top_destination_industry_leavers
FROM per_company_year
-- No ORDER BY: the row order of a table is no contract (readers sort what they show), and
-- sorting the 1.1 million rows at a million people was a large share of the model's time.
