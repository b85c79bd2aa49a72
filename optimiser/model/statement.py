r"""The site-configuration model, stated in Pyomo one constraint family at a time.

Sets: sites :math:`s`, service lines :math:`l`, zones :math:`z`, resources
:math:`r`, roles :math:`k`. Data: yearly demand :math:`d_{zl}`, travel
minutes :math:`t_{zsl}` (by the service's mode), site-to-site minutes
:math:`t_{ss'}`, population :math:`p_z`.

Variables:

- :math:`y_{sl} \in \{0,1\}`: site :math:`s` hosts service :math:`l`;
- :math:`x_{zsl} \in [0,1]`: share of zone :math:`z`'s demand for :math:`l`
  served at :math:`s`, created only for pairs that can matter (a site beyond
  the service's hard travel standard can never serve the zone, so no variable);
- :math:`o_s \in \{0,1\}`: a site that does not exist today is built;
- :math:`e_{sr} \in [0, \bar e_{sr}]`: capacity added;
- :math:`r_{sk} \in \{0,1\}`: site :math:`s` takes role :math:`k` (where roles are used);
- :math:`w \ge 0`: the worst zone's travel time;
- :math:`b_{zl} \in [0,1]`: share of the demand served beyond the zone's kept nearest sites, in a
  model restricted to them (:mod:`optimiser.model.nearest`; none in the full model);
- :math:`a_{sl} \ge 0`: the beyond demand placed at unit :math:`(s, l)`, where some zone left it out;
- :math:`q_{zl} \in [0,1]`: share of the demand that leaves for the zone's nearest neighbouring provider,
  under the nearest-provider rule (:mod:`optimiser.instance.neighbours`).

Every criterion is a separate Pyomo objective in natural units (minutes,
GBP million, rotas, moves); the weighted sum is formed in the solver layer so
weights can change without a rebuild (:mod:`optimiser.model.objective`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd
import pyomo.environ as pyo

from optimiser.collector import collector_paused
from optimiser.instance.configuration import bundled_services
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import spare_activity, tariff_gbp_m
from optimiser.model.data import (
    CRITERIA,
    DEPRIVATION_WEIGHT,
    ModelData,
    ModelOptions,
    activity_floor,
    candidate_pairs,
    prepare,
)

__all__ = ["CONSTRAINT_FAMILIES", "CRITERIA", "ModelData", "ModelOptions", "build_model", "candidate_pairs",
           "criteria", "prepare"]


def build_model(data: ModelData) -> pyo.ConcreteModel:
    """The Pyomo model: variables, then each constraint family in a fixed order, then the criteria."""
    with collector_paused():
        m = pyo.ConcreteModel(name=f"site configuration: {data.instance.name}")
        _variables(m, data)
        for family in CONSTRAINT_FAMILIES:
            family(m, data)
        criteria(m, data)
    return m


# --- variables --------------------------------------------------------------------------------

def _variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    instance = data.instance
    m.Y = pyo.Set(dimen=2, initialize=[(s, l) for s in data.sites for l in data.services], ordered=True)
    m.y = pyo.Var(m.Y, domain=pyo.Binary)
    m.X = pyo.Set(dimen=3, ordered=True, initialize=list(zip(
        data.pairs["zone_id"], data.pairs["site_id"], data.pairs["service_id"], strict=True)))
    m.x = pyo.Var(m.X, bounds=(0, 1))
    m.NEW = pyo.Set(initialize=list(instance.sites.index[~instance.sites["exists"].astype(bool)]), ordered=True)
    m.open = pyo.Var(m.NEW, domain=pyo.Binary)
    expandable = instance.site_resources[instance.site_resources["max_expansion"] > 0]
    m.EXPAND = pyo.Set(dimen=2, ordered=True, initialize=list(zip(
        expandable["site_id"], expandable["resource"], strict=True)))
    m.expand = pyo.Var(m.EXPAND, domain=pyo.NonNegativeReals,
                       bounds=lambda _, s, r: (0, _max_expansion(instance, s, r)))
    m.ROLE = pyo.Set(dimen=2, ordered=True, initialize=[(s, k) for s in data.sites for k in data.roles])
    m.r = pyo.Var(m.ROLE, domain=pyo.Binary)
    m.worst = pyo.Var(domain=pyo.NonNegativeReals)
    m.B = pyo.Set(dimen=2, ordered=True, initialize=list(zip(data.beyond["zone_id"], data.beyond["service_id"],
                                                             strict=True)))
    m.beyond = pyo.Var(m.B, bounds=(0, 1))
    units = data.beyond_units
    m.BU = pyo.Set(dimen=2, ordered=True, initialize=list(zip(units["site_id"], units["service_id"], strict=True)))
    m.beyond_at = pyo.Var(m.BU, domain=pyo.NonNegativeReals)
    m.Q = pyo.Set(dimen=2, ordered=True, initialize=list(zip(data.leaves["zone_id"], data.leaves["service_id"],
                                                             strict=True)))
    m.leave = pyo.Var(m.Q, bounds=(0, 1))


def _beyond(m: pyo.ConcreteModel, z: str, l: str, coefficient: float = 1.0):
    """``coefficient · b[z,l]`` where the zone has sites left out, else 0."""
    return coefficient * m.beyond[z, l] if (z, l) in m.B else 0


def _leave(m: pyo.ConcreteModel, z: str, l: str, coefficient: float = 1.0):
    """``coefficient · q[z,l]`` where the zone may leave for a neighbour, else 0."""
    return coefficient * m.leave[z, l] if (z, l) in m.Q else 0


def _beyond_at(m: pyo.ConcreteModel, s: str, l: str, coefficient: float = 1.0):
    """``coefficient · a[s,l]`` where some zone left the unit out, else 0."""
    return coefficient * m.beyond_at[s, l] if (s, l) in m.BU else 0


def _max_expansion(instance: Instance, site: str, resource: str) -> float:
    rows = instance.site_resources
    return float(rows.loc[(rows["site_id"] == site) & (rows["resource"] == resource), "max_expansion"].iloc[0])


def _by(pairs: pd.DataFrame, *keys: str) -> dict[tuple, list[tuple[str, str, str]]]:
    """Allocation keys (zone, site, service) grouped by some of their fields."""
    groups: dict[tuple, list[tuple[str, str, str]]] = defaultdict(list)
    for z, s, l in zip(pairs["zone_id"], pairs["site_id"], pairs["service_id"], strict=True):
        row = {"zone_id": z, "site_id": s, "service_id": l}
        groups[tuple(row[k] for k in keys)].append((z, s, l))
    return groups


def _pair_demand(data: ModelData) -> dict[tuple[str, str, str], float]:
    """The activity each pair brings to its site: the zone's demand, less what leaves under a retention curve."""
    pairs = data.pairs
    return dict(zip(zip(pairs["zone_id"], pairs["site_id"], pairs["service_id"], strict=True), pairs["demand"],
                    strict=True))


# --- constraint families ----------------------------------------------------------------------

def demand_allocation(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Every zone's demand is served in full, or leaves for a neighbour:
    :math:`\sum_s x_{zsl} + b_{zl} + q_{zl} = 1` for :math:`d_{zl} > 0`."""
    groups = _by(data.pairs, "zone_id", "service_id")
    rows = list(groups) + [k for k in m.Q if k not in groups]  # a zone every site of which is beyond its neighbour
    m.demand = pyo.Constraint(rows, rule=lambda m, z, l: sum(m.x[k] for k in groups.get((z, l), []))
                              + _beyond(m, z, l) + _leave(m, z, l) == 1)


def linking(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Only a hosting site serves: :math:`x_{zsl} \le y_{sl}`; a site that does not exist is built
    before it hosts: :math:`y_{sl} \le o_s`."""
    m.linking = pyo.Constraint(m.X, rule=lambda m, z, s, l: m.x[z, s, l] <= m.y[s, l])
    m.built = pyo.Constraint([(s, l) for s in m.NEW for l in data.services],
                             rule=lambda m, s, l: m.y[s, l] <= m.open[s])


def capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Resource use within capacity plus paid expansion:
    :math:`\sum_{z,l} u_{lr} d_{zl} x_{zsl} + \sum_l u_{lr} a_{sl} \le C_{sr} + e_{sr}`."""
    use = data.instance.resource_use
    if use.empty:
        return
    per_activity = {(row.service_id, row.resource): row.per_activity for row in use.itertuples(index=False)}
    capacity_of = {(row.site_id, row.resource): row.capacity
                   for row in data.instance.site_resources.itertuples(index=False)}
    demand = _pair_demand(data)
    by_site = _by(data.pairs, "site_id")
    resources = sorted(use["resource"].unique())
    rows = [(s, r) for s in data.sites for r in resources]

    def rule(m, s, r):
        load = sum(per_activity[l, r] * demand[z, s, l] * m.x[z, s, l] for z, _, l in by_site.get((s,), [])
                   if (l, r) in per_activity) + sum(_beyond_at(m, s, l, per_activity[l, r]) for l in data.services
                                                    if (l, r) in per_activity)
        added = m.expand[s, r] if (s, r) in m.EXPAND else 0
        if isinstance(load, int):  # nothing at this site uses the resource
            return pyo.Constraint.Skip
        return load <= capacity_of.get((s, r), 0.0) + added

    m.capacity = pyo.Constraint(rows, rule=rule)


def resource_minimum(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""A unit is viable only on a site with enough of a resource (``min_capacity`` of resource_use.csv,
    e.g. 6 critical-care beds): :math:`m_{lr}\, y_{sl} \le C_{sr} + e_{sr}`. On the site's capacity, not
    on the unit's load: a critical care unit with no beds is impossible even if no patient would use them."""
    rows = data.instance.resource_use.dropna(subset=["min_capacity"])
    least = {(r.service_id, r.resource): r.min_capacity for r in rows.itertuples(index=False) if r.min_capacity > 0}
    capacity_of = {(row.site_id, row.resource): row.capacity
                   for row in data.instance.site_resources.itertuples(index=False)}
    m.resource_minimum = pyo.Constraint(
        [(s, l, r) for s in data.sites for l, r in least],
        rule=lambda m, s, l, r: least[l, r] * m.y[s, l]
        <= capacity_of.get((s, r), 0.0) + (m.expand[s, r] if (s, r) in m.EXPAND else 0))


def codependencies(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Clinical co-dependencies between service lines A and B, at every site :math:`s`:

    - colocated: :math:`y_{sA} \le y_{sB}`;
    - within N minutes: :math:`y_{sA} \le \sum_{s': t_{ss'} \le N} y_{s'B}` (the site itself counts);
    - excludes: :math:`y_{sA} + y_{sB} \le 1`.
    """
    rules = data.instance.codependencies
    colocated = [(s, r.service_a, r.service_b) for r in rules.itertuples() if r.rule == "colocated"
                 for s in data.sites]
    excludes = [(s, r.service_a, r.service_b) for r in rules.itertuples() if r.rule == "excludes"
                for s in data.sites]
    m.colocated = pyo.Constraint(colocated, rule=lambda m, s, a, b: m.y[s, a] <= m.y[s, b])
    m.excludes = pyo.Constraint(excludes, rule=lambda m, s, a, b: m.y[s, a] + m.y[s, b] <= 1)
    reach = {}
    for r in rules.itertuples():
        if r.rule == "within":
            minutes = data.times[data.instance.mode_or_default(r.mode)].site_site_min
            for s in data.sites:
                reach[s, r.service_a, r.service_b] = [t for t in data.sites if minutes.loc[s, t] <= r.within_min]
    m.within = pyo.Constraint(list(reach), rule=lambda m, s, a, b: m.y[s, a] <= sum(
        m.y[t, b] for t in reach[s, a, b]))


def site_counts(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Fewest and most sites per service: :math:`n^{min}_l \le \sum_s y_{sl} \le n^{max}_l`."""
    services = data.instance.services
    low = [l for l in data.services if services.loc[l, "min_sites"] > 0]
    high = [l for l in data.services if pd.notna(services.loc[l, "max_sites"])]
    m.sites_min = pyo.Constraint(low, rule=lambda m, l: sum(m.y[s, l] for s in data.sites)
                                 >= int(services.loc[l, "min_sites"]))
    m.sites_max = pyo.Constraint(high, rule=lambda m, l: sum(m.y[s, l] for s in data.sites)
                                 <= int(services.loc[l, "max_sites"]))


def volumes(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Volume per unit: :math:`v^{min}_l y_{sl} \le \sum_z d_{zl} x_{zsl} + a_{sl} \le v^{max}_l y_{sl}`
    (:math:`a_{sl}`, the beyond demand placed there, only in a restricted model).

    A hosted unit with no patients is not a unit, whatever ``min_volume`` says: for a service with
    demand whose :math:`v^{min}_l` is below the instance's floor :math:`\varphi` (``min_unit_activity``,
    1 a year unless stated), ``activity_floor[s,l]``: :math:`\varphi\, y_{sl} \le \sum_z d_{zl} x_{zsl} + a_{sl}`.
    A minimum volume, so exact, with coefficients of the demand's own order: sounder than
    :math:`y \le \sum_z d x / \varepsilon`, whose tiny :math:`\varepsilon` would be. A family of its own, so
    the radius search (:mod:`optimiser.search.radius`) may solve without it and check that it holds."""
    services = data.instance.services
    by_unit = _by(data.pairs, "site_id", "service_id")
    demand = _pair_demand(data)

    def volume(m, s, l):
        return sum(demand[z, s, l] * m.x[z, s, l] for z, _, _ in by_unit.get((s, l), [])) + _beyond_at(m, s, l)
    low = [(s, l) for s in data.sites for l in data.services if services.loc[l, "min_volume"] > 0]
    high = [(s, l) for s in data.sites for l in data.services if pd.notna(services.loc[l, "max_volume"])]
    floor = activity_floor(data)
    m.volume_min = pyo.Constraint(low, rule=lambda m, s, l: volume(m, s, l)
                                  >= services.loc[l, "min_volume"] * m.y[s, l])
    m.volume_max = pyo.Constraint(high, rule=lambda m, s, l: volume(m, s, l)
                                  <= services.loc[l, "max_volume"] * m.y[s, l])
    m.activity_floor = pyo.Constraint([(s, l) for s in data.sites for l in data.services if floor[l] > 0],
                                      rule=lambda m, s, l: volume(m, s, l) >= floor[l] * m.y[s, l])


def travel_standards(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Access standards of each service line.

    - hard, :math:`T_l`: :math:`x_{zsl} = 0` where :math:`t_{zsl} > T_l` (by pruning, or as
      :math:`\sum_{s: t_{zsl} > T_l} x_{zsl} \le 0` when the diagnosis needs it relaxable);
    - coverage, share :math:`\alpha_l` within :math:`T'_l`:
      :math:`\sum_z p_z \sum_{s: t_{zsl} \le T'_l} x_{zsl} \ge \alpha_l \sum_z p_z` (a beyond share
      counts when its nearest left-out site is within :math:`T'_l`, a share leaving for a neighbour when the
      neighbour is).
    """
    services = data.instance.services
    population = data.instance.zones["population"]
    pairs = data.pairs
    if not data.options.prune_travel:
        limit = pairs["service_id"].map(services["max_travel_min"])
        far = pairs[pairs["travel_min"] > limit]
        groups = _by(far, "zone_id", "service_id")
        m.travel_max = pyo.Constraint(list(groups), rule=lambda m, z, l: sum(m.x[k] for k in groups[z, l]) <= 0)
    covered = [l for l in data.services if pd.notna(services.loc[l, "coverage_share"])]

    def coverage(m, l):
        mine = pairs[pairs["service_id"] == l]
        near = mine[mine["travel_min"] <= services.loc[l, "coverage_travel_min"]]
        beyond = data.beyond[(data.beyond["service_id"] == l)
                             & (data.beyond["travel_min"] <= services.loc[l, "coverage_travel_min"])]
        leaves = data.leaves[(data.leaves["service_id"] == l)
                             & (data.leaves["neighbour_min"] <= services.loc[l, "coverage_travel_min"])]
        served = population[pd.unique(pd.concat([mine["zone_id"], data.leaves.loc[data.leaves["service_id"] == l,
                                                                                   "zone_id"]]))].sum()
        return (sum(population[z] * m.x[z, s, l] for z, s in zip(near["zone_id"], near["site_id"], strict=True))
                + sum(_beyond(m, z, l, population[z]) for z in beyond["zone_id"])
                + sum(_leave(m, z, l, population[z]) for z in leaves["zone_id"])
                >= services.loc[l, "coverage_share"] * served)

    m.coverage = pyo.Constraint(covered, rule=coverage)


def closest_assignment(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Patients use their nearest open site (when asked for): for each candidate pair,
    :math:`\sum_{s': t_{zs'l} \le t_{zsl}} x_{zs'l} \ge y_{sl}` — if :math:`s` is open, all of the
    zone's demand goes to sites at least as close."""
    if not data.options.closest_assignment:
        return
    closer: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
    for (z, l), group in data.pairs.groupby(["zone_id", "service_id"], sort=False):
        ordered = group.sort_values("travel_min")
        keys = [(z, s, l) for s in ordered["site_id"]]
        minutes = ordered["travel_min"].to_numpy()
        for i, key in enumerate(keys):
            closer[key] = keys[: int(np.searchsorted(minutes, minutes[i], side="right"))]
    m.closest = pyo.Constraint(list(closer), rule=lambda m, z, s, l: sum(m.x[k] for k in closer[z, s, l])
                               >= m.y[s, l])


def roles(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Roles bundle services (the hospital models): every existing site takes exactly one role,
    a new site at most one, and only once built (:math:`\sum_k r_{sk} = 1`, or :math:`\le o_s`); a bundled
    service is hosted exactly where a role brings it: :math:`y_{sl} = \sum_{k \ni l} r_{sk}`."""
    if not data.roles:
        return
    new = set(m.NEW)
    def one_role(m, s):
        taken = sum(m.r[s, k] for k in data.roles)
        return taken <= m.open[s] if s in new else taken == 1

    m.one_role = pyo.Constraint(data.sites, rule=one_role)
    bundled = sorted(bundled_services(data.instance))
    m.role_services = pyo.Constraint([(s, l) for s in data.sites for l in bundled], rule=lambda m, s, l: m.y[s, l]
                                     == sum(m.r[s, k] for k, services in data.roles.items() if l in services))


def givens(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Assignments fixed in advance pin ``y`` by its bounds (not by fixing, so the diagnosis can relax them)."""
    for g in data.instance.givens.itertuples(index=False):
        value = 1 if g.hosts else 0
        m.y[g.site_id, g.service_id].setlb(value)
        m.y[g.site_id, g.service_id].setub(value)


def beyond_placement(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""In a restricted model, the demand served beyond the kept sites is placed at hosting units:
    :math:`\sum_s a_{sl} = \sum_z d_{zl} b_{zl}` and :math:`a_{sl} \le D^{out}_{sl}\, y_{sl}`
    (:mod:`optimiser.model.nearest`)."""
    units = data.beyond_units
    most = dict(zip(zip(units["site_id"], units["service_id"], strict=True), units["demand"], strict=True))
    demand = dict(zip(zip(data.beyond["zone_id"], data.beyond["service_id"], strict=True), data.beyond["demand"],
                      strict=True))
    placed = sorted(set(units["service_id"]), key=data.services.index)
    m.beyond_placed = pyo.Constraint(placed, rule=lambda m, l: sum(m.beyond_at[s, k] for s, k in m.BU if k == l)
                                     == sum(demand[z, k] * m.beyond[z, k] for z, k in m.B if k == l))
    m.beyond_hosted = pyo.Constraint(m.BU, rule=lambda m, s, l: m.beyond_at[s, l] <= most[s, l] * m.y[s, l])


def worst_zone(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""The worst zone's travel time bounds every zone's mean time:
    :math:`w \ge \sum_s t_{zsl} x_{zsl} + t^+_{zl} b_{zl} + t_{zn} q_{zl}`."""
    minutes = dict(zip(zip(data.pairs["zone_id"], data.pairs["site_id"], data.pairs["service_id"], strict=True),
                       data.pairs["travel_min"], strict=True))
    groups = _by(data.pairs, "zone_id", "service_id")
    beyond_min = _beyond_minutes(data)
    leave_min = dict(zip(zip(data.leaves["zone_id"], data.leaves["service_id"], strict=True),
                         data.leaves["neighbour_min"], strict=True))
    rows = list(groups) + [k for k in m.Q if k not in groups]
    m.worst_bound = pyo.Constraint(rows, rule=lambda m, z, l: m.worst >= sum(
        minutes[k] * m.x[k] for k in groups.get((z, l), [])) + _beyond(m, z, l, beyond_min.get((z, l), 0.0))
        + _leave(m, z, l, leave_min.get((z, l), 0.0)))


def _beyond_minutes(data: ModelData) -> dict[tuple[str, str], float]:
    """:math:`t^+_{zl}`: minutes to the nearest site left out of each restricted (zone, service)."""
    return dict(zip(zip(data.beyond["zone_id"], data.beyond["service_id"], strict=True), data.beyond["travel_min"],
                    strict=True))


def neighbour_rule(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Patients leaving for neighbouring providers (:mod:`optimiser.instance.neighbours`).

    - nearest provider: a zone leaves only when no site of the group at least as near as its
      neighbour is open: :math:`q_{zl} + y_{sl} \le 1` for every pair kept (pairs farther are left out);
    - a neighbour takes at most its spare activity :math:`S_{nl}`:
      :math:`\sum_{z,s} \lambda_{zsl} x_{zsl} + \sum_z d_{zl} q_{zl} \le S_{nl}` over the zones whose nearest
      neighbour it is (:math:`\lambda_{zsl}`, the activity a pair sends there under the retention curve).
    """
    pairs = data.pairs
    ruled = pairs[pd.MultiIndex.from_frame(pairs[["zone_id", "service_id"]]).isin(list(m.Q))]
    m.leave_only = pyo.Constraint(list(zip(ruled["zone_id"], ruled["site_id"], ruled["service_id"], strict=True)),
                                  rule=lambda m, z, s, l: m.leave[z, l] + m.y[s, l] <= 1)
    spare = spare_activity(data.instance)
    limit = dict(zip(zip(spare["neighbour_id"], spare["service_id"], strict=True), spare["spare_activity"],
                     strict=True))
    sending = pairs[(pairs["leaving"] > 0) & pd.Series(list(zip(pairs["neighbour_id"], pairs["service_id"],
                                                               strict=True)), dtype=object).isin(limit).to_numpy()]
    terms = defaultdict(list)
    for z, s, l, n, amount in sending[["zone_id", "site_id", "service_id", "neighbour_id", "leaving"]].itertuples(
            index=False):
        terms[n, l].append(amount * m.x[z, s, l])
    for z, l, n, amount in data.leaves[["zone_id", "service_id", "neighbour_id", "demand"]].itertuples(index=False):
        if (n, l) in limit:
            terms[n, l].append(amount * m.leave[z, l])
    m.neighbour_capacity = pyo.Constraint(sorted(terms), rule=lambda m, n, l: sum(terms[n, l]) <= limit[n, l])


CONSTRAINT_FAMILIES = (demand_allocation, linking, capacity, resource_minimum, codependencies, site_counts, volumes,
                       travel_standards, closest_assignment, roles, givens, beyond_placement, worst_zone,
                       neighbour_rule)


# --- criteria ---------------------------------------------------------------------------------

def criteria(m: pyo.ConcreteModel, data: ModelData) -> None:
    r"""Each criterion as an objective in its natural unit (all minimised):

    - travel: activity-weighted mean minutes :math:`\sum d_{zl} t_{zsl} x_{zsl} / \sum d_{zl}`;
    - equity: the same weighted by deprivation (quintile 1 counts 2, quintile 5 counts 1);
    - worst_zone: :math:`w`, the longest mean trip of any zone for any service line;
    - capital (GBP m): new sites built, services opened where they are not today, expansion;
    - running (GBP m a year): :math:`\sum_{s,l} c_l y_{sl}`;
    - workforce (24/7 rotas): :math:`\sum_{s,l} \rho_l y_{sl}`;
    - disruption (moves against the status quo): :math:`\sum_{(s,l) \in B} (1 - y_{sl}) + \sum_{(s,l) \notin B} y_{sl}`;
    - leaving (activity a year that leaves for neighbours): :math:`\sum \lambda_{zsl} x_{zsl} + \sum d_{zl} q_{zl}`;
    - income_leaving (GBP m a year): the same, each unit at its service's tariff.

    Patients who leave travel to their neighbour: travel and equity count their trips there.
    """
    instance, pairs = data.instance, data.pairs
    services, sites = instance.services, instance.sites
    keys = list(zip(pairs["zone_id"], pairs["site_id"], pairs["service_id"], strict=True))
    activity_min = pairs["demand"].to_numpy() * pairs["travel_min"].to_numpy()
    weight = pairs["zone_id"].map(instance.zones["deprivation_quintile"].astype(int).map(DEPRIVATION_WEIGHT))
    total_demand = float(instance.demand.to_numpy().sum())
    weighted_demand = float((instance.demand.sum(axis=1) * instance.zones["deprivation_quintile"].astype(int)
                             .map(DEPRIVATION_WEIGHT)).sum())
    beyond = data.beyond  # priced at the nearest left-out site (optimiser.model.nearest)
    beyond_keys = list(zip(beyond["zone_id"], beyond["service_id"], strict=True))
    beyond_min = beyond["demand"].to_numpy() * beyond["travel_min"].to_numpy()
    beyond_weight = beyond["zone_id"].map(instance.zones["deprivation_quintile"].astype(int).map(DEPRIVATION_WEIGHT))
    m.travel = pyo.Objective(expr=sum(c * m.x[k] for c, k in zip(activity_min / total_demand, keys, strict=True))
                             + sum(c * m.beyond[k] for c, k in zip(beyond_min / total_demand, beyond_keys,
                                                                    strict=True)))
    m.equity = pyo.Objective(expr=sum(c * m.x[k] for c, k in zip(
        activity_min * weight.to_numpy() / weighted_demand, keys, strict=True)) + sum(c * m.beyond[k] for c, k in zip(
            beyond_min * beyond_weight.to_numpy() / weighted_demand, beyond_keys, strict=True)))
    m.worst_zone = pyo.Objective(expr=m.worst)
    base = data.baseline.hosts if data.baseline else frozenset()
    expansion_cost = {(r.site_id, r.resource): r.expansion_capital_gbp_m
                      for r in instance.site_resources.itertuples(index=False)}
    m.capital = pyo.Objective(expr=sum(sites.loc[s, "new_build_capital_gbp_m"] * m.open[s] for s in m.NEW)
                              + sum(services.loc[l, "opening_capital_gbp_m"] * m.y[s, l] for s, l in m.Y
                                    if (s, l) not in base)
                              + sum(expansion_cost[k] * m.expand[k] for k in m.EXPAND))
    m.running = pyo.Objective(expr=sum(services.loc[l, "running_cost_gbp_m"] * m.y[s, l] for s, l in m.Y))
    m.workforce = pyo.Objective(expr=sum(int(services.loc[l, "rotas_24_7"]) * m.y[s, l] for s, l in m.Y))
    m.disruption = pyo.Objective(expr=sum((1 - m.y[k]) if k in base else m.y[k] for k in m.Y))
    _leaving_criteria(m, data, total_demand, weighted_demand)


def _leaving_criteria(m: pyo.ConcreteModel, data: ModelData, total_demand: float, weighted_demand: float) -> None:
    """The trips of patients who leave (added to travel and equity), and the leaving and income_leaving
    criteria: over the pairs that send some activity away, and the zones' shares that leave whole."""
    instance, pairs, leaves = data.instance, data.pairs, data.leaves
    sending = pairs[pairs["leaving"] > 0]
    flows = [(sending["leaving"].to_numpy(float), sending["neighbour_min"].to_numpy(float), sending["zone_id"],
              sending["service_id"], [m.x[k] for k in zip(sending["zone_id"], sending["site_id"],
                                                          sending["service_id"], strict=True)]),
             (leaves["demand"].to_numpy(float), leaves["neighbour_min"].to_numpy(float), leaves["zone_id"],
              leaves["service_id"], [m.leave[k] for k in zip(leaves["zone_id"], leaves["service_id"], strict=True)])]
    weight_of = instance.zones["deprivation_quintile"].astype(int).map(DEPRIVATION_WEIGHT)
    for activity, minutes, zones, _, variables in flows:
        trip = activity * minutes
        weight = zones.map(weight_of).to_numpy(float)
        m.travel.expr += sum(c * v for c, v in zip(trip / total_demand, variables, strict=True) if c)
        m.equity.expr += sum(c * v for c, v in zip(trip * weight / weighted_demand, variables, strict=True) if c)
    m.leaving = pyo.Objective(expr=sum(sum(c * v for c, v in zip(activity, variables, strict=True))
                                       for activity, _, _, _, variables in flows))
    m.income_leaving = pyo.Objective(expr=sum(sum(
        c * v for c, v in zip(activity * tariff_gbp_m(instance, services), variables, strict=True) if c)
        for activity, _, _, services, variables in flows))


