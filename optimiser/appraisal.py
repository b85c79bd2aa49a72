"""Options appraisal: every option measured, hurdles checked, scored, ranked, and the ranking's robustness.

The appraisal scores *any* configuration — the optimiser's best K and the
instance's named options alike — on the criteria of ``criteria.yaml``, from
the same data as the model. It follows the NHS options-appraisal sequence:
hurdle criteria (pass/fail) first, then weighted evaluation criteria, each
scored 0–10 across the options appraised (best 10, worst 0, linear between),
summed with the stated weights; options that fail a hurdle are listed but not
ranked. Robustness is shown two ways: rank acceptability (the share of weight
vectors, drawn around the stated weights or within the analyst's ranges,
under which each option takes each rank) and, for each criterion, the range
of its weight over which the top option stays top.

Travel times of an option come from its allocation: the model's optimal one
where the option was solved or evaluated, else every patient at the nearest
site hosting the service (stated in the method).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .checker import check_configuration, check_solution
from .configuration import Configuration, Solution, baseline_configuration
from .instance import Instance
from .notebook import html_view
from .travel import TravelTimes, travel_times_by_mode

#: Each measure: (unit, which way is better, what it is). The report and FORMAT.md quote these.
MEASURES: dict[str, tuple[str, str, str]] = {
    "rules_met": ("pass", "higher", "every clinical standard, co-dependency, count, volume and capacity rule is met"),
    "within_estate": ("pass", "higher", "the demand fits today's capacity, with no expansion"),
    "mean_travel_min": ("minutes", "lower", "mean travel time, weighted by population (one service) or activity"),
    "p95_travel_min": ("minutes", "lower", "95th percentile of zones' travel time, weighted by population"),
    "within_standard_share": ("share", "higher",
                              "share of people within the access standard (the service's, or threshold minutes)"),
    "worst_zone_min": ("minutes", "lower", "the longest mean travel time of any zone"),
    "deprived_mean_travel_min": ("minutes", "lower", "mean travel time of the two most deprived quintiles"),
    "volume_shortfall": ("activity", "lower", "activity by which units fall short of (or exceed) volume standards"),
    "rotas_24_7": ("rotas", "lower", "consultant-led 24/7 rotas needed"),
    "consultant_posts": ("posts", "lower", "consultant posts for those rotas (10 per 24/7 rota, est.)"),
    "capital_gbp_m": ("GBP m", "lower", "new sites, services opened where they are not today, expansion"),
    "running_gbp_m": ("GBP m a year", "lower", "running cost of the units hosted"),
    "moves": ("services", "lower", "service lines opened or closed at a site against the status quo"),
    "transfers_per_year": ("patients", "lower",
                           "inter-site transfers: patients at a site without a service they need within N minutes, "
                           "times the rule's transfer share"),
}
#: Consultant posts per consultant-led 24/7 rota (est.: a 1-in-10 on-call rota).
CONSULTANTS_PER_ROTA = 10
#: Rank acceptability draws each weight within ±50% of the stated one unless the analyst gives a range.
SPREAD = 0.5


@dataclass(frozen=True)
class Appraisal:
    """The appraisal of a set of options, as tidy frames a report or a script can read.

    - ``options``: one row per option (index ``option``): ``source`` (``optimiser``, ``named`` or
      ``status quo``), ``feasible`` (meets every rule), ``allocation`` (``model`` or ``nearest``).
    - ``metrics``: tidy, one row per option and measure: ``option, measure, service, mode, value, unit``
      (``service`` and ``mode`` blank where the measure spans them).
    - ``hurdles``: ``option, criterion, name, passed, detail``.
    - ``scores``: options × evaluation criteria, scores 0–10, plus ``weighted`` (the weighted mean).
    - ``ranking``: ``option, rank, passed_hurdles, weighted`` in rank order; rank is blank where a
      hurdle failed; the status quo is listed for reference.
    - ``acceptability``: options × ranks (1…n), share of sampled weight vectors giving that rank.
    - ``weight_ranges``: ``criterion, weight, low, high``: the weight of one criterion (others fixed)
      may move within [low, high] and the top option stays top.
    - ``access``: ``option, zone_id, service_id, mode, minutes`` (each zone's mean trip), for maps.
    - ``equity``: ``option, deprivation_quintile, mode, minutes`` (population-weighted mean).
    - ``change``: ``option, zone_id, minutes_change`` against the status quo (negative = gain).
    - ``volumes``: ``option, site_id, service_id, volume, min_volume, max_volume``.
    - ``criteria``: the criteria as read (``criteria.yaml`` or the defaults), with their weights.
    - ``method``: the method in words, for the report.
    """

    instance: str
    options: pd.DataFrame
    metrics: pd.DataFrame
    hurdles: pd.DataFrame
    scores: pd.DataFrame
    ranking: pd.DataFrame
    acceptability: pd.DataFrame
    weight_ranges: pd.DataFrame
    access: pd.DataFrame
    equity: pd.DataFrame
    change: pd.DataFrame
    volumes: pd.DataFrame
    criteria: pd.DataFrame
    method: str
    samples: int = 0
    seed: int = 0
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return f"Appraisal({self.instance!r}: {len(self.options)} options, recommended {self.recommended})"

    def _repr_html_(self) -> str:
        return html_view(f"{self.instance}: appraisal of {len(self.options)} options",
                         {"recommended": self.recommended or "none passes every hurdle",
                          "weight samples": f"{self.samples:,}"},
                         {"ranking": self.ranking, "scores": self.scores})

    @property
    def recommended(self) -> str | None:
        """The option ranked first, if any passes every hurdle."""
        ranked = self.ranking.dropna(subset=["rank"])
        return None if ranked.empty else str(ranked.iloc[0]["option"])


@dataclass(frozen=True)
class Study:
    """Everything a report needs, computed: no file is read and no model is touched after this.

    ``configurations`` maps each appraised option to its configuration; ``solver`` describes the
    optimiser run (``status``, ``gap`` of the worst-proved ranked option, ``solver`` version,
    ``weights``), or is empty when only named options were appraised; ``checksum`` is the SHA-256 of
    the instance folder's files; ``versions`` the package versions that produced it.
    """

    instance: Instance
    appraisal: Appraisal
    configurations: dict[str, Configuration]
    solver: dict[str, object]
    checksum: str
    versions: dict[str, str]


# --- criteria ---------------------------------------------------------------------------------

#: Criteria used when an instance has no criteria.yaml (est.: the engine's defaults, for analysts to replace).
DEFAULT_CRITERIA = pd.DataFrame([
    ("rules", "Meets every clinical rule", "hurdle", "rules_met", 0.0),
    ("access", "Mean travel time by car", "evaluation", "mean_travel_min", 0.3),
    ("equity", "Travel time of the most deprived", "evaluation", "deprived_mean_travel_min", 0.1),
    ("quality", "Units within volume standards", "evaluation", "volume_shortfall", 0.1),
    ("workforce", "24/7 rotas needed", "evaluation", "rotas_24_7", 0.15),
    ("capital", "Capital", "evaluation", "capital_gbp_m", 0.1),
    ("revenue", "Running cost", "evaluation", "running_gbp_m", 0.1),
    ("disruption", "Services that move", "evaluation", "moves", 0.15),
], columns=["criterion_id", "name", "kind", "measure", "weight"]).assign(
    service="", mode="", weight_min=np.nan, weight_max=np.nan, threshold=np.nan,
    source="engine default (est.)").set_index("criterion_id", drop=False)


def instance_criteria(instance: Instance) -> pd.DataFrame:
    """The instance's criteria (criteria.yaml), or the defaults; blank modes become each service's own."""
    criteria = instance.tables["criteria"]
    return DEFAULT_CRITERIA.copy() if criteria.empty else criteria.copy()


# --- appraising -------------------------------------------------------------------------------

def appraise(instance: Instance, options: Mapping[str, Solution | Configuration], *,
             sources: Mapping[str, str] | None = None, criteria: pd.DataFrame | None = None,
             samples: int = 20_000, seed: int = 0, times: dict[str, TravelTimes] | None = None) -> Appraisal:
    """Measure, check, score and rank ``options`` (label → solution, or bare configuration).

    ``sources`` labels each option ``optimiser``, ``named`` or ``status quo`` (default: named).
    A bare configuration is allocated to the nearest hosting site; a solution keeps its allocation.
    """
    criteria = instance_criteria(instance) if criteria is None else criteria
    times = travel_times_by_mode(instance, times)
    sources = dict(sources or {})
    solutions = {label: _as_solution(instance, option, times) for label, option in options.items()}
    baseline = _baseline_label(instance, solutions, sources)
    access = pd.concat([_access(instance, label, sol, times) for label, sol in solutions.items()],
                       ignore_index=True)
    metrics = pd.concat([_metrics(instance, label, sol, access, times) for label, sol in solutions.items()],
                        ignore_index=True)
    feasible = {label: _rules_met(instance, option, sol, times) for label, (option, sol) in
                ((label, (options[label], solutions[label])) for label in solutions)}
    hurdles = _hurdles(criteria, metrics, feasible)
    scores = _scores(criteria, metrics, list(solutions))
    ranking = _ranking(scores, hurdles, baseline)
    ranked = ranking.dropna(subset=["rank"])["option"].tolist()
    evaluation = criteria[criteria["kind"] == "evaluation"]
    return Appraisal(
        instance=instance.name,
        options=pd.DataFrame({"option": list(solutions),
                              "source": [sources.get(o, "status quo" if o == baseline else "named") for o in solutions],
                              "feasible": [feasible[o] for o in solutions],
                              "allocation": ["model" if isinstance(options[o], Solution) else "nearest"
                                             for o in solutions]}).set_index("option", drop=False),
        metrics=metrics, hurdles=hurdles, scores=scores, ranking=ranking,
        acceptability=rank_acceptability(scores.loc[ranked, evaluation.index], _weight_bounds(evaluation),
                                         samples=samples, seed=seed),
        weight_ranges=weight_ranges(scores.loc[ranked, evaluation.index], evaluation["weight"]),
        access=access, equity=_equity(instance, access), change=_change(instance, access, baseline),
        volumes=pd.concat([_volumes(instance, label, sol) for label, sol in solutions.items()], ignore_index=True),
        criteria=criteria, method=method_text(criteria, samples), samples=samples, seed=seed)


def _as_solution(instance: Instance, option: Solution | Configuration, times: dict[str, TravelTimes]) -> Solution:
    if isinstance(option, Solution):
        return option
    return Solution(option, float("nan"), {}, nearest_allocation(instance, option, times),
                    pd.DataFrame(columns=["site_id", "resource", "added"]), "not solved", None)


def _baseline_label(instance: Instance, solutions: Mapping[str, Solution], sources: Mapping[str, str]) -> str | None:
    for label, source in sources.items():
        if source == "status quo":
            return label
    baseline = baseline_configuration(instance)
    return next((label for label, sol in solutions.items() if baseline and sol.configuration == baseline), None)


def nearest_allocation(instance: Instance, configuration: Configuration,
                       times: dict[str, TravelTimes]) -> pd.DataFrame:
    """Every zone's demand for a service to the nearest site hosting it (by the service's mode)."""
    rows = []
    for service_id, service in instance.services.iterrows():
        sites = configuration.sites_of(service_id)
        if not sites:
            continue
        minutes = times[instance.mode_or_default(service["mode"])].zone_site_min[sites]
        demanded = instance.demand[service_id] > 0
        rows.append(pd.DataFrame({"service_id": service_id, "zone_id": minutes.index[demanded],
                                  "site_id": minutes[demanded].idxmin(axis=1).to_numpy(), "share": 1.0}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        columns=["service_id", "zone_id", "site_id", "share"])


def _rules_met(instance: Instance, option, solution: Solution, times) -> bool:
    if isinstance(option, Solution):
        return not check_solution(instance, solution.configuration, solution.allocation, solution.expansion,
                                  closest_assignment=bool(instance.settings.get("closest_assignment")), times=times)
    return not check_configuration(instance, solution.configuration, times=times) and not check_solution(
        instance, solution.configuration, solution.allocation, times=times)


# --- measures ---------------------------------------------------------------------------------

def _access(instance: Instance, label: str, solution: Solution, times: dict[str, TravelTimes]) -> pd.DataFrame:
    """Each zone's mean trip per service and mode: Σ share × minutes over the sites it uses."""
    allocation = solution.allocation
    frames = []
    for mode, matrix in times.items():
        long = matrix.zone_site_min.stack().rename("t")
        t = long.reindex(pd.MultiIndex.from_arrays([allocation["zone_id"], allocation["site_id"]])).to_numpy()
        trips = allocation.assign(weighted=allocation["share"].to_numpy() * t)
        per_zone = trips.groupby(["zone_id", "service_id"], sort=False)["weighted"].sum().rename("minutes")
        frames.append(per_zone.reset_index().assign(option=label, mode=mode))
    return pd.concat(frames, ignore_index=True)[["option", "zone_id", "service_id", "mode", "minutes"]]


def _metrics(instance: Instance, label: str, solution: Solution, access: pd.DataFrame,
             times: dict[str, TravelTimes]) -> pd.DataFrame:
    """Every measure of one option, tidy."""
    mine = access[access["option"] == label]
    rows = [(m, "", "", value) for m, value in _configuration_measures(instance, solution).items()]
    for service_id in instance.services.index:
        for mode in instance.mode_names:
            rows += [(m, service_id, mode, v) for m, v in _travel_measures(instance, mine, [service_id], mode).items()]
    for mode in instance.mode_names:
        rows += [(m, "", mode, v) for m, v in _travel_measures(instance, mine, None, mode).items()]
    own = _own_mode_access(instance, mine)
    rows += [(m, "", "", v) for m, v in _travel_measures(instance, own, None, None).items()]
    frame = pd.DataFrame(rows, columns=["measure", "service", "mode", "value"])
    frame["unit"] = frame["measure"].map({m: unit for m, (unit, _, _) in MEASURES.items()})
    return frame.assign(option=label)[["option", "measure", "service", "mode", "value", "unit"]]


def _own_mode_access(instance: Instance, access: pd.DataFrame) -> pd.DataFrame:
    """Each service's trips by its own mode (blue-light for emergencies, car otherwise, as the instance says)."""
    own = access["service_id"].map(lambda s: instance.mode_or_default(instance.services.loc[s, "mode"]))
    return access[access["mode"] == own]


def _travel_measures(instance: Instance, access: pd.DataFrame, services: list[str] | None,
                     mode: str | None) -> dict[str, float]:
    rows = access if services is None else access[access["service_id"].isin(services)]
    if mode is not None:
        rows = rows[rows["mode"] == mode]
    if rows.empty:
        return {}
    weight = rows["zone_id"].map(instance.zones["population"]).to_numpy(float)
    if services is None:  # across services: weight by activity, as the model does
        weight = instance.demand.stack().reindex(pd.MultiIndex.from_arrays([rows["zone_id"], rows["service_id"]]))
        weight = weight.to_numpy(float)
    minutes = rows["minutes"].to_numpy(float)
    quintile = rows["zone_id"].map(instance.zones["deprivation_quintile"].astype(int)).to_numpy()
    deprived = quintile <= 2
    standard = rows["service_id"].map(_standard_minutes(instance)).to_numpy(float)
    has_standard = ~np.isnan(standard)
    return {
        "mean_travel_min": float(np.average(minutes, weights=weight)),
        "p95_travel_min": _weighted_quantile(minutes, weight, 0.95),
        "worst_zone_min": float(minutes.max()),
        "deprived_mean_travel_min": float(np.average(minutes[deprived], weights=weight[deprived]))
        if deprived.any() else float("nan"),
        "within_standard_share": float(np.average(minutes[has_standard] <= standard[has_standard],
                                                  weights=weight[has_standard]))
        if has_standard.any() else float("nan"),
    }


def _standard_minutes(instance: Instance) -> pd.Series:
    """Each service's access standard in minutes: its coverage standard, else its hard limit."""
    services = instance.services
    return services["coverage_travel_min"].fillna(services["max_travel_min"])


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value below which at least share ``q`` of the weight lies."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][np.searchsorted(cumulative, q - 1e-12)])


def _configuration_measures(instance: Instance, solution: Solution) -> dict[str, float]:
    """Measures of the configuration itself: workforce, money, disruption, quality, transfers."""
    configuration, services, sites = solution.configuration, instance.services, instance.sites
    baseline = baseline_configuration(instance)
    base = baseline.hosts if baseline else frozenset()
    rotas = float(sum(int(services.loc[l, "rotas_24_7"]) for _, l in configuration.hosts))
    resources = instance.site_resources.set_index(["site_id", "resource"])
    expansion = solution.expansion
    expansion_capital = float(sum(row.added * resources.loc[(row.site_id, row.resource), "expansion_capital_gbp_m"]
                                  for row in expansion.itertuples(index=False)))
    volumes = _volumes(instance, "", solution)
    shortfall = ((volumes["min_volume"].fillna(0) - volumes["volume"]).clip(lower=0)
                 + (volumes["volume"] - volumes["max_volume"].fillna(np.inf)).clip(lower=0)).sum()
    return {
        "rotas_24_7": rotas,
        "consultant_posts": rotas * CONSULTANTS_PER_ROTA,
        "capital_gbp_m": float(sites.loc[configuration.opened(instance), "new_build_capital_gbp_m"].sum()
                               + sum(services.loc[l, "opening_capital_gbp_m"] for s, l in configuration.hosts
                                     if (s, l) not in base) + expansion_capital),
        "running_gbp_m": float(sum(services.loc[l, "running_cost_gbp_m"] for _, l in configuration.hosts)),
        "moves": float(len(configuration.hosts ^ base)) if baseline else 0.0,
        "volume_shortfall": float(shortfall),
        "transfers_per_year": _transfers(instance, configuration, volumes),
        "within_estate": float(expansion["added"].sum() <= 1e-9) if not expansion.empty else 1.0,
    }


def _transfers(instance: Instance, configuration: Configuration, volumes: pd.DataFrame) -> float:
    """Yearly transfers: A's patients treated where B (needed within N minutes) is not on site, times the
    rule's ``transfer_share``."""
    rules = instance.codependencies[instance.codependencies["rule"] == "within"]
    volume = volumes.set_index(["site_id", "service_id"])["volume"]
    return float(sum(rule.transfer_share * volume.get((site, rule.service_a), 0.0)
                     for rule in rules.itertuples(index=False) for site in configuration.sites_of(rule.service_a)
                     if (site, rule.service_b) not in configuration.hosts))


def _volumes(instance: Instance, label: str, solution: Solution) -> pd.DataFrame:
    """Each unit's yearly volume against its standards."""
    allocation = solution.allocation
    demand = instance.demand.stack().reindex(pd.MultiIndex.from_arrays([allocation["zone_id"],
                                                                        allocation["service_id"]])).to_numpy(float)
    volume = allocation.assign(volume=allocation["share"].to_numpy() * demand).groupby(
        ["site_id", "service_id"])["volume"].sum()
    hosts = pd.MultiIndex.from_tuples(sorted(solution.configuration.hosts), names=["site_id", "service_id"])
    frame = volume.reindex(hosts, fill_value=0.0).reset_index()
    frame["min_volume"] = frame["service_id"].map(instance.services["min_volume"]).replace(0.0, np.nan)
    frame["max_volume"] = frame["service_id"].map(instance.services["max_volume"])
    return frame.assign(option=label)[["option", "site_id", "service_id", "volume", "min_volume", "max_volume"]]


def _equity(instance: Instance, access: pd.DataFrame) -> pd.DataFrame:
    """Activity-weighted mean travel by deprivation quintile, per option and mode."""
    demand = instance.demand.stack().reindex(pd.MultiIndex.from_arrays([access["zone_id"], access["service_id"]]))
    rows = access.assign(weight=demand.to_numpy(float),
                         deprivation_quintile=access["zone_id"].map(instance.zones["deprivation_quintile"]))
    rows["weighted"] = rows["weight"] * rows["minutes"]
    grouped = rows.groupby(["option", "deprivation_quintile", "mode"], sort=True)[["weighted", "weight"]].sum()
    return (grouped["weighted"] / grouped["weight"]).rename("minutes").reset_index()


def _change(instance: Instance, access: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """Each zone's activity-weighted mean trip by car (each service by its own mode) against the status quo."""
    own = _own_mode_access(instance, access)
    demand = instance.demand.stack().reindex(pd.MultiIndex.from_arrays([own["zone_id"], own["service_id"]]))
    rows = own.assign(weighted=own["minutes"].to_numpy() * demand.to_numpy(float), weight=demand.to_numpy(float))
    grouped = rows.groupby(["option", "zone_id"])[["weighted", "weight"]].sum()
    mean = (grouped["weighted"] / grouped["weight"]).rename("minutes").reset_index()
    if baseline is None:
        return mean.assign(minutes_change=np.nan)[["option", "zone_id", "minutes_change"]]
    today = mean[mean["option"] == baseline].set_index("zone_id")["minutes"]
    mean["minutes_change"] = mean["minutes"] - mean["zone_id"].map(today)
    return mean[["option", "zone_id", "minutes_change"]]


# --- hurdles, scores, ranks -------------------------------------------------------------------

def _criterion_value(metrics: pd.DataFrame, criterion: pd.Series, option: str,
                     feasible: Mapping[str, bool]) -> float:
    if criterion["measure"] == "rules_met":
        return float(feasible[option])
    service = criterion["service"] if isinstance(criterion["service"], str) else ""
    mode = criterion["mode"] if isinstance(criterion["mode"], str) else ""
    rows = metrics[(metrics["option"] == option) & (metrics["measure"] == criterion["measure"])
                   & (metrics["service"] == service) & (metrics["mode"] == mode)]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def _hurdles(criteria: pd.DataFrame, metrics: pd.DataFrame, feasible: Mapping[str, bool]) -> pd.DataFrame:
    rows = []
    for criterion_id, criterion in criteria[criteria["kind"] == "hurdle"].iterrows():
        unit, better, _ = MEASURES[criterion["measure"]]
        for option in feasible:
            value = _criterion_value(metrics, criterion, option, feasible)
            if unit == "pass":
                passed, detail = value >= 0.5, "met" if value >= 0.5 else "not met"
            else:
                limit = criterion["threshold"]
                passed = bool(value <= limit if better == "lower" else value >= limit)
                detail = f"{value:,.1f} {unit} against a limit of {limit:,.1f}"
            rows.append((option, criterion_id, criterion["name"], bool(passed), detail))
    return pd.DataFrame(rows, columns=["option", "criterion", "name", "passed", "detail"])


def _scores(criteria: pd.DataFrame, metrics: pd.DataFrame, options: list[str]) -> pd.DataFrame:
    """0–10 per evaluation criterion across the options (best 10, worst 0, linear), and the weighted mean."""
    evaluation = criteria[criteria["kind"] == "evaluation"]
    scores = pd.DataFrame(index=pd.Index(options, name="option"))
    feasible_dummy = dict.fromkeys(options, True)
    for criterion_id, criterion in evaluation.iterrows():
        values = np.array([_criterion_value(metrics, criterion, o, feasible_dummy) for o in options])
        scores[criterion_id] = linear_scores(values, MEASURES[criterion["measure"]][1])
    weights = evaluation["weight"].to_numpy(float)
    scores["weighted"] = scores[list(evaluation.index)].to_numpy() @ weights / weights.sum()
    return scores


def linear_scores(values: np.ndarray, better: str) -> np.ndarray:
    """Best value 10, worst 0, linear between; all equal (or missing) scores 10."""
    low, high = np.nanmin(values), np.nanmax(values)
    if not np.isfinite(high - low) or high - low <= 1e-12 * max(1.0, abs(high)):
        return np.full(len(values), 10.0)
    share = (high - values) / (high - low) if better == "lower" else (values - low) / (high - low)
    return 10.0 * share


def _ranking(scores: pd.DataFrame, hurdles: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    passed = hurdles.groupby("option")["passed"].all().reindex(scores.index, fill_value=True)
    frame = pd.DataFrame({"option": scores.index, "passed_hurdles": passed.to_numpy(),
                          "weighted": scores["weighted"].to_numpy(),
                          "reference": scores.index == baseline})
    frame["rank"] = frame["weighted"].where(frame["passed_hurdles"]).rank(method="min", ascending=False)
    return frame.sort_values(["rank", "weighted"], ascending=[True, False], na_position="last",
                             kind="stable").reset_index(drop=True)


def _weight_bounds(evaluation: pd.DataFrame) -> np.ndarray:
    """(low, high) of each evaluation weight for rank acceptability: the analyst's range, else ±50%."""
    weight = evaluation["weight"].to_numpy(float)
    low = evaluation["weight_min"].fillna(pd.Series(weight * (1 - SPREAD), index=evaluation.index)).to_numpy(float)
    high = evaluation["weight_max"].fillna(pd.Series(weight * (1 + SPREAD), index=evaluation.index)).to_numpy(float)
    return np.column_stack([low, high])


def rank_acceptability(scores: pd.DataFrame, bounds: np.ndarray, *, samples: int = 20_000,
                       seed: int = 0) -> pd.DataFrame:
    """Share of weight vectors (each weight uniform within its bounds) under which each option takes each rank.

    SMAA-style: ``scores`` is options × criteria (0–10); weights are drawn independently and the
    weighted sums ranked per draw (ties, of probability zero, broken by option order).
    """
    options = list(scores.index)
    if not options:
        return pd.DataFrame()
    rng = np.random.default_rng(seed)
    weights = rng.uniform(bounds[:, 0], bounds[:, 1], size=(samples, len(bounds)))
    totals = weights @ scores.to_numpy(float).T  # samples × options
    order = np.argsort(-totals, axis=1, kind="stable")
    ranks = np.empty_like(order)
    ranks[np.arange(samples)[:, None], order] = np.arange(1, len(options) + 1)
    table = np.stack([(ranks == r).mean(axis=0) for r in range(1, len(options) + 1)], axis=1)
    return pd.DataFrame(table, index=pd.Index(options, name="option"), columns=range(1, len(options) + 1))


def weight_ranges(scores: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """For each criterion, the range of its weight (others fixed) over which the top option stays top.

    The top option t beats o while Σ_k w_k (s_tk − s_ok) ≥ 0, linear in the one weight that moves,
    so the range is an interval found exactly from each rival's crossing point.
    """
    if scores.empty:
        return pd.DataFrame(columns=["criterion", "weight", "low", "high"])
    w = weights.reindex(scores.columns).to_numpy(float)
    s = scores.to_numpy(float)
    top = int(np.argmax(s @ w))
    rows = []
    for j, criterion in enumerate(scores.columns):
        low, high = 0.0, np.inf
        for o in range(len(s)):
            if o == top:
                continue
            diff = s[top] - s[o]
            rest = float(diff @ w - diff[j] * w[j])
            if diff[j] > 0:
                low = max(low, -rest / diff[j])
            elif diff[j] < 0:
                high = min(high, rest / -diff[j])
        rows.append((criterion, w[j], low, high))
    return pd.DataFrame(rows, columns=["criterion", "weight", "low", "high"])


def method_text(criteria: pd.DataFrame, samples: int) -> str:
    """The appraisal method in words, for the report's annex."""
    hurdles = ", ".join(criteria.loc[criteria["kind"] == "hurdle", "name"]) or "none"
    evaluation = criteria[criteria["kind"] == "evaluation"]
    weighted = "; ".join(f"{row['name']} ({MEASURES[row['measure']][2]}) weight {row['weight']:g}"
                         for _, row in evaluation.iterrows())
    return (f"Hurdle criteria, applied first: {hurdles}. An option that fails one is listed but not ranked. "
            f"Evaluation criteria: {weighted}. Each is scored 0–10 across the options appraised (the best value "
            "10, the worst 0, linear between; equal values all 10) and the scores are averaged with the weights. "
            "Travel times come from each option's allocation: the model's optimal allocation where the option was "
            "solved or evaluated under the model, otherwise every patient at the nearest site hosting the service. "
            f"Rank acceptability: {samples:,} weight vectors, each weight drawn uniformly within the analyst's range "
            f"or ±{SPREAD:.0%} of the stated weight; the share of draws giving each rank. Weight ranges: how far one "
            "weight may move, the others fixed, before the top option loses first place.")
