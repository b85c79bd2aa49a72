"""Public-transport times: a hand-made feed with times derived by hand, feed checks, and agreement with
an exact search written here on small random feeds.

The fixture ``tests/data/gtfs_small``: Main Street runs west–east through junctions A0…A6, 0.8 km apart;
North Road runs north from A3 through N1 and N2, 0.8 km apart. At 4.8 km/h each block is a 10-minute walk.
Bus 1 stops at S0…S6 (on A0…A6) leaving S0 at 07:00, 07:20 and 07:40, 2 minutes a block, eastbound
only. Bus 2 leaves S3 at 07:10 and 07:40 for T1 (N1, +3 min) and T2 (N2, +6 min), its times written
``7:10:00``. Both run on weekdays of 2025 only (calendar.txt). Tuesday 11 March 2025 is a service day.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import shutil
import zipfile
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimiser.errors import ProblemLog
from optimiser.instance.osm import walkways_from_osm
from optimiser.instance.transit import (
    Connections,
    Period,
    connections,
    journey_seconds,
    period_minutes,
    read_feed,
    seconds,
    walking_csr,
    walks,
)

SMALL = Path(__file__).parent / "data" / "gtfs_small"
#: The same streets as OpenStreetMap XML, with a footpath from A5 straight to N1 and a motorway from A5
#: to N2 through M (north of A4): see the file's comment.
STREETS = Path(__file__).parent / "data" / "gtfs_small_streets.osm"
TUESDAY, SATURDAY, NEXT_YEAR = dt.date(2025, 3, 11), dt.date(2025, 3, 15), dt.date(2026, 3, 10)
KM_PER_LAT_DEGREE = 111.19508  # the projection of optimiser.instance.roads: 6371.0088 km × π / 180


def _node(node_id: str, south_km: float = 0.0) -> dict[str, float]:
    nodes = pd.read_csv(SMALL / "road_nodes.csv").set_index("node_id")
    return {"lat": nodes.at[node_id, "lat"] - south_km / KM_PER_LAT_DEGREE, "lon": nodes.at[node_id, "lon"]}


#: Origins: on A0, on A5, on N1, and 160 m south of A0 (off the street). Destinations: site X on A6, Y on N2.
ORIGINS = pd.DataFrame([_node("A0"), _node("A5"), _node("N1"), _node("A0", south_km=0.16)],
                       index=["a0", "a5", "n1", "off_street"])
SITES = pd.DataFrame([_node("A6"), _node("N2")], index=["X", "Y"])


def _minutes(feed_path: Path = SMALL / "feed", *, day: dt.date = TUESDAY, at: str = "07:00",
             until: str | None = None, every_min: float = 1, statistic: str = "mean",
             streets: Path | None = None) -> pd.DataFrame:
    """Minutes ORIGINS × SITES, walking on the fixture's roads or on the OpenStreetMap file ``streets``."""
    log = ProblemLog()
    feed = read_feed(feed_path, log, label="feed")
    assert feed is not None, log.problems
    if streets is None:
        nodes, ways = pd.read_csv(SMALL / "road_nodes.csv"), pd.read_csv(SMALL / "roads.csv")
    else:
        nodes, ways = walkways_from_osm(streets)
    walk = walks(nodes, walking_csr(nodes, ways, 4.8), ORIGINS, SITES, feed.stops, walk_speed_kmh=4.8,
                 max_walk_min=20)
    first, last = seconds(pd.Series([f"{at}:00"[:8], f"{until or at}:00"[:8]]))
    period = Period(day, first, last, 60 * every_min, statistic)
    return pd.DataFrame(period_minutes(feed, walk, period), index=ORIGINS.index, columns=SITES.index)


def test_a_direct_ride():
    """From A0 at 07:00: board at S0 at once, ride to S6 (07:12), 0 m to X: 12 min (walking: 4.8 km, 60 min)."""
    assert _minutes().at["a0", "X"] == pytest.approx(12)


def test_a_change():
    """From A0 at 07:00 to Y: bus 1 to S3 (07:06), wait, bus 2 at 07:10 to T2 (07:16): 16 min. Alternatives:
    bus 1 to S3 then walk 1.6 km (07:26); walk 4.0 km (50 min)."""
    assert _minutes().at["a0", "Y"] == pytest.approx(16)


def test_a_walk_beats_the_bus():
    """From A5 to X (one block, a 10-minute walk): at 07:10 the bus leaves S5 at once and arrives at 07:12
    (2 min); at 07:11 the next bus is the 07:30 (arriving 07:32, 21 min), so walking wins: 10 min."""
    assert _minutes(at="07:10").at["a5", "X"] == pytest.approx(2)
    assert _minutes(at="07:11").at["a5", "X"] == pytest.approx(10)


def test_boarding_at_the_second_nearest_stop():
    """From N1 at 07:00 to X: the nearest stop, T1 (0 m), is served by bus 2 northbound only. The second
    nearest, S3 (one block, 10 min), is reached at 07:10; the 07:06 bus has gone, the next leaves S3 at
    07:26 and reaches S6 at 07:32: 32 min. Walking N1 → A3 → A6 takes 3.2 km, 40 min."""
    assert _minutes().at["n1", "X"] == pytest.approx(32)


def test_the_walk_to_the_nearest_street():
    """160 m south of A0, off the street: 2 min to A0 at 80 m/min. Leaving at 06:57 catches the 07:00 bus,
    at X at 07:12: 15 min. Leaving at 06:58:30 reaches S0 at 07:00:30, too late: the 07:20 bus reaches X at
    07:32, 33.5 min (without the walk to the street it would be 13.5)."""
    assert _minutes(at="06:57").at["off_street", "X"] == pytest.approx(15)
    assert _minutes(at="06:58:30").at["off_street", "X"] == pytest.approx(33.5)


def test_no_service_on_a_saturday():
    """The calendar runs on weekdays only: on Saturday every trip is the walk. A0→X 4.8 km (60 min),
    A0→Y 2.4 + 1.6 km (50 min), off the street to X 160 m + 4.8 km (62 min)."""
    minutes = _minutes(day=SATURDAY)
    assert minutes.at["a0", "X"] == pytest.approx(60)
    assert minutes.at["a0", "Y"] == pytest.approx(50)
    assert minutes.at["off_street", "X"] == pytest.approx(62)


def test_no_service_outside_the_calendar_dates():
    """Tuesday 10 March 2026 is a weekday, but the calendar ends on 31 December 2025: walking only (60 min)."""
    assert _minutes(day=NEXT_YEAR).at["a0", "X"] == pytest.approx(60)


#: The footpath A5 → N1: 1.6 km west and 0.8 km north, √(1.6² + 0.8²) = 1.789 km on a flat map, 1.7887 km
#: by the haversine formula (OSMnx's), 22.359 minutes at 4.8 km/h.
FOOTPATH_MIN = 1.788741 / 4.8 * 60


def test_a_footpath_the_roads_lack_makes_a_journey_quicker():
    """From A5 to Y (on N2) at 07:00. On the roads: the walk A5 → A3 → N1 → N2, 3.2 km, 40 min (by bus:
    walk to S3 by 07:20, bus 2 at 07:40, Y at 07:46). With the footpath: A5 → N1 (22.36 min), N1 → N2
    (10 min): 32.36 min; the bus gains nothing (at T1 by 07:22:22, bus 2 passes T1 at 07:43).
    From N1 to X the footpath gives a walk of 32.36 min, but the bus from S3 still arrives in 32."""
    on_roads, on_streets = _minutes(), _minutes(streets=STREETS)
    assert on_roads.at["a5", "Y"] == pytest.approx(40)
    assert on_streets.at["a5", "Y"] == pytest.approx(FOOTPATH_MIN + 10)
    assert on_streets.at["n1", "X"] == pytest.approx(32)


def test_a_motorway_is_not_walked():
    """The motorway A5 → M → N2 (two diagonals of 1.131 km, 28.3 min in all) would beat the footpath
    route to Y (32.36 min); it is left out of the walking network, and so is M, a node on it alone."""
    nodes, ways = walkways_from_osm(STREETS)
    assert "10" not in set(nodes["node_id"])
    assert not {("6", "10"), ("9", "10")} & set(zip(ways["from_node"], ways["to_node"], strict=True))
    assert _minutes(streets=STREETS).at["a5", "Y"] == pytest.approx(FOOTPATH_MIN + 10)


def test_mean_and_worst_over_a_period():
    """From A5 to X leaving at 07:08, 07:10, 07:12: 4 min (wait for the 07:10 bus), 2 min, then 10 (walk,
    the next bus leaves at 07:30). Mean 16 / 3, worst 10."""
    assert _minutes(at="07:08", until="07:12", every_min=2).at["a5", "X"] == pytest.approx(16 / 3)
    assert _minutes(at="07:08", until="07:12", every_min=2, statistic="worst").at["a5", "X"] == pytest.approx(10)


def test_a_zipped_feed_and_a_feed_of_calendar_dates_only_give_the_same_times(tmp_path):
    """The same timetable as a zip (files under a folder inside it, as some publishers do), and with
    calendar.txt replaced by calendar_dates.txt naming 11 March 2025 alone."""
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in (SMALL / "feed").iterdir():
            zipped.write(file, f"gtfs/{file.name}")
    dated = shutil.copytree(SMALL / "feed", tmp_path / "dated")
    (dated / "calendar.txt").unlink()
    (dated / "calendar_dates.txt").write_text("service_id,date,exception_type\nWK,20250311,1\n")
    expected = _minutes()
    pd.testing.assert_frame_equal(_minutes(archive), expected)
    pd.testing.assert_frame_equal(_minutes(dated), expected)
    assert _minutes(dated, day=dt.date(2025, 3, 12)).at["a0", "X"] == pytest.approx(60)


def test_a_service_removed_on_a_date_does_not_run(tmp_path):
    """calendar_dates.txt removes the weekday service on 11 March 2025: A0→X is the 60-minute walk."""
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    (feed / "calendar_dates.txt").write_text("service_id,date,exception_type\nWK,20250311,2\n")
    assert _minutes(feed).at["a0", "X"] == pytest.approx(60)


def test_trips_past_midnight_run_into_the_next_day(tmp_path):
    """Bus 1's 07:00 trip moved to 31:00 on Monday 10 March runs at 07:00 on Tuesday 11 March (a Tuesday
    with the service removed): A0→X at 07:00 is 12 min again."""
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    lines = (feed / "stop_times.txt").read_text().splitlines()
    moved = [line.replace(",07:", ",31:") if line.startswith("r1_0700,") else line for line in lines]
    (feed / "stop_times.txt").write_text("\n".join(moved) + "\n")
    (feed / "calendar_dates.txt").write_text("service_id,date,exception_type\nWK,20250311,2\n")
    assert _minutes(feed).at["a0", "X"] == pytest.approx(12)


# --- checks of the feed ---------------------------------------------------------------------------

def _problems(feed: Path) -> list[str]:
    log = ProblemLog()
    assert read_feed(feed, log, label="feed") is None
    return [str(p) for p in log.problems]


def test_missing_files_are_named(tmp_path):
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    for name in ("stop_times.txt", "calendar.txt"):
        (feed / name).unlink()
    assert _problems(feed) == [
        "feed/calendar.txt: is missing, and so is calendar_dates.txt: no trip has a day to run. Add calendar.txt "
        "(weekdays and dates of each service) or calendar_dates.txt",
        "feed/stop_times.txt: is missing. A GTFS feed needs stops.txt, trips.txt and stop_times.txt"]


def test_bad_times_stops_and_dates_name_file_row_and_column(tmp_path):
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    times = (feed / "stop_times.txt").read_text()
    times = times.replace("r1_0700,07:02:00,07:02:00,S1", "r1_0700,7h02,07:02:00,S1")
    (feed / "stop_times.txt").write_text(times.replace("07:24:00,S2", "07:24:00,S9"))
    (feed / "calendar.txt").write_text((feed / "calendar.txt").read_text().replace("20251231", "2025-12-31"))
    assert _problems(feed) == [
        "feed/stop_times.txt, row 3, column arrival_time: is not a time. Write times as HH:MM:SS, e.g. 07:05:00 "
        "or 25:10:00",
        "feed/stop_times.txt, row 11, column stop_id: names no stop of stops.txt. Add the stop to stops.txt",
        "feed/calendar.txt, row 2, column end_date: is not a date. Write dates as YYYYMMDD, e.g. 20250311"]


def test_times_that_go_back_are_named(tmp_path):
    """S2 at 07:04 moved to 07:01, before the departure from S1 at 07:02 (stop_times.txt row 4)."""
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    times = (feed / "stop_times.txt").read_text()
    (feed / "stop_times.txt").write_text(times.replace("07:04:00,07:04:00", "07:01:00,07:01:00", 1))
    assert _problems(feed) == [
        "feed/stop_times.txt, row 4, column arrival_time: is earlier than the trip's departure from the stop "
        "before. Correct the trip's times"]


# --- agreement with an exact search ------------------------------------------------------------------

def _exact_seconds(timetable: Connections, access: np.ndarray, change: np.ndarray, egress: np.ndarray,
                   direct: np.ndarray, departure_s: float) -> np.ndarray:
    """Earliest arrival (seconds after leaving) at each destination, by Dijkstra on time over states
    ("at stop s, free to board", "on trip k at its i-th stop", "at destination d").

    Trips are rebuilt from the connections; a walk from an origin, between stops or to a destination is
    any finite entry of the dense matrices given (the same rules the engine states, not its code).
    """
    n_stops, n_dest = egress.shape
    trips: dict[int, list[tuple[float, float, int, int]]] = {}
    for dep, arr, u, v, k in zip(timetable.departure_s, timetable.arrival_s, timetable.from_stop,
                                 timetable.to_stop, timetable.trip, strict=True):
        trips.setdefault(int(k), []).append((float(dep), float(arr), int(u), int(v)))
    best = {("dest", d): departure_s + direct[d] for d in range(n_dest)}
    queue = [(departure_s + access[s], ("stop", s)) for s in range(n_stops) if np.isfinite(access[s])]
    queue += [(t, key) for key, t in best.items() if np.isfinite(t)]
    heapq.heapify(queue)
    done: set = set()
    while queue:
        t, state = heapq.heappop(queue)
        if state in done:
            continue
        done.add(state)
        if state[0] == "dest":
            best[state] = min(best[state], t)
            continue
        for nxt, when in _moves(state, t, trips, change, egress):
            if nxt not in done and np.isfinite(when):
                heapq.heappush(queue, (when, nxt))
    return np.array([best[("dest", d)] for d in range(n_dest)]) - departure_s


def _moves(state, t, trips, change, egress):
    """The states reachable from ``state`` at time ``t`` and when."""
    if state[0] == "stop":  # board any hop of any trip leaving this stop from t on
        for k, hops in trips.items():
            for i, (dep, _, u, _) in enumerate(hops):
                if u == state[1] and dep >= t:
                    yield ("ride", k, i), dep
    else:  # on a trip: alight at the hop's end (then walk), or stay on for the next hop
        _, k, i = state
        arr, v = trips[k][i][1], trips[k][i][3]
        yield ("stop", v), arr
        for w in np.flatnonzero(np.isfinite(change[v])):
            yield ("stop", int(w)), arr + change[v, w]
        for d in range(egress.shape[1]):
            yield ("dest", d), arr + egress[v, d]
        if i + 1 < len(trips[k]):
            yield ("ride", k, i + 1), trips[k][i + 1][0]


@st.composite
def _random_case(draw):
    return _case(draw(st.integers(0, 2**32 - 1)), draw(st.integers(7 * 60, 7 * 60 + 45)) * 60.0)


def _case(seed: int, departure_s: float):
    """A 4 × 4 street grid with random block lengths; stops and places at random junctions or up to
    200 m off them; 2–12 trips of 2–5 stops starting between 07:00 and 08:00, 1–4 minutes a hop."""
    rng = np.random.default_rng(seed)
    lat0, deg_km = 51.5, 1 / KM_PER_LAT_DEGREE
    grid = nx.grid_2d_graph(4, 4)
    nodes = pd.DataFrame([{"node_id": f"{i}_{j}", "lat": lat0 + 0.5 * i * deg_km, "lon": 0.5 * j * deg_km * 1.6}
                          for i, j in grid.nodes])
    roads = pd.DataFrame([{"from_node": f"{a[0]}_{a[1]}", "to_node": f"{b[0]}_{b[1]}", "road_class": "urban",
                           "length_km": rng.uniform(0.3, 1.2), "speed_kmh": 30.0, "oneway": False}
                          for a, b in grid.edges])

    def points(count: int) -> pd.DataFrame:
        at = nodes.sample(count, replace=True, random_state=rng)
        off_km = np.where(rng.random(count) < 0.5, 0.0, rng.uniform(0.01, 0.2, count))
        return pd.DataFrame({"lat": at["lat"].to_numpy() - off_km * deg_km,
                             "lon": at["lon"].to_numpy()})

    n_stops = int(rng.integers(3, 9))
    stops = points(n_stops)
    hops = []
    for k in range(int(rng.integers(2, 13))):
        route = rng.choice(n_stops, size=int(rng.integers(2, min(5, n_stops) + 1)), replace=False)
        t = 7 * 3600 + 60 * float(rng.integers(0, 60))
        for u, v in itertools.pairwise(route):
            ride = 60 * float(rng.integers(1, 5))
            hops.append((t, t + ride, u, v, k))
            t += ride + 60 * float(rng.integers(0, 2))
    hops.sort()
    timetable = Connections(*(np.array(column) for column in zip(*hops, strict=True)))
    return nodes, roads, stops, points(3), points(2), timetable, departure_s


def _networkx_walk(nodes, roads, a: pd.DataFrame, b: pd.DataFrame, limit_s: float) -> np.ndarray:
    """Walking seconds at 4.8 km/h by NetworkX, with the straight stretch to the nearest junction
    (found by brute force), ∞ beyond ``limit_s``."""
    graph = nx.Graph()
    for road in roads.itertuples():
        graph.add_edge(road.from_node, road.to_node, seconds=3600 * road.length_km / 4.8)
    xy = np.column_stack([nodes["lat"] * KM_PER_LAT_DEGREE,
                          nodes["lon"] * KM_PER_LAT_DEGREE * np.cos(np.radians(nodes["lat"].mean()))])

    def nearest(point) -> tuple[str, float]:
        p = np.array([point.lat * KM_PER_LAT_DEGREE,
                      point.lon * KM_PER_LAT_DEGREE * np.cos(np.radians(nodes["lat"].mean()))])
        d = np.hypot(*(xy - p).T)
        return nodes["node_id"].iloc[int(d.argmin())], 3600 * float(d.min()) / 4.8

    out = np.full((len(a), len(b)), np.inf)
    for i, pa in enumerate(a.itertuples()):
        na, sa = nearest(pa)
        lengths = nx.single_source_dijkstra_path_length(graph, na, weight="seconds")
        for j, pb in enumerate(b.itertuples()):
            nb, sb = nearest(pb)
            total = sa + lengths[nb] + sb
            out[i, j] = total if total <= limit_s else np.inf
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_random_case())
def test_scan_equals_an_exact_search_on_random_feeds(case):
    """The engine's door-to-door seconds (three origins, two destinations, two departures 7 min apart, all in
    one scan) equal those of a time-dependent Dijkstra over the same feed, with walks computed by NetworkX,
    within a millisecond."""
    nodes, roads, stops, origins, sites, timetable, departure_s = case
    walk = walks(nodes, walking_csr(nodes, roads, 4.8), origins, sites, stops, walk_speed_kmh=4.8,
                 max_walk_min=20)
    departures_s = np.array([departure_s, departure_s + 420.0])
    got = journey_seconds(timetable, walk, departures_s)
    change = _networkx_walk(nodes, roads, stops, stops, 1200.0)
    np.fill_diagonal(change, np.inf)
    access = _networkx_walk(nodes, roads, origins, stops, 1200.0)
    egress = _networkx_walk(nodes, roads, stops, sites, 1200.0)
    direct = _networkx_walk(nodes, roads, origins, sites, np.inf)
    for o in range(len(origins)):
        for k, start_s in enumerate(departures_s):
            expected = _exact_seconds(timetable, access[o], change, egress, direct[o], start_s)
            np.testing.assert_allclose(got[o, k], expected, atol=1e-3)


def test_the_days_connections_are_sorted_by_departure():
    """Bus 1 (3 trips × 6 hops) and bus 2 (2 trips × 2 hops) on a weekday: 22 hops, first at 07:00 from S0."""
    log = ProblemLog()
    timetable = connections(read_feed(SMALL / "feed", log, label="feed"), TUESDAY)
    assert len(timetable.departure_s) == 22
    assert np.all(np.diff(timetable.departure_s) >= 0)
    assert timetable.departure_s[0] == 7 * 3600


# --- the public-transport modes of an instance ------------------------------------------------------

def test_the_instance_public_mode_gives_door_to_door_minutes():
    """tests/data/gtfs_small as an instance: zones on A0, A5, N1 and 160 m south of A0; sites X (A6) and
    Y (N2); mode public_am leaves at 07:00 on Tuesday 11 March 2025.

    a0: X 12 (direct ride), Y 16 (a change at S3). a5: X 10 (walk; the bus leaves S5 at 07:10, 12 min),
    Y 40 (walk 3.2 km; bus 2 from S3 arrives 07:46). n1: X 32 (board at S3, the second nearest stop),
    Y 10 (walk one block; bus 2 reaches T2 at 07:16). off_street: X 32 (at S0 07:02, the 07:20 bus,
    X at 07:32), Y 46 (07:20 bus to S3, bus 2 at 07:40, Y 07:46). Site to site: X→Y 50 (no westbound
    bus: walk 4.0 km), Y→X 32 (walk 1.6 km to S3 by 07:20, the 07:26 bus, X 07:32)."""
    from optimiser import load_instance, travel_times

    instance = load_instance(SMALL)
    assert instance.mode_names == ["car", "public_am", "public_saturday"]
    times = travel_times(instance, "public_am")
    expected = [[12, 16], [10, 40], [32, 10], [32, 46]]
    np.testing.assert_allclose(times.zone_site_min.loc[["a0", "a5", "n1", "off_street"], ["X", "Y"]], expected)
    np.testing.assert_allclose(times.site_site_min.loc[["X", "Y"], ["X", "Y"]], [[0, 50], [32, 0]])


def test_a_period_without_service_is_walking_and_says_so():
    """public_saturday: Saturday 15 March 2025, 07:00–07:20 every 10 min, worst: every trip is the walk
    (a0→X 60 min), and loading warns that no trip runs that day."""
    from optimiser import load_instance, travel_times

    instance = load_instance(SMALL)
    assert travel_times(instance, "public_saturday").zone_site_min.at["a0", "X"] == pytest.approx(60)
    assert [str(p) for p in instance.warnings] == [
        "public_transport.yaml, row 7, column date: no trip of the feed runs on Saturday 15 March 2025: mode "
        "'public_saturday' is walking only. Choose a date within the feed's calendar, or keep it to show no service"]


def test_population_within_minutes_by_public_transport():
    """The clinic at X only, each zone 1,000 people, by public_am: a0 12, a5 10, n1 32, off_street 32 min.
    Within 15 min: half; within 30: half; within 45 and 60: everyone."""
    from optimiser import load_instance
    from optimiser.appraisal.scores import appraise
    from optimiser.instance.configuration import Configuration

    instance = load_instance(SMALL)
    result = appraise(instance, {"east": Configuration.of([("X", "clinic")])}, samples=10)
    shares = result.access_shares.query("mode == 'public_am' and group == 'everyone'")
    assert shares.set_index("within_min")["share"].to_dict() == {15: 0.5, 30: 0.5, 45: 1.0, 60: 1.0}


def _by_car_with_a_standard(tmp_path: Path) -> Path:
    """The fixture instance with the clinic reached by car (30 km/h: 1.6 min a block) and a 30-minute standard."""
    folder = shutil.copytree(SMALL, tmp_path / "small")
    services = (folder / "services.yaml").read_text()
    (folder / "services.yaml").write_text(services.replace("mode: public_am", "mode: car\n  coverage_travel_min: 30"
                                                                               "\n  coverage_share: 0.5"))
    return folder


def _clinic_moves_east(tmp_path: Path):
    """The instance of :func:`_by_car_with_a_standard`, its two options (today: X and Y; east: X only), and
    their appraisal."""
    from optimiser import load_instance
    from optimiser.appraisal.scores import appraise
    from optimiser.instance.configuration import Configuration

    instance = load_instance(_by_car_with_a_standard(tmp_path))
    options = {"today": Configuration.of([("X", "clinic"), ("Y", "clinic")]),
               "east": Configuration.of([("X", "clinic")])}
    return instance, options, appraise(instance, options, sources={"today": "status quo"}, samples=10)


def test_who_loses_access_by_public_transport(tmp_path):
    """Today the clinic is at X and Y, then at X only ('east'); patients go to the nearest by car (a0 to Y:
    5 blocks, 8.0 min, against 6 to X; off_street to Y likewise). By car every trip stays within 30 min.
    By public_am (07:00): n1 goes from Y, 10 min, to X, 32 min: beyond the standard; off_street from Y,
    46 min, to X, 32: still beyond; a0 from Y, 16, to X, 12, and a5 (X, 10) stay within. On Saturday
    (walking only): n1 from 10 min to 40 (N1 → A3 → A6); a0 50 → 60 and off_street 52 → 62 stay beyond.
    Within 30 min by public_am: today 3,000 of 4,000 people, then 2,000 (a0, a5)."""
    _, _, result = _clinic_moves_east(tmp_path)
    found = result.crossings[["option", "zone_id", "mode", "minutes_before", "minutes_after", "direction"]]
    assert found.values.tolist() == [["east", "n1", "public_am", 10.0, 32.0, "outside"],
                                     ["east", "n1", "public_saturday", 10.0, 40.0, "outside"]]
    shares = result.access_shares.query("mode == 'public_am' and group == 'everyone' and within_min == 30")
    assert shares.set_index("option")["share"].to_dict() == {"today": 0.75, "east": 0.5}


def test_the_report_shows_access_by_public_transport(tmp_path):
    """The report's access view for the clinic: a table by car and one per public-transport mode. By public_am
    (see test_who_loses_access_by_public_transport) today a0 16, a5 10, n1 10, off_street 46 min: within
    15, 30, 45, 60 min 50%, 75%, 75%, 100%; east a0 12, a5 10, n1 32, off_street 32: 50%, 50%, 100%, 100%.
    The localities that cross the standard name the mode."""
    from reports.render import OptionNames, access_section

    instance, options, result = _clinic_moves_east(tmp_path)
    section = access_section(instance, result, list(options), OptionNames(instance, result, options), options)
    tables = {table["title"]: table["rows"] for table in section["tables"]}
    assert list(tables) == ["Clinic (by car)", "Clinic (by public_am)", "Clinic (by public_saturday)"]
    everyone = next(row["cells"] for row in tables["Clinic (by public_am)"] if row["group"] == "everyone")
    assert everyone == [0.5, 0.75, 0.75, 1.0, 0.5, 0.5, 1.0, 1.0]
    assert [(c["zone"], c["service"]) for c in section["crossings"]] == [
        ("North Road", "Clinic (by public_am)"), ("North Road", "Clinic (by public_saturday)")]


def test_instance_problems_of_the_public_modes(tmp_path):
    """A bad time, a date that is no date, a mode named like a road mode, and a feed with a bad stop time:
    every problem listed, with file, row and column."""
    from optimiser import load_instance
    from optimiser.errors import InstanceError

    folder = shutil.copytree(SMALL, tmp_path / "small")
    periods = (folder / "public_transport.yaml").read_text()
    periods = periods.replace('first_departure: "07:00"', "first_departure: 17:30", 1)
    (folder / "public_transport.yaml").write_text(periods.replace("date: 2025-03-15", "date: 15/03/2025")
                                                  .replace("public_saturday:", "car:"))
    times = (folder / "feed" / "stop_times.txt").read_text()
    (folder / "feed" / "stop_times.txt").write_text(times.replace("r2_0740,7:43:00", "r2_0740,7:63:00"))
    with pytest.raises(InstanceError) as raised:
        load_instance(folder)
    assert [str(p) for p in raised.value.problems] == [
        "public_transport.yaml, row 3, column first_departure: '1050' is not a time of day. Write it as \"HH:MM\" "
        "in quotes, e.g. \"17:30\" (YAML reads an unquoted 17:30 as the number 1050)",
        "public_transport.yaml, row 6, column mode: mode 'car' is also a road mode of modes.csv. Give the two "
        "modes different names",
        "public_transport.yaml, row 7, column date: '15/03/2025' is not a date. Write the date as YYYY-MM-DD, "
        "e.g. 2025-03-11",
        "feed/stop_times.txt, row 27, column arrival_time: is not a time. Write times as HH:MM:SS, e.g. 07:05:00 "
        "or 25:10:00"]


def test_a_scenario_moves_the_period():
    """departure.public_am: 440 moves the 07:00 departure to 07:20 (minutes after midnight): a0 → X then
    takes the 07:20 bus, at X at 07:32: 12 min again; a5 → X walks (10 min, the bus reaches S5 at 07:30);
    n1 → X walks to S3 by 07:30, the 07:46 bus reaches X at 07:52: 32 min, the walk 40."""
    from optimiser import load_instance, travel_times
    from optimiser.sweeps.scenario import apply, base_value

    instance = load_instance(SMALL)
    assert base_value(instance, "departure.public_am") == 420
    later = apply(instance, {"departure.public_am": 440})
    assert later.tables["public_transport"].at["public_am", "last_departure"] == "07:20"
    minutes = travel_times(later, "public_am").zone_site_min
    assert minutes.loc[["a0", "a5", "n1"], "X"].tolist() == pytest.approx([12, 10, 32])


def _with_streets(tmp_path: Path, walking: str = "streets.osm") -> Path:
    """A copy of the fixture instance walking on the OpenStreetMap streets (copied in as streets.osm)."""
    folder = shutil.copytree(SMALL, tmp_path / "small")
    shutil.copy(STREETS, folder / "streets.osm")
    with (folder / "instance.yaml").open("a") as settings:
        settings.write(f"walking: {walking}\n")
    return folder


def test_an_instance_walks_on_its_named_walking_network(tmp_path):
    """walking: streets.osm (the footpath A5 → N1, 22.36 min). Against the roads (see
    test_the_instance_public_mode_gives_door_to_door_minutes) two trips change: a5 → Y walks
    A5 → N1 → N2, 32.36 min (40 on the roads); X → Y walks A6 → A5 → N1 → N2, 10 + 22.36 + 10 = 42.36 min
    (50). Y → X stays 32: the walk N2 → N1 → A5 reaches S5 at 07:32:22, after the 07:30 bus, and the walk
    to S3 (1.6 km, 20 min, the longest walk; a few µs more by the globe's lengths) still boards at 07:26.
    A saved copy keeps the file and gives the same minutes."""
    from optimiser import load_instance, save_instance, travel_times

    instance = load_instance(_with_streets(tmp_path))
    times = travel_times(instance, "public_am")
    expected = [[12, 16], [10, FOOTPATH_MIN + 10], [32, 10], [32, 46]]
    places = ["a0", "a5", "n1", "off_street"]
    np.testing.assert_allclose(times.zone_site_min.loc[places, ["X", "Y"]], expected, atol=1e-3)
    np.testing.assert_allclose(times.site_site_min.loc[["X", "Y"], ["X", "Y"]], [[0, FOOTPATH_MIN + 20], [32, 0]],
                               atol=1e-3)
    saved = load_instance(save_instance(instance, tmp_path / "copy"))
    pd.testing.assert_frame_equal(travel_times(saved, "public_am").zone_site_min, times.zone_site_min)


def test_a_graphml_walking_network_is_read_as_the_roads_are(tmp_path):
    """The fixture's roads as GraphML with the footpath A5 → N1 (√(1.6² + 0.8²) = 1.7889 km, 22.36 min) and a
    motorway A5 → N2 of 0.1 km that is not walked: a5 → Y walks A5 → N1 → N2, 32.36 min."""
    from optimiser import load_instance, travel_times

    folder = _with_streets(tmp_path, "walks.graphml")
    graph = nx.Graph()
    for node in pd.read_csv(folder / "road_nodes.csv").itertuples():
        graph.add_node(node.node_id, lat=node.lat, lon=node.lon)
    for road in pd.read_csv(folder / "roads.csv").itertuples():
        graph.add_edge(road.from_node, road.to_node, road_class="urban", length_km=road.length_km, speed_kmh=30.0)
    graph.add_edge("A5", "N1", road_class="urban", length_km=3.2 ** 0.5, speed_kmh=5.0)
    graph.add_edge("A5", "N2", road_class="motorway", length_km=0.1, speed_kmh=100.0)
    nx.write_graphml(graph, folder / "walks.graphml")
    minutes = travel_times(load_instance(folder), "public_am").zone_site_min
    assert minutes.at["a5", "Y"] == pytest.approx(3.2 ** 0.5 / 4.8 * 60 + 10, abs=1e-3)


def test_a_pbf_walking_network_walks_as_its_xml(tmp_path):
    """The same streets written as .osm.pbf (Geofabrik's format, by pyosmium) give the minutes of the
    .osm XML they were written from; a file that is not PBF is named."""
    osmium = pytest.importorskip("osmium")
    from optimiser import load_instance, travel_times
    from optimiser.errors import InstanceError

    xml_minutes = travel_times(load_instance(_with_streets(tmp_path / "xml")), "public_am").zone_site_min
    folder = _with_streets(tmp_path / "pbf", "streets.osm.pbf")
    with osmium.SimpleWriter(str(folder / "streets.osm.pbf")) as writer:
        for item in osmium.FileProcessor(str(STREETS)):
            writer.add(item)
    pbf_minutes = travel_times(load_instance(folder), "public_am").zone_site_min
    pd.testing.assert_frame_equal(pbf_minutes, xml_minutes)
    (folder / "streets.osm.pbf").write_bytes(b"\x00\x00\x00\x0dOSMHeader")
    with pytest.raises(InstanceError) as raised:
        load_instance(folder)
    [problem] = [str(p) for p in raised.value.problems]
    assert problem.startswith("streets.osm.pbf: not readable as OpenStreetMap PBF: ")


@pytest.mark.parametrize(("walking", "content", "problem"), [
    ("../streets.osm", None, "instance.yaml, column walking: '../streets.osm' lies outside the instance folder, "
     "which is all the engine reads. Copy the file into the folder and name it there, e.g. walking: streets.osm"),
    ("paths.osm", None, "paths.osm: is missing. instance.yaml names it as the walking network (key walking)"),
    ("streets.osm", "", "streets.osm: not readable as OpenStreetMap XML: no element found: line 1, column 0. Give "
     "an OpenStreetMap extract of the area as .osm XML or .osm.pbf, or a GraphML file"),
    ("streets.osm", "motorway only", "streets.osm: no walkable way (highway=footway, residential, …) in the file. "
     "Give an OpenStreetMap extract of the area as .osm XML or .osm.pbf, or a GraphML file"),
    ("streets.osm", "zone far away", "zones.csv, row 5, column lat: is further than 20 minutes' walk from every "
     "node of the walking network streets.osm. Give a walking network that covers the whole area, or check the "
     "place's position"),
])
def test_walking_network_problems_name_the_file(tmp_path, walking, content, problem):
    """A walking file outside the folder, missing, empty, or with nothing walkable; and a zone beyond the
    longest walk from every node: Field Lane moved to 51.519 N 0.075 E, 2.15 km from A6, its nearest node
    (0.019° = 2.11 km north, 0.0057° = 0.39 km east): 27 min at 4.8 km/h."""
    from optimiser import load_instance
    from optimiser.errors import InstanceError

    folder = _with_streets(tmp_path, walking)
    streets = folder / "streets.osm"
    if content == "motorway only":
        text = streets.read_text()
        streets.write_text(text[:text.index('<way id="101"')] + text[text.index('<way id="104"'):])
    elif content == "zone far away":
        zones = (folder / "zones.csv").read_text()
        (folder / "zones.csv").write_text(zones.replace("Field Lane,51.498561087,0.0", "Field Lane,51.519,0.075"))
    elif content is not None:
        streets.write_text(content)
    with pytest.raises(InstanceError) as raised:
        load_instance(folder)
    assert [str(p) for p in raised.value.problems] == [problem]


def test_a_frequencies_file_is_named_as_not_read(tmp_path):
    """Trips repeated by frequencies.txt would run only once: the feed is read, with a warning."""
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    (feed / "frequencies.txt").write_text("trip_id,start_time,end_time,headway_secs\nr2_0710,07:10:00,09:10:00,600\n")
    log = ProblemLog()
    assert read_feed(feed, log, label="feed") is not None
    assert [str(p) for p in log.problems] == [
        "feed/frequencies.txt: is not read: each trip it repeats runs once, at its stop_times. Write the repeated "
        "trips out in stop_times.txt"]


def test_a_stop_far_from_every_street_is_named(tmp_path):
    """T2 moved 0.05° (5.6 km) north of N2: more than 20 minutes' walk from every junction, so nobody
    boards there (a warning, stops.txt row 10); bus 2 still runs through it."""
    from optimiser import load_instance

    folder = shutil.copytree(SMALL, tmp_path / "small")
    stops = (folder / "feed" / "stops.txt").read_text()
    (folder / "feed" / "stops.txt").write_text(stops.replace("T2,North Road 2,51.514", "T2,North Road 2,51.564"))
    warnings = [str(p) for p in load_instance(folder).warnings if "stops.txt" in p.file]
    assert warnings == [
        "feed/stops.txt, row 10, column stop_lat: is further than 20 minutes' walk from every road junction, so "
        "nobody boards there. Check the stop's position, or add the streets around it to the walking network"]


def test_a_missing_column_an_empty_file_and_a_broken_zip_are_named(tmp_path):
    feed = shutil.copytree(SMALL / "feed", tmp_path / "feed")
    stops = (feed / "stops.txt").read_text()
    (feed / "stops.txt").write_text(stops.replace("stop_lat", "latitude", 1))
    (feed / "trips.txt").write_text("")
    assert _problems(feed) == [
        "feed/stops.txt, row 1, column stop_lat: has no such column. Add the column GTFS requires",
        "feed/trips.txt: cannot be read: No columns to parse from file. Save it as UTF-8 CSV, as GTFS requires"]
    (tmp_path / "broken.zip").write_text("not a zip")
    assert _problems(tmp_path / "broken.zip") == [
        "feed: is neither a folder nor a zip file. Give the GTFS feed's folder or zip file inside the instance "
        "folder"]


def test_a_saved_instance_keeps_its_feed_and_modes(tmp_path):
    """save_instance copies the feed beside the tables: the copy gives the same public-transport minutes."""
    from optimiser import load_instance, save_instance, travel_times

    instance = load_instance(SMALL)
    saved = load_instance(save_instance(instance, tmp_path / "copy"))
    assert saved.mode_names == instance.mode_names
    pd.testing.assert_frame_equal(travel_times(saved, "public_am").zone_site_min,
                                  travel_times(instance, "public_am").zone_site_min)
