"""Packaging: pip and conda users get the same dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


#: conda-forge's names of packages pip knows by another.
PIP_NAMES = {"pyosmium": "osmium"}


def _name(requirement: str) -> str:
    name = re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")
    return PIP_NAMES.get(name, name)


def test_environment_yml_lists_every_dependency_of_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    for _extra, requirements in project["optional-dependencies"].items():
        wanted |= {_name(r) for r in requirements if not r.startswith("hospital-site-optimiser")}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    from_pip = [d for entry in conda if isinstance(entry, dict) for d in entry.get("pip", [])
                if not d.startswith("-")]  # packages conda-forge lacks, installed by pip
    listed = {_name(d) for d in conda + from_pip if isinstance(d, str)} - {"python", "pip"}
    assert listed == wanted
