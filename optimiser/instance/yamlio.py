"""YAML with line numbers, so a problem in a YAML file can name its row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from optimiser.errors import ProblemLog

from .files import read_text

#: libyaml's parser where PyYAML was built with it (several times faster), else the pure-Python one.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: Path of keys from the document root -> line number of that key (1-based).
KeyLines = dict[tuple[str, ...], int]


def read_yaml(path: Path, log: ProblemLog) -> tuple[Any, KeyLines] | None:
    """Parse a YAML file; report syntax errors and duplicate keys to ``log``.

    Returns the document and the line of every mapping key, or ``None`` if the
    file cannot be read or parsed. Duplicate keys are errors because PyYAML would
    silently keep the last one.
    """
    text = read_text(path, path.name, log)
    if text is None:
        return None
    loader = Loader(text)
    try:
        root = loader.get_single_node()
        document = loader.construct_document(root) if root is not None else None
    except yaml.YAMLError as error:
        _syntax_problem(error, text, path.name, log)
        return None
    finally:
        loader.dispose()
    lines: KeyLines = {}
    if root is not None:
        _collect_lines(root, (), lines, path.name, log)
    return document, lines


def _syntax_problem(error: yaml.YAMLError, text: str, file: str, log: ProblemLog) -> None:
    """The parser's reason and line; a character YAML refuses is named with its row, which the parser's
    error (an offset only) does not give."""
    bad = yaml.reader.Reader.NON_PRINTABLE.search(text) if isinstance(error, yaml.reader.ReaderError) else None
    if bad:
        log.add(file, f"holds a control character (U+{ord(bad.group()):04X}), which YAML does not allow",
                row=text.count("\n", 0, bad.start()) + 1,
                fix='Remove it; inside double quotes, write it as an escape such as "\\e"')
        return
    mark = getattr(error, "problem_mark", None)
    reason = getattr(error, "problem", None) or str(error)
    log.add(file, f"is not valid YAML: {reason}", row=mark.line + 1 if mark else None,
            fix="Check the indentation and quoting on that line")


def _collect_lines(node: yaml.Node, prefix: tuple[str, ...], lines: KeyLines, file: str,
                   log: ProblemLog) -> None:
    if not isinstance(node, yaml.MappingNode):
        return
    for key_node, value_node in node.value:
        key = (*prefix, str(key_node.value))
        line = key_node.start_mark.line + 1
        if key in lines:
            log.add(file, f"key {key[-1]!r} appears twice (first at row {lines[key]})", row=line,
                    fix="Remove or rename one of them")
        lines[key] = line
        _collect_lines(value_node, key, lines, file, log)


def write_yaml(path: Path, document: Any) -> None:
    """Write YAML that keeps the key order a person chose."""
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100),
                    encoding="utf-8")
