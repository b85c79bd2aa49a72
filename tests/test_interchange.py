"""Vertex substitution (optimiser.search.interchange) on a line small enough to price by hand.

Six zones, each also a candidate site, at 0, 1, 2, 10, 11 and 12 km along a line; a zone's cost at a
site is the distance; two hosts. The best pair is {1, 11}: every zone within 1 of its host, 4 in all.
"""

from __future__ import annotations

import numpy as np

from optimiser.search.interchange import Pairs, interchange

POSITIONS = np.array([0.0, 1.0, 2.0, 10.0, 11.0, 12.0])


def line() -> Pairs:
    """Every zone (group) with every site (column), sorted by group, then distance."""
    group, column = np.divmod(np.arange(36), 6)
    cost = np.abs(POSITIONS[group] - POSITIONS[column])
    order = np.lexsort((cost, group))
    return Pairs(group[order], column[order], cost[order])


def hosts(point: np.ndarray) -> set[int]:
    return set(np.flatnonzero(point > 0.5).tolist())


def two_hosts(point: np.ndarray) -> bool:
    return point.sum() == 2


START = np.array([1.0, 1.0, 0.0, 0.0, 0.0, 0.0])  # hosts 0 and 1: the far zones travel 9, 10 and 11


def test_a_swap_moves_a_host_to_the_far_cluster():
    """From {0, 1} (31): closing 0 and opening 11 costs 1 + 0 + 1 + 1 + 0 + 1 = 4, the optimum; closing 1
    instead costs 5. No swap improves {1, 11}."""
    assert hosts(interchange(START, [line()], np.zeros(6), two_hosts)) == {1, 4}  # the sites at 1 and 11 km


def test_a_swap_the_rules_forbid_is_not_made():
    """With the sites at 11 and 12 km forbidden, the best feasible swap opens 10 km: 1 + 0 + 1 + 0 + 1 + 2 = 5
    ({0, 10}: 6)."""
    allowed = lambda point: two_hosts(point) and point[4] == 0 and point[5] == 0  # noqa: E731
    assert hosts(interchange(START, [line()], np.zeros(6), allowed)) == {1, 3}  # the sites at 1 and 10 km


def test_a_hosts_own_cost_counts():
    """Hosting at 1 km costs 3 more, at 2 km 1 more: {0, 11} (5) beats {1, 11} (4 + 3) and {2, 11} (5 + 1)."""
    column_cost = np.array([0.0, 3.0, 1.0, 0.0, 0.0, 0.0])
    assert hosts(interchange(START, [line()], column_cost, two_hosts)) == {0, 4}  # the sites at 0 and 11 km
