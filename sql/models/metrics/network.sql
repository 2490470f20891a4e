WITH years AS (
    SELECT DISTINCT year FROM {{ source('raw', 'calendar') }}
),
window_start AS (
    SELECT min(month) AS first_month, min(year) AS first_year FROM {{ source('raw', 'calendar') }}
),
member_first_years AS (
    SELECT m.member_id, greatest(year(m.joined_on), w.first_year) AS first_year
    FROM {{ source('raw', 'members') }} m CROSS JOIN window_start w
),
connection_ends AS (
    SELECT member_a AS member_id, member_b AS other_id, connected_on FROM {{ source('raw', 'connections') }}
    UNION ALL
    SELECT member_b, member_a, connected_on FROM {{ source('raw', 'connections') }}
),
connections_per_member_year AS (
    SELECT c.member_id, greatest(year(c.connected_on), w.first_year) AS year, count(*) AS formed
    FROM connection_ends c CROSS JOIN window_start w
    GROUP BY c.member_id, greatest(year(c.connected_on), w.first_year)
),
degree_per_member_year AS (
    SELECT
        my.year,
        sum(coalesce(c.formed, 0)) OVER (
            PARTITION BY my.member_id ORDER BY my.year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS degree
    FROM (SELECT m.member_id, y.year FROM member_first_years m JOIN years y ON y.year >= m.first_year) my
    LEFT JOIN connections_per_member_year c ON c.member_id = my.member_id AND c.year = my.year
),
members_per_degree AS (
    SELECT year, degree, count(*) AS members FROM degree_per_member_year GROUP BY year, degree
),
members_up_to_degree AS (
    SELECT
        year,
        degree,
        members,
        sum(members) OVER (PARTITION BY year ORDER BY degree ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            AS members_at_most,
        sum(members) OVER (PARTITION BY year) AS all_members
    FROM members_per_degree
),
degrees_per_year AS (
    SELECT
        year,
        max(all_members) AS members,
        sum(degree * members) AS degree_total,
        min(CASE WHEN 2 * members_at_most >= all_members THEN degree END) AS median_degree
    FROM members_up_to_degree
    GROUP BY year
),
connections_added_per_year AS (
    SELECT
        greatest(year(c.connected_on), w.first_year) AS year,
        count(*) AS added_to_stock,
        sum(CASE WHEN year(c.connected_on) >= w.first_year THEN 1 ELSE 0 END) AS formed
    FROM {{ source('raw', 'connections') }} c CROSS JOIN window_start w
    GROUP BY greatest(year(c.connected_on), w.first_year)
),
connections_by_year_end AS (
    SELECT
        y.year,
        coalesce(a.formed, 0) AS formed,
        sum(coalesce(a.added_to_stock, 0)) OVER (
            ORDER BY y.year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
        ) AS connections
    FROM years y LEFT JOIN connections_added_per_year a ON a.year = y.year
),
positions AS (
    SELECT 'platform' AS source, member_id, company_id, city, occupation_family, start_date, end_date
    FROM {{ source('raw', 'positions') }}
    UNION ALL
    SELECT 'truth', pe.member_id, p.company_id, p.city, p.occupation_family, p.start_date, p.end_date
    FROM {{ source('truth', 'positions') }} p JOIN {{ source('truth', 'people') }} pe ON pe.person_id = p.person_id
    WHERE pe.member_id IS NOT NULL
),
first_positions_at_companies AS (
    SELECT source, member_id, company_id, city, occupation_family, start_date
    FROM (
        SELECT
            *,
            row_number() OVER (
                PARTITION BY source, member_id, company_id ORDER BY start_date, end_date NULLS LAST
            ) AS nth_at_company
        FROM positions
    ) numbered
    WHERE nth_at_company = 1
),
hires AS (
    SELECT f.*
    FROM first_positions_at_companies f CROSS JOIN window_start w
    WHERE f.start_date >= w.first_month
),
-- Hires of one month, city and occupation family, each paired with the next by member_id
-- (cyclically): its partner.
hires_with_partners AS (
    SELECT
        h.*,
        coalesce(lead(member_id) OVER by_group, first_value(member_id) OVER by_group) AS partner_member_id,
        coalesce(lead(company_id) OVER by_group, first_value(company_id) OVER by_group) AS partner_company_id,
        count(*) OVER (PARTITION BY source, start_date, city, occupation_family) AS group_hires
    FROM hires h
    WINDOW by_group AS (
        PARTITION BY source, start_date, city, occupation_family ORDER BY member_id, company_id
    )
),
-- A pair is matched when neither company is a former employer of the other's member: then,
-- if the network does not steer hiring, the two companies are alike for the member.
matched_hires AS (
    SELECT h.source, h.member_id, h.start_date, h.partner_company_id
    FROM hires_with_partners h
    LEFT JOIN first_positions_at_companies own_former
        ON own_former.source = h.source AND own_former.member_id = h.member_id
        AND own_former.company_id = h.partner_company_id AND own_former.start_date < h.start_date
    LEFT JOIN first_positions_at_companies partner_former
        ON partner_former.source = h.source AND partner_former.member_id = h.partner_member_id
        AND partner_former.company_id = h.company_id AND partner_former.start_date < h.start_date
    WHERE h.group_hires > 1 AND own_former.member_id IS NULL AND partner_former.member_id IS NULL
),
-- The checks carry their source and kind as small integers: the join below makes some 50
-- million rows at a million people, and integers keep them narrow (a fifth less time than
-- the same rows with the source and kind as text).
companies_to_check AS (
    SELECT CASE WHEN source = 'truth' THEN 1 ELSE 0 END AS is_truth, 1 AS is_hire,
           member_id, start_date, company_id AS checked_company_id
    FROM hires
    UNION ALL
    SELECT CASE WHEN source = 'truth' THEN 1 ELSE 0 END, 0, member_id, start_date, partner_company_id
    FROM matched_hires
),
positions_by_source AS (
    SELECT CASE WHEN source = 'truth' THEN 1 ELSE 0 END AS is_truth, member_id, company_id, start_date, end_date
    FROM positions
),
-- Each check's connections before the start (a few dozen: some 50 million rows at a
-- million people), then whether one of them worked at the company. The LEFT JOIN keeps
-- the planner from starting with all the company's staff and lets every row stream into
-- one aggregate; grouping on (member, month) with a flag per source and kind keeps that
-- aggregate to two narrow keys, so it spills rather than running out of memory.
insiders_per_member_month AS (
    SELECT
        k.member_id,
        k.start_date,
        max(CASE WHEN k.is_truth = 0 AND k.is_hire = 1 AND p.member_id IS NOT NULL THEN 1 ELSE 0 END)
            AS platform_hire,
        max(CASE WHEN k.is_truth = 0 AND k.is_hire = 0 AND p.member_id IS NOT NULL THEN 1 ELSE 0 END)
            AS platform_placebo,
        max(CASE WHEN k.is_truth = 1 AND k.is_hire = 1 AND p.member_id IS NOT NULL THEN 1 ELSE 0 END)
            AS truth_hire,
        max(CASE WHEN k.is_truth = 1 AND k.is_hire = 0 AND p.member_id IS NOT NULL THEN 1 ELSE 0 END)
            AS truth_placebo
    FROM companies_to_check k
    JOIN connection_ends c ON c.member_id = k.member_id AND c.connected_on < k.start_date
    LEFT JOIN positions_by_source p
        ON p.is_truth = k.is_truth AND p.member_id = c.other_id AND p.company_id = k.checked_company_id
        AND p.start_date < k.start_date AND (p.end_date IS NULL OR p.end_date > k.start_date)
    GROUP BY k.member_id, k.start_date
),
hires_checked AS (
    SELECT
        h.source,
        h.start_date,
        CASE WHEN h.source = 'platform' THEN coalesce(x.platform_hire, 0) ELSE coalesce(x.truth_hire, 0) END
            AS connected,
        CASE WHEN m.member_id IS NULL THEN 0 ELSE 1 END AS matched,
        CASE WHEN h.source = 'platform' THEN coalesce(x.platform_placebo, 0) ELSE coalesce(x.truth_placebo, 0) END
            AS placebo_connected
    FROM hires h
    LEFT JOIN insiders_per_member_month x ON x.member_id = h.member_id AND x.start_date = h.start_date
    LEFT JOIN matched_hires m
        ON m.source = h.source AND m.member_id = h.member_id AND m.start_date = h.start_date
),
hires_per_year AS (
    SELECT
        source,
        year(start_date) AS year,
        count(*) AS hires,
        sum(connected) AS connected_hires,
        sum(matched) AS matched_hires,
        sum(matched * connected) AS matched_connected,
        sum(matched * placebo_connected) AS placebo_connected
    FROM hires_checked
    GROUP BY source, year(start_date)
)
SELECT
    s.source,
    y.year,
    CAST(coalesce(d.members, 0) AS BIGINT) AS members,
    CAST(e.connections AS BIGINT) AS connections,
    CAST(e.formed AS BIGINT) AS connections_formed,
    CAST(d.degree_total AS DOUBLE) / d.members AS mean_degree,
    CAST(d.median_degree AS BIGINT) AS median_degree,
    CAST(coalesce(h.hires, 0) AS BIGINT) AS hires,
    CAST(coalesce(h.connected_hires, 0) AS BIGINT) AS connected_hires,
    CAST(h.connected_hires AS DOUBLE) / nullif(h.hires, 0) AS connected_hire_share,
    CAST(coalesce(h.matched_hires, 0) AS BIGINT) AS matched_hires,
    CAST(h.matched_connected AS DOUBLE) / nullif(h.matched_hires, 0) AS matched_connected_share,
    CAST(h.placebo_connected AS DOUBLE) / nullif(h.matched_hires, 0) AS placebo_connected_share
FROM years y
CROSS JOIN (SELECT 'platform' AS source UNION ALL SELECT 'truth') s
JOIN connections_by_year_end e ON e.year = y.year
LEFT JOIN degrees_per_year d ON d.year = y.year
LEFT JOIN hires_per_year h ON h.source = s.source AND h.year = y.year
ORDER BY s.source, y.year
