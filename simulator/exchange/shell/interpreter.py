"""The Exchange Management Shell twin: runs PowerShell-subset text in a remote session.

`ExchangeShell.execute(text)` parses the text, runs each statement and returns everything the
real shell would print — output formatted by the default views or Format-Table/-List,
`WARNING:` lines, `What if:` lines and errors laid out like PowerShell's (the message, `At
line:` with the offending text underlined for errors raised before the cmdlet ran, and the
`+ CategoryInfo` / `+ FullyQualifiedErrorId` lines) — never a Python traceback. It needs no
terminal: the REPL (`repl.py`) is a thin loop on top.

Exchange cmdlets run in the session (RBAC, binding, throttling, audit); the PowerShell
commands of `builtins` run locally. Piped objects bind to a cmdlet by identity: a mailbox
object to `-Mailbox` where the cmdlet has one, any other object (or a string) to `-Identity`.
An Exchange error is non-terminating: with several piped objects, the others still run;
`-ErrorAction Stop` makes it stop the statement, `SilentlyContinue` hides it, and
`-WarningAction SilentlyContinue` hides warnings.

Every line runs within bounds (limits.py): a step budget, the interpreter's call depth and
the sizes of ranges, arrays and strings; each bound answers with PowerShell's error, so that
no line can hang the interactive shell or exhaust its memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.exchange.errors import (
    CommandNotFound,
    ExchangeError,
    ParameterBindingError,
    ParameterNotFound,
    SessionBroken,
    Throttled,
)
from simulator.exchange.invocation import Prompter
from simulator.exchange.registry import COMMON_PARAMETERS, lookup
from simulator.exchange.session import RemoteSession
from simulator.exchange.shell import ast, limits
from simulator.exchange.shell.arithmetic import arithmetic, make_range
from simulator.exchange.shell.builtins import COMMANDS, REMOTE_ALIASES, LocalCommand
from simulator.exchange.shell.formatting import format_default
from simulator.exchange.shell.parser import ShellParseError, parse
from simulator.exchange.shell.values import (
    ScriptBlockValue,
    ShellRuntimeError,
    call_method,
    compare,
    get_index,
    get_member,
    is_true,
    to_number,
    to_string,
)

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


class _StatementStopped(Exception):
    """A terminating error: the rest of the statement does not run."""


class ExchangeShell:
    """A PowerShell-subset interpreter over one remote Exchange session."""

    def __init__(
        self,
        session: RemoteSession,
        *,
        prompter: Prompter | None = None,
        width: int = 120,
        after_command: Callable[[], None] | None = None,
        budget: int = limits.MAX_STEPS,
    ) -> None:
        self.session = session
        #: Evaluation steps one line may take (a remote cmdlet call counts REMOTE_STEP_COST).
        self.budget = budget
        self._steps = 0
        self.prompter = prompter
        self.width = width
        self.after_command = after_command
        self.variables: dict[str, Any] = {}
        self.history: list[str] = []
        self.last_ok = True
        self._out: list[str] = []
        self._text = ""

    # -- the host --------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        self._out.append(text)

    def now(self) -> datetime:
        when = self.session.org.dt(self.session.clock.seconds)
        assert when is not None
        return when

    def sleep(self, seconds: float) -> None:
        """Start-Sleep: simulated time passes (the world's processes run when the host lets them).
        PowerShell's remoting keep-alives hold the session open meanwhile."""
        self.session.clock.spend(seconds)
        self.session.last_used = self.session.clock.seconds

    @property
    def prompt(self) -> str:
        return "[PS] C:\\Windows\\system32>"

    # -- running text ------------------------------------------------------------------------------
    def execute(self, text: str) -> str:
        """Run `text`; return what the shell prints. `last_ok` tells whether an error occurred."""
        self._out = []
        self.last_ok = True
        self._text = text
        self._steps = 0
        if text.strip():
            self.history.append(text)
            del self.history[: -limits.MAX_HISTORY]
        try:
            statements = parse(text)
        except ShellParseError as exc:
            self._parse_error(exc)
            return self._flush()
        for statement in statements:
            try:
                self._statement(statement)
            except _StatementStopped:
                continue
            except ShellRuntimeError as exc:
                self._runtime_error(exc, None)
            except ExchangeError as exc:  # raised while evaluating an expression's argument
                self._error(exc, "", statement.pos, 1)
            except RecursionError:  # nesting deeper than the interpreter's stack
                self._runtime_error(limits.call_depth_overflow(statement.pos), None)
            except MemoryError:  # a value beyond the machine's memory, whatever the bounds
                self._runtime_error(limits.out_of_memory(statement.pos), None)
            except Exception as exc:  # a defect of the twin: reported, never a traceback
                self._runtime_error(
                    ShellRuntimeError(
                        f"The shell twin failed internally: {type(exc).__name__}: {exc}",
                        "TwinInternalError",
                        pos=statement.pos,
                    ),
                    None,
                )
            finally:
                if self.after_command is not None:
                    self.after_command()
            if self._steps > self.budget:  # stopped: the rest of the line does not run
                break
        return self._flush()

    def _step(self, cost: int = 1) -> None:
        """Count work done by this line; past the budget, stop it as Ctrl+C would."""
        self._steps += cost
        if self._steps > self.budget:
            raise limits.pipeline_stopped()

    def _flush(self) -> str:
        text = "\n".join(self._out)
        self._out = []
        return text

    def _statement(self, statement: ast.Statement) -> None:
        if isinstance(statement, ast.Assignment):
            values = self._pipeline(statement.value)
            self.variables[statement.variable] = _unwrap(values)
            return
        values = self._pipeline(statement)
        if values:
            self._step(limits.print_cost(values))
            text = format_default(values, self.width)
            if text:
                self.write(text)

    def _pipeline(self, pipeline: ast.Pipeline) -> list[Any]:
        values: list[Any] | None = None
        for index, element in enumerate(pipeline.elements):
            if isinstance(element, ast.Command):
                values = self._command(element, values if index else None, piped=index > 0)
            else:
                values = _as_items(self._eval(element))
        return values or []

    def invoke_block(self, block: ScriptBlockValue, item: Any) -> list[Any]:
        """Run a script block with `$_` set to `item`; return its output."""
        saved = self.variables.get("_")
        self.variables["_"] = item
        try:
            out: list[Any] = []
            for statement in block.node.body:
                if isinstance(statement, ast.Assignment):
                    self.variables[statement.variable] = _unwrap(self._pipeline(statement.value))
                else:
                    out += self._pipeline(statement)
            return out
        finally:
            self.variables["_"] = saved

    # -- commands -------------------------------------------------------------------------------------
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
        raise _StatementStopped

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
            raise _StatementStopped from None
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
                    raise _StatementStopped from None
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

    # -- expressions ------------------------------------------------------------------------------------
    def _eval(self, node: ast.Node) -> Any:
        self._step()
        if isinstance(node, ast.Literal):
            return node.value
        if isinstance(node, ast.Variable):
            return self._variable(node.name)
        if isinstance(node, ast.ExpandableString):
            parts, length = [], 0
            for part in node.parts:
                text = part if isinstance(part, str) else to_string(self._eval(part))
                length += len(text)
                limits.check_string(length, node.pos)
                parts.append(text)
            return "".join(parts)
        if isinstance(node, ast.ArrayLiteral):
            return [self._eval(item) for item in node.items]
        if isinstance(node, ast.HashLiteral):
            return {
                key: _unwrap(self._pipeline(value)) if isinstance(value, ast.Pipeline) else None
                for key, value in node.entries
            }
        if isinstance(node, ast.ScriptBlock):
            return ScriptBlockValue(node)
        if isinstance(node, ast.SubExpression):
            out: list[Any] = []
            for statement in node.body:
                if isinstance(statement, ast.Assignment):
                    self._statement(statement)
                else:
                    out += self._pipeline(statement)
            return out if node.array else _unwrap(out)
        if isinstance(node, ast.Member):
            target = self._eval(node.target)
            if node.args is None:
                return get_member(target, node.name)
            return self._sized(
                self._located(
                    node,
                    lambda: call_method(
                        target, node.name, [self._eval(a) for a in node.args or []]
                    ),
                )
            )
        if isinstance(node, ast.Index):
            target, index = self._eval(node.target), self._eval(node.index)
            return self._located(node, lambda: get_index(target, index))
        if isinstance(node, ast.Unary):
            return not is_true(self._eval(node.operand))
        if isinstance(node, ast.Binary):
            return self._binary(node)
        raise ShellRuntimeError(
            f"Unsupported expression {type(node).__name__}.", "UnsupportedExpression", pos=node.pos
        )

    def _sized(self, value: Any) -> Any:
        """A value an operator built: building it counts as many steps as it is large."""
        if isinstance(value, list):
            self._step(len(value))
        elif isinstance(value, str):
            self._step(len(value) // limits.CHARS_PER_STEP)
        return value

    def _located(self, node: ast.Node, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ShellRuntimeError as exc:
            if exc.pos is None:
                exc.pos = node.pos
            raise

    def _variable(self, name: str) -> Any:
        if name == "true":
            return True
        if name == "false":
            return False
        if name == "null":
            return None
        if name == "?":
            return self.last_ok
        return self.variables.get(name)

    def _binary(self, node: ast.Binary) -> Any:
        op = node.op
        if op == "and":
            return is_true(self._eval(node.left)) and is_true(self._eval(node.right))
        if op == "or":
            return is_true(self._eval(node.left)) or is_true(self._eval(node.right))
        if op == "xor":
            return is_true(self._eval(node.left)) != is_true(self._eval(node.right))
        left, right = self._eval(node.left), self._eval(node.right)
        if op == "..":
            return self._sized(self._located(node, lambda: make_range(left, right)))
        if op in ("+", "-", "*", "/", "%"):
            return self._sized(self._located(node, lambda: arithmetic(op, left, right)))
        if op == "neg":
            number = to_number(right)
            if number is None:
                raise ShellRuntimeError(
                    f'Cannot convert value "{to_string(right)}" to type "System.Int32".',
                    "InvalidCastFromStringToInteger",
                    pos=node.pos,
                )
            return -number
        return self._located(node, lambda: compare(op, left, right))

    # -- errors ---------------------------------------------------------------------------------------
    def _where(self, pos: int, length: int) -> list[str]:
        """`At line:L char:C` and the line with the offending text underlined."""
        text = self._text
        line_start = text.rfind("\n", 0, pos) + 1
        line_end = text.find("\n", pos)
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        line_no = text.count("\n", 0, pos) + 1
        column = pos - line_start
        width = max(1, min(length, len(line) - column))
        return [
            f"At line:{line_no} char:{column + 1}",
            f"+ {line}",
            f"+ {' ' * column}{'~' * width}",
        ]

    def _parse_error(self, exc: ShellParseError) -> None:
        self.last_ok = False
        self._out += [
            *self._where(min(exc.pos, len(self._text)), 1),
            exc.message,
            "    + CategoryInfo          : ParserError: (:) [], ParentContainsErrorRecordException",
            f"    + FullyQualifiedErrorId : {exc.error_id}",
            "",
        ]

    def _error(self, exc: ExchangeError, cmdlet: str, pos: int, length: int) -> None:
        """An error record: binding errors and unknown commands as PowerShell reports them
        locally (with `At line:`), errors from the Exchange server as a remote session does."""
        self.last_ok = False
        local = isinstance(exc, ParameterBindingError | CommandNotFound)
        if isinstance(exc, CommandNotFound):
            category = f"ObjectNotFound: ({exc.target}:String) [], CommandNotFoundException"
            fqid = "CommandNotFoundException"
            head = f"{exc.target} : {exc.message}"
        else:
            category = f"{exc.category}: (:) [{cmdlet}], {exc.type_name}"
            fqid = f"{exc.error_id},{cmdlet}"
            head = f"{cmdlet} : {exc.message}" if local else exc.message
        lines = [head]
        if local:
            if isinstance(exc, ParameterNotFound):
                needle = f"-{exc.parameter}"
                found = self._text.lower().find(needle.lower(), pos)
                if found >= 0:
                    pos, length = found, len(needle)
            lines += self._where(pos, length)
        lines += [
            f"    + CategoryInfo          : {category}",
            f"    + FullyQualifiedErrorId : {fqid}",
        ]
        if not local:
            lines.append(f"    + PSComputerName        : {self.session.server.fqdn}")
        self._out += [*lines, ""]

    def _runtime_error(self, exc: ShellRuntimeError, cmd: ast.Command | None) -> None:
        self.last_ok = False
        pos = exc.pos if exc.pos is not None else (cmd.pos if cmd else 0)
        length = (cmd.end - cmd.pos) if (cmd and exc.pos is None) else 1
        self._out += [
            exc.message,
            *self._where(pos, length),
            f"    + CategoryInfo          : {exc.category}: (:) [], {exc.exception_type}",
            f"    + FullyQualifiedErrorId : {exc.error_id}",
            "",
        ]


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


def _as_items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _unwrap(values: list[Any]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def completions(shell: ExchangeShell, line: str) -> list[str]:
    """Tab completion for the text before the cursor: command names at a command position,
    parameter names (as the caller may use them) after a `-`."""
    word_match = re.search(r"[^\s|;{}()]*$", line)
    word = word_match.group(0) if word_match else ""
    before = line[: len(line) - len(word)]
    segment = re.split(r"[|;{(]", before)[-1]
    tokens = segment.split()
    if not tokens:
        names = [*shell.session.available_cmdlets(), *(c.name for c in COMMANDS.values())]
        candidates = sorted(set(names), key=str.lower)
    elif word.startswith("-"):
        command = REMOTE_ALIASES.get(tokens[0].lower(), tokens[0])
        local = COMMANDS.get(command.lower())
        params = [p.name for p in local.params] if local else shell.session.parameter_names(command)
        candidates = [f"-{p}" for p in [*params, "ErrorAction", "WarningAction"]]
    else:
        return []
    return [c for c in candidates if c.lower().startswith(word.lower())]
