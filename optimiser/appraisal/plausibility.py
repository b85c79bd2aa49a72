"""A plausibility review of a solution: what a clinical senate would question first.

A solution can meet every rule of an instance and still be implausible: a unit that only
just reaches its viable size, a locality beyond the access standard its sources state
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

#: A unit whose yearly activity is below this multiple of its minimum volume is at the edge of viability.
EDGE_OF_VIABLE = 1.10
#: Shares and volumes smaller than this are nobody (solver round-off).
NOBODY = 1e-6
#: Columns of every check's frame.
COLUMNS = ["check", "site_id", "service_id", "zone_id", "message"]


def review(instance: Instance, solution: Solution, *, times: Mapping[str, TravelTimes] | None = None) -> pd.DataFrame:
    """Every finding of every check, in check order: columns check, site_id, service_id, zone_id, message."""
    times = travel_times_by_mode(instance, times)
    found = [edge_of_viable_size(instance, solution), travel_beyond_standard(instance, solution, times),
             unused_units(instance, solution), supporting_without_parent(instance, solution)]
    return pd.concat([frame for frame in found if not frame.empty] or [_frame([])], ignore_index=True)


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
    """Units whose yearly activity is below :data:`EDGE_OF_VIABLE` times their service's ``min_volume``:
    a small fall in demand would make them unviable."""
    services = instance.services
    rows = []
    for (site, service), volume in unit_volumes(instance, solution).items():
        minimum = services.at[service, "min_volume"]
        if pd.notna(minimum) and minimum > 0 and NOBODY < volume < EDGE_OF_VIABLE * minimum:
            rows.append(("edge of viable size", site, service, None,
                         f"{service} at {site}: {volume:,.0f} {services.at[service, 'activity']} a year, within "
                         f"{EDGE_OF_VIABLE - 1:.0%} of its minimum viable size of {minimum:,.0f}"))
    return _frame(rows)


def travel_beyond_standard(instance: Instance, solution: Solution, times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """Zones some of whose patients travel beyond a service's access standard (``max_travel_min``, else
    ``coverage_travel_min``, by the service's mode): allowed by a coverage share, still worth a look."""
    services = instance.services
    allocation = solution.allocation[solution.allocation["share"] > NOBODY]
    rows = []
    for service, flows in allocation.groupby("service_id", sort=False):
        standard = services.at[service, "max_travel_min"]
        if pd.isna(standard):
            standard = services.at[service, "coverage_travel_min"]
        if pd.isna(standard):
            continue
        mode = instance.mode_or_default(services.at[service, "mode"])
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
