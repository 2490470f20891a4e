-- Postings open on the first of each month and postings opened in it, per occupation family
-- and city: the one count of job openings (metrics.vacancies, metrics.hires).
-- A posting is open on the first of month m when opened_on <= m < closed_on. Dates are first
-- days of months of the window and a posting never closes before it opens (raw.postings'
-- blocking contract checks), so the postings open on m are the running sum of +1 in each
-- posting's opening month and -1 in its closing month: a sum over a few thousand cells per
-- month instead of a row per posting and month open (six million at a million people).
WITH posting_changes AS (
    SELECT opened_on AS month, occupation_family, city, 1 AS opened, 1 AS change
    FROM {{ source('raw', 'postings') }}
    UNION ALL
    SELECT closed_on, occupation_family, city, 0, -1
    FROM {{ source('raw', 'postings') }}
    WHERE closed_on IS NOT NULL
),
cells AS (
    SELECT DISTINCT occupation_family, city FROM posting_changes
),
-- every cell in every month, so that the running sum passes months without a change
changes_with_every_month AS (
    SELECT month, occupation_family, city, opened, change FROM posting_changes
    UNION ALL
    SELECT c.month, s.occupation_family, s.city, 0, 0
    FROM {{ source('raw', 'calendar') }} c CROSS JOIN cells s
),
changes_per_month AS (
    SELECT month, occupation_family, city, sum(opened) AS opened, sum(change) AS change
    FROM changes_with_every_month
    GROUP BY month, occupation_family, city
),
open_per_month AS (
    SELECT
        month,
        occupation_family,
        city,
        opened,
        sum(change) OVER (
            PARTITION BY occupation_family, city ORDER BY month ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS open_on_first
    FROM changes_per_month
)
SELECT
    month,
    CAST(year(month) AS BIGINT) AS year,
    occupation_family,
    city,
    CAST(open_on_first AS BIGINT) AS open_postings,
    CAST(opened AS BIGINT) AS postings_opened
FROM open_per_month
WHERE open_on_first > 0 OR opened > 0
