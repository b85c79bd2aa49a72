"""What tells configurations apart: the level at which a ranking is distinct, and names.

An analyst asking for the ten best configurations wants ten strategies, not one strategy
with a small unit switched on and off. :class:`Distinct` states the level at which two
configurations count as different (the hospital models each site takes, where some
service lines are, or every service line), so that each configuration of a ranking is
the best of its kind; :func:`names` labels each in those terms ("SEH Basildon · EC
Southend, Broomfield") and, where two share a label, says how they differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from optimiser.errors import OptimiserError
from optimiser.instance.configuration import Configuration, baseline_configuration
from optimiser.instance.folder import Instance

#: The levels ``--distinct`` takes, as error messages quote them.
LEVELS = "roles, all, or services:<service>,<service>…"
#: Between the parts of a name.
SEPARATOR = " · "


@dataclass(frozen=True)
class Distinct:
    """The level at which configurations are told apart: ``roles`` (the hospital model of each site),
    ``services`` (which sites host ``services``) or ``all`` (which sites host every service line)."""

    level: str
    services: tuple[str, ...] = ()

    def mask(self, sites: Sequence[str], services: Sequence[str], roles: Sequence[str]) -> np.ndarray:
        """Which of a model's decision columns, laid out as ``y`` (sites × services) then ``r`` (sites ×
        roles), both row-major, take part in the no-good cuts at this level."""
        n_y, n_r = len(sites) * len(services), len(sites) * len(roles)
        if self.level == "roles":
            return np.r_[np.zeros(n_y, dtype=bool), np.ones(n_r, dtype=bool)]
        chosen = np.isin(list(services), self.services) if self.level == "services" else np.ones(len(services), bool)
        return np.r_[np.tile(chosen, len(sites)), np.zeros(n_r, dtype=bool)]


def distinct(instance: Instance, text: str | None = None) -> Distinct:
    """The level named by ``text`` (``roles``, ``all``, ``services:a,b``); by default, the hospital models
    where the instance has roles, else every service line. Unknown levels and services are errors."""
    has_roles = not instance.roles.empty
    if text is None:
        return Distinct("roles" if has_roles else "all")
    level, colon, listed = text.partition(":")
    level = level.strip()
    if level == "roles" and not colon:
        if not has_roles:
            raise OptimiserError(f"--distinct roles: {instance.name} has no roles (roles.yaml); "
                                 "use --distinct all or services:<service>,…")
        return Distinct("roles")
    if level == "all" and not colon:
        return Distinct("all")
    if level == "services" and colon:
        services = tuple(s.strip() for s in listed.split(",") if s.strip())
        known = list(instance.services.index)
        unknown = [s for s in services if s not in known]
        if not services or unknown:
            what = f"unknown service {', '.join(map(repr, unknown))}" if unknown else "no service named"
            raise OptimiserError(f"--distinct {text}: {what}; services are {', '.join(known)}")
        return Distinct("services", services)
    raise OptimiserError(f"--distinct {text!r}: give {LEVELS}")


# --- names --------------------------------------------------------------------------------------

def names(instance: Instance, configurations: Sequence[Configuration], level: Distinct | None = None) -> list[str]:
    """A name for each configuration at ``level`` (by default the instance's, :func:`distinct`); where
    one shares its name with an earlier configuration, the name says how it differs from that one:
    ``SEH Basildon · EC Southend, Broomfield (as #1, but +vascular Southend, −vascular Basildon)``."""
    level = level or distinct(instance)
    labels = [name(instance, configuration, level) for configuration in configurations]
    out = []
    for i, (label, configuration) in enumerate(zip(labels, configurations, strict=True)):
        first = labels.index(label)
        if first < i:
            other = configurations[first]
            label += f" (as {other.name or 'an earlier one'}, but {changes(instance, other, configuration)})"
        out.append(label)
    return out


def name(instance: Instance, configuration: Configuration, level: Distinct) -> str:
    """One configuration's name at ``level``: the sites of each role (``SEH Basildon · EC Southend,
    Broomfield``), the sites of each chosen service (``obstetrics North, South``), or, for every service
    without roles, what differs from the status quo (``+obstetrics East · −obstetrics South``)."""
    if level.level == "roles" or (level.level == "all" and configuration.roles):
        by_role: dict[str, list[str]] = {}
        for site, role in configuration.roles:
            by_role.setdefault(role, []).append(site)
        order = list(instance.roles.index)
        return SEPARATOR.join(f"{role.upper()} {_sites(instance, by_role[role])}"
                              for role in sorted(by_role, key=lambda k: order.index(k) if k in order else len(order)))
    if level.level == "services":
        return SEPARATOR.join(f"{service} {_sites(instance, configuration.sites_of(service)) or 'nowhere'}"
                              for service in level.services)
    baseline = baseline_configuration(instance)
    if baseline is None:
        return SEPARATOR.join(f"{service} {_sites(instance, configuration.sites_of(service))}"
                              for service in instance.services.index if configuration.sites_of(service))
    return changes(instance, baseline, configuration, separator=SEPARATOR) or "as the status quo"


def changes(instance: Instance, before: Configuration, after: Configuration, *, separator: str = ", ") -> str:
    """Service lines opened (+) and closed (−) at each site from ``before`` to ``after``, by service."""
    moves = [(service, site, "+") for site, service in after.hosts - before.hosts]
    moves += [(service, site, "−") for site, service in before.hosts - after.hosts]
    order = {service: i for i, service in enumerate(instance.services.index)}
    moves.sort(key=lambda move: (order.get(move[0], len(order)), move[2], move[1]))
    return separator.join(f"{sign}{service} {_site(instance, site)}" for service, site, sign in moves)


def _sites(instance: Instance, sites: Sequence[str]) -> str:
    return ", ".join(_site(instance, site) for site in sites)


def _site(instance: Instance, site_id: str) -> str:
    """A site's short name: its id, capitalised where written in lower case (``basildon`` → ``Basildon``)."""
    return site_id.replace("_", " ").title() if site_id.islower() else site_id
