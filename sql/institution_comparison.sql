-- Head to head: every pair of institutions of the same level compared on the share of
-- their graduates in management within 5 and 10 years ("is a University of Groningen
-- degree worth as much as one from Amsterdam?").
--
-- From metrics.education_outcomes (field 'all'). difference = share of institution_a -
-- share of institution_b, with a 95% interval from the normal approximation of a
-- difference of two independent proportions (z = 1.96). significant: the interval
-- excludes 0. Each unordered pair appears once (institution_a < institution_b
-- alphabetically). Mind multiple comparisons: with thousands of pairs, about 1 in 20 is
-- "significant" by chance alone. The default scenario plants no effect of the institution
-- itself: differences in its truth come from level, field mix and chance.
-- Columns:
--   source: 'platform' (computed from raw.*) or 'truth' (from truth.*).
--   horizon_years: 5 or 10 years after graduation.
--   level: Education level both institutions teach at.
--   institution_a: First institution of the pair.
--   institution_b: Second institution of the pair.
--   graduates_a: Graduates of institution_a followed for the horizon.
--   graduates_b: Graduates of institution_b followed for the horizon.
--   share_a: Management share of institution_a.
--   share_b: Management share of institution_b.
--   difference: share_a - share_b.
--   ci_low: Lower bound of the 95% interval of the difference.
--   ci_high: Upper bound of the 95% interval of the difference.
--   significant: True when the interval excludes 0.
WITH institutions AS (
    SELECT source, horizon_years, level, institution, graduates, management_share AS share
    FROM metrics.education_outcomes
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
