"""Our engine side by side with pbp-pmedian, PySAL spopt and a plain-Pyomo model on the same p-median instances.

Instances: OR-Library's pmed1–pmed40 with their published optima (pmed1–10 in tests/data/pmed, the rest
and the optima of all forty in benchmarks/data/pmed) and seeded random graphs in the same format (no
published optimum: the tools are compared with each other). Each graph
becomes an instance folder of our format (``optimiser.model.pmedian.write_pmedian_instance``); its
``travel_times(...).zone_site_min`` is the one cost matrix every tool gets. For each instance, in
this one process:

* **ours** – ``load_instance`` + ``solve`` (travel only, mip gap 0, the engine's defaults: these
  instances are uncapacitated, so the search runs on the radius formulation, its rows made as
  needed, :mod:`optimiser.search.radius`, and the configuration found is allocated in the model of each
  vertex's nearest medians, :mod:`optimiser.model.nearest`); total = load + travel times + model build +
  the solve, and the solve alone;
* **pbp** – pbp-pmedian's ``solve(C, p)`` (its own router: a two-phase Benders decomposition with
  radius cuts for p/n < 0.1, else a reduced model deepened until certified; HiGHS through highspy
  with HiGHS's default threads, which the package does not let a caller set); C is the matrix
  weighted by demand, sites × zones as it expects; total = its whole call;
* **spopt** – ``PMedian.from_cost_matrix(...).solve(...)`` with PuLP's HiGHS (highspy) when
  available, else CBC; total = model construction + solve (+ spopt's result arrays);
* **pyomo** – the classic model (x[i,j] ≤ y[j], Σ_j x[i,j] = 1, Σ_j y[j] = p, min Σ w_i d_ij x_ij,
  x and y binary as in spopt) in a ``pyo.ConcreteModel``, solved by appsi HiGHS (the solver behind
  ``SolverFactory("appsi_highs")``); total = construction + solve.

All solvers: HiGHS, relative gap 0, the same time limit; one thread but in pbp-pmedian. A tool whose run takes less
than a second is run again, up to five times, as long as its runs add up to less than two seconds,
and its median run is the one reported: a single run of 0.1 s on this shared machine varies by
±30%, in every tool.

The peers receive the cost matrix already computed; ours reads the instance folder and computes it
inside its total. So each ratio is given two ways: *given the matrix* (peer total / our total: the
peer's clock starts at the matrix, ours at the files) and *from the files* ((matrix + peer total) /
our total: both start at the instance folder, the peer charged what our ``load_instance`` +
``travel_times`` take to make its matrix, the fastest way we have). The targets, spopt ≥ 10× our
total on each instance and pbp-pmedian ≥ 3× our total over all of them, with equal optimal values,
are checked both ways.

    python benchmarks/peers.py                                 # pmed1–5, pmed6, pmed8, random 200/400/800
    python benchmarks/peers.py --pmed 1 2 --random 200 --time-limit 60
    python benchmarks/peers.py --pmed 1-40 --random --no-spopt --no-pyomo   # all of OR-Library, ours and pbp
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.appsi.solvers import Highs as AppsiHighs

from optimiser import load_instance, travel_times
from optimiser.model.pmedian import SERVICE_ID, TRAVEL_ONLY, write_pmedian_instance
from optimiser.search.engine import solve

try:
    import pulp
    from spopt.locate import PMedian
except ImportError as error:  # spopt is optional: without it the comparison is ours against Pyomo
    pulp = PMedian = None
    SPOPT_MISSING = str(error)
else:
    SPOPT_MISSING = ""
try:
    import pbp_pmedian
except ImportError as error:  # pbp-pmedian is optional too
    pbp_pmedian = None
    PBP_MISSING = str(error)
else:
    PBP_MISSING = ""

ROOT = Path(__file__).resolve().parent.parent
#: Where each OR-Library file is: pmed1–10 with the tests, the rest with the benchmarks.
PMED_FOLDERS = (ROOT / "tests" / "data" / "pmed", ROOT / "benchmarks" / "data" / "pmed")
OPTIMA_FILE = ROOT / "benchmarks" / "data" / "pmed" / "pmedopt.txt"
TARGET_RATIO = 10.0
#: pbp-pmedian's total over all instances, at least this many times ours.
PBP_TARGET_RATIO = 3.0
VALUE_TOLERANCE = 1e-6  # relative, between two objective values
#: Where a peer's clock starts: at our matrix, or at the instance folder, charged the making of the matrix.
START_LINES = (("given the matrix", False), ("from the files", True))
#: Runs of a tool on one instance at most, and the seconds they may add up to (see the docstring).
REPEATS, REPEAT_BUDGET_S = 5, 2.0


@dataclass
class Run:
    """One tool on one instance: wall-clock seconds, objective (p-median total) and whether it is proved optimal."""

    total_s: float
    value: float | None
    optimal: bool
    solve_s: float | None = None  # ours: the solver alone; peers: construction before the solve call
    note: str = ""


@dataclass
class Case:
    name: str
    folder: Path
    n: int
    p: int
    published: int | None


# --- instances ----------------------------------------------------------------------------------

def pmed_numbers(tokens: list[str]) -> list[int]:
    """OR-Library file numbers from ``1 2 5`` or ranges ``1-40``, in the order given."""
    numbers = []
    for token in tokens:
        first, _, last = token.partition("-")
        try:
            numbers.extend(range(int(first), int(last or first) + 1))
        except ValueError:
            raise argparse.ArgumentTypeError(f"--pmed takes numbers and ranges like 1-40, not {token!r}") from None
    return numbers


def published_optima() -> dict[str, int]:
    """OR-Library's proven optimal totals of pmed1–40 (``pmedopt.txt``: a header, then ``pmedK value``)."""
    lines = OPTIMA_FILE.read_text(encoding="utf-8").splitlines()[1:]
    return {name: int(value) for name, value in (line.split() for line in lines if line.strip())}


def pmed_file(name: str) -> Path:
    for folder in PMED_FOLDERS:
        if (folder / f"{name}.txt").exists():
            return folder / f"{name}.txt"
    raise FileNotFoundError(f"{name}.txt is in none of {', '.join(map(str, PMED_FOLDERS))}")


def random_pmed_file(path: Path, n: int, p: int, seed: int) -> Path:
    """A connected random graph in OR-Library pmed format: a random spanning tree plus random extra
    edges up to m = n²/50 (OR-Library's density), integer costs 1–100, all edges between distinct pairs."""
    rng = np.random.default_rng(seed)
    m = max(n - 1, n * n // 50)
    pairs: dict[tuple[int, int], int] = {}
    order = rng.permutation(n) + 1
    for k in range(1, n):  # spanning tree: each vertex joins one placed before it
        i, j = int(order[k]), int(order[rng.integers(k)])
        pairs[(min(i, j), max(i, j))] = int(rng.integers(1, 101))
    while len(pairs) < m:
        i, j = (int(v) for v in rng.choice(n, size=2, replace=False) + 1)
        pairs.setdefault((min(i, j), max(i, j)), int(rng.integers(1, 101)))
    lines = [f"{n} {len(pairs)} {p}"] + [f"{i} {j} {c}" for (i, j), c in pairs.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cost_matrix(case: Case) -> tuple[np.ndarray, np.ndarray, float]:
    """The zones × sites minutes and zone demands every peer is given, and the seconds they took
    to make from the instance folder."""
    start = time.perf_counter()
    instance = load_instance(case.folder)
    minutes = travel_times(instance).zone_site_min
    demand = instance.demand[SERVICE_ID].reindex(minutes.index).to_numpy(dtype=float)
    return minutes.to_numpy(dtype=float), demand, time.perf_counter() - start


# --- the three tools ----------------------------------------------------------------------------

def median_run(run: Callable[..., Run], *args) -> Run:
    """``run(*args)``, repeated while quick (:data:`REPEATS`, :data:`REPEAT_BUDGET_S`): its median run."""
    runs = [run(*args)]
    while len(runs) < REPEATS and sum(r.total_s for r in runs) + runs[-1].total_s < REPEAT_BUDGET_S:
        runs.append(run(*args))
    return sorted(runs, key=lambda r: r.total_s)[len(runs) // 2]


def run_ours(case: Case, limit_s: float) -> Run:
    start = time.perf_counter()
    instance = load_instance(case.folder)
    result = solve(instance, top=1, weights=TRAVEL_ONLY, time_limit_s=limit_s, mip_gap=0.0, threads=1)
    total = time.perf_counter() - start
    if not result.ranked:
        return Run(total, None, False, result.solve_s, f"status {result.status}")
    best = result.ranked[0]
    value = best.criteria["travel"] * float(instance.demand[SERVICE_ID].sum())
    optimal = best.gap is not None and best.gap <= 1e-9
    return Run(total, value, optimal, result.solve_s, "" if optimal else f"gap {best.gap}")


def run_pbp(d: np.ndarray, w: np.ndarray, p: int, limit_s: float) -> Run:
    start = time.perf_counter()
    value, _, _, status, engine = pbp_pmedian.solve((w[:, None] * d).T, p, time_limit=limit_s)
    total = time.perf_counter() - start
    optimal = status == 0  # pbp-pmedian's proved optimum (its certificate held)
    return Run(total, value, optimal, None, "" if optimal else f"status {status} ({engine})")


def spopt_solver(limit_s: float):
    if "HiGHS" in pulp.listSolvers(onlyAvailable=True):
        return pulp.HiGHS(msg=False, gapRel=0.0, threads=1, timeLimit=limit_s), "HiGHS"
    return pulp.PULP_CBC_CMD(msg=False, gapRel=0.0, threads=1, timeLimit=limit_s), "CBC"


def run_spopt(d: np.ndarray, w: np.ndarray, p: int, name: str, limit_s: float) -> Run:
    solver, _ = spopt_solver(limit_s)
    start = time.perf_counter()
    model = PMedian.from_cost_matrix(d, w, p_facilities=p, name=name)
    built = time.perf_counter() - start
    try:
        model.solve(solver)
    except RuntimeError as error:  # spopt refuses a model that is not solved
        return Run(time.perf_counter() - start, None, False, built, str(error)[:40])
    total = time.perf_counter() - start
    value = model.problem.objective.value()
    optimal = model.problem.sol_status == pulp.LpSolutionOptimal
    return Run(total, value, optimal, built, "" if optimal else "time limit")


def run_pyomo(d: np.ndarray, w: np.ndarray, p: int, limit_s: float) -> Run:
    start = time.perf_counter()
    n_zones, n_sites = d.shape
    cost = (w[:, None] * d).tolist()
    m = pyo.ConcreteModel()
    m.I = pyo.RangeSet(0, n_zones - 1)
    m.J = pyo.RangeSet(0, n_sites - 1)
    m.x = pyo.Var(m.I, m.J, within=pyo.Binary)
    m.y = pyo.Var(m.J, within=pyo.Binary)
    m.assign = pyo.Constraint(m.I, rule=lambda m, i: pyo.quicksum(m.x[i, j] for j in m.J) == 1)
    m.open = pyo.Constraint(m.I, m.J, rule=lambda m, i, j: m.x[i, j] <= m.y[j])
    m.count = pyo.Constraint(expr=pyo.quicksum(m.y[j] for j in m.J) == p)
    m.total = pyo.Objective(expr=pyo.quicksum(cost[i][j] * m.x[i, j] for i in m.I for j in m.J),
                            sense=pyo.minimize)
    built = time.perf_counter() - start
    opt = AppsiHighs()
    opt.config.load_solution = False
    opt.config.time_limit = limit_s
    opt.config.mip_gap = 0.0
    opt.highs_options = {"threads": 1, "mip_abs_gap": 0.0}
    results = opt.solve(m)
    total = time.perf_counter() - start
    optimal = results.termination_condition.name == "optimal"
    return Run(total, results.best_feasible_objective, optimal, built,
               "" if optimal else results.termination_condition.name)


# --- the table ----------------------------------------------------------------------------------

def same(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= VALUE_TOLERANCE * max(1.0, abs(b))


def seconds(run: Run | None) -> str:
    if run is None:
        return "–"
    return f"{run.total_s:.2f}" + ("" if run.optimal else "*")


def value_text(run: Run | None) -> str:
    if run is None or run.value is None:
        return "–"
    return f"{run.value:.0f}" if abs(run.value - round(run.value)) < 1e-6 else f"{run.value:.3f}"


def factor(peer: Run, ours: Run, matrix_s: float = 0.0) -> float:
    """How many times our total the peer took; ``matrix_s`` charges it the making of its matrix."""
    return (matrix_s + peer.total_s) / ours.total_s


def ratio(peer: Run | None, ours: Run, matrix_s: float = 0.0) -> str:
    if peer is None:
        return "–"
    text = f"{factor(peer, ours, matrix_s):.1f}"
    return (">" + text) if not peer.optimal else text  # a peer stopped by the limit took at least this long


def verdict(case: Case, runs: dict[str, Run | None]) -> str:
    """Compare the proved optima only: with the published one (pmed), else with each other."""
    proved = {tool: r.value for tool, r in runs.items() if r is not None and r.optimal}
    if case.published is not None:
        wrong = [tool for tool, v in proved.items() if not same(v, case.published)]
        if wrong:
            return "≠ pub: " + ",".join(wrong)
        return "= pub" + ("" if "ours" in proved else " (ours unproved)")
    if len(proved) < 2:
        return "unproved"
    first = next(iter(proved.values()))
    return "agree" if all(same(v, first) for v in proved.values()) else "DIFFER"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pmed", nargs="*", default=["1-6", "8"],
                        help="OR-Library pmed file numbers or ranges (1–40), e.g. 1-40 or 1 2 6")
    parser.add_argument("--random", type=int, nargs="*", default=[200, 400, 800],
                        help="vertex counts of random pmed-format graphs (p = n // 10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per tool and instance")
    parser.add_argument("--no-pbp", action="store_true")
    parser.add_argument("--no-spopt", action="store_true")
    parser.add_argument("--no-pyomo", action="store_true")
    args = parser.parse_args(argv)
    try:
        numbers = pmed_numbers(args.pmed)
    except argparse.ArgumentTypeError as error:
        parser.error(str(error))

    peers = [tool for tool, available, skipped in (("pbp", pbp_pmedian is not None, args.no_pbp),
                                                     ("spopt", PMedian is not None, args.no_spopt),
                                                     ("pyomo", True, args.no_pyomo)) if available and not skipped]
    _print_versions(args.time_limit, peers)
    optima = published_optima()
    with tempfile.TemporaryDirectory(prefix="peers-") as tmp:
        tmp = Path(tmp)
        cases = []
        for k in numbers:
            name = f"pmed{k}"
            cases.append(_case(name, write_pmedian_instance(pmed_file(name), tmp / name), optima[name]))
        for n in args.random:
            name = f"rand{n}"
            source = random_pmed_file(tmp / f"{name}.txt", n, max(1, n // 10), args.seed * 1000 + n)
            cases.append(_case(name, write_pmedian_instance(source, tmp / name), None))

        _warm_up(tmp, peers)
        header = (f"{'instance':<9}{'n':>5}{'p':>4}{'optimum':>9} | {'ours tot':>9}{'solve':>7}{'value':>8} | "
                  f"{'matrix':>7} | " + " | ".join(f"{tool + ' tot':>9}{'build':>7}{'value':>8}" for tool in peers)
                  + " | " + "".join(f"{tool[:5] + '/ours':>11}{'files':>7}" for tool in peers) + " | check")
        print(header)
        print("-" * len(header))
        rows = []
        for case in cases:
            d, w, matrix_s = cost_matrix(case)
            runs: dict[str, Run | None] = {"ours": median_run(run_ours, case, args.time_limit)}
            for tool in peers:
                runs[tool] = median_run(*_peer_call(tool, d, w, case, args.time_limit))
            ours = runs["ours"]
            rows.append((case, runs, matrix_s))
            published = str(case.published) if case.published is not None else "–"
            print(f"{case.name:<9}{case.n:>5}{case.p:>4}{published:>9} | {seconds(ours):>9}{ours.solve_s:>7.2f}"
                  f"{value_text(ours):>8} | {matrix_s:>7.2f} | "
                  + " | ".join(_peer_columns(runs[tool]) for tool in peers) + " | "
                  + "".join(f"{ratio(runs[tool], ours):>11}{ratio(runs[tool], ours, matrix_s):>7}" for tool in peers)
                  + f" | {verdict(case, runs)}", flush=True)
            notes = [f"{tool}: {run.note}" for tool, run in runs.items() if run is not None and run.note]
            if notes:
                print(f"{'':<9}  ({'; '.join(notes)})")

    print("tot = wall clock of everything the tool does from where its clock starts: ours from the instance "
          "folder, the peers from the matrix; ours: solve = solve step alone; peers: build = construction")
    print("matrix = load_instance + travel_times, which make the peers' matrix from the folder; "
          "x/ours: the peer given the matrix; files: the peer charged the matrix too")
    print("* stopped by the time limit (not proved optimal); '>' ratio: the peer needed at least that long.")
    for tool in peers:
        _summarise(tool, rows)
    _totals(["ours", *peers], rows)
    print(f"# peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if "pbp" in peers:
        for start_line, charged in START_LINES:
            _pbp_target(rows, charged, start_line)
    if "spopt" not in peers:
        print(f"target ≥ {TARGET_RATIO:g}× vs spopt: not measured (spopt not run)")
        return 0
    for start_line, charged in START_LINES:
        met = sum(_target(case, runs, matrix_s if charged else 0.0, start_line) for case, runs, matrix_s in rows)
        print(f"target met on {met} of {len(rows)} instances (spopt {start_line})")
    return 0


def _print_versions(limit_s: float, peers: list[str]) -> None:
    print(f"# peers: {platform.node()} · {platform.processor() or platform.machine()} · Python "
          f"{platform.python_version()} · time limit {limit_s:g} s per tool and instance, gap 0, "
          "1 thread (pbp-pmedian: HiGHS's default)")
    print(f"# pbp-pmedian {_version('pbp-pmedian')}" if "pbp" in peers
          else f"# pbp-pmedian not run{f' ({PBP_MISSING})' if PBP_MISSING else ''}")
    print(f"# spopt {_version('spopt')} with PuLP {_version('pulp')} / {spopt_solver(1.0)[1]}" if "spopt" in peers
          else f"# spopt not run{f' ({SPOPT_MISSING})' if SPOPT_MISSING else ''}")
    print(f"# pyomo {_version('pyomo')}, highspy {_version('highspy')}")


def _peer_call(tool: str, d: np.ndarray, w: np.ndarray, case: Case, limit_s: float) -> tuple:
    """The run function of a peer and its arguments, for :func:`median_run`."""
    if tool == "pbp":
        return run_pbp, d, w, case.p, limit_s
    if tool == "spopt":
        return run_spopt, d, w, case.p, case.name, limit_s
    return run_pyomo, d, w, case.p, limit_s


def _totals(tools: list[str], rows: list[tuple[Case, dict[str, Run | None], float]]) -> None:
    """Each tool's seconds over all instances, how many it proved, and how many of those are the published optimum."""
    matrix_s = sum(matrix for _, _, matrix in rows)
    for tool in tools:
        runs = [(case, runs[tool]) for case, runs, _ in rows]
        total = sum(run.total_s for _, run in runs)
        proved = [(case, run) for case, run in runs if run.optimal]
        right = sum(case.published is None or same(run.value, case.published) for case, run in proved)
        charged = "" if tool == "ours" else f" ({total + matrix_s:.1f} s charged the matrices)"
        print(f"total {tool:<6} {total:8.1f} s{charged}; proved {len(proved)} of {len(runs)}, "
              f"{right} of them equal to the published optimum or unpublished")


def _pbp_target(rows: list[tuple[Case, dict[str, Run | None], float]], charged: bool, start_line: str) -> bool:
    """Print whether pbp-pmedian's total took at least :data:`PBP_TARGET_RATIO` times ours, every instance
    proved by us with the published (or pbp's) optimum."""
    ours = sum(runs["ours"].total_s for _, runs, _ in rows)
    theirs = sum(runs["pbp"].total_s + (matrix_s if charged else 0.0) for _, runs, matrix_s in rows)
    right = all(runs["ours"].optimal and same(runs["ours"].value, case.published if case.published is not None
                                              else runs["pbp"].value) for case, runs, _ in rows)
    hit = theirs >= PBP_TARGET_RATIO * ours and right
    print(f"target ≥ {PBP_TARGET_RATIO:g}× vs pbp-pmedian in total ({start_line}): {'MET' if hit else 'NOT MET'} "
          f"({theirs / ours:.2f}×, {theirs:.1f} s against {ours:.1f} s; "
          f"{'every instance proved at its optimum' if right else 'ours not proved or not optimal on some'})")
    return hit


def _summarise(tool: str, rows: list[tuple[Case, dict[str, Run | None], float]]) -> None:
    """Geometric mean and range of the peer's factor, both ways, over the instances all tools proved."""
    proved = [(runs[tool], runs["ours"], matrix_s) for _, runs, matrix_s in rows
              if runs[tool] is not None and runs[tool].optimal and runs["ours"].optimal]
    for start_line, charged in START_LINES:
        factors = [factor(peer, ours, matrix_s if charged else 0.0) for peer, ours, matrix_s in proved]
        if factors:
            print(f"{tool}/ours ({start_line}) on the {len(factors)} instances all tools solved to optimality: "
                  f"geometric mean {np.exp(np.mean(np.log(factors))):.1f}×, "
                  f"range {min(factors):.1f}–{max(factors):.1f}×")


def _target(case: Case, runs: dict[str, Run | None], matrix_s: float, start_line: str) -> bool:
    """Print whether spopt took at least ``TARGET_RATIO`` times our total, with the same optimum."""
    ours, peer = runs["ours"], runs["spopt"]
    times = factor(peer, ours, matrix_s)
    equal = ours.optimal and peer.optimal and same(ours.value, peer.value)
    hit = times >= TARGET_RATIO and (equal or (ours.optimal and not peer.optimal))
    why = ("same optimum" if equal else "neither proved optimal within the limit"
           if not (peer.optimal or ours.optimal) else "ours not proved optimal within the limit"
           if not ours.optimal else "spopt not proved optimal within the limit" if not peer.optimal
           else "values differ")
    print(f"target ≥ {TARGET_RATIO:g}× vs spopt on {case.name:<8} ({start_line}): {'MET' if hit else 'NOT MET'} "
          f"({'>' if not peer.optimal else ''}{times:.1f}×, {why})")
    return hit


def _peer_columns(run: Run | None) -> str:
    build = f"{run.solve_s:.2f}" if run is not None and run.solve_s is not None else "–"
    return f"{seconds(run):>9}{build:>7}{value_text(run):>8}"


def _case(name: str, folder: Path, published: int | None) -> Case:
    instance = load_instance(folder)
    return Case(name, folder, len(instance.zones), int(instance.services.loc[SERVICE_ID, "max_sites"]), published)


def _warm_up(tmp: Path, peers: list[str]) -> None:
    """One untimed tiny solve with every tool, so that no first-call cost lands in the table."""
    source = random_pmed_file(tmp / "warm.txt", 12, 3, 0)
    case = _case("warm", write_pmedian_instance(source, tmp / "warm"), None)
    d, w, _ = cost_matrix(case)
    run_ours(case, 10.0)
    for tool in peers:
        run, *args = _peer_call(tool, d, w, case, 10.0)
        run(*args)


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    sys.exit(main())
