"""Public-transport travel times from a GTFS feed, door to door, on a stated day.

A journey leaves its origin at a stated time and is the quickest of

- walking all the way, on the walking network, however long; or
- walking to a stop, waiting, riding, and at each change staying at the stop or walking to another
  one, then walking to the destination; each of these walks at most ``max_walk_min`` minutes.

Walks follow the walking network at ``walk_speed_kmh``, plus the straight stretch from a point (zone
centroid, site, stop) to its nearest node: the instance's roads but motorways, or the file the
``walking`` setting names (OpenStreetMap XML, or GraphML laid out as for the roads), every way both
ways. Every stop within reach may be boarded, not only the nearest one.

The search is the Connection Scan Algorithm (Dibbelt, Pajor, Strasser and Wagner, "Connection Scan
Algorithm", ACM Journal of Experimental Algorithmics 23, 2018): the day's connections (one vehicle
from one stop to the next) in order of departure, each boardable if its trip was already boarded
or its stop reached in time. It is exact for earliest arrival, and it runs for many origins and
departure times at once, one column of a numpy array each.

A period (a date, the first and last departure, the interval between departures) gives minutes
as the mean or the worst over its departures. Trips running past midnight (times from 24:00:00)
belong to the day their service runs and reach into the next.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix, csr_matrix

from optimiser.errors import OptimiserError, Problem, ProblemLog, Severity
from optimiser.instance.files import inside, unreadable
from optimiser.instance.folder import Instance
from optimiser.instance.osm import walkways_from_osm
from optimiser.instance.roads import read_graphml_tables, snap, travel_csr
from optimiser.instance.travel import TravelTimes, shortest_minutes, travel_matrices

#: Walking speed where an instance states none: 4.8 km/h, the 3 mph of the Department for
#: Transport's Transport Analysis Guidance (TAG unit A1.3, walking time).
WALK_SPEED_KMH = 4.8
#: Longest walk to, from or between stops where an instance states none.
MAX_WALK_MIN = 20.0
#: Columns a feed file must have to be read.
COLUMNS = {
    "stops.txt": ("stop_id", "stop_lat", "stop_lon"),
    "trips.txt": ("trip_id", "service_id"),
    "stop_times.txt": ("trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"),
    "calendar.txt": ("service_id", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
                     "sunday", "start_date", "end_date"),
    "calendar_dates.txt": ("service_id", "date", "exception_type"),
}
WEEKDAYS = COLUMNS["calendar.txt"][1:8]
#: Rows named in the problems of one column before the rest are counted.
ROWS_LISTED = 5
#: Cells (stops × columns) of one batch of the scan; two float64 arrays of this size are held.
SCAN_CELLS = 16_000_000
DAY_S = 86_400


# --- the feed -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Feed:
    """A GTFS feed as read and checked.

    ``stops``: ``stop_id, lat, lon, row`` (the file row). ``stop_times``: ``trip, stop, arrival_s,
    departure_s`` (trip: position in ``trip_service``, stop: position in ``stops``), in trip and
    stop-sequence order. ``calendar``: ``service_id``, the seven weekday flags, ``start_date``,
    ``end_date``; ``calendar_dates``: ``service_id, date, exception_type`` (1 added, 2 removed).
    """

    stops: pd.DataFrame
    stop_times: pd.DataFrame
    trip_service: np.ndarray
    calendar: pd.DataFrame
    calendar_dates: pd.DataFrame

    def services_on(self, day: dt.date) -> set[str]:
        """Services running on ``day``: the calendar's weekday within its dates, then the exceptions."""
        cal = self.calendar
        runs = cal[cal[WEEKDAYS[day.weekday()]] & (cal["start_date"] <= day) & (cal["end_date"] >= day)]
        services = set(runs["service_id"])
        exceptions = self.calendar_dates[self.calendar_dates["date"] == day]
        services |= set(exceptions.loc[exceptions["exception_type"] == 1, "service_id"])
        return services - set(exceptions.loc[exceptions["exception_type"] == 2, "service_id"])


@dataclass(frozen=True)
class Connections:
    """One vehicle's hop from a stop to the next, as arrays sorted by departure (seconds after midnight
    of the day); ``trip`` tells trips apart (the same trip yesterday and today are two)."""

    departure_s: np.ndarray
    arrival_s: np.ndarray
    from_stop: np.ndarray
    to_stop: np.ndarray
    trip: np.ndarray


def read_feed(path: Path, log: ProblemLog, *, label: str) -> Feed | None:
    """Read and check a GTFS feed (folder or zip); problems name ``label/<file>``, row and column."""
    if not (path.is_dir() or zipfile.is_zipfile(path)):
        log.add(label, "is neither a folder nor a zip file" if path.exists() else "is missing",
                fix="Give the GTFS feed's folder or zip file inside the instance folder")
        return None
    present = _names(path)
    files = {name: _read_text(path, name, log, label=label) for name in COLUMNS if name in present}
    if not {"calendar.txt", "calendar_dates.txt"} & present:
        log.add(f"{label}/calendar.txt", "is missing, and so is calendar_dates.txt: no trip has a day to run",
                fix="Add calendar.txt (weekdays and dates of each service) or calendar_dates.txt")
    for name in ("stops.txt", "trips.txt", "stop_times.txt"):
        if name not in present:
            log.add(f"{label}/{name}", "is missing", fix="A GTFS feed needs stops.txt, trips.txt and stop_times.txt")
    if "frequencies.txt" in present:
        log.add(f"{label}/frequencies.txt", "is not read: each trip it repeats runs once, at its stop_times",
                fix="Write the repeated trips out in stop_times.txt", severity=Severity.WARNING)
    if any(files.get(name) is None for name in ("stops.txt", "trips.txt", "stop_times.txt")):
        return None
    errors = len(log.errors)
    stops = _stops(files["stops.txt"], log, label)
    trips = files["trips.txt"].drop_duplicates("trip_id")
    stop_times = _stop_times(files["stop_times.txt"], stops, trips, log, label)
    calendar = _calendar(files.get("calendar.txt"), log, label)
    calendar_dates = _calendar_dates(files.get("calendar_dates.txt"), log, label)
    _check_services(files["trips.txt"], calendar, calendar_dates, log, label)
    if len(log.errors) > errors:
        return None
    return Feed(stops, stop_times, trips["service_id"].to_numpy(), calendar, calendar_dates)


def _read_text(path: Path, name: str, log: ProblemLog, *, label: str) -> pd.DataFrame | None:
    """One file of the feed as text, with its required columns checked (``None`` if it has problems)."""
    try:
        frame = pd.read_csv(io.BytesIO(_file_bytes(path, name)), dtype=str, keep_default_na=False,
                            encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, zipfile.BadZipFile) as error:
        log.add(f"{label}/{name}", f"cannot be read: {error}", fix="Save it as UTF-8 CSV, as GTFS requires")
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in COLUMNS[name] if c not in frame.columns]
    for column in missing:
        log.add(f"{label}/{name}", "has no such column", row=1, column=column, fix="Add the column GTFS requires")
    return None if missing else frame.apply(lambda column: column.str.strip())


def _names(path: Path) -> set[str]:
    """Names of the files of a feed folder, or of a zip (at any depth, as some publishers nest them)."""
    if path.is_dir():
        return {file.name for file in path.iterdir() if file.is_file()}
    with zipfile.ZipFile(path) as archive:
        return {Path(member).name for member in archive.namelist()}


def _file_bytes(path: Path, name: str) -> bytes:
    """The content of one file of a feed folder or zip."""
    if path.is_dir():
        return (path / name).read_bytes()
    with zipfile.ZipFile(path) as archive:
        return archive.read(next(m for m in archive.namelist() if Path(m).name == name))


def _report(log: ProblemLog, file: str, bad: np.ndarray, column: str, message: str, fix: str,
            severity: Severity = Severity.ERROR) -> None:
    """One problem per bad row (``bad``: positions in the file's data), the first few named."""
    for position in bad[:ROWS_LISTED]:
        log.add(file, message, row=int(position) + 2, column=column, fix=fix, severity=severity)
    if len(bad) > ROWS_LISTED:
        log.add(file, f"{message}: {len(bad) - ROWS_LISTED} more rows", column=column, fix=fix, severity=severity)


def _numbers(frame: pd.DataFrame, column: str, low: float, high: float, log: ProblemLog, file: str) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(~((values >= low) & (values <= high)))
    _report(log, file, bad, column, f"is not a number from {low:g} to {high:g}", "Write decimal degrees (WGS84)")
    return values


def _stops(text: pd.DataFrame, log: ProblemLog, label: str) -> pd.DataFrame:
    file = f"{label}/stops.txt"
    lat = _numbers(text, "stop_lat", -90, 90, log, file)
    lon = _numbers(text, "stop_lon", -180, 180, log, file)
    repeated = np.flatnonzero(text["stop_id"].duplicated().to_numpy())
    _report(log, file, repeated, "stop_id", "repeats a stop_id", "Give every stop its own stop_id")
    return pd.DataFrame({"stop_id": text["stop_id"], "lat": lat, "lon": lon, "row": np.arange(len(text)) + 2})


def seconds(text: pd.Series) -> np.ndarray:
    """GTFS times (``H:MM:SS`` or ``HH:MM:SS``, hours past 24 for trips after midnight) in seconds;
    NaN where blank or malformed."""
    parts = text.str.extract(r"^(\d{1,3}):([0-5]\d):([0-5]\d)$").astype(float)
    return (parts[0] * 3600 + parts[1] * 60 + parts[2]).to_numpy()


def _stop_times(text: pd.DataFrame, stops: pd.DataFrame, trips: pd.DataFrame, log: ProblemLog,
                label: str) -> pd.DataFrame:
    """Stop times typed and checked: known trip and stop, whole sequence, times that never go back."""
    file = f"{label}/stop_times.txt"
    times = {}
    for column in ("arrival_time", "departure_time"):
        times[column] = seconds(text[column])
        bad = np.flatnonzero(np.isnan(times[column]) & text[column].ne("").to_numpy())
        _report(log, file, bad, column, "is not a time", "Write times as HH:MM:SS, e.g. 07:05:00 or 25:10:00")
    arrival = np.where(np.isnan(times["arrival_time"]), times["departure_time"], times["arrival_time"])
    departure = np.where(np.isnan(times["departure_time"]), times["arrival_time"], times["departure_time"])
    untimed = np.flatnonzero(text["arrival_time"].eq("").to_numpy() & text["departure_time"].eq("").to_numpy())
    _report(log, file, untimed, "arrival_time", "has no time", "Give every stop of a trip its time")
    trip = pd.Index(trips["trip_id"]).get_indexer(text["trip_id"])
    _report(log, file, np.flatnonzero(trip < 0), "trip_id", "names no trip of trips.txt",
            "Add the trip or remove its rows")
    stop = pd.Index(stops["stop_id"]).get_indexer(text["stop_id"])
    _report(log, file, np.flatnonzero(stop < 0), "stop_id", "names no stop of stops.txt", "Add the stop to stops.txt")
    sequence = pd.to_numeric(text["stop_sequence"], errors="coerce").to_numpy(float)
    _report(log, file, np.flatnonzero(~(sequence >= 0) | (sequence % 1 != 0)), "stop_sequence",
            "is not a whole number", "Number the stops of each trip 0, 1, 2, … or 1, 2, 3, …")
    frame = pd.DataFrame({"trip": trip, "stop": stop, "sequence": sequence, "arrival_s": arrival,
                          "departure_s": departure, "position": np.arange(len(text))})
    frame = frame.sort_values(["trip", "sequence"], kind="stable").reset_index(drop=True)
    trip, arrival, departure = (frame[c].to_numpy() for c in ("trip", "arrival_s", "departure_s"))
    back = (trip[1:] == trip[:-1]) & (arrival[1:] < departure[:-1])
    _report(log, file, np.sort(frame["position"].to_numpy()[1:][back]), "arrival_time",
            "is earlier than the trip's departure from the stop before", "Correct the trip's times")
    _report(log, file, np.sort(frame["position"].to_numpy()[departure < arrival]),
            "departure_time", "is earlier than the arrival at the same stop", "Correct the trip's times")
    return frame[["trip", "stop", "arrival_s", "departure_s"]]


def _dates(text: pd.Series, log: ProblemLog, file: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(text, format="%Y%m%d", errors="coerce")
    _report(log, file, np.flatnonzero(parsed.isna().to_numpy()), column, "is not a date",
            "Write dates as YYYYMMDD, e.g. 20250311")
    return parsed.dt.date


def _calendar(text: pd.DataFrame | None, log: ProblemLog, label: str) -> pd.DataFrame:
    file = f"{label}/calendar.txt"
    if text is None:
        return pd.DataFrame(columns=["service_id", *WEEKDAYS, "start_date", "end_date"])
    frame = pd.DataFrame({"service_id": text["service_id"]})
    for day in WEEKDAYS:
        _report(log, file, np.flatnonzero(~text[day].isin(["0", "1"]).to_numpy()), day, "is neither 0 nor 1",
                "Write 1 where the service runs on that weekday, 0 where it does not")
        frame[day] = text[day].eq("1")
    for column in ("start_date", "end_date"):
        frame[column] = _dates(text[column], log, file, column)
    return frame


def _calendar_dates(text: pd.DataFrame | None, log: ProblemLog, label: str) -> pd.DataFrame:
    file = f"{label}/calendar_dates.txt"
    if text is None:
        return pd.DataFrame(columns=["service_id", "date", "exception_type"])
    kind = pd.to_numeric(text["exception_type"], errors="coerce")
    _report(log, file, np.flatnonzero(~kind.isin([1, 2]).to_numpy()), "exception_type", "is neither 1 nor 2",
            "Write 1 where the service is added on the date, 2 where it is removed")
    return pd.DataFrame({"service_id": text["service_id"], "date": _dates(text["date"], log, file, "date"),
                         "exception_type": kind})


def _check_services(trips: pd.DataFrame, calendar: pd.DataFrame, calendar_dates: pd.DataFrame,
                    log: ProblemLog, label: str) -> None:
    """A trip whose service no calendar names never runs: worth a warning, not a stop."""
    known = set(calendar["service_id"]) | set(calendar_dates["service_id"])
    _report(log, f"{label}/trips.txt", np.flatnonzero(~trips["service_id"].isin(known).to_numpy()), "service_id",
            "names a service of neither calendar.txt nor calendar_dates.txt, so the trip never runs",
            "Add the service to the calendar", Severity.WARNING)


def connections(feed: Feed, day: dt.date) -> Connections:
    """The day's connections: its own services' trips, and the previous day's past midnight."""
    parts = []
    for offset in (0, -1):
        running = np.isin(feed.trip_service, list(feed.services_on(day + dt.timedelta(days=offset))))
        st = feed.stop_times
        hop = (st["trip"].to_numpy()[:-1] == st["trip"].to_numpy()[1:]) & running[st["trip"].to_numpy()[:-1]]
        shift = offset * DAY_S
        parts.append(pd.DataFrame({
            "departure_s": st["departure_s"].to_numpy()[:-1][hop] + shift,
            "arrival_s": st["arrival_s"].to_numpy()[1:][hop] + shift,
            "from_stop": st["stop"].to_numpy()[:-1][hop], "to_stop": st["stop"].to_numpy()[1:][hop],
            "trip": 2 * st["trip"].to_numpy()[:-1][hop] - offset}))
    hops = pd.concat(parts, ignore_index=True)
    hops = hops[hops["arrival_s"] >= 0].sort_values(["departure_s", "arrival_s"], kind="stable")
    return Connections(*(hops[c].to_numpy() for c in ("departure_s", "arrival_s", "from_stop", "to_stop", "trip")))


# --- walking ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class WalkingNetwork:
    """Where people walk: ``nodes`` (``node_id, lat, lon``) and ``ways`` (``from_node, to_node, length_km``),
    every way walkable both ways."""

    nodes: pd.DataFrame
    ways: pd.DataFrame


def road_walkways(road_nodes: pd.DataFrame, roads: pd.DataFrame) -> WalkingNetwork:
    """The roads as a walking network: every road but motorways (closed to people on foot), and the
    junctions they touch, so that nobody is placed on a motorway to start a walk."""
    ways = roads.loc[roads["road_class"].ne("motorway"), ["from_node", "to_node", "length_km"]]
    used = road_nodes["node_id"].isin(set(ways["from_node"]) | set(ways["to_node"]))
    return WalkingNetwork(road_nodes.loc[used, ["node_id", "lat", "lon"]].reset_index(drop=True),
                          ways.reset_index(drop=True))


@dataclass(frozen=True)
class Walks:
    """Walking seconds: ``access_s`` origins × stops and ``egress_s`` stops × destinations (∞ beyond the
    longest walk), ``change_s`` stops × stops (sparse, other stops within the longest walk), ``direct_s``
    origins × destinations (any length; ∞ where the walking network does not connect them)."""

    access_s: np.ndarray
    egress_s: np.ndarray
    change_s: csr_matrix
    direct_s: np.ndarray


def walking_csr(nodes: pd.DataFrame, ways: pd.DataFrame, walk_speed_kmh: float) -> csr_matrix:
    """Walking seconds per way (``length_km``) between nodes, both ways whatever the one-way rules."""
    seconds_each = 3600.0 * ways["length_km"].to_numpy(float) / walk_speed_kmh
    return travel_csr(nodes, ways.assign(oneway=False), seconds_each)


def walks(nodes: pd.DataFrame, graph: csr_matrix, origins: pd.DataFrame, destinations: pd.DataFrame,
          stops: pd.DataFrame, *, walk_speed_kmh: float, max_walk_min: float) -> Walks:
    """Walks between points (frames with ``lat``, ``lon``) on the walking network ``graph`` (seconds).

    Each walk adds the straight stretches from its two points to their nearest nodes of ``nodes``.
    """
    limit_s = 60.0 * max_walk_min
    points = {}
    for name, frame in (("origin", origins), ("destination", destinations), ("stop", stops)):
        node, km = snap(nodes, frame["lat"].to_numpy(float), frame["lon"].to_numpy(float))
        points[name] = (node, 3600.0 * km / walk_speed_kmh)

    def between(a: str, b: str, limit: float) -> Iterator[tuple[int, np.ndarray]]:
        """Door-to-door seconds from ``a`` points to every ``b`` point (∞ beyond ``limit``), in row blocks."""
        (a_node, a_s), (b_node, b_s) = points[a], points[b]
        block = max(1, SCAN_CELLS // max(len(b_node), 1))
        for start in range(0, len(a_node), block):
            rows = slice(start, start + block)
            # whole ms: a walk of exactly 2 min still catches the bus 2 min on, and so does one that lengths
            # measured on the globe make a few µs longer (hence the search's half-ms margin)
            network_s = shortest_minutes(graph, a_node[rows], b_node, limit + 0.0005)
            total = np.round(network_s + a_s[rows, None] + b_s[None, :], 3)
            yield start, np.where(total <= limit, total, np.inf)

    def dense(a: str, b: str, limit: float) -> np.ndarray:
        blocks = [block for _, block in between(a, b, limit)]
        return np.vstack(blocks) if blocks else np.empty((0, len(points[b][0])))

    n_stops = len(stops)
    change = []
    for start, block in between("stop", "stop", limit_s):
        block[np.arange(len(block)), start + np.arange(len(block))] = np.inf  # staying put is no walk
        row, col = np.nonzero(np.isfinite(block))
        change.append((row + start, col, block[row, col]))
    row, col, seconds_each = (np.concatenate(part) if change else np.empty(0) for part in zip(*change, strict=True))
    return Walks(access_s=dense("origin", "stop", limit_s), egress_s=dense("stop", "destination", limit_s),
                 change_s=coo_matrix((seconds_each, (row, col)), shape=(n_stops, n_stops)).tocsr(),
                 direct_s=dense("origin", "destination", np.inf))


# --- the scan -----------------------------------------------------------------------------------

def journey_seconds(timetable: Connections, walk: Walks, departures_s: np.ndarray) -> np.ndarray:
    """Door-to-door seconds of the quickest journey, origins × departures × destinations."""
    n_origins, n_stops = walk.access_s.shape
    per_batch = max(1, SCAN_CELLS // max(n_stops * len(departures_s), 1))
    return np.concatenate([
        _scan(timetable, walk, np.arange(start, min(start + per_batch, n_origins)), departures_s)
        for start in range(0, n_origins, per_batch)])


def _scan(timetable: Connections, walk: Walks, origins: np.ndarray, departures_s: np.ndarray) -> np.ndarray:
    """Connection scan for the given origins, one column per (origin, departure).

    ``ready[s]``: earliest time one can board at stop s; ``alight[s]``: earliest arrival there by
    vehicle, from which the walks to other stops and to the destinations start.
    """
    columns = (len(origins), len(departures_s))
    start_s = np.tile(departures_s.astype(float), len(origins))
    ready = (walk.access_s[origins][:, None, :] + departures_s[None, :, None]).reshape(-1, walk.access_s.shape[1]).T
    ready = np.ascontiguousarray(ready)
    alight = np.full_like(ready, np.inf)
    best = (walk.direct_s[origins][:, None, :] + departures_s[None, :, None]).reshape(-1, walk.direct_s.shape[1])
    egress = {s: row for s, row in enumerate(walk.egress_s) if np.isfinite(row).any()}
    change = [(walk.change_s.indices[a:b], walk.change_s.data[a:b, None])
              for a, b in zip(walk.change_s.indptr[:-1], walk.change_s.indptr[1:], strict=True)]
    reached: dict[int, np.ndarray] = {}
    first = np.searchsorted(timetable.departure_s, departures_s.min())
    horizon = best.max()
    for count, (dep, arr, u, v, trip) in enumerate(_hops(timetable, first)):
        if dep > horizon:
            break
        on_board = reached.get(trip)
        ok = ready[u] <= dep
        if on_board is not None:
            ok |= on_board
        elif not ok.any():
            continue
        reached[trip] = ok
        better = np.flatnonzero(ok & (arr < alight[v]))  # elsewhere its walks started earlier already
        if not len(better):
            continue
        alight[v, better] = arr
        ready[v, better] = np.minimum(ready[v, better], arr)
        neighbours, walk_s = change[v]
        if len(neighbours):
            block = np.ix_(neighbours, better)
            ready[block] = np.minimum(ready[block], arr + walk_s)
        if v in egress:
            best[better] = np.minimum(best[better], arr + egress[v][None, :])
        if count % 1024 == 0:
            horizon = best.max()
    return (best - start_s[:, None]).reshape(*columns, -1)


def _hops(timetable: Connections, first: int) -> Iterator[tuple[float, float, int, int, int]]:
    """The connections from position ``first`` on, as plain Python numbers (faster to loop over)."""
    return zip(timetable.departure_s[first:].tolist(), timetable.arrival_s[first:].tolist(),
               timetable.from_stop[first:].tolist(), timetable.to_stop[first:].tolist(),
               timetable.trip[first:].tolist(), strict=True)


# --- periods ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """Departures from ``first_s`` to ``last_s`` (seconds after midnight) every ``every_s`` on ``day``;
    ``statistic`` says how their journeys combine: ``mean`` or ``worst``."""

    day: dt.date
    first_s: float
    last_s: float
    every_s: float
    statistic: str = "mean"

    @property
    def departures_s(self) -> np.ndarray:
        return np.arange(self.first_s, self.last_s + 1e-9, self.every_s)


def period_minutes(feed: Feed, walk: Walks, period: Period) -> np.ndarray:
    """Minutes origins × destinations over the period's departures: their mean or the worst."""
    journeys_s = journey_seconds(connections(feed, period.day), walk, period.departures_s)
    combined = journeys_s.max(axis=1) if period.statistic == "worst" else journeys_s.mean(axis=1)
    return combined / 60.0


# --- an instance's public-transport modes ---------------------------------------------------------

@dataclass(frozen=True)
class PublicTransport:
    """An instance's feed as read, the period of each public-transport mode, the walking network, and the
    warnings of all three."""

    feed: Feed
    periods: dict[str, Period]
    walking: WalkingNetwork
    warnings: tuple[Problem, ...]


def public_transport(instance: Instance) -> PublicTransport | None:
    """Read and check the feed and periods an instance declares (``None`` if it declares none); raise
    :class:`~optimiser.errors.InstanceError` listing every problem."""
    gtfs = instance.settings.get("gtfs")
    if instance.tables["public_transport"].empty and not gtfs:
        return None
    log = ProblemLog()
    periods = _periods(instance, log)
    feed = _instance_feed(instance, log)
    walking = _walking_network(instance, log)
    if feed is not None and walking is not None and not log.errors:
        if instance.settings.get("walking"):
            _places_off_network(instance, walking, log)
        _stops_off_network(instance, walking, feed, gtfs, log)
        _days_without_service(instance, feed, periods, log)
    log.raise_if_errors(instance.name)
    return PublicTransport(feed, periods, walking, tuple(log.problems))


def _instance_feed(instance: Instance, log: ProblemLog) -> Feed | None:
    gtfs = instance.settings.get("gtfs")
    if not gtfs:
        log.add("instance.yaml", "names no GTFS feed, but public_transport.yaml declares public-transport modes",
                column="gtfs", fix="Add gtfs: <the feed's folder or .zip in the instance folder>")
    elif instance.tables["public_transport"].empty:
        log.add("instance.yaml", "names a GTFS feed but no public-transport mode uses it", column="gtfs",
                fix="Declare the modes and their departures in public_transport.yaml", severity=Severity.WARNING)
    elif not inside(instance.path, gtfs):
        log.add("instance.yaml", f"{gtfs!r} lies outside the instance folder, which is all the engine reads",
                column="gtfs", fix="Copy the feed into the folder and name it there, e.g. gtfs: gtfs.zip")
    else:
        return read_feed(instance.path / gtfs, log, label=gtfs)
    return None


def _walking_network(instance: Instance, log: ProblemLog) -> WalkingNetwork | None:
    """The walking network the ``walking`` setting names, or the instance's roads where it names none."""
    name = instance.settings.get("walking")
    if not name:
        return road_walkways(instance.road_nodes, instance.roads)
    path = instance.path / name
    if not inside(instance.path, name):
        log.add("instance.yaml", f"{name!r} lies outside the instance folder, which is all the engine reads",
                column="walking", fix="Copy the file into the folder and name it there, e.g. walking: streets.osm")
    elif not path.exists():
        log.add(name, "is missing", fix="instance.yaml names it as the walking network (key walking)")
    elif not unreadable(path, name, log):
        network = _read_walkways(path, name, log)
        if network is not None and network.ways.empty:
            log.add(name, "holds no walkable way", fix="Give a network of streets and paths, motorways aside")
        elif network is not None:
            return network
    return None


def _read_walkways(path: Path, name: str, log: ProblemLog) -> WalkingNetwork | None:
    """A walking network from GraphML (laid out as for the roads) or OpenStreetMap XML."""
    if path.suffix.lower() == ".graphml":
        nodes, roads = read_graphml_tables(path, log)
        return None if nodes is None or roads is None else road_walkways(nodes.frame, roads.frame)
    try:
        return WalkingNetwork(*walkways_from_osm(path))
    except OptimiserError as error:
        log.add(name, str(error).removeprefix(f"{path}: "),
                fix="Give an OpenStreetMap extract of the area as .osm XML or .osm.pbf, or a GraphML file")
    return None


def _periods(instance: Instance, log: ProblemLog) -> dict[str, Period]:
    """Each public-transport mode's period, from public_transport.yaml."""
    records = instance.tables["public_transport"].itertuples(index=False)
    periods = {record.mode: _period(instance, position, record, log) for position, record in enumerate(records)}
    return {mode: period for mode, period in periods.items() if period is not None}


def _period(instance: Instance, position: int, record, log: ProblemLog) -> Period | None:
    """One mode's period, or ``None`` with its problems (naming the key's line) in ``log``."""
    def bad(column: str, message: str, fix: str) -> None:
        log.add("public_transport.yaml", message, row=instance.row("public_transport", position, column),
                column=column, fix=fix)

    if record.mode in set(instance.modes["mode"]):
        bad("mode", f"mode {record.mode!r} is also a road mode of modes.csv", "Give the two modes different names")
    day = pd.to_datetime(record.date, format="%Y-%m-%d", errors="coerce")
    if pd.isna(day):
        bad("date", f"{record.date!r} is not a date", "Write the date as YYYY-MM-DD, e.g. 2025-03-11")
    first_s, last_s = seconds(pd.Series([f"{record.first_departure}:00", f"{record.last_departure}:00"]))
    for column, value in (("first_departure", first_s), ("last_departure", last_s)):
        if np.isnan(value):
            bad(column, f"{getattr(record, column)!r} is not a time of day",
                "Write it as \"HH:MM\" in quotes, e.g. \"17:30\" (YAML reads an unquoted 17:30 as the number 1050)")
    if last_s < first_s:
        bad("last_departure", "is earlier than first_departure", "Give the last departure after the first")
    if pd.isna(day) or np.isnan(first_s + last_s) or last_s < first_s:
        return None
    return Period(day.date(), first_s, last_s, 60.0 * record.every_min, record.statistic)


def _beyond_walk(instance: Instance, walking: WalkingNetwork, places: pd.DataFrame) -> np.ndarray:
    """Which places (``lat``, ``lon``) lie further than the longest walk from every node of the network."""
    _, km = snap(walking.nodes, places["lat"].to_numpy(float), places["lon"].to_numpy(float))
    return 60.0 * km / instance.settings["walk_speed_kmh"] > instance.settings["max_walk_min"]


def _places_off_network(instance: Instance, walking: WalkingNetwork, log: ProblemLog) -> None:
    """A zone or site beyond the longest walk from a named walking network: the file is likely of another
    area, or cut too small, and every journey from there would be wrong."""
    for file, places in (("sites.csv", instance.sites), ("zones.csv", instance.zones)):
        _report(log, file, np.flatnonzero(_beyond_walk(instance, walking, places)), "lat",
                f"is further than {instance.settings['max_walk_min']:g} minutes' walk from every node of the "
                f"walking network {instance.settings['walking']}",
                "Give a walking network that covers the whole area, or check the place's position")


def _stops_off_network(instance: Instance, walking: WalkingNetwork, feed: Feed, gtfs: str, log: ProblemLog) -> None:
    """Stops further from the walking network than the longest walk cannot be boarded: a warning each (a
    feed may cover a wider area than the instance)."""
    served = np.unique(feed.stop_times["stop"].to_numpy())
    stops = feed.stops.iloc[served]
    far = _beyond_walk(instance, walking, stops)
    walking = instance.settings.get("walking")
    network = f"every node of {walking}" if walking else "every road junction"
    _report(log, f"{gtfs}/stops.txt", stops["row"].to_numpy()[far] - 2, "stop_lat",
            f"is further than {instance.settings['max_walk_min']:g} minutes' walk from {network}, so nobody "
            "boards there",
            "Check the stop's position, or add the streets around it to the walking network", Severity.WARNING)


def _days_without_service(instance: Instance, feed: Feed, periods: dict[str, Period], log: ProblemLog) -> None:
    """A period on a day no trip runs gives walking times only: worth saying."""
    for position, (mode, period) in enumerate(periods.items()):
        if not feed.services_on(period.day):
            log.add("public_transport.yaml", f"no trip of the feed runs on {period.day:%A %d %B %Y}: mode "
                    f"{mode!r} is walking only", row=instance.row("public_transport", position, "date"),
                    column="date", fix="Choose a date within the feed's calendar, or keep it to show no service",
                    severity=Severity.WARNING)


def public_travel_times(instance: Instance, mode: str) -> TravelTimes:
    """Door-to-door minutes by one public-transport mode, zone → site and site → site."""
    transport = instance.public_transport
    speed_kmh, max_walk_min = instance.settings["walk_speed_kmh"], instance.settings["max_walk_min"]
    walking = transport.walking
    graph = walking_csr(walking.nodes, walking.ways, speed_kmh)
    sites, zones = instance.sites, instance.zones
    origins = pd.concat([zones[["lat", "lon"]], sites[["lat", "lon"]]], ignore_index=True)
    walk = walks(walking.nodes, graph, origins, sites, transport.feed.stops, walk_speed_kmh=speed_kmh,
                 max_walk_min=max_walk_min)
    minutes = period_minutes(transport.feed, walk, transport.periods[mode])
    site_site = minutes[len(zones):]
    np.fill_diagonal(site_site, 0.0)
    return travel_matrices(instance, mode, minutes[: len(zones)], site_site)
