"""The package shows the data flow: one subpackage a stage, and no module imports from a later stage.

instance → model → search → appraisal → sweeps → cli, on a base of shared vocabulary (errors, text,
notebook, collector); ``solvers`` knows nothing of hospitals; ``reports`` reads results and never the command
line; the command line is the one place that calls all three (DESIGN.md, "Layout").
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import optimiser

ROOT = Path(__file__).resolve().parents[1]
#: The stages in order; a module may import from its own stage or an earlier one.
STAGES = ["base", "instance", "model", "search", "appraisal", "sweeps", "cli"]
BASE = {"errors", "text", "notebook", "collector"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports (at any depth: a lazy import counts), as absolute names."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def _stage(module: str) -> int | None:
    """The stage of an ``optimiser`` module; None outside the package (or for the package's facade)."""
    parts = module.split(".")
    if parts[0] != "optimiser" or len(parts) == 1:
        return None
    if parts[1] in BASE:
        return 0
    if parts[1] == "__main__":
        return STAGES.index("cli")
    return STAGES.index(parts[1]) if parts[1] in STAGES else None


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", _sources("optimiser"), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_imports_from_a_later_stage(path):
    own = _stage(_module_name(path))
    if own is None:  # optimiser/__init__.py: the lazy facade over every stage
        return
    upward = [f"line {line}: {name}" for line, name in _imports(path)
              if (stage := _stage(name)) is not None and stage > own]
    upward += [f"line {line}: {name}" for line, name in _imports(path)
               if name.split(".")[0] == "reports" and STAGES[own] != "cli"]
    assert not upward, f"{STAGES[own]} module {_module_name(path)} reaches downstream: {upward}"


def test_every_module_of_the_package_sits_in_a_stage():
    loose = [_module_name(path) for path in _sources("optimiser") if _module_name(path) != "optimiser"
             and _stage(_module_name(path)) is None]
    assert not loose


@pytest.mark.parametrize("package", ["solvers", "reports"])
def test_solvers_know_nothing_of_hospitals_and_reports_nothing_of_the_command_line(package):
    forbidden = {"solvers": ("optimiser", "reports"), "reports": ("optimiser.cli",)}[package]
    reaching = [f"{path.name} line {line}: {name}" for path in _sources(package) for line, name in _imports(path)
                if name.startswith(forbidden)]
    assert not reaching


def test_every_public_name_imports_from_the_package_itself():
    """``from optimiser import …`` is the public API: each name there is the object its stage defines."""
    for name in optimiser.__all__:
        module = importlib.import_module(f"optimiser.{optimiser._WHERE[name]}")
        assert getattr(optimiser, name) is getattr(module, name), name


#: Where the documented names of the flat package now live (the old module on the left).
MOVED = {
    "solve": ("search.engine", ["solve", "evaluate", "Engine", "SolveResult"]),
    "sweep": ("sweeps.runner", ["sweep", "Design", "open_sweep", "SweepResult"]),
    "study": ("appraisal.study", ["study"]),
    "checker": ("appraisal.checker", ["check_solution"]),
    "generate": ("instance.generate", ["generate_instance"]),
    "instance": ("instance.folder", ["Instance", "load_instance", "save_instance"]),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_the_old_modules_names_are_public_names(old):
    new, names = MOVED[old]
    module = importlib.import_module(f"optimiser.{new}")
    for name in names:
        assert getattr(optimiser, name) is getattr(module, name)
