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

`ExchangeShell` is assembled from its parts: running commands (`invoke.py`), evaluating
expressions (`evaluate.py`) and laying out errors (`error_records.py`); here are the host
(output, clock, prompt), the line run statement by statement, pipelines, script blocks and
tab completion.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.exchange.errors import ExchangeError
from simulator.exchange.invocation import Prompter
from simulator.exchange.session import RemoteSession
from simulator.exchange.shell import ast, limits
from simulator.exchange.shell.builtins import COMMANDS, REMOTE_ALIASES
from simulator.exchange.shell.error_records import ErrorRecords
from simulator.exchange.shell.evaluate import Evaluator, as_items, unwrap
from simulator.exchange.shell.formatting import format_default
from simulator.exchange.shell.invoke import CommandRunner, StatementStopped
from simulator.exchange.shell.parser import parse
from simulator.exchange.shell.scanner import ShellParseError
from simulator.exchange.shell.values import ScriptBlockValue, ShellRuntimeError


class ExchangeShell(CommandRunner, Evaluator, ErrorRecords):
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
            except StatementStopped:
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
            self.variables[statement.variable] = unwrap(values)
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
                values = as_items(self._eval(element))
        return values or []

    def invoke_block(self, block: ScriptBlockValue, item: Any) -> list[Any]:
        """Run a script block with `$_` set to `item`; return its output."""
        saved = self.variables.get("_")
        self.variables["_"] = item
        try:
            out: list[Any] = []
            for statement in block.node.body:
                if isinstance(statement, ast.Assignment):
                    self.variables[statement.variable] = unwrap(self._pipeline(statement.value))
                else:
                    out += self._pipeline(statement)
            return out
        finally:
            self.variables["_"] = saved


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
