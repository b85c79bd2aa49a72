"""A study: solve, evaluate the named options, appraise them together — everything a report needs.

This is the one place that chains the stages (solve → evaluate → appraise);
each stage stays callable on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from importlib import metadata

from optimiser.appraisal.scores import Study, appraise
from optimiser.instance.configuration import Configuration, Solution, baseline_configuration, option_configuration
from optimiser.instance.folder import Instance
from optimiser.search import naming
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import Engine, Extension, evaluation_options
from solvers.highs import SolverOptions, solver_version

from .display import diagnosis_lines
from .explain import Explanation, compare
from .plausibility import reviews

#: Packages whose versions a report records.
RECORDED_PACKAGES = ("hospital-site-optimiser", "pyomo", "highspy", "pandas", "numpy", "scipy", "networkx")


def study(instance: Instance, *, top: int = 5, weights: Mapping[str, float] | None = None,
          samples: int = 20_000, seed: int = 0, extend: Extension | None = None,
          solver: SolverOptions | None = None, progress: Callable[[str], None] | None = None) -> Study:
    """The optimiser's best ``top`` configurations (distinct hospital models where the instance has roles,
    :func:`optimiser.search.naming.distinct`) and every named option, appraised together, under the instance's
    rules and ``extend``'s (:meth:`~optimiser.search.engine.Engine.build`). ``solver`` holds the search (its time
    limit and gap) and each option's evaluation to its options; ``progress`` hears each stage in words."""
    tell = progress or (lambda _: None)
    tell(f"building the model of {instance.name}")
    engine = Engine.build(instance, solver=solver, extend=extend)

    def searched(found: int, _) -> None:
        again = f" (round {engine.rounds + 1}: farther sites added where zones need them)" if engine.rounds else ""
        tell(f"searching: {found} of {top} configurations found{again}")

    result = engine.solve(top=top, weights=weights, distinct=naming.distinct(instance), progress=searched)
    options: dict[str, Solution | Configuration] = {r.configuration.name: r for r in result.ranked}
    sources = dict.fromkeys(options, "optimiser")
    baseline = baseline_configuration(instance)
    engines = {engine.data.options: engine}  # one engine per formulation, shared by the options
    explanations: dict[str, list[str]] = {}
    diagnosing: dict = {}  # the diagnosis models, shared by the options that break the rules
    for number, option_id in enumerate(instance.options.index, 1):
        tell(f"evaluating named option {option_id} ({number} of {len(instance.options)})")
        configuration = option_configuration(instance, option_id)
        formulation = evaluation_options(instance, configuration)
        if formulation not in engines:
            engines[formulation] = Engine.build(instance, options=formulation, solver=solver, times=engine.data.times,
                                                extend=extend)
        outcome = engines[formulation].evaluate(configuration, weights=weights)
        options[option_id] = outcome if isinstance(outcome, Solution) else configuration
        if not isinstance(outcome, Solution):
            explanations[option_id] = diagnosis_lines(diagnose(instance, configuration, engines=diagnosing))
        sources[option_id] = "status quo" if baseline is not None and option_id == instance.settings["baseline"] \
            else "named"
    tell(f"appraising {len(options)} options ({samples:,} weight samples)")
    appraisal = appraise(instance, options, sources=sources, samples=samples, seed=seed, times=engine.data.times,
                         explanations=explanations)
    configurations = {label: (o.configuration if isinstance(o, Solution) else o) for label, o in options.items()}
    solved = {label: o for label, o in options.items() if isinstance(o, Solution)}
    if instance.settings.get("decision"):
        tell(f"setting the recommendation beside the real decision ({instance.settings['decision']})")
    why = _why(instance, appraisal.recommended or next(iter(solved), None), solved, weights=weights, engines=engines,
               extend=extend)
    gaps = [r.gap for r in result.ranked if r.gap is not None]
    unproved = [r.configuration.name for r in result.ranked if r.status.value != "optimal"]
    run = {"status": result.status.value, "gap": max(gaps) if gaps else None, "solver": result.solver,
           "weights": result.weights, "top": top, "builder": result.builder, "extension": result.extension,
           "found": len(result.ranked), "limited": result.limited, "time_limit_s": result.time_limit_s,
           "unproved": unproved, "seconds": result.build_s + result.solve_s}
    return Study(instance, appraisal, configurations, run, instance_checksum(instance), package_versions(),
                 why=why, review=reviews(instance, solved, times=engine.data.times))


def _why(instance: Instance, recommended: str | None, solved: Mapping[str, Solution], *,
         weights: Mapping[str, float] | None, engines: dict, extend: Extension | None) -> Explanation | None:
    """The recommended configuration beside the instance's real decision (its ``decision`` setting), where
    both have an allocation and they are two options; None otherwise (the report says which)."""
    decision = instance.settings.get("decision")
    if recommended not in solved or decision not in solved or decision == recommended:
        return None
    return compare(instance, (recommended, solved[recommended].configuration),
                   (decision, solved[decision].configuration), weights=weights, engines=engines, extend=extend)


def instance_checksum(instance: Instance) -> str:
    """SHA-256 over the instance folder's files (names and contents, in name order)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in instance.path.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(instance.path)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    versions = {}
    for name in RECORDED_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["HiGHS"] = solver_version().removeprefix("HiGHS ")
    return versions
