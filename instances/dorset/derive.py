"""Derive the numbers of the `dorset` instance, write its files and print the checks quoted in README.md.

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
    ALLEN_2017, COUNTY_CODEPENDENCIES, COUNTY_RESOURCE_USE, DORSET_CSR, derive_county, split_attendances,
    with_tariffs, with_viable_minima)

# --- instance -----------------------------------------------------------------------------
INSTANCE = dict(
    name="dorset",
    title="Dorset Clinical Services Review: major emergency and major planned hospitals in east Dorset",
    description=("Royal Bournemouth, Poole and Dorset County (Dorchester) hospitals serving ~850,000 "
                 "people (S, incl. the New Forest fringe). Site facts partly sourced; zones, activity "
                 "rates, capacities beyond the sourced bed counts, and costs are estimates (see README.md)."),
    year=2017,
    decision="decision_2017",
)
MARGIN = 0.05

# --- sites (S unless marked; coordinates from maps) -------------------------------------
SITES = [
    ("bournemouth", "Royal Bournemouth Hospital", 50.746, -1.821, True, 0,
     "~600 inpatient + 123 day beds (S); major emergency hospital from the 2017 decision (S)"),
    ("poole", "Poole Hospital", 50.722, -1.974, True, 0,
     "~789 beds (S, older figure); ~4,400 births 2014/15 (S); major "
     "planned hospital with 24/7 urgent treatment centre after 2017 (S)"),
    ("dorchester", "Dorset County Hospital", 50.713, -2.447, True, 0,
     "500 beds (S, Wikipedia); ~1,850 births 2014/15 (S); emergency and planned hospital for the west (S)"),
]

# --- zones (coordinates est.; raw population est., scaled to 850,000) ----------------------
ZONES_RAW = [
    ("bournemouth_central", "Bournemouth central and east cliff", 50.722, -1.870, 100000, 2, "BCP"),
    ("bournemouth_north", "Bournemouth north (Kinson, Castle Lane)", 50.762, -1.885, 90000, 3, "BCP"),
    ("christchurch", "Christchurch and Highcliffe", 50.735, -1.778, 50000, 4, "BCP"),
    ("poole_town", "Poole town, Hamworthy and Parkstone", 50.715, -1.987, 80000, 3, "BCP"),
    ("poole_north", "Broadstone, Canford Heath and Creekmoor", 50.750, -1.990, 70000, 4, "BCP"),
    ("wimborne", "Wimborne and Corfe Mullen", 50.800, -1.985, 25000, 4, "Dorset"),
    ("ferndown", "Ferndown, West Moors and Verwood", 50.807, -1.899, 45000, 4, "Dorset"),
    ("ringwood", "Ringwood and Fordingbridge (New Forest, Hampshire)", 50.846, -1.789, 40000, 4,
     "New Forest (Hampshire)"),
    ("new_milton", "New Milton and Barton (New Forest, Hampshire)", 50.756, -1.657, 30000, 4, "New Forest (Hampshire)"),
    ("wareham", "Wareham and Purbeck", 50.686, -2.110, 25000, 4, "Dorset"),
    ("swanage", "Swanage", 50.609, -1.960, 10000, 3, "Dorset"),
    ("blandford", "Blandford and Sturminster Newton", 50.857, -2.165, 25000, 4, "Dorset"),
    ("shaftesbury", "Shaftesbury", 51.005, -2.197, 15000, 4, "Dorset"),
    ("gillingham", "Gillingham", 51.038, -2.276, 20000, 4, "Dorset"),
    ("sherborne", "Sherborne", 50.947, -2.517, 20000, 4, "Dorset"),
    ("dorchester", "Dorchester and Puddletown", 50.715, -2.437, 35000, 4, "Dorset"),
    ("weymouth", "Weymouth", 50.614, -2.457, 55000, 2, "Dorset"),
    ("portland", "Portland", 50.553, -2.440, 13000, 2, "Dorset"),
    ("bridport", "Bridport and Beaminster", 50.733, -2.758, 25000, 4, "Dorset"),
    ("lyme_regis", "Lyme Regis and Charmouth", 50.725, -2.937, 10000, 3, "Dorset"),
]
POPULATION_TOTAL = 850000  # S: NHS England acute care collaboration vanguards, "Developing One NHS in Dorset"

# --- road graph ---------------------------------------------------------------------------
SPEED = {"motorway": 100, "dual": 80, "single": 60, "minor": 50, "urban": 35}  # km/h, est. (brief)
DETOUR = {"motorway": 1.05, "dual": 1.08, "single": 1.20, "minor": 1.25, "urban": 1.25}  # est.
NODES = [  # id, lat, lon, name (coordinates est.)
    ("bou_hosp", 50.746, -1.821, "Royal Bournemouth Hospital, Castle Lane East"),
    ("cooper_dean", 50.748, -1.835, "A338 / Castle Lane Cooper Dean"),
    ("bournemouth_central", 50.722, -1.870, "Bournemouth town centre (A338 Wessex Way)"),
    ("bournemouth_north", 50.762, -1.885, "Kinson / Castle Lane West"),
    ("christchurch", 50.735, -1.778, "Christchurch (A35)"),
    ("new_milton", 50.756, -1.657, "New Milton (A35/A337)"),
    ("ringwood", 50.846, -1.789, "Ringwood (A31 / A338)"),
    ("tricketts_cross", 50.805, -1.876, "A31 / A348 Tricketts Cross, Ferndown"),
    ("ferndown", 50.807, -1.899, "Ferndown"),
    ("canford_bottom", 50.800, -1.950, "A31 / A341 Canford Bottom"),
    ("wimborne", 50.800, -1.985, "Wimborne Minster"),
    ("poole_hosp", 50.722, -1.974, "Poole Hospital, Longfleet Road"),
    ("poole_town", 50.715, -1.987, "Poole town centre"),
    ("poole_north", 50.750, -1.990, "Broadstone / Creekmoor"),
    ("upton", 50.728, -2.030, "A35 / A350 Upton (Holes Bay)"),
    ("lytchett", 50.735, -2.070, "A35 / A351 Bakers Arms, Lytchett Minster"),
    ("sturminster_marshall", 50.800, -2.070, "A350 / A31 Sturminster Marshall"),
    ("wareham", 50.686, -2.110, "Wareham (A351)"),
    ("swanage", 50.609, -1.960, "Swanage (A351)"),
    ("bere_regis", 50.748, -2.215, "A35 / A31 Bere Regis"),
    ("puddletown", 50.747, -2.345, "A35 / A354 Puddletown"),
    ("dorchester", 50.715, -2.437, "Dorchester town centre"),
    ("dch_hosp", 50.713, -2.447, "Dorset County Hospital, Williams Avenue"),
    ("weymouth", 50.614, -2.457, "Weymouth"),
    ("portland", 50.553, -2.440, "Portland (A354)"),
    ("bridport", 50.733, -2.758, "Bridport (A35 / A3066)"),
    ("charmouth", 50.737, -2.900, "A35 / A3052 Charmouth"),
    ("lyme_regis", 50.725, -2.937, "Lyme Regis"),
    ("blandford", 50.857, -2.165, "Blandford Forum (A350 / A354)"),
    ("shaftesbury", 51.005, -2.197, "Shaftesbury (A350 / A30)"),
    ("gillingham", 51.038, -2.276, "Gillingham"),
    ("sherborne", 50.947, -2.517, "Sherborne (A352 / A30)"),
    ("salisbury_hosp", 51.045, -1.794, "Salisbury District Hospital, Odstock Road (neighbour)"),
    ("yeovil_hosp", 50.945, -2.635, "Yeovil District Hospital, Higher Kingston (neighbour)"),
]
EDGES = [
    ("bou_hosp", "cooper_dean", "urban", "Castle Lane East"), ("bou_hosp", "christchurch", "urban", "B3073"),
    ("bou_hosp", "bournemouth_north", "urban", "Castle Lane"),
    ("cooper_dean", "bournemouth_central", "dual", "A338 Wessex Way"),
    ("cooper_dean", "ringwood", "dual", "A338 Spur Road"),
    ("christchurch", "new_milton", "single", "A35 / A337"), ("christchurch", "bournemouth_central", "urban", "A35"),
    ("ringwood", "tricketts_cross", "dual", "A31"), ("tricketts_cross", "ferndown", "urban", "A348"),
    ("tricketts_cross", "canford_bottom", "dual", "A31"), ("canford_bottom", "wimborne", "urban", "B3073"),
    ("ferndown", "bournemouth_north", "urban", "A348 / A3060"),
    ("canford_bottom", "sturminster_marshall", "single", "A31"),
    ("sturminster_marshall", "bere_regis", "single", "A31"),
    ("bournemouth_central", "poole_hosp", "urban", "A35 Poole Road"), ("poole_hosp", "poole_town", "urban", "A35"),
    ("poole_hosp", "poole_north", "urban", "A349 / A3049"),
    ("poole_north", "bournemouth_north", "urban", "A3049 Wallisdown"),
    ("poole_north", "wimborne", "single", "A349"), ("poole_town", "upton", "dual", "A350 Holes Bay Road"),
    ("poole_north", "upton", "urban", "A3049 / A35"),
    ("upton", "lytchett", "dual", "A35"), ("upton", "sturminster_marshall", "dual", "A350"),
    ("lytchett", "wareham", "single", "A351"), ("wareham", "swanage", "single", "A351"),
    ("lytchett", "bere_regis", "single", "A35"), ("bere_regis", "puddletown", "single", "A35"),
    ("puddletown", "dorchester", "dual", "A35 Dorchester bypass"), ("dorchester", "dch_hosp", "urban", "Bridport Road"),
    ("dch_hosp", "weymouth", "single", "A354 Weymouth Relief Road"), ("weymouth", "portland", "urban", "A354"),
    ("dch_hosp", "bridport", "single", "A35"), ("bridport", "charmouth", "single", "A35"),
    ("charmouth", "lyme_regis", "minor", "A3052"), ("dorchester", "sherborne", "single", "A352"),
    ("puddletown", "blandford", "single", "A354"), ("blandford", "sturminster_marshall", "single", "A350"),
    ("blandford", "wimborne", "minor", "B3082"), ("blandford", "shaftesbury", "single", "A350"),
    ("shaftesbury", "gillingham", "minor", "B3081"), ("sherborne", "shaftesbury", "single", "A30"),
    # neighbouring hospitals: one link each (a leaf), so no travel time between the group's places changes
    ("ringwood", "salisbury_hosp", "single", "A338 to Salisbury"),
    ("sherborne", "yeovil_hosp", "single", "A30 to Yeovil"),
]
_ACUTE = {"emergency": "24/7 A&E", "obstetrics": "consultant-led maternity unit", "paediatrics": "children's wards",
          "elective": "planned inpatient surgery", "stroke": "stroke unit"}
NEIGHBOURS = [  # id, name, lat, lon, source, {service: what the trust states}
    ("salisbury", "Salisbury District Hospital (Salisbury NHS Foundation Trust)", 51.045, -1.794,
     "Odstock Road, Salisbury SP2 8BJ (S, trust); coordinates est. from maps", _ACUTE),
    ("yeovil", "Yeovil District Hospital (Yeovil District Hospital NHS Foundation Trust, now Somerset NHS "
               "Foundation Trust)", 50.945, -2.635,
     "Higher Kingston, Yeovil BA21 4AT (S, trust); coordinates est. from maps", _ACUTE),
]

# zone pairs whose road distance is checked against the sourced distances (README)
TOWN_PAIRS = [("poole_town", "bournemouth_central"), ("dorchester", "poole_town"),
              ("dorchester", "bournemouth_central")]

# --- services ------------------------------------------------------------------------------
#: Emergency and maternity access: 95% of people within 55 min by car, about 45 min by blue light (x 1.25).
ACCESS_CAR_MIN = 55
ACCESS_SOURCE = ("95% within 55 min by car, ~45 min blue-light (est. encoding): the CCG held that after the change "
                 "residents would reach emergency and maternity care within about 40 minutes (S, NHS Dorset CCG as "
                 "quoted by CPRE Purbeck and Poole, Bournemouth Echo 2019; disputed), and SWASFT's modelling found "
                 "blue-light times from Purbeck of 25-42 min (S, dorsetsvision.nhs.uk); 95% leaves room for the "
                 "north Dorset towns that use Salisbury and Yeovil, not modelled")
SERVICES = with_tariffs(with_viable_minima(split_attendances({
    "emergency": dict(
        name="Type-1 emergency department (24/7 A&E)", activity="A&E attendances",
        demand_per_1000=200.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=20.0, opening_capital_gbp_m=25.0,
        coverage_travel_min=ACCESS_CAR_MIN, coverage_share=0.95,
        source="est.: ~170,000 type-1 attendances a year over 850,000 people (S); Poole's urgent treatment "
               "centre alone is to see 50,000-60,000 a year (S), most of Poole's ED attendances; costs est.; "
               f"access: {ACCESS_SOURCE}"),
    "critical_care": dict(
        name="Adult critical care (ICU/HDU)", activity="critical care admissions",
        demand_per_1000=4.5, min_sites=1, rotas_24_7=1, running_cost_gbp_m=8.0, opening_capital_gbp_m=15.0,
        source="est.: ~4.5 adult critical care admissions per 1000 a year; costs est."),
    "obstetrics": dict(
        name="Consultant-led obstetric unit", activity="births",
        demand_per_1000=7.35, min_sites=1, rotas_24_7=1, running_cost_gbp_m=10.0, opening_capital_gbp_m=15.0,
        coverage_travel_min=ACCESS_CAR_MIN, coverage_share=0.95,
        source="S/est.: Poole ~4,400 + Dorchester ~1,850 births 2014/15 (S) = 6,250 over 850,000 (S) = 7.35 "
               "per 1000; births of Dorset residents elsewhere (Salisbury, Yeovil) not counted; costs est.; "
               f"access: {ACCESS_SOURCE}"),
    "neonatal": dict(
        name="Neonatal unit (local neonatal unit / SCBU)", activity="neonatal admissions",
        demand_per_1000=0.735, min_sites=1, rotas_24_7=0, running_cost_gbp_m=4.0, opening_capital_gbp_m=8.0,
        source="est.: ~10% of births need neonatal care (est.: national figures put it at one birth in seven to ten) x 7.35 births per "
               "1000; medical cover shared with the paediatric rota (est.); costs est."),
    "paediatrics": dict(
        name="Inpatient paediatrics", activity="paediatric admissions",
        demand_per_1000=13.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=6.0, opening_capital_gbp_m=10.0,
        source="est.: ~13 paediatric admissions per 1000 residents a year (older population than England); costs est."),
    "elective": dict(
        name="Inpatient elective surgery", activity="elective inpatient admissions",
        demand_per_1000=25.0, min_sites=1, rotas_24_7=0, running_cost_gbp_m=5.0, opening_capital_gbp_m=10.0,
        source="est.: ~25 ordinary elective admissions per 1000 a year "
               "(older population); day cases not modelled; costs est."),
    "stroke": dict(
        name="Hyper-acute stroke unit", activity="stroke admissions",
        demand_per_1000=1.65, min_sites=1, min_volume=250, mode="bluelight",
        coverage_travel_min=45, coverage_share=0.95, rotas_24_7=1, running_cost_gbp_m=4.0, opening_capital_gbp_m=6.0,
        source=f"S: ~1,400 stroke patients a year (S, {DORSET_CSR}) over 850,000 = 1.65 per 1000; 95% within "
               f"45 min (S, {ALLEN_2017}); min volume relaxed from its 600 (S) to 250 (est.) so the rural "
               "Dorchester unit stays legal, see README; costs est."),
    "cancer": dict(
        name="Cancer centre (complex cancer surgery, oncology)", activity="cancer inpatient admissions",
        demand_per_1000=3.0, min_sites=1, max_sites=1, rotas_24_7=0, running_cost_gbp_m=6.0, opening_capital_gbp_m=20.0,
        source="est.: ~3 complex cancer admissions per 1000 a year; one "
               "networked Dorset cancer service (S, Dorset CSR); costs est."),
    "trauma": dict(
        name="Trauma unit (emergency trauma surgery)", activity="trauma admissions",
        demand_per_1000=1.3, min_sites=1, max_sites=2, rotas_24_7=1, running_cost_gbp_m=3.0, opening_capital_gbp_m=5.0,
        source="est.: ~1.3 trauma admissions per 1000 a year; major trauma goes to "
               "Southampton (S); one east and one west trauma unit (est.); costs est."),
})))
RESOURCE_USE = COUNTY_RESOURCE_USE
SITE_RESOURCES = [
    ("bournemouth", "beds", 600, 200, 0.5, "S: ~600 inpatient beds (123 day beds not counted); expansion "
                                           "est.: new ED, maternity and children's unit of the GBP 147m "
                                           "east Dorset programme (S for the sum); GBP 0.5m a bed est."),
    ("bournemouth", "theatres", 14, 4, 5.0, "est."),
    ("bournemouth", "critical_care_beds", 22, 14, 1.0,
        "est.; expansion est. for Level 3 critical care at the major emergency hospital (S for the role)"),
    ("poole", "beds", 789, 50, 0.5, "S: ~789 beds (older figure); expansion est.: constrained town site, ~50 beds"),
    ("poole", "theatres", 14, 2, 5.0, "est.: 14 today; the new 15-theatre planned-care "
                                      "complex (S) plus one retained theatre gives +2 (est.)"),
    ("poole", "critical_care_beds", 18, 20, 1.0, "est.; expansion est. (only needed "
                                                 "if Poole became the emergency site)"),
    ("dorchester", "beds", 500, 30, 0.5, "S: 500 beds (Wikipedia); expansion est."),
    ("dorchester", "theatres", 9, 2, 5.0, "est."),
    ("dorchester", "critical_care_beds", 12, 4, 1.0, "est.; new ED and critical care unit being built (S)"),
]
CODEPENDENCIES = COUNTY_CODEPENDENCIES
ALL = ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke",
       "cancer", "trauma"]
WEST = ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective", "stroke",
        "trauma"]
OPTIONS = {
    "status_quo": dict(
        name="Status quo before the 2017 decision",
        services={
            "bournemouth": ["emergency", "urgent_care", "critical_care", "elective", "stroke"],
            "poole": ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective",
                      "cancer", "trauma"],
            "dorchester": WEST,
        },
        description="All three sites with a type-1 A&E, critical care and planned surgery; consultant "
                    "maternity, neonatal and inpatient paediatrics at Poole (for east Dorset) and Dorchester; "
                    "stroke units at Bournemouth and Dorchester; cancer centre and east trauma unit at Poole.",
        source=f"three type-1 A&Es, births at Poole and Dorchester (S, {DORSET_CSR}); maternity and paediatrics "
               "at Poole rather than Bournemouth, stroke, cancer and trauma sites est. (see README)"),
    "decision_2017": dict(
        name="2017 decision: Bournemouth major emergency, Poole major planned, Dorchester emergency and planned",
        services={"bournemouth": ALL, "poole": ["elective", "urgent_care"], "dorchester": WEST},
        description="Bournemouth: A&E with major trauma, stroke, Level 3 critical care, consultant "
                    "maternity, LNU, inpatient paediatrics, complex and cancer care. Poole: major "
                    "planned hospital with a 24/7 urgent treatment centre. "
                    "Dorchester keeps A&E, consultant maternity and overnight paediatrics.",
        source="NHS Dorset CCG governing body decision on the Clinical Services Review, September 2017; upheld on "
               "judicial review and by the Secretary of State, 2019 (S: dorsetsvision.nhs.uk, HSJ)"),
    "poole_major_emergency": dict(
        name="Alternative: Poole major emergency, Bournemouth major planned",
        services={"poole": ALL, "bournemouth": ["elective", "urgent_care"], "dorchester": WEST},
        description="The 2017 model with the east Dorset roles swapped: Poole (which already had "
                    "maternity, paediatrics and the cancer centre) as the major emergency hospital.",
        source="alternative reconstructed for comparison (est.), not a consulted option as far as found"),
    "single_major_emergency_east": dict(
        name="Alternative: one emergency hospital for Dorset at Bournemouth",
        services={"bournemouth": ALL, "poole": ["elective", "urgent_care"],
                  "dorchester": ["elective", "urgent_care"]},
        description="Every emergency, maternity and stroke service at Bournemouth; Dorchester planned care only. Shows "
                    "why the west keeps its hospital: stroke access fails for west Dorset and Bournemouth overflows.",
        source="illustrative alternative (est.), not a consulted option"),
}


if __name__ == "__main__":
    derive_county(sys.modules[__name__])
