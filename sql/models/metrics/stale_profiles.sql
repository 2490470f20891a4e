-- Members the platform counts as employed on 1 January against what they really are that day.
-- A position stays current on a profile until the member adds the next one or closes it,
-- which many never do: a retiree's last job and the job of someone laid off (or who quit) stay on the
-- profile, and the platform counts them as employed. Both sides come from the 1 January
-- panel (int_january_employment), so "employed" means the same on both.
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
        m.retirement <= coalesce(s.snapshot, t.snapshot) AS is_retired
    FROM shown s
    FULL JOIN employed_in_truth t ON t.year = s.year AND t.member_id = s.member_id
    JOIN members m ON m.member_id = coalesce(s.member_id, t.member_id)
),
banded AS (
    SELECT year, {{ age_band('year', 'birth_year', beyond='75+') }} AS age_band, is_shown, is_employed, is_retired
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
        count(*) FILTER (WHERE is_employed) AS members_employed
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
    CAST(shown_employed AS DOUBLE) / nullif(members_employed, 0) - 1 AS overstatement
FROM counts
