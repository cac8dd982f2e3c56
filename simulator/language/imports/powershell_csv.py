"""Export-Csv files as PowerShell writes them, read with errors naming file, line and column.

What Windows PowerShell writes: a first line `#TYPE <.NET type>` (`Deserialized.` in front
when the objects came over remote PowerShell; absent with `-NoTypeInformation`), a header
of property names, then one record per object, every field quoted, lines ending in CRLF.
The encoding is whatever the customer chose: UTF-8 (PowerShell 7), UTF-8 with a byte
order mark (`-Encoding UTF8` in 5.1), or UTF-16 LE with a BOM (`-Encoding Unicode`, and
what `>` redirection writes). A multi-valued property is written as its type's name
(`System.Collections.ArrayList`), not its values — `multi_value` says so rather than
guessing. Dates are written in the exporting machine's culture with no time zone.

`write_export` is the other direction, for the twin's own sample exports: the twin's
output objects written as Export-Csv writes deserialized Exchange objects.
"""

from __future__ import annotations

import csv
import difflib
import functools
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# The .NET type of each cmdlet's output objects (what the #TYPE line names) → the cmdlets.
TYPES: dict[str, str] = {
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileDevice": "Get-MobileDevice",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDevice": (
        "Get-ActiveSyncDevice"
    ),
    "Microsoft.Exchange.Data.Directory.Management.CASMailbox": "Get-CASMailbox",
    "Microsoft.Exchange.Data.Directory.Management.Mailbox": "Get-Mailbox",
    "Microsoft.Exchange.Data.Directory.Management.User": "Get-User",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncDeviceAccessRule": (
        "Get-ActiveSyncDeviceAccessRule"
    ),
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncOrganizationSettings": (
        "Get-ActiveSyncOrganizationSettings"
    ),
    "Microsoft.Exchange.Management.Tasks.MobileDeviceConfiguration": "Get-MobileDeviceStatistics",
    "Microsoft.Exchange.Data.Directory.SystemConfiguration.ActiveSyncMailboxPolicy": (
        "Get-ActiveSyncMailboxPolicy"
    ),
}
SHORT_TYPES = {name.rsplit(".", 1)[1]: name for name in TYPES}
_LIST_TYPE_NAMES = ("System.Collections.", "Microsoft.Exchange.Data.MultiValuedProperty")


class ExportError(Exception):
    """A file that cannot be imported: where (file, line, column) and what was expected."""

    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")
        self.path, self.line, self.column, self.message = path, line, column, message


@dataclass
class Table:
    """The records of one export: columns by name, each row's first line for errors."""

    path: str
    type_name: str | None  # the .NET type of the #TYPE line, without "Deserialized."
    columns: list[str]
    rows: list[list[str]]
    _lines: list[int] | None = field(repr=False)  # each record's first line; None: not yet
    text: str = field(repr=False)
    index: dict[str, int] = field(default_factory=dict)
    header_line: int = 1

    def __post_init__(self) -> None:
        self.index = {c.lower(): i for i, c in enumerate(self.columns)}

    @property
    def lines(self) -> list[int]:
        """Each record's first line: counted only when an error needs one (a record may
        span lines, so counting takes a second reading, which the fast path saves)."""
        if self._lines is None:
            self._lines = _records(self.path, self.text, self.header_line, len(self.columns))[1]
        return self._lines

    def has(self, column: str) -> bool:
        return column.lower() in self.index

    def error(self, row: int, column: str | None, message: str) -> ExportError:
        """An error at the field `column` of record `row` (its line and character column)."""
        line = self.lines[row]
        col = 1
        if column is not None and column.lower() in self.index:
            col = _field_column(self.text, line, self.index[column.lower()])
        return ExportError(self.path, line, col, f"{column}: {message}" if column else message)


def _field_column(text: str, line: int, field_index: int) -> int:
    """The character column (1-based) where field `field_index` of the record on `line` starts."""
    raw = text.split("\n", line)[line - 1] if line >= 1 else ""
    quoted, i, n = False, 0, 0
    while i < len(raw) and n < field_index:
        ch = raw[i]
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            n += 1
        i += 1
    return i + 1


def decode(path: str, data: bytes) -> str:
    """The file's text, by its byte order mark; UTF-8 without one. A file that is none of
    these is refused with the position of the first byte that does not decode."""
    if data.startswith(b"\xef\xbb\xbf"):
        encoding, body, offset = "utf-8", data[3:], 3
    elif data.startswith(b"\xff\xfe"):
        encoding, body, offset = "utf-16-le", data[2:], 2
    elif data.startswith(b"\xfe\xff"):
        encoding, body, offset = "utf-16-be", data[2:], 2
    else:
        if b"\x00" in data[:400]:
            raise ExportError(
                path,
                1,
                1,
                "looks like UTF-16 without a byte order mark; export again with "
                "Export-Csv -Encoding Unicode (UTF-16 with BOM) or -Encoding UTF8",
            )
        encoding, body, offset = "utf-8", data, 0
    try:
        return body.decode(encoding)
    except UnicodeDecodeError as exc:
        start = exc.start
        if encoding != "utf-8":  # count characters, not bytes, for a UTF-16 file
            good = body[: start - start % 2].decode(encoding, errors="replace")
            line = good.count("\n") + 1
            column = len(good) - (good.rfind("\n") + 1) + 1
            raise ExportError(
                path, line, column, f"the file is not valid {encoding.upper()} (truncated?)"
            ) from None
        line = body.count(b"\n", 0, start) + 1
        good = body[body.rfind(b"\n", 0, start) + 1 : start].decode("utf-8", errors="replace")
        byte = body[start]
        raise ExportError(
            path,
            line,
            len(good) + 1,
            f"byte 0x{byte:02X} is not UTF-8 (offset {start + offset}): the file is in another "
            "encoding (Windows-1252?); export again with Export-Csv -Encoding UTF8 "
            "or -Encoding Unicode",
        ) from None


def _cmdlets(short_types: Iterable[str]) -> str:
    return " or ".join(TYPES[SHORT_TYPES[t]] for t in short_types)


def parse_export(name: str, text: str, expected: list[str], required: list[str]) -> Table:
    """`read_export` on decoded text."""
    if not text.strip():
        raise ExportError(name, 1, 1, f"empty file; expected an export of {_cmdlets(expected)}")
    first_end = text.find("\n")
    first = (text if first_end < 0 else text[:first_end]).rstrip("\r")
    type_name = None
    header_line = 1
    body = text
    if first.startswith("#"):
        if not first.startswith("#TYPE "):
            raise ExportError(name, 1, 1, f"expected '#TYPE <type>' or a header, found {first!r}")
        type_name = first[6:].strip().removeprefix("Deserialized.")
        wanted = [SHORT_TYPES[t] for t in expected]
        if type_name not in wanted:
            other = TYPES.get(type_name)
            what = f"the export of {other}" if other else f"objects of type {type_name}"
            raise ExportError(
                name, 1, 7, f"this is {what}; expected an export of {_cmdlets(expected)}"
            )
        header_line = 2
        body = "" if first_end < 0 else text[first_end + 1 :]
    reader = csv.reader(io.StringIO(body, newline=""), strict=True)
    try:
        columns = next(reader)
    except StopIteration:
        raise ExportError(name, header_line, 1, "no header line (truncated?)") from None
    except csv.Error as exc:
        raise ExportError(name, header_line, 1, f"unreadable header: {exc}") from None
    lower = {c.lower() for c in columns}
    for col in required:
        if col.lower() not in lower:
            close = difflib.get_close_matches(col, columns, n=1)
            hint = f" (found {close[0]!r})" if close else ""
            raise ExportError(
                name,
                header_line,
                1,
                f"no column {col!r}{hint}; an export of {_cmdlets(expected)} has "
                f"{', '.join(required)} (Export-Csv of the cmdlet's objects, all properties)",
            )
    width = len(columns)
    try:  # the fast path: every record at once, each of the header's width
        rows = list(reader)
    except csv.Error:
        rows = None
    if rows is None or any(len(row) != width for row in rows):
        rows, lines = _records(name, text, header_line, width)  # raises where it is wrong
        return Table(name, type_name, columns, rows, lines, text, header_line=header_line)
    return Table(name, type_name, columns, rows, None, text, header_line=header_line)


def _records(
    name: str, text: str, header_line: int, width: int
) -> tuple[list[list[str]], list[int]]:
    """The records after the header with the line each starts on, blank lines skipped; a
    record of another width or an unreadable one raises ExportError at its line."""
    body = text.split("\n", header_line - 1)[-1] if header_line > 1 else text
    reader = csv.reader(io.StringIO(body, newline=""), strict=True)
    next(reader)
    rows: list[list[str]] = []
    lines: list[int] = []
    offset = header_line - 1
    start = reader.line_num + 1
    try:
        for row in reader:
            if len(row) != width:
                line = start + offset
                if not row or row == [""]:
                    start = reader.line_num + 1
                    continue
                lines.append(line)
                table = Table(name, None, [""] * width, rows, lines, text)
                what = "truncated?" if len(row) < width else "a comma outside quotes?"
                raise table.error(
                    len(lines) - 1,
                    None,
                    f"a record of {len(row)} fields, the header has {width} ({what})",
                )
            rows.append(row)
            lines.append(start + offset)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise ExportError(
            name, start + offset, 1, f"unreadable record: {exc} (truncated?)"
        ) from None
    return rows, lines


def multi_value(value: str) -> list[str] | None:
    """The values of a multi-valued field; None when Export-Csv wrote the list's type name
    instead (it does for every list of a remote session's objects): the values are lost."""
    if value.startswith(_LIST_TYPE_NAMES):
        return None
    if not value.strip():
        return []
    value = value.strip().removeprefix("{").removesuffix("}")
    return [v.strip() for v in value.replace(";", ",").split(",") if v.strip()]


_MONTHS_FIRST = True


def time_text(value: str) -> str | None:
    """`parse_time`, written as the scenario language writes a time (`iso`): the same
    checks, but the dates and times of day are converted once each (cached), not once per
    field — the dates of a 100,000-device export."""
    value = value.strip()
    if not value:
        return None
    if value[:4].isdigit() and value[4:5] == "-":
        moment = parse_time(value)
        return None if moment is None else iso(moment)
    date_part, _, rest = value.partition(" ")
    try:
        if not rest:
            raise ValueError("no time of day")
        return f"{date_text(date_part)}T{clock_text(rest)}Z"
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date and time ({exc})") from None


@functools.lru_cache(maxsize=65536)
def date_text(date_part: str) -> str:
    year, month, day = _date(date_part)
    datetime(year, month, day)  # a 30 February is refused here
    return f"{year:04d}-{month:02d}-{day:02d}"


@functools.lru_cache(maxsize=65536)
def clock_text(rest: str) -> str:
    hour, minute, second = _clock(rest)
    datetime(2000, 1, 1, hour, minute, second)  # as is a 25th hour
    return f"{hour:02d}:{minute:02d}:{second:02d}"


@functools.lru_cache(maxsize=65536)
def _date(date_part: str) -> tuple[int, int, int]:
    """(year, month, day) of an en-US `5/2/2016` or a `02.05.2016`; cached, as an export's
    dates repeat (a fleet's first syncs fall on a few hundred days)."""
    sep = "/" if "/" in date_part else "."
    parts = date_part.split(sep)
    if len(parts) != 3:
        raise ValueError("not a date")
    a, b, year = (int(p) for p in parts)
    if sep == "/":
        month, day = (a, b) if a <= 12 else (b, a)  # en-US writes month/day; en-GB day/month
    else:
        day, month = a, b
    return year, month, day


@functools.lru_cache(maxsize=65536)
def _clock(rest: str) -> tuple[int, int, int]:
    """(hour, minute, second) of `10:00:00 PM` or `22:00:00`."""
    clock, _, ampm = rest.partition(" ")
    hms = [int(p) for p in clock.split(":")]
    if len(hms) == 2:
        hms.append(0)
    if len(hms) != 3:
        raise ValueError("not a time of day")
    hour, minute, second = hms
    ampm = ampm.strip().upper()
    if ampm == "PM" and hour < 12:
        hour += 12
    elif ampm == "AM" and hour == 12:
        hour = 0
    elif ampm not in ("", "AM", "PM"):
        raise ValueError("not AM or PM")
    return hour, minute, second


def parse_time(value: str) -> datetime | None:
    """A date Export-Csv wrote (en-US `5/2/2016 10:00:00 AM`, `02.05.2016 10:00:00`, ISO
    8601), taken as UTC; None for an empty field. Raises ValueError for anything else."""
    value = value.strip()
    if not value:
        return None
    if value[:4].isdigit() and value[4:5] == "-":
        dt = datetime.fromisoformat(value.replace(" ", "T", 1))
        return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    date_part, _, rest = value.partition(" ")
    try:
        if not rest:
            raise ValueError("no time of day")
        return datetime(*_date(date_part), *_clock(rest), tzinfo=UTC)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a date and time ({exc})") from None


def iso(moment: datetime) -> str:
    """A UTC time as the scenario language writes it (`2016-05-02T10:00:00Z`); by hand,
    as strftime is the slowest part of a 100,000-device import's dates."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:"
        f"{moment.minute:02d}:{moment.second:02d}Z"
    )


# -- writing (the twin's own sample exports) ---------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):  # en-US, as a US-English Windows writes it
        hour = value.hour % 12 or 12
        return (
            f"{value.month}/{value.day}/{value.year} {hour}:{value.minute:02d}:"
            f"{value.second:02d} {'AM' if value.hour < 12 else 'PM'}"
        )
    if isinstance(value, list | tuple):
        return "System.Collections.ArrayList"  # what Export-Csv writes for a deserialized list
    return str(value)


def write_export(
    objects: Iterable[Mapping[str, Any]], type_name: str, encoding: str = "utf-16"
) -> bytes:
    """Objects of the short type `type_name` as Windows PowerShell's `Export-Csv` writes them
    after a remote session (`#TYPE Deserialized.<type>`, every field quoted, CRLF), in
    `encoding`: "utf-16" (LE with BOM, -Encoding Unicode), "utf-8-sig" or "utf-8"."""
    out = io.StringIO(newline="")
    out.write(f"#TYPE Deserialized.{SHORT_TYPES[type_name]}\r\n")
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    header: list[str] | None = None
    for obj in objects:
        if header is None:
            header = list(obj)
            writer.writerow(header)
        writer.writerow([_text(obj.get(k)) for k in header])
    text = out.getvalue()
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)
