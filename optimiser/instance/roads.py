"""The road graph: edge tables, their sparse (CSR) form, snapping, NetworkX views.

The instance keeps its road graph as two tables (junctions and roads). The
same graph is available as a NetworkX ``MultiDiGraph`` (:func:`road_graph`) for
analysts, and as a SciPy CSR matrix of travel minutes per mode
(:func:`travel_csr`) for the shortest-path computations, built straight from
the tables with numpy so that a million-node graph takes seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from optimiser.errors import Problem, ProblemLog, Severity

from .io import Table, table_from_text
from .schema import file_schema

if TYPE_CHECKING:
    import networkx as nx

EARTH_RADIUS_KM = 6371.0088


# --- geometry ---------------------------------------------------------------------------------

def local_xy_km(lat: np.ndarray, lon: np.ndarray, lat0: float) -> np.ndarray:
    """Equirectangular projection to km about latitude ``lat0``.

    Accurate to well under 1% across a region the size of a county or of
    England, which is all snapping needs.
    """
    lat_rad, lon_rad = np.radians(lat), np.radians(lon)
    return np.column_stack([EARTH_RADIUS_KM * lon_rad * np.cos(np.radians(lat0)),
                            EARTH_RADIUS_KM * lat_rad])


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (vectorised)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = (np.sin((p2 - p1) / 2) ** 2
         + np.cos(p1) * np.cos(p2) * np.sin(np.radians(np.asarray(lon2) - np.asarray(lon1)) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))


def snap(road_nodes: pd.DataFrame, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest road node of each point: (position in ``road_nodes``, distance in km)."""
    lat0 = float(road_nodes["lat"].mean())
    tree = cKDTree(local_xy_km(road_nodes["lat"].to_numpy(), road_nodes["lon"].to_numpy(), lat0))
    distance_km, position = tree.query(local_xy_km(np.asarray(lat, float), np.asarray(lon, float), lat0))
    return position.astype(np.int64), distance_km


def snapped_places(road_nodes: pd.DataFrame, sites: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """Sites and zones (each with its ``row`` in sites.csv or zones.csv) with their nearest junction and
    the distance to it."""
    tables = (("site", sites), ("zone", zones))
    column = {name: np.concatenate([table[name].to_numpy() for _, table in tables]) for name in ("name", "lat", "lon")}
    position, distance_km = snap(road_nodes, column["lat"].astype(float), column["lon"].astype(float))
    return pd.DataFrame({
        "kind": np.repeat([kind for kind, _ in tables], [len(table) for _, table in tables]),
        "id": np.concatenate([table[f"{kind}_id"].to_numpy() for kind, table in tables]),
        **column, "row": np.concatenate([np.arange(len(table)) + 2 for _, table in tables]),  # header: 1
        "node": position, "node_id": road_nodes["node_id"].to_numpy()[position], "snap_km": distance_km})


# --- the sparse graph -------------------------------------------------------------------------

def edge_minutes(roads: pd.DataFrame, modes: pd.DataFrame, mode: str) -> np.ndarray:
    """Travel minutes of each road for one mode: length / (speed × the mode's class factor)."""
    factors = modes.loc[modes["mode"] == mode].set_index("road_class")["speed_factor"]
    factor = roads["road_class"].map(factors).to_numpy(dtype=float)
    return 60.0 * roads["length_km"].to_numpy(float) / (roads["speed_kmh"].to_numpy(float) * factor)


def travel_csr(road_nodes: pd.DataFrame, roads: pd.DataFrame, weights: np.ndarray) -> csr_matrix:
    """The road graph as a CSR matrix of edge weights, both directions unless one-way.

    Parallel roads between the same junctions keep the smallest weight
    (a CSR constructor would add them up).
    """
    index = pd.Index(road_nodes["node_id"])
    tail = index.get_indexer(roads["from_node"])
    head = index.get_indexer(roads["to_node"])
    two_way = ~roads["oneway"].to_numpy(bool)
    rows = np.concatenate([tail, head[two_way]])
    cols = np.concatenate([head, tail[two_way]])
    data = np.concatenate([weights, weights[two_way]])
    order = np.lexsort((data, cols, rows))
    rows, cols, data = rows[order], cols[order], data[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    n = len(index)
    return csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))


def road_components(road_nodes: pd.DataFrame, roads: pd.DataFrame) -> np.ndarray:
    """Label of each junction's strongly connected part: same label, mutually reachable."""
    graph = travel_csr(road_nodes, roads, roads["length_km"].to_numpy(float))
    return connected_components(graph, directed=True, connection="strong")[1]


# --- NetworkX ---------------------------------------------------------------------------------

def road_graph(instance, mode: str | None = None) -> nx.MultiDiGraph:
    """The road graph as NetworkX, with ``travel_min`` for ``mode`` on every edge.

    Two-way roads appear once in each direction, as OSMnx graphs do.
    """
    import networkx as nx  # only here and for GraphML: loading an instance of CSV files needs no graph library

    mode = instance.mode_or_default(mode)
    roads = instance.roads.reset_index(drop=True)
    minutes = edge_minutes(roads, instance.modes, mode)
    graph = nx.MultiDiGraph(name=instance.name, mode=mode)
    for node in instance.road_nodes.itertuples(index=False):
        graph.add_node(node.node_id, lat=node.lat, lon=node.lon, name=node.name)
    for road, travel_min in zip(roads.itertuples(index=False), minutes, strict=True):
        attributes = dict(road_class=road.road_class, length_km=road.length_km,
                          speed_kmh=road.speed_kmh, name=road.name, travel_min=travel_min)
        graph.add_edge(road.from_node, road.to_node, **attributes)
        if not road.oneway:
            graph.add_edge(road.to_node, road.from_node, **attributes)
    return graph


def read_graphml_tables(path: Path, log: ProblemLog) -> tuple[Table | None, Table | None]:
    """Read a GraphML road graph into the road_nodes and roads tables.

    Nodes need ``lat`` and ``lon``; edges ``road_class``, ``length_km`` and
    ``speed_kmh`` (``oneway`` and ``name`` optional). A directed GraphML
    graph makes every edge one-way. Problems name the n-th node or edge as the row.
    """
    if not path.is_file():
        log.add(path.name, "is missing", fix="instance.yaml names it as the road graph (key roads)")
        return None, None
    import networkx as nx

    try:
        graph = nx.read_graphml(path)
    except Exception as error:  # networkx raises several unrelated types for bad XML
        log.add(path.name, f"cannot be read as GraphML: {error}", fix="Export the graph again as GraphML")
        return None, None
    nodes = {"node_id": [str(n) for n in graph.nodes]}
    for column in ("lat", "lon", "name"):
        nodes[column] = [str(data.get(column, "")) for _, data in graph.nodes(data=True)]
    edges: dict[str, list[str]] = {"from_node": [], "to_node": []}
    columns = ("road_class", "length_km", "speed_kmh", "oneway", "name", "source")
    for column in columns:
        edges[column] = []
    for u, v, data in graph.edges(data=True):
        edges["from_node"].append(str(u))
        edges["to_node"].append(str(v))
        for column in columns:
            default = "true" if column == "oneway" and graph.is_directed() else ""
            edges[column].append(str(data.get(column, default)))
    node_table = table_from_text(file_schema("road_nodes"), nodes, log, file=path.name)
    edge_table = table_from_text(file_schema("roads"), edges, log, file=path.name)
    return node_table, edge_table


# --- warnings ---------------------------------------------------------------------------------

def snap_warnings(instance) -> list[Problem]:
    """Sites and zones further from the road graph than ``snap_warn_km``."""
    places = instance.snapped
    limit = instance.settings["snap_warn_km"]
    far = places[places["snap_km"] > limit]
    return [Problem(f"{row.kind}s.csv",
                    f"{row.kind} {row.id!r} is {row.snap_km:.1f} km from the nearest road junction "
                    f"({row.node_id!r}); its travel times start there",
                    row=int(row.row), column="lat",
                    fix=f"Add a junction near it, or raise snap_warn_km (now {limit:g} km) in instance.yaml",
                    severity=Severity.WARNING)
            for row in far.itertuples(index=False)]
