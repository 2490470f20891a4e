WITH months_per_year AS (
    SELECT year, count(*) AS months FROM {{ source('raw', 'calendar') }} GROUP BY year
),
posting_facts AS (
    SELECT month, year, occupation_family, city, open_postings AS open_on_first, postings_opened AS opened
    FROM {{ ref('int_posting_months') }}
),
filled_postings AS (
    SELECT closed_on AS month, year(closed_on) AS year, occupation_family, city,
           (year(closed_on) - year(opened_on)) * 12 + month(closed_on) - month(opened_on) AS months_to_fill
    FROM {{ source('raw', 'postings') }}
    WHERE hired_member_id IS NOT NULL
),
posting_counts AS (
    SELECT
        'month' AS grain,
        month AS period,
        CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
        CASE WHEN grouping(city) = 1 THEN 'all' ELSE city END AS city,
        CAST(sum(open_on_first) AS DOUBLE) AS active_openings,
        CAST(sum(opened) AS BIGINT) AS postings_opened
    FROM posting_facts
    GROUP BY GROUPING SETS (
        (month, occupation_family, city), (month, occupation_family), (month, city), (month)
    )
    UNION ALL
    SELECT
        'year',
        make_date(f.year, 1, 1),
        CASE WHEN grouping(f.occupation_family) = 1 THEN 'all' ELSE f.occupation_family END,
        CASE WHEN grouping(f.city) = 1 THEN 'all' ELSE f.city END,
        CAST(sum(f.open_on_first) AS DOUBLE) / max(m.months),
        CAST(sum(f.opened) AS BIGINT)
    FROM posting_facts f
    JOIN months_per_year m ON m.year = f.year
    GROUP BY GROUPING SETS (
        (f.year, f.occupation_family, f.city), (f.year, f.occupation_family), (f.year, f.city), (f.year)
    )
),
fill_counts AS (
    -- filled postings per cell and months to fill: medians from counts, with no list of
    -- every posting in memory
    SELECT
        'month' AS grain,
        month AS period,
        CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END AS occupation_family,
        CASE WHEN grouping(city) = 1 THEN 'all' ELSE city END AS city,
        months_to_fill,
        count(*) AS postings
    FROM filled_postings
    GROUP BY GROUPING SETS (
        (month, occupation_family, city, months_to_fill), (month, occupation_family, months_to_fill),
        (month, city, months_to_fill), (month, months_to_fill)
    )
    UNION ALL
    SELECT
        'year',
        make_date(year, 1, 1),
        CASE WHEN grouping(occupation_family) = 1 THEN 'all' ELSE occupation_family END,
        CASE WHEN grouping(city) = 1 THEN 'all' ELSE city END,
        months_to_fill,
        count(*)
    FROM filled_postings
    GROUP BY GROUPING SETS (
        (year, occupation_family, city, months_to_fill), (year, occupation_family, months_to_fill),
        (year, city, months_to_fill), (year, months_to_fill)
    )
),
fill_counts_running AS (
    SELECT
        *,
        sum(postings) OVER (
            PARTITION BY grain, period, occupation_family, city
            ORDER BY months_to_fill ROWS UNBOUNDED PRECEDING
        ) AS filled_up_to,
        sum(postings) OVER (PARTITION BY grain, period, occupation_family, city) AS filled
    FROM fill_counts
),
fills AS (
    -- the median is the mean of the two middle values (the same one for an odd count): the
    -- lower is the first whose running count reaches half the postings, the upper the first
    -- to pass it
    SELECT
        grain,
        period,
        occupation_family,
        city,
        CAST(max(filled) AS BIGINT) AS postings_filled,
        (min(CASE WHEN 2 * filled_up_to >= filled THEN months_to_fill END)
         + min(CASE WHEN 2 * filled_up_to > filled THEN months_to_fill END)) / CAST(2 AS DOUBLE)
            AS median_months_to_fill,
        CAST(sum(postings * months_to_fill) AS DOUBLE) / max(filled) AS mean_months_to_fill
    FROM fill_counts_running
    GROUP BY grain, period, occupation_family, city
),
applications AS (
    SELECT 'platform' AS source, e.member_id AS person_id, e.occurred_on AS month, p.occupation_family, p.city
    FROM {{ source('raw', 'posting_events') }} e
    JOIN {{ source('raw', 'postings') }} p ON p.posting_id = e.posting_id
    WHERE e.event = 'apply'
    UNION ALL
    SELECT 'truth', a.person_id, a.applied_on, p.occupation_family, p.city
    FROM {{ source('truth', 'applications') }} a
    JOIN {{ source('raw', 'postings') }} p ON p.posting_id = a.posting_id
    UNION ALL
    -- off the platform: the hire the application led to, starting in its month or the next
    SELECT 'truth', a.person_id, a.applied_on, h.occupation_family, h.city
    FROM {{ source('truth', 'applications') }} a
    JOIN {{ source('truth', 'positions') }} h
        ON h.person_id = a.person_id AND h.company_id = a.company_id
        AND h.start_date BETWEEN a.applied_on AND a.applied_on + INTERVAL 1 MONTH
        AND h.start_reason IN ('first_job', 'job_change', 'reemployment')
    WHERE a.posting_id IS NULL
),
applications_per_person_cell AS (
    SELECT source, month, occupation_family, city, person_id, count(*) AS applications
    FROM applications
    GROUP BY source, month, occupation_family, city, person_id
),
-- A person counts once in every cell they applied in, rolled up or not: the rows of a person
-- in one month, family and city are already one (applications_per_person_cell); the rolled-up
-- cells count their people after one more aggregate per roll-up. Three plain aggregates spill
-- to disk when they must, and take half the time of the two windows over every person's
-- month they replace.
applicants_per_family AS (
    SELECT source, month, occupation_family, person_id, sum(applications) AS applications
    FROM applications_per_person_cell
    GROUP BY source, month, occupation_family, person_id
),
applicants_per_city AS (
    SELECT source, month, city, person_id, sum(applications) AS applications
    FROM applications_per_person_cell
    GROUP BY source, month, city, person_id
),
applicants_per_month AS (
    SELECT source, month, person_id, sum(applications) AS applications
    FROM applications_per_person_cell
    GROUP BY source, month, person_id
),
applicants_by_month AS (
    SELECT source, month, occupation_family, city,
           CAST(sum(applications) AS BIGINT) AS applications, count(*) AS active_applicants
    FROM applications_per_person_cell
    GROUP BY source, month, occupation_family, city
    UNION ALL
    SELECT source, month, occupation_family, 'all', CAST(sum(applications) AS BIGINT), count(*)
    FROM applicants_per_family
    GROUP BY source, month, occupation_family
    UNION ALL
    SELECT source, month, 'all', city, CAST(sum(applications) AS BIGINT), count(*)
    FROM applicants_per_city
    GROUP BY source, month, city
    UNION ALL
    SELECT source, month, 'all', 'all', CAST(sum(applications) AS BIGINT), count(*)
    FROM applicants_per_month
    GROUP BY source, month
),
applicant_counts AS (
    SELECT source, 'month' AS grain, month AS period, occupation_family, city,
           applications, CAST(active_applicants AS DOUBLE) AS active_applicants
    FROM applicants_by_month
    UNION ALL
    SELECT a.source, 'year', make_date(year(a.month), 1, 1), a.occupation_family, a.city,
           CAST(sum(a.applications) AS BIGINT), CAST(sum(a.active_applicants) AS DOUBLE) / max(m.months)
    FROM applicants_by_month a
    JOIN months_per_year m ON m.year = year(a.month)
    GROUP BY a.source, year(a.month), a.occupation_family, a.city
),
sources AS (
    SELECT 'platform' AS source
    UNION ALL
    SELECT 'truth'
),
cell_parts AS (
    -- a cell has at most one row of each part; posting counts are the same for both sources
    SELECT s.source, c.grain, c.period, c.occupation_family, c.city, c.active_openings, c.postings_opened,
           CAST(NULL AS BIGINT) AS postings_filled, CAST(NULL AS DOUBLE) AS median_months_to_fill,
           CAST(NULL AS DOUBLE) AS mean_months_to_fill,
           CAST(NULL AS BIGINT) AS applications, CAST(NULL AS DOUBLE) AS active_applicants
    FROM posting_counts c CROSS JOIN sources s
    UNION ALL
    SELECT 'platform', grain, period, occupation_family, city, NULL, NULL,
           postings_filled, median_months_to_fill, mean_months_to_fill, NULL, NULL
    FROM fills
    UNION ALL
    SELECT source, grain, period, occupation_family, city, NULL, NULL, NULL, NULL, NULL,
           applications, active_applicants
    FROM applicant_counts
),
cells AS (
    SELECT
        source,
        grain,
        period,
        occupation_family,
        city,
        coalesce(max(active_openings), 0.0) AS active_openings,
        coalesce(max(postings_opened), 0) AS postings_opened,
        coalesce(max(postings_filled), 0) AS postings_filled,
        max(median_months_to_fill) AS median_months_to_fill,
        max(mean_months_to_fill) AS mean_months_to_fill,
        coalesce(max(applications), 0) AS applications,
        coalesce(max(active_applicants), 0.0) AS active_applicants
    FROM cell_parts
    GROUP BY source, grain, period, occupation_family, city
)
SELECT
    source,
    grain,
    period,
    occupation_family,
    city,
    active_openings,
    postings_opened,
    CASE WHEN source = 'platform' THEN postings_filled END AS postings_filled,
    median_months_to_fill,
    mean_months_to_fill,
    applications,
    active_applicants,
    active_openings / nullif(active_applicants, 0) AS tightness
FROM cells
ORDER BY source, grain, period, occupation_family, city
