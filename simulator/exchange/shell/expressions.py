"""Expression mode of the shell's parser: the operators by precedence (`-and -or -xor`,
`-not !`, comparisons with their `-c`/`-i` variants, `+ -`, `* / %`, `..`, the comma and
the unary minus), primaries (literals, variables, `$(...)`, `@(...)`, `(...)`, hashtables,
script blocks, double-quoted strings with their `$var` and `$(...)` parts), member access,
method calls and indexing.

`ExpressionParser` works on a `Scanner`'s cursor; where an expression holds statements
(`$(...)`, `{...}`, a hashtable's values) it calls back into `Parser` (parser.py), whose
class derives from this one: the grammar is one recursive descent, split by mode.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from simulator.exchange.shell.ast import (
    ArrayLiteral,
    Binary,
    ExpandableString,
    HashLiteral,
    Index,
    Literal,
    Member,
    Node,
    ScriptBlock,
    Statement,
    SubExpression,
    Unary,
)
from simulator.exchange.shell.scanner import NUMBER, Scanner, ident_char, number_value

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


class ExpressionParser(Scanner):
    """The expression-mode half of the grammar (`Parser` adds statements and commands)."""

    statements: Callable[[str | None], list[Statement]]
    statement: Callable[[], Statement]

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
            if c == "." and (ident_char(self.peek(1))):
                self.i += 1
                pos = self.i
                while self.i < self.n and ident_char(self.text[self.i]):
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
        m = NUMBER.match(self.text, self.i)
        if m and (
            m.end() >= self.n
            or self.text.startswith("..", m.end())
            or not (ident_char(self.text[m.end()]) or self.text[m.end()] == ".")
        ):
            self.i = m.end()
            value = number_value(m.group(0))
            if value is None:
                raise self.error(
                    f"The numeric constant {m.group(0)} is not valid.", "BadNumericConstant", start
                )
            return Literal(start, value)
        if self.at_end():
            raise self.error("You must provide a value expression.", "ExpectedValueExpression")
        raise self.unexpected()

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
                self.peek(1) == "(" or ident_char(self.peek(1)) or self.peek(1) == "{"
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
                    ident_char(self.text[self.i]) or self.text[self.i] == "-"
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
