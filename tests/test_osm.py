"""The OpenStreetMap import: a hand-written OSM XML file in, road_nodes and roads tables out.

The fixture file is small enough to check by eye: a one-way motorway carriageway
(M11, 1→2→3), a two-way trunk (A127, 3→4→5), a primary road signed 40 mph (A13,
5→6→7→8), two parallel roads between junctions 8 and 10 (a 30 km/h residential
Back Lane and a longer 60 mph unclassified Bypass, which is quicker), a residential
dead end with no maxspeed (Church Lane, 10→11→12), and things that are not part of
the car network: a footway, a building, a car-park aisle and a road detached from
the rest. Expected lengths are computed here with the haversine formula, apart from
the code under test.
"""

from __future__ import annotations

import itertools
import math
import sys
from pathlib import Path

import pandas as pd
import pytest

from optimiser.errors import OptimiserError, ProblemLog
from optimiser.instance.io import read_table
from optimiser.instance.osm import NEEDS_EXTRA, roads_from_osm, write_roads
from optimiser.instance.schema import file_schema

NODES = {
    1: (51.600, 0.500), 2: (51.600, 0.520), 3: (51.600, 0.540),
    4: (51.590, 0.550), 5: (51.580, 0.560),
    6: (51.575, 0.570), 7: (51.570, 0.580), 8: (51.565, 0.590),
    9: (51.565, 0.595), 10: (51.565, 0.600), 18: (51.567, 0.595),
    11: (51.560, 0.605), 12: (51.555, 0.610), 13: (51.558, 0.600),
    14: (51.561, 0.590), 15: (51.561, 0.591), 16: (51.562, 0.591),
    17: (51.650, 0.700), 19: (51.651, 0.700), 20: (51.554, 0.611),
}
NODE_TAGS = {3: {"highway": "motorway_junction", "ref": "29"}}
WAYS = [
    (101, [1, 2, 3], {"highway": "motorway", "ref": "M11", "oneway": "yes"}),
    (102, [3, 4, 5], {"highway": "trunk", "ref": "A127", "name": "Southend Arterial Road"}),
    (103, [5, 6, 7, 8], {"highway": "primary", "ref": "A13", "name": "London Road", "maxspeed": "40 mph"}),
    (104, [8, 9, 10], {"highway": "residential", "name": "Back Lane"}),
    (105, [8, 18, 10], {"highway": "unclassified", "name": "Bypass", "maxspeed": "60 mph"}),
    (106, [10, 11, 12], {"highway": "residential", "name": "Church Lane"}),
    (107, [11, 13], {"highway": "footway"}),
    (108, [14, 15, 16, 14], {"building": "yes"}),
    (109, [17, 19], {"highway": "residential", "name": "Far Lane"}),
    (110, [12, 20], {"highway": "service", "service": "parking_aisle"}),
]
MPH = 1.609344


def osm_xml(nodes=NODES, ways=WAYS) -> str:
    """An OSM XML document as the OSM website's export writes it."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="hand-written test">']
    for node_id, (lat, lon) in nodes.items():
        tags = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in NODE_TAGS.get(node_id, {}).items())
        lines.append(f'<node id="{node_id}" version="1" lat="{lat}" lon="{lon}">{tags}</node>')
    for way_id, refs, tags in ways:
        body = "".join(f'<nd ref="{r}"/>' for r in refs)
        body += "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        lines.append(f'<way id="{way_id}" version="1">{body}</way>')
    lines.append("</osm>")
    return "\n".join(lines)


def haversine_km(a: int, b: int) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, NODES[n]) for n in (a, b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def path_km(*nodes: int) -> float:
    return sum(haversine_km(a, b) for a, b in itertools.pairwise(nodes))


@pytest.fixture(scope="module")
def osm_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("osm") / "essex.osm"
    path.write_text(osm_xml(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def graph(osm_file) -> tuple[pd.DataFrame, pd.DataFrame]:
    pytest.importorskip("osmnx", reason="osmnx is the optional [osm] extra; OSM import tests need it")
    return roads_from_osm(osm_file)


@pytest.fixture(scope="module")
def roads(graph) -> pd.DataFrame:
    return graph[1].set_index(["from_node", "to_node"])


def test_frames_have_exactly_the_schema_columns(graph):
    road_nodes, roads = graph
    assert list(road_nodes.columns) == list(file_schema("road_nodes").names)
    assert list(roads.columns) == list(file_schema("roads").names)


def test_only_drivable_connected_roads_become_rows_one_per_junction_pair(roads):
    # footway, building, car-park aisle and the detached Far Lane are gone; interstitial nodes merged
    assert roads["road_class"].to_dict() == {
        ("1", "3"): "motorway", ("3", "5"): "dual", ("5", "8"): "single",
        ("8", "10"): "minor", ("10", "12"): "urban",
    }


def test_oneway_motorway_carriageway_and_two_way_roads(roads):
    assert roads["oneway"].to_dict() == {
        ("1", "3"): True, ("3", "5"): False, ("5", "8"): False, ("8", "10"): False, ("10", "12"): False,
    }


def test_maxspeed_in_mph_becomes_kmh(roads):
    assert roads.loc[("5", "8"), "speed_kmh"] == pytest.approx(40 * MPH, abs=0.05)  # 64.4
    assert roads.loc[("5", "8"), "source"] == (
        "OpenStreetMap essex.osm: length of the way, speed from maxspeed=40 mph")


def test_roads_without_maxspeed_take_the_default_of_their_highway_type(roads):
    assert roads.loc[("1", "3"), "speed_kmh"] == 100
    assert roads.loc[("3", "5"), "speed_kmh"] == 80
    assert roads.loc[("10", "12"), "speed_kmh"] == 30
    assert roads.loc[("10", "12"), "source"].endswith("speed default for highway=residential")


def test_of_parallel_roads_the_quickest_is_kept(roads):
    bypass_h = path_km(8, 18, 10) / (60 * MPH)
    back_lane_h = path_km(8, 9, 10) / 30
    assert bypass_h < back_lane_h  # the fixture is built so
    assert roads.loc[("8", "10"), "name"] == "Bypass"
    assert roads.loc[("8", "10"), "speed_kmh"] == pytest.approx(60 * MPH, abs=0.05)


def test_names_prefer_the_road_number(roads):
    assert roads["name"].to_dict() == {
        ("1", "3"): "M11", ("3", "5"): "A127", ("5", "8"): "A13",
        ("8", "10"): "Bypass", ("10", "12"): "Church Lane",
    }


@pytest.mark.parametrize(("pair", "way"), [
    (("1", "3"), (1, 2, 3)), (("3", "5"), (3, 4, 5)), (("5", "8"), (5, 6, 7, 8)),
    (("8", "10"), (8, 18, 10)), (("10", "12"), (10, 11, 12)),
])
def test_lengths_follow_the_way_within_one_percent(roads, pair, way):
    assert roads.loc[pair, "length_km"] == pytest.approx(path_km(*way), rel=0.01)


def test_junction_coordinates_and_names(graph):
    road_nodes = graph[0].set_index("node_id")
    assert list(road_nodes.index) == ["1", "3", "5", "8", "10", "12"]
    for node_id, row in road_nodes.iterrows():
        assert (row["lat"], row["lon"]) == pytest.approx(NODES[int(node_id)])
    assert road_nodes.loc["3", "name"] == "J29"


def test_written_tables_load_back_without_problems(graph, tmp_path):
    write_roads(tmp_path, *graph)
    log = ProblemLog()
    roads = read_table(tmp_path, file_schema("roads"), log)
    nodes = read_table(tmp_path, file_schema("road_nodes"), log)
    assert log.problems == []
    assert len(roads.frame) == 5 and len(nodes.frame) == 6
    assert roads.frame["oneway"].tolist() == graph[1]["oneway"].tolist()


@pytest.mark.parametrize("existing", ["road_nodes.csv", "roads.csv"])
def test_write_roads_never_overwrites(tmp_path, existing):
    (tmp_path / existing).write_text("mine\n")
    nodes = pd.DataFrame(columns=list(file_schema("road_nodes").names))
    roads = pd.DataFrame(columns=list(file_schema("roads").names))
    with pytest.raises(OptimiserError) as error:
        write_roads(tmp_path, nodes, roads)
    assert str(error.value) == (
        f"{tmp_path / existing} already exists: roads-from-osm never overwrites a file; "
        "move it away or choose another instance folder")
    assert (tmp_path / existing).read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [existing]


def test_a_pbf_extract_gives_the_roads_of_its_xml(osm_file, graph, tmp_path):
    """Geofabrik publishes .osm.pbf: the fixture written as PBF by pyosmium gives the same tables, each
    road's source naming the file the analyst gave."""
    osmium = pytest.importorskip("osmium")
    path = tmp_path / "essex.osm.pbf"
    with osmium.SimpleWriter(str(path)) as writer:
        for item in osmium.FileProcessor(str(osm_file)):
            writer.add(item)
    road_nodes, roads = roads_from_osm(path)
    pd.testing.assert_frame_equal(road_nodes, graph[0])
    assert roads["source"].str.startswith("OpenStreetMap essex.osm.pbf: ").all()
    pd.testing.assert_frame_equal(roads.assign(source=roads["source"].str.replace(".osm.pbf:", ".osm:")), graph[1])


def test_a_file_that_is_not_pbf_is_named(tmp_path):
    pytest.importorskip("osmium")
    path = tmp_path / "essex-latest.osm.pbf"
    path.write_bytes(b"\x00")
    with pytest.raises(OptimiserError) as error:
        roads_from_osm(path)
    assert str(error.value).startswith(f"{path}: not readable as OpenStreetMap PBF: ")


def test_missing_file_is_named(tmp_path):
    with pytest.raises(OptimiserError, match="no such OpenStreetMap file") as error:
        roads_from_osm(tmp_path / "nowhere.osm")
    assert str(tmp_path / "nowhere.osm") in str(error.value)


def test_malformed_xml_names_the_file_and_the_reason(tmp_path):
    pytest.importorskip("osmnx", reason="osmnx is the optional [osm] extra; OSM import tests need it")
    path = tmp_path / "broken.osm"
    path.write_text('<osm version="0.6"><node id="1" lat="51.6"')
    with pytest.raises(OptimiserError) as error:
        roads_from_osm(path)
    assert str(error.value).startswith(f"{path}: not readable as OpenStreetMap XML: ")
    assert "line 1" in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_file_without_drivable_roads_is_refused(tmp_path):
    pytest.importorskip("osmnx", reason="osmnx is the optional [osm] extra; OSM import tests need it")
    path = tmp_path / "paths.osm"
    path.write_text(osm_xml(ways=[w for w in WAYS if w[0] in (107, 108)]))
    with pytest.raises(OptimiserError, match="no drivable road"):
        roads_from_osm(path)


def test_reversed_one_way_and_separate_carriageways(tmp_path):
    """oneway=-1 runs against the drawing direction; two one-way ways between junctions stay two rows."""
    pytest.importorskip("osmnx", reason="osmnx is the optional [osm] extra; OSM import tests need it")
    path = tmp_path / "carriageways.osm"
    path.write_text(osm_xml(ways=[
        (1, [1, 2, 3], {"highway": "primary", "oneway": "-1"}),
        (2, [3, 4, 5], {"highway": "residential"}),
        (3, [5, 6], {"highway": "tertiary", "oneway": "yes"}),
        (4, [6, 5], {"highway": "tertiary", "oneway": "yes"}),
    ]))
    roads = roads_from_osm(path)[1].set_index(["from_node", "to_node"])
    assert roads["oneway"].to_dict() == {
        ("3", "1"): True, ("3", "5"): False, ("5", "6"): True, ("6", "5"): True}


def test_empty_file_is_refused(tmp_path):
    pytest.importorskip("osmnx", reason="osmnx is the optional [osm] extra; OSM import tests need it")
    path = tmp_path / "empty.osm"
    path.write_text('<osm version="0.6"></osm>')
    with pytest.raises(OptimiserError) as error:
        roads_from_osm(path)
    assert str(error.value) == (
        f"{path}: cannot build a road graph: the file holds no OpenStreetMap nodes or ways")


def test_without_osmnx_the_message_names_the_extra(osm_file, monkeypatch):
    monkeypatch.setitem(sys.modules, "osmnx", None)  # makes `import osmnx` raise ImportError
    with pytest.raises(OptimiserError) as error:
        roads_from_osm(osm_file)
    assert str(error.value) == (
        'reading OpenStreetMap files needs the optional extra: pip install "hospital-site-optimiser[osm]"')
    assert str(error.value) == NEEDS_EXTRA


def test_command_line_writes_the_tables_then_refuses_to_overwrite(osm_file, tmp_path, capsys):
    pytest.importorskip("osmnx", reason="reading OpenStreetMap files needs the optional extra [osm]")
    from optimiser.cli.app import main

    assert main(["roads-from-osm", str(osm_file), str(tmp_path / "essex")]) == 0
    assert capsys.readouterr().out.startswith("wrote ")
    written = (tmp_path / "essex" / "roads.csv").read_bytes()
    assert main(["roads-from-osm", str(osm_file), str(tmp_path / "essex")]) == 2
    assert "already exists: roads-from-osm never overwrites a file" in capsys.readouterr().err
    assert (tmp_path / "essex" / "roads.csv").read_bytes() == written
