"""Searching a model of each zone's nearest sites (:mod:`optimiser.model.nearest`) so that its answers are the
full model's: rounds that grow the kept sites while an answer serves demand beyond them, and, when the time
limit stops a round, the repair of its answer into a real allocation within the limit's grace.

Each function takes the :class:`~optimiser.search.engine.Engine` whose model it searches; a rebuild
(:func:`rebuilt`) gives it a grown model with the same weights, deadline and watcher, begun only where it
ends in time.
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from optimiser.instance.configuration import Configuration
from optimiser.model.nearest import grow, to_hosts, widen
from solvers.highs import Progress, SolverDefect, SolverResult, Status, proved, relative_gap, solver_version

if TYPE_CHECKING:
    from .engine import Engine

#: A beyond share above this means a zone needs more of its nearest sites.
BEYOND_TOLERANCE = 1e-7
#: Nearest hosting sites each zone keeps when a configuration is served outside a search (the
#: scout's, a stopped search's). The national scout's configuration costs 1.24811 served at 2
#: (10 s), 1.24618 at 3 (18 s), 1.24585 at 4, 1.24576 at 6 (34 s); a regional one, 1.26492 over its
#: kept sites grown to the nearest host, 1.26363 at 2, 1.26330 at 3 (2.7 s) and at 5.
SERVING_HOSTS = 3
#: A rebuild, and the solves owed after it, are begun only where this many times their cost at the
#: :class:`Pace` seen still fits before the deadline; a scouted search stops as many times the scout's
#: serving before the limit (the repair of its answer, owed past the limit, is the same work: the national
#: job ended 80 s past its limit).
REPAIR_RESERVE = 1.5
#: A pinned solve in a model of each zone's nearest hosts took 0.5-4 builds of that model (30 sites ×
#: 1,500 zones: 1.0 s against 0.4 s quietly, 3.5 s against 0.9 s and 0.6 s against 1.2 s under load):
#: the cost assumed before one is timed.
SOLVE_PER_BUILD = 2.5


@dataclass
class Pace:
    """How fast this machine builds and solves an instance's models, in seconds per kept pair: the slowest
    seen, so that work nothing interrupts (compiling a model and loading it into HiGHS) is begun only where
    it ends in time. Per pair, since a grown model is bigger than the one measured (a 30-site, 1,500-zone
    instance: 68,479 pairs built in 0.5 s, the model of its nearest hosts, 92,483, in 0.9-1.2 s under load);
    the slowest, since a shared machine's load comes and goes. Shared by an engine and the models it
    rebuilds."""

    build_s_per_pair: float = 0.0
    solve_s_per_pair: float = 0.0  # of a pinned linear programme that ended with a solution

    def built(self, seconds: float, pairs: int) -> None:
        self.build_s_per_pair = max(self.build_s_per_pair, seconds / max(pairs, 1))

    def solved(self, result: SolverResult, pairs: int) -> SolverResult:
        """Learn from a pinned solve that ended with its solution (one stopped says nothing of its length)."""
        if result.has_solution:
            self.solve_s_per_pair = max(self.solve_s_per_pair, result.seconds / max(pairs, 1))
        return result

    def seconds(self, pairs: int, *, solves: int) -> float:
        """A model of ``pairs`` built and ``solves`` pinned linear programmes solved in it; before any was
        timed, a solve is taken to cost :data:`SOLVE_PER_BUILD` builds."""
        solve_s = max(self.solve_s_per_pair, SOLVE_PER_BUILD * self.build_s_per_pair)
        return pairs * (self.build_s_per_pair + solves * solve_s)


@dataclass(frozen=True)
class Restriction:
    """How far each zone's nearest sites grew (:mod:`optimiser.model.nearest`). The results are those of the
    full model all the same: every round ends with no demand served beyond the kept sites."""

    kept_pairs: int
    candidate_pairs: int
    rounds: int  # solves of the ranking or evaluation, the last one final
    repaired: bool = False  # the time limit stopped a round whose last solution needed farther sites
    scouted: bool = False  # the answer is the relaxation's configuration, served at each zone's nearest hosts
    openings: int = 0  # services the scout's configuration opened, where the served allocation showed they pay
    closings: int = 0  # services it closed, likewise


def exactly(engine: Engine, run: Callable[[], list[SolverResult]], *, start: Configuration | None = None,
            warm: bool = False, served: Configuration | None = None) -> list[SolverResult]:
    """``run()``, again after growing the kept sites while any result serves demand beyond them,
    so that the results are the full model's (:mod:`optimiser.model.nearest`). ``warm`` starts each
    round from the best configuration of the one before. Once the time limit stops a round, or
    leaves no time for the next, the answer so far is repaired (:func:`repaired`), not searched
    for again; so is the last round's when the next one stops before it finds anything, and the
    ``start`` configuration when the first round of a restricted model stops before HiGHS has
    completed it; but not a configuration already ``served`` (the scout's). Every round's bound on
    the best solution bounds the full model's, so the best of them is kept."""
    engine.rounds, engine.repaired = 0, False
    so_far: tuple[list[SolverResult], SolverResult, Configuration] | None = None
    bound = -math.inf  # the best bound on the full model's best solution, from any round
    earlier: list[Configuration] = []  # the configurations of the round before, best first
    while True:
        results = run()
        engine.rounds += 1
        if not so_far and start is not None and engine.data.reach is not None \
                and results[0].status is Status.NO_SOLUTION:  # HiGHS had no time to complete the start
            so_far = ([], results[0], start)
        if so_far and not results[0].has_solution:
            return with_earlier(engine, made_whole(engine, *so_far, bound, served), earlier, len(earlier), bound)
        if results[0].bound is not None:
            bound = max(bound, results[0].bound)
        shares = [beyond_shares(engine, result) for result in results]
        used = [share.any() for share in shares]
        if not any(used):
            return results
        configurations = [engine._configuration(result.values) if result.has_solution else None
                          for result in results]  # read before the columns move
        first = used.index(True)
        so_far = (results[:first], results[first], configurations[first])
        needy = engine.data.beyond.loc[np.logical_or.reduce(shares), ["zone_id", "service_id"]]
        hosts = set().union(*(c.hosts for c, u in zip(configurations, used, strict=True) if u and c))
        grown = None if any(result.status is not Status.OPTIMAL for result in results) else rebuilt(
            engine, functools.partial(grow, engine.data.candidates, engine.data.reach, needy, hosts), solves=0)
        if grown is None:
            found = [c for c in configurations if c is not None]  # in this model: no other built for nothing
            return with_earlier(engine, made_whole(engine, *so_far, bound, served),
                                found + [c for c in earlier if c not in found], max(len(found), len(earlier)), bound)
        engine._adopt(grown)
        earlier = [c for c in configurations if c is not None]
        if warm:
            engine.session.set_start(*engine._decision_values(configurations[0]))


def with_earlier(engine: Engine, results: list[SolverResult], earlier: list[Configuration], count: int,
                 bound: float) -> list[SolverResult]:
    """``results`` of a round the time limit stopped, then configurations its search or the round before
    found (``earlier``) of kinds they lack, up to ``count`` in all: the limit, or a result that needed
    farther sites, would otherwise leave only the first (a generated 30-site instance at 10 s gave one
    of three). Each is served in this model where its kept pairs can serve it (linear programmes, owed
    past the deadline), a feasible answer, its gap measured against ``bound``, which bounds every
    configuration's objective."""
    kinds = {kind(engine, engine._configuration(r.values)) for r in results if r.has_solution}
    extra: list[SolverResult] = []
    deadline = engine.session.deadline
    engine.session.owe()
    try:
        for configuration in earlier:
            if len(results) + len(extra) >= count or kind(engine, configuration) in kinds:
                continue
            found = solve_within_kept(engine, configuration)
            if found.has_solution:
                kinds.add(kind(engine, configuration))
                extra.append(replace(found, status=Status.FEASIBLE, bound=bound,
                                     gap=max(relative_gap(found.objective, bound), 0.0)))
    finally:
        engine.session.deadline = deadline
    return [*results, *extra]


def kind(engine: Engine, configuration: Configuration) -> bytes:
    """What tells ``configuration`` apart at the engine's distinct level: its masked ``y`` and ``r``."""
    data, hosts, role_of = engine.data, configuration.hosts, configuration.role_of
    y = [(s, l) in hosts for s in data.sites for l in data.services]
    r = [role_of.get(s) == k for s in data.sites for k in data.roles]
    return np.array(y + r, dtype=bool)[engine._distinct_mask()].tobytes()


def beyond_shares(engine: Engine, result: SolverResult) -> np.ndarray:
    """Which beyond shares a result uses: zones served beyond their kept sites."""
    if not result.has_solution:
        return np.zeros(len(engine.data.beyond), dtype=bool)
    return result.values[engine.columns["beyond"]] > BEYOND_TOLERANCE


def made_whole(engine: Engine, exact: list[SolverResult], stopped: SolverResult, configuration: Configuration,
               best_bound: float, served: Configuration | None = None) -> list[SolverResult]:
    """The exact results of a round, and the first that was not, repaired (the best solution's
    with the best bound of every round); where that configuration is the one already ``served``, its
    bound alone, with no solution, for the caller to pair with that serving (regional: the classic
    search stops at the scout's configuration, whose repair took 4 s past the limit to give it again)."""
    own = -math.inf if stopped.bound is None else stopped.bound
    bound = max(own, best_bound) if not exact else own
    if configuration == served:
        return [*exact, replace(stopped, status=Status.NO_SOLUTION, objective=None, bound=bound, gap=None,
                                values=None)]
    configurations = [engine._configuration(result.values) for result in exact]  # before the repair moves columns
    form, fixed = engine.form, repaired(engine, replace(stopped, bound=bound), configuration)
    if engine.form is not form:  # each exact allocation is one of the repair's model too: it keeps more pairs
        exact = [allocated(engine, c, result) for c, result in zip(configurations, exact, strict=True)]
    return [*exact, fixed]


def repaired(engine: Engine, stopped: SolverResult, configuration: Configuration) -> SolverResult:
    """A stopped solve's configuration whose allocation used beyond shares, made a real answer
    (linear programmes, so they run past the spent budget, to the end of its grace): its zones held
    to their kept sites and their :data:`SERVING_HOSTS` nearest hosts, with the beyond shares fixed at 0; while
    that has no solution (capacity or a minimum volume not met there), every zone's sites doubled.
    Each allocation found is feasible in the full model (every left-out pair 0 breaks no row),
    though perhaps not the best for this configuration; with every site kept it is the
    configuration's exact value.

    Not the exact rounds of :meth:`~optimiser.search.engine.Engine.solve_pinned`: a pinned configuration's
    zones crowd one another out of full sites round after round (28 rounds, 90 s on the regional instance).
    The gap is measured against the stopped solve's bound, which bounds the full model too (the
    restricted model is a relaxation of it), so it is at least the true gap; the results before
    it in a ranking are exact, so the same cuts stand in both."""
    engine.session.owe()
    evaluated = served_at_hosts(engine, configuration)
    engine.repaired = True
    seconds = stopped.seconds + evaluated.seconds
    if not evaluated.has_solution:
        return SolverResult(Status.NO_SOLUTION, None, None, None, seconds, stopped.solver)
    gap = relative_gap(evaluated.objective, stopped.bound)
    cheapest = evaluated.status is Status.OPTIMAL  # over this model's kept pairs: no allocation to look for again
    return SolverResult(Status.FEASIBLE, evaluated.objective, stopped.bound, gap, seconds, evaluated.solver,
                        evaluated.values, cheapest)


def served_at_hosts(engine: Engine, configuration: Configuration) -> SolverResult:
    """``configuration`` served over its zones' nearest hosts (:func:`repaired`), every zone's sites
    doubled while that has no solution; no solution where the next rebuild would not end in time."""
    if engine.data.reach is not None:
        hosts = at_hosts(engine, configuration)
        if hosts is None:
            return SolverResult(Status.NO_SOLUTION, None, None, None, 0.0, solver_version())
        engine._adopt(hosts)
    while True:
        evaluated = solve_within_kept(engine, configuration)
        engine.rounds += 1
        if evaluated.has_solution or engine.data.reach is None or evaluated.status is Status.NO_SOLUTION:
            return evaluated
        widened = rebuilt(engine, lambda: widen(engine.data.candidates, engine.data.reach), solves=1)
        if widened is None:
            return evaluated
        engine._adopt(widened)


def best_allocations(engine: Engine, results: list[SolverResult]) -> list[SolverResult]:
    """Each result its configuration's best allocation (:func:`allocated`), unless it is proved
    optimal or is one already (a configuration served pinned): a search stopped by the limit, or
    within a gap, may hold its configuration at an allocation far above that configuration's
    cheapest (4.290 where 1.510 was to be had)."""
    return [result if result.fixed or proved(result.objective, result.bound)
            else allocated(engine, engine._configuration(result.values), result) for result in results]


def allocated(engine: Engine, configuration: Configuration, result: SolverResult) -> SolverResult:
    """``result`` with ``configuration``'s best allocation over the engine's kept pairs, pinned (linear
    programmes, owed past the deadline), its bound kept. Every model here keeps the pairs of the
    allocation ``result`` had, so one exists, and it costs no more; in a model of every pair it is the
    configuration's exact value. Past the grace of the time limit, ``result`` as it was."""
    deadline = engine.session.deadline
    engine.session.owe()
    try:
        served = solve_within_kept(engine, configuration)
    finally:
        engine.session.deadline = deadline
    if served.status is Status.NO_SOLUTION:
        return result
    if not served.has_solution:
        raise SolverDefect(f"a configuration of objective {result.objective:.9g} has no allocation when "
                           f"pinned ({served.status.value}); no answer is given. Report this.")
    bound = -math.inf if result.bound is None else result.bound
    return replace(result, objective=served.objective, values=served.values,
                   gap=max(relative_gap(served.objective, bound), 0.0), seconds=result.seconds + served.seconds)


def solve_within_kept(engine: Engine, configuration: Configuration) -> SolverResult:
    """``configuration`` pinned and every beyond share 0: an allocation over the kept pairs only,
    feasible in the full model (a left-out pair at 0 breaks no row), where one exists."""
    with within_kept(engine, configuration):
        return engine.pace.solved(engine.session.solve(), len(engine.data.pairs))


@contextmanager
def within_kept(engine: Engine, configuration: Configuration) -> Iterator[None]:
    """While inside, ``configuration`` is pinned and every beyond share is 0; their bounds are
    given back after (which makes HiGHS forget its solution: read it inside)."""
    beyond = engine.columns["beyond"]
    engine.session.set_bounds(beyond, np.zeros(len(beyond)), np.zeros(len(beyond)))
    pinned = np.concatenate([engine.pin(configuration), beyond])
    try:
        yield
    finally:
        engine.session.reset_bounds(pinned)


def at_hosts(engine: Engine, configuration: Configuration) -> Engine | None:
    """The engine's model with each zone's :data:`SERVING_HOSTS` nearest hosts in ``configuration`` kept
    too: enough to serve it without beyond shares where capacity allows, in far fewer pairs than
    every host; None where it and a solve in it would not end in time (:func:`rebuilt`). This job's
    watcher hears its solves' time and bound, not their objective (a candidate's cost, not the best so far)."""
    data = engine.data
    grown = rebuilt(engine, lambda: to_hosts(data.candidates, data.reach, configuration.hosts, SERVING_HOSTS),
                    solves=1)
    if grown is not None:
        grown.session.watch = quiet_watch(engine)
    return grown


def quiet_watch(engine: Engine) -> Callable[[Progress], None] | None:
    """The engine's watcher, told the time and the bound of a solve but not its objective."""
    watch = engine.session.watch
    return None if watch is None else lambda progress: watch(replace(progress, objective=None, gap=None))


def rebuilt(engine: Engine, reach: Callable[[], np.ndarray | None], *, solves: int) -> Engine | None:
    """The engine's instance in a model of another ``reach()`` (its own HiGHS session, same weights and
    deadline), or None where building it, which nothing interrupts, and ``solves`` pinned solves after it
    would not end before the deadline (or, for owed work, its grace) at :data:`REPAIR_RESERVE` times the
    :class:`Pace` seen: else the time limit would be broken by as much (a regional search at 2 s began a
    rebuild with 0.6 s left, and it took 0.9 s), or the rebuild be for nothing. Asked first at this model's
    size, which a grown one is not below: working out the reach itself took 2-4 s under load."""
    if not _in_time(engine, len(engine.data.pairs), solves):
        return None
    data = engine.data.restricted_to(reach())
    return engine._with_data(data) if _in_time(engine, len(data.pairs), solves) else None


def _in_time(engine: Engine, pairs: int, solves: int) -> bool:
    deadline = engine.session.deadline
    return deadline is None or (
        time.perf_counter() + REPAIR_RESERVE * engine.pace.seconds(pairs, solves=solves) <= deadline)


def repair_s(engine: Engine) -> float:
    """What repairing an answer of the engine's model may take at the pace seen: a model of about its size
    built, and a pinned solve in it (:func:`repaired`)."""
    return engine.pace.seconds(len(engine.data.pairs), solves=1)
