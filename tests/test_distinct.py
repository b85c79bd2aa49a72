"""Distinct options: each configuration of a ranking the best of its kind, and named so.

The fixture is the tiny instance (tests/test_model.py gives its minutes and demand) with a
small outpatient clinic added (1 appointment per 1,000 people: 50, 30, 60, 40 a year from
North, Middle, South and East Town, no rules), weighted on travel alone. The clinic is the
toggle: closing it anywhere costs little, so the plain ranking is one strategy with clinics
switched off. In activity-minutes a year, with every unit open at every site:

    emergency 6,000 × 6 (Middle Town) = 36,000; cancer (given at East) 18×250 + 12×150 + 12×300
    = 9,900; obstetrics 2,400 (East needs 500 births: 100 of Middle Town's go 12 min, not 6);
    clinic 30 × 6 = 180. Total T0 = 48,480.

Total demand 38,880 and every site open gives the travel scale 38,880 / 38,880 = 1 minute, so
the objective is T / 38,880. Against T0:

- clinic closed at North: North Town's 50 go 12 min, +600; at South or East: +720 (60 × 12, 40 × 18);
- obstetrics at South and East only: North Town's 500 births go 12 min, +6,000;
  at North and South, or North and East: East's 400 or South's 600 go 18 or 12 min, +6,600 (a tie);
- East without a role (roles fixture: North and South acute): its 8,000 attendances go 18 min
  (+144,000) and obstetrics at North and South (+6,600): +150,600.
"""

from __future__ import annotations

import pytest
from test_cli import run

from optimiser import load_instance
from optimiser.errors import OptimiserError
from optimiser.model.pmedian import TRAVEL_ONLY
from optimiser.search.engine import solve
from optimiser.search.naming import distinct, names

TOTAL = 38_880
T0 = 48_480
CLINIC = "clinic:\n  name: Outpatient clinic\n  activity: appointments\n  demand_per_1000: 1\n"
WEIGHTS = "travel: 1\nequity: 0\nworst_zone: 0\ncapital: 0\nrunning: 0\nworkforce: 0\ndisruption: 0\n"


@pytest.fixture
def roles_with_clinic(tiny):
    return tiny.append("services.yaml", CLINIC).write("weights.yaml", WEIGHTS)


@pytest.fixture
def plain_with_clinic(roles_with_clinic):
    """Without the role layer: every service placed on its own."""
    return roles_with_clinic.remove("roles.yaml").write(
        "options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                        "    south: [emergency, obstetrics]\n    east: [cancer]\n")


def objectives(result) -> list[float]:
    return [r.objective for r in result.ranked]


def hosting(result, service: str) -> list[list[str]]:
    return [r.configuration.sites_of(service) for r in result.ranked]


def test_plain_cuts_rank_toggles_of_one_strategy(plain_with_clinic):
    """The fixture's premise: by every service, #2 to #4 are the best strategy with one clinic closed."""
    result = solve(load_instance(plain_with_clinic.path), top=4, weights=TRAVEL_ONLY, distinct="all")
    assert objectives(result) == pytest.approx([x / TOTAL for x in (T0, T0 + 600, T0 + 720, T0 + 720)])
    assert hosting(result, "obstetrics") == [["east", "north", "south"]] * 4
    assert hosting(result, "clinic")[:2] == [["east", "north", "south"], ["east", "south"]]


def test_distinct_by_a_service_ranks_the_best_of_each_kind(plain_with_clinic):
    """Distinct by obstetrics: each obstetric placement with its best clinics (all open), then the tie."""
    instance = load_instance(plain_with_clinic.path)
    result = solve(instance, top=4, weights=TRAVEL_ONLY, distinct="services:obstetrics")
    assert objectives(result) == pytest.approx([x / TOTAL for x in (T0, T0 + 6000, T0 + 6600, T0 + 6600)])
    assert [r.rank for r in result.ranked] == [1, 2, 3, 3]
    placements = hosting(result, "obstetrics")
    assert placements[:2] == [["east", "north", "south"], ["east", "south"]]
    assert sorted(placements[2:]) == [["east", "north"], ["north", "south"]]
    assert hosting(result, "clinic") == [["east", "north", "south"]] * 4
    assert names(instance, [r.configuration for r in result.ranked[:2]], distinct(instance, "services:obstetrics")) \
        == ["obstetrics East, North, South", "obstetrics East, South"]


def test_roles_are_the_default_level_where_the_instance_has_roles(roles_with_clinic):
    """Only two hospital models exist (East acute or not): the ranking says so instead of toggling clinics."""
    instance = load_instance(roles_with_clinic.path)
    result = solve(instance, top=3, weights=TRAVEL_ONLY)
    assert objectives(result) == pytest.approx([T0 / TOTAL, (T0 + 150_600) / TOTAL])
    assert result.exhausted
    assert names(instance, [r.configuration for r in result.ranked]) == ["ACUTE East, North, South",
                                                                          "ACUTE North, South"]


def test_configurations_sharing_a_name_say_how_they_differ(roles_with_clinic):
    instance = load_instance(roles_with_clinic.path)
    result = solve(instance, top=2, weights=TRAVEL_ONLY, distinct="all")
    assert names(instance, [r.configuration for r in result.ranked]) == [
        "ACUTE East, North, South", "ACUTE East, North, South (as #1, but −clinic North)"]


def test_without_roles_a_name_says_what_differs_from_the_status_quo(plain_with_clinic):
    instance = load_instance(plain_with_clinic.path)
    result = solve(instance, top=2, weights=TRAVEL_ONLY, distinct="all")
    assert names(instance, [r.configuration for r in result.ranked]) == [
        "+emergency East · +obstetrics East · +clinic East · +clinic North · +clinic South",
        "+emergency East · +obstetrics East · +clinic East · +clinic South"]


def test_a_sweep_ranks_each_scenario_at_the_level_solve_does(roles_with_clinic, tmp_path):
    """A sweep's scenario ranks as solve does: by default the two hospital models (as above, so no third),
    and with distinct all, the best strategy with North's clinic closed second (T0 + 600)."""
    pytest.importorskip("pyarrow")
    from optimiser.sweeps.runner import Design, sweep

    instance = load_instance(roles_with_clinic.path)
    base = Design.named({"base": {}})
    by_roles = sweep(instance, base, out=tmp_path / "roles", workers=0, top=3).results.iloc[0]
    assert [by_roles[f"objective_{k}"] for k in (1, 2)] == pytest.approx([T0 / TOTAL, (T0 + 150_600) / TOTAL])
    assert by_roles["objective_3"] != by_roles["objective_3"]  # NaN: no third hospital model
    by_all = sweep(instance, base, out=tmp_path / "all", workers=0, top=3, distinct="all").results.iloc[0]
    assert [by_all[f"objective_{k}"] for k in (1, 2)] == pytest.approx([T0 / TOTAL, (T0 + 600) / TOTAL])


def test_a_sweep_folder_is_resumed_only_at_its_own_level(roles_with_clinic, tmp_path):
    pytest.importorskip("pyarrow")
    from optimiser.sweeps.runner import Design, sweep

    instance = load_instance(roles_with_clinic.path)
    sweep(instance, Design.named({"base": {}}), out=tmp_path / "s", workers=0)
    with pytest.raises(OptimiserError, match="its distinct differs"):
        sweep(instance, Design.named({"base": {}}), out=tmp_path / "s", workers=0, distinct="all")


@pytest.mark.parametrize(("level", "message"), [
    ("roles", "--distinct roles: tiny has no roles (roles.yaml); use --distinct all or services:<service>,…"),
    ("services:obstetrics,maternity", "--distinct services:obstetrics,maternity: unknown service 'maternity'; "
                                      "services are emergency, obstetrics, cancer, clinic"),
    ("services:", "--distinct services:: no service named; services are emergency, obstetrics, cancer, clinic"),
    ("sites", "--distinct 'sites': give roles, all, or services:<service>,<service>…"),
])
def test_unknown_levels_are_refused(plain_with_clinic, level, message):
    with pytest.raises(OptimiserError) as raised:
        distinct(load_instance(plain_with_clinic.path), level)
    assert str(raised.value) == message


def test_cli_names_each_configuration(capsys, plain_with_clinic):
    code, out, _ = run(capsys, "solve", str(plain_with_clinic.path), "--top", "2", "--distinct", "services:obstetrics")
    assert code == 0
    headings = [line.split("  ") for line in out.splitlines() if line.startswith(("#1  objective", "#2  objective"))]
    assert [h[2] for h in headings] == ["obstetrics East, North, South", "obstetrics East, South"]  # each heading
    code, _, err = run(capsys, "solve", str(plain_with_clinic.path), "--distinct", "wards")
    assert code == 2
    assert "--distinct 'wards': give roles, all, or services:<service>,<service>…" in err
