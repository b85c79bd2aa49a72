"""Problems found in an instance, worded for the analyst who must fix them.

Checks never stop at the first problem: they append to a :class:`ProblemLog`,
and the caller raises once with every problem listed, each naming the file,
row and column and saying what would fix it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    """How bad a problem is: errors stop the work, warnings are shown."""

    ERROR = "error"
    INFEASIBLE = "infeasible"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an instance.

    ``row`` is the line number a person sees when opening the file (the CSV
    header is row 1; in YAML, the line of the key), or ``None`` for the file as
    a whole.
    """

    file: str
    message: str
    row: int | None = None
    column: str | None = None
    fix: str = ""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column}"
        text = f"{where}: {self.message}"
        return f"{text}. {self.fix}" if self.fix else text


@dataclass
class ProblemLog:
    """Collects problems; checks add to it and never raise themselves."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, file: str, message: str, *, row: int | None = None, column: str | None = None,
            fix: str = "", severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(file, message, row, column, fix, severity))

    def of(self, severity: Severity) -> list[Problem]:
        return [p for p in self.problems if p.severity is severity]

    @property
    def errors(self) -> list[Problem]:
        return self.of(Severity.ERROR)

    def raise_if_errors(self, instance: str) -> None:
        """Raise one error listing every error found, file by file, in row order."""
        if self.errors:
            files = list(dict.fromkeys(p.file for p in self.errors))
            rows_last = float("inf")  # problems of a whole file or column follow those of single rows
            raise InstanceError(instance, sorted(
                self.errors, key=lambda p: (files.index(p.file), rows_last if p.row is None else p.row)))


class OptimiserError(ValueError):
    """Base class of the errors the command line turns into a red line, not a traceback."""


class InstanceError(OptimiserError):
    """An instance that cannot be used as written; ``problems`` lists every reason."""

    def __init__(self, instance: str, problems: list[Problem]):
        self.instance = instance
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"instance {instance!r} has {count}:\n{lines}")


class InstanceNotFound(OptimiserError):
    """No bundled instance by that name, and no folder at that path."""
