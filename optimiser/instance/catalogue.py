"""Where named instances live, and what each holds, read without loading them.

``optimiser list`` reads only this: an instance's title and its numbers of sites, zones and
service lines come from three small files, so listing needs neither pandas nor the checks of
:func:`optimiser.instance.folder.load_instance` (``optimiser validate`` runs those).
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

#: Where bundled instances live in a source checkout (the project's `instances/`).
BUNDLED = Path(__file__).resolve().parents[2] / "instances"
#: Extra folders of named instances, separated like PATH.
SEARCH_PATH_VARIABLE = "OPTIMISER_INSTANCES"


def instance_folders() -> dict[str, Path]:
    """Named instances: the bundled ones, then those on ``$OPTIMISER_INSTANCES``."""
    roots = [BUNDLED] + [Path(p) for p in os.environ.get(SEARCH_PATH_VARIABLE, "").split(os.pathsep) if p]
    found: dict[str, Path] = {}
    for root in roots:
        if root.is_dir():
            for folder in sorted(root.iterdir()):
                if (folder / "instance.yaml").is_file():
                    found.setdefault(folder.name, folder)
    return found


@dataclass(frozen=True)
class Entry:
    """One named instance as listed: its size and title, or why its files could not be read."""

    name: str
    sites: int = 0
    zones: int = 0
    services: int = 0
    title: str = ""
    unreadable: str | None = None


def entry(name: str, folder: Path) -> Entry:
    """The size and title of the instance in ``folder``, from instance.yaml, sites.csv, zones.csv and
    services.yaml (no check of their content)."""
    import yaml

    try:
        settings = yaml.safe_load((folder / "instance.yaml").read_text(encoding="utf-8")) or {}
        services = yaml.safe_load((folder / "services.yaml").read_text(encoding="utf-8")) or {}
        return Entry(name, _records(folder / "sites.csv"), _records(folder / "zones.csv"), len(services),
                     str(settings.get("title", "")))
    except (OSError, ValueError, AttributeError, yaml.YAMLError) as error:
        return Entry(name, unreadable=f"{type(error).__name__}: {error}".splitlines()[0])


def _records(path: Path) -> int:
    """Data rows of a CSV file (its header not counted)."""
    with path.open(newline="", encoding="utf-8") as file:
        return max(sum(1 for _ in csv.reader(file)) - 1, 0)
