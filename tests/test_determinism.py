"""One seed reproduces every table exactly, whatever the shard or process count."""

from __future__ import annotations

import duckdb
import pytest

from pipelines.dbt import models
from pipelines.warehouse import SORT_KEYS
from tests.conftest import build_warehouse
from synthetic.scenario import load_scenario

PEOPLE = 15_000  # four generation blocks, so shards really split the work
TABLES = [*SORT_KEYS, "raw.calendar"]
# Every table the models build (staging models are views). Floating-point sums included: they
# add their values in a fixed order (the order_free_sum and order_free_sum_over macros).
METRICS = [m.qualified_name for m in models() if m.schema != "staging"]


def content_hashes(path, tables: list[str] = TABLES + METRICS) -> dict[str, tuple[int, int]]:
    """(rows, order-independent hash of all rows) per table."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*), sum(hash(x)) FROM {t} x").fetchall()[0] for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def one_shard(tmp_path_factory):
    sc = load_scenario("netherlands").with_overrides(people=PEOPLE, shards=1)
    return content_hashes(build_warehouse(sc, tmp_path_factory.mktemp("one_shard"), workers=1))


def test_same_seed_same_tables_whatever_the_shard_and_process_count(one_shard, tmp_path):
    """Two independent builds (one shard in one process, three shards in two): identical
    tables, so a build is reproducible as well as independent of the split of the work."""
    sc = load_scenario("netherlands").with_overrides(people=PEOPLE, shards=3)
    three_shards_two_processes = content_hashes(build_warehouse(sc, tmp_path, workers=2))
    assert three_shards_two_processes == one_shard


def test_another_seed_gives_other_data(one_shard, tmp_path):
    """The generated tables change with the seed (the models only count them)."""
    base = load_scenario("netherlands")
    sc = base.with_overrides(people=PEOPLE, shards=1, seed=base.seed + 1)
    other = content_hashes(build_warehouse(sc, tmp_path, workers=1, models=False), TABLES)
    same = [t for t in TABLES if other[t] == one_shard[t]]
    # The calendar and the skill taxonomy come from the scenario alone; every other table changes.
    assert sorted(same) == ["raw.calendar", "raw.skills"]


def test_connections_do_not_depend_on_the_chunking(tmp_path, monkeypatch):
    """raw.connections is drawn in chunks of member_a at scale; the chunk count changes no pair."""
    from synthetic import connections
    from synthetic.lake import generate_lake

    sc = load_scenario("netherlands").with_overrides(people=PEOPLE, shards=1)
    lake = tmp_path / "lake"
    generate_lake(sc, lake, workers=1)
    pairs = "SELECT count(*), sum(hash(member_a, member_b, connected_on, context)) FROM read_parquet('{}')"
    whole = duckdb.sql(pairs.format(lake / "raw_connections/*/*.parquet")).fetchall()
    monkeypatch.setattr(connections, "MEMBERS_PER_CHUNK", 1_000)  # several chunks of a few thousand members
    rechunked = tmp_path / "rechunked"
    for table in ("truth_people", "truth_positions", "truth_educations", "raw_members"):
        (rechunked / table).parent.mkdir(parents=True, exist_ok=True)
        (rechunked / table).symlink_to(lake / table)
    rows = connections.write_connections(sc, rechunked)
    assert len(list((rechunked / "raw_connections/shard=0").glob("*.parquet"))) > 3
    assert duckdb.sql(pairs.format(rechunked / "raw_connections/*/*.parquet")).fetchall() == whole
    assert rows == whole[0][0]
