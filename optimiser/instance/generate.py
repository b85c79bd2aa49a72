"""Synthetic instances of any size, for tests, benchmarks and demonstrations.

Real instances are small (three to twenty sites) and their data cannot always be
shared; the solver, the travel-time preprocessing and the reports still need
inputs from a handful of junctions up to a million. :func:`generate_instance`
writes a folder in the ordinary instance format, so everything downstream reads
it exactly as it reads a real instance.

Every instance is *feasible by construction*: the status quo option is built
first, and every rule (site counts, volumes, travel standards, co-dependencies,
capacities, givens) is then set loosely enough that the status quo, with each
patient sent to the nearest hosting site, obeys it. The status quo is the
witness that the rules never contradict each other.

The road graph is a jittered lattice of junctions, vectorised with numpy so a
million junctions take seconds: ``minor`` roads between neighbours, a coarser
sub-lattice of ``single`` and ``dual`` A-roads, a few ``motorway`` lines and
``urban`` streets around town centres. Zones and sites sit exactly on junctions,
so the travel times computed here are the ones the loader will compute.

With ``feed_stops``, the instance also gets a synthetic GTFS feed over its roads
(:mod:`optimiser.instance.generate_feed`) and a public-transport mode that reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import ceil, floor, log10, sqrt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import KDTree

from optimiser.errors import OptimiserError

from . import generate_feed
from .roads import EARTH_RADIUS_KM, haversine_km

#: Road classes and their typical car speed (km/h); the order defines the class codes.
ROAD_CLASSES = ("motorway", "dual", "single", "minor", "urban")
SPEED_KMH = np.array([100.0, 80.0, 60.0, 50.0, 35.0])
MOTORWAY, DUAL, SINGLE, MINOR, URBAN = range(5)
#: Blue-light ambulances drive about a quarter faster than cars on every road class.
MODE_FACTORS = {"car": 1.0, "bluelight": 1.25}
#: Roads wind: road length over great-circle length.
ROAD_DETOUR = 1.1
KM_PER_DEGREE = np.pi * EARTH_RADIUS_KM / 180
#: The region is centred on the English Midlands.
CENTRE_LAT, CENTRE_LON = 52.5, -1.5
#: Zones are MSOA-like: England has about 6,800 MSOAs of about 8,000 people on 130,000 km².
ZONE_POPULATION = 8000
ZONE_AREA_KM2 = 20.0
ZONES_PER_TOWN = 8
#: Junction spacing is kept within these bounds (km), whatever the sizes asked for.
SPACING_KM = (0.5, 2.0)
#: A-roads form a lattice about this far apart (km).
A_ROAD_SPACING_KM = 8.0
#: Share of minor roads removed at random, so the lattice is not a perfect grid.
MINOR_REMOVED = 0.15
#: Urban density of towns (people per km²), which sets their radius.
URBAN_DENSITY = 3500.0
YEAR = 2024
RESOURCES = ("beds", "theatres", "critical_care_beds")
#: Capacity today is this multiple of what the status quo uses, plus a floor per resource.
CAPACITY_HEADROOM = 1.3
CAPACITY_FLOOR = np.array([20.0, 2.0, 4.0])
EXPANSION_SHARE = 0.25
EXPANSION_CAPITAL_GBP_M = np.array([0.6, 4.0, 1.2])
HOSPITAL_NAMES = ("General Hospital", "Royal Infirmary", "University Hospital", "St Mary's Hospital",
                  "Memorial Hospital", "Victoria Hospital")
TOWN_PREFIXES = ("", "Upper ", "Lower ", "Great ", "Little ", "North ", "South ", "East ", "West ")
TOWN_STEMS = ("Ash", "Brad", "Cal", "Dun", "Eller", "Fen", "Gran", "Hal", "Ken", "Lang", "Mar", "Nor",
              "Ot", "Pen", "Ross", "Stan", "Thorn", "Wal", "Wick", "Bar")
TOWN_ENDINGS = ("ford", "ton", "ley", "bury", "ham", "field", "by", "wick", "mouth", "borough",
                "stead", "chester")
SOURCE = "synthetic: an estimate by construction"


@dataclass(frozen=True)
class ServiceSpec:
    """What a service line looks like; the generator turns it into rules fitted to the status quo.

    ``hosted_share`` is the share of existing sites hosting it today; ``spread``
    how far its sites depart from the largest towns (0: the largest towns host it).
    Per-activity use follows beds = length of stay / 365 / occupancy, and
    theatres = theatre hours / about 2,500 theatre hours a year.
    """

    service_id: str
    name: str
    activity: str
    demand_per_1000: float
    use: tuple[float, float, float]
    hosted_share: float
    spread: float
    rotas_24_7: int
    running_cost_gbp_m: float
    opening_capital_gbp_m: float
    mode: str | None = None
    max_travel: bool = False
    coverage_share: float | None = None
    min_volume: bool = False
    max_volume: bool = False


NAMED_SERVICES = (
    ServiceSpec("emergency", "Emergency department and acute medicine", "attendances", 380.0,
                (0.0030, 0.00002, 0.0001), 1.0, 0.0, 3, 25.0, 40.0, mode="bluelight", max_travel=True),
    ServiceSpec("obstetrics", "Consultant-led obstetrics", "births", 11.0, (0.0065, 0.0002, 0.00005),
                0.9, 0.0, 2, 12.0, 20.0, coverage_share=0.95, min_volume=True),
    ServiceSpec("paediatrics", "Inpatient paediatrics", "admissions", 12.0, (0.008, 0.0001, 0.0005),
                0.9, 0.0, 1, 8.0, 10.0),
    ServiceSpec("elective", "Elective inpatient surgery", "spells", 90.0, (0.0015, 0.0006, 0.00002),
                1.0, 0.0, 0, 15.0, 30.0, max_volume=True),
    ServiceSpec("cancer", "Cancer surgery and oncology", "spells", 8.0, (0.02, 0.0007, 0.0005),
                0.5, 0.3, 0, 10.0, 35.0, coverage_share=0.9),
    ServiceSpec("cardiothoracic", "Cardiothoracic surgery", "spells", 1.2, (0.03, 0.0015, 0.008),
                0.2, 0.5, 2, 14.0, 60.0, min_volume=True),
    ServiceSpec("burns", "Burns and plastics", "admissions", 0.15, (0.05, 0.002, 0.01), 0.1, 2.0, 1,
                6.0, 25.0),
    ServiceSpec("vascular", "Vascular arterial centre", "spells", 1.0, (0.025, 0.0012, 0.004), 0.3, 1.0,
                1, 7.0, 20.0, min_volume=True),
)


@dataclass(frozen=True)
class RoadGraph:
    """Junctions (``x_km``, ``y_km`` from the region's south-west corner; ``lat``, ``lon``) and roads."""

    x_km: np.ndarray
    y_km: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    from_node: np.ndarray
    to_node: np.ndarray
    road_class: np.ndarray
    road_name: np.ndarray
    length_km: np.ndarray

    def minutes(self) -> csr_matrix:
        """Car travel time of every road, as a symmetric sparse matrix for csgraph."""
        minutes = self.length_km / SPEED_KMH[self.road_class] * 60
        n = len(self.x_km)
        return coo_matrix((minutes, (self.from_node, self.to_node)), shape=(n, n)).tocsr()


@dataclass(frozen=True)
class Towns:
    """Town centres (km), urban radius (km) and name."""

    x_km: np.ndarray
    y_km: np.ndarray
    radius_km: np.ndarray
    name: np.ndarray


@dataclass(frozen=True)
class Layout:
    """Where zones and sites are: junction, town and population.

    ``site_size`` is the site's D'Hondt quotient: its town's population over its rank in the town.
    """

    zone_node: np.ndarray
    zone_town: np.ndarray
    site_size: np.ndarray
    zone_population: np.ndarray
    zone_quintile: np.ndarray
    site_node: np.ndarray
    site_town: np.ndarray
    site_rank_in_town: np.ndarray
    site_exists: np.ndarray


@dataclass(frozen=True)
class StatusQuo:
    """Today's configuration with every patient at the nearest hosting site.

    ``hosts`` is sites by services; ``volume`` the yearly activity each site
    receives; ``zone_minutes`` and ``site_minutes`` the car time from each zone
    and site to the nearest hosting site of each service.
    """

    hosts: np.ndarray
    volume: np.ndarray
    zone_minutes: np.ndarray
    site_minutes: np.ndarray


def generate_instance(out: Path, *, sites: int, zones: int, services: int, seed: int,
                      road_nodes: int | None = None, feed_stops: int | None = None) -> Path:
    """Write a valid synthetic instance into the new or empty folder ``out`` and return it.

    The same arguments always give byte-identical files. ``road_nodes`` is the
    approximate number of junctions (default ``max(400, 40 * zones)``); the
    graph keeps its largest connected part, which is typically 97 to 99% of them.
    ``feed_stops`` adds a made-up GTFS feed of that many stops (folder ``gtfs``) and the
    mode ``public_am`` that reads it; the feed draws from a stream of its own (seed + 1),
    so every other file is the same as without it.
    Refuses a folder that already holds files, so nothing a person wrote is lost.
    """
    out = Path(out)
    _check_arguments(out, sites=sites, zones=zones, services=services, seed=seed, road_nodes=road_nodes,
                     feed_stops=feed_stops)
    rng = np.random.default_rng(seed)
    n_nodes = road_nodes if road_nodes is not None else max(400, 40 * zones)
    spacing_km = float(np.clip(sqrt(zones * ZONE_AREA_KM2 / n_nodes), *SPACING_KM))
    n_towns = max(sites, ceil(zones / ZONES_PER_TOWN))
    town_weight = _zipf_weights(n_towns, rng)
    lattice_x, lattice_y, nx, ny = _lattice(n_nodes, spacing_km, rng)
    towns = _towns(lattice_x, lattice_y, town_weight * zones * ZONE_POPULATION, spacing_km, rng)
    graph = _road_graph(lattice_x, lattice_y, nx, ny, spacing_km, towns, rng)
    layout = _layout(graph, towns, town_weight, sites=sites, zones=zones, rng=rng)
    specs = _service_specs(services, rng)
    status_quo = _status_quo(graph, layout, specs, rng)
    files = _files(graph, towns, layout, specs, status_quo, rng,
                   name=f"synthetic_s{sites}_z{zones}_k{services}_n{n_nodes}_seed{seed}",
                   command=_command(sites, zones, services, seed, road_nodes, feed_stops), feed=feed_stops is not None)
    if feed_stops is not None:
        files.update(_feed(files["road_nodes.csv"], layout, feed_stops, np.random.default_rng(seed + 1)))
    out.mkdir(parents=True, exist_ok=True)
    for file_name, content in files.items():
        (out / file_name).parent.mkdir(exist_ok=True)
        _write(out / file_name, content)
    return out


def _check_arguments(out: Path, *, sites: int, zones: int, services: int, seed: int,
                     road_nodes: int | None, feed_stops: int | None) -> None:
    """Refuse sizes that cannot make an instance, and folders that hold someone's files.

    A feed needs a stop for every zone and site.
    """
    for what, value, least in (("sites", sites, 1), ("zones", zones, 1), ("services", services, 1),
                               ("seed", seed, 0),
                               ("road_nodes", road_nodes, max(16, 4 * sites)),
                               ("feed_stops", feed_stops, sites + zones)):
        if value is not None and value < least:
            raise OptimiserError(f"cannot generate an instance with {what} = {value}: give at least {least}")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise OptimiserError(f"will not generate into {out}: it already exists and is not an empty folder. "
                             "Give a new or empty folder, so that no file is overwritten")


def _command(sites: int, zones: int, services: int, seed: int, road_nodes: int | None,
             feed_stops: int | None) -> str:
    nodes = f" --road-nodes {road_nodes}" if road_nodes is not None else ""
    stops = f" --feed-stops {feed_stops}" if feed_stops is not None else ""
    return (f"optimiser generate --sites {sites} --zones {zones} --services {services} --seed {seed}"
            f"{nodes}{stops} OUT/")


# --- geography ---------------------------------------------------------------------------------

def _zipf_weights(n: int, rng: np.random.Generator) -> np.ndarray:
    """Town sizes follow Zipf's law (rank-size), in a random order so size is not tied to index."""
    weights = 1.0 / np.arange(1, n + 1) ** 1.1
    return rng.permutation(weights / weights.sum())


def _lattice(n_nodes: int, spacing_km: float, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Junction positions (km) of an ``nx`` by ``ny`` lattice, each moved by up to 30% of the spacing."""
    nx = ceil(sqrt(n_nodes))
    ny = ceil(n_nodes / nx)
    column, row = np.arange(nx * ny) % nx, np.arange(nx * ny) // nx
    jitter = rng.uniform(-0.3, 0.3, size=(2, nx * ny)) * spacing_km
    return (column + 0.5) * spacing_km + jitter[0], (row + 0.5) * spacing_km + jitter[1], nx, ny


def _towns(x_km: np.ndarray, y_km: np.ndarray, population: np.ndarray, spacing_km: float,
           rng: np.random.Generator) -> Towns:
    """Town centres on junctions picked at random, with an urban radius from their population."""
    centre = rng.choice(len(x_km), size=len(population), replace=len(population) > len(x_km))
    radius = np.maximum(np.sqrt(population / URBAN_DENSITY / np.pi), 1.5 * spacing_km)
    return Towns(x_km[centre], y_km[centre], radius, _town_names(len(population), rng))


def _town_names(n: int, rng: np.random.Generator) -> np.ndarray:
    """Distinct English-sounding names; a number is added once the combinations run out."""
    stems = np.char.add(np.repeat(TOWN_STEMS, len(TOWN_ENDINGS)), np.tile(TOWN_ENDINGS, len(TOWN_STEMS)))
    names = np.char.add(np.repeat(TOWN_PREFIXES, len(stems)), np.tile(stems, len(TOWN_PREFIXES)))
    names = names[rng.permutation(len(names))].astype(object)
    index = np.arange(n)
    round_ = index // len(names)
    return np.where(round_ == 0, names[index % len(names)],
                    names[index % len(names)] + " " + (round_ + 1).astype(str).astype(object))


def _road_graph(x_km: np.ndarray, y_km: np.ndarray, nx: int, ny: int, spacing_km: float, towns: Towns,
                rng: np.random.Generator) -> RoadGraph:
    """Lattice roads with classes, minus some minor roads, restricted to the largest connected part."""
    node = np.arange(nx * ny)
    across = node[node % nx < nx - 1]
    up = node[node < (ny - 1) * nx]
    row_class, row_name, column_class, column_name = _road_lines(nx, ny, spacing_km, rng)
    from_node = np.concatenate([across, up])
    to_node = np.concatenate([across + 1, up + nx])
    road_class = np.concatenate([row_class[across // nx], column_class[up % nx]])
    road_name = np.concatenate([row_name[across // nx], column_name[up % nx]])
    urban = _urban_nodes(x_km, y_km, towns)
    slow = (urban[from_node] | urban[to_node]) & ((road_class == MINOR) | (road_class == SINGLE))
    road_class[slow] = URBAN
    kept = ~((road_class == MINOR) & (rng.random(len(road_class)) < MINOR_REMOVED))
    return _largest_part(x_km, y_km, from_node[kept], to_node[kept], road_class[kept], road_name[kept])


def _road_lines(nx: int, ny: int, spacing_km: float, rng: np.random.Generator
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Class and name of every lattice row and column: A-roads every few km, a few of them motorways."""
    step = int(np.clip(round(A_ROAD_SPACING_KM / spacing_km), 2, max(2, min(nx, ny) // 2)))
    lines = np.concatenate([np.arange(ny), np.arange(nx)])
    is_a_road = lines % step == step // 2
    line_class = np.where(is_a_road, np.where(rng.random(len(lines)) < 0.35, DUAL, SINGLE), MINOR)
    a_roads = np.flatnonzero(is_a_road)
    motorways = max(1, round(max(nx, ny) * spacing_km / 120))
    motorway_lines = rng.choice(a_roads, size=min(motorways, len(a_roads)), replace=False)
    line_class[motorway_lines] = MOTORWAY
    name = np.full(len(lines), "", dtype=object)
    numbers = rng.choice(np.arange(1, 1000 + len(a_roads)), size=len(a_roads), replace=False)
    name[a_roads] = np.char.add("A", numbers.astype(str)).astype(object)
    name[np.sort(motorway_lines)] = np.char.add("M", np.arange(1, len(motorway_lines) + 1).astype(str))
    return line_class[:ny], name[:ny], line_class[ny:], name[ny:]


def _urban_nodes(x_km: np.ndarray, y_km: np.ndarray, towns: Towns) -> np.ndarray:
    """Junctions inside the urban radius of any of their four nearest towns."""
    k = min(4, len(towns.x_km))
    distance, town = KDTree(np.column_stack([towns.x_km, towns.y_km])).query(
        np.column_stack([x_km, y_km]), k=[*range(1, k + 1)])
    return (distance <= towns.radius_km[town]).any(axis=1)


def _largest_part(x_km: np.ndarray, y_km: np.ndarray, from_node: np.ndarray, to_node: np.ndarray,
                  road_class: np.ndarray, road_name: np.ndarray) -> RoadGraph:
    """Keep the largest connected part, renumber its junctions and measure its roads.

    Coordinates are rounded to 1e-5 degrees (about a metre) before the lengths
    are measured, so the files agree with themselves exactly.
    """
    n = len(x_km)
    adjacency = coo_matrix((np.ones(len(from_node)), (from_node, to_node)), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    keep = label == np.argmax(np.bincount(label))
    new_index = np.cumsum(keep) - 1
    roads = keep[from_node]
    origin_lat = CENTRE_LAT - y_km.max() / 2 / KM_PER_DEGREE
    lat = np.round(origin_lat + y_km[keep] / KM_PER_DEGREE, 5)
    km_per_degree_lon = KM_PER_DEGREE * np.cos(np.radians(CENTRE_LAT))
    origin_lon = CENTRE_LON - x_km.max() / 2 / km_per_degree_lon
    lon = np.round(origin_lon + x_km[keep] / km_per_degree_lon, 5)
    start, end = new_index[from_node[roads]], new_index[to_node[roads]]
    length = np.maximum(np.round(ROAD_DETOUR * haversine_km(lat[start], lon[start], lat[end], lon[end]),
                                 3), 0.001)
    return RoadGraph(x_km[keep], y_km[keep], lat, lon, start, end,
                     road_class[roads], road_name[roads], length)


def _layout(graph: RoadGraph, towns: Towns, town_weight: np.ndarray, *, sites: int, zones: int,
            rng: np.random.Generator) -> Layout:
    """Zones scattered around towns by size; sites shared among the largest towns, on junctions.

    Deprivation quintiles split the zones in fifths by a score that is worse
    near town centres, as in English inner cities.
    """
    tree = KDTree(np.column_stack([graph.x_km, graph.y_km]))
    zone_town = rng.choice(len(town_weight), size=zones, p=town_weight)
    spread = towns.radius_km[zone_town] * 0.6
    offset = rng.standard_normal((2, zones)) * spread
    zone_node = tree.query(np.column_stack([towns.x_km[zone_town] + offset[0],
                                            towns.y_km[zone_town] + offset[1]]))[1]
    population = np.round(ZONE_POPULATION * rng.lognormal(-0.03, 0.25, size=zones))
    affluence = 0.5 * (1 - np.exp(-np.hypot(*offset) / spread)) + 0.5 * rng.random(zones)
    quintile = 1 + 5 * np.argsort(np.argsort(affluence, kind="stable"), kind="stable") // zones
    town_population = np.bincount(zone_town, weights=population, minlength=len(town_weight))
    site_town, rank = _seats(town_population, sites)
    seats_in_town = np.bincount(site_town, minlength=len(town_weight))[site_town]
    angle = 2 * np.pi * rank / seats_in_town + rng.uniform(0, 2 * np.pi, size=sites)
    reach = np.where(rank == 0, 0.0, 0.6 * towns.radius_km[site_town])
    site_node = _distinct_nearest(tree, np.column_stack([towns.x_km[site_town] + reach * np.cos(angle),
                                                         towns.y_km[site_town] + reach * np.sin(angle)]))
    new_builds = 0 if sites < 4 else 1 if sites < 10 else 2
    exists = np.arange(sites) < sites - new_builds
    size = town_population[site_town] / (rank + 1)
    return Layout(zone_node, zone_town, size, population, quintile, site_node, site_town, rank, exists)


def _distinct_nearest(tree: KDTree, points: np.ndarray) -> np.ndarray:
    """The nearest junction to each point not already taken by an earlier point.

    Two sites on one junction would tie for every patient, and the loader and
    this generator could break the tie differently.
    """
    k = min(len(points), tree.n)
    candidates = tree.query(points, k=[*range(1, k + 1)])[1]
    taken: set[int] = set()
    chosen = np.empty(len(points), dtype=int)
    for i, row in enumerate(candidates.tolist()):
        chosen[i] = next(node for node in row if node not in taken)
        taken.add(chosen[i])
    return chosen


def _seats(town_population: np.ndarray, sites: int) -> tuple[np.ndarray, np.ndarray]:
    """Share sites among towns by the D'Hondt rule, so big cities get several hospitals.

    Only the ``sites`` largest towns can win a seat. Returns each site's town and
    its rank within the town (0: the town's main hospital), largest quotient first.
    """
    candidates = np.argsort(-town_population, kind="stable")[:sites]
    quotients = town_population[candidates][:, None] / np.arange(1, sites + 1)[None, :]
    best = np.argsort(-quotients.ravel(), kind="stable")[:sites]
    town, rank = np.divmod(best, sites)
    return candidates[town], rank


# --- services and today's configuration --------------------------------------------------------

def _service_specs(services: int, rng: np.random.Generator) -> list[ServiceSpec]:
    """The eight named service lines first, then generic ones with random but plausible numbers."""
    named = list(NAMED_SERVICES[:services])
    extra = services - len(named)
    rate = np.round(rng.lognormal(np.log(5.0), 0.8, size=extra), 2)
    use = np.round(rng.lognormal(np.log([0.01, 0.0005, 0.001]), 0.5, size=(extra, 3)), 5)
    share = np.round(rng.uniform(0.1, 1.0, size=extra), 2)
    width = max(2, len(str(services)))
    generic = [ServiceSpec(f"svc{i + len(named) + 1:0{width}d}", f"Service line {i + len(named) + 1}",
                           "admissions", float(rate[i]), tuple(float(u) for u in use[i]), float(share[i]),
                           1.0, int(i % 3 == 0), float(round(4 + 8 * share[i], 1)),
                           float(round(10 + 30 * share[i], 1)), coverage_share=0.9 if i % 4 == 1 else None,
                           min_volume=i % 2 == 0)
               for i in range(extra)]
    return named + generic


def _status_quo(graph: RoadGraph, layout: Layout, specs: list[ServiceSpec],
                rng: np.random.Generator) -> StatusQuo:
    """Host each service at its share of existing sites, largest first with some spread, then allocate.

    Each service's patients go to its nearest hosting site (one multi-source
    Dijkstra per distinct set of hosting sites).
    """
    existing = np.flatnonzero(layout.site_exists)
    size = np.log1p(layout.site_size)
    hosts = np.zeros((len(layout.site_node), len(specs)), dtype=bool)
    for j, spec in enumerate(specs):
        score = size[existing] + spec.spread * rng.standard_normal(len(existing))
        count = max(1, round(spec.hosted_share * len(existing)))
        hosts[existing[np.argsort(-score, kind="stable")[:count]], j] = True
    minutes = graph.minutes()
    demand = _demand(layout, specs)
    passes: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    volume = np.zeros(hosts.shape)
    zone_minutes = np.zeros((len(layout.zone_node), len(specs)))
    site_minutes = np.zeros(hosts.shape)
    for j in range(len(specs)):
        key = hosts[:, j].tobytes()
        if key not in passes:
            passes[key] = _nearest(minutes, layout, np.flatnonzero(hosts[:, j]))
        zone_minutes[:, j], site_minutes[:, j], zone_site = passes[key]
        volume[:, j] = np.bincount(zone_site, weights=demand[:, j], minlength=hosts.shape[0])
    return StatusQuo(hosts, volume, zone_minutes, site_minutes)


def _demand(layout: Layout, specs: list[ServiceSpec]) -> np.ndarray:
    """Yearly activity of every zone for every service (zones by services)."""
    return layout.zone_population[:, None] * np.array([s.demand_per_1000 for s in specs])[None, :] / 1000


def _nearest(minutes: csr_matrix, layout: Layout, hosting: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Car minutes from every zone and site to the nearest hosting site, and each zone's nearest site."""
    sources = layout.site_node[hosting]
    time, _, nearest_node = dijkstra(minutes, directed=False, indices=np.unique(sources),
                                     return_predecessors=True, min_only=True)
    site_at_node = np.full(len(time), -1)
    site_at_node[sources] = hosting
    return time[layout.zone_node], time[layout.site_node], site_at_node[nearest_node[layout.zone_node]]


# --- rules fitted to the status quo ------------------------------------------------------------

def _ceil_to(value: float, step: float) -> float:
    return float(ceil(value / step) * step)


def _round_sig(value: float, digits: int, up: bool) -> float:
    """Round to ``digits`` significant figures, up or down, so a standard stays on the safe side."""
    if value <= 0:
        return 0.0
    scale = 10 ** (floor(log10(value)) - digits + 1)
    return float((ceil if up else floor)(value / scale) * scale)


def _service_records(specs: list[ServiceSpec], status_quo: StatusQuo, population: np.ndarray,
                     n_sites: int) -> dict[str, dict]:
    """services.yaml: each spec with site counts, volume and travel standards the status quo meets."""
    records = {}
    for j, spec in enumerate(specs):
        hosted = np.flatnonzero(status_quo.hosts[:, j])
        volume = status_quo.volume[hosted, j]
        record: dict = {"name": spec.name, "activity": spec.activity,
                        "demand_per_1000": spec.demand_per_1000,
                        "min_sites": max(1, len(hosted) // 2), "max_sites": min(n_sites, len(hosted) + 1)}
        if spec.min_volume and _round_sig(0.5 * volume.min(), 2, up=False) > 0:
            record["min_volume"] = _round_sig(0.5 * volume.min(), 2, up=False)
        if spec.max_volume:
            record["max_volume"] = _round_sig(1.5 * volume.max(), 2, up=True)
        if spec.mode:
            record["mode"] = spec.mode
        record.update(_travel_standards(spec, status_quo.zone_minutes[:, j], population))
        record.update({"rotas_24_7": spec.rotas_24_7, "running_cost_gbp_m": spec.running_cost_gbp_m,
                       "opening_capital_gbp_m": spec.opening_capital_gbp_m, "source": SOURCE})
        records[spec.service_id] = record
    return records


def _travel_standards(spec: ServiceSpec, minutes: np.ndarray, population: np.ndarray) -> dict:
    """A hard limit above the worst zone, or a coverage time above the population quantile.

    Car times bound blue-light times, so the standards hold for either mode.
    """
    standards: dict = {}
    if spec.max_travel:
        standards["max_travel_min"] = _ceil_to(1.2 * minutes.max() + 5, 5)
    if spec.coverage_share is not None:
        order = np.argsort(minutes, kind="stable")
        covered = np.cumsum(population[order]) / population.sum()
        quantile = minutes[order][min(np.searchsorted(covered, spec.coverage_share), len(order) - 1)]
        standards["coverage_travel_min"] = _ceil_to(1.15 * quantile + 5, 5)
        standards["coverage_share"] = spec.coverage_share
    return standards


def _codependencies(specs: list[ServiceSpec], status_quo: StatusQuo, rng: np.random.Generator
                    ) -> pd.DataFrame:
    """A few rules the status quo obeys, so they never contradict each other.

    ``colocated`` A→B where A's sites are a subset of B's; ``excludes`` where the
    two never share a site; ``within`` A→B otherwise, with a time above the
    slowest of A's sites to its nearest B site, the pairs needing the shortest time first.
    """
    hosts = status_quo.hosts
    pairs = [(a, b) for a in range(len(specs)) for b in range(len(specs)) if a != b]
    subset = [(a, b) for a, b in pairs if not (hosts[:, a] & ~hosts[:, b]).any()]
    apart = [(a, b) for a, b in pairs if not (hosts[:, a] & hosts[:, b]).any()]
    disjoint = [(a, b) for a, b in apart if a < b]
    other = sorted(set(pairs) - set(subset) - set(apart),
                   key=lambda pair: (_within_needed(status_quo, *pair), pair))
    chosen = ([("colocated", subset[i]) for i in sorted(rng.permutation(len(subset))[:2])]
              + [("within", pair) for pair in other[:2]]
              + [("excludes", disjoint[i]) for i in sorted(rng.permutation(len(disjoint))[:1])])
    return pd.DataFrame(
        [{"service_a": specs[a].service_id, "rule": rule, "service_b": specs[b].service_id,
          "within_min": _within_needed(status_quo, a, b) if rule == "within" else None,
          "grade": ("red", "amber", "green")[int(rng.integers(3))], "source": SOURCE}
         for rule, (a, b) in chosen],
        columns=["service_a", "rule", "service_b", "within_min", "grade", "source"])


def _within_needed(status_quo: StatusQuo, a: int, b: int) -> float:
    """Minutes a ``within`` rule A→B needs so that every site of A today has a B site that near."""
    return _ceil_to(1.2 * status_quo.site_minutes[status_quo.hosts[:, a], b].max() + 5, 5)


def _site_resources(specs: list[ServiceSpec], status_quo: StatusQuo, exists: np.ndarray) -> pd.DataFrame:
    """Capacity with headroom over what the status quo uses; new builds get a median site's capacity."""
    use = status_quo.volume @ np.array([s.use for s in specs])
    capacity = np.ceil(CAPACITY_HEADROOM * use) + CAPACITY_FLOOR
    capacity[~exists] = np.ceil(np.median(capacity[exists], axis=0))
    sites = np.repeat(np.arange(len(exists)), len(RESOURCES))
    return pd.DataFrame({"site_index": sites, "resource": np.tile(RESOURCES, len(exists)),
                         "capacity": capacity.ravel().astype(int),
                         "max_expansion": np.ceil(EXPANSION_SHARE * capacity).ravel().astype(int),
                         "expansion_capital_gbp_m": np.tile(EXPANSION_CAPITAL_GBP_M, len(exists))})


# --- files -------------------------------------------------------------------------------------

def _ids(prefix: str, n: int, width: int) -> np.ndarray:
    """``prefix`` and a 1-based number, zero-padded to at least ``width`` digits."""
    width = max(width, len(str(n)))
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)


def _files(graph: RoadGraph, towns: Towns, layout: Layout, specs: list[ServiceSpec], status_quo: StatusQuo,
           rng: np.random.Generator, *, name: str, command: str, feed: bool
           ) -> dict[str, pd.DataFrame | dict | str]:
    """Every file of the folder, by name, in memory: tables, YAML documents and the README."""
    node_id = _ids("n", len(graph.x_km), 4)
    site_id = _ids("s", len(layout.site_node), 3)
    service_id = [s.service_id for s in specs]
    resources = _site_resources(specs, status_quo, layout.site_exists)
    resources.insert(0, "site_id", site_id[resources.pop("site_index")])
    return {
        "instance.yaml": _instance(graph, name, len(layout.site_node), len(layout.zone_node), len(specs), feed),
        "README.md": _readme(name, command, feed),
        "sites.csv": _sites(graph, towns, layout, site_id),
        "zones.csv": _zones(graph, towns, layout),
        "services.yaml": _service_records(specs, status_quo, layout.zone_population, len(layout.site_node)),
        "site_resources.csv": resources,
        "resource_use.csv": _resource_use(specs),
        "codependencies.csv": _codependencies(specs, status_quo, rng),
        "givens.csv": _givens(specs, status_quo, site_id),
        "options.yaml": _options(status_quo, site_id, service_id),
        "modes.csv": _modes(),
        "road_nodes.csv": pd.DataFrame({"node_id": node_id, "lat": graph.lat, "lon": graph.lon}),
        "roads.csv": _roads(graph, node_id),
    }


def _instance(graph: RoadGraph, name: str, sites: int, zones: int, services: int, feed: bool) -> dict:
    """instance.yaml, with bounds a kilometre or so outside every junction, and the feed if there is one."""
    margin = 0.01
    return {
        "name": name,
        "title": f"SYNTHETIC instance: {sites} sites, {zones} zones, {services} service lines",
        "description": (f"Synthetic test instance on a {len(graph.x_km):,}-junction road graph. "
                        "Every number is invented by construction; none describes a real place."),
        "year": YEAR,
        "lat_min": round(float(graph.lat.min()) - margin, 5),
        "lat_max": round(float(graph.lat.max()) + margin, 5),
        "lon_min": round(float(graph.lon.min()) - margin, 5),
        "lon_max": round(float(graph.lon.max()) + margin, 5),
        "roads": "roads.csv",
        "default_mode": "car",
        "baseline": "status_quo",
        **({"gtfs": "gtfs", "walk_speed_kmh": generate_feed.WALK_SPEED_KMH,
            "max_walk_min": generate_feed.MAX_WALK_MIN} if feed else {}),
    }


def _feed(road_nodes: pd.DataFrame, layout: Layout, stops: int, rng: np.random.Generator) -> dict:
    """The feed's files in the folder ``gtfs`` and public_transport.yaml, its one mode."""
    if stops > len(road_nodes):
        raise OptimiserError(f"cannot generate a feed of {stops:,} stops on {len(road_nodes):,} road junctions: "
                             f"give at most {len(road_nodes):,} feed stops, or more road nodes")
    places = np.concatenate([layout.zone_node, layout.site_node])
    files = generate_feed.feed_files(road_nodes, places, stops=stops, routes=generate_feed.routes_for(stops),
                                     rng=rng)
    return {**{f"gtfs/{name}": content for name, content in files.items()},
            "public_transport.yaml": generate_feed.public_modes()}


def _readme(name: str, command: str, feed: bool) -> str:
    return f"""# {name}: a SYNTHETIC instance

This instance is synthetic. It was written by the generator in `optimiser/instance/generate.py` with

    {command}

and the same command always writes byte-identical files. **Every number in it is an
estimate by construction**: towns, zones, populations, hospitals, road network, demand
rates, resource use, standards, costs and capacities are drawn at random or set by
rule of thumb, and none describes a real place or service.

How it is built:

- Roads: a jittered lattice of junctions over a box in England; minor roads between
  neighbours (some removed), a coarser grid of single and dual A-roads, a few motorways
  and urban streets near town centres; length is {ROAD_DETOUR} times the great-circle distance.
- Zones: MSOA-like areas of about {ZONE_POPULATION:,} people clustered around towns whose sizes follow
  Zipf's law; deprivation quintiles (fifths of the zones) lean towards 1
  near town centres.
- Sites: shared among the largest towns; with four or more sites, the last one or two are
  proposed new builds (`exists: false`).
- Status quo (`options.yaml`): each service at its share of existing sites. Every rule
  (site counts, volumes, travel standards, co-dependencies, capacities, givens) is set so
  that the status quo, with each patient at the nearest hosting site, obeys it; the
  instance is therefore feasible.
""" + (_FEED_README if feed else "")


_FEED_README = f"""- Public transport (`gtfs/`, `public_transport.yaml`): **the GTFS feed is synthetic, made up
  for demonstration**; it describes no real bus service. A stop sits at the junction of each zone
  and site, the rest at random junctions; buses run along straight corridors between places at
  {generate_feed.BUS_KMH:g} km/h, {generate_feed.DWELL_S} s a stop, every 10 to 30 minutes from 05:00
  to midnight on weekdays. The mode `public_am` leaves at 07:00, 07:15 … 09:00 on
  {generate_feed.DAY:%A} {generate_feed.DAY.day} {generate_feed.DAY:%B %Y}. To use a real timetable,
  put the operators' published GTFS feed in the folder and name it in `instance.yaml` (`gtfs:`),
  as `docs/how-to/public-transport.md` describes.
"""


def _sites(graph: RoadGraph, towns: Towns, layout: Layout, site_id: np.ndarray) -> pd.DataFrame:
    town = towns.name[layout.site_town]
    kind = np.array(HOSPITAL_NAMES, dtype=object)[layout.site_rank_in_town % len(HOSPITAL_NAMES)]
    name = np.where(layout.site_exists, town + " " + kind, town + " New Hospital")
    return pd.DataFrame({
        "site_id": site_id, "name": name,
        "lat": graph.lat[layout.site_node], "lon": graph.lon[layout.site_node],
        "exists": np.where(layout.site_exists, "true", "false"),
        "new_build_capital_gbp_m": np.where(layout.site_exists, 0.0, 550.0),
        "notes": np.where(layout.site_exists, "synthetic", "synthetic proposed new build"),
    })


def _zones(graph: RoadGraph, towns: Towns, layout: Layout) -> pd.DataFrame:
    town = pd.Series(towns.name[layout.zone_town])
    number = town.groupby(town).cumcount() + 1
    return pd.DataFrame({
        "zone_id": _ids("z", len(layout.zone_node), 4),
        "name": town + " " + number.astype(str).str.zfill(3),
        "lat": graph.lat[layout.zone_node], "lon": graph.lon[layout.zone_node],
        "population": layout.zone_population.astype(int),
        "deprivation_quintile": layout.zone_quintile,
        "group": town,
    })


def _resource_use(specs: list[ServiceSpec]) -> pd.DataFrame:
    return pd.DataFrame({"service_id": np.repeat([s.service_id for s in specs], len(RESOURCES)),
                         "resource": np.tile(RESOURCES, len(specs)),
                         "per_activity": [u for s in specs for u in s.use],
                         "source": SOURCE})


def _givens(specs: list[ServiceSpec], status_quo: StatusQuo, site_id: np.ndarray) -> pd.DataFrame:
    """The most specialised service is fixed where it is today, as burns are at Broomfield."""
    service = int(np.argmin(status_quo.hosts.sum(axis=0)))
    hosted = np.flatnonzero(status_quo.hosts[:, service])
    return pd.DataFrame({"site_id": site_id[hosted], "service_id": specs[service].service_id,
                         "hosts": "true", "source": "synthetic: fixed in advance"})


def _options(status_quo: StatusQuo, site_id: np.ndarray, service_id: list[str]) -> dict:
    services = {str(site_id[s]): [service_id[j] for j in np.flatnonzero(status_quo.hosts[s])]
                for s in np.flatnonzero(status_quo.hosts.any(axis=1))}
    return {"status_quo": {"name": "Status quo", "services": services,
                           "description": "Today's configuration of the synthetic instance.",
                           "source": SOURCE}}


def _modes() -> pd.DataFrame:
    return pd.DataFrame([{"mode": mode, "road_class": road_class, "speed_factor": factor, "source": SOURCE}
                         for mode, factor in MODE_FACTORS.items() for road_class in ROAD_CLASSES])


def _roads(graph: RoadGraph, node_id: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "from_node": node_id[graph.from_node], "to_node": node_id[graph.to_node],
        "road_class": pd.Categorical.from_codes(graph.road_class, categories=list(ROAD_CLASSES)),
        "length_km": graph.length_km,
        "speed_kmh": SPEED_KMH[graph.road_class].astype(int),
        "name": graph.road_name,
    })


def _write(path: Path, content: pd.DataFrame | dict | str) -> None:
    """CSV without an index, YAML in the order written, text as is; empty tables are left out."""
    if isinstance(content, pd.DataFrame):
        if len(content):
            content.to_csv(path, index=False, lineterminator="\n")
    elif isinstance(content, dict):
        path.write_text(yaml.safe_dump(content, sort_keys=False, allow_unicode=True, width=100),
                        encoding="utf-8")
    else:
        path.write_text(content, encoding="utf-8")
