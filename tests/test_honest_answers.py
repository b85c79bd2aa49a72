"""Every answer feasible and honestly ranked: ranks in order of objective, "optimal" only where proved,
each configuration at its cheapest allocation, no demand left unserved, givens kept by evaluations."""

from __future__ import annotations

import json

import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.cli.app import main
from optimiser.instance.configuration import Configuration, option_configuration
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import Solution, evaluate, solve
from solvers.highs import Status


@pytest.fixture(scope="module", params=["mse", "hampshire", "dorset"])
def named(request):
    instance = load_instance(request.param)
    return instance, solve(instance, top=3)


@pytest.mark.parametrize("gap", [0.01, 0.05, 0.5])
def test_a_ranking_within_a_gap_is_in_order_and_says_what_is_proved(named, gap):
    """Rank k of a search within a gap is at least the true k-th best (found at gap 0) and within its own
    stated gap of it; ranks follow the objective; a rank is "optimal" only where its gap is nil. Before:
    hampshire at 5% gave rank 1 = 1.6525 and rank 2 = 1.6349, both "optimal"."""
    instance, exact = named
    assert [r.status for r in exact.ranked] == [Status.OPTIMAL] * 3
    ranked = solve(instance, top=3, mip_gap=gap).ranked
    objectives = [r.objective for r in ranked]
    assert objectives == sorted(objectives)
    for mine, truth in zip(ranked, exact.ranked, strict=False):
        assert mine.objective >= truth.objective - 1e-6
        assert (mine.objective - truth.objective) / mine.objective <= mine.gap + 1e-9
        assert (mine.status is Status.OPTIMAL) == (mine.gap <= 1e-6)
        assert check_solution(instance, mine.configuration, mine.allocation, mine.expansion) == []


@pytest.mark.parametrize("gap", [0.05, 0.5])
def test_every_configuration_shown_carries_its_cheapest_allocation(named, gap):
    """A search within a gap (or stopped by the limit) may hold its configuration at an allocation far above
    that configuration's cheapest: mse at gap 0.5 answered 2.4849, whose configuration costs 1.5721."""
    instance, _ = named
    for ranked in solve(instance, top=3, mip_gap=gap).ranked:
        cheapest = evaluate(instance, Configuration(ranked.configuration.hosts, ranked.configuration.roles))
        assert ranked.objective == pytest.approx(cheapest.objective, rel=1e-7)


@pytest.mark.parametrize("gap", [-0.1, 1.0, 2.0, float("nan")])
def test_a_gap_is_a_fraction_below_one(tiny_instance, gap):
    with pytest.raises(ValueError, match=r"the gap must be a fraction from 0 \(proved optimal\) up to, not including"):
        solve(tiny_instance, mip_gap=gap)


# --- no demand left unserved --------------------------------------------------------------------

@pytest.fixture
def east_cut_off(tiny):
    """Births within 10 minutes, and East Hospital given as never hosting obstetrics: East Town (18 minutes
    from North and South, 0 from East) has 400 births a year that no permitted site may take."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 10")
    tiny.append("givens.csv", "east,obstetrics,false,test")
    return tiny


def test_a_zone_no_permitted_site_reaches_makes_the_instance_infeasible(east_cut_off):
    """Pruning its every pair used to drop East Town's demand row: 'optimal', its births unserved."""
    instance = load_instance(east_cut_off.path)
    result = solve(instance, top=3)
    assert result.status is Status.INFEASIBLE and result.ranked == []
    assert solve(instance, nearest_sites=1).status is Status.INFEASIBLE
    assert evaluate(instance, "status_quo").status is Status.INFEASIBLE


def test_the_command_line_says_which_zone_cannot_be_served(east_cut_off, capsys):
    assert main(["solve", str(east_cut_off.path)]) == 1
    out = capsys.readouterr().out
    assert "East Town's demand must travel beyond 10 minutes" in out


# --- givens hold in evaluations ------------------------------------------------------------------

def test_an_option_that_breaks_a_given_is_reported_as_breaking_it(tiny):
    """givens.csv row 2 puts cancer at East; an option without it (and one with cancer at North, which row 3
    refuses) must fail, naming the rows, not be priced as if the givens were not there."""
    tiny.append("givens.csv", "north,cancer,false,test")
    instance = load_instance(tiny.path)
    moved = Configuration.of([("north", "cancer"), ("north", "emergency"), ("south", "emergency"),
                              ("north", "obstetrics"), ("south", "obstetrics")], {"north": "acute", "south": "acute"})
    assert not isinstance(evaluate(instance, moved), Solution)
    messages = [r.message for r in diagnose(instance, moved).relaxations]
    assert "givens.csv row 2: Cancer centre must be at east" in messages
    assert "givens.csv row 3: Cancer centre must not be at north" in messages


def test_evaluate_json_never_calls_a_failed_option_optimal(tiny, capsys):
    tiny.replace("givens.csv", "east,cancer,true", "east,cancer,false")
    assert main(["evaluate", str(tiny.path), "status_quo", "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)["status_quo"]
    assert outcome["feasible"] is False and outcome["status"] == "infeasible"
    assert option_configuration(load_instance(tiny.path), "status_quo").hosts >= {("east", "cancer")}
