"""The tutorial notebook runs from top to bottom, as a reader would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


@pytest.mark.slow
def test_the_tutorial_notebook_runs():
    """Every cell executes without error; the rule of one's own costs the MSE optimum 0.0052
    (1.411136 against 1.405950, tests/test_extend.py)."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    notebook = nbformat.read(ROOT / "examples" / "tutorial_mse.ipynb", as_version=4)
    nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT)}}).execute()
    outputs = {cell.source.splitlines()[-1]: cell.outputs for cell in notebook.cells if cell.cell_type == "code"}
    ruled = outputs["ruled.builder, ruled.extension, round(ruled.best.objective - best.objective, 4)"]
    assert ruled[0]["data"]["text/plain"] == "('pyomo', 'southend_keeps_two_specialist_services', 0.0052)"
    assert "<strong>mse: 3 configurations ranked</strong>" in outputs["result"][-1]["data"]["text/html"]
