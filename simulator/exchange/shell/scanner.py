"""The scanner under the shell's parser: a cursor over the script's text and its lexical
pieces — blanks, comments and line continuations skipped, the token at the cursor (for
"Unexpected token"), variables (`$name`, `${any name}`, `$_`), single-quoted strings and
numeric literals (with KB/MB/GB, as Windows PowerShell types them) — and the depth bound.

Apart from the grammar (`expressions.py` for expression mode, `parser.py` for statements,
pipelines and commands in argument mode): PowerShell has no separate token stream for this
subset to share, since whether `-x` or `a,b` is an operator depends on the mode the grammar
is in; what is the same in both modes is here. Every error is a `ShellParseError` with
PowerShell's message and error id.
"""

from __future__ import annotations

import math
import re

from simulator.exchange.shell.ast import Node, Variable

NUMBER = re.compile(r"(0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+)(kb|mb|gb|tb)?", re.IGNORECASE)
_MULTIPLIER = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
ARG_END = set(" \t\r\n|;,(){}")
CMD_END = set(" \t\r\n|;(){}")
MAX_DEPTH = 100
#: PowerShell's message when the parser runs out of stack (ParserStrings.ScriptTooComplicated).
TOO_COMPLEX = "Processing was stopped because the script is too complex."
#: The largest integer a literal keeps exactly ([decimal]'s maximum); larger ones are [double].
_DECIMAL_MAX = 79228162514264337593543950335


class ShellParseError(Exception):
    """A parse error, as PowerShell's ParseException reports it."""

    def __init__(self, message: str, error_id: str, pos: int) -> None:
        super().__init__(message)
        self.message = message
        self.error_id = error_id
        self.pos = pos


def ident_char(c: str) -> bool:
    return c.isalnum() or c == "_"


class Scanner:
    """A cursor over one script: the position, the nesting depth, and the lexical pieces."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.n = len(text)
        self.depth = 0

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if 0 <= j < self.n else ""

    def at_end(self) -> bool:
        return self.i >= self.n

    def error(self, message: str, error_id: str, pos: int | None = None) -> ShellParseError:
        return ShellParseError(message, error_id, self.i if pos is None else pos)

    def unexpected(self) -> ShellParseError:
        token = self._token_text()
        return self.error(
            f"Unexpected token '{token}' in expression or statement.", "UnexpectedToken"
        )

    def _token_text(self) -> str:
        j = self.i
        if j < self.n and self.text[j] in "(){}|;,":
            return self.text[j]
        while j < self.n and not self.text[j].isspace() and self.text[j] not in "(){}|;,":
            j += 1
        return self.text[self.i : j] or self.peek()

    def skip(self, newlines: bool = False) -> None:
        """Skip blanks, comments, line continuations (and new lines when asked)."""
        while self.i < self.n:
            c = self.text[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "`" and self.peek(1) in ("\n", "\r"):
                self.i += 2
            elif c == "#":
                while self.i < self.n and self.text[self.i] != "\n":
                    self.i += 1
            elif c == "\n" and newlines:
                self.i += 1
            else:
                break

    def skip_separators(self) -> None:
        """Skip blanks, new lines and `;` between statements (or hashtable entries)."""
        self.skip(newlines=True)
        while self.peek() == ";":
            self.i += 1
            self.skip(newlines=True)

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(TOO_COMPLEX, "ScriptTooComplicated")

    def leave(self) -> None:
        self.depth -= 1

    def variable(self) -> Node:
        start = self.i
        self.i += 1
        if self.peek() == "{":
            end = self.text.find("}", self.i)
            if end < 0:
                raise self.error(
                    "Missing '}' in variable reference.", "IncompleteDollarVariableReference"
                )
            name = self.text[self.i + 1 : end]
            self.i = end + 1
            return Variable(start, name.lower())
        j = self.i
        if self.peek() in ("_", "?", "^", "$") and not ident_char(self.peek(1)):
            self.i += 1
        else:
            while self.i < self.n and (ident_char(self.text[self.i]) or self.text[self.i] == ":"):
                if self.text[self.i] == ":" and not ident_char(self.peek(1)):
                    break
                self.i += 1
        name = self.text[j : self.i]
        if not name:
            raise self.error(
                "Variable reference is not valid. '$' was not followed by a valid variable name character. "
                "Consider using ${} to delimit the name.",
                "InvalidVariableReference",
                start,
            )
        return Variable(start, name.lower())

    def single_quoted(self) -> str:
        start = self.i
        self.i += 1
        out = []
        while True:
            if self.at_end():
                raise self.error(
                    "The string is missing the terminator: '.",
                    "TerminatorExpectedAtEndOfString",
                    start,
                )
            c = self.text[self.i]
            if c == "'":
                if self.peek(1) == "'":
                    out.append("'")
                    self.i += 2
                    continue
                self.i += 1
                return "".join(out)
            out.append(c)
            self.i += 1


def number_value(word: str) -> int | float | None:
    """The value of a numeric literal as Windows PowerShell reads it: integers as long as they
    fit [long] or [decimal], then [double]; None when it is no number or overflows [double]
    (PowerShell's BadNumericConstant) — never a Python error, whatever the length."""
    if word.startswith("-") and len(word) > 1:
        value = number_value(word[1:])
        return None if value is None else -value
    m = NUMBER.fullmatch(word)
    if not m:
        return None
    text, suffix = m.group(1), (m.group(2) or "").lower()
    value: int | float
    if text.lower().startswith("0x"):
        if len(text) > 18:  # more than a [long] holds
            return None
        value = int(text, 16)
    elif any(ch in text for ch in ".eE") or len(text) > 29:
        value = float(text)
    else:
        value = int(text)
        if value > _DECIMAL_MAX:
            value = float(value)
    if suffix:
        value = value * _MULTIPLIER[suffix]
        if isinstance(value, float) and value.is_integer() and abs(value) <= _DECIMAL_MAX:
            value = int(value)
    if isinstance(value, float) and math.isinf(value):
        return None
    return value
