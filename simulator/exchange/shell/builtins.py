"""The PowerShell commands the shell runs locally, as a real Exchange Management Shell does
(they are PowerShell's, not Exchange's, so RBAC does not apply): Where-Object, ForEach-Object,
Select-Object, Sort-Object, Measure-Object, Group-Object, Format-Table, Format-List,
Out-String, Write-Output, Write-Host, Get-Date (the simulated clock), Start-Sleep (advances
the simulated clock), Get-History and Clear-Host, with their usual aliases."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import AmbiguousParameter, ParameterBindingError, ParameterNotFound
from simulator.exchange.shell.arithmetic import as_int32
from simulator.exchange.shell.formatting import Formatted, format_default, format_list, format_table
from simulator.exchange.shell.values import (
    ScriptBlockValue,
    ShellRuntimeError,
    compare,
    display,
    get_member,
    is_true,
    to_number,
    to_string,
)
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.shell.interpreter import ExchangeShell

_OPERATORS = (
    "EQ",
    "NE",
    "GT",
    "GE",
    "LT",
    "LE",
    "Like",
    "NotLike",
    "Match",
    "NotMatch",
    "Contains",
    "NotContains",
    "In",
    "NotIn",
)


@dataclass(frozen=True)
class LocalParam:
    name: str
    kind: str = "value"  # value, switch, script, list
    position: int | None = None
    #: "int" for an [int] parameter: the argument converts at binding, or binding fails.
    type: str = ""
    #: ValidateRange bounds of an [int] parameter.
    low: int | None = None
    high: int | None = None

    def convert(self, value: Any) -> Any:
        """The argument as the parameter's type, validated as PowerShell's binder does."""
        if self.type != "int" or value is None:
            return value
        try:
            number = as_int32(value)
        except ShellRuntimeError as exc:
            raise _binding(f"Cannot bind parameter '{self.name}'. {exc.message}",
                           "CannotConvertArgumentNoMessage") from None  # fmt: skip
        for bound, fails, word in (
            (self.low, self.low is not None and number < self.low, "less than the minimum"),
            (self.high, self.high is not None and number > self.high, "greater than the maximum"),
        ):
            if fails:
                than = "greater" if word.startswith("less") else "less"
                raise _binding(
                    f"Cannot validate argument on parameter '{self.name}'. The {number} argument "
                    f"is {word} allowed range of {bound}. Supply an argument that is {than} than "
                    f"or equal to {bound} and then try the command again.",
                    "ParameterArgumentValidationError",
                )
        return number


def _binding(message: str, error_id: str) -> ParameterBindingError:
    error = ParameterBindingError(message)
    error.error_id = error_id
    return error


Runner = Callable[["ExchangeShell", list[Any] | None, dict[str, Any]], list[Any]]


@dataclass(frozen=True)
class LocalCommand:
    name: str
    params: tuple[LocalParam, ...]
    run: Runner
    aliases: tuple[str, ...] = ()
    #: It lays its input out as text (Format-*, Out-String): counted as printing is.
    prints: bool = False

    def param(self, given: str) -> LocalParam:
        key = given.lower()
        for p in self.params:
            if p.name.lower() == key:
                return p
        matches = [p for p in self.params if p.name.lower().startswith(key)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise AmbiguousParameter(given, [p.name for p in matches])
        raise ParameterNotFound(self.name, given)

    def is_switch(self, given: str) -> bool | None:
        try:
            return self.param(given).kind == "switch"
        except (ParameterNotFound, AmbiguousParameter):
            return None

    def bind(self, named: list[tuple[str, Any]], positional: list[Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for given, value in named:
            p = self.param(given)
            if p.name in out:
                raise ParameterBindingError(
                    f"Cannot bind parameter because parameter '{p.name}' is specified more than once."
                )
            out[p.name] = (
                (value is None or is_true(value)) if p.kind == "switch" else p.convert(value)
            )
        for value in positional:
            candidates = [
                p
                for p in self.params
                if p.position is not None
                and p.name not in out
                and not _position_taken(self, out, p)
            ]
            candidates.sort(
                key=lambda p: (
                    p.position,
                    (p.kind == "script") != isinstance(value, ScriptBlockValue),
                )
            )
            if not candidates:
                raise ParameterBindingError(
                    f"A positional parameter cannot be found that accepts argument '{to_string(value)}'."
                )
            out[candidates[0].name] = candidates[0].convert(value)
        return out


def _position_taken(cmd: LocalCommand, bound: dict[str, Any], p: LocalParam) -> bool:
    return any(q.position == p.position and q.name in bound for q in cmd.params)


def _names(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items(items: list[Any] | None) -> list[Any]:
    return list(items or [])


# -- Where-Object / ForEach-Object ----------------------------------------------------------------------
def where_object(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    script = args.get("FilterScript")
    if script is not None:
        if not isinstance(script, ScriptBlockValue):
            raise ShellRuntimeError(
                f"Cannot bind parameter 'FilterScript'. Cannot convert the \"{to_string(script)}\" value of "
                'type "System.String" to type "System.Management.Automation.ScriptBlock".',
                "CannotConvertArgumentNoMessage,Microsoft.PowerShell.Commands.WhereObjectCommand",
            )
        return [item for item in _items(items) if is_true(shell.invoke_block(script, item))]
    prop = args.get("Property")
    if prop is None:
        raise ParameterBindingError(
            "Cannot process command because of one or more missing mandatory parameters: FilterScript."
        )
    ops = [op for op in _OPERATORS if args.get(op)]
    value = args.get("Value", True)
    out = []
    for item in _items(items):
        actual = get_member(item, to_string(prop))
        if not ops:
            keep = is_true(actual)
        else:
            keep = is_true(compare(ops[0].lower(), actual, value))
        if keep:
            out.append(item)
    return out


def foreach_object(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    out: list[Any] = []
    if isinstance(args.get("Begin"), ScriptBlockValue):
        out += shell.invoke_block(args["Begin"], None)
    member = args.get("MemberName")
    script = args.get("Process")
    for item in _items(items):
        if isinstance(script, ScriptBlockValue):
            out += shell.invoke_block(script, item)
        elif member is not None:
            value = get_member(item, to_string(member))
            out += value if isinstance(value, list) else ([] if value is None else [value])
        else:
            raise ParameterBindingError(
                "Cannot process command because of one or more missing mandatory parameters: Process."
            )
    if isinstance(args.get("End"), ScriptBlockValue):
        out += shell.invoke_block(args["End"], None)
    return out


# -- Select / Sort / Measure / Group -------------------------------------------------------------------
def _property_value(shell: ExchangeShell, item: Any, spec: Any) -> tuple[str, Any]:
    """A property name, or a calculated property `@{Name='X';Expression={...}}`."""
    if isinstance(spec, dict) and not getattr(spec, "type_name", None):
        name = next(
            (v for k, v in spec.items() if str(k).lower() in ("name", "n", "label", "l")), ""
        )
        expr = next((v for k, v in spec.items() if str(k).lower() in ("expression", "e")), None)
        if isinstance(expr, ScriptBlockValue):
            result = shell.invoke_block(expr, item)
            return to_string(name), result[0] if len(result) == 1 else (result or None)
        return to_string(name), get_member(item, to_string(expr))
    return to_string(spec), get_member(item, to_string(spec))


def select_object(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    data = _items(items)
    if args.get("Unique"):
        seen, unique = set(), []
        for item in data:
            key = (
                display(item)
                if not isinstance(item, dict)
                else repr(sorted(map(str, item.items())))
            )
            if key not in seen:
                seen.add(key)
                unique.append(item)
        data = unique
    data = data[args.get("Skip") or 0 :]
    if args.get("First") is not None:
        data = data[: args["First"]]
    if args.get("Last") is not None:
        n = args["Last"]
        data = data[-n:] if n else []
    expand = args.get("ExpandProperty")
    props = _names(args.get("Property"))
    out: list[Any] = []
    for item in data:
        if expand is not None:
            value = get_member(item, to_string(expand))
            if value is None:
                raise ShellRuntimeError(
                    f'Property "{to_string(expand)}" cannot be found.',
                    "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand",
                )
            out += value if isinstance(value, list) else [value]
            continue
        if not props:
            out.append(item)
            continue
        selected: dict[str, Any] = {}
        for spec in props:
            if isinstance(spec, str) and any(ch in spec for ch in "*?") and isinstance(item, dict):
                for k in item:
                    if fnmatch.fnmatchcase(str(k).lower(), spec.lower()):
                        selected[str(k)] = item[k]
                continue
            name, value = _property_value(shell, item, spec)
            if isinstance(item, dict) and not isinstance(spec, dict):
                name = next((str(k) for k in item if str(k).lower() == name.lower()), name)
            selected[name] = value
        out.append(Record(f"Selected.{getattr(item, 'type_name', 'Object')}", selected))
    return out


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float):
        return (1, value)
    if isinstance(value, str):
        return (2, value.lower())
    return (3, display(value).lower())


def sort_object(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    props = _names(args.get("Property"))

    def key(item: Any) -> tuple[Any, ...]:
        if not props:
            return (_sort_key(item if not isinstance(item, dict) else display(item)),)
        return tuple(_sort_key(_property_value(shell, item, p)[1]) for p in props)

    data = sorted(_items(items), key=key, reverse=bool(args.get("Descending")))
    if args.get("Unique"):
        seen, unique = set(), []
        for item in data:
            k = key(item)
            if k not in seen:
                seen.add(k)
                unique.append(item)
        data = unique
    return data


def measure_object(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    data = _items(items)
    prop = args.get("Property")
    values = [get_member(i, to_string(prop)) for i in data] if prop is not None else data
    if prop is not None:
        values = [v for v in values if v is not None]
    numbers = [n for n in (to_number(v) for v in values) if n is not None]
    wants = {k: bool(args.get(k)) for k in ("Sum", "Average", "Maximum", "Minimum")}
    if any(wants.values()) and len(numbers) != len(values):
        raise ShellRuntimeError(
            f'Input object "{to_string(values[0]) if values else ""}" is not numeric.',
            "GenericMeasureArgumentNotNumeric,Microsoft.PowerShell.Commands.MeasureObjectCommand",
        )
    return [
        Record(
            "GenericMeasureInfo",
            {
                "Count": len(values),
                "Average": (sum(numbers) / len(numbers)) if wants["Average"] and numbers else None,
                "Sum": sum(numbers) if wants["Sum"] else None,
                "Maximum": max(numbers) if wants["Maximum"] and numbers else None,
                "Minimum": min(numbers) if wants["Minimum"] and numbers else None,
                "Property": to_string(prop) if prop is not None else None,
            },
        )
    ]


def group_object(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    props = _names(args.get("Property"))
    groups: dict[str, list[Any]] = {}
    names: dict[str, str] = {}
    for item in _items(items):
        values = [_property_value(shell, item, p)[1] for p in props] if props else [item]
        name = ", ".join(display(v) for v in values)
        groups.setdefault(name.lower(), []).append(item)
        names.setdefault(name.lower(), name)
    out = []
    for key, members in groups.items():
        record = {"Count": len(members), "Name": names[key]}
        if not args.get("NoElement"):
            record["Group"] = members
        out.append(Record("GroupInfo", record))
    return sorted(out, key=lambda r: r["Name"].lower())


# -- formatting and output -------------------------------------------------------------------------
def format_table_cmd(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    props = [to_string(p) for p in _names(args.get("Property"))] or None
    text = format_table(_items(items), props, shell.width, bool(args.get("HideTableHeaders")))
    return [Formatted(text)] if text else []


def format_list_cmd(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    props = [to_string(p) for p in _names(args.get("Property"))] or None
    text = format_list(_items(items), props)
    return [Formatted(text)] if text else []


def out_string(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    return [format_default(_items(items), shell.width)]


def write_output(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    value = args.get("InputObject")
    if value is None:
        return _items(items)
    return value if isinstance(value, list) else [value]


def write_host(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    value = args.get("Object", items)
    shell.write(to_string(value))
    return []


def get_date(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    return [shell.now()]


def start_sleep(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    seconds = (args.get("Seconds") or 0) + (args.get("Milliseconds") or 0) / 1000
    shell.sleep(float(seconds))
    return []


def get_history(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    entries = [
        Record("HistoryInfo", {"Id": i + 1, "CommandLine": line})
        for i, line in enumerate(shell.history)
    ]
    count = args.get("Count")
    return entries[-count:] if count else ([] if count == 0 else entries)


def clear_host(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    return []


_CMP = tuple(LocalParam(op, "switch") for op in _OPERATORS)

LOCAL_COMMANDS: tuple[LocalCommand, ...] = (
    LocalCommand(
        "Where-Object",
        (
            LocalParam("FilterScript", "script", 0),
            LocalParam("Property", "value", 0),
            LocalParam("Value", "value", 1),
            *_CMP,
        ),
        where_object,
        ("?", "where"),
    ),
    LocalCommand(
        "ForEach-Object",
        (
            LocalParam("Process", "script", 0),
            LocalParam("MemberName", "value", 0),
            LocalParam("Begin", "script"),
            LocalParam("End", "script"),
        ),
        foreach_object,
        ("%", "foreach"),
    ),
    LocalCommand(
        "Select-Object",
        (
            LocalParam("Property", "list", 0),
            LocalParam("ExpandProperty"),
            LocalParam("First", type="int", low=0),
            LocalParam("Last", type="int", low=0),
            LocalParam("Skip", type="int", low=0),
            LocalParam("Unique", "switch"),
        ),
        select_object,
        ("select",),
    ),
    LocalCommand(
        "Sort-Object",
        (
            LocalParam("Property", "list", 0),
            LocalParam("Descending", "switch"),
            LocalParam("Unique", "switch"),
        ),
        sort_object,
        ("sort",),
    ),
    LocalCommand(
        "Measure-Object",
        (
            LocalParam("Property", "value", 0),
            LocalParam("Sum", "switch"),
            LocalParam("Average", "switch"),
            LocalParam("Maximum", "switch"),
            LocalParam("Minimum", "switch"),
        ),
        measure_object,
        ("measure",),
    ),
    LocalCommand(
        "Group-Object",
        (LocalParam("Property", "list", 0), LocalParam("NoElement", "switch")),
        group_object,
        ("group",),
    ),
    LocalCommand(
        "Format-Table",
        (
            LocalParam("Property", "list", 0),
            LocalParam("AutoSize", "switch"),
            LocalParam("Wrap", "switch"),
            LocalParam("HideTableHeaders", "switch"),
        ),
        format_table_cmd,
        ("ft",),
        prints=True,
    ),
    LocalCommand(
        "Format-List", (LocalParam("Property", "list", 0),), format_list_cmd, ("fl",), prints=True
    ),
    LocalCommand(
        "Out-String",
        (LocalParam("Width", type="int", low=2), LocalParam("Stream", "switch")),
        out_string,
        prints=True,
    ),
    LocalCommand(
        "Write-Output", (LocalParam("InputObject", "list", 0),), write_output, ("echo", "write")
    ),
    LocalCommand(
        "Write-Host",
        (LocalParam("Object", "value", 0), LocalParam("NoNewline", "switch")),
        write_host,
    ),
    LocalCommand("Get-Date", (LocalParam("Date", "value", 0),), get_date),
    LocalCommand(
        "Start-Sleep",
        (
            # Windows PowerShell 5.1: [int] Seconds in 0..[int]::MaxValue/1000
            LocalParam("Seconds", "value", 0, type="int", low=0, high=2**31 // 1000),
            LocalParam("Milliseconds", type="int", low=0, high=2**31 - 1),
        ),
        start_sleep,
        ("sleep",),
    ),
    LocalCommand(
        "Get-History",
        (LocalParam("Count", "value", 0, type="int", low=1, high=32767),),
        get_history,
        ("h", "history", "ghy"),
    ),
    LocalCommand("Clear-Host", (), clear_host, ("cls", "clear")),
)

COMMANDS: dict[str, LocalCommand] = {}
for _command in LOCAL_COMMANDS:
    COMMANDS[_command.name.lower()] = _command
    for _alias in _command.aliases:
        COMMANDS[_alias.lower()] = _command

REMOTE_ALIASES = {"gcm": "Get-Command", "help": "Get-Help"}
