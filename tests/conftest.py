"""Shared fixtures: a hand-checkable instance, and a way to break a copy of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from optimiser import Instance, load_instance

TINY = Path(__file__).parent / "data" / "tiny"


class Folder:
    """A writable copy of an instance folder, with small edits for breaking it on purpose."""

    def __init__(self, path: Path):
        self.path = path

    def replace(self, file: str, old: str, new: str) -> Folder:
        target = self.path / file
        text = target.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {file}"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        return self

    def append(self, file: str, line: str) -> Folder:
        with (self.path / file).open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
        return self

    def write(self, file: str, text: str) -> Folder:
        (self.path / file).write_text(text, encoding="utf-8")
        return self

    def remove(self, file: str) -> Folder:
        (self.path / file).unlink()
        return self


@pytest.fixture
def tiny(tmp_path: Path) -> Folder:
    """A fresh copy of tests/data/tiny that a test may edit."""
    return Folder(Path(shutil.copytree(TINY, tmp_path / "tiny")))


@pytest.fixture(scope="session")
def tiny_instance() -> Instance:
    """The tiny instance, loaded once (read-only)."""
    return load_instance(TINY)


@pytest.fixture
def budget_spent_after(monkeypatch):
    """``budget_spent_after("relaxed_scout", scout)``: the search's time budget is spent the moment that step of
    :class:`~optimiser.search.engine.Engine` (or of the module ``within``, e.g. :mod:`optimiser.search.scout`)
    returns, as a time limit ending there would spend it."""
    from optimiser.search.engine import Engine

    def spend_after(step: str, within: object = Engine) -> None:
        original = getattr(within, step)

        def and_spend_the_budget(engine, *args):
            done = original(engine, *args)
            engine.session.deadline = engine.session.began
            return done

        monkeypatch.setattr(within, step, and_spend_the_budget)

    return spend_after
