"""The time limit as a promise: how long a limited search takes, against the limit and its grace.

A search given ``--time-limit L`` must end by ``L · (1 + GRACE_SHARE) + GRACE_S`` (10% + 1 s): the work
owed after the limit (serving, repairing and re-allocating its answers) stops at that grace, or the
search gives no answer. For each generated instance and limit, the script builds the model once
(not counted: the limit bounds the search), then solves with top 1 and top 3 and prints the search's
seconds, their ratio to the promised end, and what it answered.

    python benchmarks/time_limit.py                             # default sizes and limits
    python benchmarks/time_limit.py --sizes 30x1500 --limits 5 20
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from optimiser import load_instance
from optimiser.instance.generate import generate_instance
from optimiser.search.engine import Engine
from solvers.highs import GRACE_S, GRACE_SHARE, SolverOptions

SERVICES = 8


def promised_s(limit_s: float) -> float:
    return limit_s * (1 + GRACE_SHARE) + GRACE_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="+", default=["20x800", "30x1500"], help="SITESxZONES")
    parser.add_argument("--limits", nargs="+", type=float, default=[2.0, 5.0, 20.0], help="seconds")
    args = parser.parse_args()
    print(f"{'instance':>10} {'limit s':>8} {'top':>4} {'search s':>9} {'/ promised':>11}  answer")
    worst = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            sites, zones = (int(n) for n in size.split("x"))
            instance = load_instance(generate_instance(Path(folder) / size, sites=sites, zones=zones,
                                                       services=SERVICES, seed=1))
            for limit in args.limits:
                for top in (1, 3):
                    engine = Engine.build(instance, solver=SolverOptions(time_limit_s=limit))
                    start = time.perf_counter()
                    result = engine.solve(top=top)
                    seconds = time.perf_counter() - start
                    ratio = seconds / promised_s(limit)
                    worst = max(worst, ratio)
                    answer = (f"{len(result.ranked)} ranked, best gap {result.ranked[0].gap:.2%}" if result.ranked
                              else f"none ({result.status.value})")
                    print(f"{size:>10} {limit:>8g} {top:>4} {seconds:>9.2f} {ratio:>11.2f}  {answer}")
    print(f"worst ratio to the promised end: {worst:.2f} ({'kept' if worst <= 1 else 'BROKEN'})")


if __name__ == "__main__":
    main()
