{{ config(meta={
    'dagster': {'ref': {'name': 'nowcast'}},
    'description': "reported_job_changes equals the platform's monthly job_changes in "
                   'metrics.job_change_rate.',
}) }}
-- metrics.nowcast: the reported counts are the platform's monthly job changes.
select n.month, n.reported_job_changes, j.job_changes
from {{ ref('nowcast') }} n
left join {{ ref('job_change_rate') }} j
    on j.source = 'platform' and j.grain = 'month' and j.period = n.month
where n.reported_job_changes is distinct from j.job_changes
