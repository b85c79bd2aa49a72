"""The metrics layer on the hand-checkable instance: access shares (the S-curve), crossings, headline figures.

Car minutes on tests/data/tiny: N–M 6, M–S 6, M–E 12, S→E 12 (one way), so E→S 18. Zones sit on the
junctions (z_north N 50k people, quintile 4; z_mid M 30k, 2; z_south S 60k, 1; z_east E 40k, 5).
"""

from __future__ import annotations

import pandas as pd
import pytest

from optimiser import load_instance
from optimiser.appraisal.metrics import (
    access_curve,
    access_shares,
    crossings,
    headline,
    nearest_allocation,
    option_metrics,
    solution_headline,
    zone_trips,
)
from optimiser.instance.configuration import Configuration, option_configuration
from optimiser.instance.travel import travel_times_by_mode
from optimiser.search.engine import Solution


def _solution(instance, configuration: Configuration, times) -> Solution:
    """A configuration with each zone at its nearest hosting site, and no expansion."""
    return Solution(configuration, float("nan"), {}, nearest_allocation(instance, configuration, times),
                    pd.DataFrame(columns=["site_id", "resource", "added"]), "", None)


def _trips(instance, configurations: dict[str, Configuration]) -> pd.DataFrame:
    times = travel_times_by_mode(instance)
    return pd.concat([zone_trips(instance, label, _solution(instance, c, times), times)
                      for label, c in configurations.items()], ignore_index=True)


def test_access_shares_are_the_s_curve_by_group(tiny_instance):
    """Emergency today (north and south) by car: z_north 0, z_mid 6, z_south 0, z_east 18 min.
    Within 15 min: 140k of 180k people = 7/9; within 30: everyone. Quintile 5 (z_east only): 0 within 15."""
    trips = _trips(tiny_instance, {"today": option_configuration(tiny_instance, "status_quo")})
    shares = access_shares(tiny_instance, trips).query("service_id == 'emergency' and mode == 'car'")
    everyone = shares[shares["group"] == "everyone"].set_index("within_min")["share"]
    assert everyone.to_dict() == {15: pytest.approx(7 / 9), 30: 1.0, 45: 1.0, 60: 1.0}
    fifth = shares[shares["group"] == "deprivation quintile 5"].set_index("within_min")["share"]
    assert fifth[15] == 0.0 and fifth[30] == 1.0
    assert "aged 65+" not in set(shares["group"])  # tiny gives no age bands
    curve = access_curve(tiny_instance, trips).query("service_id == 'emergency' and mode == 'car'")
    assert curve["minutes"].tolist() == [0, 0, 6, 18]  # the whole S-curve, zone by zone
    assert curve["share"].tolist() == pytest.approx([50 / 180, 110 / 180, 140 / 180, 1.0])


def test_age_bands_and_rurality_when_zones_give_them(tiny):
    """z_east (18 min from emergency) has 10k of the 25k people aged 65+: 60% of them within 15 min."""
    tiny.write("zones.csv", "zone_id,name,lat,lon,population,deprivation_quintile,group,population_65_plus,rurality\n"
                            "z_north,North Town,51.60,0.50,50000,4,A,5000,urban\n"
                            "z_mid,Middle Town,51.55,0.50,30000,2,A,5000,urban\n"
                            "z_south,South Town,51.50,0.50,60000,1,B,5000,urban\n"
                            "z_east,East Town,51.55,0.65,40000,5,B,10000,rural\n")
    instance = load_instance(tiny.path)
    trips = _trips(instance, {"today": option_configuration(instance, "status_quo")})
    shares = access_shares(instance, trips).query("service_id == 'emergency' and mode == 'car' and within_min == 15")
    by_group = shares.set_index("group")["share"]
    assert by_group["aged 65+"] == pytest.approx(0.6)
    assert by_group["rural"] == 0.0 and by_group["urban"] == 1.0


def test_crossings_name_the_zones_that_fall_beyond_a_standard(tiny):
    """Obstetrics with a 10-minute standard. Today (north and south) z_south is 0 min away; with emergency and
    obstetrics at north only it is 12 min: it crosses outside. z_east is beyond 10 min in both (18), z_mid
    within in both (6): neither crosses."""
    tiny.replace("services.yaml", "max_travel_min: 30", "max_travel_min: 10")
    instance = load_instance(tiny.path)
    today = option_configuration(instance, "status_quo")
    north = Configuration.of({("north", "emergency"), ("north", "obstetrics"), ("east", "cancer")},
                             {"north": "acute"}, name="north")
    found = crossings(instance, _trips(instance, {"today": today, "north": north}), "today")
    assert found[["option", "zone_id", "service_id", "standard_min", "minutes_before", "minutes_after",
                  "direction"]].values.tolist() == [["north", "z_south", "obstetrics", 10.0, 0.0, 12.0, "outside"]]


def test_headline_travel_is_activity_weighted_over_own_modes(tiny_instance):
    """Today by car (every tiny service's mode): emergency 200, obstetrics 10, cancer 5 a year per 1,000 people.
    Emergency and obstetrics (north and south): z_mid 6 min (30k), z_east 18 (40k), the others 0. Cancer (east):
    z_north 18 (N–M–E), z_mid 12, z_south 12 (S→E), z_east 0. Per patient journey:
    (210·(30·6 + 40·18) + 5·(50·18 + 30·12 + 60·12)) / (215·180) = 198,900 / 38,700 min; worst locality 18."""
    times = travel_times_by_mode(tiny_instance)
    solution = _solution(tiny_instance, option_configuration(tiny_instance, "status_quo"), times)
    figures = solution_headline(tiny_instance, solution, times)
    assert figures["mean_travel_min"] == pytest.approx(198_900 / 38_700)
    assert figures["worst_zone_min"] == 18.0
    frame = option_metrics(tiny_instance, "x", solution, zone_trips(tiny_instance, "x", solution, times))
    assert headline(frame, "x") == figures
