"""Time to build public-transport matrices: a regional synthetic instance and a synthetic GTFS feed.

The script generates a synthetic instance (500 zones, 24 sites, 20,000 junctions by default), then
a feed over its roads: a stop at the junction nearest each zone and site and the rest at random
junctions; bus routes along straight corridors between two places (half between neighbours among the
20 nearest, half across the region; every stop within 600 m of the line, in order along it, 20 km/h
and 30 s a stop), both ways, every 10 to 30 minutes from 05:00 to 23:59. It times loading the instance (reading and
checking the feed), the walks, the day's connections and the scan for a period of departures, and
reports the process's peak memory. The feed is made up: it measures speed, not any real service.

    python benchmarks/transit.py                      # 500 zones, 24 sites, 3,000 stops
    python benchmarks/transit.py --zones 250 --stops 1000 --departures 5
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from travel_times import peak_mb, timed  # the script's folder: benchmarks/

from optimiser import load_instance, travel_times
from optimiser.instance.generate import generate_instance
from optimiser.instance.roads import local_xy_km, snap
from optimiser.instance.transit import connections, journey_seconds, walking_csr, walks

DAY = "2025-03-11"
CORRIDOR_KM = 0.6
BUS_KMH = 20.0
DWELL_S = 30


def write_feed(folder: Path, road_nodes: pd.DataFrame, places: pd.DataFrame, *, stops: int, routes: int,
               seed: int) -> int:
    """Write a synthetic GTFS feed into ``folder``; return the number of stop times."""
    rng = np.random.default_rng(seed)
    near, _ = snap(road_nodes, places["lat"].to_numpy(), places["lon"].to_numpy())
    others = road_nodes.drop(index=np.unique(near)).sample(stops - len(np.unique(near)), random_state=rng)
    at = pd.concat([road_nodes.iloc[np.unique(near)], others], ignore_index=True)
    xy = local_xy_km(at["lat"].to_numpy(), at["lon"].to_numpy(), float(at["lat"].mean()))
    place_xy = local_xy_km(places["lat"].to_numpy(), places["lon"].to_numpy(), float(at["lat"].mean()))
    folder.mkdir()
    pd.DataFrame({"stop_id": [f"s{i}" for i in range(stops)], "stop_name": at["node_id"],
                  "stop_lat": at["lat"], "stop_lon": at["lon"]}).to_csv(folder / "stops.txt", index=False)
    trips, stop_times = [], []
    for route in range(routes):
        line = _corridor(xy, place_xy, local=route % 2 == 0, rng=rng)
        for direction, order in enumerate((line, line[::-1])):
            hop_s = np.hypot(*np.diff(xy[order], axis=0).T) * 3600 / BUS_KMH + DWELL_S
            offsets = np.concatenate([[0.0], np.cumsum(np.round(hop_s))])
            headway_s = 60 * int(rng.integers(10, 31))
            for start in range(5 * 3600 + int(rng.integers(0, headway_s)), 24 * 3600, headway_s):
                trip = f"r{route}_{direction}_{start}"
                trips.append((f"r{route}", "weekday", trip))
                clock = [_hms(start + offset) for offset in offsets]
                stop_times += [(trip, t, t, f"s{s}", k + 1) for k, (s, t) in enumerate(zip(order, clock, strict=True))]
    pd.DataFrame(trips, columns=["route_id", "service_id", "trip_id"]).to_csv(folder / "trips.txt", index=False)
    pd.DataFrame(stop_times, columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]
                 ).to_csv(folder / "stop_times.txt", index=False)
    (folder / "calendar.txt").write_text("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                                         "start_date,end_date\nweekday,1,1,1,1,1,0,0,20250101,20251231\n")
    return len(stop_times)


def _corridor(xy: np.ndarray, place_xy: np.ndarray, *, local: bool, rng: np.random.Generator) -> np.ndarray:
    """Stops within CORRIDOR_KM of the line between two places (neighbours if ``local``), in order along it."""
    a = place_xy[rng.integers(len(place_xy))]
    distance_km = np.hypot(*(place_xy - a).T)
    apart = np.flatnonzero(distance_km >= 1.0)  # a corridor of no length would take in every stop
    b = place_xy[rng.choice(apart[np.argsort(distance_km[apart])][:20] if local else apart)]
    direction = (b - a) / max(np.hypot(*(b - a)), 1e-9)
    along = (xy - a) @ direction
    across = np.abs((xy - a) @ np.array([-direction[1], direction[0]]))
    inside = np.flatnonzero((across <= CORRIDOR_KM) & (along >= 0) & (along <= np.hypot(*(b - a))))
    return inside[np.argsort(along[inside])]


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def run(folder: Path, *, zones: int, sites: int, junctions: int, stops: int, routes: int, departures: int) -> dict:
    generate_instance(folder, sites=sites, zones=zones, services=4, seed=1, road_nodes=junctions)
    road_nodes = pd.read_csv(folder / "road_nodes.csv")
    places = pd.concat([pd.read_csv(folder / "zones.csv"), pd.read_csv(folder / "sites.csv")])[["lat", "lon"]]
    stop_times = write_feed(folder / "gtfs", road_nodes, places, stops=stops, routes=routes, seed=2)
    with (folder / "instance.yaml").open("a") as settings:
        settings.write("gtfs: gtfs\nwalk_speed_kmh: 4.8\nmax_walk_min: 15\n")
    last = f"{7 + (departures - 1) * 15 // 60:02d}:{(departures - 1) * 15 % 60:02d}"
    (folder / "public_transport.yaml").write_text(
        f'public_am:\n  date: {DAY}\n  first_departure: "07:00"\n  last_departure: "{last}"\n  every_min: 15\n')
    instance, load_s = timed(lambda: load_instance(folder))
    feed = instance.public_transport.feed
    timetable, connections_s = timed(lambda: connections(feed, pd.Timestamp(DAY).date()))
    origins = pd.concat([instance.zones[["lat", "lon"]], instance.sites[["lat", "lon"]]], ignore_index=True)
    graph = walking_csr(instance.road_nodes, instance.roads.reset_index(drop=True), 4.8)
    walk, walks_s = timed(lambda: walks(instance.road_nodes, graph, origins, instance.sites, feed.stops,
                                        walk_speed_kmh=4.8, max_walk_min=15))
    starts = 7 * 3600 + 900.0 * np.arange(departures)
    journeys, scan_s = timed(lambda: journey_seconds(timetable, walk, starts))
    times, total_s = timed(lambda: travel_times(instance, "public_am"))
    by_bus = float(np.mean(journeys < walk.direct_s[:, None, :] - 1e-6))
    return dict(junctions=len(instance.road_nodes), zones=zones, sites=sites, stops=stops, stop_times=stop_times,
                connections=len(timetable.departure_s), departures=departures, load_s=load_s,
                connections_s=connections_s, walks_s=walks_s, scan_s=scan_s, total_s=total_s,
                median_min=float(np.median(times.zone_site_min.to_numpy())), by_bus=by_bus, peak_mb=peak_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--sites", type=int, default=24)
    parser.add_argument("--junctions", type=int, default=20_000)
    parser.add_argument("--stops", type=int, default=3_000)
    parser.add_argument("--routes", type=int, default=120)
    parser.add_argument("--departures", type=int, default=9, help="every 15 min from 07:00")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        r = run(Path(scratch) / "region", zones=args.zones, sites=args.sites, junctions=args.junctions,
                stops=args.stops, routes=args.routes, departures=args.departures)
    for key, value in r.items():
        print(f"{key:>12}: {value:,.3f}" if isinstance(value, float) else f"{key:>12}: {value:,}")


if __name__ == "__main__":
    main()
