"""PowerShell's parameter binding for the cmdlets of the registry.

Binding follows PowerShell's steps: named arguments (unique prefixes allowed, as in
PowerShell), then positional arguments in position order, then the parameter set (the
default set when several fit), then mandatory parameters, converting each value to its type
on the way. A parameter the cmdlet lacks on this server's version, or that the caller's roles
do not grant, does not exist for the caller: PowerShell's own "A parameter cannot be found"
error.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.exchange import policy_settings
from simulator.exchange.addresses import invalid_smtp_detail, is_smtp
from simulator.exchange.errors import (
    AmbiguousParameter,
    AmbiguousParameterSet,
    ArgumentTransformationError,
    InvalidArgument,
    MissingMandatoryParameter,
    ParameterBindingError,
    ParameterNotFound,
    PositionalParameterNotFound,
    PropertyTooLong,
)
from simulator.exchange.opath import parse_date
from simulator.exchange.registry import (
    COMMON_PARAMETERS,
    UNLIMITED,
    CmdletSpec,
    Param,
    position_key,
)
from simulator.exchange.versions import ExchangeVersion


# -- conversion ----------------------------------------------------------------------------------
def _identity_text(value: Any) -> Any:
    """An identity parameter takes a string, or an output object (its Identity)."""
    if isinstance(value, dict):
        return str(value.get("Identity", ""))
    if isinstance(value, list | tuple):
        if len(value) == 1:
            return _identity_text(value[0])
        return value
    return None if value is None else str(value)


def _to_bool(param: Param, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    text = str(value).lower()
    if text in ("$true", "true", "1"):
        return True
    if text in ("$false", "false", "0"):
        return False
    raise ArgumentTransformationError(param.name, value, "System.Boolean")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return [str(value)]


def convert(param: Param, value: Any) -> Any:
    """Convert one argument to the parameter's type (PowerShell's argument transformation)."""
    kind = param.type
    if param.setting is not None:
        return policy_settings.parse(param.setting, value, param.name)
    if kind == "switch":
        return True if value is None else _to_bool(param, value)
    if kind == "bool":
        return _to_bool(param, value)
    if kind == "identity":
        result = _identity_text(value)
        if isinstance(result, list | tuple):
            raise ArgumentTransformationError(
                param.name, " ".join(map(str, result)), param.type_name
            )
        if result == "":  # an empty string, or a piped object without an Identity
            raise ArgumentTransformationError(
                param.name,
                "",
                param.type_name,
                f"Parameter values of type {param.type_name} can't be empty. Specify a value, "
                "and try again.",
            )
        return result
    if kind == "int":
        try:
            return int(value)
        except (TypeError, ValueError, OverflowError):
            raise ArgumentTransformationError(param.name, value, "System.Int32") from None
    if kind == "resultsize":
        if isinstance(value, str) and value.strip().lower() == "unlimited":
            return UNLIMITED
        try:
            size = int(value)
        except (TypeError, ValueError, OverflowError):
            raise ArgumentTransformationError(
                param.name, value, "Microsoft.Exchange.Data.Unlimited`1[System.UInt32]"
            ) from None
        if size <= 0:
            raise InvalidArgument("Result size must be greater than 0 or 'Unlimited'.")
        return size
    if kind in ("enum", "enum_list"):
        values = _as_list(value) if kind == "enum_list" else [value]
        out = []
        for v in values:
            match = next((c for c in param.choices if str(v).lower() == c.lower()), None)
            if match is None:
                raise ArgumentTransformationError(
                    param.name,
                    v,
                    param.type_name,
                    f"Unable to match the identifier name {v} to a valid enumerator name. Specify one "
                    f"of the following enumerator names and try again: {', '.join(param.choices)}",
                )
            out.append(match)
        return out if kind == "enum_list" else out[0]
    if kind == "multivalued":
        if value is None:
            return None
        if isinstance(value, dict):
            lowered = {str(k).lower(): v for k, v in value.items()}
            unknown = sorted(set(lowered) - {"add", "remove"})
            if unknown:
                raise ArgumentTransformationError(
                    param.name,
                    "System.Collections.Hashtable",
                    param.type_name,
                    f"The hash table key '{unknown[0]}' is not valid: use Add or Remove.",
                )
            return {k: _as_list(v) for k, v in lowered.items()}
        return _as_list(value)
    if kind == "datetime":
        if isinstance(value, datetime):
            return value
        parsed = parse_date(str(value))
        if parsed is None:
            raise ArgumentTransformationError(param.name, value, "System.DateTime")
        return parsed
    if kind == "object":
        return value
    if value is None:
        return None
    if isinstance(value, list | tuple):
        text = " ".join(str(v) for v in value)
    else:
        text = value if isinstance(value, str) else str(value)
    if param.max_length is not None and len(text) > param.max_length:
        raise PropertyTooLong(param.max_length, len(text))
    if kind == "fqdn" and (not text or " " in text.strip()):
        raise ArgumentTransformationError(param.name, value, "Microsoft.Exchange.Data.Fqdn")
    if kind == "smtp" and not is_smtp(text):
        raise ArgumentTransformationError(
            param.name, value, "Microsoft.Exchange.Data.SmtpAddress", invalid_smtp_detail(text)
        )
    return text


# -- binding ----------------------------------------------------------------------------------------
@dataclass
class Bound:
    parameter_set: str
    values: dict[str, Any]  # canonical parameter name -> converted value
    common: dict[str, Any]  # ErrorAction, WarningAction, ...


def _resolve_name(
    spec: CmdletSpec, given: str, visible: dict[str, Param]
) -> tuple[Param | None, str | None]:
    key = given.lstrip("-").lower()
    if key in visible:
        return visible[key], None
    if key in COMMON_PARAMETERS:
        return None, COMMON_PARAMETERS[key]
    matches = [p for name, p in visible.items() if name.startswith(key)] if key else []
    if len(matches) == 1:
        return matches[0], None
    if len(matches) > 1:
        raise AmbiguousParameter(given.lstrip("-"), sorted(p.name for p in matches))
    common = [c for c in dict.fromkeys(COMMON_PARAMETERS.values()) if c.lower().startswith(key)]
    if key and len(common) == 1:
        return None, common[0]
    raise ParameterNotFound(spec.name, given.lstrip("-"))


class _Shape:
    """What binding needs of one cmdlet for one version and one grant, worked out once: the
    parameters the caller can name, the parameter sets, and each set's mandatory parameters
    (a session binds the same few cmdlets thousands of times)."""

    __slots__ = ("spec", "version", "visible", "sets", "_mandatory")

    def __init__(self, spec: CmdletSpec, granted: frozenset[str], version: ExchangeVersion) -> None:
        every = "*" in granted
        self.spec = spec  # kept so the key's id() cannot be reused while this entry lives
        self.version = version
        self.visible = {
            key: p
            for key, p in spec.params.items()
            if p.available(version) and (every or p.name in granted)
        }
        self.sets = spec.parameter_sets()
        self._mandatory: dict[str, list[str]] = {}

    def mandatory(self, parameter_set: str) -> list[str]:
        """The set's mandatory parameters available on the version, in declaration order."""
        names = self._mandatory.get(parameter_set)
        if names is None:
            names = self._mandatory[parameter_set] = [
                p.name
                for p in self.spec.params.values()
                if p.available(self.version) and p.mandatory_for(parameter_set)
            ]
        return names


_SHAPES: dict[tuple[int, ExchangeVersion, frozenset[str]], _Shape] = {}


def _shape(spec: CmdletSpec, granted: frozenset[str], version: ExchangeVersion) -> _Shape:
    key = (id(spec), version, granted)
    shape = _SHAPES.get(key)
    if shape is None or shape.spec is not spec:
        if len(_SHAPES) >= 4096:  # specs, versions and grants are few; never grow without end
            _SHAPES.clear()
        shape = _SHAPES[key] = _Shape(spec, granted, version)
    return shape


def bind(
    spec: CmdletSpec,
    named: dict[str, Any] | Iterable[tuple[str, Any]],
    granted: frozenset[str],
    version: ExchangeVersion,
    positional: list[Any] | None = None,
) -> Bound:
    """Bind arguments as PowerShell does; raise its binding errors."""
    shape = _shape(spec, granted, version)
    visible = shape.visible
    values: dict[str, Any] = {}
    common: dict[str, Any] = {}
    pairs = named.items() if isinstance(named, dict) else named
    for given, value in pairs:
        param, common_name = _resolve_name(spec, given, visible)
        if common_name is not None:
            common[common_name] = value
            continue
        assert param is not None
        if param.name in values:
            raise ParameterBindingError(
                f"Cannot bind parameter because parameter '{param.name}' is specified more than once. "
                "To provide multiple values to parameters that can accept multiple values, use the array "
                'syntax. For example, "-parameter value1,value2,value3".'
            )
        values[param.name] = convert(param, value)
    candidates = [s for s in shape.sets if all(spec.params[n.lower()].in_set(s) for n in values)]
    if not candidates:
        raise AmbiguousParameterSet()
    for arg in positional or ():
        slot = next(
            (
                p
                for p in sorted(visible.values(), key=position_key)
                if p.position is not None
                and p.name not in values
                and any(p.in_set(s) for s in candidates)
            ),
            None,
        )
        if slot is None:
            raise PositionalParameterNotFound(_show_arg(arg))
        values[slot.name] = convert(slot, arg)
        candidates = [s for s in candidates if slot.in_set(s)]
    chosen = _choose_set(spec, candidates, values)
    missing = [name for name in shape.mandatory(chosen) if name not in values]
    if missing:
        raise MissingMandatoryParameter(missing)
    for name in shape.mandatory(chosen):
        if values[name] is None:  # `-Identity $null`, or $null piped in
            error = ParameterBindingError(
                f"Cannot bind argument to parameter '{name}' because it is null."
            )
            error.error_id = "ParameterArgumentValidationErrorNullNotAllowed"
            raise error
    return Bound(chosen, values, common)


def _choose_set(spec: CmdletSpec, candidates: list[str], values: dict[str, Any]) -> str:
    if len(candidates) == 1:
        return candidates[0]
    complete = [
        s
        for s in candidates
        if all(p.name in values for p in spec.params.values() if p.mandatory_for(s))
    ]
    if spec.default_set in candidates and (spec.default_set in complete or not complete):
        return spec.default_set
    if len(complete) == 1:
        return complete[0]
    if spec.default_set in candidates:
        return spec.default_set
    raise AmbiguousParameterSet()


def _show_arg(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(map(str, value))
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return str(value)
