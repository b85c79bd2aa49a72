"""Scouting a restricted model: the relaxation of its radius formulation gives a bound on the full optimum
and a configuration, served at each zone's nearest hosts and then improved by openings and closings that
pay. Where the classic model's root LP is slow, the scout answers, or gives the search its start."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimiser.instance.configuration import Configuration
from solvers.highs import SolverResult, Status, relative_gap

from . import restriction
from .radius import RadiusMaster

if TYPE_CHECKING:
    from .engine import Engine

#: Share of a limited search's time left that its relaxation may take (:func:`relaxed_scout`).
SCOUT_SHARE = 0.5
#: Share of the time left after the scout that improving its configuration may take (:func:`improved`).
IMPROVE_SHARE = 0.75
#: A unit that linear programme moves at least this far (opens, or closes) is moved in the round's first try.
ROUNDED_MOVE = 0.5
#: Tries per round of the improvement: that rounded set, then its units one at a time, farthest moved first.
IMPROVE_TRIES = 4
#: Decimals of the shares that order the single tries; units equal to these are tried in name order.
SHARE_DIGITS = 9
#: In the objective's units (about 1): a move pays where it lowers a cost by more than this, a unit of
#: reduced cost below minus this may pay to open, and a linear programme moves a unit if by more than this.
MOVE_TOLERANCE = 1e-7


@dataclass(frozen=True)
class Scout:
    """What the relaxation of a restricted model gave (:func:`relaxed_scout`): its bound on the full
    optimum (-inf without one), its configuration, and that configuration served in ``engine``'s
    model (None where it could not be), in ``serving_s`` seconds (model and solve)."""

    bound: float
    configuration: Configuration | None
    engine: Engine | None
    served: SolverResult | None
    serving_s: float = 0.0

    def proves(self, mip_gap: float) -> bool:
        """The served configuration is within ``mip_gap`` of the bound: optimal, no search needed."""
        if self.served is None:
            return False
        return relative_gap(self.served.objective, self.bound) <= mip_gap + 1e-9


def relaxed_scout(engine: Engine) -> Scout | None:
    """The relaxation without the rules on the allocation but demand and linking (capacity,
    volumes, coverage, closest assignment), on the radius formulation: fast where the classic
    model's root LP is slow, its bound bounds the full model, and its configuration, served in a
    model of each zone's nearest hosts, is a feasible answer (where capacity allows), then
    improved (:func:`improved`). Takes at most :data:`SCOUT_SHARE` of the time left, and the
    improvement :data:`IMPROVE_SHARE` of the rest."""
    master = RadiusMaster.of(engine.data, engine.form, engine.columns, engine.session.weights, engine.session.options,
                             relaxed=True)
    if master is None:
        return None
    left = engine.session.time_left_s
    master.session.share_budget(engine.session)
    master.session.deadline = None if left is None else time.perf_counter() + SCOUT_SHARE * left
    master.watch_with(engine.session.watch)
    found = master.solve()
    engine.relaxation_bound = bound = -math.inf if found.bound is None else found.bound
    if not found.has_solution:
        return Scout(bound, None, None, None)
    configuration = engine._configuration(master.full_values(found.values, len(engine.form.columns)))
    master.watch_with(None)  # the watcher's closure holds the master: let it go now, with its HiGHS model
    del master
    serving = time.perf_counter()
    at_hosts = restriction.at_hosts(engine, configuration)
    if at_hosts is None:
        return Scout(bound, configuration, None, None)
    served = restriction.solve_within_kept(at_hosts, configuration)
    if not served.has_solution:
        return Scout(bound, configuration, at_hosts, None, time.perf_counter() - serving)
    engine.scout_objective = served.objective
    scout = Scout(bound, configuration, at_hosts, served, time.perf_counter() - serving)
    return scout if scout.proves(engine.session.options.mip_gap) else improved(engine, scout)


def improved(engine: Engine, scout: Scout) -> Scout:
    """The scout's configuration with services opened, or closed, where its served allocation shows
    that pays: the relaxation ignores capacity, so it closes units the full model keeps (regional: 109
    hosts against today's 186), and once some are opened again, others may close. Round by round,
    openings first (:func:`_better_openings`) and, where none pays, closings
    (:func:`_better_closings`), while a move pays, within :data:`IMPROVE_SHARE` of the time left,
    until the relaxation's bound proves it within the gap asked for. Every move lowers the served
    cost, so the rounds cannot cycle, though a unit opened with others may close again alone. Not
    where roles bundle services, which open together or not at all."""
    if engine.columns["r"].size:
        return scout
    left = engine.session.time_left_s
    until = math.inf if left is None else time.perf_counter() + IMPROVE_SHARE * left
    tried_opening: set[tuple[str, str]] = set()  # units tried alone, each way
    tried_closing: set[tuple[str, str]] = set()
    while time.perf_counter() < until and not scout.proves(engine.session.options.mip_gap):
        better = (_better_openings(scout, tried_opening, until)
                  or _better_closings(engine, scout, tried_closing, until))
        if better is None:
            break
        engine.openings += len(better.configuration.hosts - scout.configuration.hosts)
        engine.closings += len(scout.configuration.hosts - better.configuration.hosts)
        scout, engine.scout_objective = better, better.served.objective
    return scout


def _better_openings(scout: Scout, tried: set[tuple[str, str]], until: float) -> Scout | None:
    """The scout with openings that lower its served cost, or None: every closed unit of negative
    reduced cost (:func:`_openings`) weighed with the others (:func:`_better_moves`). All of them,
    not the few of most negative reduced cost: national, the 16 first took 47 s and opened two at
    least half; all 312 took 17 s, and the search opened 18 and was within its 1% gap after 165 s
    (with the 16 first: 1.10% after 509 s)."""
    if time.perf_counter() >= until:
        return None
    return _better_moves(scout, _openings(scout.engine, scout.configuration, tried), tried, until, opening=True)


def _better_closings(engine: Engine, scout: Scout, tried: set[tuple[str, str]], until: float) -> Scout | None:
    """The scout with closings that lower its served cost, or None: every unit it hosts but a given
    weighed with the others (:func:`_better_moves`). Reduced costs cannot choose them, as they choose
    openings: with the configuration pinned, a hosted unit's reduced cost is its own cost. Regional,
    after the openings: s021's cancer and s037's elective closed together, 1.256659 → 1.256008."""
    given = _given_hosts(engine)
    units = sorted(unit for unit in scout.configuration.hosts if unit not in tried and unit not in given)
    return _better_moves(scout, units, tried, until, opening=False)


def _better_moves(scout: Scout, units: list[tuple[str, str]], tried: set[tuple[str, str]], until: float, *,
                  opening: bool) -> Scout | None:
    """The scout with some of ``units`` opened (or closed) where that lowers its served cost, else None.
    The units are weighed together in one linear programme, all free between closed and open
    (:func:`freed_shares`): its optimum bounds the served cost of the configuration with any of them
    moved, so where it is no lower, no move pays. Else the units it moves at least
    :data:`ROUNDED_MOVE` are served moved together, then, while that does not pay, the units it moves at
    all one at a time, farthest first (equal moves by name, not by noise); each unit is tried alone
    once each way."""
    if not units or time.perf_counter() >= until:
        return None
    bound, shares = freed_shares(scout.engine, scout.configuration, units)
    if bound >= scout.served.objective - MOVE_TOLERANCE:
        return None
    moved = (shares if opening else 1 - shares).round(SHARE_DIGITS)
    chosen = [unit for move, unit in sorted(zip(-moved, units, strict=True)) if -move > MOVE_TOLERANCE]
    rounded = frozenset(unit for unit, move in zip(units, moved, strict=True) if move >= ROUNDED_MOVE)
    tries = [rounded] if rounded else []
    tries += [frozenset([unit]) for unit in chosen if frozenset([unit]) != rounded]
    hosts = scout.configuration.hosts
    for changed in tries[:IMPROVE_TRIES]:
        if time.perf_counter() >= until:
            return None
        if len(changed) == 1:
            tried.update(changed)
        better = with_hosts(scout, hosts | changed if opening else hosts - changed)
        if better is not None:
            return better
    return None


def with_hosts(scout: Scout, hosts: frozenset[tuple[str, str]]) -> Scout | None:
    """The scout with other ``hosts``, where that lowers its served cost, else None. Served in the
    scout's own model, no other built: its allocation keeps to that model's pairs, so it is feasible in
    the full model all the same. A host added can only bring each zone's nearest hosts nearer, so for
    openings that model keeps every pair the candidate's own would (:func:`optimiser.model.nearest.to_hosts`)
    and serves it as well or better; a zone whose kept hosts close has fewer left, so a closing is served
    at a cost its own model might better."""
    candidate = Configuration(hosts, scout.configuration.roles)
    served = restriction.solve_within_kept(scout.engine, candidate)
    if served.has_solution and served.objective < scout.served.objective - MOVE_TOLERANCE:
        return replace(scout, configuration=candidate, served=served)
    return None


def _given_hosts(engine: Engine) -> set[tuple[str, str]]:
    """Units the instance's givens fix open."""
    givens = engine.instance.givens
    hosting = givens[givens["hosts"].astype(bool)]
    return set(zip(hosting["site_id"], hosting["service_id"], strict=True))


def _openings(engine: Engine, configuration: Configuration, tried: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Units (site, service) ``configuration`` leaves closed whose reduced cost in this model's LP
    with it pinned (no beyond shares) is negative, most negative first: openings that may pay."""
    with restriction.within_kept(engine, configuration):
        if not engine.session.solve(relaxation=True, fresh=True).has_solution:
            return []
        reduced = engine.session.reduced_costs()
    y = engine.columns["y"]
    units = [(reduced[y[i, j]], (site, service)) for i, site in enumerate(engine.data.sites)
             for j, service in enumerate(engine.data.services)
             if (site, service) not in configuration.hosts and (site, service) not in tried
             and reduced[y[i, j]] < -MOVE_TOLERANCE]
    return [unit for _, unit in sorted(units)]


def freed_shares(engine: Engine, configuration: Configuration,
                 units: list[tuple[str, str]]) -> tuple[float, np.ndarray]:
    """This model's LP with ``configuration`` pinned but ``units`` free between closed and open (no
    beyond shares): its optimum, a bound on serving ``configuration`` with any of them moved (inf where
    it has none), and how far it opens each."""
    site, service = pd.Index(engine.data.sites), pd.Index(engine.data.services)
    sites, services = zip(*units, strict=True)
    columns = engine.columns["y"][site.get_indexer(list(sites)), service.get_indexer(list(services))]
    with restriction.within_kept(engine, configuration):
        engine.session.set_bounds(columns, np.zeros(len(columns)), np.ones(len(columns)))
        relaxed = engine.session.solve(relaxation=True, fresh=True)
        if relaxed.status is not Status.OPTIMAL:
            return math.inf, np.zeros(len(units))
        return relaxed.objective, relaxed.values[columns]


def scouted(engine: Engine, results: list[SolverResult], scout: Scout) -> list[SolverResult]:
    """The search's best, or the scout's served configuration where it is better (the engine then
    takes the scout's model, in which it was served), bounded by the better bound of the two."""
    first = results[0] if results else None
    if first is not None and first.status is Status.OPTIMAL:
        return results  # proved in the full model
    own = -math.inf if first is None or first.bound is None else first.bound
    bound = max(own, scout.bound)
    if scout.served is not None and (first is None or not first.has_solution
                                     or scout.served.objective < first.objective):
        engine._adopt(scout.engine)
        chosen, engine.scouted = scout.served, True
    elif first is not None and first.has_solution:
        chosen = first
    else:
        return results
    gap = max(relative_gap(chosen.objective, bound), 0.0)
    status = Status.OPTIMAL if gap <= engine.session.options.mip_gap + 1e-9 else Status.FEASIBLE
    return [replace(chosen, status=status, bound=bound, gap=gap)]
