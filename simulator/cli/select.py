"""Choosing scenarios on the command line: `-k` (pytest's simple form) and `--tags`."""

from __future__ import annotations

from simulator.cli.common import error

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from rich.console import Console

    from simulator.language.schema import Scenario


class KeywordError(ValueError):
    """A `-k` expression that cannot be parsed."""


class Keyword:
    """`-k` in pytest's simple form, matched against scenario names.

    Supported: a word matches the names that contain it (case-insensitive substring);
    `not X`, `X and Y`, `X or Y` and parentheses combine them, with `not` binding tighter
    than `and`, and `and` tighter than `or` — so `sync and not proxy or smoke` means
    `(sync and (not proxy)) or smoke`. A word is any run of characters other than spaces and
    parentheses, so names with dashes need no quoting: `-k first-full`."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = expression.replace("(", " ( ").replace(")", " ) ").split()
        if not self.tokens:
            raise KeywordError("-k needs an expression, e.g. -k sync or -k 'not proxy'")
        self.pos = 0
        self.tree = self._or()
        if self.pos != len(self.tokens):
            raise KeywordError(
                f"-k {expression!r}: unexpected {self.tokens[self.pos]!r} "
                "(combine words with and, or, not and parentheses)"
            )

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _binary(self, op: str, operand: Callable[[], Any]) -> Any:
        """`operand (op operand)*`, left-associative: one precedence level."""
        node = operand()
        while self._peek() == op:
            self.pos += 1
            node = (op, node, operand())
        return node

    def _or(self) -> Any:
        return self._binary("or", self._and)

    def _and(self) -> Any:
        return self._binary("and", self._not)

    def _not(self) -> Any:
        token = self._peek()
        if token is None:
            raise KeywordError(f"-k {self.expression!r}: the expression ends too early")
        self.pos += 1
        if token == "not":
            return ("not", self._not())
        if token == "(":
            node = self._or()
            if self._peek() != ")":
                raise KeywordError(f"-k {self.expression!r}: a '(' is not closed")
            self.pos += 1
            return node
        if token in ("and", "or", ")"):
            raise KeywordError(f"-k {self.expression!r}: unexpected {token!r}")
        return ("word", token.lower())

    def matches(self, name: str) -> bool:
        def ev(node: Any) -> bool:
            op = node[0]
            if op == "word":
                return node[1] in name.lower()
            if op == "not":
                return not ev(node[1])
            if op == "and":
                return ev(node[1]) and ev(node[2])
            return ev(node[1]) or ev(node[2])

        return ev(self.tree)


def select(
    scenarios: list[Scenario], keyword: str | None, tags: list[str] | None, err: Console
) -> list[Scenario] | None:
    """The scenarios `-k` and `--tags` select; None (and a message) when they select none."""
    chosen = scenarios
    if keyword is not None:
        try:
            expr = Keyword(keyword)
        except KeywordError as exc:
            error(err, str(exc))
            return None
        chosen = [s for s in chosen if expr.matches(s.name)]
    wanted = {t.strip().lower() for group in tags or [] for t in group.split(",") if t.strip()}
    if tags is not None and not wanted:
        error(err, "--tags needs at least one tag, e.g. --tags proxy,smoke")
        return None
    if wanted:
        chosen = [s for s in chosen if wanted & {t.lower() for t in s.tags}]
    if not chosen:
        asked = " ".join(
            ([f"-k {keyword!r}"] if keyword is not None else [])
            + ([f"--tags {','.join(sorted(wanted))}"] if wanted else [])
        )
        known = sorted({t for s in scenarios for t in s.tags})
        error(
            err,
            f"{asked} selects none of the {len(scenarios)} scenario(s) found"
            + (f" (their tags: {', '.join(known)})" if wanted and known else ""),
        )
        return None
    return chosen
