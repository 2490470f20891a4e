{{ config(meta={
    'dagster': {'ref': {'name': 'posting_insights'}},
    'description': 'months_to_fill and months_to_hire are set exactly for postings filled through the '
                   'platform (raw.postings.hired_member_id), and the application falls between opening '
                   'and hire: months_to_hire <= months_to_fill.',
}) }}
-- metrics.posting_insights: fill and hire times exist for the platform's hires alone.
select i.posting_id, p.hired_member_id, i.months_to_fill, i.months_to_hire
from {{ ref('posting_insights') }} i
join {{ source('raw', 'postings') }} p using (posting_id)
where (i.months_to_fill is null) <> (p.hired_member_id is null)
   or (i.months_to_hire is null) <> (p.hired_member_id is null)
   or i.months_to_hire > i.months_to_fill
