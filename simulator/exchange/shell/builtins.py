"""The PowerShell commands the shell runs locally, as a real Exchange Management Shell does
(they are PowerShell's, not Exchange's, so RBAC does not apply): Where-Object, ForEach-Object,
Select-Object, Sort-Object, Measure-Object, Group-Object, Format-Table, Format-List,
Out-String, Write-Output, Write-Host, Get-Date (the simulated clock), Start-Sleep (advances
the simulated clock), Get-History and Clear-Host, with their usual aliases.

This module is their list — each command's parameters, aliases and function — with the
formatting, output and host commands; the object-pipeline ones are in `object_commands.py`
and the binding in `local_commands.py`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.exchange.shell.formatting import Formatted, format_default, format_list, format_table
from simulator.exchange.shell.local_commands import LocalCommand, LocalParam, items_of, listed
from simulator.exchange.shell.object_commands import (
    OPERATORS,
    foreach_object,
    group_object,
    measure_object,
    select_object,
    sort_object,
    where_object,
)
from simulator.exchange.shell.values import to_string
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.shell.interpreter import ExchangeShell


# -- formatting and output -------------------------------------------------------------------------
def format_table_cmd(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    props = [to_string(p) for p in listed(args.get("Property"))] or None
    text = format_table(items_of(items), props, shell.width, bool(args.get("HideTableHeaders")))
    return [Formatted(text)] if text else []


def format_list_cmd(
    shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]
) -> list[Any]:
    props = [to_string(p) for p in listed(args.get("Property"))] or None
    text = format_list(items_of(items), props)
    return [Formatted(text)] if text else []


def out_string(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    return [format_default(items_of(items), shell.width)]


def write_output(shell: ExchangeShell, items: list[Any] | None, args: dict[str, Any]) -> list[Any]:
    value = args.get("InputObject")
    if value is None:
        return items_of(items)
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


_CMP = tuple(LocalParam(op, "switch") for op in OPERATORS)

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
