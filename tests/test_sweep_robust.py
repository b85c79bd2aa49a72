"""Sweeps never hang or leak: workers that die at start-up stop the sweep with a message, workers end with
their sweep's process, and a folder interrupted at any write resumes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

pytest.importorskip("pyarrow")

from optimiser import OptimiserError
from optimiser.sweeps import runner as sweeps
from optimiser.sweeps.runner import Design, open_sweep, read_results, sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).parent / "data" / "tiny"
GRID_PARAMS = ["weights.travel=0.2,1.0,3.0", "demand.emergency=0.8:1.2"]
GRID = Design.grid(GRID_PARAMS)
#: Seconds a test waits for processes to end before calling them leaked.
PATIENCE_S = 10


def run_script(script: Path, text: str, *, env: dict[str, str] | None = None, **kwargs) -> subprocess.Popen:
    """``text`` saved as ``script`` and run by a new Python process in its own session (so that what it
    leaves behind can be cleaned up), with this worktree first on the path and ``env`` set."""
    script.write_text(text, encoding="utf-8")
    return subprocess.Popen([sys.executable, str(script)], cwd=ROOT, start_new_session=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}, **kwargs)


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper has ended)."""
    psutil = pytest.importorskip("psutil")
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def end_session(process: subprocess.Popen) -> None:
    """Kill whatever the test's script left in its session, so a failing test leaks nothing."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


# --- a worker that dies at start-up -------------------------------------------------------------

@pytest.mark.slow
def test_a_script_without_the_main_guard_stops_at_once_with_what_to_do(tmp_path):
    """The README's sweep of ``mse`` saved as a script without ``if __name__ == "__main__":``: each spawned
    worker imports the script, calls sweep() again while starting and dies. The sweep used to block for ever
    (the instance, 81 KB pickled, outgrew the spawn pipe a dead worker never read; with a smaller one it
    re-spawned workers for every scenario and wrote each as failed). It stops within seconds saying what
    to do, and keeps a folder that resumes (no scenario recorded as failed)."""
    out = tmp_path / "out"
    process = run_script(
        tmp_path / "unguarded.py",
        "from optimiser import load_instance\n"
        "from optimiser.sweeps.runner import Design, sweep\n"
        "mse = load_instance('mse')\n"
        f"sweep(mse, Design.grid(['weights.travel=0.5,1,2']), out={str(out)!r}, workers=2)\n",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _, stderr = process.communicate(timeout=90)
    finally:
        end_session(process)
    assert process.returncode == 1
    assert stderr.strip().splitlines()[-1] == (
        "optimiser.errors.OptimiserError: the sweep's worker processes died as they started, before solving "
        "any scenario (their error is printed above). A script that runs a sweep must call it under "
        "'if __name__ == \"__main__\":', since each worker process imports the script; or pass workers=0 "
        f"(--workers 0) to solve in this process. 0 of 3 results are written in {out}: run the sweep again "
        "to resume it.")
    assert open_sweep(out).results.empty
    assert len(pd.read_parquet(out / "scenarios.parquet")) == 3


@pytest.mark.slow
def test_the_worked_example_runs_as_a_script(tmp_path):
    """examples/sweep_mse.py, run as written (guarded, with spawned workers), a few scenarios per design:
    the one-at-a-time design has 1 + 2 · 5 scenarios, Monte Carlo 8, Sobol 4 · (3 + 2)."""
    pytest.importorskip("SALib")
    completed = subprocess.run([sys.executable, "examples/sweep_mse.py", str(tmp_path), "--quick"], cwd=ROOT,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True,
                               timeout=600)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.rstrip().endswith(f"8 Monte Carlo results in {tmp_path / 'montecarlo'}")
    for design, scenarios in [("oat", 11), ("montecarlo", 8), ("sobol", 20)]:
        results = read_results(tmp_path / design)
        assert len(results) == scenarios
        assert (results["status"] == "optimal").all()


# --- a killed sweep leaves no process behind --------------------------------------------------

@pytest.mark.slow
def test_workers_and_the_resource_tracker_end_when_the_sweep_process_is_killed(tmp_path):
    """SIGKILL of the process running a sweep (its workers mid-way through 400 scenarios): every process
    it started (two workers and multiprocessing's resource tracker) ends within seconds, and the workers
    remove the temporary file the instance came to them in."""
    psutil = pytest.importorskip("psutil")
    out, temporary = tmp_path / "out", tmp_path / "tmp"
    temporary.mkdir()
    process = run_script(
        tmp_path / "long.py",
        "from optimiser import load_instance\n"
        "from optimiser.sweeps.runner import Design, sweep\n"
        "if __name__ == '__main__':\n"
        f"    sweep(load_instance({str(TINY)!r}), Design.monte_carlo(['demand.emergency=0.8:1.2'], samples=400),\n"
        f"          out={str(out)!r}, workers=2, batch_size=1)\n", env={"TMPDIR": str(temporary)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list((out / "results").glob("part-*.parquet"))) < 4:
            time.sleep(0.02)
        started = [child.pid for child in psutil.Process(process.pid).children(recursive=True)]
        assert [p.name for p in temporary.glob("optimiser-sweep-*/*")] == ["instance.pickle"]
        assert len(started) == 3, "two workers and the resource tracker"
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        deadline = time.monotonic() + PATIENCE_S
        while time.monotonic() < deadline and any(alive(pid) for pid in started):
            time.sleep(0.1)
        assert [pid for pid in started if alive(pid)] == []
        assert list(temporary.iterdir()) == []
        assert len(read_results(out)) < 400
    finally:
        end_session(process)


# --- a folder interrupted at any write --------------------------------------------------------

class Killed(BaseException):
    """The sweep's process stopping at a chosen write, as SIGKILL would stop it there."""


@pytest.mark.parametrize("renames", [0, 1, 2])
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_folder_interrupted_at_any_write_resumes(tiny_instance, tmp_path, monkeypatch, renames, when):
    """Every file of a sweep folder is written to a temporary name and renamed; the process is stopped just
    before or just after the rename number ``renames`` (0: the manifest, 1: the scenarios table, 2: the first
    batch of results). Run again, the sweep resumes and ends with what an uninterrupted sweep gives."""
    out = tmp_path / "s"
    real, count = os.replace, 0

    def replace(source, target):
        nonlocal count
        count += 1
        if count - 1 == renames and when == "before":
            raise Killed
        real(source, target)
        if count - 1 == renames:
            raise Killed

    monkeypatch.setattr(sweeps.os, "replace", replace)
    with pytest.raises(Killed):
        sweep(tiny_instance, GRID, out=out, workers=0, batch_size=4)
    monkeypatch.undo()
    resumed = sweep(tiny_instance, GRID, out=out, workers=0, batch_size=4)
    assert resumed.ran + resumed.skipped == 9
    assert resumed.skipped == (4 if (renames, when) == (2, "after") else 0)
    assert list(resumed.results["scenario_id"]) == [f"s{i:06d}" for i in range(9)]
    assert (resumed.results["status"] == "optimal").all()
    scenarios = pd.read_parquet(out / "scenarios.parquet")
    assert list(scenarios["scenario_id"]) == list(resumed.results["scenario_id"])


def test_a_file_as_the_sweep_folder_is_refused(tiny_instance, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(OptimiserError, match=r"notes.txt is a file: write the sweep to a new or empty folder$"):
        sweep(tiny_instance, GRID, out=tmp_path / "notes.txt", workers=0)
    assert (tmp_path / "notes.txt").read_text() == "mine"
