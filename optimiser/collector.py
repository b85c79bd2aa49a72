"""Python's cyclic garbage collector paused around work that makes millions of small objects at once while
the rest of the process stays alive, so that its full passes do not walk every live object again and again:
stating a Pyomo model (about half its build time) and WeasyPrint's layout of a report (the mse report's PDF,
laid out in the process that made its study: 5.1-6.9 s with the collector, 2.9-4.2 s without)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside, back as it was after (cycles made inside are collected later)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
