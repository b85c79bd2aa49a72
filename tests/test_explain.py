"""optimiser explain against a hand calculation on the tiny instance (tests/test_model.py gives its
minutes and demand), without roles, weighted on travel (1) and 24/7 rotas (workforce, 2) alone.

A, the best: emergency and obstetrics at all three sites, cancer at East (given). B, the decision
(the status quo): emergency and obstetrics at North and South only. In patient-minutes a year:

                 emergency                    obstetrics                          cancer
    A            6,000 × 6 = 36,000           Middle Town: 100 × 12 + 200 × 6     9,900
                                              = 2,400 (East needs 500 births)
    B            + East Town 8,000 × 18       East Town 400 × 18 + Middle 300 × 6  9,900
                 = 180,000                    = 9,000

so B's patients travel 144,000 (emergency) + 6,600 (obstetrics) = 150,600 minutes more a year:
East Town +144,000 + 7,200 = +151,200 and Middle Town 1,800 − 2,400 = −600. Travel is divided by
the total demand 38,700 and by its scale, every site open, 38,700 / 38,700 = 1 minute; rotas (2 a
unit of emergency) by their scale, 2 rotas × 3 sites = 6. So

    f_A = 48,300 / 38,700 + 2 × 6 / 6 = 3.248062,   f_B = 198,900 / 38,700 + 2 × 4 / 6 = 6.472868,
    f_B − f_A = 150,600 / 38,700 − 2/3 = 3.891473 − 0.666667 = 3.224806,

of which emergency travel 144,000 / 38,700 = 3.720930 (115.4%), obstetrics travel 6,600 / 38,700 =
0.170543 (5.3%), rotas −2/3 (−20.7%); East Town's travel 151,200 / 38,700 = 3.906977 (121.2%). With
weight t on travel and r on rotas, f_B − f_A = 3.891473 t − r / 3: B overtakes A when the travel
weight falls below 2 / (3 × 3.891473) = 0.171314, or the workforce weight rises above
3 × 3.891473 = 11.674419 (within the sweep's range, up to 10 times the largest weight: 20). And A
makes 2 moves against the status quo, B none: with a weight d on disruption (scale 3 sites × 3
services = 9), B overtakes A when 2 d / 9 > 3.224806, d > 14.511628.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import TINY, Folder
from test_cli import run

from optimiser import OptimiserError, load_instance
from optimiser.appraisal.explain import explain

DIFFERENCE = 150_600 / 38_700 - 2 / 3
WORKFORCE = 2


@pytest.fixture(scope="module")
def decided(tmp_path_factory):
    tiny = Folder(Path(shutil.copytree(TINY, tmp_path_factory.mktemp("explain") / "tiny")))
    tiny.remove("roles.yaml").write(
        "options.yaml", "status_quo:\n  name: Today\n  services:\n    north: [emergency, obstetrics]\n"
                        "    south: [emergency, obstetrics]\n    east: [cancer]\n"
                        "kept:\n  name: Kept as it was (the decision)\n  services:\n"
                        "    north: [emergency, obstetrics]\n    south: [emergency, obstetrics]\n    east: [cancer]\n"
                        "all_open:\n  name: Everything everywhere (the best, A)\n  services:\n"
                        "    north: [emergency, obstetrics]\n    south: [emergency, obstetrics]\n"
                        "    east: [emergency, obstetrics, cancer]\n")
    tiny.write("weights.yaml", "travel: 1\nequity: 0\nworst_zone: 0\ncapital: 0\nrunning: 0\nworkforce: 2\n"
                               "disruption: 0\n")
    return tiny.append("instance.yaml", "decision: kept")


@pytest.fixture(scope="module")
def explained(decided):
    return explain(load_instance(decided.path))


def test_the_best_against_the_decision_by_default(explained):
    assert (explained.a, explained.b) == ("#1", "kept")
    assert explained.objective_a == pytest.approx(48_300 / 38_700 + WORKFORCE)
    assert explained.difference == pytest.approx(DIFFERENCE)


def test_the_difference_by_criterion(explained):
    criteria = explained.criteria
    assert criteria.loc["travel", ["a", "b"]].tolist() == pytest.approx([48_300 / 38_700, 198_900 / 38_700])
    assert criteria.loc["workforce", ["a", "b"]].tolist() == [6, 4]
    assert criteria["objective_difference"].to_dict() == pytest.approx(
        {"travel": 150_600 / 38_700, "equity": 0, "worst_zone": 0, "capital": 0, "running": 0,
         "workforce": -WORKFORCE / 3, "disruption": 0, "leaving": 0, "income_leaving": 0})
    assert criteria["share"].sum() == pytest.approx(1)


def test_the_difference_by_service_and_zone(explained):
    by_service = explained.by_service()
    assert by_service["objective_difference"].to_dict() == pytest.approx(
        {"emergency": 144_000 / 38_700 - WORKFORCE / 3, "obstetrics": 6_600 / 38_700, "cancer": 0, "": 0})
    travel = explained.terms[explained.terms["criterion"] == "travel"]
    assert travel.groupby("zone_id")["difference"].sum().to_dict() == pytest.approx(
        {"z_east": 151_200, "z_mid": -600, "z_north": 0, "z_south": 0})
    assert explained.by_zone()["share"].to_dict() == pytest.approx(
        {"z_east": 151_200 / 38_700 / DIFFERENCE, "z_mid": -600 / 38_700 / DIFFERENCE, "z_north": 0, "z_south": 0})


def test_in_words(explained, decided):
    assert explained.sentences(load_instance(decided.path)) == [
        "#1: +emergency East · +obstetrics East; kept: as the status quo; from #1 to kept: −emergency East, "
        "−obstetrics East",
        "#1 is better than kept by 3.225 (3.24806 against 6.47287)",
        "attendances (emergency) travel 144k minutes more a year in kept than in #1: 115% of the difference",
        "emergency needs 2 24/7 rotas less in kept than in #1: -21% of the difference",
        "births (obstetrics) travel 6,600 minutes more a year in kept than in #1: 5% of the difference",
        "the travel of patients from East Town: 121% of the difference",
        "kept becomes better than #1 when the travel weight falls below 0.171 (now 1)",
        "kept becomes better than #1 when the workforce weight rises above 11.7 (now 2)",
        "kept becomes better than #1 when the disruption weight rises above 14.5 (now 0)",
    ]


def test_the_assumptions_it_rests_on(explained):
    assumptions = explained.assumptions.set_index("parameter")
    assert list(assumptions.index[:2]) == ["weights.travel", "demand.emergency"]
    assert assumptions["share"].to_dict() == pytest.approx({
        "weights.travel": 150_600 / 38_700 / DIFFERENCE, "demand.emergency": 144_000 / 38_700 / DIFFERENCE,
        "weights.workforce": -WORKFORCE / 3 / DIFFERENCE,
        "services.yaml emergency.rotas_24_7": -WORKFORCE / 3 / DIFFERENCE,
        "demand.obstetrics": 6_600 / 38_700 / DIFFERENCE})


def test_the_weights_that_flip_the_order(explained):
    flips = explained.flips.set_index("criterion")
    assert flips.loc["travel", "direction"] == "falls below"
    assert flips.loc["travel", "flip_weight"] == pytest.approx(WORKFORCE / (3 * 150_600 / 38_700), rel=1e-3)
    assert flips.loc["workforce", "direction"] == "rises above"
    assert flips.loc["workforce", "flip_weight"] == pytest.approx(3 * 150_600 / 38_700, rel=1e-3)
    assert flips.loc["disruption", "flip_weight"] == pytest.approx(9 * DIFFERENCE / 2, rel=1e-3)
    assert list(flips.index) == ["travel", "workforce", "disruption"]


@pytest.mark.parametrize("side", [-1, 1])
@pytest.mark.parametrize("criterion", ["travel", "workforce", "disruption"])
def test_the_flip_holds_when_solved_either_side_of_it(decided, explained, criterion, side):
    """Both configurations re-solved 1% either side of the flip (A as the option all_open, since the
    best configuration changes with the weights): the decision is better only past the flip."""
    flip = explained.flips.set_index("criterion").loc[criterion, "flip_weight"]
    past = (side < 0) == (criterion == "travel")
    again = explain(load_instance(decided.path), "all_open", "kept", weights={criterion: flip * (1 + side * 0.01)},
                    sweep=False)
    assert again.difference < 0 if past else again.difference > 0


def test_the_status_quo_where_no_decision_is_named(tiny):
    """The tiny instance names no decision: its best (all acute) against its status quo, whose East
    hosts neither emergency nor obstetrics, as the decision above (its objective differs: the
    instance's own weights)."""
    found = explain(load_instance(tiny.path), sweep=False)
    assert (found.a, found.b) == ("#1", "status_quo")
    assert found.terms.groupby("criterion")["difference"].sum()["travel"] == pytest.approx(150_600)


def test_named_configurations_and_ranks(decided):
    found = explain(load_instance(decided.path), "kept", "#1", sweep=False)
    assert found.difference == pytest.approx(-DIFFERENCE)
    with pytest.raises(OptimiserError, match=r"tiny has \d+ ranked configurations, so no #200"):
        explain(load_instance(decided.path), "#200", "kept", sweep=False)


def test_cli(capsys, decided):
    code, out, _ = run(capsys, "explain", str(decided.path), "--no-sweep")
    assert code == 0
    assert "tiny: kept against #1" in out
    assert "  attendances (emergency) travel 144k minutes more a year in kept than in #1: 115% of the difference\n" \
        in out
    assert "  weights.travel = 1: 121% of the difference\n" in out
    code, out, _ = run(capsys, "explain", str(decided.path), "--no-sweep", "--json")
    assert code == 0
    found = json.loads(out)
    assert {row["service_id"]: row["objective_difference"] for row in found["by_service"]} == pytest.approx(
        {"emergency": 144_000 / 38_700 - WORKFORCE / 3, "obstetrics": 6_600 / 38_700, "cancer": 0, "": 0})
    code, _, err = run(capsys, "explain", str(decided.path), "#1")
    assert code == 2
    assert "give two configurations to compare" in err
