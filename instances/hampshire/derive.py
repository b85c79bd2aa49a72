"""Derive the numbers of the `hampshire` instance, write its files and print the checks quoted in README.md.

Run (with the project's environment, which has the optimiser package):

    python derive.py     # writes every CSV/YAML file of this folder, then prints the checks

Everything numeric lives here, marked S (sourced; source in README.md) or est. (estimate). Writing and
the checks are shared with the other county instance (../derive_common.py): road distances between
sites and towns, demand per service, and for each named option the volume and capacity against need
per site, allocating each zone's demand to the nearest hosting site by car (a simple stand-in for the
engine's allocation), with access coverage and co-dependency breaches.
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from derive_common import (  # noqa: E402
    ALLEN_2017, COUNTY_CODEPENDENCIES, COUNTY_RESOURCE_USE, HAMPSHIRE_TOGETHER, beds, derive_county,
    split_attendances, with_tariffs, with_viable_minima)

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
    decision="critical_treatment_m3j7",
)
MARGIN = 0.05  # degrees of margin around every site, zone and node

# --- sites (S unless marked; coordinates from maps) -------------------------------------
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
     "programme (S) less GBP 89-141m for Winchester (S) leaves "
     "~GBP 560-810m for the new hospital, taken as 700 (est.)"),
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
    ("test_valley_north", "Ludgershall fringe, Weyhill and Test Valley north villages", 51.235, -1.560, 14000, 4,
     "Test Valley"),
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
POPULATION_TOTAL = 570000  # S: 4OC case study of the trust, "approximately 570,000 people"

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
    ("southampton_hosp", 50.933, -1.434, "Southampton General Hospital, Tremona Road (neighbour)"),
    ("salisbury_hosp", 51.045, -1.794, "Salisbury District Hospital, Odstock Road (neighbour)"),
    ("frimley_hosp", 51.319, -0.742, "Frimley Park Hospital, Portsmouth Road (neighbour)"),
    ("reading_hosp", 51.450, -0.957, "Royal Berkshire Hospital, London Road, Reading (neighbour)"),
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
    ("bas_town", "bas_kempshott", "urban", "A30 Winchester Road"),
    ("bas_hosp", "bas_kempshott", "urban", "A340/Ringway west"),
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
    # neighbouring hospitals: one link each (a leaf), so no travel time between the group's places changes
    ("m3_j12", "southampton_hosp", "urban", "A33 / A35 into Southampton"),
    ("stockbridge", "salisbury_hosp", "single", "A30 to Salisbury"),
    ("m3_j5", "frimley_hosp", "motorway", "M3 J5-J4"), ("bas_hosp", "reading_hosp", "single", "A33 to Reading"),
]
_ACUTE = {"emergency": "24/7 A&E", "obstetrics": "consultant-led maternity unit", "paediatrics": "children's wards",
          "elective": "planned inpatient surgery", "stroke": "stroke unit"}
NEIGHBOURS = [  # id, name, lat, lon, source, {service: what the trust states}
    ("southampton", "Southampton General Hospital (University Hospital Southampton NHS Foundation Trust)",
     50.933, -1.434, "Tremona Road, Southampton SO16 6YD (S, trust); coordinates est. from maps",
     {**_ACUTE, "trauma": "Wessex major trauma centre", "cancer": "Wessex cancer centre"}),
    ("salisbury", "Salisbury District Hospital (Salisbury NHS Foundation Trust)", 51.045, -1.794,
     "Odstock Road, Salisbury SP2 8BJ (S, trust); coordinates est. from maps", _ACUTE),
    ("frimley", "Frimley Park Hospital (Frimley Health NHS Foundation Trust)", 51.319, -0.742,
     "Portsmouth Road, Frimley GU16 7UJ (S, trust); coordinates est. from maps", _ACUTE),
    ("reading", "Royal Berkshire Hospital, Reading (Royal Berkshire NHS Foundation Trust)", 51.450, -0.957,
     "London Road, Reading RG1 5AN (S, trust); coordinates est. from maps",
     {**_ACUTE, "cancer": "Berkshire Cancer Centre"}),
]

# zone pairs whose road distance is checked against the sourced distances (README)
TOWN_PAIRS = [("basingstoke", "winchester"), ("basingstoke", "andover"), ("andover", "winchester")]

# --- services ------------------------------------------------------------------------------
# Rates per 1000 residents a year. See README.md for each derivation.
SERVICES = with_tariffs(with_viable_minima(split_attendances({
    "emergency": dict(
        name="Type-1 emergency department (24/7 A&E)", activity="A&E attendances",
        demand_per_1000=150.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=20.0, opening_capital_gbp_m=25.0,
        source="est.: Basingstoke ~43,000 ED attendances a year (S, Wikipedia) doubled for "
               "Winchester (est.) = ~86,000 over 570,000 people (S) = ~150 per 1000; costs est."),
    "critical_care": dict(
        name="Adult critical care (ICU/HDU)", activity="critical care admissions",
        demand_per_1000=4.5, min_sites=1, rotas_24_7=1, running_cost_gbp_m=8.0, opening_capital_gbp_m=15.0,
        source="est.: ~4.5 adult critical care admissions per 1000 a "
               "year (England order of magnitude, est.); costs est."),
    "obstetrics": dict(
        name="Consultant-led obstetric unit", activity="births",
        demand_per_1000=9.6, min_sites=1, rotas_24_7=1, running_cost_gbp_m=10.0, opening_capital_gbp_m=15.0,
        source="est.: Basingstoke >2,800 births (S, Wikipedia) + Winchester ~2,500 (est.) + "
               "Andover ~200 (S, 4 a week) = ~5,500 over 570,000 = 9.6 per 1000; costs est."),
    "neonatal": dict(
        name="Neonatal unit (local neonatal unit / SCBU)", activity="neonatal admissions",
        demand_per_1000=0.96, min_sites=1, rotas_24_7=0, running_cost_gbp_m=4.0, opening_capital_gbp_m=8.0,
        source="est.: ~10% of births need neonatal care (est.: national figures put it at one birth in seven to ten) x 9.6 births per "
               "1000 (est.); medical cover shared with the paediatric rota (est.); costs est."),
    "paediatrics": dict(
        name="Inpatient paediatrics", activity="paediatric admissions",
        demand_per_1000=14.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=6.0, opening_capital_gbp_m=10.0,
        source="est.: ~14 paediatric admissions per 1000 residents a year (England order of magnitude); costs est."),
    "elective": dict(
        name="Inpatient elective surgery", activity="elective inpatient admissions",
        demand_per_1000=22.0, min_sites=1, rotas_24_7=0, running_cost_gbp_m=5.0, opening_capital_gbp_m=10.0,
        source="est.: ~22 ordinary (overnight) elective admissions "
               "per 1000 a year; day cases not modelled; costs est."),
    "stroke": dict(
        name="Hyper-acute stroke unit", activity="stroke admissions",
        demand_per_1000=1.65, min_sites=1, min_volume=600, mode="bluelight",
        coverage_travel_min=45, coverage_share=0.95, rotas_24_7=1, running_cost_gbp_m=4.0, opening_capital_gbp_m=6.0,
        source="rate est. from Dorset's ~1,400 stroke patients a year for 850,000 people (S, Dorset CSR) = 1.65 "
               f"per 1000; size >=600 a year and 95% within 45 min (S, {ALLEN_2017}; its 98% within 60 min "
               "not encodable, see README); costs est."),
    "cancer": dict(
        name="Cancer centre (complex cancer surgery and acute oncology)", activity="cancer inpatient admissions",
        demand_per_1000=3.0, min_sites=1, max_sites=1, rotas_24_7=0, running_cost_gbp_m=6.0, opening_capital_gbp_m=20.0,
        source="est.: ~3 complex cancer admissions per 1000 a year; one "
               "centre (est., as in the M3 J7 proposal, S); costs est."),
    "trauma": dict(
        name="Trauma unit (emergency trauma surgery)", activity="trauma admissions",
        demand_per_1000=1.2, min_sites=1, max_sites=1, rotas_24_7=1, running_cost_gbp_m=3.0, opening_capital_gbp_m=5.0,
        source="est.: ~1.2 trauma admissions per 1000 a year; major accidents already on one "
               "site (S, 2023 consultation), Basingstoke taken as that site (est.); costs est."),
})))
RESOURCE_USE = {**COUNTY_RESOURCE_USE, "stroke": {
    "beds": (beds(8.0, 0.90), "est.: 8 days HASU+acute stroke LOS / 365 / 0.90 (matches the 24-bed Twyford unit, S)")}}
# site resources: (site, resource, capacity, max_expansion, capital per unit, source)
SITE_RESOURCES = [
    ("basingstoke", "beds", 450, 30, 0.5, "S: 450 beds (Wikipedia, Basingstoke Gazette); expansion est.: "
                                          "~30 beds of space in existing buildings; GBP 0.5m a bed est."),
    ("basingstoke", "theatres", 13, 1, 5.0, "est."),
    ("basingstoke", "critical_care_beds", 18, 2, 1.0, "est.: ~18 adult ICU/HDU beds"),
    ("winchester", "beds", 360, 30, 0.5, "est.: trust 806 G&A beds (S, Q3 2018) - Basingstoke 450 "
                                         "(S) - Andover ~16 (est.) = 340, plus ~20 maternity beds "
                                         "and cots (est.); expansion est. (existing buildings)"),
    ("winchester", "theatres", 11, 4, 5.0, "est.; +4 for the planned-surgery centre in the GBP 89-141m "
                                           "Winchester scheme (S for the sum, est. for the count)"),
    ("winchester", "critical_care_beds", 18, 2, 1.0, "est.: ~18 adult ICU/HDU beds"),
    ("andover", "beds", 16, 0, 0.5, "est.: community hospital, no inpatient acute space to expand"),
    ("andover", "theatres", 1, 0, 5.0, "est.: day-case theatre"),
    ("andover", "critical_care_beds", 0, 0, 1.0, "est.: none"),
    ("m3j7", "beds", 0, 650, 0.0, "est.: no building today; up to 650 beds if built "
                                  "(cost in sites.csv new_build_capital_gbp_m)"),
    ("m3j7", "theatres", 0, 16, 0.0, "est.: the 2014 plan had 8 theatres for 300 "
                                     "beds (S); 16 for a larger hospital est."),
    ("m3j7", "critical_care_beds", 0, 40, 0.0, "est.: ~10% of beds critical care in the 2014 plan (S); 40 est."),
]
CODEPENDENCIES = COUNTY_CODEPENDENCIES
ALL = ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke",
       "cancer", "trauma"]
OPTIONS = {
    "status_quo": dict(
        name="Status quo (2019)",
        services={
            "basingstoke": ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics",
                            "elective", "cancer", "trauma"],
            "winchester": ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics",
                           "elective", "stroke"],
            "andover": ["urgent_care"],
        },
        description="Two district general hospitals each with ED, critical care, consultant "
                    "maternity, neonatal unit and paediatrics; stroke (HASU) at Winchester; "
                    "trauma and cancer centre at Basingstoke; Andover a community hospital with a minor "
                    "injuries unit (S), modelled as urgent care.",
        source="two district general hospitals (S, HHFT); stroke at Winchester (S, trust stroke page); trauma and "
               "cancer at Basingstoke est."),
    "option6_centralise_existing": dict(
        name="Option 6: centralise essential services at Basingstoke in existing buildings",
        services={
            "basingstoke": ALL,
            "winchester": ["elective", "urgent_care"],
        },
        description="TCS review Option 6 on the larger site: every essential service at Basingstoke, "
                    "Winchester keeps planned care. Needs ~590 beds and ~31 critical care beds at "
                    "Basingstoke against 450 (+30) and 18 (+2): not viable without a new building.",
        source="Option 6 of the county-wide TCS review found not viable (S, 4OC case study of the trust's clinical "
               "strategy); site choice and service split reconstructed (est.)"),
    "option6_winchester": dict(
        name="Option 6 variant: centralise essential services at Winchester in existing buildings",
        services={
            "winchester": ALL,
            "basingstoke": ["elective", "urgent_care"],
        },
        description="The same centralisation on the Winchester site; "
                    "fails on beds and critical care even more clearly.",
        source="as option 6 (S, 4OC case study); reconstructed (est.)"),
    "critical_treatment_m3j7": dict(
        name="New specialist acute hospital at M3 J7, Winchester planned care (2023-24 preferred option)",
        services={
            "m3j7": ALL,
            "winchester": ["elective", "urgent_care"],
        },
        description="New hospital at M3 J7: ED, stroke, trauma, emergency surgery, consultant maternity, "
                    "neonatal, critical care, children's ED and inpatients, cancer centre, complex planned "
                    "care. Winchester: planned surgery centre, 24/7 urgent treatment centre, SDEC, "
                    "midwife-led unit (SDEC and MLU not modelled). Basingstoke hospital closes (S, 2022).",
        source=f"the preferred option after Option 6 was found not viable (S, {HAMPSHIRE_TOGETHER}); "
               "Basingstoke closure (S, Portsmouth News 2022)"),
}


if __name__ == "__main__":
    derive_county(sys.modules[__name__])
