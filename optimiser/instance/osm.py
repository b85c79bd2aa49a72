"""Build an instance's road graph (road_nodes.csv, roads.csv), or its walking network, from an OpenStreetMap file.

The analyst downloads an extract of the catchment (``.osm`` XML, e.g. from the
OSM website's export or Overpass, or a Geofabrik ``.osm.pbf``, which pyosmium turns into
XML first); this module turns it into the two plain tables every instance uses, so the
rest of the engine never needs OSMnx. OSMnx and pyosmium are an optional extra, imported
only when a file is read.

Steps: read every way (unsimplified), keep the drivable highways, keep the
largest connected part, simplify to junction-to-junction roads, set speeds
from ``maxspeed`` tags (defaults per highway type where absent), then keep the
fastest of parallel roads and write a two-way road as one row.

The walking network (:func:`walkways_from_osm`) keeps every way a person may walk,
each both ways, and every node of it (not only the junctions), so that a zone,
site or stop is joined to the street at its nearest point.
"""

from __future__ import annotations

import importlib
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import pandas as pd

from optimiser.errors import OptimiserError

from .schema import file_schema

#: Our road class for each drivable OSM ``highway`` value; other values (track,
#: footway, cycleway, construction, ...) are not part of the car network.
ROAD_CLASS: dict[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "dual", "trunk_link": "dual",
    "primary": "single", "primary_link": "single",
    "secondary": "minor", "secondary_link": "minor",
    "tertiary": "minor", "tertiary_link": "minor",
    "unclassified": "minor", "road": "minor",
    "residential": "urban", "living_street": "urban", "service": "urban",
}

#: Car speed (km/h) where a road has no usable ``maxspeed`` tag: typical
#: free-flow speeds on English roads, below the legal limit (70 mph = 113 km/h
#: on a motorway) because junctions, bends and traffic slow cars down.
DEFAULT_SPEED_KMH: dict[str, float] = {
    "motorway": 100, "motorway_link": 60,
    "trunk": 80, "trunk_link": 50,
    "primary": 60, "primary_link": 40,
    "secondary": 50, "secondary_link": 40,
    "tertiary": 45, "tertiary_link": 35,
    "unclassified": 40, "road": 40,
    "residential": 30, "living_street": 15, "service": 20,
}

#: ``service=*`` values that are not through routes (car parks, driveways).
PRIVATE_SERVICE = {"parking_aisle", "parking", "driveway", "drive-through", "emergency_access", "private"}
#: Access values that close a way to the public's cars.
CLOSED = {"no", "private"}
#: Way tags OSMnx must keep, beyond its defaults, to decide what is drivable.
ACCESS_TAGS = ("motor_vehicle", "motorcar")
#: Keep a junction node wherever these change, so that a road's class, speed
#: and number are one value, not an average of the ways it was merged from.
SPLIT_ON = ("highway", "maxspeed", "ref")
#: Most important first: a road merged from several highway types takes the first.
HIGHWAY_RANK = tuple(ROAD_CLASS)

#: ``highway`` values nobody may walk along: motorways, and ways not (or no longer) open.
NOT_WALKABLE = {"motorway", "motorway_link", "construction", "proposed", "planned", "abandoned", "disused",
                "raceway", "bus_guideway", "busway", "escape", "no"}
#: Way tags OSMnx must keep, beyond its defaults, to decide what is walkable.
FOOT_TAGS = ("foot",)

NEEDS_EXTRA = ("reading OpenStreetMap files needs the optional extra: "
               'pip install "hospital-site-optimiser[osm]"')


def roads_from_osm(osm_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an OSM XML file into ``(road_nodes, roads)`` frames laid out as their schemas declare.

    Raises :class:`OptimiserError` naming the file when it is missing, not valid XML or PBF, or holds
    no drivable road.
    """
    ox = _import_osmnx()
    with _as_xml(Path(osm_path)) as path:
        graph = _network(ox, path, _is_drivable, what=f"drivable road (highway={', '.join(ROAD_CLASS)})",
                         extra_tags=ACCESS_TAGS, named=Path(osm_path))
    graph = ox.simplify_graph(graph, edge_attrs_differ=SPLIT_ON)
    ox.routing.add_edge_speeds(graph, hwy_speeds=DEFAULT_SPEED_KMH)
    roads = _road_rows(_fastest_edges(graph), source=Path(osm_path).name)
    return _node_frame(graph, roads), roads


def walkways_from_osm(osm_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an OSM XML file into a walking network: ``(nodes, ways)``, ``node_id, lat, lon`` and
    ``from_node, to_node, length_km``, each way once (walkable both ways whatever its one-way tags).

    Raises :class:`OptimiserError` naming the file when it is missing, not valid XML or PBF, or holds
    no walkable way.
    """
    ox = _import_osmnx()
    with _as_xml(Path(osm_path)) as path:
        graph = _network(ox, path, _is_walkable, what="walkable way (highway=footway, residential, …)",
                         extra_tags=FOOT_TAGS, bidirectional=True, named=Path(osm_path))
    lengths: dict[tuple[int, int], float] = {}
    for u, v, tags in graph.edges(data=True):
        pair = (min(u, v), max(u, v))
        if u != v:
            lengths[pair] = min(lengths.get(pair, float("inf")), tags["length"] / 1000)
    ways = pd.DataFrame([(str(u), str(v), km) for (u, v), km in sorted(lengths.items())],
                        columns=["from_node", "to_node", "length_km"])
    nodes = pd.DataFrame([(str(n), tags["y"], tags["x"]) for n, tags in sorted(graph.nodes(data=True))],
                         columns=["node_id", "lat", "lon"])
    return nodes, ways


def write_roads(folder: Path, road_nodes: pd.DataFrame, roads: pd.DataFrame) -> None:
    """Write ``road_nodes.csv`` and ``roads.csv`` into an instance folder.

    Refuses, before writing anything, if either file exists: nothing a user
    wrote is ever overwritten.
    """
    folder = Path(folder)
    tables = {"road_nodes": road_nodes, "roads": roads}
    targets = {stem: folder / file_schema(stem).file for stem in tables}
    for target in targets.values():
        if target.exists():
            raise OptimiserError(f"{target} already exists: roads-from-osm never overwrites a file; "
                                 "move it away or choose another instance folder")
    folder.mkdir(parents=True, exist_ok=True)
    for stem, frame in tables.items():
        columns = list(file_schema(stem).names)
        out = frame.reset_index(drop=True)[columns].copy()
        if "oneway" in out:
            out["oneway"] = out["oneway"].map({True: "true", False: "false"})
        out.to_csv(targets[stem], index=False, mode="x")


# --- reading ----------------------------------------------------------------------------------

@contextmanager
def _as_xml(path: Path) -> Iterator[Path]:
    """The file as OSM XML, which OSMnx reads: a ``.pbf`` (Geofabrik's format) is written out as XML by
    pyosmium into a temporary folder, removed after the read."""
    if not path.is_file():
        raise OptimiserError(f"{path}: no such OpenStreetMap file")
    if not path.name.lower().endswith(".pbf"):
        yield path
        return
    osmium = _import_optional("osmium")
    with tempfile.TemporaryDirectory() as folder:
        xml = Path(folder) / "extract.osm"
        try:
            with osmium.SimpleWriter(str(xml)) as writer:
                for item in osmium.FileProcessor(str(path)):
                    writer.add(item)
        except RuntimeError as exc:
            raise OptimiserError(f"{path}: not readable as OpenStreetMap PBF: {exc}") from None
        yield xml


def _import_osmnx() -> ModuleType:
    return _import_optional("osmnx")


def _import_optional(name: str) -> ModuleType:
    """OSMnx and pyosmium are an optional extra: imported only when an OSM file is actually read."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise OptimiserError(NEEDS_EXTRA) from exc


def _network(ox: ModuleType, path: Path, keep: Callable[[dict[str, Any]], bool], *, what: str,
             extra_tags: Iterable[str], named: Path, bidirectional: bool = False) -> Any:
    """The largest connected part of the ways ``keep`` accepts, unsimplified, as an OSMnx MultiDiGraph;
    errors name the file the analyst gave (``named``), which ``path`` may be an XML copy of.

    ``graph_from_xml`` has no network-type filter: it turns every way in the
    file (footpaths, buildings, railways) into edges. So the file is read
    unsimplified, the ways not kept are dropped, and only then is the largest
    component taken, as ``graph_from_xml`` would.
    """
    try:
        with _extra_tags(ox, "useful_tags_way", extra_tags), _extra_tags(ox, "useful_tags_node", ["name"]):
            graph = ox.graph_from_xml(path, bidirectional=bidirectional, simplify=False, retain_all=True)
    except (ParseError, SAXException, UnicodeDecodeError) as exc:
        raise OptimiserError(f"{named}: not readable as OpenStreetMap XML: {exc}") from None
    except (ValueError, TypeError) as exc:
        raise OptimiserError(f"{named}: cannot build a road graph: {_reason(exc)}") from None
    graph.remove_edges_from([(u, v, k) for u, v, k, tags in graph.edges(keys=True, data=True) if not keep(tags)])
    graph.remove_nodes_from([n for n, degree in graph.degree() if degree == 0])
    if graph.number_of_edges() == 0:
        raise OptimiserError(f"{named}: no {what} in the file")
    return ox.truncate.largest_component(graph, strongly=False)


def _reason(exc: Exception) -> str:
    """OSMnx's words, with a hint for the one failure analysts commonly meet."""
    if type(exc).__name__ == "InsufficientResponseError":
        return "the file holds no OpenStreetMap nodes or ways"
    if isinstance(exc, TypeError) or "missing nodes" in str(exc):
        return ("a way refers to nodes that are not in the file; extract with complete ways, "
                "e.g. osmium extract --strategy complete_ways")
    return str(exc)


@contextmanager
def _extra_tags(ox: ModuleType, setting: str, tags: Iterable[str]) -> Iterator[None]:
    """Have OSMnx keep more tags (``useful_tags_way``/``_node``) for one read, then restore them."""
    saved = getattr(ox.settings, setting)
    setattr(ox.settings, setting, [*saved, *(t for t in tags if t not in saved)])
    try:
        yield
    finally:
        setattr(ox.settings, setting, saved)


def _is_walkable(tags: dict[str, Any]) -> bool:
    """True for a way a person may walk along (OSMnx's ``walk`` network, roughly): a highway that is
    no motorway and is open, unless closed to people on foot."""
    highway = tags.get("highway")
    if highway is None or highway in NOT_WALKABLE:
        return False
    if tags.get("foot") in CLOSED:
        return False
    return not (tags.get("access") in CLOSED and tags.get("foot") is None)


def _is_drivable(tags: dict[str, Any]) -> bool:
    """True for a public road a car may use (OSMnx's ``drive_service`` network, roughly)."""
    if tags.get("highway") not in ROAD_CLASS or tags.get("area") == "yes":
        return False
    if tags.get("highway") == "service" and tags.get("service") in PRIVATE_SERVICE:
        return False
    if any(tags.get(tag) in CLOSED for tag in ACCESS_TAGS):
        return False
    return not (tags.get("access") in CLOSED and tags.get("motor_vehicle", tags.get("motorcar")) is None)


# --- edges to rows ----------------------------------------------------------------------------

def _fastest_edges(graph: Any) -> dict[tuple[int, int], dict[str, Any]]:
    """One edge per direction between two junctions: the quickest of any parallel ones."""
    best: dict[tuple[int, int], dict[str, Any]] = {}
    for u, v, tags in graph.edges(data=True):
        if u == v:
            continue  # a loop back to the same junction never shortens a route
        hours = tags["length"] / 1000 / tags["speed_kph"]
        if (u, v) not in best or hours < best[(u, v)]["hours"]:
            best[(u, v)] = {**tags, "hours": hours}
    return best


def _road_rows(best: dict[tuple[int, int], dict[str, Any]], *, source: str) -> pd.DataFrame:
    """Rows of roads.csv: a two-way road once (lower node id first), a one-way road per direction."""
    rows = []
    for (u, v), tags in sorted(best.items()):
        back = best.get((v, u))
        two_way = back is not None and _same_road(tags, back)
        if two_way and u > v:
            continue
        rows.append(_row(u, v, tags, oneway=not two_way, source=source))
    return pd.DataFrame(rows, columns=list(file_schema("roads").names))


def _same_road(ahead: dict[str, Any], back: dict[str, Any]) -> bool:
    """Whether the quickest edges both ways are one two-way road, so one row serves both."""
    return (not _flag(ahead.get("oneway")) and not _flag(back.get("oneway"))
            and abs(ahead["length"] - back["length"]) < 0.01 and ahead["speed_kph"] == back["speed_kph"]
            and _highway(ahead["highway"]) == _highway(back["highway"]))


def _row(u: int, v: int, tags: dict[str, Any], *, oneway: bool, source: str) -> dict[str, Any]:
    highway = _highway(tags["highway"])
    return {
        "from_node": str(u),
        "to_node": str(v),
        "road_class": ROAD_CLASS[highway],
        "length_km": max(round(tags["length"] / 1000, 4), 0.001),
        "speed_kmh": round(float(tags["speed_kph"]), 1),
        "oneway": oneway,
        "name": _joined(tags.get("ref")) or _joined(tags.get("name")),
        "source": _source(tags, highway, source),
    }


def _highway(value: str | list[str]) -> str:
    """The most important drivable highway type of an edge merged from several ways."""
    values = value if isinstance(value, list) else [value]
    return min((h for h in values if h in ROAD_CLASS), key=HIGHWAY_RANK.index)


def _flag(value: bool | list[bool] | None) -> bool:
    """An edge merged from one-way and two-way pieces is one-way."""
    return any(value) if isinstance(value, list) else bool(value)


def _joined(value: str | list[str] | None) -> str:
    """A tag as one text; merged ways' values in a stable order, e.g. ``A127/A130``."""
    if value is None:
        return ""
    values = value if isinstance(value, list) else [value]
    return "/".join(sorted({str(v) for v in values}))


def _source(tags: dict[str, Any], highway: str, file_name: str) -> str:
    """Where the numbers of a row come from, for the report's evidence table."""
    tagged = _joined(tags.get("maxspeed"))
    # OSMnx falls back to the default when it cannot read the tag ("national", "signals")
    if tagged and (tagged[0].isdigit() or tags["speed_kph"] != DEFAULT_SPEED_KMH[highway]):
        speed = f"speed from maxspeed={tagged}"
    else:
        speed = f"speed default for highway={highway}"
    return f"OpenStreetMap {file_name}: length of the way, {speed}"


def _node_frame(graph: Any, roads: pd.DataFrame) -> pd.DataFrame:
    """Rows of road_nodes.csv: every junction a road touches, with its name where OSM gives one."""
    used = set(roads["from_node"]) | set(roads["to_node"])
    rows = [{"node_id": str(n), "lat": tags["y"], "lon": tags["x"], "name": _node_name(tags)}
            for n, tags in sorted(graph.nodes(data=True)) if str(n) in used]
    return pd.DataFrame(rows, columns=list(file_schema("road_nodes").names))


def _node_name(tags: dict[str, Any]) -> str:
    """A motorway junction's name or number (``J29``), else the node's name, else blank."""
    name = str(tags.get("name", ""))
    if tags.get("highway") == "motorway_junction" and "ref" in tags:
        return f"J{tags['ref']} {name}".strip()
    return name
