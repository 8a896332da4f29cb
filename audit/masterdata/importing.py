"""Preparing an import (prepare_import: nothing written, an ImportPreview with the problems and counts)
and applying it (apply_import: one transaction, new regions, then one bulk upsert by code)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pandas as pd
import pyarrow as pa

from audit import pg
from audit.codes import MAX_CODE_LENGTH, is_valid_code
from audit.db import Database, scalar
from audit.i18n import t
from audit.masterdata.problems import ImportProblem, ValueRefused
from audit.masterdata.reading import read_table
from audit.masterdata.specs import SPECS, Field, Kind
from audit.masterdata.values import CHANNELS, Lookup, _fold, _new_region


@dataclass
class ImportPreview:
    kind: str
    frame: pd.DataFrame  # parsed values by field name; index = row number in the file
    present: tuple[str, ...]  # fields whose column is in the file: only these change existing rows
    is_new: pd.Series  # per row: True = to create, False = to update
    problems: list[ImportProblem]
    ignored_columns: list[str] = field(default_factory=list)  # headers that match no field
    new_regions: list[tuple[str, str, str]] = field(default_factory=list)  # code, name_en, name_zh

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> list[int]:
        """The numbers, in the file, of the rows to import."""
        return cast(list[int], self.frame.index.tolist())  # pandas ships no types

    @property
    def to_create(self) -> int:
        return int(self.is_new.sum())

    @property
    def to_update(self) -> int:
        return len(self.is_new) - self.to_create

    def as_stored(self, lang: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """The rows as they will be stored: _row (in the file), _action (create / update, translated when
        lang is given), then the fields; passwords masked, channel lists joined."""
        frame = self.frame.head(limit) if limit else self.frame.copy()
        spec = SPECS[self.kind]
        for name in frame.columns:
            if name == "password":
                frame[name] = frame[name].map(lambda v: "••••••" if isinstance(v, str) else None)
            elif spec.field(name).type is CHANNELS:
                frame[name] = frame[name].map(lambda v: ", ".join(v) if isinstance(v, list) else None)
        action = self.is_new.loc[frame.index].map({True: "create", False: "update"})
        frame.insert(0, "_action", action.map(lambda a: t(f"import.action.{a}", lang)) if lang else action)
        return frame.reset_index(names="_row")


def _failed_preview(kind: str, problems: list[ImportProblem], ignored: list[str] | None = None) -> ImportPreview:
    index = pd.Index([], name="row", dtype="int64")
    return ImportPreview(
        kind, pd.DataFrame(index=index), (), pd.Series([], index=index, dtype=bool), problems, ignored or []
    )


def _map_columns(spec: Kind, headers: list[str]) -> tuple[dict[str, int], list[str], list[ImportProblem]]:
    """Field name -> position of its column; headers matching no field; problems with the header."""
    positions: dict[str, list[int]] = {}
    ignored = []
    for position, header in enumerate(headers):
        found = spec.field_for(header)
        if found is None:
            ignored.append(header)
        else:
            positions.setdefault(found.name, []).append(position)
    missing = [f.name for f in spec.fields if f.required and f.name not in positions and f.fallback not in positions]
    problems = [ImportProblem("missing_columns", params={"kind": spec.name, "fields": missing})] if missing else []
    problems += [
        ImportProblem("duplicate_column", params={"headers": [headers[p] for p in found]})
        for found in positions.values()
        if len(found) > 1
    ]
    return {name: found[0] for name, found in positions.items()}, ignored, problems


def _parse_column(f: Field, raw: pd.Series, header: str) -> tuple[pd.Series, list[ImportProblem]]:
    """Parse each distinct value once: a 100,000-row file repeats most of its values."""
    blank = raw.eq("")
    if f.type.parse is None:
        return raw.where(~blank, None), []
    parsed, refused = {}, {}
    for text in raw[~blank].unique():
        try:
            parsed[text] = f.type.parse(text)
        except ValueRefused as problem:
            refused[text] = problem
    values = pd.Series([parsed.get(text) for text in raw], index=raw.index, dtype=object)
    problems = [
        ImportProblem(refused[text].code, row, header, refused[text].params)
        for row, text in raw[raw.isin(list(refused))].items()
    ]
    return values, problems


def _parse(
    spec: Kind, raw: dict[str, pd.Series], header_of: dict[str, str]
) -> tuple[pd.DataFrame, list[ImportProblem]]:
    """Every column's text -> values: (frame of the fields in the file, problems)."""
    frame = pd.DataFrame(index=next(iter(raw.values())).index)
    problems = []
    for name, text in raw.items():
        frame[name], refused = _parse_column(spec.field(name), text, header_of[name])
        problems += refused
    return frame, problems


def _required_values(spec: Kind, raw: dict[str, pd.Series], header_of: dict[str, str]) -> list[ImportProblem]:
    problems = []
    for name, text in raw.items():
        f = spec.field(name)
        if f.required:
            empty = text.eq("") & (raw[f.fallback].eq("") if f.fallback in raw else True)
            problems += [ImportProblem("required", row, header_of[name]) for row in text.index[empty]]
    return problems


def _duplicate_keys(values: pd.Series, header: str) -> list[ImportProblem]:
    first_row: dict[str, int] = {}
    problems = []
    for row, value in values[values.notna() & values.duplicated(keep=False)].items():
        if value in first_row:
            problems.append(ImportProblem("duplicate", row, header, {"value": value, "other": first_row[value]}))
        else:
            first_row[value] = row
    return problems


def _resolve(
    db: Database, lookup: Lookup, values: pd.Series, header: str
) -> tuple[pd.Series, list[ImportProblem], list[tuple[str, str, str]]]:
    """Values as the database stores them (matched by width and case): (values, problems, values to create)."""
    known = {
        _fold(spelling): stored
        for spelling, stored in db.cursor().execute(lookup.sql).fetchall()
        if spelling is not None
    }
    folded = values.map(lambda v: _fold(v) if isinstance(v, str) else None)
    unknown = values.notna() & ~folded.isin(list(known))
    problems, created = [], []
    if lookup.missing is None:
        for row, value in values[unknown].items():
            if folded[row] in known:
                continue
            region = _new_region(value)
            if not is_valid_code(region[0]):  # a new region's code is the name the file gives it
                problems.append(ImportProblem("code_invalid", row, header, {"value": value, "n": MAX_CODE_LENGTH}))
                continue
            for spelling in region:
                known.setdefault(_fold(spelling), region[0])
            created.append(region)
    else:
        problems = [ImportProblem(lookup.missing, row, header, {"value": values[row]}) for row in values.index[unknown]]
    resolved = folded.map(known)
    return resolved.astype(object).where(resolved.notna(), None), problems, created


def _resolve_lookups(
    db: Database, spec: Kind, frame: pd.DataFrame, header_of: dict[str, str]
) -> tuple[pd.DataFrame, list[ImportProblem], list[tuple[str, str, str]]]:
    """Dealer codes, merchandisers and regions as stored: (frame, problems, regions to create)."""
    problems, created = [], []
    for name in frame.columns:
        lookup = spec.field(name).lookup
        if lookup is not None:
            frame[name], refused, new = _resolve(db, lookup, frame[name], header_of[name])
            problems += refused
            created += new
    return frame, problems, created


def _copy_names(spec: Kind, frame: pd.DataFrame) -> pd.DataFrame:
    """A blank or absent name takes the other language's name."""
    for f in spec.fields:
        if f.fallback in frame:
            own = frame[f.name] if f.name in frame else pd.Series(None, index=frame.index, dtype=object)
            frame[f.name] = own.where(own.notna(), frame[f.fallback])
    return frame[[f.name for f in spec.fields if f.name in frame]]


def _fill_defaults(spec: Kind, frame: pd.DataFrame, present: list[str], is_new: pd.Series) -> pd.DataFrame:
    for f in (spec.field(name) for name in present):
        if f.default is not None:
            fill = frame[f.name].isna() & (is_new if f.keep_blank else True)
            frame[f.name] = frame[f.name].where(~fill, pd.Series([f.default] * len(frame), index=frame.index))
    return frame


def _check_rows(spec: Kind, frame: pd.DataFrame, is_new: pd.Series, header_of: dict[str, str]) -> list[ImportProblem]:
    return [
        ImportProblem(code, row, header_of.get(name)) for rule in spec.rules for row, name, code in rule(frame, is_new)
    ]


def _existing_keys(db: Database, spec: Kind, keys: pd.Series) -> pd.Series:
    column = spec.field(spec.key).db_column
    stored = {k for (k,) in db.cursor().execute(f"SELECT {column} FROM {spec.table}").fetchall()}
    return keys.isin(stored)


def prepare_import(db: Database, kind: str, data: bytes, filename: str) -> ImportPreview:
    """Read and check a whole file; the preview says what apply_import would write, or why it would not."""
    spec = SPECS[kind]
    try:
        table = read_table(data, filename, kind)
    except ValueRefused as problem:
        return _failed_preview(kind, [ImportProblem(problem.code, params=problem.params)])
    positions, ignored, file_problems = _map_columns(spec, list(table.columns))
    if not file_problems and table.empty:
        file_problems = [ImportProblem("empty")]
    if file_problems:
        return _failed_preview(kind, file_problems, ignored)

    present = [f.name for f in spec.fields if f.name in positions]
    raw = {name: table.iloc[:, positions[name]] for name in present}
    header_of = {name: table.columns[positions[name]] for name in present}
    frame, problems = _parse(spec, raw, header_of)
    problems += _required_values(spec, raw, header_of)
    problems += _duplicate_keys(frame[spec.key], header_of[spec.key])
    frame, refused, new_regions = _resolve_lookups(db, spec, frame, header_of)
    problems += refused
    frame = _copy_names(spec, frame)
    is_new = ~_existing_keys(db, spec, frame[spec.key])
    frame = _fill_defaults(spec, frame, present, is_new)

    checked = ~frame.index.isin([p.row for p in problems])  # rows with a bad value are not checked further
    problems += _check_rows(spec, frame[checked], is_new[checked], header_of)
    if spec.adjust is not None:
        before = set(frame.columns)
        frame = spec.adjust(frame)
        present += [f.name for f in spec.fields if f.name in frame and f.name not in before]
        frame = frame[[f.name for f in spec.fields if f.name in frame]]

    column_order = {header: position for position, header in enumerate(table.columns)}
    problems.sort(key=lambda p: (p.row, column_order.get(p.column, len(column_order))))
    return ImportPreview(kind, frame, tuple(present), is_new, problems, ignored, [] if problems else new_regions)


# ---------------------------------------------------------------- writing a checked preview (one transaction)


@dataclass(frozen=True)
class ImportResult:
    kind: str
    created: int
    updated: int
    new_regions: tuple[tuple[str, str, str], ...] = ()


def _arrow_table(spec: Kind, frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for name in frame.columns:
        f = spec.field(name)
        values = frame[name].tolist()
        if f.on_write is not None:
            values = [f.on_write(v) if isinstance(v, str) else None for v in values]
        columns[f.db_column] = pa.array(values, type=f.type.arrow, from_pandas=True)
    return pa.table(columns)


def _upsert_sql(spec: Kind, columns: list[str], present: tuple[str, ...]) -> str:
    """INSERT … SELECT the staged rows; on an existing key only the file's columns change, and a blank cell in
    a keep_blank column keeps the stored value. That value goes into the inserted row itself (a join with the
    table), not only into the update: PostgreSQL checks NOT NULL on the row before it meets the conflict.
    Identifiers come from the spec, values only from the staged table."""
    table, key = spec.table, spec.field(spec.key).db_column
    fields = [spec.field(name) for name in present]
    kept = {f.db_column for f in fields if f.keep_blank}
    selected = ", ".join(
        f"coalesce(import_rows.{c}, {table}.{c})" if c in kept else f"import_rows.{c}" for c in columns
    )
    updates = [f"{f.db_column} = excluded.{f.db_column}" for f in fields if f.name != spec.key]
    updates.append("updated_at = now()")
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) SELECT {selected} "
        f"FROM import_rows LEFT JOIN {table} ON {table}.{key} = import_rows.{key} "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(updates)}"
    )


def apply_import(db: Database, preview: ImportPreview) -> ImportResult:
    """Write a checked preview in one transaction (new regions, then one bulk upsert); refuses a preview
    with problems."""
    if not preview.ok:
        raise ValueError("an import with problems is never written")
    spec = SPECS[preview.kind]
    rows = _arrow_table(spec, preview.frame)  # before the transaction: password hashing is slow
    key = spec.field(spec.key).db_column
    with db.write() as cur:
        if preview.new_regions:
            cur.executemany(
                "INSERT INTO regions (code, name_en, name_zh) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [list(region) for region in preview.new_regions],
            )
        with pg.staged(cur, "import_rows", rows, like=spec.table):
            updated = scalar(cur, f"SELECT count(*) FROM import_rows JOIN {spec.table} USING ({key})")
            cur.execute(_upsert_sql(spec, rows.column_names, preview.present))
    return ImportResult(preview.kind, rows.num_rows - updated, updated, tuple(preview.new_regions))
