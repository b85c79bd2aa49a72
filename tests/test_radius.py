"""The radius formulation (optimiser.search.radius): uncapacitated allocation projected out, the classic model's optima.

Where only the demand and linking rows touch the allocation, the engine searches a master of
configuration columns and one cost θ per zone and service, bounded by radius rows made as needed.
These tests hold it to the classic model (rankings, criteria, published p-median optima), check that
every row it makes holds for every configuration, that every rule on the allocation keeps the classic
model, and that its answers pass the independent checker.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from optimiser import Instance, load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.instance.configuration import Configuration
from optimiser.instance.generate import generate_instance
from optimiser.model.data import ModelOptions
from optimiser.model.objective import resolve_weights, solver_weights
from optimiser.model.pmedian import PUBLISHED_OPTIMA, SERVICE_ID, TRAVEL_ONLY, write_pmedian_instance
from optimiser.search import restriction
from optimiser.search import scout as scouting
from optimiser.search.engine import ROUNDED_MOVE, Engine
from optimiser.search.radius import RadiusMaster
from solvers.highs import HEURISTICS, HighsSession, Progress, SolverDefect, SolverOptions, Status

PMED = Path(__file__).parent / "data" / "pmed"
NO_WORST_ZONE = {"worst_zone": 0.0}


def classic(instance: Instance, **solve_args):
    return Engine.build(instance, options=ModelOptions(radius=False, nearest_sites=0)).solve(**solve_args)


def radius(instance: Instance, **solve_args):
    return Engine.build(instance).solve(**solve_args)


def assert_feasible(instance: Instance, result) -> None:
    for r in result.ranked:
        assert check_solution(instance, r.configuration, r.allocation, r.expansion) == []


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Instance:
    """A generated instance with its co-dependencies, givens and site counts, but nothing on the
    allocation: no capacity, no volume limits, no coverage standard."""
    instance = load_instance(generate_instance(tmp_path_factory.mktemp("g") / "g", sites=10, zones=80, services=5,
                                               seed=4))
    services = instance.services.assign(min_volume=0.0, max_volume=np.nan, coverage_share=np.nan,
                                        coverage_travel_min=np.nan)
    tables = instance.tables | {"services": services, "site_resources": instance.site_resources.iloc[0:0],
                                "resource_use": instance.resource_use.iloc[0:0]}
    return replace(instance, tables=tables)


@pytest.fixture(scope="module")
def pmed2(tmp_path_factory) -> Instance:
    return load_instance(write_pmedian_instance(PMED / "pmed2.txt", tmp_path_factory.mktemp("p") / "pmed2"))


# --- the same answers as the classic model ------------------------------------------------------

def test_uncapacitated_rules_rank_as_in_the_classic_model(rules):
    """Capital, running cost, rotas and moves on the configuration; travel and equity on the allocation."""
    assert not rules.codependencies.empty and not rules.givens.empty
    ours, theirs = radius(rules, top=3, weights=NO_WORST_ZONE), classic(rules, top=3, weights=NO_WORST_ZONE)
    assert ours.formulation == "radius" and theirs.formulation == "classic" and ours.restriction is None
    assert [r.objective for r in ours.ranked] == pytest.approx([r.objective for r in theirs.ranked], rel=1e-9)
    for mine, yours in zip(ours.ranked, theirs.ranked, strict=True):
        assert mine.criteria == pytest.approx(yours.criteria, rel=1e-9, abs=1e-12)
        assert mine.status is Status.OPTIMAL and mine.gap <= 1e-9
    assert_feasible(rules, ours)


def test_a_p_median_ranking_equals_the_classic_one_ties_included(pmed2):
    """pmed2's best five: 4093 twice, 4096 twice, 4098 (each found by both formulations)."""
    ours, theirs = radius(pmed2, top=5, weights=TRAVEL_ONLY), classic(pmed2, top=5, weights=TRAVEL_ONLY)
    n = len(pmed2.zones)
    assert [round(r.criteria["travel"] * n, 6) for r in ours.ranked] == [4093, 4093, 4096, 4096, 4098]
    assert [r.objective for r in ours.ranked] == pytest.approx([r.objective for r in theirs.ranked], rel=1e-9)
    assert [r.rank for r in ours.ranked] == [1, 1, 3, 3, 5]
    assert len({r.configuration.hosts for r in ours.ranked}) == 5
    assert_feasible(pmed2, ours)


def _open_choice(tmp_path: Path, seed: int) -> Instance:
    """3 sites, 4 zones, 1 service, nothing on the allocation and no givens, and a running cost that
    makes closing sites pay: the best configurations close some zone's nearest site."""
    instance = load_instance(generate_instance(tmp_path / "g", sites=3, zones=4, services=1, seed=seed))
    services = instance.services.assign(max_travel_min=np.nan, running_cost_gbp_m=500.0)
    tables = instance.tables | {"services": services, "givens": instance.givens.iloc[0:0],
                                "resource_use": instance.resource_use.iloc[0:0]}
    return replace(instance, tables=tables)


@pytest.mark.parametrize("seed", [3, 6])
def test_a_restricted_ranking_reads_every_configuration_in_the_model_that_found_it(tmp_path, seed):
    """Serving the first configuration grows a restricted model (its zone's nearest site is closed), which
    moves the columns: the later configurations of the master must be read before (seed 3 answered with a
    solver defect, seed 6 crashed). The ranking is the unrestricted one's, every answer feasible."""
    instance = _open_choice(tmp_path, seed)
    restricted = Engine.build(instance, options=ModelOptions(nearest_sites=1)).solve(top=3)
    everything = radius(instance, top=3)
    assert restricted.formulation == everything.formulation == "radius"
    assert [r.objective for r in restricted.ranked] == pytest.approx([r.objective for r in everything.ranked])
    assert [r.configuration.hosts for r in restricted.ranked] == [r.configuration.hosts for r in everything.ranked]
    assert_feasible(instance, restricted)


@pytest.mark.parametrize("name", ["pmed1", "pmed3", "pmed7", "pmed9"])
def test_published_p_median_optima(tmp_path, name):
    instance = load_instance(write_pmedian_instance(PMED / f"{name}.txt", tmp_path / name))
    result = radius(instance, weights=TRAVEL_ONLY)
    assert result.formulation == "radius"
    assert result.best.criteria["travel"] * len(instance.zones) == pytest.approx(PUBLISHED_OPTIMA[name], abs=1e-6)
    assert len(result.best.configuration.sites_of(SERVICE_ID)) == instance.services.loc[SERVICE_ID, "min_sites"]


def test_the_master_searches_without_highs_heuristics_and_keeps_the_optimum(tmp_path):
    """The master starts from a configuration and its LP relaxation, rows made, is nearly integral:
    HiGHS's searches for solutions (feasibility jump, reduced-cost fixing, RENS, RINS) are off in its
    session, on in the full model's, and pmed3's published optimum is still reached and proved."""
    instance = load_instance(write_pmedian_instance(PMED / "pmed3.txt", tmp_path / "pmed3"))
    engine = Engine.build(instance)
    weights = solver_weights(resolve_weights(instance.weights, TRAVEL_ONLY), engine.scales)
    master = RadiusMaster.of(engine.data, engine.form, engine.columns, weights, engine.session.options)
    assert [master.session._highs.getOptionValue(name)[1] for name in HEURISTICS] == [False] * 4
    assert [engine.session._highs.getOptionValue(name)[1] for name in HEURISTICS] == [True] * 4
    best = master.solve()
    assert best.status is Status.OPTIMAL
    assert best.objective * engine.scales["travel"] * len(instance.zones) == pytest.approx(4250, abs=1e-6)


@pytest.mark.parametrize(("name", "integral"), [("pmed1", True), ("pmed4", True), ("pmed3", False)])
def test_a_master_whose_relaxation_is_a_configuration_solves_no_mip(tmp_path, monkeypatch, name, integral):
    """pmed1's and pmed4's LP relaxations, rows made, are integer (58.19 and 30.34 per vertex, the
    published optima): that configuration is the optimum, proved without a MIP. pmed3's is not (42.405
    against 42.5), so its MIP is solved."""
    instance = load_instance(write_pmedian_instance(PMED / f"{name}.txt", tmp_path / name))
    solves = []
    original = HighsSession.solve
    monkeypatch.setattr(HighsSession, "solve", lambda self, *, relaxation=False, fresh=False: solves.append(
        relaxation) or original(self, relaxation=relaxation, fresh=fresh))
    result = radius(instance, weights=TRAVEL_ONLY)
    assert result.formulation == "radius" and result.best.status is Status.OPTIMAL and result.best.gap <= 1e-12
    assert result.best.criteria["travel"] * len(instance.zones) == pytest.approx(PUBLISHED_OPTIMA[name], abs=1e-6)
    master_mips = solves[:-1].count(False)  # the last solve allocates the configuration in the full model
    assert master_mips == (0 if integral else 1)
    assert_feasible(instance, result)


# --- the rows ----------------------------------------------------------------------------------

def test_every_row_holds_for_every_configuration(tmp_path):
    """Rows made during a search bound each group's true cost at every configuration, not only the
    ones the search visited: on a 7-vertex p-median every one of the 35 choices of 3 medians meets
    every row, with θ its vertices' distances to their nearest median."""
    graph = tmp_path / "tiny.txt"
    edges = [(1, 2, 4), (2, 3, 3), (3, 4, 7), (4, 5, 2), (5, 6, 6), (6, 7, 5), (7, 1, 9), (2, 6, 8), (3, 5, 11)]
    graph.write_text(f"7 {len(edges)} 3\n" + "".join(f"{a} {b} {c}\n" for a, b, c in edges))
    instance = load_instance(write_pmedian_instance(graph, tmp_path / "tiny"))
    engine = Engine.build(instance)
    weights = solver_weights(resolve_weights(instance.weights, TRAVEL_ONLY), engine.scales)
    master = RadiusMaster.of(engine.data, engine.form, engine.columns, weights, SolverOptions())
    master.solve()
    form_rows = master.session._highs.getLp()  # every row, with the radius rows made
    A = _row_matrix(form_rows)
    minutes = engine.data.candidates.pivot(index="zone_id", columns="site_id", values="travel_min")
    sites = list(engine.data.sites)
    for chosen in itertools.combinations(sites, 3):
        point = np.zeros(A.shape[1])
        y = engine.columns["y"][[sites.index(s) for s in chosen], 0]
        point[np.searchsorted(master.full_column, y)] = 1.0
        nearest = minutes[list(chosen)].min(axis=1)
        point[master.theta:] = _theta(master, engine, nearest, weights)
        activity = A @ point
        assert (activity >= np.array(form_rows.row_lower_) - 1e-9).all(), chosen


def _row_matrix(lp):
    from scipy.sparse import csc_array

    m = lp.a_matrix_
    return csc_array((np.array(m.value_), np.array(m.index_), np.array(m.start_)),
                     shape=(lp.num_row_, lp.num_col_)).tocsr()


def _theta(master: RadiusMaster, engine: Engine, nearest, weights) -> np.ndarray:
    """Each group's scaled cost when every zone goes to its nearest chosen site (one service, group = zone)."""
    groups = engine.data.candidates.drop_duplicates("group").sort_values("group")
    total = float(engine.data.instance.demand.to_numpy().sum())
    cost = weights["travel"] * groups["demand"].to_numpy() * nearest.reindex(groups["zone_id"]).to_numpy() / total
    return cost * master.scale


# --- where it does not apply ----------------------------------------------------------------------

@pytest.mark.parametrize("change", ["capacity", "worst zone weighted", "closest assignment"])
def test_a_rule_on_the_allocation_keeps_the_classic_model(rules, tmp_path, change):
    instance = load_instance(generate_instance(tmp_path / "g", sites=10, zones=80, services=5, seed=4)) \
        if change == "capacity" else rules
    weights = {"worst_zone": 1.0} if change == "worst zone weighted" else NO_WORST_ZONE
    options = ModelOptions(closest_assignment=change == "closest assignment")
    result = Engine.build(instance, options=options).solve(weights=weights)
    assert result.formulation == "classic"


def test_a_disagreement_with_the_full_model_gives_no_answer(rules, monkeypatch):
    """The master prices allocations apart from the full model; if the two ever disagree on a
    configuration's cost, the engine says so instead of answering."""
    import optimiser.search.radius as radius_module

    doubled = radius_module.allocation_costs
    monkeypatch.setattr(radius_module, "allocation_costs",
                        lambda *args: {k: 2 * v for k, v in doubled(*args).items()})
    with pytest.raises(SolverDefect, match="radius formulation found a configuration of objective"):
        radius(rules, weights=NO_WORST_ZONE)


def test_a_search_stopped_at_once_answers_with_todays_configuration(rules, monkeypatch):
    """As the classic model does: the baseline, allocated in the full model, unproved, with no bound (that
    allocation given a minute's grace, so that a loaded machine does not end it too)."""
    monkeypatch.setattr("solvers.highs.GRACE_S", 60.0)
    engine = Engine.build(rules, solver=SolverOptions(time_limit_s=0.0))
    result = engine.solve(weights=NO_WORST_ZONE)
    assert result.formulation == "radius"
    best = result.best
    assert best.configuration.hosts == engine.data.baseline.hosts
    assert best.status is Status.FEASIBLE and best.gap == float("inf")
    evaluated = Engine.build(rules).evaluate(engine.data.baseline, weights=NO_WORST_ZONE)
    assert best.objective == pytest.approx(evaluated.objective, rel=1e-9)
    assert_feasible(rules, result)


def test_the_watcher_never_hears_an_objective_below_the_optimum(tmp_path):
    """pmed6's first master solution costs 39.08 by its θ but 39.12 served for real (the optimum, Beasley's
    7824 over 200 vertices, divided by the travel scale): the watcher must hear only checked objectives."""
    instance = load_instance(write_pmedian_instance(PMED / "pmed6.txt", tmp_path / "pmed6"))
    engine = Engine.build(instance, solver=SolverOptions(watch_interval_s=0.0))
    heard: list[Progress] = []
    result = engine.solve(weights=TRAVEL_ONLY, watch=heard.append)
    optimum = result.best.objective
    assert result.best.criteria["travel"] * len(instance.zones) == pytest.approx(PUBLISHED_OPTIMA["pmed6"])
    assert engine.formulation == "radius" and heard
    assert all(p.objective is None or p.objective >= optimum - 1e-9 for p in heard)
    assert all(p.bound is None or p.bound <= optimum + 1e-9 for p in heard)
    assert any(p.objective is not None for p in heard)  # the second solve knows the first one's true cost


def test_a_search_stopped_early_has_a_bound_on_the_optimum(tmp_path, monkeypatch):
    """pmed6 (p = 5 on 200 vertices) takes the master about a second to prove; stopped after 0.3 s,
    the answer is a true configuration, and its bound (from the LP relaxation's rows at least) is at
    most the published optimum. The serving of that answer is given a minute's grace, so that a
    loaded machine does not end it too (the grace is the time limit's promise, not this test's)."""
    monkeypatch.setattr("solvers.highs.GRACE_S", 60.0)
    instance = load_instance(write_pmedian_instance(PMED / "pmed6.txt", tmp_path / "pmed6"))
    result = Engine.build(instance, solver=SolverOptions(time_limit_s=0.3)).solve(weights=TRAVEL_ONLY)
    best, n = result.best, len(instance.zones)
    total = best.criteria["travel"] * n  # the objective is the travel criterion, scaled
    assert total >= PUBLISHED_OPTIMA["pmed6"] - 1e-6
    assert -1e-9 <= best.gap < 0.1  # a gap of 0 where a faster machine proves it within the limit
    assert total * (1 - best.gap) <= PUBLISHED_OPTIMA["pmed6"] * (1 + 1e-9)
    assert_feasible(instance, result)


# --- scouting a restricted model: the relaxation ------------------------------------------------------

@pytest.fixture(scope="module")
def capacitated(tmp_path_factory) -> Instance:
    """Capacity with expansion, volumes, coverage: the relaxation's optimum (1.397108) falls short of the
    full one (1.397206), so scouting bounds the search but does not end it."""
    return load_instance(generate_instance(tmp_path_factory.mktemp("c") / "c", sites=10, zones=80, services=5,
                                           seed=1))


def test_the_relaxation_bounds_the_full_optimum(capacitated):
    engine = Engine.build(capacitated)
    weights = solver_weights(resolve_weights(capacitated.weights, None), engine.scales)
    assert RadiusMaster.of(engine.data, engine.form, engine.columns, weights, SolverOptions()) is None
    relaxed = RadiusMaster.of(engine.data, engine.form, engine.columns, weights, SolverOptions(), relaxed=True)
    bound = relaxed.solve().bound
    optimum = classic(capacitated).best.objective
    assert bound <= optimum + 1e-9
    assert bound > optimum * (1 - 1e-3)  # and a close one: capacity binds little here


def test_a_scouted_search_keeps_the_full_optimum(capacitated):
    ours = Engine.build(capacitated, options=ModelOptions(nearest_sites=2)).solve()
    optimum = classic(capacitated).best.objective
    assert ours.formulation == "classic" and ours.relaxation_bound <= optimum + 1e-9
    assert ours.best.objective == pytest.approx(optimum, rel=1e-9) and ours.best.status is Status.OPTIMAL
    assert not ours.restriction.scouted  # the search found the optimum; the scout only bounded it
    assert_feasible(capacitated, ours)


def test_a_search_left_no_time_answers_with_the_scouts_configuration(capacitated, budget_spent_after):
    """The budget is spent as the scout ends: the answer is the relaxation's configuration, served at each
    zone's three nearest hosts (feasible, at least that configuration's own value), measured against the
    relaxation's bound."""
    budget_spent_after("relaxed_scout", scouting)
    engine = Engine.build(capacitated, options=ModelOptions(nearest_sites=2), solver=SolverOptions(time_limit_s=3600))
    result = engine.solve()
    optimum = classic(capacitated).best.objective
    best = result.best
    assert result.restriction.scouted and best.status is Status.FEASIBLE
    assert best.objective >= optimum - 1e-9
    assert best.gap == pytest.approx((best.objective - result.relaxation_bound) / best.objective, rel=1e-9)
    own_value = Engine.build(capacitated, options=ModelOptions(nearest_sites=0)).evaluate(best.configuration)
    assert best.objective >= own_value.objective - 1e-9
    assert_feasible(capacitated, result)


def test_a_scouted_search_leaves_the_repair_of_its_answer_its_time(capacitated):
    """A stopped search's answer is repaired past the limit, work like the scout's serving of its configuration:
    the search stops that long (times REPAIR_RESERVE) before the job's limit, so that the job ends near it."""
    deadlines: list[float] = []
    engine = Engine.build(capacitated, options=ModelOptions(nearest_sites=2), solver=SolverOptions(time_limit_s=3600))
    engine.solve(progress=lambda found, result: deadlines.append(engine.session.deadline))
    limit = engine.session.began + 3600
    assert deadlines and all(limit - 60 < deadline < limit for deadline in deadlines)


def test_a_scouted_search_tells_the_watcher_the_better_bound_and_a_provisional_best(capacitated):
    """While a restricted model is searched, HiGHS's best objective is the restricted model's (the true cost of
    its configuration may be higher): marked provisional, unless the scout's served configuration, a true cost,
    is better. Once the scout has its bound, the watcher hears the better of it and the search's."""
    heard: list[Progress] = []
    engine = Engine.build(capacitated, options=ModelOptions(nearest_sites=2), solver=SolverOptions(watch_interval_s=0))
    result = engine.solve(watch=heard.append)
    optimum = classic(capacitated).best.objective
    assert any(p.provisional and p.objective is not None for p in heard)
    told_true = [p.objective for p in heard if p.objective is not None and not p.provisional]
    assert told_true and min(told_true) >= optimum - 1e-9
    assert all(p.bound is None or p.bound <= optimum + 1e-9 for p in heard)
    assert any(p.bound is not None and p.bound >= result.relaxation_bound for p in heard)


# --- improving the scout's configuration ------------------------------------------------------------

@pytest.fixture(scope="module")
def congested(tmp_path_factory) -> Instance:
    """15 sites × 200 zones × 5 services (seed 2): the relaxation's configuration, served at each zone's
    three nearest hosts, costs 1.360137. The improvement's first round weighs its 19 closed units of negative
    reduced cost together: the LP (bound 1.345287) opens s002's emergency, elective and paediatrics 0.71–0.86
    and s006's cancer 1.0, and the four opened together cost 1.345845; its second round's LP (bound 1.345609)
    opens three units less than half, and none alone pays (s009's emergency 1.352809; with s007's elective
    no allocation over the scout's kept pairs meets every rule; s007's emergency 1.351570), and the closings'
    LP over its 30 hosts but the givens keeps every one open (bound 1.345845). That is still above the full
    optimum, 1.339471 (classic model, every pair), so the search goes on from it. (Served costs count the
    activity floor: a hosted unit takes at least one patient a year, min_unit_activity; it adds ~3e-6.)"""
    return load_instance(generate_instance(tmp_path_factory.mktemp("g") / "g", sites=15, zones=200, services=5,
                                           seed=2))


def _scouted_engine(instance: Instance) -> Engine:
    engine = Engine.build(instance, options=ModelOptions(nearest_sites=2))
    engine.session.set_weights(solver_weights(resolve_weights(instance.weights, None), engine.scales))
    engine.session.start_budget()
    return engine


def test_the_scouts_configuration_gains_the_services_whose_opening_pays(congested, monkeypatch):
    served: list = []  # the scout before its improvement
    improve = scouting.improved
    monkeypatch.setattr(scouting, "improved", lambda engine, scout: served.append(scout) or improve(engine, scout))
    engine = _scouted_engine(congested)
    improved = scouting.relaxed_scout(engine)
    [scout] = served
    assert scout.served.objective == pytest.approx(1.360137, abs=1e-6)
    assert improved.served.objective == pytest.approx(1.345845, abs=1e-6)
    opened = improved.configuration.hosts - scout.configuration.hosts
    assert opened == {("s002", "emergency"), ("s002", "elective"), ("s002", "paediatrics"), ("s006", "cancer")}
    assert improved.configuration.hosts > scout.configuration.hosts and engine.openings == 4
    assert improved.engine is scout.engine  # the opening served in the scout's model: no other built …
    own = restriction.solve_within_kept(restriction.at_hosts(engine, improved.configuration), improved.configuration)
    assert improved.served.objective <= own.objective + 1e-9  # … which keeps every pair its own model would
    exact = Engine.build(congested, options=ModelOptions(nearest_sites=0)).evaluate(improved.configuration)
    assert exact.objective <= improved.served.objective + 1e-9  # served at three hosts: feasible, so no lower
    assert improved.served.objective >= classic(congested).best.objective - 1e-9


def _spied_rounds(monkeypatch) -> list[tuple[str, float, dict, list]]:
    """Every round of the improvement from now on, as it happens: whether it opens or closes, its linear
    programme's bound and shares by unit, and its tries (units moved, their served cost, whether it paid)."""
    rounds: list[tuple[str, float, dict, list]] = []
    shares, serve = scouting.freed_shares, scouting.with_hosts

    def spied_shares(engine, configuration, units):
        bound, freed = shares(engine, configuration, units)
        way = "close" if set(units) <= configuration.hosts else "open"
        rounds.append((way, bound, dict(zip(units, freed, strict=True)), []))
        return bound, freed

    def spied_serve(scout, hosts):
        better = serve(scout, hosts)
        own = restriction.solve_within_kept(scout.engine, Configuration(hosts, scout.configuration.roles)).objective
        rounds[-1][3].append((hosts ^ scout.configuration.hosts, own, better is not None))
        return better

    monkeypatch.setattr(scouting, "freed_shares", spied_shares)
    monkeypatch.setattr(scouting, "with_hosts", spied_serve)
    return rounds


def test_the_neighbourhoods_linear_programme_bounds_every_move_tried_from_it(congested, monkeypatch):
    """Its units free between closed and open relax every subset of them moved, so no try may cost less (a try
    may have no allocation at all: a host opened must reach its minimum volume); the first try of a round is
    the set it moves at least ROUNDED_MOVE, together. Openings weigh every closed unit of negative reduced
    cost; where none pays, closings weigh every hosted unit but the givens (cancer's six here)."""
    rounds = _spied_rounds(monkeypatch)
    scouting.relaxed_scout(_scouted_engine(congested))
    assert [(way, len(freed), len(tries)) for way, _, freed, tries in rounds] == [("open", 19, 1), ("open", 5, 3),
                                                                                  ("close", 30, 0)]
    assert [cost is None for *_, tries in rounds for _, cost, _ in tries] == [False, False, True, False]
    for way, bound, freed, tries in rounds:
        assert all(cost is None or cost >= bound - 1e-9 for _, cost, _ in tries)
        moved = {unit: share if way == "open" else 1 - share for unit, share in freed.items()}
        rounded = {unit for unit, move in moved.items() if move >= ROUNDED_MOVE}
        assert not rounded or tries[0][0] == rounded
    assert [paid for *_, tries in rounds for *_, paid in tries] == [True, False, False, False]
    assert rounds[2][1] == pytest.approx(1.345845, abs=1e-6)  # closing nothing pays: the LP keeps every host


@pytest.fixture(scope="module")
def overshot(tmp_path_factory) -> Instance:
    """15 sites × 200 zones × 5 services (seed 6): the relaxation's configuration, served at each zone's three
    nearest hosts, costs 1.420196. The first round's LP (bound 1.417294) opens s005's and s013's elective 1.0
    and s013's emergency 0.74, and the three opened together cost 1.418505; no closed unit is then of negative
    reduced cost, and the closings' LP (bound 1.417306) keeps s005's elective open 0.32 only: closed again,
    1.418428. The full optimum is 1.413457 (classic model, every pair)."""
    return load_instance(generate_instance(tmp_path_factory.mktemp("g") / "g", sites=15, zones=200, services=5,
                                           seed=6))


def test_the_scouts_configuration_loses_the_services_whose_closing_pays(overshot, monkeypatch):
    rounds = _spied_rounds(monkeypatch)
    engine = _scouted_engine(overshot)
    improved = scouting.relaxed_scout(engine)
    assert [(way, [(sorted(moved), paid) for moved, _, paid in tries]) for way, _, _, tries in rounds] == [
        ("open", [([("s005", "elective"), ("s013", "elective"), ("s013", "emergency")], True)]),
        ("close", [([("s005", "elective")], True)]),
        ("open", [([("s005", "elective")], False)]),  # alone, once: it was opened with others before
        ("close", [([("s013", "emergency")], False)])]
    assert improved.served.objective == pytest.approx(1.418428, abs=1e-6)
    assert (engine.openings, engine.closings) == (3, 1)
    exact = Engine.build(overshot, options=ModelOptions(nearest_sites=0)).evaluate(improved.configuration)
    assert exact.objective <= improved.served.objective + 1e-9  # served in the scout's model: feasible
    assert improved.served.objective >= classic(overshot).best.objective - 1e-9


def test_a_search_left_no_time_after_the_improvement_answers_with_the_improved_configuration(congested,
                                                                                             budget_spent_after):
    budget_spent_after("improved", scouting)
    engine = Engine.build(congested, options=ModelOptions(nearest_sites=2), solver=SolverOptions(time_limit_s=3600))
    result = engine.solve()
    assert result.restriction.scouted and result.restriction.openings == 4
    assert result.best.objective == pytest.approx(1.345845, abs=1e-6) and result.best.status is Status.FEASIBLE
    assert result.best.gap == pytest.approx((result.best.objective - result.relaxation_bound) / result.best.objective)
    assert_feasible(congested, result)


# --- the upper bound and reduced-cost fixing ----------------------------------------------------------

#: 14 vertices, 24 edges (i, j, cost), p = 3: by enumeration of its 364 configurations over scipy's shortest
#: paths, the best is {4, 8, 9} at 159, then {2, 4, 9} at 161 and {4, 7, 8} at 163; the LP relaxation is 158.
TINY_EDGES = [(1, 2, 28), (2, 3, 20), (3, 4, 17), (4, 5, 25), (2, 6, 2), (2, 7, 9), (7, 8, 27), (1, 9, 15),
              (8, 10, 4), (8, 11, 4), (6, 12, 24), (4, 13, 10), (4, 14, 21), (7, 9, 15), (12, 13, 21), (5, 9, 14),
              (3, 12, 25), (2, 8, 13), (7, 12, 24), (6, 7, 29), (9, 13, 21), (5, 7, 18), (10, 11, 16), (7, 14, 21)]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> tuple[Instance, dict[frozenset, float]]:
    """The instance of TINY_EDGES and the total of every configuration (sites numbered from 1), enumerated."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import shortest_path

    folder = tmp_path_factory.mktemp("t")
    source = folder / "tiny.txt"
    source.write_text("14 24 3\n" + "".join(f"{i} {j} {cost}\n" for i, j, cost in TINY_EDGES))
    rows, columns, costs = zip(*TINY_EDGES, strict=True)
    graph = coo_matrix((costs, (np.array(rows) - 1, np.array(columns) - 1)), shape=(14, 14)).tocsr()
    distance = shortest_path(graph, directed=False)
    totals = {frozenset(k + 1 for k in sites): float(distance[:, list(sites)].min(axis=1).sum())
              for sites in itertools.combinations(range(14), 3)}
    return load_instance(write_pmedian_instance(source, folder / "tiny")), totals


def _tiny_master(instance: Instance) -> tuple[RadiusMaster, dict[int, int]]:
    """The master of the p-median and the site (numbered from 1) of each of its y columns."""
    engine = Engine.build(instance)
    weights = solver_weights(resolve_weights(instance.weights, TRAVEL_ONLY), engine.scales)
    master = RadiusMaster.of(engine.data, engine.form, engine.columns, weights, SolverOptions())
    column = np.searchsorted(master.full_column, engine.columns["y"][:, 0])
    return master, {int(c): k + 1 for k, c in enumerate(column)}


def test_the_enumeration_of_the_tiny_instance(tiny):
    _, totals = tiny
    assert sorted(totals.values())[:3] == [159, 161, 163] and min(totals, key=totals.get) == {4, 8, 9}


@pytest.mark.parametrize(("upper", "fixed"), [(159, {1, 3, 5, 6, 10, 11, 12, 14}), (161, {1, 3, 5, 10, 11, 12, 14}),
                                              (170, set())])
def test_reduced_costs_fix_only_sites_no_configuration_within_the_upper_bound_opens(tiny, upper, fixed):
    """The objective is the mean travel, total / 14. Given an upper bound of 159 (the optimum), the LP's reduced
    costs close 8 of the 14 sites, none of {4, 8, 9}; given 161, 7, none of {4, 8, 9} or {2, 4, 9} (6 is in
    neither but is freed: its reduced cost lies between the gaps 1/14 and 3/14); given 170, none."""
    instance, totals = tiny
    master, site_of = _tiny_master(instance)
    master._relaxation_rows()
    assert master._relaxed * 14 == pytest.approx(158, abs=1e-9)
    columns = master._fix_by_reduced_costs(upper / 14)
    assert {site_of[c] for c in columns} == fixed
    assert (master.session._upper[columns] == 0).all()  # fixed at 0 in HiGHS
    within = [sites for sites, total in totals.items() if total <= upper]
    assert not any(fixed & sites for sites in within)


def test_the_search_starts_from_the_optimum_and_proves_it_with_sites_fixed(tiny):
    """The LP's rounded point improved by swaps is {4, 8, 9} at 159: the upper bound fixes the eight sites
    above, and the MIP over the six left proves it; the bounds are given back afterwards."""
    instance, _ = tiny
    master, site_of = _tiny_master(instance)
    result = master.solve()
    assert result.status is Status.OPTIMAL and result.objective * 14 == pytest.approx(159, abs=1e-9)
    assert {site_of[c] for c in np.flatnonzero(result.values[:master.theta] > 0.5)} == {4, 8, 9}
    assert master.fixed == 8
    assert (master.session._upper[:master.theta] == master.session.form.col_upper[:master.theta]).all()
