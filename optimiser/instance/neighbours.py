r"""Neighbouring providers: where a zone's patients go when they leave the group.

A neighbouring provider (``neighbours.csv``) is a hospital outside the group that offers some service
lines (``neighbour_services.csv``); the configuration never changes it. ``instance.yaml``'s
``neighbour_rule`` says where patients go:

- ``none``: every patient stays in the group (neighbours only shown);
- ``nearest``: each zone goes to its nearest open provider, the group's or a neighbour's (closest
  assignment including the neighbours): a zone whose nearest neighbour offering the service
  (:math:`n_{zl}`, :math:`t_{zn}` minutes away) is strictly nearer than every open site of the group
  leaves for it in full;
- ``retention``: the share :math:`f(t_{zsl} - t_{zn})` of the zone's demand that the retention curve
  (``retention.csv``) gives for the extra minutes to the group's site leaves for :math:`n_{zl}`.

Both keep the model an exact MILP. Under ``retention`` the trip time of each pair is known in
advance, so its leaving share is a constant: the pair serves :math:`(1-f)\,d_{zl}\,x_{zsl}` at the
site and sends :math:`f\,d_{zl}\,x_{zsl}` to the neighbour. Under ``nearest`` a share
:math:`q_{zl} \in [0,1]` leaves, with :math:`\sum_s x_{zsl} + q_{zl} = 1`, pairs beyond
:math:`t_{zn}` left out and :math:`q_{zl} + y_{sl} \le 1` for every site at least as near.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from optimiser.errors import Problem, Severity
from optimiser.instance.roads import edge_minutes, snap, travel_csr

if TYPE_CHECKING:  # the instance reads this module's warnings
    from optimiser.instance.folder import Instance
    from optimiser.instance.travel import TravelTimes

RULES = ("none", "nearest", "retention")


def rule(instance: Instance) -> str:
    """The instance's neighbour rule, ``none`` where it has no neighbour offering any service."""
    stated = instance.settings.get("neighbour_rule") or "none"
    return stated if not instance.tables["neighbour_services"].empty else "none"


def neighbour_minutes(instance: Instance, mode: str) -> pd.DataFrame:
    """Minutes from each zone (rows) to each neighbouring provider (columns) by ``mode``: shortest paths on
    the road graph plus each end's stretch to its nearest junction, as for the group's sites."""
    neighbours = instance.tables["neighbours"]
    roads = instance.roads.reset_index(drop=True)
    graph = travel_csr(instance.road_nodes, roads, edge_minutes(roads, instance.modes, mode))
    node, snap_km = snap(instance.road_nodes, neighbours["lat"].to_numpy(float), neighbours["lon"].to_numpy(float))
    places = instance.snapped
    zone = (places["kind"] == "zone").to_numpy()
    reversed_graph = graph.T.tocsr() if bool(roads["oneway"].any()) else graph
    from optimiser.instance.travel import (
        shortest_minutes,  # travel reads the instance, which reads this module's warnings
    )

    to_neighbour = shortest_minutes(reversed_graph, node, places["node"].to_numpy()[zone])
    connector_min = 60.0 / instance.settings["connector_speed_kmh"]
    minutes = to_neighbour.T + connector_min * (places["snap_km"].to_numpy()[zone][:, None] + snap_km[None, :])
    return pd.DataFrame(minutes, index=pd.Index(places["id"].to_numpy()[zone], name="zone_id"),
                        columns=pd.Index(neighbours["neighbour_id"], name="neighbour_id"))


def snap_warnings(instance: Instance) -> list[Problem]:
    """Neighbouring providers further from the road graph than ``snap_warn_km``, as for sites and zones."""
    neighbours = instance.tables["neighbours"]
    if neighbours.empty:
        return []
    node, snap_km = snap(instance.road_nodes, neighbours["lat"].to_numpy(float), neighbours["lon"].to_numpy(float))
    limit = instance.settings["snap_warn_km"]
    return [Problem("neighbours.csv", f"neighbour {neighbour!r} is {km:.1f} km from the nearest road junction "
                                      f"({instance.road_nodes['node_id'].iloc[n]!r}); its travel times start there",
                    row=i + 2, column="lat",
                    fix=f"Add a junction near it, or raise snap_warn_km (now {limit:g} km) in instance.yaml",
                    severity=Severity.WARNING)
            for i, (neighbour, n, km) in enumerate(zip(neighbours["neighbour_id"], node, snap_km, strict=True))
            if km > limit]


def nearest_neighbours(instance: Instance) -> pd.DataFrame:
    """Each zone's nearest neighbour offering each service, by the service's mode: ``zone_id, service_id,
    neighbour_id, neighbour_min`` (ties to the first listed). Empty where the instance has none."""
    offers = instance.tables["neighbour_services"]
    frames = []
    by_mode: dict[str, pd.DataFrame] = {}
    for service_id, offering in offers.groupby("service_id", sort=False):
        mode = instance.mode_or_default(instance.services.loc[service_id, "mode"])
        if mode not in by_mode:
            by_mode[mode] = neighbour_minutes(instance, mode)
        minutes = by_mode[mode][offering["neighbour_id"].unique()]
        best = minutes.to_numpy().argmin(axis=1)
        frames.append(pd.DataFrame({"zone_id": minutes.index, "service_id": service_id,
                                    "neighbour_id": minutes.columns.to_numpy()[best],
                                    "neighbour_min": minutes.to_numpy()[np.arange(len(minutes)), best]}))
    columns = ["zone_id", "service_id", "neighbour_id", "neighbour_min"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def leaving_share(curve: pd.DataFrame, extra_min: np.ndarray) -> np.ndarray:
    """The retention curve's leaving share at each of ``extra_min``: linear between its points, from
    (0, 0) unless a point sits at 0 minutes, held at the last point's share beyond it; 0 at 0 or fewer."""
    points = curve.reset_index(drop=True).sort_values("extra_min")
    minutes, share = points["extra_min"].to_numpy(float), points["leaving_share"].to_numpy(float)
    if not len(minutes) or minutes[0] > 0:
        minutes, share = np.r_[0.0, minutes], np.r_[0.0, share]
    extra_min = np.asarray(extra_min, float)
    return np.where(extra_min > 0, np.interp(extra_min, minutes, share), 0.0)


def apply_rule(instance: Instance, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The candidate pairs under the instance's neighbour rule, and the zones' shares that may leave whole.

    Every pair gains ``neighbour_id``, ``neighbour_min`` (its zone's nearest neighbour offering the service;
    none and NaN where there is none) and ``leaving`` (the activity it sends there when fully used);
    under ``retention`` its ``demand`` becomes the activity the site keeps. Under ``nearest``, pairs
    farther than the neighbour are left out (no patient goes there), and the second frame lists every
    (``zone_id, service_id``) with demand and a neighbour: ``neighbour_id, neighbour_min, demand``.
    """
    chosen = rule(instance)
    pairs = pairs.assign(neighbour_id=None, neighbour_min=np.nan, leaving=0.0)
    if chosen == "none":
        return pairs, no_leaves()
    nearest = nearest_neighbours(instance)
    pairs = pairs.drop(columns=["neighbour_id", "neighbour_min"]).merge(
        nearest, on=["zone_id", "service_id"], how="left")
    if chosen == "retention":
        share = leaving_share(instance.tables["retention"], (pairs["travel_min"] - pairs["neighbour_min"]).fillna(0.0))
        return pairs.assign(leaving=share * pairs["demand"], demand=(1.0 - share) * pairs["demand"]), no_leaves()
    pairs = pairs[~(pairs["travel_min"] > pairs["neighbour_min"])].reset_index(drop=True)
    demand = instance.demand.rename_axis(index="zone_id", columns="service_id").stack().rename("demand")
    leaves = nearest.merge(demand.reset_index(), on=["zone_id", "service_id"])
    return pairs, leaves[leaves["demand"] > 0].reset_index(drop=True)


def no_leaves() -> pd.DataFrame:
    """The typed, empty frame of zones' shares that may leave whole."""
    return pd.DataFrame({"zone_id": pd.Series(dtype=object), "service_id": pd.Series(dtype=object),
                         "neighbour_id": pd.Series(dtype=object), "neighbour_min": pd.Series(dtype=float),
                         "demand": pd.Series(dtype=float)})


def spare_activity(instance: Instance) -> pd.DataFrame:
    """``neighbour_id, service_id, spare_activity`` of every offer with a limit."""
    offers = instance.tables["neighbour_services"]
    return offers.loc[offers["spare_activity"].notna(), ["neighbour_id", "service_id", "spare_activity"]]


def tariff_gbp_m(instance: Instance, service_ids: pd.Series) -> np.ndarray:
    """GBP million of income per unit of activity of each service named."""
    return service_ids.map(instance.services["tariff_gbp"].fillna(0.0)).to_numpy(float) / 1e6


def leaving_flows(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes],
                  chosen: str | None = None, known: pd.DataFrame | None = None) -> pd.DataFrame:
    """Yearly activity each zone sends to a neighbouring provider under the instance's rule (or ``chosen``), read
    from an allocation (``service_id, zone_id, site_id, share``): ``zone_id, service_id, neighbour_id, site_id,
    activity``. Under ``nearest``, the demand the allocation leaves unserved (``site_id`` blank); under
    ``retention``, each row's share of the demand at the curve's share for its trip's extra minutes (``site_id``:
    the site it leaves). ``known``: the instance's :func:`nearest_neighbours`, where the caller reads many
    allocations of it."""
    chosen = chosen or rule(instance)
    columns = ["zone_id", "service_id", "neighbour_id", "site_id", "activity"]
    if chosen == "none" or allocation.empty:
        return pd.DataFrame(columns=columns)
    nearest = (nearest_neighbours(instance) if known is None else known).set_index(["zone_id", "service_id"])
    demand = instance.demand.rename_axis(index="zone_id", columns="service_id").stack()
    if chosen == "nearest":
        kept = allocation.groupby(["zone_id", "service_id"])["share"].sum().reindex(nearest.index, fill_value=0.0)
        gone = nearest.assign(site_id=None,
                              activity=demand.reindex(nearest.index).to_numpy() * (1.0 - kept).clip(lower=0.0))
        return gone.reset_index()[columns]
    keys = pd.MultiIndex.from_frame(allocation[["zone_id", "service_id"]])
    share = _retention_shares(instance, allocation, times, nearest)
    flows = allocation.assign(neighbour_id=nearest["neighbour_id"].reindex(keys).to_numpy(),
                              activity=allocation["share"].to_numpy() * demand.reindex(keys).to_numpy() * share)
    return flows.groupby(columns[:4], as_index=False)["activity"].sum()[columns]


def _retention_shares(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes],
                      nearest: pd.DataFrame) -> np.ndarray:
    """The retention curve's leaving share of each allocation row."""
    keys = pd.MultiIndex.from_frame(allocation[["zone_id", "service_id"]])
    extra = _trip_minutes(instance, allocation, times) - nearest["neighbour_min"].reindex(keys).to_numpy()
    return leaving_share(instance.tables["retention"], np.nan_to_num(extra, nan=0.0))


def kept(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """The allocation with each row's ``share`` the share of the zone's demand its site keeps: under the
    retention curve, less what leaves for the neighbour; as it is otherwise."""
    if rule(instance) != "retention" or allocation.empty:
        return allocation
    nearest = nearest_neighbours(instance).set_index(["zone_id", "service_id"])
    return allocation.assign(share=allocation["share"].to_numpy()
                             * (1.0 - _retention_shares(instance, allocation, times, nearest)))


def neighbour_trips(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes],
                    mode: str) -> pd.Series:
    """Σ share × minutes by ``mode`` of the trips each (zone_id, service_id) makes to neighbours (the share of
    its demand that leaves, at its neighbour's minutes); empty without a neighbour rule."""
    flows = leaving_flows(instance, allocation, times)
    if flows.empty:
        return pd.Series(dtype=float, index=pd.MultiIndex.from_arrays([[], []], names=["zone_id", "service_id"]))
    demand = instance.demand.rename_axis(index="zone_id", columns="service_id").stack()
    minutes = neighbour_minutes(instance, mode).stack()
    keys = pd.MultiIndex.from_frame(flows[["zone_id", "service_id"]])
    weighted = (flows["activity"].to_numpy() / demand.reindex(keys).to_numpy()
                * minutes.reindex(pd.MultiIndex.from_frame(flows[["zone_id", "neighbour_id"]])).to_numpy())
    return pd.Series(weighted, index=keys).groupby(level=["zone_id", "service_id"]).sum()


def _trip_minutes(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes]) -> np.ndarray:
    """Minutes of each allocation row's trip to its site, by its service's mode."""
    minutes = np.full(len(allocation), np.nan)
    for service_id, rows in allocation.groupby("service_id").indices.items():
        matrix = times[instance.mode_or_default(instance.services.loc[service_id, "mode"])].zone_site_min
        part = allocation.iloc[rows]
        minutes[rows] = matrix.to_numpy()[matrix.index.get_indexer(part["zone_id"]),
                                          matrix.columns.get_indexer(part["site_id"])]
    return minutes


def neighbour_load(instance: Instance, flows: pd.DataFrame) -> pd.DataFrame:
    """Activity each neighbour receives per service against what it can take: ``neighbour_id, service_id,
    activity, spare_activity`` (blank: no limit), ``over`` (the activity beyond it)."""
    offers = instance.tables["neighbour_services"].reset_index(drop=True)[["neighbour_id", "service_id",
                                                                           "spare_activity"]]
    received = flows.groupby(["neighbour_id", "service_id"], as_index=False)["activity"].sum()
    load = offers.merge(received, on=["neighbour_id", "service_id"], how="left").fillna({"activity": 0.0})
    return load.assign(over=(load["activity"] - load["spare_activity"]).clip(lower=0.0).fillna(0.0))


def stays(instance: Instance, allocation: pd.DataFrame, times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """The rows of an allocation that stay in the group: under the nearest-provider rule, those whose site
    is no farther than the zone's nearest neighbour offering the service; all of them otherwise."""
    if rule(instance) != "nearest" or allocation.empty:
        return allocation
    nearest = nearest_neighbours(instance).set_index(["zone_id", "service_id"])["neighbour_min"]
    limit = nearest.reindex(pd.MultiIndex.from_frame(allocation[["zone_id", "service_id"]])).to_numpy()
    return allocation[~(_trip_minutes(instance, allocation, times) > limit)].reset_index(drop=True)
