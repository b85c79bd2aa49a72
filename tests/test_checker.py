"""The independent feasibility checker: a hand-made feasible solution, then one broken rule at a time.

The tiny instance (tests/data/tiny): sites north, south (existing) and east
(a candidate); zones z_north, z_mid, z_south, z_east of 50, 30, 60 and 40
thousand people. Car minutes zone→site (rows z_north, z_mid, z_south, z_east;
columns north, south, east): [0 12 18], [6 6 12], [12 0 12], [18 18 0];
site→site: north–south 12, north–east 18, south→east 12, east→south 18.
Demand per 1000: emergency 200, obstetrics 10, cancer 5. Beds per activity:
emergency 0.005, obstetrics 0.01; beds 300 (+50) at north and south, 100 at east.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import Violation, check_configuration, check_solution
from optimiser.instance.configuration import Configuration, option_configuration

#: Zone → site for emergency and obstetrics: each zone to a nearest site (z_mid ties 6/6, z_east 18/18).
NEAREST = {"z_north": "north", "z_mid": "north", "z_south": "south", "z_east": "south"}
ZONES = list(NEAREST)


def allocation(**services: dict[str, str | dict[str, float]]) -> pd.DataFrame:
    """An allocation from ``service={zone: site or {site: share}}``."""
    rows = []
    for service, zones in services.items():
        for zone, target in zones.items():
            for site, share in ({target: 1.0} if isinstance(target, str) else target).items():
                rows.append((service, zone, site, share))
    return pd.DataFrame(rows, columns=["service_id", "zone_id", "site_id", "share"])


def feasible(**changes: dict[str, str | dict[str, float]]) -> pd.DataFrame:
    """The hand-made feasible allocation, with some zones of some services sent elsewhere."""
    plan = {"emergency": dict(NEAREST), "obstetrics": dict(NEAREST), "cancer": dict.fromkeys(ZONES, "east")}
    for service, zones in changes.items():
        plan[service].update(zones)
    return allocation(**plan)


def status_quo(instance) -> Configuration:
    return option_configuration(instance, "status_quo")


def without_roles(*hosts: tuple[str, str]) -> Configuration:
    return Configuration.of(hosts)


def assert_violations(found: list[Violation], expected: list[Violation]) -> None:
    assert [(v.rule, v.subject, v.message) for v in found] == [(v.rule, v.subject, v.message) for v in expected]
    assert [v.amount for v in found] == pytest.approx([v.amount for v in expected])


def test_hand_made_feasible_solution_has_no_violations(tiny_instance):
    """Status quo: emergency and obstetrics at north and south (role acute), cancer at east (a new site: an
    opening, not a breach; given). Each zone goes to a nearest site: z_mid to north (tie 6/6), z_east to south
    (tie 18/18). Obstetrics: north 500 + 300 = 800 births, south 600 + 400 = 1,000, both ≥ 500, furthest trip
    18 ≤ 30 min. Beds: north 0.005 × 16,000 + 0.01 × 800 = 88, south 0.005 × 20,000 + 0.01 × 1,000 = 110,
    both ≤ 300; cancer uses none. Counts: emergency 2 ≥ 1, cancer 1 of 1; obstetrics sits with emergency."""
    configuration = status_quo(tiny_instance)
    assert configuration.opened(tiny_instance) == ["east"]
    assert check_solution(tiny_instance, configuration, feasible(), closest_assignment=True) == []


def test_split_shares_and_absent_zero_rows_are_feasible(tiny_instance):
    """z_mid may split its obstetrics 50/50 between the tied north and south; expansion within limits is fine."""
    split = feasible(obstetrics={"z_mid": {"north": 0.5, "south": 0.5}})
    expansion = pd.DataFrame({"site_id": ["north"], "resource": ["beds"], "added": [50.0]})
    assert check_solution(tiny_instance, status_quo(tiny_instance), split, expansion, closest_assignment=True) == []


def test_demand_not_fully_served(tiny_instance):
    """Half of z_mid's 300 births go nowhere; z_east's 8,000 attendances are served 1.5 times."""
    broken = feasible(obstetrics={"z_mid": {"north": 0.5}}, emergency={"z_east": {"south": 1.0, "north": 0.5}})
    assert_violations(check_solution(tiny_instance, status_quo(tiny_instance), broken), [
        Violation("demand", "z_east / emergency",
                  "shares of z_east's emergency demand (8,000 attendances) sum to 1.5, not 1 (over by 0.5)", 0.5),
        Violation("demand", "z_mid / obstetrics",
                  "shares of z_mid's obstetrics demand (300 births) sum to 0.5, not 1 (short by 0.5)", 0.5),
    ])


def test_negative_share_is_a_demand_breach(tiny_instance):
    broken = feasible(cancer={"z_mid": {"east": 1.25, "north": -0.25}})
    assert_violations(check_solution(tiny_instance, status_quo(tiny_instance), broken), [
        Violation("demand", "z_mid / cancer at north",
                  "z_mid sends a negative share (-0.25) of its cancer demand to north; shares lie between 0 and 1",
                  0.25),
    ])


def test_linking_patients_at_a_site_without_the_service(tiny_instance):
    """z_east's emergency patients go to east (0 min), which hosts only cancer; its 40 beds fit east's 100."""
    broken = feasible(emergency={"z_east": "east"})
    assert_violations(check_solution(tiny_instance, status_quo(tiny_instance), broken), [
        Violation("linking", "z_east / emergency at east",
                  "z_east sends 8,000 emergency attendances (100% of its demand) to east, which does not host "
                  "emergency", 1.0),
    ])


def test_zero_demand_rows_are_ignored(tiny):
    """A zone with no people has no demand: a share of nothing, anywhere, breaks nothing."""
    tiny.replace("zones.csv", "z_mid,Middle Town,51.55,0.50,30000", "z_mid,Middle Town,51.55,0.50,0")
    instance = load_instance(tiny.path)
    configuration = status_quo(instance)
    assert check_solution(instance, configuration, feasible(emergency={"z_mid": "east"})) == []


def test_hard_travel_standard(tiny):
    """With a 15-minute obstetrics standard, z_east's births at south (18 min) are 3 minutes too far."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 15")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("travel", "z_east / obstetrics at south",
                  "z_east sends 400 obstetrics births (100% of its demand) to south, 18 minutes away by car, beyond "
                  "the limit of 15 minutes (over by 3)", 3.0),
    ])


def test_hard_travel_standard_uses_the_services_mode(tiny):
    """By blue light (× 1.25 speed) south is 18 / 1.25 = 14.4 min from z_east: within 15."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 15\n  mode: bluelight")
    instance = load_instance(tiny.path)
    assert check_solution(instance, status_quo(instance), feasible()) == []


def test_coverage_standard(tiny):
    """90% within 10 min: z_north (0 min), z_mid (6) and z_south (0) are covered, z_east (18) is not:
    140,000 of 180,000 people = 77.78%; 162,000 were needed, short by 22,000 people = 0.1222 of the population."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 30\n  coverage_travel_min: 10\n"
                 "  coverage_share: 0.9")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("coverage", "obstetrics",
                  "obstetrics reaches 77.78% of the population within 10 minutes by car (140,000 of 180,000 "
                  "people), below the standard 90% (short by 22,000 people)", 22_000 / 180_000),
    ])


def test_coverage_counts_shares(tiny):
    """Sending half of z_east to east (0 min) covers 20,000 more people: 160,000 of 180,000 = 88.89% < 90%."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 30\n  coverage_travel_min: 10\n"
                 "  coverage_share: 0.9")
    instance = load_instance(tiny.path)
    hosts = status_quo(instance).hosts | {("east", "obstetrics"), ("east", "emergency")}
    configuration = without_roles(*hosts)
    split = feasible(obstetrics={"z_east": {"south": 0.5, "east": 0.5}})
    found = check_solution(instance, configuration, split)
    assert [v.rule for v in found] == ["coverage", "min_volume", "activity_floor"]  # east: 200 births < 500,
    assert found[2].subject == "emergency at east"  # and an emergency department nobody is sent to
    assert found[0].message.startswith("obstetrics reaches 88.89% of the population")
    assert found[0].amount == pytest.approx(2_000 / 180_000)


def test_capacity(tiny):
    """North has 80 beds: it needs 88 (over by 8); 5 beds added still leave it 3 short."""
    tiny.replace("site_resources.csv", "north,beds,300,50", "north,beds,80,50")
    instance = load_instance(tiny.path)
    configuration = status_quo(instance)
    assert_violations(check_solution(instance, configuration, feasible()), [
        Violation("capacity", "beds at north", "north needs 88 beds, above its capacity of 80 (over by 8)", 8.0),
    ])
    added = pd.DataFrame({"site_id": ["north"], "resource": ["beds"], "added": [5.0]})
    assert_violations(check_solution(instance, configuration, feasible(), added), [
        Violation("capacity", "beds at north", "north needs 88 beds, above its capacity of 80 + 5 added (over by 3)",
                  3.0),
    ])


def test_capacity_of_a_resource_a_site_lacks_is_zero(tiny):
    """South has no row for beds: its 110 beds of use exceed a capacity of 0."""
    tiny.replace("site_resources.csv", "south,beds,300,50,0.5,test\n", "")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("capacity", "beds at south", "south needs 110 beds, above its capacity of 0 (over by 110)", 110.0),
    ])


def test_expansion_limits(tiny_instance):
    """North may add 50 beds, east none; nothing may be removed."""
    added = pd.DataFrame({"site_id": ["north", "east", "south"], "resource": ["beds"] * 3, "added": [60.0, 1, -5]})
    assert_violations(check_solution(tiny_instance, status_quo(tiny_instance), feasible(), added), [
        Violation("expansion", "beds at east", "east adds 1 beds, above the most it may add, 0 (over by 1)", 1.0),
        Violation("expansion", "beds at north", "north adds 60 beds, above the most it may add, 50 (over by 10)",
                  10.0),
        Violation("expansion", "beds at south",
                  "south adds -5 beds; added capacity cannot be negative (short by 5)", 5.0),
    ])


def test_colocated(tiny_instance):
    """No roles: emergency only at north (all 36,000 attendances: 180 + 8 = 188 beds), obstetrics at both."""
    configuration = without_roles(("north", "emergency"), ("north", "obstetrics"), ("south", "obstetrics"),
                                  ("east", "cancer"))
    solution = feasible(emergency=dict.fromkeys(ZONES, "north"))
    assert_violations(check_solution(tiny_instance, configuration, solution), [
        Violation("colocated", "obstetrics at south",
                  "obstetrics at south needs emergency on the same site, but south does not host emergency", 1.0),
    ])


@pytest.mark.parametrize(("mode", "minutes"), [("", 18.0), ("bluelight", 14.4)])
def test_within(tiny, mode, minutes):
    """Cancer at east needs emergency within 10 minutes; north and south are both 18 car minutes away (north
    named, first in sites.csv), 14.4 by blue light."""
    tiny.append("codependencies.csv", f"cancer,within,emergency,10,{mode},amber,test")
    instance = load_instance(tiny.path)
    label = mode or "car"
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("within", "cancer at east",
                  f"cancer at east needs emergency within 10 minutes by {label}, but the nearest site hosting it, "
                  f"north, is {minutes:g} minutes away (over by {minutes - 10:g})", minutes - 10),
    ])


def test_within_counts_the_site_itself_and_reports_a_missing_partner(tiny):
    """Emergency needs cancer within 0 minutes: met only where cancer sits on the same site."""
    tiny.append("codependencies.csv", "emergency,within,cancer,0,,amber,test")
    instance = load_instance(tiny.path)
    with_cancer = without_roles(("north", "emergency"), ("north", "cancer"))
    assert [v for v in check_configuration(instance, with_cancer) if v.rule == "within"] == []
    found = check_configuration(instance, without_roles(("north", "emergency")))
    assert_violations([v for v in found if v.rule == "within"], [
        Violation("within", "emergency at north",
                  "emergency at north needs cancer within 0 minutes by car, but no site hosts cancer", math.inf),
    ])


def test_excludes(tiny):
    """No roles: emergency also at east, which hosts cancer; it receives nobody, below the floor of one
    attendance a year that every hosted unit of a service with demand handles."""
    tiny.append("codependencies.csv", "emergency,excludes,cancer,,,red,test")
    instance = load_instance(tiny.path)
    configuration = without_roles(*status_quo(instance).hosts, ("east", "emergency"))
    assert_violations(check_solution(instance, configuration, feasible()), [
        Violation("excludes", "emergency and cancer at east",
                  "emergency and cancer may not share a site, but east hosts both", 1.0),
        Violation("activity_floor", "emergency at east", "emergency at east handles 0 attendances, below the least "
                  "a hosted unit handles, 1 a year (instance.yaml min_unit_activity)", 1.0),
    ])


def test_min_sites(tiny):
    tiny.replace("services.yaml", "min_volume: 500", "min_volume: 500\n  min_sites: 3")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("min_sites", "obstetrics",
                  "obstetrics is hosted at 2 sites (north, south), fewer than the minimum 3 (short by 1)", 1.0),
    ])


def test_max_sites(tiny):
    tiny.replace("services.yaml", "min_volume: 500", "min_volume: 500\n  max_sites: 1")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("max_sites", "obstetrics",
                  "obstetrics is hosted at 2 sites (north, south), more than the maximum 1 (over by 1)", 1.0),
    ])


def test_min_volume(tiny_instance):
    """z_north's 500 births go to south (12 min, within 30): north keeps z_mid's 300 of a needed 500."""
    broken = feasible(obstetrics={"z_north": "south"})
    assert_violations(check_solution(tiny_instance, status_quo(tiny_instance), broken), [
        Violation("min_volume", "obstetrics at north",
                  "obstetrics at north handles 300 births, below the minimum 500 (short by 200)", 200.0),
    ])


def test_max_volume(tiny):
    """At most 900 births a unit: south has z_south's 600 and z_east's 400."""
    tiny.replace("services.yaml", "min_volume: 500", "min_volume: 500\n  max_volume: 900")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("max_volume", "obstetrics at south",
                  "obstetrics at south handles 1,000 births, above the maximum 900 (over by 100)", 100.0),
    ])


def test_given(tiny_instance):
    """Cancer (bundled by no role, so free) moves from east to north, against its given at east."""
    quo = status_quo(tiny_instance)
    configuration = Configuration.of((quo.hosts - {("east", "cancer")}) | {("north", "cancer")}, quo.role_of)
    assert_violations(check_solution(tiny_instance, configuration, feasible(cancer=dict.fromkeys(ZONES, "north"))), [
        Violation("given", "cancer at east", "givens.csv requires east to host cancer, but it does not", 1.0),
    ])


def test_role_brings_all_its_services(tiny_instance):
    """South is acute but drops obstetrics; north takes all 1,800 births (furthest z_east, 18 ≤ 30 min)."""
    quo = status_quo(tiny_instance)
    configuration = Configuration.of(quo.hosts - {("south", "obstetrics")}, quo.role_of)
    solution = feasible(obstetrics=dict.fromkeys(ZONES, "north"))
    assert_violations(check_solution(tiny_instance, configuration, solution), [
        Violation("role", "obstetrics at south", "south takes role acute, which brings obstetrics, but south does "
                  "not host it", 1.0),
    ])


def test_bundled_service_only_where_a_role_brings_it(tiny):
    """A second role brings cancer: east (a new site, so it needs no role) may then host cancer only as one."""
    tiny.append("roles.yaml", "specialist:\n  name: Specialist centre\n  services: [cancer]")
    instance = load_instance(tiny.path)
    assert_violations(check_solution(instance, status_quo(instance), feasible()), [
        Violation("role", "cancer at east",
                  "east hosts cancer, which only a role brings (specialist), but east takes no role", 1.0),
    ])
    fixed = Configuration.of(status_quo(instance).hosts, {"north": "acute", "south": "acute", "east": "specialist"})
    assert check_solution(instance, fixed, feasible()) == []


def test_one_role_per_site(tiny_instance):
    quo = status_quo(tiny_instance)
    configuration = Configuration(quo.hosts, (*quo.roles, ("north", "acute")))
    assert_violations(check_configuration(tiny_instance, configuration), [
        Violation("role", "north", "north takes 2 roles (acute, acute); a site takes at most one", 1.0),
    ])


def test_closest_assignment(tiny_instance):
    """z_north's attendances go to south (12 min) though north is 0 min away: breaks only closest assignment."""
    configuration, broken = status_quo(tiny_instance), feasible(emergency={"z_north": "south"})
    assert check_solution(tiny_instance, configuration, broken) == []
    assert_violations(check_solution(tiny_instance, configuration, broken, closest_assignment=True), [
        Violation("closest", "z_north / emergency at south",
                  "z_north sends 10,000 emergency attendances (100% of its demand) to south, 12 minutes away by "
                  "car, but north is 0 minutes away (farther by 12)", 12.0),
    ])


def test_check_configuration_of_the_status_quo(tiny_instance):
    assert check_configuration(tiny_instance, status_quo(tiny_instance)) == []


def test_check_configuration_lists_every_breach_in_order(tiny):
    """Cancer excludes emergency and south may not host obstetrics. Only north takes a role (acute), hosting
    cancer too; south hosts obstetrics alone; east keeps cancer."""
    tiny.append("codependencies.csv", "cancer,excludes,emergency,,,red,test")
    tiny.append("givens.csv", "south,obstetrics,false,test")
    instance = load_instance(tiny.path)
    configuration = Configuration.of(
        [("north", "emergency"), ("north", "obstetrics"), ("north", "cancer"), ("south", "obstetrics"),
         ("east", "cancer")], {"north": "acute"})
    assert_violations(check_configuration(instance, configuration), [
        Violation("colocated", "obstetrics at south",
                  "obstetrics at south needs emergency on the same site, but south does not host emergency", 1.0),
        Violation("excludes", "cancer and emergency at north",
                  "cancer and emergency may not share a site, but north hosts both", 1.0),
        Violation("max_sites", "cancer",
                  "cancer is hosted at 2 sites (east, north), more than the maximum 1 (over by 1)", 1.0),
        Violation("given", "obstetrics at south", "givens.csv forbids south to host obstetrics, but it does", 1.0),
        Violation("role", "obstetrics at south",
                  "south hosts obstetrics, which only a role brings (acute), but south takes no role", 1.0),
        Violation("role", "south", "south exists today but takes no role; every existing site takes one", 1.0),
    ])


def test_min_sites_with_no_site(tiny_instance):
    found = check_configuration(tiny_instance, without_roles(("north", "emergency")))
    assert_violations(found, [
        Violation("min_sites", "cancer", "cancer is hosted at 0 sites, fewer than the minimum 1 (short by 1)", 1.0),
        Violation("given", "cancer at east", "givens.csv requires east to host cancer, but it does not", 1.0),
    ])


def test_unknown_ids_are_refused(tiny_instance):
    with pytest.raises(ValueError, match="unknown site: west"):
        check_configuration(tiny_instance, without_roles(("west", "cancer")))
    with pytest.raises(ValueError, match="unknown zone: z_far"):
        check_solution(tiny_instance, status_quo(tiny_instance), allocation(cancer={"z_far": "east"}))


def test_given_travel_times_are_used(tiny_instance):
    """Times passed in are used as given: with every car trip at 100 minutes, every obstetrics trip is too far."""
    from optimiser import travel_times

    car = travel_times(tiny_instance, "car")
    slow = type(car)(car.mode, car.zone_site_min * 0 + 100, car.site_site_min, car.snapped)
    found = check_solution(tiny_instance, status_quo(tiny_instance), feasible(), times={"car": slow})
    assert [v.subject for v in found] == [f"{z} / obstetrics at {s}" for z, s in sorted(NEAREST.items())]
    assert {v.amount for v in found} == {70.0}
