"""Read and write the files of an instance folder against their declared schema.

Reading turns each file into a :class:`Table`: a typed DataFrame whose columns
follow the declaration (defaults filled in, blanks as missing values) and the
line each record came from. Every problem in the file is added to the log;
reading never stops at the first one.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from optimiser.errors import ProblemLog

from .files import encoding_problem, unreadable
from .schema import Field, FileSchema
from .yamlio import KeyLines, read_yaml, write_yaml

ID_PATTERN = r"[A-Za-z0-9_.\-]+"
TRUE_WORDS = {"true", "yes", "1"}
FALSE_WORDS = {"false", "no", "0"}
#: How many rows one kind of problem lists before it sums up the rest.
ROWS_LISTED = 5
#: A number: decimal, with an exponent or not (Arrow's RE2 syntax). Infinity is not one: no quantity
#: of an instance is infinite, and a blank says "no limit" where a field allows it.
NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"


@dataclass
class Table:
    """One file, read and typed.

    ``rows[i]`` is the line of record ``i``; ``field_rows[(i, name)]`` the line
    of one YAML key where it differs from its record's line.
    """

    schema: FileSchema
    frame: pd.DataFrame
    rows: np.ndarray
    field_rows: dict[tuple[int, str], int] = field(default_factory=dict)

    def row(self, i: int, column: str | None = None) -> int:
        return self.field_rows.get((i, column), int(self.rows[i])) if column else int(self.rows[i])


def read_table(folder: Path, schema: FileSchema, log: ProblemLog) -> Table | None:
    """Read one file of the instance; ``None`` if it is absent or unreadable.

    A required file without a single record is a problem too: no instance has no sites.
    """
    path = folder / schema.file
    if not path.exists() and schema.stem in GEO_TABLES:
        geo = next((folder / f"{schema.stem}{suffix}" for suffix in (".gpkg", ".geojson")
                    if (folder / f"{schema.stem}{suffix}").is_file()), None)
        if geo is not None:
            return _read_geo(geo, schema, log)
    if not path.exists() and not path.is_symlink():
        if schema.required:
            log.add(schema.file, "is missing", fix=f"Every instance needs it: {schema.description}")
        return None
    table = _read_csv(path, schema, log) if schema.kind == "table" else _read_yaml(path, schema, log)
    if table is not None and schema.required and table.frame.empty:
        what = "rows" if schema.kind == "table" else "records"
        log.add(schema.file, f"has no {what}", fix=f"Every instance needs at least one: {schema.description}")
    return table


# --- CSV --------------------------------------------------------------------------------------

#: How pandas words a row with more cells than the header.
EXTRA_CELLS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")


#: Tables an instance may give as a GeoPackage or GeoJSON file instead of CSV (zones as polygons, sites as points).
GEO_TABLES = ("zones", "sites")


def _read_geo(path: Path, schema: FileSchema, log: ProblemLog) -> Table | None:
    """A GeoPackage or GeoJSON layer read as the CSV it replaces; ``lat``/``lon``, where not given, are a point
    inside each feature (WGS84). optimiser.appraisal.geography reads the geometry itself for maps."""
    try:
        import geopandas as gpd
    except ImportError:
        log.add(path.name, "needs geopandas to be read",
                fix=f'pip install "hospital-site-optimiser[geo]", or give {schema.file} instead')
        return None
    try:
        frame = gpd.read_file(path)
    except Exception as error:  # pyogrio raises its own errors for unreadable files
        log.add(path.name, f"cannot be read as {path.suffix[1:]}: {error}",
                fix=f"Save it as a GeoPackage or GeoJSON with the columns of {schema.file}")
        return None
    frame = frame.to_crs("EPSG:4326") if frame.crs else frame
    inside = frame.geometry.representative_point()
    columns = {str(c): frame[c].map(lambda v: "" if _is_missing(v) else str(v))
               for c in frame.columns if c != frame.geometry.name}
    columns.setdefault("lat", inside.y.map(repr))
    columns.setdefault("lon", inside.x.map(repr))
    _check_header(pd.Index(list(columns)), replace(schema, file=path.name), log)
    return table_from_text(schema, columns, log, file=path.name, first_row=1)

def _read_csv(path: Path, schema: FileSchema, log: ProblemLog) -> Table | None:
    if unreadable(path, schema.file, log):
        return None
    try:
        text = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True, encoding="utf-8-sig")
    except UnicodeDecodeError:
        encoding_problem(path, schema.file, log)
        return None
    except pd.errors.EmptyDataError:
        log.add(schema.file, "is empty: it has no header row",
                fix=f"Write the header row ({','.join(schema.names)}) and the rows under it, or remove the file")
        return None
    except pd.errors.ParserError as error:
        _parser_problem(error, schema, log)
        return None
    if not isinstance(text.index, pd.RangeIndex):  # pandas took the first column as an index
        log.add(schema.file, "every row has one cell more than the header (a comma at the end of each row?)",
                row=2, fix="Remove the trailing commas, or add the missing column to the header")
        return None
    text.columns = [str(c).strip() for c in text.columns]
    _check_header(text.columns, schema, log)
    return table_from_text(schema, {name: text[name] for name in text.columns}, log, first_row=2)


def _parser_problem(error: pd.errors.ParserError, schema: FileSchema, log: ProblemLog) -> None:
    extra = EXTRA_CELLS.search(str(error))
    if extra:
        expected, line, seen = extra.groups()
        log.add(schema.file, f"the row has {seen} cells where the header has {expected}", row=int(line),
                fix="Remove the extra commas, or put a cell that holds a comma in double quotes")
    else:
        log.add(schema.file, f"cannot be read as CSV: {error}",
                fix="Save it as comma-separated UTF-8 text with one header row")


def table_from_text(schema: FileSchema, columns: dict[str, Any], log: ProblemLog, *,
                    file: str | None = None, first_row: int = 1) -> Table:
    """Type columns of text against ``schema``; absent columns are blank.

    ``file`` names the file in problems when the text came from elsewhere (a
    GraphML road graph); ``first_row`` is the row number of the first record.
    """
    if file:
        schema = replace(schema, file=file)
    size = len(next(iter(columns.values()))) if columns else 0
    rows = np.arange(first_row, first_row + size)
    return Table(schema, _typed_frame(columns, schema, rows, {}, log), rows)


def _check_header(columns: pd.Index, schema: FileSchema, log: ProblemLog) -> None:
    for f in schema.fields:
        if f.required and f.name not in columns:
            log.add(schema.file, "required column is missing", row=1, column=f.name,
                    fix=f"Add a column named {f.name!r}: {f.description}")
    for name in columns:
        if name not in schema.names:
            log.add(schema.file, "unknown column", row=1, column=name,
                    fix=_did_you_mean(name, schema.names, "column"))


def _did_you_mean(name: str, allowed: tuple[str, ...], what: str) -> str:
    close = difflib.get_close_matches(name, allowed, n=1)
    hint = f"Did you mean {close[0]!r}? " if close else ""
    return f"{hint}Allowed {what}s: {', '.join(allowed)}"


# --- YAML -------------------------------------------------------------------------------------

def _read_yaml(path: Path, schema: FileSchema, log: ProblemLog) -> Table | None:
    parsed = read_yaml(path, log)
    if parsed is None:
        return None
    document, lines = parsed
    if document is None and schema.required:
        log.add(schema.file, "is empty", fix=f"Every instance needs it: {schema.description}")
        return None
    document = document or {}
    if not isinstance(document, dict):
        log.add(schema.file, "must be a mapping of keys to values", row=1,
                fix="See instances/FORMAT.md for the layout of this file")
        return None
    if schema.kind == "settings":
        records = {"": (document, ())}
    else:
        records = {}
        for record_id, record in document.items():
            line = lines.get((str(record_id),), 1)
            if not _is_id(record_id):
                log.add(schema.file, f"{record_id!r} is not an identifier (letters, digits, '_', '.', '-')",
                        row=line, fix="Rename it")
                continue
            if not isinstance(record, dict):
                log.add(schema.file, f"{record_id!r} must be a mapping of keys to values", row=line,
                        fix=f"Indent the keys of {record_id!r} under it")
                continue
            records[str(record_id)] = (record, (str(record_id),))
    return _records_table(records, lines, schema, log)


def _records_table(records: dict[str, tuple[dict, tuple[str, ...]]], lines: KeyLines,
                   schema: FileSchema, log: ProblemLog) -> Table:
    rows = np.array([lines.get(prefix, 1) for _, prefix in records.values()], dtype=int)
    field_rows: dict[tuple[int, str], int] = {}
    scalars: dict[str, list[str]] = {f.name: [] for f in schema.fields if _is_scalar(f)}
    structured: dict[str, list[Any]] = {f.name: [] for f in schema.fields if not _is_scalar(f)}
    for i, (record, prefix) in enumerate(records.values()):
        for key in record:
            line = lines.get((*prefix, str(key)), int(rows[i]))
            field_rows[(i, str(key))] = line
            if str(key) not in schema.names:
                log.add(schema.file, f"unknown key {str(key)!r}", row=line,
                        column=str(key), fix=_did_you_mean(str(key), schema.names, "key"))
        for name in scalars:
            scalars[name].append(_as_text(record.get(name)))
        for name in structured:
            structured[name].append(record.get(name))
    table = Table(schema, pd.DataFrame(), rows, field_rows)
    frame = _typed_frame(scalars, schema, rows, field_rows, log)
    for f in schema.fields:
        if not _is_scalar(f):
            frame[f.name] = [_structured(value, f, table, i, log)
                             for i, value in enumerate(structured[f.name])]
    frame = frame[list(schema.names)]
    if schema.kind == "records":
        frame.insert(0, schema.id_column, list(records))
        frame = keyed(frame, schema.id_column)
    table.frame = frame
    return table


def _is_scalar(f: Field) -> bool:
    return not (f.type.startswith("list") or f.type.startswith("map"))


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return "\x00structured"  # never a valid scalar, so reported as a type error
    return str(value)


def _structured(value: Any, f: Field, table: Table, i: int, log: ProblemLog) -> Any:
    """Check a list or map value; return it with ids as strings, or empty if it is wrong."""
    empty: Any = [] if f.type.startswith("list") else {}
    if value is None:
        if f.required:
            _report(log, table, [i], f.name, "is empty", f"Give {f.description[0].lower()}{f.description[1:]}")
        return empty
    if f.type == "list[id]":
        ok = isinstance(value, list) and all(_is_id(v) for v in value)
        shape = "a list of identifiers, e.g. [emergency, obstetrics]"
        result: Any = [str(v) for v in value] if ok else empty
    else:
        inner_list = f.type == "map[id:list[id]]"
        ok = isinstance(value, dict) and all(
            _is_id(k) and (isinstance(v, list) and all(_is_id(x) for x in v) if inner_list else _is_id(v))
            for k, v in value.items())
        shape = ("a mapping of site to a list of identifiers, e.g. {basildon: [emergency]}" if inner_list
                 else "a mapping of identifiers, e.g. {basildon: seh}")
        result = ({str(k): ([str(x) for x in v] if inner_list else str(v)) for k, v in value.items()}
                  if ok else empty)
    if not ok:
        _report(log, table, [i], f.name, f"must be {shape}", "Check the brackets and indentation")
    return result


def _is_id(value: Any) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool) and bool(
        re.fullmatch(ID_PATTERN, str(value)))


# --- typing, shared by CSV and YAML -------------------------------------------------------------

def _typed_frame(columns: dict[str, pd.Series | list[str]], schema: FileSchema, rows: np.ndarray,
                 field_rows: dict[tuple[int, str], int], log: ProblemLog) -> pd.DataFrame:
    """Type each declared column; a column absent from ``columns`` is blank (its absence is reported
    once, by the header check, not once per row). The text is typed as Arrow arrays, each step one call
    into Arrow: a small file's column costs microseconds, not the milliseconds of pandas's steps."""
    table = Table(schema, pd.DataFrame(), rows, field_rows)
    blank = pa.array([""] * len(rows), pa.string())
    typed = {f.name: _typed_column(_arrow_text(columns[f.name]) if f.name in columns else blank, f, table, log,
                                   present=f.name in columns)
             for f in schema.fields if _is_scalar(f)}
    frame = pd.DataFrame(typed, index=pd.RangeIndex(len(rows)))
    if schema.kind == "table":
        _check_duplicates(frame, table, log)
        if len(schema.key) == 1:
            frame = keyed(frame, schema.key[0])
    return frame


def _arrow_text(column: pd.Series | list[str]) -> pa.Array:
    """A column of text (read_csv's, or a list of strings) as one Arrow string array, stripped; a missing
    cell (a short CSV row) is blank."""
    text = pa.array(column, pa.string(), from_pandas=True)
    text = text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text
    return pc.fill_null(pc.utf8_trim_whitespace(text), "")


def _typed_column(text: pa.Array, f: Field, table: Table, log: ProblemLog, *, present: bool) -> pd.Series:
    blank = pc.equal(text, "")
    if f.default and pc.any(blank).as_py():
        text = pc.if_else(blank, f.default, text)
        blank = pc.equal(text, "")
    empty = blank.to_numpy(zero_copy_only=False)
    values, bad, expected = _parse(text, blank, f.type)
    _report(log, table, np.flatnonzero(bad), f.name, lambda i: f"{text[int(i)].as_py()!r} is not {expected}",
            f"Write {expected}")
    if f.required and present:
        _report(log, table, np.flatnonzero(empty), f.name, "is empty", f"Fill in: {f.description}")
    _check_bounds(values, f, table, log)
    return values


def _parse(text: pa.Array, blank: pa.Array, kind: str) -> tuple[pd.Series, np.ndarray, str]:
    """The typed values (missing where blank or bad), where the text is bad, and what it should be."""
    if kind in ("float", "int"):
        number = pc.match_substring_regex(text, NUMBER_PATTERN)
        numbers = pc.cast(pc.if_else(number, text, None), pa.float64()).to_numpy(zero_copy_only=False)
        numbers = np.where(np.isinf(numbers), np.nan, numbers)  # beyond a double's range, as 1e400
        bad = ~blank.to_numpy(zero_copy_only=False) & np.isnan(numbers)
        if kind == "int":
            bad = bad | (np.nan_to_num(numbers) % 1 != 0)
            whole = pd.array(np.where(bad, np.nan, np.round(numbers)), dtype="Int64")
            return pd.Series(whole), bad, "a whole number"
        return pd.Series(numbers), bad, "a number"
    if kind == "bool":
        lower = pc.utf8_lower(text)
        values = pc.is_in(lower, pa.array(sorted(TRUE_WORDS))).to_numpy(zero_copy_only=False)
        known = pc.or_(blank, pc.is_in(lower, pa.array(sorted(TRUE_WORDS | FALSE_WORDS))))
        return pd.Series(values), pc.invert(known).to_numpy(zero_copy_only=False), "true or false"
    strings = pd.Series(text.to_numpy(zero_copy_only=False), dtype=object)
    if kind == "id":
        bad = pc.invert(pc.or_(blank, pc.match_substring_regex(text, f"^{ID_PATTERN}$")))
        return strings, bad.to_numpy(zero_copy_only=False), "an identifier (letters, digits, '_', '.', '-')"
    return strings, np.zeros(len(text), dtype=bool), "text"


def _check_bounds(values: pd.Series, f: Field, table: Table, log: ProblemLog) -> None:
    unit = f" {f.unit}" if f.unit and f.type in ("int", "float") else ""
    if f.min is not None or f.max is not None:
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        if f.min is not None:
            _report(log, table, np.flatnonzero(numbers < f.min), f.name,
                    lambda i: f"{numbers[i]:g} is below the smallest allowed value, {f.min:,.12g}{unit}",
                    f"{f.description}")
        if f.max is not None:
            _report(log, table, np.flatnonzero(numbers > f.max), f.name,
                    lambda i: f"{numbers[i]:g} is above the largest allowed value, {f.max:,.12g}{unit}",
                    f"{f.description}")
    if f.allowed:
        wrong = ~values.isin((*f.allowed, "")).to_numpy(dtype=bool)
        _report(log, table, np.flatnonzero(wrong), f.name,
                lambda i: f"{values.iloc[i]!r} is not one of {', '.join(f.allowed)}",
                _did_you_mean(str(values.iloc[int(np.flatnonzero(wrong)[0])]), f.allowed, "value")
                if wrong.any() else "")


def _check_duplicates(frame: pd.DataFrame, table: Table, log: ProblemLog) -> None:
    key = list(table.schema.key)
    if not key or frame.empty:
        return
    duplicated = frame.duplicated(key, keep=False).to_numpy()
    first_row: dict[tuple, int] = {}
    repeats = []
    for i in np.flatnonzero(duplicated):
        value = tuple(frame.iloc[i][key])
        if value in first_row:
            repeats.append((i, value, first_row[value]))
        else:
            first_row[value] = table.row(i)
    described = " and ".join(key)
    for n, (i, value, first) in enumerate(repeats):
        if n == ROWS_LISTED:
            log.add(table.schema.file, f"and {len(repeats) - n} more duplicate rows", column=key[0])
            break
        log.add(table.schema.file, f"duplicate {described} {'/'.join(map(str, value))!r} (first on row {first})",
                row=table.row(i), column=key[0], fix="Each must appear once: remove or rename one")


def _report(log: ProblemLog, table: Table, indices, column: str, message, fix: str) -> None:
    """Add one problem per row, listing at most ``ROWS_LISTED`` and summing up the rest."""
    indices = list(indices)
    for n, i in enumerate(indices):
        if n == ROWS_LISTED:
            rest = [table.row(j, column) for j in indices[n:]]
            log.add(table.schema.file, f"and {len(rest)} more rows like these (rows {rest[0]}–{rest[-1]})",
                    column=column, fix=fix)
            return
        text = message(i) if callable(message) else message
        log.add(table.schema.file, text, row=table.row(i, column), column=column, fix=fix)


# --- writing ----------------------------------------------------------------------------------

def write_table(folder: Path, schema: FileSchema, frame: pd.DataFrame) -> None:
    """Write a table back in its declared layout, so that it loads to the same frame."""
    path = folder / schema.file
    frame = frame.reset_index(drop=True)
    if schema.kind == "table":
        frame[list(schema.names)].to_csv(path, index=False)
        return
    records = [{name: _plain(value) for name, value in row.items()
                if name in schema.names and not _is_missing(value)}
               for row in frame.to_dict("records")]
    if schema.kind == "settings":
        write_yaml(path, records[0])
    else:
        ids = frame[schema.id_column].tolist()
        write_yaml(path, dict(zip(ids, records, strict=False)))


def _is_missing(value: Any) -> bool:
    if isinstance(value, (list, dict)):
        return len(value) == 0
    return value is None or value is pd.NA or value == "" or (isinstance(value, float) and np.isnan(value))


def _plain(value: Any) -> Any:
    """numpy and pandas scalars as plain Python, for YAML."""
    return value.item() if hasattr(value, "item") else value


def keyed(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    """The frame looked up by its key (``sites.loc["X"]``), the key kept as a column and the index left
    unnamed: a name that is both a column and the index's makes ``reset_index()`` fail and pandas call
    ``groupby`` and ``merge`` on it ambiguous."""
    return frame.set_index(key, drop=False).rename_axis(None)
