"""Asset keys and the writers' pool: the names the Dagster definitions and the tests share.

Library code (no Dagster definitions here), so that every module of ``pipelines/defs``
takes a key from one place instead of spelling it again.
"""

import dagster as dg

LAKE_KEY = dg.AssetKey("parquet_lake")
CALENDAR_KEY = dg.AssetKey(["raw", "calendar"])
PUBLISHED_KEY = dg.AssetKey("published_warehouse")
REPORT_KEY = dg.AssetKey("insight_report")
RELEASE_KEY = dg.AssetKey(["release", "public_release"])
# Every step that writes the lake or the DuckDB file is in this pool; dagster_home/dagster.yaml
# limits it to one run at a time, so queued runs launched together never write at once.
WAREHOUSE_POOL = "duckdb_warehouse"


def table_key(qualified_name: str) -> dg.AssetKey:
    """The asset key of a warehouse table: raw.members -> raw/members."""
    return dg.AssetKey(qualified_name.split("."))
