"""Scenarios: an instance plus a few parameter overrides, applied by a pure function before the build.

An override is a dotted parameter name and a number. The grammar (``<x>`` is an id of the instance;
``*`` matches every id in that position):

=====================================  ========  ==============================================================
parameter                              value     effect
=====================================  ========  ==============================================================
``weights.<criterion>``                weight    the objective weight of a criterion (weights.yaml), ≥ 0
``demand.<service>``                   factor    every zone's yearly demand for the service × factor, ≥ 0
``demand.zone.<zone_id>``              factor    the zone's yearly demand for every service × factor, ≥ 0
``speed.<mode>.<road_class>``          factor    the mode's speed factor on that road class × factor, > 0
``capacity.<site>.<resource>``         factor    today's capacity of the resource at the site × factor, ≥ 0
``standard.<service>.<field>``         value     replaces ``max_travel_min``, ``coverage_travel_min``,
                                                 ``coverage_share`` (0–1), ``min_volume`` or ``max_volume``;
                                                 ``null`` removes a standard that may be blank
``cost.<service>.<field>``             value     replaces ``running_cost_gbp_m``, ``opening_capital_gbp_m`` or
                                                 ``tariff_gbp`` (the income per activity that leaves with patients)
``retention.leaving``                  factor    every leaving share of the retention curve × factor (at most 1),
                                                 ≥ 0
``departure.<mode>``                   minutes   moves a public-transport mode's first departure to that many
                                                 minutes after midnight (420: 07:00); the period keeps its
                                                 length and interval
=====================================  ========  ==============================================================

Demand, speeds and capacities move by *factors* (1 is the instance as written), so one
override means the same on every instance and composes with growth assumptions;
weights, standards and costs take *values* in the units of the instance files
(``instances/FORMAT.md``). Overrides of demand by service and by zone multiply.

Only weights can change without rebuilding the model (:attr:`Scenario.structural`);
everything else changes the model's data and needs a new build.

Named scenarios may live in the instance folder as ``scenarios.yaml``: a mapping of
scenario name → overrides, written flat (``demand.emergency: 1.1``) or nested
(``demand: {emergency: 1.1}``)::

    growth_10:
      demand.emergency: 1.1
      demand.obstetrics: 1.1
    access_first:
      weights: {travel: 2.0, capital: 0.1}
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from optimiser.errors import OptimiserError, ProblemLog
from optimiser.instance.folder import Instance
from optimiser.instance.yamlio import read_yaml
from optimiser.model.data import CRITERIA

#: The grammar of parameter names, as error messages quote it.
GRAMMAR = ("weights.<criterion>, demand.<service>, demand.zone.<zone_id>, speed.<mode>.<road_class>, "
           "capacity.<site>.<resource>, standard.<service>.<field>, cost.<service>.<field>, retention.leaving, "
           "departure.<mode>")
#: Fields of services.yaml a ``standard.`` override may set, and whether they may be blank.
STANDARD_FIELDS = {"max_travel_min": True, "coverage_travel_min": True, "coverage_share": True,
                   "min_volume": False, "max_volume": True}
#: Fields of services.yaml a ``cost.`` override may set.
COST_FIELDS = ("running_cost_gbp_m", "opening_capital_gbp_m", "tariff_gbp")
#: Kinds of parameter that leave the model's matrices alone (only the objective changes).
WEIGHT_ONLY = frozenset({"weights"})
#: The file of named scenarios in an instance folder.
SCENARIOS_FILE = "scenarios.yaml"


@dataclass(frozen=True)
class Parameter:
    """One parsed parameter name: its ``kind`` (weights, demand, …) and the ids it names."""

    name: str
    kind: str
    ids: tuple[str, ...]
    field: str = ""

    @property
    def is_factor(self) -> bool:
        return self.kind in ("demand", "demand.zone", "speed", "capacity", "retention")

    @property
    def structural(self) -> bool:
        return self.kind not in WEIGHT_ONLY


@dataclass(frozen=True)
class Scenario:
    """An instance's overrides under a name: ``overrides`` maps parameter name → value (``None``: blank)."""

    name: str
    overrides: dict[str, float | None] = field(default_factory=dict)

    @property
    def structural(self) -> bool:
        """True when some override changes the model's data (everything but weights): a rebuild is needed."""
        return any(not name.startswith("weights.") for name in self.overrides)

    @property
    def weights(self) -> dict[str, float]:
        """The weight overrides, by criterion."""
        return {name.removeprefix("weights."): float(value) for name, value in self.overrides.items()
                if name.startswith("weights.") and value is not None}

    @property
    def structure(self) -> dict[str, float | None]:
        """The overrides other than weights (those that need a rebuild)."""
        return {name: value for name, value in self.overrides.items() if not name.startswith("weights.")}

    def digest(self) -> str:
        """A short hash of the overrides (name order does not matter)."""
        text = json.dumps(sorted(self.overrides.items()), separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


# --- parsing and checking ---------------------------------------------------------------------

def parameter(instance: Instance, name: str) -> Parameter:
    """Parse and check one parameter name against the instance's ids; raise naming what is allowed."""
    head, _, rest = name.partition(".")
    if head == "weights" and rest:
        if rest not in CRITERIA:
            raise OptimiserError(f"unknown criterion {rest!r} in scenario parameter {name!r}: "
                                 f"criteria are {', '.join(CRITERIA)}")
        return Parameter(name, "weights", (rest,))
    if head == "demand" and rest.startswith("zone.") and rest != "zone.":
        zone = rest.removeprefix("zone.")
        _check_id(name, zone, "zone", list(instance.zones["zone_id"]))
        return Parameter(name, "demand.zone", (zone,))
    if head == "demand" and rest:
        _check_id(name, rest, "service", list(instance.services["service_id"]))
        return Parameter(name, "demand", (rest,))
    if head == "speed" and rest:
        mode, road_class = _split_pair(name, rest, "mode", instance.mode_names, "road class",
                                       sorted(instance.modes["road_class"].unique()), "speed.<mode>.<road_class>")
        return Parameter(name, "speed", (mode, road_class))
    if head == "capacity" and rest:
        resources = instance.site_resources
        site, resource = _split_pair(name, rest, "site", sorted(resources["site_id"].unique()), "resource",
                                     sorted(resources["resource"].unique()), "capacity.<site>.<resource>")
        if "*" not in (site, resource) and not ((resources["site_id"] == site)
                                                & (resources["resource"] == resource)).any():
            raise OptimiserError(f"no capacity of {resource!r} at site {site!r} in scenario parameter {name!r}: "
                                 "site_resources.csv does not list that pair")
        return Parameter(name, "capacity", (site, resource))
    if name == "retention.leaving":
        return Parameter(name, "retention", ())
    if head in ("standard", "cost") and rest:
        fields = list(STANDARD_FIELDS) if head == "standard" else list(COST_FIELDS)
        service, dot, what = rest.rpartition(".")
        if not dot or what not in fields:
            raise OptimiserError(f"unknown field {what!r} in scenario parameter {name!r}: "
                                 f"{head}.<service>.<field> takes {', '.join(fields)}")
        _check_id(name, service, "service", list(instance.services["service_id"]))
        return Parameter(name, head, (service,), what)
    if head == "departure" and rest:
        _check_id(name, rest, "public-transport mode", instance.public_modes)
        return Parameter(name, "departure", (rest,))
    raise OptimiserError(f"unknown scenario parameter {name!r}: parameters are {GRAMMAR}")


def _check_id(name: str, value: str, what: str, known: list[str]) -> None:
    if value not in known or value == "*":
        raise OptimiserError(f"unknown {what} {value!r} in scenario parameter {name!r}: "
                             f"{_plural(what)} are {', '.join(map(str, known))}")


def _plural(what: str) -> str:
    return f"{what}es" if what.endswith("s") else f"{what}s"


def _split_pair(name: str, rest: str, first: str, firsts: list[str], second: str, seconds: list[str],
                form: str) -> tuple[str, str]:
    """Split ``a.b`` where ids may themselves hold dots: the one split with both parts known (or ``*``)."""
    parts = rest.split(".")
    if len(parts) < 2:
        raise OptimiserError(f"scenario parameter {name!r} must have the form {form}")
    splits = [(".".join(parts[:i]), ".".join(parts[i:])) for i in range(1, len(parts))]
    for a, b in splits:
        if (a in firsts or a == "*") and (b in seconds or b == "*"):
            return a, b
    a, b = next(((a, b) for a, b in splits if a in firsts or a == "*"), splits[0])
    if a not in firsts and a != "*":
        _check_id(name, a, first, firsts)
    raise OptimiserError(f"unknown {second} {b!r} in scenario parameter {name!r}: "
                         f"{_plural(second)} are {', '.join(seconds)}")


def check_value(param: Parameter, value: Any) -> float | None:
    """The override's value as a float, or ``None`` (blank) where allowed; raise if out of range."""
    name = param.name
    if value is None:
        if param.kind == "standard" and STANDARD_FIELDS[param.field]:
            return None
        raise OptimiserError(f"scenario parameter {name!r} needs a number, not a blank")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise OptimiserError(f"scenario parameter {name!r} needs a number, not {value!r}")
    value = float(value)
    if param.kind == "speed" and value <= 0:
        raise OptimiserError(f"scenario parameter {name!r} is a speed factor and must be > 0, not {value:g}")
    if value < 0:
        raise OptimiserError(f"scenario parameter {name!r} must be ≥ 0, not {value:g}")
    if param.field == "coverage_share" and value > 1:
        raise OptimiserError(f"scenario parameter {name!r} is a share and must be at most 1, not {value:g}")
    return value


def check_overrides(instance: Instance, overrides: Mapping[str, Any]) -> dict[str, float | None]:
    """Check every override (names and values); the flat, typed overrides in name order."""
    if not isinstance(overrides, Mapping):
        raise OptimiserError(f"scenario overrides must be a mapping of parameter → value, not {overrides!r}")
    flat = flatten(overrides)
    return {name: check_value(parameter(instance, name), flat[name]) for name in sorted(flat)}


def flatten(overrides: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"weights": {"travel": 2}}`` → ``{"weights.travel": 2}``; flat keys stay as they are."""
    flat: dict[str, Any] = {}
    for key, value in overrides.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        else:
            if name in flat:
                raise OptimiserError(f"scenario parameter {name!r} is given twice")
            flat[name] = value
    return flat


def base_value(instance: Instance, name: str) -> float:
    """The value a parameter has in the instance as written: the weight, the value, or factor 1."""
    param = parameter(instance, name)
    if param.kind == "weights":
        return float(instance.weights.get(param.ids[0], 0.0))
    if param.is_factor:
        return 1.0
    if param.kind == "departure":
        return _clock_min(instance.tables["public_transport"].at[param.ids[0], "first_departure"])
    value = instance.services.loc[param.ids[0], param.field]
    return float(value) if pd.notna(value) else float("nan")


# --- applying ---------------------------------------------------------------------------------

def apply(instance: Instance, overrides: Mapping[str, Any] | Scenario) -> Instance:
    """A new instance with ``overrides`` applied; ``instance`` is left as it was.

    Frames that change are copied; the others are shared with ``instance`` (read-only).
    ``instance.demand`` is the derived demand the model and the appraisal read, so demand
    factors act on it directly.
    """
    if isinstance(overrides, Scenario):
        overrides = overrides.overrides
    checked = check_overrides(instance, overrides)
    if not checked:
        return instance
    tables = dict(instance.tables)
    demand = instance.demand
    copied: set[str] = set()

    def table(stem: str) -> pd.DataFrame:
        if stem not in copied:
            tables[stem] = tables[stem].copy()
            copied.add(stem)
        return tables[stem]

    weights = dict(instance.weights)
    for name, value in checked.items():
        param = parameter(instance, name)
        if param.kind == "weights":
            weights[param.ids[0]] = value
        elif param.kind in ("demand", "demand.zone"):
            if demand is instance.demand:
                demand = demand.copy()
            if param.kind == "demand":
                demand[param.ids[0]] = demand[param.ids[0]] * value
            else:
                demand.loc[param.ids[0]] = demand.loc[param.ids[0]] * value
        elif param.kind == "speed":
            modes = table("modes")
            rows = _matching(modes["mode"], param.ids[0]) & _matching(modes["road_class"], param.ids[1])
            modes.loc[rows, "speed_factor"] = modes.loc[rows, "speed_factor"] * value
        elif param.kind == "retention":
            curve = table("retention")
            curve["leaving_share"] = (curve["leaving_share"] * value).clip(upper=1.0)
        elif param.kind == "capacity":
            resources = table("site_resources")
            rows = _matching(resources["site_id"], param.ids[0]) & _matching(resources["resource"], param.ids[1])
            resources.loc[rows, "capacity"] = resources.loc[rows, "capacity"] * value
        elif param.kind == "departure":
            periods = table("public_transport")
            first, last = (_clock_min(periods.at[param.ids[0], c]) for c in ("first_departure", "last_departure"))
            periods.loc[param.ids[0], ["first_departure", "last_departure"]] = [_clock(value),
                                                                                _clock(value + last - first)]
        else:  # standard, cost: a value in services.yaml
            services = table("services")
            services[param.field] = services[param.field].astype("float64")
            services.loc[param.ids[0], param.field] = float("nan") if value is None else value
    if any(name.startswith("weights.") for name in checked):
        tables["weights"] = pd.DataFrame([weights])
    return replace(instance, tables=tables, demand=demand)


def _clock_min(text: str) -> float:
    """Minutes after midnight of a time written HH:MM."""
    hours, minutes = str(text).split(":")[:2]
    return 60.0 * int(hours) + int(minutes)


def _clock(minutes: float) -> str:
    """Whole minutes after midnight written HH:MM (hours past 24 for the small hours of the next day)."""
    whole = round(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _matching(column: pd.Series, value: str) -> pd.Series:
    return pd.Series(True, index=column.index) if value == "*" else column == value


# --- named scenarios --------------------------------------------------------------------------

def load_scenarios(instance: Instance) -> dict[str, Scenario]:
    """The named scenarios of ``scenarios.yaml`` in the instance folder (none if it has no such file).

    Problems of the file are raised together as an :class:`~optimiser.errors.InstanceError`,
    each naming the file and the row of the scenario.
    """
    path = instance.path / SCENARIOS_FILE
    if not path.is_file():
        return {}
    log = ProblemLog()
    parsed = read_yaml(path, log)
    scenarios: dict[str, Scenario] = {}
    if parsed is not None:
        document, lines = parsed
        if document is None:
            document = {}
        if not isinstance(document, Mapping):
            log.add(SCENARIOS_FILE, "must map each scenario name to its overrides",
                    fix="Write one scenario per top-level key, e.g. growth_10: {demand.emergency: 1.1}")
            document = {}
        for name, overrides in document.items():
            try:
                scenarios[str(name)] = Scenario(str(name), check_overrides(instance, overrides or {}))
            except OptimiserError as error:
                log.add(SCENARIOS_FILE, f"scenario {name!r}: {error}", row=lines.get((str(name),)))
    log.raise_if_errors(instance.name)
    return scenarios


def scenario(instance: Instance, name_or_overrides: str | Mapping[str, Any], *, name: str = "") -> Scenario:
    """A checked scenario: a name from ``scenarios.yaml``, or overrides given as a mapping."""
    if isinstance(name_or_overrides, str):
        named = load_scenarios(instance)
        if name_or_overrides not in named:
            known = ", ".join(named) or "none"
            raise OptimiserError(f"{instance.name} has no scenario {name_or_overrides!r} "
                                 f"(scenarios in {SCENARIOS_FILE}: {known})")
        return named[name_or_overrides]
    return Scenario(name, check_overrides(instance, name_or_overrides))


__all__ = ["GRAMMAR", "Parameter", "Scenario", "apply", "base_value", "check_overrides", "load_scenarios",
           "parameter", "scenario"]
