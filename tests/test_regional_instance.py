"""The named regional instance, south_yorkshire: fifteen sites, the twelve of Working Together and three of
Calderdale and Huddersfield, over the 353 MSOAs of their districts, the 2017 stroke decision and the Calderdale
and Huddersfield proposal of 2016.

The rankings solve the full model (every zone-site pair, ``nearest_sites=0``), so that they do not depend on
the nearest-site rounds: at 353 zones it proves the three best in about 60 s for the whole network and 6 s
with everything but stroke fixed. The whole network is marked slow.
"""

from __future__ import annotations

import csv
import shutil

import pytest

from optimiser import Engine, Solution, check_solution, evaluate, load_instance
from optimiser.instance.configuration import option_configuration
from optimiser.instance.proofs import prove_infeasible
from optimiser.model.data import ModelOptions

#: Mid-2017 residents of each district: the ONS LSOA estimates (SAPE20DT1, 25 Oct 2018) summed over the
#: district's LSOAs, which ONS constrains to its district estimates; North Kirklees is the part of Kirklees in
#: NHS North Kirklees CCG and Greater Huddersfield the part in NHS Greater Huddersfield CCG (ONS LSOA-to-CCG lookup,
#: April 2017); together they are Kirklees's 437,145. sources/README.md names the files.
DISTRICT_POPULATION = {"Sheffield": 577789, "Rotherham": 263375, "Barnsley": 243341, "Doncaster": 308940,
                       "Bassetlaw": 116304, "Chesterfield": 104579, "North East Derbyshire": 100780,
                       "Bolsover": 79098, "Wakefield": 340790, "North Kirklees": 192102,
                       "Greater Huddersfield": 245043, "Calderdale": 209454}
#: MSOAs per district (ONS codes E02...): 353 in all, Kirklees's 59 split by CCG into 25 and 34.
DISTRICT_MSOAS = {"Sheffield": 70, "Rotherham": 33, "Barnsley": 30, "Doncaster": 39, "Bassetlaw": 14,
                  "Chesterfield": 13, "North East Derbyshire": 13, "Bolsover": 10, "Wakefield": 45,
                  "North Kirklees": 25, "Greater Huddersfield": 34, "Calderdale": 27}
STOPPED = {("barnsley", "stroke"), ("rotherham", "stroke")}
FULL_MODEL = ModelOptions(nearest_sites=0)


@pytest.fixture(scope="module")
def region():
    return load_instance("south_yorkshire")


def solution_is_feasible(instance, solution):
    return check_solution(instance, solution.configuration, solution.allocation, solution.expansion) == []


def test_fifteen_sites_and_the_msoas_of_eleven_districts_load_cleanly(region):
    """Zones are the districts' MSOAs with their ONS populations, each on its own road node; Kirklees's two
    CCG parts add up to its 437,145 residents."""
    assert len(region.sites) == 15 and len(region.zones) == sum(DISTRICT_MSOAS.values()) == 353
    assert DISTRICT_POPULATION["North Kirklees"] + DISTRICT_POPULATION["Greater Huddersfield"] == 437145
    assert region.zones["zone_id"].str.fullmatch(r"E02\d{6}").all()
    assert region.zones.groupby("group").size().to_dict() == DISTRICT_MSOAS
    assert region.zones.groupby("group")["population"].sum().to_dict() == DISTRICT_POPULATION
    assert set(region.zones["deprivation_quintile"]) == {1, 2, 3, 4, 5}
    assert (region.snapped["snap_km"] == 0).all()
    assert region.warnings == ()
    assert prove_infeasible(region) == []


def test_the_stroke_rate_is_fifteen_a_week_over_barnsley_and_rotherham(region):
    """About 15 patients a week no longer treated in Barnsley or Rotherham: 15 × 52 / 506,716 residents
    = 1.539 per 1000, which derive.py states as 1.54."""
    rate = 15 * 52 / (DISTRICT_POPULATION["Barnsley"] + DISTRICT_POPULATION["Rotherham"]) * 1000
    assert region.services.loc["stroke", "demand_per_1000"] == pytest.approx(rate, abs=0.005)


def test_the_2017_decision_only_stops_hyper_acute_stroke_at_barnsley_and_rotherham(region):
    today, decision = (option_configuration(region, name) for name in ("status_quo", "decision_2017"))
    assert today.hosts - decision.hosts == STOPPED and decision.hosts <= today.hosts
    assert decision.sites_of("stroke") == ["calderdale", "chesterfield", "doncaster", "pinderfields",
                                           "royal_hallamshire"]
    assert "15 November 2017" in region.options.loc["decision_2017", "source"]
    solution = evaluate(region, "decision_2017")
    assert isinstance(solution, Solution) and solution_is_feasible(region, solution)


def test_the_2016_proposal_moves_huddersfields_emergency_and_critical_care_to_calderdale_royal(region):
    """The 2016 consultation: a single emergency centre at Calderdale Royal, Huddersfield a planned-care hospital
    with an urgent care centre; every other site as today. Its 705 beds at Calderdale Royal under nearest
    catchments (derive.py) exceed today's 400 and fit the proposal's 700 only with some patients going elsewhere:
    the model finds a feasible allocation, which the independent checker confirms."""
    today, proposal = (option_configuration(region, name) for name in ("status_quo", "chft_proposal_2016"))
    assert today.hosts - proposal.hosts == {("huddersfield", "emergency"), ("huddersfield", "critical_care")}
    assert proposal.hosts <= today.hosts
    solution = evaluate(region, "chft_proposal_2016")
    assert isinstance(solution, Solution) and solution_is_feasible(region, solution)


@pytest.mark.slow
def test_the_whole_network_solves_to_three_proved_optima_each_better_than_the_decision(region):
    """Objectives as solved (HiGHS, gap 0) and each configuration checked by the independent checker
    (check_solution): the best 1.350561 keeps HASUs at the Royal Hallamshire, Pinderfields and Doncaster; the
    decision's 1.430250 is the same model with its services pinned (evaluate)."""
    result = Engine.build(region, options=FULL_MODEL).solve(top=3)
    assert [s.status for s in result.ranked] == ["optimal"] * 3
    assert all(solution_is_feasible(region, s) for s in result.ranked)
    assert result.best.objective == pytest.approx(1.350561, abs=1e-6)
    assert result.best.configuration.sites_of("stroke") == ["doncaster", "pinderfields", "royal_hallamshire"]
    decision = evaluate(region, "decision_2017")
    assert decision.objective == pytest.approx(1.430250, abs=1e-6)
    assert result.ranked[-1].objective < decision.objective


@pytest.fixture(scope="module")
def stroke_only(region, tmp_path_factory):
    """The 2017 question alone: a copy of the instance with every service line but stroke fixed as today
    (givens.csv)."""
    folder = tmp_path_factory.mktemp("stroke") / "south_yorkshire"
    shutil.copytree(region.path, folder)
    today = option_configuration(region, "status_quo")
    with open(folder / "givens.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["site_id", "service_id", "hosts", "source"])
        writer.writerows([site, service, str((site, service) in today.hosts).lower(), "as today"]
                         for site in region.sites.index for service in region.services.index if service != "stroke")
    return load_instance(folder)


def test_with_everything_else_as_today_three_hyper_acute_units_beat_the_five_decided(stroke_only):
    """Objectives as solved (HiGHS, gap 0), each checked by the independent checker: three units, the Royal
    Hallamshire, Pinderfields and Doncaster (1.297210), beat the decision's five with Calderdale Royal's
    (1.303559); the runners-up put the third at Rotherham (1.297389) or Chesterfield (1.297501)."""
    result = Engine.build(stroke_only, options=FULL_MODEL).solve(top=3)
    assert [s.configuration.sites_of("stroke") for s in result.ranked] == [
        ["doncaster", "pinderfields", "royal_hallamshire"], ["pinderfields", "rotherham", "royal_hallamshire"],
        ["chesterfield", "pinderfields", "royal_hallamshire"]]
    assert [s.objective for s in result.ranked] == pytest.approx([1.297210, 1.297389, 1.297501], abs=1e-6)
    assert all(solution_is_feasible(stroke_only, s) for s in result.ranked)
    decision = evaluate(stroke_only, "decision_2017")
    assert decision.objective == pytest.approx(1.303559, abs=1e-6)
    assert all(s.objective < decision.objective for s in result.ranked)


def test_the_stroke_question_is_reported_beside_the_real_decision(stroke_only, tmp_path):
    """The reduced regional case end to end, as CI can afford it: the study (the engine's default search, top 3,
    the three named options) and the HTML report. Every configuration is proved optimal and meets every rule, as
    do the status quo and the decision; the 2016 Calderdale and Huddersfield proposal fails the rules hurdle, as it
    must here (it moves Huddersfield's A&E and critical care, which this copy's givens keep), and the failure names
    the givens broken. The report sets the recommendation beside the 2017 decision, criterion by criterion, and
    shows the travel-time change by district (353 localities are too many for a bar each)."""
    from optimiser.appraisal.study import study
    from reports.render import report

    result = study(stroke_only, top=3, samples=500)
    feasible = result.appraisal.options["feasible"]
    assert not feasible["chft_proposal_2016"] and feasible.drop("chft_proposal_2016").all()
    hurdles = result.appraisal.hurdles.set_index(["option", "criterion"])
    assert hurdles.loc[("chft_proposal_2016", "rules"), "detail"] == (
        "givens.csv row 86: Type-1 emergency department (24/7 A&E, majors) must be at huddersfield; "
        "givens.csv row 88: Adult critical care (ICU/HDU) must be at huddersfield")
    assert set(result.appraisal.options.index) >= {"status_quo", "decision_2017", "chft_proposal_2016"}
    assert result.solver["unproved"] == []
    html = report(result, tmp_path / "stroke.html")[0].read_text(encoding="utf-8")
    why = html[html.index('<section id="why">'):]
    why = why[:why.index("</section>")]
    assert "beside the instance's real decision, <strong>decision_2017</strong>" in why and "By criterion" in why
    assert "Change in each locality group's mean trip" in html and "the 353 localities are too many" in html
