{{ config(meta={
    'dagster': {'ref': {'name': 'labour_force'}},
    'description': 'Every month, the labour force and the employed of metrics.labour_force (all ages, all '
                   'levels) equal the truth population and employed of metrics.monthly_stocks: the two '
                   'count the same people, grouped differently.',
}) }}
-- Everybody between labour-market entry and retirement is aged 15-74, so no one falls outside.
select s.month, s.population, s.employed, f.labour_force, f.employed as labour_force_employed
from {{ ref('monthly_stocks') }} s
left join {{ ref('labour_force') }} f
    on f.grain = 'month' and f.period = s.month and f.age_band = 'all' and f.education_level = 'all'
where s.source = 'truth'
  and (f.labour_force is distinct from s.population or f.employed is distinct from s.employed)
