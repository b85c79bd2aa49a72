"""The mse instance follows the Mid and South Essex STP update of October 2016 line by line, and carries
the July 2018 decision as a named option.

The slides quoted are "Three potential service delivery models" (its Service Givens column) and
"... which could be delivered in five site configurations", both version 11/10/16.
"""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from optimiser import load_instance
from optimiser.instance.configuration import Solution, option_configuration
from optimiser.search.engine import Engine, evaluate

#: Every item of the Service Givens column, in the slide's words, and the site that must host it (None:
#: the instance chooses the site, exactly one).
SERVICE_GIVENS = [
    ("Burns and plastics @ MEHT", "burns", "broomfield"),
    ("Cardiothoracic centre @ BTUHFT", "cardiothoracic", "basildon"),
    ("High dependency unit @ MEHT", "paediatric_hdu", "broomfield"),
    ("Cancer centre @ SUHFT", "cancer", "southend"),
    ("Spec. urology centre @ SUHFT", "specialist_urology", "southend"),
    ("Paediatric surgery @ 1 site (tbc)", "paediatric_surgery", None),
]
#: The one item no service line carries: the instance's sites are the three acute hospitals only.
NOT_MODELLED = "+/- standalone midwife led units @ community hospital sites"

#: Each hospital model's rows on the slide, as service lines in the role and out of it.
MODELS = {
    "seh": ({"emergency", "major_emergency", "critical_care", "obstetrics", "specialist_obstetrics", "neonatal",
             "paediatrics", "day_surgery"}, {"elective_inpatient"}),  # "Elective surgery by exception only"
    "ec": ({"emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "day_surgery",
            "elective_inpatient"}, {"major_emergency", "specialist_obstetrics"}),
    "lec": ({"emergency", "obstetrics", "neonatal", "day_surgery", "elective_inpatient"},
            {"critical_care", "paediatrics"}),  # elective surgical ICU only; paediatric assessment <24 h only
}

#: The five site configurations (BTUHFT = basildon, MEHT = broomfield, SUHFT = southend).
CONFIGURATIONS = {
    "1A": {"basildon": "seh", "broomfield": "ec", "southend": "ec"},
    "1B": {"basildon": "ec", "broomfield": "seh", "southend": "ec"},
    "1C": {"basildon": "ec", "broomfield": "ec", "southend": "seh"},
    "2A": {"basildon": "seh", "broomfield": "ec", "southend": "lec"},
    "2B": {"basildon": "ec", "broomfield": "seh", "southend": "lec"},
}


@pytest.fixture(scope="module")
def mse():
    return load_instance("mse")


@pytest.mark.parametrize(("wording", "service", "site"), SERVICE_GIVENS)
def test_every_service_given_of_the_slide_is_carried(mse, wording, service, site):
    spec = mse.services.loc[service]
    givens = mse.givens[mse.givens["service_id"] == service]
    if site is None:  # one site, which the model chooses
        assert (spec["min_sites"], spec["max_sites"]) == (1, 1)
        assert givens.empty
        assert f'"{wording}"' in spec["source"]
    else:
        assert [(g.site_id, g.hosts) for g in givens.itertuples()] == [(site, True)]
        assert f'"{wording}"' in givens["source"].iloc[0]
        assert spec["max_sites"] == 1


def test_standalone_midwife_led_units_are_said_to_be_outside_the_sites(mse):
    readme = (mse.path / "README.md").read_text(encoding="utf-8")
    assert f'"{NOT_MODELLED}"' in readme
    assert set(mse.sites["site_id"]) == {"basildon", "southend", "broomfield"}  # acute hospitals only


@pytest.mark.parametrize("role", MODELS)
def test_each_hospital_model_has_the_slides_rows(mse, role):
    services = set(mse.roles.loc[role, "services"])
    inside, outside = MODELS[role]
    assert inside <= services
    assert not outside & services


def test_day_cases_are_eighty_percent_of_elective_admissions(mse):
    """Day surgery is split from inpatient elective surgery at the national day-case share, 80%."""
    demand = mse.demand.sum()
    day, inpatient = demand["day_surgery"], demand["elective_inpatient"]
    assert day / (day + inpatient) == pytest.approx(0.80, rel=1e-4)  # rates rounded to 3 decimals
    assert day + inpatient == pytest.approx(217_000, rel=1e-3)


@pytest.mark.parametrize("option", CONFIGURATIONS)
def test_the_five_site_configurations(mse, option):
    assert mse.options.loc[option, "roles"] == CONFIGURATIONS[option]


def test_status_quo_is_the_2016_one_and_never_today(mse):
    assert mse.options.loc["status_quo", "name"] == "2016 status quo"
    for path in mse.path.iterdir():
        if path.suffix in (".csv", ".yaml", ".md"):
            assert "today's configuration" not in path.read_text(encoding="utf-8"), path.name


def test_the_2018_decision_is_a_named_option_with_its_source(mse):
    """All three sites keep A&E, maternity, children's services and intensive care; Basildon is the
    specialist emergency hospital with the vascular arterial centre; Southend keeps cancer and urological
    cancer surgery; Broomfield burns and plastics; planned inpatient surgery leaves the emergency hub."""
    decision = option_configuration(mse, "decision_2018")
    for service in ("emergency", "obstetrics", "neonatal", "paediatrics", "critical_care", "day_surgery"):
        assert decision.sites_of(service) == ["basildon", "broomfield", "southend"], service
    assert decision.sites_of("major_emergency") == decision.sites_of("vascular") == ["basildon"]
    assert decision.sites_of("specialist_urology") == decision.sites_of("cancer") == ["southend"]
    assert decision.sites_of("burns") == ["broomfield"]
    assert "basildon" not in decision.sites_of("elective_inpatient")
    source = mse.options.loc["decision_2018", "source"]
    assert "Decision Making Business Case" in source and "6 July 2018" in source
    assert isinstance(evaluate(mse, decision), Solution)


def test_vascular_hub_and_spoke_with_its_catchment(mse):
    """One arterial centre, at least the ~800,000 people of NHS England's specification: 800,000 × 0.6 per
    1,000 = 480 arterial admissions a year; spokes within 60 minutes by blue light."""
    vascular = mse.services.loc["vascular"]
    assert vascular["max_sites"] == 1
    assert vascular["min_volume"] == pytest.approx(800_000 * vascular["demand_per_1000"] / 1000)
    rules = mse.codependencies.set_index(["service_a", "rule", "service_b"])
    assert rules.loc[("vascular_spoke", "within", "vascular"), "within_min"] == 60


def test_a_neonatal_unit_never_stands_without_obstetrics(mse):
    rules = set(mse.codependencies[["service_a", "rule", "service_b"]].itertuples(index=False, name=None))
    assert {("neonatal", "colocated", "obstetrics"), ("obstetrics", "colocated", "neonatal")} <= rules
    decision = option_configuration(mse, "decision_2018")
    orphan = replace(decision, hosts=decision.hosts - {("southend", "obstetrics")})
    assert not isinstance(evaluate(mse, orphan), Solution)


def test_sources_are_the_public_documents_not_project_notes(mse):
    for path in mse.path.iterdir():
        if path.suffix in (".csv", ".yaml", ".md", ".py"):
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"CASES\.md|RULES\.md|seed 00\d|seeds/", text), path.name


def test_the_best_configuration_is_the_2018_decision(mse):
    """With the instance's weights (travel 1, capital, running, workforce 0.25, disruption 0.1) the best
    configuration is exactly the decision: objective 1.405950 (instances/mse/derive.py --flips)."""
    best = Engine.build(mse).solve().best
    assert best.configuration == option_configuration(mse, "decision_2018")
    assert best.objective == pytest.approx(1.405950, abs=1e-6)


@pytest.mark.parametrize(("weights", "site"), [({"capital": 0.1186}, "basildon"), ({"capital": 0.1180}, "southend"),
                                               ({"travel": 1.444}, "basildon"), ({"travel": 1.447}, "southend")])
def test_the_measured_flips_of_the_readme(mse, weights, site):
    """derive.py --flips found by bisection that the specialist emergency hospital moves to Southend when
    the capital weight falls below 0.1182-0.1184 or the travel weight rises above 1.445-1.446."""
    best = Engine.build(mse).solve(weights=weights).best
    assert best.configuration.role_of[site] == "seh"


def test_without_day_surgery_in_the_specialist_emergency_hospital_southend_would_win(mse):
    """The instance before this reading of the slide left day surgery out of the SEH: its best put the SEH
    at Southend, an artefact of the missing day cases (they then travel to the other two sites)."""
    roles = mse.roles.copy()
    roles.at["seh", "services"] = [s for s in roles.at["seh", "services"] if s != "day_surgery"]
    best = Engine.build(replace(mse, tables={**mse.tables, "roles": roles})).solve().best
    assert best.configuration.role_of["southend"] == "seh"
