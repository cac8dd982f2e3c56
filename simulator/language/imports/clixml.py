"""Export-Clixml files (PowerShell's CLIXML serialisation), read into the same `Table` an
Export-Csv file gives, with errors naming file, line and column.

What `Export-Clixml` writes (MS-PSRP 2.2.5, "Serialization"): a root
`<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">`, one
`<Obj RefId="n">` per object holding its type names (`<TN RefId="m"><T>...</T>...</TN>`, the
most derived first — `Deserialized.` in front when the objects came over remote
PowerShell — or `<TNRef RefId="m"/>` to a list written before), its `<ToString>`, and its
properties under `<Props>` (adapted) and `<MS>` (extended), each an element named by its
type with the property's name in `N`: `<S>` string, `<B>` boolean, `<I32>`/`<I64>`/...
numbers, `<DT>` an ISO 8601 time, `<Nil/>`, `<Ref RefId="n"/>` an object written before,
or a nested `<Obj>`: a list (`<LST>`, `<IE>`, `<STK>`, `<QUE>`), a dictionary (`<DCT>`) or
any other object, enums among them, known by its `<ToString>`. Strings escape what XML
cannot carry as `_xHHHH_` (a CR LF is `_x000D__x000A_`, an underscore before `x` is
`_x005F_`). Windows PowerShell writes UTF-16 LE with a BOM (its default encoding for
Export-Clixml), PowerShell 7 UTF-8.

Unlike Export-Csv, lists keep their values (written here as `{a, b}`, which
`powershell_csv.multi_value` reads back) and times carry their zone.

Safety: the standard library's expat parser with every DOCTYPE refused — no DTD, hence no
entity can be declared, so neither entity expansion ("billion laughs") nor external
entities can happen; CLIXML never has a DOCTYPE. Nesting is bounded (`MAX_DEPTH`).

`write_clixml` is the other direction, for the twin's own sample exports.
"""

from __future__ import annotations

import base64
import difflib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from simulator.language.imports.powershell_csv import (
    SHORT_TYPES,
    TYPES,
    ExportError,
    Table,
)

NAMESPACE = "http://schemas.microsoft.com/powershell/2004/04"
#: How deep objects may nest in a property (Export-Clixml's own default -Depth is 2).
MAX_DEPTH = 32
_LISTS = ("LST", "IE", "STK", "QUE")
_NUMBERS = ("I16", "I32", "I64", "U16", "U32", "U64", "By", "SB")
_TEXT = ("S", "URI", "Version", "G", "XD", "SBK", "TS", "DT", "D", "Db", "Sg", "PR")
_ESCAPED = re.compile(r"_x([0-9A-Fa-f]{4})_")


class _Element:
    """One XML element with where it starts (1-based line and column)."""

    __slots__ = ("tag", "attrs", "children", "text", "line", "column")

    def __init__(self, tag: str, attrs: dict[str, str], line: int, column: int) -> None:
        self.tag, self.attrs, self.line, self.column = tag, attrs, line, column
        self.children: list[_Element] = []
        self.text: list[str] = []

    def value_text(self) -> str:
        return _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), "".join(self.text))

    def child(self, tag: str) -> _Element | None:
        for c in self.children:
            if c.tag == tag:
                return c
        return None


def _tree(name: str, text: str) -> _Element:
    """The document's elements, by expat, refusing any DOCTYPE (and so every entity)."""
    parser = expat.ParserCreate(encoding="utf-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Element] = []
    root: list[_Element] = []

    def where() -> tuple[int, int]:
        return parser.CurrentLineNumber, parser.CurrentColumnNumber + 1

    def doctype(*_: Any) -> None:
        line, column = where()
        at = text.find("<!DOCTYPE")  # expat reports where the declaration's subset starts
        if at >= 0:
            line = text.count("\n", 0, at) + 1
            column = at - (text.rfind("\n", 0, at) + 1) + 1
        raise ExportError(
            name,
            line,
            column,
            "a DOCTYPE: refused (a DTD can declare entities that expand without bound); "
            "Export-Clixml never writes one",
        )

    def start(tag: str, attrs: dict[str, str]) -> None:
        line, column = where()
        if len(stack) > MAX_DEPTH * 3:
            raise ExportError(name, line, column, f"objects nested deeper than {MAX_DEPTH}")
        el = _Element(tag, attrs, line, column)
        if stack:
            stack[-1].children.append(el)
        else:
            root.append(el)
        stack.append(el)

    def end(_: str) -> None:
        stack.pop()

    def data(chunk: str) -> None:
        if stack:
            stack[-1].text.append(chunk)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    try:
        parser.Parse(text.encode("utf-8"), True)
    except expat.ExpatError as exc:
        message = expat.errors.messages[exc.code]
        hint = " (truncated?)" if exc.code in _TRUNCATED else ""
        raise ExportError(
            name, exc.lineno, exc.offset + 1, f"not well-formed XML: {message}{hint}"
        ) from None
    return root[0]


_TRUNCATED = {
    expat.errors.codes[m]
    for m in (expat.errors.XML_ERROR_NO_ELEMENTS, expat.errors.XML_ERROR_UNCLOSED_TOKEN)
    if m in expat.errors.codes
}


@dataclass
class ClixmlTable(Table):
    """A Table whose errors point at the property's element (or the object's)."""

    positions: list[dict[str, tuple[int, int]]] = field(default_factory=list, repr=False)
    columns_at: list[int] = field(default_factory=list, repr=False)

    def error(self, row: int, column: str | None, message: str) -> ExportError:
        line, col = self.lines[row], self.columns_at[row]
        if column is not None:
            line, col = self.positions[row].get(column.lower(), (line, col))
        return ExportError(self.path, line, col, f"{column}: {message}" if column else message)


class _Reader:
    """Values of one document: objects and type-name lists remembered by RefId."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.objects: dict[str, Any] = {}
        self.type_names: dict[str, list[str]] = {}

    def fail(self, el: _Element, message: str) -> ExportError:
        return ExportError(self.name, el.line, el.column, message)

    def types(self, obj: _Element) -> list[str]:
        for c in obj.children:
            if c.tag == "TN":
                names = [t.value_text() for t in c.children if t.tag == "T"]
                if "RefId" in c.attrs:
                    self.type_names[c.attrs["RefId"]] = names
                return names
            if c.tag == "TNRef":
                ref = c.attrs.get("RefId", "")
                if ref not in self.type_names:
                    raise self.fail(c, f"<TNRef RefId={ref!r}/> names no type list written before")
                return self.type_names[ref]
        return []

    def value(self, el: _Element, depth: int = 0) -> Any:
        tag = el.tag
        if depth > MAX_DEPTH:
            raise self.fail(el, f"objects nested deeper than {MAX_DEPTH}")
        if tag == "Nil":
            return None
        if tag in _TEXT:
            return el.value_text()
        if tag == "B":
            text = el.value_text().strip().lower()
            if text not in ("true", "false"):
                raise self.fail(el, f"<B> holds {text!r}: expected true or false")
            return text == "true"
        if tag in _NUMBERS:
            try:
                return int(el.value_text().strip())
            except ValueError:
                raise self.fail(el, f"<{tag}> holds {el.value_text()!r}: not an integer") from None
        if tag == "C":
            return chr(int(el.value_text().strip() or "0"))
        if tag == "BA":
            return base64.b64decode(el.value_text()).hex()
        if tag == "SS":
            return None  # a secure string: encrypted for the exporting user, never readable
        if tag == "Ref":
            ref = el.attrs.get("RefId", "")
            if ref not in self.objects:
                raise self.fail(el, f"<Ref RefId={ref!r}/> names no object written before")
            return self.objects[ref]
        if tag == "Obj":
            out = self.obj_value(el, depth)
            if "RefId" in el.attrs:
                self.objects[el.attrs["RefId"]] = out
            return out
        raise self.fail(el, f"<{tag}>: not a CLIXML value element")

    def obj_value(self, el: _Element, depth: int) -> Any:
        """A nested object as a property's value: a list, a dictionary, or its ToString
        (an enum, an ADObjectId, a ByteQuantifiedSize...)."""
        for c in el.children:
            if c.tag in _LISTS:
                return [self.value(v, depth + 1) for v in c.children]
            if c.tag == "DCT":
                out = {}
                for en in c.children:
                    key = en.children[0] if en.children else None
                    val = en.children[1] if len(en.children) > 1 else None
                    if key is None or val is None:
                        raise self.fail(en, "<En> without a key and a value")
                    out[str(self.value(key, depth + 1))] = self.value(val, depth + 1)
                return out
        shown = el.child("ToString")
        if shown is not None:
            return shown.value_text()
        for c in el.children:  # a primitive wrapped with its type names, no ToString
            if c.tag in _TEXT or c.tag in _NUMBERS or c.tag == "B":
                return self.value(c, depth + 1)
        return None

    def properties(self, obj: _Element) -> tuple[dict[str, Any], dict[str, tuple[int, int]]]:
        values: dict[str, Any] = {}
        where: dict[str, tuple[int, int]] = {}
        for section in obj.children:
            if section.tag not in ("Props", "MS"):
                continue
            for prop in section.children:
                key = prop.attrs.get("N")
                if key is None:
                    raise self.fail(prop, f"<{prop.tag}> in <{section.tag}> without N=")
                key = _ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), key)
                values[key] = self.value(prop, 1)
                where[key.lower()] = (prop.line, prop.column)
        return values, where


def _cell(value: Any) -> str:
    """A value as the string an Export-Csv field would hold (lists keep their values)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, list):
        return "{" + ", ".join(_cell(v) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={_cell(v)}" for k, v in value.items()) + "}"
    return str(value)


def _cmdlets(short_types: Iterable[str]) -> str:
    return " or ".join(TYPES[SHORT_TYPES[t]] for t in short_types)


def parse_clixml(name: str, text: str, expected: list[str], required: list[str]) -> ClixmlTable:
    """The objects of an Export-Clixml document of one of the short types `expected`, with
    at least the properties `required`, as a Table (one row per object)."""
    root = _tree(name, text)
    if root.tag != "Objs" or root.attrs.get("xmlns") != NAMESPACE:
        raise ExportError(
            name,
            root.line,
            root.column,
            f"<{root.tag}> is not the root Export-Clixml writes "
            f'(<Objs Version="1.1.0.1" xmlns="{NAMESPACE}">)',
        )
    reader = _Reader(name)
    wanted = [SHORT_TYPES[t] for t in expected]
    columns: list[str] = []
    known: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    table = ClixmlTable(name, None, columns, [], [], "")
    for obj in root.children:
        if obj.tag != "Obj":
            raise reader.fail(
                obj, f"<{obj.tag}> at the top level: expected the objects of {_cmdlets(expected)}"
            )
        names = reader.types(obj)
        plain = [n.removeprefix("Deserialized.") for n in names]
        if not plain or plain[0] not in wanted:
            other = next((TYPES[n] for n in plain if n in TYPES), None)
            what = f"another cmdlet's export ({other})" if other else "objects of another type"
            shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "") or "none"
            raise reader.fail(
                obj,
                f"{what}: type names {shown}; expected {', '.join(wanted)} "
                f"(an export of {_cmdlets(expected)})",
            )
        table.type_name = plain[0]
        values, where = reader.properties(obj)
        if not records:
            lower = {k.lower() for k in values}
            for col in required:
                if col.lower() not in lower:
                    close = difflib.get_close_matches(col, list(values), n=1)
                    hint = f" (found {close[0]!r})" if close else ""
                    raise reader.fail(
                        obj,
                        f"no property {col!r}{hint}; an export of {_cmdlets(expected)} has "
                        f"{', '.join(required)} (Export-Clixml of the cmdlet's objects)",
                    )
        for key in values:
            if key.lower() not in known:
                known[key.lower()] = len(columns)
                columns.append(key)
        if "RefId" in obj.attrs:
            reader.objects[obj.attrs["RefId"]] = (obj.child("ToString") or obj).value_text()
        records.append(values)
        table.positions.append(where)
        table.lines.append(obj.line)
        table.columns_at.append(obj.column)
    width = len(columns)
    for values in records:
        row = [""] * width
        for key, value in values.items():
            row[known[key.lower()]] = _cell(value)
        table.rows.append(row)
    table.__post_init__()
    return table


# -- writing (the twin's own sample exports) ---------------------------------------------------
#: Properties whose values are .NET enums: their type, and their members in declaration
#: order (the `<I32>` written is that index; the importer reads the `<ToString>`).
ENUMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "DeviceAccessState": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessState",
        ("Unknown", "Allowed", "Blocked", "Quarantined", "DeviceDiscovery"),
    ),
    "DeviceAccessStateReason": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessStateReason",
        ("Unknown", "Global", "Individual", "DeviceRule", "Upgrade", "Policy"),
    ),
    "AccessLevel": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel",
        ("Allow", "Block", "Quarantine"),
    ),
    "DefaultAccessLevel": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessLevel",
        ("Allow", "Block", "Quarantine"),
    ),
    "Characteristic": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.DeviceAccessCharacteristic",
        ("DeviceType", "DeviceModel", "DeviceOS", "UserAgent", "XMSWLHeader"),
    ),
    "ClientType": (
        "Microsoft.Exchange.Data.Directory.SystemConfiguration.MobileClientType",
        ("EAS", "Outlook"),
    ),
}
_BASES = {  # what each exported type derives from, most derived first (after itself)
    "MobileDeviceConfiguration": ("Microsoft.Exchange.Data.ConfigurableObject",),
}
_AD_BASES = (
    "Microsoft.Exchange.Data.Directory.ADObject",
    "Microsoft.Exchange.Data.Directory.ADRawEntry",
    "Microsoft.Exchange.Data.ConfigurableObject",
)


def _escape_text(value: str) -> str:
    out = []
    for i, ch in enumerate(value):
        code = ord(ch)
        if code < 0x20 or 0xD800 <= code <= 0xDFFF or code in (0xFFFE, 0xFFFF):
            out.append(f"_x{code:04X}_")
        elif ch == "_" and _ESCAPED.match(value, i):
            out.append("_x005F_")
        else:
            out.append(ch)
    return escape("".join(out))


def _dt(value: datetime) -> str:
    """A time as .NET's round-trip format writes a UTC DateTime (7 fractional digits, Z)."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0Z"


class _Writer:
    def __init__(self) -> None:
        self.out = io.StringIO()
        self.ref = 0
        self.tn: dict[tuple[str, ...], int] = {}

    def next_ref(self) -> int:
        self.ref += 1
        return self.ref - 1

    def type_names(self, names: tuple[str, ...]) -> str:
        if names in self.tn:
            return f'<TNRef RefId="{self.tn[names]}" />'
        self.tn[names] = ref = len(self.tn)
        inner = "".join(f"<T>{escape(n)}</T>" for n in names)
        return f'<TN RefId="{ref}">{inner}</TN>'

    def value(self, key: str | None, value: Any) -> str:
        n = "" if key is None else f" N={quoteattr(key)}"
        if value is None:
            return f"<Nil{n} />"
        if key in ENUMS and isinstance(value, str):
            enum, members = ENUMS[key]
            names = tuple(
                f"Deserialized.{t}" for t in (enum, "System.Enum", "System.ValueType")
            ) + ("Deserialized.System.Object",)
            number = members.index(value) if value in members else 0
            return (
                f'<Obj{n} RefId="{self.next_ref()}">{self.type_names(names)}'
                f"<ToString>{_escape_text(value)}</ToString><I32>{number}</I32></Obj>"
            )
        if isinstance(value, bool):
            return f"<B{n}>{'true' if value else 'false'}</B>"
        if isinstance(value, int):
            tag = "I32" if -(2**31) <= value < 2**31 else "I64"
            return f"<{tag}{n}>{value}</{tag}>"
        if isinstance(value, float):
            return f"<Db{n}>{value!r}</Db>"
        if isinstance(value, datetime):
            return f"<DT{n}>{_dt(value)}</DT>"
        if isinstance(value, list | tuple):
            names = (
                "Deserialized.Microsoft.Exchange.Data.MultiValuedProperty`1[[System.String]]",
                "Deserialized.Microsoft.Exchange.Data.MultiValuedPropertyBase",
                "Deserialized.System.Object",
            )
            items = "".join(self.value(None, v) for v in value)
            return f'<Obj{n} RefId="{self.next_ref()}">{self.type_names(names)}<LST>{items}</LST></Obj>'
        return f"<S{n}>{_escape_text(str(value))}</S>"

    def obj(self, obj: Mapping[str, Any], type_name: str) -> None:
        full = SHORT_TYPES[type_name]
        bases = _BASES.get(type_name, _AD_BASES)
        names = tuple(f"Deserialized.{t}" for t in (full, *bases)) + ("Deserialized.System.Object",)
        shown = obj.get("Identity") or obj.get("Name") or full
        self.out.write(f'  <Obj RefId="{self.next_ref()}">\r\n    {self.type_names(names)}\r\n')
        self.out.write(f"    <ToString>{_escape_text(str(shown))}</ToString>\r\n    <Props>\r\n")
        for key, value in obj.items():
            self.out.write(f"      {self.value(key, value)}\r\n")
        self.out.write("    </Props>\r\n  </Obj>\r\n")


def write_clixml(
    objects: Iterable[Mapping[str, Any]], type_name: str, encoding: str = "utf-16"
) -> bytes:
    """Objects of the short type `type_name` as `Export-Clixml` writes them after a remote
    session (type names `Deserialized.<type>`), in `encoding`: "utf-16" (LE with BOM,
    Windows PowerShell's default) or "utf-8". Lines are indented for reading; PowerShell
    writes the same elements."""
    writer = _Writer()
    writer.out.write(f'<Objs Version="1.1.0.1" xmlns="{NAMESPACE}">\r\n')
    for obj in objects:
        writer.obj(obj, type_name)
    writer.out.write("</Objs>")
    text = writer.out.getvalue()
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode(encoding)
