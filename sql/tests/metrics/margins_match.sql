{{ config(meta={
    'dagster': {'ref': {'name': 'raking_weights'}},
    'description': 'Weighted members (members x weight) of every segment the members reach equal its '
                   "margin in metrics.population_margins ('employed'), the margins of unreached segments"
                   " spread over the reached ones; to within a millionth of the year's population.",
}) }}
-- metrics.raking_weights: the weighted members match the employed population's margins.
with weighted as (
    select year, 'education_level' as dimension, education_level as segment, sum(members * weight) as weighted
    from {{ ref('raking_weights') }} group by all
    union all
    select year, 'occupation_family', occupation_family, sum(members * weight)
    from {{ ref('raking_weights') }} group by all
    union all
    select year, 'city', city, sum(members * weight)
    from {{ ref('raking_weights') }} group by all
),
margins as (
    select year, dimension, segment, people
    from {{ ref('population_margins') }} where population = 'employed'
),
totals as (
    select year, dimension, sum(people) as total from margins group by all
),
reached as (
    select w.year, w.dimension, sum(coalesce(m.people, 0)) as reached_people
    from weighted w left join margins m using (year, dimension, segment) group by all
)
select w.year, w.dimension, w.segment, w.weighted,
       coalesce(m.people, 0) * t.total / nullif(r.reached_people, 0) as target
from weighted w
left join margins m using (year, dimension, segment)
left join totals t using (year, dimension)
left join reached r using (year, dimension)
where not coalesce(abs(w.weighted - coalesce(m.people, 0) * t.total / nullif(r.reached_people, 0))
                   <= 1e-6 * t.total, false)
