"""What the instances' derive.py scripts share: writing the files, and the checks quoted in the READMEs.

A county script (hampshire, dorset) declares its numbers as module constants and calls
:func:`derive_county`, which writes every file of its folder and prints the checks. The mse script
uses the smaller pieces (:func:`write_csv`, :func:`beds`, :func:`path_sum`, :func:`option_hosts`,
:func:`nearest_volumes`). Travel times come from the optimiser package (``travel_times``: the
connector from a place to its junction is included), routes from its NetworkX road graph.
"""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

import networkx as nx
import pandas as pd

from optimiser import load_instance, road_graph, travel_times
from optimiser.instance.roads import haversine_km

KM_PER_MILE = 1.609


# --- numbers ----------------------------------------------------------------------------------

def beds(los_days, occupancy):
    """Beds per unit of activity a year: length of stay / 365 / occupancy."""
    return los_days / 365 / occupancy


#: Share of A&E attendances an urgent treatment centre can see (the minors), est.
MINORS_SHARE = 0.55
MINORS_SOURCE = ("minors est. 55% of attendances: Poole's 24/7 urgent treatment centre is to see 50,000-60,000 a "
                 "year, 'the majority' of Poole's A&E attendances (S, Bournemouth Echo 2019)")

#: Resource use per unit of yearly activity, shared by the county instances: service -> {resource:
#: (per_activity, source)}; every figure est., with how it was made.
COUNTY_RESOURCE_USE = {
    "emergency": {"beds": (0.30 / (1 - MINORS_SHARE) * beds(4.5, 0.92),
                           "est.: 30% of all attendances admitted, so 67% of the majors, x 4.5 days mean LOS / 365 / "
                           "0.92 occupancy"),
                  "theatres": (0.00003 / (1 - MINORS_SHARE),
                               "est.: ~1 emergency theatre per ~33,000 attendances, ~15,000 majors")},
    "critical_care": {"critical_care_beds": (beds(3.5, 0.80),
                                             "est.: 3.5 days mean critical care LOS / 365 / 0.80 occupancy")},
    "obstetrics": {"beds": (beds(2.0, 0.75), "est.: 2.0 days antenatal+postnatal LOS per birth / 365 / 0.75"),
                   "theatres": (0.0003, "est.: ~30% caesarean, ~1,000 caesareans per obstetric theatre-year")},
    "neonatal": {"beds": (beds(10.0, 0.80), "est.: 10 days mean neonatal stay / 365 / 0.80 (cots counted as beds)")},
    "paediatrics": {"beds": (beds(1.8, 0.75), "est.: 1.8 days mean paediatric LOS / 365 / 0.75")},
    "elective": {"beds": (beds(3.0, 0.85), "est.: 3.0 days mean elective LOS / 365 / 0.85"),
                 "theatres": (0.001, "est.: ~1,000 inpatient operations per theatre-year")},
    "stroke": {"beds": (beds(8.0, 0.90), "est.: 8 days HASU+acute stroke LOS / 365 / 0.90")},
    "cancer": {"beds": (beds(6.0, 0.85), "est.: 6 days mean LOS / 365 / 0.85"),
               "theatres": (0.0008, "est.: ~1,250 complex cancer operations per theatre-year")},
    "trauma": {"beds": (beds(9.0, 0.90), "est.: 9 days mean trauma LOS / 365 / 0.90"),
               "theatres": (0.0005, "est.: ~2,000 trauma operations per theatre-year")},
}


#: Original public sources the county instances cite (short names used in the files).
SENATE = ("South East Coast Clinical Senate, 'The clinical co-dependencies of acute hospital services' "
          "(December 2014)")
ALLEN_2017 = ("Allen M et al., 'Feasibility of a hyper-acute stroke unit model of care across England: a modelling "
              "analysis', BMJ Open 2017;7:e018143")
NEONATAL_SPEC = ("NHS England, 'Neonatal critical care (intensive care, HDU and special care)' service "
                 "specification E08/S/a (2015): neonatal units sit with the maternity unit whose babies they care for")

HAMPSHIRE_TOGETHER = ("Hampshire Together (Hampshire and Isle of Wight ICB with Hampshire Hospitals NHS FT), public "
                      "consultation on modernising hospitals in mid and north Hampshire, Dec 2023 - Mar 2024")
DORSET_CSR = "NHS Dorset CCG, Clinical Services Review public consultation (Dec 2016 - Feb 2017; dorsetsvision.nhs.uk)"

#: Co-dependencies of the county instances: (a, rule, b, within_min, mode, grade, source). Purple -> colocated,
#: amber -> within a transfer time (the senate's grades).
COUNTY_CODEPENDENCIES = [
    ("emergency", "colocated", "critical_care", None, None, "purple",
     f"type-1 ED needs critical care on site (S, {SENATE})"),
    ("emergency", "colocated", "urgent_care", None, None, "purple",
     "est. (encoding): a type-1 department sees the minor attendances that reach it"),
    ("obstetrics", "colocated", "critical_care", None, None, "purple",
     f"consultant-led obstetrics with critical care on the same site (S, {HAMPSHIRE_TOGETHER})"),
    ("obstetrics", "colocated", "neonatal", None, None, "purple",
     f"consultant-led obstetrics with a neonatal unit on the same site (S, {HAMPSHIRE_TOGETHER})"),
    ("neonatal", "colocated", "obstetrics", None, None, "purple",
     f"a neonatal unit only beside a consultant-led obstetric unit (S, {NEONATAL_SPEC})"),
    ("obstetrics", "colocated", "paediatrics", None, None, "purple",
     f"consultant-led maternity and inpatient paediatrics together (S, {DORSET_CSR})"),
    ("neonatal", "colocated", "paediatrics", None, None, "purple",
     f"local neonatal unit needs inpatient paediatrics (S, {SENATE})"),
    ("paediatrics", "colocated", "critical_care", None, None, "purple",
     "est. (K): a child who deteriorates on an inpatient ward is stabilised by the site's anaesthetic and critical "
     "care team before transfer to a paediatric ICU, so inpatient paediatrics stands only on a site with them"),
    ("stroke", "colocated", "emergency", None, None, "purple", f"HASU needs ED and CT on site (S/K, {SENATE})"),
    ("trauma", "colocated", "emergency", None, None, "purple", f"trauma care needs ED (S, {SENATE})"),
    ("trauma", "colocated", "critical_care", None, None, "purple",
     f"trauma / emergency surgery needs critical care (S, {SENATE})"),
    ("cancer", "colocated", "critical_care", None, None, "purple",
     f"complex cancer care needs critical care (S/K, {SENATE})"),
    ("elective", "within", "critical_care", 60, "bluelight", "amber",
     f"complex elective surgery needs critical care, amber: network transfer (S, {SENATE}); within 60 min est."),
]

#: Smallest viable unit by activity (min_volume), shared by the county instances: service -> (minimum, source).
#: Every figure est. with its method, except stroke's (S); a county may keep its own (its SERVICES' min_volume).
COUNTY_MIN_VOLUME = {
    "emergency": (9000, "viable size est.: ~25 majors a day, a third of the ~26,000 majors a year of a typical "
                        "type-1 department in these counties (Dorset's ~170,000 attendances over three, S/est., x 45%)"),
    "urgent_care": (5000, "viable size est.: ~14 minor attendances a day, a small community minor injuries unit"),
    "critical_care": (200, "viable size est.: ~200 admissions a year keep a 6-bed unit (min_capacity) "
                           "about a third occupied at 3.5 days a stay"),
    "obstetrics": (1000, "viable size est.: ~3 births a day, about half the smallest consultant-led unit in "
                         "these cases (Dorchester ~1,850 births 2014/15, S), rounded down"),
    "neonatal": (100, "viable size est.: ~10% (S) of the smallest viable obstetric unit's 1,000 births"),
    "paediatrics": (1500, "viable size est.: ~4 admissions a day for a unit with its own 24/7 rota"),
    "elective": (1000, "viable size est.: a year of one theatre's inpatient operations at this instance's "
                       "rate (~1,000)"),
    "stroke": (600, f"viable size S: >=600 admissions a year ({ALLEN_2017})"),
    "cancer": (1000, "viable size est.: ~3 complex cancer admissions a day"),
    "trauma": (200, "viable size est.: ~4 trauma admissions a week"),
}
#: Least resource on a site hosting a service (resource_use.csv min_capacity): (service, resource) -> (least, source).
COUNTY_MIN_CAPACITY = {
    ("critical_care", "critical_care_beds"): (
        6, "least 6 beds est.: adult ICUs range from four to over 50 beds (S, Royal College of Physicians, "
           "'Medical care: intensive care medicine, physical environment'); 6 taken as the least that carries "
           "its own 24/7 consultant rota (est.)"),
    ("elective", "theatres"): (
        2, "least 2 theatres est.: an inpatient surgical unit keeps one theatre free for returns to theatre"),
}


def split_attendances(services):
    """SERVICES with A&E attendances split: ``emergency`` keeps the majors, 1 - MINORS_SHARE of its rate; a new
    ``urgent_care`` (an urgent treatment centre, or the minors stream of an ED) takes the rest."""
    out = {}
    for sid, rec in services.items():
        if sid != "emergency":
            out[sid] = rec
            continue
        rate = rec["demand_per_1000"]
        out["emergency"] = {**rec, "name": "Type-1 emergency department (24/7 A&E, majors)",
                            "activity": "major A&E attendances", "demand_per_1000": round(rate * (1 - MINORS_SHARE), 3),
                            "source": f"{rec['source']}; majors only ({MINORS_SOURCE})"}
        out["urgent_care"] = dict(
            name="Urgent treatment centre (minor injuries and illness, 24/7)", activity="minor A&E attendances",
            demand_per_1000=round(rate * MINORS_SHARE, 3), min_sites=1, rotas_24_7=0, running_cost_gbp_m=3.0,
            opening_capital_gbp_m=3.0, source=f"{MINORS_SOURCE}; GP- and nurse-led, no consultant rota (est.); "
                                              "costs est.")
    return out


def with_viable_minima(services):
    """SERVICES with COUNTY_MIN_VOLUME's minimum (where a service states none) and its source appended."""
    out = {}
    for sid, rec in services.items():
        least, why = COUNTY_MIN_VOLUME[sid]
        out[sid] = rec if "min_volume" in rec else {**rec, "min_volume": least, "source": f"{rec['source']}; {why}"}
    return out


def scaled_zones(zones_raw, total):
    """Zones with raw populations scaled to ``total`` (rounded; the rounding remainder goes to the first)."""
    raw = sum(z[4] for z in zones_raw)
    out = [(*z[:4], round(z[4] * total / raw), *z[5:]) for z in zones_raw]
    out[0] = (*out[0][:4], out[0][4] + total - sum(z[4] for z in out), *out[0][5:])
    return out


def edges_with_lengths(nodes, edges, detour, speed):
    """roads.csv rows: great-circle length between the nodes × the class's detour factor."""
    pos = {n[0]: (n[1], n[2]) for n in nodes}
    rows = []
    for a, b, cls, name in edges:
        gc = float(haversine_km(*pos[a], *pos[b]))
        rows.append((a, b, cls, round(gc * detour[cls], 2), speed[cls], name,
                     f"est.: great-circle {gc:.2f} km x detour {detour[cls]} ({cls}); speed est."))
    return rows


# --- writing ----------------------------------------------------------------------------------

def fmt(value):
    """A CSV/YAML cell as the instance files write it: blank, true/false, 6 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def write_csv(path, header, rows, lineterminator="\n"):
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator=lineterminator)
        writer.writerow(header)
        writer.writerows([fmt(v) for v in row] for row in rows)


def yaml_scalar(value):
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else fmt(value)


SERVICE_KEYS = ["name", "activity", "demand_per_1000", "min_sites", "max_sites", "min_volume", "max_volume", "mode",
                "max_travel_min", "coverage_travel_min", "coverage_share", "rotas_24_7", "running_cost_gbp_m",
                "opening_capital_gbp_m", "tariff_gbp", "source"]

# --- neighbouring providers ------------------------------------------------------------------
#: Income per unit of activity (GBP) that leaves with a patient, for the services neighbours offer: national
#: average unit costs of 2016/17 (S, NHS Improvement reference costs 2016/17: A&E attendance 148, non-elective
#: spell 1,590, elective inpatient spell 3,684) and 3,700 per birth (S, National Audit Office, Maternity
#: services in England, 2013: GBP 2.6bn for ~700,000 births); paediatric, stroke and trauma admissions at the
#: non-elective average (est.).
COUNTY_TARIFF_GBP = {"emergency": 148, "obstetrics": 3700, "paediatrics": 1590, "elective": 3684, "stroke": 1590,
                     "trauma": 1590}
#: The retention curve (est., no local source; README): extra minutes beyond the nearest neighbour -> share leaving.
COUNTY_RETENTION = [(10, 0.1, "est.: a tenth leave when the group's site is 10 minutes farther than the nearest "
                              "neighbour (no local source; sweep retention.leaving)"),
                    (20, 0.3, "est.: linear between points, steeper as the detour grows"),
                    (30, 0.5, "est.: half leave at 30 extra minutes or more (held beyond)")]


def with_tariffs(services):
    """SERVICES with COUNTY_TARIFF_GBP's tariff where a neighbour may take their patients."""
    return {sid: {**rec, "tariff_gbp": COUNTY_TARIFF_GBP[sid]} if sid in COUNTY_TARIFF_GBP else rec
            for sid, rec in services.items()}


def write_neighbours(here, neighbours):
    """neighbours.csv, neighbour_services.csv and retention.csv from (id, name, lat, lon, source, services) rows;
    each neighbour is also a road node (NODES) joined by one link (EDGES), so no other travel time changes."""
    write_csv(here / "neighbours.csv", ["neighbour_id", "name", "lat", "lon", "source"], [n[:5] for n in neighbours])
    write_csv(here / "neighbour_services.csv", ["neighbour_id", "service_id", "spare_activity", "source"],
              [(n[0], sid, None, f"{why}; spare activity not published: no limit (est.)")
               for n in neighbours for sid, why in n[5].items()])
    write_csv(here / "retention.csv", ["extra_min", "leaving_share", "source"], COUNTY_RETENTION)


def write_county(spec):
    """Write every file of a county instance from the constants of its derive.py (``spec``)."""
    here, name, margin = Path(spec.HERE), spec.INSTANCE["name"], spec.MARGIN
    zones = scaled_zones(spec.ZONES_RAW, spec.POPULATION_TOTAL)
    points = [(s[2], s[3]) for s in spec.SITES] + [(z[2], z[3]) for z in zones] + [(n[1], n[2]) for n in spec.NODES]
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    lines = [f"name: {name}", f"title: {yaml_scalar(spec.INSTANCE['title'])}",
             f"description: {yaml_scalar(spec.INSTANCE['description'])}", f"year: {spec.INSTANCE['year']}",
             f"lat_min: {min(lats) - margin:.3f}", f"lat_max: {max(lats) + margin:.3f}",
             f"lon_min: {min(lons) - margin:.3f}", f"lon_max: {max(lons) + margin:.3f}",
             "roads: roads.csv", "default_mode: car", "baseline: status_quo"]
    if "decision" in spec.INSTANCE:
        lines.append(f"decision: {spec.INSTANCE['decision']}")
    if getattr(spec, "NEIGHBOURS", None):
        lines.append("neighbour_rule: none")
        write_neighbours(here, spec.NEIGHBOURS)
    (here / "instance.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_csv(here / "sites.csv", ["site_id", "name", "lat", "lon", "exists", "new_build_capital_gbp_m", "notes"],
              spec.SITES)
    write_csv(here / "zones.csv", ["zone_id", "name", "lat", "lon", "population", "deprivation_quintile", "group"],
              zones)
    write_csv(here / "road_nodes.csv", ["node_id", "lat", "lon", "name"], spec.NODES)
    write_csv(here / "roads.csv", ["from_node", "to_node", "road_class", "length_km", "speed_kmh", "name", "source"],
              edges_with_lengths(spec.NODES, spec.EDGES, spec.DETOUR, spec.SPEED))
    modes = [("car", c, 1.0, "est.: the road's car speed") for c in spec.SPEED] + \
            [("bluelight", c, 1.25, "est.: blue-light ~1/0.8 of car speed") for c in spec.SPEED]
    write_csv(here / "modes.csv", ["mode", "road_class", "speed_factor", "source"], modes)
    write_csv(here / "site_resources.csv",
              ["site_id", "resource", "capacity", "max_expansion", "expansion_capital_gbp_m", "source"],
              spec.SITE_RESOURCES)
    least = COUNTY_MIN_CAPACITY
    write_csv(here / "resource_use.csv", ["service_id", "resource", "per_activity", "min_capacity", "source"],
              [(s, r, round(v[0], 6), least.get((s, r), (None,))[0],
                v[1] + (f"; {least[s, r][1]}" if (s, r) in least else ""))
               for s, d in spec.RESOURCE_USE.items() for r, v in d.items()])
    write_csv(here / "codependencies.csv",
              ["service_a", "rule", "service_b", "within_min", "mode", "grade", "source"], spec.CODEPENDENCIES)
    out = [f"# Service lines of the {name} instance; written by derive.py (see README.md)."]
    for sid, rec in spec.SERVICES.items():
        out += [f"{sid}:"] + [f"  {k}: {yaml_scalar(rec[k])}" for k in SERVICE_KEYS if k in rec]
    (here / "services.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    out = [f"# Named configurations of the {name} instance; written by derive.py (see README.md)."]
    for oid, rec in spec.OPTIONS.items():
        out += [f"{oid}:", f"  name: {yaml_scalar(rec['name'])}", "  services:"]
        out += [f"    {site}: [{', '.join(svcs)}]" for site, svcs in rec["services"].items()]
        out += [f"  description: {yaml_scalar(rec['description'])}", f"  source: {yaml_scalar(rec['source'])}"]
    (here / "options.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")


# --- checks -----------------------------------------------------------------------------------

def path_sum(graph, source, target, weight="travel_min", attribute="length_km"):
    """Sum of ``attribute`` along the path from ``source`` to ``target`` that minimises ``weight``."""
    path = nx.shortest_path(graph, source, target, weight=weight)
    return sum(min(graph[u][v].values(), key=lambda edge: edge[weight])[attribute]
               for u, v in itertools.pairwise(path))


def option_hosts(instance, option_id):
    """{site: [services]} of a named option: its sites' roles, then the services it adds."""
    option = instance.options.loc[option_id]
    hosts = {site: list(instance.roles.loc[role, "services"]) for site, role in (option["roles"] or {}).items()}
    for site, extra in (option["services"] or {}).items():
        have = hosts.setdefault(site, [])
        have += [s for s in extra if s not in have]
    return hosts


def nearest_volumes(demand, sites, minutes):
    """Each zone's demand sent to the nearest of ``sites`` (the first listed wins a tie): volume per site.

    A site nearest to no zone is absent.
    """
    return demand.groupby(minutes[sites].idxmin(axis=1)).sum()


def derive_county(spec):
    """Write a county instance's files, load them with the optimiser and print the checks."""
    write_county(spec)
    instance = load_instance(spec.HERE)
    times = {mode: travel_times(instance, mode) for mode in ("car", "bluelight")}
    car, blue = times["car"], times["bluelight"]
    graph = road_graph(instance, "car")
    snapped = car.snapped.set_index(["kind", "id"])
    connector_kmh = instance.settings["connector_speed_kmh"]

    def trip(a, b):
        """Shortest road km and fastest car minutes between two places, connectors included."""
        (node_a, km_a), (node_b, km_b) = (snapped.loc[p, ["node_id", "snap_km"]] for p in (a, b))
        return (path_sum(graph, node_a, node_b, "length_km") + km_a + km_b,
                path_sum(graph, node_a, node_b, "travel_min", "travel_min") + (km_a + km_b) / connector_kmh * 60)

    print("== snapping (km to nearest node)")
    for place in car.snapped[car.snapped["snap_km"] > 1.0].itertuples():
        print(f"  {place.id}: {place.snap_km:.2f} km to {place.node_id}")
    print("== site-to-site road distance km / car min / bluelight min")
    for a, b in itertools.combinations(instance.sites["site_id"], 2):
        km = trip(("site", a), ("site", b))[0]
        print(f"  {a}-{b}: {km:.1f} km ({km / KM_PER_MILE:.1f} mi), {car.site_site_min.loc[a, b]:.0f} min car, "
              f"{blue.site_site_min.loc[a, b]:.0f} min blue")
    for a, b in spec.TOWN_PAIRS:
        km, minutes = trip(("zone", a), ("zone", b))
        print(f"  town {a}-{b}: {km:.1f} km ({km / KM_PER_MILE:.1f} mi), {minutes:.0f} min car")

    services, demand = instance.services, instance.demand
    pop = instance.zones.set_index("zone_id")["population"]
    print(f"== population total {pop.sum():.0f}")
    for s in services.index:
        print(f"  demand {s}: {demand[s].sum():.0f} {services.loc[s, 'activity']}")
    capacity = instance.site_resources.set_index(["site_id", "resource"])
    for oid in instance.options.index:
        print(f"== option {oid}")
        hosted = option_hosts(instance, oid)
        need = {}
        for s, svc in services.iterrows():
            hosts = [site for site, sv in hosted.items() if s in sv]
            if not hosts:
                print(f"  !! {s} hosted nowhere")
                continue
            volume = nearest_volumes(demand[s], hosts, car.zone_site_min)
            for site, v in volume.items():
                for res, (per, _) in spec.RESOURCE_USE.get(s, {}).items():
                    need[(site, res)] = need.get((site, res), 0) + v * per
            print(f"  {s:14s} " + ", ".join(f"{h} {volume.get(h, 0):.0f}" for h in hosts))
            for h in hosts:
                if volume.get(h, 0) < svc["min_volume"]:
                    print(f"  !! {s} at {h}: volume {volume.get(h, 0):.0f} < min {svc['min_volume']:g}")
            if pd.notna(svc["coverage_travel_min"]):
                mode = instance.mode_or_default(svc["mode"])
                nearest = times[mode].zone_site_min[hosts].min(axis=1)
                share = pop[nearest <= svc["coverage_travel_min"]].sum() / pop.sum()
                print(f"  {s}: {share:.1%} within {svc['coverage_travel_min']:g} min ({mode}), "
                      f"worst zone {nearest.max():.0f} min")
        for (site, res), u in sorted(need.items()):
            c, e = capacity.loc[(site, res), ["capacity", "max_expansion"]] if (site, res) in capacity.index else (0, 0)
            flag = "OK" if u <= c else ("needs expansion" if u <= c + e else "DOES NOT FIT")
            print(f"  {site:12s} {res:18s} need {u:7.1f}  capacity {c:5g} (+{e:g})  {flag}")
        for (s, res), (least, _) in COUNTY_MIN_CAPACITY.items():
            for site, sv in hosted.items():
                c, e = capacity.loc[(site, res), ["capacity", "max_expansion"]] if (site, res) in capacity.index \
                    else (0, 0)
                if s in sv and c + e < least:
                    print(f"  !! {s} at {site}: {res} {c:g} (+{e:g}) < least {least:g}")
        for rule in instance.codependencies.itertuples():
            for site, sv in hosted.items():
                if rule.service_a in sv and rule.rule == "colocated" and rule.service_b not in sv:
                    print(f"  !! {rule.service_a} at {site} without {rule.service_b}")
                if rule.service_a in sv and rule.rule == "within":
                    others = [h for h, s2 in hosted.items() if rule.service_b in s2]
                    t = times[instance.mode_or_default(rule.mode)].site_site_min.loc[site, others].min() \
                        if others else float("inf")
                    if t > rule.within_min:
                        print(f"  !! {rule.service_a} at {site}: {rule.service_b} {t:.0f} min away")
