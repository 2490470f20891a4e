-- Hires, separations and quits (JOLTS-style rates), job openings, and hires per minute
-- scaled to a platform of 875 million members, per month and year, for the platform and
-- the truth.
--
-- Employer spell: consecutive positions of a person at one company without a gap (a
-- promotion continues the spell). Hire in month m: an employer spell starting in m.
-- Separation in m: a spell ending in m (end_date = m, exclusive end). Quit: a separation
-- followed by a hire at another employer in the same or the next month (the platform
-- cannot see a resignation letter; a move straight to another job is the observable
-- proxy, used for both sources). Rates (BLS JOLTS): hires or separations during the
-- period / employment x 100, employment = people holding a position on the first of the
-- month (metrics.monthly_stocks; averaged over the year's months for yearly rows). Job openings rate = open
-- postings / (employment + open postings) x 100, postings open on the first of the
-- month (platform only; NULL for the truth). Identity (checked): employment(m) -
-- employment(m-1) = hires(m) - separations(m). hires_per_minute_875m: yearly platform
-- hires per member, times 875 million members, per minute of the year.
-- platform_hires: hires made through a platform posting (raw.postings.hired_member_id,
-- counted in the month the posting closed); LinkedIn's "8 hires a minute" counts these.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   grain: 'year' or 'month'.
--   period: First day of the year or of the month.
--   hires: Employer spells starting in the period.
--   separations: Employer spells ending in the period.
--   quits: Separations followed by a hire elsewhere within a month.
--   employment: People holding a position on the first of the month (yearly: average over its months).
--   employment_change: Employment on the first of the month minus a month earlier (yearly: sum).
--   hires_rate: hires / employment x 100.
--   separations_rate: separations / employment x 100.
--   quits_rate: quits / employment x 100.
--   job_openings: Postings open on the first of the month (yearly: average); NULL for the truth.
--   job_openings_rate: job_openings / (employment + job_openings) x 100; NULL for the truth.
--   members: Platform members (truth: people in the labour market) on the first of the month (yearly: average).
--   hires_per_minute_875m: hires / members x 875 million / minutes in the period.
--   platform_hires: Hires through a platform posting (platform only; NULL for the truth).
--   platform_hires_per_minute_875m: platform_hires / members x 875 million / minutes in the period.
WITH positions AS (
    SELECT 'platform' AS source, member_id AS person_id, company_id, start_date, end_date
    FROM raw.positions
    UNION ALL
    SELECT 'truth', person_id, company_id, start_date, end_date
    FROM truth.positions
),
positions_in_order AS (
    SELECT
        *,
        lag(company_id) OVER by_person AS previous_company_id,
        lag(end_date) OVER by_person AS previous_end_date,
        lead(company_id) OVER by_person AS next_company_id,
        lead(start_date) OVER by_person AS next_start_date
    FROM positions
    WINDOW by_person AS (PARTITION BY source, person_id ORDER BY start_date, end_date NULLS LAST)
),
spell_starts AS (
    SELECT source, start_date AS month, count(*) AS hires
    FROM positions_in_order
    WHERE previous_company_id IS DISTINCT FROM company_id OR previous_end_date <> start_date
    GROUP BY ALL
),
spell_ends AS (
    SELECT
        source,
        end_date AS month,
        count(*) AS separations,
        count(*) FILTER (
            WHERE next_company_id <> company_id AND datediff('month', end_date, next_start_date) <= 1
        ) AS quits
    FROM positions_in_order
    WHERE end_date IS NOT NULL
      AND (next_company_id IS DISTINCT FROM company_id OR next_start_date <> end_date)
    GROUP BY ALL
),
openings AS (
    SELECT c.month, count(p.posting_id) AS job_openings
    FROM raw.calendar c
    LEFT JOIN raw.postings p ON p.opened_on <= c.month AND (p.closed_on IS NULL OR p.closed_on > c.month)
    GROUP BY ALL
),
hires_through_postings AS (
    SELECT closed_on AS month, count(*) AS platform_hires
    FROM raw.postings
    WHERE hired_member_id IS NOT NULL
    GROUP BY ALL
),
monthly AS (
    SELECT
        m.source,
        m.month,
        m.year,
        coalesce(h.hires, 0) AS hires,
        coalesce(e.separations, 0) AS separations,
        coalesce(e.quits, 0) AS quits,
        m.employed AS employment,
        m.population AS members,
        CASE WHEN m.source = 'platform' THEN o.job_openings END AS job_openings,
        CASE WHEN m.source = 'platform' THEN coalesce(ph.platform_hires, 0) END AS platform_hires
    FROM metrics.monthly_stocks m
    LEFT JOIN spell_starts h USING (source, month)
    LEFT JOIN spell_ends e USING (source, month)
    LEFT JOIN openings o USING (month)
    LEFT JOIN hires_through_postings ph USING (month)
),
monthly_with_change AS (
    SELECT *, employment - lag(employment) OVER (PARTITION BY source ORDER BY month) AS employment_change
    FROM monthly
),
by_period AS (
    SELECT source, 'month' AS grain, month AS period, hires, separations, quits,
           employment::DOUBLE AS employment, employment_change, job_openings::DOUBLE AS job_openings,
           members::DOUBLE AS members, platform_hires, 1440.0 * day(last_day(month)) AS minutes
    FROM monthly_with_change
    UNION ALL
    SELECT source, 'year', make_date(year, 1, 1), sum(hires), sum(separations), sum(quits),
           avg(employment), sum(employment_change), avg(job_openings), avg(members), sum(platform_hires),
           1440.0 * sum(day(last_day(month)))
    FROM monthly_with_change
    GROUP BY source, year
)
SELECT
    source,
    grain,
    period,
    hires::BIGINT AS hires,
    separations::BIGINT AS separations,
    quits::BIGINT AS quits,
    employment,
    employment_change::BIGINT AS employment_change,
    100.0 * hires / nullif(employment, 0) AS hires_rate,
    100.0 * separations / nullif(employment, 0) AS separations_rate,
    100.0 * quits / nullif(employment, 0) AS quits_rate,
    job_openings,
    100.0 * job_openings / nullif(employment + job_openings, 0) AS job_openings_rate,
    members,
    hires / nullif(members, 0) * 875e6 / minutes AS hires_per_minute_875m,
    platform_hires::BIGINT AS platform_hires,
    platform_hires / nullif(members, 0) * 875e6 / minutes AS platform_hires_per_minute_875m
FROM by_period
ORDER BY source, grain, period
