"""Hospital site configuration: which site should host which service line.

The public API follows the data flow: :func:`load_instance` reads and checks a
named instance, :func:`travel_times` computes its travel-time matrices; :mod:`optimiser.solve`
ranks the best configurations. Names are imported when first used, so that the
command line starts without loading pandas, SciPy or the solver.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: Public name → the module that defines it.
_WHERE = {
    "Instance": "instance", "instance_folders": "catalogue", "load_instance": "instance", "save_instance": "instance",
    "InstanceError": "errors", "InstanceNotFound": "errors", "OptimiserError": "errors", "Problem": "errors",
    "road_graph": "roads",
    "TravelTimes": "travel", "travel_times": "travel",
}

__all__ = ["Instance", "InstanceError", "InstanceNotFound", "OptimiserError", "Problem", "TravelTimes",
           "instance_folders", "load_instance", "road_graph", "save_instance", "travel_times"]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'optimiser' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])


if TYPE_CHECKING:
    from .catalogue import instance_folders
    from .errors import InstanceError, InstanceNotFound, OptimiserError, Problem
    from .instance import Instance, load_instance, save_instance
    from .roads import road_graph
    from .travel import TravelTimes, travel_times
