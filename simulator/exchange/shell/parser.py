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
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

from simulator.exchange.shell.ast import (
    ArrayLiteral,
    Assignment,
    Binary,
    Command,
    ExpandableString,
    HashLiteral,
    Index,
    Literal,
    Member,
    Node,
    Parameter,
    Pipeline,
    ScriptBlock,
    Statement,
    SubExpression,
    Unary,
    Variable,
)

COMPARISON = {
    "eq",
    "ne",
    "gt",
    "ge",
    "lt",
    "le",
    "like",
    "notlike",
    "match",
    "notmatch",
    "contains",
    "notcontains",
    "in",
    "notin",
}
LOGICAL = {"and", "or", "xor"}
_NUMBER = re.compile(
    r"(0x[0-9a-f]+|\d+(?:\.\d+)?(?:e[+-]?\d+)?|\.\d+)(kb|mb|gb|tb)?", re.IGNORECASE
)
_MULTIPLIER = {"kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
_ARG_END = set(" \t\r\n|;,(){}")
_CMD_END = set(" \t\r\n|;(){}")
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


def _ident_char(c: str) -> bool:
    return c.isalnum() or c == "_"


class Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.i = 0
        self.n = len(text)
        self.depth = 0

    # -- helpers -----------------------------------------------------------------------------
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
        while self.i < self.n and self.text[self.i] not in _CMD_END:
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
                    _ident_char(self.text[self.i]) or self.text[self.i] == "-"
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
        while self.i < self.n and self.text[self.i] not in _ARG_END:
            self.i += 1
        word = self.text[start : self.i]
        if not word:
            raise self.unexpected()
        number = _number(word)
        return Literal(start, word if number is None else number)

    # -- expressions (expression mode) ----------------------------------------------------------------
    def expression(self) -> Node:
        self.enter()
        try:
            return self.logical()
        finally:
            self.leave()

    def _operator(self, names: set[str]) -> str | None:
        """The operator at the cursor (after blanks) when it is one of `names`; consumed."""
        self.skip()
        if self.peek() != "-":
            return None
        m = re.compile(r"-([A-Za-z]+)").match(self.text, self.i)
        if not m:
            return None
        word = m.group(1).lower()
        base = word[1:] if word[:1] in ("c", "i") and word[1:] in COMPARISON else word
        if base in names:
            self.i = m.end()
            return base if word == base else word
        return None

    def logical(self) -> Node:
        left = self.negation()
        while True:
            pos = self.i
            op = self._operator(LOGICAL)
            if op is None:
                return left
            self.skip(newlines=True)
            left = Binary(pos, op, left, self._operand(op, self.negation))

    def negation(self) -> Node:
        self.skip()
        pos = self.i
        if self.peek() == "!":
            self.i += 1
            return Unary(pos, "not", self._operand("!", self.negation))
        m = re.compile(r"-not\b", re.IGNORECASE).match(self.text, self.i)
        if m:
            self.i = m.end()
            return Unary(pos, "not", self._operand("-not", self.negation))
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        while True:
            pos = self.i
            op = self._operator(COMPARISON)
            if op is None:
                self._refuse_unknown_operator()
                return left
            left = Binary(pos, op, left, self._operand(op, self.additive))

    def additive(self) -> Node:
        """`a + b - c`: a `-` not followed by a letter is a minus, not an operator name."""
        left = self.multiplicative()
        while True:
            self.skip()
            pos, c = self.i, self.peek()
            if not (c == "+" or (c == "-" and not (self.peek(1).isalpha() or self.peek(1) == "-"))):
                return left
            self.i += 1
            left = Binary(pos, c, left, self._operand(c, self.multiplicative))

    def multiplicative(self) -> Node:
        left = self.range_()
        while True:
            self.skip()
            pos, c = self.i, self.peek()
            if c not in ("*", "/", "%"):
                return left
            self.i += 1
            left = Binary(pos, c, left, self._operand(c, self.range_))

    def range_(self) -> Node:
        left = self.array()
        self.skip()
        if not self.text.startswith("..", self.i):
            return left
        pos = self.i
        self.i += 2
        return Binary(pos, "..", left, self._operand("..", self.array))

    def _refuse_unknown_operator(self) -> None:
        m = re.compile(r"-([A-Za-z]+)").match(self.text, self.i)
        if m and m.group(1).lower() not in LOGICAL | {"not"}:
            raise self.error(
                f"Unexpected token '{m.group(0)}' in expression or statement.", "UnexpectedToken"
            )

    def _operand(self, op: str, parse: object) -> Node:
        self.skip()
        if self.at_end() or self.peek() in "|;)}\n,":
            raise self.error(
                f"You must provide a value expression following the '{op if not op.isalpha() else '-' + op}' operator.",
                "ExpectedValueExpression",
            )
        return parse()  # type: ignore[operator]

    def array(self) -> Node:
        self.skip()
        if self.peek() == ",":  # the unary comma: an array of one element
            pos = self.i
            self.i += 1
            return ArrayLiteral(pos, [self._operand(",", self.unary)])
        return self._comma_list(
            self.unary, "Missing expression after ','.", "MissingExpressionAfterToken"
        )

    def unary(self) -> Node:
        self.skip()
        c = self.peek()
        if c == "-" and (self.peek(1).isdigit() or self.peek(1) == "."):
            start = self.i
            self.i += 1
            node = self.unary()
            if (
                isinstance(node, Literal)
                and isinstance(node.value, int | float)
                and not isinstance(node.value, bool)
            ):
                return Literal(start, -node.value)
            return Binary(start, "neg", Literal(start, 0), node)
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            c = self.peek()
            if c == "." and (_ident_char(self.peek(1))):
                self.i += 1
                pos = self.i
                while self.i < self.n and _ident_char(self.text[self.i]):
                    self.i += 1
                name = self.text[pos : self.i]
                args = None
                if self.peek() == "(":
                    args = self._call_args()
                node = Member(pos, node, name, args)
            elif c == "." and self.peek(1) in ("", " ", "\t", "\n"):
                raise self.error(
                    "Missing property name after reference operator.", "MissingPropertyName"
                )
            elif c == "[":
                pos = self.i
                self.i += 1
                self.skip(newlines=True)
                if self.peek() == "]":
                    raise self.error(
                        "Array index expression is missing or not valid.",
                        "MissingArrayIndexExpression",
                    )
                index = self.expression()
                self.skip(newlines=True)
                if self.peek() != "]":
                    raise self.error(
                        "Missing ']' after array index expression.", "MissingEndSquareBracket"
                    )
                self.i += 1
                node = Index(pos, node, index)
            else:
                return node

    def _call_args(self) -> list[Node]:
        self.i += 1  # (
        args: list[Node] = []
        self.skip(newlines=True)
        if self.peek() == ")":
            self.i += 1
            return args
        while True:
            self.skip(newlines=True)
            args.append(self.logical_no_array())
            self.skip(newlines=True)
            if self.peek() == ",":
                self.i += 1
                continue
            if self.peek() == ")":
                self.i += 1
                return args
            raise self.error("Missing ')' in method call.", "MissingEndParenthesisInMethodCall")

    def logical_no_array(self) -> Node:
        self.enter()
        try:
            return self.unary()
        finally:
            self.leave()

    def primary(self) -> Node:
        self.enter()
        try:
            return self._primary()
        finally:
            self.leave()

    def _primary(self) -> Node:
        c = self.peek()
        start = self.i
        if c == "'":
            return Literal(start, self.single_quoted())
        if c == '"':
            return self.double_quoted()
        if c == "$":
            if self.peek(1) == "(":
                self.i += 2
                body = self.statements(")")
                self.i += 1
                return SubExpression(start, body)
            return self.variable()
        if c == "(":
            self.i += 1
            self.skip(newlines=True)
            if self.peek() == ")":
                raise self.error("An expression was expected after '('.", "ExpectedExpression")
            body = [self.statement()]
            self.skip(newlines=True)
            if self.peek() != ")":
                if self.at_end():
                    raise self.error(
                        "Missing closing ')' in expression.", "MissingEndParenthesisInExpression"
                    )
                raise self.unexpected()
            self.i += 1
            return SubExpression(start, body)
        if c == "@" and self.peek(1) == "(":
            self.i += 2
            body = self.statements(")")
            self.i += 1
            return SubExpression(start, body, array=True)
        if c == "@" and self.peek(1) == "{":
            return self.hashtable()
        if c == "{":
            return self.scriptblock()
        m = _NUMBER.match(self.text, self.i)
        if m and (
            m.end() >= self.n
            or self.text.startswith("..", m.end())
            or not (_ident_char(self.text[m.end()]) or self.text[m.end()] == ".")
        ):
            self.i = m.end()
            value = _number(m.group(0))
            if value is None:
                raise self.error(
                    f"The numeric constant {m.group(0)} is not valid.", "BadNumericConstant", start
                )
            return Literal(start, value)
        if self.at_end():
            raise self.error("You must provide a value expression.", "ExpectedValueExpression")
        raise self.unexpected()

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
        if self.peek() in ("_", "?", "^", "$") and not _ident_char(self.peek(1)):
            self.i += 1
        else:
            while self.i < self.n and (_ident_char(self.text[self.i]) or self.text[self.i] == ":"):
                if self.text[self.i] == ":" and not _ident_char(self.peek(1)):
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

    def double_quoted(self) -> Node:
        start = self.i
        self.i += 1
        parts: list[str | Node] = []
        buf: list[str] = []
        escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b"}
        while True:
            if self.at_end():
                raise self.error(
                    'The string is missing the terminator: ".',
                    "TerminatorExpectedAtEndOfString",
                    start,
                )
            c = self.text[self.i]
            if c == "`" and self.i + 1 < self.n:
                nxt = self.text[self.i + 1]
                buf.append(escapes.get(nxt, nxt))
                self.i += 2
                continue
            if c == '"':
                if self.peek(1) == '"':
                    buf.append('"')
                    self.i += 2
                    continue
                self.i += 1
                break
            if c == "$" and (
                self.peek(1) == "(" or _ident_char(self.peek(1)) or self.peek(1) == "{"
            ):
                if buf:
                    parts.append("".join(buf))
                    buf = []
                if self.peek(1) == "(":
                    pos = self.i
                    self.i += 2
                    body = self.statements(")")
                    self.i += 1
                    parts.append(SubExpression(pos, body))
                else:
                    parts.append(self.variable())
                continue
            buf.append(c)
            self.i += 1
        if buf:
            parts.append("".join(buf))
        if all(isinstance(p, str) for p in parts):
            return Literal(start, "".join(parts))  # type: ignore[arg-type]
        return ExpandableString(start, parts)

    def hashtable(self) -> Node:
        start = self.i
        self.i += 2
        entries: list[tuple[str, Node]] = []
        while True:
            self.skip_separators()
            if self.at_end():
                raise self.error("The hash literal was incomplete.", "IncompleteHashLiteral", start)
            if self.peek() == "}":
                self.i += 1
                return HashLiteral(start, entries)
            if self.peek() in "'\"":
                key_node = self.primary()
                key = key_node.value if isinstance(key_node, Literal) else ""
            else:
                j = self.i
                while self.i < self.n and (
                    _ident_char(self.text[self.i]) or self.text[self.i] == "-"
                ):
                    self.i += 1
                key = self.text[j : self.i]
                if not key:
                    raise self.error(
                        "Missing key before '=' in hash literal.", "MissingKeyInHashLiteral"
                    )
            self.skip()
            if self.peek() != "=":
                raise self.error(
                    "Missing '=' operator after key in hash literal.", "MissingEqualsInHashLiteral"
                )
            self.i += 1
            self.skip(newlines=True)
            if self.at_end() or self.peek() in ";}":
                raise self.error(
                    "Missing statement after '=' in hash literal.", "MissingStatementInHashLiteral"
                )
            entries.append((str(key), self.statement()))
            self.skip()
            if self.peek() not in ("\n", ";", "}"):
                if self.at_end():
                    raise self.error(
                        "The hash literal was incomplete.", "IncompleteHashLiteral", start
                    )
                raise self.error(
                    "Missing statement after '=' in hash literal.", "MissingStatementInHashLiteral"
                )

    def scriptblock(self) -> Node:
        start = self.i
        self.i += 1
        body = self.statements("}")
        self.i += 1
        return ScriptBlock(start, body, self.text[start + 1 : self.i - 1])


def _number(word: str) -> int | float | None:
    """The value of a numeric literal as Windows PowerShell reads it: integers as long as they
    fit [long] or [decimal], then [double]; None when it is no number or overflows [double]
    (PowerShell's BadNumericConstant) — never a Python error, whatever the length."""
    if word.startswith("-") and len(word) > 1:
        value = _number(word[1:])
        return None if value is None else -value
    m = _NUMBER.fullmatch(word)
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


def parse(text: str) -> list[Statement]:
    """Parse a script; raise ShellParseError (and only it) for invalid text."""
    parser = Parser(text)
    try:
        return parser.parse()
    except RecursionError:
        raise ShellParseError(TOO_COMPLEX, "ScriptTooComplicated", parser.i) from None
