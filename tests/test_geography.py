"""Geography: zones as polygons in, approximate areas where there are none, and a GeoPackage out for QGIS."""

from __future__ import annotations

from pathlib import Path

import pytest

gpd = pytest.importorskip("geopandas", reason="the geo extra is not installed (pip install -e '.[geo]')")
shapely = pytest.importorskip("shapely")

from optimiser import load_instance  # noqa: E402
from optimiser.appraisal.geography import export_gpkg, zone_areas  # noqa: E402
from optimiser.errors import InstanceError  # noqa: E402

#: tests/data/tiny's zones as squares of 0.04° around their centroids (z_north, z_mid, z_south, z_east).
CENTRES = {"z_north": (0.50, 51.60), "z_mid": (0.50, 51.55), "z_south": (0.50, 51.50), "z_east": (0.65, 51.55)}


def _polygons(tiny, suffix: str = ".gpkg", drop: str | None = None) -> Path:
    """tiny with zones.csv replaced by zones<suffix>: the same columns, polygons instead of lat/lon."""
    import pandas as pd

    zones = pd.read_csv(tiny.path / "zones.csv").drop(columns=["lat", "lon"])
    zones = zones[zones["zone_id"] != drop]
    squares = [shapely.box(x - 0.02, y - 0.02, x + 0.02, y + 0.02) for x, y in zones["zone_id"].map(CENTRES)]
    path = tiny.path / f"zones{suffix}"
    gpd.GeoDataFrame(zones, geometry=squares, crs="EPSG:4326").to_file(path)
    tiny.remove("zones.csv")
    return path


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
def test_zones_given_as_polygons_load_with_their_centres(tiny, suffix):
    """lat/lon come from a point inside each polygon: the square's centre, as in zones.csv."""
    _polygons(tiny, suffix)
    instance = load_instance(tiny.path)
    assert instance.zones.loc["z_east", ["lon", "lat"]].tolist() == pytest.approx([0.65, 51.55])
    areas = zone_areas(instance)
    assert not areas["approximate"].any()
    assert areas.loc["z_mid"].geometry.equals_exact(shapely.box(0.48, 51.53, 0.52, 51.57), tolerance=1e-9)


def test_a_polygon_file_missing_a_zone_is_an_error_naming_it(tiny):
    """The polygon file is the zone table: a zone left out is simply not in the instance; a polygon file
    beside zones.csv that misses a zone is named with the zone."""
    import pandas as pd

    zones = pd.read_csv(tiny.path / "zones.csv")
    keep = zones[zones["zone_id"] != "z_east"]
    squares = [shapely.box(x - 0.02, y - 0.02, x + 0.02, y + 0.02) for x, y in keep["zone_id"].map(CENTRES)]
    gpd.GeoDataFrame(keep[["zone_id"]], geometry=squares, crs="EPSG:4326").to_file(tiny.path / "zones.gpkg")
    with pytest.raises(InstanceError) as caught:
        zone_areas(load_instance(tiny.path))
    assert [str(p) for p in caught.value.problems] == [
        "zones.gpkg, column zone_id: has no polygon for zone z_east. Add the zone's polygon, or remove the file to "
        "use approximate areas"]


def test_without_polygons_zones_are_approximate_voronoi_cells(tiny_instance):
    """Each cell holds its own centroid and no other; the cells do not overlap and stay within the area."""
    areas = zone_areas(tiny_instance)
    assert areas["approximate"].all()
    for zone_id, (x, y) in CENTRES.items():
        assert areas.loc[zone_id].geometry.contains(shapely.Point(x, y))
        others = [shapely.Point(*c) for z, c in CENTRES.items() if z != zone_id]
        assert not any(areas.loc[zone_id].geometry.contains(p) for p in others)
    union = shapely.union_all(areas.geometry.to_numpy())
    assert union.area == pytest.approx(sum(cell.area for cell in areas.geometry))  # no overlap


@pytest.mark.slow
def test_geopackage_round_trip(tiny):
    """Zones in as polygons; the study's export read back with geopandas has every zone and configuration,
    each zone's site and minutes per service and each site's services."""
    from optimiser.appraisal.study import study

    _polygons(tiny)
    instance = load_instance(tiny.path)
    result = study(instance, top=1, samples=10)
    out = export_gpkg(instance, result.configurations, result.appraisal.access, result.appraisal.allocations,
                      tiny.path.parent / "out.gpkg")
    zones = gpd.read_file(out, layer="zones").set_index("zone_id")
    sites = gpd.read_file(out, layer="sites").set_index("site_id")
    assert sorted(zones.index) == sorted(CENTRES)
    assert set(zones.geom_type) == {"Polygon"} and not zones["approximate"].any()
    assert set(result.configurations) == {"#1", "status_quo"}
    # status quo: emergency at north and south; z_east is 18 min from either by car (tests/test_metrics.py)
    assert zones.loc["z_east", "status_quo_emergency_min"] == pytest.approx(18.0)
    assert zones.loc["z_south", "status_quo_emergency_site"] == "south"
    assert zones.loc["z_north", "status_quo_cancer_site"] == "east"
    assert {f"opt1_{s}_min" for s in instance.services.index} <= set(zones.columns)
    assert sites.loc["east", "status_quo_services"] == "cancer"
    assert sites.loc["north", "status_quo_services"] == "emergency, obstetrics"


@pytest.mark.parametrize(("lon", "lat", "epsg"), [(0.6, 51.6, 32631), (-1.3, 51.0, 32630), (-1.4, 53.5, 32630),
                                                  (151.2, -33.9, 32756)])
def test_the_local_projection_is_the_utm_zone_of_the_area_centre(lon, lat, epsg):
    """Distances are taken in the UTM zone at the centre of the shapes' bounds: zone floor((lon + 180) / 6) + 1,
    north (EPSG 326zz) or south (327zz) of the equator: Essex 0.6°E is zone 31, Hampshire and South Yorkshire
    zone 30, Sydney (151.2°E, 33.9°S) zone 56 south. A square of 0.2° around the point has that centre."""
    from optimiser.appraisal.geography import local_crs

    square = gpd.GeoSeries([shapely.box(lon - 0.1, lat - 0.1, lon + 0.1, lat + 0.1)], crs="EPSG:4326")
    assert local_crs(square).to_epsg() == epsg
