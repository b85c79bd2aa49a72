"""Why no configuration (or a given one) can meet the rules: the least relaxation that would.

The model is rebuilt with the hard travel standard as a row (instead of
pruned pairs) and re-solved by HiGHS's feasibility relaxation: every rule
row — capacity, co-dependencies, site counts, volumes, access standards,
closest assignment — and every given may be violated at a penalty, and the
solver finds the cheapest set of violations that makes the rest feasible,
keeping integrality. Definitions (every patient is served somewhere, only a
hosting site serves, roles bring their services) are never relaxed.

Penalties are per unit of violation divided by the row's own scale (its
largest coefficient or bound), so a shortfall of 300 births against a
2,500-birth minimum weighs like 12% of that rule, comparable with one site
too many against a count of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from optimiser.instance.configuration import Configuration
from optimiser.instance.folder import Instance
from optimiser.model.data import ModelOptions
from solvers.highs import Status

from .engine import Engine

#: Constraint families the relaxation may violate; every other row is a definition.
RELAXABLE = ("capacity", "resource_minimum", "colocated", "excludes", "within", "sites_min", "sites_max", "volume_min",
             "volume_max", "activity_floor", "coverage", "travel_max", "closest", "neighbour_capacity")
#: Relative violations below this are rounding, not a broken rule.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Relaxation:
    """One rule that must give way, by how much, in the analyst's words."""

    rule: str
    subject: str
    amount: float
    message: str


@dataclass(frozen=True)
class Diagnosis:
    """The least relaxation that restores feasibility, and the other ways out.

    ``relaxations`` is the cheapest set of violations; each entry of
    ``alternatives`` is the cheapest set once one of its rule families is held
    firm. Together they name the rules in conflict: relax any one of them.
    """

    relaxations: list[Relaxation]
    status: Status
    alternatives: list[list[Relaxation]] = field(default_factory=list)

    @property
    def rules(self) -> list[str]:
        """The rule families the least relaxation breaks, in the order they appear."""
        return _families(self.relaxations)

    @property
    def conflicting(self) -> list[str]:
        """Every rule family that takes part in the conflict, across all the ways out."""
        return list(dict.fromkeys(self.rules + [f for way in self.alternatives for f in _families(way)]))


def _families(relaxations: list[Relaxation]) -> list[str]:
    return list(dict.fromkeys(r.rule for r in relaxations))


def diagnose(instance: Instance, configuration: Configuration | None = None, *,
             options: ModelOptions | None = None, engines: dict[ModelOptions, Engine] | None = None) -> Diagnosis:
    """Explain infeasibility of the instance, or of one configuration of it.

    ``engines`` keeps the diagnosis models built, by their options, for the next call: several configurations
    of one instance are diagnosed on one model (each relaxation leaves the model as it was built)."""
    options = options or ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment")))
    if configuration is not None:
        options = replace(options, use_roles=bool(configuration.roles))
    # Zones unmerged (optimiser.model.aggregate): each zone is named in its own rows, and each row weighs as
    # one in the relaxation, as the analyst counts them, not one row for a class of co-located zones.
    options = replace(options, prune_travel=False, merge_zones=False)
    engines = {} if engines is None else engines
    if options not in engines:
        engines[options] = Engine.build(instance, options=options)
    engine = engines[options]
    families = [_family(name)[0] for name in engine.form.rows]
    relaxable = np.array([family in RELAXABLE for family in families], dtype=bool)
    status, relaxations = _relax(engine, configuration, relaxable)
    if configuration is not None:  # a configuration is pinned past its givens: name each one it breaks
        relaxations = [Relaxation("given", text.split(": ", 1)[1], 1.0, text)
                       for text in configuration.broken_givens(instance)] + relaxations
    if relaxations:  # what was diagnosed is infeasible as stated, whatever the relaxation's own status
        status = Status.INFEASIBLE
    alternatives = []
    for family in _families(relaxations):
        _, other = _relax(engine, configuration, relaxable & (np.array(families) != family))
        if other:
            alternatives.append(other)
    return Diagnosis(relaxations, status, alternatives)


def _relax(engine: Engine, configuration: Configuration | None,
           relaxable: np.ndarray) -> tuple[Status, list[Relaxation]]:
    """One feasibility relaxation where only ``relaxable`` rows may give way."""
    form = engine.form
    pinned = (engine.pin(configuration, keep_givens=False) if configuration is not None
              else np.array([], dtype=np.int64))
    lower_penalty, upper_penalty = _column_penalties(engine, pinned, relax_givens=configuration is None)
    scales = _row_scales(form)
    result = engine.session.relax_to_feasibility(row_penalty=np.where(relaxable, 1.0 / scales, -1.0),
                                                 lower_penalty=lower_penalty, upper_penalty=upper_penalty)
    if not result.has_solution:
        return result.status, []
    x = result.values
    excess = _excess(form.A @ x, form.row_lower, form.row_upper)
    broken = excess > TOLERANCE * scales
    if (broken & ~relaxable).any():  # HiGHS found no way out without breaking a definition
        return Status.INFEASIBLE, []
    relaxations = [_describe_row(engine, form.rows[i], float(excess[i])) for i in np.flatnonzero(broken)]
    relaxations += _moved_givens(engine, x) if configuration is None else []
    return result.status, relaxations


def _excess(value: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.maximum(np.maximum(lower - value, value - upper), 0.0)


def _family(row_name: str) -> tuple[str, list[str]]:
    """``volume_min[southend,obstetrics]`` → ``("volume_min", ["southend", "obstetrics"])``."""
    match = re.fullmatch(r"([A-Za-z_]+)(?:\[(.*)\])?", row_name)
    family, inside = match.group(1), match.group(2) or ""
    return family, [part.strip("'\"") for part in inside.split(",")] if inside else []


def _row_scales(form) -> np.ndarray:
    """Each row's own scale: its largest coefficient or finite bound, at least 1."""
    A = form.A.tocsr()
    largest = np.zeros(A.shape[0])
    np.maximum.at(largest, np.repeat(np.arange(A.shape[0]), np.diff(A.indptr)), np.abs(A.data))
    for bound in (form.row_lower, form.row_upper):
        largest = np.maximum(largest, np.where(np.isfinite(bound), np.abs(bound), 0.0))
    return np.maximum(1.0, largest)


def _column_penalties(engine: Engine, pinned: np.ndarray, *, relax_givens: bool) -> tuple[np.ndarray, np.ndarray]:
    """Column bounds stay, except the bounds of givens when the instance itself is diagnosed."""
    n = len(engine.form.columns)
    lower, upper = -np.ones(n), -np.ones(n)
    if relax_givens:
        given = _given_columns(engine)
        lower[given], upper[given] = 1.0, 1.0
    return lower, upper


def _given_columns(engine: Engine) -> np.ndarray:
    sites, services = engine.data.sites, engine.data.services
    return np.array([engine.columns["y"][sites.index(g.site_id), services.index(g.service_id)]
                     for g in engine.instance.givens.itertuples(index=False)], dtype=np.int64)


def _moved_givens(engine: Engine, x: np.ndarray) -> list[Relaxation]:
    moved = []
    sites, services = engine.data.sites, engine.data.services
    for g in engine.instance.givens.itertuples(index=False):
        value = x[engine.columns["y"][sites.index(g.site_id), services.index(g.service_id)]]
        if abs(value - (1.0 if g.hosts else 0.0)) > 0.5:
            where = "at" if g.hosts else "away from"
            moved.append(Relaxation("given", f"{g.service_id} at {g.site_id}", 1.0,
                                    f"{_name(engine, g.service_id)}: the given {where} {g.site_id} must change"))
    return moved


def _name(engine: Engine, service_id: str) -> str:
    return str(engine.instance.services.loc[service_id, "name"])


def _describe_row(engine: Engine, row_name: str, excess: float) -> Relaxation:
    """The violated row in words, with its numbers."""
    family, keys = _family(row_name)
    instance = engine.instance
    services, zones = instance.services, instance.zones
    if family == "capacity":
        site, resource = keys
        return Relaxation(family, f"{resource} at {site}", excess,
                          f"{resource} at {site}: {excess:,.1f} more needed than its capacity and permitted "
                          "expansion")
    if family == "resource_minimum":
        site, service, resource = keys
        return Relaxation(family, f"{service} at {site}", excess,
                          f"{_name(engine, service)} at {site}: {excess:,.1f} {resource} short of the least a unit "
                          "needs on site")
    if family == "activity_floor":
        site, service = keys
        return Relaxation(family, f"{service} at {site}", excess,
                          f"{_name(engine, service)} at {site}: {excess:,.1f} {services.loc[service, 'activity']} "
                          "short of the least a hosted unit handles (min_unit_activity)")
    if family in ("colocated", "excludes", "within"):
        site, a, b = keys
        text = {"colocated": f"{_name(engine, a)} at {site} without {_name(engine, b)} on the same site",
                "excludes": f"{_name(engine, a)} and {_name(engine, b)} both at {site}, which they must not share",
                "within": f"{_name(engine, a)} at {site} without {_name(engine, b)} within reach"}[family]
        return Relaxation(family, f"{a} at {site}", excess, text)
    if family in ("sites_min", "sites_max"):
        (service,) = keys
        limit = services.loc[service, "min_sites" if family == "sites_min" else "max_sites"]
        side = "fewer" if family == "sites_min" else "more"
        return Relaxation(family, service, excess,
                          f"{_name(engine, service)}: {excess:g} {side} sites than the {family[6:]}imum of {limit}")
    if family in ("volume_min", "volume_max"):
        site, service = keys
        limit = services.loc[service, "min_volume" if family == "volume_min" else "max_volume"]
        side = "below the minimum" if family == "volume_min" else "above the maximum"
        return Relaxation(family, f"{service} at {site}", excess,
                          f"{_name(engine, service)} at {site}: {excess:,.0f} {services.loc[service, 'activity']} "
                          f"{side} of {limit:,.0f} per unit")
    if family == "coverage":
        (service,) = keys
        row = services.loc[service]
        return Relaxation(family, service, excess,
                          f"{_name(engine, service)}: {excess:,.0f} people short of {row['coverage_share']:.0%} "
                          f"within {row['coverage_travel_min']:g} minutes")
    if family == "neighbour_capacity":
        neighbour, service = keys
        return Relaxation(family, f"{service} at {neighbour}", excess,
                          f"{_name(engine, service)}: {excess:,.0f} {services.loc[service, 'activity']} a year more "
                          f"sent to {instance.tables['neighbours'].loc[neighbour, 'name']} than it can take")
    if family == "travel_max":
        zone, service = keys
        return Relaxation(family, f"{zone} / {service}", excess,
                          f"{_name(engine, service)}: {excess:.0%} of {zones.loc[zone, 'name']}'s demand must "
                          f"travel beyond {services.loc[service, 'max_travel_min']:g} minutes")
    zone, site, service = keys  # closest
    return Relaxation(family, f"{zone} / {service}", excess,
                      f"{_name(engine, service)}: {zones.loc[zone, 'name']} cannot use only its nearest open site")
