"""Time to build zone→site travel-time matrices on generated road graphs, against NetworkX.

For each size the script generates a synthetic instance (10k, 100k and 1M
junctions, 200 sites), loads it, and times :func:`optimiser.travel_times`
(SciPy's compiled Dijkstra on the CSR graph, one run per site). In the same
process it times NetworkX on the same graph: ``single_source_dijkstra`` from a
sample of sites (scaled up to all 200 for the per-matrix ratio), and one
``multi_source_dijkstra`` from all sites at once (nearest site only, which is
less than the matrix). Peak memory is the process's maximum resident set.

    python benchmarks/travel_times.py            # 10k, 100k, 1M junctions
    python benchmarks/travel_times.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import networkx as nx
import numpy as np

from optimiser import load_instance, road_graph, travel_times
from optimiser.instance.generate import generate_instance

SITES = 200
TARGET_1M_S = 60.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def networkx_seconds(instance, sample: int) -> tuple[float, float]:
    """(seconds per single-source run, seconds for one multi-source run) on the NetworkX graph."""
    graph = nx.DiGraph(road_graph(instance, "car"))  # parallel roads: NetworkX keeps the last, fine for timing
    nodes = instance.road_nodes.set_index("node_id")
    sites = instance.sites
    site_nodes = [nodes.index[np.argmin((nodes["lat"] - s.lat) ** 2 + (nodes["lon"] - s.lon) ** 2)]
                  for s in sites.itertuples(index=False)]
    _, single = timed(lambda: [nx.single_source_dijkstra_path_length(graph, n, weight="travel_min")
                               for n in site_nodes[:sample]])
    _, multi = timed(lambda: nx.multi_source_dijkstra_path_length(graph, set(site_nodes), weight="travel_min"))
    return single / sample, multi


def run(size: int, folder: Path) -> dict:
    zones = min(7000, max(250, size // 150))
    _, generate_s = timed(lambda: generate_instance(folder, sites=SITES, zones=zones, services=8, seed=1,
                                                    road_nodes=size))
    instance, load_s = timed(lambda: load_instance(folder))
    times, ours_s = timed(lambda: travel_times(instance, "car"))
    assert times.zone_site_min.shape == (zones, SITES)
    sample = {10_000: 50, 100_000: 10}.get(size, 3)
    per_source_s, multi_s = networkx_seconds(instance, sample)
    return dict(junctions=len(instance.road_nodes), roads=len(instance.roads), zones=zones,
                generate_s=generate_s, load_s=load_s, ours_s=ours_s, nx_matrix_s=per_source_s * SITES,
                nx_multi_s=multi_s, peak_mb=peak_mb())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    args = parser.parse_args()
    print(f"{'junctions':>10} {'roads':>10} {'zones':>6} {'load s':>7} {'ours s':>7} {'nx matrix s':>12} "
          f"{'ratio':>7} {'nx nearest s':>13} {'ratio':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            r = run(size, Path(scratch) / f"g{size}")
            print(f"{r['junctions']:>10,} {r['roads']:>10,} {r['zones']:>6,} {r['load_s']:>7.1f} {r['ours_s']:>7.2f} "
                  f"{r['nx_matrix_s']:>12.1f} {r['nx_matrix_s'] / r['ours_s']:>6.0f}× {r['nx_multi_s']:>13.2f} "
                  f"{r['nx_multi_s'] / r['ours_s']:>6.2f}× {r['peak_mb']:>8,.0f}", flush=True)
            if size >= 1_000_000:
                verdict = "met" if r["ours_s"] < TARGET_1M_S else "MISSED"
                print(f"target: 1M-junction graph with {SITES} sites in under {TARGET_1M_S:.0f} s: {verdict}")
    print("ratio = NetworkX time / ours, same graph, same process. 'nx matrix' is single-source Dijkstra "
          "from a sample of sites scaled to all sites; 'nx nearest' is one multi-source run (nearest site only).")


if __name__ == "__main__":
    main()
