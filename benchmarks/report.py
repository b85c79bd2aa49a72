"""The option report's time against the solve alone: ``optimiser report mse`` end to end, HTML and HTML + PDF.

Each command runs in a fresh process (as an analyst runs it), ``--repeat`` times; the best time is
reported, so that other work on the machine inflates it least. ``optimiser solve mse --top 5`` is the
baseline: the report adds the named options' evaluation, the appraisal, the charts and maps, the
typeset formulation and (with ``--pdf``) WeasyPrint's layout on top of it.

    python benchmarks/report.py                 # mse, best of 3
    python benchmarks/report.py --repeat 1 hampshire
"""

from __future__ import annotations

import argparse
import compileall
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Targets of issue 29 on a two-core machine: the HTML report within 5 s, with the PDF within 10 s.
TARGET_HTML_S, TARGET_PDF_S = 5.0, 10.0


def best_of(command: list[str], repeat: int) -> float:
    """The shortest wall-clock time of ``repeat`` runs of the command (each must succeed)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("instance", nargs="?", default="mse")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    cli = [sys.executable, "-m", "optimiser"]
    # Byte-compiled first, as Python leaves any installed package after its first run: a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile the project's modules again in every run (0.15 s).
    for package in ("optimiser", "reports", "solvers"):
        compileall.compile_dir(ROOT / package, quiet=1)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"{args.instance}.html"
        rows = [
            ("solve --top 5 (baseline)", best_of([*cli, "solve", args.instance, "--top", "5"], args.repeat), None),
            ("report (HTML)", best_of([*cli, "report", args.instance, "-o", str(out), "--force"], args.repeat),
             TARGET_HTML_S),
            ("report --pdf (HTML and PDF)",
             best_of([*cli, "report", args.instance, "-o", str(out), "--force", "--pdf"], args.repeat), TARGET_PDF_S),
        ]
    baseline = rows[0][1]
    print(f"{args.instance}: best of {args.repeat} fresh processes")
    print(f"{'command':<30} {'seconds':>8} {'vs solve':>9} {'target':>8}")
    for name, seconds, target in rows:
        verdict = "" if target is None else f"{target:>6.0f} s {'met' if seconds <= target else 'MISSED'}"
        print(f"{name:<30} {seconds:>8.2f} {seconds / baseline:>8.1f}x {verdict}")


if __name__ == "__main__":
    main()
