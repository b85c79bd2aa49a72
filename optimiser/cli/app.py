"""The ``optimiser`` command: a thin layer over the Python API.

Exit codes: 0 success, 1 no feasible configuration (proof printed), 2 bad
input (every problem printed with its file, row and column), 3 no answer: the
time limit ended a search before it found any configuration, or the solver
returned a solution at odds with its own report. Errors are one red line
each; ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from optimiser.errors import InstanceError, OptimiserError, Problem, Severity
from optimiser.text import shown

if TYPE_CHECKING:  # imported where used: `optimiser --help` loads neither pandas nor the solver
    from rich.console import Console

    from optimiser.instance.folder import Instance
    from optimiser.instance.travel import TravelTimes

EXIT_OK, EXIT_INFEASIBLE, EXIT_BAD_INPUT, EXIT_NO_ANSWER = 0, 1, 2, 3
#: Width of tables written to a file or pipe, where no terminal says how wide to be.
WIDE = 200
#: The instance a command works on when none is named.
DEFAULT_INSTANCE = "mse"
#: Assumptions ``explain`` prints.
EXPLAINED = 6
#: Findings of each plausibility check shown per configuration (``--long``: all).
REVIEWED = 3
#: What ``--distinct`` means, for solve and sweep alike.
DISTINCT_HELP = ("what makes the --top configurations different, each the best of its kind: roles (the hospital "
                 "model of each site), all (every service line) or services:A,B (where those services are); "
                 "default: roles where the instance has them, else all")
#: How each builder made the model, in the words of ``solve``'s summary line.
BUILT_BY = {"matrix": "matrices assembled with numpy", "pyomo": "model stated in Pyomo"}
#: Python's cyclic garbage collector runs a young-generation pass every this many new container objects (700
#: by default). A command makes millions of short-lived ones (pandas frames, matplotlib artists, WeasyPrint
#: boxes) while its instance, model and study stay alive, so the default's frequent passes, and the full ones
#: they trigger over that heap, took a fifth of `report mse` (6.1-11.1 s against 5.6-9.2 s at 50,000).
GC_YOUNG_THRESHOLD = 50_000


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``optimiser`` console script."""
    from rich.console import Console

    argv = list(sys.argv[1:] if argv is None else argv)
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else _columns())
    errors = Console(stderr=True, highlight=False, soft_wrap=True)
    args = None
    try:
        args = _parser().parse_args(argv)
        return args.run(args, console)
    except Exception as error:
        if (not isinstance(error, OptimiserError) and not _solver_defect(error)) or (args is not None and args.debug):
            raise
        as_json = getattr(args, "json", False) if args is not None else "--json" in argv
        _print_error(console if as_json else errors, error, as_json=as_json)
        return EXIT_BAD_INPUT if isinstance(error, OptimiserError) else EXIT_NO_ANSWER


def run() -> NoReturn:
    """The console script (and ``python -m optimiser``): :func:`main`, then exit with its code. The objects
    left are frozen first, so that the interpreter's last full garbage collection skips them: after a report
    that collection alone took 0.3 s, and nothing the command wrote depends on it (every file is closed)."""
    code = main()
    gc.freeze()
    sys.exit(code)


def _columns() -> int:
    """Width of output to a file or pipe: ``COLUMNS`` where it says, else :data:`WIDE`."""
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else WIDE


def _print_error(console: Console, error: Exception, *, as_json: bool) -> None:
    """Every error as one red line (an instance's problems, one line each), or as JSON with ``--json``."""
    if isinstance(error, InstanceError):
        if as_json:
            _print_json(console, {"instance": error.instance, "valid": False,
                                  "problems": [_problem_json(p) for p in error.problems]})
        else:
            _print_problems(console, error.problems, f"instance {error.instance!r} cannot be used")
    elif as_json:
        _print_json(console, {"valid": False, "error": str(error)})
    else:
        label = "solver error" if _solver_defect(error) else "error"
        console.print(f"[bold red]{label}:[/] {shown(error)}")


def _print_json(console: Console, document: Any) -> None:
    """JSON for machines: every character beyond ASCII escaped, so no control character reaches a terminal."""
    console.print_json(json.dumps(document), ensure_ascii=True)


class _UsageError(OptimiserError):
    """An option the parser refused: one line, or JSON with ``--json``, and exit 2 like any bad input."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _solver_defect(error: Exception) -> bool:
    """Whether the solver's answer was at odds with its own report (solvers.highs, loaded only by a solve)."""
    highs = sys.modules.get("solvers.highs")
    return highs is not None and isinstance(error, highs.SolverDefect)



# --- verbs ------------------------------------------------------------------------------------

def _list(args: argparse.Namespace, console: Console) -> int:
    """One line per named instance: name, size and title (read, not checked: ``validate`` checks)."""
    from optimiser.instance.catalogue import entry, instance_folders

    for name, folder in instance_folders().items():
        listed = entry(name, folder)
        if listed.unreadable:
            console.print(f"{shown(name):<12} [red]cannot be read: {shown(listed.unreadable)}[/] "
                          f"(optimiser validate {shown(name)})")
            continue
        console.print(shown(f"{name:<12} {listed.sites:>4} sites {listed.zones:>6} zones {listed.services:>3} "
                            f"services  {listed.title}"))
    return EXIT_OK


def _validate(args: argparse.Namespace, console: Console) -> int:
    """Check every file, then look for cheap proofs of infeasibility."""
    from optimiser.instance.folder import load_instance
    from optimiser.instance.proofs import prove_infeasible
    from optimiser.instance.travel import travel_times_by_mode

    with console.status(f"Loading {shown(args.instance)} …"):
        instance = load_instance(args.instance)
        times = travel_times_by_mode(instance)
        proofs = prove_infeasible(instance, times)
    problems = list(instance.warnings) + proofs
    if args.json:
        _print_json(console, {"instance": instance.name, "valid": True,
                              "problems": [_problem_json(p) for p in problems]})
    else:
        _print_summary(console, instance, times[instance.settings["default_mode"]])
        if instance.warnings:
            _print_problems(console, list(instance.warnings), "warnings", style="yellow")
        if proofs:
            _print_problems(console, proofs, "no configuration can meet these rules")
        else:
            console.print(f"[green]✓[/] {shown(instance.name)}: every file is valid; no cheap proof of infeasibility")
    return EXIT_INFEASIBLE if proofs else EXIT_OK


def _travel(args: argparse.Namespace, console: Console) -> int:
    """Print (or write as CSV) the zone→site travel-time matrix of one mode."""
    from rich.table import Table

    from optimiser.instance.folder import load_instance
    from optimiser.instance.travel import travel_times

    instance = load_instance(args.instance)
    with console.status(f"Travel times by {shown(args.mode or instance.settings['default_mode'])} …"):
        times = travel_times(instance, args.mode)
    if args.csv:
        path = _new_file(args.csv, args.force)
        times.zone_site_min.round(2).to_csv(path)
        console.print(f"wrote {shown(path)}")
        return EXIT_OK
    table = Table("zone", *times.zone_site_min.columns, title=f"{shown(instance.name)}: minutes by {times.mode}",
                  box=None, header_style="bold")
    names = instance.zones["name"]
    for zone_id, minutes in times.zone_site_min.iterrows():
        table.add_row(shown(names[zone_id]), *(f"{m:.0f}" for m in minutes))
    console.print(table)
    return EXIT_OK


def _generate(args: argparse.Namespace, console: Console) -> int:
    """Write a synthetic instance folder of the asked size."""
    from optimiser.instance.generate import generate_instance

    with console.status("Generating …"):
        folder = generate_instance(Path(args.out), sites=args.sites, zones=args.zones, services=args.services,
                                   seed=args.seed, road_nodes=args.road_nodes, feed_stops=args.feed_stops)
    feed = f", with a made-up GTFS feed of {args.feed_stops:,} stops" if args.feed_stops else ""
    console.print(f"wrote synthetic instance to {shown(folder)} (seed {args.seed}){feed}")
    return EXIT_OK


def _roads_from_osm(args: argparse.Namespace, console: Console) -> int:
    """Build road_nodes.csv and roads.csv from a local OpenStreetMap file."""
    from optimiser.instance.osm import roads_from_osm, write_roads

    with console.status(f"Reading {args.osm_file} …"):
        road_nodes, roads = roads_from_osm(Path(args.osm_file))
    write_roads(Path(args.folder), road_nodes, roads)
    console.print(f"wrote {len(road_nodes):,} junctions and {len(roads):,} roads to {shown(args.folder)}")
    return EXIT_OK


def _solve(args: argparse.Namespace, console: Console) -> int:
    """The best configurations, ranked; a diagnosis when there is none."""
    from optimiser.appraisal.display import figures, gap_text, moves_text, progress_text, ranked_table, solve_json
    from optimiser.instance.folder import load_instance
    from optimiser.instance.travel import travel_times_by_mode
    from optimiser.search.diagnose import diagnose
    from optimiser.search.engine import solve
    from solvers.highs import Status

    instance = load_instance(args.instance)
    with console.status(f"Building and solving {shown(instance.name)} …") as status:
        found_so_far = [0]

        def progress(found: int, result) -> None:
            found_so_far[0] = found
            status.update(f"Solving {shown(instance.name)}: {found} of {args.top} configurations found …")

        def watch(now) -> None:
            status.update(f"Solving {shown(instance.name)}: {found_so_far[0]} of {args.top} configurations found; "
                          f"{progress_text(now)} …")

        result = solve(instance, top=args.top, weights=_weights(args.weight), time_limit_s=args.time_limit,
                       mip_gap=args.gap, threads=args.threads, closest_assignment=args.closest or None,
                       nearest_sites=args.nearest, progress=progress, watch=watch, distinct=args.distinct,
                       builder=args.builder)
        diagnosis = diagnose(instance) if result.status is Status.INFEASIBLE else None
    code = EXIT_INFEASIBLE if diagnosis else EXIT_OK if result.ranked else EXIT_NO_ANSWER
    times = travel_times_by_mode(instance)  # once, for the figures and the review
    headlines = figures(instance, result.ranked, times)
    if args.json:
        _print_json(console, solve_json(instance, result, diagnosis, headlines))
        return code
    if diagnosis:
        _print_diagnosis(console, f"{instance.name}: no configuration meets every rule", diagnosis)
        return code
    if not result.ranked:
        console.print(f"[red]{shown(result.why_no_answer())} with --time-limit[/]")
        return code
    console.print(ranked_table(instance, result, headlines))
    _print_configurations(console, instance, result.ranked, long=args.long, level=args.distinct)
    _print_review(console, instance, {r.configuration.name: r for r in result.ranked}, times, long=args.long)
    console.print(f"solver {result.solver}: {result.status.value}; model built in {result.build_s:.2f} s, "
                  f"solved in {result.solve_s:.2f} s ({BUILT_BY[result.builder]}); weights "
                  + ", ".join(f"{k} {v:g}" for k, v in result.weights.items() if v), soft_wrap=False)
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
                      f"{r.rounds} round{'s' if r.rounds > 1 else ''}); {outcome}", markup=False, soft_wrap=False)
    if result.relaxation_bound is not None and math.isfinite(result.relaxation_bound):
        console.print(f"bound from the relaxation without capacity, volume and coverage rules (radius formulation): "
                      f"{result.relaxation_bound:.6g}", markup=False, soft_wrap=False)
    if result.formulation == "radius":
        console.print("allocation: uncapacitated, so every zone is served by its cheapest open site and the search "
                      "ran on the radius formulation (every candidate site, rows made as needed)", markup=False,
                      soft_wrap=False)
    if result.exhausted:
        console.print(f"[yellow]only {len(result.ranked)} distinct configurations meet every rule[/]")
    if result.limited:
        console.print(f"[yellow]the time limit of {result.time_limit_s:g} s ended the search: these are the best "
                      "configurations it found[/]", soft_wrap=False)
    unproved = [r for r in result.ranked if r.status.value != "optimal"]
    for r in unproved:
        console.print(f"[yellow]rank {r.rank} is {r.status.value}, not proved optimal: gap {gap_text(r.gap)}[/]")
    return EXIT_OK


def _export_model(args: argparse.Namespace, console: Console) -> int:
    """Write the instance's Pyomo model as MPS or LP, its weighted objective included, for other solvers."""
    from optimiser.instance.folder import load_instance
    from optimiser.search.export import export_model

    target = _new_file(args.output, args.force)
    instance = load_instance(args.instance)
    with console.status(f"Writing the model of {instance.name} …"):
        export_model(instance, target, weights=_weights(args.weight))
    console.print(f"wrote {target}", markup=False)
    return EXIT_OK


def _evaluate(args: argparse.Namespace, console: Console) -> int:
    """Each named option under the instance's model: its criteria, or the rules it breaks."""
    from optimiser.appraisal.display import broken_rules, diagnosis_json, options_table
    from optimiser.instance.configuration import option_configuration
    from optimiser.instance.folder import load_instance
    from optimiser.instance.travel import travel_times_by_mode
    from optimiser.search.diagnose import diagnose
    from optimiser.search.engine import Solution, evaluate

    instance = load_instance(args.instance)
    option_ids = args.options or list(instance.options.index)
    outcomes = {}
    with console.status(f"Evaluating {len(option_ids)} options of {shown(instance.name)} …"):
        for option_id in option_ids:
            configuration = option_configuration(instance, option_id)
            outcome = evaluate(instance, configuration, weights=_weights(args.weight), solver=_solver_options(args))
            outcomes[option_id] = outcome if isinstance(outcome, Solution) else diagnose(instance, configuration)
    if args.json:
        _print_json(console, {o: {"feasible": True, "objective": e.objective, "criteria": e.criteria}
                              if isinstance(e, Solution) else {"feasible": False, **diagnosis_json(e)}
                              for o, e in outcomes.items()})
    else:
        times = travel_times_by_mode(instance)  # once, for the figures and the review
        console.print(options_table(instance, outcomes, times))
        feasible = {o: e for o, e in outcomes.items() if isinstance(e, Solution)}
        _print_configurations(console, instance, list(feasible.values()), long=args.long)
        for line in broken_rules(outcomes):
            console.print(shown(line), soft_wrap=False)
        _print_review(console, instance, feasible, times, long=args.long)
    return EXIT_OK


def _explain(args: argparse.Namespace, console: Console) -> int:
    """Two configurations side by side: the difference by criterion, service line and zone, in words,
    the assumptions it rests on, and the weights at which their order flips."""
    from rich.table import Table

    from optimiser.appraisal.explain import explain
    from optimiser.instance.folder import load_instance

    instance = load_instance(args.instance)
    if len(args.configurations) == 1:
        raise OptimiserError("give two configurations to compare (e.g. '#1 1A'), or none for the best against "
                             "the decision")
    with console.status(f"Explaining {instance.name} …"):
        found = explain(instance, *args.configurations, weights=_weights(args.weight), sweep=not args.no_sweep)
    if args.json:
        console.print_json(json.dumps({
            "a": found.a, "b": found.b, "objective_a": found.objective_a, "objective_b": found.objective_b,
            "criteria": json.loads(found.criteria.reset_index().to_json(orient="records")),
            "by_service": json.loads(found.by_service().reset_index().to_json(orient="records")),
            "by_zone": json.loads(found.by_zone().reset_index().to_json(orient="records")),
            "assumptions": json.loads(found.assumptions.to_json(orient="records")),
            "flips": json.loads(found.flips.to_json(orient="records")), "sentences": found.sentences(instance)}))
        return EXIT_OK
    table = Table("criterion", "weight", found.a, found.b, "objective difference", "share",
                  title=f"{instance.name}: {found.b} against {found.a}", header_style="bold")
    for criterion, row in found.criteria.iterrows():
        table.add_row(criterion, f"{row['weight']:g}", f"{row['a']:.4g}", f"{row['b']:.4g}",
                      f"{row['objective_difference']:+.4f}", _share(row["share"]))
    console.print(table)
    for line in found.sentences(instance):
        console.print(f"  {line}", markup=False)
    console.print("assumptions the difference rests on (scenario parameters, largest share first):", markup=False)
    for row in found.assumptions.head(EXPLAINED).itertuples():
        console.print(f"  {row.parameter} = {row.value:g}: {_share(row.share)} of the difference", markup=False)
    return EXIT_OK


def _share(share: float) -> str:
    return "" if math.isnan(share) else f"{share:.0%}"


def _report(args: argparse.Namespace, console: Console) -> int:
    """Solve, appraise the optimiser's best and the named options together, and write the option report."""
    from optimiser.instance.folder import load_instance

    with _optional_extra("report", "the report"):
        from reports.render import report

    if Path(args.output).suffix.lower() == ".pdf":  # with --pdf, the PDF beside it would replace it
        raise OptimiserError(f"-o {args.output}: the report is HTML, so name an .html file "
                             f"({Path(args.output).with_suffix('.html')}); --pdf writes the PDF beside it")
    output = _new_file(args.output, args.force)
    if args.pdf:
        _new_file(str(output.with_suffix(".pdf")), args.force)
    swept = None
    if args.sweep is not None:  # read before solving: a wrong folder fails at once
        from optimiser.sweeps.runner import open_sweep

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
    result = _studied(console, instance, args)
    with console.status("Writing the report …"):
        written = report(result, output, pdf=args.pdf, overwrite=args.force, sweep=swept)
    _print_proof(console, result.solver)
    recommended = result.appraisal.recommended
    console.print(f"recommended: {shown(recommended)}" if recommended else "[yellow]no option passes every hurdle[/]")
    for path in written:
        console.print(f"wrote {shown(path)}")
    return EXIT_OK


def _study(args: argparse.Namespace, console: Console) -> int:
    """The report's ranking in the terminal: the optimiser's best and the named options appraised together."""
    from rich.table import Table

    from optimiser.appraisal.display import configuration_lines, site_table
    from optimiser.instance.folder import load_instance

    instance = load_instance(args.instance)
    result = _studied(console, instance, args)
    ranking = result.appraisal.ranking
    sources = result.appraisal.options["source"]
    table = Table(title=f"{shown(instance.name)}: options ranked by weighted score", header_style="bold")
    for heading in ("rank", "option", "source", "hurdles", "score"):
        table.add_column(heading, justify="right" if heading in ("rank", "score") else "left", no_wrap=True)
    for row in ranking.itertuples():
        table.add_row("" if row.rank != row.rank else f"{row.rank:.0f}", shown(row.option), sources[row.option],
                      "passed" if row.passed_hurdles else "[red]failed[/]",
                      "" if row.weighted != row.weighted else f"{row.weighted:.2f}")
    console.print(table)
    for option in ranking["option"]:
        console.print(f"{shown(option)} ({sources[option]})")
        for line in configuration_lines(instance, result.configurations[option], console.width - 2):
            console.print(f"  {line}")
        if args.long:
            console.print(site_table(instance, result.configurations[option], console.width), soft_wrap=False)
    _print_proof(console, result.solver)
    return EXIT_OK


def _studied(console: Console, instance: Instance, args: argparse.Namespace):
    """The study (optimiser.study) of ``instance`` under the command's options, each stage shown as it runs."""
    import time

    from optimiser.appraisal.study import study

    start = time.perf_counter()
    with console.status(f"Solving and appraising {shown(instance.name)} …") as status:
        def progress(stage: str) -> None:
            status.update(f"{shown(instance.name)}, {time.perf_counter() - start:.0f} s: {shown(stage)} …")

        return study(instance, top=args.top, weights=_weights(args.weight), samples=args.samples, seed=args.seed,
                     solver=_solver_options(args), progress=progress)


def _print_proof(console: Console, run: dict) -> None:
    """Whether a study's search proved its configurations optimal, said plainly."""
    if run.get("limited"):
        console.print(f"[yellow]the time limit of {run['time_limit_s']:g} s ended the search after {run['found']} of "
                      f"{run['top']} configurations[/]", soft_wrap=False)
    if run.get("unproved"):
        from optimiser.appraisal.display import gap_text

        console.print(f"[yellow]not proved optimal: {', '.join(map(shown, run['unproved']))} (worst gap "
                      f"{gap_text(run['gap'])})[/]", soft_wrap=False)
    elif run.get("found"):
        console.print(f"the search proved its {run['found']} configurations optimal", markup=False)


def _export(args: argparse.Namespace, console: Console) -> int:
    """The optimiser's best and the named options as a GeoPackage for QGIS: zones, sites and any neighbours."""
    with _optional_extra("geo", "--gpkg"):
        from optimiser.appraisal.geography import export_gpkg

    from optimiser.appraisal.study import study
    from optimiser.instance.folder import load_instance

    output = _new_file(args.gpkg, args.force)
    instance = load_instance(args.instance)
    with console.status(f"Solving and appraising {instance.name} …"):
        result = study(instance, top=args.top, weights=_weights(args.weight), samples=100)  # no robustness here
    appraisal = result.appraisal
    export_gpkg(instance, result.configurations, appraisal.access, appraisal.allocations, output,
                appraisal.neighbour_flows)
    layers = "zones, sites and neighbours" if len(instance.tables["neighbours"]) else "zones and sites"
    console.print(f"wrote {output} (layers {layers}; {len(result.configurations)} configurations)", markup=False)
    return EXIT_OK


def _sweep(args: argparse.Namespace, console: Console) -> int:
    """Many scenarios solved and summarised; re-running the same command resumes an interrupted sweep."""
    from optimiser.instance.folder import load_instance

    with _optional_extra("sweep", "sweeps"):
        from optimiser.sweeps.runner import Design, sweep
        from optimiser.sweeps.scenario import load_scenarios

    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise OptimiserError(f"-o {args.output} is a file: name the folder of the sweep's results "
                             "(a new one, or one to resume)")
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
                   top=args.top, options=args.option or None, progress=not args.json, distinct=args.distinct)
    if args.json:
        console.print_json(result.summary().to_json(orient="records"), ensure_ascii=True)
        return EXIT_OK
    console.print(f"{len(result.solved)} scenarios solved, {len(result.failed)} failed; results in "
                  f"{shown(args.output)}")
    console.print(shown(result.summary().drop(columns="key").to_string(index=False)))
    extra = {"oat": result.tornado, "sobol": result.indices, "morris": result.indices}.get(args.design)
    if extra is not None:
        console.print(shown(extra().to_string(index=False)))
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
    console.print(f"[bold]{shown(instance.name)}[/] — {shown(instance.settings['title'])} "
                  f"({instance.settings['year']})")
    console.print(f"  {len(instance.sites)} sites, {len(instance.zones)} zones ({population:,.0f} people), "
                  f"{len(instance.services)} service lines, {len(instance.road_nodes):,} road junctions, "
                  f"{len(instance.roads):,} roads, {len(instance.options)} named options")
    totals = instance.demand.sum()
    activity = instance.services["activity"]
    console.print(shown("  yearly demand: " + "; ".join(
        f"{service} {total:,.0f} {activity[service]}" for service, total in totals.items())))
    snapped = times.snapped.loc[times.snapped["snap_km"].idxmax()]
    console.print(f"  every site and zone is within {snapped['snap_km']:.1f} km of a road junction "
                  f"(furthest: {shown(snapped['name'])})")
    nearest = times.zone_site_min.min(axis=1)
    worst = nearest.idxmax()
    console.print(f"  by {times.mode}, with every site open (no configuration yet), the nearest site is "
                  f"{nearest.median():.0f} min away for the median zone, {nearest.max():.0f} min at worst "
                  f"({shown(instance.zones.loc[worst, 'name'])}); a configuration's figures are in solve and report")



def _print_review(console: Console, instance: Instance, solutions: dict, times: dict[str, TravelTimes], *,
                  long: bool = False) -> None:
    """The plausibility review of each solution (optimiser.appraisal.plausibility), one line per finding: at most
    :data:`REVIEWED` of each check per solution, the rest counted, unless ``long``."""
    from optimiser.appraisal.plausibility import review

    findings = {label: review(instance, solution, times=times) for label, solution in solutions.items()}
    if not any(len(found) for found in findings.values()):
        console.print("plausibility review: nothing to question", markup=False)
        return
    console.print("[bold yellow]plausibility review[/] (rules met, but worth a look):")
    for label, found in findings.items():
        for check, messages in found.groupby("check", sort=False)["message"]:
            shown_messages = messages if long else messages.head(REVIEWED)
            for message in shown_messages:
                console.print(f"  {shown(label)}: {shown(message)}", soft_wrap=False)
            if len(messages) > len(shown_messages):
                console.print(f"  {shown(label)}: … and {len(messages) - len(shown_messages)} more of "
                              f"{shown(check)} (--long shows every finding)", soft_wrap=False)


def _print_configurations(console: Console, instance: Instance, solutions: list, *, long: bool,
                          level: str | None = None) -> None:
    """Each configuration in a few lines (display.configuration_lines) under its heading, which names it at
    the level the ranking is distinct at (optimiser.search.naming) where that name fits one line; ``long``: also
    its site-by-service table."""
    from optimiser.appraisal.display import configuration_lines, site_table, status_line
    from optimiser.search.naming import distinct, names

    labels = names(instance, [s.configuration for s in solutions], distinct(instance, level))
    for solution, label in zip(solutions, labels, strict=True):
        heading = status_line(solution.configuration.name, solution)
        named = f"{heading}  {label}"
        console.print(shown(named if len(named) <= console.width else heading))
        for line in configuration_lines(instance, solution.configuration, console.width - 2):
            console.print(f"  {line}")
        if long:
            console.print(site_table(instance, solution.configuration, console.width), soft_wrap=False)


def _print_problems(console: Console, problems: list[Problem], heading: str, style: str = "red") -> None:
    console.print(f"[bold {style}]{shown(heading)}[/] ({len(problems)}):")
    for problem in problems:
        label = "warning" if problem.severity is Severity.WARNING else problem.severity.value
        console.print(f"  [{style}]{label}[/] {shown(problem)}", soft_wrap=True, highlight=False)


def _print_diagnosis(console: Console, heading: str, diagnosis) -> None:
    console.print(f"[bold red]{shown(heading)}[/]")
    if not diagnosis.relaxations:
        console.print(f"  the relaxation found no explanation (status: {diagnosis.status.value})")
        return
    console.print(f"  rules in conflict: {', '.join(diagnosis.conflicting)}")
    for number, way in enumerate([diagnosis.relaxations, *diagnosis.alternatives]):
        console.print("  the least relaxation that makes a configuration possible:" if number == 0
                      else "  or else:")
        for relaxation in way:
            console.print(f"  - {shown(relaxation.message)}")


def _problem_json(problem: Problem) -> dict:
    return {**asdict(problem), "severity": problem.severity.value}


def _new_file(path: str, force: bool) -> Path:
    """A file to write: never a folder, never one that exists unless ``force``; its folder made if need be."""
    target = Path(path)
    if target.is_dir():
        raise OptimiserError(f"{target} is a folder: name the file to write (inside it, if you like)")
    if target.exists() and not force:
        raise OptimiserError(f"{target} exists: choose a new file name, or pass --force to replace it")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OptimiserError(f"cannot make the folder of {target}: {error.strerror}") from None
    return target


# --- parser -----------------------------------------------------------------------------------

def _number(kind: type[int] | type[float], expected: str, accept: Callable[[float], bool]) -> Callable[[str], float]:
    """An argparse ``type``: the text as a finite number that ``accept`` takes, else one line saying what
    was expected (exit 2), never a traceback from the solver it would reach."""
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and accept(value)):
            raise argparse.ArgumentTypeError(f"{text!r} is not {expected}")
        return value
    return parse


SECONDS = _number(float, "a number of seconds, 0 or more", lambda v: v >= 0)
FRACTION = _number(float, "a fraction from 0 up to, not including, 1 (0.01 is 1%)", lambda v: 0 <= v < 1)
COUNT = _number(int, "a whole number of 1 or more", lambda v: v >= 1)
NATURAL = _number(int, "a whole number of 0 or more", lambda v: v >= 0)


def _model_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--weight", action="append", metavar="CRITERION=W",
                     help="override a criterion weight (travel, equity, worst_zone, capital, running, workforce, "
                          "disruption); repeat for several")


def _limit_arguments(sub: argparse.ArgumentParser, limited: str) -> None:
    sub.add_argument("--time-limit", type=SECONDS, default=None, help=f"seconds for {limited} (default: none)")
    sub.add_argument("--gap", type=FRACTION, default=0.0, help="relative MIP gap accepted (default 0: proved optimal)")


def _solver_options(args: argparse.Namespace):
    """The solver's time limit and gap from ``--time-limit`` and ``--gap``."""
    from solvers.highs import SolverOptions

    return SolverOptions(time_limit_s=args.time_limit, mip_gap=args.gap)


def _study_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--top", type=COUNT, default=5, help="how many of the optimiser's configurations (default 5)")
    sub.add_argument("--samples", type=COUNT, default=20_000, help="weight samples for rank acceptability")
    sub.add_argument("--seed", type=NATURAL, default=0, help="seed of the weight samples (default 0)")
    _model_arguments(sub)
    _limit_arguments(sub, "the search, and for each named option's evaluation")


def _long_argument(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--long", action="store_true", help="each configuration's site-by-service table, and every "
                                                         "finding of the plausibility review")


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the traceback of an error")
    parser = _Parser(prog="optimiser", parents=[common],
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
    sub.add_argument("--top", type=COUNT, default=1, help="how many distinct configurations (default 1)")
    _model_arguments(sub)
    _limit_arguments(sub, "the whole search, every round and ranked configuration")
    sub.add_argument("--threads", type=COUNT, default=1, help="solver threads (default 1, for repeatable results)")
    sub.add_argument("--closest", action="store_true", help="patients use their nearest open site")
    sub.add_argument("--nearest", type=NATURAL, metavar="N",
                     help="start each zone with its N nearest sites, grown until the result is exact "
                          "(0: every pair; default: by size)")
    sub.add_argument("--distinct", metavar="LEVEL", help=DISTINCT_HELP)
    sub.add_argument("--builder", choices=list(BUILT_BY), default="matrix",
                     help="build the model with numpy (matrix, the default) or state it in Pyomo (pyomo); "
                          "the two give the same model")
    _long_argument(sub)
    sub.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = verb("evaluate", _evaluate, "evaluate named options (default: all of the instance's options)")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("options", nargs="*", help="option ids from options.yaml (default: all)")
    _model_arguments(sub)
    _limit_arguments(sub, "each option's evaluation")
    _long_argument(sub)
    sub.add_argument("--json", action="store_true", help="print the result as JSON")
    sub = verb("explain", _explain, "why one configuration beats another, and which weight would flip them")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("configurations", nargs="*", metavar="A B",
                     help="two configurations: ranks of the optimiser's ranking (#1, #2 …) or option ids "
                          "(default: #1 against the instance's decision, else its status quo)")
    _model_arguments(sub)
    sub.add_argument("--no-sweep", action="store_true", help="leave out the search for weights that flip the order")
    sub.add_argument("--json", action="store_true", help="print the explanation as JSON")
    sub = verb("report", _report, "the ranked option report for the clinical senate (HTML, and PDF with --pdf)")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("-o", "--output", required=True, help="the HTML file to write, e.g. out/mse.html")
    sub.add_argument("--pdf", action="store_true", help="also write a PDF of the same content beside it")
    _study_arguments(sub)
    sub.add_argument("--force", action="store_true", help="replace the report files if they exist")
    sub.add_argument("--sweep", metavar="DIR", help="add a sensitivity section from a finished sweep's folder "
                                                    "(the -o of 'optimiser sweep')")
    sub = verb("study", _study, "the report's ranking in the terminal: the optimiser's best and the named options, "
                                "appraised together")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    _study_arguments(sub)
    _long_argument(sub)
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
    sub.add_argument("--samples", type=COUNT, help="draws (montecarlo), base sample (sobol, a power of 2) or "
                                                 "trajectories (morris)")
    sub.add_argument("--levels", type=COUNT, help="levels per parameter (grid, morris)")
    sub.add_argument("--seed", type=NATURAL, default=0, help="seed of the design (default 0)")
    sub.add_argument("--top", type=COUNT, default=3, help="configurations ranked per scenario (default 3)")
    sub.add_argument("--distinct", metavar="LEVEL", help=DISTINCT_HELP)
    sub.add_argument("--option", action="append", help="named option to evaluate in each scenario (default: all)")
    sub.add_argument("--workers", type=NATURAL, help="local worker processes (default: the cores; 0: in this process)")
    sub.add_argument("--scheduler", help="address of a Dask scheduler to run on instead of local processes")
    sub.add_argument("-o", "--output", required=True, help="folder of the sweep's results (resumed if it exists)")
    sub.add_argument("--json", action="store_true", help="print the summary as JSON")
    sub = verb("export-model", _export_model, "write the instance's model as an MPS or LP file for other solvers")
    sub.add_argument("instance", help="a named instance or an instance folder")
    sub.add_argument("output", help="the file to write: .mps or .lp")
    _model_arguments(sub)
    sub.add_argument("--force", action="store_true", help="replace the file if it exists")
    sub = verb("travel", _travel, "travel times from every zone to every site")
    sub.add_argument("instance", nargs="?", default=DEFAULT_INSTANCE,
                     help=f"a named instance or an instance folder (default {DEFAULT_INSTANCE})")
    sub.add_argument("--mode", help="travel mode from modes.csv or public_transport.yaml "
                                    "(default: the instance's default mode)")
    sub.add_argument("--csv", help="write the matrix to this CSV file instead of printing it")
    sub.add_argument("--force", action="store_true", help="replace the CSV file if it exists")
    sub = verb("generate", _generate, "write a synthetic instance of any size")
    sub.add_argument("out", help="new folder to write the instance into")
    sub.add_argument("--sites", type=COUNT, default=10, help="number of sites (default 10)")
    sub.add_argument("--zones", type=COUNT, default=200, help="number of zones (default 200)")
    sub.add_argument("--services", type=COUNT, default=8, help="number of service lines (default 8)")
    sub.add_argument("--seed", type=NATURAL, default=0, help="random seed: same seed, same files (default 0)")
    sub.add_argument("--road-nodes", type=COUNT, default=None, help="road junctions (default: scales with zones)")
    sub.add_argument("--feed-stops", type=COUNT, default=None,
                     help="also write a made-up GTFS feed of this many stops and the mode public_am (default: none)")
    sub = verb("roads-from-osm", _roads_from_osm, "build an instance's road graph from a local .osm or .osm.pbf file")
    sub.add_argument("osm_file", help="OpenStreetMap XML file (.osm)")
    sub.add_argument("folder", help="instance folder to write road_nodes.csv and roads.csv into")
    return parser

