"""Rendering of option reports: reads results, never touches the model.

:func:`report` writes a self-contained HTML file (and, if asked, a PDF) from an
:class:`optimiser.appraisal.scores.Study`. It is imported on first use, so that
``import reports`` stays cheap and needs the ``report`` extra only when rendering.
"""

from __future__ import annotations

from typing import Any

__all__ = ["report"]


def __getattr__(name: str) -> Any:
    if name == "report":
        from .render import report

        return report
    raise AttributeError(f"module 'reports' has no attribute {name!r}")
