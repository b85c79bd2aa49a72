"""A synthetic GTFS feed over a generated instance's roads, to try public transport and to time it.

The feed is made up: buses run along straight corridors between the instance's places, so the
public-transport modes have something to read where no real feed can honestly be bundled. A stop
sits at the junction of each zone and site, the rest at random junctions; half the routes join
neighbouring places (among the 20 nearest), half cross the region; every stop within
:data:`CORRIDOR_KM` of the line is served, in order along it, at :data:`BUS_KMH` with
:data:`DWELL_S` at each stop, both ways, every 10 to 30 minutes from 05:00 to midnight, on weekdays
of 2025.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError

from .roads import local_xy_km

#: A Tuesday within the calendar, on which the generated public-transport modes travel.
DAY = dt.date(2025, 3, 11)
CORRIDOR_KM = 0.6
BUS_KMH = 20.0
DWELL_S = 30
#: Places nearer than this to a route's start are not its far end: a corridor of no length would
#: take in every stop.
MIN_ROUTE_KM = 1.0
#: One route for every this many stops.
STOPS_PER_ROUTE = 25
WALK_SPEED_KMH = 4.8
MAX_WALK_MIN = 15


def routes_for(stops: int) -> int:
    """The number of routes of a feed of ``stops`` stops: 120 for 3,000."""
    return max(2, round(stops / STOPS_PER_ROUTE))


def feed_files(road_nodes: pd.DataFrame, place_nodes: np.ndarray, *, stops: int, routes: int,
               rng: np.random.Generator) -> dict[str, pd.DataFrame | str]:
    """The feed's files by name: stops at ``place_nodes`` (rows of ``road_nodes``) and at random junctions.

    ``road_nodes`` has ``node_id``, ``lat`` and ``lon``; ``stops`` is at least the number of
    distinct ``place_nodes`` and at most the number of junctions.
    """
    placed = np.unique(place_nodes)
    others = road_nodes.drop(index=placed).sample(stops - len(placed), random_state=rng)
    at = pd.concat([road_nodes.iloc[placed], others], ignore_index=True)
    xy = local_xy_km(at["lat"].to_numpy(), at["lon"].to_numpy(), float(at["lat"].mean()))
    place_xy = local_xy_km(road_nodes["lat"].to_numpy()[place_nodes], road_nodes["lon"].to_numpy()[place_nodes],
                           float(at["lat"].mean()))
    trips, stop_times = [], []
    for route in range(routes):
        line = _corridor(xy, place_xy, local=route % 2 == 0, rng=rng)
        for direction, order in enumerate((line, line[::-1]) if len(line) else ()):
            hop_s = np.hypot(*np.diff(xy[order], axis=0).T) * 3600 / BUS_KMH + DWELL_S
            offsets = np.concatenate([[0.0], np.cumsum(np.round(hop_s))])
            headway_s = 60 * int(rng.integers(10, 31))
            for start in range(5 * 3600 + int(rng.integers(0, headway_s)), 24 * 3600, headway_s):
                trip = f"r{route}_{direction}_{start}"
                trips.append((f"r{route}", "weekday", trip))
                clock = [_hms(start + offset) for offset in offsets]
                stop_times += [(trip, t, t, f"s{s}", k + 1) for k, (s, t) in enumerate(zip(order, clock, strict=True))]
    if not trips:
        raise OptimiserError(f"cannot generate a feed: no two of its {stops:,} stops are {MIN_ROUTE_KM:g} km apart, "
                             "the least length of a bus route. Give more feed stops")
    return {
        "stops.txt": pd.DataFrame({"stop_id": [f"s{i}" for i in range(stops)], "stop_name": at["node_id"],
                                   "stop_lat": at["lat"], "stop_lon": at["lon"]}),
        "trips.txt": pd.DataFrame(trips, columns=["route_id", "service_id", "trip_id"]),
        "stop_times.txt": pd.DataFrame(
            stop_times, columns=["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]),
        "calendar.txt": ("service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n"
                         f"weekday,1,1,1,1,1,0,0,{DAY.year}0101,{DAY.year}1231\n"),
    }


def _corridor(xy: np.ndarray, place_xy: np.ndarray, *, local: bool, rng: np.random.Generator) -> np.ndarray:
    """Stops within CORRIDOR_KM of the line between two places (neighbours if ``local``), in order along it.

    Where every place is within MIN_ROUTE_KM of the first, the line ends at a stop instead.
    """
    a = place_xy[rng.integers(len(place_xy))]
    ends = place_xy if (np.hypot(*(place_xy - a).T) >= MIN_ROUTE_KM).any() else xy
    distance_km = np.hypot(*(ends - a).T)
    apart = np.flatnonzero(distance_km >= MIN_ROUTE_KM)
    if len(apart) == 0:  # every stop is near the start
        return np.arange(0)
    b = ends[rng.choice(apart[np.argsort(distance_km[apart])][:20] if local else apart)]
    direction = (b - a) / max(np.hypot(*(b - a)), 1e-9)
    along = (xy - a) @ direction
    across = np.abs((xy - a) @ np.array([-direction[1], direction[0]]))
    inside = np.flatnonzero((across <= CORRIDOR_KM) & (along >= 0) & (along <= np.hypot(*(b - a))))
    return inside[np.argsort(along[inside])]


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def public_modes() -> dict[str, dict]:
    """public_transport.yaml: the weekday morning peak, which the feed serves."""
    return {"public_am": {"date": DAY, "first_departure": "07:00", "last_departure": "09:00", "every_min": 15,
                          "statistic": "mean",
                          "description": "Weekday morning peak on the synthetic timetable (made up)"}}
