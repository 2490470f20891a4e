"""Property-based fuzzing of scenario parsing: any input gives a scenario or a ScenarioError.

Hypothesis mutates the default scenario (replacing, deleting and adding keys anywhere in
the tree, with values of every YAML type) and also feeds arbitrary text. Whatever comes
in, loading must either succeed or raise the project's own ScenarioError with a message:
never a raw traceback from yaml, pydantic or the cross-reference checks.
"""

from __future__ import annotations

import copy
import math

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


@st.composite
def mutated_scenarios(draw):
    data = copy.deepcopy(DEFAULT)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent = data
        try:
            for step in path[:-1]:
                parent = parent[step]
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "replace":
                parent[path[-1]] = draw(values)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent[draw(st.text(max_size=10))] = draw(values)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or retyped this branch
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
    result = _load(tmp_path, yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), allow_unicode=True))
    if result is not None:
        assert isinstance(result, Scenario)
        assert result.people > 0 and math.isfinite(result.dynamics.job_change_hazard)


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
