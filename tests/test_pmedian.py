"""Correctness anchor: the engine reproduces Beasley's published p-median optima (OR-Library pmed).

The files in tests/data/pmed are the OR-Library originals (see its README.md).
optimiser.model.pmedian turns each into an instance whose only question is where to
put p sites; solved to optimality, the activity-weighted mean travel time × n
must equal the published optimal total exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from optimiser import load_instance, travel_times
from optimiser.errors import OptimiserError
from optimiser.model.pmedian import PUBLISHED_OPTIMA, SERVICE_ID, TRAVEL_ONLY, read_pmed, write_pmedian_instance

PMED = Path(__file__).parent / "data" / "pmed"
#: n, m, p of each file, as OR-Library's pmedinfo lists them.
SIZES = {
    "pmed1": (100, 200, 5), "pmed2": (100, 200, 10), "pmed3": (100, 200, 10), "pmed4": (100, 200, 20),
    "pmed5": (100, 200, 33), "pmed6": (200, 800, 5), "pmed7": (200, 800, 10), "pmed8": (200, 800, 20),
    "pmed9": (200, 800, 40), "pmed10": (200, 800, 67),
}
ALL = list(SIZES)
#: pmed6 (p = 5 on 200 vertices) takes the engine about 5 s; the others 0.1–0.6 s (benchmarks/peers.py).
SLOW = {"pmed6"}
ENGINE_CASES = [pytest.param(name, marks=pytest.mark.slow) if name in SLOW else name for name in ALL]


def scipy_distances(name: str) -> np.ndarray:
    """All-pairs shortest paths of a pmed graph, the last edge of a repeated pair counting."""
    graph = read_pmed(PMED / f"{name}.txt")
    costs = graph.last_edges()
    rows = [i - 1 for i, _ in costs]
    cols = [j - 1 for _, j in costs]
    matrix = coo_matrix((list(costs.values()), (rows, cols)), shape=(graph.n, graph.n)).tocsr()
    return shortest_path(matrix, directed=False)


# --- the data -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
def test_file_is_complete(name):
    graph = read_pmed(PMED / f"{name}.txt")
    assert (graph.n, graph.m, graph.p) == SIZES[name]
    assert len(graph.edges) == graph.m
    lines = [line for line in (PMED / f"{name}.txt").read_text().splitlines() if line.strip()]
    assert len(lines) == 1 + graph.m


def test_every_file_has_a_published_optimum():
    assert set(PUBLISHED_OPTIMA) == set(SIZES) == {p.stem for p in PMED.glob("pmed*.txt")}


def test_truncated_copy_is_refused(tmp_path):
    lines = (PMED / "pmed1.txt").read_text().splitlines()
    truncated = tmp_path / "pmed1.txt"
    truncated.write_text("\n".join(lines[:150]) + "\n")
    with pytest.raises(OptimiserError, match="promises 200 edges"):
        read_pmed(truncated)


# --- the converter ------------------------------------------------------------------------------

def test_repeated_edges_keep_the_last_one(tmp_path):
    # pmed1 lists 19–20 at cost 22, then 20–19 at 30; and 30–70 at 5, then 70–30 at 74
    folder = write_pmedian_instance(PMED / "pmed1.txt", tmp_path / "pmed1")
    roads = load_instance(folder).roads
    pairs = {frozenset((a, b)): length for a, b, length in
             zip(roads["from_node"], roads["to_node"], roads["length_km"], strict=True)}
    assert len(pairs) == len(roads) == 198
    assert pairs[frozenset(("n19", "n20"))] == 30
    assert pairs[frozenset(("n30", "n70"))] == 74


def test_instance_is_the_p_median_problem(tmp_path):
    folder = write_pmedian_instance(PMED / "pmed4.txt", tmp_path / "pmed4")
    instance = load_instance(folder)
    assert instance.name == "pmed4"
    assert list(instance.services.index) == [SERVICE_ID]
    service = instance.services.loc[SERVICE_ID]
    assert service["min_sites"] == service["max_sites"] == 20
    assert (instance.demand[SERVICE_ID] == 1.0).all() and len(instance.demand) == 100
    assert len(instance.sites) == 100 and not instance.warnings
    assert instance.codependencies.empty and instance.givens.empty and instance.options.empty


@pytest.mark.parametrize("name", ALL)
def test_travel_times_are_the_graph_distances(tmp_path, name):
    folder = write_pmedian_instance(PMED / f"{name}.txt", tmp_path / name)
    minutes = travel_times(load_instance(folder), mode="car").zone_site_min
    n = SIZES[name][0]
    assert list(minutes.index) == [f"z{k}" for k in range(1, n + 1)]
    assert list(minutes.columns) == [f"s{k}" for k in range(1, n + 1)]
    np.testing.assert_allclose(minutes.to_numpy(), scipy_distances(name), rtol=0, atol=1e-9)


def test_refuses_a_folder_that_holds_files(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(OptimiserError, match="already holds files"):
        write_pmedian_instance(PMED / "pmed1.txt", tmp_path)


# --- the engine ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ENGINE_CASES)
def test_engine_reproduces_published_optimum(tmp_path, name):
    from optimiser.search.engine import solve  # the engine under test

    n, _, p = SIZES[name]
    instance = load_instance(write_pmedian_instance(PMED / f"{name}.txt", tmp_path / name))
    result = solve(instance, top=1, weights=TRAVEL_ONLY)
    best = result.ranked[0]

    assert best.criteria["travel"] * n == pytest.approx(PUBLISHED_OPTIMA[name], rel=0, abs=1e-6)
    assert best.gap is not None and best.gap <= 1e-9
    medians = best.configuration.sites_of(SERVICE_ID)
    assert len(medians) == p
    # the medians themselves achieve the optimum: every vertex to its nearest median
    columns = [int(site[1:]) - 1 for site in medians]
    assert scipy_distances(name)[:, columns].min(axis=1).sum() == PUBLISHED_OPTIMA[name]
