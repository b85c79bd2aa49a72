"""Scenario overrides: each kind applied exactly, the instance left as it was, unknown names rejected in words."""

from __future__ import annotations

import pytest

from optimiser import InstanceError, OptimiserError, load_instance, travel_times
from optimiser.search.engine import Engine
from optimiser.sweeps.scenario import apply, base_value, load_scenarios, scenario


def test_demand_growth_of_one_service_is_exact_and_leaves_the_rest(tiny_instance):
    grown = apply(tiny_instance, {"demand.emergency": 1.1})
    assert (grown.demand["emergency"] == tiny_instance.demand["emergency"] * 1.1).all()
    assert grown.demand.drop(columns="emergency").equals(tiny_instance.demand.drop(columns="emergency"))
    assert tiny_instance.demand.loc["z_north", "emergency"] == 50_000 * 200 / 1000  # the original is untouched


def test_demand_factors_by_service_and_by_zone_multiply(tiny_instance):
    changed = apply(tiny_instance, {"demand.zone.z_south": 0.5, "demand.emergency": 2.0})
    assert changed.demand.loc["z_south", "emergency"] == tiny_instance.demand.loc["z_south", "emergency"] * 1.0
    assert changed.demand.loc["z_south", "cancer"] == tiny_instance.demand.loc["z_south", "cancer"] * 0.5
    assert changed.demand.loc["z_north", "emergency"] == tiny_instance.demand.loc["z_north", "emergency"] * 2.0


def test_weights_override_one_criterion(tiny_instance):
    changed = apply(tiny_instance, {"weights.travel": 0.4, "weights": {"equity": 1.5}})  # flat and nested
    assert changed.weights == {**tiny_instance.weights, "travel": 0.4, "equity": 1.5}
    assert tiny_instance.weights["travel"] == 1.0


def test_weight_overrides_applied_before_the_build_equal_a_persistent_re_solve(tiny_instance):
    weights = {"travel": 0.2, "capital": 1.0}
    rebuilt = Engine.build(apply(tiny_instance, {f"weights.{k}": v for k, v in weights.items()})).solve(top=2)
    resolved = Engine.build(tiny_instance).solve(top=2, weights=weights)
    assert [r.configuration for r in rebuilt.ranked] == [r.configuration for r in resolved.ranked]
    assert [r.objective for r in rebuilt.ranked] == pytest.approx([r.objective for r in resolved.ranked], rel=1e-12)


def test_speed_factor_divides_travel_times(tiny_instance):
    """Tiny's sites and zones sit on junctions (no connector stretch), so every car time halves exactly."""
    before = travel_times(tiny_instance, "car").zone_site_min
    after = travel_times(apply(tiny_instance, {"speed.car.*": 2.0}), "car").zone_site_min
    assert after.to_numpy() == pytest.approx(before.to_numpy() / 2, rel=1e-12)
    bluelight = travel_times(apply(tiny_instance, {"speed.car.*": 2.0}), "bluelight").zone_site_min
    assert bluelight.equals(travel_times(tiny_instance, "bluelight").zone_site_min)


def test_speed_factor_of_one_road_class(tiny_instance):
    changed = apply(tiny_instance, {"speed.bluelight.dual": 0.5})
    modes = changed.modes.set_index(["mode", "road_class"])["speed_factor"]
    assert modes["bluelight", "dual"] == 1.25 * 0.5
    assert modes["bluelight", "single"] == 1.25
    assert tiny_instance.modes.set_index(["mode", "road_class"])["speed_factor"]["bluelight", "dual"] == 1.25


def test_capacity_is_a_factor_standards_and_costs_are_values(tiny_instance):
    changed = apply(tiny_instance, {"capacity.north.beds": 0.5, "standard.obstetrics.max_travel_min": 20,
                                    "standard.obstetrics.min_volume": 800, "cost.emergency.running_cost_gbp_m": 7.5,
                                    "standard.emergency.coverage_share": 0.9})
    capacity = changed.site_resources.set_index("site_id")["capacity"]
    assert capacity["north"] == 150 and capacity["south"] == 300
    assert changed.services.loc["obstetrics", "max_travel_min"] == 20
    assert changed.services.loc["obstetrics", "min_volume"] == 800
    assert changed.services.loc["emergency", "running_cost_gbp_m"] == 7.5
    assert changed.services.loc["emergency", "coverage_share"] == 0.9
    assert tiny_instance.services.loc["obstetrics", "max_travel_min"] == 30
    assert tiny_instance.site_resources.set_index("site_id")["capacity"]["north"] == 300


def test_a_blank_removes_a_standard_that_may_be_blank(tiny_instance):
    changed = apply(tiny_instance, {"standard.obstetrics.max_travel_min": None})
    assert changed.services["max_travel_min"].isna().all()


def test_no_overrides_is_the_instance_itself(tiny_instance):
    assert apply(tiny_instance, {}) is tiny_instance


def test_base_values(tiny_instance):
    assert base_value(tiny_instance, "weights.capital") == 0.25
    assert base_value(tiny_instance, "demand.emergency") == 1.0
    assert base_value(tiny_instance, "standard.obstetrics.max_travel_min") == 30


GRAMMAR = ("weights.<criterion>, demand.<service>, demand.zone.<zone_id>, speed.<mode>.<road_class>, "
           "capacity.<site>.<resource>, standard.<service>.<field>, cost.<service>.<field>, retention.leaving, "
           "departure.<mode>")


@pytest.mark.parametrize(("name", "message"), [
    ("weight.travel", f"unknown scenario parameter 'weight.travel': parameters are {GRAMMAR}"),
    ("weights.access", "unknown criterion 'access' in scenario parameter 'weights.access': criteria are travel, "
                       "equity, worst_zone, capital, running, workforce, disruption, leaving, income_leaving"),
    ("demand.stroke", "unknown service 'stroke' in scenario parameter 'demand.stroke': services are emergency, "
                      "obstetrics, cancer"),
    ("demand.zone.z_west", "unknown zone 'z_west' in scenario parameter 'demand.zone.z_west': zones are z_north, "
                           "z_mid, z_south, z_east"),
    ("speed.boat.single", "unknown mode 'boat' in scenario parameter 'speed.boat.single': modes are bluelight, car"),
    ("speed.car.track", "unknown road class 'track' in scenario parameter 'speed.car.track': road classes are dual, "
                        "motorway, single"),
    ("speed.car", "scenario parameter 'speed.car' must have the form speed.<mode>.<road_class>"),
    ("capacity.north.theatres", "unknown resource 'theatres' in scenario parameter 'capacity.north.theatres': "
                                "resources are beds"),
    ("capacity.west.beds", "unknown site 'west' in scenario parameter 'capacity.west.beds': sites are east, north, "
                           "south"),
    ("standard.obstetrics.max_travel", "unknown field 'max_travel' in scenario parameter "
                                       "'standard.obstetrics.max_travel': standard.<service>.<field> takes "
                                       "max_travel_min, coverage_travel_min, coverage_share, min_volume, max_volume"),
    ("cost.emergency.capital", "unknown field 'capital' in scenario parameter 'cost.emergency.capital': "
                               "cost.<service>.<field> takes running_cost_gbp_m, opening_capital_gbp_m, "
                               "tariff_gbp"),
    ("cost.stroke.running_cost_gbp_m", "unknown service 'stroke' in scenario parameter "
                                       "'cost.stroke.running_cost_gbp_m': services are emergency, obstetrics, cancer"),
])
def test_unknown_parameters_are_rejected_naming_what_is_allowed(tiny_instance, name, message):
    with pytest.raises(OptimiserError) as error:
        apply(tiny_instance, {name: 1.0})
    assert str(error.value) == message


@pytest.mark.parametrize(("overrides", "message"), [
    ({"demand.emergency": -0.1}, "scenario parameter 'demand.emergency' must be ≥ 0, not -0.1"),
    ({"speed.car.single": 0}, "scenario parameter 'speed.car.single' is a speed factor and must be > 0, not 0"),
    ({"standard.emergency.coverage_share": 1.2},
     "scenario parameter 'standard.emergency.coverage_share' is a share and must be at most 1, not 1.2"),
    ({"weights.travel": "high"}, "scenario parameter 'weights.travel' needs a number, not 'high'"),
    ({"standard.obstetrics.min_volume": None}, "scenario parameter 'standard.obstetrics.min_volume' needs a number, "
                                               "not a blank"),
])
def test_values_out_of_range_are_rejected(tiny_instance, overrides, message):
    with pytest.raises(OptimiserError) as error:
        apply(tiny_instance, overrides)
    assert str(error.value) == message


def test_named_scenarios_from_the_instance_folder(tiny):
    tiny.write("scenarios.yaml", "growth:\n  demand.emergency: 1.1\naccess_first:\n  weights: {travel: 2.0}\n")
    instance = load_instance(tiny.path)
    named = load_scenarios(instance)
    assert list(named) == ["growth", "access_first"]
    assert named["access_first"].overrides == {"weights.travel": 2.0}
    assert not named["access_first"].structural and named["growth"].structural
    assert scenario(instance, "growth").overrides == {"demand.emergency": 1.1}
    with pytest.raises(OptimiserError, match=r"tiny has no scenario 'slow' \(scenarios in scenarios.yaml: growth, "
                                             r"access_first\)"):
        scenario(instance, "slow")


def test_problems_in_scenarios_yaml_name_the_row(tiny):
    tiny.write("scenarios.yaml", "fine:\n  weights.travel: 1\nbad:\n  demand.stroke: 1.1\n")
    with pytest.raises(InstanceError) as error:
        load_scenarios(load_instance(tiny.path))
    assert [str(p) for p in error.value.problems] == [
        "scenarios.yaml, row 3: scenario 'bad': unknown service 'stroke' in scenario parameter 'demand.stroke': "
        "services are emergency, obstetrics, cancer"]
