"""The metrics layer: every figure about a configuration, computed once, with its definition.

The command line (``solve``'s table and ``--json``), the appraisal, the report's text,
tables, captions and maps all read these frames, so one figure is one number wherever
it is shown. Definitions (:data:`MEASURES`) are stated once, with their weighting:

- travel figures are per patient journey: weighted by yearly activity (the demand of
  each zone for each service), each service by its own travel mode unless a mode is
  named: blue-light for the services the instance sends by ambulance, car otherwise;
  this is the model's ``travel`` criterion;
- access shares (the S-curve of :func:`access_shares`) are per resident: weighted by
  population, per service and mode, because consultations ask "how many people live
  within 30 minutes of A&E";
- the worst locality is the longest mean trip of any zone to any service, each by its own
  mode: the model's ``worst_zone`` criterion.

A bare configuration (no model allocation) sends each zone to the nearest site hosting
each service (:func:`nearest_allocation`), unless the nearest-provider rule sends it to a
nearer neighbour; a solution keeps the model's allocation. Activity leaving for neighbouring
providers (:func:`optimiser.appraisal.leaving.flows`) is counted from the allocation under the instance's rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from optimiser.instance.configuration import Configuration, Solution, baseline_configuration
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import (
    kept,
    neighbour_load,
    neighbour_trips,
    rule,
    stays,
    tariff_gbp_m,
)
from optimiser.instance.travel import TravelTimes, travel_times_by_mode

from . import leaving

#: Each measure: (unit, which way is better, its definition with its weighting). The report and FORMAT.md quote these.
MEASURES: dict[str, tuple[str, str, str]] = {
    "rules_met": ("pass", "higher", "every clinical standard, co-dependency, count, volume and capacity rule is met"),
    "within_estate": ("pass", "higher", "the demand fits today's capacity, with no expansion"),
    "mean_travel_min": ("minutes", "lower", "mean travel time per patient journey, weighted by yearly activity, "
                                           "each service by its own mode unless a mode is named"),
    "p95_travel_min": ("minutes", "lower", "95th percentile of zones' travel time, weighted by yearly activity"),
    "within_standard_share": ("share", "higher", "share of patient journeys (weighted by activity) within the "
                                                 "service's access standard (its coverage standard, else its limit)"),
    "worst_zone_min": ("minutes", "lower", "the worst locality: the longest mean trip of any zone to any service"),
    "deprived_mean_travel_min": ("minutes", "lower", "mean travel time per patient journey from the two most "
                                                    "deprived quintiles, weighted by activity"),
    "volume_shortfall": ("activity", "lower", "activity by which units fall short of (or exceed) volume standards"),
    "rotas_24_7": ("rotas", "lower", "consultant-led 24/7 rotas needed"),
    "consultant_posts": ("posts", "lower", "consultant posts for those rotas (10 per 24/7 rota, est.)"),
    "capital_gbp_m": ("GBP m", "lower", "new sites, services opened where they are not today, expansion"),
    "running_gbp_m": ("GBP m a year", "lower", "running cost of the units hosted"),
    "moves": ("services", "lower", "service lines opened or closed at a site against the status quo"),
    "transfers_per_year": ("patients a year", "lower",
                           "inter-site transfers: patients at a site without a service they need within N minutes, "
                           "times the rule's transfer share"),
    "leaving_activity": ("activity a year", "lower", "activity that leaves the group for neighbouring providers "
                                                    "under the instance's neighbour rule"),
    "income_leaving_gbp_m": ("GBP m a year", "lower", "income that leaves with that activity, at each service's "
                                                      "tariff"),
    "neighbour_overload": ("activity a year", "lower", "activity sent to neighbouring providers beyond what they "
                                                       "can take"),
}
#: Consultant posts per consultant-led 24/7 rota (est.: a 1-in-10 on-call rota).
CONSULTANTS_PER_ROTA = 10
#: Minutes of the access S-curve, as consultations quote them.
ACCESS_MINUTES = (15, 30, 45, 60)
#: Figures the command line and the report's summary show for each configuration, in this order.
HEADLINE = ("mean_travel_min", "worst_zone_min", "within_standard_share", "transfers_per_year", "capital_gbp_m",
            "running_gbp_m", "rotas_24_7", "moves", "leaving_activity", "income_leaving_gbp_m")
#: The headline figures' names in a report's words.
HEADLINE_NAMES = {"mean_travel_min": "Mean trip per patient journey", "worst_zone_min": "Worst locality's trip",
                  "within_standard_share": "Journeys within the access standard",
                  "transfers_per_year": "Inter-site transfers", "capital_gbp_m": "Capital",
                  "running_gbp_m": "Running cost",
                  "rotas_24_7": "Consultant-led 24/7 rotas", "moves": "Service lines that move",
                  "leaving_activity": "Activity leaving for neighbouring hospitals",
                  "income_leaving_gbp_m": "Income leaving with it"}
#: Optional zone columns giving population groups for the access view: column → the group's name.
POPULATION_GROUPS = {"population_0_15": "aged 0–15", "population_65_plus": "aged 65+"}


def definitions() -> pd.DataFrame:
    """The measures as a tidy frame: ``measure, unit, better, definition``."""
    return pd.DataFrame([(m, unit, better, text) for m, (unit, better, text) in MEASURES.items()],
                        columns=["measure", "unit", "better", "definition"])


# --- allocation and trips -----------------------------------------------------------------------

def nearest_allocation(instance: Instance, configuration: Configuration,
                       times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """Every zone's demand for a service to the nearest site hosting it (by the service's mode), unless a
    neighbouring provider is nearer under the nearest-provider rule (:func:`optimiser.instance.neighbours.stays`)."""
    rows = []
    for service_id, service in instance.services.iterrows():
        sites = configuration.sites_of(service_id)
        if not sites:
            continue
        minutes = times[instance.mode_or_default(service["mode"])].zone_site_min[sites]
        demanded = instance.demand[service_id] > 0
        rows.append(pd.DataFrame({"service_id": service_id, "zone_id": minutes.index[demanded],
                                  "site_id": minutes[demanded].idxmin(axis=1).to_numpy(), "share": 1.0}))
    return stays(instance, pd.concat(rows, ignore_index=True), times) if rows else pd.DataFrame(
        columns=["service_id", "zone_id", "site_id", "share"])


def zone_trips(instance: Instance, label: str, solution: Solution,
               times: Mapping[str, TravelTimes]) -> pd.DataFrame:
    """Each zone's mean trip per service and mode: Σ share × minutes over the sites it uses, and over the
    neighbouring hospitals its patients leave for (:mod:`optimiser.instance.neighbours`).

    Columns ``option, zone_id, service_id, mode, minutes``: every figure about travel starts here.
    """
    allocation = kept(instance, solution.allocation, times)
    frames = []
    for mode, matrix in times.items():
        long = matrix.zone_site_min.stack().rename("t")
        t = long.reindex(pd.MultiIndex.from_arrays([allocation["zone_id"], allocation["site_id"]])).to_numpy()
        trips = allocation.assign(weighted=allocation["share"].to_numpy() * t)
        per_zone = trips.groupby(["zone_id", "service_id"], sort=False)["weighted"].sum().rename("minutes")
        away = neighbour_trips(instance, solution.allocation, times, mode)
        if len(away):
            per_zone = per_zone.add(away, fill_value=0.0).rename("minutes")
        frames.append(per_zone.reset_index().assign(option=label, mode=mode))
    return pd.concat(frames, ignore_index=True)[["option", "zone_id", "service_id", "mode", "minutes"]]


def own_mode(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """Each service's trips by its own mode (blue-light for emergencies, car otherwise, as the instance says)."""
    own = {s: instance.mode_or_default(mode) for s, mode in instance.services["mode"].items()}
    return trips[trips["mode"].to_numpy() == trips["service_id"].map(own).to_numpy()]


def _activity(instance: Instance, trips: pd.DataFrame) -> np.ndarray:
    """Each trip row's yearly activity (the zone's demand for the service)."""
    demand = instance.demand.stack()
    return demand.reindex(pd.MultiIndex.from_arrays([trips["zone_id"], trips["service_id"]])).to_numpy(float)


# --- measures of one option ----------------------------------------------------------------------

def option_metrics(instance: Instance, label: str, solution: Solution, trips: pd.DataFrame,
                   flows: pd.DataFrame | None = None, units: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every measure of one option, tidy: ``option, measure, service, mode, value, unit``.

    ``service`` blank: over every service; ``mode`` blank: each service by its own mode. With ``flows``
    (:func:`optimiser.appraisal.leaving.flows`), the activity leaving for neighbours, in all and by service.
    ``units`` are the option's :func:`volumes` where the caller has them already (else they are worked out).
    """
    mine = _weighed(instance, trips[trips["option"] == label])
    mine_flows = flows[flows["option"] == label] if flows is not None else None
    if units is None:
        units = volumes(instance, label, solution, mine_flows)
    rows = [(m, "", "", value) for m, value in _configuration_measures(instance, solution, units).items()]
    if mine_flows is not None:
        rows += _leaving_measures(instance, mine_flows)
    for (service_id, mode), group in mine.groupby(["service_id", "mode"], sort=True):
        rows += [(m, service_id, mode, v) for m, v in _travel_measures(group).items()]
    for mode, group in mine.groupby("mode", sort=True):
        rows += [(m, "", mode, v) for m, v in _travel_measures(group).items()]
    rows += [(m, "", "", v) for m, v in _travel_measures(own_mode(instance, mine)).items()]
    frame = pd.DataFrame(rows, columns=["measure", "service", "mode", "value"])
    frame["unit"] = frame["measure"].map({m: unit for m, (unit, _, _) in MEASURES.items()})
    return frame.assign(option=label)[["option", "measure", "service", "mode", "value", "unit"]]


def _leaving_measures(instance: Instance, flows: pd.DataFrame) -> list[tuple[str, str, str, float]]:
    """Activity and income leaving, in all and by service, and the load beyond what neighbours can take."""
    income = flows["activity"].to_numpy(float) * tariff_gbp_m(instance, flows["service_id"])
    by_service = flows.assign(income=income).groupby("service_id")[["activity", "income"]].sum()
    rows = [("leaving_activity", "", "", float(flows["activity"].sum())),
            ("income_leaving_gbp_m", "", "", float(income.sum())),
            ("neighbour_overload", "", "", float(neighbour_load(instance, flows)["over"].sum()))]
    for service_id, row in by_service.iterrows():
        rows += [("leaving_activity", service_id, "", float(row["activity"])),
                 ("income_leaving_gbp_m", service_id, "", float(row["income"]))]
    return rows


def _weighed(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """Trips with what their measures weigh them by: ``activity``, ``deprived`` (quintiles 1–2), ``standard``
    (the service's access standard in minutes)."""
    return trips.assign(activity=_activity(instance, trips),
                        deprived=trips["zone_id"].map(instance.zones["deprivation_quintile"].astype(int)).to_numpy()
                        <= 2,
                        standard=trips["service_id"].map(standard_minutes(instance)).to_numpy(float))


def _travel_measures(rows: pd.DataFrame) -> dict[str, float]:
    """The travel measures of some :func:`_weighed` trips (one service or all, one mode or each its own)."""
    weight = rows["activity"].to_numpy(float)
    if rows.empty or not weight.sum() > 0:
        return {}
    minutes = rows["minutes"].to_numpy(float)
    deprived = rows["deprived"].to_numpy(bool)
    standard = rows["standard"].to_numpy(float)
    has_standard = ~np.isnan(standard)
    return {
        "mean_travel_min": float(np.average(minutes, weights=weight)),
        "p95_travel_min": _weighted_quantile(minutes, weight, 0.95),
        "worst_zone_min": float(minutes.max()),
        "deprived_mean_travel_min": float(np.average(minutes[deprived], weights=weight[deprived]))
        if weight[deprived].sum() > 0 else float("nan"),
        "within_standard_share": float(np.average(minutes[has_standard] <= standard[has_standard],
                                                  weights=weight[has_standard]))
        if weight[has_standard].sum() > 0 else float("nan"),
    }


def standard_minutes(instance: Instance) -> pd.Series:
    """Each service's access standard in minutes: its coverage standard, else its hard limit."""
    services = instance.services
    return services["coverage_travel_min"].fillna(services["max_travel_min"])


def _weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value below which at least share ``q`` of the weight lies."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return float(values[order][np.searchsorted(cumulative, q - 1e-12)])


def _configuration_measures(instance: Instance, solution: Solution, units: pd.DataFrame) -> dict[str, float]:
    """Measures of the configuration itself (workforce, money, disruption, quality, transfers), ``units`` its
    :func:`volumes`."""
    configuration, services, sites = solution.configuration, instance.services, instance.sites
    baseline = baseline_configuration(instance)
    base = baseline.hosts if baseline else frozenset()
    rotas = float(sum(int(services.loc[l, "rotas_24_7"]) for _, l in configuration.hosts))
    resources = instance.site_resources.set_index(["site_id", "resource"])
    expansion = solution.expansion
    expansion_capital = float(sum(row.added * resources.loc[(row.site_id, row.resource), "expansion_capital_gbp_m"]
                                  for row in expansion.itertuples(index=False)))
    shortfall = ((units["min_volume"].fillna(0) - units["volume"]).clip(lower=0)
                 + (units["volume"] - units["max_volume"].fillna(np.inf)).clip(lower=0)).sum()
    return {
        "rotas_24_7": rotas,
        "consultant_posts": rotas * CONSULTANTS_PER_ROTA,
        "capital_gbp_m": float(sites.loc[configuration.opened(instance), "new_build_capital_gbp_m"].sum()
                               + sum(services.loc[l, "opening_capital_gbp_m"] for s, l in configuration.hosts
                                     if (s, l) not in base) + expansion_capital),
        "running_gbp_m": float(sum(services.loc[l, "running_cost_gbp_m"] for _, l in configuration.hosts)),
        "moves": float(len(configuration.hosts ^ base)) if baseline else 0.0,
        "volume_shortfall": float(shortfall),
        "transfers_per_year": transfers(instance, configuration, units),
        "within_estate": float(expansion["added"].sum() <= 1e-9) if not expansion.empty else 1.0,
    }


def transfers(instance: Instance, configuration: Configuration, units: pd.DataFrame) -> float:
    """Yearly transfers: A's patients treated where B (needed within N minutes) is not on site, times the
    rule's ``transfer_share``."""
    rules = instance.codependencies[instance.codependencies["rule"] == "within"]
    volume = units.set_index(["site_id", "service_id"])["volume"]
    return float(sum(rule.transfer_share * volume.get((site, rule.service_a), 0.0)
                     for rule in rules.itertuples(index=False) for site in configuration.sites_of(rule.service_a)
                     if (site, rule.service_b) not in configuration.hosts))


def volumes(instance: Instance, label: str, solution: Solution, flows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each unit's yearly volume against its standards: ``option, site_id, service_id, volume, min_volume,
    max_volume``; less the activity ``flows`` (:func:`optimiser.appraisal.leaving.flows`) send from the unit to
    neighbours."""
    allocation = solution.allocation
    demand = instance.demand.stack().reindex(pd.MultiIndex.from_arrays([allocation["zone_id"],
                                                                        allocation["service_id"]])).to_numpy(float)
    volume = allocation.assign(volume=allocation["share"].to_numpy() * demand).groupby(
        ["site_id", "service_id"])["volume"].sum()
    if flows is not None:
        gone = flows.dropna(subset=["site_id"]).groupby(["site_id", "service_id"])["activity"].sum()
        volume = volume.sub(gone, fill_value=0.0).rename("volume")
    hosts = pd.MultiIndex.from_tuples(sorted(solution.configuration.hosts), names=["site_id", "service_id"])
    frame = volume.reindex(hosts, fill_value=0.0).reset_index()
    frame["min_volume"] = frame["service_id"].map(instance.services["min_volume"]).replace(0.0, np.nan)
    frame["max_volume"] = frame["service_id"].map(instance.services["max_volume"])
    return frame.assign(option=label)[["option", "site_id", "service_id", "volume", "min_volume", "max_volume"]]


# --- views over every option ---------------------------------------------------------------------

def zone_travel(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """Each zone's mean trip over every service, weighted by its activity, each service by its own mode:
    ``option, zone_id, minutes``. The maps and the change against the status quo show this."""
    return _mean_trip(instance, trips, "zone_id")


def group_travel(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """Each zone group's (zones.csv ``group``, e.g. a district) mean trip over its zones' every service, weighted
    by activity, each service by its own mode: ``option, group, minutes``; empty where zones have no group.
    A regional network's report summarises the change by group, where hundreds of zones would not read."""
    groups = instance.zones["group"].replace("", pd.NA) if "group" in instance.zones else pd.Series(dtype=object)
    if groups.isna().all():
        return pd.DataFrame(columns=["option", "group", "minutes"])
    return _mean_trip(instance, trips, "group", groups)


def _mean_trip(instance: Instance, trips: pd.DataFrame, key: str, zone_key: pd.Series | None = None) -> pd.DataFrame:
    """The activity-weighted mean trip, own modes, per option and ``key``: the zone, or ``zone_key`` of it."""
    own = own_mode(instance, trips)
    weight = _activity(instance, own)
    keys = own["zone_id"] if zone_key is None else own["zone_id"].map(zone_key)
    rows = own.assign(**{key: keys.to_numpy()}, weighted=own["minutes"].to_numpy() * weight, weight=weight)
    grouped = rows.groupby(["option", key], sort=False)[["weighted", "weight"]].sum()
    return (grouped["weighted"] / grouped["weight"].where(grouped["weight"] > 0)).rename("minutes").reset_index()


def change(travel: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """Each zone's (or group's) mean trip, :func:`zone_travel` or :func:`group_travel`, against the status quo:
    ``option, zone_id`` (or ``group``), ``minutes_change`` (negative: a gain)."""
    key = travel.columns[1]
    if baseline is None:
        return travel.assign(minutes_change=np.nan)[["option", key, "minutes_change"]]
    today = travel[travel["option"] == baseline].set_index(key)["minutes"]
    return travel.assign(minutes_change=travel["minutes"] - travel[key].map(today))[["option", key, "minutes_change"]]


def equity(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """Activity-weighted mean travel by deprivation quintile, per option and mode:
    ``option, deprivation_quintile, mode, minutes``."""
    weight = _activity(instance, trips)
    rows = trips.assign(weight=weight, weighted=weight * trips["minutes"].to_numpy(float),
                        deprivation_quintile=trips["zone_id"].map(instance.zones["deprivation_quintile"]))
    grouped = rows.groupby(["option", "deprivation_quintile", "mode"], sort=True)[["weighted", "weight"]].sum()
    return (grouped["weighted"] / grouped["weight"]).rename("minutes").reset_index()


def population_groups(instance: Instance) -> pd.DataFrame:
    """People per zone in each group the access view reports: ``group, zone_id, people``.

    Everyone; each deprivation quintile; and, where zones.csv gives them, the age bands
    (``population_0_15``, ``population_65_plus``) and rurality (``rurality``).
    """
    zones = instance.zones
    frames = [pd.DataFrame({"group": "everyone", "zone_id": zones.index, "people": zones["population"]})]
    for quintile, members in zones.groupby(zones["deprivation_quintile"].astype(int)).groups.items():
        frames.append(pd.DataFrame({"group": f"deprivation quintile {quintile}", "zone_id": members,
                                    "people": zones.loc[members, "population"]}))
    for column, name in POPULATION_GROUPS.items():
        if column in zones and zones[column].notna().any():
            frames.append(pd.DataFrame({"group": name, "zone_id": zones.index, "people": zones[column].fillna(0)}))
    rurality = zones["rurality"].replace("", pd.NA).dropna().astype(str) if "rurality" in zones else pd.Series()
    for kind, members in zones.loc[rurality.index].groupby(rurality).groups.items():
        frames.append(pd.DataFrame({"group": kind, "zone_id": members, "people": zones.loc[members, "population"]}))
    return pd.concat(frames, ignore_index=True)


def access_shares(instance: Instance, trips: pd.DataFrame,
                  minutes: tuple[int, ...] = ACCESS_MINUTES) -> pd.DataFrame:
    """The S-curve: share of each population group whose trip to a service is within each number of minutes.

    Columns ``option, service_id, mode, group, within_min, share``; weighted by people (not activity).
    """
    groups = population_groups(instance)
    rows = trips.merge(groups, on="zone_id")
    limits = np.asarray(minutes, float)
    within = rows["minutes"].to_numpy(float)[:, None] <= limits[None, :]
    shares = pd.DataFrame(within * rows["people"].to_numpy(float)[:, None], columns=list(minutes))
    keys = rows[["option", "service_id", "mode", "group"]].reset_index(drop=True)
    totals = pd.concat([keys, shares, rows["people"].reset_index(drop=True)], axis=1).groupby(
        ["option", "service_id", "mode", "group"], sort=False).sum()
    share = totals[list(minutes)].div(totals["people"].where(totals["people"] > 0), axis=0)
    return share.rename_axis(columns="within_min").stack().rename("share").reset_index()


def access_curve(instance: Instance, trips: pd.DataFrame) -> pd.DataFrame:
    """The whole S-curve: for each option, service and mode, the share of the population whose trip is at most
    ``minutes``, at each zone's trip (``option, service_id, mode, minutes, share``; weighted by people)."""
    people = trips["zone_id"].map(instance.zones["population"]).astype(float)
    rows = trips.assign(people=people.to_numpy()).sort_values(["option", "service_id", "mode", "minutes"],
                                                              kind="stable")
    keys = ["option", "service_id", "mode"]
    grouped = rows.groupby(keys, sort=False)["people"]
    share = grouped.cumsum() / grouped.transform("sum")
    return rows.assign(share=share.to_numpy())[[*keys, "minutes", "share"]].reset_index(drop=True)


def crossings(instance: Instance, trips: pd.DataFrame, baseline: str | None) -> pd.DataFrame:
    """Zones that cross a service's access standard against the status quo, by the service's own mode and by
    every public-transport mode, held to the same standard (those without a car lose most from a move):
    ``option, zone_id, service_id, mode, standard_min, minutes_before, minutes_after, direction``
    (``outside`` when the zone falls beyond the standard, ``inside`` when it comes within)."""
    columns = ["option", "zone_id", "service_id", "mode", "standard_min", "minutes_before", "minutes_after",
               "direction"]
    if baseline is None:
        return pd.DataFrame(columns=columns)
    keys = ["zone_id", "service_id", "mode"]
    counted = pd.concat([own_mode(instance, trips), trips[trips["mode"].isin(instance.public_modes)]],
                        ignore_index=True)
    counted = counted.drop_duplicates(["option", *keys])
    today = counted[counted["option"] == baseline].set_index(keys)["minutes"]
    rows = counted[counted["option"] != baseline].assign(
        standard_min=counted["service_id"].map(standard_minutes(instance)),
        minutes_before=lambda f: today.reindex(pd.MultiIndex.from_frame(f[keys])).to_numpy())
    rows = rows.rename(columns={"minutes": "minutes_after"}).dropna(subset=["standard_min", "minutes_before"])
    before = rows["minutes_before"] <= rows["standard_min"]
    after = rows["minutes_after"] <= rows["standard_min"]
    rows = rows[before != after].assign(direction=np.where(before[before != after], "outside", "inside"))
    return rows[columns].reset_index(drop=True)


# --- one configuration, for the command line -----------------------------------------------------

def headline(metrics: pd.DataFrame, option: str) -> dict[str, float]:
    """The :data:`HEADLINE` figures of one option (over every service, each by its own mode)."""
    mine = metrics[(metrics["option"] == option) & (metrics["service"] == "") & (metrics["mode"] == "")]
    values = mine.set_index("measure")["value"]
    return {measure: float(values[measure]) for measure in HEADLINE if measure in values}


def solution_headline(instance: Instance, solution: Solution,
                      times: Mapping[str, TravelTimes] | None = None) -> dict[str, float]:
    """The headline figures of one solved configuration, as the command line shows them (what leaves for
    neighbouring hospitals only where the instance has a neighbour rule)."""
    times = travel_times_by_mode(instance, times)
    trips = zone_trips(instance, "", solution, times)
    flows = leaving.flows(instance, {"": solution}, times) if rule(instance) != "none" else None
    return headline(option_metrics(instance, "", solution, trips, flows), "")
