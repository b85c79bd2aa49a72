"""The instance's model written as an MPS or LP file, for users of other solvers.

The Pyomo model (:mod:`optimiser.model.statement`) keeps one objective per criterion, so that weights change
without a rebuild; a file holds one objective, so the written model has the weighted sum of the
normalised criteria that :func:`optimiser.search.engine.solve` minimises (its optimum is the same number)
and every variable and row under its Pyomo name (``y(basildon_cancer)``, ``capacity(southend_beds)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from optimiser.errors import OptimiserError
from optimiser.instance.folder import Instance
from optimiser.model.data import CRITERIA, ModelOptions, prepare
from optimiser.model.objective import criterion_scales, resolve_weights, solver_weights

from .engine import Extension

#: File suffixes Pyomo writes (it takes the format from the suffix).
SUFFIXES = (".mps", ".lp")


def export_model(instance: Instance, path: Path, *, weights: Mapping[str, float] | None = None,
                 extend: Extension | None = None):
    """Write ``instance``'s full model (every allocation pair, every zone, ``extend``'s rules too)
    to ``path`` (.mps or .lp) with the weighted objective; returns the Pyomo model written."""
    import pyomo.environ as pyo

    from optimiser.model.statement import build_model

    if path.suffix.lower() not in SUFFIXES:
        raise OptimiserError(f"{path}: write the model to a .mps or .lp file")
    options = ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment")), nearest_sites=0,
                           merge_zones=False)
    data = prepare(instance, options)
    model = build_model(data)
    if extend is not None:
        extend(model, data)
    on_raw = solver_weights(resolve_weights(instance.weights, weights), criterion_scales(data))
    criteria = [getattr(model, name) for name in CRITERIA]
    for criterion in criteria:
        criterion.deactivate()
    model.weighted_objective = pyo.Objective(expr=sum(on_raw[c.local_name] * c.expr for c in criteria
                                                     if on_raw[c.local_name]))
    model.write(str(path), io_options={"symbolic_solver_labels": True})
    return model
