"""The ranked option report: one self-contained HTML file (and a PDF of it) from a :class:`Study`.

The report reads results only: the study's instance frames and its appraisal's
tidy frames. It never builds or solves a model; the method annex reads the
model's docstrings from its source file without importing it.

Everything from the instance passes through Jinja2's autoescape; the one
exception is the instance README, rendered by markdown-it-py with raw HTML
disabled (so its text is escaped too) and links kept as text. Images are
PNG data URIs and the stylesheet is inline, so the file references nothing
outside itself. Output is deterministic for the same study apart from the
date lines (marked ``class="date"``).
"""

from __future__ import annotations

import ast
import datetime as dt
import html
import importlib
import importlib.util
import inspect
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from jinja2 import Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined, select_autoescape
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup, escape

from optimiser.appraisal.display import site_summary
from optimiser.appraisal.leaving import ESTIMATE
from optimiser.appraisal.leaving import estimated as estimated_leaving
from optimiser.appraisal.leaving import totals as leaving_totals
from optimiser.appraisal.metrics import (
    HEADLINE_NAMES,
    MEASURES,
    access_curve,
    headline,
    own_mode,
    population_groups,
    standard_minutes,
)
from optimiser.appraisal.scores import Appraisal, Study, scale_text, scoring
from optimiser.collector import collector_paused
from optimiser.errors import OptimiserError
from optimiser.instance import neighbours
from optimiser.instance.configuration import Configuration, baseline_configuration
from optimiser.instance.folder import Instance

from . import charts

if TYPE_CHECKING:  # the sweep module imports the model (Pyomo); the report only reads a result
    from optimiser.sweeps.runner import SweepResult

TEMPLATES = Path(__file__).parent / "templates"
#: Short-listed options mapped: the best ranked ones, then the status quo.
SHORT_LIST = 3
#: The statement of the estimates banner.
ESTIMATES_BANNER = "Figures marked est. are estimates — see Assumptions."


def report(study: Study, path: str | Path, *, pdf: bool = False, overwrite: bool = False,
           today: dt.date | None = None, sweep: SweepResult | None = None) -> list[Path]:
    """Write the report of ``study`` to ``path`` (HTML) and, with ``pdf``, beside it as ``.pdf``.

    Refuses to replace an existing file unless ``overwrite``; ``today`` fixes the
    date printed (default: today). With ``sweep`` (an :func:`optimiser.sweeps.runner.open_sweep`
    result), a sensitivity section shows how the answer moves across its scenarios.
    Returns the files written.
    """
    html_path = Path(path)
    targets = [html_path] + ([html_path.with_suffix(".pdf")] if pdf else [])
    if not overwrite:
        for target in targets:
            if target.exists():
                raise OptimiserError(f"{target} already exists: pass overwrite=True to replace it")
    html = render_html(study, today=today, sweep=sweep, dpi=charts.PRINT_DPI if pdf else charts.SCREEN_DPI)
    html_path.parent.mkdir(parents=True, exist_ok=True)
    html_path.write_text(html, encoding="utf-8")
    if pdf:
        write_pdf(html, targets[1])
    return targets


def render_html(study: Study, *, today: dt.date | None = None, sweep: SweepResult | None = None,
                dpi: int = charts.SCREEN_DPI) -> str:
    """The report as one HTML string, its figures drawn at ``dpi`` (finer where it will be printed)."""
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                              bytecode_cache=FileSystemBytecodeCache(),  # compiled once per template version
                              undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=True)
    environment.filters["num"] = _num
    environment.filters["pct"] = _pct
    environment.filters["measure"] = _measure_text
    environment.filters["signed"] = _signed
    with charts.resolution(dpi):
        return environment.get_template("report.html").render(**context(study, today or dt.date.today(), sweep))


def write_pdf(html: str, path: Path) -> None:
    """A PDF of the HTML with WeasyPrint (A4, from the report's own print stylesheet)."""
    try:
        from weasyprint import HTML  # lazily: it loads Pango
    except (ImportError, OSError) as error:  # OSError: WeasyPrint is installed but Pango is not
        raise OptimiserError(f"--pdf needs WeasyPrint and the Pango library ({error}): on Debian or Ubuntu, "
                             "apt-get install libpango-1.0-0 libpangoft2-1.0-0; then "
                             'pip install "hospital-site-optimiser[report]"') from None
    with collector_paused():  # WeasyPrint's boxes: millions of small objects beside the study's
        HTML(string=html, base_url=None).write_pdf(path)


# --- the content ------------------------------------------------------------------------------

def context(study: Study, today: dt.date, sweep: SweepResult | None = None) -> dict[str, Any]:
    """Everything the template shows, as plain values (strings unescaped: the template escapes them)."""
    instance, appraisal = study.instance, study.appraisal
    names = OptionNames(instance, appraisal, study.configurations)
    criteria = appraisal.criteria
    evaluation = criteria[criteria["kind"] == "evaluation"]
    ranking = appraisal.ranking
    ranked = ranking.dropna(subset=["rank"])["option"].astype(str).tolist()
    reference = _status_quo(appraisal)
    short = ranked[:SHORT_LIST] or ranking["option"].astype(str).tolist()[:SHORT_LIST]
    mapped = short + ([reference] if reference and reference not in short else [])
    readme = instance.path / "README.md"
    readme_text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    sensitivity = sweep_section(sweep, study, names) if sweep is not None else None
    return {
        "title": "Ranked options for site configuration",
        "instance_name": instance.name,
        "instance_title": instance.settings.get("title") or instance.name,
        "instance_description": instance.settings.get("description") or "",
        "date": _date(today),
        "estimates": _has_estimates(instance, readme_text),
        "estimates_banner": ESTIMATES_BANNER,
        "summary": summary(appraisal, names, evaluation),
        "what_moves": what_moves(instance, appraisal, study.configurations, names, reference),
        "orders": order_note(appraisal, names),
        "ranked_table": ranked_table(appraisal, names, evaluation),
        "score_table": score_table(appraisal, names, evaluation),
        "hosts_table": hosts_table(instance, study.configurations, mapped, names),
        "maps": maps(instance, appraisal, mapped, names, study.configurations, reference),
        "map_measure": MAP_MEASURE,
        "change": change_section(instance, appraisal, short, names, reference),
        "equity": equity_section(instance, appraisal, mapped, names),
        "access": access_section(instance, appraisal, mapped, names, study.configurations),
        "acceptability": acceptability_section(appraisal, names, criteria),
        "hurdles": hurdle_table(appraisal, names, criteria),
        "volumes": volume_table(instance, appraisal, mapped, names),
        "neighbours": neighbour_section(instance, appraisal, mapped, names),
        "plausibility": plausibility_table(study, names),
        "why": why_section(study, names),
        "sweep": sensitivity,
        "assumptions": Markup(markdown(readme_text)) if readme_text else None,
        "method": _paragraphs(appraisal.method),
        "notes": list(appraisal.notes),
        "formulation": formulation(),
        "footer": footer(study, today),
    }


class OptionNames:
    """How each option is named in the report: its id, a short title and a description."""

    def __init__(self, instance: Instance, appraisal: Appraisal, configurations: Mapping[str, Configuration]):
        self.instance = instance
        options = appraisal.options
        named = instance.options
        self.label: dict[str, str] = {}
        self.title: dict[str, str] = {}
        self.source: dict[str, str] = {}
        self.description: dict[str, str] = {}
        for option in appraisal.ranking["option"].astype(str):
            row = options.loc[option] if option in options.index else pd.Series(dtype=object)
            self.label[option] = _text(row.get("label")) or option
            self.source[option] = _text(row.get("source")) or "named"
            title = _text(named.loc[option, "name"]) if option in named.index and "name" in named else ""
            self.title[option] = title or _roles_summary(instance, configurations.get(option))
            self.description[option] = (_text(row.get("description"))
                                        or (_text(named.loc[option, "description"])
                                            if option in named.index and "description" in named else "")
                                        or _roles_summary(instance, configurations.get(option)))

        self._distinguish(configurations)

    def _distinguish(self, configurations: Mapping[str, Configuration]) -> None:
        """Options sharing a title get, after it, where their services differ from the others': ``…; Vascular
        at Basildon`` (a configuration name is better, where the instance gives one)."""
        groups: dict[str, list[str]] = {}
        for option, title in self.title.items():
            groups.setdefault(title, []).append(option)
        site_names = self.instance.sites["name"].astype(str).map(_short_site).to_dict()
        service_names = self.instance.services["name"].astype(str).to_dict()
        for title, members in groups.items():
            known = [o for o in members if o in configurations]
            if len(known) < 2:
                continue
            for option in known:
                mine = configurations[option]
                differ = sorted({l for o in known if o != option for _, l in mine.hosts ^ configurations[o].hosts})
                parts = [f"{_first_words(service_names.get(l, l))} at "
                         f"{', '.join(sorted(site_names.get(x, x) for x in mine.sites_of(l))) or 'no site'}"
                         for l in differ]
                self.title[option] = f"{title}; " + "; ".join(parts) if parts else title

    def short(self, option: str) -> str:
        """``#1`` or ``1A``, or the status quo's title."""
        return "status quo" if self.source.get(option) == "status quo" else self.label.get(option, option)


def _status_quo(appraisal: Appraisal) -> str | None:
    options = appraisal.options
    if "source" in options:
        found = options.index[options["source"].astype(str) == "status quo"]
        if len(found):
            return str(found[0])
    if "reference" in appraisal.ranking:
        found = appraisal.ranking[appraisal.ranking["reference"].astype(bool)]["option"]
        if len(found):
            return str(found.iloc[0])
    return None


def _roles_summary(instance: Instance, configuration: Configuration | None) -> str:
    """``SEH at Southend; EC at Basildon, Broomfield``; without roles, what it opens and closes against the
    status quo (:func:`_changes_summary`), else the number of services per site."""
    if configuration is None:
        return ""
    site_names = instance.sites["name"].astype(str)
    role_of = configuration.role_of
    if role_of:
        by_role: dict[str, list[str]] = {}
        for site in sorted(role_of, key=lambda s: site_names.get(s, s)):
            by_role.setdefault(role_of[site], []).append(_short_site(site_names.get(site, site)))
        return "; ".join(f"{role.upper()} at {', '.join(sites)}" for role, sites in sorted(by_role.items()))
    baseline = baseline_configuration(instance)
    if baseline is not None:
        return _changes_summary(instance, configuration, baseline)
    counts: dict[str, int] = {}
    for site, _ in sorted(configuration.hosts):
        counts[site] = counts.get(site, 0) + 1
    return "; ".join(f"{_short_site(site_names.get(s, s))}: {n} service lines" for s, n in sorted(counts.items()))


def _changes_summary(instance: Instance, configuration: Configuration, baseline: Configuration) -> str:
    """``opens Type-1 emergency department at Royal Hallamshire; closes Consultant-led obstetric unit at Barnsley,
    Rotherham; Neonatal unit at Barnsley``: a configuration by what moves, read at any number of sites."""
    site_names = instance.sites["name"].astype(str).map(_short_site)
    service_names = instance.services["name"].astype(str).map(_first_words)
    moves: dict[str, list[str]] = {}
    for verb, service, sites in configuration.changes(baseline, instance.services.index):
        where = ", ".join(sorted(site_names[s] for s in sites))
        moves.setdefault(verb, []).append(f"{service_names[service]} at {where}")
    return "; ".join(f"{verb} " + "; ".join(said) for verb, said in moves.items()) or "as the status quo"


def _first_words(name: str) -> str:
    """A service's name before any bracket: ``Obstetrician-led maternity unit``."""
    return name.split(" (", 1)[0]


def _short_site(name: str) -> str:
    """The first words of a site's name, before ``University Hospital``, ``Hospital`` and the like."""
    short = re.split(r"\s+(?:University\s+)?(?:General\s+)?Hospital\b", name, maxsplit=1)[0]
    return short or name


# --- 2. executive summary ---------------------------------------------------------------------

def summary(appraisal: Appraisal, names: OptionNames, evaluation: pd.DataFrame) -> dict[str, Any]:
    ranking, scores = appraisal.ranking, appraisal.scores
    ranked = ranking.dropna(subset=["rank"])
    failures = _failures(appraisal, names)
    recommended = appraisal.recommended
    result: dict[str, Any] = {"recommended": recommended, "failures": failures, "samples": appraisal.samples,
                              "scale": _score_scale(evaluation)}
    if recommended is None:
        return result
    weighted = float(ranked.iloc[0]["weighted"])
    runner = ranked.iloc[1] if len(ranked) > 1 else None
    criteria_ids = [c for c in evaluation.index if c in scores.columns]
    others = [str(o) for o in ranked["option"].iloc[1:] if str(o) in scores.index]
    leads, equal = [], []
    for criterion in criteria_ids:
        mine = float(scores.loc[recommended, criterion])
        best_other = max((float(scores.loc[o, criterion]) for o in others), default=-math.inf)
        name = _text(evaluation.loc[criterion, "name"]) or criterion
        if mine > best_other + 1e-9:
            leads.append(name)
        elif mine >= best_other - 1e-9 and float(evaluation.loc[criterion, "weight"]) > 0:
            equal.append(name)
    acceptability = _rank_share(appraisal.acceptability, recommended, 1)
    holds = []
    for row in appraisal.weight_ranges.itertuples(index=False):
        low, high = float(row.low), float(row.high)
        name = _text(evaluation.loc[row.criterion, "name"]) if row.criterion in evaluation.index else row.criterion
        if high < math.inf or low > 0:
            holds.append({"name": name, "weight": float(row.weight), "low": low, "high": high})
    named = ranked[ranked["option"].astype(str).map(lambda o: names.source.get(o) == "named")]
    best_named = None
    if len(named) and str(named.iloc[0]["option"]) != recommended:
        best_named = {"option": names.short(str(named.iloc[0]["option"])),
                      "title": names.title[str(named.iloc[0]["option"])],
                      "rank": int(named.iloc[0]["rank"]), "weighted": float(named.iloc[0]["weighted"])}
    result.update({
        "option": names.short(recommended), "title": names.title[recommended],
        "description": names.description[recommended],
        "weighted": weighted, "ranked": len(ranked), "options": len(ranking),
        "runner_up": None if runner is None else {"option": names.short(str(runner["option"])),
                                                  "weighted": float(runner["weighted"])},
        "acceptability": acceptability, "leads": leads, "equal": equal, "holds": holds,
        "best_named": best_named,
    })
    return result


def what_moves(instance: Instance, appraisal: Appraisal, configurations: Mapping[str, Configuration],
               names: OptionNames, reference: str | None) -> dict[str, Any] | None:
    """The recommended option against the status quo, in a clinician's terms: which services move where, the
    headline figures before and after, and who travels further and by how much."""
    recommended = appraisal.recommended
    if recommended is None or reference is None or recommended not in configurations or \
            reference not in configurations:
        return None
    site_names = instance.sites["name"].astype(str).map(_short_site).to_dict()
    after, before = configurations[recommended], configurations[reference]
    moves = []
    for service in instance.services.itertuples(index=False):
        now, then = set(after.sites_of(service.service_id)), set(before.sites_of(service.service_id))
        if now != then:
            moves.append({"service": _first_words(_text(service.name) or service.service_id),
                          "before": ", ".join(sorted(site_names.get(x, x) for x in then)) or "none",
                          "after": ", ".join(sorted(site_names.get(x, x) for x in now)) or "none"})
    figures_before = headline(appraisal.metrics, reference)
    figures_after = headline(appraisal.metrics, recommended)
    rows = [{"measure": HEADLINE_NAMES[m], "unit": MEASURES[m][0], "definition": MEASURES[m][2],
             "before": figures_before.get(m), "after": figures_after.get(m)} for m in figures_after]
    change = appraisal.change[appraisal.change["option"].astype(str) == recommended].dropna(
        subset=["minutes_change"]).set_index("zone_id")["minutes_change"]
    population = instance.zones["population"].astype(float)
    longer = change[change > 0.05]
    worst = longer.idxmax() if len(longer) else None
    return {"option": names.short(recommended), "reference": names.short(reference), "moves": moves,
            "figures": rows, "losers": float(population.reindex(longer.index).sum()),
            "share_losers": float(population.reindex(longer.index).sum() / population.sum()),
            "worst_zone": _text(instance.zones.loc[worst, "name"]) if worst is not None else "",
            "worst_increase": float(longer.max()) if worst is not None else None}


def order_note(appraisal: Appraisal, names: OptionNames) -> dict[str, Any] | None:
    """The optimiser's order of its own configurations beside the appraisal's, when they differ."""
    source = appraisal.options["source"].astype(str)
    mine = appraisal.ranking[appraisal.ranking["option"].map(source) == "optimiser"]
    appraised = [names.short(o) for o in mine.dropna(subset=["rank"])["option"].astype(str)]
    optimised = sorted(appraised, key=lambda label: int(re.sub(r"\D", "", label) or 0))
    return None if appraised == optimised else {"optimiser": optimised, "appraisal": appraised}


def _score_scale(evaluation: pd.DataFrame) -> str:
    """The weighted score's range in words, from its criteria's scales."""
    methods = {scoring(criterion) for _, criterion in evaluation.iterrows()}
    if methods == {"status quo"}:
        return "−5 to +5, the status quo 0"
    if "status quo" not in methods:
        return "0 to 10"
    return "a weighted mean of 0–10 and −5..+5 scores"


def _failures(appraisal: Appraisal, names: OptionNames) -> list[dict[str, Any]]:
    hurdles = appraisal.hurdles
    failed = hurdles[~hurdles["passed"].astype(bool)]
    result = []
    for option in dict.fromkeys(failed["option"].astype(str)):
        rows = failed[failed["option"].astype(str) == option]
        result.append({"option": names.short(option), "title": names.title.get(option, ""),
                       "reasons": [_join(_text(r.name), _text(r.detail)) for r in rows.itertuples(index=False)]})
    return result


def _join(name: str, detail: str) -> str:
    return f"{name} ({detail})" if detail and detail not in {"not met", "failed"} else name


def _rank_share(acceptability: pd.DataFrame, option: str, rank: int) -> float | None:
    if option not in acceptability.index:
        return None
    for column in acceptability.columns:
        if str(column) == str(rank):
            return float(acceptability.loc[option, column])
    return None


# --- 3. ranked table --------------------------------------------------------------------------

#: Measures shown in the ranked table: those of the most heavily weighted criteria.
KEY_MEASURES = 3


def ranked_table(appraisal: Appraisal, names: OptionNames, evaluation: pd.DataFrame) -> dict[str, Any]:
    """Rows in rank order (failed hurdles and the status quo after), with the key criteria's measures."""
    metrics = appraisal.metrics
    failures = {f["option"]: f["reasons"] for f in _failures(appraisal, names)}
    order = np.argsort(-evaluation["weight"].astype(float).to_numpy(), kind="stable")[:KEY_MEASURES]
    key = [evaluation.iloc[i] for i in sorted(order)]
    measured = [_measured(metrics, c) for c in key]
    columns = [{"name": _text(c["name"]) or str(c.name), "unit": unit} for c, (_, unit) in zip(key, measured,
                                                                                                  strict=True)]
    rows = []
    for row in appraisal.ranking.itertuples(index=False):
        option = str(row.option)
        reference = names.source.get(option) == "status quo" or bool(getattr(row, "reference", False))
        rows.append({
            "option": names.short(option), "title": names.title[option], "source": names.source[option],
            "rank": None if pd.isna(row.rank) else int(row.rank), "reference": reference,
            "passed": bool(row.passed_hurdles), "failures": failures.get(names.short(option), []),
            "weighted": float(row.weighted), "p_first": _rank_share(appraisal.acceptability, option, 1),
            "measures": [values.get(option) for values, _ in measured],
        })
    return {"columns": columns, "rows": rows}


def _criterion_rows(metrics: pd.DataFrame, criterion) -> pd.DataFrame:
    rows = metrics[metrics["measure"] == criterion["measure"]]
    for column in ("service", "mode"):
        wanted = _text(criterion.get(column, ""))
        rows = rows[rows[column].fillna("").astype(str) == wanted]
    return rows


def _measured(metrics: pd.DataFrame, criterion) -> tuple[dict[str, float], str]:
    """A criterion's measure of each option (the first row of each), and its unit."""
    rows = _criterion_rows(metrics, criterion).drop_duplicates("option")
    values = dict(zip(rows["option"].astype(str), rows["value"].astype(float), strict=True))
    return values, "" if rows.empty else _text(rows["unit"].iloc[0])


def score_table(appraisal: Appraisal, names: OptionNames, evaluation: pd.DataFrame) -> dict[str, Any]:
    """Criteria (rows) × options in rank order (columns): each measure in its unit, and its score 0–10."""
    scores, metrics = appraisal.scores, appraisal.metrics
    options = [o for o in appraisal.ranking["option"].astype(str) if o in scores.index]
    rows = []
    for criterion_id, criterion in evaluation.iterrows():
        values, unit = _measured(metrics, criterion)
        rows.append({
            "name": _text(criterion["name"]) or str(criterion_id), "unit": unit,
            "weight": float(criterion["weight"]), "scale": scale_text(criterion),
            "cells": [{"value": values.get(o),
                       "score": float(scores.loc[o, criterion_id]) if criterion_id in scores else None}
                      for o in options],
        })
    weighted = [float(scores.loc[o, "weighted"]) if "weighted" in scores else None for o in options]
    return {"options": [names.short(o) for o in options], "rows": rows, "weighted": weighted}


# --- 4. maps ----------------------------------------------------------------------------------

MAP_MEASURE = ("each locality's mean trip over all service lines, weighted by its yearly activity, each "
               "service by its own mode (blue-light ambulance for the services the instance sends by ambulance, "
               "car for the rest): the measure of the travel-time change below")


def headline_figures(instance: Instance, appraisal: Appraisal, option: str) -> dict[str, Any]:
    """The metrics layer's headline figures of one option, with where the worst locality is."""
    values = headline(appraisal.metrics, option)
    trips = own_mode(instance, appraisal.access[appraisal.access["option"].astype(str) == option])
    worst = trips.loc[trips["minutes"].idxmax()] if len(trips) else None
    return {**values,
            "worst_zone": _text(instance.zones.loc[worst["zone_id"], "name"]) if worst is not None else "",
            "worst_service": _text(instance.services.loc[worst["service_id"], "name"]) if worst is not None else ""}


#: Two options' maps are the same map when no zone's mean trip differs by more than this (minutes).
SAME_MAP_MIN = 0.05


def maps(instance: Instance, appraisal: Appraisal, options: list[str], names: OptionNames,
         configurations: Mapping[str, Configuration], reference: str | None) -> dict[str, Any]:
    """One choropleth per option whose travel differs from those before it, on one colour scale; for the
    recommended option, its change against the status quo and who gains and who loses; the legend."""
    from optimiser.appraisal.geography import zone_areas

    travel = appraisal.zone_travel
    minutes = {o: travel[travel["option"].astype(str) == o].set_index("zone_id")["minutes"] for o in options}
    scale = charts.map_scale([float(v) for m in minutes.values() for v in m.to_numpy()])
    roles = sorted(instance.roles.index.astype(str)) if len(instance.roles) else []
    leaving = neighbours.rule(instance) != "none" or estimated_leaving(instance)
    layers = charts.MapLayers.of(zone_areas(instance), instance.road_nodes, instance.roads, instance.sites,
                                 instance.tables["neighbours"] if leaving else None)
    flows = appraisal.neighbour_flows
    flow_scale = _flow_scale(flows)
    result, drawn = [], []
    for option in options:
        same = next((o for o in drawn if (minutes[o] - minutes[option]).abs().max() <= SAME_MAP_MIN), None)
        figures = headline_figures(instance, appraisal, option)
        entry = {"option": names.short(option), "title": names.title[option], **figures,
                 "same_as": names.short(same) if same else None, "image": None, "key": (), "unmarked": ()}
        if same is None:
            drawn.append(option)
            figure = charts.option_map(layers, minutes[option], sites=_map_sites(instance, configurations, option),
                                       roles=roles, scale=scale, title=names.short(option),
                                       label="mean trip, minutes (activity-weighted, own modes)",
                                       flows=flows[flows["option"].astype(str) == option], flow_scale=flow_scale)
            entry.update(image=figure.image, key=figure.key, unmarked=figure.unmarked)
        result.append(entry)
    recommended = appraisal.recommended
    changes = None
    if recommended and reference and recommended != reference:
        change = appraisal.change[appraisal.change["option"].astype(str) == recommended].set_index("zone_id")[
            "minutes_change"]
        sites = _map_sites(instance, configurations, recommended)
        title = f"{names.short(recommended)} against the {names.short(reference)}"
        changes = {"option": names.short(recommended), "reference": names.short(reference),
                   "change": charts.change_map(layers, change, sites=sites, roles=roles, title=title),
                   "gainers": charts.gainers_map(layers, change, sites=sites, roles=roles, title=title,
                                                 threshold_min=SAME_MAP_MIN)}  # each a MapFigure
    role_names = [(r, _text(instance.roles.loc[r, "name"])) for r in roles]
    return {"maps": result, "legend": charts.map_legend(role_names, neighbours=leaving), "changes": changes,
            "approximate": bool(layers.areas["approximate"].any())}


def _flow_scale(flows: pd.DataFrame) -> float:
    """The largest activity a year any one zone sends to one neighbour in any option: the widest line on the maps,
    so that lines compare across them."""
    if flows.empty:
        return 0.0
    return float(flows.groupby(["option", "zone_id", "neighbour_id"])["activity"].sum().max())


def _map_sites(instance: Instance, configurations: Mapping[str, Configuration], option: str) -> list[charts.MapSite]:
    """Each site as an option's map labels it: its short name and what it hosts (role and extra services)."""
    configuration = configurations.get(option)
    sites = []
    for site in instance.sites.itertuples(index=False):
        hosts = configuration is not None and any(s == site.site_id for s, _ in configuration.hosts)
        detail = site_summary(instance, configuration, site.site_id) if configuration else "—"
        sites.append(charts.MapSite(site.site_id, f"{_short_site(str(site.name))}\n{detail}",
                                    configuration.role_of.get(site.site_id) if configuration else None, hosts))
    return sites


def hosts_table(instance: Instance, configurations: Mapping[str, Configuration], options: list[str],
                names: OptionNames) -> dict[str, Any]:
    """Service lines (rows) × short-listed options (columns): the sites hosting each."""
    site_names = instance.sites["name"].astype(str).map(_short_site).to_dict()
    rows = []
    for service in instance.services.itertuples(index=False):
        cells = []
        for option in options:
            configuration = configurations.get(option)
            sites = configuration.sites_of(service.service_id) if configuration else []
            cells.append(", ".join(sorted(site_names.get(s, s) for s in sites)) or "—")
        rows.append({"service": _text(service.name) or service.service_id, "cells": cells,
                     "differs": len(set(cells)) > 1})
    roles = []
    for option in options:
        configuration = configurations.get(option)
        role_of = configuration.role_of if configuration else {}
        roles.append("; ".join(f"{site_names.get(s, s)} {role_of[s].upper()}"
                               for s in sorted(role_of, key=lambda s: site_names.get(s, s))) or "—")
    role_names = ({str(k).upper(): _text(v) for k, v in instance.roles["name"].items()}
                  if len(instance.roles) else {})
    return {"options": [names.short(o) for o in options], "rows": rows, "roles": roles,
            "role_names": sorted(role_names.items()),
            "summary": (_hosts_summary(instance, configurations, options, names, rows)
                        if len(site_names) > FOLD_SITES else None)}


#: Beyond this many sites the table of who hosts what is summarised, and the full table folded beneath.
FOLD_SITES = 10
#: A summary's cell names its sites up to this many; beyond, it counts them.
LISTED_SITES = 4


def _hosts_summary(instance: Instance, configurations: Mapping[str, Configuration], options: list[str],
                   names: OptionNames, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The hosts table in brief: how many sites take each role in each option, and only the service lines whose
    sites differ between the options, each cell its sites when few, else how many and, against the status quo
    where it is shown, which it gains (+) and loses (−), or how many when those are many too."""
    site_names = instance.sites["name"].astype(str).map(_short_site).to_dict()
    reference = next((o for o in options if names.source.get(o) == "status quo" and o in configurations), None)
    services = {_text(service.name) or service.service_id: service.service_id
                for service in instance.services.itertuples(index=False)}

    def cell(option: str, service: str, text: str) -> str:
        sites = set(configurations[option].sites_of(service)) if option in configurations else set()
        if len(sites) <= LISTED_SITES:
            return text
        if reference is None or option == reference:
            return f"{len(sites)} sites"
        today = set(configurations[reference].sites_of(service))
        gained, lost = sorted(sites - today), sorted(today - sites)
        if len(gained) + len(lost) > LISTED_SITES:
            return f"{len(sites)} sites: {len(gained)} gained, {len(lost)} lost against today"
        changes = [f"+{site_names.get(x, x)}" for x in gained] + [f"−{site_names.get(x, x)}" for x in lost]
        return f"{len(sites)} sites" + (f": {', '.join(changes)}" if changes else ", as today")

    counts = []
    for option in options:
        role_of = configurations[option].role_of if option in configurations else {}
        by_role: dict[str, int] = {}
        for role in role_of.values():
            by_role[role.upper()] = by_role.get(role.upper(), 0) + 1
        counts.append("; ".join(f"{role} at {n} site{'s' if n != 1 else ''}" for role, n in sorted(by_role.items()))
                      or "—")
    changed = [{"service": row["service"], "differs": True,
                "cells": [cell(option, services[row["service"]], text) for option, text in zip(options, row["cells"],
                                                                                                strict=True)]}
               for row in rows if row["differs"]]
    return {"roles": counts, "rows": changed, "same": len(rows) - len(changed)}


# --- 5.–8. change, equity, acceptability, hurdles and volumes -------------------------------

#: Beyond this many zones, the change chart shows each zone group (such as a district), not each zone: a bar a zone
#: would make a chart pages long.
CHANGE_BARS = 40


def change_section(instance: Instance, appraisal: Appraisal, options: list[str], names: OptionNames,
                   reference: str | None) -> dict[str, Any] | None:
    change = appraisal.change.dropna(subset=["minutes_change"])
    options = [o for o in options if o != reference and (change["option"].astype(str) == o).any()]
    if not options:
        return None
    zone_names = instance.zones["name"].astype(str).to_dict()
    population = instance.zones["population"].astype(float)
    labels = [(o, names.short(o)) for o in options]
    by_group = len(zone_names) > CHANGE_BARS and not appraisal.group_change.empty
    if by_group:
        groups = appraisal.group_change.dropna(subset=["minutes_change"])
        image = charts.change_chart(groups, {g: g for g in groups["group"].unique()}, labels, area="locality group")
    else:
        image = charts.change_chart(change, zone_names, labels)
    tables = []
    for option in options:
        rows = change[change["option"].astype(str) == option].set_index("zone_id")["minutes_change"]
        gain, loss = rows[rows < -0.05], rows[rows > 0.05]
        tables.append({
            "option": names.short(option),
            "gainers": int(population.reindex(gain.index).sum()), "losers": int(population.reindex(loss.index).sum()),
            "best": [(zone_names.get(z, z), float(v)) for z, v in gain.sort_values().head(3).items()],
            "worst": [(zone_names.get(z, z), float(v)) for z, v in loss.sort_values(ascending=False).head(3).items()],
        })
    return {"image": image, "options": tables, "reference": names.short(reference) if reference else "status quo",
            "by_group": by_group, "zones": len(zone_names)}


def equity_section(instance: Instance, appraisal: Appraisal, options: list[str],
                   names: OptionNames) -> dict[str, Any] | None:
    equity = appraisal.equity
    if equity.empty:
        return None
    modes = sorted(equity["mode"].astype(str).unique(), key=lambda m: (m != instance.settings.get("default_mode"), m))
    labels = {m: f"by {'blue-light ambulance' if m == 'bluelight' else m}" for m in modes}
    image = charts.equity_chart(equity, [(o, names.short(o)) for o in options], modes, labels)
    quintiles = sorted(int(q) for q in equity["deprivation_quintile"].dropna().unique())
    rows = []
    for option in appraisal.ranking["option"].astype(str):
        mine = equity[equity["option"].astype(str) == option]
        cells = []
        for mode in modes:
            values = mine[mine["mode"] == mode].set_index("deprivation_quintile")["minutes"].reindex(quintiles)
            cells += [float(v) for v in values]
        rows.append({"option": names.short(option), "minutes": cells})
    return {"image": image, "quintiles": quintiles, "modes": [labels[m] for m in modes], "rows": rows}


#: Services shown in the access view: those whose sites differ most between the options mapped.
ACCESS_SERVICES = 6


def access_section(instance: Instance, appraisal: Appraisal, options: list[str], names: OptionNames,
                   configurations: Mapping[str, Configuration]) -> dict[str, Any] | None:
    """The S-curve of the services whose sites differ between the options shown (each by its own mode), the
    shares within 15/30/45/60 minutes by population group (by the service's own mode and by each
    public-transport mode), and the zones that cross an access standard (by the same modes)."""
    differ = [s for s in instance.services.index
              if len({tuple(configurations[o].sites_of(s)) for o in options if o in configurations}) > 1]
    if not differ:
        return None
    services = differ[:ACCESS_SERVICES]
    own = {s: instance.mode_or_default(instance.services.loc[s, "mode"]) for s in services}
    titles = [(s, _service_by(instance, s, own[s])) for s in services]
    curves = access_curve(instance, own_mode(instance, appraisal.access[appraisal.access["option"].isin(options)]))
    standards = standard_minutes(instance).to_dict()
    image = charts.access_chart(curves, [(o, names.short(o)) for o in options], titles, standards)
    shares = appraisal.access_shares
    shares = shares[shares["option"].isin(options) & shares["service_id"].isin(services)]
    minutes = sorted(int(m) for m in shares["within_min"].unique())
    groups = [g for g in population_groups(instance)["group"].unique() if g in set(shares["group"])]
    tables = []
    by_mode = [(s, own[s]) for s in services] + [(s, m) for s in services for m in instance.public_modes if m != own[s]]
    for service, mode in by_mode:
        mine = shares[(shares["service_id"] == service) & (shares["mode"] == mode)]
        mine = mine.set_index(["group", "option", "within_min"])["share"]
        tables.append({"title": _service_by(instance, service, mode), "rows": [
            {"group": group, "cells": [mine.get((group, o, m)) for o in options for m in minutes]}
            for group in groups]})
    crossing = appraisal.crossings
    crossing = crossing[crossing["option"].isin(options)]
    zone_names = instance.zones["name"].astype(str).to_dict()
    listed = [{"option": names.short(r.option), "zone": zone_names.get(r.zone_id, r.zone_id),
               "service": _service_by(instance, r.service_id, r.mode),
               "standard": float(r.standard_min), "before": float(r.minutes_before), "after": float(r.minutes_after),
               "direction": r.direction} for r in crossing.itertuples(index=False)]
    return {"image": image, "options": [names.short(o) for o in options], "minutes": minutes, "tables": tables,
            "more": len(differ) - len(services), "crossings": listed}


def _service_by(instance: Instance, service: str, mode: str) -> str:
    """A service's short name and the mode its trips are measured by, e.g. ``Maternity (by public_am)``."""
    return f"{_first_words(_text(instance.services.loc[service, 'name']) or service)} ({_mode_words(mode)})"


def _mode_words(mode: str) -> str:
    return "blue-light ambulance" if mode == "bluelight" else f"by {mode}"


def acceptability_section(appraisal: Appraisal, names: OptionNames, criteria: pd.DataFrame) -> dict[str, Any]:
    acceptability = appraisal.acceptability
    image = None
    if not acceptability.empty:
        labels = {o: names.short(str(o)) for o in acceptability.index}
        image = charts.acceptability_chart(acceptability, labels)
    ranges = []
    for row in appraisal.weight_ranges.itertuples(index=False):
        name = _text(criteria.loc[row.criterion, "name"]) if row.criterion in criteria.index else str(row.criterion)
        ranges.append({"name": name, "weight": float(row.weight), "low": float(row.low), "high": float(row.high)})
    return {"image": image, "ranges": ranges, "samples": appraisal.samples, "seed": appraisal.seed,
            "top": names.short(appraisal.recommended) if appraisal.recommended else None}


def hurdle_table(appraisal: Appraisal, names: OptionNames, criteria: pd.DataFrame) -> dict[str, Any]:
    hurdles = appraisal.hurdles
    ids = list(dict.fromkeys(hurdles["criterion"].astype(str)))
    columns = [_text(criteria.loc[c, "name"]) if c in criteria.index else c for c in ids]
    rows = []
    for option in appraisal.ranking["option"].astype(str):
        mine = hurdles[hurdles["option"].astype(str) == option].set_index("criterion")
        cells = []
        for criterion in ids:
            if criterion in mine.index:
                row = mine.loc[criterion]
                cells.append({"passed": bool(row["passed"]), "detail": _text(row.get("detail"))})
            else:
                cells.append(None)
        rows.append({"option": names.short(option), "cells": cells})
    return {"columns": columns, "rows": rows}


def volume_table(instance: Instance, appraisal: Appraisal, options: list[str], names: OptionNames) -> list[dict]:
    volumes = appraisal.volumes
    limited = volumes[volumes["min_volume"].fillna(0).gt(0) | volumes["max_volume"].notna()]
    site_names = instance.sites["name"].astype(str).map(_short_site).to_dict()
    service_names = instance.services["name"].astype(str).to_dict()
    rows = []
    for option in options:
        mine = limited[limited["option"].astype(str) == option].sort_values(["service_id", "site_id"])
        for row in mine.itertuples(index=False):
            low = None if pd.isna(row.min_volume) or row.min_volume <= 0 else float(row.min_volume)
            high = None if pd.isna(row.max_volume) else float(row.max_volume)
            volume = float(row.volume)
            status = ("below minimum" if low is not None and volume < low - 1e-6 else
                      "above maximum" if high is not None and volume > high + 1e-6 else "within")
            rows.append({"option": names.short(option), "site": site_names.get(row.site_id, row.site_id),
                         "service": service_names.get(row.service_id, row.service_id), "volume": volume,
                         "min": low, "max": high, "status": status})
    return rows


#: How the report states each neighbour rule (instance.yaml's neighbour_rule).
NEIGHBOUR_RULES = {
    "nearest": "each zone goes to its nearest open provider, the group's or a neighbour's (closest assignment "
               "including the neighbouring hospitals)",
    "retention": "a share of each zone's patients leaves for its nearest neighbouring hospital, growing with the "
                 "extra minutes to the group's site beyond it (the instance's retention curve: {curve})",
    "none": "none: the optimisation and the ranking keep every patient in the group. The figures below, and the "
            "lines to neighbouring hospitals on the maps, are what each option's allocation would send out "
            f"{ESTIMATE}: a share of each zone's patients leaving for its nearest neighbouring hospital, growing "
            "with the extra minutes to the group's site beyond it ({curve})",
}


def neighbour_section(instance: Instance, appraisal: Appraisal, options: list[str],
                      names: OptionNames) -> dict[str, Any] | None:
    """The rule for patients who leave the group; each option's yearly activity and income leaving and the
    neighbouring hospitals it goes to; its flows to each by service line: activity, income at the tariff, and
    what the neighbour can take. Under ``none``, the estimate of :mod:`optimiser.appraisal.leaving`, said so
    (None where nobody can leave)."""
    rule = neighbours.rule(instance)
    estimate = estimated_leaving(instance)
    if rule == "none" and not estimate:
        return None
    curve = instance.tables["retention"].reset_index(drop=True).sort_values("extra_min")
    text = NEIGHBOUR_RULES[rule].format(curve=", ".join(f"{p.leaving_share:.0%} at {p.extra_min:g} min"
                                                        for p in curve.itertuples(index=False)))
    neighbour_names = instance.tables["neighbours"]["name"].astype(str).to_dict()
    service_names = instance.services["name"].astype(str).to_dict()
    flows = appraisal.neighbour_flows
    rows = []
    for option in options:
        mine = flows[flows["option"].astype(str) == option]
        load = neighbours.neighbour_load(instance, mine)
        for row in load[load["activity"] > 0].sort_values(["neighbour_id", "service_id"]).itertuples(index=False):
            spare = None if pd.isna(row.spare_activity) else float(row.spare_activity)
            tariff_gbp_m = neighbours.tariff_gbp_m(instance, pd.Series([row.service_id]))[0]
            rows.append({"option": names.short(option), "neighbour": neighbour_names.get(row.neighbour_id),
                         "service": service_names.get(row.service_id, row.service_id), "activity": float(row.activity),
                         "income": float(row.activity * tariff_gbp_m), "spare": spare, "over": float(row.over)})
    return {"rule": text, "rows": rows, "estimate": ESTIMATE if estimate else None,
            "totals": _leaving_totals(instance, flows, options, names)}


def _leaving_totals(instance: Instance, flows: pd.DataFrame, options: list[str],
                    names: OptionNames) -> list[dict[str, Any]]:
    """Each option's activity and income leaving in all, and how much goes to each neighbouring hospital (its
    name before any bracket), most first."""
    short_names = instance.tables["neighbours"]["name"].astype(str).str.split(" (", regex=False).str[0].to_dict()
    received = flows.groupby(["option", "neighbour_id"])["activity"].sum()
    rows = []
    for total in leaving_totals(flows, options).itertuples(index=False):
        mine = received.get(total.option, pd.Series(dtype=float)).sort_values(ascending=False)
        rows.append({"option": names.short(total.option), "activity": float(total.activity),
                     "income": float(total.income_gbp_m),
                     "to": "; ".join(f"{short_names.get(n, n)} {a:,.0f}" for n, a in mine.items() if a > 0.5)})
    return rows


def plausibility_table(study: Study, names: OptionNames) -> list[dict[str, str]]:
    """The plausibility review's findings, options in the ranking's order (the study ran the review)."""
    found = study.review
    if found.empty:
        return []
    order = {option: i for i, option in enumerate(study.appraisal.ranking["option"].astype(str))}
    found = found.assign(order=found["option"].astype(str).map(order)).sort_values("order", kind="stable")
    return [{"option": names.short(str(row.option)), "check": str(row.check), "message": str(row.message)}
            for row in found.itertuples(index=False)]


# --- 8. why: against the real decision ---------------------------------------------------------

#: Service lines and localities listed in the why section (largest part of the difference first).
WHY_ROWS = 8
#: Assumptions listed in the why section.
WHY_ASSUMPTIONS = 6


def why_section(study: Study, names: OptionNames) -> dict[str, Any] | None:
    """The recommended configuration beside the instance's real decision, from the study's explanation
    (:func:`optimiser.appraisal.explain.compare`): the difference in the optimiser's objective by criterion, service
    line and locality, the assumptions it rests on and the weights at which the order flips. None where the
    instance names no decision."""
    instance, why = study.instance, study.why
    decision = instance.settings.get("decision")
    if not decision:
        return None
    recommended = study.appraisal.recommended
    head = {"decision": names.short(decision) if decision in names.label else decision,
            "decision_title": names.title.get(decision, ""), "explained": why is not None}
    if why is None:
        reason = ("the recommended option is the real decision" if recommended == decision else
                  "the real decision has no allocation that meets the instance's rules (section 7)"
                  if decision in names.label else "the real decision is not among the appraised options")
        return {**head, "reason": reason}
    service_names = instance.services["name"].astype(str).map(_first_words).to_dict()
    zone_names = instance.zones["name"].astype(str).to_dict()
    return {**head, "option": names.short(why.a), "title": names.title.get(why.a, ""),
            "which": "The recommended option" if why.a == recommended else "No option passes every hurdle; the "
                                                                           "optimiser's best",
            "objective_a": why.objective_a, "objective_b": why.objective_b, "difference": why.difference,
            "sentences": why.sentences(instance),
            "criteria": [{"criterion": str(criterion), "weight": float(row["weight"]), "a": float(row["a"]),
                          "b": float(row["b"]), "difference": float(row["objective_difference"]),
                          "share": float(row["share"])} for criterion, row in why.criteria.iterrows()],
            "services": _why_rows(why.by_service(), lambda s: service_names.get(s, s) if s else
                                  "no one service (new sites, expansion, the worst trip)"),
            "zones": _why_rows(why.by_zone(), lambda z: zone_names.get(z, z)),
            "assumptions": [{"parameter": str(row.parameter), "value": float(row.value), "share": float(row.share)}
                            for row in why.assumptions.head(WHY_ASSUMPTIONS).itertuples(index=False)],
            "flips": list(why.flips["sentence"])}


def _why_rows(grouped: pd.DataFrame, name) -> list[dict[str, Any]]:
    """The largest parts of the difference, named, with their share."""
    return [{"name": name(str(key)), "difference": float(row["objective_difference"]), "share": float(row["share"])}
            for key, row in grouped.head(WHY_ROWS).iterrows()]


# --- 9. sensitivity sweep ---------------------------------------------------------------------

DESIGN_NAMES = {"grid": "grid", "oat": "one at a time", "montecarlo": "Monte Carlo", "sobol": "Sobol (Saltelli)",
                "morris": "Morris elementary effects", "named": "named scenarios"}
#: The design in the executive summary's sentence.
DESIGN_SWEEPS = {"grid": "a grid sweep", "oat": "a one-at-a-time sweep", "montecarlo": "a Monte Carlo sweep",
                 "sobol": "a Sobol sweep", "morris": "a Morris sweep", "named": "a sweep"}
#: Configurations shown in the sweep's table and chart; the rest are counted in one line.
SWEEP_CONFIGURATIONS = 12
#: A configuration that matches no option is described against the closest one when it differs by this many
#: service lines at most; beyond that, by its roles alone.
CLOSE_SERVICES = 4


def sweep_section(sweep: SweepResult, study: Study, names: OptionNames) -> dict[str, Any]:
    """What a sensitivity sweep varied, how often each configuration won, how stable the named options' ranks
    are, and (by design) a tornado chart or Sobol/Morris indices with their confidence intervals."""
    instance, design = study.instance, sweep.design
    results = sweep.results
    recorded = len(results)
    solved = len(sweep.solved)
    failed = len(sweep.failed)
    expected = _design_size(design)
    summary_frame = sweep.summary()
    labels = _sweep_labels(summary_frame["key"].astype(str).tolist() if len(summary_frame) else [], study, names)
    top_n = next((int(c[3:]) for c in summary_frame.columns if re.fullmatch(r"top\d+", str(c))), 1)
    configurations = []
    for row in summary_frame.itertuples(index=False):
        key = str(row.key)
        configurations.append({
            "label": labels[key]["label"], "source": labels[key]["source"], "sites": labels[key]["sites"],
            "optimal": int(row.optimal), "optimal_share": float(row.optimal_share),
            "top": int(getattr(row, f"top{top_n}")), "top_share": float(getattr(row, f"top{top_n}_share")),
            "objective": float(row.mean_objective_when_optimal),
        })
    shown = configurations[:SWEEP_CONFIGURATIONS]
    image = charts.sweep_chart([(c["label"], c["optimal_share"], c["top_share"]) for c in shown], top_n) \
        if shown and solved else None
    recommended = study.appraisal.recommended
    recommended_share = None
    if recommended is not None and recommended in study.configurations and solved:
        mine = study.configurations[recommended].hosts
        recommended_share = sum(c["optimal"] for c, key in zip(configurations, summary_frame["key"], strict=True)
                                if _key_hosts(str(key)) == mine) / solved
    varied = [_param_text(p) for p in design.params] if design.kind != "named" else \
        [name for name, _ in design.named_scenarios]
    result: dict[str, Any] = {
        "kind": design.kind, "design": DESIGN_NAMES.get(design.kind, design.kind),
        "params": [_param_row(p, design) for p in design.params],
        "named": [{"name": name, "overrides": ", ".join(f"{k} = {_value(v)}" for k, v in overrides) or "none"}
                  for name, overrides in design.named_scenarios],
        "seed": design.seed if design.kind in ("montecarlo", "sobol", "morris") else None,
        "samples": design.samples, "levels": design.levels,
        "expected": expected, "recorded": recorded, "solved": solved, "failed": failed,
        "unsolved": recorded - solved - failed, "pending": max(expected - recorded, 0) if expected else 0,
        "errors": sorted({_text(e) for e in sweep.failed["error"]} - {""})[:3] if failed else [],
        "instance": sweep.instance, "other_instance": sweep.instance != instance.name,
        "top": sweep.top, "top_n": top_n,
        "configurations": shown, "more": len(configurations) - len(shown),
        "more_optimal": sum(c["optimal"] for c in configurations[len(shown):]),
        "image": image, "recommended": names.short(recommended) if recommended else None,
        "recommended_share": recommended_share,
        "ranks": _sweep_ranks(sweep, names),
        "tornado": _sweep_tornado(sweep, labels) if design.kind == "oat" and solved else None,
        "indices": _sweep_indices(sweep, labels) if design.kind in ("sobol", "morris") and recorded else None,
    }
    result["sentence"] = _sweep_sentence(result, varied)
    return result


def _design_size(design) -> int:
    """Scenarios in the design (0 when it cannot be told without the instance)."""
    if design.kind == "oat":
        return 1 + 2 * len(design.params)
    if design.kind == "named":
        return len(design.named_scenarios)
    try:
        return len(design.matrix())
    except Exception:  # a design SALib cannot sample: show the scenarios recorded only
        return 0


def _value(value: object) -> str:
    if value is None:
        return "none"
    try:
        return f"{float(value):g}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def _param_text(param) -> str:
    """``weights.travel (0.5–2)``: a parameter and its range, for a sentence."""
    if param.values:
        return f"{param.name} ({', '.join(_value(v) for v in param.values)})"
    if param.low == param.high:
        return f"{param.name} (fixed at {_value(param.low)})"
    return f"{param.name} ({_value(param.low)}–{_value(param.high)})"


def _param_row(param, design) -> dict[str, Any]:
    if design.kind == "grid":
        levels = param.values or tuple(param.levels(design.levels))
        how = f"grid levels {', '.join(_value(v) for v in levels)}"
    elif design.kind == "montecarlo":
        how = {"uniform": "uniform", "triangular": f"triangular, peak {_value(param.peak)}",
               "normal": f"normal, mean {_value(param.peak)}, sd {_value(param.sd)} (truncated at 0)"}.get(
            param.distribution, param.distribution)
    elif design.kind == "oat":
        how = "low and high end, the others at their base values"
    elif design.kind == "morris":
        how = f"uniform, {design.levels} grid levels"
    else:
        how = "uniform"
    return {"name": param.name, "low": _value(param.low), "high": _value(param.high), "how": how}


def _key_hosts(key: str) -> frozenset[tuple[str, str]]:
    hosts = key.partition("|")[2]
    return frozenset(tuple(pair.split(":", 1)) for pair in hosts.split(",") if ":" in pair)  # type: ignore[misc]


def _key_configuration(key: str) -> Configuration:
    roles = key.partition("|")[0]
    return Configuration.of(_key_hosts(key), dict(pair.split(":", 1) for pair in roles.split(",") if ":" in pair))


def _sweep_labels(keys: list[str], study: Study, names: OptionNames) -> dict[str, dict[str, Any]]:
    """Configuration key → the report's own option name where the services match one of the study's options,
    else C1, C2 … (in the summary's order); with the configuration's sites in a few words."""
    instance = study.instance
    options = [(o, c) for o, c in study.configurations.items() if o in names.label]
    service_names = {str(k): _text(v) for k, v in instance.services["name"].items()}
    site_names = {str(k): _short_site(_text(v)) for k, v in instance.sites["name"].items()}
    result, n = {}, 0
    listed: list[tuple[str, Configuration]] = []  # (label, configuration) of the rows above
    for key in keys:
        configuration = _key_configuration(key)
        option = next((o for o, c in options if c.hosts == configuration.hosts), None)
        if option is None:
            n += 1
        label = names.short(option) if option else f"C{n}"
        sites = _roles_summary(instance, configuration)
        # the same roles as a row above: say how it differs from the closest such row; a new configuration
        # with new roles: how it differs from the closest of the report's options
        same_roles = [(lab, c) for lab, c in listed if c.roles == configuration.roles]
        pool = same_roles or ([] if option else [(names.short(o), c) for o, c in options])
        listed.append((label, configuration))
        if pool:
            closest = min(pool, key=lambda lc: len(lc[1].hosts ^ configuration.hosts))
            if closest is not None:
                differ = sorted({service for _, service in closest[1].hosts ^ configuration.hosts})
                if len(differ) <= CLOSE_SERVICES:
                    changes = []
                    for service in differ:
                        now, then = set(configuration.sites_of(service)), set(closest[1].sites_of(service))
                        gained = sorted(site_names.get(s, s) for s in now - then)
                        lost = sorted(site_names.get(s, s) for s in then - now)
                        where = ", ".join(([f"also at {_and(gained)}"] if gained and not lost else
                                           [f"at {_and(gained)}"] if gained else [])
                                          + ([f"not at {_and(lost)}"] if lost else []))
                        changes.append(f"{service_names.get(service) or service} {where}")
                    sites = f"as {closest[0]}, but: " + "; ".join(changes)
        result[key] = {"label": label, "option": option, "sites": sites,
                       "source": names.source.get(option, "") if option else ""}
    return result


def _sweep_ranks(sweep: SweepResult, names: OptionNames) -> dict[str, Any] | None:
    ranks = sweep.ranks()
    if ranks.empty:
        return None
    rank_columns = [c for c in ranks.columns if str(c).startswith("rank_")]
    rows = []
    for option, row in ranks.iterrows():
        option = str(option)
        rows.append({"option": names.short(option) if option in names.label else option,
                     "feasible": float(row["feasible_share"]), "mean_rank": float(row["mean_rank"]),
                     "optimal": float(row["optimal_share"]), "shares": [float(row[c]) for c in rank_columns]})
    return {"ranks": [c.removeprefix("rank_") for c in rank_columns], "rows": rows}


def _relabel(sweep: SweepResult, labels: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """The sweep's own configuration labels (C1 …, option ids) → the report's."""
    return {own: labels[key]["label"] for key, own in sweep.labels().items() if key in labels}


def _sweep_tornado(sweep: SweepResult, labels: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    try:
        frame = sweep.tornado()
    except OptimiserError:  # the base scenario has no result yet
        return None
    relabel = _relabel(sweep, labels)
    rows = []
    for row in frame.itertuples(index=False):
        rows.append({"parameter": row.parameter, "low": float(row.low), "base": float(row.base),
                     "high": float(row.high), "at_low": float(row.at_low), "at_base": float(row.at_base),
                     "at_high": float(row.at_high), "swing": float(row.swing),
                     "top_low": relabel.get(row.top_low, row.top_low) or "—",
                     "top_base": relabel.get(row.top_base, row.top_base) or "—",
                     "top_high": relabel.get(row.top_high, row.top_high) or "—", "changes": bool(row.changes)})
    image = charts.tornado_chart(rows) if rows else None
    return {"rows": rows, "image": image}


def _output_name(output: str, relabel: Mapping[str, str]) -> str:
    if output == "objective":
        return "objective (weighted sum)"
    if output.startswith("criteria."):
        return f"{output.removeprefix('criteria.')} (criterion of the optimum)"
    if output.startswith("top."):
        label = output.removeprefix("top.")
        return f"{relabel.get(label, label)} is optimal (0/1)"
    return output


def _sweep_indices(sweep: SweepResult, labels: Mapping[str, Mapping[str, Any]]) -> dict[str, Any] | None:
    try:
        frame = sweep.indices()
    except OptimiserError:
        return None
    relabel = _relabel(sweep, labels)
    kind = sweep.design.kind
    rows, quiet = [], {}
    for output, group in frame.groupby("output", sort=False):
        name = _output_name(str(output), relabel)
        notes = {str(n) for n in group["note"] if str(n)}
        if notes:
            quiet.setdefault("; ".join(sorted(notes)), []).append(name)
            continue
        for i, row in enumerate(group.itertuples(index=False)):
            values = ({"S1": row.S1, "S1_low": row.S1_low, "S1_high": row.S1_high,
                       "ST": row.ST, "ST_low": row.ST_low, "ST_high": row.ST_high} if kind == "sobol" else
                      {"mu": row.mu, "mu_star": row.mu_star, "mu_star_conf": row.mu_star_conf, "sigma": row.sigma})
            rows.append({"output": name if i == 0 else "", "first": i == 0, "span": len(group),
                         "parameter": row.parameter, **{k: float(v) for k, v in values.items()}})
    return {"kind": kind, "rows": rows, "quiet": sorted(quiet.items())}


def _sweep_sentence(section: Mapping[str, Any], varied: list[str]) -> str:
    """One sentence for the executive summary."""
    what = f"the named scenarios {_and(varied)}" if section["kind"] == "named" else _and(varied)
    sweep = DESIGN_SWEEPS.get(section["kind"], f"{section['design']} sweep")
    text = f"In {section['solved']:,} solved scenarios of {sweep} varying {what}"
    if section["recommended"] is None or section["recommended_share"] is None:
        return text + ", there was no recommended option to compare against"
    return (f"{text}, the recommended configuration ({section['recommended']}) was optimal in "
            f"{section['recommended_share']:.0%}")


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "nothing"


# --- 10. assumptions ---------------------------------------------------------------------------

def markdown(text: str) -> str:
    """CommonMark (with tables) to HTML; raw HTML is escaped, links and images become plain text."""
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = parser.parse(text)
    for token in tokens:
        if token.type == "inline" and token.children:
            token.children = list(_unlinked(token.children))
    return parser.renderer.render(tokens, parser.options, {})


def _unlinked(children: list[Token]):
    """Inline tokens with links replaced by their text (and the address in brackets) and images by their text."""
    hrefs: list[str] = []
    for child in children:
        if child.type == "link_open":
            hrefs.append(str(child.attrs.get("href", "")))
        elif child.type == "link_close":
            href = hrefs.pop() if hrefs else ""
            if href and not href.startswith("#"):
                yield Token("text", "", 0, content=f" ({href})")
        elif child.type == "image":
            yield Token("text", "", 0, content=f"[image: {child.content or ''} {child.attrs.get('src', '')}]")
        else:
            yield child


# --- 11. method annex -------------------------------------------------------------------------

def formulation() -> list[dict[str, Any]]:
    """The model's module docstring, then each constraint family's and the criteria's, math made readable."""
    docs = _model_docstrings()
    kept = charts.MathCache(charts.math_cache_path())
    typeset = [{"name": name, "text": _readable(text, kept)} for name, text in docs]
    kept.save()
    return typeset


def _model_docstrings() -> list[tuple[str, str]]:
    """(name, docstring) from ``optimiser.model.statement``'s source, read without importing it (no Pyomo)."""
    spec = importlib.util.find_spec("optimiser.model.statement")
    origin = spec.origin if spec else None
    if origin and Path(origin).is_file():
        tree = ast.parse(Path(origin).read_text(encoding="utf-8"))
        functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
        families = next((node.value for node in tree.body if isinstance(node, ast.Assign)
                         and any(isinstance(t, ast.Name) and t.id == "CONSTRAINT_FAMILIES" for t in node.targets)),
                        None)
        if isinstance(families, ast.Tuple) and all(isinstance(e, ast.Name) for e in families.elts):
            names = [e.id for e in families.elts] + ["criteria"]
            docs = [("Model", ast.get_docstring(tree) or "")]
            docs += [(name, ast.get_docstring(functions[name]) or "") for name in names if name in functions]
            return docs
    model = importlib.import_module("optimiser.model.statement")  # fallback: the families are not a literal tuple
    docs = [("Model", inspect.getdoc(model) or "")]
    docs += [(f.__name__, inspect.getdoc(f) or "") for f in (*model.CONSTRAINT_FAMILIES, model.criteria)]
    return docs


LATEX = {
    r"\sum": "Σ", r"\in": "∈", r"\notin": "∉", r"\le": "≤", r"\leq": "≤", r"\ge": "≥", r"\geq": "≥",
    r"\cdot": "·", r"\times": "×", r"\forall": "∀", r"\infty": "∞", r"\alpha": "α", r"\beta": "β",
    r"\gamma": "γ", r"\delta": "δ", r"\epsilon": "ε", r"\lambda": "λ", r"\mu": "μ", r"\rho": "ρ",
    r"\sigma": "σ", r"\tau": "τ", r"\theta": "θ", r"\omega": "ω", r"\min": "min", r"\max": "max",
    r"\quad": " ", r"\,": " ", r"\;": " ", r"\neq": "≠", r"\ne": "≠", r"\to": "→", r"\mid": "|",
    r"\ni": "∋", r"\ldots": "…", r"\dots": "…", r"\cup": "∪", r"\cap": "∩", r"\subseteq": "⊆", r"\lceil": "⌈",
    r"\rceil": "⌉", r"\lfloor": "⌊", r"\rfloor": "⌋", r"\left": "", r"\right": "", r"\big": "",
}


def _readable(doc: str, kept: charts.MathCache) -> Markup:
    """Escape a docstring, then show ``:math:`...``` as math (Unicode symbols, sub- and superscripts)."""
    escaped = str(escape(doc))
    escaped = re.sub(r":math:`([^`]*)`", lambda m: _typeset(html.unescape(m.group(1)), kept), escaped)
    escaped = re.sub(r":(?:func|class|mod|meth|attr):`~?([^`]*)`", r"<code>\1</code>", escaped)
    escaped = re.sub(r"``([^`]+)``", r"<code>\1</code>", escaped)
    return Markup(escaped)


def _typeset(expression: str, kept: charts.MathCache) -> str:
    """An expression as an inline SVG image typeset by mathtext, its alt text the readable Unicode; where
    mathtext cannot parse it, the Unicode text itself."""
    readable = _math(str(escape(expression)))
    image = kept.svg(expression)
    if image is None:
        return f'<span class="math">{readable}</span>'
    uri, height, depth = image
    alt = re.sub(r"<[^>]+>", "", readable)
    return (f'<img class="math" src="{uri}" alt="{alt}" '
            f'style="height: {height:.2f}pt; vertical-align: -{depth:.2f}pt">')


def _math(expression: str) -> str:
    """Light LaTeX clean-up of already escaped text: symbols, ``\\bar x``, ``_{..}`` and ``^{..}``."""
    text = re.sub(r"\\(?:mathrm|text|mathbf|operatorname)\{([^{}]*)\}", r"\1", expression)
    text = re.sub(r"\\bar\s*\{?(\w)\}?", "\\1\u0304", text)
    text = re.sub(r"\\hat\s*\{?(\w)\}?", "\\1\u0302", text)
    for command in sorted(LATEX, key=len, reverse=True):
        text = re.sub(re.escape(command) + r"(?![A-Za-z])", LATEX[command], text)
    text = text.replace(r"\{", "{").replace(r"\}", "}")
    for _ in range(2):  # nested scripts
        text = re.sub(r"_\{([^{}]*)\}", r"<sub>\1</sub>", text)
        text = re.sub(r"\^\{([^{}]*)\}", r"<sup>\1</sup>", text)
    text = re.sub(r"_(\w)", r"<sub>\1</sub>", text)
    text = re.sub(r"\^(\w)", r"<sup>\1</sup>", text)
    return text


# --- 12. footer -------------------------------------------------------------------------------

def footer(study: Study, today: dt.date) -> dict[str, Any]:
    solver = dict(study.solver or {})
    gap = solver.get("gap")
    return {
        "checksum": study.checksum,
        "versions": sorted((str(k), str(v)) for k, v in study.versions.items()),
        "date": _date(today),
        "solver": str(solver.get("solver") or "not run (named options only)"),
        "status": str(solver.get("status") or "—"),
        "gap": "—" if gap is None or (isinstance(gap, float) and math.isnan(gap)) else
               "no bound yet" if math.isinf(float(gap)) else f"{float(gap):.4%}",
        "top": solver.get("top"),
        "model": _model_text(solver.get("builder"), solver.get("extension")),
        "weights": sorted((str(k), float(v)) for k, v in dict(solver.get("weights") or {}).items()),
        "seed": study.appraisal.seed, "samples": study.appraisal.samples,
        "instance": study.instance.name,
    }


def _model_text(builder: str | None, extension: str | None) -> str | None:
    """How the model was built, as the footer says it; None where no solve ran."""
    if builder is None:
        return None
    built = "stated in Pyomo and compiled" if builder == "pyomo" else "assembled as matrices with numpy"
    return built + (f", with the user's rules of {extension}" if extension else "")


# --- helpers ----------------------------------------------------------------------------------

def _date(today: dt.date) -> str:
    return f"{today.day} {today:%B %Y}"


def _has_estimates(instance: Instance, readme: str) -> bool:
    """Whether the README or any source column marks a figure as an estimate."""
    pattern = re.compile(r"\best\.")
    if pattern.search(readme) or pattern.search(str(instance.settings.get("description") or "")):
        return True
    for frame in instance.tables.values():
        for column in ("source", "notes"):
            if column in frame and frame[column].astype(str).str.contains(pattern).any():
                return True
    return False


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def _text(value: object) -> str:
    """A cell as text: blank for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value)


def _num(value: object, digits: int = 1) -> str:
    """``1,234.5``; ``—`` for a missing value; ``no limit`` for infinity."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    if math.isinf(number):
        return "no limit" if number > 0 else "−∞"
    text = f"{number:,.{digits}f}"
    return text.replace("-", "−") if number < 0 and text.strip("-0.,") else text.lstrip("-")


def _signed(value: object, digits: int = 4) -> str:
    """``+0.1718``, ``−0.0302``: a difference with its sign; ``—`` for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{float(value):+.{digits}f}"  # type: ignore[arg-type]
    return text.replace("-", "−")


def _measure_text(value: object, unit: str = "") -> str:
    """A measure for a table: shares as percentages, large numbers without decimals."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    number = float(value)  # type: ignore[arg-type]
    if unit == "share":
        return _pct(number)
    return _num(number, 0 if abs(number) >= 1000 else 1)


def _pct(value: object, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return f"{float(value):.{digits}%}"  # type: ignore[arg-type]
