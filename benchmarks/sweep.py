"""Sweep throughput on mse: 1,000 scenarios locally, persistent re-solve against rebuild, 1 → 2 Dask workers.

All three figures come from the same run:

1. 1,000 Monte Carlo scenarios of ``mse`` (five weights drawn around the instance's) in local worker
   processes (one per core, HiGHS one thread each), ``top`` configurations and every named option per
   scenario; scenarios per second and the wall time against the 60 s target.
2. The same weight scenarios (first ``--compare`` of them) on one worker, re-solving the persistent
   model, against rebuilding the model for every scenario (``rebuild=True``): the speed-up.
3. The first ``--compare`` scenarios on a Dask ``LocalCluster`` of 1, then 2, worker processes.

    python benchmarks/sweep.py                  # 1,000 scenarios, top 1
    python benchmarks/sweep.py --top 3          # with the top-3 enumeration per scenario
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from optimiser import load_instance
from optimiser.sweeps.runner import Design, sweep

TARGET_S = 60.0
WEIGHTS = ["weights.travel=0.5:1.5", "weights.capital=0.1:0.5", "weights.running=0.1:0.5",
           "weights.workforce=0.1:0.5", "weights.disruption=0:0.3"]


def timed(label: str, scratch: Path, **kwargs) -> float:
    start = time.perf_counter()
    result = sweep(out=scratch / label, **kwargs)
    seconds = time.perf_counter() - start
    assert len(result.results) == len(kwargs["design"].scenarios(kwargs["instance"]))
    assert result.failed.empty, result.failed["error"].head()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=1000)
    parser.add_argument("--compare", type=int, default=200, help="scenarios for the rebuild and Dask comparisons")
    parser.add_argument("--top", type=int, default=1)
    args = parser.parse_args()
    instance = load_instance("mse")
    cores = os.cpu_count() or 1
    design = Design.monte_carlo(WEIGHTS, samples=args.scenarios, seed=1)
    small = Design.monte_carlo(WEIGHTS, samples=args.compare, seed=1)
    common = {"instance": instance, "top": args.top}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        seconds = timed("local", scratch, design=design, workers=cores, **common)
        rate = args.scenarios / seconds
        print(f"local: {args.scenarios} mse scenarios (top {args.top}, {len(instance.options)} named options each) "
              f"on {cores} worker processes in {seconds:.1f} s = {rate:.1f} scenarios/s "
              f"(target < {TARGET_S:.0f} s: {'met' if seconds < TARGET_S else 'NOT met'})")

        persistent = timed("persistent", scratch, design=small, workers=1, **common)
        rebuilt = timed("rebuild", scratch, design=small, workers=1, rebuild=True, **common)
        print(f"persistent re-solve vs rebuild per scenario ({args.compare} weight scenarios, 1 worker): "
              f"{persistent:.1f} s vs {rebuilt:.1f} s = {rebuilt / persistent:.2f}x faster")

        from distributed import Client, LocalCluster

        dask_s = {}
        for n in (1, 2):
            with LocalCluster(n_workers=n, processes=True, threads_per_worker=1, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                dask_s[n] = timed(f"dask{n}", scratch, design=small, scheduler=client, **common)
        print(f"dask: {args.compare} scenarios on 1 worker {dask_s[1]:.1f} s ({args.compare / dask_s[1]:.1f}/s), "
              f"on 2 workers {dask_s[2]:.1f} s ({args.compare / dask_s[2]:.1f}/s): "
              f"scaling {dask_s[1] / dask_s[2]:.2f}x (ideal 2x)")


if __name__ == "__main__":
    main()
