"""The objective: a weighted sum of criteria, each divided by a reference scale.

Criteria come in different units (minutes, GBP million, rotas, moves). Each is
divided by a scale computed from the instance alone, before any solve, so that
a weight means the same thing on every instance:

- travel, equity, worst_zone: the value with every permitted site open (the
  best any configuration can do), so 1.0 is "as good as possible", 1.2 is 20% worse;
- capital: the most that could be spent (every new site, every service opened
  where it is not today, every expansion);
- running, workforce: hosting every service line at every site;
- disruption: the number of site–service pairs;
- leaving, income_leaving: all the demand, and the income of all the demand at the tariff (every
  patient leaving).

A scale of zero (nothing could be spent) becomes 1, leaving the criterion at 0.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.instance.neighbours import tariff_gbp_m
from optimiser.instance.schema import file_schema
from optimiser.model.data import CRITERIA, DEPRIVATION_WEIGHT, ModelData


def criterion_scales(data: ModelData) -> dict[str, float]:
    """Reference scale of each criterion (see the module docstring)."""
    instance = data.instance
    nearest = _best_trips(data)
    demand, minutes = nearest["demand"].to_numpy(float), nearest["travel_min"].to_numpy(float)
    quintile = instance.zones["deprivation_quintile"].reindex(nearest["zone_id"]).astype(int)
    weight = demand * quintile.map(DEPRIVATION_WEIGHT).to_numpy(float)
    services, sites = instance.services, instance.sites
    base = data.baseline.hosts if data.baseline else frozenset()
    n_sites = len(sites)
    modelled = set(data.sites)
    hosting_today = pd.Series([l for s, l in base if s in modelled], dtype=object).value_counts()
    not_hosting = len(data.sites) - hosting_today.reindex(data.services, fill_value=0)
    opening = float((services.loc[data.services, "opening_capital_gbp_m"] * not_hosting).sum())
    resources = instance.site_resources
    scales = {
        "travel": float((demand * minutes).sum() / demand.sum()),
        "equity": float((weight * minutes).sum() / weight.sum()),
        "worst_zone": float(minutes.max(initial=0.0)),
        "capital": float(sites["new_build_capital_gbp_m"][~sites["exists"].astype(bool)].sum() + opening
                         + (resources["max_expansion"] * resources["expansion_capital_gbp_m"]).sum()),
        "running": float(services["running_cost_gbp_m"].sum() * n_sites),
        "workforce": float(pd.to_numeric(services["rotas_24_7"]).sum() * n_sites),
        "disruption": float(n_sites * len(services)),
        "leaving": float(instance.demand.to_numpy().sum()),
        "income_leaving": float((instance.demand.sum(axis=0).to_numpy()
                                 * tariff_gbp_m(instance, instance.demand.columns.to_series())).sum()),
    }
    return {name: value if value > 0 and np.isfinite(value) else 1.0 for name, value in scales.items()}


def _best_trips(data: ModelData) -> pd.DataFrame:
    """Each zone's trips with every permitted site open: ``zone_id, demand, travel_min``, one row per
    destination. Its nearest site; where patients leave for a neighbour (:mod:`optimiser.instance.neighbours`),
    the share the retention curve sends there at that site's minutes, or the whole demand of a zone
    whose every site is beyond its neighbour under the nearest-provider rule."""
    candidates = data.candidates
    nearest = candidates[candidates["rank"].to_numpy() == 1].drop_duplicates("group")  # nearest sites
    gone = nearest[nearest["leaving"] > 0]
    grouped = pd.MultiIndex.from_frame(nearest[["zone_id", "service_id"]])
    whole = data.leaves[~pd.MultiIndex.from_frame(data.leaves[["zone_id", "service_id"]]).isin(grouped)]
    return pd.concat([nearest[["zone_id", "demand", "travel_min"]],
                      pd.DataFrame({"zone_id": gone["zone_id"], "demand": gone["leaving"],
                                    "travel_min": gone["neighbour_min"]}),
                      whole[["zone_id", "demand"]].assign(travel_min=whole["neighbour_min"])], ignore_index=True)


def resolve_weights(defaults: Mapping[str, float], overrides: Mapping[str, float] | None) -> dict[str, float]:
    """The instance's weights with the caller's overrides; unknown names, and weights beyond the bounds
    weights.yaml's schema states (negative, or so large the objective overflows), are errors."""
    weights = dict(defaults)
    for name, value in (overrides or {}).items():
        if name not in CRITERIA:
            raise OptimiserError(f"unknown criterion {name!r} in the weights: criteria are {', '.join(CRITERIA)}")
        bounds = file_schema("weights").field(name)
        if not (np.isfinite(value) and bounds.min <= value <= bounds.max):
            raise OptimiserError(f"the weight of {name} must be a number from {bounds.min:g} to "
                                 f"{bounds.max:,.12g}, not {value!r}")
        weights[name] = float(value)
    if not any(weights.values()):
        raise OptimiserError("every criterion weight is 0: give at least one a positive weight")
    return weights


def solver_weights(weights: Mapping[str, float], scales: Mapping[str, float]) -> dict[str, float]:
    """Weights on the raw criteria (natural units) that realise ``weights`` on the normalised ones."""
    return {name: weights.get(name, 0.0) / scales[name] for name in CRITERIA}
