WITH positions AS (
    SELECT source, start_date, end_date FROM {{ ref('stg_positions') }}
),
window_bounds AS (
    SELECT min(month) AS first_month FROM {{ source('raw', 'calendar') }}
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
    FROM {{ source('raw', 'members') }}, window_bounds w
    UNION ALL
    SELECT 'truth', greatest(labour_market_entry, w.first_month), 1
    FROM {{ source('truth', 'people') }}, window_bounds w
    WHERE retirement > w.first_month
    UNION ALL
    SELECT 'truth', retirement, -1
    FROM {{ source('truth', 'people') }}, window_bounds w
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
    FROM {{ source('raw', 'calendar') }} c CROSS JOIN (VALUES ('platform'), ('truth')) s(source)
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
