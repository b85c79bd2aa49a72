"""Start-up time of the command line: what a user waits for before the first answer.

Runs each command in a fresh process several times and reports the median wall time against its
target: ``optimiser --help`` and ``optimiser list`` under 0.5 s (they load neither pandas nor the
solver), ``optimiser solve mse --top 10`` under 2 s (imports, loading and checking the instance,
the model and ten ranked solves). ``python -c pass`` is the floor of any Python command.

    python benchmarks/startup.py              # 5 runs of each
    python benchmarks/startup.py --runs 11
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: Command → its target in seconds (None: a reference, no target).
COMMANDS: dict[tuple[str, ...], float | None] = {
    ("-c", "pass"): None,
    ("-m", "optimiser", "--help"): 0.5,
    ("-m", "optimiser", "list"): 0.5,
    ("-m", "optimiser", "solve", "mse", "--top", "10"): 2.0,
}


def wall_s(arguments: tuple[str, ...]) -> float:
    """Seconds from start to exit of ``python ARGUMENTS`` run from the project's root."""
    start = time.perf_counter()
    subprocess.run([sys.executable, *arguments], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each command (default 5)")
    runs = parser.parse_args().runs
    wall_s(("-m", "optimiser", "--help"))  # warm the file cache and the bytecode
    print(f"{'command':<40} {'median s':>9} {'min s':>7} {'target s':>9}")
    for arguments, target in COMMANDS.items():
        times = [wall_s(arguments) for _ in range(runs)]
        median = statistics.median(times)
        verdict = "" if target is None else f"{target:>9.1f} {'met' if median <= target else 'MISSED'}"
        print(f"{'python ' + ' '.join(arguments):<40} {median:>9.2f} {min(times):>7.2f} {verdict}")


if __name__ == "__main__":
    main()
