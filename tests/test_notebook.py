"""Results in a notebook: one-line reprs, small HTML views, a watcher told only news."""

from __future__ import annotations

import itertools

import pytest

from optimiser import load_instance
from optimiser.appraisal.study import study
from optimiser.search.engine import Engine
from solvers.highs import Progress, SolverOptions


@pytest.fixture(scope="module")
def mse():
    return load_instance("mse")


@pytest.fixture(scope="module")
def engine(mse) -> Engine:
    return Engine.build(mse)


def test_reprs_are_one_line_each(mse, engine):
    """The MSE model: 3 sites × 17 services and their allocation pairs (1,396 columns, 2,388 rows, the
    numpy builder's); its optimum 1.405950, the July 2018 decision, hosts 32 services (tests/test_extend.py)."""
    result = engine.solve(top=3)
    assert repr(mse) == "Instance('mse': 3 sites, 26 zones, 17 services, 7 named options)"
    assert repr(engine) == "Engine('mse': matrix builder, 1,396 columns × 2,388 rows)"
    assert repr(result) == "SolveResult('mse': optimal, 3 ranked, best 1.40595)"
    assert repr(result.best) == "RankedSolution(objective 1.40595, optimal, 32 services hosted)"


def test_html_views_show_the_tables_a_reader_needs_first(mse, engine):
    result = engine.solve(top=2)
    page = result._repr_html_()
    assert "<strong>mse: 2 configurations ranked</strong>" in page
    assert "status: optimal" in page and "builder: matrix" in page
    assert page.count("<table") == 2  # the ranking and the hosts
    solution = result.best._repr_html_()
    assert "<em>hosts</em>" in solution and "<em>criteria</em>" in solution and "southend" in solution
    instance = mse._repr_html_()
    assert "<strong>mse: Mid and South Essex - three acute hospital sites (2016 configurations)</strong>" in instance
    assert "<em>yearly demand</em> (first 12 of 26)" in instance  # 26 zones, the first 12 shown


@pytest.mark.slow
def test_the_appraisal_view_names_the_recommendation(mse):
    appraisal = study(mse, top=1, samples=100).appraisal
    assert repr(appraisal) == f"Appraisal('mse': {len(appraisal.options)} options, recommended #1)"
    assert "recommended: #1" in appraisal._repr_html_()


def test_progress_reads_as_words():
    assert str(Progress(48.2, 1.25541, 1.25047, 0.003938, 0)) == "best 1.2554, bound 1.2505 (gap 0.39%) after 48 s"
    assert str(Progress(3.0, 1.2, 1.2, 0.0, 5)) == "best 1.2000, bound 1.2000 (gap 0) after 3 s"
    assert str(Progress(9.0, 1.3, None, float("inf"), 0)) == "best 1.3000 (gap no bound yet) after 9 s"


def test_a_watcher_hears_no_news_twice(mse, capsys):
    """``watch=print`` on MSE, told every HiGHS report and heartbeat (interval 0): each line differs
    from the one before it in objective, bound or gap, and reads as words."""
    engine = Engine.build(mse, solver=SolverOptions(watch_interval_s=0.0))
    heard: list[Progress] = []
    engine.solve(top=3, watch=heard.append)
    assert heard, "the watcher heard nothing"
    news = [(p.objective, p.bound, p.gap, p.provisional) for p in heard]
    assert all(a != b for a, b in itertools.pairwise(news))
    print(heard[0])
    assert capsys.readouterr().out.endswith(" s\n")


def test_the_sweep_view_counts_its_scenarios(tiny_instance, tmp_path):
    """An OAT design of one parameter: the base scenario, then low and high: 3 scenarios, all solved."""
    pytest.importorskip("dask")
    from optimiser.sweeps.runner import Design, sweep

    result = sweep(tiny_instance, Design.oat(["weights.travel=0.5:2"]), out=tmp_path / "s", workers=0)
    assert repr(result) == f"SweepResult('tiny': oat design, 3 solved, 0 failed, in {tmp_path / 's'})"
    assert "<em>how often each configuration is best</em>" in result._repr_html_()
