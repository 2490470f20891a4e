-- Skills genome: the 50 most distinctive skills of each occupation, ranked by TF-IDF over
-- the skills its job postings require (LinkedIn's Skills Genome).
--
-- For occupation o and skill s, over all postings of the window: tf = share of o's
-- postings requiring s; idf = ln(number of occupations / number of occupations with at
-- least one posting requiring s); tfidf = tf x idf. A skill every occupation asks for
-- (Dutch, communication) scores low however common it is; a skill few occupations ask
-- for scores high where it appears. Postings are platform data, so there is no separate
-- truth.
-- Columns:
--   occupation: Occupation of the postings.
--   occupation_family: Family of the occupation.
--   skill: Required skill.
--   skill_group: Group of the skill (raw.skills).
--   postings: Postings of the occupation requiring the skill.
--   tf: postings / all postings of the occupation.
--   idf: ln(occupations / occupations asking for the skill).
--   tfidf: tf x idf.
--   rank: Rank of the skill within the occupation by tfidf (1 = most distinctive), at most 50.
WITH postings_per_occupation AS (
    SELECT occupation, any_value(occupation_family) AS occupation_family, count(*) AS all_postings
    FROM raw.postings
    GROUP BY ALL
),
skill_postings AS (
    SELECT p.occupation, s.skill, count(*) AS postings
    FROM raw.posting_skills s JOIN raw.postings p USING (posting_id)
    GROUP BY ALL
),
document_frequency AS (
    SELECT skill, count(*) AS occupations_with_skill FROM skill_postings GROUP BY ALL
),
scored AS (
    SELECT
        sp.occupation,
        o.occupation_family,
        sp.skill,
        k.skill_group,
        sp.postings,
        sp.postings / o.all_postings AS tf,
        ln((SELECT count(*) FROM postings_per_occupation) / d.occupations_with_skill) AS idf
    FROM skill_postings sp
    JOIN postings_per_occupation o USING (occupation)
    JOIN document_frequency d USING (skill)
    JOIN raw.skills k USING (skill)
),
ranked AS (
    SELECT *, tf * idf AS tfidf, row_number() OVER (PARTITION BY occupation ORDER BY tf * idf DESC, skill) AS rank
    FROM scored
)
SELECT occupation, occupation_family, skill, skill_group, postings, tf, idf, tfidf, rank
FROM ranked
WHERE rank <= 50
ORDER BY occupation, rank
