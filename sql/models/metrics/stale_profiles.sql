-- Members the platform counts as employed on 1 January against what they really are that day.
-- A position stays current on a profile until the member adds the next one or closes it,
-- which many never do: a retiree's last job and the job of someone laid off (or who quit) stay on the
-- profile, and the platform counts them as employed. Both sides come from the 1 January
-- panel (int_january_employment), so "employed" means the same on both. The platform's own
-- remedy, leaving out the profiles it takes as dormant on the day (int_dormant_profiles: long
-- out of education and inactive in the year before), is measured beside it: how many shown as
-- employed it keeps and how many of those still do not work.
WITH shown AS (
    SELECT year, snapshot, member_id
    FROM {{ ref('int_january_employment') }}
    WHERE source = 'platform'
),
employed_in_truth AS (
    SELECT year, snapshot, person_id, member_id
    FROM {{ ref('int_january_employment') }}
    WHERE source = 'truth'
),
dormant_profiles AS (
    SELECT year, member_id FROM {{ ref('int_dormant_profiles') }}
),
members AS (
    SELECT person_id, member_id, birth_year, retirement
    FROM {{ source('truth', 'people') }}
    WHERE member_id IS NOT NULL
),
member_states AS (
    -- Every member shown as employed, or employed in truth, on a 1 January: what the profile
    -- shows and what is true. A member who joins later counts for earlier years too, as on
    -- the platform, whose profiles are filled in back to the first job at sign-up.
    SELECT
        coalesce(s.year, t.year) AS year,
        m.birth_year,
        s.member_id IS NOT NULL AS is_shown,
        t.person_id IS NOT NULL AS is_employed,
        m.retirement <= coalesce(s.snapshot, t.snapshot) AS is_retired,
        d.member_id IS NULL AS is_current
    FROM shown s
    FULL JOIN employed_in_truth t ON t.year = s.year AND t.member_id = s.member_id
    JOIN members m ON m.member_id = coalesce(s.member_id, t.member_id)
    LEFT JOIN dormant_profiles d ON d.year = coalesce(s.year, t.year) AND d.member_id = m.member_id
),
banded AS (
    SELECT year, {{ age_band('year', 'birth_year', beyond='75+') }} AS age_band, is_shown, is_employed, is_retired,
           is_current
    FROM member_states
),
counts AS (
    SELECT
        year,
        CASE WHEN grouping(age_band) = 1 THEN 'all' ELSE age_band END AS age_band,
        count(*) FILTER (WHERE is_shown) AS shown_employed,
        count(*) FILTER (WHERE is_shown AND is_employed) AS employed,
        count(*) FILTER (WHERE is_shown AND NOT is_employed AND NOT is_retired) AS without_work,
        count(*) FILTER (WHERE is_shown AND NOT is_employed AND is_retired) AS retired,
        count(*) FILTER (WHERE is_employed) AS members_employed,
        count(*) FILTER (WHERE is_shown AND is_current) AS shown_current,
        count(*) FILTER (WHERE is_shown AND is_current AND NOT is_employed) AS stale_current
    FROM banded
    GROUP BY GROUPING SETS ((year, age_band), (year))
)
SELECT
    year,
    age_band,
    shown_employed,
    employed,
    without_work,
    retired,
    members_employed,
    CAST(without_work + retired AS DOUBLE) / nullif(shown_employed, 0) AS stale_share,
    CAST(retired AS DOUBLE) / nullif(shown_employed, 0) AS retired_share,
    CAST(shown_employed AS DOUBLE) / nullif(members_employed, 0) - 1 AS overstatement,
    shown_current,
    CAST(stale_current AS DOUBLE) / nullif(shown_current, 0) AS current_stale_share
FROM counts
