"""The ``optimiser`` command: a thin layer over the Python API.

Exit codes: 0 success, 1 no feasible configuration (proof printed), 2 bad
input (every problem printed with its file, row and column), 3 no answer: the
time limit ended a search before it found any configuration, or the solver
returned a solution at odds with its own report. Errors are one red line
each; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from solvers.highs import SolverDefect

from .errors import InstanceError, OptimiserError, Problem, Severity
from .instance import Instance, instance_folders, load_instance
from .travel import TravelTimes, travel_times, travel_times_by_mode

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3
#: Width of tables written to a file or pipe, where no terminal says how wide to be.
WIDE = 200
#: The instance a command works on when none is named.
DEFAULT_INSTANCE = "mse"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``optimiser`` console script."""
    args = _parser().parse_args(argv)
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else WIDE)
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        return args.run(args, console)
    except InstanceError as error:
        if args.debug:
            raise
        if getattr(args, "json", False):
            console.print_json(json.dumps({"instance": error.instance, "valid": False,
                                           "problems": [_problem_json(p) for p in error.problems]}))
        else:
            _print_problems(errors, error.problems, f"instance {error.instance!r} cannot be used")
        return EXIT_BAD_INPUT
    except OptimiserError as error:
        if args.debug:
            raise
        errors.print(f"[bold red]error:[/] {escape(str(error))}", soft_wrap=True)
        return EXIT_BAD_INPUT
    except SolverDefect as error:
        if args.debug:
            raise
        errors.print(f"[bold red]solver error:[/] {escape(str(error))}", soft_wrap=True)
        return EXIT_NO_ANSWER


# --- verbs ------------------------------------------------------------------------------------

def _list(args: argparse.Namespace, console: Console) -> int:
    """One line per named instance: name, size and title, or why it does not load."""
    for name, folder in instance_folders().items():
        try:
            instance = load_instance(folder)
        except InstanceError as error:
            console.print(f"{name:<12} [red]does not load: {len(error.problems)} problems[/] "
                          f"(optimiser validate {name})")
            continue
        console.print(f"{name:<12} {len(instance.sites):>4} sites {len(instance.zones):>6} zones "
                      f"{len(instance.services):>3} services  {instance.settings['title']}", markup=False)
    return EXIT_OK


def _validate(args: argparse.Namespace, console: Console) -> int:
    """Check every file, then look for cheap proofs of infeasibility."""
    from .proofs import prove_infeasible

    with console.status(f"Loading {args.instance} …"):
        instance = load_instance(args.instance)
        times = travel_times_by_mode(instance)
        proofs = prove_infeasible(instance, times)
    problems = list(instance.warnings) + proofs
    if args.json:
        console.print_json(json.dumps({"instance": instance.name, "valid": True,
                                       "problems": [_problem_json(p) for p in problems]}))
    else:
        _print_summary(console, instance, times[instance.settings["default_mode"]])
        if instance.warnings:
            _print_problems(console, list(instance.warnings), "warnings", style="yellow")
        if proofs:
            _print_problems(console, proofs, "no configuration can meet these rules")
        else:
            console.print(f"[green]✓[/] {escape(instance.name)}: every file is valid; no cheap proof of infeasibility")
    return EXIT_INFEASIBLE if proofs else EXIT_OK


def _travel(args: argparse.Namespace, console: Console) -> int:
    """Print (or write as CSV) the zone→site travel-time matrix of one mode."""
    instance = load_instance(args.instance)
    with console.status(f"Travel times by {args.mode or instance.settings['default_mode']} …"):
        times = travel_times(instance, args.mode)
    if args.csv:
        path = _new_file(args.csv, args.force)
        times.zone_site_min.round(2).to_csv(path)
        console.print(f"wrote {path}", markup=False)
        return EXIT_OK
    table = Table("zone", *times.zone_site_min.columns, title=f"{instance.name}: minutes by {times.mode}",
                  box=None, header_style="bold")
    names = instance.zones["name"]
    for zone_id, minutes in times.zone_site_min.iterrows():
        table.add_row(str(names[zone_id]), *(f"{m:.0f}" for m in minutes))
    console.print(table)
    return EXIT_OK


def _generate(args: argparse.Namespace, console: Console) -> int:
    """Write a synthetic instance folder of the asked size."""
    from .generate import generate_instance

    with console.status("Generating …"):
        folder = generate_instance(Path(args.out), sites=args.sites, zones=args.zones, services=args.services,
                                   seed=args.seed, road_nodes=args.road_nodes)
    console.print(f"wrote synthetic instance to {folder} (seed {args.seed})", markup=False)
    return EXIT_OK


def _roads_from_osm(args: argparse.Namespace, console: Console) -> int:
    """Build road_nodes.csv and roads.csv from a local OpenStreetMap file."""
    from .osm import roads_from_osm, write_roads

    with console.status(f"Reading {args.osm_file} …"):
        road_nodes, roads = roads_from_osm(Path(args.osm_file))
    write_roads(Path(args.folder), road_nodes, roads)
    console.print(f"wrote {len(road_nodes):,} junctions and {len(roads):,} roads to {args.folder}", markup=False)
    return EXIT_OK


def _solve(args: argparse.Namespace, console: Console) -> int:
    """The best configurations, ranked; a diagnosis when there is none."""
    from solvers.highs import Status

    from .diagnose import diagnose
    from .display import figures, gap_text, moves_text, progress_text, ranked_table, solve_json
    from .solve import solve

    instance = load_instance(args.instance)
    with console.status(f"Building and solving {instance.name} …") as status:
        found_so_far = [0]

        def progress(found: int, result) -> None:
            found_so_far[0] = found
            status.update(f"Solving {instance.name}: {found} of {args.top} configurations found …")

        def watch(now) -> None:
            status.update(f"Solving {instance.name}: {found_so_far[0]} of {args.top} configurations found; "
                          f"{progress_text(now)} …")

        result = solve(instance, top=args.top, weights=_weights(args.weight), time_limit_s=args.time_limit,
                       mip_gap=args.gap, threads=args.threads, closest_assignment=args.closest or None,
                       nearest_sites=args.nearest, progress=progress, watch=watch)
        diagnosis = diagnose(instance) if result.status is Status.INFEASIBLE else None
    code = EXIT_INFEASIBLE if diagnosis else EXIT_OK if result.ranked else EXIT_NO_ANSWER
    shown = figures(instance, result.ranked)
    if args.json:
        console.print_json(json.dumps(solve_json(instance, result, diagnosis, shown)))
        return code
    if diagnosis:
        _print_diagnosis(console, f"{instance.name}: no configuration meets every rule", diagnosis)
        return code
    if not result.ranked:
        console.print(f"[red]{instance.name}: the search ended ({result.status.value}) before it found any "
                      "configuration; allow more time with --time-limit[/]")
        return code
    console.print(ranked_table(instance, result, shown))
    console.print(f"solver {result.solver}: {result.status.value}; model built in {result.build_s:.2f} s, "
                  f"solved in {result.solve_s:.2f} s; weights "
                  + ", ".join(f"{k} {v:g}" for k, v in result.weights.items() if v))
    if result.restriction:
        r = result.restriction
        moves = moves_text(r.openings, r.closings)
        opened = f", with {moves} where that allocation showed it pays" if moves else ""
        outcome = ("the best answer is the configuration of the relaxation without capacity, volume and coverage "
                   f"rules, served at each zone's nearest hosts{opened}" if r.scouted else
                   "the time limit stopped the search, so the last configuration found was evaluated with each "
                   "zone's nearest hosts added" if r.repaired else
                   "no zone needed a farther site, so these are the full model's results")
        console.print(f"allocation pairs: {r.kept_pairs:,} of {r.candidate_pairs:,} (each zone's nearest sites, "
                      f"{r.rounds} round{'s' if r.rounds > 1 else ''}); {outcome}", markup=False)
    if result.relaxation_bound is not None and math.isfinite(result.relaxation_bound):
        console.print(f"bound from the relaxation without capacity, volume and coverage rules (radius formulation): "
                      f"{result.relaxation_bound:.6g}", markup=False)
    if result.formulation == "radius":
        console.print("allocation: uncapacitated, so every zone is served by its cheapest open site and the search "
                      "ran on the radius formulation (every candidate site, rows made as needed)", markup=False)
    if result.exhausted:
        console.print(f"[yellow]only {len(result.ranked)} distinct configurations meet every rule[/]")
    unproved = [r for r in result.ranked if r.status.value != "optimal"]
    for r in unproved:
        console.print(f"[yellow]rank {r.rank} is {r.status.value}, not proved optimal: gap {gap_text(r.gap)}[/]")
    return EXIT_OK


def _evaluate(args: argparse.Namespace, console: Console) -> int:
    """Each named option under the instance's model: its criteria, or the rules it breaks."""
    from .configuration import option_configuration
    from .diagnose import diagnose
    from .display import broken_rules, diagnosis_json, options_table
    from .solve import Solution, evaluate

    instance = load_instance(args.instance)
    option_ids = args.options or list(instance.options.index)
    outcomes = {}
    with console.status(f"Evaluating {len(option_ids)} options of {instance.name} …"):
        for option_id in option_ids:
            configuration = option_configuration(instance, option_id)
            outcome = evaluate(instance, configuration, weights=_weights(args.weight))
            outcomes[option_id] = outcome if isinstance(outcome, Solution) else diagnose(instance, configuration)
    if args.json:
        console.print_json(json.dumps({o: {"feasible": True, "objective": e.objective, "criteria": e.criteria}
                                       if isinstance(e, Solution) else {"feasible": False, **diagnosis_json(e)}
                                       for o, e in outcomes.items()}))
    else:
        console.print(options_table(instance, outcomes))
        for line in broken_rules(outcomes):
            console.print(line, markup=False)
    return EXIT_OK


def _report(args: argparse.Namespace, console: Console) -> int:
    """Solve, appraise the optimiser's best and the named options together, and write the option report."""
    with _optional_extra("report", "the report"):
        from reports.render import report

    from .study import study

    output = _new_file(args.output, args.force)
    if args.pdf:
        _new_file(str(output.with_suffix(".pdf")), args.force)
    swept = None
    if args.sweep is not None:  # read before solving: a wrong folder fails at once
        from .sweep import open_sweep

        folder = Path(args.sweep)
        if not folder.is_dir():
            raise OptimiserError(f"--sweep {args.sweep}: no such folder (give the -o folder of 'optimiser sweep')")
        try:
            swept = open_sweep(folder)
        except OptimiserError as error:
            raise OptimiserError(f"--sweep {args.sweep}: cannot read the sweep ({error})") from None
        except Exception as error:  # a damaged manifest or Parquet file
            raise OptimiserError(f"--sweep {args.sweep}: cannot read the sweep ({type(error).__name__}: "
                                 f"{error})") from None
    instance = load_instance(args.instance)
    with console.status(f"Solving and appraising {instance.name} …"):
        result = study(instance, top=args.top, weights=_weights(args.weight), samples=args.samples, seed=args.seed)
    with console.status("Writing the report …"):
        written = report(result, output, pdf=args.pdf, overwrite=args.force, sweep=swept)
    recommended = result.appraisal.recommended
    console.print(f"recommended: {recommended}" if recommended else "[yellow]no option passes every hurdle[/]")
    for path in written:
        console.print(f"wrote {path}", markup=False)
    return EXIT_OK


def _export(args: argparse.Namespace, console: Console) -> int:
    """The optimiser's best and the named options as a GeoPackage for QGIS: zones and sites layers."""
    with _optional_extra("geo", "--gpkg"):
        from .geography import export_gpkg

    from .study import study

    output = _new_file(args.gpkg, args.force)
    instance = load_instance(args.instance)
    with console.status(f"Solving and appraising {instance.name} …"):
        result = study(instance, top=args.top, weights=_weights(args.weight), samples=100)  # no robustness here
    appraisal = result.appraisal
    export_gpkg(instance, result.configurations, appraisal.access, appraisal.allocations, output)
    console.print(f"wrote {output} (layers zones and sites; {len(result.configurations)} configurations)",
                  markup=False)
    return EXIT_OK


def _sweep(args: argparse.Namespace, console: Console) -> int:
    """Many scenarios solved and summarised; re-running the same command resumes an interrupted sweep."""
    with _optional_extra("sweep", "sweeps"):
        from .scenario import load_scenarios
        from .sweep import Design, sweep

    instance = load_instance(args.instance)
    params = args.param or []
    if args.design == "named":
        named = load_scenarios(instance)
        chosen = {name: named[name] for name in (args.scenario or named)} if named else {}
        if not chosen:
            raise OptimiserError(f"{instance.name} has no scenarios.yaml: give --design with --param instead")
        design = Design.named(chosen)
    elif not params:
        raise OptimiserError(f"--design {args.design} needs at least one --param NAME=LOW:HIGH")
    else:
        design = {"oat": lambda: Design.oat(params),
                  "grid": lambda: Design.grid(params, levels=args.levels or 3),
                  "montecarlo": lambda: Design.monte_carlo(params, samples=args.samples or 100, seed=args.seed),
                  "sobol": lambda: Design.sobol(params, samples=args.samples or 64, seed=args.seed),
                  "morris": lambda: Design.morris(params, trajectories=args.samples or 10, levels=args.levels or 4,
                                                  seed=args.seed)}[args.design]()
    result = sweep(instance, design, out=args.output, workers=args.workers, scheduler=args.scheduler,
                   top=args.top, options=args.option or None, progress=not args.json)
    if args.json:
        console.print_json(result.summary().to_json(orient="records"))
        return EXIT_OK
    console.print(f"{len(result.solved)} scenarios solved, {len(result.failed)} failed; results in {args.output}",
                  markup=False)
    console.print(result.summary().drop(columns="key").to_string(index=False), markup=False)
    extra = {"oat": result.tornado, "sobol": result.indices, "morris": result.indices}.get(args.design)
    if extra is not None:
        console.print(extra().to_string(index=False), markup=False)
    return EXIT_OK


@contextmanager
def _optional_extra(extra: str, what: str) -> Iterator[None]:
    """Turn a missing optional dependency into one line saying which extra to install."""
    try:
        yield
    except ImportError as error:
        raise OptimiserError(f"{what} needs the optional extra ({error.name} is missing): "
                             f'pip install "hospital-site-optimiser[{extra}]"') from None


def _weights(pairs: list[str] | None) -> dict[str, float] | None:
    """``["travel=2", "capital=0.5"]`` → ``{"travel": 2.0, "capital": 0.5}``."""
    if not pairs:
        return None
    weights = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise OptimiserError(f"--weight {pair!r}: write CRITERION=NUMBER, e.g. --weight travel=2") from None
    return weights


# --- output -----------------------------------------------------------------------------------

def _print_summary(console: Console, instance: Instance, times: TravelTimes) -> None:
    population = instance.zones["population"].sum()
    console.print(f"[bold]{escape(instance.name)}[/] — {escape(instance.settings['title'])} "
                  f"({instance.settings['year']})")
    console.print(f"  {len(instance.sites)} sites, {len(instance.zones)} zones ({population:,.0f} people), "
                  f"{len(instance.services)} service lines, {len(instance.road_nodes):,} road junctions, "
                  f"{len(instance.roads):,} roads, {len(instance.options)} named options")
    totals = instance.demand.sum()
    activity = instance.services["activity"]
    console.print("  yearly demand: " + "; ".join(
        f"{service} {total:,.0f} {activity[service]}" for service, total in totals.items()), markup=False)
    snapped = times.snapped.loc[times.snapped["snap_km"].idxmax()]
    console.print(f"  every site and zone is within {snapped['snap_km']:.1f} km of a road junction "
                  f"(furthest: {snapped['name']})", markup=False)
    nearest = times.zone_site_min.min(axis=1)
    worst = nearest.idxmax()
    console.print(f"  by {times.mode}, with every site open (no configuration yet), the nearest site is "
                  f"{nearest.median():.0f} min away for the median zone, {nearest.max():.0f} min at worst "
                  f"({instance.zones.loc[worst, 'name']}); a configuration's figures are in solve and report",
                  markup=False)


def _print_problems(console: Console, problems: list[Problem], heading: str, style: str = "red") -> None:
    console.print(f"[bold {style}]{escape(heading)}[/] ({len(problems)}):")
    for problem in problems:
        label = "warning" if problem.severity is Severity.WARNING else problem.severity.value
        console.print(f"  [{style}]{label}[/] {escape(str(problem))}", soft_wrap=True, highlight=False)


def _print_diagnosis(console: Console, heading: str, diagnosis) -> None:
    console.print(f"[bold red]{escape(heading)}[/]")
    if not diagnosis.relaxations:
        console.print(f"  the relaxation found no explanation (status: {diagnosis.status.value})")
        return
    console.print(f"  rules in conflict: {', '.join(diagnosis.conflicting)}")
    for number, way in enumerate([diagnosis.relaxations, *diagnosis.alternatives]):
        console.print("  the least relaxation that makes a configuration possible:" if number == 0
                      else "  or else:")
        for relaxation in way:
            console.print(f"  - {relaxation.message}", markup=False)


def _problem_json(problem: Problem) -> dict:
    return {**asdict(problem), "severity": problem.severity.value}


def _new_file(path: str, force: bool) -> Path:
    target = Path(path)
    if target.exists() and not force:
        raise OptimiserError(f"{target} exists: choose a new file name, or pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


# --- parser -----------------------------------------------------------------------------------

def _model_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--weight", action="append", metavar="CRITERION=W",
                     help="override a criterion weight (travel, equity, worst_zone, capital, running, workforce, "
                          "disruption); repeat for several")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser = argparse.ArgumentParser(prog="optimiser", parents=[common],
                                     description="Which hospital site should host which service line.")
    verbs = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")

    def verb(name: str, run, help_text: str) -> argparse.ArgumentParser:
        sub = verbs.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(run=run)
        return sub

    verb("list", _list, "list the named instances")
    sub = verb("validate", _validate, "check an instance's files and look for proofs of infeasibility")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance (see 'optimiser list') or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--json", action="store_true", help="print the problems as JSON")
    sub = verb("solve", _solve, "the best configurations, ranked, with proof of optimality")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--top", type=int, default=1, help="how many distinct configurations (default 1)")
    _model_arguments(sub)
    sub.add_argument("--time-limit", type=float, default=None,
                     help="seconds for the whole search, every round and ranked configuration (default: none)")
    sub.add_argument("--gap", type=float, default=0.0, help="relative MIP gap accepted (default 0: proved optimal)")
    sub.add_argument("--threads", type=int, default=1, help="solver threads (default 1, for repeatable results)")
    sub.add_argument("--closest", action="store_true", help="patients use their nearest open site")
    sub.add_argument("--nearest", type=int, metavar="N",
                     help="start each zone with its N nearest sites, grown until the result is exact "
                          "(0: every pair; default: by size)")
    sub.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = verb("evaluate", _evaluate, "evaluate named options (default: all of the instance's options)")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("options", nargs="*", help="option ids from options.yaml (default: all)")
    _model_arguments(sub)
    sub.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = verb("report", _report, "the ranked option report for the clinical senate (HTML, and PDF with --pdf)")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("-o", "--output", required=True, help="the HTML file to write, e.g. out/mse.html")
    sub.add_argument("--pdf", action="store_true", help="also write a PDF of the same content beside it")
    sub.add_argument("--top", type=int, default=5, help="how many of the optimiser's configurations (default 5)")
    sub.add_argument("--samples", type=int, default=20_000, help="weight samples for rank acceptability")
    sub.add_argument("--seed", type=int, default=0, help="seed of the weight samples (default 0)")
    sub.add_argument("--force", action="store_true", help="replace the report files if they exist")
    sub.add_argument("--sweep", metavar="DIR", help="add a sensitivity section from a finished sweep's folder "
                                                    "(the -o of 'optimiser sweep')")
    _model_arguments(sub)
    sub = verb("export", _export, "the best configurations and the named options as a GeoPackage for QGIS")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--gpkg", required=True, help="the GeoPackage to write, e.g. out/mse.gpkg")
    sub.add_argument("--top", type=int, default=5, help="how many of the optimiser's configurations (default 5)")
    sub.add_argument("--force", action="store_true", help="replace the file if it exists")
    _model_arguments(sub)
    sub = verb("sweep", _sweep, "solve many scenarios (parameter overrides) and summarise how the answer moves")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--design", required=True, choices=["oat", "grid", "montecarlo", "sobol", "morris", "named"],
                     help="oat: one at a time (tornado); grid; montecarlo; sobol and morris (SALib indices); "
                          "named: the instance's scenarios.yaml")
    sub.add_argument("--param", action="append", metavar="NAME=SPEC",
                     help="a parameter and its range, e.g. weights.travel=0.5:2, demand.obstetrics=0.9,1,1.1, "
                          "speed.bluelight.*=triangular(1.1,1.25,1.4); repeat for several")
    sub.add_argument("--scenario", action="append", help="a scenario of scenarios.yaml (with --design named)")
    sub.add_argument("--samples", type=int, help="draws (montecarlo), base sample (sobol, a power of 2) or "
                                                 "trajectories (morris)")
    sub.add_argument("--levels", type=int, help="levels per parameter (grid, morris)")
    sub.add_argument("--seed", type=int, default=0, help="seed of the design (default 0)")
    sub.add_argument("--top", type=int, default=3, help="configurations ranked per scenario (default 3)")
    sub.add_argument("--option", action="append", help="named option to evaluate in each scenario (default: all)")
    sub.add_argument("--workers", type=int, help="local worker processes (default: the cores; 0: in this process)")
    sub.add_argument("--scheduler", help="address of a Dask scheduler to run on instead of local processes")
    sub.add_argument("-o", "--output", required=True, help="folder of the sweep's results (resumed if it exists)")
    sub.add_argument("--json", action="store_true", help="print the summary as JSON")
    sub = verb("travel", _travel, "travel times from every zone to every site")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--mode", help="travel mode from modes.csv (default: the instance's default mode)")
    sub.add_argument("--csv", help="write the matrix to this CSV file instead of printing it")
    sub.add_argument("--force", action="store_true", help="replace the CSV file if it exists")
    sub = verb("generate", _generate, "write a synthetic instance of any size")
    sub.add_argument("out", help="new folder to write the instance into")
    sub.add_argument("--sites", type=int, default=10, help="number of sites (default 10)")
    sub.add_argument("--zones", type=int, default=200, help="number of zones (default 200)")
    sub.add_argument("--services", type=int, default=8, help="number of service lines (default 8)")
    sub.add_argument("--seed", type=int, default=0, help="random seed: same seed, same files (default 0)")
    sub.add_argument("--road-nodes", type=int, default=None, help="road junctions (default: scales with zones)")
    sub = verb("roads-from-osm", _roads_from_osm, "build an instance's road graph from a local .osm file")
    sub.add_argument("osm_file", help="OpenStreetMap XML file (.osm)")
    sub.add_argument("folder", help="instance folder to write road_nodes.csv and roads.csv into")
    return parser

