"""``instances/FORMAT.md``, written from the schema declarations.

Run ``python -m optimiser.cli.docs`` after changing ``optimiser/instance/schema/``; a test
fails while the committed file and the schema disagree.
"""

from __future__ import annotations

from pathlib import Path

from optimiser.instance.schema import FileSchema, instance_schema

FORMAT_PATH = Path(__file__).resolve().parents[2] / "instances" / "FORMAT.md"

INTRO = """\
# Instance format

<!-- Generated from optimiser/instance/schema/*.csv by `python -m optimiser.cli.docs`: do not edit by hand. -->

An instance is one folder: CSV files for tables, YAML files for rules and
settings. Every file is checked on load (`optimiser validate FOLDER`): unknown
columns and keys are errors, every id a file names must exist, and every
problem is reported with its file, row and column.

- CSV: UTF-8, comma-separated, one header row; row numbers count the header as row 1.
- Booleans: `true`/`false` (also `yes`/`no`, `1`/`0`). Blank cells take the default.
- Numbers: decimal, with an exponent or not (`1500`, `0.25`, `2.5e3`); never infinite: where a
  field allows no limit, leave it blank. Each lies within the bounds of its *allowed* column:
  beyond them a number is a slip (a population of `1e308`), not data.
- The folder is all the engine reads: a file or folder in it that links outside it, and a
  `roads:` setting naming a file outside it, are errors.
- Identifiers: letters, digits, `_`, `.` and `-`.
- YAML *records* files map an identifier to a mapping of the keys listed;
  *settings* files are one mapping of the keys listed.
- `scenarios.yaml` (optional) names scenarios for `optimiser sweep --design named`: each name
  maps to parameter overrides such as `weights.travel: 2` or `demand.obstetrics: 1.1`
  (the grammar is in `optimiser/sweeps/scenario.py`); it is checked when a sweep reads it.
- Public transport (optional): `gtfs:` in `instance.yaml` names a GTFS feed (its folder, or the
  `.zip` as published, e.g. by the Department for Transport's Bus Open Data Service) inside the
  instance folder, and `public_transport.yaml` declares each public-transport mode as a period of
  departures on a date within the feed's calendar. Such a mode is a travel mode like `car`:
  services, criteria and codependency rules may name it, and the report shows it. A journey is
  door to door: the walk to any stop within `max_walk_min`, the wait, the rides, the changes (at the
  stop or a walk to another), the walk to the site; or the walk all the way where that is quicker or no
  service runs. Walks go at `walk_speed_kmh`, every way both ways, plus the straight stretch to the
  nearest node, on the walking network `walking:` names (an OpenStreetMap `.osm` or `.osm.pbf` extract of the
  area's streets and footpaths, or GraphML laid out as for the roads; motorways are never walked), or
  on the instance's roads but motorways where it names none. The feed needs `stops.txt`, `trips.txt`,
  `stop_times.txt` and `calendar.txt` or `calendar_dates.txt` (or both); other files are not read. A
  feed for a wider area may be given whole; its problems are reported with file, row and column like
  any other.
"""


def format_markdown() -> str:
    """The whole format document."""
    parts = [INTRO]
    parts += [_file_section(schema) for schema in instance_schema()]
    parts.append(_measures_section())
    return "\n".join(parts)


def _measures_section() -> str:
    """The measures a criterion in criteria.yaml may name."""
    from optimiser.appraisal.scores import MEASURES

    lines = ["## Measures for `criteria.yaml`", "", "| measure | unit | better | what it is |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {unit} | {better} | {text} |" for name, (unit, better, text) in MEASURES.items()]
    return "\n".join(lines) + "\n"


def _file_section(schema: FileSchema) -> str:
    required = "required" if schema.required else "optional"
    layout = {"table": "CSV table", "records": "YAML records", "settings": "YAML settings"}[schema.kind]
    key = f" Key: `{', '.join(schema.key)}`." if schema.key else ""
    lines = [f"## `{schema.file}` ({layout}, {required})", "", f"{schema.description}{key}", "",
             "| column | type | unit | default | required | allowed | refers to | description |",
             "|---|---|---|---|---|---|---|---|"]
    if schema.kind == "records":
        noun = schema.id_column.removesuffix("_id")
        lines.append(f"| *(record key)* | id | | | yes | | | Identifier of the {noun}. |")
    for f in schema.fields:
        allowed = " ".join(f"`{a}`" for a in f.allowed) or _bounds(f.min, f.max)
        lines.append(f"| `{f.name}` | {f.type} | {f.unit} | {f.default} | {'yes' if f.required else ''} "
                     f"| {allowed} | {f.references.replace(':', ' → ')} | {f.description} |")
    return "\n".join(lines) + "\n"


def _bounds(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return ""
    if high is None:
        return f"≥ {low:g}"
    if low is None:
        return f"≤ {high:g}"
    return f"{low:g} – {high:g}"


if __name__ == "__main__":
    FORMAT_PATH.write_text(format_markdown(), encoding="utf-8")
    print(f"wrote {FORMAT_PATH}")
