"""Text from an instance, printed as text: light enough for ``optimiser --help`` to import."""

from __future__ import annotations

import re

from rich.markup import escape

#: Characters an instance's text may hold that a terminal would obey rather than show: C0 and C1 controls
#: but tab and newline (ESC starts colour, cursor and OSC sequences) and the bidirectional overrides.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def shown(text: object) -> str:
    """Text from an instance, a path or a message as Rich prints it literally: markup escaped (a zone named
    ``Leigh [/] Westcliff`` is a name, not a closing tag) and control characters removed."""
    return escape(CONTROL.sub("", str(text)))
