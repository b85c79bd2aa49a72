"""Travel times zone→site and site→site, for one travel mode.

Shortest paths run in SciPy's compiled Dijkstra (``scipy.sparse.csgraph``) on
the CSR form of the road graph, from the sites only: a graph of a million
junctions and 200 sites needs 200 runs, batched so the distance rows never
hold more than a few hundred MB. Zone→site times run on the reversed graph,
so one-way roads are honoured in the patient's direction of travel.

A trip also covers the stretch from a zone centroid or a site to its nearest
junction, at the instance's ``connector_speed_kmh``. On a large graph the modes run
side by side, every mode after the first in a worker process (SciPy's Dijkstra holds the
GIL, so threads would take turns).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import dijkstra

from optimiser.errors import OptimiserError

from .folder import Instance
from .roads import edge_minutes, travel_csr

#: Distance rows (float64) held at once: sources per batch = this / number of junctions.
BATCH_CELLS = 32_000_000
#: From this many junctions on, modes run in parallel processes: a national graph (1M junctions)
#: takes ~50 s per mode, against ~5 s to hand the instance to a worker.
PARALLEL_JUNCTIONS = 200_000


@dataclass(frozen=True)
class TravelTimes:
    """Minutes by one mode: ``zone_site_min`` (zones × sites), ``site_site_min`` (sites × sites).

    ``snapped`` lists each site and zone with its junction and the distance to
    it (``snap_km``), so that a large snap can be seen and questioned.
    """

    mode: str
    zone_site_min: pd.DataFrame
    site_site_min: pd.DataFrame
    snapped: pd.DataFrame


def travel_times(instance: Instance, mode: str | None = None) -> TravelTimes:
    """Travel-time matrices of an instance for ``mode`` (default: the instance's default mode)."""
    mode = instance.mode_or_default(mode)
    if mode not in instance.mode_names:
        raise OptimiserError(f"unknown travel mode {mode!r}: {instance.name} declares "
                             f"{', '.join(instance.mode_names)} in modes.csv and public_transport.yaml")
    if mode in instance.public_modes:
        from .transit import public_travel_times  # the transit module builds on this one

        return public_travel_times(instance, mode)
    roads = instance.roads.reset_index(drop=True)
    graph = travel_csr(instance.road_nodes, roads, edge_minutes(roads, instance.modes, mode))
    places = instance.snapped
    connector_min = 60.0 * places["snap_km"].to_numpy() / instance.settings["connector_speed_kmh"]
    is_site = (places["kind"] == "site").to_numpy()
    site_nodes, zone_nodes = places["node"].to_numpy()[is_site], places["node"].to_numpy()[~is_site]
    site_extra, zone_extra = connector_min[is_site], connector_min[~is_site]

    one_way = bool(roads["oneway"].any())
    reversed_graph = graph.T.tocsr() if one_way else graph
    # to_sites[s, p]: minutes from place p to site s
    to_sites = shortest_minutes(reversed_graph, site_nodes, np.concatenate([zone_nodes, site_nodes]))
    zone_site = to_sites[:, : len(zone_nodes)].T + zone_extra[:, None] + site_extra[None, :]
    site_site = to_sites[:, len(zone_nodes):].T + site_extra[:, None] + site_extra[None, :]
    np.fill_diagonal(site_site, 0.0)

    return travel_matrices(instance, mode, zone_site, site_site)


def travel_matrices(instance: Instance, mode: str, zone_site: np.ndarray, site_site: np.ndarray) -> TravelTimes:
    """Travel times of a mode from its two arrays of minutes (zones × sites, sites × sites)."""
    site_index = pd.Index(instance.sites["site_id"], name="site_id")
    return TravelTimes(
        mode=mode,
        zone_site_min=pd.DataFrame(zone_site, index=pd.Index(instance.zones["zone_id"], name="zone_id"),
                                   columns=site_index),
        site_site_min=pd.DataFrame(site_site, index=site_index, columns=site_index.rename("to_site_id")),
        snapped=instance.snapped[["kind", "id", "name", "node_id", "snap_km"]],
    )


def travel_times_by_mode(instance: Instance, known: Mapping[str, TravelTimes] | None = None, *,
                         parallel: bool | None = None) -> dict[str, TravelTimes]:
    """Every mode's travel times, reusing ``known`` ones. ``parallel`` runs the modes after the first
    in worker processes while this one computes the first (None: from :data:`PARALLEL_JUNCTIONS` on,
    given more than one core)."""
    times = dict(known or {})
    missing = [mode for mode in instance.mode_names if mode not in times]
    workers = min(len(missing) - 1, (os.cpu_count() or 1) - 1)
    if parallel is None:
        parallel = len(instance.road_nodes) >= PARALLEL_JUNCTIONS
    if not parallel or workers < 1:
        return times | {mode: travel_times(instance, mode) for mode in missing}
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        others = {mode: pool.submit(travel_times, instance, mode) for mode in missing[1:]}
        times[missing[0]] = travel_times(instance, missing[0])
        return times | {mode: future.result() for mode, future in others.items()}


def shortest_minutes(graph, sources: np.ndarray, targets: np.ndarray, limit: float = np.inf) -> np.ndarray:
    """Shortest-path weights from each source junction to each target junction (∞ beyond ``limit``).

    Runs SciPy's Dijkstra once per distinct source, in batches sized by
    ``BATCH_CELLS``, and keeps only the target columns.
    """
    unique, inverse = np.unique(sources, return_inverse=True)
    batch = max(1, BATCH_CELLS // max(graph.shape[0], 1))
    rows = [dijkstra(graph, directed=True, indices=unique[start:start + batch], limit=limit)[:, targets]
            for start in range(0, len(unique), batch)]
    return np.vstack(rows)[inverse] if rows else np.empty((0, len(targets)))
