"""Start-up: the command line's quick verbs load neither pandas nor the solver (timings: benchmarks/startup.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from optimiser.cli.app import main

#: Libraries that take most of a start-up: the data stack and the solver.
HEAVY = ("pandas", "scipy", "networkx", "pyarrow", "highspy", "pyomo")


@pytest.mark.parametrize("argv", [["--help"], ["list"], ["solve", "--help"]])
def test_quick_verbs_load_no_heavy_library(argv):
    code = (f"import sys\nfrom optimiser.cli.app import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert run.stdout.splitlines()[-1] == "[]"


def test_list_names_an_instance_whose_files_cannot_be_read(capsys, monkeypatch, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "instance.yaml").write_text("name: broken\ntitle: no sites file\n")
    monkeypatch.setenv("OPTIMISER_INSTANCES", str(tmp_path))
    assert main(["list"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("broken"))
    assert "cannot be read: FileNotFoundError: [Errno 2] No such file or directory:" in line
    assert line.endswith("(optimiser validate broken)")
