"""Independent feasibility checker: does a solution meet every rule of its instance?

This is a second code path beside the optimisation model, written from the
rules as stated in data terms (``instances/FORMAT.md``, ``DESIGN.md``, *The
model*) and sharing no code with it: it reads the instance's frames and the
travel-time matrices, never Pyomo. A model bug then shows up as a
:class:`Violation` here instead of as a wrong answer in a report.

A solution is a :class:`~optimiser.instance.configuration.Configuration`, an
``allocation`` frame (``service_id, zone_id, site_id, share``: the share of a
zone's yearly demand for a service served at a site; rows of share 0 may be
absent) and an ``expansion`` frame (``site_id, resource, added``).

Readings that the rules leave open:

- Allocation rows of a zone with no demand for the service carry no patients
  and are ignored by every rule (the model need not constrain them).
- A site with no row in ``site_resources.csv`` for a resource has capacity 0
  and may not expand it.
- Sites that do not exist today may host services; that is an *opening*
  (:meth:`Configuration.opened`), not a breach.
- Ids a solution names that the instance does not know are malformed input,
  not rule breaches: they raise :class:`ValueError`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.instance.configuration import Configuration, bundled_services, role_services
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import neighbour_minutes
from optimiser.instance.travel import TravelTimes, travel_times

#: Absolute tolerance on shares and minutes; relative (× the bound) where bounds exceed 1.
TOL = 1e-6

#: Rule families in report order.
RULES: tuple[str, ...] = (
    "demand", "linking", "travel", "coverage", "capacity", "expansion", "colocated", "within",
    "excludes", "min_sites", "max_sites", "min_volume", "max_volume", "activity_floor", "min_capacity", "given",
    "role", "closest", "neighbour",
)


@dataclass(frozen=True)
class Violation:
    """One breach of one rule: its family, what it concerns, the analyst's words, and by how much.

    ``amount`` is in the rule's own unit: share (demand, linking, coverage),
    minutes (travel, within, closest; neighbour, for a patient kept from a nearer neighbour), resource units
    (capacity, expansion), sites (colocated, excludes, counts, given, role) or activity (volumes; neighbour,
    for a neighbour's spare activity).
    """

    rule: str
    subject: str
    message: str
    amount: float

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", float(self.amount))  # plain float, not a numpy scalar


# --- public API -------------------------------------------------------------------------------

def check_solution(instance: Instance, configuration: Configuration, allocation: pd.DataFrame,
                   expansion: pd.DataFrame | None = None, *, closest_assignment: bool = False,
                   times: Mapping[str, TravelTimes] | None = None) -> list[Violation]:
    """Every rule a solution breaks, in family order then subject; [] when it is feasible."""
    clock = _Clock(instance, times)
    _check_hosts(instance, configuration)
    rule = _neighbour_rule(instance)
    away = _nearest_neighbours(instance, clock) if rule != "none" else None
    flows = _flows(instance, allocation)
    if rule == "retention":
        flows = _retained(instance, flows, away, clock)
    added = _expansion(instance, expansion)
    found: list[Violation] = [
        *demand_met(instance, flows, _may_leave(instance, configuration, away, clock) if rule == "nearest" else None),
        *linking(instance, configuration, flows),
        *travel_standard(instance, flows, clock),
        *coverage(instance, flows, clock, away if rule == "nearest" else None),
        *capacity(instance, flows, added),
        *expansion_limits(instance, added),
        *_configuration_rules(instance, configuration, clock),
        *volumes(instance, configuration, flows),
        *unit_capacity(instance, configuration, added),
    ]
    if closest_assignment:
        found += closest(instance, configuration, flows, clock)
    if rule != "none":
        found += neighbours(instance, flows, away, clock, rule)
    return _ordered(found)


def check_configuration(instance: Instance, configuration: Configuration, *,
                        times: Mapping[str, TravelTimes] | None = None) -> list[Violation]:
    """The rules that need no allocation (co-dependencies, site counts, givens, roles): for named options."""
    _check_hosts(instance, configuration)
    return _ordered(_configuration_rules(instance, configuration, _Clock(instance, times)))


def _configuration_rules(instance: Instance, configuration: Configuration, clock: _Clock) -> list[Violation]:
    return [*colocated(instance, configuration), *within(instance, configuration, clock),
            *excludes(instance, configuration), *site_counts(instance, configuration),
            *givens(instance, configuration), *roles(instance, configuration)]


def _ordered(violations: Iterable[Violation]) -> list[Violation]:
    return sorted(violations, key=lambda v: (RULES.index(v.rule), v.subject, v.message))


# --- inputs -----------------------------------------------------------------------------------

class _Clock:
    """Travel times by mode: those the caller gave, the rest computed once on first use."""

    def __init__(self, instance: Instance, times: Mapping[str, TravelTimes] | None):
        self.instance = instance
        self.cache = dict(times or {})
        self.to_neighbours: dict[str, pd.DataFrame] = {}

    def __call__(self, mode: str | None) -> TravelTimes:
        mode = self.instance.mode_or_default(mode)
        if mode not in self.cache:
            self.cache[mode] = travel_times(self.instance, mode)
        return self.cache[mode]

    def neighbours(self, mode: str) -> pd.DataFrame:
        """Zones × neighbouring providers, minutes by ``mode``, computed once."""
        if mode not in self.to_neighbours:
            self.to_neighbours[mode] = neighbour_minutes(self.instance, mode)
        return self.to_neighbours[mode]


def _unknown(kind: str, ids: Iterable[str], known: Iterable[str]) -> None:
    missing = sorted(set(ids) - set(known))
    if missing:
        raise ValueError(f"unknown {kind}: {', '.join(map(str, missing))}")


def _check_hosts(instance: Instance, configuration: Configuration) -> None:
    """Refuse a configuration naming sites, services or roles the instance does not have."""
    _unknown("site", [s for s, _ in configuration.hosts] + [s for s, _ in configuration.roles],
             instance.sites.index)
    _unknown("service", [service for _, service in configuration.hosts], instance.services.index)
    _unknown("role", [k for _, k in configuration.roles], instance.roles.index)


def _flows(instance: Instance, allocation: pd.DataFrame) -> pd.DataFrame:
    """Allocation rows with demand > 0, duplicates summed, with their ``demand`` and ``activity`` (demand × share)."""
    columns = ["service_id", "zone_id", "site_id", "share"]
    missing = [c for c in columns if c not in allocation.columns]
    if missing:
        raise ValueError(f"allocation lacks column(s) {', '.join(missing)}")
    frame = allocation[columns]
    if frame["share"].isna().any():
        raise ValueError("allocation has blank shares")
    _unknown("service", frame["service_id"], instance.services.index)
    _unknown("zone", frame["zone_id"], instance.zones.index)
    _unknown("site", frame["site_id"], instance.sites.index)
    frame = frame.astype({"share": float}).groupby(columns[:3], as_index=False, sort=True)["share"].sum()
    demand = instance.demand.stack().rename("demand").reset_index()
    frame = frame.merge(demand, on=["zone_id", "service_id"], how="left")
    frame = frame[frame["demand"] > 0].reset_index(drop=True)
    frame["activity"] = frame["demand"] * frame["share"]
    return frame


def _expansion(instance: Instance, expansion: pd.DataFrame | None) -> pd.DataFrame:
    """Capacity added per site and resource (duplicates summed)."""
    if expansion is None or expansion.empty:
        return pd.DataFrame({"site_id": pd.Series(dtype=object), "resource": pd.Series(dtype=object),
                             "added": pd.Series(dtype=float)})
    _unknown("site", expansion["site_id"], instance.sites.index)
    return expansion.astype({"added": float}).groupby(["site_id", "resource"], as_index=False)["added"].sum()


def _positive(flows: pd.DataFrame) -> pd.DataFrame:
    return flows[flows["share"] > TOL]


def _slack(bound: float) -> float:
    """Tolerance on a bound: absolute for small bounds, relative for large ones."""
    return TOL * max(1.0, abs(bound))


def _num(x: float) -> str:
    """A number as an analyst reads it: 2,209 · 291 · 12.5 · 0.25."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _pct(x: float) -> str:
    return f"{100 * x:.4g}%"


def _times_for(frame: pd.DataFrame, matrix: pd.DataFrame, row: str, column: str) -> np.ndarray:
    """Look up ``matrix[frame[row], frame[column]]`` for every row of ``frame``."""
    rows = matrix.index.get_indexer(frame[row])
    cols = matrix.columns.get_indexer(frame[column])
    return matrix.to_numpy()[rows, cols]


def _sends(flow, instance: Instance) -> str:
    """'z_east sends 400 obstetrics births (100% of its demand) to south'."""
    activity = instance.services.loc[flow.service_id, "activity"]
    return (f"{flow.zone_id} sends {_num(flow.activity)} {flow.service_id} {activity} "
            f"({_pct(flow.share)} of its demand) to {flow.site_id}")


# --- rules on the allocation ------------------------------------------------------------------

def demand_met(instance: Instance, flows: pd.DataFrame, may_leave: pd.Series | None = None) -> Iterator[Violation]:
    """Each zone's demand for a service is served in full: its shares lie in [0, 1] and sum to 1; under the
    nearest-provider rule, a zone ``may_leave`` (True where no hosting site is as near as its nearest
    neighbour) has shares summing to at most 1, the rest leaving."""
    for flow in flows[flows["share"] < -TOL].itertuples():
        yield Violation("demand", f"{flow.zone_id} / {flow.service_id} at {flow.site_id}",
                        f"{flow.zone_id} sends a negative share ({flow.share:.4g}) of its {flow.service_id} "
                        f"demand to {flow.site_id}; shares lie between 0 and 1", -flow.share)
    demand = instance.demand.stack()
    demand = demand[demand > 0]
    served = flows.groupby(["zone_id", "service_id"])["share"].sum().reindex(demand.index, fill_value=0.0)
    leaving = (may_leave.reindex(demand.index, fill_value=False) if may_leave is not None
               else pd.Series(False, index=demand.index)).to_numpy(dtype=bool)
    wrong = ((served - 1).abs() > TOL).to_numpy() & ~(leaving & (served <= 1 + TOL).to_numpy())
    for (zone, service), total in served[wrong].items():
        activity = instance.services.loc[service, "activity"]
        gap = total - 1
        yield Violation("demand", f"{zone} / {service}",
                        f"shares of {zone}'s {service} demand ({_num(demand[zone, service])} {activity}) sum to "
                        f"{total:.4g}, not 1 ({'over' if gap > 0 else 'short'} by {abs(gap):.4g})", abs(gap))


def linking(instance: Instance, configuration: Configuration, flows: pd.DataFrame) -> Iterator[Violation]:
    """Patients go only to a site that hosts the service."""
    positive = _positive(flows)
    hosted = [(site, service) in configuration.hosts
              for site, service in zip(positive["site_id"], positive["service_id"], strict=True)]
    for flow in positive[~np.array(hosted, dtype=bool)].itertuples():
        yield Violation("linking", f"{flow.zone_id} / {flow.service_id} at {flow.site_id}",
                        f"{_sends(flow, instance)}, which does not host {flow.service_id}", flow.share)


def travel_standard(instance: Instance, flows: pd.DataFrame, clock: _Clock) -> Iterator[Violation]:
    """No patient goes to a site further than the service's max_travel_min by its mode."""
    services = instance.services
    for service, limit in services["max_travel_min"].dropna().items():
        mode = instance.mode_or_default(services.loc[service, "mode"])
        positive = _positive(flows[flows["service_id"] == service])
        minutes = _times_for(positive, clock(mode).zone_site_min, "zone_id", "site_id")
        far = minutes > limit + _slack(limit)
        for flow, t in zip(positive[far].itertuples(), minutes[far], strict=True):
            yield Violation("travel", f"{flow.zone_id} / {service} at {flow.site_id}",
                            f"{_sends(flow, instance)}, {_num(t)} minutes away by {mode}, beyond the limit "
                            f"of {_num(limit)} minutes (over by {_num(t - limit)})", t - limit)


def coverage(instance: Instance, flows: pd.DataFrame, clock: _Clock,
             away: pd.DataFrame | None = None) -> Iterator[Violation]:
    """At least coverage_share of the population (of zones with demand) is served within coverage_travel_min;
    under the nearest-provider rule (``away``: each zone's nearest neighbour), the share a zone sends to a
    neighbour within coverage_travel_min counts too."""
    services = instance.services
    population = instance.zones["population"]
    for service, required in services["coverage_share"].dropna().items():
        limit = services.loc[service, "coverage_travel_min"]
        if pd.isna(limit):
            continue
        mode = instance.mode_or_default(services.loc[service, "mode"])
        own = flows[flows["service_id"] == service]
        minutes = _times_for(own, clock(mode).zone_site_min, "zone_id", "site_id")
        near = own.loc[minutes <= limit + TOL]
        covered = float((near["share"].to_numpy() * near["zone_id"].map(population).to_numpy(float)).sum())
        if away is not None:
            covered += _covered_by_neighbours(instance, own, away, service, limit)
        people = float(population[instance.demand[service] > 0].sum())
        short = required * people - covered
        if people > 0 and short > _slack(required * people):
            yield Violation("coverage", service,
                            f"{service} reaches {_pct(covered / people)} of the population within {_num(limit)} "
                            f"minutes by {mode} ({_num(covered)} of {_num(people)} people), below the standard "
                            f"{_pct(required)} (short by {_num(short)} people)", short / people)


def _covered_by_neighbours(instance: Instance, own: pd.DataFrame, away: pd.DataFrame, service: str,
                           limit: float) -> float:
    """People of the zones (with demand) whose unserved share goes to a neighbour within ``limit`` minutes (none
    where no neighbour offers the service)."""
    if service not in away.index.get_level_values("service_id"):
        return 0.0
    mine = away.xs(service, level="service_id")
    near = mine.index[(mine["neighbour_min"] <= limit + TOL).to_numpy()]
    near = near[(instance.demand[service].reindex(near) > 0).to_numpy()]
    kept = own.groupby("zone_id")["share"].sum().reindex(near, fill_value=0.0)
    return float(((1.0 - kept).clip(lower=0.0) * instance.zones["population"].reindex(near)).sum())


def capacity(instance: Instance, flows: pd.DataFrame, added: pd.DataFrame) -> Iterator[Violation]:
    """Each site's use of each resource fits its capacity plus what is added there."""
    use = flows.merge(instance.resource_use[["service_id", "resource", "per_activity"]], on="service_id")
    use["load"] = use["activity"] * use["per_activity"]
    load = use.groupby(["site_id", "resource"])["load"].sum()
    have = instance.site_resources.set_index(["site_id", "resource"])["capacity"]
    more = added.set_index(["site_id", "resource"])["added"]
    for (site, resource), need in load.items():
        base = float(have.get((site, resource), 0.0))
        plus = float(more.get((site, resource), 0.0))
        limit = base + plus
        if need > limit + _slack(limit):
            held = f"{_num(base)} + {_num(plus)} added" if plus else _num(base)
            yield Violation("capacity", f"{resource} at {site}",
                            f"{site} needs {_num(need)} {resource}, above its capacity of {held} "
                            f"(over by {_num(need - limit)})", float(need - limit))


def expansion_limits(instance: Instance, added: pd.DataFrame) -> Iterator[Violation]:
    """Capacity added at a site lies between 0 and the resource's max_expansion there."""
    most = instance.site_resources.set_index(["site_id", "resource"])["max_expansion"]
    for row in added.itertuples():
        subject = f"{row.resource} at {row.site_id}"
        limit = float(most.get((row.site_id, row.resource), 0.0))
        if row.added < -TOL:
            yield Violation("expansion", subject, f"{row.site_id} adds {_num(row.added)} {row.resource}; added "
                            f"capacity cannot be negative (short by {_num(-row.added)})", -row.added)
        elif row.added > limit + _slack(limit):
            yield Violation("expansion", subject, f"{row.site_id} adds {_num(row.added)} {row.resource}, above the "
                            f"most it may add, {_num(limit)} (over by {_num(row.added - limit)})",
                            row.added - limit)


def volumes(instance: Instance, configuration: Configuration, flows: pd.DataFrame) -> Iterator[Violation]:
    """Each hosting site handles at least min_volume and at most max_volume of the service a year, and, for a
    service with demand, at least the instance's min_unit_activity: a unit with no patients is no unit."""
    handled = flows.groupby(["site_id", "service_id"])["activity"].sum()
    services = instance.services
    demanded = instance.demand.sum(axis=0) > 0
    floor = float(instance.settings.get("min_unit_activity") or 0.0)
    for site, service in sorted(configuration.hosts, key=lambda pair: (pair[1], pair[0])):
        volume = float(handled.get((site, service), 0.0))
        low, high = services.loc[service, "min_volume"], services.loc[service, "max_volume"]
        activity = services.loc[service, "activity"]
        subject = f"{service} at {site}"
        if pd.notna(low) and volume < low - _slack(low):
            yield Violation("min_volume", subject, f"{subject} handles {_num(volume)} {activity}, below the minimum "
                            f"{_num(low)} (short by {_num(low - volume)})", low - volume)
        if pd.notna(high) and volume > high + _slack(high):
            yield Violation("max_volume", subject, f"{subject} handles {_num(volume)} {activity}, above the maximum "
                            f"{_num(high)} (over by {_num(volume - high)})", volume - high)
        if demanded[service] and volume < floor - _slack(floor) and not (pd.notna(low) and low >= floor):
            yield Violation("activity_floor", subject, f"{subject} handles {_num(volume)} {activity}, below the "
                            f"least a hosted unit handles, {_num(floor)} a year (instance.yaml min_unit_activity)",
                            floor - volume)


def unit_capacity(instance: Instance, configuration: Configuration, added: pd.DataFrame) -> Iterator[Violation]:
    """A site hosting a service has at least the service's min_capacity of each resource (with what is added)."""
    least = instance.resource_use.dropna(subset=["min_capacity"])
    have = instance.site_resources.set_index(["site_id", "resource"])["capacity"]
    more = added.set_index(["site_id", "resource"])["added"]
    for rule in least[least["min_capacity"] > 0].itertuples():
        for site in configuration.sites_of(rule.service_id):
            held = float(have.get((site, rule.resource), 0.0)) + float(more.get((site, rule.resource), 0.0))
            if held < rule.min_capacity - _slack(rule.min_capacity):
                yield Violation("min_capacity", f"{rule.service_id} at {site}",
                                f"{rule.service_id} at {site} needs at least {_num(rule.min_capacity)} "
                                f"{rule.resource} on site, but {site} has {_num(held)} (short by "
                                f"{_num(rule.min_capacity - held)})", rule.min_capacity - held)


def closest(instance: Instance, configuration: Configuration, flows: pd.DataFrame,
            clock: _Clock) -> Iterator[Violation]:
    """Patients go only to their nearest hosting site(s) by the service's mode (ties may share)."""
    services = instance.services
    for service in services.index:
        sites = configuration.sites_of(service)
        positive = _positive(flows[flows["service_id"] == service])
        if not sites or positive.empty:
            continue
        mode = instance.mode_or_default(services.loc[service, "mode"])
        matrix = clock(mode).zone_site_min
        minutes = _times_for(positive, matrix, "zone_id", "site_id")
        hosting = matrix[sites]
        best_site = hosting.idxmin(axis=1)
        best = hosting.min(axis=1).reindex(positive["zone_id"]).to_numpy()
        far = minutes > best + TOL
        for flow, t, fastest in zip(positive[far].itertuples(), minutes[far], best[far], strict=True):
            yield Violation("closest", f"{flow.zone_id} / {service} at {flow.site_id}",
                            f"{_sends(flow, instance)}, {_num(t)} minutes away by {mode}, but "
                            f"{best_site[flow.zone_id]} is {_num(fastest)} minutes away "
                            f"(farther by {_num(t - fastest)})", t - fastest)


# --- neighbouring providers -------------------------------------------------------------------

def _neighbour_rule(instance: Instance) -> str:
    """The rule instance.yaml states, where some neighbour offers a service (else nobody leaves)."""
    offers = instance.tables["neighbour_services"]
    return (instance.settings.get("neighbour_rule") or "none") if len(offers) else "none"


def _nearest_neighbours(instance: Instance, clock: _Clock) -> pd.DataFrame:
    """Per zone and offered service: the nearest neighbour offering it (``neighbour_id``) and its minutes
    (``neighbour_min``) by the service's mode, indexed by (zone_id, service_id)."""
    offers = instance.tables["neighbour_services"]
    rows = []
    for service in offers["service_id"].unique():
        mode = instance.mode_or_default(instance.services.loc[service, "mode"])
        offering = offers.loc[offers["service_id"] == service, "neighbour_id"].unique()
        minutes = clock.neighbours(mode)[offering]
        rows.append(pd.DataFrame({"zone_id": minutes.index, "service_id": service,
                                  "neighbour_id": minutes.idxmin(axis=1).to_numpy(),
                                  "neighbour_min": minutes.min(axis=1).to_numpy()}))
    return pd.concat(rows).set_index(["zone_id", "service_id"])


def _flow_minutes(instance: Instance, flows: pd.DataFrame, clock: _Clock) -> np.ndarray:
    """Minutes of each flow's trip to its site, by its service's mode."""
    minutes = np.full(len(flows), np.nan)
    for service, rows in flows.groupby("service_id").indices.items():
        mode = instance.mode_or_default(instance.services.loc[service, "mode"])
        minutes[rows] = _times_for(flows.iloc[rows], clock(mode).zone_site_min, "zone_id", "site_id")
    return minutes


def _retained(instance: Instance, flows: pd.DataFrame, away: pd.DataFrame, clock: _Clock) -> pd.DataFrame:
    """Flows under the retention curve: ``leaving``, the activity each sends on to the zone's nearest
    neighbour (the curve's share at the trip's extra minutes over the neighbour's), and ``activity``,
    what the site keeps."""
    curve = instance.tables["retention"].reset_index(drop=True).sort_values("extra_min")
    points_min = [0.0, *curve["extra_min"]] if curve["extra_min"].min() > 0 else list(curve["extra_min"])
    points_share = [0.0, *curve["leaving_share"]] if curve["extra_min"].min() > 0 else list(curve["leaving_share"])
    nearest = away.reindex(pd.MultiIndex.from_frame(flows[["zone_id", "service_id"]]))
    extra = _flow_minutes(instance, flows, clock) - nearest["neighbour_min"].to_numpy()
    share = np.where(extra > 0, np.interp(np.nan_to_num(extra), points_min, points_share), 0.0)
    leaving = flows["activity"].to_numpy() * share
    return flows.assign(leaving=leaving, activity=flows["activity"] - leaving)


def _may_leave(instance: Instance, configuration: Configuration, away: pd.DataFrame, clock: _Clock) -> pd.Series:
    """Under the nearest-provider rule: True for each (zone, service) whose nearest neighbour is strictly
    nearer than every site hosting the service (or no site hosts it)."""
    found = {}
    for (zone, service), row in away.iterrows():
        hosts = configuration.sites_of(service)
        matrix = clock(instance.mode_or_default(instance.services.loc[service, "mode"])).zone_site_min
        nearest_site = float(matrix.loc[zone, hosts].min()) if hosts else np.inf
        found[zone, service] = nearest_site > row["neighbour_min"] + TOL
    return pd.Series(found, dtype=bool)


def neighbours(instance: Instance, flows: pd.DataFrame, away: pd.DataFrame, clock: _Clock,
               rule: str) -> Iterator[Violation]:
    """Under the nearest-provider rule, no patient goes to a site farther than the zone's nearest neighbour
    offering the service; under either rule, a neighbour takes no more than its spare activity."""
    nearest = away.reindex(pd.MultiIndex.from_frame(flows[["zone_id", "service_id"]]))
    if rule == "nearest":
        minutes = _flow_minutes(instance, flows, clock)
        beyond = (flows["share"] > TOL).to_numpy() & (minutes > nearest["neighbour_min"].to_numpy() + TOL)
        for flow, t, (neighbour, t_n) in zip(flows[beyond].itertuples(), minutes[beyond],
                                             nearest[beyond].itertuples(index=False), strict=True):
            mode = instance.mode_or_default(instance.services.loc[flow.service_id, "mode"])
            yield Violation("neighbour", f"{flow.zone_id} / {flow.service_id} at {flow.site_id}",
                            f"{_sends(flow, instance)}, {_num(t)} minutes away by {mode}, but the neighbouring "
                            f"provider {neighbour} offers it {_num(t_n)} minutes away (farther by {_num(t - t_n)})",
                            t - t_n)
    yield from _spare(instance, _leaving_by_neighbour(instance, flows, away, rule))


def _leaving_by_neighbour(instance: Instance, flows: pd.DataFrame, away: pd.DataFrame, rule: str) -> pd.Series:
    """Yearly activity each neighbour receives per service, indexed by (neighbour_id, service_id)."""
    if rule == "retention":
        to = away.reindex(pd.MultiIndex.from_frame(flows[["zone_id", "service_id"]]))["neighbour_id"].to_numpy()
        return flows.assign(neighbour_id=to).groupby(["neighbour_id", "service_id"])["leaving"].sum()
    demand = instance.demand.stack().reindex(away.index)
    kept = flows.groupby(["zone_id", "service_id"])["share"].sum().reindex(away.index, fill_value=0.0)
    gone = away.assign(activity=demand * (1 - kept).clip(lower=0.0))
    return gone.groupby(["neighbour_id", "service_id"])["activity"].sum()


def _spare(instance: Instance, received: pd.Series) -> Iterator[Violation]:
    offers = instance.tables["neighbour_services"].dropna(subset=["spare_activity"])
    for offer in offers.itertuples(index=False):
        got = float(received.get((offer.neighbour_id, offer.service_id), 0.0))
        if got > offer.spare_activity + _slack(offer.spare_activity):
            activity = instance.services.loc[offer.service_id, "activity"]
            yield Violation("neighbour", f"{offer.service_id} at {offer.neighbour_id}",
                            f"the group's zones send {_num(got)} {offer.service_id} {activity} a year to "
                            f"{offer.neighbour_id}, above the {_num(offer.spare_activity)} it can take (over by "
                            f"{_num(got - offer.spare_activity)})", got - offer.spare_activity)


# --- rules on the configuration ---------------------------------------------------------------

def _rules(instance: Instance, kind: str) -> pd.DataFrame:
    rules = instance.codependencies
    return rules[rules["rule"] == kind]


def colocated(instance: Instance, configuration: Configuration) -> Iterator[Violation]:
    """Wherever A is hosted, B is hosted on the same site."""
    for rule in _rules(instance, "colocated").itertuples():
        for site in configuration.sites_of(rule.service_a):
            if (site, rule.service_b) not in configuration.hosts:
                yield Violation("colocated", f"{rule.service_a} at {site}",
                                f"{rule.service_a} at {site} needs {rule.service_b} on the same site, but {site} "
                                f"does not host {rule.service_b}", 1.0)


def within(instance: Instance, configuration: Configuration, clock: _Clock) -> Iterator[Violation]:
    """Wherever A is hosted, some site hosting B is within within_min minutes (site to site, by the rule's mode)."""
    for rule in _rules(instance, "within").itertuples():
        mode = instance.mode_or_default(rule.mode)
        others = configuration.sites_of(rule.service_b)
        matrix = clock(mode).site_site_min
        for site in configuration.sites_of(rule.service_a):
            need = f"{rule.service_a} at {site} needs {rule.service_b} within {_num(rule.within_min)} minutes by {mode}"
            if not others:
                yield Violation("within", f"{rule.service_a} at {site}",
                                f"{need}, but no site hosts {rule.service_b}", math.inf)
                continue
            reach = matrix.loc[site, others].sort_values(kind="stable")
            nearest, minutes = reach.index[0], float(reach.iloc[0])
            if minutes > rule.within_min + TOL:
                yield Violation("within", f"{rule.service_a} at {site}",
                                f"{need}, but the nearest site hosting it, {nearest}, is {_num(minutes)} minutes "
                                f"away (over by {_num(minutes - rule.within_min)})", minutes - rule.within_min)


def excludes(instance: Instance, configuration: Configuration) -> Iterator[Violation]:
    """A and B never share a site."""
    for rule in _rules(instance, "excludes").itertuples():
        for site in configuration.sites_of(rule.service_a):
            if (site, rule.service_b) in configuration.hosts:
                yield Violation("excludes", f"{rule.service_a} and {rule.service_b} at {site}",
                                f"{rule.service_a} and {rule.service_b} may not share a site, but {site} hosts both",
                                1.0)


def site_counts(instance: Instance, configuration: Configuration) -> Iterator[Violation]:
    """Each service is hosted at between min_sites and max_sites sites."""
    for service, row in instance.services.iterrows():
        sites = configuration.sites_of(service)
        n = len(sites)
        listed = f"{n} site{'s' if n != 1 else ''}" + (f" ({', '.join(sites)})" if sites else "")
        low, high = row["min_sites"], row["max_sites"]
        if pd.notna(low) and n < low:
            yield Violation("min_sites", service, f"{service} is hosted at {listed}, fewer than the minimum "
                            f"{low} (short by {low - n})", float(low - n))
        if pd.notna(high) and n > high:
            yield Violation("max_sites", service, f"{service} is hosted at {listed}, more than the maximum "
                            f"{high} (over by {n - high})", float(n - high))


def givens(instance: Instance, configuration: Configuration) -> Iterator[Violation]:
    """A given with hosts=true is hosted; one with hosts=false is not."""
    for given in instance.givens.itertuples():
        hosted = (given.site_id, given.service_id) in configuration.hosts
        if bool(given.hosts) and not hosted:
            yield Violation("given", f"{given.service_id} at {given.site_id}",
                            f"givens.csv requires {given.site_id} to host {given.service_id}, but it does not", 1.0)
        elif not bool(given.hosts) and hosted:
            yield Violation("given", f"{given.service_id} at {given.site_id}",
                            f"givens.csv forbids {given.site_id} to host {given.service_id}, but it does", 1.0)


def roles(instance: Instance, configuration: Configuration) -> Iterator[Violation]:
    """With roles: one role per site, one for every existing site, bundled services exactly where roles bring them."""
    if not configuration.roles:
        return
    taken: dict[str, list[str]] = {}
    for site, role in configuration.roles:
        taken.setdefault(site, []).append(role)
    for site, several in taken.items():
        if len(several) > 1:
            yield Violation("role", site, f"{site} takes {len(several)} roles ({', '.join(sorted(several))}); "
                            "a site takes at most one", float(len(several) - 1))
    sites = instance.sites
    for site in sites.index[sites["exists"].astype(bool)]:
        if site not in taken:
            yield Violation("role", site, f"{site} exists today but takes no role; every existing site takes one",
                            1.0)
    brings = role_services(instance)
    for site, several in taken.items():
        for role in several:
            for service in brings[role]:
                if (site, service) not in configuration.hosts:
                    yield Violation("role", f"{service} at {site}", f"{site} takes role {role}, which brings "
                                    f"{service}, but {site} does not host it", 1.0)
    bundled = bundled_services(instance)
    for site, service in configuration.hosts:
        if service in bundled and not any(service in brings[role] for role in taken.get(site, [])):
            by = ", ".join(sorted(role for role, services in brings.items() if service in services))
            held = f"takes role {', '.join(taken[site])}" if site in taken else "takes no role"
            yield Violation("role", f"{service} at {site}", f"{site} hosts {service}, which only a role brings "
                            f"({by}), but {site} {held}", 1.0)
