"""Neighbouring providers and the activity that leaves the group (issue 26), on a line of five junctions.

The line: junctions J0 … J4, 10 minutes apart (10 km at 60 km/h), every place on a junction, so every
trip is a whole number of 10-minute legs. Sites ``west`` (J0) and ``mid`` (J2); the neighbour ``nb``
(J4) offers the one service line; zones ``z_west`` (J0, demand 2,000 a year), ``z_mid`` (J2), ``z_east``
(J3) and ``z_far`` (J4), 1,000 each. Minutes:

=========  ====  ===  ==
zone       west  mid  nb
=========  ====  ===  ==
z_west        0   20  40
z_mid        20    0  20
z_east       30   10  10
z_far        40   20   0
=========  ====  ===  ==

One site hosts the service (``min_sites = max_sites = 1``); the weights count travel only unless a test
says otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.appraisal.scores import appraise
from optimiser.errors import InstanceError
from optimiser.instance.configuration import Configuration, Solution
from optimiser.instance.neighbours import leaving_share
from optimiser.model.data import ModelOptions
from optimiser.search.engine import evaluate, solve
from optimiser.sweeps.scenario import apply

LINE = {
    "instance.yaml": "name: line\ntitle: Line with a neighbour\nyear: 2024\nlat_min: 51.4\nlat_max: 51.6\n"
                     "lon_min: -0.1\nlon_max: 0.8\nneighbour_rule: {rule}\n",
    "sites.csv": "site_id,name,lat,lon\nwest,West,51.5,0.0\nmid,Mid,51.5,{lon2}\n",
    "zones.csv": "zone_id,name,lat,lon,population,deprivation_quintile\nz_west,West,51.5,0.0,20000,3\n"
                 "z_mid,Mid,51.5,{lon2},10000,3\nz_east,East,51.5,{lon3},10000,3\nz_far,Far,51.5,{lon4},10000,3\n",
    "services.yaml": "elective:\n  name: Elective\n  activity: admissions\n  demand_per_1000: 100\n"
                     "  min_sites: 1\n  max_sites: 1\n  tariff_gbp: 3000\n",
    "modes.csv": "mode,road_class,speed_factor\ncar,single,1.0\n",
    "road_nodes.csv": "node_id,lat,lon\nJ0,51.5,0.0\nJ1,51.5,{lon1}\nJ2,51.5,{lon2}\nJ3,51.5,{lon3}\nJ4,51.5,{lon4}\n",
    "roads.csv": "from_node,to_node,road_class,length_km,speed_kmh\nJ0,J1,single,10,60\nJ1,J2,single,10,60\n"
                 "J2,J3,single,10,60\nJ3,J4,single,10,60\n",
    "neighbours.csv": "neighbour_id,name,lat,lon,source\nnb,Neighbour General,51.5,{lon4},test\n",
    "neighbour_services.csv": "neighbour_id,service_id,spare_activity\nnb,elective,{spare}\n",
    "retention.csv": "extra_min,leaving_share\n10,0.2\n30,0.6\n",
    "weights.yaml": "travel: 1\ncapital: 0\nrunning: 0\nworkforce: 0\ndisruption: 0\n",
}
LON_STEP = 0.15  # any spacing: the road lengths, not the coordinates, make the minutes
WEST_ONLY = Configuration.of([("west", "elective")])
MID_ONLY = Configuration.of([("mid", "elective")])


def line(folder: Path, rule: str = "nearest", spare: str = "") -> Path:
    """The line instance written to ``folder`` under ``rule``, the neighbour taking at most ``spare``."""
    folder.mkdir()
    lon = {f"lon{k}": k * LON_STEP for k in range(1, 5)}
    for name, text in LINE.items():
        (folder / name).write_text(text.format(rule=rule, spare=spare, **lon), encoding="utf-8")
    return folder


def leaving_by_zone(solution) -> dict[str, float]:
    """Yearly activity each zone sends out of the group, read from the allocation alone: demand less the
    activity the group's sites keep (the allocation's shares, under the nearest-provider rule)."""
    demand = {"z_west": 2000.0, "z_mid": 1000.0, "z_east": 1000.0, "z_far": 1000.0}
    kept = solution.allocation.groupby("zone_id")["share"].sum()
    return {z: d * (1 - float(kept.get(z, 0.0))) for z, d in demand.items()}


def test_zones_nearer_the_neighbour_leave_under_nearest_provider(tmp_path):
    """With only west open, z_east (west 30 min, nb 10) and z_far (40 against 0) leave in full; z_mid, as
    near west as nb (20 each), stays: a tie keeps the patient in the group. Leaving: 1,000 + 1,000 =
    2,000 a year, income 2,000 × GBP 3,000 = GBP 6 m. Travel: their trips to nb count, so the mean is
    (2,000·0 + 1,000·20 + 1,000·10 + 1,000·0) / 5,000 = 6 minutes."""
    instance = load_instance(line(tmp_path / "line"))
    solution = evaluate(instance, WEST_ONLY)
    assert leaving_by_zone(solution) == pytest.approx({"z_west": 0, "z_mid": 0, "z_east": 1000, "z_far": 1000})
    assert solution.criteria["leaving"] == pytest.approx(2000)
    assert solution.criteria["income_leaving"] == pytest.approx(6.0)
    assert solution.criteria["travel"] == pytest.approx(6.0)
    assert check_solution(instance, WEST_ONLY, solution.allocation) == []


def test_best_site_under_nearest_provider_and_a_weight_on_leaving(tmp_path):
    """Travel alone: west gives 6 minutes (above); mid gives (2,000·20 + 0 + 1,000·10 + 0) / 5,000 = 10
    (z_east ties mid and nb at 10 and stays; z_far leaves). So west is best. Leaving: west 2,000, mid 1,000
    a year, each divided by all demand (5,000) in the objective; travel's scale is 2 minutes (every site
    open: z_west 0, z_mid 0, z_east 10, z_far 0 at nb: 10,000 / 5,000). With leaving weighted 5:
    west 6/2 + 5·0.4 = 5, mid 10/2 + 5·0.2 = 6, west still; weighted 10: west 3 + 4 = 7, mid 5 + 2 = 7, a
    tie; weighted 20: west 3 + 8 = 11, mid 5 + 4 = 9, so mid."""
    instance = load_instance(line(tmp_path / "line"))
    travel_only = solve(instance)
    assert travel_only.best.configuration == WEST_ONLY and travel_only.best.objective == pytest.approx(3.0)
    leaving_counts = solve(instance, weights={"leaving": 20})
    assert leaving_counts.best.configuration == MID_ONLY
    assert leaving_counts.best.objective == pytest.approx(9.0)
    assert leaving_counts.best.criteria["leaving"] == pytest.approx(1000)


def test_a_neighbours_spare_activity_binds(tmp_path):
    """nb takes at most 1,500 a year: west alone would send it 2,000, so it is no longer feasible, and mid
    (1,000 to nb) is best although its travel is worse (10 minutes against 6)."""
    instance = load_instance(line(tmp_path / "line", spare="1500"))
    result = solve(instance)
    assert result.best.configuration == MID_ONLY
    assert result.best.criteria["travel"] == pytest.approx(10.0)
    assert not isinstance(evaluate(instance, WEST_ONLY), Solution)


def test_the_retention_curve_moves_exactly_the_stated_share(tmp_path):
    """Curve (0, 0), (10, 0.2), (30, 0.6), held beyond. West alone: z_east's extra minutes are 30 − 10 = 20,
    share 0.2 + 0.4·(10/20) = 0.4, 400 leave; z_far's 40 − 0 = 40, beyond the last point, 0.6, 600 leave;
    z_mid's 20 − 20 = 0 and z_west's 0 − 40 < 0 keep everyone. Leaving 1,000; west keeps
    2,000 + 1,000 + 600 + 400 = 4,000. Travel: (1,000·20 + 600·30 + 400·10 + 400·40 + 600·0) / 5,000
    = 58,000 / 5,000 = 11.6 minutes."""
    instance = load_instance(line(tmp_path / "line", rule="retention"))
    solution = evaluate(instance, WEST_ONLY)
    assert solution.criteria["leaving"] == pytest.approx(1000)
    assert solution.criteria["income_leaving"] == pytest.approx(3.0)
    assert solution.criteria["travel"] == pytest.approx(11.6)
    assert check_solution(instance, WEST_ONLY, solution.allocation) == []


def test_leaving_share_interpolates_and_holds():
    """From (0, 0) to the first point, linear between points, the last share held; none at 0 or fewer."""
    import pandas as pd
    curve = pd.DataFrame({"extra_min": [10.0, 30.0], "leaving_share": [0.2, 0.6]})
    assert leaving_share(curve, [-5, 0, 5, 20, 30, 90]).tolist() == pytest.approx([0, 0, 0.1, 0.4, 0.6, 0.6])


def test_the_checker_finds_a_zone_kept_from_a_nearer_neighbour(tmp_path):
    """Under the nearest-provider rule, z_far sent to west (40 minutes, nb 0) breaks the rule, and z_east
    kept at west too; an allocation sending z_mid away although west is as near is short of demand."""
    instance = load_instance(line(tmp_path / "line"))
    allocation = pd_allocation({"z_west": 1.0, "z_east": 1.0, "z_far": 1.0})
    found = check_solution(instance, WEST_ONLY, allocation)
    assert [(v.rule, v.subject) for v in found] == [
        ("demand", "z_mid / elective"), ("neighbour", "z_east / elective at west"),
        ("neighbour", "z_far / elective at west")]
    assert found[2].message == ("z_far sends 1,000 elective admissions (100% of its demand) to west, 40 minutes "
                                "away by car, but the neighbouring provider nb offers it 0 minutes away "
                                "(farther by 40)")


def test_the_checker_finds_a_neighbour_over_its_spare_activity(tmp_path):
    """nb takes at most 1,500; west alone sends it 2,000 (z_east and z_far): over by 500."""
    instance = load_instance(line(tmp_path / "line", spare="1500"))
    found = check_solution(instance, WEST_ONLY, pd_allocation({"z_west": 1.0, "z_mid": 1.0}))
    assert [(v.rule, v.subject, v.amount) for v in found] == [("neighbour", "elective at nb", pytest.approx(500))]
    assert found[0].message == ("the group's zones send 2,000 elective admissions a year to nb, above the "
                                "1,500 it can take (over by 500)")


def pd_allocation(shares: dict[str, float]):
    import pandas as pd
    return pd.DataFrame({"service_id": "elective", "zone_id": list(shares), "site_id": "west",
                         "share": list(shares.values())})


def test_a_falling_retention_curve_is_refused(tmp_path):
    folder = line(tmp_path / "line", rule="retention")
    (folder / "retention.csv").write_text("extra_min,leaving_share\n10,0.5\n30,0.3\n", encoding="utf-8")
    with pytest.raises(InstanceError) as error:
        load_instance(folder)
    text = str(error.value)
    assert "retention.csv" in text and "row 3" in text and "leaving_share" in text
    assert "the leaving share falls from 0.5 at 10 extra minutes to 0.3 at 30" in text


def test_a_rule_without_neighbours_offering_services_is_refused(tmp_path):
    folder = line(tmp_path / "line")
    (folder / "neighbour_services.csv").write_text("neighbour_id,service_id,spare_activity\n", encoding="utf-8")
    with pytest.raises(InstanceError) as error:
        load_instance(folder)
    assert "neighbour_rule is nearest, but no neighbouring provider offers a service" in str(error.value)


def test_an_unknown_neighbour_is_named_with_its_row(tmp_path):
    folder = line(tmp_path / "line")
    (folder / "neighbour_services.csv").write_text("neighbour_id,service_id,spare_activity\nnbb,elective,\n",
                                                   encoding="utf-8")
    with pytest.raises(InstanceError) as error:
        load_instance(folder)
    text = str(error.value)
    assert "neighbour_services.csv" in text and "unknown neighbour 'nbb'" in text and "Did you mean 'nb'?" in text


@pytest.mark.parametrize(("rule", "spare"), [("nearest", "1500"), ("retention", "800"), ("none", "")])
@pytest.mark.parametrize("closest", [False, True])
def test_the_matrix_builder_states_the_same_model_as_pyomo(tmp_path, rule, spare, closest):
    """Both builders give the same rows, columns and costs with neighbours, a coverage standard (which a
    share leaving for a neighbour within 15 minutes meets) and the neighbour's spare activity."""
    from test_matrix import assert_same

    folder = line(tmp_path / "line", rule=rule, spare=spare)
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write("  coverage_travel_min: 15\n  coverage_share: 0.5\n")
    assert_same(load_instance(folder), ModelOptions(closest_assignment=closest))


def test_the_appraisal_measures_what_leaves_and_holds_the_neighbours_load_as_a_hurdle(tmp_path):
    """Bare configurations, nearest provider, nb taking at most 1,500. West alone: z_east and z_far go to
    nb (2,000 a year, GBP 6 m; 500 beyond what nb takes), so it fails the hurdle; mid alone: z_far only
    (1,000, GBP 3 m), within it."""
    folder = line(tmp_path / "line", spare="1500")
    (folder / "criteria.yaml").write_text(
        "load:\n  name: Neighbours can take it\n  kind: hurdle\n  measure: neighbour_overload\n  threshold: 0\n"
        "leaving:\n  name: Activity leaving\n  kind: evaluation\n  measure: leaving_activity\n", encoding="utf-8")
    appraisal = appraise(load_instance(folder), {"west": WEST_ONLY, "mid": MID_ONLY})
    overall = appraisal.metrics[(appraisal.metrics["service"] == "") & (appraisal.metrics["mode"] == "")]
    value = overall.set_index(["option", "measure"])["value"]
    assert value["west", "leaving_activity"] == pytest.approx(2000)
    assert value["west", "income_leaving_gbp_m"] == pytest.approx(6.0)
    assert value["west", "neighbour_overload"] == pytest.approx(500)
    assert value["mid", "leaving_activity"] == pytest.approx(1000)
    assert value["mid", "neighbour_overload"] == 0
    hurdles = appraisal.hurdles.set_index(["option", "criterion"])["passed"]
    assert not hurdles["west", "load"] and hurdles["mid", "load"]
    assert appraisal.recommended == "mid"
    flows = appraisal.neighbour_flows.groupby(["option", "zone_id"])["activity"].sum()
    assert flows.to_dict() == pytest.approx({("mid", "z_east"): 0, ("mid", "z_far"): 1000, ("mid", "z_mid"): 0,
                                             ("mid", "z_west"): 0, ("west", "z_east"): 1000,
                                             ("west", "z_far"): 1000, ("west", "z_mid"): 0, ("west", "z_west"): 0})


@pytest.mark.parametrize(("max_volume", "broken"), [(4000, []), (3990, [("max_volume", pytest.approx(10))])])
def test_the_checker_counts_only_the_activity_the_site_keeps_under_retention(tmp_path, max_volume, broken):
    """Every zone allocated to west in full: west keeps 5,000 − 400 − 600 = 4,000 a year (the curve's shares,
    above), so a maximum of 4,000 holds and one of 3,990 is broken by 10."""
    folder = line(tmp_path / "line", rule="retention")
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write(f"  max_volume: {max_volume}\n")
    instance = load_instance(folder)
    allocation = pd_allocation({"z_west": 1.0, "z_mid": 1.0, "z_east": 1.0, "z_far": 1.0})
    assert [(v.rule, v.amount) for v in check_solution(instance, WEST_ONLY, allocation)] == broken


def test_a_sweep_parameter_scales_the_retention_curve_and_one_replaces_the_tariff(tmp_path):
    """``retention.leaving: 0.5`` halves the curve: west alone then loses 200 + 300 = 500 a year (from 1,000);
    ``cost.elective.tariff_gbp: 5000`` prices it at GBP 2.5 m."""
    instance = load_instance(line(tmp_path / "line", rule="retention"))
    changed = apply(instance, {"retention.leaving": 0.5, "cost.elective.tariff_gbp": 5000})
    solution = evaluate(changed, WEST_ONLY)
    assert solution.criteria["leaving"] == pytest.approx(500)
    assert solution.criteria["income_leaving"] == pytest.approx(2.5)
    assert instance.tables["retention"]["leaving_share"].tolist() == [0.2, 0.6]  # the instance as it was


@pytest.mark.parametrize(("share", "short"), [(0.8, None), (0.85, 2500)])
def test_a_neighbour_within_the_coverage_standard_covers_the_zones_that_go_there(tmp_path, share, short):
    """Coverage within 15 minutes, nearest provider, west alone: z_west (20,000 people, 0 min) is covered at west,
    z_east (nb 10 min) and z_far (nb 0 min) at nb, 10,000 each; z_mid (20 min to either) is not: 40,000 of
    50,000 = 80%. A standard of 80% holds in the model and the checker; one of 85% is short by 2,500 people."""
    folder = line(tmp_path / "line")
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write(f"  coverage_travel_min: 15\n  coverage_share: {share}\n")
    instance = load_instance(folder)
    allocation = pd_allocation({"z_west": 1.0, "z_mid": 1.0})
    found = [(v.rule, v.amount * 50_000) for v in check_solution(instance, WEST_ONLY, allocation)]
    assert found == ([] if short is None else [("coverage", pytest.approx(short))])
    assert isinstance(evaluate(instance, WEST_ONLY), Solution) == (short is None)


@pytest.mark.parametrize(("share", "short"), [(0.4, None), (0.5, 5000)])
def test_coverage_of_a_service_no_neighbour_offers_counts_the_sites_alone(tmp_path, share, short):
    """A second line, day cases (10 a year per 1,000), that nb does not offer, covered within 15 minutes under the
    nearest-provider rule, all at west: only z_west (20,000 of 50,000 people, 0 min) is covered, 40%; a
    standard of 50% is short by 5,000 people. Hosted nowhere, it covers no one (every zone keeps its demand)."""
    folder = line(tmp_path / "line")
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write(f"day:\n  name: Day cases\n  activity: cases\n  demand_per_1000: 10\n"
                       f"  coverage_travel_min: 15\n  coverage_share: {share}\n")
    instance = load_instance(folder)
    zones = ["z_west", "z_mid", "z_east", "z_far"]
    day = pd_allocation(dict.fromkeys(zones, 1.0)).assign(service_id="day")
    both = pd.concat([pd_allocation({"z_west": 1.0, "z_mid": 1.0}), day])
    configuration = Configuration.of([("west", "elective"), ("west", "day")])
    found = [(v.rule, v.amount * 50_000) for v in check_solution(instance, configuration, both)]
    assert found == ([] if short is None else [("coverage", pytest.approx(short))])
    unserved = [v.rule for v in check_solution(instance, WEST_ONLY, pd_allocation({"z_west": 1.0, "z_mid": 1.0}))]
    assert unserved == ["demand"] * 4 + ["coverage"]


def test_the_report_states_the_rule_and_each_options_flows_to_neighbours(tmp_path):
    """The line under the nearest-provider rule, nb taking 1,500: the optimiser's best (mid alone) sends z_far's
    1,000 admissions (GBP 3.00m) to nb, within what it can take."""
    from optimiser.appraisal.study import study
    from reports.render import render_html

    html = render_html(study(load_instance(line(tmp_path / "line", spare="1500")), top=1, samples=200),
                       today=dt.date(2026, 1, 1))
    assert "Rule: each zone goes to its nearest open provider, the group&#39;s or a neighbour&#39;s" in html
    row = re.search(r"<tr class=\"\"><td>[^<]*</td><td>Neighbour General</td><td>Elective</td>.*?</tr>", html)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert cells[3:6] == ["1,000", "3.00", "1,500"]


def test_the_diagnosis_names_the_neighbour_that_cannot_take_the_patients(tmp_path):
    """West alone sends nb 2,000 a year under the nearest-provider rule; nb takes 1,500: 500 too many."""
    from optimiser.search.diagnose import diagnose

    found = diagnose(load_instance(line(tmp_path / "line", spare="1500")), WEST_ONLY)
    assert [(r.rule, r.subject, r.message) for r in found.relaxations] == [
        ("neighbour_capacity", "elective at nb", "Elective: 500 admissions a year more sent to Neighbour General "
                                                 "than it can take")]


@pytest.mark.parametrize("rule", ["nearest", "retention"])
def test_the_appraisals_mean_trip_counts_the_trips_to_neighbours_as_the_objective_does(tmp_path, rule):
    """West alone: the appraisal's mean trip per patient journey by car equals the model's travel criterion
    (6 minutes under the nearest-provider rule, 11.6 under the retention curve, as derived above), and west's
    unit volume is what it keeps (3,000 and 4,000 a year)."""
    instance = load_instance(line(tmp_path / "line", rule=rule))
    solution = evaluate(instance, WEST_ONLY)
    appraisal = appraise(instance, {"west": solution})
    measured = appraisal.metrics.set_index(["measure", "service", "mode"])["value"]
    assert measured["mean_travel_min", "", ""] == pytest.approx(solution.criteria["travel"])
    assert measured["mean_travel_min", "", ""] == pytest.approx({"nearest": 6.0, "retention": 11.6}[rule])
    assert appraisal.volumes["volume"].tolist() == pytest.approx([{"nearest": 3000, "retention": 4000}[rule]])


def test_a_neighbour_far_from_the_road_graph_is_a_warning(tmp_path):
    """nb 0.1° north of J4 is about 11 km from the nearest junction, beyond the default 3 km."""
    folder = line(tmp_path / "line")
    (folder / "neighbours.csv").write_text(f"neighbour_id,name,lat,lon\nnb,Neighbour General,51.6,{4 * LON_STEP}\n",
                                           encoding="utf-8")
    (warning,) = load_instance(folder).warnings
    assert (warning.file, warning.row, warning.column) == ("neighbours.csv", 2, "lat")
    assert warning.message == ("neighbour 'nb' is 11.1 km from the nearest road junction ('J4'); its travel times "
                               "start there")


def test_the_retention_rule_without_a_curve_is_refused(tmp_path):
    folder = line(tmp_path / "line", rule="retention")
    (folder / "retention.csv").unlink()
    with pytest.raises(InstanceError) as error:
        load_instance(folder)
    assert "neighbour_rule is retention, but there is no retention curve" in str(error.value)


def test_the_volume_standards_measure_counts_what_the_unit_keeps_under_retention(tmp_path):
    """West alone keeps 4,000 a year under the curve (above): a maximum of 3,990 is exceeded by 10."""
    folder = line(tmp_path / "line", rule="retention")
    with (folder / "services.yaml").open("a", encoding="utf-8") as services:
        services.write("  max_volume: 3990\n")
    appraisal = appraise(load_instance(folder), {"west": WEST_ONLY})
    measured = appraisal.metrics.set_index(["measure", "service", "mode"])["value"]
    assert measured["volume_shortfall", "", ""] == pytest.approx(10)


def test_explain_adds_up_with_patients_leaving(tmp_path):
    """``optimiser explain`` under the retention curve, weights travel 1 and leaving 1, west only (A) against
    mid only (B). Leaving shares f(extra minutes) = 0.2 per 10 min up to 10, then 0.02 a minute up to 0.6:
    A: z_east 30 against nb 10 (f(20) = 0.4): 600 × 30 kept, 400 × 10 leaving; z_far 40 against 0
    (f(40) = 0.6): 400 × 40 kept, 600 × 0; z_mid 1,000 × 20. Travel 58,000, leaving 1,000 (£3m at £3,000).
    B: z_west 2,000 × 20, z_east 1,000 × 10 (f(0) = 0), z_far f(20) = 0.4: 600 × 20 kept, 400 leave.
    Travel 62,000, leaving 400 (£1.2m). Scales: travel 22,000 / 5,000 = 4.4 minutes (both sites open, as the
    objective scales it: z_east 1,000 × 10, z_far 600 × 20), leaving all 5,000 of the demand. So the difference
    is 4,000 / 5,000 / 4.4 − 600 / 5,000 = 0.181818 − 0.12 = 0.061818, and by zone leaving carries z_east −400
    and z_far −200."""
    from optimiser.appraisal.explain import compare

    folder = line(tmp_path / "line", rule="retention")
    (folder / "weights.yaml").write_text(LINE["weights.yaml"] + "leaving: 1\n", encoding="utf-8")
    instance = load_instance(folder)
    explained = compare(instance, ("west", WEST_ONLY), ("mid", MID_ONLY), sweep=False)
    assert explained.difference == pytest.approx(0.061818, abs=1e-6)
    for parts in (explained.criteria, explained.by_service(), explained.by_zone()):
        assert parts["objective_difference"].sum() == pytest.approx(explained.difference, abs=1e-9)
    assert explained.criteria.loc["leaving", ["a", "b", "objective_difference"]].tolist() == pytest.approx(
        [1000.0, 400.0, -0.12])
    assert explained.criteria.loc["travel", "objective_difference"] == pytest.approx(4000 / 5000 / 4.4)
    leaving = explained.terms[explained.terms["criterion"] == "leaving"].set_index("zone_id")
    assert leaving["difference"].to_dict() == pytest.approx({"z_east": -400.0, "z_far": -200.0})
    assert set(leaving["site_id"]) == {"nb"}
    words = explained.sentences(instance)
    assert "in west, 1,000 units of activity a year leave the group (1,000 to Neighbour General), taking £3m " \
           "of income" in words
    assert "in mid, 400 units of activity a year leave the group (400 to Neighbour General), taking £1.2m " \
           "of income" in words
    assert "600 less admissions (elective) a year leave for neighbouring providers in mid than in west: -194% " \
           "of the difference" in words


def test_explain_under_nearest_provider_counts_the_trips_to_the_neighbour(tmp_path):
    """Under nearest provider, west only sends z_east and z_far (1,000 each) to nb, 10 and 0 minutes away:
    travel 2,000 × 0 + 1,000 × 20 + 1,000 × 10 + 0 = 30,000 patient-minutes, the value the engine reports
    (30,000 / 5,000 = 6 minutes), and 2,000 leave; mid only keeps every zone but z_far (mid 20, nb 0), so
    1,000 leave."""
    from optimiser.appraisal.explain import compare

    instance = load_instance(line(tmp_path / "line", rule="nearest"))
    explained = compare(instance, ("west", WEST_ONLY), ("mid", MID_ONLY), sweep=False)
    travel = explained.terms[explained.terms["criterion"] == "travel"]
    assert travel["amount_a"].sum() == pytest.approx(30000.0)
    assert explained.criteria.loc["travel", "a"] == pytest.approx(6.0)
    assert explained.criteria.loc["leaving", ["a", "b"]].tolist() == pytest.approx([2000.0, 1000.0])
    assert explained.criteria["objective_difference"].sum() == pytest.approx(explained.difference, abs=1e-9)


def _drawn_maps(folder: Path, monkeypatch) -> tuple[list, object]:
    """The report's maps of west only and mid only on the line instance in ``folder``, as matplotlib figures
    (the option maps, and the legend)."""
    pytest.importorskip("geopandas", reason="the geo extra is not installed (pip install -e '.[geo]')")
    from reports import charts, render

    monkeypatch.setattr(charts, "_png", lambda fig: fig)
    instance = load_instance(folder)
    configurations = {"west": WEST_ONLY, "mid": MID_ONLY}
    appraisal = appraise(instance, configurations)
    names = render.OptionNames(instance, appraisal, configurations)
    drawn = render.maps(instance, appraisal, ["west", "mid"], names, configurations, None)
    return [m["image"] for m in drawn["maps"]], drawn["legend"]


def _neighbour_artists(fig) -> tuple[list[list[float]], list[str], int]:
    """What a map draws in the neighbours' colour: the flow lines' widths, the labels' texts, the markers."""
    from matplotlib.collections import LineCollection, PathCollection
    from matplotlib.colors import to_hex

    from reports.charts import NEIGHBOUR_COLOUR

    ax = fig.axes[0]
    lines = [list(c.get_linewidths()) for c in ax.collections if isinstance(c, LineCollection)
             and to_hex(c.get_colors()[0]) == NEIGHBOUR_COLOUR]
    markers = sum(1 for c in ax.collections if isinstance(c, PathCollection)
                  and to_hex(c.get_facecolors()[0]) == NEIGHBOUR_COLOUR)
    labels = [t.get_text() for t in ax.texts if to_hex(t.get_color()) == NEIGHBOUR_COLOUR]
    return lines, labels, markers


def test_the_maps_draw_the_neighbours_and_the_patients_who_leave(tmp_path, monkeypatch):
    """Nearest provider: west only sends z_east and z_far (1,000 a year each) to nb, mid only z_far (1,000):
    the widest flow, 1,000, is drawn 4 points wide on every map, so west's map has two such lines and mid's
    one; nb is a labelled triangle on each, with what it receives; the legend names both."""
    from reports.charts import FLOW_MAX_WIDTH

    (west, mid), legend = _drawn_maps(line(tmp_path / "line", rule="nearest"), monkeypatch)
    assert _neighbour_artists(west) == ([[FLOW_MAX_WIDTH, FLOW_MAX_WIDTH]],
                                        ["Neighbour General\n2,000 a year leave for it"], 1)
    assert _neighbour_artists(mid) == ([[FLOW_MAX_WIDTH]], ["Neighbour General\n1,000 a year leave for it"], 1)
    assert [t.get_text() for t in legend.axes[0].texts] == [
        "hospital site", "site hosting no service", "neighbouring provider, outside the group",
        "modelled roads (line width: road class)",
        "patients leaving for a neighbouring provider, from each zone's centre (line width: activity a year)"]


def test_without_a_rule_the_maps_draw_the_estimate_of_the_retention_curve(tmp_path, monkeypatch):
    """neighbour_rule none: the model keeps everyone, and the maps draw what would leave under the curve (est.):
    west only sends z_east 400 and z_far 600 a year, mid only z_far 400 (derived in the appraisal's test below).
    The widest flow, 600, is 4 points wide; 400 is two thirds of that."""
    from reports.charts import FLOW_MAX_WIDTH

    (west, mid), legend = _drawn_maps(line(tmp_path / "line", rule="none"), monkeypatch)
    assert _neighbour_artists(west) == ([pytest.approx([FLOW_MAX_WIDTH * 2 / 3, FLOW_MAX_WIDTH])],
                                        ["Neighbour General\n1,000 a year leave for it"], 1)
    assert _neighbour_artists(mid) == ([pytest.approx([FLOW_MAX_WIDTH * 2 / 3])],
                                       ["Neighbour General\n400 a year leave for it"], 1)
    assert "neighbouring provider, outside the group" in [t.get_text() for t in legend.axes[0].texts]


def test_without_a_rule_or_a_curve_the_maps_show_no_neighbours(tmp_path, monkeypatch):
    """neighbour_rule none and no retention.csv: nobody leaves and nothing estimates it, so the maps and the
    legend are as for an instance without neighbours: the legend's three rows (site, empty site, roads)."""
    folder = line(tmp_path / "line", rule="none")
    (folder / "retention.csv").unlink()
    (west, mid), legend = _drawn_maps(folder, monkeypatch)
    assert _neighbour_artists(west) == _neighbour_artists(mid) == ([], [], 0)
    assert [t.get_text() for t in legend.axes[0].texts] == [
        "hospital site", "site hosting no service", "modelled roads (line width: road class)"]


def test_without_a_rule_the_appraisal_estimates_what_would_leave_and_measures_none_of_it(tmp_path):
    """neighbour_rule none, bare configurations (every zone to the one open site). Under the curve (0, 0),
    (10, 0.2), (30, 0.6): west only sends z_east (30 − 10 = 20 extra minutes: 0.4 × 1,000 = 400) and z_far
    (40 − 0 = 40: 0.6 × 1,000 = 600), 1,000 a year at GBP 3,000 = GBP 3 m; mid only sends z_far (20 − 0 = 20:
    400, GBP 1.2 m) and z_east none (10 − 10 = 0). No measure counts it: no leaving figure, and west's unit
    keeps all 5,000 a year, so no score and no ranking can see it."""
    from optimiser.appraisal import leaving

    instance = load_instance(line(tmp_path / "line", rule="none"))
    appraisal = appraise(instance, {"west": WEST_ONLY, "mid": MID_ONLY})
    assert leaving.estimated(instance)
    flows = appraisal.neighbour_flows
    sent = flows[flows["activity"] > 0].set_index(["option", "zone_id"])
    assert sent["activity"].to_dict() == pytest.approx({("west", "z_east"): 400, ("west", "z_far"): 600,
                                                        ("mid", "z_far"): 400})
    assert set(sent["neighbour_id"]) == {"nb"}
    assert sent.loc[("west", "z_far"), "site_id"] == "west"
    totals = leaving.totals(flows, ["west", "mid"]).set_index("option")
    assert totals["activity"].to_dict() == pytest.approx({"west": 1000, "mid": 400})
    assert totals["income_gbp_m"].to_dict() == pytest.approx({"west": 3.0, "mid": 1.2})
    assert not appraisal.metrics["measure"].isin(["leaving_activity", "income_leaving_gbp_m"]).any()
    assert appraisal.volumes.set_index("option").loc["west", "volume"] == pytest.approx(5000)


def test_under_the_retention_rule_the_view_is_the_models_leaving(tmp_path):
    """Under the retention rule the view reads the model's own allocation, and its totals are the model's
    leaving and income_leaving criteria: west only 1,000 a year and GBP 3 m (derived above), mid only 400 and
    GBP 1.2 m, the same as the estimate without a rule, since one open site leaves the allocation no choice."""
    from optimiser.appraisal import leaving

    instance = load_instance(line(tmp_path / "line", rule="retention"))
    solutions = {"west": evaluate(instance, WEST_ONLY), "mid": evaluate(instance, MID_ONLY)}
    assert not leaving.estimated(instance)
    totals = leaving.totals(appraise(instance, solutions).neighbour_flows, ["west", "mid"]).set_index("option")
    for label, solution in solutions.items():
        assert totals.loc[label, "activity"] == pytest.approx(solution.criteria["leaving"])
        assert totals.loc[label, "income_gbp_m"] == pytest.approx(solution.criteria["income_leaving"])
    assert totals["activity"].to_dict() == pytest.approx({"west": 1000, "mid": 400})


def test_on_mse_the_view_under_the_retention_rule_is_the_models_leaving():
    """mse's 2018 decision evaluated with neighbour_rule retention: the view's activity and income leaving, read
    from the allocation alone, are the model's criteria (instances/mse/README.md: 2,392 a year, GBP 5.24m).
    Under mse's own rule (none) the view estimates it from the allocation the model chose without neighbours,
    and the measures hold no leaving figure."""
    from dataclasses import replace

    from optimiser.appraisal import leaving

    mse = load_instance("mse")
    ruled = replace(mse, settings={**mse.settings, "neighbour_rule": "retention"})
    solution = evaluate(ruled, "decision_2018")
    view = appraise(ruled, {"decision": solution}, samples=10).neighbour_flows
    assert view["activity"].sum() == pytest.approx(solution.criteria["leaving"])
    assert view["income_gbp_m"].sum() == pytest.approx(solution.criteria["income_leaving"])
    assert (round(solution.criteria["leaving"]), round(solution.criteria["income_leaving"], 2)) == (2392, 5.24)
    as_written = appraise(mse, {"decision": evaluate(mse, "decision_2018")}, samples=10)
    assert leaving.estimated(mse) and as_written.neighbour_flows["activity"].sum() > 0
    assert not as_written.metrics["measure"].isin(["leaving_activity", "income_leaving_gbp_m"]).any()


def test_the_report_labels_the_estimate_without_a_rule(tmp_path):
    """The line under neighbour_rule none: the optimiser's best is mid alone (mean trip 14 minutes against west's
    18), and the report lists what it would send out under the curve, labelled as an estimate: z_far's 400
    admissions a year (GBP 1.20m) to Neighbour General."""
    from optimiser.appraisal.study import study
    from reports.render import render_html

    html = render_html(study(load_instance(line(tmp_path / "line", rule="none")), top=1, samples=200),
                       today=dt.date(2026, 1, 1))
    assert ("Patients leaving for neighbouring hospitals (short list and status quo), if patients leave as the "
            "retention curve states (est.)</h3>") in html
    assert "the optimisation and the ranking keep every patient in the group" in html
    assert re.search(r"<tr><td>#1</td><td class=\"num\">400</td><td class=\"num\">1.20</td>"
                     r"<td>Neighbour General 400</td></tr>", html)


def test_the_geopackage_has_the_neighbours_and_what_each_configuration_sends_them(tmp_path):
    """The export read back with geopandas: layer ``neighbours`` has nb with its name, the service it offers, its
    spare activity (1,500) and, under the retention rule, west's 1,000 a year (GBP 3 m) and mid's 400 (as
    derived above); the zones layer has each zone's part (west: z_east 400, z_far 600)."""
    gpd = pytest.importorskip("geopandas", reason="the geo extra is not installed (pip install -e '.[geo]')")
    from optimiser.appraisal.geography import export_gpkg

    instance = load_instance(line(tmp_path / "line", rule="retention", spare="1500"))
    configurations = {"west": WEST_ONLY, "mid": MID_ONLY}
    appraisal = appraise(instance, configurations, samples=10)
    out = export_gpkg(instance, configurations, appraisal.access, appraisal.allocations, tmp_path / "out.gpkg",
                      appraisal.neighbour_flows)
    assert set(gpd.list_layers(out)["name"]) == {"zones", "sites", "neighbours"}
    points = gpd.read_file(out, layer="neighbours").set_index("neighbour_id")
    nb = points.loc["nb"]
    assert (nb["name"], nb["services"], nb["spare_activity"], nb["leaving_rule"]) == (
        "Neighbour General", "elective", 1500, "retention")
    assert (nb.geometry.x, nb.geometry.y) == pytest.approx((4 * LON_STEP, 51.5))
    assert (nb["west_leaving"], nb["west_leaving_gbp_m"], nb["mid_leaving"]) == pytest.approx((1000, 3.0, 400))
    zones = gpd.read_file(out, layer="zones").set_index("zone_id")
    assert zones["west_leaving"].to_dict() == pytest.approx({"z_west": 0, "z_mid": 0, "z_east": 400, "z_far": 600})
