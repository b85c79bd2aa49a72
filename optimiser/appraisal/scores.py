"""Options appraisal: every option measured, hurdles checked, scored, ranked, and the ranking's robustness.

The appraisal scores *any* configuration — the optimiser's best K and the
instance's named options alike — on the criteria of ``criteria.yaml``, from
the same data as the model. It follows the NHS options-appraisal sequence:
hurdle criteria (pass/fail) first; an option that fails one is explained
(which rule, where, by how much), listed, and neither scored nor ranked. The
others are scored on each evaluation criterion's fixed scale, stated in
criteria.yaml (0–10 between two stated values, or −5..+5 against the status
quo), so that a score does not depend on which other options are listed; the
min–max scale (0–10 between the worst and best option passing the hurdles)
remains for criteria that state no scale. Scores are averaged with the stated
weights. The figures themselves come from :mod:`optimiser.appraisal.metrics`.
Robustness is shown two ways: rank acceptability (the share of weight vectors,
drawn around the stated weights or within the analyst's ranges, under which
each option takes each rank) and, for each criterion, the range of its weight over which the top option stays top.

Travel times of an option come from its allocation: the model's optimal one
where the option was solved or evaluated, else every patient at the nearest
site hosting the service (stated in the method).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.instance import neighbours
from optimiser.instance.configuration import Configuration, Solution, baseline_configuration
from optimiser.instance.folder import Instance
from optimiser.instance.travel import TravelTimes, travel_times_by_mode
from optimiser.notebook import html_view

from . import leaving, metrics
from .checker import check_configuration, check_solution
from .metrics import MEASURES

if TYPE_CHECKING:  # explain imports the model; a study only carries its result
    from .explain import Explanation

#: Rank acceptability draws each weight within ±50% of the stated one unless the analyst gives a range.
SPREAD = 0.5


def _no_flows() -> pd.DataFrame:
    """No activity leaving: the flows of an instance without neighbours."""
    return pd.DataFrame(columns=leaving.COLUMNS)


@dataclass(frozen=True)
class Appraisal:
    """The appraisal of a set of options, as tidy frames a report or a script can read.

    - ``options``: one row per option (index ``option``): ``source`` (``optimiser``, ``named`` or
      ``status quo``), ``feasible`` (meets every rule), ``allocation`` (``model`` or ``nearest``).
    - ``metrics``: tidy, one row per option and measure: ``option, measure, service, mode, value, unit``
      (``service`` and ``mode`` blank where the measure spans them).
    - ``hurdles``: ``option, criterion, name, passed, detail`` (for the rules hurdle, the rules broken in words).
    - ``scores``: options × evaluation criteria on each criterion's scale (:func:`scoring`), plus ``weighted``
      (the weighted mean); blank for an option that fails a hurdle, which is not scored.
    - ``ranking``: ``option, rank, passed_hurdles, weighted`` in rank order; rank is blank where a
      hurdle failed; the status quo is listed for reference.
    - ``acceptability``: options × ranks (1…n), share of sampled weight vectors giving that rank.
    - ``weight_ranges``: ``criterion, weight, low, high``: the weight of one criterion (others fixed)
      may move within [low, high] and the top option stays top.
    - ``access``: ``option, zone_id, service_id, mode, minutes`` (each zone's mean trip).
    - ``equity``: ``option, deprivation_quintile, mode, minutes`` (activity-weighted mean).
    - ``zone_travel``: ``option, zone_id, minutes``: each zone's activity-weighted mean trip, own modes (maps).
    - ``change``: ``option, zone_id, minutes_change``: that against the status quo (negative = gain).
    - ``group_change``: ``option, group, minutes_change``: the same for each zone group (zones.csv ``group``,
      e.g. a district; :func:`~optimiser.appraisal.metrics.group_travel`), empty where zones have none.
    - ``access_shares``: ``option, service_id, mode, group, within_min, share``: the S-curve by group.
    - ``crossings``: zones that cross a service's access standard against the status quo.
    - ``allocations``: ``option, service_id, zone_id, site_id, share``: where each zone's patients go.
    - ``volumes``: ``option, site_id, service_id, volume, min_volume, max_volume``.
    - ``neighbour_flows``: ``option, zone_id, service_id, neighbour_id, site_id, activity, income_gbp_m``: the
      yearly activity each option sends to neighbouring providers and the income it takes
      (:func:`optimiser.appraisal.leaving.flows`; ``site_id``: the unit it leaves, under a retention curve).
      Under ``neighbour_rule: none``, the estimate if patients left as the retention curve states, which no
      measure reads (empty without neighbours or a curve).
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
    zone_travel: pd.DataFrame
    access_shares: pd.DataFrame
    crossings: pd.DataFrame
    allocations: pd.DataFrame
    samples: int = 0
    seed: int = 0
    notes: list[str] = field(default_factory=list)
    neighbour_flows: pd.DataFrame = field(default_factory=_no_flows)
    group_change: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["option", "group", "minutes_change"]))

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
    the instance folder's files; ``versions`` the package versions that produced it. ``why`` sets the
    recommended configuration beside the instance's real decision (:func:`optimiser.appraisal.explain.compare`;
    None without a decision); ``review`` is the plausibility review of every solved option
    (:func:`optimiser.appraisal.plausibility.review`, with an ``option`` column).
    """

    instance: Instance
    appraisal: Appraisal
    configurations: dict[str, Configuration]
    solver: dict[str, object]
    checksum: str
    versions: dict[str, str]
    why: Explanation | None = None
    review: pd.DataFrame = field(default_factory=pd.DataFrame)


# --- criteria ---------------------------------------------------------------------------------

#: Criteria used when an instance has no criteria.yaml (est.: the engine's defaults, for analysts to replace).
#: Each is scored −5..+5 against the status quo, ±5 at the stated change (``score_step``, est.), so that no
#: score depends on the other options; an instance without a status quo scores them min–max.
DEFAULT_CRITERIA = pd.DataFrame([
    ("rules", "Meets every clinical rule", "hurdle", "rules_met", 0.0, np.nan),
    ("access", "Mean travel time per patient journey", "evaluation", "mean_travel_min", 0.3, 5.0),
    ("equity", "Travel time of the most deprived", "evaluation", "deprived_mean_travel_min", 0.1, 5.0),
    ("quality", "Units within volume standards", "evaluation", "volume_shortfall", 0.1, 1000.0),
    ("workforce", "24/7 rotas needed", "evaluation", "rotas_24_7", 0.15, 5.0),
    ("capital", "Capital", "evaluation", "capital_gbp_m", 0.1, 100.0),
    ("revenue", "Running cost", "evaluation", "running_gbp_m", 0.1, 10.0),
    ("disruption", "Services that move", "evaluation", "moves", 0.15, 10.0),
], columns=["criterion_id", "name", "kind", "measure", "weight", "score_step"]).assign(
    service="", mode="", weight_min=np.nan, weight_max=np.nan, threshold=np.nan, score_0=np.nan, score_10=np.nan,
    source="engine default (est.)").set_index("criterion_id", drop=False)


def instance_criteria(instance: Instance) -> pd.DataFrame:
    """The instance's criteria (criteria.yaml), or the defaults (min–max where the instance has no status quo)."""
    criteria = instance.tables["criteria"]
    if not criteria.empty:
        return criteria.copy()
    defaults = DEFAULT_CRITERIA.copy()
    return defaults if instance.settings.get("baseline") else defaults.assign(score_step=np.nan)


# --- appraising -------------------------------------------------------------------------------

def appraise(instance: Instance, options: Mapping[str, Solution | Configuration], *,
             sources: Mapping[str, str] | None = None, criteria: pd.DataFrame | None = None,
             samples: int = 20_000, seed: int = 0, times: dict[str, TravelTimes] | None = None,
             explanations: Mapping[str, list[str]] | None = None) -> Appraisal:
    """Measure, check, score and rank ``options`` (label → solution, or bare configuration).

    ``sources`` labels each option ``optimiser``, ``named`` or ``status quo`` (default: named).
    A bare configuration is allocated to the nearest hosting site; a solution keeps its allocation.
    ``explanations`` gives, for options that break the rules, what breaks in words (the diagnosis of
    :func:`optimiser.search.diagnose.diagnose`); without one, the checker's findings are quoted.
    """
    criteria = instance_criteria(instance) if criteria is None else criteria
    times = travel_times_by_mode(instance, times)
    sources = dict(sources or {})
    solutions = {label: _as_solution(instance, option, times) for label, option in options.items()}
    baseline = _baseline_label(instance, solutions, sources)
    access = pd.concat([metrics.zone_trips(instance, label, sol, times) for label, sol in solutions.items()],
                       ignore_index=True)
    flows = _neighbour_flows(instance, solutions, times)
    units = {label: metrics.volumes(instance, label, sol, None if flows is None else flows[flows["option"] == label])
             for label, sol in solutions.items()}
    measured = pd.concat([metrics.option_metrics(instance, label, sol, access, flows, units[label])
                          for label, sol in solutions.items()], ignore_index=True)
    broken = {label: list((explanations or {}).get(label) or []) or _broken_rules(instance, options[label], sol, times)
              for label, sol in solutions.items()}
    hurdles = _hurdles(criteria, measured, broken)
    passed = hurdles.groupby("option")["passed"].all().reindex(list(solutions), fill_value=True)
    reference = (measured[measured["option"] == baseline] if baseline is not None
                 else _status_quo_metrics(instance, times))
    scores = _scores(criteria, measured, list(solutions), passed, reference)
    ranking = _ranking(scores, passed, baseline)
    ranked = ranking.dropna(subset=["rank"])["option"].tolist()
    evaluation = criteria[criteria["kind"] == "evaluation"]
    travel = metrics.zone_travel(instance, access)
    return Appraisal(
        instance=instance.name,
        options=pd.DataFrame({"option": list(solutions),
                              "source": [sources.get(o, "status quo" if o == baseline else "named") for o in solutions],
                              "feasible": [not broken[o] for o in solutions],
                              "allocation": ["model" if isinstance(options[o], Solution) else "nearest"
                                             for o in solutions]}).set_index("option", drop=False),
        metrics=measured, hurdles=hurdles, scores=scores, ranking=ranking,
        acceptability=rank_acceptability(scores.loc[ranked, evaluation.index], _weight_bounds(evaluation),
                                         samples=samples, seed=seed),
        weight_ranges=weight_ranges(scores.loc[ranked, evaluation.index], evaluation["weight"]),
        access=access, equity=metrics.equity(instance, access), change=metrics.change(travel, baseline),
        volumes=pd.concat(units.values(), ignore_index=True),
        criteria=criteria, method=method_text(criteria, samples), samples=samples, seed=seed,
        zone_travel=travel, access_shares=metrics.access_shares(instance, access),
        allocations=pd.concat([sol.allocation.assign(option=label) for label, sol in solutions.items()],
                              ignore_index=True),
        crossings=metrics.crossings(instance, access, baseline),
        group_change=metrics.change(metrics.group_travel(instance, access), baseline),
        neighbour_flows=flows if flows is not None else leaving.flows(instance, solutions, times))


def _neighbour_flows(instance: Instance, solutions: Mapping[str, Solution],
                     times: Mapping[str, TravelTimes]) -> pd.DataFrame | None:
    """Activity each option sends to neighbouring providers, where the instance has a neighbour rule (the
    measures count it; never the estimate under ``none``)."""
    if neighbours.rule(instance) == "none":
        return None
    return leaving.flows(instance, solutions, times)


def _as_solution(instance: Instance, option: Solution | Configuration, times: dict[str, TravelTimes]) -> Solution:
    if isinstance(option, Solution):
        return option
    return Solution(option, float("nan"), {}, metrics.nearest_allocation(instance, option, times),
                    pd.DataFrame(columns=["site_id", "resource", "added"]), "not solved", None)


def _baseline_label(instance: Instance, solutions: Mapping[str, Solution], sources: Mapping[str, str]) -> str | None:
    for label, source in sources.items():
        if source == "status quo":
            return label
    baseline = baseline_configuration(instance)
    return next((label for label, sol in solutions.items() if baseline and sol.configuration == baseline), None)


def _broken_rules(instance: Instance, option: Solution | Configuration, solution: Solution,
                  times: Mapping[str, TravelTimes]) -> list[str]:
    """The rules an option breaks, in the checker's words ([] when it meets them all)."""
    if isinstance(option, Solution):
        found = check_solution(instance, solution.configuration, solution.allocation, solution.expansion,
                               closest_assignment=bool(instance.settings.get("closest_assignment")), times=times)
    else:
        found = check_configuration(instance, solution.configuration, times=times) or check_solution(
            instance, solution.configuration, solution.allocation, times=times)
    return [violation.message for violation in found]


# --- hurdles, scores, ranks -------------------------------------------------------------------

def _criterion_value(measured: pd.DataFrame, criterion: pd.Series, option: str) -> float:
    service = criterion["service"] if isinstance(criterion["service"], str) else ""
    mode = criterion["mode"] if isinstance(criterion["mode"], str) else ""
    rows = measured[(measured["option"] == option) & (measured["measure"] == criterion["measure"])
                    & (measured["service"] == service) & (measured["mode"] == mode)]
    return float(rows["value"].iloc[0]) if len(rows) else float("nan")


def _hurdles(criteria: pd.DataFrame, measured: pd.DataFrame, broken: Mapping[str, list[str]]) -> pd.DataFrame:
    """Each hurdle of each option: passed or not, and why in words (the rules broken, or the value and limit)."""
    rows = []
    for criterion_id, criterion in criteria[criteria["kind"] == "hurdle"].iterrows():
        unit, better, _ = MEASURES[criterion["measure"]]
        for option, rules in broken.items():
            if criterion["measure"] == "rules_met":
                passed, detail = not rules, "; ".join(rules) or "met"
            elif unit == "pass":
                passed = _criterion_value(measured, criterion, option) >= 0.5
                detail = "met" if passed else "not met"
            else:
                value, limit = _criterion_value(measured, criterion, option), criterion["threshold"]
                passed = bool(value <= limit if better == "lower" else value >= limit)
                detail = f"{value:,.1f} {unit} against a limit of {limit:,.1f}"
            rows.append((option, criterion_id, criterion["name"], bool(passed), detail))
    return pd.DataFrame(rows, columns=["option", "criterion", "name", "passed", "detail"])


def scoring(criterion: pd.Series) -> str:
    """How a criterion is scored: ``fixed`` (0–10 between ``score_0`` and ``score_10``), ``status quo``
    (−5..+5, ±5 at a change of ``score_step`` against the status quo) or ``min-max`` (0–10 between the
    worst and the best option passing the hurdles: the one method whose scores depend on the list)."""
    bounds = [pd.notna(criterion.get(c)) for c in ("score_0", "score_10")]
    step = pd.notna(criterion.get("score_step"))
    if step and not float(criterion["score_step"]) > 0:
        raise OptimiserError(f"criteria.yaml, criterion {criterion.name!r}: score_step must be above 0")
    if (any(bounds) and not all(bounds)) or (all(bounds) and step):
        raise OptimiserError(f"criteria.yaml, criterion {criterion.name!r}: give score_0 and score_10 "
                             "(a fixed 0–10 scale) or score_step (−5..+5 against the status quo), not both or one")
    return "fixed" if all(bounds) else "status quo" if step else "min-max"


def _status_quo_metrics(instance: Instance, times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """The status quo's measures when it is not among the options appraised (empty without a baseline)."""
    today = baseline_configuration(instance)
    if today is None:
        return pd.DataFrame(columns=["option", "measure", "service", "mode", "value", "unit"])
    solution = _as_solution(instance, today, times)
    return metrics.option_metrics(instance, "status quo", solution,
                                  metrics.zone_trips(instance, "status quo", solution, times),
                                  _neighbour_flows(instance, {"status quo": solution}, times))


def _scores(criteria: pd.DataFrame, measured: pd.DataFrame, options: list[str], passed: pd.Series,
            reference: pd.DataFrame) -> pd.DataFrame:
    """Each evaluation criterion's score for each option passing the hurdles (blank for the others), on the
    criterion's :func:`scoring` scale, and the weighted mean; ``reference`` holds the status quo's measures."""
    evaluation = criteria[criteria["kind"] == "evaluation"]
    scores = pd.DataFrame(index=pd.Index(options, name="option"))
    scored = [o for o in options if passed[o]]
    for criterion_id, criterion in evaluation.iterrows():
        better = MEASURES[criterion["measure"]][1]
        values = np.array([_criterion_value(measured, criterion, o) for o in scored])
        method = scoring(criterion)
        if method == "fixed":
            points = fixed_scores(values, float(criterion["score_0"]), float(criterion["score_10"]))
        elif method == "status quo":
            if reference.empty:
                raise OptimiserError(f"criteria.yaml, criterion {criterion_id!r} is scored against the status quo, "
                                     "but the instance names no baseline option (instance.yaml: baseline)")
            today = _criterion_value(reference, criterion, str(reference["option"].iloc[0]))
            points = status_quo_scores(values, today, float(criterion["score_step"]), better)
        else:
            points = linear_scores(values, better)
        neutral = 0.0 if method == "status quo" else 10.0  # a measure no option has (no one in the group)
        scores[criterion_id] = pd.Series(np.where(np.isnan(points), neutral, points), index=scored, dtype=float)
    weights = evaluation["weight"].to_numpy(float)
    scores["weighted"] = scores[list(evaluation.index)].to_numpy() @ weights / weights.sum()
    return scores


def fixed_scores(values: np.ndarray, score_0: float, score_10: float) -> np.ndarray:
    """10 at ``score_10``, 0 at ``score_0``, linear between and held at the ends (either may be the larger)."""
    return np.clip(10.0 * (values - score_0) / (score_10 - score_0), 0.0, 10.0)


def status_quo_scores(values: np.ndarray, today: float, step: float, better: str) -> np.ndarray:
    """0 for the status quo's value, ±5 for a change of ``step`` for the better (worse), held at ±5."""
    gain = (today - values) if better == "lower" else (values - today)
    return np.clip(5.0 * gain / step, -5.0, 5.0)


def linear_scores(values: np.ndarray, better: str) -> np.ndarray:
    """Min–max: best value 10, worst 0, linear between; all equal (or missing) scores 10."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.full(len(values), 10.0)
    low, high = finite.min(), finite.max()
    if high - low <= 1e-12 * max(1.0, abs(high)):
        return np.full(len(values), 10.0)
    share = (high - values) / (high - low) if better == "lower" else (values - low) / (high - low)
    return 10.0 * share


def _ranking(scores: pd.DataFrame, passed: pd.Series, baseline: str | None) -> pd.DataFrame:
    frame = pd.DataFrame({"option": scores.index, "passed_hurdles": passed.reindex(scores.index).to_numpy(),
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
    weighted = "; ".join(f"{row['name']} ({MEASURES[row['measure']][2]}), weight {row['weight']:g}, "
                         f"{scale_text(row)}" for _, row in evaluation.iterrows())
    return (f"Hurdle criteria, applied first: {hurdles}. An option that fails one is listed with the reason but "
            f"neither scored nor ranked, so adding or removing it changes no other option's score. "
            f"Evaluation criteria: {weighted}. The scores are averaged with the weights.\n\n"
            "Travel times come from each option's allocation: the model's optimal allocation where the option was "
            "solved or evaluated under the model, otherwise every patient at the nearest site hosting the service. "
            f"Rank acceptability: {samples:,} weight vectors, each weight drawn uniformly within the analyst's range "
            f"or ±{SPREAD:.0%} of the stated weight; the share of draws giving each rank. Weight ranges: how far one "
            "weight may move, the others fixed, before the top option loses first place.")


def scale_text(criterion: pd.Series) -> str:
    """A criterion's scoring scale in words: ``10 at 10 min, 0 at 20 min``."""
    unit = MEASURES[criterion["measure"]][0]
    method = scoring(criterion)
    if method == "fixed":
        return f"scored 10 at {_value(criterion['score_10'], unit)} and 0 at {_value(criterion['score_0'], unit)}"
    if method == "status quo":
        return (f"scored 0 at the status quo's value and ±5 for {_value(criterion['score_step'], unit)} better "
                "or worse")
    return "scored min–max (10 for the best option passing the hurdles, 0 for the worst)"


def _value(number: float, unit: str) -> str:
    return f"{float(number):.0%}" if unit == "share" else f"{float(number):,.4g} {unit}"
