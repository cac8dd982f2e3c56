"""The cmdlet registry: each cmdlet is one function registered with `@cmdlet(name,
params=[...], roles=...)`, naming the built-in management roles that carry it (rbac.py builds
their entries from here). A `Param` carries its .NET type name, the parameter sets it belongs
to, where it is mandatory, its position, whether it takes pipeline input and from which
Exchange version it exists; a `CmdletSpec` what Get-Command and Get-Help show of it (its
syntax per parameter set, version by version). Binding arguments to these parameters is
`binding.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.exchange import policy_settings
from simulator.exchange.versions import ExchangeVersion

COMMON_PARAMETERS: dict[str, str] = {
    **{
        p.lower(): p
        for p in (
            "Verbose",
            "Debug",
            "ErrorAction",
            "WarningAction",
            "ErrorVariable",
            "WarningVariable",
            "OutVariable",
            "OutBuffer",
            "InformationAction",
            "InformationVariable",
            "PipelineVariable",
        )
    },
    "ea": "ErrorAction",
    "wa": "WarningAction",
    "ev": "ErrorVariable",
    "wv": "WarningVariable",
    "ov": "OutVariable",
    "vb": "Verbose",
    "db": "Debug",
}
UNLIMITED = "Unlimited"
ALL: frozenset[str] = frozenset({"*"})
ALL_SETS = "__AllParameterSets"  # PowerShell's name for the one set of a cmdlet without sets

_DEFAULT_PS_TYPE = {
    "string": "String",
    "identity": "String",
    "bool": "Boolean",
    "switch": "SwitchParameter",
    "int": "Int32",
    "resultsize": "Unlimited",
    "multivalued": "MultiValuedProperty",
    "datetime": "ExDateTime",
    "enum": "String",
    "enum_list": "String[]",
    "fqdn": "Fqdn",
    "smtp": "SmtpAddress",
    "object": "Object",
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # see _DEFAULT_PS_TYPE, plus "setting" (a mailbox policy setting)
    ps_type: str = ""  # the .NET type name Get-Command -Syntax shows; derived when empty
    sets: tuple[str, ...] = ()  # parameter sets it belongs to; empty = every set
    mandatory: bool = False  # mandatory in every set it belongs to
    mandatory_in: tuple[str, ...] = ()  # mandatory only in these sets
    position: int | None = None
    pipeline: bool = False  # ValueFromPipeline (an Identity, or an object of `pipeline_types`)
    pipeline_types: tuple[str, ...] = ()  # output object types that bind to it by Identity
    choices: tuple[str, ...] = ()
    since: tuple[int, int] = (8, 0)  # first Exchange (major, minor) that has it
    until: int = 99  # last Exchange major that has it
    max_length: int | None = None
    setting: policy_settings.Setting | None = None

    def available(self, version: ExchangeVersion) -> bool:
        return self.since <= version.major_minor and version.major <= self.until

    def mandatory_for(self, parameter_set: str) -> bool:
        if self.mandatory:
            return not self.sets or parameter_set in self.sets
        return parameter_set in self.mandatory_in

    def in_set(self, parameter_set: str) -> bool:
        return not self.sets or parameter_set in self.sets

    @property
    def type_name(self) -> str:
        if self.ps_type:
            return self.ps_type
        if self.setting is not None:
            return self.setting.ps_type
        return _DEFAULT_PS_TYPE.get(self.type, "Object")


@dataclass
class CmdletSpec:
    name: str
    fn: Callable[..., Any]
    params: dict[str, Param] = field(default_factory=dict)  # lower name -> Param
    default_set: str = "Identity"
    since: tuple[int, int] = (14, 0)
    until: int = 99
    confirm_impact: str = "Medium"  # None, Low, Medium, High
    output_type: str = ""  # the object type it returns (formatting, pipeline binding)
    writes: bool = False  # recorded in the admin audit log
    noun: str = ""
    verb: str = ""
    #: the built-in management roles that carry it → the parameters each grants (`ALL` or
    #: names): the one source of the built-in roles' entries (rbac.built_in_entries)
    roles: dict[str, frozenset[str]] = field(default_factory=dict)

    def available(self, version: ExchangeVersion) -> bool:
        return self.since <= version.major_minor and version.major <= self.until

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    @property
    def summary(self) -> str:
        return self.doc.split("\n\n", 1)[0].replace("\n", " ").strip()

    def parameter_sets(self) -> list[str]:
        sets = sorted({s for p in self.params.values() for s in p.sets})
        if not sets:
            return [ALL_SETS]
        if self.default_set in sets:
            sets.remove(self.default_set)
            sets.insert(0, self.default_set)
        return sets

    def visible_params(self, version: ExchangeVersion, granted: frozenset[str]) -> list[Param]:
        every = "*" in granted
        return [
            p for p in self.params.values() if p.available(version) and (every or p.name in granted)
        ]

    def syntax(self, version: ExchangeVersion, granted: frozenset[str] = ALL) -> list[str]:
        """One line per parameter set, as `Get-Command -Syntax` prints them."""
        visible = self.visible_params(version, granted)
        lines = []
        for pset in self.parameter_sets():
            params = [p for p in visible if p.in_set(pset)]
            if not params and len(self.parameter_sets()) > 1:
                continue
            positional = sorted((p for p in params if p.position is not None), key=position_key)
            mandatory = [p for p in params if p.position is None and p.mandatory_for(pset)]
            optional = sorted(
                (p for p in params if p.position is None and not p.mandatory_for(pset)),
                key=lambda p: p.name.lower(),
            )
            parts = [_syntax_part(p, pset) for p in positional + mandatory + optional]
            lines.append(" ".join([self.name, *parts, "[<CommonParameters>]"]))
        return lines


def position_key(p: Param) -> int:
    """Positional parameters first, in position order (the syntax lines, positional binding)."""
    return p.position if p.position is not None else 1 << 30


def _syntax_part(p: Param, pset: str) -> str:
    if p.type == "switch":
        return f"-{p.name}" if p.mandatory_for(pset) else f"[-{p.name}]"
    name = f"[-{p.name}]" if p.position is not None else f"-{p.name}"
    text = f"{name} <{p.type_name}>"
    return text if p.mandatory_for(pset) else f"[{text}]"


REGISTRY: dict[str, CmdletSpec] = {}


def cmdlet(
    name: str,
    params: list[Param] | None = None,
    *,
    default_set: str = "Identity",
    since: tuple[int, int] = (14, 0),
    until: int = 99,
    confirm_impact: str | None = None,
    output_type: str = "",
    roles: Mapping[str, frozenset[str]] | Iterable[str] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a cmdlet. Set/New/Remove/Clear/Add cmdlets get -WhatIf and -Confirm, are
    audited, and have ConfirmImpact Medium unless told otherwise.

    `roles` names the built-in management roles whose entries include it, as Exchange's role
    definitions list them: role names (each granting every parameter), or role → the
    parameters it grants. Without a role no session is granted the cmdlet."""
    verb, noun = name.split("-", 1)
    writes = verb in ("Set", "New", "Remove", "Clear", "Add")
    impact = confirm_impact or ("Medium" if writes else "None")

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        all_params = list(params or [])
        if writes:
            all_params += [Param("WhatIf", "switch"), Param("Confirm", "switch")]
        REGISTRY[name.lower()] = CmdletSpec(
            name=name,
            fn=fn,
            params={p.name.lower(): p for p in all_params},
            default_set=default_set,
            since=since,
            until=until,
            confirm_impact=impact,
            output_type=output_type,
            writes=writes and name != "Set-ADServerSettings",
            noun=noun,
            verb=verb,
            roles=(
                {role: frozenset(granted) for role, granted in roles.items()}
                if isinstance(roles, Mapping)
                else dict.fromkeys(roles, ALL)
            ),
        )
        return fn

    return register


def lookup(name: str) -> CmdletSpec | None:
    return REGISTRY.get(name.lower())
