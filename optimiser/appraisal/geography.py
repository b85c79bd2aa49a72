"""Geography: zones as areas, sites as points, for maps and for QGIS (needs the ``geo`` extra: geopandas).

An instance may give its zones as polygons and its sites as points in a GeoPackage or
GeoJSON file (``zones.gpkg`` or ``zones.geojson``, ``sites.gpkg`` or ``sites.geojson``,
with the columns of the CSV; ``lat``/``lon`` may be left out and are then taken from the
geometry, see :func:`optimiser.instance.io.read_table`). Where the zones have no polygons, each zone's
area is approximated by the Voronoi cell of its centroid, clipped to the instance's area
(the convex hull of its road junctions, zones and sites, buffered by :data:`BUFFER_KM`),
and flagged ``approximate`` so that maps say so.

Geometry is stored in WGS84 longitude/latitude (EPSG:4326); distances and areas are taken
in the local UTM zone that geopandas estimates.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from optimiser.errors import InstanceError, Problem
from optimiser.instance.configuration import Configuration
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import rule as neighbour_rule

from . import leaving

WGS84 = "EPSG:4326"
#: Formats an instance may give its zones' polygons or its sites' points in, in the order they are looked for.
GEO_SUFFIXES = (".gpkg", ".geojson")
#: How far beyond its outermost junction, zone or site the instance's area reaches (approximate zones).
BUFFER_KM = 3.0


def geo_file(folder: Path, stem: str) -> Path | None:
    """``zones.gpkg`` or ``zones.geojson`` (for ``stem`` ``zones``) in ``folder``, if there is one."""
    return next((folder / f"{stem}{suffix}" for suffix in GEO_SUFFIXES if (folder / f"{stem}{suffix}").is_file()),
                None)


def instance_area(instance: Instance) -> shapely.Geometry:
    """The instance's area in WGS84: the convex hull of its junctions, zones and sites, buffered by
    :data:`BUFFER_KM`."""
    points = pd.concat([frame[["lon", "lat"]] for frame in (instance.road_nodes, instance.zones, instance.sites)
                        if len(frame)])
    hull = gpd.GeoSeries([shapely.MultiPoint(points.to_numpy(float)).convex_hull], crs=WGS84)
    return hull.to_crs(local_crs(hull)).buffer(BUFFER_KM * 1000).to_crs(WGS84).iloc[0]


def local_crs(shapes: gpd.GeoDataFrame | gpd.GeoSeries) -> pyproj.CRS:
    """The UTM zone at the centre of the shapes' bounds, in which distances are metres. geopandas'
    ``estimate_utm_crs`` looks only at that centre, and each look reads pyproj's database (0.07 s): so the
    centre is rounded to 0.1 degree and each place looked up once."""
    west, south, east, north = shapes.to_crs(WGS84).total_bounds
    return _utm_at(round((west + east) / 2, 1), round((south + north) / 2, 1))


@functools.lru_cache(maxsize=64)
def _utm_at(lon: float, lat: float) -> pyproj.CRS:
    return gpd.GeoSeries([shapely.Point(lon, lat)], crs=WGS84).estimate_utm_crs()


def zone_areas(instance: Instance) -> gpd.GeoDataFrame:
    """Each zone's area (index ``zone_id``; ``name``, ``population``, ``approximate``, ``geometry``)."""
    zones = instance.zones[["name", "population"]].rename_axis("zone_id")
    path = geo_file(instance.path, "zones") if instance.path else None
    if path is not None:
        given = gpd.read_file(path)
        polygonal = given.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
        if polygonal.all() and len(given):
            given = given.to_crs(WGS84) if given.crs else given.set_crs(WGS84)
            _check_zone_ids(instance, path, given)
            geometry = given.set_index("zone_id").geometry.reindex(zones.index)
            return gpd.GeoDataFrame(zones.assign(approximate=False), geometry=geometry.to_numpy(), crs=WGS84)
    return gpd.GeoDataFrame(zones.assign(approximate=True), geometry=voronoi_cells(instance), crs=WGS84)


def _check_zone_ids(instance: Instance, path: Path, given: gpd.GeoDataFrame) -> None:
    """Every zone of the instance has exactly one polygon, and every polygon a known zone."""
    problems = []
    if "zone_id" not in given:
        problems.append(Problem(path.name, "has no zone_id column", fix="Give each polygon its zone's zone_id"))
    else:
        ids = given["zone_id"].astype(str)
        for zone_id in instance.zones.index.difference(ids):
            problems.append(Problem(path.name, f"has no polygon for zone {zone_id}", column="zone_id",
                                    fix="Add the zone's polygon, or remove the file to use approximate areas"))
        for row, zone_id in enumerate(ids, start=1):
            if zone_id not in instance.zones.index:
                problems.append(Problem(path.name, f"polygon for an unknown zone {zone_id}", row=row,
                                        column="zone_id", fix="Use a zone_id of zones.csv"))
        for zone_id in sorted(set(ids[ids.duplicated()])):
            problems.append(Problem(path.name, f"more than one polygon for zone {zone_id}", column="zone_id",
                                    fix="Merge the zone's polygons into one MultiPolygon"))
    if problems:
        raise InstanceError(instance.name, problems)


def voronoi_cells(instance: Instance) -> list[shapely.Geometry]:
    """Each zone's Voronoi cell around its centroid, clipped to :func:`instance_area` (zones in zones.csv order)."""
    points = shapely.points(instance.zones[["lon", "lat"]].to_numpy(float))
    area = instance_area(instance)
    cells = shapely.voronoi_polygons(shapely.MultiPoint(points), extend_to=area)
    by_point = {}
    for cell in shapely.get_parts(cells):
        for i in shapely.STRtree(points).query(cell, predicate="contains"):
            by_point[int(i)] = cell.intersection(area)
    return [by_point.get(i, shapely.Point(p).buffer(0.005)) for i, p in enumerate(points)]


def site_points(instance: Instance) -> gpd.GeoDataFrame:
    """Each site as a point (index ``site_id``; ``name``, ``exists``, ``geometry``)."""
    sites = instance.sites[["name", "exists"]].rename_axis("site_id")
    return gpd.GeoDataFrame(sites, geometry=gpd.points_from_xy(instance.sites["lon"], instance.sites["lat"]),
                            crs=WGS84)


def column_label(option: str) -> str:
    """An option's label as a GIS column prefix: ``#1`` → ``opt1``, ``status_quo`` → ``status_quo``."""
    return re.sub(r"\W+", "_", option.replace("#", "opt")).strip("_") or "option"


def export_gpkg(instance: Instance, configurations: Mapping[str, Configuration], access: pd.DataFrame,
                allocations: pd.DataFrame, path: str | Path, flows: pd.DataFrame | None = None) -> Path:
    """Write a GeoPackage for QGIS: layer ``zones`` (areas, with each configuration's site and minutes per
    service, each by its own mode: columns ``<option>_<service>_site`` and ``<option>_<service>_min``) and layer
    ``sites`` (points, with the services each configuration places there: ``<option>_services``); where the
    instance has neighbouring providers, layer ``neighbours`` (:func:`neighbour_points`).

    ``access``, ``allocations`` and ``flows`` are the appraisal's frames of the configurations (a zone split
    between sites is given the site that takes the largest share; ``flows``, its ``neighbour_flows``, add
    ``<option>_leaving``: the activity a year each zone sends to neighbouring providers).
    """
    from .metrics import own_mode

    path = Path(path)
    zones = zone_areas(instance)
    trips = own_mode(instance, access)
    main = allocations.sort_values("share", ascending=False, kind="stable").drop_duplicates(
        ["option", "service_id", "zone_id"])
    columns = {}
    for option in configurations:
        prefix = column_label(option)
        for service_id in instance.services.index:
            site = main[(main["option"] == option) & (main["service_id"] == service_id)].set_index("zone_id")
            minutes = trips[(trips["option"] == option) & (trips["service_id"] == service_id)].set_index("zone_id")
            columns[f"{prefix}_{service_id}_site"] = site["site_id"].reindex(zones.index)
            columns[f"{prefix}_{service_id}_min"] = minutes["minutes"].reindex(zones.index)
    if flows is not None:
        sent = flows.groupby(["option", "zone_id"])["activity"].sum()
        for option in configurations:
            columns[f"{column_label(option)}_leaving"] = sent.get(option, pd.Series(dtype=float)).reindex(
                zones.index, fill_value=0.0)
    zones = pd.concat([zones, pd.DataFrame(columns, index=zones.index)], axis=1)
    sites = site_points(instance)
    for option, configuration in configurations.items():
        sites[f"{column_label(option)}_services"] = [
            ", ".join(sorted(l for s, l in configuration.hosts if s == site_id)) for site_id in sites.index]
    if path.exists():
        path.unlink()
    zones.reset_index().to_file(path, layer="zones", driver="GPKG")
    sites.reset_index().to_file(path, layer="sites", driver="GPKG")
    if len(instance.tables["neighbours"]):
        neighbour_points(instance, list(configurations), flows).reset_index().to_file(path, layer="neighbours",
                                                                                     driver="GPKG")
    return path


def neighbour_points(instance: Instance, options: list[str], flows: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Each neighbouring provider as a point (index ``neighbour_id``): ``name``; ``services`` it offers;
    ``spare_activity``, the activity a year it can take over them (blank where any is without a limit);
    ``leaving_rule``, what the flows follow (the instance's rule, or :data:`~optimiser.appraisal.leaving.ESTIMATE`
    under ``none``); per option, ``<option>_leaving`` and ``<option>_leaving_gbp_m``: the activity a year the
    option sends there (``flows``: :func:`optimiser.appraisal.leaving.flows`) and the income it takes."""
    neighbours = instance.tables["neighbours"].set_index("neighbour_id")
    offers = instance.tables["neighbour_services"].groupby("neighbour_id")
    spare = offers["spare_activity"].sum(min_count=1).where(offers["spare_activity"].count() == offers.size())
    points = gpd.GeoDataFrame(
        {"name": neighbours["name"].astype(str),
         "services": offers["service_id"].agg(lambda s: ", ".join(sorted(s))).reindex(neighbours.index).fillna(""),
         "spare_activity": spare.reindex(neighbours.index).astype(float),
         "leaving_rule": leaving.ESTIMATE if leaving.estimated(instance) else neighbour_rule(instance)},
        geometry=gpd.points_from_xy(neighbours["lon"], neighbours["lat"]), crs=WGS84)
    sent = flows if flows is not None else pd.DataFrame(columns=leaving.COLUMNS)
    for option in options:
        mine = sent[sent["option"] == option].groupby("neighbour_id")[["activity", "income_gbp_m"]].sum()
        points[f"{column_label(option)}_leaving"] = mine["activity"].reindex(neighbours.index, fill_value=0.0)
        points[f"{column_label(option)}_leaving_gbp_m"] = mine["income_gbp_m"].reindex(neighbours.index,
                                                                                        fill_value=0.0)
    return points
