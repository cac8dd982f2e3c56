"""The syntax tree of the PowerShell subset: statements, pipelines, commands and expressions.

Every node keeps the offset of its first character in the script, so that errors point at it
("At line:1 char:16") the way PowerShell does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Node:
    pos: int


# -- expressions ------------------------------------------------------------------------------------
@dataclass
class Literal(Node):
    value: Any


@dataclass
class ExpandableString(Node):
    """A double-quoted string: literal parts and `$variable` / `$(...)` parts."""

    parts: list[str | Node]


@dataclass
class Variable(Node):
    name: str  # lower-case, without `$`


@dataclass
class ArrayLiteral(Node):
    items: list[Node]


@dataclass
class HashLiteral(Node):
    entries: list[tuple[str, Node]]


@dataclass
class ScriptBlock(Node):
    body: list[Statement]
    text: str


@dataclass
class SubExpression(Node):
    """`( pipeline )`, `$( statements )` or `@( statements )`."""

    body: list[Statement]
    array: bool = False  # @( ): always an array


@dataclass
class Member(Node):
    target: Node
    name: str
    args: list[Node] | None = None  # a method call when not None


@dataclass
class Index(Node):
    target: Node
    index: Node


@dataclass
class Unary(Node):
    op: str  # -not
    operand: Node


@dataclass
class Binary(Node):
    op: str  # -eq, -and, ...
    left: Node
    right: Node


# -- commands and statements -----------------------------------------------------------------------
@dataclass
class Parameter(Node):
    name: str  # without the dash
    value: Node | None = None  # -Name:value
    colon: bool = False


@dataclass
class Command(Node):
    name: str
    args: list[Parameter | Node] = field(default_factory=list)
    end: int = 0  # offset just past the command's last character


@dataclass
class Pipeline(Node):
    elements: list[Command | Node]


@dataclass
class Assignment(Node):
    variable: str
    value: Pipeline


Statement = Pipeline | Assignment
