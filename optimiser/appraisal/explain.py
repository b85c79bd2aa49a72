r"""Why one configuration beats another, in the analyst's words, and what would change it.

The objective is a weighted sum of normalised criteria (:mod:`optimiser.model.objective`),

.. math:: f = \sum_c \frac{w_c}{\sigma_c}\, v_c ,

and every criterion but the worst zone's trip is itself a sum over units or patients:
travel and equity over zones and service lines (each zone's yearly activity times the minutes
it travels, over the total demand, or weighted by deprivation over the weighted demand);
running cost, rotas, capital and moves over the units (site, service) hosted, opened or
built. So the difference between two configurations A and B splits exactly into terms, each
a criterion for one service line at one zone or one unit, each with a share of
:math:`f_B - f_A`; :func:`explain` lists them, and groups them by criterion, service line
and zone. The terms are computed here from the solutions' allocations and the instance's
numbers, not read from the model, and their sum equals the model's objective.

The assumptions that drive the difference are named as scenario parameters
(:mod:`optimiser.sweeps.scenario`: ``weights.travel``, ``demand.obstetrics``,
``cost.elective.running_cost_gbp_m``) with the share of the difference each carries, so they
can be swept. For the weights, :func:`flips` finds by bisection, one weight at a time and both
configurations re-evaluated at each step, the weight at which B overtakes A.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.instance.configuration import Configuration, Solution, baseline_configuration, option_configuration
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import kept, leaving_flows, nearest_neighbours, tariff_gbp_m
from optimiser.model.data import CRITERIA, DEPRIVATION_WEIGHT, ModelOptions
from optimiser.model.objective import resolve_weights
from optimiser.search import naming
from optimiser.search.engine import TIE_TOLERANCE, Engine, Extension, evaluation_options, solve

#: How a difference in each criterion is said, with ``{what}`` (the service line's activity or the unit),
#: ``{amount}``, ``{more}`` ("more" or "less") and ``{b}``.
WORDING = {
    "travel": "{what} travel {amount} minutes {more} a year in {b}",
    "equity": "{what} travel {amount} deprivation-weighted minutes {more} a year in {b}",
    "worst_zone": "the longest mean trip of any zone is {amount} minutes {more} in {b}",
    "capital": "capital for {what} is £{amount}m {more} in {b}",
    "running": "running costs of {what} are £{amount}m a year {more} in {b}",
    "workforce": "{what} needs {amount} 24/7 rotas {more} in {b}",
    "disruption": "{what} makes {amount} moves against the status quo {more} in {b}",
    "leaving": "{amount} {more} {what} a year leave for neighbouring providers in {b}",
    "income_leaving": "£{amount}m a year {more} of income from {what} leaves for neighbouring providers in {b}",
}
#: Scenario parameter whose number drives each criterion's term for a service line.
DRIVERS = {"travel": "demand.{service}", "equity": "demand.{service}",
           "capital": "cost.{service}.opening_capital_gbp_m", "running": "cost.{service}.running_cost_gbp_m",
           "leaving": "demand.{service}", "income_leaving": "cost.{service}.tariff_gbp"}
#: A weight is swept up to this multiple of the instance's largest weight (at least 1).
SWEEP_UP_TO = 10.0
#: Bisection stops when the weight is known to this share of the range searched.
FLIP_TOLERANCE = 1e-4
#: Terms, services and zones said in words.
SAID = 3


@dataclass(frozen=True)
class Explanation:
    """Two configurations side by side: ``criteria`` (one row per criterion), ``terms`` (the difference
    split by criterion, service line, zone and site), ``assumptions`` and ``flips`` (see :func:`explain`).
    Differences are B − A; shares are of the difference in the objective."""

    instance: str
    a: str
    b: str
    configuration_a: Configuration
    configuration_b: Configuration
    objective_a: float
    objective_b: float
    criteria: pd.DataFrame
    terms: pd.DataFrame
    assumptions: pd.DataFrame
    flips: pd.DataFrame

    @property
    def difference(self) -> float:
        return self.objective_b - self.objective_a

    def by_service(self) -> pd.DataFrame:
        """The difference in the objective by service line (units of no one service, such as a new site, as '')."""
        return _grouped(self.terms, "service_id", self.difference)

    def by_zone(self) -> pd.DataFrame:
        """The difference in the objective carried by each zone: its travel (travel and equity terms) and the
        activity it sends to neighbouring providers (leaving and income_leaving)."""
        return _grouped(self.terms[self.terms["zone_id"].notna()], "zone_id", self.difference)

    def sentences(self, instance: Instance) -> list[str]:
        """The largest terms, zones and flips in words: "births (obstetrics) travel 380k minutes more a year
        in 1A than in #1: 70% of the difference"."""
        level = naming.distinct(instance)
        lines = [f"{self.a}: {naming.name(instance, self.configuration_a, level)}; {self.b}: "
                 f"{naming.name(instance, self.configuration_b, level)}; from {self.a} to {self.b}: "
                 f"{naming.changes(instance, self.configuration_a, self.configuration_b) or 'no change'}"]
        lines += self._leaving_sentences(instance)
        if _sign(self.difference) == 0:
            return [*lines, f"{self.b} and {self.a} are equally good ({self.objective_a:.6g})"]
        better, worse = (self.a, self.b) if self.difference > 0 else (self.b, self.a)
        lines.append(f"{better} is better than {worse} by {abs(self.difference):.4g} "
                     f"({self.objective_a:.6g} against {self.objective_b:.6g})")
        per = self.terms.assign(service_id=self.terms["service_id"].fillna("")).groupby(
            ["criterion", "service_id"], sort=False)[["difference", "objective_difference"]].sum().reset_index()
        for row in _by_size(per).head(SAID).itertuples():
            lines.append(f"{_said(instance, row.criterion, row.service_id, row.difference, self.a, self.b)}: "
                         f"{row.objective_difference / self.difference:.0%} of the difference")
        zones = self.by_zone()
        what = "travel and leaving of" if (self.terms["criterion"] == "leaving").any() else "travel of"
        for zone, row in zones[zones["share"].abs() >= 0.005].head(SAID).iterrows():
            lines.append(f"the {what} patients from {instance.zones.at[zone, 'name']}: {row['share']:.0%} of the "
                         "difference")
        return lines + list(self.flips["sentence"])

    def _leaving_sentences(self, instance: Instance) -> list[str]:
        """How much activity, and income, each configuration sends to each neighbouring provider: "in #1,
        1,000 units of activity a year leave the group (1,000 to Neighbour General), taking £3m of income"."""
        leaving = self.terms[self.terms["criterion"] == "leaving"]
        if leaving.empty:
            return []
        income = self.terms[self.terms["criterion"] == "income_leaving"]
        names = instance.tables["neighbours"].set_index("neighbour_id")["name"]
        lines = []
        for side, label in (("a", self.a), ("b", self.b)):
            to = leaving.groupby("site_id", sort=False)[f"amount_{side}"].sum()
            parts = ", ".join(f"{_amount(v)} to {names[n]}" for n, v in to.sort_values(ascending=False).items() if v)
            lines.append(f"in {label}, {_amount(to.sum())} units of activity a year leave the group"
                         f"{f' ({parts})' if parts else ''}, taking £{_amount(income[f'amount_{side}'].sum())}m "
                         "of income")
        return lines


# --- the explanation --------------------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One of the two configurations, with the engine that evaluates it under any weights."""

    label: str
    configuration: Configuration
    engine: Engine

    def evaluate(self, weights: Mapping[str, float]) -> Solution:
        solution = self.engine.evaluate(self.configuration, weights=weights)
        if not isinstance(solution, Solution):
            raise OptimiserError(f"{self.label} has no allocation that meets the instance's rules "
                                 f"({solution.status.value}): see optimiser evaluate {self.engine.instance.name} "
                                 f"{self.label}")
        return solution


def explain(instance: Instance, a: str | None = None, b: str | None = None, *,
            weights: Mapping[str, float] | None = None, sweep: bool = True) -> Explanation:
    """Configuration ``a`` against ``b``: each a rank of the optimiser's ranking (``#1``, ``#2`` …) or a
    named option; by default the best (``#1``) against the real decision (the instance's ``decision``
    setting), else the status quo (``baseline``). ``sweep`` finds where each weight flips their order."""
    a = a or "#1"
    b = b or instance.settings.get("decision") or instance.settings.get("baseline")
    if not b:
        raise OptimiserError(f"{instance.name} names no decision nor baseline option: give two configurations")
    if a == b:
        raise OptimiserError(f"give two different configurations to explain, not {a} twice")
    configurations = _configurations(instance, [a, b], resolve_weights(instance.weights, weights))
    return compare(instance, (a, configurations[a]), (b, configurations[b]), weights=weights, sweep=sweep)


def compare(instance: Instance, a: tuple[str, Configuration], b: tuple[str, Configuration], *,
            weights: Mapping[str, float] | None = None, sweep: bool = True,
            engines: dict[ModelOptions, Engine] | None = None, extend: Extension | None = None) -> Explanation:
    """Two labelled configurations, ``a`` against ``b``, as :func:`explain` sets them side by side; for a
    caller that has them already (a study). ``engines`` (one per formulation, filled here where one is
    missing) spares building the models again; ``extend`` adds the user's rules (:meth:`Engine.build`)."""
    chosen = resolve_weights(instance.weights, weights)
    engines = {} if engines is None else engines
    side_a, side_b = (Side(label, configuration, _engine(instance, configuration, engines, extend))
                      for label, configuration in (a, b))
    solution_a, solution_b = side_a.evaluate(chosen), side_b.evaluate(chosen)
    terms = _paired(pd.concat([_terms(instance, side_a, solution_a, chosen).assign(side="a"),
                               _terms(instance, side_b, solution_b, chosen).assign(side="b")], ignore_index=True))
    difference = solution_b.objective - solution_a.objective
    return Explanation(instance.name, side_a.label, side_b.label, side_a.configuration, side_b.configuration,
                       solution_a.objective, solution_b.objective,
                       _criteria(terms, solution_a, solution_b, chosen, side_a.engine.scales, difference), terms,
                       _assumptions(instance, terms, chosen, difference),
                       flips(side_a, side_b, chosen) if sweep and not _same(side_a, side_b) else _no_flips())


def _same(a: Side, b: Side) -> bool:
    """Whether the two sides are one configuration under one formulation: equal under every weight, so no
    weight flips them."""
    return a.configuration == b.configuration and a.engine is b.engine


def _engine(instance: Instance, configuration: Configuration, engines: dict[ModelOptions, Engine],
            extend: Extension | None) -> Engine:
    """The engine of the formulation ``configuration`` is evaluated under, built once per formulation (the
    travel times shared with any engine already built)."""
    formulation = evaluation_options(instance, configuration)
    if formulation not in engines:
        times = next(iter(engines.values())).data.times if engines else None
        engines[formulation] = Engine.build(instance, options=formulation, times=times, extend=extend)
    return engines[formulation]


def _configurations(instance: Instance, labels: list[str], weights: dict[str, float]) -> dict[str, Configuration]:
    """Each label's configuration: a rank of the optimiser's ranking under ``weights``, or a named option."""
    ranks = {label: int(label[1:]) for label in labels if label.startswith("#") and label[1:].isdigit()}
    ranked = solve(instance, top=max(ranks.values()), weights=weights).ranked if ranks else []
    out = {}
    for label in labels:
        if label in ranks:
            if not 1 <= ranks[label] <= len(ranked):
                raise OptimiserError(f"{instance.name} has {len(ranked)} ranked configurations, so no {label}")
            out[label] = ranked[ranks[label] - 1].configuration
        else:
            out[label] = option_configuration(instance, label)
    return out


# --- terms --------------------------------------------------------------------------------------

def _terms(instance: Instance, side: Side, solution: Solution, weights: dict[str, float]) -> pd.DataFrame:
    """One configuration's criteria as terms: criterion, service_id, zone_id, site_id, amount (natural
    units: patient-minutes a year, GBP m, rotas, moves) and objective (its part of the objective)."""
    scales = side.engine.scales
    frames = [_travel_terms(instance, side.engine, solution), _unit_terms(instance, solution),
              _leaving_terms(instance, side.engine, solution),
              pd.DataFrame([{"criterion": "worst_zone", "amount": solution.criteria["worst_zone"]}])]
    terms = pd.concat(frames, ignore_index=True).reindex(
        columns=["criterion", "service_id", "zone_id", "site_id", "amount", "per_amount"])
    terms["per_amount"] = terms["per_amount"].fillna(1.0)
    coefficient = terms["criterion"].map({c: weights.get(c, 0.0) / scales[c] for c in CRITERIA})
    return terms.assign(objective=coefficient * terms["per_amount"] * terms["amount"]).drop(columns="per_amount")


def _travel_terms(instance: Instance, engine: Engine, solution: Solution) -> pd.DataFrame:
    """Patient-minutes a year of each zone for each service line, plain and weighted by deprivation: the
    trips to the group's sites (of the activity they keep) and to neighbouring providers."""
    trips = pd.concat([_site_trips(instance, engine, solution), _neighbour_trips(instance, engine, solution)],
                      ignore_index=True)
    travel = trips.groupby(["service_id", "zone_id"], as_index=False)["amount"].sum()
    deprivation = instance.zones["deprivation_quintile"].astype(int).map(DEPRIVATION_WEIGHT)
    total = float(instance.demand.to_numpy().sum())
    weighted = float((instance.demand.sum(axis=1) * deprivation.reindex(instance.demand.index)).sum())
    equity = travel.assign(amount=travel["amount"] * deprivation.reindex(travel["zone_id"]).to_numpy())
    return pd.concat([travel.assign(criterion="travel", per_amount=1 / total),
                      equity.assign(criterion="equity", per_amount=1 / weighted)], ignore_index=True)


def _site_trips(instance: Instance, engine: Engine, solution: Solution) -> pd.DataFrame:
    """``service_id, zone_id, amount``: patient-minutes a year of each allocation row's trip to its site, for
    the activity the site keeps (less what leaves under a retention curve)."""
    flows = kept(instance, solution.allocation, engine.data.times)
    services = instance.services
    minutes = np.empty(len(flows))
    for service, rows in flows.groupby("service_id").groups.items():
        table = engine.data.times[instance.mode_or_default(services.at[service, "mode"])].zone_site_min
        picked = flows.loc[rows]
        minutes[flows.index.get_indexer(rows)] = table.to_numpy()[table.index.get_indexer(picked["zone_id"]),
                                                                   table.columns.get_indexer(picked["site_id"])]
    demand = instance.demand.stack()
    demand.index.names = ["zone_id", "service_id"]
    patients = flows["share"].to_numpy() * demand.reindex(pd.MultiIndex.from_frame(flows[["zone_id", "service_id"]])
                                                          ).to_numpy()
    return pd.DataFrame({"service_id": flows["service_id"], "zone_id": flows["zone_id"], "amount": patients * minutes})


def _neighbour_trips(instance: Instance, engine: Engine, solution: Solution) -> pd.DataFrame:
    """``service_id, zone_id, amount``: patient-minutes a year of the trips to neighbouring providers."""
    away = _leaving(instance, engine, solution)
    return pd.DataFrame({"service_id": away["service_id"], "zone_id": away["zone_id"],
                         "amount": away["activity"] * away["neighbour_min"]})


def _leaving_terms(instance: Instance, engine: Engine, solution: Solution) -> pd.DataFrame:
    """Activity a year each zone sends to each neighbouring provider for each service line (``site_id``: the
    neighbour), and the income it takes (GBP m a year at the service's tariff)."""
    away = _leaving(instance, engine, solution).groupby(["service_id", "zone_id", "neighbour_id"], as_index=False)[
        "activity"].sum().rename(columns={"neighbour_id": "site_id", "activity": "amount"})
    income = away.assign(amount=away["amount"] * tariff_gbp_m(instance, away["service_id"]))
    return pd.concat([away.assign(criterion="leaving"), income.assign(criterion="income_leaving")],
                     ignore_index=True)


def _leaving(instance: Instance, engine: Engine, solution: Solution) -> pd.DataFrame:
    """The allocation's flows to neighbouring providers (:func:`leaving_flows`) with the minutes to the
    neighbour (``neighbour_min``, by the service's mode); empty without a neighbour rule."""
    flows = leaving_flows(instance, solution.allocation, engine.data.times)
    if flows.empty:
        return flows.assign(neighbour_min=pd.Series(dtype=float))
    return flows.merge(nearest_neighbours(instance)[["zone_id", "service_id", "neighbour_min"]],
                       on=["zone_id", "service_id"], how="left")


def _unit_terms(instance: Instance, solution: Solution) -> pd.DataFrame:
    """Running cost, rotas, moves and capital of each unit (site, service), and capital of each site built
    and each expansion (no service)."""
    services, sites = instance.services, instance.sites
    baseline = baseline_configuration(instance)
    base = baseline.hosts if baseline else frozenset()
    rows = []
    for site, service in sorted(solution.configuration.hosts):
        rows += [("running", service, site, services.at[service, "running_cost_gbp_m"]),
                 ("workforce", service, site, float(services.at[service, "rotas_24_7"]))]
        if (site, service) not in base:
            rows.append(("capital", service, site, services.at[service, "opening_capital_gbp_m"]))
    rows += [("disruption", service, site, 1.0) for site, service in sorted(solution.configuration.hosts ^ base)]
    rows += [("capital", None, site, sites.at[site, "new_build_capital_gbp_m"])
             for site in solution.configuration.opened(instance)]
    resources = instance.site_resources.set_index(["site_id", "resource"])["expansion_capital_gbp_m"]
    rows += [("capital", None, row.site_id, row.added * resources[(row.site_id, row.resource)])
             for row in solution.expansion.itertuples()]
    return pd.DataFrame(rows, columns=["criterion", "service_id", "site_id", "amount"])


def _paired(terms: pd.DataFrame) -> pd.DataFrame:
    """A's and B's terms side by side: amount_a, amount_b, difference (B − A) and objective_difference."""
    keys = ["criterion", "service_id", "zone_id", "site_id"]
    filled = terms.assign(**{k: terms[k].fillna("") for k in keys[1:]})
    wide = filled.pivot_table(index=keys, columns="side", values=["amount", "objective"], aggfunc="sum",
                              fill_value=0.0, sort=False)
    wide.columns = [f"{value}_{side}" for value, side in wide.columns]
    wide = wide.reindex(columns=["amount_a", "amount_b", "objective_a", "objective_b"], fill_value=0.0)
    out = wide.reset_index().replace({k: {"": None} for k in keys[1:]})
    out["difference"] = out["amount_b"] - out["amount_a"]
    out["objective_difference"] = out["objective_b"] - out["objective_a"]
    order = {c: i for i, c in enumerate(CRITERIA)}
    out = out[(out["difference"] != 0) | (out["amount_a"] != 0)]
    return out.sort_values("criterion", key=lambda c: c.map(order), kind="stable").reset_index(drop=True)[
        [*keys, "amount_a", "amount_b", "difference", "objective_difference"]]


def _criteria(terms: pd.DataFrame, a: Solution, b: Solution, weights: dict[str, float], scales: dict[str, float],
              difference: float) -> pd.DataFrame:
    """One row per criterion: weight, scale, value in A and B (natural units), and the part of the difference."""
    parts = terms.groupby("criterion")["objective_difference"].sum().reindex(list(CRITERIA), fill_value=0.0)
    return pd.DataFrame({"weight": [weights.get(c, 0.0) for c in CRITERIA], "scale": [scales[c] for c in CRITERIA],
                         "a": [a.criteria[c] for c in CRITERIA], "b": [b.criteria[c] for c in CRITERIA],
                         "objective_difference": parts.to_numpy(),
                         "share": parts.to_numpy() / difference if difference else np.nan},
                        index=pd.Index(CRITERIA, name="criterion"))


def _grouped(terms: pd.DataFrame, by: str, difference: float) -> pd.DataFrame:
    grouped = terms.assign(**{by: terms[by].fillna("")}).groupby(by)["objective_difference"].sum()
    return _by_size(grouped.to_frame().assign(share=grouped / difference if difference else np.nan))


def _by_size(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows by the size of their part of the difference, largest first, whatever its sign."""
    return frame.reindex(frame["objective_difference"].abs().sort_values(ascending=False, kind="stable").index)


def _assumptions(instance: Instance, terms: pd.DataFrame, weights: dict[str, float], difference: float
                 ) -> pd.DataFrame:
    """The weights and numbers the difference rests on, as scenario parameters, largest share first:
    each weight carries its criterion's part; a service's demand its travel and equity terms; its costs
    their terms (rotas are not a scenario parameter, so they are named as the services.yaml field)."""
    rows = []
    parts = terms.groupby("criterion")["objective_difference"].sum()
    for criterion, part in parts.items():
        rows.append((f"weights.{criterion}", weights.get(criterion, 0.0), part))
    by_service = terms[terms["service_id"].notna()].groupby(["criterion", "service_id"])["objective_difference"].sum()
    for (criterion, service), part in by_service.items():
        if criterion in DRIVERS:
            name = DRIVERS[criterion].format(service=service)
            value = 1.0 if name.startswith("demand.") else float(instance.services.at[service, name.rsplit(".")[-1]])
        elif criterion == "workforce":
            name, value = f"services.yaml {service}.rotas_24_7", float(instance.services.at[service, "rotas_24_7"])
        else:
            continue
        rows.append((name, value, part))
    frame = pd.DataFrame(rows, columns=["parameter", "value", "objective_difference"])
    frame = frame.groupby(["parameter", "value"], as_index=False, sort=False)["objective_difference"].sum()
    frame = frame[frame["objective_difference"] != 0]
    frame["share"] = frame["objective_difference"] / difference if difference else np.nan
    return _by_size(frame).reset_index(drop=True)


# --- where the order flips ----------------------------------------------------------------------

def flips(a: Side, b: Side, weights: dict[str, float]) -> pd.DataFrame:
    """For each criterion weight, one at a time, the weight at which ``a`` and ``b`` change order, below
    and above today's, with both re-evaluated at each trial weight (their allocations may change with the
    weights, so the difference is piecewise linear, not a line); a weight is searched from 0 up to
    :data:`SWEEP_UP_TO` times the largest weight. The change is found by Brent's method (scipy's ``brentq``):
    on a piecewise-linear difference its interpolation lands on the change in a few evaluations where
    bisection takes fourteen. Where the difference changes sign more than once in a range, one change is found."""
    from scipy.optimize import brentq

    def difference(criterion: str, weight: float) -> float:
        trial = weights | {criterion: weight}
        return b.evaluate(trial).objective - a.evaluate(trial).objective

    today = _sign(b.evaluate(weights).objective - a.evaluate(weights).objective)
    if today == 0:  # a tie: no weight flips an order there is not
        return _no_flips()
    top = SWEEP_UP_TO * max(1.0, *weights.values())
    rows = []
    for criterion in CRITERIA:
        now = weights.get(criterion, 0.0)
        others = any(w > 0 for c, w in weights.items() if c != criterion)
        ranges = ([(now, 0.0, "falls below")] if now > 0 and others else []) + [(now, top, "rises above")]
        for start, end, direction in ranges:
            if _sign(difference(criterion, end)) in (today, 0):
                continue
            at = brentq(lambda w, c=criterion: difference(c, w), min(start, end), max(start, end),
                        xtol=FLIP_TOLERANCE * abs(end - start))
            winner, loser = (b, a) if today > 0 else (a, b)
            rows.append((criterion, now, direction, at, f"{winner.label} becomes better than {loser.label} when "
                                                        f"the {criterion} weight {direction} {at:.3g} (now {now:g})"))
    return pd.DataFrame(rows, columns=["criterion", "weight", "direction", "flip_weight", "sentence"])


def _sign(difference: float) -> float:
    """The sign of a difference in the objective, 0 for a tie (as the ranking calls one)."""
    return 0.0 if abs(difference) <= TIE_TOLERANCE else float(np.sign(difference))


def _no_flips() -> pd.DataFrame:
    return pd.DataFrame(columns=["criterion", "weight", "direction", "flip_weight", "sentence"])


# --- words ------------------------------------------------------------------------------------

def _said(instance: Instance, criterion: str, service: str, difference: float, a: str, b: str) -> str:
    """One term in words: "births (obstetrics) travel 380k minutes more a year in 1A than in #1"."""
    services = instance.services
    if criterion in ("travel", "equity", "leaving"):
        what = f"{services.at[service, 'activity']} ({service})"
    else:
        what = service or ("new sites and expansion" if criterion == "capital" else "the configuration")
    text = WORDING[criterion].format(what=what, amount=_amount(abs(difference)),
                                     more="more" if difference > 0 else "less", b=b)
    return f"{text} than in {a}"


def _amount(value: float) -> str:
    """380k, 1.2M, 5.5, 12 — as a reader would say it."""
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    if value >= 1e4:
        return f"{value / 1e3:.3g}k"
    return f"{value:,.3g}" if value < 100 else f"{value:,.0f}"


__all__ = ["Explanation", "Side", "compare", "explain", "flips"]
