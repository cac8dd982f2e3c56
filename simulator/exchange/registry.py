"""The cmdlet registry and PowerShell-style parameter binding.

Each cmdlet is one function registered with `@cmdlet(name, params=[...])`; its parameters
carry a type, the parameter sets they belong to and where they are mandatory. Binding turns
the caller's named arguments into typed values, refusing parameters the cmdlet does not have
or the caller's roles do not grant with PowerShell's own "A parameter cannot be found"
message, and checking mandatory parameters and parameter sets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import InvalidArgument, ParameterBindingError, ParameterNotFound

if TYPE_CHECKING:
    from simulator.exchange.session import Invocation

COMMON_PARAMETERS = frozenset(
    p.lower()
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
)
UNLIMITED = "Unlimited"


@dataclass(frozen=True)
class Param:
    name: str
    type: str = "string"  # string, bool, switch, int, resultsize, multivalued, datetime, enum, fqdn
    sets: tuple[str, ...] = ()  # parameter sets it belongs to; empty = every set
    mandatory: bool = False  # mandatory in every set it belongs to
    mandatory_in: tuple[str, ...] = ()  # mandatory only in these sets
    position: int | None = None
    choices: tuple[str, ...] = ()
    min_major: int = 0  # first Exchange major version that has it (14 = 2010, 15 = 2013)
    max_major: int = 99

    def mandatory_for(self, parameter_set: str) -> bool:
        if self.mandatory:
            return not self.sets or parameter_set in self.sets
        return parameter_set in self.mandatory_in


@dataclass
class CmdletSpec:
    name: str
    fn: Callable[..., list[dict[str, Any]] | None]
    params: dict[str, Param] = field(default_factory=dict)  # lower name -> Param
    default_set: str = "Identity"
    min_major: int = 14
    max_major: int = 99
    confirm_impact: str = "Medium"
    noun: str = ""
    verb: str = ""

    def available_on(self, major: int) -> bool:
        return self.min_major <= major <= self.max_major


REGISTRY: dict[str, CmdletSpec] = {}


def cmdlet(
    name: str,
    params: list[Param] | None = None,
    *,
    default_set: str = "Identity",
    min_major: int = 8,
    max_major: int = 99,
    confirm_impact: str = "Medium",
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        all_params = list(params or [])
        if confirm_impact != "None" and name.split("-")[0] in ("Set", "New", "Remove", "Clear"):
            all_params += [Param("WhatIf", "switch"), Param("Confirm", "bool")]
        verb, noun = name.split("-", 1)
        REGISTRY[name.lower()] = CmdletSpec(
            name,
            fn,
            {p.name.lower(): p for p in all_params},
            default_set,
            min_major,
            max_major,
            confirm_impact,
            noun,
            verb,
        )
        return fn

    return register


def lookup(name: str) -> CmdletSpec | None:
    return REGISTRY.get(name.lower())


def _convert(cmdlet_name: str, param: Param, value: Any) -> Any:
    kind = param.type
    if kind == "switch":
        return True if value is None else _to_bool(param, value)
    if kind == "bool":
        return _to_bool(param, value)
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise _transform(param, value, "System.Int32") from None
    if kind == "resultsize":
        if isinstance(value, str) and value.lower() == "unlimited":
            return UNLIMITED
        try:
            size = int(value)
        except (TypeError, ValueError):
            raise _transform(
                param, value, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]"
            ) from None
        if size <= 0:
            raise InvalidArgument("Result size must be greater than 0 or 'Unlimited'.")
        return size
    if kind == "enum":
        for choice in param.choices:
            if str(value).lower() == choice.lower():
                return choice
        raise ParameterBindingError(
            f"Cannot process argument transformation on parameter '{param.name}'. Cannot convert value "
            f'"{value}" to type "{param.name}". Error: "Unable to match the identifier name {value} to a '
            f"valid enumerator name. Specify one of the following enumerator names and try again: "
            f'{", ".join(param.choices)}"'
        )
    if kind == "multivalued":
        if value is None:
            return None
        if isinstance(value, dict):
            lowered = {str(k).lower(): v for k, v in value.items()}
            unknown = set(lowered) - {"add", "remove"}
            if unknown:
                raise ParameterBindingError(
                    f"Cannot process argument transformation on parameter '{param.name}'. The hash table key "
                    f"'{sorted(unknown)[0]}' is not valid; use Add or Remove."
                )
            return {k: _as_list(v) for k, v in lowered.items()}
        return _as_list(value)
    if kind == "datetime":
        if isinstance(value, datetime):
            return value
        from simulator.exchange.opath import parse_date

        parsed = parse_date(str(value))
        if parsed is None:
            raise _transform(param, value, "System.DateTime")
        return parsed
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set):
        return [str(v) for v in value]
    return [str(value)]


def _to_bool(param: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).lower()
    if text in ("$true", "true", "1"):
        return True
    if text in ("$false", "false", "0"):
        return False
    raise _transform(param, value, "System.Boolean")


def _transform(param: Param, value: Any, type_name: str) -> ParameterBindingError:
    return ParameterBindingError(
        f"Cannot process argument transformation on parameter '{param.name}'. Cannot convert value "
        f'"{value}" to type "{type_name}".'
    )


def bind(
    spec: CmdletSpec, raw: dict[str, Any], granted: frozenset[str], major: int
) -> tuple[str, dict[str, Any]]:
    """Bind named arguments; return (parameter set, canonical name → typed value)."""
    bound: dict[str, Any] = {}
    for given, value in raw.items():
        key = given.lstrip("-").lower()
        if key in COMMON_PARAMETERS:
            continue
        param = spec.params.get(key)
        if param is None or not (param.min_major <= major <= param.max_major):
            raise ParameterNotFound(spec.name, given.lstrip("-"))
        if "*" not in granted and param.name not in granted:
            raise ParameterNotFound(spec.name, given.lstrip("-"))
        bound[param.name] = _convert(spec.name, param, value)
    # choose the parameter set: the sets every bound parameter belongs to
    sets = {s for p in spec.params.values() for s in p.sets} or {spec.default_set}
    candidates = set(sets)
    for name in bound:
        p_sets = spec.params[name.lower()].sets
        if p_sets:
            candidates &= set(p_sets)
    if not candidates:
        raise ParameterBindingError(
            "Parameter set cannot be resolved using the specified named parameters."
        )
    chosen = spec.default_set if spec.default_set in candidates else sorted(candidates)[0]
    if len(candidates) > 1 and spec.default_set not in candidates:
        # prefer the set whose mandatory parameters are all given
        complete = [
            s
            for s in sorted(candidates)
            if all(p.name in bound for p in spec.params.values() if p.mandatory_for(s))
        ]
        chosen = complete[0] if complete else chosen
    missing = [
        p.name for p in spec.params.values() if p.mandatory_for(chosen) and p.name not in bound
    ]
    if missing:
        raise ParameterBindingError(
            f"Cannot process command because of one or more missing mandatory parameters: {' '.join(missing)}."
        )
    return chosen, bound


def call(spec: CmdletSpec, ctx: Invocation, params: dict[str, Any]) -> list[dict[str, Any]]:
    result = spec.fn(ctx, **params)
    return list(result or [])
