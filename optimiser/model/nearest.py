r"""Each zone's nearest sites, exactly: a small model that grows until it provably equals the full one.

A national instance has millions of zone–site pairs, yet a zone is served by one
of its few nearest sites in any sensible configuration. The restricted model keeps
allocation pairs only to each zone's :math:`k` nearest candidate sites per service
(sites tied with the :math:`k`-th kept) and gives every (zone, service) with farther
candidates one more variable, :math:`b_{zl} \in [0, 1]`: the share of its demand
served *beyond* the kept sites, priced optimistically:

- in the demand row, :math:`\sum_s x_{zsl} + b_{zl} = 1`;
- travel and equity cost :math:`d_{zl}\,t^+_{zl}\,b_{zl}`, and the worst-zone row
  :math:`t^+_{zl} b_{zl}`, where :math:`t^+_{zl}` is the time to the nearest left-out site;
- coverage counts :math:`p_z b_{zl}` as covered when :math:`t^+_{zl}` is within the coverage time;
- the beyond demand is placed at hosting units without saying which zone it came from: one more
  variable per (site, service) some zone left out, :math:`a_{sl} \in [0, D^{out}_{sl}\,y_{sl}]`
  (:math:`D^{out}_{sl}`: the demand of the zones that left the site out), with
  :math:`\sum_s a_{sl} = \sum_z d_{zl} b_{zl}`; capacity and both volume limits count :math:`a_{sl}`
  at its site.

Any solution of the full model gives one of the restricted model (:math:`b` is the
left-out share, :math:`a_{sl}` the demand a unit receives from zones that left it out)
at no greater cost and breaking no row, so the restricted optimum is a
lower bound. When it uses no :math:`b` it is a solution of the full model too (every
:math:`a` is then 0, the left-out pairs are zero, and a left-out site is farther than
every kept one, so closest-assignment rows hold), with the same value: it *is* the full
optimum. The same
holds for each solve of a ranking and for a pinned configuration; a stopped solve's
bound is a valid bound of the full model. So :class:`~optimiser.search.engine.Engine` solves,
looks for any :math:`b > 0`, grows those zones' :math:`k` (to at least twice, and
to the rank of the nearest site hosting the service in the configuration found) and
solves again until no :math:`b` is used — or keeps every pair once most are kept.
Placing the beyond demand matters on capacitated instances: a relaxation that let it
use no capacity, and count towards the minimum volume of every left-out site at once,
chose configurations that cost 2% more once served for real, and its minimum-volume
rows held every zone's share (2.8 million coefficients on the national instance).
This is the reduced-core idea of García, Labbé and Marín (2011, INFORMS J. Computing
23(4), 546–556) for the p-median, extended to the rules of this model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Below this many candidate pairs the full model is small enough: no restriction unless asked.
AUTO_PAIRS = 5_000
#: The fewest nearest sites a zone starts with.
MIN_START = 3
#: At most this many sites, the full model unless asked: every zone's start keeps a quarter of them or more, and
#: growing it costs more than it saves (south_yorkshire when it had 12 sites and 292 zones: 6-15 rounds, `solve --top 3`
#: in 64 s, against 32 s with every pair).
FEW_SITES = 4 * MIN_START
#: Once the kept pairs exceed this share of the candidates, the next round keeps them all.
FULL_SHARE = 0.5


@dataclass(frozen=True)
class Restricted:
    """The pairs kept, and what stands for the pairs left out.

    ``beyond``: one row per (zone, service) with left-out candidates — zone_id,
    service_id, demand and travel_min (:math:`t^+`, the nearest left-out site).
    ``beyond_units``: one row per (site, service) some zone left out — site_id, service_id
    and demand (:math:`D^{out}`, the demand of those zones), where beyond demand may be placed.
    """

    pairs: pd.DataFrame
    beyond: pd.DataFrame
    beyond_units: pd.DataFrame


def ranked(candidates: pd.DataFrame) -> pd.DataFrame:
    """Candidates with ``group`` (a code per zone and service, in order of first appearance) and ``rank``
    (1 for the nearest, ties sharing the lowest: pandas's ``rank(method="min")``), in numpy."""
    zone, service = pd.factorize(candidates["zone_id"])[0], pd.factorize(candidates["service_id"])[0]
    group = pd.factorize(zone * (service.max(initial=0) + 1) + service)[0]
    minutes = candidates["travel_min"].to_numpy(float)
    order = np.lexsort((minutes, group))  # by group, nearest first
    position = np.arange(len(order))
    new_group = _run_starts(group[order])
    first_of_group = np.maximum.accumulate(np.where(new_group, position, 0))
    first_of_tie = np.maximum.accumulate(np.where(new_group | _run_starts(minutes[order]), position, 0))
    rank = np.empty(len(order))
    rank[order] = first_of_tie - first_of_group + 1
    return candidates.assign(group=group, rank=rank)


def _run_starts(values: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts."""
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    return starts


def start_reach(candidates: pd.DataFrame, services: pd.DataFrame, n_sites: int, nearest_sites: int | None
                ) -> np.ndarray | None:
    """Nearest sites kept per group at the start, or None for the full model.

    ``nearest_sites`` 0 means the full model; a number starts every zone there; None
    decides by size: the full model below :data:`AUTO_PAIRS` candidates or with at most :data:`FEW_SITES`
    sites, else twice the
    spacing of open sites if the most allowed were spread evenly (``2 · sites / max_sites``),
    at least :data:`MIN_START`.
    """
    if nearest_sites == 0 or (nearest_sites is None and (len(candidates) < AUTO_PAIRS or n_sites <= FEW_SITES)):
        return None
    groups = candidates[["group", "service_id"]].drop_duplicates("group").sort_values("group")
    if nearest_sites is not None:
        return np.full(len(groups), nearest_sites, dtype=np.int64)
    most = services["max_sites"].fillna(n_sites).clip(lower=1)
    start = np.ceil(2 * n_sites / most).clip(lower=MIN_START).astype(np.int64)
    return groups["service_id"].map(start).to_numpy(dtype=np.int64)


def restrict(candidates: pd.DataFrame, reach: np.ndarray | None) -> Restricted:
    """The pairs within each group's reach, and the beyond rows and beyond units for the rest."""
    columns = [c for c in candidates.columns if c not in ("group", "rank")]  # with the neighbours' columns
    if reach is None:
        return Restricted(candidates[columns], no_beyond(), no_beyond_units())
    kept = candidates["rank"].to_numpy() <= reach[candidates["group"].to_numpy()]
    out = candidates[~kept]
    units = out.groupby(["site_id", "service_id"], sort=True)["demand"].sum()
    return Restricted(candidates.loc[kept, columns].reset_index(drop=True), _beyond(out), units.reset_index())


def _beyond(out: pd.DataFrame) -> pd.DataFrame:
    """One row per group with pairs left out, by group: its zone, service and demand, and the time to
    its nearest left-out site."""
    if out.empty:
        return no_beyond()
    order = np.argsort(out["group"].to_numpy(), kind="stable")
    starts = np.flatnonzero(_run_starts(out["group"].to_numpy()[order]))
    first = order[starts]
    return pd.DataFrame({"zone_id": out["zone_id"].to_numpy()[first], "service_id": out["service_id"].to_numpy()[first],
                         "demand": out["demand"].to_numpy()[first],
                         "travel_min": np.minimum.reduceat(out["travel_min"].to_numpy()[order], starts)})


def no_beyond() -> pd.DataFrame:
    """The beyond rows of the full model: none."""
    return pd.DataFrame({"zone_id": pd.Series(dtype=object), "service_id": pd.Series(dtype=object),
                         "demand": pd.Series(dtype=float), "travel_min": pd.Series(dtype=float)})


def no_beyond_units() -> pd.DataFrame:
    """The beyond units of the full model: none."""
    return pd.DataFrame({"site_id": pd.Series(dtype=object), "service_id": pd.Series(dtype=object),
                         "demand": pd.Series(dtype=float)})


def grow(candidates: pd.DataFrame, reach: np.ndarray, needy: pd.DataFrame,
         hosts: set[tuple[str, str]]) -> np.ndarray | None:
    """Reach after a round in which the (zone_id, service_id) of ``needy`` used their beyond share.

    Each needy group keeps at least twice its sites and at least up to the nearest site hosting
    its service in the configuration found (``hosts``); None (the full model) once most pairs are kept.
    """
    grown = reach.copy()
    keys = pd.MultiIndex.from_frame(candidates[["zone_id", "service_id"]])
    needy_groups = np.unique(candidates["group"].to_numpy()[keys.isin(pd.MultiIndex.from_frame(needy))])
    grown[needy_groups] *= 2
    hosting = pd.MultiIndex.from_frame(candidates[["site_id", "service_id"]]).isin(list(hosts))
    host_rank = candidates[hosting].groupby("group")["rank"].min()
    host_rank = host_rank[host_rank.index.isin(needy_groups)]
    grown[host_rank.index.to_numpy()] = np.maximum(grown[host_rank.index.to_numpy()], host_rank.to_numpy())
    return _unless_most(candidates, grown)


def to_hosts(candidates: pd.DataFrame, reach: np.ndarray, hosts: set[tuple[str, str]], k: int) -> np.ndarray:
    """Reach that keeps each group's ``k`` nearest sites hosting its service in a configuration
    (``hosts``), and at least what it kept: enough to serve it there without beyond shares where
    capacity allows, in far fewer pairs than every host."""
    hosting = candidates[pd.MultiIndex.from_frame(candidates[["site_id", "service_id"]]).isin(list(hosts))]
    nearest_first = hosting.sort_values(["group", "rank"])
    needed = nearest_first[nearest_first.groupby("group").cumcount() < k].groupby("group")["rank"].max()
    grown = reach.copy()
    groups = needed.index.to_numpy()
    grown[groups] = np.maximum(grown[groups], needed.to_numpy())
    return grown


def widen(candidates: pd.DataFrame, reach: np.ndarray) -> np.ndarray | None:
    """Every group's reach doubled; None (the full model) once most pairs are kept."""
    return _unless_most(candidates, reach * 2)


def _unless_most(candidates: pd.DataFrame, reach: np.ndarray) -> np.ndarray | None:
    kept = (candidates["rank"].to_numpy() <= reach[candidates["group"].to_numpy()]).sum()
    return None if kept > FULL_SHARE * len(candidates) else reach
