"""Errors laid out like PowerShell's: the message, `At line:` with the offending text
underlined (for parse errors, binding errors and unknown commands — raised before a cmdlet
ran — and runtime errors), `+ CategoryInfo` and `+ FullyQualifiedErrorId`, and for an error
from the Exchange server `+ PSComputerName`, as a remote session shows it.

A part of `ExchangeShell` (interpreter.py); every error also clears `$?`.
"""

from __future__ import annotations

from simulator.exchange.errors import (
    CommandNotFound,
    ExchangeError,
    ParameterBindingError,
    ParameterNotFound,
)
from simulator.exchange.session import RemoteSession
from simulator.exchange.shell import ast
from simulator.exchange.shell.scanner import ShellParseError
from simulator.exchange.shell.values import ShellRuntimeError


class ErrorRecords:
    """`ExchangeShell`'s error output (state made in the shell's `__init__`)."""

    session: RemoteSession
    last_ok: bool
    _out: list[str]
    _text: str

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
