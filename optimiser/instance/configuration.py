"""Configurations: which site hosts which service line, and which role each site takes.

A configuration is the thing an analyst chooses between. The optimiser
returns them, the named options of an instance are written as them, and the
feasibility checker and the appraisal read them; so it is a small immutable
value with no solver objects inside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from optimiser.errors import OptimiserError
from optimiser.notebook import hosts_frame, html_view

from .folder import Instance


@dataclass(frozen=True)
class Configuration:
    """Service lines per site (``hosts``: pairs of site and service) and roles per site.

    ``name`` labels it in tables: an option id (``1A``) or a rank (``#3``).
    Two configurations with the same hosts and roles are equal whatever their names.
    """

    hosts: frozenset[tuple[str, str]]
    roles: tuple[tuple[str, str], ...] = ()
    name: str = field(default="", compare=False)

    @classmethod
    def of(cls, hosts: Iterable[tuple[str, str]], roles: Mapping[str, str] | None = None,
           name: str = "") -> Configuration:
        return cls(frozenset(hosts), tuple(sorted((roles or {}).items())), name)

    @property
    def role_of(self) -> dict[str, str]:
        return dict(self.roles)

    def sites_of(self, service_id: str) -> list[str]:
        """Sites hosting a service line, sorted."""
        return sorted(site for site, service in self.hosts if service == service_id)

    def table(self, instance: Instance) -> pd.DataFrame:
        """Sites × service lines, True where the site hosts the service."""
        frame = pd.DataFrame(False, index=pd.Index(instance.sites["site_id"], name="site_id"),
                             columns=pd.Index(instance.services["service_id"], name="service_id"))
        for site, service in self.hosts:
            frame.loc[site, service] = True
        return frame

    def opened(self, instance: Instance) -> list[str]:
        """Sites that do not exist today and host something in this configuration: they must be built."""
        new = set(instance.sites.index[~instance.sites["exists"].astype(bool)])
        return sorted({site for site, _ in self.hosts} & new)

    def moves(self, baseline: Configuration) -> int:
        """Service lines opened or closed at a site, against ``baseline``."""
        return len(self.hosts ^ baseline.hosts)

    def changes(self, baseline: Configuration, services: Iterable[str]) -> list[tuple[str, str, list[str]]]:
        """What this configuration opens, then what it closes, against ``baseline``: ``(verb, service_id,
        site_ids)`` for each service line that changes, in the order of ``services``; verb ``opens`` or ``closes``."""
        services = list(services)
        found = []
        for verb, units in (("opens", self.hosts - baseline.hosts), ("closes", baseline.hosts - self.hosts)):
            found += [(verb, service, sites) for service in services
                      if (sites := sorted(site for site, other in units if other == service))]
        return found

    def broken_givens(self, instance: Instance) -> list[str]:
        """Each given this configuration breaks, in words, naming its row of givens.csv."""
        broken = []
        for position, given in enumerate(instance.givens.itertuples(index=False)):
            if ((given.site_id, given.service_id) in self.hosts) != bool(given.hosts):
                name = instance.services.loc[given.service_id, "name"]
                where = "be at" if given.hosts else "not be at"
                broken.append(f"givens.csv row {instance.row('givens', position)}: {name} must {where} {given.site_id}")
        return broken


@dataclass(frozen=True)
class Solution:
    """A configuration with the allocation of patients and the expansion that go with it."""

    configuration: Configuration
    objective: float
    criteria: dict[str, float]
    allocation: pd.DataFrame  # service_id, zone_id, site_id, share
    expansion: pd.DataFrame  # site_id, resource, added
    status: str
    gap: float | None

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(objective {self.objective:.6g}, {_status_text(self.status)}, "
                f"{len(self.configuration.hosts)} services hosted)")

    def _repr_html_(self) -> str:
        criteria = pd.DataFrame({"value": self.criteria}).rename_axis("criterion")
        return html_view(f"{self.configuration.name or 'solution'}: objective {self.objective:.6g}",
                         {"status": _status_text(self.status), "gap": self.gap},
                         {"hosts": hosts_frame(self.configuration.hosts), "criteria": criteria,
                          "allocation": self.allocation})


def _status_text(status: object) -> str:
    """A solver status enum's value, or the status as given."""
    return str(getattr(status, "value", status))


def role_services(instance: Instance) -> dict[str, list[str]]:
    """Service lines each role brings."""
    return {role: list(services) for role, services in instance.roles["services"].items()}


def bundled_services(instance: Instance) -> set[str]:
    """Service lines that some role brings: where roles are used, only roles place them."""
    return {service for services in role_services(instance).values() for service in services}


def option_configuration(instance: Instance, option_id: str) -> Configuration:
    """A named option of the instance (``options.yaml``) as a configuration.

    A site hosts the services its role brings plus those listed for it.
    """
    if option_id not in instance.options.index:
        known = ", ".join(instance.options.index) or "none"
        raise OptimiserError(f"{instance.name} has no option {option_id!r} (options: {known})")
    option = instance.options.loc[option_id]
    brings = role_services(instance)
    hosts = {(site, service) for site, role in option["roles"].items() for service in brings[role]}
    hosts |= {(site, service) for site, services in option["services"].items() for service in services}
    return Configuration.of(hosts, option["roles"], name=option_id)


def baseline_configuration(instance: Instance) -> Configuration | None:
    """Today's configuration (the instance's ``baseline`` option), if it names one."""
    baseline = instance.settings.get("baseline")
    return option_configuration(instance, baseline) if baseline else None
