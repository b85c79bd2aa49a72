"""Cheap proofs that no configuration can meet an instance's rules.

Each proof is arithmetic on totals, counts and travel times, run before any
model is built, and is worded with its numbers so an analyst can see at once
which rule to question ("obstetrics needs at least 2,500 births per unit at
2 units: 4,800 births in the instance"). A proof found is certain; finding
none does not make the instance feasible — the solver decides that.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import pandas as pd

from optimiser.errors import Problem, Severity

from .checks import colocation_closure
from .folder import Instance
from .travel import TravelTimes, travel_times_by_mode

Proof = Callable[[Instance, dict[str, TravelTimes]], Iterator[Problem]]


def prove_infeasible(instance: Instance, times: dict[str, TravelTimes] | None = None) -> list[Problem]:
    """Every cheap proof of infeasibility that holds for ``instance``.

    ``times`` maps a mode to its travel times; missing modes are computed.
    """
    times = travel_times_by_mode(instance, times)
    return [problem for proof in PROOFS for problem in proof(instance, times)]


def _services(instance: Instance) -> Iterator[tuple[int, pd.Series, str]]:
    for position, (_, service) in enumerate(instance.services.iterrows()):
        yield position, service, f"{service['name']} ({service['service_id']})"


def _infeasible(instance: Instance, position: int, column: str, message: str, fix: str) -> Problem:
    return Problem("services.yaml", message, row=instance.row("services", position, column), column=column,
                   fix=fix, severity=Severity.INFEASIBLE)


def _given_sites(instance: Instance, service_id: str, hosts: bool) -> set[str]:
    givens = instance.givens
    chosen = givens[(givens["service_id"] == service_id) & (givens["hosts"] == hosts)]
    return set(chosen["site_id"])


def _units(count: float) -> str:
    return f"{count:,.0f} unit{'s' if count != 1 else ''}"


def site_counts(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """Givens and site counts: more sites given than allowed, or fewer sites open to it than needed."""
    n_sites = len(instance.sites)
    for position, service, label in _services(instance):
        given = _given_sites(instance, service["service_id"], True)
        allowed = n_sites - len(_given_sites(instance, service["service_id"], False))
        if pd.notna(service["max_sites"]) and len(given) > service["max_sites"]:
            yield _infeasible(instance, position, "max_sites",
                              f"{label} is given at {len(given)} sites ({', '.join(sorted(given))}) but "
                              f"max_sites is {service['max_sites']}", "Raise max_sites or change givens.csv")
        if service["min_sites"] > allowed:
            yield _infeasible(instance, position, "min_sites",
                              f"{label} needs at least {service['min_sites']} sites but only {allowed} of the "
                              f"{n_sites} sites may host it", "Lower min_sites or change givens.csv")


def volumes(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """Volume standards against total demand: each unit needs ``min_volume``, none exceeds ``max_volume``."""
    for position, service, label in _services(instance):
        total = float(instance.demand[service["service_id"]].sum())
        fewest = max(int(service["min_sites"]), len(_given_sites(instance, service["service_id"], True)))
        if service["min_volume"] > 0 and fewest * service["min_volume"] > total:
            yield _infeasible(
                instance, position, "min_volume",
                f"{label} needs at least {service['min_volume']:,.0f} {service['activity']} per unit at "
                f"{_units(fewest)}: {total:,.0f} {service['activity']} in the instance",
                f"Lower min_volume to {total / fewest:,.0f} or fewer, or allow fewer units")
        most = len(instance.sites) - len(_given_sites(instance, service["service_id"], False))
        if pd.notna(service["max_sites"]):
            most = min(most, int(service["max_sites"]))
        if pd.notna(service["max_volume"]) and total > most * service["max_volume"]:
            needed = math.ceil(total / service["max_volume"])
            yield _infeasible(
                instance, position, "max_volume",
                f"{label} has {total:,.0f} {service['activity']} a year, but {_units(most)} of at most "
                f"{service['max_volume']:,.0f} can handle {most * service['max_volume']:,.0f} "
                f"({needed} units needed)", "Raise max_volume or allow more sites")


def travel_standards(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """Access standards that even every permitted site open at once cannot meet."""
    for position, service, label in _services(instance):
        mode = instance.mode_or_default(service["mode"])
        forbidden = _given_sites(instance, service["service_id"], False)
        reach = times[mode].zone_site_min.drop(columns=sorted(forbidden))
        nearest = reach.min(axis=1)
        demand = instance.demand[service["service_id"]]
        if pd.notna(service["max_travel_min"]):
            limit = service["max_travel_min"]
            stranded = nearest[(nearest > limit) & (demand > 0)]
            for zone_id, minutes in stranded.items():
                zone = instance.zones.loc[zone_id, "name"]
                yield _infeasible(
                    instance, position, "max_travel_min",
                    f"{label}: {zone} ({zone_id}) has no site within {limit:g} minutes by {mode} "
                    f"(nearest: {reach.loc[zone_id].idxmin()}, {minutes:.0f} min)",
                    "Raise max_travel_min, or add a site or road that reaches it")
        if pd.notna(service["coverage_share"]):
            population = instance.zones["population"]
            share = float(population[nearest <= service["coverage_travel_min"]].sum() / population.sum())
            if share < service["coverage_share"]:
                yield _infeasible(
                    instance, position, "coverage_share",
                    f"{label} must reach {service['coverage_share']:.0%} of the population within "
                    f"{service['coverage_travel_min']:g} minutes by {mode}, but even with every permitted site "
                    f"open only {share:.1%} is", "Lower coverage_share or raise coverage_travel_min")


def capacity(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """All demand against all capacity, with every permitted expansion."""
    use = instance.resource_use
    if use.empty:
        return
    total_demand = instance.demand.sum()
    needed = (use["per_activity"] * use["service_id"].map(total_demand).to_numpy()).groupby(use["resource"]).sum()
    resources = instance.site_resources
    available = (resources["capacity"] + resources["max_expansion"]).groupby(resources["resource"]).sum()
    for resource, need in needed.items():
        have = float(available.get(resource, 0.0))
        if need > have:
            yield Problem("site_resources.csv",
                          f"capacity of all sites < demand: {need:,.0f} {resource} needed, {have:,.0f} "
                          "available even with every permitted expansion", column="capacity",
                          fix=f"Add {resource} capacity or max_expansion, or check resource_use.csv",
                          severity=Severity.INFEASIBLE)


def codependent_counts(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """A service needing another on its site cannot have more sites than that one may."""
    services = instance.services
    for a, needed in colocation_closure(instance.codependencies).items():
        for b in sorted(needed):
            if pd.notna(services.loc[b, "max_sites"]) and services.loc[a, "min_sites"] > services.loc[b, "max_sites"]:
                position = services.index.get_loc(a)
                yield _infeasible(
                    instance, position, "min_sites",
                    f"{a} needs {b} on the same site and at least {services.loc[a, 'min_sites']} sites, but {b} "
                    f"may be at no more than {services.loc[b, 'max_sites']}",
                    f"Lower min_sites of {a}, raise max_sites of {b}, or relax the colocated rule")


def within_reach(instance: Instance, times: dict[str, TravelTimes]) -> Iterator[Problem]:
    """A service given at a site that needs another within N minutes, where no site in reach may host it."""
    rules = instance.codependencies
    for position, rule in enumerate(rules.itertuples(index=False)):
        if rule.rule != "within":
            continue
        mode = instance.mode_or_default(rule.mode)
        allowed_b = set(instance.sites.index) - _given_sites(instance, rule.service_b, False)
        for site in sorted(_given_sites(instance, rule.service_a, True)):
            reach = times[mode].site_site_min.loc[site]
            if not any(reach[other] <= rule.within_min for other in allowed_b):
                yield Problem("codependencies.csv",
                              f"{rule.service_a} is given at {site} and needs {rule.service_b} within "
                              f"{rule.within_min:g} minutes by {mode}, but no site that may host {rule.service_b} "
                              "is that close", row=instance.row("codependencies", position), column="within_min",
                              fix="Raise within_min, or change givens.csv", severity=Severity.INFEASIBLE)


PROOFS: tuple[Proof, ...] = (site_counts, volumes, travel_standards, capacity, codependent_counts, within_reach)
