"""The plausibility review, one check at a time, on the tiny instance (minutes and demand in
tests/test_model.py) without its role layer, emergency given a 10-minute coverage standard.

The solution under review is written by hand, so that every finding is known in advance:
North and South host emergency and obstetrics, East emergency and cancer.

- obstetrics: North Town's 500 births to North, Middle, South and East Town's 1,300 to South:
  North's unit has 500 births, its minimum exactly (edge of viability: below 1.1 × 500);
- emergency: every town to its own site but East Town, whose 8,000 attendances go to South
  (18 min, beyond the 10-min standard); so East's emergency unit serves no one, and it supports
  obstetrics (obstetrics colocated emergency), which East does not host;
- cancer: every town to East (the given).
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from test_cli import run

from optimiser import load_instance
from optimiser.appraisal import plausibility
from optimiser.instance.configuration import Configuration, Solution
from optimiser.instance.travel import travel_times_by_mode

HOSTS = [("north", "emergency"), ("north", "obstetrics"), ("south", "emergency"), ("south", "obstetrics"),
         ("east", "emergency"), ("east", "cancer")]
ZONES = ["z_north", "z_mid", "z_south", "z_east"]


@pytest.fixture
def plain(tiny):
    tiny.remove("roles.yaml").write(
        "options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                        "    south: [emergency, obstetrics]\n    east: [cancer]\n"
                        "split:\n  name: Split\n  services:\n    north: [emergency]\n"
                        "    south: [emergency, obstetrics]\n    east: [emergency, obstetrics, cancer]\n")
    return tiny.replace("services.yaml", "  rotas_24_7: 2", "  rotas_24_7: 2\n  coverage_travel_min: 10\n"
                                                              "  coverage_share: 0.5")


def solution(hosts, flows, roles=None) -> Solution:
    allocation = pd.DataFrame(flows, columns=["service_id", "zone_id", "site_id", "share"])
    return Solution(Configuration.of(hosts, roles), 0.0, {}, allocation, pd.DataFrame(), "optimal", 0.0)


@pytest.fixture
def written():
    return solution(HOSTS, [
        ("obstetrics", "z_north", "north", 1.0), ("obstetrics", "z_mid", "south", 1.0),
        ("obstetrics", "z_south", "south", 1.0), ("obstetrics", "z_east", "south", 1.0),
        ("emergency", "z_north", "north", 1.0), ("emergency", "z_mid", "north", 1.0),
        ("emergency", "z_south", "south", 1.0), ("emergency", "z_east", "south", 1.0),
        *(("cancer", zone, "east", 1.0) for zone in ZONES)])


def test_a_unit_within_ten_percent_of_its_minimum_is_at_the_edge(plain, written):
    found = plausibility.edge_of_viable_size(load_instance(plain.path), written)
    assert found["message"].tolist() == ["obstetrics at north: 500 births a year, within 10% of its minimum "
                                         "viable size of 500"]


def test_a_unit_within_ten_percent_of_the_instances_least_activity_is_at_the_edge(plain, written):
    """With 3 patients of cancer per 1,000 people, East's cancer centre has 540 a year (150 + 90 + 180 + 120);
    with min_unit_activity 500 (above no min_volume of cancer), 540 is below 1.1 × 500. Obstetrics' own
    minimum of 500 is no lower than the floor, so North's unit is said against it, as before."""
    plain.replace("services.yaml", "demand_per_1000: 5", "demand_per_1000: 3").append("instance.yaml",
                                                                                        "min_unit_activity: 500")
    found = plausibility.edge_of_viable_size(load_instance(plain.path), written)
    assert found["message"].tolist() == [
        "cancer at east: 540 patients a year, within 10% of the least a hosted unit handles, 500 a year "
        "(instance.yaml min_unit_activity)",
        "obstetrics at north: 500 births a year, within 10% of its minimum viable size of 500"]


def test_a_unit_on_a_site_with_little_more_than_its_least_capacity_is_at_the_edge(plain, written):
    """An emergency unit needs 95 beds on site: East has 100 (below 1.1 × 95 = 104.5), North and South 300;
    with 10 beds added at North and its least raised to 290, North's 310 is within 10% too."""
    plain.write("resource_use.csv", "service_id,resource,per_activity,min_capacity,source\n"
                                    "emergency,beds,0.005,95,test\nobstetrics,beds,0.01,,test\n")
    instance = load_instance(plain.path)
    found = plausibility.edge_of_viable_capacity(instance, written)
    assert found[["site_id", "service_id"]].values.tolist() == [["east", "emergency"]]
    assert found["message"].tolist() == ["emergency at east: 100 beds on site, within 10% of the least a unit "
                                         "needs, 95 (resource_use.csv min_capacity)"]
    plain.replace("resource_use.csv", "emergency,beds,0.005,95", "emergency,beds,0.005,290")
    expanded = replace(written, expansion=pd.DataFrame({"site_id": ["north"], "resource": ["beds"], "added": [10.0]}))
    found = plausibility.edge_of_viable_capacity(load_instance(plain.path), expanded)
    assert found["message"].tolist() == [
        "emergency at east: 100 beds on site, within 10% of the least a unit needs, 290 (resource_use.csv "
        "min_capacity)",
        "emergency at north: 310 beds on site (with 10 added), within 10% of the least a unit needs, 290 "
        "(resource_use.csv min_capacity)",
        "emergency at south: 300 beds on site, within 10% of the least a unit needs, 290 (resource_use.csv "
        "min_capacity)"]


def test_a_zone_beyond_the_access_standard_is_named(plain, written):
    instance = load_instance(plain.path)
    found = plausibility.travel_beyond_standard(instance, written, travel_times_by_mode(instance))
    assert found[["site_id", "service_id", "zone_id"]].values.tolist() == [["south", "emergency", "z_east"]]
    assert found["message"].tolist() == ["East Town: 8,000 attendances a year travel up to 18 min by car (to "
                                         "south), beyond the 10-min standard of emergency"]


def test_a_standard_is_checked_by_every_mode_a_criterion_measures_it_in(plain, written):
    """A criterion measures emergency's standard by blue-light ambulance too (roads 1.25 times as fast): East
    Town's 18 minutes by car are 14.4 by ambulance, still beyond 10; obstetrics' 30-min limit by car is met."""
    plain.write("criteria.yaml", "emergency_access:\n  name: Emergency within the standard by ambulance\n"
                                 "  kind: evaluation\n  measure: within_standard_share\n  service: emergency\n"
                                 "  mode: bluelight\n")
    instance = load_instance(plain.path)
    assert plausibility.standard_modes(instance) == [("emergency", "car"), ("obstetrics", "car"),
                                                     ("emergency", "bluelight")]
    found = plausibility.travel_beyond_standard(instance, written, travel_times_by_mode(instance))
    assert found["message"].tolist() == [
        "East Town: 8,000 attendances a year travel up to 18 min by car (to south), beyond the 10-min standard "
        "of emergency",
        "East Town: 8,000 attendances a year travel up to 14 min by bluelight (to south), beyond the 10-min "
        "standard of emergency"]


def test_a_unit_nobody_is_sent_to_is_unused(plain, written):
    found = plausibility.unused_units(load_instance(plain.path), written)
    assert found["message"].tolist() == ["emergency at east serves no one (0 attendances a year)"]


def test_a_supporting_unit_without_the_service_it_supports(plain, written):
    found = plausibility.supporting_without_parent(load_instance(plain.path), written)
    assert found["message"].tolist() == ["emergency at east supports obstetrics (co-dependencies), none of which "
                                         "east hosts"]


def test_a_unit_a_role_brings_is_there_by_design(tiny):
    """A local emergency centre (emergency alone) is a hospital model of the instance, not an orphan."""
    tiny.append("roles.yaml", "lec:\n  name: Local emergency centre\n  services: [emergency]")
    hosts = [("north", "emergency"), ("south", "emergency"), ("south", "obstetrics"), ("east", "cancer")]
    by_role = solution(hosts, [], roles={"north": "lec", "south": "acute"})
    assert plausibility.supporting_without_parent(load_instance(tiny.path), by_role).empty


def test_review_lists_every_finding_in_check_order(plain, written):
    found = plausibility.review(load_instance(plain.path), written)
    assert found["check"].tolist() == ["edge of viable size", "travel beyond standard", "unused unit",
                                       "supporting unit without parent"]


def test_evaluate_prints_the_review(capsys, plain):
    """Split: East's obstetric unit needs 100 births beyond East Town's 400, and takes no more (they
    would travel further): 500, its minimum; North hosts emergency without obstetrics."""
    code, out, _ = run(capsys, "evaluate", str(plain.path), "split")
    assert code == 0
    assert ("plausibility review (rules met, but worth a look):\n"
            "  split: obstetrics at east: 500 births a year, within 10% of its minimum viable size of 500\n"
            "  split: emergency at north supports obstetrics (co-dependencies), none of which north hosts\n") in out


def test_solve_prints_the_review(capsys, tiny):
    """The tiny instance's best opens obstetrics at East too (test_model.py): 500 births there, as in split."""
    code, out, _ = run(capsys, "solve", str(tiny.path))
    assert code == 0
    assert ("plausibility review (rules met, but worth a look):\n"
            "  #1: obstetrics at east: 500 births a year, within 10% of its minimum viable size of 500\n") in out


def test_solve_says_when_there_is_nothing_to_question(capsys, tiny):
    """With 300 births the minimum, every unit has at least its own town's births (400 or more), a third above."""
    tiny.replace("services.yaml", "min_volume: 500", "min_volume: 300")
    code, out, _ = run(capsys, "solve", str(tiny.path))
    assert code == 0
    assert "plausibility review: nothing to question" in out
