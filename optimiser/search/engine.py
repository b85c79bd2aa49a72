"""Solving: the best K distinct configurations, and the evaluation of named options.

An :class:`Engine` builds the model once, compiles it, and keeps a HiGHS
session alive: ranking, evaluating options and re-weighting all re-solve the
same session. :func:`solve` and :func:`evaluate` are the one-call conveniences.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.instance.configuration import Configuration, Solution, option_configuration
from optimiser.instance.folder import Instance
from optimiser.instance.travel import TravelTimes
from optimiser.model.aggregate import expand_allocation
from optimiser.model.data import CRITERIA, ModelData, ModelOptions, prepare
from optimiser.model.matrix import build_matrix
from optimiser.model.objective import criterion_scales, resolve_weights, solver_weights
from optimiser.notebook import html_view
from solvers.highs import (
    HighsSession,
    Progress,
    SolverOptions,
    SolverResult,
    Status,
    proved,
    relative_gap,
    solver_version,
)
from solvers.milp import StandardForm
from solvers.ranking import best_k

from . import naming, radius_search
from . import restriction as restricted
from . import scout as scouting
from .restriction import Pace, Restriction
from .scout import ROUNDED_MOVE as ROUNDED_MOVE  # tests and callers import it from here

#: Rules of one's own added to the Pyomo model before it is compiled: ``extend(model, data)`` (:meth:`Engine.build`).
Extension = Callable[[Any, ModelData], None]

#: Objectives closer than this (relative) are reported as a tie.
TIE_TOLERANCE = 1e-9
#: Share of the time limit an unscouted search of a restricted model leaves to the repair of its answer (or
#: :data:`~optimiser.search.restriction.REPAIR_RESERVE` times the repair's cost at the pace seen, if more):
#: on a generated 30-site, 1,500-zone instance the repair took 1.3-8.7 s after a search of 20 s (top 3), and
#: 1.9 s after one of 3.75 s, a pinned solve of 1.4 s (its start's took 1.2 s) and a rebuild of 0.3 s.
REPAIR_SHARE = 0.25


@dataclass(frozen=True, repr=False)  # Solution's short repr
class RankedSolution(Solution):
    """A solution with its place in the ranking; ``tied_with_previous`` when its objective equals the one above."""

    rank: int = 0
    tied_with_previous: bool = False


@dataclass(frozen=True)
class SolveResult:
    """The ranked configurations of one solve, with the solver's account of it."""

    instance: str
    status: Status
    ranked: list[RankedSolution]
    weights: dict[str, float]
    scales: dict[str, float]
    build_s: float
    solve_s: float
    solver: str
    exhausted: bool = False  # fewer than asked for exist
    restriction: Restriction | None = None  # the nearest-site restriction, when the model was restricted
    formulation: str = "classic"  # or "radius": the allocation projected out (optimiser.search.radius)
    relaxation_bound: float | None = None  # classic search of a restricted model: its relaxation's bound
    time_limit_s: float | None = None  # the search's time limit, where one was set
    limited: bool = False  # the time limit ended the search: the answers are the best found in it
    builder: str = "matrix"  # or "pyomo": the model stated in Pyomo (optimiser.model.statement) and compiled
    extension: str | None = None  # the name of the user's rules added to the Pyomo model (Engine.build's extend)

    @property
    def best(self) -> RankedSolution:
        if not self.ranked and self.status is Status.INFEASIBLE:
            raise OptimiserError(f"{self.instance}: no feasible configuration")
        if not self.ranked:
            raise OptimiserError(self.why_no_answer())
        return self.ranked[0]

    def why_no_answer(self) -> str:
        """Why a search that is not infeasible has no configuration to show."""
        ended = (f"the time limit of {self.time_limit_s:g} s ended the search" if self.limited
                 else f"the search ended ({self.status.value})")
        return f"{self.instance}: {ended} before it found any configuration; allow more time"

    def __repr__(self) -> str:
        best = f", best {self.ranked[0].objective:.6g}" if self.ranked else ""
        return f"SolveResult({self.instance!r}: {self.status.value}, {len(self.ranked)} ranked{best})"

    def _repr_html_(self) -> str:
        return html_view(f"{self.instance}: {len(self.ranked)} configurations ranked",
                         {"status": self.status.value, "solver": self.solver, "builder": self.builder,
                          "formulation": self.formulation, "solved in": f"{self.solve_s:.2f} s"},
                         {"ranking": self.table(), "hosts": self.assignments()})

    def table(self) -> pd.DataFrame:
        """One row per ranked configuration: rank, objective, gap, status and every criterion."""
        return pd.DataFrame([{"rank": r.rank, "tie": r.tied_with_previous, "objective": r.objective, "gap": r.gap,
                              "status": r.status.value, **r.criteria} for r in self.ranked]).set_index("rank")

    def assignments(self) -> pd.DataFrame:
        """Long table: rank, site_id, service_id for every service hosted in every ranked configuration."""
        return pd.DataFrame([{"rank": r.rank, "site_id": s, "service_id": l}
                             for r in self.ranked for s, l in sorted(r.configuration.hosts)])


@dataclass
class Engine:
    """One instance's model, compiled once and loaded in HiGHS, ready for many solves.

    ``columns`` locates the model's variables in the compiled matrices:
    ``y`` (sites × services), ``r`` (sites × roles), ``x`` (one per candidate pair)
    and ``expand`` (site, resource).
    """

    instance: Instance
    data: ModelData
    form: StandardForm
    session: HighsSession
    scales: dict[str, float]
    build_s: float
    columns: dict[str, np.ndarray | dict] = field(repr=False, default_factory=dict)
    builder: str = "matrix"
    extend: Extension | None = field(repr=False, default=None)
    rounds: int = 0  # restricted model: rounds of the last solve or evaluation
    repaired: bool = False  # restricted model: the last solve's final solution was repaired (restriction.repaired)
    formulation: str = "classic"  # of the last search: "radius" where the allocation was projected out
    relaxation_bound: float | None = None  # of the last search, where it scouted (scout.relaxed_scout)
    scout_objective: float | None = None  # of the last search: the scout's configuration served, a true cost
    openings: int = 0  # of the last search: services the improvement of the scout's configuration opened
    closings: int = 0  # and closed
    scouted: bool = False  # the last search answered with the scout's configuration
    distinct: naming.Distinct | None = None  # of the last search: the level it ranks at (None: y and r)
    pace: Pace = field(repr=False, default_factory=Pace)  # how fast its models build and solve: what work may take

    @classmethod
    def build(cls, instance: Instance, *, options: ModelOptions | None = None,
              solver: SolverOptions | None = None, times: dict[str, TravelTimes] | None = None,
              builder: str = "matrix", extend: Extension | None = None) -> Engine:
        """Build the model once and load it into HiGHS.

        ``builder="matrix"`` assembles the matrices with numpy (:mod:`optimiser.model.matrix`, fast at any
        size); ``"pyomo"`` states the model in Pyomo (:mod:`optimiser.model.statement`, the readable statement)
        and compiles it. Tests hold the two equal.

        ``extend(model, data)`` adds rules of one's own to the Pyomo model (constraints over ``model.y``,
        ``model.r``, ``model.x`` …) before it is compiled, so that ranking, evaluation and the report see
        them; it implies the Pyomo builder and is applied again to every model this engine rebuilds (a
        restricted model's rounds). A rule on the allocation ``x`` should skip pairs not in ``model.X``.
        """
        if extend is not None:
            builder = "pyomo"
        start = time.perf_counter()
        options = options or ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment")))
        data = prepare(instance, options, times)
        compiling = time.perf_counter()
        form, columns = _compile(data, builder, extend)
        session = HighsSession(form, solver)
        pace = Pace()
        pace.built(time.perf_counter() - compiling, len(data.pairs))
        return cls(instance, data, form, session, criterion_scales(data), time.perf_counter() - start, columns,
                   builder, extend, pace=pace)

    def __repr__(self) -> str:
        rows, columns = self.form.shape
        return f"Engine({self.instance.name!r}: {self.builder} builder, {columns:,} columns × {rows:,} rows)"

    @property
    def restriction(self) -> Restriction | None:
        if self.formulation == "radius" or (self.data.reach is None and self.rounds <= 1):  # every pair
            return None
        return Restriction(len(self.data.pairs), len(self.data.candidates), self.rounds, self.repaired,
                           self.scouted, self.openings if self.scouted else 0, self.closings if self.scouted else 0)

    # --- solving ------------------------------------------------------------------------------

    def solve(self, *, top: int = 1, weights: Mapping[str, float] | None = None,
              progress: Callable[[int, SolverResult], None] | None = None,
              watch: Callable[[Progress], None] | None = None, distinct: naming.Distinct | None = None) -> SolveResult:
        """The best ``top`` distinct configurations under ``weights`` (the instance's, overridden),
        each the best of its kind at the ``distinct`` level (:mod:`optimiser.search.naming`; None: any
        difference in which site hosts which service or takes which role),
        within the solver's time limit for the whole ranking. The search starts from the baseline
        configuration, so that a search stopped early has at least today's configuration to show.
        ``progress`` hears of each configuration found; ``watch`` of where each running solve stands
        (best objective, bound, gap), about once per ``SolverOptions.watch_interval_s`` (1 s unless
        set), and only news it has not heard (``watch=print`` prints readable lines). An exception a
        watcher raises ends the search (at HiGHS's next report or the solve's end, from the heartbeat)
        and reaches the caller."""
        if top < 1:
            raise OptimiserError(f"top must be at least 1, not {top}")
        chosen = self._set_weights(weights)
        self.distinct = distinct
        self.session.start_budget()
        self.session.watch = None if watch is None else self._telling(watch)
        start = time.perf_counter()
        master = radius_search.radius_master(self)
        self.formulation = "radius" if master else "classic"
        self.relaxation_bound, self.scout_objective, self.scouted = None, None, False
        self.openings = self.closings = 0
        deadline = self.session.deadline
        try:
            if not self.data.unservable.empty:
                results = [self._unservable()]
            else:
                results = (radius_search.by_radius(self, master, top, progress) if master
                           else self._classic(top, progress))
        except radius_search.FloorBinds:  # a unit the master opened would have no patients: the classic model decides
            self.formulation, self.session.deadline = "classic", deadline
            results = self._classic(top, progress)
        finally:
            self.session.watch = None
        limit = self.session.options.time_limit_s  # it ended the search where it stopped a solve, or took it all
        limited = limit is not None and (time.perf_counter() - start >= limit or any(
            r.status in (Status.FEASIBLE, Status.NO_SOLUTION) for r in results))
        found = restricted.best_allocations(self, [r for r in results if r.has_solution])
        seconds = time.perf_counter() - start
        ranked = self._rank(found, chosen)
        status = ranked[0].status if ranked else results[0].status if results else Status.ERROR
        exhausted = len(ranked) < top and (not results or results[-1].status in (Status.OPTIMAL, Status.INFEASIBLE))
        return SolveResult(self.instance.name, status, ranked, chosen, self.scales, self.build_s, seconds,
                           results[0].solver if results else "", exhausted, self.restriction, self.formulation,
                           self.relaxation_bound, limit, limited, self.builder, _name(self.extend))

    def _telling(self, watch: Callable[[Progress], None]) -> Callable[[Progress], None]:
        """``watch``, told of this engine's searches: in a classic model of each zone's nearest sites
        (scout included), the best objective marked provisional, unless the scout's served
        configuration, a true cost, is better; the bound the better of the search's and the scout's.
        News the watcher has heard already (the same objective, bound and gap; the heartbeat's of a
        silent solve) is not told again."""
        heard: list[tuple] = []

        def told(progress: Progress) -> None:
            objective, bound = progress.objective, progress.bound
            provisional = self.formulation == "classic" and self.data.reach is not None
            served, scouted = self.scout_objective, self.relaxation_bound
            if served is not None and (objective is None or served <= objective):
                objective, provisional = served, False
            if scouted is not None and math.isfinite(scouted) and (bound is None or scouted > bound):
                bound = scouted
            gap = progress.gap if objective is None or bound is None else max(relative_gap(objective, bound), 0.0)
            news = (objective, bound, gap, provisional)
            if heard and heard[-1] == news:
                return
            heard[:] = [news]
            watch(replace(progress, objective=objective, bound=bound, gap=gap, provisional=provisional))
        return told

    def _classic(self, top: int, progress: Callable[[int, SolverResult], None] | None) -> list[SolverResult]:
        """The ranking of the classic model, from the baseline; a restricted model's single best is
        scouted first (:func:`~optimiser.search.scout.relaxed_scout`, its configuration improved), searched
        for from the scout's configuration until :data:`~optimiser.search.restriction.REPAIR_RESERVE` times
        its serving before the limit, and the better of the two answers kept. Unscouted, a restricted
        model's search leaves :data:`REPAIR_SHARE` of the limit to the repair of its answer, owed within
        the limit's grace."""
        scouts = top == 1 and self.data.reach is not None and self.data.options.radius
        scout = scouting.relaxed_scout(self) if scouts else None
        if scout and scout.proves(self.session.options.mip_gap):
            return scouting.scouted(self, [], scout)
        served = scout.configuration if scout and scout.served else None
        start = served if served is not None else self.data.baseline
        unscouted = served is None and self.data.reach is not None and self.session.deadline is not None
        if served and self.session.deadline is not None:
            self.session.deadline -= restricted.REPAIR_RESERVE * scout.serving_s
        elif unscouted:
            self.session.deadline -= REPAIR_SHARE * self.session.options.time_limit_s
        if start is not None:
            self._start_from(start)
        if unscouted:  # the repair: a rebuild and a pinned solve, at the pace seen (the start's solve included)
            share_s = REPAIR_SHARE * self.session.options.time_limit_s
            self.session.deadline -= max(restricted.REPAIR_RESERVE * restricted.repair_s(self) - share_s, 0)
        results = restricted.exactly(self, lambda: best_k(self.session, self._decision_columns(), top, progress),
                                start=None if served else self.data.baseline, warm=True, served=served)
        return scouting.scouted(self, results, scout) if scout else results

    def _start_from(self, configuration: Configuration) -> None:
        """Offer HiGHS ``configuration`` as the search's start (its pinned solve's seconds tell the
        :attr:`pace`). Under a time limit it is completed here first, by its pinned solve (which the
        deadline interrupts): HiGHS completes a partial start without looking at its limit (given 3.75 s, a
        search from today's configuration ran 5.2 s; 4.0 s without). Not between the rounds of a restricted
        model: there, a grown model's pinned solve costs more than it saves."""
        if self.session.deadline is None:
            self.session.set_start(*self._decision_values(configuration))
            return
        completed = self._solve_pinning(self.pin(configuration))
        if completed.has_solution:
            self.session.set_start(np.arange(len(completed.values)), completed.values)

    def evaluate(self, configuration: Configuration | str, *,
                 weights: Mapping[str, float] | None = None) -> Solution | SolverResult:
        """The best allocation for a given configuration: a :class:`Solution`, or the failed
        :class:`SolverResult` when no allocation can meet the rules with it."""
        if isinstance(configuration, str):
            configuration = option_configuration(self.instance, configuration)
        chosen = self._set_weights(weights)
        result = self.solve_pinned(configuration)
        if not result.has_solution:
            return result
        solution = self._solution(result, chosen)
        return Solution(configuration, solution.objective, solution.criteria, solution.allocation,
                        solution.expansion, *_proof(result.objective, result.bound))

    def solve_pinned(self, configuration: Configuration) -> SolverResult:
        """Solve with the configuration pinned, under the weights already set, then unpin it: a job
        of its own for the time limit (a sweep evaluates options after a search)."""
        self.session.start_budget()
        if not self.data.unservable.empty:
            return self._unservable()
        return restricted.exactly(self, lambda: [self._solve_pinning(self.pin(configuration))])[0]

    def _unservable(self) -> SolverResult:
        """Infeasible, without a solve: some zone's demand has no site permitted to serve it (its demand
        row has no term: :func:`optimiser.model.data.unservable`), and none may be left unserved."""
        return SolverResult(Status.INFEASIBLE, None, None, None, 0.0, solver_version())

    def _solve_pinning(self, columns: np.ndarray) -> SolverResult:
        """Solve with ``columns`` pinned (their bounds already set), then give them back their bounds."""
        try:
            return self.pace.solved(self.session.solve(), len(self.data.pairs))
        finally:
            self.session.reset_bounds(columns)

    # --- the model's session: rebuilt for another reach (optimiser.search.restriction) ---------------

    def _adopt(self, engine: Engine) -> None:
        """Take another engine's model (same instance, weights), keeping this one's deadline and watcher."""
        old = self.session
        self.data, self.form, self.columns, self.session = engine.data, engine.form, engine.columns, engine.session
        self.session.share_budget(old)
        self.session.watch = old.watch

    def _with_data(self, data: ModelData) -> Engine:
        """This instance under the same weights, in a model of other data (another reach: ``data`` from
        :meth:`ModelData.restricted_to`) and its own HiGHS session, sharing this engine's pace."""
        start = time.perf_counter()
        form, columns = _compile(data, self.builder, self.extend)
        engine = Engine(self.instance, data, form, HighsSession(form, self.session.options), self.scales, 0.0, columns,
                        self.builder, self.extend, pace=self.pace)
        engine.session.set_weights(self.session.weights)
        engine.session.share_budget(self.session)
        self.pace.built(time.perf_counter() - start, len(data.pairs))
        return engine

    # --- internals ----------------------------------------------------------------------------

    def _set_weights(self, weights: Mapping[str, float] | None) -> dict[str, float]:
        chosen = resolve_weights(self.instance.weights, weights)
        self.session.set_weights(solver_weights(chosen, self.scales))
        return chosen

    def _decision_columns(self) -> np.ndarray:
        """The columns that make a configuration distinct: which site hosts which service, and roles,
        those of the :attr:`distinct` level only."""
        return np.concatenate([self.columns["y"].ravel(), self.columns["r"].ravel()])[self._distinct_mask()]

    def _distinct_mask(self) -> np.ndarray:
        """Which decision columns (``y`` then ``r``, as :meth:`_decision_columns`) the no-good cuts range over."""
        data = self.data
        if self.distinct is None:
            return np.ones(len(data.sites) * (len(data.services) + len(data.roles)), dtype=bool)
        if self.distinct.level == "roles" and not data.roles:
            raise OptimiserError("configurations distinct by roles need the role layer, which this model leaves out")
        return self.distinct.mask(data.sites, data.services, list(data.roles))

    def pin(self, configuration: Configuration, *, keep_givens: bool = True) -> np.ndarray:
        """Fix ``y`` (and ``r`` where the configuration has roles) to the configuration.

        A configuration without roles on an engine with roles leaves ``r`` free: it is
        then feasible only if some assignment of roles brings exactly its services.
        The givens hold by the columns' own bounds: a configuration that breaks one is pinned
        to empty bounds, so infeasible, unless ``keep_givens`` is False (the diagnosis, which
        names the givens apart). Returns the pinned columns, for ``session.reset_bounds``.
        """
        columns, values = self._decision_values(configuration)
        lower, upper = values, values
        if keep_givens:
            lower = np.maximum(values, self.form.col_lower[columns])
            upper = np.minimum(values, self.form.col_upper[columns])
        self.session.set_bounds(columns, lower, upper)
        return columns

    def _decision_values(self, configuration: Configuration) -> tuple[np.ndarray, np.ndarray]:
        """The ``y`` columns (and ``r``, where the configuration has roles) and their values in it."""
        hosts = configuration.hosts
        y = np.array([[1.0 if (s, l) in hosts else 0.0 for l in self.data.services] for s in self.data.sites])
        columns, values = [self.columns["y"].ravel()], [y.ravel()]
        role_of = configuration.role_of
        if role_of and self.data.roles:
            r = np.array([[1.0 if role_of.get(s) == k else 0.0 for k in self.data.roles] for s in self.data.sites])
            columns.append(self.columns["r"].ravel())
            values.append(r.ravel())
        return np.concatenate(columns), np.concatenate(values)

    def _rank(self, results: list[SolverResult], weights: dict[str, float]) -> list[RankedSolution]:
        """The results in order of objective, each labelled with what is proved of its place. Solve k of a
        ranking bounds every configuration but the k - 1 found before it, so each of the first k bounds
        the k-th best: rank k is within its gap of the true k-th best, measured against the best of the
        first k bounds in the order they were found (a search within a gap may find a better one later)."""
        bounds = np.maximum.accumulate([-math.inf if r.bound is None else r.bound for r in results])
        ranked: list[RankedSolution] = []
        for result, bound in zip(sorted(results, key=lambda r: r.objective), bounds, strict=True):
            solution = self._solution(result, weights)
            tied = bool(ranked) and abs(solution.objective - ranked[-1].objective) <= TIE_TOLERANCE * max(
                1.0, abs(solution.objective))
            rank = ranked[-1].rank if tied else len(ranked) + 1
            ranked.append(RankedSolution(
                Configuration(solution.configuration.hosts, solution.configuration.roles, name=f"#{rank}"),
                solution.objective, solution.criteria, solution.allocation, solution.expansion,
                *_proof(result.objective, bound), rank=rank, tied_with_previous=tied))
        return ranked

    def _solution(self, result: SolverResult, weights: dict[str, float]) -> Solution:
        x = result.values
        raw = self.form.objective_values(x)
        criteria = {name: raw[name] for name in CRITERIA}
        objective = sum(weights.get(name, 0.0) * criteria[name] / self.scales[name] for name in CRITERIA)
        return Solution(self._configuration(x), objective, criteria, self._allocation(x), self._expansion(x),
                        result.status, result.gap)

    def _configuration(self, x: np.ndarray) -> Configuration:
        y = x[self.columns["y"]] > 0.5
        r = x[self.columns["r"]] > 0.5
        roles = list(self.data.roles)
        return Configuration.of(
            [(s, l) for i, s in enumerate(self.data.sites) for j, l in enumerate(self.data.services) if y[i, j]],
            {s: roles[j] for i, s in enumerate(self.data.sites) for j in range(len(roles)) if r[i, j]})

    def _allocation(self, x: np.ndarray) -> pd.DataFrame:
        """Shares of every zone, each member of a merged model zone with the model zone's
        (optimiser.model.aggregate)."""
        pairs = self.data.pairs
        share = x[self.columns["x"]]
        keep = share > 1e-9
        return expand_allocation(pd.DataFrame({"service_id": pairs["service_id"][keep].to_numpy(),
                                               "zone_id": pairs["zone_id"][keep].to_numpy(),
                                               "site_id": pairs["site_id"][keep].to_numpy(), "share": share[keep]}),
                                 self.data.zone_members)

    def _expansion(self, x: np.ndarray) -> pd.DataFrame:
        rows = [(s, r, x[column]) for (s, r), column in self.columns["expand"].items()]
        return pd.DataFrame([row for row in rows if row[2] > 1e-9], columns=["site_id", "resource", "added"])


def _proof(objective: float, bound: float | None) -> tuple[Status, float | None]:
    """What a bound proves of an objective: optimal, or feasible within a gap (inf: no bound at all)."""
    if bound is None or not math.isfinite(bound):
        return Status.FEASIBLE, math.inf
    if proved(objective, bound):
        return Status.OPTIMAL, 0.0
    return Status.FEASIBLE, max(relative_gap(objective, bound), 0.0)


def _compile(data: ModelData, builder: str,
             extend: Extension | None = None) -> tuple[StandardForm, dict[str, np.ndarray | dict]]:
    """The model's matrices and where its variables are, by numpy or through Pyomo (extended)."""
    if builder == "matrix":
        built = build_matrix(data)
        return built.form, built.columns
    if builder == "pyomo":  # imported here: the default path never loads Pyomo
        from optimiser.model.statement import build_model
        from solvers.milp import compile_pyomo

        model = build_model(data)
        if extend is not None:
            extend(model, data)
        form = compile_pyomo(model)
        return form, _locate(model, data, form)
    raise OptimiserError(f"unknown builder {builder!r}: 'matrix' or 'pyomo'")


def _name(extend: Extension | None) -> str | None:
    """How a report names the user's rules: the function's name."""
    return None if extend is None else getattr(extend, "__name__", type(extend).__name__)


def _locate(model, data: ModelData, form: StandardForm) -> dict[str, np.ndarray | dict]:
    """Column of each decision variable in the compiled matrices (by Pyomo's own names)."""
    index = form.column_index()
    pairs = zip(data.pairs["zone_id"], data.pairs["site_id"], data.pairs["service_id"], strict=True)
    return {
        "y": np.array([[index[model.y[s, l].name] for l in data.services] for s in data.sites], dtype=np.int64),
        "r": np.array([[index[model.r[s, k].name] for k in data.roles] for s in data.sites],
                      dtype=np.int64).reshape(len(data.sites), len(data.roles)),
        "x": np.array([index[model.x[k].name] for k in pairs], dtype=np.int64),
        "beyond": np.array([index[model.beyond[k].name] for k in model.B], dtype=np.int64),
        "expand": {k: index[model.expand[k].name] for k in model.EXPAND if model.expand[k].name in index},
    }


def solve(instance: Instance, *, top: int = 1, weights: Mapping[str, float] | None = None,
          time_limit_s: float | None = None, mip_gap: float = 0.0, threads: int = 1,
          closest_assignment: bool | None = None, nearest_sites: int | None = None,
          progress: Callable[[int, SolverResult], None] | None = None,
          watch: Callable[[Progress], None] | None = None, distinct: str | None = None, builder: str = "matrix",
          extend: Extension | None = None) -> SolveResult:
    """The best ``top`` distinct configurations of ``instance``, best first, each proved optimal
    (or reported with its status and gap). ``nearest_sites`` starts each zone with its N nearest
    sites and grows them until the results are the full model's (None: by size; 0: every pair).
    ``distinct`` is the level they differ at (``roles``, ``all``, ``services:a,b``; by default roles
    where the instance has them, :func:`optimiser.search.naming.distinct`). ``progress`` and ``watch`` are
    those of :meth:`Engine.solve`; ``builder`` and ``extend`` those of :meth:`Engine.build`."""
    if nearest_sites is not None and nearest_sites < 0:
        raise OptimiserError(f"nearest sites must be 0 (every pair) or more, not {nearest_sites}")
    options = ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment"))
                           if closest_assignment is None else closest_assignment, nearest_sites=nearest_sites)
    engine = Engine.build(instance, options=options,
                          solver=SolverOptions(time_limit_s=time_limit_s, mip_gap=mip_gap, threads=threads),
                          builder=builder, extend=extend)
    return engine.solve(top=top, weights=weights, progress=progress, watch=watch,
                        distinct=naming.distinct(instance, distinct))


def evaluate(instance: Instance, configuration: Configuration | str, *,
             weights: Mapping[str, float] | None = None, extend: Extension | None = None,
             solver: SolverOptions | None = None) -> Solution | SolverResult:
    """A named option or any configuration under the instance's model (with ``extend``'s rules,
    :meth:`Engine.build`), within ``solver``'s time limit and gap.

    A configuration stated without roles (the status quo) is evaluated without
    the role layer, since today's sites need not follow the hospital models.
    """
    if isinstance(configuration, str):
        configuration = option_configuration(instance, configuration)
    options = evaluation_options(instance, configuration)
    return Engine.build(instance, options=options, solver=solver, extend=extend).evaluate(configuration,
                                                                                           weights=weights)


def evaluation_options(instance: Instance, configuration: Configuration) -> ModelOptions:
    """The formulation a configuration is evaluated under: with the role layer only if it names roles."""
    return ModelOptions(use_roles=bool(configuration.roles) and not instance.roles.empty,
                        closest_assignment=bool(instance.settings.get("closest_assignment")))
