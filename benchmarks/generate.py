"""Benchmark: generation and warehouse build time and peak memory at growing scale.

    make benchmark                      # 120k, 500k and 1M people
    python benchmarks/generate.py 2000000

Each size runs in a fresh process so that peak memory (ru_maxrss of the children) is
per size. Results are printed as a table; nothing is asserted: this is a measurement.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import json, sys, time, resource
from pathlib import Path
from synthetic.scenario import load_scenario
from synthetic.lake import generate_lake
from pipelines.warehouse import connect, load_lake, discover_metrics, build_metric
people, folder = int(sys.argv[1]), Path(sys.argv[2])
sc = load_scenario("netherlands").with_overrides(people=people)
t0 = time.perf_counter()
summary = generate_lake(sc, folder / "lake", workers=2)
t1 = time.perf_counter()
con = connect(folder / "w.duckdb")
load_lake(con, folder / "lake", sc)
t2 = time.perf_counter()
for m in discover_metrics():
    build_metric(con, m)
con.close()
t3 = time.perf_counter()
print(json.dumps({"generate_s": t1 - t0, "load_s": t2 - t1, "metrics_s": t3 - t2,
                  "rows": sum(summary.rows.values()),
                  "self_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "children_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))
"""


def main(sizes: list[int]) -> None:
    print(f"{'people':>10} {'rows':>12} {'generate s':>11} {'people/s':>10} {'load s':>7} {'metrics s':>9} {'peak MB':>8}")
    for people in sizes:
        with tempfile.TemporaryDirectory() as folder:
            out = subprocess.run(
                [sys.executable, "-c", ONE_RUN, str(people), folder], cwd=ROOT, capture_output=True, text=True, check=True
            )
            r = json.loads(out.stdout.strip().splitlines()[-1])
            peak = max(r["self_rss_mb"], r["children_rss_mb"])
            print(
                f"{people:>10,} {r['rows']:>12,} {r['generate_s']:>11.1f} {people / r['generate_s']:>10,.0f} "
                f"{r['load_s']:>7.1f} {r['metrics_s']:>9.1f} {peak:>8,.0f}"
            )


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [120_000, 500_000, 1_000_000])
