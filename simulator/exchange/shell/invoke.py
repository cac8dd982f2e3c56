"""Running one command of a pipeline in the shell twin: its arguments evaluated and split
into named and positional ones as PowerShell binds them (a parameter that is not a switch
takes the next argument), then either a local PowerShell command (`builtins`) or an
Exchange cmdlet in the remote session — once per piped object, each object bound by its
type or by identity (`-Mailbox`, `-Identity`). An Exchange error is non-terminating unless
`-ErrorAction Stop` or the error itself stops the statement; warnings are shown once per
command unless `-WarningAction SilentlyContinue`.

A part of `ExchangeShell` (interpreter.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.exchange.errors import (
    CommandNotFound,
    ExchangeError,
    ParameterBindingError,
    SessionBroken,
    Throttled,
)
from simulator.exchange.invocation import Prompter
from simulator.exchange.registry import COMMON_PARAMETERS, lookup
from simulator.exchange.session import RemoteSession
from simulator.exchange.shell import ast, limits
from simulator.exchange.shell.builtins import COMMANDS, REMOTE_ALIASES
from simulator.exchange.shell.local_commands import LocalCommand
from simulator.exchange.shell.values import ShellRuntimeError, to_string

_VALUE_COMMON = {
    "erroraction",
    "warningaction",
    "errorvariable",
    "warningvariable",
    "outvariable",
    "outbuffer",
    "informationaction",
    "informationvariable",
    "pipelinevariable",
}


class StatementStopped(Exception):
    """A terminating error: the rest of the statement does not run."""


class CommandRunner:
    """`ExchangeShell`'s commands (state made in the shell's `__init__`)."""

    session: RemoteSession
    prompter: Prompter | None
    _step: Callable[..., None]
    _eval: Callable[[ast.Node], Any]
    write: Callable[[str], None]
    _error: Callable[[ExchangeError, str, int, int], None]
    _runtime_error: Callable[[ShellRuntimeError, ast.Command | None], None]

    def _command(self, cmd: ast.Command, items: list[Any] | None, piped: bool) -> list[Any]:
        name = REMOTE_ALIASES.get(cmd.name.lower(), cmd.name)
        local = COMMANDS.get(name.lower())
        if local is not None:
            return self._local(local, cmd, items)
        return self._remote(name, cmd, items, piped)

    def _collect(
        self, cmd: ast.Command, is_switch: Callable[[str], bool | None]
    ) -> tuple[list[tuple[str, Any]], list[Any]]:
        """Evaluate a command's arguments: (named, positional). A parameter that is not a
        switch takes the next argument as its value, as PowerShell binds."""
        named: list[tuple[str, Any]] = []
        positional: list[Any] = []
        args = cmd.args
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if isinstance(arg, ast.Parameter):
                if arg.colon and arg.value is not None:
                    named.append((arg.name, self._eval(arg.value)))
                    continue
                kind = is_switch(arg.name)
                if arg.name.lower() in _VALUE_COMMON or kind is False:
                    if i < len(args) and not isinstance(args[i], ast.Parameter):
                        named.append((arg.name, self._eval(args[i])))
                        i += 1
                        continue
                    raise _BindingAt(
                        ParameterBindingError(
                            f"Missing an argument for parameter '{arg.name}'. Specify a parameter of the "
                            "required type and try again."
                        ),
                        arg.pos,
                        len(arg.name) + 1,
                    )
                named.append((arg.name, None))
            else:
                positional.append(self._eval(arg))
        return named, positional

    def _local(self, command: LocalCommand, cmd: ast.Command, items: list[Any] | None) -> list[Any]:
        try:
            named, positional = self._collect(cmd, command.is_switch)
            # common parameters (-ErrorAction, -Verbose, ...) change nothing for local commands
            named = [(n, v) for n, v in named if n.lower() not in COMMON_PARAMETERS]
            bound = command.bind(named, positional)
            self._step(len(items or []))
            if command.prints:
                self._step(limits.print_cost(items or []))
            result = command.run(self, items, bound)
            self._step(len(result))
            return result
        except _BindingAt as exc:
            self._error(exc.error, cmd.name, exc.pos, exc.length)
        except ExchangeError as exc:
            self._error(exc, command.name, cmd.pos, len(cmd.name))
        except ShellRuntimeError as exc:
            self._runtime_error(exc, cmd)
        raise StatementStopped

    def _remote_is_switch(self, name: str) -> Callable[[str], bool | None]:
        spec = lookup(name)
        grant = self.session.grant(name)

        def is_switch(given: str) -> bool | None:
            key = given.lower()
            if key in COMMON_PARAMETERS:
                return COMMON_PARAMETERS[key] in ("Verbose", "Debug")
            if spec is None or grant is None:
                return None
            params = spec.visible_params(self.session.server.version, grant.parameters)
            exact = [p for p in params if p.name.lower() == key]
            matches = exact or [p for p in params if p.name.lower().startswith(key)]
            return matches[0].type == "switch" if len(matches) == 1 else None

        return is_switch

    def _remote(
        self, name: str, cmd: ast.Command, items: list[Any] | None, piped: bool
    ) -> list[Any]:
        try:
            named, positional = self._collect(cmd, self._remote_is_switch(name))
        except _BindingAt as exc:
            self._error(exc.error, name, exc.pos, exc.length)
            raise StatementStopped from None
        error_action = _common(named, ("erroraction", "ea"))
        warning_action = _common(named, ("warningaction", "wa"))
        spec = lookup(name)
        out: list[Any] = []
        seen_warnings: set[str] = set()
        inputs: list[Any] = items if piped else [_NO_INPUT]
        if piped and not items:
            return []
        for item in inputs:
            call_named = list(named)
            if item is not _NO_INPUT:
                target = self._pipeline_parameter(name, item, named)
                if target is None:
                    self._error(
                        ParameterBindingError(
                            "The input object cannot be bound to any parameters for the command either "
                            "because the command does not take pipeline input or the input and its "
                            "properties do not match any of the parameters that take pipeline input."
                        ),
                        spec.name if spec else name,
                        cmd.pos,
                        len(cmd.name),
                    )
                    continue
                call_named.append((target, item))
            self._step(limits.REMOTE_STEP_COST)
            try:
                result = self.session.invoke(name, call_named, positional, prompter=self.prompter)
            except ExchangeError as exc:
                self._messages(warning_action, seen_warnings)
                if error_action.lower() in ("silentlycontinue", "ignore"):
                    continue
                canonical = spec.name if spec else name
                self._error(exc, canonical, cmd.pos, cmd.end - cmd.pos)
                if error_action.lower() == "stop" or _terminating(exc):
                    raise StatementStopped from None
                continue
            self._messages(warning_action, seen_warnings)
            out += result
        return out

    def _messages(self, warning_action: str, seen: set[str]) -> None:
        for kind, text in self.session.messages:
            if kind == "warning":
                if warning_action.lower() in ("silentlycontinue", "ignore") or text in seen:
                    continue
                seen.add(text)
                self.write(f"WARNING: {text}")
            else:
                self.write(text)

    def _pipeline_parameter(self, name: str, item: Any, named: list[tuple[str, Any]]) -> str | None:
        """Which parameter a piped object binds to: a parameter taking its object type, else
        -Identity (by the object's Identity, or the string itself)."""
        spec = lookup(name)
        grant = self.session.grant(name)
        if spec is None or grant is None:
            return "Identity"
        given = {n.lower() for n, _ in named}
        params = [
            p
            for p in spec.visible_params(self.session.server.version, grant.parameters)
            if p.pipeline and p.name.lower() not in given
        ]
        type_name = getattr(item, "type_name", None)
        for p in params:
            if type_name and type_name in p.pipeline_types:
                return p.name
        for p in params:
            if not p.pipeline_types:
                return p.name
        return None


class _BindingAt(Exception):
    def __init__(self, error: ExchangeError, pos: int, length: int) -> None:
        self.error, self.pos, self.length = error, pos, length


_NO_INPUT = object()


def _terminating(exc: ExchangeError) -> bool:
    """Errors that stop the statement whatever -ErrorAction says: the command does not exist,
    its arguments do not bind, or the session broke."""
    return isinstance(exc, CommandNotFound | ParameterBindingError | SessionBroken | Throttled)


def _common(named: list[tuple[str, Any]], names: tuple[str, ...]) -> str:
    for key, value in named:
        if key.lower() in names:
            return to_string(value)
    return ""
