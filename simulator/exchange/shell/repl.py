"""The interactive loop of the Exchange Management Shell twin: prompt, line editing, history
and tab completion (with `readline` when the platform has it), multi-line input while a
statement is incomplete, confirmation prompts answered at the keyboard, and Ctrl+C, which
drops the line rather than the shell."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from simulator.exchange.invocation import Prompter
from simulator.exchange.shell.interpreter import ExchangeShell, completions
from simulator.exchange.shell.parser import parse
from simulator.exchange.shell.scanner import ShellParseError

_INCOMPLETE = {
    "MissingEndCurlyBrace",
    "MissingEndParenthesisInExpression",
    "TerminatorExpectedAtEndOfString",
    "IncompleteHashLiteral",
    "EmptyPipeElement",
}


def console_prompter(read: Callable[[], str], write: Callable[[str], None]) -> Prompter:
    """Ask a confirmation question the way PowerShell's console host does."""

    def ask(caption: str, message: str) -> bool:
        write(
            f"\n{caption}\n{message}\n"
            '[Y] Yes  [A] Yes to All  [N] No  [L] No to All  [?] Help (default is "Y"): '
        )
        answer = read().strip().lower()
        return answer in ("", "y", "a", "yes")

    return ask


def incomplete(text: str) -> bool:
    """True while `text` is a statement still open (a brace, parenthesis, string or pipe)."""
    try:
        parse(text)
    except ShellParseError as exc:
        return exc.error_id in _INCOMPLETE
    return False


def _setup_readline(shell: ExchangeShell) -> None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: no editing, still usable
        return
    matches: list[str] = []

    def complete(text: str, state: int) -> str | None:
        nonlocal matches
        if state == 0:
            line = readline.get_line_buffer()[: readline.get_endidx()]
            matches = completions(shell, line)
        return matches[state] if state < len(matches) else None

    readline.set_completer_delims(" \t\n|;{}()")
    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")


def run_repl(
    shell: ExchangeShell,
    banner: str,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Read, run and print until `exit` or end of input. Returns 0, or 1 if the last command failed."""
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    interactive = stdin.isatty() and stdout.isatty()
    if interactive:
        _setup_readline(shell)

    def read(prompt: str) -> str | None:
        if interactive:
            try:
                return input(prompt)
            except EOFError:
                return None
        line = stdin.readline()
        return None if line == "" else line.rstrip("\n")

    def write(text: str) -> None:
        stdout.write(text)
        stdout.flush()

    if shell.prompter is None and interactive:
        shell.prompter = console_prompter(lambda: read("") or "", write)
    write(banner + "\n")
    while True:
        try:
            line = read(shell.prompt + " ")
            if line is None:
                break
            while incomplete(line):
                more = read(">> ")
                if more is None or more == "":
                    break
                line += "\n" + more
            if line.strip().lower() in ("exit", "quit"):
                break
            output = shell.execute(line)
        except KeyboardInterrupt:  # Ctrl+C drops the line being typed (or run), as in PowerShell
            write("\n")
            continue
        if output:
            write(output + "\n")
    return 0 if shell.last_ok else 1
