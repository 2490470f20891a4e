"""truth.parameters: every planted number of a scenario as (name, key, value) rows.

Walks the validated scenario: nested sections make the dotted name
(``dynamics.job_change_multiplier``), keys of user-named maps make the key (``2022``,
``ICT|Amsterdam``), institutions are keyed by their short name. Derived parameters the
tests and analysts compare against (the effective first-job hazard per level and field,
and per MBO level and field; the effective pull of a city per
family, the timeline as numbers, the share of recruiter searches filtering on skills per
year, the generator's timing of unfilled postings, each city's commuting region) are added beside
them.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from pydantic import BaseModel

from synthetic.model import compile_model
from synthetic.postings import UNFILLED_DURATION_MONTHS, UNFILLED_OPEN_SPREAD_MONTHS
from synthetic.scenario import Scenario

# Structure of the run, not of the world: the shard count must not change any table.
_NOT_PARAMETERS = {"shards", "name", "description"}


def _walk(value, name: str, key: tuple[str, ...], rows: list[tuple[str, str, float]]) -> None:
    if isinstance(value, BaseModel):
        for field_name in type(value).model_fields:
            if not name and field_name in _NOT_PARAMETERS:
                continue
            _walk(getattr(value, field_name), f"{name}.{field_name}" if name else field_name, key, rows)
    elif isinstance(value, dict):
        for k, v in value.items():
            _walk(v, name, (*key, str(k)), rows)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            label = getattr(item, "short", None) or getattr(item, "name", None) or str(i)
            _walk(item, name, (*key, label), rows)
    elif isinstance(value, bool):
        rows.append((name, "|".join(key), float(value)))
    elif isinstance(value, (int, float)):
        rows.append((name, "|".join(key), float(value)))


def parameter_rows(scenario: Scenario) -> list[tuple[str, str, float]]:
    rows: list[tuple[str, str, float]] = []
    _walk(scenario, "", (), rows)
    tl = scenario.timeline
    rows += [
        ("timeline.start_year", "", float(tl.start_year)),
        ("timeline.start_month", "", float(tl.start_date.month)),
        ("timeline.months", "", float(tl.months)),
    ]
    levels, fields = scenario.education.levels, scenario.education.fields
    mbo_levels = scenario.education.mbo_levels
    for field_name, spec in fields.items():
        for level in spec.levels:
            base = levels[level].first_job_hazard * spec.first_job_multiplier
            rows.append(("first_job_monthly_hazard", f"{level}|{field_name}", min(base, 0.95)))
            if level == "MBO":  # per MBO level too (keys 'MBO 1|field' ...), which multiplies it
                for number, mbo in mbo_levels.items():
                    hazard = min(base * mbo.first_job_multiplier, 0.95)
                    rows.append(("first_job_monthly_hazard", f"MBO {number}|{field_name}", hazard))
    # Effective pull of a city for a family: population x attractiveness ('all' x family).
    for family in scenario.occupation_families:
        for city, spec in scenario.cities.items():
            pull = spec.population
            pull *= scenario.attractiveness.get("all", {}).get(city, 1.0)
            pull *= scenario.attractiveness.get(family, {}).get(city, 1.0)
            rows.append(("city_pull", f"{family}|{city}", pull))
    # Each work city's commuting region (synthetic.model): where those who do not live in the
    # work city live, as shares; a city without one is absent (everybody lives in it).
    model = compile_model(scenario)
    for w, work in enumerate(model.cities):
        region = model.commuting_region[w]
        for h in np.flatnonzero(region):
            rows.append(("commuting_region", f"{work}|{model.cities[h]}", float(region[h] / region.sum())))
    # The logistic curve of platform.skill_search_share evaluated per year: what the
    # yearly share of recruiter searches filtering on skills should recover.
    for year, share in scenario.platform.skill_search_share.by_year(tl.years).items():
        rows.append(("skill_search_share", str(year), share))
    # The generator's fixed timing of unfilled postings (not a scenario knob): each opens a
    # uniform number of months up to the spread before or after its hire, and stays open a
    # uniform number of months; with the postings.* knobs it predicts the open postings.
    rows += [
        ("postings.unfilled_open_offset_months", "max", float(UNFILLED_OPEN_SPREAD_MONTHS)),
        ("postings.unfilled_months_open", "min", float(UNFILLED_DURATION_MONTHS[0])),
        ("postings.unfilled_months_open", "max", float(UNFILLED_DURATION_MONTHS[1] - 1)),
    ]
    return rows


def parameters_frame(scenario: Scenario) -> pl.DataFrame:
    rows = parameter_rows(scenario)
    return pl.DataFrame(rows, schema={"name": pl.String, "key": pl.String, "value": pl.Float64}, orient="row")
