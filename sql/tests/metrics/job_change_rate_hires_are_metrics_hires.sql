{{ config(meta={
    'dagster': {'ref': {'name': 'job_change_rate'}},
    'description': "One definition of a hire: metrics.job_change_rate's hires equal metrics.hires' hires "
                   'in every source, grain and period both hold (both have every month and year of the '
                   'window, each by its own key tests).',
}) }}
select j.source, j.grain, j.period, j.hires, h.hires as metric_hires
from {{ ref('job_change_rate') }} j
join {{ ref('hires') }} h using (source, grain, period)
where j.hires is distinct from h.hires
