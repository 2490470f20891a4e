-- Nowcast of job changes: the platform's count per month, the share of it that reporting
-- lag still hides, and the count corrected for it, beside the truth.
--
-- Job changes as in metrics.job_change_rate (platform: raw.positions, as of the last
-- month of the window, the cut-off). Changes that started before the member joined were
-- filled in at sign-up and are complete; the others arrive with the reporting lag. With
-- d = months from the month to the cut-off and completion(d) from metrics.reporting_lag
-- (the lag distribution observed on changes of earlier months, not a planted parameter):
-- nowcast = signup_job_changes + (reported_job_changes - signup_job_changes) / completion(d)
-- (the completion-factor, or chain-ladder, estimate; months older than the table's
-- horizon have completion 1). The nowcast restores changes that are late, not those that
-- are never reported, nor members yet to join: its target is the platform's own figure
-- once every report is in, which stays below the truth by the platform's other biases
-- (see metrics.platform_vs_truth). Rates divide by the members the platform sees employed
-- in the month (metrics.job_change_rate, platform); truth_rate is the truth's
-- metrics.job_change_rate of the month, for comparison only.
-- Columns:
--   month: First day of the month the job changes started.
--   months_before_cutoff: Months from this month to the last month of the window (0 = the last month).
--   reported_job_changes: Job changes of the month on profiles by the cut-off.
--   signup_job_changes: Of them, changes filled in when the member joined (not subject to the lag).
--   completion: Share of the lagged changes expected on profiles by the cut-off (metrics.reporting_lag).
--   nowcast_job_changes: signup_job_changes + (reported_job_changes - signup_job_changes) / completion.
--   estimated_undercount: 1 - reported_job_changes / nowcast_job_changes.
--   platform_employed: Members holding a position in the month (metrics.job_change_rate, platform).
--   reported_rate: reported_job_changes / platform_employed (the platform's monthly job-change rate).
--   nowcast_rate: nowcast_job_changes / platform_employed.
--   truth_rate: The true monthly job-change rate (metrics.job_change_rate, truth).
WITH cutoff AS (
    SELECT max(month) AS last_month FROM raw.calendar
),
member_positions AS (
    SELECT
        p.company_id,
        p.start_date,
        m.joined_on,
        lag(p.company_id) OVER by_member AS previous_company_id,
        lag(p.end_date) OVER by_member AS previous_end_date
    FROM raw.positions p
    JOIN raw.members m USING (member_id)
    WINDOW by_member AS (PARTITION BY p.member_id ORDER BY p.start_date, p.end_date NULLS LAST)
),
job_changes_per_month AS (
    SELECT
        start_date AS month,
        count(*) AS reported_job_changes,
        count(*) FILTER (WHERE start_date < joined_on) AS signup_job_changes
    FROM member_positions
    WHERE previous_company_id IS NOT NULL
        AND previous_company_id <> company_id
        AND datediff('month', previous_end_date, start_date) < 3
    GROUP BY ALL
),
months AS (
    SELECT
        c.month,
        datediff('month', c.month, k.last_month) AS months_before_cutoff,
        coalesce(j.reported_job_changes, 0) AS reported_job_changes,
        coalesce(j.signup_job_changes, 0) AS signup_job_changes
    FROM raw.calendar c
    CROSS JOIN cutoff k
    LEFT JOIN job_changes_per_month j USING (month)
),
nowcasts AS (
    SELECT
        m.*,
        l.completion,
        m.signup_job_changes + (m.reported_job_changes - m.signup_job_changes) / l.completion AS nowcast_job_changes
    FROM months m
    JOIN metrics.reporting_lag l
        ON l.lag_months = least(m.months_before_cutoff, (SELECT max(lag_months) FROM metrics.reporting_lag))
)
SELECT
    n.month,
    n.months_before_cutoff,
    n.reported_job_changes,
    n.signup_job_changes,
    n.completion,
    n.nowcast_job_changes,
    1 - n.reported_job_changes / nullif(n.nowcast_job_changes, 0) AS estimated_undercount,
    p.avg_employed AS platform_employed,
    n.reported_job_changes / nullif(p.avg_employed, 0) AS reported_rate,
    n.nowcast_job_changes / nullif(p.avg_employed, 0) AS nowcast_rate,
    t.rate AS truth_rate
FROM nowcasts n
LEFT JOIN metrics.job_change_rate p ON p.source = 'platform' AND p.grain = 'month' AND p.period = n.month
LEFT JOIN metrics.job_change_rate t ON t.source = 'truth' AND t.grain = 'month' AND t.period = n.month
ORDER BY n.month
