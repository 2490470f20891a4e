WITH institutions AS (
    SELECT source, horizon_years, level, institution, graduates, management_share AS share
    FROM {{ ref('education_outcomes') }}
    WHERE field = 'all' AND institution <> 'all' AND level <> 'all'
),
pairs AS (
    SELECT
        a.source, a.horizon_years, a.level,
        a.institution AS institution_a, b.institution AS institution_b,
        a.graduates AS graduates_a, b.graduates AS graduates_b,
        a.share AS share_a, b.share AS share_b,
        a.share - b.share AS difference,
        1.96 * sqrt(a.share * (1 - a.share) / a.graduates + b.share * (1 - b.share) / b.graduates) AS margin
    FROM institutions a
    JOIN institutions b
        ON b.source = a.source AND b.horizon_years = a.horizon_years AND b.level = a.level
        AND a.institution < b.institution
)
SELECT
    source, horizon_years, level, institution_a, institution_b, graduates_a, graduates_b,
    share_a, share_b, difference,
    difference - margin AS ci_low,
    difference + margin AS ci_high,
    difference - margin > 0 OR difference + margin < 0 AS significant
FROM pairs
ORDER BY source, horizon_years, level, institution_a, institution_b
