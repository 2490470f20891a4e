"""Property-based fuzzing of scenario parsing: any input gives a scenario or a ScenarioError.

Hypothesis mutates the default scenario (replacing, deleting and adding keys anywhere in
the tree, with values of every YAML type) and also feeds arbitrary text. Whatever comes
in, loading must either succeed or raise the project's own ScenarioError with a message:
never a raw traceback from yaml, pydantic or the cross-reference checks.

A mutated scenario that passes validation must also compile into the generator's arrays
(synthetic.model.compile_model, and the city chooser the careers draw moves with), all of
them finite: validation checks everything the generator relies on.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from synthetic.careers import _CityChooser
from synthetic.model import compile_model
from synthetic.scenario import SCENARIO_DIR, Scenario, ScenarioError, load_scenario

DEFAULT = yaml.safe_load((SCENARIO_DIR / "netherlands.yaml").read_text())

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.dates(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _paths(node, prefix=()):
    """Every path to a value in the scenario tree."""
    yield prefix
    if isinstance(node, dict):
        for key, child in node.items():
            yield from _paths(child, (*prefix, key))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield from _paths(child, (*prefix, i))


ALL_PATHS = [p for p in _paths(DEFAULT) if p]


def _parent_size(path) -> int:
    node = DEFAULT
    for step in path[:-1]:
        node = node[step]
    return len(node)


# Keys of the small tables the generator looks values up in (levels, seniorities, years,
# distributions, sections), rather than one of the hundreds of skills: half the mutations
# go there, where a missing or odd entry is most likely to pass validation and break the
# generator.
LOOKUP_PATHS = [p for p in ALL_PATHS if len(p) <= 3 and _parent_size(p) <= 20]

numbers = st.one_of(
    st.sampled_from([0, 1, -1, 0.0, 1.0, 0.5, 1e-9, 1e9, 5e-324, 1e308, math.inf, -math.inf, math.nan]),
    st.floats(min_value=0.0, max_value=1.0),
    st.integers(min_value=-5, max_value=3000),
)


class _PlainDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):
    """Writes an object that appears twice in full instead of as an anchor and alias."""

    def ignore_aliases(self, data) -> bool:
        return True


def _dump(data) -> str:
    return yaml.dump(data, Dumper=_PlainDumper, allow_unicode=True)


ALL_ACTIONS = ("replace", "delete", "add", "empty", "number")


@st.composite
def mutated_scenarios(draw, actions=ALL_ACTIONS, most=4):
    data = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, most))):
        path = draw(st.one_of(st.sampled_from(ALL_PATHS), st.sampled_from(LOOKUP_PATHS)))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(actions))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete":
                del parent[path[-1]]
            elif action == "empty":
                parent[path[-1]] = type(parent[path[-1]])()  # {} or [] (or 0, "", False for scalars)
            elif action == "number":
                parent[path[-1]] = draw(numbers)
            elif isinstance(parent, dict):
                parent[draw(st.one_of(st.text(max_size=10), st.integers(1990, 2030)))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this branch
    return data


def _copy_and_parent(path) -> tuple[dict, dict]:
    """A copy of the default scenario and, in it, the container of the entry at ``path``."""
    data = copy.deepcopy(DEFAULT)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    return data, parent


def _without(*path) -> dict:
    """The default scenario without one entry: pinned cases the old validation let through."""
    data, parent = _copy_and_parent(path)
    del parent[path[-1]]
    return data


def _with(*path_and_value) -> dict:
    *path, value = path_and_value
    data, parent = _copy_and_parent(path)
    parent[path[-1]] = value
    return data


def _load(tmp_path, text: str):
    path = tmp_path / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        return load_scenario(path)
    except ScenarioError as err:
        assert str(err).strip(), "a ScenarioError must say what is wrong"
        return None


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=mutated_scenarios())
def test_mutated_scenarios_give_a_scenario_or_a_scenario_error(tmp_path, data):
    result = _load(tmp_path, _dump(data))
    if result is not None:
        assert isinstance(result, Scenario)
        assert result.people > 0 and math.isfinite(result.dynamics.job_change_hazard)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
# Mutations that often keep a scenario valid (a missing entry, an empty table, another
# number), so that most examples reach the compilation.
@given(data=mutated_scenarios(actions=("delete", "empty", "number"), most=2))
@example(data=_without("platform", "membership_by_level", "WO"))
@example(data=_without("dynamics", "promotion_hazard", "junior"))
@example(data=_with("cities", "Amsterdam", "population", math.inf))
@example(data=_with("postings", "unfilled_per_hire", math.nan))
def test_mutated_scenarios_that_pass_validation_compile(tmp_path, data):
    scenario = _load(tmp_path, _dump(data))
    if scenario is None:
        return
    model = compile_model(scenario)
    _CityChooser(model)  # every city and family has somewhere to move to
    for name, value in vars(model).items():
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.isfinite(value).all(), f"model.{name} is not finite"
    for name in ("unfilled_per_hire", "views_per_posting", "searches_per_posting"):
        assert math.isfinite(getattr(scenario.postings, name)), name


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=200))
def test_arbitrary_text_gives_a_scenario_error(tmp_path, text):
    assert _load(tmp_path, text) is None


@settings(max_examples=40, deadline=None)
@given(people=st.integers(-(2**64), 2**64), seed=st.integers(-(2**64), 2**64))
def test_overrides_give_a_scenario_or_a_scenario_error(people, seed):
    base = load_scenario("netherlands")
    try:
        scenario = base.with_overrides(people=people, seed=seed)
    except ScenarioError:
        return
    assert scenario.people == people and scenario.seed == seed
