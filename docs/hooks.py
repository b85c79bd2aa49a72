"""MkDocs hook: the docstrings' reStructuredText roles made readable in the API pages.

The model's docstrings state its mathematics as ``:math:`...``` (the report's method annex reads
them too); mkdocstrings passes them through as text. This shows them as the report does, with the
report's own conversion of LaTeX to Unicode (:func:`reports.render._math`), and the
cross-reference roles (``:func:``, ``:class:`` …) as plain code.
"""

from __future__ import annotations

import re

from reports.render import _math

MATH = re.compile(r":math:<code>(.*?)</code>", re.S)
ROLE = re.compile(r":(?:func|class|mod|meth|attr|data|exc):<code>~?(.*?)</code>", re.S)


def on_page_content(html: str, **kwargs) -> str:
    html = MATH.sub(lambda m: f'<span class="math">{_math(m.group(1))}</span>', html)
    return ROLE.sub(r"<code>\1</code>", html)
