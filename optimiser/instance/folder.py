"""Named instances: find a folder, load and check it, save it back.

An :class:`Instance` is the typed, checked content of one instance folder: a
pandas frame per file, the settings of ``instance.yaml`` and the yearly demand
of every zone for every service line. Loading collects every problem of every
file and raises once (:class:`~optimiser.errors.InstanceError`), so an analyst
sees the whole list.
"""

from __future__ import annotations

import functools
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from optimiser.errors import InstanceNotFound, OptimiserError, Problem, ProblemLog
from optimiser.notebook import html_view

from .catalogue import instance_folders
from .checks import check_consistency, check_reachable, check_road_graph
from .files import inside, links_outside, unreadable
from .io import Table, keyed, read_table, write_table
from .roads import read_graphml_tables, snap_warnings, snapped_places
from .schema import file_schema, instance_schema

if TYPE_CHECKING:
    from .transit import PublicTransport


@dataclass(frozen=True)
class Instance:
    """The checked content of one instance folder.

    ``tables`` holds one frame per file stem as written (absent optional files
    are empty frames with the declared columns); the properties are views of
    them. ``demand`` is derived: yearly activity per zone (rows) and service
    line (columns), population × rate / 1000 unless ``demand.csv`` gives it.
    ``sources`` keeps each file as read, so later checks can point at its rows.
    """

    name: str
    path: Path
    settings: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    demand: pd.DataFrame
    sources: dict[str, Table] = field(default_factory=dict, repr=False)

    @property
    def sites(self) -> pd.DataFrame:
        return self.tables["sites"]

    @property
    def zones(self) -> pd.DataFrame:
        return self.tables["zones"]

    @property
    def services(self) -> pd.DataFrame:
        return self.tables["services"]

    @property
    def site_resources(self) -> pd.DataFrame:
        return self.tables["site_resources"]

    @property
    def resource_use(self) -> pd.DataFrame:
        return self.tables["resource_use"]

    @property
    def codependencies(self) -> pd.DataFrame:
        return self.tables["codependencies"]

    @property
    def givens(self) -> pd.DataFrame:
        return self.tables["givens"]

    @property
    def roles(self) -> pd.DataFrame:
        return self.tables["roles"]

    @property
    def options(self) -> pd.DataFrame:
        return self.tables["options"]

    @property
    def modes(self) -> pd.DataFrame:
        return self.tables["modes"]

    @property
    def road_nodes(self) -> pd.DataFrame:
        return self.tables["road_nodes"]

    @property
    def roads(self) -> pd.DataFrame:
        return self.tables["roads"]

    @property
    def weights(self) -> dict[str, float]:
        """Criterion weights of the objective (``weights.yaml``, or the declared defaults)."""
        frame = self.tables["weights"]
        if frame.empty:
            return {f.name: float(f.default) for f in file_schema("weights").fields}
        return {name: float(value) for name, value in frame.iloc[0].items()}

    @functools.cached_property
    def snapped(self) -> pd.DataFrame:
        """Each site and zone (``kind``, ``id``, ``name``, its file ``row``) with its nearest junction
        (``node``, ``node_id``) and the distance to it (``snap_km``): found once per instance, for its
        warnings and every mode's travel times (a million junctions take a k-d tree of seconds). Read it,
        do not change it."""
        return snapped_places(self.road_nodes, self.sites, self.zones)

    @functools.cached_property
    def public_transport(self) -> PublicTransport | None:
        """The GTFS feed and the departure periods of the public-transport modes, read and checked once."""
        from .transit import public_transport  # the feed is read only by instances that have one

        return public_transport(self)

    @property
    def public_modes(self) -> list[str]:
        """Modes by public transport (public_transport.yaml), beside the road modes of modes.csv."""
        return list(self.tables["public_transport"]["mode"])

    @functools.cached_property
    def warnings(self) -> tuple[Problem, ...]:
        """Problems that do not stop the work (a site far from any road, a stop far from any street), of the
        tables as they are."""
        from .neighbours import snap_warnings as neighbour_warnings  # it reads instances

        feed_warnings = self.public_transport.warnings if self.public_transport else ()
        return (*snap_warnings(self), *neighbour_warnings(self), *feed_warnings)

    def __repr__(self) -> str:
        return (f"Instance({self.name!r}: {len(self.sites)} sites, {len(self.zones)} zones, {len(self.services)} "
                f"services, {len(self.options)} named options)")

    def _repr_html_(self) -> str:
        return html_view(f"{self.name}: {self.settings.get('title', '')}",
                         {"folder": self.path, "year": self.settings.get("year"), "sites": len(self.sites),
                          "zones": len(self.zones), "services": len(self.services),
                          "named options": len(self.options)},
                         {"sites": self.sites, "services": self.services, "yearly demand": self.demand})

    @property
    def mode_names(self) -> list[str]:
        return sorted(set(self.modes["mode"]) | set(self.public_modes))

    def row(self, stem: str, position: int, column: str | None = None) -> int | None:
        """The file row of the record at ``position`` of table ``stem`` (of its key ``column``), if known."""
        source = self.sources.get(stem)
        return source.row(position, column) if source is not None and position < len(source.rows) else None

    def mode_or_default(self, mode: str | None) -> str:
        """The travel mode a rule names, or the instance's default where it names none."""
        return mode if isinstance(mode, str) and mode else self.settings["default_mode"]


# --- finding instances ------------------------------------------------------------------------

def resolve(name_or_path: str | os.PathLike) -> Path:
    """A folder path as given, or the folder of a named instance."""
    path = Path(name_or_path)
    if path.is_dir():
        return path
    folders = instance_folders()
    if str(name_or_path) in folders:
        return folders[str(name_or_path)]
    names = ", ".join(folders) or "none"
    raise InstanceNotFound(
        f"no instance {str(name_or_path)!r}: it is neither a folder nor a named instance "
        f"(named instances: {names})")


# --- loading ----------------------------------------------------------------------------------

def load_instance(name_or_path: str | os.PathLike) -> Instance:
    """Load, type and check an instance; raise :class:`InstanceError` listing every problem.

    The checks that need only the files (columns, types, ids, references,
    contradictions between rules, the road graph reaching every site and zone)
    run here; proofs of infeasibility run in :func:`optimiser.instance.proofs.prove_infeasible`.
    """
    folder = resolve(name_or_path)
    label = folder.resolve().name or str(folder.resolve())  # a copied folder is named as the copy, not the original
    log = ProblemLog()
    outside = links_outside(folder, log)
    tables = {schema.stem: None if schema.file in outside else read_table(folder, schema, log)
              for schema in instance_schema()}
    settings = _settings(tables["instance"])
    name = settings.get("name") or label
    roads = settings.get("roads") or "roads.csv"
    graphml = _graphml(folder, roads, tables["instance"], log)
    if graphml and not ((folder / graphml).exists() and unreadable(folder / graphml, graphml, log)):
        tables["road_nodes"], tables["roads"] = read_graphml_tables(folder / graphml, log)
    check_road_graph(tables, None if roads == "roads.csv" else roads, log)
    check_consistency(tables, settings, log)
    log.raise_if_errors(label)
    del tables["instance"]
    frames = {stem: (table.frame if table is not None else _empty(stem)) for stem, table in tables.items()}
    sources = {stem: table for stem, table in tables.items() if table is not None}
    instance = Instance(name=name, path=folder, settings=settings, tables=frames,
                        demand=_demand(frames), sources=sources)
    check_reachable(instance.snapped, instance.road_nodes, instance.roads, log)
    log.raise_if_errors(label)
    instance.public_transport  # noqa: B018 -- reads and checks the feed now, raising its problems with the rest
    return instance


def _graphml(folder: Path, roads: str, settings: Table | None, log: ProblemLog) -> str | None:
    """The GraphML file the ``roads`` setting names, if it names one inside the folder; any other
    value than roads.csv is a problem, since reading roads.csv instead would hide the mistake."""
    if roads == "roads.csv":
        return None
    row = settings.row(0, "roads") if settings is not None else None
    if not roads.endswith(".graphml"):
        log.add("instance.yaml", f"{roads!r} is neither roads.csv nor a GraphML file (.graphml)", row=row,
                column="roads", fix="Write roads: roads.csv (with road_nodes.csv), or the name of a .graphml file "
                                    "in the instance folder")
    elif not inside(folder, roads):
        log.add("instance.yaml", f"{roads!r} lies outside the instance folder, which is all the engine reads",
                row=row, column="roads",
                fix="Copy the GraphML file into the folder and name it there, e.g. roads: roads.graphml")
    else:
        return roads
    return None


def _settings(table: Table | None) -> dict[str, Any]:
    if table is None or table.frame.empty:
        return {}
    row = table.frame.iloc[0]
    return {name: None if pd.isna(value) else (value.item() if hasattr(value, "item") else value)
            for name, value in row.items()}


def _empty(stem: str) -> pd.DataFrame:
    """The typed, empty table of a file the instance does not have (a copy: callers may change it)."""
    return _empty_table(stem).copy()


@functools.cache
def _empty_table(stem: str) -> pd.DataFrame:
    schema = file_schema(stem)
    frame = pd.DataFrame({f.name: pd.Series(dtype=_dtype(f.type)) for f in schema.fields})
    if schema.kind == "records":
        frame.insert(0, schema.id_column, pd.Series(dtype=object))
    key = schema.key[0] if len(schema.key) == 1 else None
    return keyed(frame, key) if key else frame


def _dtype(kind: str) -> str:
    return {"float": "float64", "int": "Int64", "bool": "bool"}.get(kind, "object")


def _demand(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Yearly activity per zone and service: rate-based, with demand.csv's overrides."""
    zones, services = tables["zones"], tables["services"]
    rates = services["demand_per_1000"].to_numpy()
    demand = pd.DataFrame(zones["population"].to_numpy()[:, None] * rates[None, :] / 1000.0,
                          index=pd.Index(zones["zone_id"], name="zone_id"),
                          columns=pd.Index(services["service_id"], name="service_id"))
    for row in tables["demand"].itertuples(index=False):
        demand.loc[row.zone_id, row.service_id] = row.demand
    return demand


# --- saving -----------------------------------------------------------------------------------

def save_instance(instance: Instance, folder: str | os.PathLike) -> Path:
    """Write an instance to a new folder; it loads back to equal tables.

    Refuses a folder that already holds files: nothing a user wrote is ever
    overwritten. The road graph is always written as CSV; a GTFS feed and a walking network are copied as
    they are.
    """
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        raise OptimiserError(f"{folder} already holds files: save into a new or empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    settings = dict(instance.settings, roads="roads.csv")
    write_table(folder, file_schema("instance"), pd.DataFrame([settings]))
    for stem, frame in instance.tables.items():
        if not frame.empty or file_schema(stem).required:
            write_table(folder, file_schema(stem), frame)
    for setting in ("gtfs", "walking"):  # the feed and the walking network as they were read: copied
        if instance.settings.get(setting):
            source, target = instance.path / instance.settings[setting], folder / instance.settings[setting]
            target.parent.mkdir(parents=True, exist_ok=True)
            (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    return folder
