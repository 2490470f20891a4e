{{ config(meta={
    'dagster': {'ref': {'name': 'vacancies'}},
    'description': "The platform's active openings over all families and cities equal metrics.hires' "
                   'job_openings in every month and year (the same definition), to within 1e-9.',
}) }}
-- metrics.vacancies: the openings of every family and city together are metrics.hires' job openings.
select h.grain, h.period, h.job_openings, v.active_openings
from {{ ref('hires') }} h
left join {{ ref('vacancies') }} v
    on v.source = 'platform' and v.grain = h.grain and v.period = h.period
    and v.occupation_family = 'all' and v.city = 'all'
where h.source = 'platform'
  and not abs(coalesce(v.active_openings, 0) - h.job_openings) <= 1e-9 * greatest(1, h.job_openings)
