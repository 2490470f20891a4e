{{ config(meta={
    'dagster': {'ref': {'name': 'company_insights'}},
    'description': "Per source and year, hires and leavers summed over companies equal metrics.hires' "
                   'yearly hires and separations (the same employer spells).',
}) }}
-- metrics.company_insights: the companies' hires and leavers add up to metrics.hires.
select c.source, c.year, c.hires, h.hires as metric_hires, c.leavers, h.separations as metric_separations
from (
    select source, year, sum(hires) as hires, sum(leavers) as leavers
    from {{ ref('company_insights') }}
    group by source, year
) c
left join {{ ref('hires') }} h on h.source = c.source and h.grain = 'year' and year(h.period) = c.year
where c.hires is distinct from h.hires or c.leavers is distinct from h.separations
