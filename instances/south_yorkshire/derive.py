"""Derive the numbers of the `south_yorkshire` instance, write its files and print the checks in README.md.

Run (with the project's environment, which has the optimiser package):

    python derive.py     # writes every CSV/YAML file of this folder, then prints the checks

Everything numeric lives here, marked S (sourced; source in README.md) or est. (estimate). Writing and
the checks are shared with the county instances (../derive_common.py). Zones are the 2011 MSOAs of the network's
districts, read from sources/msoa_2011.csv (ONS data; sources/README.md says where each column comes from).
"""
import csv
import itertools
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from derive_common import (  # noqa: E402
    ALLEN_2017, COUNTY_CODEPENDENCIES, COUNTY_RESOURCE_USE, SENATE, derive_county, haversine_km,
    split_attendances, with_tariffs, with_viable_minima)

# --- instance -----------------------------------------------------------------------------
INSTANCE = dict(
    name="south_yorkshire",
    title=("Working Together: acute hospitals of South Yorkshire, Bassetlaw, Chesterfield, Mid Yorkshire, Calderdale "
           "and Huddersfield"),
    description=("Fifteen acute and community hospital sites of the Working Together Partnership and Calderdale and "
                 "Huddersfield serving ~2.78 million people in the 353 MSOAs of 11 districts (ONS mid-2017 small-area "
                 "estimates, S). Services per site partly sourced; the hyper-acute stroke decision of 15 Nov 2017 and "
                 "the Calderdale and Huddersfield proposal of 2016 are sourced; road "
                 "speeds, activity rates other than births and stroke, capacities and costs are estimates (see "
                 "README.md)."),
    year=2017,
    decision="decision_2017",
)
MARGIN = 0.05

# --- sites (services S where README says so; coordinates est. from maps) ---------------------
SITES = [
    ("northern_general", "Northern General Hospital, Sheffield", 53.4095, -1.4600, True, 0,
     "adult emergency department and major trauma centre for the region (S, Hospital Services Review 2018)"),
    ("royal_hallamshire", "Royal Hallamshire Hospital and Jessop Wing, Sheffield", 53.3781, -1.4894, True, 0,
     "hyper-acute stroke unit (S, consultation 2016); Jessop Wing maternity and neonatal unit (S); no adult A&E"),
    ("sheffield_childrens", "Sheffield Children's Hospital", 53.3800, -1.4862, True, 0,
     "children's emergency department and inpatient paediatrics (S, Hospital Services Review 2018)"),
    ("rotherham", "Rotherham General Hospital", 53.4137, -1.3387, True, 0,
     "A&E (S); hyper-acute stroke until 1 July 2019 (S)"),
    ("barnsley", "Barnsley Hospital", 53.5597, -1.5030, True, 0,
     "A&E (S); hyper-acute stroke until 1 October 2019 (S)"),
    ("doncaster", "Doncaster Royal Infirmary", 53.5213, -1.1065, True, 0, "A&E (S); hyper-acute stroke unit (S)"),
    ("bassetlaw", "Bassetlaw Hospital, Worksop", 53.3175, -1.1195, True, 0, "A&E (S); services est. (README)"),
    ("montagu", "Montagu Hospital, Mexborough", 53.4946, -1.2880, True, 0,
     "community and planned-care hospital with a minor injuries unit (est.)"),
    ("chesterfield", "Chesterfield Royal Hospital", 53.2545, -1.3840, True, 0,
     "A&E (S); hyper-acute stroke unit kept under 600 admissions a year (S, consultation 2016)"),
    ("pinderfields", "Pinderfields Hospital, Wakefield", 53.6930, -1.5130, True, 0,
     "Mid Yorkshire's acute hub: A&E, maternity, children's, hyper-acute stroke (S/est., README)"),
    ("pontefract", "Pontefract Hospital", 53.6905, -1.3108, True, 0, "A&E without acute admissions (est.)"),
    ("dewsbury", "Dewsbury and District Hospital", 53.6953, -1.6523, True, 0,
     "A&E and planned care after Mid Yorkshire's 2016 changes (est., README)"),
    ("huddersfield", "Huddersfield Royal Infirmary", 53.6550, -1.8160, True, 0,
     "A&E (S); adult critical care and planned surgery (est.); midwife-led birth centre and children's surgery (S, "
     "not modelled); coordinates S (Wikipedia)"),
    ("calderdale", "Calderdale Royal Hospital, Halifax", 53.7058, -1.8546, True, 0,
     "A&E (S); consultant-led maternity since 2006 and neonatal intensive care (S); inpatient children's medicine (S); "
     "hyper-acute stroke unit (S, 2017)"),
    ("holme_valley", "Holme Valley Memorial Hospital, Holmfirth", 53.5745, -1.7960, True, 0,
     "community hospital with a day surgery unit (S, 2017), here as planned surgery (est.)"),
]

# --- zones: the 2011 MSOAs of the districts (S: ONS; sources/msoa_2011.csv, its sources in sources/README.md) ------
#: One zone per MSOA: ONS code and name, population-weighted centroid (S), mid-2017 population (S, the sum of its
#: LSOAs' ONS estimates), district (S; Kirklees split by CCG: North Kirklees, Greater Huddersfield) and deprivation
#: quintile (national quintile of the MSOA's population-weighted IMD 2019 score among England's 6,791 MSOAs,
#: 1 = most deprived).
with open(HERE / "sources" / "msoa_2011.csv", newline="", encoding="utf-8") as _handle:
    ZONES_RAW = [(row["msoa11cd"], row["msoa11nm"], float(row["lat"]), float(row["lon"]),
                  int(row["population_mid2017"]), int(row["imd2019_quintile"]), row["district"])
                 for row in csv.DictReader(_handle)]
POPULATION_TOTAL = sum(z[4] for z in ZONES_RAW)  # the MSOAs' sum: scaling leaves every zone as sourced

# --- road graph: motorways, A roads, town links (junction coordinates and speeds est.) -----------
SPEED = {"motorway": 100, "dual": 80, "single": 60, "minor": 50, "urban": 35}  # km/h, est.
DETOUR = {"motorway": 1.05, "dual": 1.08, "single": 1.20, "minor": 1.25, "urban": 1.30}  # est.
_SITE_NODES = [(s[0], s[2], s[3], s[1]) for s in SITES]
#: Town centres (coordinates est. from maps), where the town roads below meet.
_TOWN_NODES = [
    ("sheffield_central", 53.3780, -1.4700, "Sheffield city centre"),
    ("sheffield_north", 53.4200, -1.5150, "Hillsborough, Sheffield"),
    ("sheffield_north_east", 53.4190, -1.4400, "Firth Park, Sheffield"),
    ("sheffield_south_east", 53.3650, -1.3850, "Darnall and Handsworth, Sheffield"),
    ("sheffield_south_west", 53.3500, -1.5100, "Ecclesall, Sheffield"),
    ("rotherham_town", 53.4300, -1.3570, "Rotherham town centre"), ("wath_rawmarsh", 53.4900, -1.3300, "Wath"),
    ("maltby_dinnington", 53.3800, -1.2300, "Maltby and Dinnington"),
    ("barnsley_town", 53.5526, -1.4797, "Barnsley town centre"), ("dearne", 53.5200, -1.3700, "Wombwell (Dearne)"),
    ("royston_cudworth", 53.5900, -1.4400, "Royston and Cudworth"), ("penistone", 53.5250, -1.6280, "Penistone"),
    ("doncaster_town", 53.5228, -1.1285, "Doncaster town centre"),
    ("mexborough_conisbrough", 53.4900, -1.2700, "Mexborough and Conisbrough"),
    ("thorne", 53.6150, -0.9600, "Thorne"), ("armthorpe", 53.5350, -1.0500, "Armthorpe"),
    ("rossington_bawtry", 53.4700, -1.0900, "Rossington"),
    ("worksop", 53.3020, -1.1240, "Worksop"), ("retford", 53.3220, -0.9430, "Retford"),
    ("harworth", 53.4170, -1.0750, "Harworth"), ("chesterfield_town", 53.2350, -1.4210, "Chesterfield town centre"),
    ("dronfield", 53.3020, -1.4720, "Dronfield"), ("clay_cross", 53.1650, -1.4140, "Clay Cross"),
    ("eckington_killamarsh", 53.3230, -1.3600, "Eckington"), ("bolsover", 53.2300, -1.2600, "Bolsover"),
    ("wakefield_city", 53.6830, -1.4990, "Wakefield city centre"),
    ("five_towns", 53.7050, -1.3500, "Pontefract and Castleford"), ("ossett_horbury", 53.6650, -1.5650, "Ossett"),
    ("hemsworth", 53.6120, -1.3500, "Hemsworth"), ("dewsbury_town", 53.6910, -1.6330, "Dewsbury town centre"),
    ("batley", 53.7160, -1.6340, "Batley"), ("spen_valley", 53.7200, -1.7100, "Heckmondwike (Spen Valley)"),
    ("huddersfield_town", 53.6450, -1.7800, "Huddersfield town centre"), ("mirfield", 53.6740, -1.6930, "Mirfield"),
    ("colne_valley", 53.6240, -1.8820, "Slaithwaite (Colne Valley)"), ("holmfirth", 53.5700, -1.7870, "Holmfirth"),
    ("kirkburton", 53.6080, -1.7040, "Kirkburton"), ("halifax_town", 53.7220, -1.8600, "Halifax town centre"),
    ("hipperholme", 53.7240, -1.8100, "Hipperholme"), ("brighouse", 53.7030, -1.7830, "Brighouse"),
    ("elland", 53.6850, -1.8380, "Elland"), ("sowerby_bridge", 53.7080, -1.9070, "Sowerby Bridge"),
    ("hebden_bridge", 53.7410, -2.0130, "Hebden Bridge"), ("todmorden", 53.7140, -2.0970, "Todmorden"),
]
_JUNCTIONS = [
    ("m1_j29", 53.1900, -1.3300, "M1 J29 Heath (A617)"), ("m1_j30", 53.2870, -1.2970, "M1 J30 Barlborough (A619)"),
    ("m1_j31", 53.3580, -1.2730, "M1 J31 Aston (A57)"), ("m1_j32", 53.3900, -1.2900, "M1 J32 Thurcroft (M18)"),
    ("m1_j33", 53.3930, -1.3650, "M1 J33 Catcliffe (A630 Parkway)"),
    ("m1_j34", 53.4150, -1.4100, "M1 J34 Meadowhall"), ("m1_j35", 53.4520, -1.4440, "M1 J35 Thorpe Hesley"),
    ("m1_j36", 53.4970, -1.4850, "M1 J36 Hoyland (A61/A6195)"), ("m1_j37", 53.5450, -1.5150, "M1 J37 Barnsley (A628)"),
    ("m1_j38", 53.5850, -1.5350, "M1 J38 Haigh"), ("m1_j39", 53.6400, -1.5600, "M1 J39 Wakefield (A636)"),
    ("m1_j40", 53.6730, -1.5450, "M1 J40 Ossett (A638)"), ("m1_j42", 53.7250, -1.5200, "M1 J42 Lofthouse (M62)"),
    ("m18_j1", 53.4200, -1.2330, "M18 J1 Bramley (A631)"), ("m18_j2", 53.4660, -1.1420, "M18 J2 Wadworth (A1(M))"),
    ("m18_j3", 53.5020, -1.0850, "M18 J3 Doncaster (A6182)"), ("m18_j4", 53.5320, -1.0450, "M18 J4 Armthorpe"),
    ("m18_j5", 53.5750, -1.0150, "M18 J5 Hatfield"), ("a1_j34", 53.3780, -1.0860, "A1(M) J34 Blyth (A614)"),
    ("a1_j36", 53.5030, -1.1750, "A1(M) J36 Warmsworth (A630)"), ("a1_j37", 53.5300, -1.2050, "A1(M) J37 Marr (A635)"),
    ("a1_j38", 53.5730, -1.2300, "A1(M) J38 Redhouse (A638)"),
    ("a1_ferrybridge", 53.7130, -1.2700, "A1(M)/M62 Ferrybridge"),
    ("m62_j22", 53.6560, -1.9790, "M62 J22 Rishworth Moor (A672)"),
    ("m62_j23", 53.6590, -1.8780, "M62 J23 Outlane (A640)"), ("m62_j24", 53.6760, -1.8300, "M62 J24 Ainley Top (A629)"),
    ("m62_j25", 53.6930, -1.7780, "M62 J25 Brighouse (A644)"),
    ("m62_j26", 53.7450, -1.7250, "M62 J26 Chain Bar"), ("m62_j27", 53.7520, -1.6500, "M62 J27 Gildersome"),
    ("m62_j28", 53.7350, -1.5900, "M62 J28 Tingley"), ("m62_j31", 53.7130, -1.4200, "M62 J31 Normanton"),
    ("m62_j32", 53.7050, -1.3450, "M62 J32 Pontefract"),
]
_ROAD_NODES = _SITE_NODES + _TOWN_NODES + _JUNCTIONS
_MOTORWAYS = [  # consecutive junctions of each motorway
    ("M1", ["m1_j29", "m1_j30", "m1_j31", "m1_j32", "m1_j33", "m1_j34", "m1_j35", "m1_j36", "m1_j37", "m1_j38",
            "m1_j39", "m1_j40", "m1_j42"]),
    ("M18", ["m1_j32", "m18_j1", "m18_j2", "m18_j3", "m18_j4", "m18_j5"]),
    ("A1(M)", ["a1_j34", "m18_j2", "a1_j36", "a1_j37", "a1_j38", "a1_ferrybridge"]),
    ("M62", ["m62_j22", "m62_j23", "m62_j24", "m62_j25", "m62_j26", "m62_j27", "m62_j28", "m1_j42", "m62_j31",
             "m62_j32", "a1_ferrybridge"]),
]
EDGES = [(a, b, "motorway", name) for name, chain in _MOTORWAYS for a, b in itertools.pairwise(chain)] + [
    # Sheffield
    ("northern_general", "m1_j34", "urban", "A6109 / Meadowhall Road"),
    ("northern_general", "sheffield_north_east", "urban", "Herries Road"),
    ("northern_general", "sheffield_central", "urban", "A61 Penistone Road"),
    ("northern_general", "sheffield_north", "urban", "Herries Road / A6102"),
    ("sheffield_central", "royal_hallamshire", "urban", "A57 Glossop Road"),
    ("royal_hallamshire", "sheffield_childrens", "urban", "Clarkson Street (same campus)"),
    ("royal_hallamshire", "sheffield_south_west", "urban", "A625 Ecclesall Road"),
    ("royal_hallamshire", "sheffield_north", "urban", "A6101 / Middlewood Road"),
    ("sheffield_central", "sheffield_south_east", "dual", "A57 Parkway"),
    ("sheffield_south_east", "m1_j33", "dual", "A630 Parkway"),
    ("sheffield_south_east", "m1_j31", "single", "A57 Aston"),
    ("sheffield_south_west", "dronfield", "single", "A61 Chesterfield Road"),
    ("sheffield_south_east", "eckington_killamarsh", "single", "A6135 / A616"),
    ("sheffield_north", "penistone", "single", "A616 Stocksbridge bypass"),
    # Chesterfield and North Derbyshire
    ("dronfield", "chesterfield_town", "dual", "A61 Dronfield bypass"),
    ("chesterfield_town", "chesterfield", "urban", "Calow Lane"), ("chesterfield", "m1_j29", "dual", "A617"),
    ("chesterfield", "m1_j30", "single", "A619"), ("chesterfield_town", "clay_cross", "dual", "A61"),
    ("clay_cross", "m1_j29", "single", "A6175"), ("bolsover", "m1_j29", "single", "A632 / A617"),
    ("bolsover", "m1_j30", "single", "A616 Clowne"), ("eckington_killamarsh", "m1_j30", "single", "A616"),
    # Rotherham
    ("rotherham_town", "rotherham", "urban", "Moorgate Road"), ("rotherham_town", "m1_j33", "dual", "A631 / A630"),
    ("rotherham_town", "m1_j34", "urban", "A6109 / A6178"), ("rotherham", "m18_j1", "single", "A631 Wickersley"),
    ("rotherham_town", "wath_rawmarsh", "single", "A633"),
    ("maltby_dinnington", "m18_j1", "single", "A631 Maltby"), ("maltby_dinnington", "m1_j31", "single", "A57"),
    # Barnsley
    ("barnsley_town", "barnsley", "urban", "Gawber Road"), ("barnsley_town", "m1_j37", "urban", "A628 Dodworth Road"),
    ("barnsley", "m1_j37", "urban", "A628"), ("barnsley_town", "royston_cudworth", "single", "A61 / A628"),
    ("barnsley_town", "dearne", "single", "A633 / A6195 Dearne Valley Parkway"),
    ("dearne", "m1_j36", "dual", "A6195"), ("dearne", "a1_j37", "single", "A635"),
    ("dearne", "wath_rawmarsh", "single", "A6023 / A6195"), ("penistone", "m1_j37", "single", "A628"),
    ("royston_cudworth", "hemsworth", "single", "A628"), ("barnsley_town", "m1_j38", "single", "A61 north"),
    # Doncaster and Bassetlaw
    ("doncaster_town", "doncaster", "urban", "Thorne Road"), ("doncaster_town", "a1_j36", "dual", "A630"),
    ("doncaster_town", "m18_j3", "dual", "A6182 White Rose Way"), ("doncaster", "m18_j4", "single", "A630 / A18"),
    ("doncaster_town", "a1_j38", "single", "A638 Great North Road"),
    ("armthorpe", "m18_j4", "urban", "A630"), ("armthorpe", "doncaster", "urban", "Armthorpe Road"),
    ("thorne", "m18_j5", "single", "A614 / M18 J6 link"), ("thorne", "doncaster_town", "single", "A19 / A18"),
    ("mexborough_conisbrough", "montagu", "urban", "A6023 Adwick Road"),
    ("mexborough_conisbrough", "a1_j36", "single", "A6023 / A630"),
    ("mexborough_conisbrough", "wath_rawmarsh", "urban", "A6023 / A633"),
    ("rossington_bawtry", "m18_j2", "single", "A638 / A6182"), ("rossington_bawtry", "harworth", "single", "A614"),
    ("harworth", "a1_j34", "single", "A614 / A634"), ("worksop", "bassetlaw", "urban", "Kilton Hill"),
    ("worksop", "m1_j31", "single", "A57"), ("worksop", "a1_j34", "single", "A57 / A614"),
    ("worksop", "retford", "single", "A620"), ("retford", "a1_j34", "single", "A638 Blyth Road"),
    ("worksop", "m1_j30", "single", "A619"), ("harworth", "m18_j1", "single", "A631 Tickhill Road"),
    # Wakefield and North Kirklees
    ("wakefield_city", "pinderfields", "urban", "Aberford Road"), ("wakefield_city", "m1_j39", "dual", "A636"),
    ("wakefield_city", "m1_j40", "single", "A638"), ("pinderfields", "m1_j42", "single", "A650 / A61 north"),
    ("wakefield_city", "hemsworth", "single", "A638 / A628"), ("wakefield_city", "five_towns", "single", "A645"),
    ("wakefield_city", "royston_cudworth", "single", "A61"), ("five_towns", "pontefract", "urban", "Southgate"),
    ("five_towns", "m62_j32", "urban", "A639"), ("five_towns", "m62_j31", "single", "A655 Normanton"),
    ("pontefract", "a1_ferrybridge", "single", "A645"), ("hemsworth", "a1_j38", "single", "A638 South Elmsall"),
    ("hemsworth", "pontefract", "single", "A628"), ("ossett_horbury", "m1_j40", "urban", "A638"),
    ("ossett_horbury", "wakefield_city", "urban", "A642"), ("ossett_horbury", "dewsbury_town", "single", "A638"),
    ("dewsbury_town", "dewsbury", "urban", "Halifax Road"), ("dewsbury_town", "m1_j40", "single", "A638"),
    ("dewsbury_town", "batley", "urban", "A652 / A653"), ("batley", "m62_j27", "single", "A62 / A652"),
    ("batley", "m62_j28", "single", "A653"), ("spen_valley", "m62_j26", "urban", "A638 / A58"),
    ("spen_valley", "dewsbury", "single", "A638 / A62"),
    # Greater Huddersfield
    ("huddersfield", "m62_j24", "urban", "A640 / A629 Ainley Top"),
    ("huddersfield", "m62_j23", "single", "A640 Outlane"),
    ("huddersfield", "huddersfield_town", "urban", "A640 New Hey Road"),
    ("huddersfield_town", "m62_j24", "dual", "A629 Halifax Road"),
    ("huddersfield_town", "m62_j25", "single", "A62 / A644 Cooper Bridge"),
    ("m62_j25", "spen_valley", "single", "A62 Leeds Road"), ("huddersfield_town", "mirfield", "single", "A644"),
    ("mirfield", "dewsbury_town", "single", "A644 Dewsbury Road"),
    ("huddersfield_town", "ossett_horbury", "single", "A642 Grange Moor"),
    ("huddersfield_town", "colne_valley", "single", "A62 Manchester Road"),
    ("huddersfield_town", "holmfirth", "single", "A616 / A6024"),
    ("holmfirth", "holme_valley", "urban", "Huddersfield Road"), ("holmfirth", "penistone", "single", "A616 / A629"),
    ("huddersfield_town", "kirkburton", "single", "A629 Penistone Road"),
    ("kirkburton", "penistone", "single", "A629"), ("huddersfield_town", "brighouse", "single", "A641 Bradford Road"),
    # Calderdale
    ("halifax_town", "calderdale", "urban", "A629 Huddersfield Road"),
    ("calderdale", "m62_j24", "dual", "A629 Calderdale Way"),
    ("calderdale", "elland", "urban", "A629 / A6025"), ("elland", "brighouse", "single", "A6025"),
    ("brighouse", "m62_j25", "urban", "A644"), ("halifax_town", "hipperholme", "single", "A58"),
    ("hipperholme", "brighouse", "single", "A644"), ("hipperholme", "m62_j26", "single", "A58 Whitehall Road"),
    ("halifax_town", "sowerby_bridge", "single", "A58 / A646"), ("sowerby_bridge", "hebden_bridge", "single", "A646"),
    ("hebden_bridge", "todmorden", "single", "A646"), ("sowerby_bridge", "m62_j22", "single", "A58 / A672 Ripponden"),
]

#: Zone connectors: each MSOA centroid is a node joined by one link to the nearest site, town centre or junction
#: above (a leaf, so no route between them runs through a zone); class urban under URBAN_CONNECTOR_KM, else
#: minor (est.), its length the great-circle distance × that class's detour factor, as every link here.
URBAN_CONNECTOR_KM = 3.0


def _connector(zone):
    """(zone node, nearest road node, class, name) for one zone row of ZONES_RAW."""
    lat, lon = zone[2], zone[3]
    nearest = min(_ROAD_NODES, key=lambda node: float(haversine_km(lat, lon, node[1], node[2])))
    km = float(haversine_km(lat, lon, nearest[1], nearest[2]))
    return zone[0], nearest[0], "urban" if km < URBAN_CONNECTOR_KM else "minor", f"{zone[1]} connector"


# --- neighbouring providers: acute hospitals just outside the footprint ---------------------------------------
#: Each is a road node at the hospital joined by one link (a leaf) to the junction of the road that leads to it,
#: added after the zone connectors, so no zone connects to it and no travel time between the group's own places
#: changes. Coordinates S (Wikipedia) or est. from maps; link lengths est. as every link here.
_WIKIPEDIA = "coordinates S (Wikipedia)"
_MAPS = "coordinates est. from maps"
_A_AND_E = "24/7 A&E"
_NOT_FOUND = "(est.: not checked against the trust's service pages)"
NEIGHBOURS = [  # id, name, lat, lon, source, {service: what it offers, with its source}
    ("leeds_general", "Leeds General Infirmary (Leeds Teaching Hospitals NHS Trust)", 53.8017, -1.5520,
     f"Great George Street, Leeds LS1 3EX; {_MAPS}",
     {"emergency": f"{_A_AND_E} and the region's major trauma centre (S, Wikipedia)",
      "obstetrics": "maternity (S, Wikipedia)",
      "paediatrics": f"Leeds Children's Hospital on the site {_NOT_FOUND}",
      "elective": f"planned inpatient surgery {_NOT_FOUND}",
      "stroke": "hyper-acute stroke unit (S, Leeds Teaching Hospitals' stroke services page; one of West Yorkshire's "
                "five, Telegraph and Argus, 25 Feb 2017)"}),
    ("bradford_royal", "Bradford Royal Infirmary (Bradford Teaching Hospitals NHS Foundation Trust)", 53.80583,
     -1.79444, f"Duckworth Lane, Bradford BD9 6RJ (S, CQC); {_WIKIPEDIA}",
     {"emergency": f"{_A_AND_E} (S, CQC: a 24-hour emergency department)",
      "obstetrics": f"consultant-led maternity {_NOT_FOUND}",
      "paediatrics": f"children's wards {_NOT_FOUND}",
      "elective": f"planned inpatient surgery {_NOT_FOUND}",
      "stroke": "the Bradford district's single hyper-acute stroke unit since 2015 (S, Telegraph and Argus, 2015 "
                "and 25 Feb 2017)"}),
    ("kings_mill", "King's Mill Hospital, Sutton-in-Ashfield (Sherwood Forest Hospitals NHS Foundation Trust)",
     53.1290, -1.2290, f"Mansfield Road, Sutton-in-Ashfield NG17 4JL (S, Wikipedia); {_MAPS}",
     {"emergency": f"{_A_AND_E} (S, Wikipedia)",
      "obstetrics": "maternity and neonatal services in the Women and Children's centre, opened 2011 (S, Wikipedia)",
      "paediatrics": "children's services in the Women and Children's centre (S, Wikipedia)",
      "elective": f"planned inpatient surgery {_NOT_FOUND}",
      "stroke": f"stroke unit {_NOT_FOUND}"}),
    ("scunthorpe", "Scunthorpe General Hospital (Northern Lincolnshire and Goole NHS Foundation Trust)", 53.587,
     -0.667, f"Cliff Gardens, Scunthorpe DN15 7BH (S, Wikipedia); {_WIKIPEDIA}",
     {"emergency": f"{_A_AND_E} (S, Wikipedia)",
      "obstetrics": f"consultant-led maternity {_NOT_FOUND}",
      "paediatrics": f"children's ward {_NOT_FOUND}",
      "elective": f"planned inpatient surgery {_NOT_FOUND}",
      "stroke": "the trust's hyper-acute stroke unit, centralised at Scunthorpe in 2013 (S, trust's stroke page; "
                "NHS North East Lincolnshire CCG)"}),
    ("royal_oldham", "Royal Oldham Hospital (Pennine Acute Hospitals NHS Trust, now Northern Care Alliance)",
     53.5528, -2.1227, f"Rochdale Road, Oldham (S, Wikipedia); {_WIKIPEDIA}",
     {"emergency": f"{_A_AND_E} (S, Wikipedia)",
      "obstetrics": "maternity with a neonatal intensive care unit (S, Northern Care Alliance news, May 2022; in "
                    "2017 est.)",
      "paediatrics": f"children's wards {_NOT_FOUND}",
      "elective": f"planned inpatient surgery {_NOT_FOUND}"}),
    # no stroke: Greater Manchester's hyper-acute centres are Salford, Stepping Hill and Fairfield, Bury (S, National
    # Health Executive, 16 Mar 2015), and Royal Oldham's new strokes go to Fairfield (S, Lancashire Telegraph)
]
_NEIGHBOUR_LINKS = [
    ("m1_j42", "leeds_general", "dual", "M1 north / M621 to Leeds city centre"),
    ("m62_j26", "bradford_royal", "single", "M606 / A6177 Bradford ring road"),
    ("m1_j29", "kings_mill", "dual", "A617 / A38 to King's Mill"),
    ("m18_j5", "scunthorpe", "motorway", "M180 / M181 to Scunthorpe"),
    ("m62_j22", "royal_oldham", "motorway", "M62 west to J20, A627(M) to Oldham"),
]

NODES = _ROAD_NODES + [(z[0], z[2], z[3], z[1]) for z in ZONES_RAW] + [(n[0], n[2], n[3], n[1]) for n in NEIGHBOURS]
EDGES += [_connector(zone) for zone in ZONES_RAW] + _NEIGHBOUR_LINKS


def _zone_nearest(town):
    """The MSOA whose centroid is nearest a town centre (for the distance checks)."""
    lat, lon = next((n[1], n[2]) for n in _TOWN_NODES if n[0] == town)
    return min(ZONES_RAW, key=lambda zone: float(haversine_km(lat, lon, zone[2], zone[3])))[0]


TOWN_PAIRS = [(_zone_nearest(a), _zone_nearest(b)) for a, b in (
    ("sheffield_central", "doncaster_town"), ("barnsley_town", "wakefield_city"),
    ("rotherham_town", "sheffield_central"), ("chesterfield_town", "sheffield_central"),
    ("huddersfield_town", "halifax_town"))]

# --- services ------------------------------------------------------------------------------
WT_STROKE = ("NHS Commissioners Working Together, 'Proposal to change hyper acute stroke services', public "
             "consultation 3 Oct 2016 - 14 Feb 2017")
WT_DECISION = ("Joint Committee of Clinical Commissioning Groups (Commissioners Working Together), decision on hyper "
               "acute stroke services, 15 November 2017")
HSR_2018 = ("Professor Chris Welsh, independent Hospital Services Review for South Yorkshire, Bassetlaw and "
            "Chesterfield, report 9 May 2018")
ONS_BIRTHS = "ONS, Births in England and Wales: 2017 (679,106 live births over 58.7 million residents)"
SERVICES = with_tariffs(with_viable_minima(split_attendances({
    "emergency": dict(
        name="Type-1 emergency department (24/7 A&E)", activity="A&E attendances",
        demand_per_1000=280.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=20.0, opening_capital_gbp_m=25.0,
        coverage_travel_min=30, coverage_share=0.95,
        source="est.: ~15.5 million type-1 attendances in England a year over ~55.6 million people (NHS England A&E "
               "attendances 2017/18, rounded) = ~280 per 1000; access 95% within 30 min by car est. (seven EDs "
               f"kept, S, {HSR_2018}); costs est."),
    "critical_care": dict(
        name="Adult critical care (ICU/HDU)", activity="critical care admissions",
        demand_per_1000=4.5, min_sites=1, rotas_24_7=1, running_cost_gbp_m=8.0, opening_capital_gbp_m=15.0,
        source="est.: ~4.5 adult critical care admissions per 1000 a year (as the county instances); costs est."),
    "obstetrics": dict(
        name="Consultant-led obstetric unit", activity="births",
        demand_per_1000=11.6, min_sites=1, rotas_24_7=1, running_cost_gbp_m=10.0, opening_capital_gbp_m=15.0,
        coverage_travel_min=40, coverage_share=0.95,
        source=f"S: {ONS_BIRTHS} = 11.6 per 1000; access 95% within 40 min by car est.; costs est."),
    "neonatal": dict(
        name="Neonatal unit (local neonatal unit / SCBU)", activity="neonatal admissions",
        demand_per_1000=1.16, min_sites=1, rotas_24_7=0, running_cost_gbp_m=4.0, opening_capital_gbp_m=8.0,
        source="est.: ~10% of births need neonatal care (est.) x 11.6 births per 1000; costs est."),
    "paediatrics": dict(
        name="Inpatient paediatrics", activity="paediatric admissions",
        demand_per_1000=15.0, min_sites=1, rotas_24_7=1, running_cost_gbp_m=6.0, opening_capital_gbp_m=10.0,
        source="est.: ~15 paediatric admissions per 1000 residents a year (younger population than Dorset's 13); "
               "costs est."),
    "elective": dict(
        name="Inpatient elective surgery", activity="elective inpatient admissions",
        demand_per_1000=22.0, min_sites=1, rotas_24_7=0, running_cost_gbp_m=5.0, opening_capital_gbp_m=10.0,
        source="est.: ~22 ordinary elective admissions per 1000 a year; day cases not modelled; costs est."),
    "stroke": dict(
        name="Hyper-acute stroke unit (first 72 hours)", activity="hyper-acute stroke admissions",
        demand_per_1000=1.54, min_sites=1, min_volume=400, max_volume=2000, mode="bluelight",
        coverage_travel_min=45, coverage_share=0.95, rotas_24_7=1, running_cost_gbp_m=4.0, opening_capital_gbp_m=6.0,
        source="S/est.: around 15 patients a week no longer treated at Barnsley or Rotherham (S, Sheffield Star, "
               "18 Jun 2018, reporting the decision) = 780 a year over their 506,716 residents (S, ONS mid-2017 "
               f"small-area estimates) = 1.54 per 1000; 95% within 45 min by blue light (S, {ALLEN_2017}); min volume 600 (S, same) "
               "relaxed to 400 (est.) and at most 2,000, the top of the modelled best range 600-2,000 (S, same), "
               "because the decision kept Chesterfield, which receives fewer than 600 a year "
               f"(S, {WT_STROKE}); costs est."),
})))
RESOURCE_USE = {s: use for s, use in COUNTY_RESOURCE_USE.items() if s in SERVICES}

# Beds: site shares est. from each site's public profile (rounded to 50), the SYB+Chesterfield sites scaled to
# the 5,178 acute beds the Hospital Services Review counted (S); Mid Yorkshire sites est. unscaled.
_BEDS_RAW = {"northern_general": 1100, "royal_hallamshire": 850, "sheffield_childrens": 150, "rotherham": 450,
             "barnsley": 450, "doncaster": 700, "bassetlaw": 200, "montagu": 50, "chesterfield": 550}
_HSR_BEDS = 5178
_BEDS = {site: round(raw * _HSR_BEDS / sum(_BEDS_RAW.values())) for site, raw in _BEDS_RAW.items()}
_BEDS.update({"pinderfields": 650, "pontefract": 150, "dewsbury": 350, "holme_valley": 30})
#: Huddersfield's and Calderdale's beds (S, Huddersfield Examiner, 13 Mar 2018: each has 400); Calderdale Royal may
#: grow to 700, as the 2016 proposal planned (S, Halifax Courier, 2016: "from 400 to up to 700 beds").
_CHFT_BEDS = {"huddersfield": 400, "calderdale": 400}
_BEDS_EXPANSION = {"calderdale": 300}
_BEDS.update(_CHFT_BEDS)
_THEATRES = {"northern_general": 30, "royal_hallamshire": 20, "sheffield_childrens": 8, "rotherham": 10,
             "barnsley": 10, "doncaster": 15, "bassetlaw": 6, "montagu": 3, "chesterfield": 11, "pinderfields": 14,
             "pontefract": 6, "dewsbury": 8, "huddersfield": 10, "calderdale": 10, "holme_valley": 2}
_CRITICAL_CARE = {"northern_general": 40, "royal_hallamshire": 30, "sheffield_childrens": 0, "rotherham": 16,
                  "barnsley": 16, "doncaster": 20, "bassetlaw": 6, "montagu": 0, "chesterfield": 14,
                  "pinderfields": 20, "pontefract": 0, "dewsbury": 6, "huddersfield": 12, "calderdale": 16,
                  "holme_valley": 0}
_BEDS_SOURCE = "est.: site share from its public profile (rounded to 50){}; expansion est. 15% at GBP 0.5m a bed"
_CHFT_BEDS_SOURCE = "S: 400 beds (Huddersfield Examiner, 13 Mar 2018, on the 2016 proposal); {}"
_CHFT_EXPANSION = {"huddersfield": "expansion est. 15% at GBP 0.5m a bed",
                   "calderdale": "up to 700 beds as the 2016 proposal planned (S, Halifax Courier, 2016) at GBP 0.5m "
                                 "a bed est."}


def _beds_source(site: str) -> str:
    """The source of a site's bed count: sourced, scaled to the Hospital Services Review, or estimated."""
    if site in _CHFT_BEDS:
        return _CHFT_BEDS_SOURCE.format(_CHFT_EXPANSION[site])
    return _BEDS_SOURCE.format(", scaled to the 5,178 acute beds of the Hospital Services Review (S)"
                               if site in _BEDS_RAW else "")


SITE_RESOURCES = [row for site in _BEDS for row in (
    (site, "beds", _BEDS[site], _BEDS_EXPANSION.get(site, round(0.15 * _BEDS[site])), 0.5, _beds_source(site)),
    (site, "theatres", _THEATRES[site], 2, 5.0, "est.: from the site's size; +2 at GBP 5m each est."),
    (site, "critical_care_beds", _CRITICAL_CARE[site], 10, 1.0,
     "est.: from the site's size and role; +10 at GBP 1m each est."))]

#: Co-dependencies: the county instances' rules that hold across the network as they stand, then Sheffield's
#: encodings: the adjoining campus is "within 3 min blue light", which only the Royal Hallamshire and Sheffield
#: Children's, 300 m apart, meet; the HASU's ED may be a short transfer away.
CAMPUS_MIN = 3
_COUNTY_RULES_KEPT = {("emergency", "critical_care"), ("emergency", "urgent_care"), ("obstetrics", "critical_care"),
                      ("obstetrics", "neonatal"), ("neonatal", "obstetrics"), ("elective", "critical_care")}
CODEPENDENCIES = [rule for rule in COUNTY_CODEPENDENCIES if (rule[0], rule[2]) in _COUNTY_RULES_KEPT] + [
    ("obstetrics", "within", "paediatrics", CAMPUS_MIN, "bluelight", "purple",
     f"consultant obstetrics with inpatient paediatrics on site or the adjoining campus (S, {SENATE}; "
     "campus encoding est.: the Jessop Wing and Sheffield Children's)"),
    ("neonatal", "within", "paediatrics", CAMPUS_MIN, "bluelight", "purple",
     f"local neonatal unit needs inpatient paediatrics (S, {SENATE}); campus encoding est."),
    ("paediatrics", "within", "critical_care", CAMPUS_MIN, "bluelight", "purple",
     "est. (K): a deteriorating child is stabilised by the site's anaesthetic and critical care team; campus "
     "encoding est."),
    ("stroke", "colocated", "critical_care", None, None, "purple",
     f"HASU needs CT, anaesthetic and critical care cover on site (S/K, {SENATE})"),
    ("stroke", "within", "emergency", 15, "bluelight", "amber",
     f"HASU with an ED on site or a short transfer (S/K, {SENATE}): Sheffield's HASU at the Royal Hallamshire "
     "takes stroke patients direct while the adult ED is at the Northern General (S); 15 min est."),
]

_DGH = ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective"]
_BASE = {
    "northern_general": ["emergency", "urgent_care", "critical_care", "elective"],
    "royal_hallamshire": ["critical_care", "obstetrics", "neonatal", "elective", "stroke"],
    "sheffield_childrens": ["paediatrics"],
    "rotherham": [*_DGH, "stroke"], "barnsley": [*_DGH, "stroke"], "doncaster": [*_DGH, "stroke"],
    "bassetlaw": ["emergency", "urgent_care", "critical_care", "obstetrics", "neonatal", "paediatrics", "elective"],
    "montagu": ["urgent_care", "elective"], "chesterfield": [*_DGH, "stroke"], "pinderfields": [*_DGH, "stroke"],
    "pontefract": ["urgent_care", "elective"], "dewsbury": ["emergency", "urgent_care", "critical_care", "elective"],
    "huddersfield": ["emergency", "urgent_care", "critical_care", "elective"], "calderdale": [*_DGH, "stroke"],
    "holme_valley": ["elective"],
}
CHFT_CONSULTATION = ("NHS Calderdale CCG and NHS Greater Huddersfield CCG, 'Right Care, Right Time, Right Place', "
                     "public consultation 15 Mar - 21 Jun 2016")
#: The 2016 proposal: one emergency centre at Calderdale Royal with critical care, children's services and maternity;
#: Huddersfield a planned-care hospital with an urgent care centre (S, consultation); other sites as today.
_CHFT_PROPOSAL = {"calderdale": [*_DGH, "stroke"], "huddersfield": ["urgent_care", "elective"]}
OPTIONS = {
    "status_quo": dict(
        name="Status quo before the 2017 stroke decision: seven hyper-acute stroke units",
        services=_BASE,
        description="HASUs at the Royal Hallamshire, Rotherham, Barnsley, Doncaster, Chesterfield and Pinderfields; "
                    "adult ED and major trauma at the Northern General; maternity at the Jessop Wing and every "
                    "district hospital and Calderdale Royal; Montagu and Pontefract minor injuries and planned care; "
                    "A&E at both Huddersfield Royal Infirmary and Calderdale Royal, and a HASU at Calderdale Royal.",
        source=f"HASUs S ({WT_STROKE}: Barnsley and Rotherham would stop; {WT_DECISION}; Calderdale and Pinderfields: "
               "Yorkshire Evening Post, Feb 2017, on West Yorkshire's five HASUs); EDs S ({HSR_2018}; "
               f"{CHFT_CONSULTATION}); Calderdale Royal's maternity and children's services S (README); "
               "maternity, paediatrics and the Mid Yorkshire split est. (README)"),
    "decision_2017": dict(
        name=("15 Nov 2017 decision: HASUs at the Royal Hallamshire, Doncaster, Chesterfield and Pinderfields "
              "(and Calderdale Royal, outside its scope)"),
        services={site: [s for s in svcs if not (s == "stroke" and site in ("rotherham", "barnsley"))]
                  for site, svcs in _BASE.items()},
        description="Barnsley and Rotherham stop hyper-acute stroke care (Rotherham from 1 July 2019, Barnsley from "
                    "1 October 2019); their patients go to the nearest of the Royal Hallamshire, Doncaster and "
                    "Pinderfields (Chesterfield kept); acute stroke care and rehabilitation stay local.",
        source=f"S: {WT_DECISION}; implementation dates S (South Yorkshire and Bassetlaw ICS, March 2019)"),
    "chft_proposal_2016": dict(
        name="2016 proposal: a single emergency centre at Calderdale Royal, planned care at Huddersfield",
        services={**_BASE, **_CHFT_PROPOSAL},
        description="Emergency, acute and high-risk planned care, critical care, children's and consultant-led "
                    "maternity services at Calderdale Royal; Huddersfield a planned-care hospital with a 24/7 urgent "
                    "care centre (urgent care centres at both); every other site as before the 2017 stroke decision. "
                    "Not carried out: the Independent Reconfiguration Panel found it flawed and the Health Secretary "
                    "sent it back (10 May 2018); the revised plan keeps an A&E at both hospitals.",
        source=f"S: {CHFT_CONSULTATION} (rightcaretimeplace.co.uk, 'Proposed changes'); Secretary of State's letter "
               "of 10 May 2018 and NHS England's revised plan, Aug 2018 (BBC News, 9 Aug 2018)"),
}


if __name__ == "__main__":
    derive_county(sys.modules[__name__])
