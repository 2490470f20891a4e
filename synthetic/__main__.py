"""Generate a scenario's Parquet lake without Dagster.

    python -m synthetic --scenario netherlands --people 20000 --seed 7 --lake data/lake
"""

from __future__ import annotations

import argparse
import sys
import time

from synthetic.lake import generate_lake
from synthetic.scenario import DEFAULT_SCENARIO, ScenarioError, load_scenario


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**63:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**63-1, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default=DEFAULT_SCENARIO, help="shipped scenario name or path to a .yaml file")
    parser.add_argument("--people", type=_positive, help="override the scenario's number of people")
    parser.add_argument("--seed", type=_seed, help="override the scenario's seed")
    parser.add_argument("--shards", type=_positive, help="override the number of Parquet shards")
    parser.add_argument("--workers", type=_positive, help="processes generating shards (default: CPU count)")
    parser.add_argument("--lake", default="data/lake", help="output folder (replaced only when complete)")
    args = parser.parse_args(argv)
    try:
        scenario = load_scenario(args.scenario).with_overrides(people=args.people, seed=args.seed, shards=args.shards)
    except ScenarioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    summary = generate_lake(scenario, args.lake, workers=args.workers)
    print(
        f"{scenario.people:,} people, seed {scenario.seed}, {summary.shards} shards -> {summary.path} "
        f"in {time.perf_counter() - started:.1f}s"
    )
    for table, rows in summary.rows.items():
        print(f"  {table:<22} {rows:>12,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
