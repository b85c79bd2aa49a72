"""The files of an instance folder as the loader may read them.

An instance folder is all the engine reads: a file that links outside it is
reported, never opened, so a shared folder cannot make a report quote
``/etc/passwd``. A file that is there but cannot be read (a folder under a
file's name, no permission, not UTF-8) is a problem naming the file and the
fix, never a traceback.
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from optimiser.errors import ProblemLog


def links_outside(folder: Path, log: ProblemLog) -> set[str]:
    """Every entry of ``folder`` (at any depth) that resolves outside it, as a path relative to it.

    Only links can: the walk does not follow linked folders, so it reports the link and never what
    lies behind it. A folder without ``instance.yaml`` is no instance (loading it fails on that), so it
    is not walked: ``optimiser validate ~`` must not read a whole home folder.
    """
    root = folder.resolve()
    outside: set[str] = set()
    if not os.path.lexists(root / "instance.yaml"):
        return outside
    for parent, folders, files in os.walk(root):
        for name in sorted(folders + files):
            entry = Path(parent, name)
            if entry.is_symlink() and not _resolves_inside(entry, root):
                relative = entry.relative_to(root).as_posix()
                outside.add(relative)
                log.add(relative, "links outside the instance folder, which is all the engine reads",
                        fix="Copy what it links to into the folder instead of linking to it")
    return outside


def inside(folder: Path, name: str) -> bool:
    """Whether ``name`` (as written in a setting) names a path inside ``folder``."""
    return _resolves_inside(folder / name, folder.resolve())


def _resolves_inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a loop of links leads nowhere, so not inside
        return False


def unreadable(path: Path, file: str, log: ProblemLog) -> bool:
    """Whether the present ``path`` is something other than a readable file; says why in ``log``."""
    if path.is_symlink() and not path.exists():
        log.add(file, "is a link to a file that does not exist", fix="Put the file itself in its place")
    elif path.is_dir():
        log.add(file, "is a folder, not a file", fix="Move the folder away and put the file in its place")
    elif not path.is_file():
        log.add(file, "is not a regular file (a pipe or a device)", fix="Put an ordinary file in its place")
    elif not os.access(path, os.R_OK):
        log.add(file, "cannot be read: permission denied", fix="Allow reading it (chmod a+r) or copy it anew")
    else:
        return False
    return True


def read_text(path: Path, file: str, log: ProblemLog) -> str | None:
    """The UTF-8 text of a file (a byte-order mark is allowed), or ``None`` with the reason in ``log``."""
    if unreadable(path, file, log):
        return None
    try:
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        encoding_problem(path, file, log)
    except OSError as error:
        log.add(file, f"cannot be read: {error.strerror}", fix="Check the file and its permissions")
    return None


def encoding_problem(path: Path, file: str, log: ProblemLog) -> None:
    """Say where a file that is not UTF-8 first breaks, and how to save it."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        log.add(file, "is UTF-16 text, not UTF-8", fix=_utf8_fix(file))
        return
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        log.add(file, f"is not UTF-8 text: byte 0x{data[error.start]:02x} cannot be read (Latin-1 or Windows-1252?)",
                row=data.count(b"\n", 0, error.start) + 1, fix=_utf8_fix(file))


def _utf8_fix(file: str) -> str:
    if file.endswith(".csv"):
        return "Save it as UTF-8 (in Excel: Save As, 'CSV UTF-8'; in a text editor: encoding UTF-8)"
    return "Save it as UTF-8 (in a text editor: encoding UTF-8)"
