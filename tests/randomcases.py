"""Random valid instances with rules of every family, for the property tests of the engine.

Each instance is drawn from a seed with its own ``numpy.random.Generator`` and written as an
ordinary instance folder, so the engine reads it as it reads a real one. The rules are fitted
to a *witness*: a configuration drawn first (roles, then services) with every patient at the
nearest hosting site. Every rule (givens, site counts, co-dependencies, volumes, capacities
with paid expansion, hard and coverage travel standards, closest assignment) is then set so
that the witness obeys it, which makes the instance feasible by construction: an answer of
"infeasible" is then wrong. A planted share of instances is made infeasible on purpose by a
zone that no permitted site reaches within the hard travel standard, the one thing that is
then certain about them.

About two instances in five have no capacity, volume, coverage or closest-assignment rule,
so that the engine searches the radius formulation (:mod:`optimiser.search.radius`).

One feasible instance in four (by a generator of its own, seeded ``[seed, 26]``, so that the other draws
are as before) carries one or two neighbouring hospitals (:mod:`optimiser.instance.neighbours`) on random
junctions of the road graph, each offering a random subset of the services, under the nearest-provider
rule or a random monotone retention curve (half each), and in half of them a spare activity at or above
what the witness sends each neighbour. The witness's patients follow the rule: under ``nearest`` a zone
whose nearest neighbour offering the service is strictly nearer than the witness's nearest host leaves
in full, under ``retention`` the curve's share of each zone's demand leaves. Every rule is then fitted to
what stays: units left without patients are dropped from the witness (a witness whose role brings one is
drawn again), volumes, capacities and coverage count the demand kept (and, under ``nearest``, a zone
sent to a neighbour within the coverage time). Planted-infeasible instances carry no neighbours (one
could take the zone put out of reach).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from optimiser import Instance, load_instance
from optimiser.instance.configuration import Configuration
from optimiser.instance.neighbours import kept, leaving_flows, leaving_share, neighbour_minutes, stays
from optimiser.instance.roads import haversine_km
from optimiser.instance.travel import travel_times, travel_times_by_mode

#: The box every site, zone and junction lies in (about 55 by 50 km of southern England).
LAT, LON = (51.0, 51.5), (-1.0, -0.3)
#: Road classes, their car speed (km/h) and blue-light factor.
ROAD_SPEED_KMH = {"motorway": 100, "dual": 80, "single": 60, "urban": 30}
BLUELIGHT_FACTOR = 1.25
RESOURCES = ("beds", "theatres")
#: Each junction is joined to this many nearest others, besides the spanning tree that keeps the graph whole.
NEIGHBOURS = 2
#: Draws of a witness with roles before a case goes without them.
REDRAWS = 20
SOURCE = "random property-test instance"
#: Share of the feasible instances given neighbouring hospitals, and the seed's second word for their draws.
NEIGHBOURED, NEIGHBOUR_STREAM = 0.25, 26
#: Files an instance's neighbours are written to.
NEIGHBOUR_FILES = ("neighbours.csv", "neighbour_services.csv", "retention.csv")


@dataclass(frozen=True)
class Case:
    """A random instance written to ``path``: its witness (feasible by construction) unless
    ``infeasible`` says a zone was put out of reach on purpose; ``radius`` when no rule but the
    demand and linking touches the allocation."""

    seed: int
    path: Path
    witness: Configuration
    infeasible: bool
    radius: bool
    closest_assignment: bool
    neighbour_rule: str = "none"

    def load(self) -> Instance:
        return load_instance(self.path)


def random_sizes(rng: np.random.Generator, *, tiny: bool = False) -> tuple[int, int, int]:
    """Sites, zones and services: most instances tiny, a few up to 8 sites, 80 zones and 5 services (larger
    random rule sets make MIPs of minutes at gap 0 and top 3: 9 sites, 145 zones, 7 services took 45 s);
    ``tiny`` keeps to 2-4 sites and 1-3 services, at most 8 (site, service) pairs, small enough to
    enumerate every configuration."""
    if tiny:
        sites = int(rng.integers(2, 5))
        return sites, int(rng.integers(3, 9)), int(rng.integers(1, 4 if sites == 2 else 3))
    large = rng.random() < 0.1
    sites = int(rng.integers(2, 9)) if large else int(rng.integers(2, 6))
    zones = int(rng.integers(5, 81)) if large else int(rng.integers(5, 25))
    services = int(rng.integers(1, 6)) if large else int(rng.integers(1, 4))
    return sites, zones, services


def random_case(seed: int, folder: Path, *, tiny: bool = False) -> Case:
    """Draw instance ``seed`` and write it into the new folder ``folder``."""
    rng = np.random.default_rng(seed)
    n_sites, n_zones, n_services = random_sizes(rng, tiny=tiny)
    radius = rng.random() < 0.4
    infeasible = rng.random() < 0.08
    closest = not radius and rng.random() < 0.25
    sites = [f"s{i + 1}" for i in range(n_sites)]
    services = [f"l{j + 1}" for j in range(n_services)]
    exists = rng.random(n_sites) < 0.75
    exists[0] = True
    geography = _geography(rng, n_sites, n_zones)
    _write_geography(folder, geography, sites, exists, closest)
    roles = _roles(rng, services) if rng.random() < 0.3 and not (tiny and n_sites > 3) else {}
    _yaml(folder / "services.yaml", {l: {"name": l, "activity": "spells", "demand_per_1000": 1} for l in services})
    neighbour_rng = np.random.default_rng([seed, NEIGHBOUR_STREAM])
    neighbour_rule = _neighbours(neighbour_rng, folder, geography, services) \
        if not infeasible and neighbour_rng.random() < NEIGHBOURED else "none"
    skeleton = load_instance(folder)  # sites, zones, roads and neighbours only: the witness's travel times
    car, bluelight = travel_times(skeleton, "car"), travel_times(skeleton, "bluelight")
    modes = {l: ("bluelight" if rng.random() < 0.3 else "car") for l in services}
    minutes = {l: (bluelight if modes[l] == "bluelight" else car).zone_site_min.to_numpy() for l in services}
    away = _away_minutes(skeleton, services, modes) if neighbour_rule != "none" else {}
    staying = _staying_share(neighbour_rule, skeleton.tables["retention"], away)
    population = geography["population"]
    rates = {l: float(np.round(rng.uniform(1, 300), 1)) for l in services}
    demand = {l: population * rates[l] / 1000 for l in services}
    witness, roles = _viable_witness(rng, sites, services, exists, roles, minutes, demand, staying)
    # a service left with no unit has all its demand leaving: none is carried to the placeholder site 0
    nearest = {l: _nearest(minutes[l], [sites.index(s) for s in witness.sites_of(l)]) if witness.sites_of(l)
               else np.zeros(n_zones, int) for l in services}
    records = {l: {"name": f"Service {l}", "activity": "spells", "demand_per_1000": rates[l],
                   "mode": modes[l], "rotas_24_7": int(rng.integers(0, 4)),
                   "running_cost_gbp_m": float(np.round(rng.uniform(0, 20), 1)),
                   "opening_capital_gbp_m": float(np.round(rng.uniform(0, 40), 1)), "source": SOURCE}
               for l in services}
    kept_demand = {}
    for l in services:
        hosts = [sites.index(s) for s in witness.sites_of(l)]
        witness_min = minutes[l][np.arange(n_zones), nearest[l]] if hosts else np.full(n_zones, np.inf)
        share = staying(l, witness_min)
        kept_demand[l] = demand[l] * share
        records[l].update(_counts(rng, len(hosts), n_sites))
        if rng.random() < 0.4 and hosts:
            records[l]["max_travel_min"] = _up(witness_min.max() * rng.uniform(1.0, 1.4) + 1)
        if not radius:
            volume = np.bincount(nearest[l], weights=kept_demand[l], minlength=n_sites)[hosts]
            if hosts:
                records[l].update(_volumes(rng, volume))
            # a zone sent whole to a neighbour is covered at the neighbour's minutes
            reached = np.where(share > 0, witness_min, away[l]) if neighbour_rule == "nearest" else witness_min
            records[l].update(_coverage(rng, reached, population))
    givens = _givens(rng, sites, services, witness)
    if infeasible:
        givens = _out_of_reach(rng, records, minutes, population, sites, services, givens)
    resources = ([], []) if radius else _resources(rng, sites, services, nearest, kept_demand)
    _write_rules(folder, rng, records, givens, _codependencies(rng, services, witness, sites, car),
                 roles, resources, witness)
    if neighbour_rule != "none" and neighbour_rng.random() < 0.5:
        _spare_activity(neighbour_rng, folder, witness)
    return Case(seed, folder, witness, infeasible, radius and neighbour_rule == "none", closest, neighbour_rule)


# --- neighbouring hospitals ---------------------------------------------------------------------

def _neighbours(rng: np.random.Generator, folder: Path, geo: dict[str, np.ndarray], services: list[str]) -> str:
    """One or two neighbouring hospitals on random junctions (zones' or spare ones), each offering some services,
    a random monotone retention curve and the rule (nearest or retention) written to instance.yaml: the rule."""
    n_sites = int(geo["n_sites"])
    nodes = rng.choice(np.arange(n_sites, len(geo["lat"])), size=int(rng.integers(1, 3)), replace=False)
    ids = [f"nb{i + 1}" for i in range(len(nodes))]
    _csv(folder / "neighbours.csv", pd.DataFrame({"neighbour_id": ids, "name": [f"Neighbour {n}" for n in ids],
                                                  "lat": geo["lat"][nodes], "lon": geo["lon"][nodes]}))
    offers = [(n, l) for n in ids for l in services if rng.random() < 0.6] or [(ids[0], services[0])]
    _csv(folder / "neighbour_services.csv", pd.DataFrame(offers, columns=["neighbour_id", "service_id"]))
    points = int(rng.integers(1, 4))
    extra_min = np.round(np.cumsum(rng.uniform(1, 20, points)), 1)
    share = np.round(np.sort(rng.uniform(0, 0.8, points)), 2)
    _csv(folder / "retention.csv", pd.DataFrame({"extra_min": extra_min, "leaving_share": share}))
    chosen = "nearest" if rng.random() < 0.5 else "retention"
    text = (folder / "instance.yaml").read_text(encoding="utf-8")
    (folder / "instance.yaml").write_text(text + f"neighbour_rule: {chosen}\n", encoding="utf-8")
    return chosen


def _away_minutes(skeleton: Instance, services: list[str], modes: dict[str, str]) -> dict[str, np.ndarray]:
    """Minutes from each zone to its nearest neighbour offering each service, by the service's mode (inf
    where none offers it)."""
    offers = skeleton.tables["neighbour_services"]
    away = {}
    for l in services:
        offering = offers.loc[offers["service_id"] == l, "neighbour_id"].unique()
        minutes = neighbour_minutes(skeleton, modes[l])[offering].to_numpy()
        away[l] = minutes.min(axis=1) if len(offering) else np.full(len(skeleton.zones), np.inf)
    return away


def _staying_share(chosen: str, curve: pd.DataFrame, away: dict[str, np.ndarray]):
    """The share of each zone's demand that stays with its witness site ``witness_min`` away, under the rule:
    all but a strictly nearer neighbour's under ``nearest``, all but the curve's share under ``retention``."""
    def staying(service: str, witness_min: np.ndarray) -> np.ndarray:
        if chosen == "none" or service not in away:
            return np.ones_like(witness_min)
        if chosen == "nearest":
            return (witness_min <= away[service]).astype(float)
        return 1.0 - leaving_share(curve, witness_min - away[service])
    return staying


def _spare_activity(rng: np.random.Generator, folder: Path, witness: Configuration) -> None:
    """A spare activity at each offer at or above what the witness's zones send it (at times just that)."""
    instance = load_instance(folder)
    received = leaving_flows(instance, _witness_allocation(witness, instance), travel_times_by_mode(instance)) \
        .groupby(["neighbour_id", "service_id"])["activity"].sum()
    offers = instance.tables["neighbour_services"].reset_index(drop=True)[["neighbour_id", "service_id"]]
    spare = received.reindex(pd.MultiIndex.from_frame(offers)).fillna(0.0).to_numpy()
    spare = np.ceil(spare * rng.choice([1.0, 1.5], len(spare)) * 1000 + 1) / 1000
    _csv(folder / "neighbour_services.csv", offers.assign(spare_activity=spare))


# --- geography --------------------------------------------------------------------------------

def _geography(rng: np.random.Generator, n_sites: int, n_zones: int) -> dict[str, np.ndarray]:
    """Coordinates of sites then zones (one junction each), a few extra junctions, and the roads."""
    n_nodes = n_sites + n_zones + int(rng.integers(0, 5))
    lat = rng.uniform(*LAT, n_nodes)
    lon = rng.uniform(*LON, n_nodes)
    km = haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    edges = _spanning_tree(km)
    order = np.argsort(km, axis=1)[:, 1:NEIGHBOURS + 1]
    edges |= {(min(a, b), max(a, b)) for a in range(n_nodes) for b in order[a]}
    population = rng.integers(500, 20000, n_zones).astype(float)
    population[rng.random(n_zones) < 0.05] = 0.0  # a zone with no demand at all
    return {"lat": lat, "lon": lon, "km": km, "edges": np.array(sorted(edges)), "population": population,
            "n_sites": np.array(n_sites), "classes": rng.choice(list(ROAD_SPEED_KMH), len(edges)),
            "detour": rng.uniform(1.05, 1.5, len(edges)), "quintile": rng.integers(1, 6, n_zones)}


def _spanning_tree(km: np.ndarray) -> set[tuple[int, int]]:
    """Prim's tree over the junctions: the roads that keep every junction reachable."""
    n = len(km)
    joined, best, parent = np.zeros(n, bool), km[0].copy(), np.zeros(n, int)
    joined[0] = True
    edges = set()
    for _ in range(n - 1):
        node = int(np.argmin(np.where(joined, np.inf, best)))
        joined[node] = True
        edges.add((min(node, parent[node]), max(node, parent[node])))
        closer = ~joined & (km[node] < best)
        best[closer], parent[closer] = km[node][closer], node
    return edges


def _write_geography(folder: Path, geo: dict[str, np.ndarray], sites: list[str], exists: np.ndarray,
                     closest: bool) -> None:
    folder.mkdir(parents=True)
    n_sites, lat, lon = int(geo["n_sites"]), geo["lat"], geo["lon"]
    n_zones = len(geo["population"])
    _yaml(folder / "instance.yaml", {
        "name": folder.name, "title": "Random property-test instance", "year": 2024,
        "lat_min": LAT[0] - 0.01, "lat_max": LAT[1] + 0.01, "lon_min": LON[0] - 0.01, "lon_max": LON[1] + 0.01,
        "default_mode": "car", "closest_assignment": closest})
    _csv(folder / "sites.csv", pd.DataFrame({
        "site_id": sites, "name": [f"Site {s}" for s in sites], "lat": lat[:n_sites], "lon": lon[:n_sites],
        "exists": np.where(exists, "true", "false"),
        "new_build_capital_gbp_m": np.where(exists, 0.0, 300.0)}))
    zone = slice(n_sites, n_sites + n_zones)
    _csv(folder / "zones.csv", pd.DataFrame({
        "zone_id": [f"z{i + 1}" for i in range(n_zones)], "name": [f"Zone {i + 1}" for i in range(n_zones)],
        "lat": lat[zone], "lon": lon[zone], "population": geo["population"].astype(int),
        "deprivation_quintile": geo["quintile"]}))
    node = [f"n{i}" for i in range(len(lat))]
    _csv(folder / "road_nodes.csv", pd.DataFrame({"node_id": node, "lat": lat, "lon": lon}))
    a, b = geo["edges"][:, 0], geo["edges"][:, 1]
    _csv(folder / "roads.csv", pd.DataFrame({
        "from_node": np.array(node)[a], "to_node": np.array(node)[b], "road_class": geo["classes"],
        "length_km": np.round(np.maximum(geo["km"][a, b] * geo["detour"], 0.01), 3),
        "speed_kmh": [ROAD_SPEED_KMH[c] for c in geo["classes"]]}))
    _csv(folder / "modes.csv", pd.DataFrame(
        [{"mode": mode, "road_class": c, "speed_factor": factor}
         for mode, factor in (("car", 1.0), ("bluelight", BLUELIGHT_FACTOR)) for c in ROAD_SPEED_KMH]))


# --- the witness and the rules fitted to it -----------------------------------------------------

def _roles(rng: np.random.Generator, services: list[str]) -> dict[str, list[str]]:
    """One or two roles; the first brings every bundled service, the second a part of them."""
    bundled = [l for l in services if rng.random() < 0.6] or [services[0]]
    roles = {"k1": bundled}
    if rng.random() < 0.6:
        roles["k2"] = [l for l in bundled if rng.random() < 0.5]
    return roles


def _witness(rng: np.random.Generator, sites: list[str], services: list[str], exists: np.ndarray,
             roles: dict[str, list[str]]) -> Configuration:
    """Roles first (every existing site takes one, the first site the role bringing every bundled
    service), then each unbundled service at a random non-empty set of sites."""
    role_of: dict[str, str] = {}
    if roles:
        for i, site in enumerate(sites):
            if exists[i] or rng.random() < 0.5:
                role_of[site] = "k1" if i == 0 else str(rng.choice(list(roles)))
    bundled = {l for bundle in roles.values() for l in bundle}
    hosts = {(site, l) for site, role in role_of.items() for l in roles[role]}
    for l in services:
        if l not in bundled:
            chosen = rng.random(len(sites)) < rng.uniform(0.2, 0.8)
            chosen[rng.integers(len(sites))] = True
            hosts |= {(site, l) for site, on in zip(sites, chosen, strict=True) if on}
    return Configuration.of(hosts, role_of, name="witness")


def _viable_witness(rng: np.random.Generator, sites: list[str], services: list[str], exists: np.ndarray,
                    roles: dict[str, list[str]], minutes: dict[str, np.ndarray], demand: dict[str, np.ndarray],
                    staying) -> tuple[Configuration, dict[str, list[str]]]:
    """A witness every hosted unit of which has patients (the engine's activity floor: a unit with none is
    no unit), and the roles it takes: units of unbundled services that no zone's patients reach are left
    out; a witness whose roles bring such a unit is drawn again, and after :data:`REDRAWS` such draws the
    case goes without roles (every existing site must take one, and some role always brings one)."""
    draws = 0
    while True:
        roles = roles if draws < REDRAWS else {}
        witness = _witness(rng, sites, services, exists, roles)
        hosts = _with_patients(witness, sites, services, roles, minutes, demand, staying)
        if hosts is not None:
            return Configuration.of(hosts, witness.role_of, name="witness"), roles
        draws += 1


def _with_patients(witness: Configuration, sites: list[str], services: list[str], roles: dict[str, list[str]],
                   minutes: dict[str, np.ndarray], demand: dict[str, np.ndarray],
                   staying) -> set[tuple[str, str]] | None:
    """The witness's units less those of unbundled services that keep no patients (no zone's nearest host, or
    every such zone leaving for a neighbour: dropping the unit sends them farther, so they still leave);
    None where a role brings such a unit. A service may be left with no unit only where all its demand
    leaves (never without neighbours)."""
    bundled = {l for bundle in roles.values() for l in bundle}
    hosts = set(witness.hosts)
    for l in services:
        on = [sites.index(s) for s in witness.sites_of(l)]
        if not on or demand[l].sum() <= 0:
            continue
        nearest = _nearest(minutes[l], on)
        kept_demand = demand[l] * staying(l, minutes[l][np.arange(len(nearest)), nearest])
        volume = np.bincount(nearest, weights=kept_demand, minlength=len(sites))
        empty = {(sites[i], l) for i in on if volume[i] <= 0}
        if empty and l in bundled:
            return None
        hosts -= empty
    return hosts


def _nearest(minutes: np.ndarray, hosts: list[int]) -> np.ndarray:
    """Index of each zone's nearest hosting site (first in site order on a tie)."""
    return np.asarray(hosts)[np.argmin(minutes[:, hosts], axis=1)]


def _up(value: float) -> float:
    """A limit rounded up to a tenth, so that rounding never breaks the witness."""
    return float(np.ceil(value * 10) / 10)


def _counts(rng: np.random.Generator, hosted: int, n_sites: int) -> dict:
    counts = {}
    if rng.random() < 0.5:
        counts["min_sites"] = int(rng.integers(0, hosted + 1))
    if rng.random() < 0.5:
        counts["max_sites"] = int(rng.integers(hosted, n_sites + 1))
    return counts


def _volumes(rng: np.random.Generator, volume: np.ndarray) -> dict:
    """Volume standards below the witness's smallest unit and above its largest."""
    rules = {}
    if rng.random() < 0.35 and volume.min() > 1:
        rules["min_volume"] = float(np.floor(volume.min() * rng.uniform(0.3, 0.95)))
    if rng.random() < 0.25:
        rules["max_volume"] = float(np.ceil(volume.max() * rng.uniform(1.05, 2.0)) + 1)
    return rules


def _coverage(rng: np.random.Generator, witness_min: np.ndarray, population: np.ndarray) -> dict:
    """A coverage standard the witness meets: a time among its zones' times, a share at most the one it covers."""
    if rng.random() > 0.3 or population.sum() == 0:
        return {}
    limit = _up(float(np.quantile(witness_min, rng.uniform(0.3, 1.0))))
    covered = population[witness_min <= limit].sum() / population.sum()
    return {"coverage_travel_min": limit, "coverage_share": float(np.floor(covered * rng.uniform(0.6, 1.0) * 100)
                                                                  / 100)}


def _givens(rng: np.random.Generator, sites: list[str], services: list[str], witness: Configuration
            ) -> list[tuple[str, str, bool]]:
    """A few pairs fixed as the witness has them: hosts true and hosts false."""
    pairs = [(s, l) for s in sites for l in services]
    chosen = rng.permutation(len(pairs))[:int(rng.integers(0, 4))]
    return [(*pairs[i], pairs[i] in witness.hosts) for i in sorted(chosen)]


def _out_of_reach(rng: np.random.Generator, records: dict, minutes: dict[str, np.ndarray], population: np.ndarray,
                  sites: list[str], services: list[str], givens: list[tuple[str, str, bool]]
                  ) -> list[tuple[str, str, bool]]:
    """Put one zone with demand beyond the hard standard of every permitted site: either every site
    is too far, or the sites near enough are given as not hosting the service."""
    service = services[int(rng.integers(len(services)))]
    zone = int(rng.choice(np.flatnonzero(population > 0)))
    own = minutes[service][zone]
    if rng.random() < 0.5 or own.min() < 0.2:
        records[service]["max_travel_min"] = float(np.floor(own.min() * 10) / 10 - 0.1) if own.min() >= 0.2 \
            else 0.0
        if own.min() < 0.2:  # the zone sits on a site: forbid that site instead
            return _forbid_near(records, own, sites, service, givens)
        return givens
    return _forbid_near(records, own, sites, service, givens)


def _forbid_near(records: dict, own: np.ndarray, sites: list[str], service: str,
                 givens: list[tuple[str, str, bool]]) -> list[tuple[str, str, bool]]:
    """Forbid the nearest site, and set the hard standard between it and the next, at least 0.1 from both."""
    order = np.argsort(own)
    near = own[order[0]]
    second = own[order[1]] if len(own) > 1 else near + 10
    if second - near < 0.3:  # no room between them: forbid every site
        records[service]["max_travel_min"] = _up(own.max() + 1)
        forbidden = set(sites)
    else:
        records[service]["max_travel_min"] = _up(near + 0.1)
        forbidden = {sites[order[0]]}
    kept = [g for g in givens if not (g[1] == service and g[0] in forbidden)]
    return kept + [(s, service, False) for s in sorted(forbidden)]


def _codependencies(rng: np.random.Generator, services: list[str], witness: Configuration, sites: list[str],
                    car) -> pd.DataFrame:
    """Rules between random pairs that the witness obeys: colocated where A's sites lie within B's,
    excludes where they share none, within otherwise (minutes above the witness's need)."""
    rows = []
    pairs = [(a, b) for a in services for b in services if a != b]
    for i in rng.permutation(len(pairs))[:int(rng.integers(0, 4))]:
        a, b = pairs[i]
        on_a, on_b = set(witness.sites_of(a)), set(witness.sites_of(b))
        if on_a <= on_b and rng.random() < 0.6:
            rows.append({"service_a": a, "rule": "colocated", "service_b": b})
        elif not on_a & on_b and on_a and on_b and rng.random() < 0.7:
            rows.append({"service_a": a, "rule": "excludes", "service_b": b})
        elif on_b:
            matrix = car.site_site_min
            need = max(float(matrix.loc[s, sorted(on_b)].min()) for s in on_a) if on_a else 0.0
            rows.append({"service_a": a, "rule": "within", "service_b": b,
                         "within_min": _up(need * rng.uniform(1.0, 1.5) + 0.5), "mode": "car"})
    return pd.DataFrame(rows, columns=["service_a", "rule", "service_b", "within_min", "mode"])


def _resources(rng: np.random.Generator, sites: list[str], services: list[str], nearest: dict[str, np.ndarray],
               demand: dict[str, np.ndarray]) -> tuple[list[dict], list[dict]]:
    """Resource use per service, and capacity per site that, with its paid expansion, holds the witness."""
    use_rows, load = [], np.zeros((len(sites), len(RESOURCES)))
    for l in services:
        for r, resource in enumerate(RESOURCES):
            if rng.random() < 0.5:
                per = float(np.round(rng.uniform(0.001, 0.02), 4))
                use_rows.append({"service_id": l, "resource": resource, "per_activity": per})
                load[:, r] += per * np.bincount(nearest[l], weights=demand[l], minlength=len(sites))
    capacity = np.floor(load * rng.uniform(0.6, 1.3, load.shape))
    expansion = np.ceil(np.maximum(load - capacity, 0) * rng.uniform(1.0, 2.0, load.shape)) + \
        np.floor(rng.uniform(0, 5, load.shape))
    site_rows = [{"site_id": s, "resource": resource, "capacity": capacity[i, r], "max_expansion": expansion[i, r],
                  "expansion_capital_gbp_m": float(np.round(rng.uniform(0, 2), 2))}
                 for i, s in enumerate(sites) for r, resource in enumerate(RESOURCES)
                 if load[i, r] > 0 or rng.random() < 0.5]
    return use_rows, site_rows


def _write_rules(folder: Path, rng: np.random.Generator, records: dict, givens: list[tuple[str, str, bool]],
                 codependencies: pd.DataFrame, roles: dict[str, list[str]],
                 resources: tuple[list[dict], list[dict]],
                 witness: Configuration) -> None:
    _yaml(folder / "services.yaml", records)
    if givens:
        _csv(folder / "givens.csv", pd.DataFrame(
            [{"site_id": s, "service_id": l, "hosts": "true" if on else "false", "source": SOURCE}
             for s, l, on in givens]))
    if len(codependencies):
        _csv(folder / "codependencies.csv", codependencies)
    if roles:
        _yaml(folder / "roles.yaml", {k: {"name": f"Role {k}", "services": bundle} for k, bundle in roles.items()})
    use_rows, site_rows = resources
    if use_rows:
        _csv(folder / "resource_use.csv", pd.DataFrame(use_rows))
    if site_rows:
        _csv(folder / "site_resources.csv", pd.DataFrame(site_rows))
    if rng.random() < 0.5:
        _yaml(folder / "weights.yaml", {c: float(np.round(rng.uniform(0, 1), 2)) for c in
                                        ("travel", "equity", "worst_zone", "capital", "running", "workforce",
                                         "disruption")})
    if rng.random() < 0.6:
        _baseline(folder, witness, roles)


def _baseline(folder: Path, witness: Configuration, roles: dict[str, list[str]]) -> None:
    """The witness as today's configuration: the search's start and the disruption's baseline."""
    role_of = witness.role_of
    bundled = {l for bundle in roles.values() for l in bundle}
    services: dict[str, list[str]] = {}
    for site, l in sorted(witness.hosts):
        if l not in bundled:
            services.setdefault(site, []).append(l)
    option = {"name": "Witness", "services": services}
    if role_of:
        option["roles"] = role_of
    _yaml(folder / "options.yaml", {"status_quo": option})
    text = (folder / "instance.yaml").read_text(encoding="utf-8")
    (folder / "instance.yaml").write_text(text + "baseline: status_quo\n", encoding="utf-8")


def _witness_allocation(witness: Configuration, instance: Instance) -> pd.DataFrame:
    rows = []
    for l, service in instance.services.iterrows():
        if not witness.sites_of(l):  # all its demand leaves for neighbours
            continue
        minutes = travel_times(instance, instance.mode_or_default(service["mode"])).zone_site_min
        nearest = minutes[witness.sites_of(l)].idxmin(axis=1)
        rows += [{"service_id": l, "zone_id": z, "site_id": s, "share": 1.0} for z, s in nearest.items()]
    allocation = pd.DataFrame(rows, columns=["service_id", "zone_id", "site_id", "share"])
    return stays(instance, allocation, travel_times_by_mode(instance))


def _csv(path: Path, frame: pd.DataFrame) -> None:
    frame.to_csv(path, index=False, lineterminator="\n")


def _yaml(path: Path, content: dict) -> None:
    path.write_text(yaml.safe_dump(content, sort_keys=False), encoding="utf-8")


def witness_solution(case: Case, instance: Instance) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The witness's allocation (every patient at the nearest hosting site by the service's mode, unless a
    neighbour is nearer under the nearest-provider rule) and the expansion it needs for the patients its sites
    keep: the solution that makes the instance feasible by construction."""
    allocation = _witness_allocation(case.witness, instance)
    demand = instance.demand.stack().rename("demand").reset_index()
    flows = kept(instance, allocation, travel_times_by_mode(instance)).merge(demand, on=["zone_id", "service_id"])
    load = flows.merge(instance.resource_use, on="service_id").assign(
        load=lambda f: f["share"] * f["demand"] * f["per_activity"]).groupby(["site_id", "resource"])["load"].sum()
    capacity = instance.site_resources.set_index(["site_id", "resource"])["capacity"]
    added = (load - capacity.reindex(load.index, fill_value=0.0)).clip(lower=0.0)
    return allocation, added.rename("added").reset_index()
