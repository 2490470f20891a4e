-- Reporting lag: how many months after it started a job change reaches a member's
-- profile, estimated from the platform's own data (raw.*) as a completion-factor table:
-- the share of a month's eventually reported job changes that are on profiles a given
-- number of months later. metrics.nowcast divides recent months by it.
--
-- Job change: as in metrics.job_change_rate (a position at a new employer starting less
-- than a quarter after the previous one ended), among the member's reported positions.
-- The platform sees the change once both positions are on the profile, so its lag =
-- whole months from the new position's start_date to the later of the two reported_on
-- dates (usually the new position's; the old one's when that was reported even later).
-- Only changes that started on or after the month the member joined count: earlier ones
-- were filled in at sign-up, which is a join date, not a reporting lag. Reference:
-- changes that started 36 to 59 months before the last month of the window (24 monthly
-- cohorts, each observed for at least 36 months, so every lag up to 36 months has had the
-- time to show). Lags over 36 months are outside the table (counted as never reported:
-- the platform cannot tell them apart from changes that are never reported at all). No
-- planted parameter is read.
-- completion(d) = reference changes reported within d months / all reference changes
-- reported within 36 months: the expected share of a month's changes visible d months
-- after it (1 / completion(d) is the chain-ladder factor from d months to ultimate).
-- Columns:
--   lag_months: Months from the start of the new position until the change is on the profile (0-36).
--   job_changes: Reference job changes reported with this lag.
--   share: job_changes / all reference job changes.
--   completion: Share of reference job changes reported within lag_months months (cumulative share).
--   reference_first_month: First start month of the reference job changes.
--   reference_last_month: Last start month of the reference job changes.
WITH window_bounds AS (
    SELECT
        max(month) - INTERVAL 59 MONTH AS reference_first_month,
        max(month) - INTERVAL 36 MONTH AS reference_last_month
    FROM raw.calendar
),
member_positions AS (
    SELECT
        p.member_id,
        p.company_id,
        p.start_date,
        p.end_date,
        p.reported_on,
        m.joined_on,
        lag(p.company_id) OVER by_member AS previous_company_id,
        lag(p.end_date) OVER by_member AS previous_end_date,
        lag(p.reported_on) OVER by_member AS previous_reported_on
    FROM raw.positions p
    JOIN raw.members m USING (member_id)
    WINDOW by_member AS (PARTITION BY p.member_id ORDER BY p.start_date, p.end_date NULLS LAST)
),
reference_job_changes AS (
    SELECT datediff('month', p.start_date, greatest(p.reported_on, p.previous_reported_on)) AS lag_months
    FROM member_positions p, window_bounds w
    WHERE p.previous_company_id IS NOT NULL
        AND p.previous_company_id <> p.company_id
        AND datediff('month', p.previous_end_date, p.start_date) < 3
        AND p.start_date >= p.joined_on
        AND p.start_date BETWEEN w.reference_first_month AND w.reference_last_month
),
lags AS (
    SELECT unnest(range(0, 37)) AS lag_months
),
per_lag AS (
    SELECT l.lag_months, count(r.lag_months) AS job_changes
    FROM lags l
    LEFT JOIN reference_job_changes r USING (lag_months)
    GROUP BY ALL
)
SELECT
    lag_months,
    job_changes,
    job_changes / nullif(sum(job_changes) OVER (), 0) AS share,
    sum(job_changes) OVER (ORDER BY lag_months ROWS UNBOUNDED PRECEDING) / nullif(sum(job_changes) OVER (), 0)
        AS completion,
    CAST(w.reference_first_month AS DATE) AS reference_first_month,
    CAST(w.reference_last_month AS DATE) AS reference_last_month
FROM per_lag, window_bounds w
ORDER BY lag_months
