"""How results look in a notebook: a one-line ``repr`` and a small HTML view.

A dataclass's own ``repr`` prints every field, every frame in full (an :class:`~optimiser.search.engine.Engine`'s
ran to 235,000 characters); these views show what a reader needs first and point at the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

import pandas as pd

#: Rows of each table a view shows.
VIEW_ROWS = 12


def html_view(title: str, facts: Mapping[str, object], tables: Mapping[str, pd.DataFrame] | None = None) -> str:
    """A title, a line of facts, then each table's first :data:`VIEW_ROWS` rows under its name."""
    parts = [f"<div><strong>{escape(title)}</strong>",
             "<p>" + "; ".join(f"{escape(str(k))}: {escape(str(v))}" for k, v in facts.items()) + "</p>"]
    for name, frame in (tables or {}).items():
        shown = f" (first {VIEW_ROWS} of {len(frame):,})" if len(frame) > VIEW_ROWS else ""
        parts.append(f"<p><em>{escape(name)}</em>{shown}</p>")
        parts.append(frame.head(VIEW_ROWS).to_html(float_format=lambda v: f"{v:,.4g}", na_rep=""))
    parts.append("</div>")
    return "\n".join(parts)


def hosts_frame(hosts: frozenset[tuple[str, str]]) -> pd.DataFrame:
    """Site → its services, one row per site, for a view of a configuration."""
    by_site: dict[str, list[str]] = {}
    for site, service in sorted(hosts):
        by_site.setdefault(site, []).append(service)
    return pd.DataFrame({"services": [", ".join(s) for s in by_site.values()]},
                        index=pd.Index(list(by_site), name="site_id"))
