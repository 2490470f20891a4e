"""Scenario files are validated on load: one clear error naming the field, nothing written."""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path

import dagster as dg
import pytest
import yaml

from pipelines.defs.lake import parquet_lake
from pipelines.defs.metrics import metric_layer
from pipelines.defs.warehouse import load_warehouse
from pipelines.resources import ScenarioResource, WarehouseResource, dbt_resource
from synthetic.scenario import SCENARIO_DIR, ScenarioError, load_scenario

DEFAULT = yaml.safe_load((SCENARIO_DIR / "netherlands.yaml").read_text())


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _unknown_key(d):
    d["dynamics"]["job_chnage_hazard"] = 0.01


def _negative_people(d):
    d["people"] = -5


def _end_before_start(d):
    d["timeline"] = {"start": "2020-01", "end": "2015-06"}


def _probability_above_one(d):
    d["platform"]["unreported_change_share"] = 1.7


def _unknown_city_in_matrix(d):
    d["attractiveness"]["ICT"]["Atlantis"] = 2.0


def _unknown_city_of_institution(d):
    d["education"]["institutions"][0]["city"] = "Gotham"


def _missing_year_of_macro_cycle(d):
    del d["dynamics"]["job_change_multiplier"][2022]


def _lag_distribution_not_summing_to_one(d):
    d["platform"]["reporting_lag_months"][0] = 0.9


def _skill_search_share_of_one(d):
    d["platform"]["skill_search_share"]["end"] = 1.0  # a logistic curve never reaches 1


def _negative_searches_per_posting(d):
    d["postings"]["searches_per_posting"] = -1


def _colleague_probability_above_one(d):
    d["network"]["colleague_probability"] = 1.5


def _network_lags_not_summing_to_one(d):
    d["network"]["lag_months"][0] = 0.9


BROKEN = [
    (_unknown_key, "dynamics.job_chnage_hazard", "unknown key"),
    (_negative_people, "people", "greater than 0"),
    (_end_before_start, "timeline", "must come after start"),
    (_probability_above_one, "platform.unreported_change_share", "less than or equal to 1"),
    (_unknown_city_in_matrix, "attractiveness.ICT", "'Atlantis'"),
    (_unknown_city_of_institution, "education.institutions[0].city", "'Gotham'"),
    (_missing_year_of_macro_cycle, "dynamics.job_change_multiplier", "missing [2022]"),
    (_lag_distribution_not_summing_to_one, "platform.reporting_lag_months", "sum to 1"),
    (_colleague_probability_above_one, "network.colleague_probability", "less than or equal to 1"),
    (_network_lags_not_summing_to_one, "network.lag_months", "sum to 1"),
    (_skill_search_share_of_one, "platform.skill_search_share.end", "less than 1"),
    (_negative_searches_per_posting, "postings.searches_per_posting", "greater than or equal to 0"),
]


def test_default_scenario_is_valid_and_rich_enough():
    sc = load_scenario("netherlands")
    assert sc.people >= 100_000
    assert len(sc.cities) >= 15
    assert len(sc.skills) >= 150
    assert sc.timeline.start_year <= 2012 and sc.timeline.end_year >= 2025
    # The input itself, on purpose: these guard the scenario file against an edit that drops
    # the published cycle it is calibrated to; that the data recover the cycle is tested from
    # the warehouse in test_planted_truth.py (test_job_change_rate_metric_recovers_the_macro_cycle).
    mult = sc.dynamics.job_change_multiplier
    assert mult[2020] < mult[2019], "the 2020 dip"
    assert mult[2022] / mult[2021] == pytest.approx(1.4, abs=0.05), "the 2021-22 boom of about +40%"
    assert mult[2023] < mult[2022], "the 2023 decline"
    for short in ("RUG", "UvA", "VU", "UU", "TU Delft", "TU/e", "EUR"):
        assert short in {i.short for i in sc.education.institutions}


@pytest.mark.parametrize(("breaks", "field", "message"), BROKEN, ids=[b[0].__name__.strip("_") for b in BROKEN])
def test_broken_scenario_gives_one_clear_error_naming_the_field(tmp_path, breaks, field, message):
    data = copy.deepcopy(DEFAULT)
    breaks(data)
    with pytest.raises(ScenarioError) as err:
        load_scenario(_write(tmp_path, data))
    text = str(err.value)
    assert field in text and message in text, text
    assert "Traceback" not in text


def test_unknown_enum_value_lists_the_allowed_values(tmp_path):
    data = copy.deepcopy(DEFAULT)
    data["education"]["institutions"][0]["level"] = "PhD"
    with pytest.raises(ScenarioError, match=r"education\.institutions\.0\.level: Input should be 'VO', 'MBO', 'HBO' or 'WO'"):
        load_scenario(_write(tmp_path, data))


def test_missing_file_and_bad_yaml_are_scenario_errors(tmp_path):
    with pytest.raises(ScenarioError, match="not found"):
        load_scenario("no_such_scenario")
    bad = tmp_path / "bad.yaml"
    bad.write_text("people: [1, 2\n")
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_scenario(bad)


def test_overrides_are_validated_like_the_file():
    with pytest.raises(ScenarioError, match="people"):
        load_scenario("netherlands").with_overrides(people=0)


@pytest.mark.parametrize(("breaks", "field", "message"), BROKEN[:5], ids=[b[0].__name__.strip("_") for b in BROKEN[:5]])
def test_broken_scenario_leaves_the_existing_warehouse_untouched(tmp_path, dagster_home, breaks, field, message):
    warehouse = tmp_path / "warehouse.duckdb"
    warehouse.write_bytes(b"an existing warehouse file")
    lake = tmp_path / "lake"
    lake.mkdir()
    (lake / "marker").write_text("existing lake")
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    data = copy.deepcopy(DEFAULT)
    breaks(data)
    result = dg.materialize(
        [parquet_lake, load_warehouse, metric_layer],
        resources={
            "scenario": ScenarioResource(scenario_file=str(_write(tmp_path, data))),
            "warehouse": WarehouseResource(path=str(warehouse), lake=str(lake)),
            "dbt": dbt_resource(),
        },
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert field in failure.event_specific_data.user_failure_data.description
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "dagster_home", "lake", "warehouse.duckdb"]
    assert [p.name for p in lake.iterdir()] == ["marker"]
