"""The appraisal: measures on a hand-checkable instance, scores, hurdles, ranks and their robustness."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimiser.appraisal.metrics import nearest_allocation
from optimiser.appraisal.scores import appraise, linear_scores, rank_acceptability, weight_ranges
from optimiser.instance.configuration import option_configuration
from optimiser.instance.travel import travel_times


@pytest.fixture(scope="module")
def status_quo_appraisal(tiny_instance):
    return appraise(tiny_instance, {"today": option_configuration(tiny_instance, "status_quo")},
                    sources={"today": "status quo"}, samples=1000)


def value(appraisal, measure, service="", mode=""):
    rows = appraisal.metrics.query("measure == @measure and service == @service and mode == @mode")
    (found,) = rows["value"].tolist()
    return found


def test_nearest_allocation_sends_each_zone_to_the_closest_hosting_site(tiny_instance):
    """Obstetrics at north and south: z_east is 18 min from both and goes to the first listed, north."""
    times = {m: travel_times(tiny_instance, m) for m in tiny_instance.mode_names}
    allocation = nearest_allocation(tiny_instance, option_configuration(tiny_instance, "status_quo"), times)
    obstetrics = allocation[allocation["service_id"] == "obstetrics"].set_index("zone_id")["site_id"]
    assert obstetrics.to_dict() == {"z_north": "north", "z_mid": "north", "z_south": "south", "z_east": "north"}


def test_travel_measures_of_the_status_quo(status_quo_appraisal):
    """Emergency by car, zones at 0, 6, 0, 18 min with 50k, 30k, 60k, 40k people:
    mean (30k×6 + 40k×18) / 180k = 5.0; 95th percentile 18 (cumulative 61%, 78%, 100%);
    worst 18; the two most deprived quintiles (z_south, z_mid): 30k×6 / 90k = 2.0.
    All services, weighted by activity: (180,000 + 9,000 + 9,900) / 38,700."""
    a = status_quo_appraisal
    assert value(a, "mean_travel_min", "emergency", "car") == pytest.approx(5.0)
    assert value(a, "p95_travel_min", "emergency", "car") == pytest.approx(18.0)
    assert value(a, "worst_zone_min", "emergency", "car") == pytest.approx(18.0)
    assert value(a, "deprived_mean_travel_min", "emergency", "car") == pytest.approx(2.0)
    assert value(a, "mean_travel_min", "", "car") == pytest.approx(198_900 / 38_700)
    assert value(a, "within_standard_share", "obstetrics", "car") == pytest.approx(1.0)  # all within 30 min


def test_configuration_measures_of_the_status_quo(status_quo_appraisal):
    """Two emergency departments × 2 rotas; east must be built for cancer (GBP 120m); nothing moves."""
    a = status_quo_appraisal
    assert value(a, "rotas_24_7") == 4
    assert value(a, "consultant_posts") == 40
    assert value(a, "capital_gbp_m") == pytest.approx(120)
    assert value(a, "moves") == 0
    assert value(a, "volume_shortfall") == 0


def test_volumes_and_equity(status_quo_appraisal):
    """Obstetrics volumes: north 500 + 300 + 400 = 1,200 (z_mid and z_east tie and go north), south 600."""
    volumes = status_quo_appraisal.volumes.query("service_id == 'obstetrics'").set_index("site_id")["volume"]
    assert volumes.to_dict() == {"north": pytest.approx(1200), "south": pytest.approx(600)}
    equity = status_quo_appraisal.equity.query("mode == 'car'").set_index("deprivation_quintile")["minutes"]
    assert list(equity.index) == [1, 2, 4, 5]


def test_linear_scores():
    np.testing.assert_allclose(linear_scores(np.array([10.0, 20.0, 30.0]), "lower"), [10, 5, 0])
    np.testing.assert_allclose(linear_scores(np.array([10.0, 20.0, 30.0]), "higher"), [0, 5, 10])
    np.testing.assert_allclose(linear_scores(np.array([7.0, 7.0]), "lower"), [10, 10])
    np.testing.assert_allclose(linear_scores(np.array([np.nan, np.nan]), "lower"), [10, 10])  # no All-NaN warning


def test_rank_acceptability_matches_the_exact_answer_on_two_options():
    """A scores (10, 0), B (0, 10); w1 ~ U[0, 1], w2 ~ U[0, 2]. A is first when w1 > w2:
    P = ∫₀¹ (w1 / 2) dw1 = 1/4."""
    scores = pd.DataFrame([[10.0, 0.0], [0.0, 10.0]], index=["A", "B"], columns=["c1", "c2"])
    table = rank_acceptability(scores, np.array([[0.0, 1.0], [0.0, 2.0]]), samples=200_000, seed=1)
    assert table.loc["A", 1] == pytest.approx(0.25, abs=0.004)
    assert table.loc["B", 1] == pytest.approx(0.75, abs=0.004)
    np.testing.assert_allclose(table.sum(axis=1), 1.0)
    again = rank_acceptability(scores, np.array([[0.0, 1.0], [0.0, 2.0]]), samples=200_000, seed=1)
    pd.testing.assert_frame_equal(table, again)


def test_weight_ranges_are_exact_crossing_points():
    """A (10, 0) beats B (0, 10) at weights (0.6, 0.4). With w2 fixed at 0.4, A stays top while
    10·w1 ≥ 4, so w1 ≥ 0.4; with w1 fixed at 0.6, while w2 ≤ 0.6."""
    scores = pd.DataFrame([[10.0, 0.0], [0.0, 10.0]], index=["A", "B"], columns=["c1", "c2"])
    ranges = weight_ranges(scores, pd.Series({"c1": 0.6, "c2": 0.4})).set_index("criterion")
    assert ranges.loc["c1", ["low", "high"]].tolist() == [pytest.approx(0.4), np.inf]
    assert ranges.loc["c2", ["low", "high"]].tolist() == [0.0, pytest.approx(0.6)]


def test_hurdles_rank_only_options_that_pass(tiny):
    """A configuration breaking the colocated rule (obstetrics at east without emergency) fails the
    rules hurdle and is listed without a rank; the status quo passes."""
    from optimiser import load_instance
    from optimiser.instance.configuration import Configuration

    instance = load_instance(tiny.path)
    today = option_configuration(instance, "status_quo")
    broken = Configuration.of(today.hosts | {("east", "obstetrics")}, today.role_of, name="broken")
    a = appraise(instance, {"today": today, "broken": broken}, samples=100)
    ranking = a.ranking.set_index("option")
    assert ranking.loc["today", "rank"] == 1
    assert np.isnan(ranking.loc["broken", "rank"])
    assert a.hurdles.set_index("option").loc["broken", "passed"] == False  # noqa: E712
    assert a.recommended == "today"


def test_mse_study_ranks_the_optimiser_and_the_named_options_together():
    from optimiser import load_instance
    from optimiser.appraisal.study import study

    mse = load_instance("mse")
    result = study(mse, top=3, samples=2000)
    a = result.appraisal
    assert set(a.options.index) == {"#1", "#2", "#3", "status_quo", "1A", "1B", "1C", "2A", "2B",
                                     "decision_2018"}
    assert a.options.loc["status_quo", "source"] == "status quo"
    failed = set(a.ranking.loc[a.ranking["rank"].isna(), "option"])
    assert failed == {"status_quo", "2A", "2B"}  # they break clinical rules (see tests/test_solve.py)
    np.testing.assert_allclose(a.acceptability.sum(axis=1), 1.0)
    assert len(result.checksum) == 64


def test_transfers_follow_the_rules_transfer_share(tiny):
    """Obstetrics needs cancer within 30 minutes, half of its patients transferring when cancer is not on
    site. Today obstetrics is at north (1,200 births) and south (600), cancer only at east: 0.5 × 1,800."""
    from optimiser import load_instance

    tiny.write("codependencies.csv", "service_a,rule,service_b,within_min,mode,transfer_share\n"
                                     "obstetrics,colocated,emergency,,,\n"
                                     "obstetrics,within,cancer,30,car,0.5\n")
    instance = load_instance(tiny.path)
    a = appraise(instance, {"today": option_configuration(instance, "status_quo")}, samples=10)
    assert value(a, "transfers_per_year") == pytest.approx(900)


@pytest.fixture
def small_units(tiny):
    """tiny with a 300-birth minimum (500 today), so that a third acute hospital at east (400 births) is safe."""
    from optimiser import load_instance

    return load_instance(tiny.replace("services.yaml", "min_volume: 500", "min_volume: 300").path)


def _three(instance):
    """An acute hospital at north, south and east (new), cancer at east: meets every rule of small_units."""
    from optimiser.instance.configuration import Configuration

    sites = ("north", "south", "east")
    return Configuration.of({(s, l) for s in sites for l in ("emergency", "obstetrics")} | {("east", "cancer")},
                            dict.fromkeys(sites, "acute"), name="three")


def _broken(instance):
    """Obstetrics at east without emergency: breaks the colocated rule."""
    from optimiser.instance.configuration import Configuration

    today = option_configuration(instance, "status_quo")
    return Configuration.of(today.hosts | {("east", "obstetrics")}, today.role_of, name="broken")


def test_scores_do_not_move_when_a_hurdle_failed_option_is_added(small_units):
    """The default criteria score min-max over the options passing the hurdles only, so a failed option
    changes no score; it is listed unscored, with the rule it breaks in words."""
    options = {"today": option_configuration(small_units, "status_quo"), "three": _three(small_units)}
    before = appraise(small_units, options, sources={"today": "status quo"}, samples=100)
    assert before.ranking["passed_hurdles"].all()
    after = appraise(small_units, options | {"broken": _broken(small_units)}, sources={"today": "status quo"},
                     samples=100)
    pd.testing.assert_frame_equal(after.scores.loc[["today", "three"]], before.scores)
    assert after.scores.loc["broken"].isna().all()
    hurdle = after.hurdles.set_index("option").loc["broken"]
    assert not hurdle["passed"]
    assert hurdle["detail"] == ("obstetrics at east needs emergency on the same site, but east does not host "
                                "emergency; east hosts obstetrics, which only a role brings (acute), but east takes "
                                "no role")


def _criteria(**scale):
    """One hurdle and one evaluation criterion (mean travel per patient journey) on the given scale."""
    from optimiser.appraisal.scores import DEFAULT_CRITERIA

    criteria = DEFAULT_CRITERIA.loc[["rules", "access"]].assign(score_step=np.nan)
    for column, value in scale.items():
        criteria.loc["access", column] = value
    return criteria


def test_fixed_scale_scores_against_stated_bounds(tiny_instance):
    """Today's mean trip is 198,900 / 38,700 = 5.14 min (tests/test_metrics.py); on a scale of 10 at 0 min and
    0 at 10 min it scores 10 × (1 − 0.514) = 4.86, whatever else is listed."""
    today = option_configuration(tiny_instance, "status_quo")
    alone = appraise(tiny_instance, {"today": today}, criteria=_criteria(score_10=0.0, score_0=10.0), samples=10)
    assert alone.scores.loc["today", "access"] == pytest.approx(10 - 198_900 / 38_700)
    both = appraise(tiny_instance, {"today": today, "other": _broken(tiny_instance)},
                    criteria=_criteria(score_10=0.0, score_0=10.0), samples=10)
    assert both.scores.loc["today", "access"] == alone.scores.loc["today", "access"]


def test_status_quo_scale_scores_the_change(small_units):
    """−5..+5 against the status quo: today scores 0; an option whose mean trip is d minutes shorter scores
    5·d/step (held at +5): with a step of 1 minute, +5."""
    today = option_configuration(small_units, "status_quo")
    a = appraise(small_units, {"today": today, "three": _three(small_units)},
                 sources={"today": "status quo"}, criteria=_criteria(score_step=100.0), samples=10)
    travel = a.metrics.query("measure == 'mean_travel_min' and service == '' and mode == ''").set_index("option")
    shorter = travel.loc["today", "value"] - travel.loc["three", "value"]
    assert shorter > 0
    assert a.scores.loc["today", "access"] == 0.0
    assert a.scores.loc["three", "access"] == pytest.approx(5 * shorter / 100)
    held = appraise(small_units, {"today": today, "three": _three(small_units)},
                    sources={"today": "status quo"}, criteria=_criteria(score_step=1.0), samples=10)
    assert held.scores.loc["three", "access"] == 5.0


def test_half_a_fixed_scale_is_an_error(tiny_instance):
    from optimiser import OptimiserError

    with pytest.raises(OptimiserError, match="criterion 'access': give score_0 and score_10"):
        appraise(tiny_instance, {"today": option_configuration(tiny_instance, "status_quo")},
                 criteria=_criteria(score_10=0.0), samples=10)


def test_no_zone_in_the_most_deprived_quintiles_is_no_warning(tiny):
    """With every zone in quintile 3 or above, the deprived measure has no one to measure: it is blank, and
    every option scores alike on it: 0 against the status quo (filterwarnings = error turns an All-NaN
    RuntimeWarning into a failure)."""
    from optimiser import load_instance

    tiny.replace("zones.csv", "30000,2,A", "30000,3,A").replace("zones.csv", "60000,1,B", "60000,3,B")
    instance = load_instance(tiny.replace("services.yaml", "min_volume: 500", "min_volume: 300").path)
    a = appraise(instance, {"today": option_configuration(instance, "status_quo"), "three": _three(instance)},
                 samples=10)
    assert a.metrics.query("measure == 'deprived_mean_travel_min'")["value"].isna().all()
    assert a.scores["equity"].tolist() == [0.0, 0.0]


def test_default_criteria_score_against_the_status_quo_even_when_it_is_not_listed(small_units):
    """The defaults score −5..+5 against the status quo, ±5 at 5 minutes of mean trip: listed alone, the
    three-hospital option is scored against the status quo measured aside, 5·(today − three)/5."""
    today = appraise(small_units, {"today": option_configuration(small_units, "status_quo")},
                     sources={"today": "status quo"}, samples=10)
    three = appraise(small_units, {"three": _three(small_units)}, samples=10)
    travel = {a.options.index[0]: a.metrics.query("measure == 'mean_travel_min' and service == '' and mode == ''")[
        "value"].iloc[0] for a in (today, three)}
    assert today.scores.loc["today", "access"] == 0.0
    assert three.scores.loc["three", "access"] == pytest.approx(travel["today"] - travel["three"])
