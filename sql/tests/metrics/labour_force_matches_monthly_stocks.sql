{{ config(meta={
    'dagster': {'ref': {'name': 'labour_force'}},
    'description': 'Every month, the labour force and the employed of metrics.labour_force (all ages, all '
                   'levels) equal the truth population (between labour-market entry and retirement) minus '
                   'the inactive after a quit, and the employed, of metrics.monthly_stocks, each plus the '
                   'pupils and students holding a side job (truth.student_jobs): the same people, grouped '
                   'differently.',
}) }}
-- Everybody between labour-market entry and retirement is aged 15-74, and so is every pupil
-- or student with a side job (from 15 at the earliest), so no one falls outside.
-- Inactive on the first of a month: quit into inactivity or left early by then, not yet back at
-- work nor retired.
-- Counted here from the positions themselves, not from the model's rule.
with next_starts as (
    select person_id, end_date, end_reason,
           lead(start_date) over (partition by person_id order by start_date) as next_start
    from {{ source('truth', 'positions') }}
),
spells as (
    select n.end_date as inactive_from, coalesce(n.next_start, p.retirement) as inactive_until
    from next_starts n
    join {{ source('truth', 'people') }} p on p.person_id = n.person_id
    where n.end_reason in ('quit', 'early_exit')
),
inactive as (
    select s.month, count(i.inactive_from) as inactive
    from {{ ref('monthly_stocks') }} s
    left join spells i on i.inactive_from <= s.month and s.month < i.inactive_until
    where s.source = 'truth'
    group by s.month
),
side_jobs as (
    select s.month, count(j.person_id) as students_working
    from {{ ref('monthly_stocks') }} s
    left join {{ source('truth', 'student_jobs') }} j on j.start_date <= s.month and s.month < j.end_date
    where s.source = 'truth'
    group by s.month
)
select s.month, s.population, i.inactive, s.employed, w.students_working, f.labour_force,
       f.employed as labour_force_employed
from {{ ref('monthly_stocks') }} s
left join inactive i on i.month = s.month
left join side_jobs w on w.month = s.month
left join {{ ref('labour_force') }} f
    on f.grain = 'month' and f.period = s.month and f.age_band = 'all' and f.education_level = 'all'
where s.source = 'truth'
  and (f.labour_force is distinct from s.population - coalesce(i.inactive, 0) + coalesce(w.students_working, 0)
       or f.employed is distinct from s.employed + coalesce(w.students_working, 0))
