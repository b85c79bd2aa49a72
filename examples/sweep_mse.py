"""How robust is the preferred Mid and South Essex configuration? A worked sensitivity sweep.

Run from the project folder (needs the ``sweep`` extra: dask[distributed], SALib, pyarrow)::

    python examples/sweep_mse.py out/sweep-example

``--quick`` runs a few scenarios of each design instead (to check that the script runs, as the tests do).

1. One at a time: each assumption at its low and high end (weights, emergency demand growth,
   blue-light speeds, Basildon's beds, the obstetric volume floor), for a tornado chart.
2. Monte Carlo: 200 scenarios drawn from the stated distributions; how often each
   configuration is optimal or in the top 3, and the rank stability of the named options 1A–2B.
3. Sobol: which assumption drives the objective and the choice of configuration, with
   95% confidence intervals (wide for the discrete "which configuration wins" output at small N).

Each sweep streams to its own folder; run the script again after Ctrl-C and it resumes.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from optimiser import load_instance
from optimiser.sweeps.scenario import apply
from optimiser.sweeps.runner import Design, open_sweep, sweep


def main(out: Path, *, quick: bool = False) -> None:
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 12)
    mse = load_instance("mse")

    # A scenario is the instance plus overrides, applied by a pure function before the build.
    growth = apply(mse, {"demand.emergency": 1.1, "demand.major_emergency": 1.1})
    print(f"emergency attendances: {mse.demand['emergency'].sum():,.0f} → {growth.demand['emergency'].sum():,.0f}")

    # 1. One at a time, for a tornado chart.
    oat = sweep(mse, Design.oat(["weights.travel=0.5:2", "demand.emergency=0.8:1.3", "speed.bluelight.*=0.8:1.2",
                                 "capacity.basildon.beds=0.7:1.3", "standard.obstetrics.min_volume=1500:3000"]),
                out=out / "oat", progress=True)
    print("\nTornado (objective):")
    print(oat.tornado()[["parameter", "low", "high", "at_low", "at_base", "at_high", "swing", "changes"]])

    # 2. Monte Carlo from stated distributions.
    mc = sweep(mse, Design.monte_carlo(["weights.travel=uniform(0.5,1.5)", "weights.capital=triangular(0.1,0.25,0.5)",
                                        "demand.emergency=normal(1.05,0.05)", "speed.bluelight.*=uniform(0.85,1.15)"],
                                       samples=8 if quick else 200, seed=2016),
               out=out / "montecarlo", progress=True)
    print("\nHow often each configuration is optimal or in the top 3:")
    print(mc.summary().drop(columns="key"))
    print("\nRank stability of the named options (rank among the named options under each scenario):")
    print(mc.ranks())

    # 3. Sobol indices with confidence intervals (weights only: a persistent re-solve per scenario).
    sobol = sweep(mse, Design.sobol(["weights.travel=0.5:1.5", "weights.capital=0.1:0.5",
                                     "weights.disruption=0:0.3"], samples=4 if quick else 64, seed=1),
                  out=out / "sobol", progress=True)
    indices = sobol.indices()
    print("\nSobol indices (first order S1, total ST, with 95% intervals):")
    print(indices[["output", "parameter", "S1", "S1_conf", "ST", "ST_conf", "note"]].round(3))

    # A finished sweep can be read back without solving anything (e.g. by the report).
    print(f"\n{len(open_sweep(out / 'montecarlo').results)} Monte Carlo results in {out / 'montecarlo'}")


if __name__ == "__main__":  # required: worker processes are spawned and import this module
    parser = argparse.ArgumentParser(description="A worked sensitivity sweep on Mid and South Essex.")
    parser.add_argument("out", nargs="?", type=Path, default=Path("out/sweep-example"), help="folder of the sweeps")
    parser.add_argument("--quick", action="store_true", help="a few scenarios of each design")
    arguments = parser.parse_args()
    main(arguments.out, quick=arguments.quick)
