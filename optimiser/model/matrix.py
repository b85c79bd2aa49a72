r"""The site-configuration model built straight into matrices, with numpy and scipy.sparse.

This module mirrors :mod:`optimiser.model.statement` family by family: each function
below has the name, the rows and the row names of the Pyomo function it
mirrors, and ``tests/test_matrix.py`` holds the two equal (same rows, columns,
coefficients, bounds, integrality, cost vectors and offsets) on every bundled
instance and option. :mod:`optimiser.model.statement` stays the readable statement of the
model; this one exists because building millions of Pyomo expression objects
and compiling them back into matrices costs more than HiGHS's own solve on
regional instances (issue 6). Here every family is a handful of array
operations on the candidate pairs (group codes, ``np.repeat``, COO triplets),
never a Python loop over allocation pairs.

To give the very same :class:`~solvers.milp.StandardForm` as
``compile_pyomo(build_model(data))``, the builder copies what Pyomo's compiler does:

- a row ``L ≤ R`` becomes ``L − R ≤ 0`` (constants moved to the bound), except when
  ``L`` has no variables at all, which Pyomo writes as ``R ≥ L`` (``volume_max`` of a
  unit no zone can reach);
- zero coefficients are dropped; a row left without variables is dropped if it holds
  and is an error if it cannot; a column left in no row and no objective is dropped;
- names are Pyomo's, quotes included (``y['a-b.c',1A]``, see :func:`quote`).

Column positions come back in :attr:`MatrixModel.columns` (the layout of
``Engine.columns``), so no name needs to be looked up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.sparse import coo_array, csr_array

from optimiser.instance.configuration import bundled_services
from optimiser.instance.neighbours import spare_activity, tariff_gbp_m
from optimiser.model.data import CRITERIA, DEPRIVATION_WEIGHT, ModelData, activity_floor
from solvers.milp import StandardForm

# --- names ------------------------------------------------------------------------------------

#: As in ``pyomo.core.base.component_namer``: characters that make Pyomo quote an index.
_SPECIAL = re.compile(r"[" + re.escape("()[],." + "'\":\\") + "]")
_NUMBER = re.compile(r"(?:[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?|-?inf|nan)")


def quote(value: object) -> str:
    """One index as Pyomo prints it in a name: ``basildon``, but ``'a-b.c'`` or ``'123'`` quoted.

    A copy of ``pyomo.core.base.component_namer.name_repr`` for strings, so that
    this module needs no Pyomo; the tests check the two agree.
    """
    if not isinstance(value, str):
        return repr(value) if isinstance(value, int | float | tuple) else str(value)
    text = repr(value)
    if text[1] == "|" or _SPECIAL.search(text[1:-1]) or _NUMBER.fullmatch(text[1:-1]):
        return text
    return text[1:-1]


def _quoted(ids: list | pd.Index | pd.Series) -> np.ndarray:
    """Quoted ids as an object array, for name building by fancy indexing (one quote per distinct id)."""
    out = np.empty(len(ids), dtype=object)
    out[:] = [quote(v) for v in ids]
    return out


def _join(*parts: np.ndarray) -> np.ndarray:
    """Element-wise ``a,b,c`` of object arrays of quoted ids (numpy's object ``add`` loops in C)."""
    out = parts[0]
    for part in parts[1:]:
        out = out + "," + part
    return out


def _names(family: str, inside: np.ndarray) -> np.ndarray:
    """``family[inside]`` for each element, as Pyomo names an indexed component's members."""
    return (family + "[" + inside + "]") if inside.size else _NONE


_NONE = np.empty(0, dtype=object)


# --- layout -----------------------------------------------------------------------------------

@dataclass
class _Layout:
    """Codes of the instance's ids, the pairs as arrays, and the column of every variable.

    Columns are numbered by block (x, beyond, beyond_at, leave, y, open, expand, r, worst) before unused
    columns are dropped; ``-1`` marks a variable that does not exist (``open`` of
    a site that exists today).
    """

    data: ModelData
    sites: np.ndarray  # quoted ids
    services: np.ndarray
    zones: np.ndarray
    roles: np.ndarray
    pz: np.ndarray  # zone code of each pair
    ps: np.ndarray  # site code
    pl: np.ndarray  # service code
    demand: np.ndarray
    minutes: np.ndarray
    x: np.ndarray  # column of each pair
    bz: np.ndarray  # zone code of each beyond row (optimiser.model.nearest)
    bl: np.ndarray  # service code
    b_demand: np.ndarray
    b_minutes: np.ndarray  # to the nearest left-out site
    b: np.ndarray  # column of each beyond share
    us: np.ndarray  # site code of each beyond unit (optimiser.model.nearest)
    ul: np.ndarray  # service code
    u_most: np.ndarray  # the demand of the zones that left the unit out
    a: np.ndarray  # column of the beyond demand placed at each beyond unit
    leaving: np.ndarray  # activity each pair sends to its zone's nearest neighbour (optimiser.instance.neighbours)
    pn_minutes: np.ndarray  # minutes to that neighbour (0 where there is none)
    qz: np.ndarray  # zone code of each share that may leave whole (nearest-provider rule)
    ql: np.ndarray  # service code
    q_demand: np.ndarray
    q_minutes: np.ndarray  # to the zone's nearest neighbour
    q: np.ndarray  # column of each share that may leave
    y: np.ndarray  # sites × services
    open: np.ndarray  # sites, -1 where the site exists
    expand: np.ndarray  # one per expandable (site, resource)
    expand_keys: list[tuple[str, str]]
    r: np.ndarray  # sites × roles
    worst: int
    new: np.ndarray  # bool per site: does not exist today
    col_names: np.ndarray = field(repr=False)
    col_lower: np.ndarray = field(repr=False)
    col_upper: np.ndarray = field(repr=False)
    integer: np.ndarray = field(repr=False)

    @property
    def n_cols(self) -> int:
        return len(self.col_names)

    def site_code(self, ids) -> np.ndarray:
        return _codes(self.data.sites, ids)

    def service_code(self, ids) -> np.ndarray:
        return _codes(self.data.services, ids)


def _codes(universe: list, ids) -> np.ndarray:
    """Position of each id in ``universe``; an unknown id is an error, as ``m.y[s, l]`` would be."""
    codes = pd.Index(universe).get_indexer(pd.Index(ids))
    if (codes < 0).any():
        missing = sorted({str(v) for v, c in zip(ids, codes, strict=True) if c < 0})
        raise KeyError(f"unknown ids {missing}")
    return codes.astype(np.int64)


def _layout(data: ModelData) -> _Layout:
    """Every variable of :func:`optimiser.model.statement._variables`, as columns with names, bounds and integrality."""
    instance, pairs, beyond, units, leaves = data.instance, data.pairs, data.beyond, data.beyond_units, data.leaves
    S, L, K, P, B, U = len(data.sites), len(data.services), len(data.roles), len(pairs), len(beyond), len(units)
    Q = len(leaves)
    sites, services, zones = _quoted(data.sites), _quoted(data.services), _quoted(instance.zones.index)
    roles = _quoted(list(data.roles))
    pz = _codes(list(instance.zones.index), pairs["zone_id"])
    ps, pl = _codes(data.sites, pairs["site_id"]), _codes(data.services, pairs["service_id"])
    bz, bl = _codes(list(instance.zones.index), beyond["zone_id"]), _codes(data.services, beyond["service_id"])
    us, ul = _codes(data.sites, units["site_id"]), _codes(data.services, units["service_id"])
    qz, ql = _codes(list(instance.zones.index), leaves["zone_id"]), _codes(data.services, leaves["service_id"])
    new = ~instance.sites["exists"].astype(bool).reindex(data.sites).to_numpy()
    expandable = instance.site_resources[instance.site_resources["max_expansion"] > 0]
    E, N = len(expandable), int(new.sum())

    start = np.cumsum([0, P, B, U, Q, S * L, N, E, S * K])
    x = np.arange(P) + start[0]
    b = np.arange(B) + start[1]
    a = np.arange(U) + start[2]
    q = np.arange(Q) + start[3]
    y = (np.arange(S * L) + start[4]).reshape(S, L)
    open_ = np.full(S, -1, dtype=np.int64)
    open_[new] = np.arange(N) + start[5]
    expand = np.arange(E) + start[6]
    r = (np.arange(S * K) + start[7]).reshape(S, K)
    worst = int(start[8])

    unit = _join(np.repeat(sites, L), np.tile(services, S))  # "s,l" for every (s, l), row-major
    x_names = _pair_labels("x", zones, unit, pz, ps * L + pl)
    resource_q = _quoted(expandable["resource"])
    names = np.concatenate([
        x_names, _names("beyond", _join(zones[bz], services[bl])), _names("beyond_at", _join(sites[us], services[ul])),
        _names("leave", _join(zones[qz], services[ql])), _names("y", unit), _names("open", sites[new]),
        _names("expand", _join(sites[_codes(data.sites, expandable["site_id"])], resource_q)),
        _names("r", _join(np.repeat(sites, K), np.tile(roles, S))), np.array(["worst"], dtype=object)])
    lower = np.zeros(len(names))
    upper = np.concatenate([np.ones(P + B), np.full(U, np.inf), np.ones(Q + S * L + N),
                            expandable["max_expansion"].to_numpy(float), np.ones(S * K), [np.inf]])
    integer = np.zeros(len(names), dtype=bool)
    integer[start[4]:start[6]] = True
    integer[start[7]:start[8]] = True
    return _Layout(data, sites, services, zones, roles, pz, ps, pl, pairs["demand"].to_numpy(float),
                   pairs["travel_min"].to_numpy(float), x, bz, bl, beyond["demand"].to_numpy(float),
                   beyond["travel_min"].to_numpy(float), b, us, ul, units["demand"].to_numpy(float), a,
                   pairs["leaving"].to_numpy(float), pairs["neighbour_min"].fillna(0.0).to_numpy(float), qz, ql,
                   leaves["demand"].to_numpy(float), leaves["neighbour_min"].to_numpy(float), q, y, open_,
                   expand,
                   list(zip(expandable["site_id"], expandable["resource"], strict=True)), r, worst, new,
                   names.astype(object), lower, upper, integer)


# --- rows -------------------------------------------------------------------------------------

@dataclass
class _Rows:
    """Rows collected family by family as COO triplets with their bounds and names."""

    names: list[np.ndarray] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)
    lower: list[np.ndarray] = field(default_factory=list)
    upper: list[np.ndarray] = field(default_factory=list)
    count: int = 0

    def add(self, names: np.ndarray, terms: list[tuple[np.ndarray, np.ndarray, np.ndarray | float]],
            lower: np.ndarray | float, upper: np.ndarray | float) -> None:
        """A block of rows: ``terms`` are (row in block, column, coefficient) triplets."""
        n = len(names)
        if not n:
            return
        for row, col, val in terms:
            row, col = np.asarray(row, dtype=np.int64), np.asarray(col, dtype=np.int64)
            self.rows.append(row + self.count)
            self.cols.append(col)
            self.vals.append(np.broadcast_to(np.asarray(val, dtype=float), row.shape))
        self.names.append(np.asarray(names, dtype=object))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n,)))
        self.count += n


def _groups(*codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each element by its combination of codes, and one member of each group."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for c in codes:
        key = key * (int(c.max(initial=0)) + 1) + c
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    return group.ravel(), first


def _ragged(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of ``counts[i]`` items: the run of each item and its place within the run."""
    owner = np.repeat(np.arange(len(counts)), counts)
    return owner, np.arange(len(owner)) - (np.cumsum(counts) - counts)[owner]


def _services_frame(m: _Layout) -> pd.DataFrame:
    return m.data.instance.services.reindex(m.data.services)


# --- constraint families ----------------------------------------------------------------------

def demand_allocation(m: _Layout, out: _Rows) -> None:
    r"""``demand[z,l]``: :math:`\sum_s x_{zsl} + b_{zl} + q_{zl} = 1` (:math:`b` where sites were left out,
    :math:`q` where the zone may leave for a neighbour)."""
    rows = _zone_service_rows(m)
    out.add(_names("demand", _join(m.zones[rows.zone], m.services[rows.service])),
            [(rows.pair, m.x, 1.0), (rows.beyond, m.b, 1.0), (rows.leave, m.q, 1.0)], 1.0, 1.0)


@dataclass(frozen=True)
class _ZoneServiceRows:
    """A family of one row per (zone, service): each row's zone and service codes, and the row of each
    pair, of each beyond share and of each share that may leave."""

    zone: np.ndarray
    service: np.ndarray
    pair: np.ndarray
    beyond: np.ndarray
    leave: np.ndarray


def _zone_service_rows(m: _Layout) -> _ZoneServiceRows:
    """Rows for every (zone, service) with a pair or a share that may leave (every beyond share's zone keeps
    its nearest sites, so has a row)."""
    L = len(m.services)
    keys = np.unique(np.concatenate([m.pz * L + m.pl, m.qz * L + m.ql]))
    return _ZoneServiceRows(keys // L, keys % L, np.searchsorted(keys, m.pz * L + m.pl),
                            np.searchsorted(keys, m.bz * L + m.bl), np.searchsorted(keys, m.qz * L + m.ql))


def linking(m: _Layout, out: _Rows) -> None:
    r"""``linking[z,s,l]``: :math:`x_{zsl} - y_{sl} \le 0`; ``built[s,l]``: :math:`y_{sl} - o_s \le 0`."""
    pairs = np.arange(len(m.x))
    out.add(_pair_names("linking", m), [(pairs, m.x, 1.0), (pairs, m.y[m.ps, m.pl], -1.0)], -np.inf, 0.0)
    new = np.flatnonzero(m.new)
    L = len(m.services)
    rows = np.arange(len(new) * L)
    out.add(_names("built", _join(np.repeat(m.sites[new], L), np.tile(m.services, len(new)))),
            [(rows, m.y[new].ravel(), 1.0), (rows, np.repeat(m.open[new], L), -1.0)], -np.inf, 0.0)


def _pair_names(family: str, m: _Layout) -> np.ndarray:
    """``family[z,s,l]`` for every pair of ``m``."""
    L = len(m.services)
    unit = _join(np.repeat(m.sites, L), np.tile(m.services, len(m.sites)))
    return _pair_labels(family, m.zones, unit, m.pz, m.ps * L + m.pl)


def _pair_labels(family: str, zones: np.ndarray, units: np.ndarray, zone: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Names of pairs as a zone prefix plus a (site, service) suffix: two small tables, one add per pair."""
    return (family + "[" + zones)[zone] + ("," + units + "]")[unit] if len(zone) else _NONE


def capacity(m: _Layout, out: _Rows) -> None:
    r"""``capacity[s,r]``: :math:`\sum_{z,l} u_{lr} d_{zl} x_{zsl} + \sum_l u_{lr} a_{sl} - e_{sr} \le C_{sr}`,
    only for (site, resource) with some pair or beyond unit that uses the resource (as Pyomo's ``Skip``)."""
    instance = m.data.instance
    use = instance.resource_use.drop_duplicates(["service_id", "resource"], keep="last")
    if use.empty:
        return
    resources = sorted(use["resource"].unique())
    R = len(resources)
    use = use.assign(l=m.service_code(use["service_id"]), k=_codes(resources, use["resource"])).sort_values("l")
    per_service = np.bincount(use["l"], minlength=len(m.services))
    first_use = np.cumsum(per_service) - per_service
    pair, within = _ragged(per_service[m.pl])
    entry = first_use[m.pl[pair]] + within
    unit, unit_within = _ragged(per_service[m.ul])
    unit_entry = first_use[m.ul[unit]] + unit_within
    k, per_activity = use["k"].to_numpy(), use["per_activity"].to_numpy(float)
    keys, row = np.unique(np.concatenate([m.ps[pair] * R + k[entry], m.us[unit] * R + k[unit_entry]]),
                          return_inverse=True)
    site, resource = keys // R, keys % R
    terms = [(row[:len(pair)], m.x[pair], per_activity[entry] * m.demand[pair]),
             (row[len(pair):], m.a[unit], per_activity[unit_entry])]

    resource_ids = np.array(resources, dtype=object)
    capacity_of = _last(instance.site_resources, m, "capacity")
    bound = np.array([capacity_of.get((m.data.sites[s], resource_ids[k]), 0.0) for s, k in zip(site, resource,
                                                                                               strict=True)])
    expand_at = {key: col for key, col in zip(m.expand_keys, m.expand, strict=True)}
    added = np.array([expand_at.get((m.data.sites[s], resource_ids[k]), -1) for s, k in zip(site, resource,
                                                                                            strict=True)], dtype=int)
    has = added >= 0
    terms.append((np.flatnonzero(has), added[has], -1.0))
    out.add(_names("capacity", _join(m.sites[site], _quoted(resource_ids)[resource])), terms, -np.inf, bound)


def _last(rows: pd.DataFrame, m: _Layout, column: str) -> dict[tuple[str, str], float]:
    """``{(site, resource): value}``, the last row winning, as the Pyomo model's dicts do."""
    return dict(zip(zip(rows["site_id"], rows["resource"], strict=True), rows[column].astype(float), strict=True))


def resource_minimum(m: _Layout, out: _Rows) -> None:
    r"""``resource_minimum[s,l,r]``: :math:`m_{lr} y_{sl} - e_{sr} \le C_{sr}` for every site and every
    (service, resource) with a ``min_capacity`` (:math:`e` only where the site may expand)."""
    instance = m.data.instance
    rows = instance.resource_use.dropna(subset=["min_capacity"])
    rows = rows[rows["min_capacity"] > 0]
    S, n = len(m.sites), len(rows)
    if not n:
        return
    site = np.repeat(np.arange(S), n)
    l, least = np.tile(m.service_code(rows["service_id"]), S), np.tile(rows["min_capacity"].to_numpy(float), S)
    resource = np.tile(rows["resource"].to_numpy(object), S)
    keys = list(zip(np.asarray(m.data.sites, dtype=object)[site], resource, strict=True))
    capacity_of = _last(instance.site_resources, m, "capacity")
    expand_at = dict(zip(m.expand_keys, m.expand, strict=True))
    added = np.array([expand_at.get(key, -1) for key in keys], dtype=np.int64)
    has = np.flatnonzero(added >= 0)
    out.add(_names("resource_minimum", _join(m.sites[site], m.services[l], _quoted(resource))),
            [(np.arange(S * n), m.y[site, l], least), (has, added[has], -1.0)], -np.inf,
            np.array([capacity_of.get(key, 0.0) for key in keys]))


def codependencies(m: _Layout, out: _Rows) -> None:
    r"""``colocated[s,a,b]``: :math:`y_{sa} - y_{sb} \le 0`; ``excludes[s,a,b]``: :math:`y_{sa} + y_{sb} \le 1`;
    ``within[s,a,b]``: :math:`y_{sa} - \sum_{s': t_{ss'} \le N} y_{s'b} \le 0`."""
    rules = m.data.instance.codependencies
    S = len(m.sites)
    for family, sign, upper in (("colocated", -1.0, 0.0), ("excludes", 1.0, 1.0)):
        chosen = rules[rules["rule"] == family]
        a, b = np.repeat(m.service_code(chosen["service_a"]), S), np.repeat(m.service_code(chosen["service_b"]), S)
        s = np.tile(np.arange(S), len(chosen))
        rows = np.arange(len(s))
        out.add(_names(family, _join(m.sites[s], m.services[a], m.services[b])),
                [(rows, m.y[s, a], 1.0), (rows, m.y[s, b], sign)], -np.inf, upper)
    within = rules[rules["rule"] == "within"].drop_duplicates(["service_a", "service_b"], keep="last")
    for rule in within.itertuples(index=False):  # one block per rule: rules are few, sites × sites each
        _within(m, out, rule)


def _within(m: _Layout, out: _Rows, rule) -> None:
    data = m.data
    minutes = data.times[data.instance.mode_or_default(rule.mode)].site_site_min
    reach = minutes.reindex(index=data.sites, columns=data.sites).to_numpy() <= rule.within_min
    a, b = data.services.index(rule.service_a), data.services.index(rule.service_b)
    S = len(m.sites)
    site, near = np.nonzero(reach)
    out.add(_names("within", _join(m.sites, np.repeat(m.services[a], S), np.repeat(m.services[b], S))),
            [(np.arange(S), m.y[:, a], 1.0), (site, m.y[near, b], -1.0)], -np.inf, 0.0)


def site_counts(m: _Layout, out: _Rows) -> None:
    r"""``sites_min[l]``: :math:`\sum_s y_{sl} \ge n^{min}_l`; ``sites_max[l]``: :math:`\le n^{max}_l`."""
    services = _services_frame(m)
    S = len(m.sites)
    low = np.flatnonzero((services["min_sites"] > 0).to_numpy(dtype=bool, na_value=False))
    high = np.flatnonzero(services["max_sites"].notna().to_numpy())
    for family, chosen, limit in (("sites_min", low, "min_sites"), ("sites_max", high, "max_sites")):
        bound = services[limit].to_numpy(dtype=float, na_value=np.nan)[chosen].astype(int).astype(float)
        rows = np.repeat(np.arange(len(chosen)), S)
        lower, upper = (bound, np.inf) if family == "sites_min" else (-np.inf, bound)
        out.add(_names(family, m.services[chosen]), [(rows, m.y[:, chosen].T.ravel(), 1.0)], lower, upper)


def volumes(m: _Layout, out: _Rows) -> None:
    r"""``volume_min[s,l]``: :math:`v^{min}_l y_{sl} - \sum_z d_{zl} x_{zsl} - a_{sl} \le 0`;
    ``volume_max[s,l]``: :math:`\sum_z d_{zl} x_{zsl} + a_{sl} - v^{max}_l y_{sl} \le 0`, or
    :math:`v^{max}_l y_{sl} \ge 0` where no zone can reach the unit (Pyomo's form of ``0 ≤ v y``);
    ``activity_floor[s,l]``: :math:`\varphi_l y_{sl} - \sum_z d_{zl} x_{zsl} - a_{sl} \le 0`."""
    services = _services_frame(m)
    S, L = m.y.shape
    unit_of_pair, unit_of_beyond = m.ps * L + m.pl, m.us * L + m.ul
    reached = np.bincount(np.concatenate([unit_of_pair, unit_of_beyond]), minlength=S * L) > 0
    floor = activity_floor(m.data).to_numpy(float)
    for family, limit in (("volume_min", services["min_volume"].to_numpy(dtype=float, na_value=np.nan)),
                          ("volume_max", services["max_volume"].to_numpy(dtype=float, na_value=np.nan)),
                          ("activity_floor", floor)):
        chosen = ~np.isnan(limit) if family == "volume_max" else limit > 0
        units = np.flatnonzero(np.tile(chosen, S))  # unit = s * L + l
        row_of_unit = np.full(S * L, -1)
        row_of_unit[units] = np.arange(len(units))
        sign = 1.0 if family == "volume_max" else -1.0
        flip = np.where(reached[units] | (family != "volume_max"), 1.0, -1.0)
        in_row, placed_row = row_of_unit[unit_of_pair], row_of_unit[unit_of_beyond]
        mine, placed = in_row >= 0, placed_row >= 0
        rows = np.arange(len(units))
        terms = [(in_row[mine], m.x[mine], sign * m.demand[mine]), (placed_row[placed], m.a[placed], sign),
                 (rows, m.y.ravel()[units], -sign * flip * limit[units % L])]
        upper = np.where(flip > 0, 0.0, np.inf)
        lower = np.where(flip > 0, -np.inf, 0.0)
        out.add(_names(family, _join(m.sites[units // L], m.services[units % L])), terms, lower, upper)


def travel_standards(m: _Layout, out: _Rows) -> None:
    r"""``travel_max[z,l]`` (without pruning): :math:`\sum_{s: t_{zsl} > T_l} x_{zsl} \le 0`;
    ``coverage[l]``: :math:`\sum_z p_z (\sum_{s: t_{zsl} \le T'_l} x_{zsl} + [t^+_{zl} \le T'_l]\, b_{zl}
    + [t_{zn} \le T'_l]\, q_{zl})
    \ge \alpha_l \sum_z p_z`."""
    services = _services_frame(m)
    if not m.data.options.prune_travel:
        limit = services["max_travel_min"].to_numpy(dtype=float, na_value=np.nan)[m.pl]
        far = np.flatnonzero(m.minutes > limit)
        if len(far):
            group, first = _groups(m.pz[far], m.pl[far])
            out.add(_names("travel_max", _join(m.zones[m.pz[far][first]], m.services[m.pl[far][first]])),
                    [(group, m.x[far], 1.0)], -np.inf, 0.0)
    share = services["coverage_share"].to_numpy(dtype=float, na_value=np.nan)
    covered = np.flatnonzero(~np.isnan(share))
    if not len(covered):
        return
    population = m.data.instance.zones["population"].to_numpy(float)
    served_zones = np.zeros((len(m.services), len(m.zones)), dtype=bool)
    served_zones[m.pl, m.pz] = True
    served_zones[m.ql, m.qz] = True
    served = (served_zones * population).sum(axis=1)
    row_of_service = np.full(len(m.services), -1)
    row_of_service[covered] = np.arange(len(covered))
    within = services["coverage_travel_min"].to_numpy(dtype=float, na_value=np.nan)
    near = np.flatnonzero((row_of_service[m.pl] >= 0) & (m.minutes <= within[m.pl]))
    near_beyond = np.flatnonzero((row_of_service[m.bl] >= 0) & (m.b_minutes <= within[m.bl]))
    near_leave = np.flatnonzero((row_of_service[m.ql] >= 0) & (m.q_minutes <= within[m.ql]))
    out.add(_names("coverage", m.services[covered]),
            [(row_of_service[m.pl[near]], m.x[near], population[m.pz[near]]),
             (row_of_service[m.bl[near_beyond]], m.b[near_beyond], population[m.bz[near_beyond]]),
             (row_of_service[m.ql[near_leave]], m.q[near_leave], population[m.qz[near_leave]])],
            share[covered] * served[covered], np.inf)


def closest_assignment(m: _Layout, out: _Rows) -> None:
    r"""``closest[z,s,l]``: :math:`y_{sl} - \sum_{s': t_{zs'l} \le t_{zsl}} x_{zs'l} \le 0` per pair.

    Pairs sorted by (zone–service group, minutes): a pair's closer sites are the
    group's first ``k`` pairs, ``k`` being the end of its run of equal times."""
    if not m.data.options.closest_assignment or not len(m.x):
        return
    group, _ = _groups(m.pz, m.pl)
    order = np.lexsort((m.minutes, group))
    g, t = group[order], m.minutes[order]
    n = len(order)
    group_start = np.flatnonzero(np.r_[True, g[1:] != g[:-1]])
    start = group_start[np.cumsum(np.r_[True, g[1:] != g[:-1]]) - 1]
    run_end = np.flatnonzero(np.r_[(g[1:] != g[:-1]) | (t[1:] != t[:-1]), True])
    end = run_end[np.cumsum(np.r_[True, (g[1:] != g[:-1]) | (t[1:] != t[:-1])]) - 1]
    row, within = _ragged(end - start + 1)
    member = order[start[row] + within]
    pair = order  # row i is the pair order[i]
    out.add(_pair_names("closest", _subset(m, pair)),
            [(np.arange(n), m.y[m.ps[pair], m.pl[pair]], 1.0), (row, m.x[member], -1.0)], -np.inf, 0.0)


def _subset(m: _Layout, pairs: np.ndarray) -> _Layout:
    """The layout restricted to some pairs, in that order (for naming rows of those pairs)."""
    return replace(m, pz=m.pz[pairs], ps=m.ps[pairs], pl=m.pl[pairs], x=m.x[pairs])


def roles(m: _Layout, out: _Rows) -> None:
    r"""``one_role[s]``: :math:`\sum_k r_{sk} = 1` (existing) or :math:`\sum_k r_{sk} - o_s \le 0` (new);
    ``role_services[s,l]``: :math:`y_{sl} - \sum_{k \ni l} r_{sk} = 0`."""
    data = m.data
    if not data.roles:
        return
    S, K = m.r.shape
    rows = np.repeat(np.arange(S), K)
    new = np.flatnonzero(m.new)
    out.add(_names("one_role", m.sites), [(rows, m.r.ravel(), 1.0), (new, m.open[new], -1.0)],
            np.where(m.new, -np.inf, 1.0), np.where(m.new, 0.0, 1.0))
    bundled = sorted(bundled_services(data.instance))
    codes = m.service_code(bundled)
    brings = np.array([[l in services for l in bundled] for services in data.roles.values()], dtype=bool)  # K × B
    B = len(bundled)
    role, which = np.nonzero(brings)
    s_rep = np.repeat(np.arange(S), len(role))
    out.add(_names("role_services", _join(np.repeat(m.sites, B), np.tile(m.services[codes], S))),
            [(np.arange(S * B), m.y[:, codes].ravel(), 1.0),
             (s_rep * B + np.tile(which, S), m.r[s_rep, np.tile(role, S)], -1.0)], 0.0, 0.0)


def givens(m: _Layout, out: _Rows) -> None:
    """Givens pin ``y`` by its column bounds (not by fixing), so the diagnosis can relax them."""
    given = m.data.instance.givens
    if given.empty:
        return
    cols = m.y[m.site_code(given["site_id"]), m.service_code(given["service_id"])]
    value = given["hosts"].astype(bool).to_numpy().astype(float)
    m.col_lower[cols] = value
    m.col_upper[cols] = value


def beyond_placement(m: _Layout, out: _Rows) -> None:
    r"""``beyond_placed[l]``: :math:`\sum_s a_{sl} - \sum_z d_{zl} b_{zl} = 0`;
    ``beyond_hosted[s,l]``: :math:`a_{sl} - D^{out}_{sl} y_{sl} \le 0`."""
    placed = np.unique(m.ul)
    row_of_service = np.searchsorted(placed, np.arange(len(m.services)))
    out.add(_names("beyond_placed", m.services[placed]),
            [(row_of_service[m.ul], m.a, 1.0), (row_of_service[m.bl], m.b, -m.b_demand)], 0.0, 0.0)
    rows = np.arange(len(m.a))
    out.add(_names("beyond_hosted", _join(m.sites[m.us], m.services[m.ul])),
            [(rows, m.a, 1.0), (rows, m.y[m.us, m.ul], -m.u_most)], -np.inf, 0.0)


def worst_zone(m: _Layout, out: _Rows) -> None:
    r"""``worst_bound[z,l]``: :math:`\sum_s t_{zsl} x_{zsl} + t^+_{zl} b_{zl} + t_{zn} q_{zl} - w \le 0`."""
    rows = _zone_service_rows(m)
    n = len(rows.zone)
    out.add(_names("worst_bound", _join(m.zones[rows.zone], m.services[rows.service])),
            [(rows.pair, m.x, m.minutes), (rows.beyond, m.b, m.b_minutes), (rows.leave, m.q, m.q_minutes),
             (np.arange(n), np.full(n, m.worst), -1.0)], -np.inf, 0.0)


def neighbour_rule(m: _Layout, out: _Rows) -> None:
    r"""``leave_only[z,s,l]``: :math:`q_{zl} + y_{sl} \le 1` for every pair of a zone that may leave;
    ``neighbour_capacity[n,l]``: :math:`\sum \lambda_{zsl} x_{zsl} + \sum_z d_{zl} q_{zl} \le S_{nl}`."""
    L = len(m.services)
    leave_of = np.full(len(m.zones) * L, -1)
    leave_of[m.qz * L + m.ql] = np.arange(len(m.q))
    ruled = np.flatnonzero(leave_of[m.pz * L + m.pl] >= 0)
    rows = np.arange(len(ruled))
    out.add(_pair_names("leave_only", _subset(m, ruled)),
            [(rows, m.q[leave_of[m.pz[ruled] * L + m.pl[ruled]]], 1.0), (rows, m.y[m.ps[ruled], m.pl[ruled]], 1.0)],
            -np.inf, 1.0)
    data = m.data
    spare = spare_activity(data.instance)
    if spare.empty:
        return
    limits = pd.Series(spare["spare_activity"].to_numpy(float),
                       index=pd.MultiIndex.from_frame(spare[["neighbour_id", "service_id"]]))
    pairs = data.pairs
    limit_of_pair = limits.reindex(pd.MultiIndex.from_arrays([pairs["neighbour_id"], pairs["service_id"]])).to_numpy()
    limit_of_leave = limits.reindex(pd.MultiIndex.from_frame(data.leaves[["neighbour_id", "service_id"]])).to_numpy()
    sending = np.flatnonzero((m.leaving > 0) & ~np.isnan(limit_of_pair))
    leaving = np.flatnonzero(~np.isnan(limit_of_leave))
    keys = pd.MultiIndex.from_arrays([np.r_[pairs["neighbour_id"].to_numpy()[sending],
                                            data.leaves["neighbour_id"].to_numpy()[leaving]],
                                      np.r_[pairs["service_id"].to_numpy()[sending],
                                            data.leaves["service_id"].to_numpy()[leaving]]])
    row, unique = pd.factorize(keys)
    bound = limits.reindex(unique).to_numpy()
    names = _join(_quoted(unique.get_level_values(0)), _quoted(unique.get_level_values(1)))
    out.add(_names("neighbour_capacity", names),
            [(row[:len(sending)], m.x[sending], m.leaving[sending]), (row[len(sending):], m.q[leaving],
                                                                     m.q_demand[leaving])], -np.inf, bound)


#: Mirrors :data:`optimiser.model.statement.CONSTRAINT_FAMILIES`, in the same order and by the same names.
CONSTRAINT_FAMILIES: tuple[Callable[[_Layout, _Rows], None], ...] = (
    demand_allocation, linking, capacity, resource_minimum, codependencies, site_counts, volumes, travel_standards,
    closest_assignment, roles, givens, beyond_placement, worst_zone, neighbour_rule)


# --- criteria ---------------------------------------------------------------------------------

def criteria(m: _Layout) -> tuple[dict[str, np.ndarray], dict[str, float]]:
    """Cost vector and constant of each criterion of :func:`optimiser.model.statement.criteria`, over all columns."""
    data = m.data
    instance = data.instance
    services, sites = _services_frame(m), instance.sites.reindex(data.sites)
    costs = {name: np.zeros(m.n_cols) for name in CRITERIA}
    for name, cost in allocation_costs(data, m.pz, m.demand, m.minutes).items():
        costs[name][m.x] = cost
    # the nearest left-out site: a lower bound (optimiser.model.nearest)
    for name, cost in allocation_costs(data, m.bz, m.b_demand, m.b_minutes).items():
        costs[name][m.b] = cost
    costs["worst_zone"][m.worst] = 1.0
    _leaving_costs(m, costs)

    base = _baseline(m)
    capital = costs["capital"]
    capital[m.open[m.new]] = sites["new_build_capital_gbp_m"].to_numpy(float)[m.new]
    capital[m.y[~base]] = np.broadcast_to(services["opening_capital_gbp_m"].to_numpy(float), base.shape)[~base]
    expansion_cost = _last(instance.site_resources, m, "expansion_capital_gbp_m")
    capital[m.expand] = [expansion_cost[key] for key in m.expand_keys]
    S = len(m.sites)
    costs["running"][m.y] = np.tile(services["running_cost_gbp_m"].to_numpy(float), (S, 1))
    costs["workforce"][m.y] = np.tile(services["rotas_24_7"].to_numpy(dtype=float).astype(int), (S, 1))
    costs["disruption"][m.y] = np.where(base, -1.0, 1.0)
    offsets = dict.fromkeys(CRITERIA, 0.0) | {"disruption": float(base.sum())}
    return costs, offsets


def _leaving_costs(m: _Layout, costs: dict[str, np.ndarray]) -> None:
    """The trips of patients who leave, added to travel and equity at their neighbour's minutes, and the
    leaving and income_leaving criteria, over the pairs' columns and the leave columns."""
    data = m.data
    for cols, zone, activity, minutes, services in (
            (m.x, m.pz, m.leaving, m.pn_minutes, data.pairs["service_id"]),
            (m.q, m.qz, m.q_demand, m.q_minutes, data.leaves["service_id"])):
        for name, cost in allocation_costs(data, zone, activity, minutes).items():
            costs[name][cols] += cost
        costs["leaving"][cols] = activity
        costs["income_leaving"][cols] = activity * tariff_gbp_m(data.instance, services)


def allocation_costs(data: ModelData, zone: np.ndarray, demand: np.ndarray, minutes: np.ndarray
                     ) -> dict[str, np.ndarray]:
    """The travel and equity cost of serving each zone's (``zone``: its position in the instance's
    zones) ``demand`` in full, ``minutes`` away: the only criteria an allocation pays."""
    instance = data.instance
    zone_weight = instance.zones["deprivation_quintile"].astype(int).map(DEPRIVATION_WEIGHT).to_numpy(float)
    total_demand = float(instance.demand.to_numpy().sum())
    weighted_demand = float((instance.demand.sum(axis=1).reindex(instance.zones.index).to_numpy(float)
                             * zone_weight).sum())
    activity_min = demand * minutes
    return {"travel": activity_min / total_demand, "equity": activity_min * zone_weight[zone] / weighted_demand}


def _baseline(m: _Layout) -> np.ndarray:
    """Sites × services, True where today's configuration hosts the service."""
    base = np.zeros(m.y.shape, dtype=bool)
    if m.data.baseline is None or not m.data.baseline.hosts:
        return base
    hosts = list(m.data.baseline.hosts)
    i = pd.Index(m.data.sites).get_indexer([s for s, _ in hosts])
    j = pd.Index(m.data.services).get_indexer([l for _, l in hosts])
    known = (i >= 0) & (j >= 0)  # as ``k in base`` over the model's own pairs
    base[i[known], j[known]] = True
    return base


# --- assembly ---------------------------------------------------------------------------------

@dataclass
class MatrixModel:
    """The compiled model and where its variables are.

    ``columns`` has the layout of ``Engine.columns``: ``y`` (sites × services),
    ``r`` (sites × roles), ``x`` (one per candidate pair, in ``data.pairs`` order),
    ``beyond`` (one per row of ``data.beyond``)
    and ``expand`` (``{(site, resource): column}``, without the columns Pyomo's
    compiler would drop), plus ``open`` (``{site: column}``).
    """

    form: StandardForm
    columns: dict[str, np.ndarray | dict]


def build_matrix(data: ModelData) -> MatrixModel:
    """The :class:`StandardForm` that ``compile_pyomo(build_model(data))`` gives, without Pyomo."""
    m = _layout(data)
    out = _Rows()
    for family in CONSTRAINT_FAMILIES:
        family(m, out)
    costs, offsets = criteria(m)
    return _assemble(m, out, costs, offsets)


def _assemble(m: _Layout, out: _Rows, costs: dict[str, np.ndarray], offsets: dict[str, float]) -> MatrixModel:
    """One CSR matrix; then, as Pyomo's compiler, drop zeros, constant rows and unused columns."""
    A = coo_array((_cat(out.vals, float), (_cat(out.rows, np.int64), _cat(out.cols, np.int64))),
                  shape=(out.count, m.n_cols)).tocsr()
    A.eliminate_zeros()  # tocsr summed duplicates; Pyomo's compiler keeps no zero coefficient
    lower, upper = _cat(out.lower, float), _cat(out.upper, float)
    names = _cat(out.names, object)
    keep = _rows_with_variables(A, lower, upper, names)
    cost_matrix = np.vstack([costs[name] for name in CRITERIA])
    used = (np.bincount(A.indices, minlength=m.n_cols) > 0) | (cost_matrix != 0).any(axis=0)
    A = csr_array(A[keep][:, used]) if not (keep.all() and used.all()) else csr_array(A)
    renumber = np.where(used, np.cumsum(used) - 1, -1)
    form = StandardForm(
        costs={name: cost_matrix[k, used] for k, name in enumerate(CRITERIA)}, offsets=offsets, A=A,
        row_lower=lower[keep], row_upper=upper[keep], col_lower=m.col_lower[used], col_upper=m.col_upper[used],
        integer=m.integer[used], columns=m.col_names[used].tolist(), rows=names[keep].tolist())
    return MatrixModel(form, _located(m, renumber))


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)


def _rows_with_variables(A: csr_array, lower: np.ndarray, upper: np.ndarray, names: np.ndarray) -> np.ndarray:
    """Rows that keep a variable; a row without any must hold at 0, or the model is infeasible as stated."""
    keep = np.diff(A.indptr) > 0
    broken = ~keep & ((lower > 0) | (upper < 0))
    if broken.any():
        raise ValueError(f"model contains a trivially infeasible constraint, {names[broken][0]!r}")
    return keep


def _located(m: _Layout, renumber: np.ndarray) -> dict[str, np.ndarray | dict]:
    """Columns of the variables after unused ones are dropped (``y``, ``r``, ``x``, ``beyond`` always remain)."""
    sites = m.data.sites
    return {"y": renumber[m.y], "r": renumber[m.r], "x": renumber[m.x], "beyond": renumber[m.b],
            "expand": {key: int(renumber[c]) for key, c in zip(m.expand_keys, m.expand, strict=True)
                       if renumber[c] >= 0},
            "open": {sites[i]: int(renumber[c]) for i, c in enumerate(m.open) if c >= 0 and renumber[c] >= 0}}
