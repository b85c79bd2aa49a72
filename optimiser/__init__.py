"""Hospital site configuration: which site should host which service line.

The public API follows the data flow, one subpackage a stage: :mod:`optimiser.instance` reads and
checks an instance (:func:`load_instance`) and computes its travel times (:func:`travel_times`);
:mod:`optimiser.model` states its model; :mod:`optimiser.search` ranks the best configurations
(:func:`solve`, :func:`evaluate`, :class:`Engine`); :mod:`optimiser.appraisal` checks, scores and
explains them (:func:`check_solution`, :func:`appraise`, :func:`study`, :func:`explain`);
:mod:`optimiser.sweeps` runs them under changed assumptions (:func:`sweep`); :mod:`optimiser.cli` is
the command line. No module imports from a stage after its own. Names are imported when first used,
so that the command line starts without loading pandas, SciPy or the solver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name → the module that defines it.
_WHERE = {
    "InstanceError": "errors", "InstanceNotFound": "errors", "OptimiserError": "errors", "Problem": "errors",
    "Instance": "instance.folder", "load_instance": "instance.folder", "save_instance": "instance.folder",
    "instance_folders": "instance.catalogue", "generate_instance": "instance.generate",
    "road_graph": "instance.roads", "TravelTimes": "instance.travel", "travel_times": "instance.travel",
    "Configuration": "instance.configuration", "Solution": "instance.configuration",
    "Engine": "search.engine", "SolveResult": "search.engine", "solve": "search.engine", "evaluate": "search.engine",
    "check_solution": "appraisal.checker", "appraise": "appraisal.scores", "study": "appraisal.study",
    "explain": "appraisal.explain",
    "Design": "sweeps.runner", "SweepResult": "sweeps.runner", "open_sweep": "sweeps.runner", "sweep": "sweeps.runner",
}

__all__ = [
    "Configuration", "Design", "Engine", "Instance", "InstanceError", "InstanceNotFound", "OptimiserError", "Problem",
    "Solution", "SolveResult", "SweepResult", "TravelTimes", "appraise", "check_solution", "evaluate", "explain",
    "generate_instance", "instance_folders", "load_instance", "open_sweep", "road_graph", "save_instance", "solve",
    "study", "sweep", "travel_times",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'optimiser' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from optimiser.appraisal.checker import check_solution
    from optimiser.appraisal.explain import explain
    from optimiser.appraisal.scores import appraise
    from optimiser.appraisal.study import study
    from optimiser.errors import InstanceError, InstanceNotFound, OptimiserError, Problem
    from optimiser.instance.catalogue import instance_folders
    from optimiser.instance.configuration import Configuration, Solution
    from optimiser.instance.folder import Instance, load_instance, save_instance
    from optimiser.instance.generate import generate_instance
    from optimiser.instance.roads import road_graph
    from optimiser.instance.travel import TravelTimes, travel_times
    from optimiser.search.engine import Engine, SolveResult, evaluate, solve
    from optimiser.sweeps.runner import Design, SweepResult, open_sweep, sweep
