"""The `where:` filters of a trace expectation: a field's value, or operators
(`{in: [407, 502]}`, `{matches: '^Get-'}`, `{at_least: n}`...). Adding a where-operator is its
name in WHERE_OPERATORS and its test in `where_matches`.
"""

from __future__ import annotations

import re
from typing import Any

#: Operators a `where:` field of a trace expectation may take instead of a plain value.
WHERE_OPERATORS = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "matches",
    "not_matches",
    "at_least",
    "at_most",
)


def is_where_operator(value: Any) -> bool:
    """Whether a `where:` value is operators ({in: [...]}) rather than a value to equal."""
    return isinstance(value, dict)


def where_matches(event: dict[str, Any], field: str, wanted: Any) -> bool:
    """Whether a trace event's `field` satisfies one `where:` entry (a value or operators)."""
    value = event.get(field)
    if not is_where_operator(wanted):
        return value == wanted
    for op, target in wanted.items():
        if op == "equals" and value != target:
            return False
        if op == "not_equals" and value == target:
            return False
        if op == "in" and value not in target:
            return False
        if op == "not_in" and value in target:
            return False
        if op in ("matches", "not_matches"):
            found = value is not None and re.search(str(target), str(value)) is not None
            if found != (op == "matches"):
                return False
        if op in ("at_least", "at_most"):
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            if (value < target) if op == "at_least" else (value > target):
                return False
    return True
