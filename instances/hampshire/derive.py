#!/usr/bin/env python3
"""Derive the numbers of the `hampshire` instance and write its files (standard library only).

Run:  python3 derive.py          (writes every CSV/YAML file of this folder and prints the checks)

Everything numeric lives here, marked S (sourced; source in README.md) or est. (estimate).
The script also runs the checks quoted in README.md: road distances between sites, demand per
service, and capacity against need per site for each named option, allocating each zone's
demand to the nearest hosting site by car (a simple stand-in for the engine's allocation).
"""
import csv
import heapq
import json
import math
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- instance -----------------------------------------------------------------------------
INSTANCE = dict(
    name="hampshire",
    title="Hampshire Hospitals (north and mid Hampshire): centralise on one site, or build at M3 J7?",
    description=("Hampshire Hospitals NHS FT (Basingstoke, Winchester, Andover) and the candidate "
                 "greenfield site at M3 junction 7. Population total sourced (570,000); zones, "
                 "activity rates, capacities and costs are estimates (see README.md). The "
                 "'option 6' configurations centralise every essential service on one existing "
                 "site using existing buildings and do not fit its bed and critical-care capacity."),
    year=2019,
)
MARGIN = 0.05  # degrees of margin around every site, zone and node

# --- sites (CASES.md; S unless marked) ----------------------------------------------------
# id, name, lat, lon, exists, new_build_capital_gbp_m, notes
SITES = [
    ("basingstoke", "Basingstoke and North Hampshire Hospital", 51.279, -1.111, True, 0,
     "450 beds, ~43,000 ED attendances, >2,800 births a year (S, Wikipedia); Hampshire Hospitals Heart Centre (S)"),
    ("winchester", "Royal Hampshire County Hospital", 51.062, -1.329, True, 0,
     "Trust hyper-acute stroke unit (Twyford ward, 24 beds, S)"),
    ("andover", "Andover War Memorial Hospital", 51.215, -1.490, True, 0,
     "community hospital: minor injuries, midwife-led birth centre ~4 births a week (S); coordinates est."),
    ("m3j7", "Candidate new hospital near M3 junction 7", 51.22, -1.16, False, 700,
     "greenfield, does not exist today; coordinates est.; capital est.: the 2023 consultation's GBP 700-900m "
     "programme (S) less GBP 89-141m for Winchester (S) leaves ~GBP 560-810m for the new hospital, taken as 700 (est.)"),
]

# --- zones: towns/areas the trust serves (coordinates est.; raw population est., scaled) ---
# id, name, lat, lon, raw population est., IMD quintile est., group
ZONES_RAW = [
    ("basingstoke", "Basingstoke town", 51.266, -1.087, 112000, 3, "Basingstoke and Deane"),
    ("tadley", "Tadley, Baughurst and Kingsclere", 51.345, -1.140, 26000, 5, "Basingstoke and Deane"),
    ("oakley_overton", "Oakley and Overton", 51.243, -1.250, 14000, 5, "Basingstoke and Deane"),
    ("whitchurch", "Whitchurch and the Bournes", 51.229, -1.338, 10000, 5, "Basingstoke and Deane"),
    ("hook", "Hook, Odiham and Hartley Wintney", 51.279, -0.963, 28000, 5, "Hart"),
    ("alton", "Alton and Four Marks", 51.149, -0.974, 36000, 4, "East Hampshire"),
    ("andover", "Andover", 51.208, -1.480, 52000, 3, "Test Valley"),
    ("test_valley_north", "Ludgershall fringe, Weyhill and Test Valley north villages", 51.235, -1.560, 14000, 4, "Test Valley"),
    ("stockbridge", "Stockbridge and the Test valley", 51.113, -1.492, 10000, 4, "Test Valley"),
    ("romsey", "Romsey (share served by Winchester)", 50.989, -1.499, 12000, 5, "Test Valley"),
    ("winchester", "Winchester city", 51.063, -1.316, 48000, 5, "Winchester"),
    ("kings_worthy", "Kings Worthy, Sutton Scotney and Micheldever", 51.140, -1.320, 14000, 5, "Winchester"),
    ("twyford", "Twyford, Colden Common and Otterbourne", 51.010, -1.310, 14000, 5, "Winchester"),
    ("alresford", "Alresford and the Itchen valley", 51.089, -1.162, 12000, 5, "Winchester"),
    ("bishops_waltham", "Bishop's Waltham and the Meon valley", 50.955, -1.212, 20000, 4, "Winchester"),
    ("eastleigh_north", "Chandler's Ford and North Baddesley (share)", 50.984, -1.385, 40000, 4, "Eastleigh"),
    ("whitehill_bordon", "Bordon and Whitehill (share)", 51.113, -0.860, 10000, 3, "East Hampshire"),
]
POPULATION_TOTAL = 570000  # S: seed 002 "approximately 570,000 people"; CASES.md 550,000-600,000

# --- road graph ---------------------------------------------------------------------------
SPEED = {"motorway": 100, "dual": 80, "single": 60, "minor": 50, "urban": 35}  # km/h, est. (brief)
DETOUR = {"motorway": 1.05, "dual": 1.08, "single": 1.20, "minor": 1.25, "urban": 1.25}  # est.
NODES = [  # id, lat, lon, name  (coordinates est. from maps, to ~0.5 km)
    ("bas_hosp", 51.279, -1.111, "Basingstoke hospital, A339 Aldermaston Road"),
    ("bas_town", 51.266, -1.087, "Basingstoke town centre (Ringway)"),
    ("bas_kempshott", 51.245, -1.133, "A30 Kempshott roundabout, Basingstoke"),
    ("m3_j5", 51.268, -0.955, "M3 J5 Hook"),
    ("m3_j6", 51.250, -1.067, "M3 J6 Basingstoke (Black Dam)"),
    ("m3_j7", 51.221, -1.163, "M3 J7 Dummer"),
    ("m3_j8", 51.192, -1.232, "M3 J8 A303 (Popham)"),
    ("m3_j9", 51.073, -1.293, "M3 J9 Winnall / A34 / A31"),
    ("m3_j11", 51.036, -1.305, "M3 J11 St Cross / Twyford"),
    ("m3_j12", 50.990, -1.362, "M3 J12-13 Chandler's Ford"),
    ("a30_popham", 51.203, -1.250, "A30 Popham"),
    ("sutton_scotney", 51.160, -1.340, "A30 / A34 Sutton Scotney"),
    ("kings_worthy", 51.140, -1.320, "Kings Worthy / Micheldever area"),
    ("bullington", 51.184, -1.373, "A303 / A34 Bullington Cross"),
    ("a303_andover", 51.203, -1.440, "A303 / A3093 Andover east"),
    ("andover", 51.208, -1.480, "Andover town centre"),
    ("and_hosp", 51.215, -1.490, "Andover War Memorial Hospital"),
    ("weyhill", 51.218, -1.545, "A303 / A342 Weyhill (Andover west)"),
    ("test_valley_north", 51.235, -1.560, "Test Valley north villages"),
    ("a34_whitchurch", 51.233, -1.323, "A34 / B3400 Whitchurch"),
    ("whitchurch", 51.229, -1.338, "Whitchurch"),
    ("oakley_overton", 51.243, -1.250, "B3400 Overton / Oakley"),
    ("tadley", 51.345, -1.140, "Tadley (A340)"),
    ("hook", 51.279, -0.963, "Hook"),
    ("alton", 51.149, -0.974, "Alton (A31 / A339)"),
    ("whitehill_bordon", 51.113, -0.860, "Bordon (A325)"),
    ("alresford", 51.089, -1.162, "New Alresford (A31)"),
    ("win_town", 51.063, -1.316, "Winchester city centre"),
    ("win_hosp", 51.062, -1.329, "Royal Hampshire County Hospital, Romsey Road"),
    ("twyford", 51.010, -1.310, "Twyford / Colden Common"),
    ("bishops_waltham", 50.955, -1.212, "Bishop's Waltham"),
    ("stockbridge", 51.113, -1.492, "Stockbridge (A30 / A3057 / A272)"),
    ("romsey", 50.989, -1.499, "Romsey"),
    ("chandlers_ford", 50.984, -1.385, "Chandler's Ford"),
]
EDGES = [  # from, to, class, road name
    ("m3_j5", "m3_j6", "motorway", "M3"), ("m3_j6", "m3_j7", "motorway", "M3"),
    ("m3_j7", "m3_j8", "motorway", "M3"), ("m3_j8", "m3_j9", "motorway", "M3"),
    ("m3_j9", "m3_j11", "motorway", "M3"), ("m3_j11", "m3_j12", "motorway", "M3"),
    ("m3_j8", "bullington", "dual", "A303"), ("bullington", "a303_andover", "dual", "A303"),
    ("a303_andover", "weyhill", "dual", "A303"),
    ("bullington", "a34_whitchurch", "dual", "A34"), ("bullington", "sutton_scotney", "dual", "A34"),
    ("sutton_scotney", "m3_j9", "dual", "A34"),
    ("bas_kempshott", "m3_j7", "single", "A30"), ("m3_j7", "a30_popham", "single", "A30"),
    ("a30_popham", "sutton_scotney", "single", "A30"), ("sutton_scotney", "stockbridge", "single", "A30"),
    ("bas_town", "m3_j6", "urban", "A339 Ringway"), ("bas_town", "bas_hosp", "urban", "A339 Ringway"),
    ("bas_town", "bas_kempshott", "urban", "A30 Winchester Road"), ("bas_hosp", "bas_kempshott", "urban", "A340/Ringway west"),
    ("bas_hosp", "tadley", "single", "A340"), ("m3_j5", "hook", "urban", "A287 / B3349"),
    ("hook", "bas_town", "single", "A30"), ("m3_j6", "alton", "single", "A339"),
    ("alton", "whitehill_bordon", "single", "A31 / A325"), ("alton", "alresford", "single", "A31"),
    ("alresford", "m3_j9", "dual", "A31"), ("m3_j9", "win_town", "urban", "A3090 / Easton Lane"),
    ("win_town", "win_hosp", "urban", "Romsey Road"), ("win_town", "kings_worthy", "urban", "A33 / B3047"),
    ("kings_worthy", "sutton_scotney", "minor", "A33 / B3047"), ("kings_worthy", "m3_j9", "urban", "A33"),
    ("m3_j11", "twyford", "minor", "B3335"), ("twyford", "bishops_waltham", "minor", "B2177"),
    ("bishops_waltham", "m3_j11", "minor", "B3354 Morestead"),
    ("win_hosp", "romsey", "single", "A3090"), ("win_hosp", "stockbridge", "single", "A272"),
    ("romsey", "chandlers_ford", "single", "A27"), ("chandlers_ford", "m3_j12", "urban", "A335"),
    ("stockbridge", "andover", "single", "A3057"), ("stockbridge", "romsey", "single", "A3057"),
    ("a303_andover", "andover", "urban", "A3093"), ("andover", "and_hosp", "urban", "Charlton Road"),
    ("weyhill", "and_hosp", "urban", "A342"), ("weyhill", "test_valley_north", "minor", "A342 / local roads"),
    ("a34_whitchurch", "whitchurch", "urban", "B3400"), ("whitchurch", "andover", "minor", "B3400"),
    ("whitchurch", "oakley_overton", "minor", "B3400"), ("oakley_overton", "bas_kempshott", "minor", "B3400"),
    ("m3_j7", "oakley_overton", "minor", "local roads (Dummer-Oakley)"),
]

TOWN_PAIRS = [("basingstoke", "winchester"), ("basingstoke", "andover"), ("andover", "winchester")]  # zone pairs whose road distance is checked against CASES.md

# --- services ------------------------------------------------------------------------------
# Rates per 1000 residents a year. See README.md for each derivation.
SERVICES = {
    "emergency": dict(
        name="Type-1 emergency department (24/7 A&E)", activity="A&E attendances",
        demand_per_1000=150.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=20.0, opening_capital_gbp_m=25.0,
        source="est.: Basingstoke ~43,000 ED attendances a year (S, Wikipedia) doubled for Winchester (est.) = ~86,000 over 570,000 people (S) = ~150 per 1000; costs est."),
    "critical_care": dict(
        name="Adult critical care (ICU/HDU)", activity="critical care admissions",
        demand_per_1000=4.5, min_sites=1, rotas_24_7=1, running_cost_gbp_m=8.0, opening_capital_gbp_m=15.0,
        source="est.: ~4.5 adult critical care admissions per 1000 a year (England order of magnitude, est.); costs est."),
    "obstetrics": dict(
        name="Consultant-led obstetric unit", activity="births",
        demand_per_1000=9.6, min_sites=1, rotas_24_7=1, running_cost_gbp_m=10.0, opening_capital_gbp_m=15.0,
        source="est.: Basingstoke >2,800 births (S, Wikipedia) + Winchester ~2,500 (est.) + Andover ~200 (S, 4 a week) = ~5,500 over 570,000 = 9.6 per 1000; the 2,500-birth figure (RULES.md, S) splits unit types and is not used as a minimum; costs est."),
    "neonatal": dict(
        name="Neonatal unit (local neonatal unit / SCBU)", activity="neonatal admissions",
        demand_per_1000=0.96, min_sites=1, rotas_24_7=0, running_cost_gbp_m=4.0, opening_capital_gbp_m=8.0,
        source="S/est.: ~10% of births need neonatal care (RULES.md, S) x 9.6 births per 1000 (est.); medical cover shared with the paediatric rota (est.); costs est."),
    "paediatrics": dict(
        name="Inpatient paediatrics", activity="paediatric admissions",
        demand_per_1000=14.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=6.0, opening_capital_gbp_m=10.0,
        source="est.: ~14 paediatric admissions per 1000 residents a year (England order of magnitude); costs est."),
    "elective": dict(
        name="Inpatient elective surgery", activity="elective inpatient admissions",
        demand_per_1000=22.0, min_sites=1, rotas_24_7=0, running_cost_gbp_m=5.0, opening_capital_gbp_m=10.0,
        source="est.: ~22 ordinary (overnight) elective admissions per 1000 a year; day cases not modelled; costs est."),
    "stroke": dict(
        name="Hyper-acute stroke unit", activity="stroke admissions",
        demand_per_1000=1.65, min_sites=1, min_volume=600, mode="bluelight",
        coverage_travel_min=45, coverage_share=0.95, rotas_24_7=1, running_cost_gbp_m=4.0, opening_capital_gbp_m=6.0,
        source="rate est. from Dorset's ~1,400 stroke patients a year for 850,000 people (S, CASES.md) = 1.65 per 1000; size >=600 a year and 95% within 45 min (S, RULES.md; 98% within 60 min not encodable, see README); costs est."),
    "cancer": dict(
        name="Cancer centre (complex cancer surgery and acute oncology)", activity="cancer inpatient admissions",
        demand_per_1000=3.0, min_sites=1, max_sites=1, rotas_24_7=0, running_cost_gbp_m=6.0, opening_capital_gbp_m=20.0,
        source="est.: ~3 complex cancer admissions per 1000 a year; one centre (est., as in the M3 J7 proposal, S); costs est."),
    "trauma": dict(
        name="Trauma unit (emergency trauma surgery)", activity="trauma admissions",
        demand_per_1000=1.2, min_sites=1, max_sites=1, rotas_24_7=1, running_cost_gbp_m=3.0, opening_capital_gbp_m=5.0,
        source="est.: ~1.2 trauma admissions per 1000 a year; major accidents already on one site (S, 2023 consultation), Basingstoke taken as that site (est.); costs est."),
}
# resource use: service -> {resource: (per_activity, source)}
def beds(los, occ):
    return los / 365.0 / occ

RESOURCE_USE = {
    "emergency": {"beds": (0.30 * beds(4.5, 0.92), "est.: 30% of attendances admitted x 4.5 days mean LOS / 365 / 0.92 occupancy"),
                  "theatres": (0.00003, "est.: ~1 emergency theatre per ~33,000 attendances")},
    "critical_care": {"critical_care_beds": (beds(3.5, 0.80), "est.: 3.5 days mean critical care LOS / 365 / 0.80 occupancy")},
    "obstetrics": {"beds": (beds(2.0, 0.75), "est.: 2.0 days antenatal+postnatal LOS per birth / 365 / 0.75"),
                   "theatres": (0.0003, "est.: ~30% caesarean, ~1,000 caesareans per obstetric theatre-year")},
    "neonatal": {"beds": (beds(10.0, 0.80), "est.: 10 days mean neonatal stay / 365 / 0.80 (cots counted as beds)")},
    "paediatrics": {"beds": (beds(1.8, 0.75), "est.: 1.8 days mean paediatric LOS / 365 / 0.75")},
    "elective": {"beds": (beds(3.0, 0.85), "est.: 3.0 days mean elective LOS / 365 / 0.85"),
                 "theatres": (0.001, "est.: ~1,000 inpatient operations per theatre-year")},
    "stroke": {"beds": (beds(8.0, 0.90), "est.: 8 days HASU+acute stroke LOS / 365 / 0.90 (matches the 24-bed Twyford unit, S)")},
    "cancer": {"beds": (beds(6.0, 0.85), "est.: 6 days mean LOS / 365 / 0.85"),
               "theatres": (0.0008, "est.: ~1,250 complex cancer operations per theatre-year")},
    "trauma": {"beds": (beds(9.0, 0.90), "est.: 9 days mean trauma LOS / 365 / 0.90"),
               "theatres": (0.0005, "est.: ~2,000 trauma operations per theatre-year")},
}
# site resources: (site, resource, capacity, max_expansion, capital per unit, source)
SITE_RESOURCES = [
    ("basingstoke", "beds", 450, 30, 0.5, "S: 450 beds (Wikipedia, Basingstoke Gazette); expansion est.: ~30 beds of space in existing buildings; GBP 0.5m a bed est."),
    ("basingstoke", "theatres", 13, 1, 5.0, "est."),
    ("basingstoke", "critical_care_beds", 18, 2, 1.0, "est.: ~18 adult ICU/HDU beds"),
    ("winchester", "beds", 360, 30, 0.5, "est.: trust 806 G&A beds (S, Q3 2018) - Basingstoke 450 (S) - Andover ~16 (est.) = 340, plus ~20 maternity beds and cots (est.); expansion est. (existing buildings)"),
    ("winchester", "theatres", 11, 4, 5.0, "est.; +4 for the planned-surgery centre in the GBP 89-141m Winchester scheme (S for the sum, est. for the count)"),
    ("winchester", "critical_care_beds", 18, 2, 1.0, "est.: ~18 adult ICU/HDU beds"),
    ("andover", "beds", 16, 0, 0.5, "est.: community hospital, no inpatient acute space to expand"),
    ("andover", "theatres", 1, 0, 5.0, "est.: day-case theatre"),
    ("andover", "critical_care_beds", 0, 0, 1.0, "est.: none"),
    ("m3j7", "beds", 0, 650, 0.0, "est.: no building today; up to 650 beds if built (cost in sites.csv new_build_capital_gbp_m)"),
    ("m3j7", "theatres", 0, 16, 0.0, "est.: the 2014 plan had 8 theatres for 300 beds (S); 16 for a larger hospital est."),
    ("m3j7", "critical_care_beds", 0, 40, 0.0, "est.: ~10% of beds critical care in the 2014 plan (S); 40 est."),
]
CODEPENDENCIES = [  # a, rule, b, within_min, mode, grade, source
    ("emergency", "colocated", "critical_care", None, None, "purple", "RULES.md: type-1 ED needs critical care on site (S, South East Coast Clinical Senate)"),
    ("obstetrics", "colocated", "critical_care", None, None, "purple", "RULES.md: consultant-led obstetrics needs critical care (S, Hampshire)"),
    ("obstetrics", "colocated", "neonatal", None, None, "purple", "RULES.md: consultant-led obstetrics needs a neonatal unit (S, Hampshire)"),
    ("obstetrics", "colocated", "paediatrics", None, None, "purple", "RULES.md: consultant-led obstetrics needs inpatient paediatrics (S, Dorset; applied here too)"),
    ("neonatal", "colocated", "paediatrics", None, None, "purple", "RULES.md: local neonatal unit needs inpatient paediatrics (S)"),
    ("stroke", "colocated", "emergency", None, None, "purple", "RULES.md: HASU needs ED and CT on site (S/K)"),
    ("trauma", "colocated", "emergency", None, None, "purple", "RULES.md: trauma care needs ED (S)"),
    ("trauma", "colocated", "critical_care", None, None, "purple", "RULES.md: trauma / emergency surgery needs critical care (S)"),
    ("cancer", "colocated", "critical_care", None, None, "purple", "RULES.md: complex cancer care needs critical care (S/K)"),
    ("elective", "within", "critical_care", 60, "bluelight", "amber", "RULES.md: complex elective surgery needs critical care; amber network transfer within 60 min (est. encoding)"),
]
OPTIONS = {
    "status_quo": dict(
        name="Status quo (2019)",
        services={
            "basingstoke": ["emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "cancer", "trauma"],
            "winchester": ["emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke"],
        },
        description="Two district general hospitals each with ED, critical care, consultant maternity, neonatal unit and paediatrics; stroke (HASU) at Winchester; trauma and cancer centre at Basingstoke; Andover a community hospital.",
        source="CASES.md; stroke at Winchester (S, trust stroke page); trauma and cancer at Basingstoke est."),
    "option6_centralise_existing": dict(
        name="Option 6: centralise essential services at Basingstoke in existing buildings",
        services={
            "basingstoke": ["emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke", "cancer", "trauma"],
            "winchester": ["elective"],
        },
        description="TCS review Option 6 on the larger site: every essential service at Basingstoke, Winchester keeps planned care. Needs ~590 beds and ~31 critical care beds at Basingstoke against 450 (+30) and 18 (+2): not viable without a new building.",
        source="seed 002 (Option 6 found not viable, S); site choice and service split reconstructed (est.)"),
    "option6_winchester": dict(
        name="Option 6 variant: centralise essential services at Winchester in existing buildings",
        services={
            "winchester": ["emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke", "cancer", "trauma"],
            "basingstoke": ["elective"],
        },
        description="The same centralisation on the Winchester site; fails on beds and critical care even more clearly.",
        source="seed 002 (S); reconstructed (est.)"),
    "critical_treatment_m3j7": dict(
        name="New specialist acute hospital at M3 J7, Winchester planned care (2023-24 preferred option)",
        services={
            "m3j7": ["emergency", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke", "cancer", "trauma"],
            "winchester": ["elective"],
        },
        description="New hospital at M3 J7: ED, stroke, trauma, emergency surgery, consultant maternity, neonatal, critical care, children's ED and inpatients, cancer centre, complex planned care. Winchester: planned surgery centre, 24/7 urgent treatment centre, SDEC, midwife-led unit (UTC, SDEC and MLU not modelled). Basingstoke hospital closes (S, 2022).",
        source="Hampshire Together consultation Dec 2023-Mar 2024 (S); Basingstoke closure (S, Portsmouth News 2022)"),
}

# ============================================================================================
def haversine_km(a, b):
    (la1, lo1), (la2, lo2) = a, b
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def scaled_zones():
    raw = sum(z[4] for z in ZONES_RAW)
    out = []
    for z in ZONES_RAW:
        out.append((z[0], z[1], z[2], z[3], round(z[4] * POPULATION_TOTAL / raw), z[5], z[6]))
    diff = POPULATION_TOTAL - sum(z[4] for z in out)
    z = out[0]
    out[0] = (*z[:4], z[4] + diff, *z[5:])
    return out


def edges_with_lengths():
    pos = {n[0]: (n[1], n[2]) for n in NODES}
    rows = []
    for a, b, cls, name in EDGES:
        gc = haversine_km(pos[a], pos[b])
        rows.append((a, b, cls, round(gc * DETOUR[cls], 2), SPEED[cls], name,
                     f"est.: great-circle {gc:.2f} km x detour {DETOUR[cls]} ({cls}); speed est."))
    return rows


def fmt(v):
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def write_csv(name, header, rows):
    with open(HERE / name, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for r in rows:
            w.writerow([fmt(v) for v in r])


def y(v):
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return fmt(v)


def write_files():
    zones = scaled_zones()
    pts = [(s[2], s[3]) for s in SITES] + [(z[2], z[3]) for z in zones] + [(n[1], n[2]) for n in NODES]
    lat_min = min(p[0] for p in pts) - MARGIN
    lat_max = max(p[0] for p in pts) + MARGIN
    lon_min = min(p[1] for p in pts) - MARGIN
    lon_max = max(p[1] for p in pts) + MARGIN
    lines = [f"name: {INSTANCE['name']}", f"title: {y(INSTANCE['title'])}",
             f"description: {y(INSTANCE['description'])}", f"year: {INSTANCE['year']}",
             f"lat_min: {lat_min:.3f}", f"lat_max: {lat_max:.3f}", f"lon_min: {lon_min:.3f}", f"lon_max: {lon_max:.3f}",
             "roads: roads.csv", "default_mode: car", "baseline: status_quo"]
    (HERE / "instance.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    write_csv("sites.csv", ["site_id", "name", "lat", "lon", "exists", "new_build_capital_gbp_m", "notes"], SITES)
    write_csv("zones.csv", ["zone_id", "name", "lat", "lon", "population", "deprivation_quintile", "group"], zones)
    write_csv("road_nodes.csv", ["node_id", "lat", "lon", "name"], NODES)
    write_csv("roads.csv", ["from_node", "to_node", "road_class", "length_km", "speed_kmh", "name", "source"],
              edges_with_lengths())
    modes = [("car", c, 1.0, "est.: the road's car speed") for c in SPEED] + \
            [("bluelight", c, 1.25, "est.: blue-light ~1/0.8 of car speed (CASES.md)") for c in SPEED]
    write_csv("modes.csv", ["mode", "road_class", "speed_factor", "source"], modes)
    write_csv("site_resources.csv", ["site_id", "resource", "capacity", "max_expansion", "expansion_capital_gbp_m", "source"],
              SITE_RESOURCES)
    write_csv("resource_use.csv", ["service_id", "resource", "per_activity", "source"],
              [(s, r, round(v[0], 6), v[1]) for s, d in RESOURCE_USE.items() for r, v in d.items()])
    write_csv("codependencies.csv", ["service_a", "rule", "service_b", "within_min", "mode", "grade", "source"], CODEPENDENCIES)
    order = ["name", "activity", "demand_per_1000", "min_sites", "max_sites", "min_volume", "max_volume", "mode",
             "max_travel_min", "coverage_travel_min", "coverage_share", "rotas_24_7", "running_cost_gbp_m",
             "opening_capital_gbp_m", "source"]
    out = [f"# Service lines of the {INSTANCE['name']} instance; written by derive.py (see README.md)."]
    for sid, rec in SERVICES.items():
        out.append(f"{sid}:")
        out += [f"  {k}: {y(rec[k])}" for k in order if k in rec]
    (HERE / "services.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    out = [f"# Named configurations of the {INSTANCE['name']} instance; written by derive.py (see README.md)."]
    for oid, rec in OPTIONS.items():
        out.append(f"{oid}:")
        out.append(f"  name: {y(rec['name'])}")
        out.append("  services:")
        out += [f"    {site}: [{', '.join(svcs)}]" for site, svcs in rec["services"].items()]
        out.append(f"  description: {y(rec['description'])}")
        out.append(f"  source: {y(rec['source'])}")
    (HERE / "options.yaml").write_text("\n".join(out) + "\n", encoding="utf-8")
    return zones


# --- checks ---------------------------------------------------------------------------------
def graph(mode_factor=1.0):
    adj = {n[0]: [] for n in NODES}
    for a, b, cls, length, speed, _, _ in edges_with_lengths():
        t = length / (speed * mode_factor) * 60
        adj[a].append((b, t, length))
        adj[b].append((a, t, length))
    return adj


def dijkstra(adj, src, key=1):
    dist = {src: 0.0}
    pq = [(0.0, src)]
    while pq:
        d, u = heapq.heappop(pq)
        if d > dist.get(u, 1e18):
            continue
        for v, t, l in adj[u]:
            nd = d + (t, l)[key - 1]
            if nd < dist.get(v, 1e18):
                dist[v] = nd
                heapq.heappush(pq, (nd, v))
    return dist


def nearest_node(lat, lon):
    return min(((haversine_km((lat, lon), (n[1], n[2])), n[0]) for n in NODES))


def travel(adj, p, q, key=1, connector=30.0):
    dp, np_ = nearest_node(*p)
    dq, nq = nearest_node(*q)
    d = dijkstra(adj, np_, key)[nq]
    if key == 1:
        return d + (dp + dq) / connector * 60
    return d + dp + dq


def checks(zones):
    sites = {s[0]: (s[2], s[3]) for s in SITES}
    car, blue = graph(1.0), graph(1.25)
    print("== snapping (km to nearest node)")
    for label, lat, lon in [(s[0], s[2], s[3]) for s in SITES] + [(z[0], z[2], z[3]) for z in zones]:
        d, n = nearest_node(lat, lon)
        if d > 1.0:
            print(f"  {label}: {d:.2f} km to {n}")
    print("== site-to-site road distance km / car min / bluelight min")
    ids = list(sites)
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            print(f"  {a}-{b}: {travel(car, sites[a], sites[b], 2):.1f} km ({travel(car, sites[a], sites[b], 2)/1.609:.1f} mi), "
                  f"{travel(car, sites[a], sites[b]):.0f} min car, {travel(blue, sites[a], sites[b]):.0f} min blue")
    zs = {z[0]: (z[2], z[3]) for z in zones}
    for a, b in TOWN_PAIRS:
        print(f"  town {a}-{b}: {travel(car, zs[a], zs[b], 2):.1f} km ({travel(car, zs[a], zs[b], 2)/1.609:.1f} mi), {travel(car, zs[a], zs[b]):.0f} min car")
    print(f"== population total {sum(z[4] for z in zones)}")
    demand = {s: {z[0]: z[4] * r['demand_per_1000'] / 1000 for z in zones} for s, r in SERVICES.items()}
    for s in SERVICES:
        print(f"  demand {s}: {sum(demand[s].values()):.0f} {SERVICES[s]['activity']}")
    tcar = {z[0]: {s: travel(car, (z[2], z[3]), sites[s]) for s in sites} for z in zones}
    tblue = {z[0]: {s: travel(blue, (z[2], z[3]), sites[s]) for s in sites} for z in zones}
    cap = {(r[0], r[1]): (r[2], r[3]) for r in SITE_RESOURCES}
    pop = {z[0]: z[4] for z in zones}
    for oid, opt in OPTIONS.items():
        print(f"== option {oid}")
        use = {}
        vol = {}
        for s in SERVICES:
            hosts = [site for site, sv in opt["services"].items() if s in sv]
            if not hosts:
                print(f"  !! {s} hosted nowhere")
                continue
            for z, d in demand[s].items():
                site = min(hosts, key=lambda h: tcar[z][h])
                vol[(s, site)] = vol.get((s, site), 0) + d
                for res, (per, _) in RESOURCE_USE.get(s, {}).items():
                    use[(site, res)] = use.get((site, res), 0) + d * per
            svc = SERVICES[s]
            print(f"  {s:14s} " + ", ".join(f"{h} {vol.get((s, h), 0):.0f}" for h in hosts))
            for h in hosts:
                v = vol.get((s, h), 0)
                if v < svc.get("min_volume", 0):
                    print(f"  !! {s} at {h}: volume {v:.0f} < min {svc['min_volume']}")
            if "coverage_travel_min" in svc:
                tt = tblue if svc.get("mode") == "bluelight" else tcar
                share = sum(pop[z] for z in pop if min(tt[z][h] for h in hosts) <= svc["coverage_travel_min"]) / sum(pop.values())
                worst = max(min(tt[z][h] for h in hosts) for z in pop)
                print(f"  {s}: {share:.1%} within {svc['coverage_travel_min']} min ({svc.get('mode','car')}), worst zone {worst:.0f} min")
        for (site, res), u in sorted(use.items()):
            c, e = cap.get((site, res), (0, 0))
            flag = "OK" if u <= c else ("needs expansion" if u <= c + e else "DOES NOT FIT")
            print(f"  {site:12s} {res:18s} need {u:7.1f}  capacity {c:5g} (+{e:g})  {flag}")
        for a, rule, b, *_ in CODEPENDENCIES:
            for site, sv in opt["services"].items():
                if a in sv and rule == "colocated" and b not in sv:
                    print(f"  !! {a} at {site} without {b}")
                if a in sv and rule == "within":
                    hb = [h for h, s2 in opt["services"].items() if b in s2]
                    t = min(travel(blue, sites[site], sites[h]) for h in hb) if hb else 1e9
                    if t > _[0]:
                        print(f"  !! {a} at {site}: {b} {t:.0f} min away")


if __name__ == "__main__":
    checks(write_files())
