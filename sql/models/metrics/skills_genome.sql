WITH postings_per_occupation AS (
    SELECT occupation, any_value(occupation_family) AS occupation_family, count(*) AS all_postings
    FROM {{ source('raw', 'postings') }}
    GROUP BY ALL
),
skill_postings AS (
    SELECT p.occupation, s.skill, count(*) AS postings
    FROM {{ source('raw', 'posting_skills') }} s JOIN {{ source('raw', 'postings') }} p USING (posting_id)
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
    JOIN {{ source('raw', 'skills') }} k USING (skill)
),
ranked AS (
    SELECT *, tf * idf AS tfidf, row_number() OVER (PARTITION BY occupation ORDER BY tf * idf DESC, skill) AS rank
    FROM scored
)
SELECT occupation, occupation_family, skill, skill_group, postings, tf, idf, tfidf, rank
FROM ranked
WHERE rank <= 50
ORDER BY occupation, rank
