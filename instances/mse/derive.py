"""Derive the computed numbers of the mse instance, so that they can be re-made and checked.

Run with the project's environment (it has the optimiser package):

    python derive.py            writes roads.csv and resource_use.csv, prints the demand
                                               rates and the road checks quoted in README.md
    python derive.py --check    also checks the named options: nearest-site (car) volumes,
                                               resources against capacity, coverage and the rules
    python derive.py --flips    also solves for the best configuration with the specialist emergency
                                               hospital at each site, and finds by bisection the weights
                                               and day-case share at which the best site changes
    python derive.py --neighbours  also solves under each neighbour rule (instance.yaml says none): the best
                                               configuration by SEH site, what leaves, and the weights on
                                               leaving activity and income at which the best site changes

Road lengths are great-circle distances between the junctions × DETOUR; bed, theatre and critical-care
use per unit of activity come from lengths of stay and occupancies (resource_use below). Every constant
is marked S (sourced, see README.md) or est. (estimate). Travel times and routes come from the
optimiser package (travel_times, road_graph); helpers shared with the other instances are in
../derive_common.py.
"""

import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from derive_common import KM_PER_MILE, beds, nearest_volumes, option_hosts, path_sum, write_csv  # noqa: E402

from optimiser import load_instance, road_graph, roads, travel_times  # noqa: E402
from optimiser.search.engine import Engine  # noqa: E402

EARTH_RADIUS_KM = 6371.0  # the radius roads.csv was made with (the package's 6371.0088 moves one edge by 0.01 km)
DETOUR = 1.03  # est.: road length / great-circle length between neighbouring nodes; calibrated, README.md
SPEED = {"motorway": 100, "dual": 80, "single": 60, "minor": 50, "urban": 35}  # km/h, est.
BLUELIGHT = 1.25  # est.: blue-light speed = car speed / 0.8
SLOWER = {"A127": "40-50 mph limits, signals", "A414": "single carriageway through Ongar and villages"}  # est.

# from to class road [speed override km/h]; class and road names est. from the road map
EDGES = """
gallows_corner m25_j28 dual A12 | m25_j28 a12_j11 dual A12 | a12_j11 a12_j12 dual A12
a12_j12 a12_j14 dual A12 | a12_j14 a12_j15 dual A12 | a12_j15 howe_green dual A12
howe_green a12_j18 dual A12 | a12_j18 a12_j19 dual A12 | a12_j19 a12_j21 dual A12
m25_j28 m25_j29 motorway M25 | m25_j29 m25_j30 motorway M25
gallows_corner m25_j29 dual A127 | m25_j29 a127_halfway dual A127 | a127_halfway a127_noak dual A127
a127_noak a127_nevendon dual A127 | a127_nevendon fairglen dual A127 | fairglen rayleigh_weir dual A127
rayleigh_weir a127_kent_elms dual A127 60 | a127_kent_elms a127_prittlewell dual A127 60
a127_prittlewell a127_cuckoo dual A127 60 | a127_cuckoo southend_centre urban A127_Victoria_Avenue
m25_j30 a13_stifford dual A13 | a13_stifford a13_a1089 dual A13 | a13_a1089 orsett_cock dual A13
orsett_cock a13_stanford dual A13 | a13_stanford a13_vange dual A13 | a13_vange a13_pitsea dual A13
a13_pitsea sadlers_farm dual A13 | sadlers_farm benfleet single A13 | benfleet a13_hadleigh urban A13
a13_hadleigh leigh urban A13 | leigh westcliff urban A13 | westcliff southend_centre urban A13
howe_green rettendon dual A130 | rettendon carpenters_arms dual A130 | carpenters_arms fairglen dual A130
fairglen sadlers_farm dual A130 | sadlers_farm canvey_waterside single A130 | canvey_waterside canvey urban A130
a12_j19 little_waltham dual A130 | little_waltham great_leighs single A131 | great_leighs braintree single A131
braintree halstead single A131 | broomfield_hosp little_waltham minor B1008
chelmsford_1 broomfield_hosp urban B1008 | chelmsford_centre chelmsford_1 urban B1008
chelmsford_centre army_navy urban A1099 | chelmsford_2 army_navy urban A1114 | chelmsford_centre prosper urban town
prosper chelmsford_1 urban town | prosper a12_j15 urban A1016 | chelmsford_centre a12_j15 urban A1016
army_navy chelmsford_1 single A138 | chelmsford_centre springfield urban A1099
springfield a12_j19 dual A138 | army_navy a12_j18 dual A1114
a12_j18 danbury single A414 | danbury maldon single A414 | maldon witham minor B1018
witham a12_j21 urban B1389 | witham braintree minor B1018 | maldon latchingdon minor B1018
latchingdon burnham minor B1010 | south_woodham latchingdon minor B1012 | rettendon south_woodham single A132
rettendon wickford single A132 | wickford a127_nevendon dual A132 | wickford carpenters_arms single A129
carpenters_arms rayleigh single A129 | rayleigh rayleigh_weir urban A129 | rayleigh hockley minor B1013
hockley rochford minor B1013 | rochford southend_hosp urban Rochford_Road | rochford a127_cuckoo urban Sutton_Road
a127_prittlewell southend_hosp urban Prittlewell_Chase | westcliff southend_hosp urban town
a127_cuckoo southend_east single A1159 | southend_centre southend_east urban A13
a127_kent_elms leigh urban A1015 | rayleigh_weir a13_hadleigh single A129 | canvey_waterside benfleet minor B1014
a127_noak billericay single A176 | a127_noak basildon_centre urban A176 | basildon_centre basildon_hosp urban A176
basildon_hosp a13_vange single A176 | laindon basildon_centre urban town | laindon basildon_hosp urban Nethermayne
laindon a127_noak urban B1007 | basildon_centre a127_nevendon urban A1235 | a127_nevendon pitsea single A132
pitsea a13_pitsea urban A132 | basildon_hosp pitsea urban B1464
billericay wickford single A129 | billericay brentwood single A129 | billericay stock minor B1007
stock galleywood minor B1007 | galleywood chelmsford_2 minor B1007
brentwood m25_j28 urban A1023 | brentwood a12_j11 urban A128 | brentwood a127_halfway single A128
orsett_cock a127_halfway single A128 | grays a13_stifford single A1012 | grays tilbury urban A126
tilbury a13_a1089 dual A1089 | grays m25_j30 single A1306 | south_ockendon m25_j30 minor B186
south_ockendon m25_j29 minor B186 | south_ockendon a13_stifford minor B1335 | corringham a13_stanford urban A1014
a12_j21 colchester_hosp dual A12 | prosper pah_harlow single A414 45 | gallows_corner queens_romford urban A12
gallows_corner whipps_cross urban A12
"""

# Bed days (or theatre or critical-care use) per unit of activity and occupancy; all est. (README.md).
# Emergency length of stay is solved so that the bed days of emergency, major_emergency, paediatrics
# and elective equal the sourced 296.4 bed days per 1,000 a year (S, 2016 STP update, 2016/17).
BED_DAYS_PER_1000 = 296.4  # S
EMERGENCY_ADMISSIONS_PER_1000 = 91.3  # S
OCC_GA, OCC_WOMEN_CHILD, OCC_CC = 0.90, 0.85, 0.85  # est.
DAY_CASE_SHARE = 0.80  # S: 80.4% of elective admissions in England, 2008-13 (NHS England hospital activity)
DAY_CASE_RANGE = (0.5, 0.95)  # est.: shares a flip search tries (the national share has risen from ~50% in 1990)
ELECTIVE_BED_DAYS, ELECTIVE_OPERATED = 0.30, 0.30  # est.: per elective admission, day cases and inpatients together


def rates(pop):
    """Demand per 1,000 residents a year for each service (README.md says how each is made)."""
    births = 11_050 / pop * 1000  # est. from S monthly births at the three sites
    major = 0.20 * EMERGENCY_ADMISSIONS_PER_1000 + 2.0  # est.: emergency surgery 20% + stroke 2.0
    paeds = 9.0  # est.
    elective = 217_000 / pop * 1000  # est. (13k = 6%)
    return {
        "emergency": 277_000 / pop * 1000,  # est. from the 2016 STP's cuts (36k = 13%)
        "major_emergency": major,
        "critical_care": 2.8, "obstetrics": 0.9 * births, "specialist_obstetrics": 0.1 * births,
        "neonatal": births / 7,  # S: about 1 in 7 babies admitted to neonatal care (Bliss, NNAP 2016)
        "paediatrics": paeds, "paediatric_hdu": 0.02 * paeds,  # est.: 2% of children's admissions
        "paediatric_surgery": 1.0,  # est.
        "day_surgery": DAY_CASE_SHARE * elective, "elective_inpatient": (1 - DAY_CASE_SHARE) * elective,
        "cancer": 2.4, "specialist_urology": 0.3, "cardiothoracic": 2.4, "burns": 1.0, "vascular": 0.6,
        "vascular_spoke": 1.0,
        "_medical_admissions": EMERGENCY_ADMISSIONS_PER_1000 - major - paeds,
        "_elective": elective,
    }


def resource_use(r):
    """(service, resource, per_activity, how) rows of resource_use.csv."""
    major_los, paeds_los = 3.5, 1.3  # est. bed days per admission
    inpatient_los = ELECTIVE_BED_DAYS / (1 - DAY_CASE_SHARE)  # day cases occupy no overnight bed
    day_operated = 0.15  # est.: most day cases (endoscopy, minor procedures) use no main theatre
    inpatient_operated = (ELECTIVE_OPERATED - DAY_CASE_SHARE * day_operated) / (1 - DAY_CASE_SHARE)
    rest = BED_DAYS_PER_1000 - r["_elective"] * ELECTIVE_BED_DAYS - r["major_emergency"] * major_los \
        - r["paediatrics"] * paeds_los
    medical_los = rest / r["_medical_admissions"]
    per_attendance = r["_medical_admissions"] / r["emergency"] * medical_los
    return [
        ("emergency", "beds", beds(per_attendance, OCC_GA),
         f"est.: {r['_medical_admissions'] / r['emergency']:.3f} medical admissions per attendance x "
         f"{medical_los:.2f} days (solved to match 296.4 bed days/1000, S) / 365 / {OCC_GA}"),
        ("major_emergency", "beds", beds(major_los, OCC_GA), f"est.: LOS {major_los} days / 365 / {OCC_GA}"),
        ("major_emergency", "theatres", 0.4 / 1300, "est.: 0.4 operations per admission / 1,300 per 24/7 theatre"),
        ("critical_care", "critical_care_beds", beds(4.5, OCC_CC), f"est.: ICU LOS 4.5 days / 365 / {OCC_CC}"),
        ("obstetrics", "beds", beds(2.2, OCC_WOMEN_CHILD), f"est.: 2.2 bed days per birth / 365 / {OCC_WOMEN_CHILD}"),
        ("obstetrics", "theatres", 1 / 2500, "est.: one obstetric theatre per 2,500 births"),
        ("specialist_obstetrics", "beds", beds(4.0, OCC_WOMEN_CHILD),
         f"est.: 4 bed days per high-risk birth / 365 / {OCC_WOMEN_CHILD}"),
        ("specialist_obstetrics", "theatres", 1 / 1500, "est.: higher caesarean rate, one theatre per 1,500"),
        ("paediatrics", "beds", beds(paeds_los, OCC_WOMEN_CHILD),
         f"est.: LOS {paeds_los} days / 365 / {OCC_WOMEN_CHILD}"),
        ("paediatric_hdu", "beds", beds(3.0, OCC_WOMEN_CHILD), f"est.: 3 HDU days / 365 / {OCC_WOMEN_CHILD}"),
        ("paediatric_surgery", "beds", beds(1.5, OCC_WOMEN_CHILD), f"est.: 1.5 bed days / 365 / {OCC_WOMEN_CHILD}"),
        ("paediatric_surgery", "theatres", 0.8 / 1500, "est.: 0.8 operations per admission / 1,500 per theatre"),
        ("day_surgery", "theatres", day_operated / 2200,
         f"est.: {day_operated:.0%} of day cases in a main theatre / 2,200 cases per theatre a year"),
        ("elective_inpatient", "beds", beds(inpatient_los, OCC_GA),
         f"est.: {inpatient_los:.1f} bed days per inpatient admission (the {ELECTIVE_BED_DAYS} bed days per elective "
         f"admission, all on the {1 - DAY_CASE_SHARE:.0%} inpatients) / 365 / {OCC_GA}"),
        ("elective_inpatient", "theatres", inpatient_operated / 2200,
         f"est.: {inpatient_operated:.0%} operated (with day cases, {ELECTIVE_OPERATED:.0%} of elective admissions) / "
         "2,200 cases per theatre a year"),
        ("specialist_urology", "beds", beds(5.0, OCC_GA), f"est.: 5 bed days per operation / 365 / {OCC_GA}"),
        ("specialist_urology", "theatres", 1 / 500, "est.: one major operation / 500 per theatre a year"),
        ("specialist_urology", "critical_care_beds", beds(0.5, OCC_CC), "est.: 0.5 ICU days per operation"),
        ("cancer", "beds", beds(5.0, OCC_GA), f"est.: 5 oncology bed days per patient / 365 / {OCC_GA}"),
        ("cardiothoracic", "beds", beds(3.0, OCC_GA), f"est.: 3 bed days (PCI 1, surgery 7) / 365 / {OCC_GA}"),
        ("cardiothoracic", "theatres", 0.25 / 400, "est.: 25% surgical / 400 operations per theatre"),
        ("cardiothoracic", "critical_care_beds", beds(0.4, OCC_CC), "est.: 0.4 ICU days per patient"),
        ("burns", "beds", beds(6.0, OCC_GA), f"est.: 6 bed days per admission / 365 / {OCC_GA}"),
        ("burns", "theatres", 0.5 / 800, "est.: 0.5 operations per admission / 800 per theatre"),
        ("burns", "critical_care_beds", beds(0.5, OCC_CC), "est.: 0.5 burns ICU days per admission"),
        ("vascular", "beds", beds(8.0, OCC_GA), f"est.: 8 bed days per arterial admission / 365 / {OCC_GA}"),
        ("vascular", "theatres", 0.8 / 400, "est.: 0.8 operations per admission / 400 per theatre"),
        ("vascular", "critical_care_beds", beds(1.5, OCC_CC), "est.: 1.5 ICU days per arterial admission"),
        ("vascular_spoke", "beds", beds(0.5, OCC_GA), "est.: 0.5 bed days (day case and short stay)"),
        ("vascular_spoke", "theatres", 0.5 / 2000, "est.: 0.5 operations per case / 2,000 per theatre"),
    ]


def great_circle_km(lat1, lon1, lat2, lon2):
    return roads.haversine_km(lat1, lon1, lat2, lon2) * (EARTH_RADIUS_KM / roads.EARTH_RADIUS_KM)


def road_rows(nodes):
    """roads.csv rows: one per EDGES entry, great-circle length x DETOUR, the class speed unless overridden."""
    rows = []
    for edge in EDGES.replace("\n", "|").split("|"):
        if edge.strip():
            a, b, cls, road, *speed = edge.split()
            km = great_circle_km(*nodes.loc[a, ["lat", "lon"]], *nodes.loc[b, ["lat", "lon"]])
            rows.append((a, b, cls, round(float(km) * DETOUR, 2), int(speed[0]) if speed else SPEED[cls], "false",
                         road.replace("_", " "), f"est.: great-circle x {DETOUR}; speed of class" + (
                             f" lowered ({SLOWER[road]})" if speed else "")))
    return rows


def check(instance, times, use):
    """Nearest-site (car time) allocation for every named option: volumes, resources, coverage, rules."""
    car = times["car"]
    sites, services, demand = list(instance.sites["site_id"]), instance.services, instance.demand
    pop = instance.zones.set_index("zone_id")["population"]
    capacity = instance.site_resources.set_index(["site_id", "resource"])["capacity"]
    for oid in instance.options.index:
        hosts = option_hosts(instance, oid)
        volume, need = {}, {}
        print(f"\n== {oid}: " + "; ".join(f"{s}: {' '.join(sorted(v))}" for s, v in hosts.items()))
        for svc, spec in services.iterrows():
            at = [s for s in sites if svc in hosts.get(s, ())]
            if not at:
                print(f"   {svc}: hosted nowhere")
                continue
            for site, v in nearest_volumes(demand[svc], at, car.zone_site_min).items():
                volume[(site, svc)] = v
            if pd.notna(spec["coverage_travel_min"]):
                nearest = times[instance.mode_or_default(spec["mode"])].zone_site_min[at].min(axis=1)
                covered = pop[nearest <= spec["coverage_travel_min"]].sum()
                print(f"   {svc}: {covered / pop.sum():.1%} within {spec['coverage_travel_min']:g} min")
        for (site, svc), v in volume.items():
            for s2, res, per, _ in use:
                if s2 == svc:
                    need[(site, res)] = need.get((site, res), 0) + v * per
        print("   volumes: " + "; ".join(f"{k[0]}/{k[1]} {v:,.0f}" for k, v in sorted(volume.items())
                                         if k[1] in ("obstetrics", "major_emergency", "emergency")))
        for res in ("beds", "theatres", "critical_care_beds"):
            print(f"   {res} need/capacity: " + ", ".join(
                f"{s} {need.get((s, res), 0):.0f}/{capacity[(s, res)]:.0f}" for s in sites) +
                f"; total {sum(need.get((s, res), 0) for s in sites):.0f}/{sum(capacity[(s, res)] for s in sites):.0f}")
        for svc, spec in services.iterrows():  # site counts
            n = sum(svc in v for v in hosts.values())
            if n < spec["min_sites"] or (pd.notna(spec["max_sites"]) and n > spec["max_sites"]):
                print(f"   BREAKS site count: {svc} at {n} sites")
        for rule in instance.codependencies.itertuples():  # co-dependencies
            a, b = rule.service_a, rule.service_b
            minutes = times[instance.mode_or_default(rule.mode)].site_site_min
            for site in (s for s in sites if a in hosts.get(s, ())):
                ok = (b in hosts[site] if rule.rule == "colocated" else
                      any(b in hosts.get(o, ()) and minutes.loc[site, o] <= rule.within_min for o in sites))
                if not ok:
                    print(f"   BREAKS {a} {rule.rule} {b} at {site}")


def seh_engines(instance):
    """One engine per site with the specialist emergency hospital (major_emergency) given there, so that
    each solves for the best configuration of its kind."""
    engines = {}
    for site in instance.sites["site_id"]:
        pinned = pd.DataFrame([{"site_id": site, "service_id": "major_emergency", "hosts": True, "source": "flips"}])
        givens = pd.concat([instance.givens, pinned], ignore_index=True)
        engines[site] = Engine.build(replace(instance, tables={**instance.tables, "givens": givens}))
    scales = {tuple(sorted(e.scales.items())) for e in engines.values()}
    assert len(scales) == 1, "the engines' objectives must share their scales to be compared"
    return engines


def best_seh_site(engines, weights=None):
    """Where the best configuration puts the specialist emergency hospital, and each site's best objective
    (infinite where no configuration with it there meets every rule)."""
    results = {site: engine.solve(weights=weights) for site, engine in engines.items()}
    best = {site: r.ranked[0].objective if r.ranked else float("inf") for site, r in results.items()}
    return min(best, key=best.get), best


def bisect(site_at, low, high, tolerance):
    """The interval (low, high] in which ``site_at`` changes from its value at ``low``, or None if it is
    the same at both ends (the first change found, if there are several)."""
    first = site_at(low)
    if site_at(high) == first:
        return None
    while high - low > tolerance:
        middle = (low + high) / 2
        low, high = (middle, high) if site_at(middle) == first else (low, middle)
    return low, high, first, site_at(high)


def weighted_demand(instance, day_case_share):
    """The instance with elective admissions split at ``day_case_share`` instead of DAY_CASE_SHARE."""
    demand = instance.demand.copy()
    demand["day_surgery"] *= day_case_share / DAY_CASE_SHARE
    demand["elective_inpatient"] *= (1 - day_case_share) / (1 - DAY_CASE_SHARE)
    return replace(instance, demand=demand)


def flip_range(site_at, value, low_end, high_end, tolerance):
    """Where ``site_at`` first changes going down from ``value`` to ``low_end``, and going up to ``high_end``."""
    return {"down": bisect(lambda x: site_at(-x), -value, -low_end, tolerance) if value > low_end else None,
            "up": bisect(site_at, value, high_end, tolerance)}


def say(label, site, found):
    for side, flip in found.items():
        print(f"  {label} {side}: " + (f"{flip[2]} -> {flip[3]} between {abs(flip[0]):.4g} and {abs(flip[1]):.4g}"
                                       if flip else f"{site} throughout"))


def flips(instance):
    """The best site for the specialist emergency hospital, and the assumptions that move it (README.md):
    each weight from 0 to 20 times its value (2 for a weight of 0), the day-case share over DAY_CASE_RANGE,
    and the SEH model without day surgery."""
    engines = seh_engines(instance)
    site, best = best_seh_site(engines)
    print("\nbest objective by specialist emergency hospital site: " +
          ", ".join(f"{s} {v:.6f}" for s, v in sorted(best.items(), key=lambda kv: kv[1])))
    for criterion, weight in instance.weights.items():
        say(f"{criterion} {weight:g}", site, flip_range(lambda w, c=criterion: best_seh_site(engines, {c: w})[0],
                                                        weight, 0.0, max(20 * weight, 2.0), max(weight, 0.1) * 1e-3))
    say(f"day-case share {DAY_CASE_SHARE:g} (within {DAY_CASE_RANGE})", site,
        flip_range(lambda share: best_seh_site(seh_engines(weighted_demand(instance, share)))[0], DAY_CASE_SHARE,
                   *DAY_CASE_RANGE, 1e-3))
    no_day_surgery = instance.roles.copy()
    no_day_surgery.at["seh", "services"] = [s for s in no_day_surgery.at["seh", "services"] if s != "day_surgery"]
    plain = best_seh_site(seh_engines(replace(instance, tables={**instance.tables, "roles": no_day_surgery})))
    print(f"  without day surgery in the specialist emergency hospital: best at {plain[0]} " +
          ", ".join(f"{s} {v:.6f}" for s, v in sorted(plain[1].items(), key=lambda kv: kv[1])))


def neighbour_effects(instance):
    """Under the retention curve and the nearest-provider rule: the best objective with the SEH at each site,
    the activity and income leaving, and the leaving and income_leaving weights that move the SEH."""
    for rule in ("retention", "nearest"):
        ruled = replace(instance, settings={**instance.settings, "neighbour_rule": rule})
        engines = seh_engines(ruled)
        results = {site: engine.solve().ranked[0] for site, engine in engines.items()}
        print(f"\n{rule}: " + ", ".join(f"SEH at {s} {r.objective:.6f} (leaving {r.criteria['leaving']:,.0f} a year, "
                                        f"GBP {r.criteria['income_leaving']:.2f}m)" for s, r in results.items()))
        site, _ = best_seh_site(engines)
        for criterion in ("leaving", "income_leaving"):
            say(f"{criterion} 0", site, flip_range(lambda w, c=criterion, e=engines: best_seh_site(e, {c: w})[0],
                                                     0.0, 0.0, 20.0, 1e-3))


def main():
    nodes = pd.read_csv(HERE / "road_nodes.csv").set_index("node_id")
    pop = pd.read_csv(HERE / "zones.csv")["population"].sum()
    r = rates(pop)
    print(f"population {pop:,.0f}")
    for svc, rate in r.items():
        print(f"  {svc:24s} {rate:8.3f} per 1000 -> {rate * pop / 1000:9,.0f} a year")
    use = resource_use(r)
    write_csv(HERE / "resource_use.csv", ["service_id", "resource", "per_activity", "source"], use,
              lineterminator="\r\n")
    write_csv(HERE / "roads.csv", ["from_node", "to_node", "road_class", "length_km", "speed_kmh", "oneway", "name",
                                   "source"], road_rows(nodes), lineterminator="\r\n")
    instance = load_instance(HERE)
    times = {mode: travel_times(instance, mode) for mode in ("car", "bluelight")}
    graph = road_graph(instance, "car")
    node = times["car"].snapped.set_index(["kind", "id"])["node_id"]
    sites = list(instance.sites["site_id"])
    for a, b in ((a, b) for a in sites for b in sites if b > a):  # hospital pairs: fastest car route
        km = path_sum(graph, node["site", a], node["site", b])
        straight = great_circle_km(*instance.sites.loc[a, ["lat", "lon"]], *instance.sites.loc[b, ["lat", "lon"]])
        print(f"  {a}-{b}: {km:.1f} km = {km / KM_PER_MILE:.1f} miles, car {times['car'].site_site_min.loc[a, b]:.0f} "
              f"min, blue-light {times['bluelight'].site_site_min.loc[a, b]:.0f} min, straight {straight:.1f} km")
    # the A127 from Romford to Southend, and the A414 from Chelmsford to Maldon
    print(f"  A127 Gallows Corner-Southend centre: {path_sum(graph, 'gallows_corner', 'southend_centre'):.1f} km")
    print(f"  A414 Army and Navy-Maldon: {path_sum(graph, 'army_navy', 'maldon'):.1f} km")
    snapped = times["car"].snapped
    print(f"  largest zone-to-node distance {snapped.loc[snapped['kind'] == 'zone', 'snap_km'].max():.2f} km")
    if "--check" in sys.argv:
        check(instance, times, use)
    if "--flips" in sys.argv:
        flips(instance)
    if "--neighbours" in sys.argv:
        neighbour_effects(instance)


if __name__ == "__main__":
    main()
