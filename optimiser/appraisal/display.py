"""Results as the command line shows them: Rich tables for people, plain dicts for ``--json``."""

from __future__ import annotations

import dataclasses
import math
import textwrap
from collections import Counter
from typing import Any

from rich.table import Table

from optimiser.instance.configuration import Configuration, baseline_configuration, role_services
from optimiser.instance.folder import Instance
from optimiser.instance.neighbours import rule
from optimiser.instance.travel import TravelTimes, travel_times_by_mode
from optimiser.search.diagnose import Diagnosis
from optimiser.search.engine import Solution, SolveResult
from optimiser.text import shown
from solvers.highs import Progress

from .metrics import solution_headline

#: Figures shown beside each configuration (from :mod:`optimiser.appraisal.metrics`), with their headings.
KEY_FIGURES = {"mean_travel_min": "travel min", "worst_zone_min": "worst zone min",
               "transfers_per_year": "transfers /yr", "capital_gbp_m": "capital £m", "running_gbp_m": "running £m/yr",
               "rotas_24_7": "24/7 rotas", "moves": "moves"}
#: Figures shown besides where patients may leave for neighbouring hospitals.
LEAVING_FIGURES = {"leaving_activity": "leaving /yr", "income_leaving_gbp_m": "leaving £m/yr"}


def key_figures(instance: Instance) -> dict[str, str]:
    """The figures shown beside each configuration, with their headings."""
    return KEY_FIGURES | (LEAVING_FIGURES if rule(instance) != "none" else {})


def site_summary(instance: Instance, configuration: Configuration, site_id: str) -> str:
    """A site's role and the services it hosts beyond it: ``seh +cancer +vascular``."""
    role = configuration.role_of.get(site_id)
    brought = set(role_services(instance).get(role, [])) if role else set()
    extra = [l for s, l in sorted(configuration.hosts) if s == site_id and l not in brought]
    parts = ([role] if role else []) + [f"+{l}" if role else l for l in extra]
    return " ".join(parts) or "—"


def figures(instance: Instance, solutions: list[Solution],
            times: dict[str, TravelTimes] | None = None) -> list[dict[str, float]]:
    """The metrics layer's headline figures of each solution, the travel times computed once (or given)."""
    times = times or travel_times_by_mode(instance)
    return [solution_headline(instance, solution, times) for solution in solutions]


def ranked_table(instance: Instance, result: SolveResult, headlines: list[dict[str, float]]) -> Table:
    """The ranked configurations with ``headlines``, their :func:`figures`: one row each, as narrow at forty
    sites as at three (what each configuration is, site by site, is in :func:`configuration_lines`)."""
    table = Table(title=f"{shown(instance.name)}: best {len(result.ranked)} configurations", header_style="bold")
    for heading in ("rank", "objective", "gap"):
        table.add_column(heading, justify="right", no_wrap=True)
    for heading in key_figures(instance).values():
        table.add_column(heading, justify="right")
    shared = Counter(r.rank for r in result.ranked)  # a tie shows as =2, =2
    for r, values in zip(result.ranked, headlines, strict=True):
        rank = f"={r.rank}" if shared[r.rank] > 1 else str(r.rank)
        table.add_row(rank, f"{r.objective:.4f}", gap_text(r.gap), *_figure_cells(values, key_figures(instance)))
    return table


def configuration_lines(instance: Instance, configuration: Configuration, width: int) -> list[str]:
    """A configuration in a few lines, however many sites: its sites grouped by role (where the instance has
    roles), then the service lines it opens and closes against the status quo (where the instance has one),
    else the sites of each service line. Each line wrapped to ``width`` columns."""
    lines = _by_role(instance, configuration)
    baseline = baseline_configuration(instance)
    lines += _changes(instance, configuration, baseline) if baseline is not None else [
        f"{l} ({len(sites)}): {', '.join(sites)}" for l in instance.services.index
        if (sites := configuration.sites_of(l))]
    return [wrapped for line in lines for wrapped in _wrap(shown(line), width)]


def _by_role(instance: Instance, configuration: Configuration) -> list[str]:
    """``role (n): site, site …`` for each role taken, and the services sites host beyond their role."""
    if instance.roles.empty or not configuration.roles:
        return []
    role_of = configuration.role_of
    lines = [f"{role} ({len(sites)}): {', '.join(sites)}" for role in instance.roles.index
             if (sites := sorted(s for s, r in role_of.items() if r == role))]
    brought = role_services(instance)
    beyond: dict[str, list[str]] = {}
    for site, service in sorted(configuration.hosts):
        if service not in brought.get(role_of.get(site, ""), []):
            beyond.setdefault(service, []).append(site)
    if beyond:
        lines.append("beyond their roles: " + "; ".join(f"+{service} {', '.join(sites)}"
                                                        for service, sites in beyond.items()))
    return lines


def _changes(instance: Instance, configuration: Configuration, baseline: Configuration) -> list[str]:
    """Each service line this configuration opens or closes against the status quo, with its sites."""
    changes = configuration.changes(baseline, instance.services.index)
    if not changes:
        return ["the status quo: no service line opened or closed"]
    changed = {site for _, _, sites in changes for site in sites}
    return [f"against the status quo, {len(changed)} of {len(instance.sites)} sites change:"] + [
        f"  {'+' if verb == 'opens' else '-'} {verb} {service} ({len(sites)}): {', '.join(sites)}"
        for verb, service, sites in changes]


def _wrap(line: str, width: int) -> list[str]:
    """One line as lines of at most ``width`` columns, continued under its text."""
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.wrap(line, width=width, subsequent_indent=indent, break_on_hyphens=False) or [""]


def status_line(label: str, solution: Solution) -> str:
    """A configuration's heading: its objective and whether it is proved optimal, said plainly."""
    status = str(getattr(solution.status, "value", solution.status))
    proof = "proved optimal" if status == "optimal" else f"NOT proved optimal ({status}, gap {gap_text(solution.gap)})"
    return f"{label}  objective {solution.objective:.4f}, {proof}"


def site_table(instance: Instance, configuration: Configuration, width: int) -> Table:
    """Sites × service lines, a mark where the site hosts the service, and each site's role (``--long``);
    the service lines numbered, with a legend in the caption, where their names would not fit ``width``."""
    services = list(instance.services.index)
    roles = configuration.role_of
    names = [shown(s) for s in instance.sites.index]
    fixed = max(map(len, names)) + (max(map(len, roles.values()), default=0) + 2 if roles else 0)
    numbered = fixed + sum(len(s) + 2 for s in services) > width
    headings = [str(n) for n in range(1, len(services) + 1)] if numbered else [shown(s) for s in services]
    caption = shown(", ".join(f"{n} {s}" for n, s in enumerate(services, 1))) if numbered else None
    table = Table(title=f"{shown(configuration.name)}: site by service line", caption=caption,
                  header_style="bold", box=None, caption_justify="left")
    table.add_column("site", no_wrap=True)
    if roles:
        table.add_column("role", no_wrap=True)
    for heading in headings:
        table.add_column(heading, justify="center")
    for site, name in zip(instance.sites.index, names, strict=True):
        marks = ["●" if (site, l) in configuration.hosts else "·" for l in services]
        table.add_row(name, *([shown(roles.get(site, "—"))] if roles else []), *marks)
    return table


def options_table(instance: Instance, evaluations: dict[str, Solution | Diagnosis],
                  times: dict[str, TravelTimes] | None = None) -> Table:
    """Feasible options with their objective and key figures; infeasible ones marked (see :func:`broken_rules`)."""
    feasible = [o for o in evaluations.values() if isinstance(o, Solution)]
    headlines = iter(figures(instance, feasible, times))
    table = Table(title=f"{shown(instance.name)}: named options", header_style="bold")
    table.add_column("option", no_wrap=True)
    table.add_column("feasible", no_wrap=True)
    table.add_column("objective", justify="right", no_wrap=True)
    for heading in key_figures(instance).values():
        table.add_column(heading, justify="right")
    for option_id, outcome in evaluations.items():
        if isinstance(outcome, Solution):
            table.add_row(option_id, "yes", f"{outcome.objective:.4f}",
                          *_figure_cells(next(headlines), key_figures(instance)))
        else:
            table.add_row(option_id, "[red]no[/]", "", *([""] * len(key_figures(instance))))
    return table


def broken_rules(evaluations: dict[str, Solution | Diagnosis]) -> list[str]:
    """Lines saying which rules each infeasible option breaks, and by how much."""
    lines = []
    for option_id, outcome in evaluations.items():
        if isinstance(outcome, Diagnosis):
            lines.append(f"{option_id} breaks {', '.join(outcome.rules) or 'rules the relaxation could not name'}:")
            lines += [f"  - {line}" if not line.startswith("or else") else f"  {line}"
                      for line in diagnosis_lines(outcome)]
    return lines


def diagnosis_lines(diagnosis: Diagnosis) -> list[str]:
    """What must give way for a configuration to meet the rules, in the analyst's words: the least relaxation,
    then each other way out (``or else: …``). The CLI's ``evaluate`` and the report both say this."""
    lines = [r.message for r in diagnosis.relaxations]
    for way in diagnosis.alternatives:
        lines.append("or else: " + "; ".join(r.message for r in way))
    return lines


def gap_text(gap: float | None) -> str:
    """The optimality gap in words: infinite when the search stopped before it proved any bound."""
    if gap is None:
        return "—"
    return "no bound yet" if math.isinf(gap) else f"{gap:.2%}" if gap else "0"


def moves_text(openings: int, closings: int) -> str:
    """What the improvement of the scout's configuration did, as "3 services opened and 1 service closed"
    ("" where it did nothing)."""
    return " and ".join(f"{n} service{'s' if n != 1 else ''} {done}"
                        for n, done in ((openings, "opened"), (closings, "closed")) if n)


def progress_text(progress: Progress) -> str:
    """A running solve in a few words (:meth:`Progress.__str__`)."""
    return str(progress)


def _figure_cells(values: dict[str, float], shown: dict[str, str]) -> list[str]:
    whole = ("transfers_per_year", "leaving_activity")
    return [f"{values[name]:,.0f}" if name in whole else f"{values[name]:,.1f}" for name in shown]


def solve_json(instance: Instance, result: SolveResult, diagnosis: Diagnosis | None,
               headlines: list[dict[str, float]]) -> dict[str, Any]:
    """The solve as plain data; ``metrics`` of each configuration are ``headlines``, its :func:`figures`."""
    return {
        "instance": instance.name, "status": result.status.value, "solver": result.solver,
        "weights": result.weights, "scales": result.scales, "build_s": result.build_s, "solve_s": result.solve_s,
        "exhausted": result.exhausted, "formulation": result.formulation, "builder": result.builder,
        "extension": result.extension, "time_limit_s": result.time_limit_s, "limited": result.limited,
        "relaxation_bound": result.relaxation_bound if result.relaxation_bound is None
        or math.isfinite(result.relaxation_bound) else None,
        "restriction": None if result.restriction is None else dataclasses.asdict(result.restriction),
        "ranked": [{"rank": r.rank, "tie": r.tied_with_previous, "objective": r.objective,
                    "gap": r.gap if r.gap is None or math.isfinite(r.gap) else None,
                    "status": r.status.value, "criteria": r.criteria, "metrics": values,
                    "roles": r.configuration.role_of,
                    "hosts": {s: [l for site, l in sorted(r.configuration.hosts) if site == s]
                              for s in instance.sites.index}}
                   for r, values in zip(result.ranked, headlines, strict=True)],
        "diagnosis": None if diagnosis is None else diagnosis_json(diagnosis),
    }


def diagnosis_json(diagnosis: Diagnosis) -> dict[str, Any]:
    def listed(way: list) -> list[dict[str, Any]]:
        return [{"rule": r.rule, "subject": r.subject, "amount": r.amount, "message": r.message} for r in way]

    return {"status": diagnosis.status.value, "rules": diagnosis.rules, "conflicting": diagnosis.conflicting,
            "relaxations": listed(diagnosis.relaxations), "alternatives": [listed(w) for w in diagnosis.alternatives]}
