"""The instance format: one declaration read by loader, saver and documentation alike."""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import OptimiserError, load_instance, save_instance
from optimiser.cli.docs import FORMAT_PATH, format_markdown
from optimiser.instance.schema import FIELD_TYPES, instance_schema


def test_format_document_matches_the_schema():
    """instances/FORMAT.md is generated: run `python -m optimiser.cli.docs` after changing the schema."""
    assert FORMAT_PATH.read_text(encoding="utf-8") == format_markdown()


def test_every_field_has_a_known_type_and_a_description():
    for schema in instance_schema():
        for field in schema.fields:
            assert field.type in FIELD_TYPES, (schema.file, field.name)
            assert field.description, (schema.file, field.name)


def test_load_save_load_round_trip(tiny_instance, tmp_path):
    saved = load_instance(save_instance(tiny_instance, tmp_path / "copy"))
    assert saved.settings == tiny_instance.settings
    for stem, frame in tiny_instance.tables.items():
        pd.testing.assert_frame_equal(saved.tables[stem], frame, check_dtype=False, obj=stem)
    pd.testing.assert_frame_equal(saved.demand, tiny_instance.demand)


def test_save_refuses_a_folder_with_files(tiny_instance, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OptimiserError, match=f"{tmp_path} already holds files: save into a new or empty folder"):
        save_instance(tiny_instance, tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_demand_override_replaces_the_rate(tiny):
    tiny.write("demand.csv", "zone_id,service_id,demand,source\nz_mid,obstetrics,123,survey\n")
    demand = load_instance(tiny.path).demand
    assert demand.loc["z_mid", "obstetrics"] == 123
    assert demand.loc["z_south", "obstetrics"] == 600  # 60,000 people × 10 / 1,000


def test_graphml_road_graph_gives_the_same_travel_times(tiny, tiny_instance):
    import networkx as nx

    from optimiser import travel_times

    graph = nx.MultiDiGraph()
    for node in tiny_instance.road_nodes.itertuples(index=False):
        graph.add_node(node.node_id, lat=node.lat, lon=node.lon, name=node.name)
    for road in tiny_instance.roads.itertuples(index=False):
        graph.add_edge(road.from_node, road.to_node, road_class=road.road_class, length_km=road.length_km,
                       speed_kmh=road.speed_kmh, oneway=str(road.oneway).lower())
    nx.write_graphml(graph, tiny.path / "roads.graphml")
    tiny.remove("roads.csv").remove("road_nodes.csv")
    tiny.replace("instance.yaml", "default_mode: car", "default_mode: car\nroads: roads.graphml")
    loaded = load_instance(tiny.path)
    pd.testing.assert_frame_equal(travel_times(loaded).zone_site_min, travel_times(tiny_instance).zone_site_min)


def test_graphml_problems_name_the_file(tiny):
    (tiny.path / "roads.graphml").write_text("<graphml><oops")
    tiny.replace("instance.yaml", "default_mode: car", "default_mode: car\nroads: roads.graphml")
    with pytest.raises(OptimiserError) as caught:
        load_instance(tiny.path)
    assert str(caught.value.problems[0]).startswith("roads.graphml: cannot be read as GraphML:")
