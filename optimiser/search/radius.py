r"""Uncapacitated allocation projected out: one cost per zone and service, bounded by radius rows made as needed.

Where nothing but the demand rows and the linking rows :math:`x \le y` touch the allocation (no
capacity, volume, coverage or closest-assignment rows, and no weight on the worst zone), every
(zone, service) group :math:`g` is served in full by its cheapest open candidate site. Its
allocation cost can then stand as one variable :math:`\theta_g`, bounded below, for every cost
level :math:`L` among its candidates, by

.. math:: \theta_g \ge L - \sum_{s:\ c_{gs} < L} (L - c_{gs})\, y_s

(:math:`c_{gs}`: the weighted travel and equity cost of serving :math:`g` at :math:`s`), with
:math:`\sum_s y_s \ge 1` over its candidates. With every level this is the radius formulation of
Elloumi (2010, INFORMS J. Computing 22(4)); its LP relaxation equals the classic one's and its
integer optimum is the same (Cornuéjols, Nemhauser and Wolsey 1980). Few levels matter, so rows are
made as needed (Benders' cuts, as in Duran-Mateluna, Ales and Elloumi 2023, EJOR 308(1)): at a point
:math:`y^*` the level of each group is the cost at which its open share, cheapest first, reaches 1,
and the row at that level is the one :math:`y^*` breaks most, if it breaks any; a group that
:math:`y^*` leaves with less than 1 open gets its :math:`\sum_s y_s \ge 1` (a row over every
candidate, which most groups never need: site counts keep them served).

HiGHS has no lazy-row callback, so the rows are made between solves: first of the LP relaxation
until it breaks none (the classic LP bound, with a few rows per group; where that LP's optimum is
integer, it is the optimum, and no MIP is solved), then of the MIP, whose every solution is
checked; one that breaks a row gets its rows and the MIP is solved again from it. The master holds
every candidate pair, so its optimum is the full model's whatever the nearest-site restriction keeps.
The master is a relaxation until its solution breaks no row, so a stopped master's bound bounds the
full model, and its best configuration's true cost is known exactly.

Before the MIP, a configuration no single swap of hosts improves (:mod:`optimiser.search.interchange`, from the
LP's optimum rounded and from the given start) bounds the optimum from above, and the LP's reduced costs
fix the columns that cannot be in any better configuration: a column at 0 in the LP whose reduced cost
:math:`d_j` exceeds the gap between that upper bound :math:`U` and the LP bound :math:`B` stays at 0, as
every configuration with it costs at least :math:`B + d_j > U` (and likewise at 1). On small p this
leaves the MIP a fraction of the sites and a start that is often the optimum, so that the MIP's first
solution breaks no row (pmed36, OR-Library: 484 of 800 sites fixed, one MIP instead of four).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.sparse import csr_array

from optimiser.model.data import ModelData
from optimiser.model.matrix import allocation_costs
from solvers.highs import HighsSession, Progress, SolverOptions, SolverResult, Status, relative_gap, solver_version
from solvers.milp import StandardForm

from .interchange import Pairs, interchange

#: Row families that may touch the allocation for it to be projected out (the worst zone's only
#: without weight on it); any other row on an allocation column keeps the classic model.
ALLOCATION_ROWS = frozenset({"demand", "linking", "beyond_placed", "beyond_hosted", "worst_bound"})
#: Rows on the allocation the master leaves out, so that it is a relaxation: its answers are then served
#: in the full model, which holds them; where one binds, the classic model decides (``Engine.solve``).
CHECKED_ROWS = frozenset({"activity_floor"})
#: Criteria an allocation column may cost: the rest must have no weight on allocation columns.
ALLOCATION_CRITERIA = ("travel", "equity")
#: A row is broken when θ is below it by more than this, relative (θ is scaled to about 1 per group;
#: HiGHS holds rows to 1e-7 absolute).
BROKEN = 1e-6
#: An LP value this close to a whole number is one (HiGHS's integral optima of pmed1, 4, 5: within 2e-14).
INTEGER_TOLERANCE = 1e-9
#: Rounds of the LP relaxation's rows at most (each adds the rows its point breaks).
LP_ROUNDS = 50
#: A row or bound is kept by a configuration within this (HiGHS's feasibility tolerance).
FEASIBLE = 1e-6
#: Reduced-cost fixing asks this much more than the gap, relative to the upper bound (HiGHS's duals are
#: exact to about 1e-9).
FIXING_MARGIN = 1e-7
#: The swaps of the upper bound stop after as long as the LP rounds took, or this many seconds if longer
#: (pmed36: 0.5 s of swaps after 0.9 s of LP; a national instance's services hold 10⁷ pairs).
INTERCHANGE_S = 1.0


@dataclass
class RadiusMaster:
    """The configuration problem with each group's allocation cost as θ, for one set of weights.

    Offers what :func:`solvers.ranking.best_k` needs of a session (``solve``, ``add_row``,
    ``remove_added_rows``); the radius rows it makes stay, since they hold for every configuration.
    """

    session: HighsSession
    full_column: np.ndarray  # the full model's column of each master column before θ
    decision: np.ndarray  # master columns of y and r: what makes a configuration distinct
    pair_group: np.ndarray  # group (zone and service) of each candidate, sorted by group then cost
    pair_y: np.ndarray  # its master y column
    pair_cost: np.ndarray  # its scaled cost
    starts: np.ndarray  # first sorted candidate of each group
    theta: int  # master column of the first group's θ
    scale: float  # θ = scale × the group's cost in the objective's units
    services: list[Pairs]  # the candidate pairs of each service, for the swaps of the upper bound
    rounds: int = 0  # solves of the master in the last solve
    fixed: int = 0  # columns fixed by their reduced costs in the last solve
    _no_goods: list[int] = field(default_factory=list)
    #: best_k's no-good cuts as columns, coefficients and lower side, which the swaps keep too
    _no_good_rows: list[tuple[np.ndarray, np.ndarray, float]] = field(default_factory=list)
    _start: np.ndarray | None = None  # the configuration the search was asked to start from
    _lp: SolverResult | None = None  # the last LP relaxation solved to optimality …
    _reduced: np.ndarray | None = None  # … and its reduced costs
    _relaxed: float = -math.inf  # the last LP relaxation's optimum: a bound on this solve's optimum
    _lp_s: float = 0.0  # seconds the LP rounds took
    _checked: float | None = None  # the best true objective of a solution this solve has checked

    @classmethod
    def of(cls, data: ModelData, form: StandardForm, columns: dict, weights: dict[str, float],
           options: SolverOptions, *, relaxed: bool = False) -> RadiusMaster | None:
        """The master for ``weights`` (the session's, on the raw criteria), or None where rows other
        than the demand and linking rows touch the allocation, or weight falls on the worst zone.

        ``relaxed``: drop every row on the allocation but the demand and linking rows (capacity,
        volumes, coverage, closest assignment, the worst zone) and every column only they hold
        (expansion): a relaxation of the full model, so its optimum bounds the full one (None where
        a column dropped could lower the objective)."""
        if relaxed:
            allocation = _outside_configuration(form, columns)
            cost = sum(weight * form.costs[name] for name, weight in weights.items())
            if (cost[allocation] < 0).any() or (form.col_lower[allocation] != 0).any():
                return None
        else:
            allocation = _allocation_columns(form, columns)
            if allocation is None or any(weights.get(name, 0.0) and form.costs[name][allocation].any()
                                         for name in form.costs if name not in ALLOCATION_CRITERIA):
                return None
        keep = np.ones(len(form.columns), dtype=bool)
        keep[allocation] = False
        master_of = np.where(keep, np.cumsum(keep) - 1, -1)
        pairs = _sorted_pairs(data, weights)
        positive = pairs["cost"][pairs["cost"] > 0]
        scale = 1.0 / float(np.median(positive)) if len(positive) else 1.0
        groups = int(pairs["group"].max(initial=-1)) + 1
        y_full = columns["y"][pairs["site"], pairs["service"]]
        session = HighsSession(_master_form(form, keep, groups, scale), replace(options, heuristics=False))
        session.collect = True
        master = cls(session, np.flatnonzero(keep),
                     master_of[np.concatenate([columns["y"].ravel(), columns["r"].ravel()])],
                     pairs["group"], master_of[y_full], pairs["cost"] * scale,
                     np.searchsorted(pairs["group"], np.arange(groups)),
                     int(keep.sum()), scale, _service_pairs(pairs, master_of[y_full], scale))
        master.session.set_weights(weights | {"allocation": 1.0})
        return master

    # --- what best_k needs ------------------------------------------------------------------------

    def solve(self) -> SolverResult:
        """The best configuration, its θ each the true cost: rows made until the master's solution
        breaks none (:mod:`optimiser.search.radius`), within the session's deadline. The bound is the better
        of HiGHS's and the last LP relaxation's (both bound the full model); a stopped search answers
        with the best solution it checked. Where the LP relaxation's optimum is a configuration
        (pmed1, 4 and 5 of OR-Library), it is the master's: no MIP is solved. Else the MIP starts from
        the upper bound's configuration, with the columns its reduced costs exclude fixed."""
        self.rounds, self._checked = 0, None
        relaxed = self._relaxation_rows()
        if relaxed is not None:
            checked, made = self._check(relaxed)
            if checked is not None and not made:
                self._checked = checked.objective
                return replace(checked, bound=self._relaxed, gap=max(relative_gap(checked.objective, self._relaxed),
                                                                      0.0))
        best = self._upper_bound()
        fixed = self._fix_by_reduced_costs(best.objective) if best is not None else np.empty(0, dtype=np.int64)
        self.fixed = len(fixed)
        try:
            return self._search(best)
        finally:
            self.session.reset_bounds(fixed)

    def _search(self, best: SolverResult | None) -> SolverResult:
        """The MIP solved, rows made at each solution, until one breaks none (or time runs out); ``best``:
        the best configuration known so far, its start."""
        if best is not None:
            self._checked = best.objective
            self.session.set_start(np.arange(len(best.values)), best.values)
        while True:
            result = self.session.solve()
            self.rounds += 1
            checked, made = self._check(result) if result.has_solution else (None, False)
            for found in [checked, *self._harvest(result)]:
                if found is not None and (best is None or found.objective < best.objective):
                    best, self._checked = found, found.objective
            proved = result.status is Status.OPTIMAL and not made  # within HiGHS's gap, every θ exact
            if not (proved or result.status is not Status.OPTIMAL or self.session.time_left_s == 0):
                if best is not None:
                    self.session.set_start(np.arange(len(best.values)), best.values)
                continue
            if best is None:
                return result if not result.has_solution else replace(
                    result, status=Status.NO_SOLUTION, objective=None, bound=None, gap=None, values=None)
            # HiGHS's bound holds for the columns left free; a fixed one costs more than best
            bound = min(max(self._relaxed, -math.inf if result.bound is None else result.bound), best.objective)
            gap = relative_gap(best.objective, bound)
            return replace(best, status=Status.OPTIMAL if proved else Status.FEASIBLE, bound=bound,
                           gap=min(gap, result.gap) if proved else gap, seconds=result.seconds)

    def _harvest(self, result: SolverResult) -> list[SolverResult]:
        """Every other solution the last MIP search passed through than its ``result``, priced at its true cost,
        the rows it broke made (as Durán-Mateluna, Alès and Elloumi separate at every incumbent): the next search
        starts with them."""
        integer, n = self.session.form.integer, len(self.session.form.columns)
        last = None if result.values is None else np.round(result.values[integer])
        points = [np.where(integer, np.round(values), values) for values in self.session.found if len(values) == n]
        points = [point for point in points if last is None or not np.array_equal(point[integer], last)]
        return [priced for priced in map(self._priced, points) if priced is not None]

    def _check(self, result: SolverResult) -> tuple[SolverResult | None, bool]:
        """A master solution with each θ its true cost (None where it leaves a group unserved), and
        whether it broke rows (now made)."""
        integer = self.session.form.integer
        point = np.where(integer, np.round(result.values), result.values)  # HiGHS's 1 may be 0.9999999
        theta, made, served = self._radius_rows(point)
        if not served:
            return None, made
        point[self.theta:] = theta
        objective = result.objective + (theta.sum() - result.values[self.theta:].sum()) / self.scale
        return replace(result, objective=objective, values=point), made

    def watch_with(self, watch: Callable[[Progress], None] | None) -> None:
        """Let ``watch`` hear the running search. Its best objective is that of a solution whose rows
        were checked (until then the master's own undercuts the configuration's true cost); its bound,
        the better of HiGHS's and the LP relaxation's."""
        self.session.watch = None if watch is None else lambda progress: watch(self._told(progress))

    def _told(self, progress: Progress) -> Progress:
        bound = max(self._relaxed, -math.inf if progress.bound is None else progress.bound)
        bound = None if bound == -math.inf else bound
        objective = self._checked
        gap = None if objective is None or bound is None else relative_gap(objective, bound)
        return replace(progress, objective=objective, bound=bound, gap=gap)

    def add_row(self, columns, coefficients, lower: float, upper: float) -> int:
        """Add a no-good cut of best_k (Σ coefficients·x ≥ lower, ``upper`` infinite), which the swaps keep too."""
        row = self.session.add_row(columns, coefficients, lower, upper)
        self._no_goods.append(row)
        self._no_good_rows.append((np.asarray(columns), np.asarray(coefficients, float), lower))
        return row

    def remove_added_rows(self) -> None:
        """Delete the rows best_k added (its no-good cuts); the radius rows stay."""
        self.session.delete_rows(sorted(self._no_goods))
        self._no_goods.clear()
        self._no_good_rows.clear()

    def full_values(self, values: np.ndarray, n_full: int) -> np.ndarray:
        """A master solution's configuration columns in the full model's column order (the rest 0)."""
        full = np.zeros(n_full)
        full[self.full_column] = values[:self.theta]
        return full

    def start_from(self, columns: np.ndarray, values: np.ndarray) -> None:
        """Start the next search from a configuration (full-model ``columns`` of y and r and their
        ``values``), with each θ its true cost (the rows it breaks are made now)."""
        point = np.zeros(self.theta + len(self.starts))
        master = np.searchsorted(self.full_column, columns)
        point[master] = values
        theta, _, _ = self._radius_rows(point)
        self.session.set_start(np.r_[master, self.theta + np.arange(len(self.starts))], np.r_[values, theta])
        self._start = point

    # --- rows -----------------------------------------------------------------------------------

    def _relaxation_rows(self) -> SolverResult | None:
        """Rows of the LP relaxation until its point breaks none (or time or the rounds run out), its
        last optimum kept as ``_relaxed``, a bound on the full model (-inf without one). Returns that
        optimum where it is integer and breaks no row: then no configuration costs less."""
        self._relaxed, self._lp, began = -math.inf, None, time.perf_counter()
        self._lp_s = 0.0
        for _ in range(LP_ROUNDS):
            result = self.session.solve(relaxation=True)
            self.rounds += 1
            if result.status is Status.OPTIMAL:
                self._relaxed, self._lp, self._reduced = result.objective, result, self.session.reduced_costs()
            self._lp_s = time.perf_counter() - began
            if not result.has_solution:
                return None
            if not self._radius_rows(result.values)[1]:
                return result if result.status is Status.OPTIMAL and self._integer(result.values) else None
            if self.session.time_left_s == 0:
                return None
        return None

    # --- the upper bound and the columns it fixes --------------------------------------------------

    def _upper_bound(self) -> SolverResult | None:
        """The best configuration no swap of hosts improves, from the LP's optimum rounded and from the start
        given (each where it keeps the rules), priced at its true cost; None without either."""
        if self._lp is None:
            return None
        column_cost = self.scale * self._objective_vector()[0]
        stop = time.perf_counter() + max(self._lp_s, INTERCHANGE_S)
        stop = stop if self.session.deadline is None else min(stop, self.session.deadline)
        found = []
        for start in (self._rounded(self._lp.values), self._start):
            if start is not None and self._feasible(start):
                found.append(self._priced(interchange(start, self.services, column_cost, self._feasible, stop)))
        found = [result for result in found if result is not None]
        return min(found, key=lambda result: result.objective, default=None)

    def _rounded(self, values: np.ndarray) -> np.ndarray:
        """The LP's point made a configuration: each service's hosts the sites of its largest y, as many as its
        y add up to (at least one), the other integer columns rounded, θ 0."""
        point = np.where(self.session.form.integer, np.round(values), values)
        point[self.theta:] = 0.0
        for pairs in self.services:
            columns = np.unique(pairs.column)
            count = max(1, round(float(values[columns].sum())))
            point[columns] = 0.0
            point[columns[np.argsort(-values[columns], kind="stable")[:count]]] = 1.0
        return point

    def _feasible(self, point: np.ndarray) -> bool:
        """Whether a configuration keeps the master's rows but the radius rows (θ is free to meet them), its
        column bounds and best_k's no-good cuts."""
        form = self.session.form
        activity = form.A @ point
        if ((activity < form.row_lower - FEASIBLE) | (activity > form.row_upper + FEASIBLE)).any():
            return False
        columns = slice(0, self.theta)
        if ((point[columns] < form.col_lower[columns] - FEASIBLE)
                | (point[columns] > form.col_upper[columns] + FEASIBLE)).any():
            return False
        return all(coefficients @ point[columns_] >= lower - FEASIBLE
                   for columns_, coefficients, lower in self._no_good_rows)

    def _priced(self, point: np.ndarray) -> SolverResult | None:
        """A configuration with each θ its true cost (its broken rows made), as a feasible solution; None where
        it leaves a group unserved."""
        point = point.copy()
        theta, _, served = self._radius_rows(point)
        if not served:
            return None
        point[self.theta:] = theta
        cost, offset = self._objective_vector()
        return SolverResult(Status.FEASIBLE, float(cost @ point + offset), None, None, 0.0, solver_version(), point)

    def _objective_vector(self) -> tuple[np.ndarray, float]:
        """The master's objective: each column's cost and the constant, under the session's weights."""
        form, weights = self.session.form, self.session.weights
        cost = sum(weight * form.costs[name] for name, weight in weights.items())
        return cost, sum(weight * form.offsets[name] for name, weight in weights.items())

    def _fix_by_reduced_costs(self, upper: float) -> np.ndarray:
        """Fix the integer columns that no configuration costing at most ``upper`` can move from their bound in
        the last LP, by that LP's reduced costs; returns them (their bounds to give back)."""
        if self._lp is None or self._reduced is None:
            return np.empty(0, dtype=np.int64)
        form, values, reduced = self.session.form, self._lp.values, self._reduced
        slack = upper - self._relaxed + FIXING_MARGIN * max(1.0, abs(upper))
        at_lower = form.integer & (np.abs(values - form.col_lower) <= INTEGER_TOLERANCE) & (reduced > slack)
        at_upper = form.integer & (np.abs(values - form.col_upper) <= INTEGER_TOLERANCE) & (-reduced > slack)
        lower, upper_ = np.flatnonzero(at_lower), np.flatnonzero(at_upper)
        fixed = np.concatenate([lower, upper_])
        self.session.set_bounds(fixed, np.r_[form.col_lower[lower], form.col_upper[upper_]],
                                np.r_[form.col_lower[lower], form.col_upper[upper_]])
        return fixed

    def _integer(self, values: np.ndarray) -> bool:
        integer = values[self.session.form.integer]
        return bool((np.abs(integer - np.round(integer)) <= INTEGER_TOLERANCE).all())

    def _radius_rows(self, values: np.ndarray) -> tuple[np.ndarray, bool, bool]:
        """Each group's true cost at an integer point ``values`` (the cost of its cheapest open site, whatever
        θ the master left above it: a search within a gap may, and that θ priced the configuration above its
        allocation); whether ``values`` broke rows, the rows it broke being made; and whether it serves every
        group. A group whose candidates are open less than 1 in all gets Σ y ≥ 1 over
        them (made only then: the row holds every candidate, and most groups never need it)."""
        n, groups, group = len(self.pair_y), len(self.starts), self.pair_group
        open_share = np.clip(values[self.pair_y], 0.0, 1.0)
        cumulative = np.cumsum(open_share)
        before = (cumulative - open_share)[self.starts]  # open share before each group's cheapest candidate
        last = np.append(self.starts[1:], n) - 1
        short = cumulative[last] - before < 1 - 1e-9
        reached = cumulative - before[group] >= 1 - 1e-9
        at = np.minimum(np.minimum.reduceat(np.where(reached, np.arange(n), n), self.starts), last)
        level = self.pair_cost[at]
        nearer = self.pair_cost < level[group]
        saving = np.where(nearer, level[group] - self.pair_cost, 0.0)
        bound = level - np.bincount(group, weights=saving * open_share, minlength=groups)
        broken = (values[self.theta:] < bound - BROKEN * np.maximum(1.0, bound)) & ~short
        rows = [self._rows(broken, nearer, saving, level), self._rows(short, np.ones(n, dtype=bool), np.ones(n), None)]
        for made, lower in rows:
            if made is not None:
                self.session.add_rows(made, lower, np.full(len(lower), np.inf))
        return bound, bool(broken.any() or short.any()), not short.any()

    def _rows(self, chosen: np.ndarray, terms: np.ndarray, coefficient: np.ndarray, level: np.ndarray | None
              ) -> tuple[csr_array | None, np.ndarray]:
        """One row per ``chosen`` group over its candidates in ``terms``: a radius row
        θ + Σ coefficient·y ≥ level, or (``level`` None) Σ y ≥ 1."""
        k = int(chosen.sum())
        if not k:
            return None, np.empty(0)
        take = terms & chosen[self.pair_group]
        row_of = np.cumsum(chosen) - 1
        rows, columns, values = [row_of[self.pair_group[take]]], [self.pair_y[take]], [coefficient[take]]
        if level is not None:
            rows.append(np.arange(k))
            columns.append(self.theta + np.flatnonzero(chosen))
            values.append(np.ones(k))
        shape = (k, self.theta + len(self.starts))
        made = csr_array((np.concatenate(values), (np.concatenate(rows), np.concatenate(columns))), shape=shape)
        return made, level[chosen] if level is not None else np.ones(k)


def _allocation_columns(form: StandardForm, columns: dict) -> np.ndarray | None:
    """Columns of the allocation (x, beyond shares and placements, the worst zone), or None when a
    row outside :data:`ALLOCATION_ROWS` touches one."""
    family = np.array([name.split("[", 1)[0] for name in form.rows], dtype=object)
    of_allocation = np.isin(family, list(ALLOCATION_ROWS | CHECKED_ROWS))
    touched = np.unique(form.A[np.flatnonzero(of_allocation)].indices)
    allocation = np.setdiff1d(touched, columns["y"].ravel())
    if not len(allocation):
        return None
    others = form.A[np.flatnonzero(~of_allocation)]
    if np.isin(others.indices, allocation).any():
        return None
    return allocation


def _outside_configuration(form: StandardForm, columns: dict) -> np.ndarray:
    """Every column but those of the configuration (y, r and the building of new sites)."""
    configuration = np.concatenate([columns["y"].ravel(), columns["r"].ravel(),
                                    np.fromiter(columns.get("open", {}).values(), dtype=np.int64)])
    return np.setdiff1d(np.arange(len(form.columns)), configuration)


def _sorted_pairs(data: ModelData, weights: dict[str, float]) -> dict[str, np.ndarray]:
    """Every candidate pair with its weighted allocation cost, sorted by group and cost."""
    c = data.candidates
    zone = data.instance.zones.index.get_indexer(c["zone_id"])
    demand, minutes = c["demand"].to_numpy(float), c["travel_min"].to_numpy(float)
    cost = sum(weights.get(name, 0.0) * value for name, value in allocation_costs(data, zone, demand, minutes).items())
    group = c["group"].to_numpy()
    order = np.lexsort((cost, group))
    return {"group": group[order], "cost": np.asarray(cost, float)[order],
            "site": pd.Index(data.sites).get_indexer(c["site_id"])[order],
            "service": pd.Index(data.services).get_indexer(c["service_id"])[order]}


def _service_pairs(pairs: dict[str, np.ndarray], y: np.ndarray, scale: float) -> list[Pairs]:
    """The candidate pairs of each service, groups numbered within it, costs scaled as θ."""
    found = []
    for service in np.unique(pairs["service"]):
        of_service = pairs["service"] == service
        group = np.unique(pairs["group"][of_service], return_inverse=True)[1]
        found.append(Pairs(group, y[of_service], pairs["cost"][of_service] * scale))
    return found


def _master_form(form: StandardForm, keep: np.ndarray, groups: int, scale: float) -> StandardForm:
    """The full model's columns ``keep`` and the rows on them only, then one θ per group."""
    A = form.A
    row_of_entry = np.repeat(np.arange(A.shape[0]), np.diff(A.indptr))
    elsewhere = np.bincount(row_of_entry, weights=~keep[A.indices], minlength=A.shape[0])
    rows = np.flatnonzero((elsewhere == 0) & (np.diff(A.indptr) > 0))
    kept = np.flatnonzero(keep)
    block = csr_array(A[rows][:, kept])
    n = len(kept)
    master_A = csr_array((block.data, block.indices, block.indptr), shape=(len(rows), n + groups))
    costs = {name: np.concatenate([cost[kept], np.zeros(groups)]) for name, cost in form.costs.items()}
    costs["allocation"] = np.concatenate([np.zeros(n), np.full(groups, 1.0 / scale)])
    offsets = form.offsets | {"allocation": 0.0}
    return StandardForm(costs, offsets, master_A, form.row_lower[rows], form.row_upper[rows],
                        np.concatenate([form.col_lower[kept], np.zeros(groups)]),
                        np.concatenate([form.col_upper[kept], np.full(groups, np.inf)]),
                        np.concatenate([form.integer[kept], np.zeros(groups, dtype=bool)]),
                        [form.columns[j] for j in kept] + [f"theta[{g}]" for g in range(groups)],
                        [form.rows[i] for i in rows])
