"""Viable units: no hosted unit without patients, nor on a site without the resource it cannot work without.

The tiny instance (tests/data/tiny, minutes and demand in tests/test_model.py's docstring) without its
roles, weighted on travel alone, so each optimum is the least activity-weighted travel. Here z_east
demands no emergency care (demand.csv), so an emergency department at east, where givens.csv puts one,
is no zone's nearest: without the floor it would stand empty. Totals: emergency 28,000 attendances,
obstetrics 1,800 births, cancer 900 patients: 30,700.

Each optimum is re-checked by the independent checker, and each infeasible case is found by both.
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.instance.configuration import Configuration, option_configuration
from optimiser.model.pmedian import TRAVEL_ONLY
from optimiser.search import radius_search
from optimiser.search.diagnose import diagnose
from optimiser.search.engine import Engine, solve
from solvers.highs import Status

TOTAL = 30_700
#: Travel-only optimum with every unit free to stand empty: emergency z_mid 6,000 × 6 min = 36,000;
#: obstetrics at all three, east filled to 500 births by a third of z_mid (100 × 12 + 200 × 6) = 2,400;
#: cancer at east, 250 × 18 + 150 × 12 + 300 × 12 = 9,900.
UNCONSTRAINED = 36_000 + 2_400 + 9_900


@pytest.fixture
def empty_east(tiny):
    """East must host an emergency department that no zone is nearest to."""
    tiny.remove("roles.yaml")
    tiny.write("options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                               "    south: [emergency, obstetrics]\n    east: [cancer]\n")
    tiny.write("demand.csv", "zone_id,service_id,demand,source\nz_east,emergency,0,test\n")
    tiny.append("givens.csv", "east,emergency,true,test")
    return tiny


def _best(folder):
    instance = load_instance(folder.path)
    result = solve(instance, weights=TRAVEL_ONLY)
    best = result.best
    assert check_solution(instance, best.configuration, best.allocation, best.expansion) == []
    assert best.gap == pytest.approx(0.0)
    return result


def test_a_hosted_unit_takes_its_floor_of_patients_at_the_least_cost(empty_east):
    """With min_unit_activity 100, east's department takes 100 attendances from z_mid, 12 min away instead
    of 6 (z_south would travel 12 instead of 0): 600 more minutes than the empty unit's optimum."""
    empty_east.append("instance.yaml", "min_unit_activity: 100")
    result = _best(empty_east)
    assert result.best.criteria["travel"] == pytest.approx((UNCONSTRAINED + 600) / TOTAL)
    to_east = result.best.allocation.query("service_id == 'emergency' and site_id == 'east'")
    assert to_east.set_index("zone_id")["share"].to_dict() == pytest.approx({"z_mid": 100 / 6_000})


def test_the_default_floor_is_one_patient_a_year(empty_east):
    """Unless the instance says otherwise, one attendance from z_mid: 6 minutes more."""
    result = _best(empty_east)
    assert result.best.criteria["travel"] == pytest.approx((UNCONSTRAINED + 6) / TOTAL)


def test_a_unit_that_can_take_no_patient_is_infeasible_in_model_and_checker(empty_east):
    """East has no beds, and an attendance uses 0.005 of one: its given department can serve nobody.
    The model finds no configuration; the checker flags the empty unit in the answer that once passed."""
    empty_east.replace("site_resources.csv", "east,beds,100,0,0,test", "east,beds,0,0,0,test")
    instance = load_instance(empty_east.path)
    assert solve(instance, weights=TRAVEL_ONLY).status is Status.INFEASIBLE
    hosts = {(s, "emergency") for s in ("north", "south", "east")} | {(s, "obstetrics") for s in ("north", "south")}
    configuration = Configuration.of(hosts | {("east", "cancer")})
    nearest = {"z_north": "north", "z_mid": "north", "z_south": "south", "z_east": "north"}
    allocation = pd.DataFrame([(service, zone, site, 1.0) for zone, site in nearest.items()
                               for service in ("emergency", "obstetrics")]
                              + [("cancer", zone, "east", 1.0) for zone in nearest],
                              columns=["service_id", "zone_id", "site_id", "share"])
    found = check_solution(instance, configuration, allocation)
    assert [(v.rule, v.subject) for v in found] == [("activity_floor", "emergency at east")]
    assert found[0].message == ("emergency at east handles 0 attendances, below the least a hosted unit handles, "
                                "1 a year (instance.yaml min_unit_activity)")


def test_the_radius_search_hands_a_binding_floor_to_the_classic_model(empty_east, monkeypatch):
    """Without resources or volume minima the allocation is free of rows but the floor's, so the radius
    search runs without it; its answer leaves east's department empty, so the classic model decides.
    Obstetrics everywhere (east now needs no 500 births): 300 × 6 = 1,800; emergency with the floor of
    100: 36,600; cancer 9,900. With z_east's emergency demand back, no unit is empty and the radius
    answer stands: 36,000 + 1,800 + 9,900 over all 38,700."""
    empty_east.remove("resource_use.csv").replace("services.yaml", "  min_volume: 500\n", "")
    empty_east.append("instance.yaml", "min_unit_activity: 100")
    instance = load_instance(empty_east.path)
    searched = []
    by_radius = radius_search.by_radius
    monkeypatch.setattr(radius_search, "by_radius",
                        lambda engine, *args: searched.append(1) or by_radius(engine, *args))
    result = Engine.build(instance).solve(weights=TRAVEL_ONLY)
    assert searched and result.formulation == "classic"  # the radius search ran, and its answer was not kept
    assert result.best.criteria["travel"] == pytest.approx((36_600 + 1_800 + 9_900) / TOTAL)
    assert check_solution(instance, result.best.configuration, result.best.allocation) == []
    empty_east.remove("demand.csv")
    natural = Engine.build(load_instance(empty_east.path)).solve(weights=TRAVEL_ONLY)
    assert natural.formulation == "radius"
    assert natural.best.criteria["travel"] == pytest.approx((36_000 + 1_800 + 9_900) / 38_700)


@pytest.fixture
def critical_care(tiny):
    """An emergency department needs 6 critical-care beds on site: north has 10, south 4 and may add 4,
    east none."""
    tiny.remove("roles.yaml")
    tiny.write("options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                               "    south: [emergency, obstetrics]\n    east: [cancer]\n")
    tiny.write("resource_use.csv", "service_id,resource,per_activity,min_capacity,source\n"
                                   "emergency,beds,0.005,,test\nobstetrics,beds,0.01,,test\n"
                                   "emergency,critical_care_beds,0.0001,6,test\n")
    tiny.append("site_resources.csv", "north,critical_care_beds,10,0,1,test")
    tiny.append("site_resources.csv", "south,critical_care_beds,4,4,1,test")
    return tiny


def test_a_unit_goes_only_where_its_least_resource_is(critical_care):
    """East has no critical-care beds, so no emergency department, so no obstetrics (colocated): z_east
    travels 18 min for both, 8,000 × 18 + 6,000 × 6 = 180,000 and 300 × 6 + 400 × 18 = 9,000 (as in
    tests/test_model.py's colocated case); south keeps its department by adding at least 2 beds."""
    result = _best(critical_care)
    best = result.best
    assert best.configuration.sites_of("emergency") == ["north", "south"]
    assert best.criteria["travel"] == pytest.approx((180_000 + 9_000 + 9_900) / 38_700)
    added = best.expansion.set_index(["site_id", "resource"])["added"]
    assert added[("south", "critical_care_beds")] >= 2 - 1e-6


def test_a_unit_below_its_least_resource_is_infeasible_in_model_and_checker(critical_care):
    """Emergency given at east, which has no critical-care beds and may add none: no configuration; the
    checker names the shortfall."""
    critical_care.append("givens.csv", "east,emergency,true,test")
    instance = load_instance(critical_care.path)
    assert solve(instance, weights=TRAVEL_ONLY).status is Status.INFEASIBLE
    configuration = Configuration.of({("north", "emergency"), ("east", "emergency"), ("east", "cancer")})
    allocation = pd.DataFrame([("emergency", z, "east" if z == "z_east" else "north", 1.0)
                               for z in ("z_north", "z_mid", "z_south", "z_east")]
                              + [("cancer", z, "east", 1.0) for z in ("z_north", "z_mid", "z_south", "z_east")],
                              columns=["service_id", "zone_id", "site_id", "share"])
    found = [v for v in check_solution(instance, configuration, allocation) if v.rule == "min_capacity"]
    assert [(v.subject, v.message) for v in found] == [
        ("emergency at east", "emergency at east needs at least 6 critical_care_beds on site, but east has 0 "
                              "(short by 6)")]


# --- the county instances ---------------------------------------------------------------------------

#: The decision each county took, as a named option: site -> services (the sources' wording in README.md).
DECISIONS = {
    "hampshire": ("critical_treatment_m3j7", {
        "m3j7": {"emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective",
                 "stroke", "cancer", "trauma"},  # the critical treatment hospital (children's ED within emergency)
        "winchester": {"elective", "urgent_care"},  # planned care with a 24/7 urgent treatment centre
    }),
    "dorset": ("decision_2017", {
        "bournemouth": {"emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics",
                        "elective", "stroke", "cancer", "trauma"},  # the major emergency hospital
        "poole": {"elective", "urgent_care"},  # major planned care with a 24/7 urgent treatment centre
        "dorchester": {"emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics",
                       "elective", "stroke", "trauma"},  # emergency and planned care for the west
    }),
}


@pytest.mark.parametrize("name", sorted(DECISIONS))
def test_each_real_decision_is_a_named_option_that_meets_every_rule(name):
    option, hosts = DECISIONS[name]
    instance = load_instance(name)
    configuration = option_configuration(instance, option)
    assert {(site, service) for site, services in hosts.items() for service in services} == configuration.hosts
    solution = Engine.build(instance).evaluate(option)
    assert solution.status is Status.OPTIMAL
    assert check_solution(instance, configuration, solution.allocation, solution.expansion) == []


@pytest.fixture(scope="module", params=sorted(DECISIONS))
def county_best(request):
    instance = load_instance(request.param)
    return instance, solve(instance).best


def test_every_unit_of_a_countys_best_configuration_is_viable(county_best):
    """Each hosted unit handles at least its service's min_volume (every service of these instances states one,
    so no unit stands empty); critical care only where 6 critical-care beds can be; none at Andover, a
    community hospital with a minor injuries unit."""
    instance, best = county_best
    demand = instance.demand.stack().rename("demand")
    flows = best.allocation.join(demand, on=["zone_id", "service_id"])
    volume = (flows["share"] * flows["demand"]).groupby([flows["site_id"], flows["service_id"]]).sum()
    least = instance.services["min_volume"]
    assert (least > 0).all()
    for site, service in best.configuration.hosts:
        assert volume.get((site, service), 0.0) >= least[service] - 1e-6, f"{service} at {site}"
    assert best.configuration.sites_of("critical_care") and "andover" not in best.configuration.sites_of(
        "critical_care")
    assert {service for site, service in best.configuration.hosts if site == "andover"} <= {"urgent_care"}


def test_dorsets_best_has_no_neonatal_unit_without_an_obstetric_unit():
    """Before the rule, the best kept Dorchester's neonatal unit and sent every birth to Poole."""
    best = solve(load_instance("dorset")).best
    assert best.configuration.sites_of("neonatal") == best.configuration.sites_of("obstetrics")
    assert "dorchester" in best.configuration.sites_of("obstetrics")


def test_the_diagnosis_names_the_missing_resource(critical_care):
    """A department at east would need 6 critical-care beds there: the least relaxation of that configuration
    adds them."""
    hosts = {(s, l) for s in ("north", "south", "east") for l in ("emergency", "obstetrics")} | {("east", "cancer")}
    found = diagnose(load_instance(critical_care.path), Configuration.of(hosts))
    [short] = [r for r in found.relaxations if r.rule == "resource_minimum"]  # and the beds its patients use
    assert (short.subject, short.amount) == ("emergency at east", pytest.approx(6.0))
    assert short.message == ("Emergency department at east: 6.0 critical_care_beds short of the least a unit needs "
                             "on site")
