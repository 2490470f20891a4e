-- Monthly stocks: the people holding a position, and the population, on the first of
-- every month of the window, for the platform and the truth. The denominators of the
-- rate metrics (metrics.job_change_rate, metrics.hires).
--
-- Employed in month m: holding a position with start_date <= m < end_date (NULL end =
-- current); counted as positions entered minus positions left up to m, which equals the
-- people employed as long as a person's positions do not overlap (a blocking check on
-- raw.positions and truth.positions). Population: members who had joined by the month
-- (platform) or people between labour-market entry and retirement (truth).
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   month: First day of the month.
--   year: Calendar year of the month.
--   employed: People holding a position on the first of the month.
--   population: Members on the platform (platform) or people in the labour market (truth) on the first of the month.
WITH positions AS (
    SELECT 'platform' AS source, start_date, end_date FROM raw.positions
    UNION ALL
    SELECT 'truth', start_date, end_date FROM truth.positions
),
window_bounds AS (
    SELECT min(month) AS first_month FROM raw.calendar
),
employment_deltas AS (
    -- +1 when a position is entered, -1 when it is left; positions held before the window
    -- enter at its first month.
    SELECT source, greatest(start_date, w.first_month) AS month, 1 AS delta
    FROM positions, window_bounds w
    WHERE end_date IS NULL OR end_date > w.first_month
    UNION ALL
    SELECT source, end_date, -1
    FROM positions, window_bounds w
    WHERE end_date > w.first_month
),
population_deltas AS (
    SELECT 'platform' AS source, greatest(joined_on, w.first_month) AS month, 1 AS delta
    FROM raw.members, window_bounds w
    UNION ALL
    SELECT 'truth', greatest(labour_market_entry, w.first_month), 1
    FROM truth.people, window_bounds w
    WHERE retirement > w.first_month
    UNION ALL
    SELECT 'truth', retirement, -1
    FROM truth.people, window_bounds w
    WHERE retirement > w.first_month
),
net_deltas AS (
    SELECT source, month,
           sum(delta) FILTER (WHERE kind = 'employment') AS employment_delta,
           sum(delta) FILTER (WHERE kind = 'population') AS population_delta
    FROM (
        SELECT 'employment' AS kind, * FROM employment_deltas
        UNION ALL
        SELECT 'population', * FROM population_deltas
    )
    GROUP BY ALL
),
source_months AS (
    SELECT s.source, c.month, c.year
    FROM raw.calendar c CROSS JOIN (VALUES ('platform'), ('truth')) s(source)
)
SELECT
    m.source,
    m.month,
    m.year,
    sum(coalesce(d.employment_delta, 0)) OVER running::BIGINT AS employed,
    sum(coalesce(d.population_delta, 0)) OVER running::BIGINT AS population
FROM source_months m
LEFT JOIN net_deltas d USING (source, month)
WINDOW running AS (PARTITION BY m.source ORDER BY m.month ROWS UNBOUNDED PRECEDING)
ORDER BY m.source, m.month
