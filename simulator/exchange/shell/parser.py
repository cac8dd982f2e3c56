"""A parser for the PowerShell subset of the Exchange Management Shell twin.

PowerShell has two parsing modes and so does this parser: *argument mode* for a command's
arguments (a bareword is a string: `-Identity ann@contoso.local`, `-ResultSize Unlimited`;
`a,b` is an array; `-Param:$false` binds with a colon) and *expression mode* for the first
element of a pipeline, script blocks and sub-expressions (`$_.Name -eq 'x' -and -not $y`).

Supported: statements separated by `;` or new lines, comments (`#`), pipelines, commands with
named (unique prefixes allowed) and positional arguments, switches, single- and double-quoted
strings (with `$var`, `$(...)` and backtick escapes), numbers (with KB/MB/GB), `$true`,
`$false`, `$null`, variables and assignment, arrays, `@(...)`, `$(...)`, hashtables `@{k=v}`,
script blocks, member access and method calls, indexing, the comparison operators
(`-eq -ne -gt -ge -lt -le -like -notlike -match -notmatch -contains -notcontains -in -notin`,
with `-c`/`-i` variants), arithmetic (`+ - * / %`), the range operator `..`, the unary comma
(`,1`) and `-and -or -xor -not !`.

Whatever the input, the parser either returns statements or raises `ShellParseError` with
PowerShell's message and error id — never another exception.

Three modules, one recursive descent: the cursor and the lexical pieces (`scanner.py`),
expression mode (`expressions.py`), and here statements, pipelines and commands with their
arguments in argument mode, and `parse`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simulator.exchange.shell.ast import (
    ArrayLiteral,
    Assignment,
    Command,
    Literal,
    Node,
    Parameter,
    Pipeline,
    Statement,
)
from simulator.exchange.shell.expressions import ExpressionParser
from simulator.exchange.shell.scanner import (
    ARG_END,
    CMD_END,
    TOO_COMPLEX,
    ShellParseError,
    ident_char,
    number_value,
)


class Parser(ExpressionParser):
    """The whole grammar: statements and argument mode here, expressions inherited."""

    # -- statements ------------------------------------------------------------------------------
    def parse(self) -> list[Statement]:
        return self.statements(None)

    def statements(self, terminator: str | None) -> list[Statement]:
        out: list[Statement] = []
        while True:
            self.skip_separators()
            if self.at_end():
                if terminator is not None:
                    raise self.error(
                        f"Missing closing '{terminator}' in statement block or type definition.",
                        "MissingEndCurlyBrace"
                        if terminator == "}"
                        else "MissingEndParenthesisInExpression",
                    )
                return out
            if terminator is not None and self.peek() == terminator:
                return out
            out.append(self.statement())
            self.skip()
            c = self.peek()
            if c in ("\n", ";"):
                self.i += 1
            elif not (self.at_end() or (terminator is not None and c == terminator)):
                raise self.unexpected()

    def statement(self) -> Statement:
        start = self.i
        if self.peek() == "$":
            m = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(?!=)").match(self.text, self.i)
            if m:
                self.i = m.end()
                self.skip()
                if self.at_end() or self.peek() in "\n;)}":
                    raise self.error(
                        "You must provide a value expression on the right-hand side of the '=' operator.",
                        "ExpectedValueExpression",
                    )
                return Assignment(start, m.group(1).lower(), self.pipeline())
        return self.pipeline()

    def pipeline(self) -> Pipeline:
        start = self.i
        elements: list[Command | Node] = [self.element(first=True)]
        while True:
            self.skip()
            if self.peek() != "|":
                break
            self.i += 1
            self.skip(newlines=True)
            if self.at_end() or self.peek() in "|;)}\n":
                raise self.error("An empty pipe element is not allowed.", "EmptyPipeElement")
            elements.append(self.element(first=False))
        return Pipeline(start, elements)

    def _starts_command(self) -> bool:
        c = self.peek()
        if c.isalpha() or c == "_":
            return True
        return c in "?%" and (self.peek(1) in " \t{" or self.i + 1 >= self.n)

    def element(self, first: bool) -> Command | Node:
        if self._starts_command():
            return self.command()
        if not first:
            pos = self.i
            if self.peek() in "$'\"(@0123456789-.{":
                raise self.error(
                    "Expressions are only allowed as the first element of a pipeline.",
                    "ExpressionsMustBeFirstInPipeline",
                    pos,
                )
            raise self.unexpected()
        return self.expression()

    # -- commands (argument mode) ----------------------------------------------------------------
    def command(self) -> Command:
        start = self.i
        while self.i < self.n and self.text[self.i] not in CMD_END:
            self.i += 1
        name = self.text[start : self.i]
        args: list[Parameter | Node] = []
        while True:
            self.skip()
            c = self.peek()
            if self.at_end() or c in "|;\n)}":
                break
            if c == "-" and (self.peek(1).isalpha() or self.peek(1) == "_"):
                pos = self.i
                self.i += 1
                j = self.i
                while self.i < self.n and (
                    ident_char(self.text[self.i]) or self.text[self.i] == "-"
                ):
                    self.i += 1
                pname = self.text[j : self.i]
                if self.peek() == ":":
                    self.i += 1
                    if self.at_end() or self.peek() in " \t\n|;)}":
                        raise self.error("Missing argument in parameter list.", "MissingArgument")
                    args.append(Parameter(pos, pname, self.argument(), colon=True))
                else:
                    args.append(Parameter(pos, pname))
                continue
            args.append(self.argument())
        return Command(start, name, args, end=self.i)

    def argument(self) -> Node:
        return self._comma_list(
            self.arg_primary, "Missing argument in parameter list.", "MissingArgument"
        )

    def _comma_list(self, item: Callable[[], Node], message: str, error_id: str) -> Node:
        """`a` or `a, b, c` (an array); `a,` with nothing after the comma is an error."""
        start = self.i
        first = item()
        self.skip()
        if self.peek() != ",":
            return first
        items = [first]
        while self.peek() == ",":
            self.i += 1
            self.skip(newlines=True)
            if self.at_end() or self.peek() in "|;)}":
                raise self.error(message, error_id)
            items.append(item())
            self.skip()
        return ArrayLiteral(start, items)

    def arg_primary(self) -> Node:
        c = self.peek()
        if c in "'\"$(@{":
            return self.postfix(self.primary())
        start = self.i
        while self.i < self.n and self.text[self.i] not in ARG_END:
            self.i += 1
        word = self.text[start : self.i]
        if not word:
            raise self.unexpected()
        number = number_value(word)
        return Literal(start, word if number is None else number)


def parse(text: str) -> list[Statement]:
    """Parse a script; raise ShellParseError (and only it) for invalid text."""
    parser = Parser(text)
    try:
        return parser.parse()
    except RecursionError:
        raise ShellParseError(TOO_COMPLEX, "ScriptTooComplicated", parser.i) from None
