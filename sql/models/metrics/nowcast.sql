WITH cutoff AS (
    SELECT max(month) AS last_month FROM {{ source('raw', 'calendar') }}
),
job_changes_per_month AS (
    SELECT
        p.start_date AS month,
        count(*) AS reported_job_changes,
        count(*) FILTER (WHERE p.start_date < m.joined_on) AS signup_job_changes
    FROM {{ ref('int_position_history') }} p
    JOIN {{ source('raw', 'members') }} m ON m.member_id = p.person_id
    WHERE p.source = 'platform' AND p.is_job_change
    GROUP BY ALL
),
months AS (
    SELECT
        c.month,
        {{ month_difference('c.month', 'k.last_month') }} AS months_before_cutoff,
        coalesce(j.reported_job_changes, 0) AS reported_job_changes,
        coalesce(j.signup_job_changes, 0) AS signup_job_changes
    FROM {{ source('raw', 'calendar') }} c
    CROSS JOIN cutoff k
    LEFT JOIN job_changes_per_month j USING (month)
),
nowcasts AS (
    SELECT
        m.*,
        l.completion,
        m.signup_job_changes + (m.reported_job_changes - m.signup_job_changes) / l.completion AS nowcast_job_changes
    FROM months m
    JOIN {{ ref('reporting_lag') }} l
        ON l.lag_months = least(m.months_before_cutoff, (SELECT max(lag_months) FROM {{ ref('reporting_lag') }}))
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
LEFT JOIN {{ ref('job_change_rate') }} p ON p.source = 'platform' AND p.grain = 'month' AND p.period = n.month
LEFT JOIN {{ ref('job_change_rate') }} t ON t.source = 'truth' AND t.grain = 'month' AND t.period = n.month
ORDER BY n.month
