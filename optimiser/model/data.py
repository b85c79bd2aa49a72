"""The model's data: the instance's numbers in the shapes the constraint families need.

Shared by both statements of the model — :mod:`optimiser.model.statement` (Pyomo, the
readable one) and :mod:`optimiser.model.matrix` (numpy, the fast one) — and by the
objective's scales, so preparing data never imports Pyomo.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from optimiser.instance.configuration import Configuration, baseline_configuration, role_services
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import apply_rule, no_leaves, rule
from optimiser.instance.travel import TravelTimes, travel_times_by_mode

from .aggregate import merge_zones
from .nearest import no_beyond, no_beyond_units, ranked, restrict, start_reach

#: The criteria of the objective, each a separate objective in natural units.
CRITERIA = ("travel", "equity", "worst_zone", "capital", "running", "workforce", "disruption", "leaving",
            "income_leaving")

#: Deprivation weight of each IMD quintile in the equity criterion: 2 for the most deprived fifth, 1 for the least.
DEPRIVATION_WEIGHT = {1: 2.0, 2: 1.75, 3: 1.5, 4: 1.25, 5: 1.0}


@dataclass(frozen=True)
class ModelOptions:
    """Choices about the formulation.

    ``use_roles``: place role-bundled services through roles (where the instance has roles).
    ``closest_assignment``: patients use their nearest open site, as they do in life.
    ``prune_travel``: leave out allocation pairs beyond the hard travel standard (exact);
    the infeasibility diagnosis turns it off so that the standard becomes a relaxable row.
    ``nearest_sites``: start each zone with its N nearest permitted sites per service and grow
    them until the optimum provably equals the full model's (:mod:`optimiser.model.nearest`); None
    decides by size, 0 keeps every pair.
    ``merge_zones``: model zones that no rule can tell apart (the same minutes to every site in every
    mode, deprivation quintile, services demanded and, under a coverage standard, demand per head) as
    one zone, their population and demand added (exact, :mod:`optimiser.model.aggregate`); allocations are
    expanded back to every zone. The diagnosis turns it off, so that it names each zone.
    ``radius``: where nothing but the demand and linking rows touch the allocation, search the radius
    formulation, its rows made as needed (exact, :mod:`optimiser.search.radius`); elsewhere, scout a restricted
    model's best configuration with that formulation's relaxation first (a bound, and a configuration
    to start from); False keeps the classic model alone.
    """

    use_roles: bool = True
    closest_assignment: bool = False
    prune_travel: bool = True
    nearest_sites: int | None = None
    merge_zones: bool = True
    radius: bool = True


@dataclass
class ModelData:
    """The instance's numbers in the shapes the constraint families need."""

    instance: Instance
    times: dict[str, TravelTimes]
    options: ModelOptions
    sites: list[str]
    services: list[str]
    pairs: pd.DataFrame  # allocations modelled (kept nearest, or all): zone_id, site_id, service_id, demand, travel_min
    baseline: Configuration | None
    roles: dict[str, list[str]] = field(default_factory=dict)
    candidates: pd.DataFrame | None = None  # every candidate pair, ranked by nearness (optimiser.model.nearest)
    reach: np.ndarray | None = None  # nearest sites kept per zone and service; None: every pair
    beyond: pd.DataFrame = field(default_factory=no_beyond)
    beyond_units: pd.DataFrame = field(default_factory=no_beyond_units)
    zone_members: pd.Series | None = None  # zone_id → model zone id (optimiser.model.aggregate); None: none merged
    #: under the nearest-provider rule, (zone_id, service_id) that may leave whole for their nearest neighbour
    #: (neighbour_id, neighbour_min, demand): :mod:`optimiser.instance.neighbours`
    leaves: pd.DataFrame = field(default_factory=no_leaves)
    #: (zone_id, service_id) with demand that no permitted site may serve: no configuration is feasible
    unservable: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["zone_id", "service_id"]))

    def restricted_to(self, reach: np.ndarray | None) -> ModelData:
        """The same data with another reach (the pairs, beyond rows and beyond units it implies)."""
        kept = restrict(self.candidates, reach)
        return replace(self, reach=reach, pairs=kept.pairs, beyond=kept.beyond, beyond_units=kept.beyond_units)


def prepare(instance: Instance, options: ModelOptions, times: dict[str, TravelTimes] | None = None) -> ModelData:
    """Travel times for every mode, the model zones and the candidate allocation pairs.

    Where patients may leave for neighbouring providers (:mod:`optimiser.instance.neighbours`), zones are not
    merged, every pair is kept and the radius formulation is not searched: none of the three knows
    the neighbours, so the classic model of every pair is the formulation that is right. Under the
    nearest-provider rule, pairs beyond the hard travel standard are kept too (the standard a row): an
    open site beyond it still holds its zone's patients from a neighbour farther still, which the pair's
    ``leave_only`` row says; left out, the zone would leave instead, and a configuration that breaks the
    standard be answered."""
    times = travel_times_by_mode(instance, times)
    if rule(instance) != "none":
        options = replace(options, merge_zones=False, nearest_sites=0, radius=False,
                          prune_travel=options.prune_travel and rule(instance) != "nearest")
    instance, members = merge_zones(instance, times) if options.merge_zones else (instance, None)
    use_roles = options.use_roles and not instance.roles.empty
    candidates, leaves = apply_rule(instance, candidate_pairs(instance, times, options))
    candidates = ranked(candidates)
    reach = start_reach(candidates, instance.services, len(instance.sites), options.nearest_sites
                        if options.prune_travel else 0)  # the diagnosis needs every pair
    data = ModelData(instance=instance, times=times, options=options, sites=list(instance.sites.index),
                     services=list(instance.services.index), pairs=candidates,
                     baseline=baseline_configuration(instance), roles=role_services(instance) if use_roles else {},
                     candidates=candidates, zone_members=members, leaves=leaves,
                     unservable=unservable(instance, candidates, leaves))
    return data.restricted_to(reach)


def unservable(instance: Instance, candidates: pd.DataFrame, leaves: pd.DataFrame) -> pd.DataFrame:
    """Zones' demand with no candidate pair left to serve it (every site beyond the hard travel standard
    or given as not hosting the service) and no neighbour to leave for. Its demand row has no term, so no
    configuration is feasible; every search and evaluation must say so rather than leave the demand unserved."""
    demand = instance.demand.rename_axis(index="zone_id", columns="service_id").stack()
    wanted = demand[demand > 0].index
    served = pd.MultiIndex.from_frame(pd.concat([candidates[["zone_id", "service_id"]],
                                                 leaves[["zone_id", "service_id"]]]))
    return wanted[~wanted.isin(served)].to_frame(index=False)


def activity_floor(data: ModelData) -> pd.Series:
    """Per service, the floor a hosted unit's yearly activity keeps beyond its ``min_volume``: the
    instance's ``min_unit_activity`` for a service with demand whose ``min_volume`` is lower, else 0
    (a service nobody demands has no patients to give; a higher ``min_volume`` is the floor already)."""
    services = data.instance.services.reindex(data.services)
    floor = float(data.instance.settings.get("min_unit_activity") or 0.0)
    demanded = data.instance.demand.sum(axis=0).reindex(data.services, fill_value=0.0) > 0
    return pd.Series(np.where(demanded & (services["min_volume"].fillna(0.0) < floor), floor, 0.0),
                     index=data.services)


def candidate_pairs(instance: Instance, times: dict[str, TravelTimes], options: ModelOptions) -> pd.DataFrame:
    """Zone–site pairs that can carry demand, per service line, for the instance's zones (``times``
    may hold more: those of the zones before merging).

    Each rule below is exact (the pair is zero in every feasible solution):
    zones with no demand for a service get none; with ``prune_travel``, a site
    given as not hosting the service, or beyond the service's hard travel
    standard, gets none (the diagnosis keeps both, so that it may relax them).
    """
    givens = instance.givens
    frames = []
    for service_id, service in instance.services.iterrows():
        minutes = times[instance.mode_or_default(service["mode"])].zone_site_min
        minutes = minutes[minutes.index.isin(instance.zones.index)]
        n_zones, n_sites = minutes.shape
        zone, site = np.divmod(np.arange(n_zones * n_sites), n_sites)  # zone by zone, as the matrix reads
        travel_min = minutes.to_numpy(float).ravel()
        demand = instance.demand[service_id].reindex(minutes.index).to_numpy(float)[zone]
        keep = demand > 0
        if options.prune_travel:
            refused = givens.loc[(givens["service_id"] == service_id) & ~givens["hosts"].astype(bool), "site_id"]
            keep &= ~minutes.columns.isin(refused)[site]
            if pd.notna(service["max_travel_min"]):
                keep &= travel_min <= service["max_travel_min"]
        frames.append(pd.DataFrame({"zone_id": minutes.index.to_numpy()[zone[keep]],
                                    "site_id": minutes.columns.to_numpy()[site[keep]], "service_id": service_id,
                                    "demand": demand[keep], "travel_min": travel_min[keep]}))
    return pd.concat(frames, ignore_index=True)
