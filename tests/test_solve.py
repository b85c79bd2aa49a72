"""Solving named instances: ranking, determinism, named options, and the independent check of every answer."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import numpy as np
import pytest

from optimiser import OptimiserError, load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.instance.configuration import Configuration, option_configuration
from optimiser.instance.generate import generate_instance
from optimiser.model.data import ModelOptions
from optimiser.model.objective import solver_weights
from optimiser.model.pmedian import TRAVEL_ONLY, write_pmedian_instance
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import Engine, Solution, evaluate, solve
from solvers.highs import HEARTBEAT_S, Progress, SolverDefect, SolverOptions, Status

PMED = Path(__file__).parent / "data" / "pmed"


@pytest.fixture(scope="module")
def mse():
    return load_instance("mse")


@pytest.fixture(scope="module")
def mse_top50(mse):
    return solve(mse, top=50, distinct="all")


@pytest.mark.slow  # the 50 best of mse: about 20 s
def test_top_50_on_mse_are_distinct_feasible_and_in_order(mse, mse_top50):
    ranked = mse_top50.ranked
    assert len(ranked) == 50
    assert len({(r.configuration.hosts, r.configuration.roles) for r in ranked}) == 50
    objectives = [r.objective for r in ranked]
    assert objectives == sorted(objectives)
    for r in ranked:
        assert r.gap == pytest.approx(0.0)
        assert check_solution(mse, r.configuration, r.allocation, r.expansion) == [], r.rank


@pytest.mark.slow  # the 50 best of mse: about 20 s
def test_ranks_follow_the_objective_and_ties_share_a_rank(mse_top50):
    """Competition ranking: a tie shares the rank above; the next distinct objective takes its position."""
    ranked = mse_top50.ranked
    for position, (above, below) in enumerate(itertools.pairwise(ranked), start=2):
        if below.tied_with_previous:
            assert below.rank == above.rank
            assert below.objective == pytest.approx(above.objective, rel=1e-9)
        else:
            assert below.rank == position
            assert below.objective > above.objective


@pytest.mark.slow  # the 50 best of mse: about 20 s
def test_results_repeat_run_to_run(mse, mse_top50):
    again = solve(mse, top=50, distinct="all")
    assert [r.configuration for r in again.ranked] == [r.configuration for r in mse_top50.ranked]
    assert [r.objective for r in again.ranked] == [r.objective for r in mse_top50.ranked]


@pytest.mark.slow  # the 50 best of mse: about 20 s
def test_best_is_at_least_as_good_as_every_named_option(mse, mse_top50):
    """Anchor (b): each feasible named option, under the same model and weights, scores no better."""
    feasible = 0
    for option_id in mse.options.index:
        outcome = evaluate(mse, option_id)
        if isinstance(outcome, Solution):
            feasible += 1
            assert mse_top50.best.objective <= outcome.objective + 1e-9, option_id
            assert check_solution(mse, outcome.configuration, outcome.allocation, outcome.expansion) == []
    assert feasible == 4  # 1A, 1B, 1C, decision_2018; the status quo and 2A, 2B break rules (below)


@pytest.mark.parametrize(("option_id", "rules"), [("status_quo", ["sites_max"]), ("2A", ["colocated"]),
                                                   ("2B", ["colocated"])])
def test_named_options_that_break_rules_say_which(mse, option_id, rules):
    """The status quo runs a specialist emergency centre at all three sites (max 1); options 2A and 2B
    leave Southend's A&E, maternity and cancer centre without intensive care and children's wards."""
    configuration = option_configuration(mse, option_id)
    assert not isinstance(evaluate(mse, configuration), Solution)
    assert diagnose(mse, configuration).rules == rules


def test_status_quo_breach_in_words(mse):
    diagnosis = diagnose(mse, option_configuration(mse, "status_quo"))
    assert [r.message for r in diagnosis.relaxations] == [
        "Specialist emergency centre (all ambulances, hyper-acute stroke, all emergency inpatient surgery): "
        "2 more sites than the maximum of 1"]


def test_weights_move_the_answer_without_rebuilding(mse):
    """One engine, two weightings: more weight on travel never makes travel worse."""
    engine = Engine.build(mse)
    balanced = engine.solve(weights={"travel": 1}).best
    travel_heavy = engine.solve(weights={"travel": 10}).best
    assert travel_heavy.criteria["travel"] <= balanced.criteria["travel"] + 1e-9


def test_unknown_weight_is_a_clear_error(mse):
    from optimiser import OptimiserError

    with pytest.raises(OptimiserError, match="unknown criterion 'speed' in the weights: criteria are travel, "
                                             "equity, worst_zone, capital, running, workforce, disruption, "
                                             "leaving, income_leaving"):
        solve(mse, weights={"speed": 1})


@pytest.mark.parametrize("name", ["hampshire", "dorset"])
def test_other_named_instances_solve_and_check(name):
    instance = load_instance(name)
    best = solve(instance).best
    assert check_solution(instance, best.configuration, best.allocation, best.expansion) == []


def test_a_search_stopped_before_any_configuration_is_not_called_infeasible(tiny_instance):
    """No time at all, and the tiny instance's status quo (the start) breaks its rules: nothing to show."""
    result = solve(tiny_instance, time_limit_s=0.0)
    assert result.status.value == "no solution" and not result.ranked
    with pytest.raises(OptimiserError) as raised:
        _ = result.best
    assert result.limited
    assert str(raised.value) == ("tiny: the time limit of 0 s ended the search before it found any configuration; "
                                 "allow more time")


def test_a_solution_at_odds_with_the_objective_highs_reports_is_refused(tiny_instance):
    """highspy 1.16.0, given a MIP start, reported the optimum's objective with the start's values. Here HiGHS
    is handed an objective the session did not set, so what it returns disagrees with the session's own objective:
    the session raises rather than pass the solution on."""
    engine = Engine.build(tiny_instance)
    engine.session.set_weights({"travel": 1.0})
    engine.session._highs.changeObjectiveOffset(5.0)  # the defect, made on purpose
    with pytest.raises(SolverDefect) as raised:
        engine.session.solve()
    assert "but the solution it returned has objective" in str(raised.value)
    assert "pip install 'highspy<1.16'" in str(raised.value)


@pytest.mark.parametrize("radius", [False, True], ids=["classic", "radius"])
def test_a_running_search_reports_where_it_stands(tmp_path, radius):
    """The watcher hears, while HiGHS searches, a bound no higher than the optimum and a best found no lower
    (pmed2: Beasley's optimum 4093, over 100 vertices of weight 1, so the objective's optimum is 40.93 minutes
    of mean travel divided by the travel scale); time counts from the start of the search, across its solves;
    it is told nothing once the solve has returned. The classic model keeps each vertex's nearest medians
    only, so its best objective is marked provisional; the radius master's is checked."""
    instance = load_instance(write_pmedian_instance(PMED / "pmed2.txt", tmp_path / "pmed2"))
    engine = Engine.build(instance, options=ModelOptions(radius=radius), solver=SolverOptions(watch_interval_s=0.0))
    heard: list[Progress] = []
    result = engine.solve(weights=TRAVEL_ONLY, watch=heard.append)
    optimum = result.best.objective
    assert result.best.criteria["travel"] == pytest.approx(40.93)
    assert heard, "no progress was reported"
    assert [p.seconds for p in heard] == sorted(p.seconds for p in heard)
    assert all(p.bound is None or p.bound <= optimum + 1e-9 for p in heard)
    assert all(p.objective is None or p.objective >= optimum - 1e-9 for p in heard)
    assert any(p.bound is not None for p in heard)
    if not radius:  # the radius master knows a true objective only once a solution's rows are checked
        assert any(p.objective is not None and p.gap is not None for p in heard)
    assert all(p.provisional is (not radius) for p in heard)  # classic: each vertex's nearest medians kept
    told = len(heard)
    engine.session.solve()
    assert len(heard) == told


@pytest.fixture
def pmed6_full(tmp_path):
    """pmed6 as the full classic model (40,201 columns), new to HiGHS: an LP relaxation it takes ~0.8 s over,
    in silence."""
    folder = write_pmedian_instance(PMED / "pmed6.txt", tmp_path / "pmed6")
    return Engine.build(load_instance(folder), options=ModelOptions(radius=False, nearest_sites=0),
                        solver=SolverOptions(watch_interval_s=0.0))


def test_a_silent_solve_is_still_reported_by_a_heartbeat(pmed6_full):
    """HiGHS reports nothing while it solves an LP (nor during a MIP's root LP, minutes on the national
    instance): the watcher still hears, every heartbeat, the last news (here none) with the time, and
    nothing once the solve has returned."""
    session = pmed6_full.session
    session.set_weights({"travel": 1.0})
    heard: list[Progress] = []
    session.watch = heard.append
    try:
        result = session.solve(relaxation=True)
        assert result.seconds > 2 * HEARTBEAT_S, "the LP is too quick to show a heartbeat"
        told = len(heard)
        assert 1 <= told <= result.seconds / HEARTBEAT_S + 1
        assert all(p.objective is None and p.bound is None for p in heard)
        assert all(later.seconds - earlier.seconds >= HEARTBEAT_S - 1e-3  # a clock tick of slack
                   for earlier, later in itertools.pairwise(heard))
        time.sleep(2 * HEARTBEAT_S)
        assert len(heard) == told
    finally:
        session.watch = None


def test_a_watcher_that_fails_in_the_heartbeat_ends_the_solve_with_its_own_error(pmed6_full):
    session = pmed6_full.session
    session.set_weights({"travel": 1.0})

    def broken(progress: Progress) -> None:
        raise ValueError("the watcher broke")

    session.watch = broken
    try:
        with pytest.raises(ValueError, match="the watcher broke"):
            session.solve(relaxation=True)
    finally:
        session.watch = None


def test_a_fresh_solve_forgets_the_basis_a_warm_one_starts_from(tmp_path):
    """Solved again unchanged, an LP starts from the basis HiGHS kept, and takes fewer simplex steps; asked
    ``fresh``, HiGHS solves it from the start again, in as many steps as the first time, to the same optimum."""
    session = Engine.build(load_instance(write_pmedian_instance(PMED / "pmed2.txt", tmp_path / "pmed2")),
                           options=ModelOptions(radius=False, nearest_sites=0)).session
    session.set_weights({"travel": 1.0})
    steps = []
    for fresh in (False, False, True):
        steps.append((session.solve(relaxation=True, fresh=fresh).objective,
                      session._highs.getInfo().simplex_iteration_count))
    (first, from_scratch), (warm, from_basis), (anew, again) = steps
    assert from_basis < from_scratch == again
    assert warm == pytest.approx(first, rel=1e-12) and anew == pytest.approx(first, rel=1e-12)


def test_a_pinned_configuration_costs_its_true_optimum(tmp_path):
    """With a configuration pinned, a restricted model's LP optimum (1.658938) is integral, so it is the
    MIP's optimum too. HiGHS's presolve rule for parallel columns, which takes costs 1e-7 apart as equal
    (ours go down to 5e-9), made the MIP answer 1.659487, "optimal"; it is off in every MIP solve. (The
    configuration closes s001's given cancer centre: pinned past the givens, as the model was.)"""
    instance = load_instance(generate_instance(tmp_path / "g", sites=10, zones=80, services=5, seed=2))
    engine = Engine.build(instance, options=ModelOptions(nearest_sites=2))
    engine.session.set_weights(solver_weights(instance.weights, engine.scales))
    closed = {("s001", "cancer"), ("s003", "paediatrics"), ("s004", "elective"), ("s005", "elective"),
              ("s007", "emergency"), ("s007", "obstetrics"), ("s008", "emergency")}
    engine.pin(Configuration(engine.data.baseline.hosts - closed, engine.data.baseline.roles), keep_givens=False)
    mip, lp = engine.session.solve(), engine.session.solve(relaxation=True, fresh=True)
    integer = engine.form.integer
    assert np.array_equal(lp.values[integer], np.round(lp.values[integer]))
    assert lp.objective == pytest.approx(1.658938483, abs=1e-9)
    assert mip.status is Status.OPTIMAL and mip.objective == pytest.approx(lp.objective, rel=1e-9)


def test_an_option_highs_does_not_know_is_refused_not_ignored(tiny_instance, monkeypatch):
    """HiGHS answers a misspelt option name with an error status only; the session raises instead."""
    monkeypatch.setattr("solvers.highs.HEURISTICS", ("mip_heuristic_run_renz",))
    with pytest.raises(ValueError, match=r"HiGHS \S+ refuses the option 'mip_heuristic_run_renz' = True"):
        Engine.build(tiny_instance)


def test_a_watcher_that_fails_ends_the_search_with_its_own_error(tmp_path):
    instance = load_instance(write_pmedian_instance(PMED / "pmed2.txt", tmp_path / "pmed2"))

    def broken(progress: Progress) -> None:
        raise ValueError("the watcher broke")

    with pytest.raises(ValueError, match="the watcher broke"):
        solve(instance, weights=TRAVEL_ONLY, watch=broken)
