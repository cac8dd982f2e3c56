"""Data files beside a scenario: `world.exchange.devices_file` and `world.directory.accounts_file`.

Why: an import of a real organisation (100,000 devices) is tens of MB as YAML — far past
the scenario loader's 1 MiB (yamlsafe.MAX_BYTES) and 200,000 nodes, limits that exist so
that a hand-written file cannot exhaust memory — and slow both to write and to read. Rows
of one shape are what CSV is for: the importer writes them as `<scenario>.devices.csv` and
`<scenario>.accounts.csv`, and the scenario names them.

The format: UTF-8 CSV (a BOM allowed), a header of the model's own field names
(`DeviceSpec`, `AccountSpec` of world/config), one row per entry; an empty cell leaves the
field at its default. List fields cannot be written in a cell: entries that need one
(role groups, groups, roles) stay in the scenario file. Each row is validated by the same
model as an entry written inline, and rows are appended after the inline entries.

Limits (docs/architecture.md, "Data files"): a bare file name in the scenario's own folder
(no path: a scenario names nothing elsewhere on the disk), at most `MAX_DATA_BYTES` and
`MAX_ROWS` rows per file. Every refusal names the data file, the line and the column of the field.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

#: The largest data file read (a 1,000,000-device import is about 250 MB).
MAX_DATA_BYTES = 512 * 1024 * 1024
#: The most rows a data file may have (world/config's MAX_DEVICES).
MAX_ROWS = 1_500_000


class DataFileError(Exception):
    """A data file that cannot be used: where (file, line, column), which field, and why."""

    def __init__(self, file: str, line: int, column: int, field: str, message: str) -> None:
        self.file, self.line, self.column, self.field, self.message = (
            file,
            line,
            column,
            field,
            message,
        )
        where = f"{file}:{line}:{column}" if line else file
        super().__init__(f"{where}: {field}: {message}" if field else f"{where}: {message}")


@dataclass
class DataFile:
    """One data file as read: where its rows went (the list they extend, from `offset`) and
    each row's line, for errors found later (a device whose owner is not an account)."""

    name: str  # as the scenario names it
    path: str  # as errors show it
    section: tuple[str, ...]  # ("world", "exchange", "devices")
    offset: int  # index in the list of its first row
    text: str = field(repr=False)
    columns: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)

    def locate(self, loc: tuple[Any, ...]) -> tuple[int, int, str] | None:
        """(line, column, field) of an error location inside this file's rows, or None."""
        n = len(self.section)
        if tuple(loc[:n]) != self.section or len(loc) <= n or not isinstance(loc[n], int):
            return None
        row = loc[n] - self.offset
        if not 0 <= row < len(self.lines):
            return None
        name = str(loc[n + 1]) if len(loc) > n + 1 else ""
        line = self.lines[row]
        column = 1
        if name in self.columns:
            column = _field_column(self.text, line, self.columns.index(name))
        return line, column, name


#: The data-file keys: (where the key is, the key, the list it extends, the row model).
def _targets() -> list[tuple[tuple[str, ...], str, str, type[BaseModel]]]:
    from simulator.world.config.directory import AccountSpec
    from simulator.world.config.exchange import DeviceSpec

    return [
        (("world", "directory"), "accounts_file", "accounts", AccountSpec),
        (("world", "exchange"), "devices_file", "devices", DeviceSpec),
    ]


def _field_column(text: str, line: int, index: int) -> int:
    """The 1-based character column where field `index` of the record on `line` starts."""
    raw = text.split("\n", line)[line - 1] if line >= 1 else ""
    quoted, i, n = False, 0, 0
    while i < len(raw) and n < index:
        if raw[i] == '"':
            quoted = not quoted
        elif raw[i] == "," and not quoted:
            n += 1
        i += 1
    return i + 1


def _list_fields(model: type[BaseModel]) -> set[str]:
    return {
        name for name, info in model.model_fields.items() if "list" in str(info.annotation).lower()
    }


def attach(
    data: dict[str, Any], read: Callable[[str], bytes], scenario_file: str
) -> list[DataFile]:
    """Read the data files the raw scenario mapping `data` names (with `read(name)`), and
    append their rows, validated, to the lists they extend. Raises DataFileError."""
    out: list[DataFile] = []
    for where, key, target, model in _targets():
        section: Any = data
        for part in where:
            section = section.get(part) if isinstance(section, dict) else None
        if not isinstance(section, dict) or section.get(key) is None:
            continue
        name = section[key]
        if (
            not isinstance(name, str)
            or not name
            or any(c in name for c in "/\\:")
            or name
            in (
                ".",
                "..",
            )
        ):
            raise DataFileError(
                scenario_file,
                0,
                0,
                ".".join((*where, key)),
                f"{name!r}: expected the bare name of a file beside the scenario "
                "(e.g. imported.devices.csv)",
            )
        rows = section.get(target)
        if rows is None:
            rows = section[target] = []
        if not isinstance(rows, list):
            continue  # the schema reports the inline value's own error
        out.append(_read(name, read, (*where, target), len(rows), model, rows, scenario_file))
    return out


def _read(
    name: str,
    read: Callable[[str], bytes],
    section: tuple[str, ...],
    offset: int,
    model: type[BaseModel],
    rows: list[Any],
    scenario_file: str,
) -> DataFile:
    path = name if scenario_file.startswith("<") else str(_beside(scenario_file, name))
    try:
        raw = read(name)
    except OSError as exc:
        message = f"cannot read the data file ({exc.strerror or exc})"
        raise DataFileError(path, 0, 0, "", message) from None
    if len(raw) > MAX_DATA_BYTES:
        raise DataFileError(
            path, 1, 1, "", f"{len(raw):,} bytes; a data file may have at most {MAX_DATA_BYTES:,}"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        message = "not UTF-8 text (save the data file as UTF-8)"
        raise DataFileError(path, line, 1, "", message) from None
    if "\0" in text:
        raise DataFileError(path, text.count("\n", 0, text.index("\0")) + 1, 1, "", "a NUL byte")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        columns = next(reader)
    except StopIteration:
        raise DataFileError(path, 1, 1, "", "empty: expected a header of field names") from None
    except csv.Error as exc:
        raise DataFileError(path, 1, 1, "", f"unreadable header: {exc}") from None
    fields = model.model_fields
    lists = _list_fields(model)
    for i, column in enumerate(columns):
        if column not in fields:
            import difflib

            close = difflib.get_close_matches(column, list(fields), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise DataFileError(
                path, 1, _field_column(text, 1, i), column, f"not a field of {section[-1]}{hint}"
            )
        if column in lists:
            raise DataFileError(
                path,
                1,
                _field_column(text, 1, i),
                column,
                "a list cannot be written in a data file's cell: write such entries in the "
                "scenario file",
            )
    done = DataFile(name, path, section, offset, text, columns)
    width = len(columns)
    entries: list[dict[str, str]] = []
    start = reader.line_num + 1
    try:
        for record in reader:
            line = start
            start = reader.line_num + 1
            if not record or record == [""]:
                continue
            if len(record) != width:
                raise DataFileError(
                    path, line, 1, "", f"a row of {len(record)} fields, the header has {width}"
                )
            if len(entries) >= MAX_ROWS:
                raise DataFileError(path, line, 1, "", f"more than {MAX_ROWS:,} rows")
            entries.append({k: v for k, v in zip(columns, record, strict=True) if v != ""})
            done.lines.append(line)
    except csv.Error as exc:
        raise DataFileError(path, start, 1, "", f"unreadable row: {exc} (truncated?)") from None
    try:  # every row in one call of the model's validator
        rows.extend(_adapter(model).validate_python(entries))
    except ValidationError as exc:
        err = min(exc.errors(), key=lambda e: e["loc"][:1])
        loc = err["loc"]
        row = loc[0] if loc and isinstance(loc[0], int) else 0
        column = str(loc[1]) if len(loc) > 1 else ""
        line = done.lines[row] if done.lines else 1
        col = _field_column(text, line, columns.index(column)) if column in columns else 1
        raise DataFileError(path, line, col, column, err["msg"]) from None
    return done


def _adapter(model: type[BaseModel]) -> TypeAdapter[list[Any]]:
    found = _ADAPTERS.get(model)
    if found is None:
        found = _ADAPTERS[model] = TypeAdapter(list[model])  # type: ignore[valid-type]
    return found


_ADAPTERS: dict[type[BaseModel], TypeAdapter[list[Any]]] = {}


def _beside(scenario_file: str, name: str) -> Any:
    from pathlib import Path

    return Path(scenario_file).parent / name


def reader_beside(scenario_file: str) -> Callable[[str], bytes]:
    """Read data files from the folder of `scenario_file` (the working folder for text)."""

    def read(name: str) -> bytes:
        path = name if scenario_file.startswith("<") else _beside(scenario_file, name)
        with open(path, "rb") as f:
            return f.read(MAX_DATA_BYTES + 1)

    return read
