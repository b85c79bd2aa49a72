"""The Pyomo model in users' hands: a rule of one's own through the engine, and the model exported."""

from __future__ import annotations

import datetime
import json

import highspy
import pyomo.environ as pyo
import pytest

from optimiser import load_instance
from optimiser.appraisal.checker import check_solution
from optimiser.appraisal.study import study
from optimiser.cli.app import main
from optimiser.search.engine import SolveResult, evaluate, solve
from optimiser.search.export import export_model

#: The regional specialties of Mid and South Essex (cancer, cardiothoracic, burns and vascular surgery).
SPECIALIST = ("cancer", "cardiothoracic", "burns", "vascular")


def southend_keeps_two_specialist_services(model: pyo.ConcreteModel, data) -> None:
    """Southend hosts at least two of the specialist services (today it hosts cancer alone)."""
    model.southend_specialist = pyo.Constraint(expr=sum(model.y["southend", l] for l in SPECIALIST) >= 2)


def southend_specialist(hosts) -> int:
    return sum(("southend", l) in hosts for l in SPECIALIST)


@pytest.fixture(scope="module")
def mse():
    return load_instance("mse")


@pytest.fixture(scope="module")
def unruled(mse) -> SolveResult:
    """The instance's own ranking, distinct in every service and deep enough to reach a configuration
    that meets the rule (rank 9)."""
    return solve(mse, top=9, distinct="all")


def test_a_rule_of_ones_own_is_ranked_by_the_engine(mse, unruled):
    """The ranking without the rule is exhaustive in objective order, so its first configuration
    that meets the rule is the optimum with it: rank 9, Southend with cancer and vascular surgery
    (1.411136). The extended engine must find the same objective, rank only configurations that
    meet the rule, and each must meet every rule of the instance by the independent checker."""
    first_meeting = next(r for r in unruled.ranked if southend_specialist(r.configuration.hosts) >= 2)
    assert first_meeting.rank == 9
    ruled = solve(mse, top=3, extend=southend_keeps_two_specialist_services)
    assert ruled.best.objective == pytest.approx(first_meeting.objective, rel=1e-9)
    assert ruled.best.objective == pytest.approx(1.411136, abs=1e-6)
    assert all(southend_specialist(r.configuration.hosts) >= 2 for r in ruled.ranked)
    assert [r.objective for r in ruled.ranked] == sorted(r.objective for r in ruled.ranked)
    for r in ruled.ranked:
        assert check_solution(mse, r.configuration, r.allocation, r.expansion) == []
    assert (ruled.builder, ruled.extension) == ("pyomo", "southend_keeps_two_specialist_services")
    assert (unruled.builder, unruled.extension) == ("matrix", None)


def test_evaluation_under_the_rule_refuses_a_configuration_that_breaks_it(mse, unruled):
    """The unruled optimum keeps cancer alone at Southend: feasible without the rule, not with it."""
    best = unruled.best.configuration
    assert evaluate(mse, best).objective == pytest.approx(unruled.best.objective, rel=1e-9)
    refused = evaluate(mse, best, extend=southend_keeps_two_specialist_services)
    assert not refused.has_solution and refused.status.value == "infeasible"


@pytest.mark.slow
def test_the_study_and_its_report_footer_name_the_rule(mse):
    render = pytest.importorskip("reports.render")
    result = study(mse, top=1, samples=100, extend=southend_keeps_two_specialist_services)
    assert result.solver["builder"] == "pyomo"
    assert southend_specialist(result.configurations["#1"].hosts) >= 2
    footer = render.footer(result, datetime.date(2026, 1, 1))
    assert footer["model"] == ("stated in Pyomo and compiled, with the user's rules of "
                               "southend_keeps_two_specialist_services")


def _highs_optimum(path) -> tuple[float, list[str]]:
    """The file read back by HiGHS alone and solved: its optimum and its column names."""
    h = highspy.Highs()
    h.silent()
    assert h.readModel(str(path)) == highspy.HighsStatus.kOk
    h.run()
    assert h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return h.getInfo().objective_function_value, list(h.getLp().col_names_)


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_the_exported_model_read_back_by_highs_has_the_engines_optimum(mse, unruled, tmp_path, suffix):
    """Written with readable names and the weighted objective, the file solved by HiGHS alone
    gives the engine's optimum (1.405950, rank 1 of the MSE ranking: the July 2018 decision)."""
    path = tmp_path / f"mse{suffix}"
    export_model(mse, path)
    optimum, columns = _highs_optimum(path)
    assert optimum == pytest.approx(unruled.best.objective, rel=1e-9)
    assert {"y(southend_cancer)", "x(billericay_basildon_emergency)"} <= set(columns)


def test_the_exported_model_carries_the_users_rule(mse, unruled, tmp_path):
    path = tmp_path / "mse.lp"
    export_model(mse, path, extend=southend_keeps_two_specialist_services)
    assert "southend_specialist" in path.read_text()
    assert _highs_optimum(path)[0] == pytest.approx(unruled.ranked[8].objective, rel=1e-9)


def test_cli_export_model(capsys, tmp_path):
    target = tmp_path / "mse.mps"
    assert main(["export-model", "mse", str(target)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {target}"
    assert main(["export-model", "mse", str(target)]) == 2
    assert f"{target} exists: choose a new file name, or pass --force to replace it" in capsys.readouterr().err
    assert main(["export-model", "mse", str(tmp_path / "mse.txt")]) == 2
    assert f"{tmp_path / 'mse.txt'}: write the model to a .mps or .lp file" in capsys.readouterr().err


def test_cli_solve_says_which_builder_ran(capsys):
    assert main(["solve", "mse", "--builder", "pyomo", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["builder"], document["extension"]) == ("pyomo", None)
    assert document["ranked"][0]["objective"] == pytest.approx(1.405950, abs=1e-6)
    assert main(["solve", "mse"]) == 0
    assert "(matrices assembled with numpy)" in capsys.readouterr().out
