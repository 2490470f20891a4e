WITH events AS (
    -- a member views (applies to) a posting at most once: (member_id, posting_id, event) is
    -- the key of raw.posting_events, held by a blocking check
    SELECT
        posting_id,
        count(CASE WHEN event = 'view' THEN 1 END) AS views,
        count(CASE WHEN event = 'apply' THEN 1 END) AS applicants
    FROM {{ source('raw', 'posting_events') }}
    GROUP BY posting_id
),
applications AS (
    -- a member's first application to a posting (there is one per member and posting)
    SELECT posting_id, member_id, min(occurred_on) AS applied_on
    FROM {{ source('raw', 'posting_events') }}
    WHERE event = 'apply'
    GROUP BY posting_id, member_id
),
education_mix AS (
    SELECT
        a.posting_id,
        avg(CASE WHEN m.highest_education_level = 'VO' THEN 1 ELSE 0 END) AS vo_share,
        avg(CASE WHEN m.highest_education_level = 'MBO' THEN 1 ELSE 0 END) AS mbo_share,
        avg(CASE WHEN m.highest_education_level = 'HBO' THEN 1 ELSE 0 END) AS hbo_share,
        avg(CASE WHEN m.highest_education_level = 'WO' THEN 1 ELSE 0 END) AS wo_share
    FROM applications a
    JOIN {{ source('raw', 'members') }} m ON m.member_id = a.member_id
    GROUP BY a.posting_id
),
required_skills AS (
    SELECT posting_id, count(*) AS required_skills
    FROM {{ source('raw', 'posting_skills') }}
    GROUP BY posting_id
),
skills_held AS (
    -- per application: how many of the posting's required skills the member held by then
    -- (each application meets every required skill once, so count(*) is that number)
    SELECT
        a.posting_id,
        a.member_id,
        count(*) AS required,
        count(ms.skill) AS held
    FROM applications a
    JOIN {{ source('raw', 'posting_skills') }} ps ON ps.posting_id = a.posting_id
    LEFT JOIN {{ source('raw', 'member_skills') }} ms
        ON ms.member_id = a.member_id AND ms.skill = ps.skill AND ms.added_on <= a.applied_on
    GROUP BY a.posting_id, a.member_id
),
skill_match AS (
    SELECT
        posting_id,
        CAST(sum(CASE WHEN held = required THEN 1 ELSE 0 END) AS BIGINT) AS applicants_with_all_skills,
        avg(CASE WHEN 2 * held >= required THEN 1 ELSE 0 END) AS half_skills_share,
        -- the mean of held / required, from integer sums: the same bits whatever the summation order
        CAST(sum(held) AS DOUBLE) / (count(*) * max(required)) AS skill_coverage
    FROM skills_held
    GROUP BY posting_id
),
hires AS (
    SELECT
        p.posting_id,
        (year(p.closed_on) - year(p.opened_on)) * 12 + month(p.closed_on) - month(p.opened_on)
            AS months_to_fill,
        (year(p.closed_on) - year(a.applied_on)) * 12 + month(p.closed_on) - month(a.applied_on)
            AS months_to_hire
    FROM {{ source('raw', 'postings') }} p
    JOIN applications a ON a.posting_id = p.posting_id AND a.member_id = p.hired_member_id
),
per_posting AS (
    -- each part has one row per posting at most: joined on the posting's key
    SELECT
        p.posting_id,
        coalesce(e.views, 0) AS views,
        coalesce(e.applicants, 0) AS applicants,
        x.vo_share,
        x.mbo_share,
        x.hbo_share,
        x.wo_share,
        coalesce(r.required_skills, 0) AS required_skills,
        s.applicants_with_all_skills,
        s.half_skills_share,
        s.skill_coverage,
        h.months_to_fill,
        h.months_to_hire
    FROM {{ source('raw', 'postings') }} p
    LEFT JOIN events e ON e.posting_id = p.posting_id
    LEFT JOIN education_mix x ON x.posting_id = p.posting_id
    LEFT JOIN required_skills r ON r.posting_id = p.posting_id
    LEFT JOIN skill_match s ON s.posting_id = p.posting_id
    LEFT JOIN hires h ON h.posting_id = p.posting_id
)
SELECT
    posting_id,
    views,
    applicants,
    vo_share,
    mbo_share,
    hbo_share,
    wo_share,
    required_skills,
    CASE WHEN required_skills > 0 THEN coalesce(applicants_with_all_skills, 0) END
        AS applicants_with_all_skills,
    CAST(applicants_with_all_skills AS DOUBLE) / nullif(applicants, 0) AS all_skills_share,
    half_skills_share,
    skill_coverage,
    months_to_fill,
    months_to_hire
FROM per_posting
-- No ORDER BY: the row order of a table is no contract (readers sort what they show), and
-- sorting the 2.4 million rows at a million people was a large share of the model's time.
