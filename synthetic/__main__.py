"""Generate a scenario's Parquet lake without Dagster.

    python -m synthetic --scenario netherlands --people 20000 --seed 7 --lake data/lake
"""

from __future__ import annotations

import argparse
import sys
import time

from synthetic.lake import generate_lake
from synthetic.manifest import LakeError
from synthetic.scenario import DEFAULT_SCENARIO, ScenarioError, load_scenario, parse_setting


def _setting(setting: str):
    """An argparse type for a run setting: a whole number in its range (RUN_SETTINGS), as
    the EGS_* variables of `make run` are checked, so `--people 1e12` or `--workers 0` is
    refused with the range before anything is loaded."""

    def parse(text: str) -> int:
        try:
            return parse_setting(setting, text)
        except ScenarioError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    return parse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="shipped scenario name or path to a .yaml file")
    parser.add_argument("--people", type=_setting("people"), help="override the scenario's number of people")
    parser.add_argument("--seed", type=_setting("seed"), help="override the scenario's seed")
    parser.add_argument("--shards", type=_setting("shards"), help="override the number of Parquet shards")
    parser.add_argument("--workers", type=_setting("workers"), help="processes generating shards (default: CPU count)")
    parser.add_argument("--lake", default="data/lake", help="output folder (replaced only when complete)")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario).with_overrides(people=args.people, seed=args.seed, shards=args.shards)
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        summary = generate_lake(scenario, args.lake, workers=args.workers)
    except LakeError as err:  # a path that is not a lake, or a disk too small: said before writing
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(
        f"{scenario.people:,} people, seed {scenario.seed}, {summary.shards} shards -> {summary.path} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    for table, rows in summary.rows.items():
        print(f"  {table:<22} {rows:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
