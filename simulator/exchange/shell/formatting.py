"""Output laid out like the Exchange Management Shell's: default views per object type (a
table for CAS mailboxes, recipients, servers and commands, a list for devices, statistics,
policies and settings, as Exchange's format files have them), and Format-Table /
Format-List with PowerShell's spacing — a blank line, headers underlined with dashes as long
as the header, one space between columns, numbers right-aligned, cut values ending in `...`;
lists as `Name : Value` padded to the longest name, one blank line between objects."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from simulator.exchange.shell.values import display, get_member

TABLE_VIEWS: dict[str, tuple[str, ...]] = {
    "CASMailbox": (
        "Name",
        "ActiveSyncEnabled",
        "OWAEnabled",
        "PopEnabled",
        "ImapEnabled",
        "MAPIEnabled",
    ),
    "ReducedRecipient": ("Name", "RecipientType"),
    "ExchangeServer": ("Name", "Site", "ServerRole", "Edition", "AdminDisplayVersion"),
    "CommandInfo": ("CommandType", "Name", "ModuleName"),
    "GroupInfo": ("Count", "Name", "Group"),
    "HistoryInfo": ("Id", "CommandLine"),
    "ActiveSyncDeviceAccessRule": ("Name", "AccessLevel", "Characteristic", "QueryString"),
    "AdminAuditLogEvent": ("RunDate", "Caller", "CmdletName", "ObjectModified", "Succeeded"),
    "ExchangeRole": ("Name", "RoleType"),
    "ExchangeRoleEntryPresentation": ("Name", "Role", "Parameters"),
    "ExchangeRoleAssignmentPresentation": (
        "Name",
        "Role",
        "RoleAssigneeName",
        "RoleAssigneeType",
        "AssignmentMethod",
    ),
    "RoleGroup": ("Name", "AssignedRoles", "RoleAssignments", "ManagedBy"),
}


class Formatted(str):
    """Text already laid out by Format-Table / Format-List (printed as it is)."""


def properties_of(item: Any) -> list[str]:
    if isinstance(item, dict):
        return [str(k) for k in item]
    return []


def _expand(columns: Iterable[str], sample: list[Any]) -> list[str]:
    """Resolve `*` wildcards and case against the objects' own property names."""
    names: list[str] = []
    for item in sample[:1]:
        names = properties_of(item)
    out: list[str] = []
    for column in columns:
        if any(ch in column for ch in "*?"):
            out.extend(
                n for n in names if fnmatch.fnmatchcase(n.lower(), column.lower()) and n not in out
            )
        else:
            match = next((n for n in names if n.lower() == column.lower()), column)
            out.append(match)
    return out


def _value(item: Any, column: str) -> Any:
    return get_member(item, column) if isinstance(item, dict) else (item if column == "" else None)


def format_table(
    items: list[Any], columns: list[str] | None, width: int, hide_headers: bool = False
) -> str:
    if not items:
        return ""
    cols = _expand(columns, items) if columns else default_columns(items[0])
    rows = [[_value(item, c) for c in cols] for item in items]
    texts = [[display(v).replace("\n", " ") for v in row] for row in rows]
    numeric = [
        all(
            isinstance(row[i], int | float) and not isinstance(row[i], bool)
            for row in rows
            if row[i] is not None
        )
        and any(row[i] is not None for row in rows)
        for i in range(len(cols))
    ]
    widths = [max([len(c)] + [len(t[i]) for t in texts]) for i, c in enumerate(cols)]
    budget = width - (len(cols) - 1)
    while sum(widths) > budget and max(widths) > 6:
        widest = widths.index(max(widths))
        widths[widest] -= 1

    def cell(text: str, i: int) -> str:
        w = widths[i]
        if len(text) > w:
            text = text[: max(w - 3, 0)] + "..." if w > 3 else text[:w]
        return text.rjust(w) if numeric[i] else text.ljust(w)

    lines = [""]
    if not hide_headers:
        lines.append(" ".join(cell(c, i) for i, c in enumerate(cols)).rstrip())
        lines.append(
            " ".join(
                ("-" * min(len(c), widths[i])).rjust(widths[i])
                if numeric[i]
                else ("-" * min(len(c), widths[i])).ljust(widths[i])
                for i, c in enumerate(cols)
            ).rstrip()
        )
    for t in texts:
        lines.append(" ".join(cell(text, i) for i, text in enumerate(t)).rstrip())
    lines += ["", ""]
    return "\n".join(lines)


def format_list(items: list[Any], columns: list[str] | None) -> str:
    if not items:
        return ""
    lines = [""]
    for item in items:
        if not isinstance(item, dict):
            lines += [display(item), ""]
            continue
        cols = _expand(columns, [item]) if columns else properties_of(item)
        pad = max((len(c) for c in cols), default=0)
        for c in cols:
            text = display(_value(item, c))
            first, *rest = text.split("\n") if text else [""]
            lines.append(f"{c.ljust(pad)} : {first}".rstrip())
            lines.extend(" " * (pad + 3) + more for more in rest)
        lines.append("")
    lines.append("")
    return "\n".join(lines)


def default_columns(item: Any) -> list[str]:
    type_ = getattr(item, "type_name", None)
    if type_ in TABLE_VIEWS:
        present = {k.lower() for k in properties_of(item)}
        return [c for c in TABLE_VIEWS[type_] if c.lower() in present]
    return properties_of(item)


def uses_table(item: Any) -> bool:
    """Exchange's format files give some types a table; without one, PowerShell uses a table
    for objects of at most four properties and a list otherwise."""
    type_ = getattr(item, "type_name", None)
    if type_ in TABLE_VIEWS:
        return True
    return isinstance(item, dict) and len(item) <= 4


def format_default(items: list[Any], width: int) -> str:
    """What Out-Default prints for a pipeline's output."""
    chunks: list[str] = []
    group: list[Any] = []

    def flush() -> None:
        if not group:
            return
        first = group[0]
        if isinstance(first, dict) and not getattr(first, "type_name", None):
            rows = [{"Name": k, "Value": v} for table in group for k, v in table.items()]
            chunks.append(format_table(rows, ["Name", "Value"], width))
        elif uses_table(first):
            chunks.append(format_table(group, None, width))
        else:
            chunks.append(format_list(group, None))
        group.clear()

    for item in items:
        if isinstance(item, Formatted):
            flush()
            chunks.append(str(item))
        elif isinstance(item, dict):
            if group and (getattr(group[0], "type_name", None) != getattr(item, "type_name", None)):
                flush()
            group.append(item)
        else:
            flush()
            chunks.append(_scalar(item))
    flush()
    return "\n".join(chunks)


def _scalar(value: Any) -> str:
    if isinstance(value, datetime):
        hour = value.hour % 12 or 12
        return (
            f"\n{value.strftime('%A, %B')} {value.day}, {value.year} {hour}:{value.minute:02d}:"
            f"{value.second:02d} {'AM' if value.hour < 12 else 'PM'}\n\n"
        )
    return display(value) if not isinstance(value, str) else value
