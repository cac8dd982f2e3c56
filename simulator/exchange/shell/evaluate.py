"""Expression evaluation in the shell twin: literals, variables (`$true`, `$false`, `$null`,
`$?`), expandable strings, arrays, hashtables, script blocks, sub-expressions, member access
and method calls, indexing, and the operators (`arithmetic.py`, `values.py`) — each step
counted against the line's budget and each value an operator builds counted by its size
(limits.py), each runtime error located at its node.

A part of `ExchangeShell` (interpreter.py): sub-expressions and hashtable values are
pipelines, which the interpreter runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.exchange.shell import ast, limits
from simulator.exchange.shell.arithmetic import arithmetic, make_range
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


class Evaluator:
    """`ExchangeShell`'s expression evaluation (state made in the shell's `__init__`)."""

    variables: dict[str, Any]
    last_ok: bool
    _step: Callable[..., None]
    _pipeline: Callable[[ast.Pipeline], list[Any]]
    _statement: Callable[[ast.Statement], None]

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
                key: unwrap(self._pipeline(value)) if isinstance(value, ast.Pipeline) else None
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
            return out if node.array else unwrap(out)
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


def as_items(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def unwrap(values: list[Any]) -> Any:
    if not values:
        return None
    return values[0] if len(values) == 1 else values
