"""Time to build public-transport matrices: a regional synthetic instance and a synthetic GTFS feed.

The script generates a synthetic instance (500 zones, 24 sites, 20,000 junctions by default) with
the generator's feed over its roads (``optimiser generate --feed-stops``; optimiser/instance/generate_feed.py):
a stop at the junction of each zone and site and the rest at random junctions; a route for every 25
stops along a straight corridor between two places (half between neighbours among the 20 nearest,
half across the region; every stop within 600 m of the line, in order along it, 20 km/h and 30 s a
stop), both ways, every 10 to 30 minutes from 05:00 to 23:59. It times loading the instance (reading and
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
from optimiser.instance.generate_feed import DAY, MAX_WALK_MIN, WALK_SPEED_KMH
from optimiser.instance.transit import connections, journey_seconds, walking_csr, walks


def run(folder: Path, *, zones: int, sites: int, junctions: int, stops: int, departures: int) -> dict:
    generate_instance(folder, sites=sites, zones=zones, services=4, seed=1, road_nodes=junctions, feed_stops=stops)
    last = f"{7 + (departures - 1) * 15 // 60:02d}:{(departures - 1) * 15 % 60:02d}"
    (folder / "public_transport.yaml").write_text(  # the generator's public_am, with the asked departures
        f'public_am:\n  date: {DAY}\n  first_departure: "07:00"\n  last_departure: "{last}"\n  every_min: 15\n')
    instance, load_s = timed(lambda: load_instance(folder))
    feed = instance.public_transport.feed
    timetable, connections_s = timed(lambda: connections(feed, DAY))
    origins = pd.concat([instance.zones[["lat", "lon"]], instance.sites[["lat", "lon"]]], ignore_index=True)
    graph = walking_csr(instance.road_nodes, instance.roads.reset_index(drop=True), WALK_SPEED_KMH)
    walk, walks_s = timed(lambda: walks(instance.road_nodes, graph, origins, instance.sites, feed.stops,
                                        walk_speed_kmh=WALK_SPEED_KMH, max_walk_min=MAX_WALK_MIN))
    starts = 7 * 3600 + 900.0 * np.arange(departures)
    journeys, scan_s = timed(lambda: journey_seconds(timetable, walk, starts))
    times, total_s = timed(lambda: travel_times(instance, "public_am"))
    by_bus = float(np.mean(journeys < walk.direct_s[:, None, :] - 1e-6))
    return dict(junctions=len(instance.road_nodes), zones=zones, sites=sites, stops=stops,
                stop_times=len(feed.stop_times), connections=len(timetable.departure_s), departures=departures,
                load_s=load_s, connections_s=connections_s, walks_s=walks_s, scan_s=scan_s, total_s=total_s,
                median_min=float(np.median(times.zone_site_min.to_numpy())), by_bus=by_bus, peak_mb=peak_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zones", type=int, default=500)
    parser.add_argument("--sites", type=int, default=24)
    parser.add_argument("--junctions", type=int, default=20_000)
    parser.add_argument("--stops", type=int, default=3_000)
    parser.add_argument("--departures", type=int, default=9, help="every 15 min from 07:00")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        r = run(Path(scratch) / "region", zones=args.zones, sites=args.sites, junctions=args.junctions,
                stops=args.stops, departures=args.departures)
    for key, value in r.items():
        print(f"{key:>12}: {value:,.3f}" if isinstance(value, float) else f"{key:>12}: {value:,}")


if __name__ == "__main__":
    main()
