"""The dbt project's own rules: a metric without docs or tests, or whose table has other
columns than its .yml documents, fails the build; each shared rule lives in one model; the
README's lineage picture is the project's."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from pipelines import dbt
from pipelines.dbt import PROJECT_DIR, command, environment, metrics, models
from pipelines.lineage import README, lineage_mermaid, readme_lineage

TEST_COLUMNS_YML = """version: 2
models:
  - name: {name}
    description: A metric made up by the test.
    columns:
      - name: a
        description: {description}
        data_tests: [{tests}]
"""


@pytest.fixture()
def project(tmp_path) -> Path:
    """A copy of the project, and an empty warehouse for it to build in."""
    copy = tmp_path / "sql"
    shutil.copytree(PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs"))
    duckdb.connect(str(tmp_path / "w.duckdb")).close()
    return copy


def dbt_build(project: Path, select: str) -> subprocess.CompletedProcess:
    database = project.parent / "w.duckdb"
    return subprocess.run(
        command(["build", "--select", select], database, project), capture_output=True, text=True, env=environment()
    )


def add_metric(project: Path, name: str, sql: str, yml: str | None) -> None:
    (project / "models" / "metrics" / f"{name}.sql").write_text(sql)
    if yml is not None:
        (project / "models" / "metrics" / f"{name}.yml").write_text(yml)


def test_a_documented_and_tested_metric_builds(project):
    """The control for the three failures below: the same metric, complete, builds."""
    add_metric(project, "made_up", "SELECT 1 AS a", TEST_COLUMNS_YML.format(name="made_up", description="One.",
                                                                          tests="not_null"))
    result = dbt_build(project, "made_up")
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(
    "yml, expected",
    [
        (None, "made_up: no columns documented"),
        (TEST_COLUMNS_YML.format(name="made_up", description="''", tests="not_null"), "made_up.a: no description"),
        (TEST_COLUMNS_YML.format(name="made_up", description="One.", tests=""), "made_up: no tests"),
    ],
    ids=["no_yml", "column_without_description", "no_tests"],
)
def test_a_metric_without_docs_or_tests_fails_the_build(project, yml, expected):
    add_metric(project, "made_up", "SELECT 1 AS a", yml)
    result = dbt_build(project, "made_up")
    assert result.returncode != 0
    assert expected in result.stdout, result.stdout[-3000:]


def test_a_column_the_yml_does_not_document_fails_the_build(project):
    add_metric(project, "made_up", "SELECT 1 AS a, 2 AS b",
               TEST_COLUMNS_YML.format(name="made_up", description="One.", tests="not_null"))
    result = dbt_build(project, "made_up")
    assert result.returncode != 0
    assert "undocumented ['b']" in result.stdout, result.stdout[-3000:]


def test_the_job_change_rule_lives_in_one_model():
    """The three-month rule is the job_to_job macro, which one model uses; no model spells
    out a month gap of its own against a previous or next employer."""
    users = [m.name for m in models() if "job_to_job(" in m.path.read_text(encoding="utf-8")]
    assert users == ["int_position_history"]
    gap = re.compile(r"(datediff\('month',|month_difference\()[^)]*\)\s*<\s*3")
    assert [m.name for m in models() if gap.search(m.path.read_text(encoding="utf-8"))] == []
    assert not any(gap.search(p.read_text(encoding="utf-8")) for p in Path("pipelines").rglob("*.py"))


def test_every_metric_is_in_schema_metrics_with_its_yml_beside_it():
    for metric in metrics():
        assert metric.path.parent == PROJECT_DIR / "models" / "metrics"
        assert metric.path.with_suffix(".yml").is_file(), metric.name


def test_the_readme_lineage_is_the_projects():
    assert readme_lineage() == lineage_mermaid(), (
        f"{README.name}'s lineage diagram is out of date: run `python -m pipelines.lineage`"
    )


def test_the_next_command_on_a_warehouse_starts_from_its_last_parse(tmp_path, monkeypatch):
    """dbt parses the whole project again whenever the database path differs from that of the
    parse it starts from (some seconds per command). The next command on the same warehouse
    starts from the parse the last one kept, and parses nothing again."""
    monkeypatch.setattr(dbt, "SAVED_PARSES", tmp_path / "parses")
    warehouse = tmp_path / "warehouse.duckdb"
    listing = ["ls", "--select", "stg_parameters", "--resource-type", "model"]
    dbt.run(listing, warehouse)  # the project's own parse is for other settings: a full parse, kept
    assert len(list((tmp_path / "parses").glob("*.msgpack"))) == 1
    assert "Unable to do partial parsing" not in dbt.run(listing, warehouse).stdout


def test_a_parse_is_kept_per_warehouse_and_only_the_latest_few(tmp_path, monkeypatch):
    monkeypatch.setattr(dbt, "SAVED_PARSES", tmp_path / "parses")
    monkeypatch.setattr(dbt, "KEPT_PARSES", 2)
    for name in ("a", "b", "c"):
        made = tmp_path / f"target-{name}"
        made.mkdir()
        (made / dbt.PARTIAL_PARSE).write_text(name)
        dbt.keep_parse(made, tmp_path / f"{name}.duckdb")
        time.sleep(0.01)  # distinct modification times: the oldest is dropped
    assert sorted(p.read_text() for p in (tmp_path / "parses").glob("*.msgpack")) == ["b", "c"]
    seeded = tmp_path / "seeded"
    dbt.seed_parse(seeded, tmp_path / "c.duckdb")
    assert (seeded / dbt.PARTIAL_PARSE).read_text() == "c"
    dbt.seed_parse(seeded, tmp_path / "a.duckdb")  # dropped: the project's parse, if any, instead
    assert not (seeded / dbt.PARTIAL_PARSE).is_file() or (seeded / dbt.PARTIAL_PARSE).read_bytes() != b"a"
