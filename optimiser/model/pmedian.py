"""Beasley's OR-Library p-median problems as instances of our format: a correctness anchor.

The uncapacitated p-median problem is the special case of site configuration
with one service line, one unit of demand at every vertex, every vertex a
candidate site, exactly ``p`` sites and travel as the only criterion. The
OR-Library set pmed1–pmed40 (J.E. Beasley, "A note on solving large p-median
problems", European Journal of Operational Research 21 (1985) 270–273) comes
with proven optimal values, so an engine that solves the converted instance to
optimality must reproduce them exactly.

File format (OR-Library ``pmedinfo``): a first line ``n m p`` (vertices, edges,
medians), then ``m`` lines ``i j cost`` of an undirected graph on vertices
1..n. Distances are shortest paths over the graph. Some vertex pairs carry more
than one edge; OR-Library's note says the **last** one read is the one that
counts, and only that convention reproduces the published optima (keeping the
cheapest edge gives smaller totals on pmed1, 2, 4 and 6–10). The instance
loader keeps the cheapest of parallel roads, so :func:`write_pmedian_instance`
drops every earlier edge of a pair before writing ``roads.csv``.

Mapping: vertex ``k`` is junction ``n<k>``, zone ``z<k>`` (population 1000, so
``demand_per_1000: 1`` gives it demand 1) and candidate site ``s<k>``, all at
the same point of a 0.01° grid (so snapping adds no connector time). Each edge
is a two-way ``minor`` road of ``length_km = cost`` at 60 km/h, so car minutes
equal the cost; ``modes.csv`` gives car 1.0 and blue-light 1.25 on ``minor``.
The service ``pmedian`` has ``min_sites = max_sites = p`` and no other rule, so
the p-median total is the activity-weighted mean travel time × n.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from optimiser.errors import OptimiserError

from .data import CRITERIA

#: Optimal totals published with OR-Library (pmedinfo), for the files kept in tests/data/pmed.
PUBLISHED_OPTIMA: dict[str, int] = {
    "pmed1": 5819, "pmed2": 4093, "pmed3": 4250, "pmed4": 3034, "pmed5": 1355,
    "pmed6": 7824, "pmed7": 5631, "pmed8": 4445, "pmed9": 2734, "pmed10": 1255,
}

#: Grid step between vertices, in degrees (about 1.1 km of latitude).
GRID_STEP_DEG = 0.01
GRID_ORIGIN = (51.0, 0.0)  # lat, lon of vertex 1
SERVICE_ID = "pmedian"
#: The weights under which the model is the p-median: activity-weighted travel alone.
TRAVEL_ONLY = {name: 0.0 for name in CRITERIA} | {"travel": 1.0}
SPEED_KMH = 60.0  # with length_km = cost, car minutes = cost
ROAD_CLASS = "minor"


@dataclass(frozen=True)
class PmedGraph:
    """An OR-Library p-median file as read: ``edges`` are (i, j, cost) in file order, vertices 1..n."""

    n: int
    m: int
    p: int
    edges: tuple[tuple[int, int, int], ...]

    def last_edges(self) -> dict[tuple[int, int], int]:
        """Cost of each unordered vertex pair, the last edge read winning (OR-Library's convention)."""
        costs: dict[tuple[int, int], int] = {}
        for i, j, cost in self.edges:
            costs[(min(i, j), max(i, j))] = cost
        return costs


def read_pmed(path: str | Path) -> PmedGraph:
    """Read an OR-Library p-median file; refuse a truncated or malformed one."""
    path = Path(path)
    try:
        numbers = [int(token) for token in path.read_text(encoding="utf-8").split()]
    except ValueError as error:
        raise OptimiserError(f"{path}: not an OR-Library p-median file ({error})") from None
    if len(numbers) < 3:
        raise OptimiserError(f"{path}: needs a first line 'n m p'")
    n, m, p = numbers[:3]
    body = numbers[3:]
    if len(body) != 3 * m:
        raise OptimiserError(f"{path}: the first line promises {m} edges but the file holds "
                             f"{len(body) / 3:g} (truncated or corrupt copy)")
    if not 1 <= p <= n:
        raise OptimiserError(f"{path}: p = {p} must lie between 1 and n = {n}")
    edges = tuple((body[k], body[k + 1], body[k + 2]) for k in range(0, len(body), 3))
    for line, (i, j, cost) in enumerate(edges, start=2):
        if not (1 <= i <= n and 1 <= j <= n) or i == j or cost <= 0:
            raise OptimiserError(f"{path}, line {line}: edge {i} {j} {cost} is not an edge of "
                                 f"positive cost between two of the vertices 1..{n}")
    return PmedGraph(n=n, m=m, p=p, edges=edges)


def vertex_point(k: int, n: int) -> tuple[float, float]:
    """(lat, lon) of vertex ``k`` (1-based): row-major on a square-ish grid, distinct for every k."""
    columns = math.ceil(math.sqrt(n))
    row, column = divmod(k - 1, columns)
    return (round(GRID_ORIGIN[0] + row * GRID_STEP_DEG, 6), round(GRID_ORIGIN[1] + column * GRID_STEP_DEG, 6))


def write_pmedian_instance(pmed_file: str | Path, out: str | Path) -> Path:
    """Write the p-median problem of an OR-Library file as an instance folder; return the folder.

    ``out`` must be new or empty (nothing is overwritten). The instance is
    named after the file (``pmed1``). Repeated edges between the same pair of
    vertices are reduced to the last one in the file, as OR-Library specifies.
    """
    pmed_file, out = Path(pmed_file), Path(out)
    graph = read_pmed(pmed_file)
    if out.exists() and any(out.iterdir()):
        raise OptimiserError(f"{out} already holds files: write the instance into a new or empty folder")
    out.mkdir(parents=True, exist_ok=True)
    name = pmed_file.stem
    points = {k: vertex_point(k, graph.n) for k in range(1, graph.n + 1)}
    lats = [lat for lat, _ in points.values()]
    lons = [lon for _, lon in points.values()]
    roads = graph.last_edges()

    _write_yaml(out / "instance.yaml", {
        "name": name,
        "title": f"OR-Library p-median problem {name} (Beasley 1985)",
        "description": (f"{graph.n} vertices, {graph.m} edges in the file ({len(roads)} after keeping the last "
                        f"edge of each pair), p = {graph.p}. Every vertex is a junction, a zone of demand 1 "
                        f"and a candidate site; car minutes equal the edge costs. Converted by "
                        f"optimiser.model.pmedian from {pmed_file.name}."),
        "year": 2024,
        "lat_min": round(min(lats) - GRID_STEP_DEG, 6),
        "lat_max": round(max(lats) + GRID_STEP_DEG, 6),
        "lon_min": round(min(lons) - GRID_STEP_DEG, 6),
        "lon_max": round(max(lons) + GRID_STEP_DEG, 6),
        "default_mode": "car",
    })
    _write_yaml(out / "services.yaml", {
        SERVICE_ID: {
            "name": "p-median service",
            "activity": "visits",
            "demand_per_1000": 1,
            "min_sites": graph.p,
            "max_sites": graph.p,
            "source": f"OR-Library {name}: p = {graph.p} medians",
        },
    })
    _write_csv(out / "modes.csv", ["mode", "road_class", "speed_factor", "source"], [
        ["car", ROAD_CLASS, 1.0, "p-median: car minutes equal edge costs (the only mode)"],
    ])
    _write_csv(out / "road_nodes.csv", ["node_id", "lat", "lon", "name"],
               [[f"n{k}", lat, lon, f"vertex {k}"] for k, (lat, lon) in points.items()])
    _write_csv(out / "sites.csv", ["site_id", "name", "lat", "lon", "exists", "new_build_capital_gbp_m", "notes"],
               [[f"s{k}", f"Vertex {k}", lat, lon, "true", 0, ""] for k, (lat, lon) in points.items()])
    _write_csv(out / "zones.csv", ["zone_id", "name", "lat", "lon", "population", "deprivation_quintile", "group"],
               [[f"z{k}", f"Vertex {k}", lat, lon, 1000, 3, ""] for k, (lat, lon) in points.items()])
    _write_csv(out / "roads.csv",
               ["from_node", "to_node", "road_class", "length_km", "speed_kmh", "oneway", "name", "source"],
               [[f"n{i}", f"n{j}", ROAD_CLASS, cost, SPEED_KMH, "false", "", f"{name} edge"]
                for (i, j), cost in roads.items()])
    return out


def _write_yaml(path: Path, document: dict) -> None:
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
