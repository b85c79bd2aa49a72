"""A plausibility review of a solution: what a clinical senate would question first.

A solution can meet every rule of an instance and still be implausible: a unit that only
just reaches its viable size (by activity, or by the least capacity of a resource it needs),
a locality beyond the access standard its sources state, by any mode it is measured in
(where the standard is a share of the population, some may be), a service hosted where
nobody is sent, a supporting unit with none of the services it exists for. Each check
below reads the instance's own rules and the solution's allocation, nothing of the model,
and returns one row per finding; :func:`review` runs them all after every solve, so a
modelling slip shows up before anyone reads the ranking.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from optimiser.instance.configuration import Solution, role_services
from optimiser.instance.folder import Instance
from optimiser.instance.travel import TravelTimes, travel_times_by_mode

from .metrics import standard_minutes

#: A unit whose yearly activity is below this multiple of its minimum volume is at the edge of viability.
EDGE_OF_VIABLE = 1.10
#: Shares and volumes smaller than this are nobody (solver round-off).
NOBODY = 1e-6
#: Columns of every check's frame.
COLUMNS = ["check", "site_id", "service_id", "zone_id", "message"]


def review(instance: Instance, solution: Solution, *, times: Mapping[str, TravelTimes] | None = None) -> pd.DataFrame:
    """Every finding of every check, in check order: columns check, site_id, service_id, zone_id, message."""
    times = travel_times_by_mode(instance, times)
    found = [edge_of_viable_size(instance, solution), edge_of_viable_capacity(instance, solution),
             travel_beyond_standard(instance, solution, times),
             unused_units(instance, solution), supporting_without_parent(instance, solution)]
    return pd.concat([frame for frame in found if not frame.empty] or [_frame([])], ignore_index=True)


def reviews(instance: Instance, solutions: Mapping[str, Solution], *,
            times: Mapping[str, TravelTimes] | None = None) -> pd.DataFrame:
    """The review of each labelled solution in one frame, its label in an ``option`` column first."""
    times = travel_times_by_mode(instance, times)
    frames = [review(instance, solution, times=times).assign(option=label) for label, solution in solutions.items()]
    found = pd.concat([f for f in frames if not f.empty] or [_frame([]).assign(option=None)], ignore_index=True)
    return found[["option", *COLUMNS]]


def unit_volumes(instance: Instance, solution: Solution) -> pd.Series:
    """Yearly activity of each hosted unit (site, service), from its allocation; 0 where nobody is sent."""
    allocation = solution.allocation
    demand = instance.demand.stack().rename("demand")
    demand.index.names = ["zone_id", "service_id"]
    flows = allocation.join(demand, on=["zone_id", "service_id"])
    volume = (flows["share"] * flows["demand"]).groupby([flows["site_id"], flows["service_id"]]).sum()
    hosts = pd.MultiIndex.from_tuples(sorted(solution.configuration.hosts), names=["site_id", "service_id"])
    return volume.reindex(hosts, fill_value=0.0)


def edge_of_viable_size(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Units whose yearly activity is below :data:`EDGE_OF_VIABLE` times the least a unit of their service
    handles (its ``min_volume``, or the instance's ``min_unit_activity`` where that is more and the service
    has demand): a small fall in demand would make them unviable."""
    services = instance.services
    floor = float(instance.settings.get("min_unit_activity") or 0.0)
    demanded = instance.demand.sum(axis=0) > 0
    rows = []
    for (site, service), volume in unit_volumes(instance, solution).items():
        minimum = services.at[service, "min_volume"]
        minimum = 0.0 if pd.isna(minimum) else float(minimum)
        by_floor = bool(demanded.get(service, False)) and floor > minimum
        least = floor if by_floor else minimum
        if least > 0 and NOBODY < volume < EDGE_OF_VIABLE * least:
            what = (f"the least a hosted unit handles, {least:,.0f} a year (instance.yaml min_unit_activity)"
                    if by_floor else f"its minimum viable size of {least:,.0f}")
            rows.append(("edge of viable size", site, service, None,
                         f"{service} at {site}: {volume:,.0f} {services.at[service, 'activity']} a year, within "
                         f"{EDGE_OF_VIABLE - 1:.0%} of {what}"))
    return _frame(rows)


def edge_of_viable_capacity(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Units on a site whose capacity of a resource (today's and what the solution adds) is below
    :data:`EDGE_OF_VIABLE` times the least a unit of the service needs there (``min_capacity`` of
    resource_use.csv): the smallest viable unit, only just."""
    least = instance.resource_use.dropna(subset=["min_capacity"])
    least = least[least["min_capacity"] > 0]
    today = instance.site_resources.set_index(["site_id", "resource"])["capacity"]
    expansion = solution.expansion
    added = (expansion.groupby(["site_id", "resource"])["added"].sum() if len(expansion)
             else pd.Series(dtype=float))
    rows = []
    for rule in least.itertuples(index=False):
        for site in solution.configuration.sites_of(rule.service_id):
            more = float(added.get((site, rule.resource), 0.0))
            held = float(today.get((site, rule.resource), 0.0)) + more
            if held < EDGE_OF_VIABLE * rule.min_capacity:
                with_added = f" (with {more:,.0f} added)" if more > NOBODY else ""
                rows.append(("edge of viable size", site, rule.service_id, None,
                             f"{rule.service_id} at {site}: {held:,.0f} {rule.resource} on site{with_added}, within "
                             f"{EDGE_OF_VIABLE - 1:.0%} of the least a unit needs, {rule.min_capacity:,.0f} "
                             "(resource_use.csv min_capacity)"))
    return _frame(rows)


def travel_beyond_standard(instance: Instance, solution: Solution, times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """Zones some of whose patients travel beyond a service's access standard (its coverage standard, else
    its hard limit, :func:`optimiser.appraisal.metrics.standard_minutes`) by each mode it is measured in
    (:func:`standard_modes`): allowed by a coverage share, still worth a look."""
    services = instance.services
    standards = standard_minutes(instance)
    allocation = solution.allocation[solution.allocation["share"] > NOBODY]
    rows = []
    for service, mode in standard_modes(instance):
        flows, standard = allocation[allocation["service_id"] == service], standards[service]
        minutes = times[mode].zone_site_min.stack()
        flows = flows.assign(minutes=minutes.reindex(list(zip(flows["zone_id"], flows["site_id"],
                                                               strict=True))).to_numpy())
        beyond = flows[flows["minutes"] > standard + NOBODY]
        for zone, trips in beyond.groupby("zone_id", sort=False):
            far = trips.loc[trips["minutes"].idxmax()]
            patients = float((trips["share"] * instance.demand.at[zone, service]).sum())
            rows.append(("travel beyond standard", far["site_id"], service, zone,
                         f"{instance.zones.at[zone, 'name']}: {patients:,.0f} {services.at[service, 'activity']} a "
                         f"year travel up to {far['minutes']:.0f} min by {mode} (to {far['site_id']}), beyond the "
                         f"{standard:g}-min standard of {service}"))
    return _frame(rows)


def standard_modes(instance: Instance) -> list[tuple[str, str]]:
    """(service, mode) pairs an access standard applies to: each service that has one, by its own mode and by
    each mode a ``within_standard_share`` criterion of criteria.yaml measures it in (a blank service: all)."""
    services = instance.services
    having = [service for service, minutes in standard_minutes(instance).items() if pd.notna(minutes)]
    pairs = {(service, instance.mode_or_default(services.at[service, "mode"])): None for service in having}
    criteria = instance.tables["criteria"]
    if not criteria.empty:
        measured = criteria[(criteria["measure"] == "within_standard_share") & criteria["mode"].notna()
                            & (criteria["mode"].astype(str) != "")]
        for row in measured.itertuples(index=False):
            named = "" if pd.isna(row.service) else str(row.service)
            pairs.update({(service, str(row.mode)): None for service in having if named in ("", service)})
    return list(pairs)


def unused_units(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Hosted units to which no zone is sent: a service open in name only."""
    activity = instance.services["activity"]
    return _frame([("unused unit", site, service, None, f"{service} at {site} serves no one (0 {activity[service]} "
                    "a year)") for (site, service), volume in unit_volumes(instance, solution).items()
                   if volume <= NOBODY])


def supporting_without_parent(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Units of a service that others need on site (``A colocated B``: B supports A) at a site hosting none of
    the services it supports; not where the site's role brings it, since the instance's hospital models
    say so by design."""
    rules = instance.codependencies
    colocated = rules[rules["rule"] == "colocated"]
    supported = colocated.groupby("service_b")["service_a"].agg(list)
    configuration = solution.configuration
    brought = role_services(instance)
    role_of = configuration.role_of
    rows = []
    for site, service in sorted(configuration.hosts):
        parents = supported.get(service)
        by_role = service in brought.get(role_of.get(site, ""), [])
        if parents and not by_role and not any((site, parent) in configuration.hosts for parent in parents):
            rows.append(("supporting unit without parent", site, service, None,
                         f"{service} at {site} supports {', '.join(parents)} (co-dependencies), none of which "
                         f"{site} hosts"))
    return _frame(rows)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)
