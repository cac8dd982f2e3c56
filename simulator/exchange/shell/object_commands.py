"""The object-pipeline commands of PowerShell the shell twin runs locally: Where-Object and
ForEach-Object (script blocks with `$_`, or the simplified `-Property -EQ value` syntax),
Select-Object (properties, calculated properties, -ExpandProperty, -First/-Last/-Skip,
-Unique), Sort-Object (PowerShell's ordering across types), Measure-Object and Group-Object.

Their parameters and aliases are listed with the other local commands in `builtins.py`.
"""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import ParameterBindingError
from simulator.exchange.shell.local_commands import items_of, listed
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

#: The comparison switches of the simplified syntax (`Where-Object Name -EQ x`).
OPERATORS = (
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
        return [item for item in items_of(items) if is_true(shell.invoke_block(script, item))]
    prop = args.get("Property")
    if prop is None:
        raise ParameterBindingError(
            "Cannot process command because of one or more missing mandatory parameters: FilterScript."
        )
    ops = [op for op in OPERATORS if args.get(op)]
    value = args.get("Value", True)
    out = []
    for item in items_of(items):
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
    for item in items_of(items):
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
    data = items_of(items)
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
    props = listed(args.get("Property"))
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
    props = listed(args.get("Property"))

    def key(item: Any) -> tuple[Any, ...]:
        if not props:
            return (_sort_key(item if not isinstance(item, dict) else display(item)),)
        return tuple(_sort_key(_property_value(shell, item, p)[1]) for p in props)

    data = sorted(items_of(items), key=key, reverse=bool(args.get("Descending")))
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
    data = items_of(items)
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
    props = listed(args.get("Property"))
    groups: dict[str, list[Any]] = {}
    names: dict[str, str] = {}
    for item in items_of(items):
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
