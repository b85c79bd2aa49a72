"""The model's data: the instance's numbers in the shapes the constraint families need.

Shared by both statements of the model — :mod:`optimiser.model` (Pyomo, the
readable one) and :mod:`optimiser.matrix` (numpy, the fast one) — and by the
objective's scales, so preparing data never imports Pyomo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .configuration import Configuration, baseline_configuration, role_services
from .instance import Instance
from .travel import TravelTimes, travel_times

#: The criteria of the objective, each a separate objective in natural units.
CRITERIA = ("travel", "equity", "worst_zone", "capital", "running", "workforce", "disruption")

#: Deprivation weight of each IMD quintile in the equity criterion: 2 for the most deprived fifth, 1 for the least.
DEPRIVATION_WEIGHT = {1: 2.0, 2: 1.75, 3: 1.5, 4: 1.25, 5: 1.0}


@dataclass(frozen=True)
class ModelOptions:
    """Choices about the formulation.

    ``use_roles``: place role-bundled services through roles (where the instance has roles).
    ``closest_assignment``: patients use their nearest open site, as they do in life.
    ``prune_travel``: leave out allocation pairs beyond the hard travel standard (exact);
    the infeasibility diagnosis turns it off so that the standard becomes a relaxable row.
    """

    use_roles: bool = True
    closest_assignment: bool = False
    prune_travel: bool = True


@dataclass
class ModelData:
    """The instance's numbers in the shapes the constraint families need."""

    instance: Instance
    times: dict[str, TravelTimes]
    options: ModelOptions
    sites: list[str]
    services: list[str]
    pairs: pd.DataFrame  # candidate allocations: zone_id, site_id, service_id, demand, travel_min
    baseline: Configuration | None
    roles: dict[str, list[str]] = field(default_factory=dict)

    def service(self, service_id: str) -> pd.Series:
        return self.instance.services.loc[service_id]


def prepare(instance: Instance, options: ModelOptions, times: dict[str, TravelTimes] | None = None) -> ModelData:
    """Travel times for every mode and the candidate allocation pairs."""
    times = dict(times or {})
    for mode in instance.mode_names:
        if mode not in times:
            times[mode] = travel_times(instance, mode)
    use_roles = options.use_roles and not instance.roles.empty
    return ModelData(instance=instance, times=times, options=options, sites=list(instance.sites.index),
                     services=list(instance.services.index), pairs=candidate_pairs(instance, times, options),
                     baseline=baseline_configuration(instance),
                     roles=role_services(instance) if use_roles else {})


def candidate_pairs(instance: Instance, times: dict[str, TravelTimes], options: ModelOptions) -> pd.DataFrame:
    """Zone–site pairs that can carry demand, per service line.

    Zones with no demand for a service get none; with ``prune_travel``, a
    site beyond the service's hard travel standard gets none (exact: such a
    pair must be zero in every feasible solution).
    """
    frames = []
    for service_id, service in instance.services.iterrows():
        minutes = times[instance.mode_or_default(service["mode"])].zone_site_min
        long = minutes.stack().rename("travel_min").reset_index()
        long["service_id"] = service_id
        long["demand"] = long["zone_id"].map(instance.demand[service_id])
        keep = long["demand"] > 0
        if options.prune_travel and pd.notna(service["max_travel_min"]):
            keep &= long["travel_min"] <= service["max_travel_min"]
        frames.append(long[keep])
    return pd.concat(frames, ignore_index=True)[["zone_id", "site_id", "service_id", "demand", "travel_min"]]
