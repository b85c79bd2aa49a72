"""Hospital site configuration: which site should host which service line.

The public API follows the data flow: :func:`load_instance` reads and checks a
named instance, :func:`travel_times` computes its travel-time matrices.
"""

from .errors import InstanceError, InstanceNotFound, OptimiserError, Problem
from .instance import Instance, instance_folders, load_instance, save_instance
from .roads import road_graph
from .travel import TravelTimes, travel_times

__all__ = [
    "Instance",
    "InstanceError",
    "InstanceNotFound",
    "OptimiserError",
    "Problem",
    "TravelTimes",
    "instance_folders",
    "load_instance",
    "road_graph",
    "save_instance",
    "travel_times",
]
