"""Ranking on the radius formulation (:mod:`optimiser.search.radius`): the allocation projected out, each
configuration the master finds allocated in the engine's full model, whose objective must agree with the
master's. Where the model allows it, this ranks uncapacitated instances far faster than the classic model."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from optimiser.instance.configuration import Configuration
from solvers.highs import SolverDefect, SolverResult, Status, proved, relative_gap
from solvers.ranking import best_k

from . import restriction
from .radius import RadiusMaster

if TYPE_CHECKING:
    from .engine import Engine

#: The radius master's objective and the full model's for the same configuration agree to this (relative).
RADIUS_TOLERANCE = 1e-6


class FloorBinds(Exception):
    """The radius master's answer breaks a row it leaves out (a hosted unit without patients)."""


def radius_master(engine: Engine) -> RadiusMaster | None:
    """The allocation projected out, where the model allows it and the options ask for it,
    sharing the engine session's deadline and watcher and starting from the baseline."""
    data, session = engine.data, engine.session
    if not data.options.radius:
        return None
    master = RadiusMaster.of(data, engine.form, engine.columns, session.weights, session.options)
    if master is None:
        return None
    master.session.share_budget(session)
    master.watch_with(session.watch)
    if data.baseline is not None:
        master.start_from(*engine._decision_values(data.baseline))
    return master


def by_radius(engine: Engine, master: RadiusMaster, top: int,
              progress: Callable[[int, SolverResult], None] | None) -> list[SolverResult]:
    """The ranking of the master, each configuration allocated in the full model; today's
    configuration when the limit stopped the master before HiGHS took it as its start."""
    found = best_k(master, master.decision[engine._distinct_mask()], top, progress)
    if found and found[0].status is Status.NO_SOLUTION and engine.data.baseline is not None:
        baseline = served(engine, engine.data.baseline, found[0])
        return [baseline] if baseline.has_solution else found
    n = len(engine.form.columns)  # read every configuration first: serving one may grow the model's columns
    configurations = [engine._configuration(master.full_values(result.values, n)) if result.has_solution
                      else None for result in found]
    while True:  # until every configuration is served in one model, the one its values are read in
        form = engine.form
        answers = [served(engine, configuration, result) if configuration else result
                   for configuration, result in zip(configurations, found, strict=True)]
        if engine.form is form:
            return answers


def served(engine: Engine, configuration: Configuration, found: SolverResult) -> SolverResult:
    """``configuration`` allocated in the full model (pinned: linear programmes, owed past the
    deadline, to the end of its grace: else no answer), with the status, bound and gap of the master's
    ``found``, whose objective must agree with it (:func:`check_served`)."""
    engine.session.owe()
    allocated = restriction.exactly(engine, lambda: [engine._solve_pinning(engine.pin(configuration))])[0]
    if allocated.status is Status.NO_SOLUTION:
        return replace(found, status=Status.NO_SOLUTION, objective=None, gap=None, values=None)
    check_served(engine, found, allocated)
    if not allocated.has_solution:
        return allocated
    seconds = found.seconds + allocated.seconds
    if found.has_solution:
        return replace(allocated, status=found.status, bound=found.bound, gap=found.gap, seconds=seconds)
    bound = -math.inf if found.bound is None else found.bound
    return replace(allocated, status=Status.FEASIBLE, bound=bound,
                   gap=relative_gap(allocated.objective, bound), seconds=seconds)


def check_served(engine: Engine, found: SolverResult, allocated: SolverResult) -> None:
    """The master's objective of a configuration and the full model's, computed apart, must agree, or no
    answer is given (SolverDefect). Two disagreements are not defects: a master point that is not proved
    optimal may cost more than its configuration served (it may build a site for nothing: a search within
    a gap stops at such points), and where the full model holds an activity floor the master leaves out
    (:data:`optimiser.search.radius.CHECKED_ROWS`), serving may cost more: the classic model decides then
    (:class:`FloorBinds`)."""
    if not found.has_solution:
        return
    tolerance = RADIUS_TOLERANCE * max(1.0, abs(found.objective))
    if allocated.has_solution:
        excess = allocated.objective - found.objective
        if abs(excess) <= tolerance or (excess < 0 and not proved(found.objective, found.bound)):
            return
    if any(row.startswith("activity_floor[") for row in engine.form.rows) and (
            not allocated.has_solution or allocated.objective > found.objective):
        raise FloorBinds
    raise SolverDefect(f"the radius formulation found a configuration of objective {found.objective:.9g}, "
                       f"but allocated in the full model it has {allocated.objective!r}; no answer is given. "
                       "Set ModelOptions(radius=False) to use the classic model, and report this.")
