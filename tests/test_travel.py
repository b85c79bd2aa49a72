"""Travel times: hand-checked values on the tiny instance, and agreement with NetworkX on random graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimiser import OptimiserError, load_instance, road_graph, travel_times
from optimiser.instance.roads import travel_csr
from optimiser.instance.travel import shortest_minutes, travel_times_by_mode


def test_car_times_on_the_tiny_instance(tiny_instance):
    """Roads: N–M 6 km and M–S 6 km at 60 km/h (6 min each), M–E 16 km at 80 km/h (12 min),
    S→E one-way 20 km at 100 km/h (12 min). Every place sits on its junction (no connector time)."""
    times = travel_times(tiny_instance, "car")
    expected = pd.DataFrame(
        [[0, 12, 18], [6, 6, 12], [12, 0, 12], [18, 18, 0]],
        index=["z_north", "z_mid", "z_south", "z_east"], columns=["north", "south", "east"], dtype=float)
    np.testing.assert_allclose(times.zone_site_min.to_numpy(), expected.to_numpy())
    assert list(times.zone_site_min.index) == list(expected.index)


def test_one_way_road_is_used_only_in_its_direction(tiny_instance):
    """South→East takes the one-way motorway (12 min); East→South must go round by M (12 + 6 = 18)."""
    site_site = travel_times(tiny_instance, "car").site_site_min
    assert site_site.loc["south", "east"] == pytest.approx(12)
    assert site_site.loc["east", "south"] == pytest.approx(18)


def test_blue_light_is_faster_by_its_speed_factor(tiny_instance):
    car = travel_times(tiny_instance, "car").zone_site_min
    blue = travel_times(tiny_instance, "bluelight").zone_site_min
    np.testing.assert_allclose(blue.to_numpy(), car.to_numpy() / 1.25)


def test_connector_time_is_added_for_places_off_the_graph(tiny):
    """A zone 3 km from its junction at the default 30 km/h connector speed gains 6 minutes."""
    from optimiser.instance.roads import haversine_km

    tiny.replace("zones.csv", "z_mid,Middle Town,51.55,0.50", "z_mid,Middle Town,51.55,0.5433")
    instance = load_instance(tiny.path)
    offset_km = float(haversine_km(51.55, 0.50, 51.55, 0.5433))
    times = travel_times(instance).zone_site_min
    assert times.loc["z_mid", "north"] == pytest.approx(6 + 60 * offset_km / 30)


def test_modes_side_by_side_in_processes_equal_one_by_one(tiny_instance):
    """On a large graph every mode after the first runs in a worker process (SciPy's Dijkstra holds the GIL);
    the times are the same as one by one. Needs two cores to take the parallel path."""
    one_by_one = travel_times_by_mode(tiny_instance, parallel=False)
    side_by_side = travel_times_by_mode(tiny_instance, parallel=True)
    assert sorted(side_by_side) == sorted(one_by_one) == ["bluelight", "car"]
    for mode, times in one_by_one.items():
        pd.testing.assert_frame_equal(side_by_side[mode].zone_site_min, times.zone_site_min)
        pd.testing.assert_frame_equal(side_by_side[mode].site_site_min, times.site_site_min)


def test_known_modes_are_reused_not_recomputed(tiny_instance):
    car = travel_times(tiny_instance, "car")
    assert travel_times_by_mode(tiny_instance, {"car": car})["car"] is car


def test_unknown_mode_is_a_clear_error(tiny_instance):
    with pytest.raises(OptimiserError, match=r"unknown travel mode 'walk': tiny declares bluelight, car in modes.csv"):
        travel_times(tiny_instance, "walk")


def test_networkx_view_carries_travel_minutes(tiny_instance):
    graph = road_graph(tiny_instance, "car")
    assert graph.number_of_nodes() == 4
    assert graph.number_of_edges() == 7  # three two-way roads, one one-way
    assert nx.shortest_path_length(graph, "E", "S", weight="travel_min") == pytest.approx(18)


@st.composite
def random_roads(draw):
    """A random road graph: junction ids, and roads with lengths, speeds and one-way flags."""
    n = draw(st.integers(2, 25))
    m = draw(st.integers(1, 60))
    ends = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), min_size=m, max_size=m))
    ends = [(a, b) for a, b in ends if a != b] or [(0, 1)]
    lengths = draw(st.lists(st.floats(0.1, 50), min_size=len(ends), max_size=len(ends)))
    oneway = draw(st.lists(st.booleans(), min_size=len(ends), max_size=len(ends)))
    nodes = pd.DataFrame({"node_id": [f"n{i}" for i in range(n)]})
    roads = pd.DataFrame({"from_node": [f"n{a}" for a, _ in ends], "to_node": [f"n{b}" for _, b in ends],
                          "length_km": lengths, "oneway": oneway})
    return nodes, roads


@settings(max_examples=150, deadline=None)
@given(random_roads(), st.data())
def test_shortest_minutes_agree_with_networkx_dijkstra(graph_tables, data):
    nodes, roads = graph_tables
    sources = np.array(data.draw(st.lists(st.integers(0, len(nodes) - 1), min_size=1, max_size=5)))
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(nodes)))
    for road in roads.itertuples(index=False):
        a, b = int(road.from_node[1:]), int(road.to_node[1:])
        pairs = [(a, b)] if road.oneway else [(a, b), (b, a)]
        for u, v in pairs:  # parallel roads: the shorter counts
            if not graph.has_edge(u, v) or graph[u][v]["w"] > road.length_km:
                graph.add_edge(u, v, w=road.length_km)
    ours = shortest_minutes(travel_csr(nodes, roads, roads["length_km"].to_numpy()), sources,
                            np.arange(len(nodes)))
    for row, source in zip(ours, sources, strict=True):
        theirs = nx.single_source_dijkstra_path_length(graph, int(source), weight="w")
        expected = np.array([theirs.get(t, np.inf) for t in range(len(nodes))])
        np.testing.assert_allclose(row, expected, rtol=1e-9)
