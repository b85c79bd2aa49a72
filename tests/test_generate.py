"""The synthetic instance generator: deterministic, loadable, connected, feasible, and never overwrites."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from optimiser import Instance, OptimiserError, load_instance, travel_times
from optimiser.instance.generate import generate_instance

SIZES = {"sites": 5, "zones": 30, "services": 9}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("generated") / "instance", **SIZES, seed=7)


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_same_seed_writes_byte_identical_files(generated: Path, tmp_path: Path) -> None:
    assert contents(generate_instance(tmp_path / "again", **SIZES, seed=7)) == contents(generated)


def test_another_seed_writes_other_files(generated: Path, tmp_path: Path) -> None:
    other = contents(generate_instance(tmp_path / "other", **SIZES, seed=8))
    first = contents(generated)
    assert other.keys() == first.keys()
    assert all(other[name] != first[name] for name in ("roads.csv", "zones.csv", "sites.csv"))


@pytest.mark.parametrize(("sites", "zones", "services"), [(1, 1, 1), (3, 12, 4), (5, 30, 9)])
def test_loads_with_the_requested_sizes(tmp_path: Path, sites: int, zones: int, services: int) -> None:
    instance = load_instance(generate_instance(tmp_path / "x", sites=sites, zones=zones, services=services,
                                               seed=3))
    assert (len(instance.sites), len(instance.zones), len(instance.services)) == (sites, zones, services)
    assert instance.warnings == ()
    assert instance.settings["baseline"] == "status_quo"
    assert "SYNTHETIC" in instance.settings["title"]


def test_new_builds_appear_from_four_sites(generated: Path) -> None:
    sites = load_instance(generated).sites
    assert (~sites["exists"]).sum() == 1
    assert (sites.loc[~sites["exists"], "new_build_capital_gbp_m"] > 0).all()


def test_road_graph_is_connected(generated: Path) -> None:
    nodes = pd.read_csv(generated / "road_nodes.csv")
    roads = pd.read_csv(generated / "roads.csv")
    index = pd.Index(nodes["node_id"])
    start, end = index.get_indexer(roads["from_node"]), index.get_indexer(roads["to_node"])
    assert (start >= 0).all() and (end >= 0).all()
    graph = coo_matrix((np.ones(len(roads)), (start, end)), shape=(len(nodes), len(nodes)))
    assert connected_components(graph, directed=False)[0] == 1


def test_road_nodes_sets_the_graph_size(tmp_path: Path) -> None:
    folder = generate_instance(tmp_path / "x", sites=2, zones=5, services=2, seed=1, road_nodes=2500)
    assert 0.9 * 2500 <= len(pd.read_csv(folder / "road_nodes.csv")) <= 2500


def test_refuses_a_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OptimiserError) as error:
        generate_instance(tmp_path, **SIZES, seed=7)
    assert str(error.value) == (f"will not generate into {tmp_path}: it already exists and is not an empty "
                                "folder. Give a new or empty folder, so that no file is overwritten")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"


@pytest.mark.parametrize("seed", [7, 11])
def test_status_quo_obeys_every_rule(tmp_path: Path, seed: int) -> None:
    """Re-checked with the loader's travel times, each patient at the nearest hosting site."""
    instance = load_instance(generate_instance(tmp_path / "x", sites=6, zones=40, services=10, seed=seed))
    hosts = status_quo_hosts(instance)
    used = pd.DataFrame(0.0, index=hosts.index, columns=["beds", "theatres", "critical_care_beds"])
    for service_id, service in instance.services.iterrows():
        mode = service["mode"] if pd.notna(service["mode"]) else None
        minutes = travel_times(instance, mode).zone_site_min.loc[:, hosts[service_id]]
        nearest, time = minutes.idxmin(axis=1), minutes.min(axis=1)
        volume = instance.demand[service_id].groupby(nearest).sum()
        assert service["min_sites"] <= hosts[service_id].sum() <= service["max_sites"]
        assert volume.min() >= service["min_volume"]
        assert pd.isna(service["max_volume"]) or volume.max() <= service["max_volume"]
        assert pd.isna(service["max_travel_min"]) or time.max() <= service["max_travel_min"]
        if pd.notna(service["coverage_share"]):
            population = instance.zones["population"]
            assert population[time <= service["coverage_travel_min"]].sum() >= (
                service["coverage_share"] * population.sum())
        use = instance.resource_use[instance.resource_use["service_id"] == service_id]
        used.loc[volume.index] += np.outer(volume, use.set_index("resource")["per_activity"][used.columns])
    capacity = instance.site_resources.pivot(index="site_id", columns="resource", values="capacity")
    assert (used <= capacity[used.columns]).all().all()
    site_minutes = travel_times(instance).site_site_min
    for rule in instance.codependencies.itertuples():
        a, b = hosts[rule.service_a], hosts[rule.service_b]
        assert {"colocated": not (a & ~b).any(), "excludes": not (a & b).any(),
                "within": site_minutes.loc[a, b].min(axis=1).max() <= rule.within_min}[rule.rule]
    for given in instance.givens.itertuples():
        assert hosts.loc[given.site_id, given.service_id] == given.hosts


def status_quo_hosts(instance: Instance) -> pd.DataFrame:
    """Sites by services: True where the status quo option hosts the service."""
    hosts = pd.DataFrame(False, index=instance.sites["site_id"], columns=instance.services["service_id"])
    for site_id, services in instance.options.loc["status_quo", "services"].items():
        hosts.loc[site_id, services] = True
    return hosts
