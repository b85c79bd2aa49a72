"""Each zone's nearest sites, grown until exact (optimiser.model.nearest): the full model's results, from a
smaller model.

The restricted model keeps each zone's k nearest sites per service and one *beyond* share
priced at the nearest left-out site. It is a relaxation of the full model, and when its
optimum serves no demand beyond the kept sites, that optimum is the full model's. These
tests hold the engine to it: the same optima and rankings as the full model on instances
with every rule (capacity with paid expansion, minimum and maximum volumes, coverage,
co-dependencies, closest assignment, givens), a published p-median optimum, a lower bound
before any growth, and the growth rule itself.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from optimiser import Instance, load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.instance.generate import generate_instance
from optimiser.model.nearest import AUTO_PAIRS, grow, ranked, start_reach, to_hosts, widen
from optimiser.model.objective import resolve_weights, solver_weights
from optimiser.model.pmedian import PUBLISHED_OPTIMA, SERVICE_ID, TRAVEL_ONLY, write_pmedian_instance
from optimiser.model.statement import CRITERIA, ModelOptions
from optimiser.search import restriction
from optimiser.search.engine import REPAIR_SHARE, Engine, solve
from optimiser.search.restriction import SERVING_HOSTS
from solvers.highs import SolverOptions, Status

PMED = Path(__file__).parent / "data" / "pmed"


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Instance:
    """Capacity with expansion, a minimum volume, a maximum volume, coverage, co-dependencies and givens."""
    return load_instance(generate_instance(tmp_path_factory.mktemp("g") / "g", sites=10, zones=80, services=5,
                                           seed=4))


def assert_feasible(instance: Instance, result, closest: bool = False) -> None:
    for r in result.ranked:
        assert check_solution(instance, r.configuration, r.allocation, r.expansion, closest_assignment=closest) == []


def test_generated_instance_has_the_rules_the_restriction_must_respect(generated):
    services = generated.services
    assert services["min_volume"].fillna(0).gt(0).any() and services["max_volume"].notna().any()
    assert services["coverage_share"].notna().any() and (generated.site_resources["max_expansion"] > 0).any()
    assert not generated.givens.empty and not generated.codependencies.empty


@pytest.mark.parametrize("nearest", [1, 2, 4])
def test_top_three_equal_the_full_model(generated, nearest):
    full = solve(generated, top=3, nearest_sites=0)
    restricted = solve(generated, top=3, nearest_sites=nearest)
    assert full.restriction is None
    assert [r.objective for r in restricted.ranked] == pytest.approx([r.objective for r in full.ranked], rel=1e-9)
    assert restricted.restriction.rounds >= 2  # it had to grow: the test exercises the beyond shares
    assert restricted.restriction.kept_pairs < restricted.restriction.candidate_pairs
    assert_feasible(generated, restricted)


def test_closest_assignment_equals_the_full_model(generated):
    full = solve(generated, top=2, nearest_sites=0, closest_assignment=True)
    restricted = solve(generated, top=2, nearest_sites=1, closest_assignment=True)
    assert [r.objective for r in restricted.ranked] == pytest.approx([r.objective for r in full.ranked], rel=1e-9)
    assert_feasible(generated, restricted, closest=True)


def test_every_criterion_weighted_equals_the_full_model(generated):
    """Travel, equity and the worst zone all price the beyond share; capital, running, rotas and moves do not see it."""
    weights = dict.fromkeys(CRITERIA, 1.0)
    full = solve(generated, weights=weights, nearest_sites=0)
    restricted = solve(generated, weights=weights, nearest_sites=1)
    assert restricted.best.objective == pytest.approx(full.best.objective, rel=1e-9)
    assert restricted.best.criteria == pytest.approx(full.best.criteria, rel=1e-9)


def test_before_growing_the_restricted_optimum_is_a_lower_bound(generated):
    """One solve of the restricted model, before any growth, uses a beyond share and so undercuts the full optimum."""
    full = solve(generated, nearest_sites=0).best.objective
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=1))
    engine.session.set_weights(solver_weights(resolve_weights(generated.weights, None), engine.scales))
    first = engine.session.solve()
    assert (first.values[engine.columns["beyond"]] > 1e-7).any()
    assert first.objective < full - 1e-6


def test_every_full_solution_is_a_restricted_one_at_no_greater_cost(generated):
    """The proof in optimiser.model.nearest, row by row: the full optimum, with b the share each zone gets at its
    left-out sites and a the demand each unit receives from zones that left it out, meets every row and bound of
    the restricted model (capacity and volume rows count a); beyond shares cost no more than the trips they
    stand for."""
    full = Engine.build(generated, options=ModelOptions(nearest_sites=0))
    restricted = Engine.build(generated, options=ModelOptions(nearest_sites=1))
    full.session.set_weights(solver_weights(resolve_weights(generated.weights, None), full.scales))
    optimum = full.session.solve().values
    value = dict(zip(full.form.columns, optimum, strict=True))
    pairs = full.data.pairs.assign(x=optimum[full.columns["x"]])
    kept = pairs.merge(restricted.data.pairs[["zone_id", "site_id", "service_id"]], how="left", indicator=True)
    out = kept[kept["_merge"] == "left_only"]
    beyond = out.groupby(["zone_id", "service_id"])["x"].sum()
    placed = (out["demand"] * out["x"]).groupby([out["site_id"], out["service_id"]]).sum()
    assert beyond.max() > 1e-6  # the full optimum does serve zones beyond their nearest site
    point = np.array([value[name] if name in value else _beyond_value(name, beyond, placed)
                      for name in restricted.form.columns])
    form = restricted.form
    activity = form.A @ point
    assert (activity >= form.row_lower - 1e-6).all() and (activity <= form.row_upper + 1e-6).all()
    assert (point >= form.col_lower - 1e-9).all() and (point <= form.col_upper + 1e-9).all()
    ours, theirs = form.objective_values(point), full.form.objective_values(optimum)
    assert ours["travel"] <= theirs["travel"] + 1e-9 and ours["equity"] <= theirs["equity"] + 1e-9
    assert {k: ours[k] for k in ("capital", "running", "workforce", "disruption")} == pytest.approx(
        {k: theirs[k] for k in ("capital", "running", "workforce", "disruption")}, rel=1e-9)


def _beyond_value(name: str, beyond: pd.Series, placed: pd.Series) -> float:
    """A beyond share ``beyond[z,l]`` or a placed demand ``beyond_at[s,l]``, by its column name."""
    family, index = name.rstrip("]").split("[")
    key = tuple(index.split(","))
    return float((beyond if family == "beyond" else placed).get(key, 0.0))


def test_evaluating_a_configuration_equals_the_full_model(generated):
    second = solve(generated, top=2, nearest_sites=0).ranked[1]
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=1))
    evaluated = engine.evaluate(second.configuration)
    assert evaluated.objective == pytest.approx(second.objective, rel=1e-9)
    assert engine.rounds >= 2


def test_published_p_median_optimum_from_the_restricted_model(tmp_path):
    """pmed2 (100 vertices, p = 10) has 10,000 candidate pairs, above the size where the engine restricts by itself;
    it starts with 2 · 100 / 10 = 20 nearest sites per vertex and still proves Beasley's optimum (in the classic
    model: by default an uncapacitated instance is searched in the radius formulation, tests/test_radius.py)."""
    instance = load_instance(write_pmedian_instance(PMED / "pmed2.txt", tmp_path / "pmed2"))
    result = Engine.build(instance, options=ModelOptions(radius=False)).solve(weights=TRAVEL_ONLY)
    assert result.restriction is not None and result.restriction.candidate_pairs == 10_000 > AUTO_PAIRS
    assert result.restriction.kept_pairs < 10_000
    total = result.best.criteria["travel"] * float(instance.demand[SERVICE_ID].sum())
    assert total == pytest.approx(PUBLISHED_OPTIMA["pmed2"])


def test_diagnosis_sees_every_pair(generated):
    """The diagnosis relaxes hard standards as rows, so it keeps the far pairs: no restriction."""
    engine = Engine.build(generated, options=ModelOptions(prune_travel=False, nearest_sites=1))
    assert engine.data.reach is None and engine.data.beyond.empty


# --- a search stopped by the time limit ---------------------------------------------------------

def test_a_search_stopped_at_once_answers_with_the_baseline_made_whole(generated, monkeypatch):
    """With no time at all HiGHS cannot even complete the baseline it starts from, and no time is left to grow and
    search again, so the engine evaluates the baseline over grown sites instead: the answer is the baseline's value
    in the full model, marked unproved. That repair is given a minute's grace, so that a loaded machine does not
    refuse it too (the grace is the time limit's promise, not this test's)."""
    monkeypatch.setattr("solvers.highs.GRACE_S", 60.0)
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=1), solver=SolverOptions(time_limit_s=0.0))
    result = engine.solve()
    baseline = Engine.build(generated, options=ModelOptions(nearest_sites=0)).evaluate(engine.data.baseline)
    assert result.status is Status.FEASIBLE and result.restriction.repaired
    assert result.best.configuration.hosts == baseline.configuration.hosts
    assert result.best.objective == pytest.approx(baseline.objective, rel=1e-9)
    assert result.best.gap == math.inf  # nothing proved in no time
    assert_feasible(generated, result)


def test_a_round_that_leaves_no_time_for_the_next_is_repaired_not_searched_again(generated):
    """Round one proves its optimum but serves zones beyond their two kept sites; the budget is spent as it ends
    (here by the progress report), so its configuration is evaluated with each zone's three nearest hosts kept too.
    Round one's optimum is a lower bound of the full model's, so the gap reported is at least the true one."""
    full = solve(generated, nearest_sites=0).best.objective
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=2, radius=False),  # no scout: rounds alone
                          solver=SolverOptions(time_limit_s=3600))

    def spend_the_budget(found: int, result) -> None:
        engine.session.deadline = time.perf_counter()

    result = engine.solve(progress=spend_the_budget)
    assert result.status is Status.FEASIBLE and result.restriction.repaired
    assert (_hosts_per_group(engine.data.pairs, result.best.configuration)
            >= _hosts_per_group(engine.data.candidates, result.best.configuration).clip(upper=SERVING_HOSTS)).all()
    assert result.best.objective > full + 1e-6  # not the optimum: it was not searched for again
    assert result.best.gap >= (result.best.objective - full) / result.best.objective - 1e-9
    assert_feasible(generated, result)


def _hosts_per_group(pairs: pd.DataFrame, configuration) -> pd.Series:
    """How many of each (zone, service)'s ``pairs`` are to a site hosting the service in ``configuration``."""
    hosting = pd.MultiIndex.from_frame(pairs[["site_id", "service_id"]]).isin(list(configuration.hosts))
    groups = pd.MultiIndex.from_frame(pairs[["zone_id", "service_id"]]).unique()
    return pairs[hosting].groupby(["zone_id", "service_id"]).size().reindex(groups, fill_value=0)


def test_a_repaired_best_answer_is_measured_against_the_best_bound_of_any_round(generated):
    """A later round may stop at its root with a weak bound; an earlier round's bound bounds the full model
    too, and is the one the gap is measured against (the engine's rule, applied to a made-up stop)."""
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=2))
    engine.session.set_weights(solver_weights(resolve_weights(generated.weights, None), engine.scales))
    round_one = engine.session.solve()
    stopped_at_the_root = replace(round_one, status=Status.FEASIBLE, bound=-math.inf)
    [repaired] = restriction.made_whole(engine, [], stopped_at_the_root, engine._configuration(round_one.values),
                                    round_one.objective)
    assert repaired.bound == round_one.objective
    assert repaired.gap == pytest.approx((repaired.objective - round_one.objective) / repaired.objective)
    assert 0 < repaired.gap < 0.05


def test_a_search_stopped_at_the_configuration_already_served_gives_its_bound_alone(generated, monkeypatch):
    """The scout's configuration is served before the search starts from it; where the search stops there again,
    a repair would serve it once more, past the limit (regional: 4 s), so the round gives its bound and no
    solution, which the caller pairs with the serving it has (:func:`optimiser.search.scout.scouted`)."""
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=2))
    engine.session.set_weights(solver_weights(resolve_weights(generated.weights, None), engine.scales))
    round_one = engine.session.solve()
    stopped = replace(round_one, status=Status.FEASIBLE, bound=round_one.objective - 0.01)
    configuration = engine._configuration(round_one.values)
    monkeypatch.setattr(restriction, "repaired", lambda *_: pytest.fail("served again"))
    [kept] = restriction.made_whole(engine, [], stopped, configuration, -math.inf, served=configuration)
    assert kept.status is Status.NO_SOLUTION and not kept.has_solution
    assert kept.bound == stopped.bound and kept.objective is None and kept.gap is None


def test_the_rounds_share_one_time_budget(generated):
    engine = Engine.build(generated, options=ModelOptions(nearest_sites=1, radius=False),  # no scout: rounds alone
                          solver=SolverOptions(time_limit_s=3600))
    before = time.perf_counter()
    engine.solve()
    after = time.perf_counter()
    assert engine.rounds >= 2  # the HiGHS session was rebuilt, and kept the deadline set when the solve began
    search_s = 3600 * (1 - REPAIR_SHARE)  # the rest is left to the repair of a stopped round's answer
    assert before + search_s <= engine.session.deadline <= after + search_s


# --- the rules for the reach --------------------------------------------------------------------

def _line(minutes: list[float], service: str = "l") -> pd.DataFrame:
    """One zone z and sites a, b, c … at the given minutes."""
    sites = [chr(ord("a") + i) for i in range(len(minutes))]
    return ranked(pd.DataFrame({"zone_id": "z", "site_id": sites, "service_id": service, "demand": 1.0,
                                "travel_min": minutes}))


def test_ties_share_a_rank_and_are_kept_together():
    """Reach 3 keeps a, b, c and d: the two sites at 5 minutes are both third nearest."""
    candidates = _line([5, 1, 5, 3, 9])
    assert candidates["rank"].tolist() == [3, 1, 3, 2, 5]


def test_growth_doubles_the_reach_and_reaches_the_nearest_host():
    candidates = pd.concat([_line([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), _line(list(range(1, 11)), "m")],
                           ignore_index=True)
    candidates["group"] = np.repeat([0, 1], 10)
    reach = np.array([1, 1])
    needy = pd.DataFrame({"zone_id": ["z"], "service_id": ["l"]})
    assert grow(candidates, reach, needy, set()).tolist() == [2, 1]  # doubled; the other service unchanged
    assert grow(candidates, reach, needy, {("d", "l")}).tolist() == [4, 1]  # the nearest host is 4th
    assert grow(candidates, np.array([3, 3]), needy, {("h", "l")}) is None  # 8 + 3 of 20 kept: past half, so all


def test_serving_keeps_the_nearest_hosts_and_more_hosts_never_need_more_pairs():
    """Why an opening is served in the model of the configuration before it: that model keeps every pair."""
    candidates = _line([1, 2, 3, 4, 5, 6, 7, 8])
    candidates["group"] = 0
    hosts = {("b", "l"), ("e", "l"), ("g", "l")}
    assert to_hosts(candidates, np.array([2]), hosts, 2).tolist() == [5]  # up to e, the second nearest host
    assert to_hosts(candidates, np.array([6]), hosts, 2).tolist() == [6]  # and never less than it kept
    assert to_hosts(candidates, np.array([2]), hosts | {("c", "l")}, 2).tolist() == [3]  # an opening: fewer


def test_widening_doubles_every_zone_and_keeps_all_past_half():
    """How a stopped search's answer is repaired when its zones' kept sites cannot carry it alone."""
    candidates = pd.concat([_line(list(range(1, 11)), service) for service in "lmn"], ignore_index=True)
    candidates["group"] = np.repeat([0, 1, 2], 10)
    assert widen(candidates, np.array([1, 2, 2])).tolist() == [2, 4, 4]  # 10 of 30 pairs kept
    assert widen(candidates, np.array([2, 4, 4])) is None  # 20 of 30: past half, so all


def test_start_reach_by_size(generated):
    candidates = _line([1, 2, 3])
    services = pd.DataFrame({"max_sites": [np.nan]}, index=["l"])
    assert start_reach(candidates, services, 3, None) is None  # small: the full model
    assert start_reach(candidates, services, 3, 0) is None
    assert start_reach(candidates, services, 3, 2).tolist() == [2]
    big = ranked(pd.DataFrame({"zone_id": np.repeat([f"z{i}" for i in range(100)], 100),
                               "site_id": np.tile([f"s{i}" for i in range(100)], 100), "service_id": "l",
                               "demand": 1.0, "travel_min": np.tile(np.arange(100.0), 100)}))
    assert len(big) >= AUTO_PAIRS
    assert set(start_reach(big, services.assign(max_sites=[5.0]), 100, None)) == {40}  # 2 · 100 sites / 5
    assert set(start_reach(big, services, 100, None)) == {3}  # no maximum: at least 3
