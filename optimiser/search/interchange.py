"""Vertex substitution: a configuration improved by closing one host of a service and opening another.

The classic p-median heuristic (Teitz and Bart 1968, Operations Research 16(5)), on the candidate pairs
of the radius master (:mod:`optimiser.search.radius`): each group (zone and service) is served by its cheapest
open candidate, so a swap in one service changes only that service's groups. For a host ``r`` to close,
every group keeps its cheapest open candidate but ``r`` (its nearest, or its second nearest where ``r``
was the nearest); the site ``s`` that then saves the most is opened (Whitaker's fast interchange, 1983,
INFOR 21(2)). Moves are made while one lowers the cost and the configuration stays feasible (the caller's
``feasible``, which holds the master's rows on the configuration), so the result is a configuration no
single swap improves: an upper bound for the exact search and its start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

#: A move must lower the cost by more than this, relative to the cost of the configuration.
IMPROVEMENT = 1e-9


@dataclass(frozen=True)
class Pairs:
    """One service's candidate pairs sorted by group, then cost: each pair's group (numbered 0, 1, … within
    the service), column (the site's y) and cost."""

    group: np.ndarray
    column: np.ndarray
    cost: np.ndarray


def interchange(point: np.ndarray, services: list[Pairs], column_cost: np.ndarray,
                feasible: Callable[[np.ndarray], bool], deadline: float | None = None) -> np.ndarray:
    """``point`` (0/1 on the configuration columns) improved by swaps within each service until none pays
    or ``deadline`` (perf_counter time) passes. ``column_cost``: each column's own cost in the pairs' units
    (a host's running cost, say); ``feasible``: whether a point keeps the rules on the configuration."""
    point = point.copy()
    improved = True
    while improved:
        improved = False
        for pairs in services:
            while _best_swap(point, pairs, column_cost, feasible):
                improved = True
                if deadline is not None and time.perf_counter() > deadline:
                    return point
    return point


def _best_swap(point: np.ndarray, pairs: Pairs, column_cost: np.ndarray,
               feasible: Callable[[np.ndarray], bool]) -> bool:
    """Make the swap in ``pairs``' service that lowers the cost most among the feasible ones, if one does.

    Opening a site ``s`` saves, for each group, what ``s`` undercuts its cost after the host closes: its cost
    now, but for the groups whose nearest host closes, whose cost becomes their second nearest's. So the
    saving is the same for every host but over those groups, which are summed apart: each pair is visited
    twice per swap, whatever the number of hosts."""
    columns = np.unique(pairs.column)
    hosts, others = columns[point[columns] > 0.5], columns[point[columns] <= 0.5]
    if not len(hosts) or not len(others):
        return False
    first, second = _open_ranked(point, pairs)
    # a group left with no open candidate costs more than every group served could save
    unserved = (float(pairs.cost.max()) + 1.0) * (len(first) + 1)
    now = np.where(first >= 0, pairs.cost[first], unserved)
    then = np.where(second >= 0, pairs.cost[second], unserved)  # once the nearest host closes
    local = np.searchsorted(others, pairs.column)
    closed = (local < len(others)) & (others[np.minimum(local, len(others) - 1)] == pairs.column)
    saving_now = np.minimum(pairs.cost - now[pairs.group], 0.0)
    saving = np.bincount(local[closed], weights=saving_now[closed], minlength=len(others))
    # the closed pairs of each host's groups, host by host
    nearest = np.where(first >= 0, pairs.column[first], -1)[pairs.group]
    order = np.flatnonzero(closed)[np.argsort(nearest[closed], kind="stable")]
    bounds = np.searchsorted(nearest[order], hosts), np.searchsorted(nearest[order], hosts, side="right")
    served = first >= 0
    loss = np.bincount(np.searchsorted(hosts, pairs.column[first[served]]), weights=(then - now)[served],
                       minlength=len(hosts))  # what each host's groups pay more once it closes
    tolerance = IMPROVEMENT * max(1.0, float(now.sum()))
    moves = []
    for k, host in enumerate(hosts):
        mine = order[bounds[0][k]:bounds[1][k]]
        extra = np.minimum(pairs.cost[mine] - then[pairs.group[mine]], 0.0) - saving_now[mine]
        change = (loss[k] + saving + np.bincount(local[mine], weights=extra, minlength=len(others))
                  + column_cost[others] - column_cost[host])
        moves += [(change[j], host, others[j]) for j in np.flatnonzero(change < -tolerance)]
    for _, host, opened in sorted(moves):
        point[host], point[opened] = 0.0, 1.0
        if feasible(point):
            return True
        point[host], point[opened] = 1.0, 0.0
    return False


def _open_ranked(point: np.ndarray, pairs: Pairs) -> tuple[np.ndarray, np.ndarray]:
    """Each group's first and second open pair (-1 where there is none): its cheapest open candidates."""
    groups = int(pairs.group.max(initial=-1)) + 1
    open_pairs = np.flatnonzero(point[pairs.column] > 0.5)
    of_group = pairs.group[open_pairs]
    starts = np.searchsorted(of_group, np.arange(groups))
    ends = np.searchsorted(of_group, np.arange(groups), side="right")
    first, second = np.full(groups, -1), np.full(groups, -1)
    has_one, has_two = ends > starts, ends > starts + 1
    first[has_one] = open_pairs[starts[has_one]]
    second[has_two] = open_pairs[starts[has_two] + 1]
    return first, second
