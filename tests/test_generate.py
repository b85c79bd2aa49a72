"""The synthetic instance generator: deterministic, loadable, connected, feasible, and never overwrites."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, dijkstra

from optimiser import Instance, OptimiserError, load_instance, travel_times
from optimiser.cli.app import main
from optimiser.instance.generate import generate_instance

SIZES = {"sites": 5, "zones": 30, "services": 9}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("generated") / "instance", **SIZES, seed=7)


def contents(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


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


# --- a synthetic GTFS feed -----------------------------------------------------------------------

FEED_SIZES = {"sites": 5, "zones": 30, "services": 4, "seed": 7}


@pytest.fixture(scope="module")
def with_feed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_instance(tmp_path_factory.mktemp("feed") / "instance", **FEED_SIZES, feed_stops=120)


def test_a_feed_is_written_with_its_mode_and_said_to_be_made_up(with_feed: Path) -> None:
    instance = load_instance(with_feed)
    assert instance.warnings == ()
    assert instance.mode_names == ["bluelight", "car", "public_am"]
    assert len(instance.public_transport.feed.stops) == 120
    assert (instance.settings["gtfs"], instance.settings["walk_speed_kmh"], instance.settings["max_walk_min"]) == (
        "gtfs", 4.8, 15)
    assert "**the GTFS feed is synthetic, made up\n  for demonstration**" in (with_feed / "README.md").read_text()
    assert "--feed-stops 120" in (with_feed / "README.md").read_text()


def test_a_feed_leaves_every_other_file_as_it_was(with_feed: Path, tmp_path: Path) -> None:
    """The feed draws from a stream of its own, so only the settings, the README and its own files differ."""
    without = contents(generate_instance(tmp_path / "without", **FEED_SIZES))
    added = contents(with_feed)
    assert {name for name in added if added[name] != without.get(name)} == {
        "instance.yaml", "README.md", "public_transport.yaml", "gtfs/stops.txt", "gtfs/trips.txt",
        "gtfs/stop_times.txt", "gtfs/calendar.txt"}


def test_the_same_seed_writes_the_same_feed(with_feed: Path, tmp_path: Path) -> None:
    assert contents(generate_instance(tmp_path / "again", **FEED_SIZES, feed_stops=120)) == contents(with_feed)


def test_public_transport_is_finite_and_never_slower_than_walking_all_the_way(with_feed: Path) -> None:
    """Walking all the way is always allowed: the zone→site minutes by public_am are at most the walk
    along the roads but motorways at 4.8 km/h (zones and sites sit on junctions, so there is no
    stretch to the street), and the buses make some journeys quicker (22% by more than a minute)."""
    instance = load_instance(with_feed)
    nodes = pd.Index(instance.road_nodes["node_id"])
    ways = instance.roads[instance.roads["road_class"] != "motorway"]
    walk_min = coo_matrix((ways["length_km"] / 4.8 * 60, (nodes.get_indexer(ways["from_node"]),
                                                          nodes.get_indexer(ways["to_node"]))),
                          shape=(len(nodes), len(nodes))).tocsr()
    junction = pd.MultiIndex.from_frame(instance.road_nodes[["lat", "lon"]])
    at = {place: junction.get_indexer(pd.MultiIndex.from_frame(table[["lat", "lon"]]))
          for place, table in (("zones", instance.zones), ("sites", instance.sites))}
    assert (at["zones"] >= 0).all() and (at["sites"] >= 0).all()
    walking = dijkstra(walk_min, directed=False, indices=at["zones"])[:, at["sites"]]
    by_bus = travel_times(instance, "public_am").zone_site_min.loc[instance.zones["zone_id"],
                                                                   instance.sites["site_id"]].to_numpy()
    assert np.isfinite(walking).all() and np.isfinite(by_bus).all()
    assert (by_bus <= walking + 1e-6).all()
    assert (by_bus < walking - 1).mean() > 0.1


def test_optimiser_generate_writes_a_feed_that_validates(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    folder = tmp_path / "synthetic"
    assert main(["generate", str(folder), "--sites", "3", "--zones", "20", "--services", "3", "--seed", "2",
                 "--feed-stops", "60"]) == 0
    assert capsys.readouterr().out.strip() == (f"wrote synthetic instance to {folder} (seed 2), with a made-up "
                                               "GTFS feed of 60 stops")
    assert main(["validate", str(folder)]) == 0
    assert len(pd.read_csv(folder / "gtfs" / "stops.txt")) == 60
    assert "public_am:" in (folder / "public_transport.yaml").read_text()


@pytest.mark.parametrize(("feed_stops", "problem"), [
    (34, "cannot generate an instance with feed_stops = 34: give at least 35"),
    (100_000, "cannot generate a feed of 100,000 stops on 1,224 road junctions: give at most 1,224 feed stops, "
              "or more road nodes")])
def test_a_feed_needs_a_stop_for_every_place_and_no_more_stops_than_junctions(
        tmp_path: Path, feed_stops: int, problem: str) -> None:
    with pytest.raises(OptimiserError) as error:
        generate_instance(tmp_path / "x", **FEED_SIZES, feed_stops=feed_stops)
    assert str(error.value) == problem


def test_a_feed_for_one_zone_and_one_site_runs_its_buses_to_other_stops(tmp_path: Path) -> None:
    """With the zone and the site within a kilometre, routes end at random stops instead; two stops
    alone make no route, and are refused."""
    instance = load_instance(generate_instance(tmp_path / "x", sites=1, zones=1, services=1, seed=0, feed_stops=20))
    assert len(instance.public_transport.feed.stop_times) > 0
    assert np.isfinite(travel_times(instance, "public_am").zone_site_min.to_numpy()).all()
    with pytest.raises(OptimiserError, match="no two of its 2 stops are 1 km apart"):
        generate_instance(tmp_path / "y", sites=1, zones=1, services=1, seed=0, feed_stops=2)
