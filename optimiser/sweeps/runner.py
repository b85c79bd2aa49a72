"""Sensitivity sweeps: many scenarios solved in worker processes (or on a Dask cluster), streamed to Parquet.

A sweep takes an instance and a :class:`Design` (grid, one-at-a-time, Monte Carlo, Sobol,
Morris, or a list of named scenarios), turns the design into scenarios with deterministic ids
(``s000000``, ``s000001`` … in design order: the same design and seed always give the same
scenarios), solves each, and writes the results as they finish.

Execution. Each worker process loads the instance (from a temporary pickle) and builds the model
**once** (a ``ProcessPoolExecutor`` initializer with the spawn start method, or a per-process
cache on a Dask worker). A scenario that changes only weights re-solves that persistent HiGHS session; a
scenario that changes data (demand, speeds, capacities, standards, costs) builds its own model,
reusing the worker's travel times unless speeds change, and keeps the last few such models in
case the next scenario shares them. HiGHS runs with one thread per worker, so ``workers``
processes use ``workers`` cores. Workers receive small scenario dicts and return small result
dicts; no Pyomo or HiGHS object crosses a process boundary.

Nothing is lost. The output folder holds::

    out/
      sweep.json                      the manifest: instance, its digest, the design, top, options
      scenarios.parquet               every scenario of the design: scenario_id, index, digest, parameters
      results/part-<first>-<hash>.parquet   one file per finished batch

Each file is written to a temporary name and renamed, so it is whole or absent, and the manifest
comes first: a process killed at any point leaves a folder the same sweep resumes. On start, a
folder that already holds ``sweep.json`` is resumed: its manifest must match (same instance data,
design, seed and options, else an error says so), scenarios whose ids are already in ``results/``
are skipped and only the rest are run. A scenario that raises is written
with ``status`` ``error`` and its error text; a worker process that dies is replaced and the
scenarios it held are run again, each at most :data:`MAX_ATTEMPTS` times before being written as
an error. Worker processes that die as they start (a script without ``if __name__ ==
"__main__":``) stop the sweep with an error saying so, and workers end when the sweep's process
ends, even if it is killed. Nothing in the folder is ever deleted or overwritten.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import multiprocessing
import multiprocessing.connection
import os
import pickle
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
import warnings
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.instance.configuration import Configuration, option_configuration
from optimiser.instance.folder import Instance
from optimiser.model.data import CRITERIA, ModelOptions
from optimiser.notebook import html_view
from optimiser.search import naming
from optimiser.search.engine import Engine
from solvers.highs import SolverOptions

from .scenario import Scenario, apply, base_value, check_overrides, check_value, parameter

DesignKind = Literal["grid", "oat", "montecarlo", "sobol", "morris", "named"]
#: Times a scenario is tried when its worker process dies before it is written as an error.
MAX_ATTEMPTS = 3
#: Structural models a worker keeps, for scenarios that share their data overrides.
CACHED_ENGINES = 4
#: Manifest format version.
FORMAT_VERSION = 1
RESULTS = "results"
MANIFEST = "sweep.json"
SCENARIOS = "scenarios.parquet"
#: Suffix of a file being written (renamed to its own name once whole).
TEMPORARY = ".tmp"


# --- parameters and designs -------------------------------------------------------------------

@dataclass(frozen=True)
class ParamRange:
    """How one parameter varies in a design.

    ``low``/``high`` bound it (grid levels, one-at-a-time ends, Sobol and Morris sample uniformly
    between them); ``values`` are explicit grid levels; ``distribution`` is what Monte Carlo draws
    from: ``uniform`` (low, high), ``triangular`` (low, ``peak``, high) or ``normal`` (mean
    ``peak``, standard deviation ``sd``, truncated at 0; its low/high are mean ∓ 2 sd, floored at 0).
    """

    name: str
    low: float
    high: float
    distribution: Literal["uniform", "triangular", "normal"] = "uniform"
    peak: float | None = None
    sd: float | None = None
    values: tuple[float, ...] = ()

    def draw(self, u: np.ndarray) -> np.ndarray:
        """Values at quantiles ``u`` (in (0, 1)) of the stated distribution."""
        from scipy import stats

        if self.distribution == "uniform":
            return self.low + u * (self.high - self.low)
        if self.distribution == "triangular":
            width = self.high - self.low
            c = 0.5 if width == 0 else (self.peak - self.low) / width
            return stats.triang.ppf(u, c, loc=self.low, scale=width)
        a = -self.peak / self.sd
        return stats.truncnorm.ppf(u, a, np.inf, loc=self.peak, scale=self.sd)

    def levels(self, count: int) -> list[float]:
        """Grid levels: the explicit values, else ``count`` evenly spaced from low to high."""
        if self.values:
            return list(self.values)
        return [float(v) for v in np.linspace(self.low, self.high, count)] if count > 1 else [self.low]


_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def parse_param(text: str) -> ParamRange:
    """Parse ``NAME=SPEC`` as the command line writes it.

    SPEC is ``LOW:HIGH`` (a range), ``V1,V2,…`` (grid levels), one number (a fixed value),
    ``uniform(LOW,HIGH)``, ``triangular(LOW,PEAK,HIGH)`` or ``normal(MEAN,SD)``::

        parse_param("weights.travel=0.2:0.6")            # uniform range
        parse_param("demand.emergency=triangular(0.9,1.05,1.3)")
        parse_param("speed.car.*=0.8,1.0,1.2")           # three grid levels
    """
    name, sep, spec = text.partition("=")
    name, spec = name.strip(), spec.replace(" ", "")
    usage = ("write NAME=LOW:HIGH, NAME=V1,V2,…, NAME=uniform(LOW,HIGH), NAME=triangular(LOW,PEAK,HIGH) "
             "or NAME=normal(MEAN,SD)")
    if not sep or not name or not spec:
        raise OptimiserError(f"cannot read the parameter {text!r}: {usage}")
    match = re.fullmatch(rf"(uniform|triangular|normal)\(({_NUMBER}(?:,{_NUMBER})*)\)", spec)
    try:
        if match:
            kind, numbers = match.group(1), [float(v) for v in match.group(2).split(",")]
            if kind == "uniform" and len(numbers) == 2:
                return _range(ParamRange(name, numbers[0], numbers[1]))
            if kind == "triangular" and len(numbers) == 3:
                low, peak, high = numbers
                if not low <= peak <= high:
                    raise OptimiserError(f"parameter {name!r}: triangular(LOW,PEAK,HIGH) needs LOW ≤ PEAK ≤ HIGH")
                return ParamRange(name, low, high, "triangular", peak=peak)
            if kind == "normal" and len(numbers) == 2:
                mean, sd = numbers
                if sd <= 0 or mean < 0:
                    raise OptimiserError(f"parameter {name!r}: normal(MEAN,SD) needs MEAN ≥ 0 and SD > 0")
                return ParamRange(name, max(0.0, mean - 2 * sd), mean + 2 * sd, "normal", peak=mean, sd=sd)
            raise OptimiserError(f"cannot read the parameter {text!r}: {usage}")
        if re.fullmatch(rf"{_NUMBER}:{_NUMBER}", spec):
            low, high = (float(v) for v in spec.split(":"))
            return _range(ParamRange(name, low, high))
        if re.fullmatch(rf"{_NUMBER}(?:,{_NUMBER})*", spec):
            values = tuple(float(v) for v in spec.split(","))
            return ParamRange(name, min(values), max(values), values=values)
    except ValueError as error:
        if isinstance(error, OptimiserError):
            raise
    raise OptimiserError(f"cannot read the parameter {text!r}: {usage}")


def _range(param: ParamRange) -> ParamRange:
    if param.low > param.high:
        raise OptimiserError(f"parameter {param.name!r}: LOW ({param.low:g}) is above HIGH ({param.high:g})")
    return param


@dataclass(frozen=True)
class Design:
    """Which scenarios a sweep runs. Build one with :meth:`grid`, :meth:`oat`, :meth:`monte_carlo`,
    :meth:`sobol`, :meth:`morris` or :meth:`named`.

    ``samples``: Monte Carlo draws, Sobol base samples N (a power of 2; N·(d+2) scenarios),
    or Morris trajectories (r·(d+1) scenarios). ``levels``: grid levels per parameter without
    explicit values, or Morris grid levels. ``seed`` fixes every random draw.
    """

    kind: DesignKind
    params: tuple[ParamRange, ...] = ()
    samples: int = 0
    levels: int = 3
    seed: int = 0
    named_scenarios: tuple[tuple[str, tuple[tuple[str, float | None], ...]], ...] = ()

    @classmethod
    def grid(cls, params: Sequence[ParamRange | str], *, levels: int = 3) -> Design:
        return cls("grid", _params(params), levels=levels)

    @classmethod
    def oat(cls, params: Sequence[ParamRange | str]) -> Design:
        """One at a time: the base scenario, then each parameter at its low and at its high end."""
        return cls("oat", _params(params))

    @classmethod
    def monte_carlo(cls, params: Sequence[ParamRange | str], *, samples: int, seed: int = 0) -> Design:
        return cls("montecarlo", _params(params), samples=samples, seed=seed)

    @classmethod
    def sobol(cls, params: Sequence[ParamRange | str], *, samples: int, seed: int = 0) -> Design:
        """Saltelli's scheme through SALib (first and total order): ``samples`` · (d + 2) scenarios."""
        if samples < 2 or samples & (samples - 1):
            raise OptimiserError(f"a Sobol design needs a power of 2 base samples (64, 128, …), not {samples}")
        return cls("sobol", _params(params), samples=samples, seed=seed)

    @classmethod
    def morris(cls, params: Sequence[ParamRange | str], *, trajectories: int, levels: int = 4,
               seed: int = 0) -> Design:
        """Morris elementary effects through SALib: ``trajectories`` · (d + 1) scenarios."""
        return cls("morris", _params(params), samples=trajectories, levels=levels, seed=seed)

    @classmethod
    def named(cls, scenarios: Mapping[str, Mapping[str, Any] | Scenario]) -> Design:
        """Given scenarios (e.g. those of ``scenarios.yaml``), by name."""
        items = []
        for name, overrides in scenarios.items():
            flat = overrides.overrides if isinstance(overrides, Scenario) else dict(overrides)
            items.append((str(name), tuple(sorted(flat.items()))))
        return cls("named", named_scenarios=tuple(items))

    @property
    def names(self) -> list[str]:
        """Parameter names the design varies (for named scenarios, every name any of them sets)."""
        if self.kind == "named":
            return sorted({name for _, overrides in self.named_scenarios for name, _ in overrides})
        return [p.name for p in self.params]

    def to_dict(self) -> dict[str, Any]:
        return json.loads(json.dumps(asdict(self)))

    def problem(self) -> dict[str, Any]:
        """The SALib problem: names and uniform bounds."""
        return {"num_vars": len(self.params), "names": self.names,
                "bounds": [[p.low, p.high if p.high > p.low else p.low + 1e-12] for p in self.params]}

    def matrix(self) -> np.ndarray:
        """Parameter values, one row per scenario (not for ``oat`` and ``named``)."""
        d = len(self.params)
        if self.kind == "grid":
            return np.array(list(itertools.product(*(p.levels(self.levels) for p in self.params))), float)
        if self.kind == "montecarlo":
            u = np.random.default_rng(self.seed).random((self.samples, d))
            u = np.clip(u, 1e-12, 1 - 1e-12)
            return np.column_stack([p.draw(u[:, j]) for j, p in enumerate(self.params)]) if d else u
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if self.kind == "sobol":
                from SALib.sample import sobol as sobol_sample

                return sobol_sample.sample(self.problem(), self.samples, calc_second_order=False, seed=self.seed)
            if self.kind == "morris":
                from SALib.sample import morris as morris_sample

                return morris_sample.sample(self.problem(), self.samples, num_levels=self.levels, seed=self.seed)
        raise OptimiserError(f"a {self.kind} design has no sample matrix")

    def scenarios(self, instance: Instance) -> list[Scenario]:
        """The design's scenarios in order, ids ``s000000`` …, each checked against the instance."""
        if self.kind == "named":
            rows = [(name, check_overrides(instance, dict(overrides))) for name, overrides in self.named_scenarios]
        elif self.kind == "oat":
            for p in self.params:
                check_value(parameter(instance, p.name), p.low)
            rows = [("base", {})] + [(f"{p.name}={label}", {p.name: value}) for p in self.params
                                     for label, value in (("low", p.low), ("high", p.high))]
        else:
            for p in self.params:
                parameter(instance, p.name)
            rows = [("", dict(zip(self.names, map(float, row), strict=True))) for row in self.matrix()]
            rows = [(name, check_overrides(instance, overrides)) for name, overrides in rows]
        return [Scenario(f"s{i:06d}", overrides) for i, (_, overrides) in enumerate(rows)] if rows else []

    def labels(self, instance: Instance) -> list[str]:
        """A readable label per scenario (the scenario name, or the OAT step), in design order."""
        if self.kind == "named":
            return [name for name, _ in self.named_scenarios]
        if self.kind == "oat":
            return ["base"] + [f"{p.name}={end}" for p in self.params for end in ("low", "high")]
        return [""] * len(self.scenarios(instance))


def _params(params: Sequence[ParamRange | str]) -> tuple[ParamRange, ...]:
    parsed = tuple(parse_param(p) if isinstance(p, str) else p for p in params)
    names = [p.name for p in parsed]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        raise OptimiserError(f"a parameter is given twice: {', '.join(twice)}")
    if not parsed:
        raise OptimiserError("a design needs at least one parameter (--param NAME=LOW:HIGH)")
    return parsed


# --- configurations as text -------------------------------------------------------------------

def configuration_key(configuration: Configuration) -> str:
    """A configuration as stable text: ``site:role,…|site:service,…`` (both sorted)."""
    roles = ",".join(f"{s}:{k}" for s, k in configuration.roles)
    hosts = ",".join(f"{s}:{l}" for s, l in sorted(configuration.hosts))
    return f"{roles}|{hosts}"


def _hosts_of_key(key: str) -> frozenset[tuple[str, str]]:
    hosts = key.partition("|")[2]
    return frozenset(tuple(pair.split(":", 1)) for pair in hosts.split(",") if pair)


# --- the worker side --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Settings:
    top: int
    options: tuple[str, ...]
    rebuild: bool
    model: ModelOptions
    distinct: naming.Distinct


class _Worker:
    """One process's instance, base engine and travel times, built once and reused for every scenario."""

    def __init__(self, instance: Instance, settings: _Settings):
        self.instance = instance
        self.settings = settings
        self.solver = SolverOptions(threads=1)
        self.engine = Engine.build(instance, options=settings.model, solver=self.solver)
        self.times = self.engine.data.times
        self.options = {o: option_configuration(instance, o) for o in settings.options}
        self.engines: OrderedDict[str, Engine] = OrderedDict()
        self.infeasible: dict[int, set[str]] = {}
        self.name = f"{socket.gethostname()}:{os.getpid()}"

    def engine_for(self, scenario: Scenario) -> tuple[Engine, bool]:
        if not scenario.structural and not self.settings.rebuild:
            return self.engine, False
        key = json.dumps(sorted(scenario.structure.items()))
        if key in self.engines and not self.settings.rebuild:
            self.engines.move_to_end(key)
            return self.engines[key], False
        changed = apply(self.instance, scenario.structure)
        speeds = any(name.startswith("speed.") for name in scenario.structure)
        engine = Engine.build(changed, options=self.settings.model, solver=self.solver,
                              times=None if speeds else self.times)
        self.infeasible.pop(id(engine), None)  # a new model at a reused address
        if not self.settings.rebuild:
            self.engines[key] = engine
            while len(self.engines) > CACHED_ENGINES:
                self.infeasible.pop(id(self.engines.popitem(last=False)[1]), None)
        return engine, True

    def option_objective(self, engine: Engine, option_id: str, configuration: Configuration,
                         weights: Mapping[str, float]) -> float:
        """A named option's objective under the scenario (NaN where no allocation meets the rules).

        As :meth:`Engine.evaluate`, without building the allocation tables a sweep does not keep.
        The session already holds the scenario's weights (set by the solve just before). Whether a
        pinned configuration is feasible does not depend on the weights, so an infeasible option is
        remembered per model and not solved again.
        """
        infeasible = self.infeasible.setdefault(id(engine), set())
        if option_id in infeasible:
            return float("nan")
        result = engine.solve_pinned(configuration)
        if not result.has_solution:
            if result.status.value == "infeasible":
                infeasible.add(option_id)
            return float("nan")
        raw = engine.form.objective_values(result.values)
        return float(sum(weights.get(c, 0.0) * raw[c] / engine.scales[c] for c in CRITERIA))

    def run(self, task: Mapping[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        row: dict[str, Any] = {"scenario_id": task["scenario_id"], "status": "error", "error": "",
                               "rebuilt": False, "worker": self.name}
        try:
            scenario = Scenario(task["scenario_id"], dict(task["overrides"]))
            engine, row["rebuilt"] = self.engine_for(scenario)
            result = engine.solve(top=self.settings.top, weights=scenario.weights or None,
                                  distinct=self.settings.distinct)
            row["status"] = result.status.value if result.ranked else (
                "infeasible" if result.status.value == "infeasible" else result.status.value)
            for k, ranked in enumerate(result.ranked[: self.settings.top], start=1):
                row[f"top_{k}"] = configuration_key(ranked.configuration)
                row[f"objective_{k}"] = ranked.objective
            if result.ranked:
                best = result.ranked[0]
                row["objective"], row["gap"] = best.objective, best.gap
                row.update({f"criteria.{c}": best.criteria[c] for c in CRITERIA})
            for option_id, configuration in self.options.items():
                row[f"option.{option_id}"] = self.option_objective(engine, option_id, configuration, result.weights)
        except Exception as error:  # a crashing scenario is recorded, and the sweep goes on
            row["status"], row["error"] = "error", f"{type(error).__name__}: {error}"
        row["seconds"] = time.perf_counter() - start
        return row


_WORKERS: dict[str, _Worker] = {}


def _init_worker(token: str, shipped: Path, settings: _Settings, ready: Event) -> None:
    """ProcessPoolExecutor initializer: end with the sweep's process, build this process's engine once
    (from the instance :func:`_shipped` wrote), then say so through the event ``ready`` (a pool that
    breaks before that died at start-up)."""
    _end_with_parent(shipped)
    _WORKERS[token] = _Worker(pickle.loads(shipped.read_bytes()), settings)
    ready.set()


def _end_with_parent(shipped: Path) -> None:
    """End this worker process as soon as the process that started it ends, however it ends (SIGKILL too),
    removing the instance file the parent could not.

    A daemon thread waits on the parent's sentinel (``multiprocessing.parent_process().sentinel``: on
    POSIX a pipe that only the parent holds open, on Windows its process handle) and exits when it is
    ready. This is chosen over ``prctl(PR_SET_PDEATHSIG)``, which is Linux only and fires when the
    *thread* that started the worker ends, and over polling ``os.getppid()``, which adds a delay and
    fails on Windows (an orphan keeps its parent's pid). HiGHS releases the GIL while it solves, so
    the thread runs mid-solve. Once the workers are gone, the resource tracker they keep open ends too.
    """
    sentinel = multiprocessing.parent_process().sentinel

    def exit_when_parent_ends() -> None:
        multiprocessing.connection.wait([sentinel])
        shutil.rmtree(shipped.parent, ignore_errors=True)
        os._exit(1)  # at once: the results this worker holds have nowhere to go

    threading.Thread(target=exit_when_parent_ends, name="end-with-parent", daemon=True).start()


def _run_batch(token: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a batch on this process's engine (local pool)."""
    worker = _WORKERS[token]
    return [worker.run(task) for task in batch]


def _run_batch_dask(token: str, instance: Instance, settings: _Settings,
                    batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run a batch on a Dask worker: the process builds its engine the first time it sees the sweep."""
    if token not in _WORKERS:
        _WORKERS.clear()  # one sweep's engine per process at a time
        _WORKERS[token] = _Worker(instance, settings)
    return _run_batch(token, batch)


# --- results ----------------------------------------------------------------------------------

def _columns(design_names: list[str], top: int, options: Sequence[str]) -> dict[str, str]:
    """Every column of a results file and its type, in order."""
    columns = {"scenario_id": "str", "index": "int64", "digest": "str", "label": "str", "status": "str",
               "error": "str", "rebuilt": "bool", "seconds": "float64", "worker": "str"}
    columns.update(dict.fromkeys(design_names, "float64"))
    columns.update({"objective": "float64", "gap": "float64"})
    for k in range(1, top + 1):
        columns[f"top_{k}"] = "str"
        columns[f"objective_{k}"] = "float64"
    columns.update({f"criteria.{c}": "float64" for c in CRITERIA})
    columns.update({f"option.{o}": "float64" for o in options})
    return columns


def _frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    def blank(value: Any) -> bool:
        return value is None or (isinstance(value, float) and math.isnan(value))

    data = {}
    for name, kind in columns.items():
        values = [row.get(name) for row in rows]
        if kind == "str":
            data[name] = pd.Series(["" if blank(v) else str(v) for v in values], dtype=str)
        elif kind == "bool":
            data[name] = pd.Series([bool(v) and not blank(v) for v in values], dtype=bool)
        else:
            data[name] = pd.Series([np.nan if blank(v) else v for v in values], dtype=kind)
    return pd.DataFrame(data)


def _write_atomic(content: pd.DataFrame | str, target: Path) -> Path:
    """Write Parquet (a frame) or text to a temporary name beside ``target``, then rename, so that a
    killed process leaves the file whole or absent; never replaces a file."""
    while target.exists():
        target = target.with_name(f"{target.stem}-{uuid.uuid4().hex[:6]}{target.suffix}")
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}{TEMPORARY}")
    if isinstance(content, str):
        temporary.write_text(content, encoding="utf-8")
    else:
        content.to_parquet(temporary, index=False)
    os.replace(temporary, target)  # the same folder: atomic
    return target


def _temporary(path: Path) -> bool:
    """Whether ``path`` is a file :func:`_write_atomic` left half-written (ignored, never read)."""
    return path.name.startswith(".") and path.name.endswith(TEMPORARY)


def _write_batch(folder: Path, frame: pd.DataFrame) -> Path:
    ids = ",".join(frame["scenario_id"])
    name = f"part-{frame['index'].min():06d}-{hashlib.sha256(ids.encode()).hexdigest()[:10]}.parquet"
    return _write_atomic(frame, folder / RESULTS / name)


def read_results(out: str | os.PathLike) -> pd.DataFrame:
    """Every result written so far in a sweep folder, in design order (one row per scenario)."""
    files = sorted((Path(out) / RESULTS).glob("part-*.parquet"))
    if not files:
        return pd.DataFrame()
    frame = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    return frame.drop_duplicates("scenario_id", keep="first").sort_values("index", kind="stable").reset_index(
        drop=True)


def _instance_digest(instance: Instance) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(instance.settings, sort_keys=True, default=str).encode())
    for stem in sorted(instance.tables):
        digest.update(stem.encode())
        digest.update(instance.tables[stem].to_csv().encode())
    digest.update(instance.demand.to_csv().encode())
    return digest.hexdigest()


# --- the result -------------------------------------------------------------------------------

@dataclass
class SweepResult:
    """A finished (or resumed) sweep: its results as a frame and the summaries a report shows.

    ``results``: one row per scenario in design order: ``scenario_id``, ``index``, ``label``,
    ``status`` (``optimal``, ``infeasible``, ``error`` …), ``error``, the design's parameters
    (one column each, by parameter name), ``objective`` and ``criteria.<criterion>`` of the best
    configuration, ``top_1`` … ``top_K`` (configuration keys) with ``objective_1`` …, and
    ``option.<id>`` (each named option's objective under the scenario; NaN where infeasible).
    """

    instance: str
    design: Design
    out: Path
    results: pd.DataFrame
    top: int
    options: tuple[str, ...]
    option_keys: dict[str, str] = field(default_factory=dict)
    ran: int = 0
    skipped: int = 0
    seconds: float = 0.0

    def __repr__(self) -> str:
        return (f"SweepResult({self.instance!r}: {self.design.kind} design, {len(self.solved)} solved, "
                f"{len(self.failed)} failed, in {self.out})")

    def _repr_html_(self) -> str:
        return html_view(f"{self.instance}: {self.design.kind} sweep", {
            "scenarios solved": len(self.solved), "failed": len(self.failed), "folder": self.out},
            {"how often each configuration is best": self.summary()})

    @property
    def solved(self) -> pd.DataFrame:
        return self.results[self.results["top_1"] != ""]

    @property
    def failed(self) -> pd.DataFrame:
        return self.results[self.results["status"] == "error"]

    def labels(self) -> dict[str, str]:
        """Configuration key → label: a named option's id where the services match, else C1, C2 … by frequency."""
        named = {}
        for option_id, key in self.option_keys.items():
            named.setdefault(_hosts_of_key(key), option_id)
        keys = pd.concat([self.results[f"top_{k}"] for k in range(1, self.top + 1)])
        counts = keys[keys != ""].value_counts(sort=False)
        first = self.results["top_1"].value_counts()
        order = sorted(counts.index, key=lambda k: (-first.get(k, 0), -counts[k], k))
        labels, n = {}, 0
        for key in order:
            option = named.get(_hosts_of_key(key))
            if option is None:
                n += 1
            labels[key] = option if option is not None else f"C{n}"
        return labels

    def summary(self) -> pd.DataFrame:
        """How often each configuration is optimal and in the top 3 (shares of the solved scenarios)."""
        solved = self.solved
        labels = self.labels()
        rows = []
        top_n = min(3, self.top)
        for key, label in labels.items():
            optimal = solved["top_1"] == key
            in_top = np.zeros(len(solved), bool)
            for k in range(1, top_n + 1):
                in_top |= (solved[f"top_{k}"] == key).to_numpy()
            rows.append({"configuration": label, "optimal": int(optimal.sum()),
                         "optimal_share": float(optimal.mean()) if len(solved) else float("nan"),
                         f"top{top_n}": int(in_top.sum()),
                         f"top{top_n}_share": float(in_top.mean()) if len(solved) else float("nan"),
                         "mean_objective_when_optimal": float(solved.loc[optimal, "objective"].mean())
                         if optimal.any() else float("nan"), "key": key})
        columns = ["configuration", "optimal", "optimal_share", f"top{top_n}", f"top{top_n}_share",
                   "mean_objective_when_optimal", "key"]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.sort_values(["optimal", f"top{top_n}"], ascending=False, kind="stable").reset_index(drop=True)

    def ranks(self) -> pd.DataFrame:
        """Rank stability of the named options: in each scenario the feasible named options are ranked by
        their objective under it (1 = best); shares of scenarios at each rank, the share feasible, the
        mean rank, and the share in which the option is the optimiser's optimum."""
        columns = [f"option.{o}" for o in self.options]
        if not columns:
            return pd.DataFrame()
        solved = self.results[self.results["status"] != "error"]
        values = solved[columns].to_numpy(float)
        ranks = pd.DataFrame(values).rank(axis=1, method="min").to_numpy()
        labels = self.labels()
        top = solved["top_1"].map(labels)
        rows = []
        for j, option in enumerate(self.options):
            r = ranks[:, j]
            row = {"option": option, "feasible_share": float(np.mean(~np.isnan(values[:, j]))) if len(r) else np.nan,
                   "mean_rank": float(np.nanmean(r)) if (~np.isnan(r)).any() else float("nan"),
                   "optimal_share": float((top == option).mean()) if len(r) else float("nan")}
            row.update({f"rank_{k}": float(np.mean(r == k)) if len(r) else np.nan
                        for k in range(1, len(self.options) + 1)})
            rows.append(row)
        return pd.DataFrame(rows).set_index("option")

    def tornado(self, output: str = "objective") -> pd.DataFrame:
        """One-at-a-time: each parameter's low and high end against the base, largest swing first.

        ``output`` is ``objective``, ``criteria.<criterion>`` or ``option.<id>``; ``top_low`` and
        ``top_high`` label the optimal configuration at each end (``changes``: it differs from the base's).
        """
        if self.design.kind != "oat":
            raise OptimiserError(f"tornado data needs a one-at-a-time design (--design oat), not {self.design.kind}")
        results = self.results.set_index("label")
        labels = self.labels()
        if "base" not in results.index:
            raise OptimiserError("the base scenario of the one-at-a-time sweep has no result yet")
        base = results.loc["base"]
        rows = []
        for p in self.design.params:
            low = results.loc[f"{p.name}=low"] if f"{p.name}=low" in results.index else None
            high = results.loc[f"{p.name}=high"] if f"{p.name}=high" in results.index else None
            value = (lambda r: float(r[output]) if r is not None else float("nan"))  # noqa: E731
            top = (lambda r: labels.get(r["top_1"], "") if r is not None else "")  # noqa: E731
            rows.append({"parameter": p.name, "low": p.low, "base": float(base[p.name]), "high": p.high,
                         "output": output, "at_low": value(low), "at_base": value(base), "at_high": value(high),
                         "swing": abs(value(high) - value(low)), "top_low": top(low), "top_base": top(base),
                         "top_high": top(high),
                         "changes": top(low) != top(base) or top(high) != top(base)})
        return pd.DataFrame(rows).sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)

    def outputs(self) -> pd.DataFrame:
        """The outputs indices are computed on: objective, each criterion of the best configuration, and
        ``top.<label>`` (1 where the most often optimal configuration is optimal, else 0)."""
        results = self.results
        frame = results[["objective", *[f"criteria.{c}" for c in CRITERIA]]].copy()
        solved = results["top_1"] != ""
        if solved.any():
            modal = results.loc[solved, "top_1"].value_counts().index[0]
            frame[f"top.{self.labels()[modal]}"] = np.where(solved, (results["top_1"] == modal).astype(float),
                                                            np.nan)
        return frame

    def indices(self) -> pd.DataFrame:
        """Sobol (S1, ST with 95% confidence intervals) or Morris (mu, mu_star with its interval, sigma)
        indices of every output for every parameter, tidy. An output with a failed scenario, or that never
        varies, gets NaN indices and a note."""
        kind = self.design.kind
        if kind not in ("sobol", "morris"):
            raise OptimiserError(f"sensitivity indices need a sobol or morris design, not {kind}")
        expected = len(self.design.matrix())
        rows = []
        outputs = self.outputs()
        problem = self.design.problem()
        x = self.results[self.design.names].to_numpy(float)
        for output in outputs.columns:
            y = outputs[output].to_numpy(float)
            note = ""
            if len(y) != expected:
                note = f"{expected - len(y)} scenarios have no result yet"
            elif np.isnan(y).any():
                note = f"{int(np.isnan(y).sum())} scenarios failed or were infeasible"
            elif np.ptp(y) <= 1e-12 * max(1.0, abs(y).max()):
                note = "the output does not vary"
            analysed = _analyse(kind, problem, x, y, self.design) if not note else None
            for j, name in enumerate(self.design.names):
                row = {"output": output, "parameter": name, "note": note}
                if kind == "sobol":
                    keys = ("S1", "S1_conf", "ST", "ST_conf")
                else:
                    keys = ("mu", "mu_star", "mu_star_conf", "sigma")
                row.update({k: float(analysed[k][j]) if analysed is not None else float("nan") for k in keys})
                rows.append(row)
        frame = pd.DataFrame(rows)
        if kind == "sobol":
            frame["S1_low"], frame["S1_high"] = frame["S1"] - frame["S1_conf"], frame["S1"] + frame["S1_conf"]
            frame["ST_low"], frame["ST_high"] = frame["ST"] - frame["ST_conf"], frame["ST"] + frame["ST_conf"]
        return frame


def _analyse(kind: str, problem: dict, x: np.ndarray, y: np.ndarray, design: Design) -> dict:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if kind == "sobol":
            from SALib.analyze import sobol

            return sobol.analyze(problem, y, calc_second_order=False, conf_level=0.95, seed=design.seed,
                                 print_to_console=False)
        from SALib.analyze import morris

        return morris.analyze(problem, x, y, conf_level=0.95, num_levels=design.levels, seed=design.seed,
                              print_to_console=False)


def open_sweep(out: str | os.PathLike) -> SweepResult:
    """A sweep folder read back (finished or not), without solving anything."""
    out = Path(out)
    manifest_path = out / MANIFEST
    if not manifest_path.is_file():
        raise OptimiserError(f"{out} holds no sweep (no {MANIFEST})")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    design = _design_from_dict(manifest["design"])
    return SweepResult(manifest["instance"], design, out, read_results(out), manifest["top"],
                       tuple(manifest["options"]), manifest.get("option_keys", {}))


def _design_from_dict(data: Mapping[str, Any]) -> Design:
    params = tuple(ParamRange(**{**p, "values": tuple(p["values"])}) for p in data["params"])
    named = tuple((name, tuple((k, v) for k, v in overrides)) for name, overrides in data["named_scenarios"])
    return Design(data["kind"], params, data["samples"], data["levels"], data["seed"], named)


# --- running a sweep --------------------------------------------------------------------------

def sweep(instance: Instance, design: Design, *, out: str | os.PathLike, workers: int | None = None,
          scheduler: str | Any | None = None, top: int = 3, options: Iterable[str] | None = None,
          batch_size: int | None = None, progress: bool = False, rebuild: bool = False,
          distinct: str | None = None) -> SweepResult:
    """Solve every scenario of ``design`` on ``instance``, streaming results to ``out``; resume if
    ``out`` holds an unfinished sweep of the same design.

    - ``workers``: local worker processes (default: the number of cores); 0 runs in this process
      (no pool: for debugging and small sweeps); ignored with a scheduler.
    - ``scheduler``: a Dask scheduler address (``tcp://host:8786``) or a ``distributed.Client``.
    - ``top``: configurations ranked per scenario (for "optimal or top-3" counts).
    - ``options``: named options evaluated under each scenario (default: all of ``options.yaml``).
    - ``batch_size``: scenarios per task and per results file (default: about 8 batches per worker).
    - ``progress``: a progress bar on the console.
    - ``rebuild``: build a new model for every scenario, even weight-only ones (for benchmarks).
    - ``distinct``: the level the top configurations differ at, as in :func:`optimiser.search.engine.solve`
      (``roles``, ``all``, ``services:a,b``; by default roles where the instance has them).
    """
    start = time.perf_counter()
    out = Path(out)
    option_ids = tuple(instance.options.index) if options is None else tuple(options)
    for option_id in option_ids:
        option_configuration(instance, option_id)  # unknown ids fail before any work
    if top < 1:
        raise OptimiserError(f"top must be at least 1, not {top}")
    level = naming.distinct(instance, distinct)
    scenarios = design.scenarios(instance)
    labels = design.labels(instance)
    option_keys = {o: configuration_key(option_configuration(instance, o)) for o in option_ids}
    manifest = {"format": FORMAT_VERSION, "instance": instance.name, "instance_digest": _instance_digest(instance),
                "design": design.to_dict(), "top": top, "options": list(option_ids), "option_keys": option_keys,
                "closest_assignment": bool(instance.settings.get("closest_assignment")),
                "distinct": [level.level, *level.services], "scenarios": len(scenarios)}
    _open_folder(out, manifest, scenarios, design, labels, instance)
    done = read_results(out)
    done_ids = set(done["scenario_id"]) if not done.empty else set()
    _check_done(done, scenarios)
    pending = [(i, s) for i, s in enumerate(scenarios) if s.name not in done_ids]
    settings = _Settings(top, option_ids, rebuild,
                         ModelOptions(closest_assignment=bool(instance.settings.get("closest_assignment"))), level)
    columns = _columns(design.names, top, option_ids)
    params = {name: base_value(instance, name) for name in design.names}

    def to_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
        for row in rows:
            i = int(row["scenario_id"][1:])
            scenario = scenarios[i]
            row.update(index=i, digest=scenario.digest(), label=labels[i])
            row.update({name: scenario.overrides.get(name, params[name]) for name in design.names})
        return _frame(rows, columns)

    if pending:
        tasks = [(i, {"scenario_id": s.name, "overrides": s.overrides}) for i, s in pending]
        # Scenarios that share data overrides run one after another, so a worker reuses their model.
        tasks.sort(key=lambda t: (json.dumps(sorted(scenarios[t[0]].structure.items())), t[0]))
        n_workers = 1 if scheduler is not None or workers == 0 else max(1, workers or os.cpu_count() or 1)
        size = batch_size or max(1, min(50, math.ceil(len(tasks) / (8 * n_workers))))
        batches = [[task for _, task in tasks[k:k + size]] for k in range(0, len(tasks), size)]
        write = _ProgressWriter(out, to_frame, len(scenarios), len(done_ids), progress)
        with write:
            if scheduler is not None:
                _run_dask(scheduler, instance, settings, batches, write)
            elif workers == 0:
                worker = _Worker(instance, settings)
                for batch in batches:
                    write([worker.run(task) for task in batch])
            else:
                with _shipped(instance) as shipped:
                    _run_local(n_workers, shipped, settings, batches, write)
    return SweepResult(instance.name, design, out, read_results(out), top, option_ids, option_keys,
                       ran=len(pending), skipped=len(done_ids), seconds=time.perf_counter() - start)


def _open_folder(out: Path, manifest: dict, scenarios: list[Scenario], design: Design, labels: list[str],
                 instance: Instance) -> None:
    """Create the sweep folder, or check that the one there is the same sweep (to resume it).

    The manifest is written first and the scenarios table after it, each whole or not at all, so a
    process killed at any point leaves a folder that the same sweep resumes: a manifest missing means a
    new sweep (only our own temporary files can be there), a scenarios table missing is written again.
    """
    path = out / MANIFEST
    if out.exists() and not out.is_dir():
        raise OptimiserError(f"{out} is a file: write the sweep to a new or empty folder")
    if path.exists():
        found = json.loads(path.read_text(encoding="utf-8"))
        different = [key for key in ("instance", "instance_digest", "design", "top", "options", "closest_assignment",
                                     "distinct") if found.get(key) != manifest[key]]
        if different:
            raise OptimiserError(
                f"{out} holds another sweep (its {', '.join(different)} differ{'s' if len(different) == 1 else ''}): "
                "resume it with the same instance, design, seed and options, or write to a new folder")
    elif out.exists() and any(p.name != RESULTS and not _temporary(p) for p in out.iterdir()):
        raise OptimiserError(f"{out} already holds files and no sweep: write the sweep to a new or empty folder")
    else:
        (out / RESULTS).mkdir(parents=True, exist_ok=True)
        _write_atomic(json.dumps(manifest, indent=2, default=str), path)
    if (out / SCENARIOS).exists():
        return
    table = pd.DataFrame({"scenario_id": [s.name for s in scenarios], "index": range(len(scenarios)),
                          "digest": [s.digest() for s in scenarios], "label": labels,
                          "overrides": [json.dumps(s.overrides) for s in scenarios]})
    for name in design.names:
        table[name] = [s.overrides.get(name, base_value(instance, name)) for s in scenarios]
    _write_atomic(table, out / SCENARIOS)


def _check_done(done: pd.DataFrame, scenarios: list[Scenario]) -> None:
    """Results already written must be of this design's scenarios (same id, same overrides)."""
    if done.empty:
        return
    expected = {s.name: s.digest() for s in scenarios}
    wrong = [sid for sid, digest in zip(done["scenario_id"], done["digest"], strict=True)
             if expected.get(sid) != digest]
    if wrong:
        raise OptimiserError(f"results for {len(wrong)} scenarios (first {wrong[0]}) do not match this design: "
                             "the folder holds another sweep")


class _ProgressWriter:
    """Writes each finished batch and advances the progress bar."""

    def __init__(self, out: Path, to_frame: Callable[[list[dict]], pd.DataFrame], total: int, done: int,
                 progress: bool):
        self.out, self.to_frame = out, to_frame
        self.total, self.written = total, done
        self.bar = None
        if progress:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            self.task = self.bar.add_task("sweep", total=total, completed=done)

    def __enter__(self) -> _ProgressWriter:
        if self.bar is not None:
            self.bar.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def kept(self) -> str:
        """What a stopped sweep leaves, for its error message."""
        return (f"{self.written} of {self.total} results are written in {self.out}: "
                "run the sweep again to resume it.")

    def __call__(self, rows: list[dict[str, Any]]) -> None:
        _write_batch(self.out, self.to_frame(rows))
        self.written += len(rows)
        if self.bar is not None:
            self.bar.advance(self.task, len(rows))


def _died(batch: list[dict[str, Any]], attempts: int) -> list[dict[str, Any]]:
    return [{"scenario_id": task["scenario_id"], "status": "error",
             "error": f"the worker process died while solving this scenario ({attempts} attempts)"}
            for task in batch]


@contextmanager
def _shipped(instance: Instance) -> Iterator[Path]:
    """The instance pickled to a temporary file, which worker processes read as they start.

    Not through the spawn pipe: CPython writes a new process's start-up data to a pipe whose read end
    it holds itself, so once that data outgrows the pipe's buffer (64 KB on Linux; ``mse`` is 81 KB), a
    worker that dies before reading it all (a script without the main guard) blocks the sweep for ever.
    """
    with tempfile.TemporaryDirectory(prefix="optimiser-sweep-") as folder:
        path = Path(folder) / "instance.pickle"
        path.write_bytes(pickle.dumps(instance, protocol=pickle.HIGHEST_PROTOCOL))
        yield path


def _run_local(workers: int, shipped: Path, settings: _Settings, batches: list[list[dict]],
               write: _ProgressWriter) -> None:
    """Worker processes (spawned, each building its engine once); a dead worker's scenarios are retried,
    but workers that die as they start stop the sweep: they would die again at every retry."""
    token = uuid.uuid4().hex
    context = multiprocessing.get_context("spawn")
    queue: deque[tuple[list[dict], int]] = deque((batch, 1) for batch in batches)
    while queue:
        ready = context.Event()
        pool = ProcessPoolExecutor(max_workers=min(workers, len(queue)), mp_context=context,
                                   initializer=_init_worker, initargs=(token, shipped, settings, ready))
        running: dict[Any, tuple[list[dict], int]] = {}
        try:
            # Keep a few batches per worker in flight, so a dead worker costs little work.
            while queue or running:
                while queue and len(running) < 2 * workers:
                    batch, attempt = queue.popleft()
                    running[pool.submit(_run_batch, token, batch)] = (batch, attempt)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    rows = future.result()  # raises BrokenProcessPool if a worker died
                    del running[future]
                    write(rows)
        except BrokenProcessPool:
            if not ready.is_set():
                raise OptimiserError(
                    "the sweep's worker processes died as they started, before solving any scenario (their error "
                    "is printed above). A script that runs a sweep must call it under "
                    "'if __name__ == \"__main__\":', since each worker process imports the script; or pass "
                    f"workers=0 (--workers 0) to solve in this process. {write.kept()}") from None
            for future, (batch, attempt) in running.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    write(future.result())
                    continue
                for task in batch:  # retried one by one, so one bad scenario cannot sink its batch again
                    if attempt >= MAX_ATTEMPTS:
                        write(_died([task], attempt))
                    else:
                        queue.append(([task], attempt + 1))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _run_dask(scheduler: str | Any, instance: Instance, settings: _Settings, batches: list[list[dict]],
              write: Callable[[list[dict]], None]) -> None:
    """Batches as Dask tasks; each worker process builds its engine the first time, then reuses it."""
    from distributed import Client, as_completed
    from distributed.client import FutureCancelledError

    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    token = uuid.uuid4().hex
    try:
        [shared] = client.scatter([instance], broadcast=True, hash=False)
        futures = {client.submit(_run_batch_dask, token, shared, settings, batch, pure=False,
                                 key=f"sweep-{token[:8]}-{k}"): batch for k, batch in enumerate(batches)}
        for future in as_completed(futures):
            try:
                write(future.result())
            except (FutureCancelledError, Exception) as error:  # KilledWorker after Dask's own retries
                if type(error).__name__ != "KilledWorker":
                    raise
                write(_died(futures[future], MAX_ATTEMPTS))
    finally:
        if client is not scheduler:
            client.close()
