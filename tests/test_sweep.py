"""Sweeps: designs, parameter parsing, resuming after an interruption or a killed process, local against Dask."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyarrow")

from optimiser import OptimiserError
from optimiser.sweeps import runner as sweeps
from optimiser.sweeps.runner import Design, ParamRange, open_sweep, parse_param, sweep

#: Columns that say how a scenario ran rather than what it gave.
HOW = ["seconds", "worker", "rebuilt"]
GRID_PARAMS = ["weights.travel=0.2,1.0,3.0", "demand.emergency=0.8:1.2", "weights.capital=0.1,1.0"]
GRID = Design.grid(GRID_PARAMS)
TINY = Path(__file__).parent / "data" / "tiny"


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns=HOW).reset_index(drop=True),
                                  b.drop(columns=HOW).reset_index(drop=True), check_exact=False, rtol=1e-9)


@pytest.fixture(scope="module")
def reference(tiny_instance, tmp_path_factory):
    """The grid swept in this process, uninterrupted."""
    return sweep(tiny_instance, GRID, out=tmp_path_factory.mktemp("reference") / "sweep", workers=0)


# --- parameters and designs -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("weights.travel=0.2:0.6", ParamRange("weights.travel", 0.2, 0.6)),
    ("speed.car.*=0.8,1,1.2", ParamRange("speed.car.*", 0.8, 1.2, values=(0.8, 1.0, 1.2))),
    ("demand.emergency=triangular(0.9, 1.05, 1.3)", ParamRange("demand.emergency", 0.9, 1.3, "triangular", 1.05)),
    ("demand.emergency=normal(1,0.1)", ParamRange("demand.emergency", 0.8, 1.2, "normal", 1.0, 0.1)),
    ("weights.capital=uniform(0,1e-1)", ParamRange("weights.capital", 0.0, 0.1)),
])
def test_parse_param(text, expected):
    assert parse_param(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("weights.travel", "cannot read the parameter 'weights.travel'"),
    ("weights.travel=0.6:0.2", "parameter 'weights.travel': LOW (0.6) is above HIGH (0.2)"),
    ("weights.travel=lognormal(1,2)", "cannot read the parameter 'weights.travel=lognormal(1,2)'"),
    ("d.x=triangular(1,0.5,2)", "parameter 'd.x': triangular(LOW,PEAK,HIGH) needs LOW ≤ PEAK ≤ HIGH"),
])
def test_parse_param_rejects(text, message):
    with pytest.raises(OptimiserError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_param(text)


def test_scenarios_are_deterministic_from_design_and_seed(tiny_instance):
    design = Design.monte_carlo(["weights.travel=0.2:0.6", "demand.emergency=normal(1,0.1)"], samples=50, seed=7)
    first, again = design.scenarios(tiny_instance), design.scenarios(tiny_instance)
    assert [s.name for s in first] == [f"s{i:06d}" for i in range(50)]
    assert first == again
    other = Design.monte_carlo(design.params, samples=50, seed=8).scenarios(tiny_instance)
    assert [s.overrides for s in other] != [s.overrides for s in first]
    values = np.array([s.overrides["demand.emergency"] for s in first])
    assert (values > 0).all()


def test_oat_and_grid_designs(tiny_instance):
    oat = Design.oat(["weights.travel=0.5:2", "demand.emergency=0.8:1.2"]).scenarios(tiny_instance)
    assert [s.overrides for s in oat] == [{}, {"weights.travel": 0.5}, {"weights.travel": 2.0},
                                          {"demand.emergency": 0.8}, {"demand.emergency": 1.2}]
    assert len(GRID.scenarios(tiny_instance)) == 3 * 3 * 2


def test_unknown_parameter_in_a_design_fails_before_any_work(tiny_instance, tmp_path):
    with pytest.raises(OptimiserError, match="unknown criterion 'access'"):
        sweep(tiny_instance, Design.oat(["weights.access=0:1"]), out=tmp_path / "s", workers=0)
    assert not (tmp_path / "s").exists()


# --- results, failures, summaries -------------------------------------------------------------

def test_results_have_one_row_per_scenario_and_the_dataset_layout(reference):
    results = reference.results
    assert list(results["scenario_id"]) == [f"s{i:06d}" for i in range(18)]
    assert (results["status"] == "optimal").all()
    assert results.loc[results["weights.travel"] == 3.0, "objective"].gt(
        results.loc[results["weights.travel"] == 0.2, "objective"].to_numpy()).all()
    out = reference.out
    assert (out / "sweep.json").is_file() and (out / "scenarios.parquet").is_file()
    assert all(p.name.startswith("part-") for p in (out / "results").iterdir())
    same(open_sweep(out).results, results)


def test_weight_only_scenarios_reuse_the_model_and_data_scenarios_rebuild(tiny_instance, tmp_path):
    design = Design.oat(["weights.travel=0.5:2", "demand.emergency=0.8:1.2"])
    results = sweep(tiny_instance, design, out=tmp_path / "s", workers=0).results.set_index("label")
    assert not results.loc[["base", "weights.travel=low", "weights.travel=high"], "rebuilt"].any()
    assert results.loc[["demand.emergency=low", "demand.emergency=high"], "rebuilt"].all()


def test_a_crashing_scenario_is_recorded_and_the_sweep_goes_on(tiny_instance, tmp_path):
    zero = {f"weights.{c}": 0.0 for c in tiny_instance.weights}
    design = Design.named({"base": {}, "no_weights": zero, "no_maternity": {"standard.obstetrics.min_volume": 1e9},
                           "after": {"weights.travel": 2.0}})
    result = sweep(tiny_instance, design, out=tmp_path / "s", workers=0)
    rows = result.results.set_index("label")
    assert list(rows["status"]) == ["optimal", "error", "infeasible", "optimal"]
    assert rows.loc["no_weights", "error"] == ("OptimiserError: every criterion weight is 0: "
                                               "give at least one a positive weight")
    assert rows.loc["no_maternity", "error"] == "" and np.isnan(rows.loc["no_maternity", "objective"])
    assert len(result.failed) == 1


def test_summary_ranks_and_tornado(tiny_instance, tmp_path):
    design = Design.oat(["weights.travel=0.05:3", "weights.capital=0:2"])
    result = sweep(tiny_instance, design, out=tmp_path / "s", workers=0)
    summary = result.summary()
    assert summary["optimal"].sum() == 5
    assert summary["optimal_share"].sum() == pytest.approx(1.0)
    tornado = result.tornado()
    assert list(tornado.columns[:4]) == ["parameter", "low", "base", "high"]
    assert tornado.loc[0, "parameter"] == "weights.travel"  # the largest swing first
    assert tornado["swing"].is_monotonic_decreasing
    assert tornado.set_index("parameter").loc["weights.travel", "at_base"] == result.results.loc[0, "objective"]
    ranks = result.ranks()
    assert list(ranks.index) == ["status_quo"]


def test_sobol_and_morris_indices_with_confidence_intervals(tiny_instance, tmp_path):
    pytest.importorskip("SALib")
    params = ["weights.travel=0.1:3", "weights.capital=0:2"]
    sobol = sweep(tiny_instance, Design.sobol(params, samples=16, seed=1), out=tmp_path / "sobol", workers=0)
    assert len(sobol.results) == 16 * 4
    indices = sobol.indices()
    objective = indices[indices["output"] == "objective"].set_index("parameter")
    assert set(objective.columns) >= {"S1", "S1_conf", "ST", "ST_conf", "S1_low", "S1_high"}
    assert objective["ST_conf"].notna().all()
    assert objective.loc["weights.travel", "ST"] > objective.loc["weights.capital", "ST"]
    morris = sweep(tiny_instance, Design.morris(params, trajectories=6, seed=1), out=tmp_path / "morris", workers=0)
    m = morris.indices()
    assert {"mu_star", "mu_star_conf", "sigma"} <= set(m.columns)
    assert m[m["output"] == "objective"]["mu_star"].notna().all()


# --- nothing lost -----------------------------------------------------------------------------

def test_an_interrupted_sweep_resumes_to_the_same_result_set(tiny_instance, tmp_path, monkeypatch, reference):
    out = tmp_path / "s"
    written = 0
    real = sweeps._write_batch

    def interrupted(folder, frame):
        nonlocal written
        if written == 5:
            raise KeyboardInterrupt
        written += 1
        return real(folder, frame)

    monkeypatch.setattr(sweeps, "_write_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sweep(tiny_instance, GRID, out=out, workers=0, batch_size=2)
    monkeypatch.undo()
    assert len(sweeps.read_results(out)) == 10
    resumed = sweep(tiny_instance, GRID, out=out, workers=2, batch_size=2)
    assert (resumed.ran, resumed.skipped) == (8, 10)
    same(resumed.results, reference.results)
    assert sweep(tiny_instance, GRID, out=out, workers=0).ran == 0  # finished: nothing runs again


def test_a_killed_sweep_resumes_to_the_same_result_set(tiny_instance, tmp_path, reference):
    """The sweep's process and its worker are killed (SIGKILL) mid-way; the resumed sweep completes it."""
    out = tmp_path / "s"
    script = ("from optimiser import load_instance; from optimiser.sweeps.runner import Design, sweep\n"
              "if __name__ == '__main__':\n"
              f"    sweep(load_instance({str(TINY)!r}), Design.grid({GRID_PARAMS!r}), out={str(out)!r}, workers=1,"
              " batch_size=1)\n")
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen([sys.executable, "-c", script], cwd=root, start_new_session=True,
                               env={**os.environ, "PYTHONPATH": str(root), "TMPDIR": str(tmp_path)})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list((out / "results").glob("part-*.parquet"))) < 3:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done = len(sweeps.read_results(out))
    assert 3 <= done < 18
    resumed = sweep(tiny_instance, GRID, out=out, workers=0)
    assert resumed.skipped == done and resumed.ran == 18 - done
    same(resumed.results, reference.results)


def test_another_design_in_the_same_folder_is_refused_and_nothing_is_removed(tiny_instance, reference):
    before = sorted(p.name for p in (reference.out / "results").iterdir())
    with pytest.raises(OptimiserError, match="holds another sweep \\(its design differs\\)"):
        sweep(tiny_instance, Design.oat(["weights.travel=0.2:0.6"]), out=reference.out, workers=0)
    assert sorted(p.name for p in (reference.out / "results").iterdir()) == before


def test_a_folder_of_other_files_is_refused(tiny_instance, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OptimiserError, match="already holds files and no sweep"):
        sweep(tiny_instance, GRID, out=tmp_path, workers=0)


# --- local processes and Dask -----------------------------------------------------------------

def test_local_processes_and_dask_give_identical_results(tiny_instance, tmp_path, reference):
    """Dask workers against the in-process reference (local worker processes are compared in the resume test)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None)
    with cluster, distributed.Client(cluster) as client:
        on_dask = sweep(tiny_instance, GRID, out=tmp_path / "dask", scheduler=client, batch_size=3)
        assert len(set(on_dask.results["worker"])) == 2
    same(on_dask.results, reference.results)
