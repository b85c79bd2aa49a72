"""Regional and national synthetic instances end to end: time per stage, peak memory, gap (issue 6, items 3 and 4).

Cases (generated once into ``--cache``, same seed, same bytes):

* ``regional`` — 40 sites × 2,000 zones × 8 services (~80,000 junctions); target: optimal in < 1 minute;
* ``national`` — 200 sites × 7,000 zones × 8 services, 1,000,000 junctions; targets: ≤ 8 GB, ≤ 1% gap in
  < 10 minutes.

Each case runs in its own process, so that its peak memory (``ru_maxrss``) is its own. Stages:
load, travel times (every mode), model build (candidate pairs, nearest-site restriction, matrices,
HiGHS hand-over), solve (every round of the restriction, and the repair of an answer the time
limit stopped). The search's time limit is what the target leaves after the earlier stages. The
engine's defaults are used, so the restriction is chosen by size (:mod:`optimiser.model.nearest`) and the
search starts from the status quo. With ``--reference`` the regional case is
also solved as the full model (every pair) in the same process, and the ratio printed.

    python benchmarks/scale.py                               # both cases
    python benchmarks/scale.py --cases regional --reference  # regional, against the full model
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from optimiser import load_instance
from optimiser.appraisal.display import gap_text, moves_text, progress_text
from optimiser.instance.generate import generate_instance
from optimiser.instance.travel import travel_times_by_mode
from optimiser.model.data import ModelOptions
from optimiser.search.engine import Engine
from optimiser.search.restriction import SERVING_HOSTS
from solvers.highs import SolverOptions

CASES = {  # sites, zones, junctions, relative gap, target seconds
    "regional": dict(sites=40, zones=2000, road_nodes=None, gap=0.0, target_s=60.0),
    "national": dict(sites=200, zones=7000, road_nodes=1_000_000, gap=0.01, target_s=600.0),
}
SERVICES = 8
SEED = 1
MEMORY_TARGET_MB = 8 * 1024
WATCH_S = 15.0  # seconds between two lines of a running search's progress


def peak_mb(workers_ended_mb: float = 0.0) -> float:
    """Peak memory of this process, or of this process and its travel-mode workers while they ran
    (``workers_ended_mb``: their sum with this process's peak then), whichever is more."""
    return max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, workers_ended_mb)


def with_workers_mb() -> float:
    """At most what this process and its largest finished worker held at once, so far."""
    usage = resource.getrusage
    return (usage(resource.RUSAGE_SELF).ru_maxrss + usage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def instance_folder(name: str, cache: Path) -> tuple[Path, float | None]:
    """The case's instance, generated into the cache on first use; seconds spent generating (None: cached)."""
    folder = cache / name
    if (folder / "instance.yaml").exists():
        return folder, None
    case = CASES[name]
    start = time.perf_counter()
    generate_instance(folder, sites=case["sites"], zones=case["zones"], services=SERVICES, seed=SEED,
                      road_nodes=case["road_nodes"])
    return folder, time.perf_counter() - start


def run_case(name: str, cache: Path, time_limit_s: float | None, nearest_sites: int | None) -> dict:
    """One case, every stage timed; prints progress as results come. The search's time limit is by
    default what is left of the case's target after loading, travel times and the build."""
    folder, generate_s = instance_folder(name, cache)
    figures: dict = {"case": name, "generate_s": generate_s}
    start = time.perf_counter()
    instance = load_instance(folder)
    figures["load_s"] = time.perf_counter() - start
    start = time.perf_counter()
    times = travel_times_by_mode(instance)
    figures["travel_s"] = time.perf_counter() - start
    travel_mb = with_workers_mb()
    start = time.perf_counter()
    solver = SolverOptions(time_limit_s=time_limit_s, mip_gap=CASES[name]["gap"], watch_interval_s=WATCH_S)
    engine = Engine.build(instance, times=times, solver=solver, options=ModelOptions(nearest_sites=nearest_sites))
    figures["build_s"] = time.perf_counter() - start
    if time_limit_s is None:
        spent = figures["load_s"] + figures["travel_s"] + figures["build_s"]
        engine.session.options = replace(solver, time_limit_s=max(CASES[name]["target_s"] - spent, 1.0))
    figures["rows"], figures["columns"] = engine.form.shape
    print(f"  {name}: load {figures['load_s']:.1f} s, travel times {figures['travel_s']:.1f} s, build "
          f"{figures['build_s']:.1f} s: {engine.form.shape[0]:,} rows × {engine.form.shape[1]:,} columns, "
          f"{len(engine.data.pairs):,} of {len(engine.data.candidates):,} pairs, peak {peak_mb(travel_mb):,.0f} MB",
          flush=True)

    def progress(found: int, result) -> None:
        restricted = engine.data.reach is not None and engine.formulation == "classic"
        kept = " over the nearest sites kept" if restricted else ""
        print(f"  {name}: round {engine.rounds + 1}: {result.status.value}, objective {result.objective:.6f}{kept}, "
              f"gap {gap_text(result.gap)}, {result.seconds:.1f} s (peak {peak_mb(travel_mb):,.0f} MB so far)",
              flush=True)

    def watch(now) -> None:
        print(f"  {name}: round {engine.rounds + 1}: {progress_text(now)}", flush=True)

    start = time.perf_counter()
    result = engine.solve(progress=progress, watch=watch)
    figures["solve_s"] = time.perf_counter() - start
    best = result.ranked[0] if result.ranked else None  # None: stopped before any solution was found
    restriction = result.restriction
    figures.update(status=result.status.value, gap=best.gap if best else None,
                   objective=best.objective if best else None,
                   rounds=restriction.rounds if restriction else 1,
                   repaired=bool(restriction and restriction.repaired),
                   scouted=bool(restriction and restriction.scouted), relaxation_bound=result.relaxation_bound,
                   openings=restriction.openings if restriction else 0,
                   closings=restriction.closings if restriction else 0,
                   kept_pairs=restriction.kept_pairs if restriction else len(engine.data.pairs),
                   candidate_pairs=len(engine.data.candidates), peak_mb=peak_mb(travel_mb))
    return figures


def _answer(f: dict) -> str:
    """Where the answer came from, when not from the search alone."""
    bound = f.get("relaxation_bound")
    moves = moves_text(f.get("openings", 0), f.get("closings", 0))
    opened = f", {moves}" if moves else ""
    parts = [f"the relaxation's configuration, served at each zone's {SERVING_HOSTS} nearest hosts{opened}"
             if f.get("scouted") else f"repaired: served at each zone's {SERVING_HOSTS} nearest hosts"
             if f["repaired"] else "",
             f"relaxation bound {bound:.6g}" if bound is not None and bound > -1e300 else ""]
    said = ", ".join(part for part in parts if part)
    return f" ({said})" if said else ""


def child(args: argparse.Namespace) -> None:
    figures = run_case(args.child, args.cache, args.time_limit, args.nearest)
    print("FIGURES " + json.dumps(figures), flush=True)


def in_own_process(name: str, args: argparse.Namespace, nearest_sites: int | None) -> dict:
    command = [sys.executable, __file__, "--child", name, "--cache", str(args.cache)]
    command += [] if args.time_limit is None else ["--time-limit", str(args.time_limit)]
    command += [] if nearest_sites is None else ["--nearest", str(nearest_sites)]
    figures = None
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        for line in process.stdout:  # progress as it comes
            if line.startswith("FIGURES "):
                figures = json.loads(line[len("FIGURES "):])
            else:
                print(line, end="", flush=True)
    if process.returncode or figures is None:
        raise SystemExit(f"{name}: the case failed (exit {process.returncode})")
    return figures


def report(figures: dict) -> None:
    f = figures
    total = f["load_s"] + f["travel_s"] + f["build_s"] + f["solve_s"]
    target = CASES[f["case"]]["target_s"]
    asked = CASES[f["case"]]["gap"]
    met = f["gap"] is not None and total <= target and f["gap"] <= asked + 1e-9
    gap = f"gap {f['gap']:.4%}" if f["gap"] is not None else "no solution found"
    status = f"optimal within the {asked:.0%} gap asked for" if f["status"] == "optimal" and asked else f["status"]
    generated = f"generated in {f['generate_s']:.1f} s; " if f["generate_s"] is not None else ""
    print(f"{f['case']}: {generated}load {f['load_s']:.1f} s, travel times {f['travel_s']:.1f} s, build "
          f"{f['build_s']:.1f} s, solve {f['solve_s']:.1f} s ({f['rounds']} round{'s' * (f['rounds'] != 1)}, "
          f"{f['kept_pairs']:,} of "
          f"{f['candidate_pairs']:,} pairs): total {total:.1f} s (target {target:.0f} s: "
          f"{'met' if met else 'NOT met'}); {status}{_answer(f)}, {gap}; "
          f"peak {f['peak_mb']:,.0f} MB "
          f"(target {MEMORY_TARGET_MB:,} MB: "
          f"{'met' if f['peak_mb'] <= MEMORY_TARGET_MB else 'NOT met'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--cache", type=Path, default=Path("out/scale"), help="where generated instances are kept")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds for the search (default: the case's target less the stages before it)")
    parser.add_argument("--reference", action="store_true", help="also solve the regional case as the full model")
    parser.add_argument("--nearest", type=int, default=None,
                        help="start each zone with its N nearest sites (default: chosen by size; 0: every pair)")
    parser.add_argument("--child", choices=list(CASES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    limit = "the target less the earlier stages" if args.time_limit is None else f"{args.time_limit:.0f} s"
    print(f"Python {sys.version.split()[0]}; each case in its own process; search time limit: {limit}")
    for name in args.cases:
        figures = in_own_process(name, args, args.nearest)
        report(figures)
        if args.reference and name == "regional":
            full = in_own_process(name, args, 0)
            print("full model (every pair):", end=" ")
            report(full)
            print(f"regional: full model / nearest-site restriction = {full['solve_s'] / figures['solve_s']:.1f}× "
                  "(both stopped by the limit where the lines above say so) "
                  f"solve time, {full['peak_mb'] / figures['peak_mb']:.1f}× peak memory")


if __name__ == "__main__":
    main()
