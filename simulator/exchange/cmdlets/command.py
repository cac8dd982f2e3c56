"""Get-Command and Get-Help: the two commands every remote Exchange session offers."""

from __future__ import annotations

import fnmatch
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import CommandNotFound, ObjectNotFound
from simulator.exchange.registry import Param, cmdlet, lookup
from simulator.exchange.views import Record

if TYPE_CHECKING:
    from simulator.exchange.invocation import Invocation


def _matches(value: str, patterns: list[str] | None) -> bool:
    return not patterns or any(fnmatch.fnmatchcase(value.lower(), p.lower()) for p in patterns)


@cmdlet(
    "Get-Command",
    [
        Param("Name", "multivalued", ps_type="String[]", position=0, pipeline=True),
        Param("Noun", "multivalued", ps_type="String[]"),
        Param("Verb", "multivalued", ps_type="String[]"),
        Param("Module", "multivalued", ps_type="String[]"),
        Param("CommandType", "string", ps_type="CommandTypes"),
        Param("Syntax", "switch"),
        Param("TotalCount", "int"),
        Param("ArgumentList", "object", ps_type="Object[]"),
    ],
    since=(8, 0),
    default_set="CmdletSet",
    output_type="CommandInfo",
)
def get_command(
    ctx: Invocation,
    Name: list[str] | None = None,
    Noun: list[str] | None = None,
    Verb: list[str] | None = None,
    Syntax: bool = False,
    TotalCount: int | None = None,
    **_: Any,
) -> list[Any]:
    """Lists the commands of the session — only those the caller's roles grant, with only the
    granted parameters; the connector uses it to probe its permissions.

    Emulated: -Name/-Noun/-Verb with wildcards, -Syntax (one syntax line per parameter set),
    -TotalCount; a name without wildcards that the session lacks is "not recognized".
    Not emulated: -Module, -CommandType and -ArgumentList are accepted and ignored.
    """
    out: list[Any] = []
    session = ctx.session
    for name in session.available_cmdlets():
        verb, noun = name.split("-", 1)
        if not (_matches(name, Name) and _matches(noun, Noun) and _matches(verb, Verb)):
            continue
        spec = lookup(name)
        grant = session.grant(name)
        if spec is None or grant is None:
            continue
        syntax = spec.syntax(ctx.version, grant.parameters)
        if Syntax:
            out.extend(syntax)
            continue
        out.append(
            Record(
                "CommandInfo",
                {
                    "CommandType": "Cmdlet",
                    "Name": name,
                    "ModuleName": "",
                    "Verb": verb,
                    "Noun": noun,
                    "Definition": "\n".join(syntax),
                    "Parameters": [
                        p.name for p in spec.visible_params(ctx.version, grant.parameters)
                    ],
                },
            )
        )
    for pattern in Name or ():
        if not any(ch in pattern for ch in "*?[") and not any(
            (r if isinstance(r, str) else r["Name"]).lower() == pattern.lower()
            or (isinstance(r, str) and r.lower().startswith(pattern.lower() + " "))
            for r in out
        ):
            raise CommandNotFound(pattern)
    return out[:TotalCount] if TotalCount else out


@cmdlet(
    "Get-Help",
    [
        Param("Name", position=0),
        Param("Full", "switch"),
        Param("Detailed", "switch"),
        Param("Examples", "switch"),
        Param("Parameter", "string"),
    ],
    since=(8, 0),
    default_set="AllUsersView",
)
def get_help(
    ctx: Invocation, Name: str | None = None, Full: bool = False, Detailed: bool = False, **_: Any
) -> list[str]:
    """Shows a command's synopsis and syntax as this session offers it.

    Emulated: NAME, SYNOPSIS, SYNTAX and (with -Full or -Detailed) the twin's description.
    Not emulated: examples and per-parameter help text.
    """
    if not Name:
        return [
            "TOPIC\n    Exchange Management Shell help\n\nSHORT DESCRIPTION\n    Get-Help <cmdlet> shows a "
            "cmdlet's syntax; Get-Command lists the cmdlets you may run."
        ]
    grant = ctx.session.grant(Name)
    spec = lookup(Name)
    if grant is None or spec is None:
        raise ObjectNotFound(
            f"Get-Help could not find {Name} in a help file in this session. To download updated help "
            'topics type: "Update-Help".'
        )
    syntax = "\n\n".join(f"    {line}" for line in spec.syntax(ctx.version, grant.parameters))
    text = f"\nNAME\n    {spec.name}\n\nSYNOPSIS\n    {spec.summary}\n\nSYNTAX\n{syntax}\n"
    if Full or Detailed:
        body = spec.doc.split("\n\n", 1)[1] if "\n\n" in spec.doc else ""
        text += (
            "\nDESCRIPTION\n"
            + "\n".join(f"    {line.strip()}" for line in body.splitlines())
            + "\n"
        )
    return [text]
