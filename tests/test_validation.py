"""Validation: every broken input is reported with file, row, column and a fix, all at once.

Each test breaks one thing in a copy of the tiny instance and asserts the exact
message an analyst sees.
"""

from __future__ import annotations

import pytest

from optimiser import InstanceError, load_instance


def problems(folder) -> list[str]:
    with pytest.raises(InstanceError) as caught:
        load_instance(folder.path)
    return [str(p) for p in caught.value.problems]


def test_the_tiny_instance_is_valid(tiny):
    instance = load_instance(tiny.path)
    assert list(instance.sites.index) == ["north", "south", "east"]
    assert instance.warnings == ()


def test_missing_required_file(tiny):
    tiny.remove("zones.csv")
    assert problems(tiny) == [
        "zones.csv: is missing. Every instance needs it: "
        "Demand areas (localities, MSOAs) with population, deprivation and a centroid."]


def test_missing_and_unknown_columns(tiny):
    tiny.replace("zones.csv", "zone_id,name,lat,lon,population,", "zone_id,name,lat,lon,populaton,")
    assert problems(tiny) == [
        "zones.csv, row 1, column population: required column is missing. "
        "Add a column named 'population': Resident population.",
        "zones.csv, row 1, column populaton: unknown column. Did you mean 'population'? "
        "Allowed columns: zone_id, name, lat, lon, population, deprivation_quintile, group, population_0_15, "
        "population_65_plus, rurality",
    ]


def test_wrong_types_are_reported_for_every_row(tiny):
    tiny.replace("zones.csv", "51.55,0.50,30000", "51.55,0.50,many")
    tiny.replace("sites.csv", "51.60,0.50,true", "51.60,0.50,perhaps")
    tiny.replace("zones.csv", "60000,1,B", "60000,1.5,B")
    assert problems(tiny) == [
        "sites.csv, row 2, column exists: 'perhaps' is not true or false. Write true or false",
        "zones.csv, row 3, column population: 'many' is not a number. Write a number",
        "zones.csv, row 4, column deprivation_quintile: '1.5' is not a whole number. Write a whole number",
    ]


def test_infinite_numbers_and_short_rows_are_reported_not_read(tiny):
    """No quantity is infinite (a blank says "no limit" where a field allows it), a number beyond a
    double's range is none, and a row that stops short has its missing cells blank."""
    tiny.replace("zones.csv", "51.55,0.50,30000", "51.55,0.50,inf")
    tiny.replace("zones.csv", "60000,1,B", "1e400,-Infinity,B")
    tiny.replace("zones.csv", "z_east,East Town,51.55,0.65,40000,5,B", "z_east,East Town,51.55,0.65")
    assert problems(tiny) == [
        "zones.csv, row 3, column population: 'inf' is not a number. Write a number",
        "zones.csv, row 4, column population: '1e400' is not a number. Write a number",
        "zones.csv, row 4, column deprivation_quintile: '-Infinity' is not a whole number. Write a whole number",
        "zones.csv, row 5, column population: is empty. Fill in: Resident population.",
        "zones.csv, row 5, column deprivation_quintile: is empty. "
        "Fill in: Index of Multiple Deprivation quintile, 1 = most deprived 20%.",
    ]


def test_negative_and_missing_demand(tiny):
    tiny.replace("zones.csv", "50000,4", "-50000,4")
    tiny.replace("zones.csv", "30000,2", ",2")
    tiny.replace("services.yaml", "demand_per_1000: 10", "demand_per_1000: -10")
    assert problems(tiny) == [
        "zones.csv, row 2, column population: -50000 is below the smallest allowed value, 0 people. "
        "Resident population.",
        "zones.csv, row 3, column population: is empty. Fill in: Resident population.",
        "services.yaml, row 10, column demand_per_1000: -10 is below the smallest allowed value, "
        "0 activity per 1000 population per year. Yearly activity per 1000 residents; a zone's demand is "
        "population × rate / 1000 unless demand.csv gives it.",
    ]


def test_demand_override_must_not_be_negative(tiny):
    tiny.write("demand.csv", "zone_id,service_id,demand,source\nz_mid,obstetrics,-3,survey\n")
    assert problems(tiny) == [
        "demand.csv, row 2, column demand: -3 is below the smallest allowed value, 0 activity per year. "
        "Yearly activity of the zone for the service; replaces population × rate."]


def test_duplicate_ids(tiny):
    tiny.append("sites.csv", "south,Second South,51.51,0.51,true,0,")
    assert problems(tiny) == [
        "sites.csv, row 5, column site_id: duplicate site_id 'south' (first on row 3). "
        "Each must appear once: remove or rename one"]


def test_duplicate_yaml_record(tiny):
    tiny.append("services.yaml", "cancer:\n  name: Again\n  activity: x\n  demand_per_1000: 1")
    assert problems(tiny)[0] == (
        "services.yaml, row 19: key 'cancer' appears twice (first at row 13). Remove or rename one of them")


def test_unknown_ids_in_rules(tiny):
    tiny.replace("givens.csv", "east,cancer", "eastt,cancer")
    tiny.replace("codependencies.csv", "colocated,emergency", "colocated,emergncy")
    tiny.replace("options.yaml", "south: acute", "south: acutee")
    assert problems(tiny) == [
        "codependencies.csv, row 2, column service_b: unknown service 'emergncy'. Did you mean 'emergency'? "
        "Known services (from services): cancer, emergency, obstetrics",
        "givens.csv, row 2, column site_id: unknown site 'eastt'. Did you mean 'east'? "
        "Known sites (from sites): east, north, south",
        "options.yaml, row 3, column roles: unknown role 'acutee'. Did you mean 'acute'? "
        "Known roles (from roles): acute",
    ]


def test_unknown_yaml_keys_fail_loudly(tiny):
    tiny.replace("services.yaml", "  min_sites: 1\n  rotas", "  min_sties: 1\n  rotas")
    tiny.replace("instance.yaml", "year: 2024", "yaer: 2024")
    assert problems(tiny) == [
        "instance.yaml, row 1, column year: is empty. Fill in: Year the demand and capacity figures describe.",
        "instance.yaml, row 4, column yaer: unknown key 'yaer'. Did you mean 'year'? Allowed keys: name, title, "
        "description, year, lat_min, lat_max, lon_min, lon_max, roads, default_mode, baseline, decision, "
        "connector_speed_kmh, snap_warn_km, closest_assignment, min_unit_activity, neighbour_rule, gtfs, "
        "walking, walk_speed_kmh, max_walk_min",
        "services.yaml, row 5, column min_sties: unknown key 'min_sties'. Did you mean 'min_sites'? Allowed "
        "keys: name, activity, demand_per_1000, min_sites, max_sites, min_volume, max_volume, mode, "
        "max_travel_min, coverage_travel_min, coverage_share, rotas_24_7, running_cost_gbp_m, "
        "opening_capital_gbp_m, tariff_gbp, source",
    ]


def test_yaml_syntax_error_names_the_line(tiny):
    """The parser's own reason is passed on (libyaml and pure-Python PyYAML word it slightly differently)."""
    tiny.replace("roles.yaml", "services: [emergency, obstetrics]", "services: [emergency, obstetrics")
    (found,) = problems(tiny)
    assert found.startswith("roles.yaml, row 4: is not valid YAML: ")
    assert "expected ',' or ']'" in found
    assert found.endswith(". Check the indentation and quoting on that line")


def test_rule_values_must_be_allowed(tiny):
    tiny.replace("codependencies.csv", "colocated", "colocate")
    assert problems(tiny) == [
        "codependencies.csv, row 2, column rule: 'colocate' is not one of colocated, within, excludes. "
        "Did you mean 'colocated'? Allowed values: colocated, within, excludes"]


def test_colocated_and_excludes_contradict(tiny):
    tiny.append("codependencies.csv", "emergency,excludes,obstetrics,,,,clash")
    assert problems(tiny) == [
        "codependencies.csv, row 3, column rule: rules contradict each other: 'obstetrics' needs 'emergency' on "
        "the same site, but 'obstetrics' and 'emergency' exclude each other. "
        "Remove the excludes rule or the colocated rule"]


def test_transitive_needs_that_exclude_each_other(tiny):
    tiny.append("codependencies.csv", "obstetrics,colocated,cancer,,,,x")
    tiny.append("codependencies.csv", "cancer,excludes,emergency,,,,x")
    assert problems(tiny) == [
        "codependencies.csv, row 4, column rule: rules contradict each other: 'obstetrics' needs both 'cancer' "
        "and 'emergency' on its site, but they exclude each other, so no site can host 'obstetrics'. "
        "Remove the excludes rule or one colocated rule"]


def test_given_contradicts_colocation(tiny):
    tiny.append("givens.csv", "north,obstetrics,true,x")
    tiny.append("givens.csv", "north,emergency,false,x")
    assert problems(tiny) == [
        "givens.csv, row 3, column service_id: 'obstetrics' is given at 'north' and needs 'emergency' on the "
        "same site, but 'emergency' is given as not at 'north'. Change one of the givens or the colocated rule"]


def test_within_rule_needs_minutes(tiny):
    tiny.append("codependencies.csv", "cancer,within,emergency,,,amber,x")
    assert problems(tiny) == [
        "codependencies.csv, row 3, column within_min: a within rule needs within_min (cancer within ? minutes "
        "of emergency). Give the travel-time cap in minutes"]


def test_service_standards_that_cannot_hold(tiny):
    tiny.replace("services.yaml", "  min_sites: 1\n  max_sites: 1", "  min_sites: 2\n  max_sites: 1")
    tiny.replace("services.yaml", "max_travel_min: 30", "coverage_share: 0.95")
    assert problems(tiny) == [
        "services.yaml, row 12, column coverage_share: service 'obstetrics': coverage_share and "
        "coverage_travel_min go together. Give both (e.g. 0.95 of the population within 45 minutes) or neither",
        "services.yaml, row 17, column min_sites: service 'cancer': min_sites (2) is more than max_sites (1). "
        "Lower min_sites or raise max_sites",
    ]


def test_coordinates_outside_the_area(tiny):
    tiny.replace("zones.csv", "51.55,0.65,40000", "0.65,51.55,40000")
    found = problems(tiny)
    assert found == [
        "zones.csv, row 5, column lat: zone 'z_east' lies outside the instance's area: lat 0.65 is not within "
        "51.45..51.65. Check the coordinate (lat and lon swapped? a sign lost?) or widen the area in "
        "instance.yaml",
        "zones.csv, row 5, column lon: zone 'z_east' lies outside the instance's area: lon 51.55 is not within "
        "0.4..0.75. Check the coordinate (lat and lon swapped? a sign lost?) or widen the area in "
        "instance.yaml",
    ]


def test_unreachable_zone(tiny):
    tiny.append("road_nodes.csv", "X,51.46,0.70,Island")
    tiny.append("zones.csv", "z_island,Island,51.46,0.70,1000,3,B")
    assert problems(tiny) == [
        "zones.csv, row 6, column lat: zone 'z_island' cannot be reached by road: its nearest junction 'X' is cut "
        "off from the junctions the other sites and zones use. Connect that junction in roads.csv (check one-way "
        "roads), or correct the coordinates"]


@pytest.mark.parametrize(("roads", "roads_problem"), [
    (None, "roads.csv: is missing. Give roads.csv and road_nodes.csv together: the roads join the junctions"),
    ("from_node,to_node,road_class,length_km,speed_kmh,oneway,name,source\n",
     "roads.csv: has no roads. Give the road graph that serves the sites and zones")])
def test_a_road_graph_without_junctions_or_roads_is_reported_not_snapped_to(tiny, roads, roads_problem):
    """Files of headers only, or junctions without the roads that join them: no travel time exists."""
    tiny.write("road_nodes.csv", "node_id,lat,lon,name\n")
    if roads is None:
        tiny.remove("roads.csv")
    else:
        tiny.write("roads.csv", roads)
    assert problems(tiny) == [
        "road_nodes.csv: has no junctions. Give the road graph that serves the sites and zones", roads_problem]


def test_one_way_dead_end_is_unreachable(tiny):
    tiny.append("road_nodes.csv", "D,51.48,0.70,Dead end")
    tiny.append("roads.csv", "E,D,minor,5,50,true,B1,x")
    tiny.append("modes.csv", "car,minor,1.0,x")
    tiny.append("modes.csv", "bluelight,minor,1.25,x")
    tiny.append("zones.csv", "z_dead,Dead End,51.48,0.70,1000,3,B")
    assert problems(tiny)[0].startswith("zones.csv, row 6, column lat: zone 'z_dead' cannot be reached by road")


def test_mode_without_a_factor_for_a_road_class(tiny):
    tiny.replace("modes.csv", "bluelight,motorway,1.25,test\n", "")
    assert problems(tiny) == [
        "modes.csv, column road_class: mode 'bluelight' has no speed factor for road class 'motorway'. "
        "Add a row: bluelight,motorway,<speed factor>"]


def test_many_rows_with_one_problem_are_summed_up(tiny):
    rows = "".join(f"z{i},Z{i},51.5,0.5,-1,3,A\n" for i in range(8))
    tiny.append("zones.csv", rows.rstrip("\n"))
    found = problems(tiny)
    assert len(found) == 6
    assert found[-1] == ("zones.csv, column population: and 3 more rows like these (rows 11–13). "
                         "Resident population.")


def test_every_problem_of_every_file_at_once(tiny):
    tiny.replace("zones.csv", "30000", "lots")
    tiny.replace("sites.csv", "51.60,0.50,true", "51.60,0.50,maybe")
    tiny.replace("services.yaml", "activity: births", "activity: births\n  colour: red")
    assert len(problems(tiny)) == 3


def test_warning_for_a_site_far_from_any_road(tiny):
    tiny.replace("sites.csv", "east,East Hospital,51.55,0.65", "east,East Hospital,51.60,0.70")
    instance = load_instance(tiny.path)
    assert [str(w) for w in instance.warnings] == [
        "sites.csv, row 4, column lat: site 'east' is 6.5 km from the nearest road junction ('E'); its travel "
        "times start there. Add a junction near it, or raise snap_warn_km (now 3 km) in instance.yaml"]
