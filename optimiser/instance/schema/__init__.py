"""The instance format, declared once as data.

Each file of an instance folder is described by a CSV table in this package
(``sites.csv`` describes ``sites.csv``, ``services.csv`` describes
``services.yaml``), listing its columns or keys with type, unit, default,
bounds and references. The loader, the validator and ``instances/FORMAT.md``
all read these declarations, so the three cannot drift apart.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

#: Types a field may declare. ``id`` is a string identifier; ``list[id]``,
#: ``map[id:id]`` and ``map[id:list[id]]`` occur in YAML files only.
FIELD_TYPES = ("id", "str", "int", "float", "bool", "list[id]", "map[id:id]", "map[id:list[id]]")


@dataclass(frozen=True)
class Field:
    """One column of a table, or one key of a YAML record."""

    name: str
    type: str
    unit: str
    default: str
    required: bool
    min: float | None
    max: float | None
    allowed: tuple[str, ...]
    references: str
    description: str

    @property
    def reference_targets(self) -> tuple[str, ...]:
        """``("sites.site_id",)``, or for a map ``(key target, value target)``."""
        return tuple(part for part in self.references.split(":")) if self.references else ()


@dataclass(frozen=True)
class FileSchema:
    """One file of an instance folder and its fields.

    ``kind`` is ``table`` (a CSV file, one row per record), ``records`` (a YAML
    mapping from an id to a record of fields) or ``settings`` (a YAML mapping of
    fields).
    """

    file: str
    stem: str
    kind: str
    key: tuple[str, ...]
    required: bool
    description: str
    fields: tuple[Field, ...]

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def id_column(self) -> str:
        """The name of the record id column of a ``records`` file (``service_id``)."""
        return self.key[0]


def _float_or_none(text: str) -> float | None:
    return float(text) if text else None


def _read_csv(name: str) -> list[dict[str, str]]:
    with resources.files(__package__).joinpath(name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _fields(stem: str) -> tuple[Field, ...]:
    return tuple(
        Field(
            name=row["column"],
            type=row["type"],
            unit=row["unit"],
            default=row["default"],
            required=row["required"] == "true",
            min=_float_or_none(row["min"]),
            max=_float_or_none(row["max"]),
            allowed=tuple(row["allowed"].split("|")) if row["allowed"] else (),
            references=row["references"],
            description=row["description"],
        )
        for row in _read_csv(f"{stem}.csv")
    )


@cache
def instance_schema() -> tuple[FileSchema, ...]:
    """Every file an instance folder may hold, in the order they are read."""
    return tuple(
        FileSchema(
            file=row["file"],
            stem=row["stem"],
            kind=row["kind"],
            key=tuple(row["key"].split(",")) if row["key"] else (),
            required=row["required"] == "true",
            description=row["description"],
            fields=_fields(row["stem"]),
        )
        for row in _read_csv("files.csv")
    )


def file_schema(stem: str) -> FileSchema:
    """The declaration of one file, by its stem (``sites``, ``services``)."""
    return next(s for s in instance_schema() if s.stem == stem)
