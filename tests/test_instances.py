"""The bundled named instances: they load cleanly, carry the facts of their cases and cite their sources."""

from __future__ import annotations

import re

import networkx as nx
import pytest

from optimiser import instance_folders, load_instance, road_graph
from optimiser.instance.proofs import prove_infeasible

BUNDLED = ("mse", "hampshire", "dorset", "south_yorkshire")
MILES_KM = 1.609344


@pytest.fixture(scope="module", params=BUNDLED)
def bundled(request):
    return load_instance(request.param)


def test_every_bundled_instance_is_listed():
    assert set(BUNDLED) <= set(instance_folders())


def test_loads_without_warnings_or_proofs_of_infeasibility(bundled):
    assert bundled.warnings == ()
    assert prove_infeasible(bundled) == []
    assert bundled.settings["baseline"] == "status_quo"
    assert {"car", "bluelight"} <= set(bundled.mode_names)


def test_readme_cites_every_file_and_marks_estimates(bundled):
    readme = (bundled.path / "README.md").read_text(encoding="utf-8")
    for path in bundled.path.iterdir():
        if path.suffix in (".csv", ".yaml"):
            assert f"`{path.name}`" in readme, f"{bundled.name}/README.md does not describe {path.name}"
    assert "**S**" in readme
    assert "est." in readme


def test_mse_holds_its_three_sites_localities_and_named_options():
    mse = load_instance("mse")
    assert list(mse.sites.index) == ["basildon", "southend", "broomfield"]
    assert len(mse.zones) == 26
    # Census 2021 district total 1,199,552 (ONS, S); the localities are scaled estimates of it.
    assert mse.zones["population"].sum() == pytest.approx(1_199_552, rel=0.01)
    assert {"status_quo", "1A", "1B", "1C", "2A", "2B", "decision_2018"} <= set(mse.options.index)
    givens = {(g.site_id, g.service_id) for g in mse.givens.itertuples() if g.hosts}
    assert givens == {("broomfield", "burns"), ("basildon", "cardiothoracic"), ("broomfield", "paediatric_hdu"),
                      ("southend", "cancer"), ("southend", "specialist_urology")}  # tests/test_mse_faithful.py
    assert set(mse.roles.index) == {"seh", "ec", "lec"}


@pytest.mark.parametrize(("a", "b", "miles"), [("basildon", "southend", 13), ("basildon", "broomfield", 22)])
def test_mse_road_distances_match_the_sourced_figures(a, b, miles):
    """Sourced road distances (S): Basildon–Southend 13 miles, Basildon–Broomfield 22 miles, measured along the fastest
    car route (as route planners quote them); within 10%."""
    mse = load_instance("mse")
    graph = nx.DiGraph()  # of parallel roads, the fastest
    for u, v, road in sorted(road_graph(mse, "car").edges(data=True), key=lambda e: -e[2]["travel_min"]):
        graph.add_edge(u, v, **road)
    path = nx.shortest_path(graph, _nearest_junction(mse, a), _nearest_junction(mse, b), weight="travel_min")
    km = nx.path_weight(graph, path, weight="length_km")
    assert km == pytest.approx(miles * MILES_KM, rel=0.10)


def test_hampshire_candidate_site_does_not_exist_yet_and_carries_capital():
    sites = load_instance("hampshire").sites
    assert not sites.loc["m3j7", "exists"]
    assert sites.loc["m3j7", "new_build_capital_gbp_m"] > 0


def _nearest_junction(instance, site_id: str) -> str:
    from optimiser.instance.roads import snap

    site = instance.sites.loc[site_id]
    position, _ = snap(instance.road_nodes, [site["lat"]], [site["lon"]])
    return instance.road_nodes["node_id"].iloc[position[0]]


def test_instance_readmes_name_no_machine_paths(bundled):
    assert not re.search(r"/work/|/tmp/|/home/", (bundled.path / "README.md").read_text(encoding="utf-8"))
