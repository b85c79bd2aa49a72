r"""Zones no rule can tell apart, merged into one model zone, exactly.

Zones that snap to the same road junction have the same minutes to every site; on large
instances many do (the synthetic regional instance: 2,000 zones, 1,711 distinct rows, 1,873 model
zones once deprivation quintiles are told apart). Zones form a *class*, one model zone named by its
first member, when they have

- the same minutes to every site in every travel mode (rows equal to the bit);
- the same deprivation quintile, which sets the equity weight :math:`\omega_z`;
- demand for the same services (:math:`d_{zl} > 0`);
- for each service with a coverage standard, the same demand per head :math:`d_{zl} / p_z`
  (to 40 bits, about 12 significant digits: beyond that is the rounding of population × rate).

The model zone :math:`Z` adds its members' population and demand, :math:`p_Z = \sum_{z \in Z} p_z`
and :math:`d_{Zl} = \sum_{z \in Z} d_{zl}`, and the model is built on the model zones.

Why the optimum is unchanged. Nothing but the shares :math:`x_{zsl}` and :math:`b_{zl}` belongs to a
zone, and every row and criterion is one of two kinds:

- *sums over zones* of :math:`d_{zl} x_{zsl}` (capacity, minimum and maximum volume, travel) or
  :math:`\omega_z d_{zl} x_{zsl}` (equity), and :math:`p_z x_{zsl}` (coverage, whose population is that of the
  zones with demand: :math:`p_Z` for a class or its members alike);
- *rows of one zone* (demand, linking, the hard travel row of the diagnosis, closest assignment, the
  worst-zone row), linear in its shares, with the same coefficients and bounds for every member,
  since these are made of the same minutes, the same sites and the variables shared by all
  (:math:`y` and the worst time :math:`w`).

From the full model to the merged one, give :math:`Z` its members' shares averaged by demand,
:math:`x_{Zsl} = \sum_{z \in Z} d_{zl} x_{zsl} / d_{Zl}` (and :math:`b_{Zl}` likewise). Then
:math:`d_{Zl} x_{Zsl} = \sum_z d_{zl} x_{zsl}`, so every demand-weighted sum keeps its value; so does
every population-weighted one, since under a coverage standard :math:`p_z = d_{zl} / \rho_l` with
a demand per head :math:`\rho_l` common to the class; and a row of one zone holds for a weighted
mean of points that all meet it (:math:`\sum_s x = 1`, :math:`x \le y`,
:math:`\sum_{\text{closer}} x \ge y`, :math:`\sum_s t x \le w`). Back from the merged model, give
every member the shares of :math:`Z`: each member's rows are :math:`Z`'s, and the sums add up to
:math:`Z`'s terms. So the two models reach the same configurations at the same criteria: the same
optimum, ranking (no-good cuts touch only :math:`y, r`) and criterion scales (sums and maxima over
the same rows, :mod:`optimiser.model.objective`). The nearest-site restriction (:mod:`optimiser.model.nearest`)
restricts the merged model, and is exact for any model it restricts; its beyond shares :math:`b`
enter the rows as :math:`x` does (members share their ranking of sites, so also their left-out
sites and :math:`t^+`).

Results are mapped back by :func:`expand_allocation`: each member zone gets its class's shares.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
import pandas as pd

from optimiser.instance.folder import Instance
from optimiser.instance.travel import TravelTimes

#: Demand per head is compared to this many bits of its mantissa (about 12 significant digits).
PER_HEAD_BITS = 40


def model_zones(instance: Instance, times: Mapping[str, TravelTimes]) -> pd.Series:
    """The model zone of every zone: ``zone_id`` → the first zone of its class (see the module docstring)."""
    zones = instance.zones
    ids = zones.index
    demand = instance.demand.reindex(index=ids, columns=instance.services.index).to_numpy(float)
    covered = instance.services["coverage_share"].notna().to_numpy()
    minutes = [times[mode].zone_site_min.reindex(index=ids).to_numpy(float) for mode in instance.mode_names]
    key = np.hstack([*minutes, zones["deprivation_quintile"].to_numpy(float)[:, None], demand > 0,
                     _per_head(demand[:, covered], zones["population"].to_numpy(float))]) + 0.0  # -0.0 is 0.0
    rows = np.ascontiguousarray(key).view(np.dtype((np.void, key.dtype.itemsize * key.shape[1]))).ravel()
    _, first, inverse = np.unique(rows, return_index=True, return_inverse=True)  # equal rows: equal bytes
    return pd.Series(ids[first[inverse.ravel()]], index=ids, name="model_zone_id")


def _per_head(demand: np.ndarray, population: np.ndarray) -> np.ndarray:
    """Demand per head rounded to :data:`PER_HEAD_BITS` (0 where there is no demand, inf where no people)."""
    with np.errstate(divide="ignore"):
        ratio = np.divide(demand, population[:, None], out=np.zeros_like(demand), where=demand > 0)
    mantissa, exponent = np.frexp(ratio)
    return np.ldexp(np.round(np.ldexp(mantissa, PER_HEAD_BITS)), exponent - PER_HEAD_BITS)


def merge_zones(instance: Instance, times: Mapping[str, TravelTimes]) -> tuple[Instance, pd.Series | None]:
    """The instance with each class of zones merged into its first member, population and demand added,
    and the model zone of every zone (None when every zone is a class of its own).

    Demand overrides (``demand.csv``) are already part of ``demand``; the merged instance has none,
    and no file rows for its zones.
    """
    members = model_zones(instance, times)
    first = members.index == members.to_numpy()
    if first.all():
        return instance, None
    zones = instance.zones
    code = members.to_numpy()
    population = zones["population"].groupby(code, sort=False).sum()
    merged_zones = zones[first].assign(population=population.reindex(zones.index[first]).to_numpy())
    demand = instance.demand.groupby(members.reindex(instance.demand.index).to_numpy(), sort=False).sum()
    demand = demand.reindex(merged_zones.index).rename_axis(instance.demand.index.name)
    tables = instance.tables | {"zones": merged_zones, "demand": instance.tables["demand"].iloc[:0]}
    sources = {stem: table for stem, table in instance.sources.items() if stem not in ("zones", "demand")}
    return replace(instance, tables=tables, demand=demand, sources=sources), members


def expand_allocation(allocation: pd.DataFrame, members: pd.Series | None) -> pd.DataFrame:
    """A model allocation (``service_id, zone_id, site_id, share`` of model zones) for every zone:
    each member zone gets its model zone's rows with the same shares, in the allocation's order."""
    if members is None:
        return allocation
    of = pd.DataFrame({"zone_id": members.index.to_numpy(), "model_zone_id": members.to_numpy()})
    expanded = allocation.rename(columns={"zone_id": "model_zone_id"}).merge(of, on="model_zone_id")
    return expanded[list(allocation.columns)]
