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
    ``nearest_sites``: keep only each zone's N nearest permitted sites per service (ties kept) —
    smaller models for large instances, but not exact: results say when pairs were left out.
    """

    use_roles: bool = True
    closest_assignment: bool = False
    prune_travel: bool = True
    nearest_sites: int | None = None


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
    pruned: int = 0  # pairs left out by nearest_sites (a restriction the optimum may feel)


def prepare(instance: Instance, options: ModelOptions, times: dict[str, TravelTimes] | None = None) -> ModelData:
    """Travel times for every mode and the candidate allocation pairs."""
    times = dict(times or {})
    for mode in instance.mode_names:
        if mode not in times:
            times[mode] = travel_times(instance, mode)
    use_roles = options.use_roles and not instance.roles.empty
    pairs = candidate_pairs(instance, times, options)
    kept = nearest(pairs, options.nearest_sites)
    return ModelData(instance=instance, times=times, options=options, sites=list(instance.sites.index),
                     services=list(instance.services.index), pairs=kept, baseline=baseline_configuration(instance),
                     roles=role_services(instance) if use_roles else {}, pruned=len(pairs) - len(kept))


def candidate_pairs(instance: Instance, times: dict[str, TravelTimes], options: ModelOptions) -> pd.DataFrame:
    """Zone–site pairs that can carry demand, per service line.

    Each rule below is exact (the pair is zero in every feasible solution):
    zones with no demand for a service get none; with ``prune_travel``, a site
    given as not hosting the service, or beyond the service's hard travel
    standard, gets none (the diagnosis keeps both, so that it may relax them).
    """
    givens = instance.givens
    frames = []
    for service_id, service in instance.services.iterrows():
        minutes = times[instance.mode_or_default(service["mode"])].zone_site_min
        long = minutes.stack().rename("travel_min").reset_index()
        long["service_id"] = service_id
        long["demand"] = long["zone_id"].map(instance.demand[service_id])
        forbidden = givens.loc[(givens["service_id"] == service_id) & ~givens["hosts"].astype(bool), "site_id"]
        keep = long["demand"] > 0
        if options.prune_travel:
            keep &= ~long["site_id"].isin(forbidden)
            if pd.notna(service["max_travel_min"]):
                keep &= long["travel_min"] <= service["max_travel_min"]
        frames.append(long[keep])
    return pd.concat(frames, ignore_index=True)[["zone_id", "site_id", "service_id", "demand", "travel_min"]]


def nearest(pairs: pd.DataFrame, count: int | None) -> pd.DataFrame:
    """Each zone's ``count`` nearest candidate sites per service (sites tied with the last one kept)."""
    if count is None:
        return pairs
    rank = pairs.groupby(["zone_id", "service_id"], sort=False)["travel_min"].rank(method="min")
    return pairs[rank <= count].reset_index(drop=True)
