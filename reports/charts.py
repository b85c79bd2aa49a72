"""The report's figures: maps, travel-time change, equity and rank acceptability, as PNG data URIs.

Every figure is a :class:`matplotlib.figure.Figure` of its own, drawn by the Agg renderer (no pyplot, so no
window and no figure kept between calls) under fixed settings (bundled DejaVu Sans, no mathtext, no PNG
software tag, fixed size and resolution), so the same inputs give the same bytes; the one use of mathtext is
:func:`math_svg`, for the formulation's own LaTeX, never for instance text. Text from the instance (zone and
site names) is drawn as plain text: ``$`` or ``_`` in a name never becomes mathematics.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import io
import json
import math
import os
import re
import tempfile
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path as FilePath

import matplotlib
import matplotlib.cm
import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import LineCollection, PatchCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.patches import PathPatch
from matplotlib.path import Path
from matplotlib.text import Annotation, Text
from matplotlib.textpath import TextPath
from matplotlib.ticker import PercentFormatter
from matplotlib.transforms import Bbox

CM = 1 / 2.54  # inches per centimetre
#: Resolution of the figures, dots per inch: in the HTML, a little finer than the size it shows them at (a map
#: 8 cm wide is shown about 8.8 cm wide, 333 CSS pixels, and drawn 377 pixels wide); for a PDF, finer for print.
SCREEN_DPI, PRINT_DPI = 120, 150
_DPI: ContextVar[int] = ContextVar("dpi", default=SCREEN_DPI)
#: Settings every figure is drawn under (local to each figure, never global).
RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "text.parse_math": False,
    "text.usetex": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "hospital-site-optimiser",
    "path.simplify": True,
}
#: Travel minutes on maps: short is pale yellow, long is dark red (reads in grey too).
TRAVEL_CMAP = "YlOrRd"
GAIN, LOSS = "#2166ac", "#d6604d"  # colour-blind-safe blue / red
ROAD_WIDTH = {"motorway": 1.4, "dual": 1.1, "single": 0.7, "minor": 0.5, "urban": 0.5}
ROLE_COLOURS = ("#1b9e77", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#d95f02", "#666666")
#: Neighbouring providers and the patients who leave for them: one colour, a triangle marker, lines up to this wide.
NEIGHBOUR_COLOUR, FLOW_MAX_WIDTH = "#6a3d9a", 4.0
OPTION_COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974")


@contextmanager
def resolution(dpi: int) -> Iterator[None]:
    """Draw the figures made inside the block at ``dpi`` dots per inch."""
    token = _DPI.set(dpi)
    try:
        yield
    finally:
        _DPI.reset(token)


@contextmanager
def _figure(width_cm: float, height_cm: float, **subplots) -> Iterator[tuple[Figure, np.ndarray]]:
    """A figure and its grid of axes under :data:`RC`; drawn (by :func:`_png`) inside the block, so under it too."""
    with matplotlib.rc_context(RC):
        fig = Figure(figsize=(width_cm * CM, height_cm * CM), dpi=_DPI.get())  # measured as drawn: labels are placed
        FigureCanvasAgg(fig)
        yield fig, fig.subplots(squeeze=False, **subplots)


def _png(fig: Figure) -> str:
    """The figure as a base64 PNG data URI, with no timestamp or software tag."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=fig.dpi, metadata={"Software": None},
                pil_kwargs={"compress_level": 1})  # zlib's fastest level: the files are about 2% larger
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


# --- maps -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MapSite:
    """A site as drawn: which, its label, and the role (or None) that colours its marker."""

    site_id: str
    label: str
    role: str | None
    hosts_any: bool


def map_scale(values: Sequence[float]) -> tuple[float, float]:
    """A fixed colour range shared by every map: 0 to the longest time, rounded up to 5 minutes."""
    top = max([v for v in values if np.isfinite(v)], default=5.0)
    return 0.0, max(5.0, 5.0 * math.ceil(top / 5.0))


@dataclass(frozen=True)
class MapLayers:
    """What every map of an instance draws beneath its zones and sites, in a local metric projection (metres):
    the zones' areas (index ``zone_id``, column ``approximate``) and their outlines as matplotlib paths (made
    once: every map colours the same shapes), the road graph, the sites and the neighbouring providers (index
    ``neighbour_id``, column ``name``; none where patients do not leave)."""

    areas: object  # geopandas.GeoDataFrame: imported lazily with the geo extra
    outlines: list[Path]  # one per zone, in the order of areas
    roads: np.ndarray  # segments × 2 ends × (x, y), metres
    road_widths: np.ndarray
    sites: object  # geopandas.GeoSeries of points, index site_id
    neighbours: object = None  # geopandas.GeoDataFrame of points, index neighbour_id, or None

    @classmethod
    def of(cls, areas, nodes: pd.DataFrame, roads: pd.DataFrame, sites: pd.DataFrame,
           neighbours: pd.DataFrame | None = None) -> MapLayers:
        """Project the zones (WGS84 areas), the junctions and roads, the sites and any neighbouring providers
        (``neighbour_id, name, lat, lon``) into the zones' UTM zone."""
        import geopandas as gpd

        from optimiser.appraisal.geography import local_crs

        local = local_crs(areas)
        position = nodes.set_index("node_id")[["lon", "lat"]]
        projected = gpd.GeoSeries(gpd.points_from_xy(position["lon"], position["lat"]), index=position.index,
                                  crs=areas.crs).to_crs(local)
        xy = pd.DataFrame({"x": projected.x, "y": projected.y})
        links = roads[roads["from_node"].isin(xy.index) & roads["to_node"].isin(xy.index)]
        segments = np.stack([xy.loc[links["from_node"]].to_numpy(float), xy.loc[links["to_node"]].to_numpy(float)],
                            axis=1) if len(links) else np.zeros((0, 2, 2))
        points = gpd.GeoSeries(gpd.points_from_xy(sites["lon"], sites["lat"]), index=sites.index,
                               crs=areas.crs).to_crs(local)
        others = None if neighbours is None else gpd.GeoDataFrame(
            {"name": neighbours["name"].astype(str).to_numpy()},
            index=pd.Index(neighbours["neighbour_id"].to_numpy(), name="neighbour_id"),
            geometry=gpd.points_from_xy(neighbours["lon"], neighbours["lat"]), crs=areas.crs).to_crs(local)
        from shapely.plotting import patch_from_polygon

        projected_areas = areas.to_crs(local)
        outlines = [patch_from_polygon(area).get_path() for area in projected_areas.geometry]
        return cls(projected_areas, outlines, segments,
                   links["road_class"].map(ROAD_WIDTH).fillna(0.5).to_numpy(float), points, others)

    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north of the zones and any neighbouring providers (which may lie beyond them)."""
        west, south, east, north = self.areas.total_bounds
        if self.neighbours is None or not len(self.neighbours):
            return west, south, east, north
        x, y = self.neighbours.geometry.x, self.neighbours.geometry.y
        pad = 0.03 * max(east - west, north - south)
        return (min(west, x.min() - pad), min(south, y.min() - pad), max(east, x.max() + pad),
                max(north, y.max() + pad))


@dataclass(frozen=True)
class MapFigure:
    """A map as a PNG data URI, and its key: the sites whose label found no room on the map, shown there by
    their number (``(number, label)``, numbered in the order the sites were given, the same on every map), and
    those too close to others for even a number (``unmarked``: their labels)."""

    image: str
    key: tuple[tuple[int, str], ...] = ()
    unmarked: tuple[str, ...] = ()


def option_map(layers: MapLayers, values: pd.Series, *, sites: Sequence[MapSite], roles: Sequence[str],
               scale: tuple[float, float], title: str, cmap: str | matplotlib.colors.Colormap = TRAVEL_CMAP,
               label: str = "minutes", ticks: Mapping[float, str] | None = None,
               flows: pd.DataFrame | None = None, flow_scale: float = 0.0) -> MapFigure:
    """A choropleth of the zones (``values`` by zone on ``scale``) over the road graph, sites labelled with
    what they host (by number, with a key, where a label finds no room), any neighbouring providers with the
    patients who leave for them (``flows``: ``zone_id, neighbour_id, activity``, line width by activity against
    ``flow_scale``), a colour bar with its unit, a scale bar and, where zones are approximate, a note."""
    west, south, east, north = layers.bounds()
    ratio = (north - south) / max(east - west, 1.0)
    with _figure(8.0, min(11.0, max(6.0, 8.0 * ratio + 1.6))) as (fig, axes):
        ax = axes[0, 0]
        _draw_zones(ax, layers, values.reindex(layers.areas.index).to_numpy(float), cmap, Normalize(*scale))
        ax.add_collection(LineCollection(layers.roads, linewidths=layers.road_widths, colors="#555555", alpha=0.5,
                                         zorder=2))
        below = _labels_below(layers, sites, east - west)
        points = [layers.sites.loc[site.site_id] for site in sites]
        ax.scatter([p.x for p in points], [p.y for p in points], marker="s", s=40, zorder=4, linewidths=1.0,
                   c=[_marker_colour(site, roles) for site in sites], edgecolors="black")  # one collection: fast
        labels = []
        for site, point in zip(sites, points, strict=True):
            east_half = point.x > (west + east) / 2  # labels point inwards, so they stay on the map
            text = "\n".join(textwrap.fill(line, 24, break_long_words=False) for line in site.label.splitlines())
            preferred = (-1 if east_half else 1, -1 if site.site_id in below else 1)
            labels.append((ax.annotate(text, zorder=5, xy=(point.x, point.y), xytext=(0, 0), fontsize=5.5,
                                       textcoords="offset points", gid="site-label",
                                       bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "#888888", "lw": 0.4,
                                             "alpha": 0.9}),
                           site.label.splitlines()[0], preferred))
        fixed = _draw_neighbours(ax, layers, flows, flow_scale, middle_x=(west + east) / 2) \
            if layers.neighbours is not None else []
        ax.set_xlim(west, east)
        ax.set_ylim(south, north)
        ax.set_aspect("equal")
        ax.set_axis_off()
        furniture = _scale_bar(ax, east - west)  # labels keep clear of it; the note they may cover
        if layers.areas["approximate"].any():
            ax.text(0.99, 0.01, "zone areas approximate (Voronoi cells of the zones' centres)", transform=ax.transAxes,
                    ha="right", va="bottom", fontsize=5, color="#555555")
        bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=Normalize(*scale), cmap=cmap), ax=ax,
                           orientation="horizontal", fraction=0.04, pad=0.02, aspect=40)
        bar.set_label(label, fontsize=6)
        bar.ax.tick_params(labelsize=6)
        if ticks:
            bar.set_ticks(list(ticks), labels=list(ticks.values()))
        ax.set_title(title, loc="left", fontweight="bold")
        fig.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.08)
        numbered, dropped = _place_labels(ax, labels, fixed, points, furniture)
        whole = [site.label.replace("\n", ": ", 1).replace("\n", " ") for site in sites]  # name: what it hosts
        return MapFigure(_png(fig), tuple((i + 1, whole[i]) for i in numbered), tuple(whole[i] for i in dropped))


def _marker_colour(site: MapSite, roles: Sequence[str]) -> str:
    """A site's marker: its role's colour, dark grey without a role, white where it hosts nothing."""
    if not site.hosts_any:
        return "white"
    return ROLE_COLOURS[roles.index(site.role) % len(ROLE_COLOURS)] if site.role in roles else "#222222"


#: Where a label may sit against its marker: its corner (or the middle of its edge) this many points from the
#: marker, up and to the right, up and to the left …, first on the side given, then further out.
LABEL_DISTANCES_PT = (5.0, 11.0, 18.0)
#: A marker's half width on the map, points, with its edge: no label may cover another site's marker.
MARKER_HALF_PT = 4.0


def _place_labels(ax, labels: list[tuple[Annotation, str, tuple[int, int]]], fixed: list[Annotation],
                  points: list, furniture: Sequence[Artist] = ()) -> tuple[list[int], list[int]]:
    """Put each site label where its box (measured as drawn) overlaps no label placed before it, no other marker,
    none of the map's ``furniture`` (its scale bar) and nothing outside the map: the side given first
    (inwards), then the other corners, then further out. A label that fits nowhere is shortened to the site's
    name and tried again, then to its number (its place in the order given, plus one) for the map's key;
    dropped if even that fits nowhere. Returns the places of the labels shown by number, and of those dropped.
    Greedy, in the order given, so the same map comes out each time; adjustText, the library for this, pushes
    labels apart step by step without a promise that none overlaps."""
    renderer = ax.figure.canvas.get_renderer()
    ax.apply_aspect()
    frame = ax.get_window_extent(renderer)
    half = MARKER_HALF_PT * ax.figure.dpi / 72
    taken = [_label_box(annotation, renderer) for annotation in fixed] + [
        artist.get_window_extent(renderer) for artist in furniture]
    markers = [Bbox.from_bounds(x - half, y - half, 2 * half, 2 * half)
               for x, y in ax.transData.transform([(p.x, p.y) for p in points])]
    points_px = ax.figure.dpi / 72
    numbered, dropped = [], []
    for i, (annotation, short, (east, north)) in enumerate(labels):
        sides = [(east, north), (-east, north), (east, -north), (-east, -north), (0, north), (0, -north),
                 (east, 0), (-east, 0)]
        others = taken + markers[:i] + markers[i + 1:]  # its own marker is where its corner points
        shapes = {text: _shape(annotation, text, renderer)
                  for text in dict.fromkeys((annotation.get_text(), short, str(i + 1)))}
        spot = next(((text, x * distance, y * distance) for text, (box, width, height) in shapes.items()
                     for distance in LABEL_DISTANCES_PT for x, y in sides
                     if _fits(box.translated(x * distance * points_px - width * (x < 0) - width / 2 * (x == 0),
                                             y * distance * points_px - height * (y < 0) - height / 2 * (y == 0)),
                              frame, others)), None)
        if spot is None:
            annotation.remove()
            dropped.append(i)
        else:
            taken.append(_moved(annotation, *spot, renderer))
            numbered += [i] if spot[0] == str(i + 1) else []
    return numbered, dropped


def _shape(annotation: Annotation, text: str, renderer) -> tuple[Bbox, float, float]:
    """A label's box with its text's lower left corner on the marker, and the text's width and height (pixels):
    every other place is this box moved (so each text is measured once, not once a place)."""
    box = _moved(annotation, text, 0.0, 0.0, renderer)
    extent = Text.get_window_extent(annotation, renderer)
    return box, extent.width, extent.height


def _moved(annotation: Annotation, text: str, x_pt: float, y_pt: float, renderer) -> Bbox:
    """Set the label's text and its corner's offset from the marker; its box as drawn."""
    annotation.set_text(text)
    annotation.xyann = (x_pt, y_pt)
    annotation.set_horizontalalignment("left" if x_pt >= 0 else "right")
    annotation.set_verticalalignment("bottom" if y_pt >= 0 else "top")
    if x_pt == 0 and y_pt != 0:
        annotation.set_horizontalalignment("center")
    if y_pt == 0 and x_pt != 0:
        annotation.set_verticalalignment("center")
    return _label_box(annotation, renderer)


def _label_box(annotation: Annotation, renderer) -> Bbox:
    """A label's box as drawn, with its rounded frame."""
    annotation.update_positions(renderer)
    annotation.update_bbox_position_size(renderer)
    return annotation.get_bbox_patch().get_window_extent(renderer)


#: Room kept around a label, pixels: a box moved arithmetically may differ from the one drawn by rounding.
LABEL_MARGIN_PX = 1.0


def _fits(box: Bbox, frame: Bbox, taken: list[Bbox]) -> bool:
    grown = Bbox.from_extents(box.x0 - LABEL_MARGIN_PX, box.y0 - LABEL_MARGIN_PX, box.x1 + LABEL_MARGIN_PX,
                              box.y1 + LABEL_MARGIN_PX)
    inside = frame.x0 <= grown.x0 and grown.x1 <= frame.x1 and frame.y0 <= grown.y0 and grown.y1 <= frame.y1
    return inside and not any(grown.overlaps(other) for other in taken)


def _draw_zones(ax, layers: MapLayers, values: np.ndarray, cmap: str | matplotlib.colors.Colormap,
                norm: Normalize) -> None:
    """The zones coloured by ``values`` on ``norm``, a zone without a value pale grey and hatched. (GeoDataFrame.plot
    would draw the whole figure once more before it is saved: a third of each map's time.)"""
    known = ~np.isnan(values)
    for shown, style in ((known, {"array": values[known], "cmap": cmap, "norm": norm, "edgecolor": "#666666"}),
                         (~known, {"facecolor": "#eeeeee", "edgecolor": "#999999", "hatch": "//"})):
        if shown.any():
            ax.add_collection(PatchCollection([PathPatch(path) for path, drawn in zip(layers.outlines, shown,
                                                                                        strict=True) if drawn],
                                              linewidth=0.4, zorder=1, **style))


def _draw_neighbours(ax, layers: MapLayers, flows: pd.DataFrame | None, flow_scale: float,
                     middle_x: float) -> list[Annotation]:
    """Neighbouring providers as labelled triangles, and a line from each zone's centre to the neighbour its
    patients leave for, as wide as the activity a year (against ``flow_scale``), labelled with the total; labels
    point inwards from ``middle_x``, as the sites' do, so they stay on the map. Returns the labels: the sites'
    labels keep clear of them."""
    centres = layers.areas.geometry.representative_point()
    received, labels = pd.Series(dtype=float), []
    if flows is not None and len(flows) and flow_scale > 0:
        sent = flows[flows["activity"] > 0].groupby(["zone_id", "neighbour_id"])["activity"].sum()
        received = sent.groupby(level="neighbour_id").sum()
        segments = [[(centres[z].x, centres[z].y), (layers.neighbours.geometry[n].x, layers.neighbours.geometry[n].y)]
                    for z, n in sent.index]
        ax.add_collection(LineCollection(segments, linewidths=FLOW_MAX_WIDTH * sent.to_numpy() / flow_scale,
                                         colors=NEIGHBOUR_COLOUR, alpha=0.6, capstyle="round", zorder=3))
    for neighbour_id, row in layers.neighbours.iterrows():
        point = row.geometry
        ax.scatter([point.x], [point.y], marker="^", s=50, c=NEIGHBOUR_COLOUR, edgecolors="black", linewidths=0.8,
                   zorder=4)
        leaving = float(received.get(neighbour_id, 0.0))
        text = textwrap.fill(row["name"], 24, break_long_words=False) + (
            f"\n{leaving:,.0f} a year leave for it" if leaving > 0 else "")
        east_half = point.x > middle_x
        labels.append(ax.annotate(text, xy=(point.x, point.y), xytext=(-5 if east_half else 5, -5),
                                  textcoords="offset points", ha="right" if east_half else "left", va="top",
                                  fontsize=5.5, color=NEIGHBOUR_COLOUR, zorder=5,
                                  bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": NEIGHBOUR_COLOUR,
                                        "lw": 0.4, "alpha": 0.9}))
    return labels


def _labels_below(layers: MapLayers, sites: Sequence[MapSite], width_m: float) -> set[str]:
    """Sites whose label goes below the marker: each that has another site north of it within a quarter of the
    map's width, so that two neighbours' labels part instead of overlapping."""
    points = layers.sites
    return {a.site_id for a in sites for b in sites if a is not b
            and abs(points[a.site_id].x - points[b.site_id].x) < width_m / 4
            and points[b.site_id].y > points[a.site_id].y}


def _scale_bar(ax, width_m: float) -> list[Artist]:
    """A scale bar in the lower left, a round number of kilometres about a fifth of the map's width: its bar and
    its label."""
    target = width_m / 5 / 1000
    step = 10 ** math.floor(math.log10(target)) if target > 0 else 1
    km = max((m * step for m in (1, 2, 5) if m * step <= target), default=step)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    bar = ax.plot([left, left + km * 1000], [bottom, bottom], color="black", linewidth=2, solid_capstyle="butt",
                  zorder=6)
    return [*bar, ax.text(left + km * 1000 / 2, bottom + 0.015 * (y1 - y0), f"{km:g} km", ha="center", va="bottom",
                          fontsize=6, zorder=6)]


def change_map(layers: MapLayers, change: pd.Series, *, sites: Sequence[MapSite], roles: Sequence[str],
               title: str) -> MapFigure:
    """Each zone's change in minutes against the status quo on a diverging scale (blue: shorter)."""
    top = max(1.0, math.ceil(float(np.nanmax(np.abs(change.to_numpy(float)), initial=0.0))))
    return option_map(layers, change, sites=sites, roles=roles, scale=(-top, top), title=title, cmap="RdBu_r",
                      label="change in mean trip, minutes (blue shorter, red longer)")


def gainers_map(layers: MapLayers, change: pd.Series, *, sites: Sequence[MapSite], roles: Sequence[str],
                title: str, threshold_min: float) -> MapFigure:
    """Who gains and who loses: zones whose mean trip is shorter (blue), longer (red) or within
    ``threshold_min`` of today's (grey)."""
    kind = np.sign(change.where(change.abs() > threshold_min, 0.0))
    return option_map(layers, kind, sites=sites, roles=roles, scale=(-1.0, 1.0), title=title,
                      cmap=matplotlib.colors.ListedColormap([GAIN, "#dddddd", LOSS]),
                      label="who gains and who loses", ticks={-2 / 3: "shorter trip", 0.0:
                                                              f"within {threshold_min:g} min", 2 / 3: "longer trip"})


def map_legend(roles: Sequence[tuple[str, str]], neighbours: bool = False) -> str:
    """The maps' shared legend: site markers by role, a site hosting nothing, the roads and, where patients
    may leave the group, the neighbouring providers and the lines of patients leaving for them."""
    entries = [(ROLE_COLOURS[i % len(ROLE_COLOURS)], f"{role.upper()}: {name}") for i, (role, name) in
               enumerate(roles)] or [("#222222", "hospital site")]
    entries.append(("white", "site hosting no service"))
    lines = [("#555555", 1.2, "modelled roads (line width: road class)")]
    if neighbours:
        lines.append((NEIGHBOUR_COLOUR, FLOW_MAX_WIDTH / 2, "patients leaving for a neighbouring provider, from each "
                                                            "zone's centre (line width: activity a year)"))
    rows = len(entries) + int(neighbours) + len(lines)
    with _figure(16.0, 0.5 + 0.45 * rows) as (fig, axes):
        ax = axes[0, 0]
        for i, (colour, text) in enumerate(entries):
            ax.scatter([0.01], [-i], marker="s", s=40, c=colour, edgecolors="black", linewidths=1.0)
            ax.text(0.03, -i, text, va="center", fontsize=7)
        at = len(entries)
        if neighbours:
            ax.scatter([0.01], [-at], marker="^", s=50, c=NEIGHBOUR_COLOUR, edgecolors="black", linewidths=0.8)
            ax.text(0.03, -at, "neighbouring provider, outside the group", va="center", fontsize=7)
            at += 1
        for i, (colour, width, text) in enumerate(lines, start=at):
            ax.plot([0.0, 0.02], [-i] * 2, color=colour, linewidth=width)
            ax.text(0.03, -i, text, va="center", fontsize=7)
        ax.set_xlim(0, 1)
        ax.set_ylim(-rows + 0.4, 0.6)
        ax.axis("off")
        fig.subplots_adjust(left=0.01, right=0.99, top=0.98, bottom=0.02)
        return _png(fig)


# --- mathematics --------------------------------------------------------------------------------

#: Size of typeset mathematics, and the margin around it (points).
MATH_PT, MATH_PAD_PT = 9.0, 0.5
#: LaTeX spellings mathtext lacks, and the ones it knows for them.
MATHTEXT_ALIASES = {r"\ge": r"\geq", r"\le": r"\leq", r"\ne": r"\neq"}


class MathCache:
    """Expressions typeset by :func:`math_svg`, kept in a JSON file between runs: the formulation is the same
    in every report, and parsing its fifty expressions is a second of every run. The file's name
    (:func:`math_cache_path`) holds a digest of what typesetting depends on, so a new matplotlib or a new
    size starts a new file; one that cannot be read or written is ignored (the expressions are typeset)."""

    def __init__(self, path: FilePath):
        self.path = path
        try:
            self.kept: dict[str, list | None] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.kept = {}
        self.changed = False

    def svg(self, expression: str) -> tuple[str, float, float] | None:
        """:func:`math_svg` of ``expression``, from the file where it is there."""
        if expression not in self.kept:
            typeset = math_svg(expression)
            self.kept[expression] = None if typeset is None else list(typeset)
            self.changed = True
        kept = self.kept[expression]
        return None if kept is None else (str(kept[0]), float(kept[1]), float(kept[2]))

    def save(self) -> None:
        """Write the file if an expression was added (whole or not at all: another report may be reading it)."""
        if not self.changed:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=self.path.parent, suffix=".tmp", delete=False,
                                             encoding="utf-8") as file:
                json.dump(self.kept, file, sort_keys=True)
            os.replace(file.name, self.path)
        except OSError:
            return


def math_cache_path() -> FilePath:
    """The typeset expressions' file in matplotlib's cache folder, named by what typesetting depends on."""
    depends = json.dumps([matplotlib.__version__, MATH_PT, MATH_PAD_PT, MATHTEXT_ALIASES, RC], sort_keys=True)
    digest = hashlib.sha256(depends.encode()).hexdigest()[:16]
    return FilePath(matplotlib.get_cachedir()) / f"hospital-site-optimiser-math-{digest}.json"


@functools.lru_cache(maxsize=512)
def math_svg(expression: str) -> tuple[str, float, float] | None:
    """A LaTeX expression typeset by matplotlib's mathtext as an SVG data URI of glyph outlines (so it needs no
    font), with its height and depth below the baseline in points; ``None`` when mathtext cannot parse it.

    The outlines come from :class:`matplotlib.textpath.TextPath` and are written as one SVG path: no figure
    is drawn, which keeps typesetting a formulation of some fifty expressions well under a second."""
    text = re.sub(r"\\[a-z]+(?![a-zA-Z])", lambda m: MATHTEXT_ALIASES.get(m.group(0), m.group(0)), expression)
    with matplotlib.rc_context(RC | {"text.parse_math": True, "mathtext.fontset": "dejavuserif"}):
        try:
            path = TextPath((0, 0), f"${text}$", size=MATH_PT)
        except ValueError:
            return None
    box = path.get_extents()
    left, top = box.x0 - MATH_PAD_PT, box.y1 + MATH_PAD_PT
    width, height = box.width + 2 * MATH_PAD_PT, box.height + 2 * MATH_PAD_PT
    commands = {Path.MOVETO: "M", Path.LINETO: "L", Path.CURVE3: "Q", Path.CURVE4: "C"}
    steps = []
    for points, code in path.iter_segments(simplify=False, curves=True):
        if code == Path.CLOSEPOLY:
            steps.append("Z")
            continue
        xy = points.reshape(-1, 2)
        steps.append(commands[code] + " ".join(f"{x - left:.2f} {top - y:.2f}" for x, y in xy))
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.2f}pt" height="{height:.2f}pt" '
           f'viewBox="0 0 {width:.2f} {height:.2f}"><path d="{"".join(steps)}" fill="#1a1a1a"/></svg>')
    depth = max(0.0, -box.y0) + MATH_PAD_PT
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"), height, depth


# --- charts -----------------------------------------------------------------------------------

def change_chart(change: pd.DataFrame, zone_names: Mapping[str, str], options: Sequence[tuple[str, str]],
                 area: str = "locality") -> str:
    """Horizontal bars per zone (or zone group: ``change``'s second column is the key ``zone_names`` names),
    one panel per option: minutes gained (blue, negative) or lost (red)."""
    key = change.columns[1]
    first = change[change["option"] == options[0][0]].set_index(key)["minutes_change"]
    order = sorted(zone_names, key=lambda z: (first.get(z, 0.0), zone_names[z]), reverse=True)
    extent = float(change[change["option"].isin([o for o, _ in options])]["minutes_change"].abs().max() or 1.0)
    extent = max(1.0, 1.1 * extent)
    height = 2.5 + 0.36 * len(order)
    with _figure(16.0, height, ncols=len(options), sharey=True) as (fig, axes):
        y = np.arange(len(order))
        for ax, (option, label) in zip(axes[0], options, strict=True):
            values = (change[change["option"] == option].set_index(key)["minutes_change"]
                      .reindex(order).fillna(0.0).to_numpy(float))
            ax.barh(y, values, color=[GAIN if v < 0 else LOSS for v in values], height=0.7)
            ax.axvline(0, color="#333333", linewidth=0.6)
            ax.set_xlim(-extent, extent)
            ax.set_title(label, loc="left")
            ax.grid(axis="x", color="#e5e5e5", linewidth=0.5)
            ax.set_axisbelow(True)
        axes[0, 0].set_yticks(y, [zone_names[z] for z in order])
        axes[0, 0].invert_yaxis()
        fig.supxlabel(f"change in each {area}'s mean travel minutes against the status quo (negative = shorter)",
                      fontsize=8)
        fig.tight_layout(pad=0.4)
        return _png(fig)


def equity_chart(equity: pd.DataFrame, options: Sequence[tuple[str, str]], modes: Sequence[str],
                 mode_labels: Mapping[str, str]) -> str:
    """Mean minutes by deprivation quintile (1 = most deprived), grouped bars per option, a panel per mode."""
    quintiles = sorted(int(q) for q in equity["deprivation_quintile"].dropna().unique())
    with _figure(16.0, 7.5, ncols=len(modes), sharey=True) as (fig, axes):
        width = 0.8 / max(len(options), 1)
        x = np.arange(len(quintiles))
        for ax, mode in zip(axes[0], modes, strict=True):
            rows = equity[equity["mode"] == mode]
            for i, (option, label) in enumerate(options):
                values = (rows[rows["option"] == option].set_index("deprivation_quintile")["minutes"]
                          .reindex(quintiles).to_numpy(float))
                ax.bar(x - 0.4 + width * (i + 0.5), values, width=width * 0.95, label=label,
                       color=OPTION_COLOURS[i % len(OPTION_COLOURS)])
            ax.set_xticks(x, [f"{q}{chr(10) + 'most deprived' if q == 1 else ''}"
                              f"{chr(10) + 'least deprived' if q == quintiles[-1] else ''}" for q in quintiles])
            ax.set_xlabel("deprivation quintile")
            ax.set_title(mode_labels.get(mode, mode), loc="left")
            ax.grid(axis="y", color="#e5e5e5", linewidth=0.5)
            ax.set_axisbelow(True)
        axes[0, 0].set_ylabel("mean minutes (activity-weighted)")
        fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="upper center", ncols=len(options), frameon=False)
        fig.tight_layout(pad=0.4, rect=(0, 0, 1, 0.9))
        return _png(fig)


def access_chart(curves: pd.DataFrame, options: Sequence[tuple[str, str]], services: Sequence[tuple[str, str]],
                 standards: Mapping[str, float]) -> str:
    """The S-curve per service (a panel each): share of the population within each number of minutes, a line
    per option, the access standard marked where the service has one."""
    columns = min(len(services), 2)
    rows = math.ceil(len(services) / columns)
    with _figure(16.0, 1.2 + 5.0 * rows, nrows=rows, ncols=columns, sharey=True) as (fig, axes):
        for ax in axes.flat[len(services):]:
            ax.axis("off")
        for ax, (service, title) in zip(axes.flat, services, strict=False):
            mine = curves[curves["service_id"] == service]
            top = max(60.0, 15 * math.ceil(float(mine["minutes"].max()) / 15)) if len(mine) else 60.0
            for i, (option, label) in enumerate(options):
                curve = mine[mine["option"] == option]
                x = np.concatenate([[0.0], curve["minutes"].to_numpy(float), [top]])
                y = np.concatenate([[0.0], curve["share"].to_numpy(float), [1.0]])
                ax.step(x, y, where="post", label=label, color=OPTION_COLOURS[i % len(OPTION_COLOURS)],
                        linewidth=1.2)
            if np.isfinite(standards.get(service, np.nan)):
                ax.axvline(standards[service], color="#888888", linestyle="--", linewidth=0.8)
            ax.set_xlim(0, top)
            ax.set_ylim(0, 1.02)
            ax.set_xticks(np.arange(0, top + 1, 15))
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
            ax.set_xlabel("minutes")
            ax.set_title(textwrap.fill(title, 48), loc="left")
            ax.grid(color="#e5e5e5", linewidth=0.5)
        for ax in axes[:, 0]:
            ax.set_ylabel("share of the population within")
        fig.legend(*axes.flat[0].get_legend_handles_labels(), loc="upper center", ncols=len(options), frameon=False)
        fig.tight_layout(pad=0.4, rect=(0, 0, 1, 1 - 0.8 / (1.2 + 5.0 * rows)))
        return _png(fig)


def acceptability_chart(acceptability: pd.DataFrame, labels: Mapping[str, str]) -> str:
    """Stacked horizontal bars: the share of weight samples giving each option each rank."""
    ranks = list(acceptability.columns)
    options = list(acceptability.index)
    colours = matplotlib.colormaps["viridis"](np.linspace(0.1, 0.95, max(len(ranks), 1)))
    with _figure(16.0, 2.2 + 0.55 * len(options)) as (fig, axes):
        ax = axes[0, 0]
        y = np.arange(len(options))
        left = np.zeros(len(options))
        for i, rank in enumerate(ranks):
            share = acceptability[rank].to_numpy(float)
            ax.barh(y, share, left=left, color=colours[i], height=0.7, label=f"rank {rank}",
                    edgecolor="white", linewidth=0.3)
            for j in np.flatnonzero(share >= 0.08):
                ax.text(left[j] + share[j] / 2, y[j], f"{share[j]:.0%}", ha="center", va="center", fontsize=6.5,
                        color="white" if i < len(ranks) * 0.6 else "black")
            left += share
        ax.set_yticks(y, [labels.get(o, o) for o in options])
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel("share of sampled weight vectors")
        ax.legend(ncols=min(len(ranks), 8), loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False,
                  handlelength=1.2, columnspacing=0.8)
        fig.tight_layout(pad=0.4)
        return _png(fig)


# --- sensitivity sweep ------------------------------------------------------------------------

def sweep_chart(configurations: Sequence[tuple[str, float, float]], top_n: int) -> str:
    """Horizontal bars per configuration: the share of scenarios in which it is optimal (dark) and in the
    top ``top_n`` (pale, behind)."""
    labels = [label for label, _, _ in configurations]
    optimal = np.array([share for _, share, _ in configurations], float)
    top = np.array([share for _, _, share in configurations], float)
    with _figure(16.0, 2.0 + 0.55 * len(labels)) as (fig, axes):
        ax = axes[0, 0]
        y = np.arange(len(labels))
        if top_n > 1:
            ax.barh(y, top, height=0.75, color="#c6d5e6", label=f"in the top {top_n}")
        ax.barh(y, optimal, height=0.45 if top_n > 1 else 0.7, color=OPTION_COLOURS[0], label="optimal")
        for j in range(len(labels)):
            ax.text(min(optimal[j], 1.0) + 0.01, y[j], f"{optimal[j]:.0%}", va="center", ha="left", fontsize=6.5,
                    color="#1d1d1d")
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlim(0, 1.08)
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xticks(np.linspace(0, 1, 6))
        ax.set_xlabel("share of solved scenarios")
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False, handlelength=1.2)
        fig.tight_layout(pad=0.4)
        return _png(fig)


def tornado_chart(rows: Sequence[Mapping[str, object]]) -> str:
    """One-at-a-time: per parameter (largest swing on top), the change of the objective from the base value
    at the parameter's low end and at its high end; the optimum at each end is written beside its bar."""
    names = [str(r["parameter"]) for r in rows]
    base = float(rows[0]["at_base"]) if rows else 0.0
    low = np.array([float(r["at_low"]) - base for r in rows], float)  # type: ignore[arg-type]
    high = np.array([float(r["at_high"]) - base for r in rows], float)  # type: ignore[arg-type]
    extent = float(np.nanmax(np.abs(np.concatenate([low, high, [0.0]])))) or 1.0
    with _figure(16.0, 2.4 + 0.6 * len(rows)) as (fig, axes):
        ax = axes[0, 0]
        y = np.arange(len(rows))
        ax.barh(y, np.nan_to_num(low), height=0.6, color=GAIN, label="parameter at its low end")
        ax.barh(y, np.nan_to_num(high), height=0.6, color=LOSS, label="parameter at its high end", alpha=0.85)
        for j, r in enumerate(rows):
            same_side = np.isfinite(low[j]) and np.isfinite(high[j]) and (low[j] >= 0) == (high[j] >= 0)
            for value, end, shift in ((low[j], "low", -0.17), (high[j], "high", 0.17)):
                if not np.isfinite(value):
                    continue
                top = str(r[f"top_{end}"])
                text = f"{_number(float(r[end]))}: {top}" + (" ◆" if top != str(r["top_base"]) else "")  # type: ignore[arg-type]
                ax.text(value + (0.02 if value >= 0 else -0.02) * extent, y[j] + (shift if same_side else 0.0), text,
                        va="center",
                        ha="left" if value >= 0 else "right", fontsize=6.5)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_yticks(y, [f"{n}\n(base {_number(float(r['base']))})" for n, r in zip(names, rows, strict=True)])  # type: ignore[arg-type]
        ax.invert_yaxis()
        ax.set_xlim(-1.45 * extent, 1.45 * extent)
        ax.set_xlabel(f"change in the optimal objective from the base scenario ({_number(base)})")
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.5)
        ax.set_axisbelow(True)
        ax.legend(ncols=2, loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False, handlelength=1.2)
        fig.tight_layout(pad=0.4)
        return _png(fig)


def _number(value: float) -> str:
    return f"{value:.4g}".replace("-", "−")
