"""Local PowerShell commands as the shell twin binds them: a command's parameters (value,
switch, script block or list; positions; `[int]` with ValidateRange) and PowerShell's
binding of named arguments (unique prefixes) and positional ones, with its error messages.

The mechanism under `builtins.py` (which lists the commands) and `object_commands.py`; the
Exchange cmdlets bind in the session instead (`registry.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from simulator.exchange.errors import AmbiguousParameter, ParameterBindingError, ParameterNotFound
from simulator.exchange.shell.arithmetic import as_int32
from simulator.exchange.shell.values import ScriptBlockValue, ShellRuntimeError, is_true, to_string

if TYPE_CHECKING:
    from simulator.exchange.shell.interpreter import ExchangeShell


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


def listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def items_of(items: list[Any] | None) -> list[Any]:
    return list(items or [])
