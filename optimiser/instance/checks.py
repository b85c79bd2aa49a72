"""Checks across the files of an instance, run on load after each file is typed.

Each check reads the typed tables and adds problems to the log; none raises.
They run in a fixed order: references between files, rules that contradict
each other or the givens, service standards that contradict themselves, and
coordinates outside the instance's area. Whether a road graph is given at all
(:func:`check_road_graph`) is checked first, and whether it reaches every site
and zone (:func:`check_reachable`) last, on the instance the tables make.
"""

from __future__ import annotations

import difflib
from typing import Any

import numpy as np
import pandas as pd

from optimiser.errors import ProblemLog

from .io import ROWS_LISTED, Table
from .roads import road_components
from .schema import file_schema

Tables = dict[str, Table | None]


def check_consistency(tables: Tables, settings: dict[str, Any], log: ProblemLog) -> None:
    """Run every cross-file check whose files are clean so far; each adds what it finds to ``log``.

    A check that reads a file with problems would only echo them, and one that reads none must still
    run: a bad latitude in sites.csv may not hide an unknown service in codependencies.csv.
    """
    def clean(*stems: str) -> bool:
        broken = {p.file for p in log.errors}
        return all(tables.get(stem) is not None and tables[stem].schema.file not in broken for stem in stems)

    check_references(tables, log)
    if clean("instance"):
        check_settings(tables, settings, log)
    if clean("services"):
        check_services(tables, log)
    if clean("codependencies") and (tables["givens"] is None or clean("givens")):
        check_codependencies(tables, log)
    if clean("instance"):
        check_area({stem: table if clean(stem) else None for stem, table in tables.items()}, settings, log)
    if clean("modes", "roads"):
        check_modes(tables, log)
    if clean("instance") and (tables["retention"] is None or clean("retention")):
        check_neighbour_rule(tables, settings, log)


# --- references -------------------------------------------------------------------------------

def _noun(column: str) -> str:
    return column.removesuffix("_id").replace("_", " ")


def _known(tables: Tables, target: str) -> pd.Series:
    """The ids a reference may name, as a column (a million road junctions: no Python set)."""
    stem, column = target.split(".")
    table = tables.get(stem)
    known = pd.Series([], dtype=str) if table is None else table.frame[column].dropna().astype(str)
    public = tables.get("public_transport")
    if target == "modes.mode" and public is not None:  # a public-transport mode is a mode too
        known = pd.concat([known, public.frame["mode"].astype(str)], ignore_index=True)
    return known


def check_references(tables: Tables, log: ProblemLog) -> None:
    """Every id a file names (a site, zone, service, role, mode, road class…) must exist."""
    broken = {p.file for p in log.errors}  # their references would echo their own problems
    for table in tables.values():
        if table is None or table.schema.file in broken:
            continue
        for f in table.schema.fields:
            targets = f.reference_targets
            if not targets or any(_file_of(tables, target) in broken for target in targets):
                continue
            column = table.frame[f.name]
            if f.type == "id":  # vectorised: road tables have millions of rows
                ids = _known(tables, targets[0])
                unknown = np.flatnonzero((column.ne("") & ~column.isin(ids)).to_numpy(dtype=bool))
                named = set(ids) if len(unknown) else set()  # for the messages only
                cells = ((i, targets[0], named, column.iloc[i]) for i in unknown)
            else:
                known = [set(_known(tables, target)) for target in targets]
                cells = ((i, target, ids, name) for i, value in enumerate(column.tolist())
                         for target, ids, name in _named_ids(value, targets, known) if name not in ids)
            cells = list(cells)
            for i, target, ids, name in cells[:ROWS_LISTED]:
                _unknown(log, table, int(i), f.name, target, name, ids)
            if len(cells) > ROWS_LISTED:
                log.add(table.schema.file, f"and {len(cells) - ROWS_LISTED} more rows with unknown ids",
                        column=f.name, fix="Correct the ids, or add what they name")


def _file_of(tables: Tables, target: str) -> str:
    """The file a reference target (``sites.site_id``) points into, as problems name it."""
    stem = target.split(".")[0]
    table = tables.get(stem)
    return file_schema(stem).file if table is None else table.schema.file


def _named_ids(value: Any, targets: tuple[str, ...], known: list[set[str]]):
    """(target, known ids, id) for every id inside a cell: scalar, list or map."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield targets[0], known[0], key
            for item in inner if isinstance(inner, list) else [inner]:
                yield targets[1], known[1], item
    elif isinstance(value, list):
        for item in value:
            yield targets[0], known[0], item
    elif isinstance(value, str) and value:
        yield targets[0], known[0], value


def _unknown(log: ProblemLog, table: Table, i: int, column: str, target: str, name: str,
             ids: set[str]) -> None:
    stem, target_column = target.split(".")
    noun = _noun(target_column)
    close = difflib.get_close_matches(name, sorted(ids), n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    listed = ", ".join(sorted(ids)[:12]) + (" …" if len(ids) > 12 else "") if ids else "none"
    log.add(table.schema.file, f"unknown {noun} {name!r}", row=table.row(i, column), column=column,
            fix=f"{hint}Known {noun}s (from {stem}): {listed}")


def check_settings(tables: Tables, settings: dict[str, Any], log: ProblemLog) -> None:
    """The area must be a proper box."""
    table = tables["instance"]
    for low, high in (("lat_min", "lat_max"), ("lon_min", "lon_max")):
        if settings.get(low) is not None and settings.get(high) is not None and settings[low] >= settings[high]:
            log.add("instance.yaml", f"{low} ({settings[low]:g}) must be less than {high} ({settings[high]:g})",
                    row=table.row(0, low), column=low, fix="Swap them, or correct the area's edges")


# --- services ---------------------------------------------------------------------------------

def check_services(tables: Tables, log: ProblemLog) -> None:
    """Standards of one service that cannot hold together."""
    services = tables["services"]
    for i, s in enumerate(services.frame.itertuples(index=False)):
        found = []
        if pd.notna(s.max_sites) and s.min_sites > s.max_sites:
            found.append(("min_sites", f"min_sites ({s.min_sites}) is more than max_sites ({s.max_sites})",
                          "Lower min_sites or raise max_sites"))
        if pd.notna(s.max_volume) and s.min_volume > s.max_volume:
            found.append(("min_volume", f"min_volume ({s.min_volume:g}) is more than max_volume ({s.max_volume:g})",
                          "Lower min_volume or raise max_volume"))
        if pd.isna(s.coverage_share) != pd.isna(s.coverage_travel_min):
            found.append(("coverage_share", "coverage_share and coverage_travel_min go together",
                          "Give both (e.g. 0.95 of the population within 45 minutes) or neither"))
        for column, message, fix in found:
            log.add(services.schema.file, f"service {s.service_id!r}: {message}", row=services.row(i, column),
                    column=column, fix=fix)


# --- neighbouring providers ------------------------------------------------------------------

def check_neighbour_rule(tables: Tables, settings: dict[str, Any], log: ProblemLog) -> None:
    """A neighbour rule needs neighbours offering services, the retention rule a curve, and the curve's
    leaving share may not fall as the extra minutes grow."""
    rule = settings.get("neighbour_rule") or "none"
    row = tables["instance"].row(0, "neighbour_rule")
    offers = tables.get("neighbour_services")
    if rule != "none" and (offers is None or offers.frame.empty):
        log.add("instance.yaml", f"neighbour_rule is {rule}, but no neighbouring provider offers a service", row=row,
                column="neighbour_rule", fix="List providers in neighbours.csv and what they offer in "
                                             "neighbour_services.csv, or write neighbour_rule: none")
    curve = tables["retention"]
    if rule == "retention" and (curve is None or curve.frame.empty):
        log.add("instance.yaml", "neighbour_rule is retention, but there is no retention curve", row=row,
                column="neighbour_rule", fix="Give retention.csv: extra_min, leaving_share (and the source)")
    if curve is None:
        return
    points = curve.frame.reset_index(drop=True).sort_values("extra_min", kind="stable")
    for (_, before), (i, after) in zip(points.iloc[:-1].iterrows(), points.iloc[1:].iterrows(), strict=True):
        if after["leaving_share"] < before["leaving_share"]:
            log.add(curve.schema.file, f"the leaving share falls from {before['leaving_share']:g} at "
                    f"{before['extra_min']:g} extra minutes to {after['leaving_share']:g} at {after['extra_min']:g}",
                    row=curve.row(int(i), "leaving_share"), column="leaving_share",
                    fix="A longer trip never keeps more patients: make the shares grow (or stay) with the minutes")


# --- co-dependencies --------------------------------------------------------------------------

def check_codependencies(tables: Tables, log: ProblemLog) -> None:
    """Rules that contradict themselves, each other or the givens.

    ``colocated`` is transitive (A needs B on site, B needs C: A needs C), so
    contradictions are looked for in its closure: A needing B on site while A
    and B exclude each other; A needing two services that exclude each other;
    a given that forces A onto a site where a service A needs is forbidden or
    excluded.
    """
    rules = tables["codependencies"]
    if rules is None:
        return
    frame = rules.frame
    for i, rule in enumerate(frame.itertuples(index=False)):
        if rule.service_a == rule.service_b:
            log.add(rules.schema.file, f"{rule.service_a!r} cannot {rule.rule} itself",
                    row=rules.row(i), column="service_b", fix="Name two different services")
        if rule.rule == "within" and pd.isna(rule.within_min):
            log.add(rules.schema.file, f"a within rule needs within_min ({rule.service_a} within ? minutes "
                    f"of {rule.service_b})", row=rules.row(i), column="within_min",
                    fix="Give the travel-time cap in minutes")
        if rule.rule != "within" and pd.notna(rule.within_min):
            log.add(rules.schema.file, f"within_min only applies to within rules, not {rule.rule}",
                    row=rules.row(i), column="within_min", fix="Clear it, or make the rule 'within'")
    needs = colocation_closure(frame)
    excluded = _exclusions(frame)
    _check_needs_against_exclusions(rules, needs, excluded, log)
    _check_givens(tables, rules, needs, excluded, log)


def colocation_closure(codependencies: pd.DataFrame) -> dict[str, set[str]]:
    """Every service each service needs on its own site, directly or through others (a search of the
    colocated rules from each service: a few dozen rows, so no graph library is loaded for it)."""
    colocated = codependencies[codependencies["rule"] == "colocated"]
    direct: dict[str, set[str]] = {}
    for a, b in zip(colocated["service_a"], colocated["service_b"], strict=True):
        direct.setdefault(a, set()).add(b)
        direct.setdefault(b, set())
    closure = {}
    for a in direct:
        reached, frontier = set(), [a]
        while frontier:
            for b in direct[frontier.pop()] - reached:
                reached.add(b)
                frontier.append(b)
        closure[a] = reached - {a}
    return closure


def _exclusions(codependencies: pd.DataFrame) -> dict[frozenset[str], int]:
    """Each pair of services that exclude each other, with the position of its rule."""
    positions = np.flatnonzero((codependencies["rule"] == "excludes").to_numpy())
    return {frozenset(codependencies.iloc[i][["service_a", "service_b"]]): int(i) for i in positions}


def _check_needs_against_exclusions(rules: Table, needs: dict[str, set[str]],
                                    excluded: dict[frozenset[str], int], log: ProblemLog) -> None:
    for pair, i in excluded.items():
        for a in sorted(pair):
            for b in sorted(pair - {a}):
                if b in needs.get(a, set()):
                    log.add(rules.schema.file, f"rules contradict each other: {a!r} needs {b!r} on the same "
                            f"site, but {a!r} and {b!r} exclude each other", row=rules.row(i),
                            column="rule", fix="Remove the excludes rule or the colocated rule")
        for a, needed in needs.items():
            if pair <= needed:
                b, c = sorted(pair)
                log.add(rules.schema.file, f"rules contradict each other: {a!r} needs both {b!r} and {c!r} "
                        f"on its site, but they exclude each other, so no site can host {a!r}",
                        row=rules.row(i), column="rule", fix="Remove the excludes rule or one colocated rule")


def _check_givens(tables: Tables, rules: Table, needs: dict[str, set[str]],
                  excluded: dict[frozenset[str], int], log: ProblemLog) -> None:
    givens = tables["givens"]
    if givens is None:
        return
    hosts = {(g.site_id, g.service_id): bool(g.hosts) for g in givens.frame.itertuples(index=False)}
    for i, g in enumerate(givens.frame.itertuples(index=False)):
        if not g.hosts:
            continue
        for b in sorted(needs.get(g.service_id, set())):
            if hosts.get((g.site_id, b)) is False:
                log.add(givens.schema.file, f"{g.service_id!r} is given at {g.site_id!r} and needs {b!r} on the "
                        f"same site, but {b!r} is given as not at {g.site_id!r}", row=givens.row(i),
                        column="service_id", fix="Change one of the givens or the colocated rule")
        for pair in excluded:
            if g.service_id in pair:
                other = next(iter(pair - {g.service_id}))
                if hosts.get((g.site_id, other)) is True and g.service_id < other:
                    log.add(givens.schema.file, f"{g.service_id!r} and {other!r} are both given at {g.site_id!r}, "
                            "but they exclude each other", row=givens.row(i), column="service_id",
                            fix="Change one of the givens or the excludes rule")


# --- geography --------------------------------------------------------------------------------

def check_area(tables: Tables, settings: dict[str, Any], log: ProblemLog) -> None:
    """Every site, zone and road junction must lie inside the instance's area."""
    box = {k: settings.get(k) for k in ("lat_min", "lat_max", "lon_min", "lon_max")}
    if any(v is None for v in box.values()):
        return
    for stem, id_column in (("sites", "site_id"), ("zones", "zone_id"), ("road_nodes", "node_id")):
        table = tables.get(stem)
        if table is None:
            continue
        frame = table.frame
        for column, low, high in (("lat", box["lat_min"], box["lat_max"]), ("lon", box["lon_min"], box["lon_max"])):
            outside = np.flatnonzero(((frame[column] < low) | (frame[column] > high)).to_numpy())
            for n, i in enumerate(outside):
                if n == 5:
                    log.add(table.schema.file, f"and {len(outside) - n} more rows outside the area", column=column)
                    break
                log.add(table.schema.file, f"{_noun(id_column)} {frame[id_column].iloc[i]!r} lies outside the "
                        f"instance's area: {column} {frame[column].iloc[i]:g} is not within {low:g}..{high:g}",
                        row=table.row(i), column=column,
                        fix="Check the coordinate (lat and lon swapped? a sign lost?) or widen the area "
                            "in instance.yaml")


def check_modes(tables: Tables, log: ProblemLog) -> None:
    """Every mode needs a speed factor for every road class the graph uses."""
    modes, roads = tables["modes"], tables["roads"]
    if modes is None or roads is None:
        return
    declared = set(zip(modes.frame["mode"], modes.frame["road_class"], strict=True))
    for mode in sorted(modes.frame["mode"].unique()):
        for road_class in sorted(roads.frame["road_class"].unique()):
            if (mode, road_class) not in declared:
                log.add(modes.schema.file, f"mode {mode!r} has no speed factor for road class {road_class!r}",
                        column="road_class", fix=f"Add a row: {mode},{road_class},<speed factor>")


def check_road_graph(tables: Tables, graphml: str | None, log: ProblemLog) -> None:
    """A road graph must be given, with junctions and roads: without either no travel time exists.
    Checked whatever else is wrong with the files, since nothing can be computed without it."""
    nodes, roads = tables["road_nodes"], tables["roads"]
    said = {p.file for p in log.errors}  # a file that is there but could not be read is not missing
    if nodes is None and roads is None and not said & {"road_nodes.csv", "roads.csv"}:
        if not graphml:  # else its reader, or the roads setting, has said what is wrong
            log.add("roads.csv", "is missing",
                    fix="Give the road graph as roads.csv with road_nodes.csv, or as a GraphML file "
                        "named in instance.yaml (roads: roads.graphml)")
        return
    for table, file, what in ((nodes, "road_nodes.csv", "junctions"), (roads, "roads.csv", "roads")):
        if table is None:
            if file not in said:
                log.add(file, "is missing",
                        fix="Give roads.csv and road_nodes.csv together: the roads join the junctions")
        elif table.frame.empty:
            log.add(graphml or file, f"has no {what}", fix="Give the road graph that serves the sites and zones")


def check_reachable(places: pd.DataFrame, road_nodes: pd.DataFrame, roads: pd.DataFrame, log: ProblemLog) -> None:
    """Every site and zone must be reachable by road, both ways, from the main part of the graph.

    ``places`` are the sites and zones snapped to their nearest junction (``Instance.snapped``, found
    once per instance, so this check runs on the instance once the tables are consistent); the
    strongly connected part of the graph holding most places is the main one. A place whose junction
    lies in another part is an error: no travel time to or from it exists.
    """
    component = road_components(road_nodes, roads)[places["node"].to_numpy()]
    main = np.bincount(component).argmax()
    for place in places[component != main].itertuples(index=False):
        log.add(f"{place.kind}s.csv", f"{place.kind} {place.id!r} cannot be reached by road: its nearest "
                f"junction {place.node_id!r} is cut off from the junctions the other sites and zones use",
                row=int(place.row), column="lat",
                fix="Connect that junction in roads.csv (check one-way roads), or correct the coordinates")
