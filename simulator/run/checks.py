"""Checking expectations against a run: a path's value against each operator, or a count of
trace events with `where:` filters and `after`/`before` windows. The expectation models are
the language's (`simulator.language.expectations`); this is the runner's side of them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from simulator.language.expectations import (
    Check,
    Expectation,
    is_where_operator,
    moment_seconds,
    where_matches,
)
from simulator.world.durations import format_time
from simulator.world.world import World


def check(exp: Expectation, world: World, observe: Callable[[str], Any]) -> list[str]:
    """The failures of `exp` now (none when it holds); `any_of` holds when one alternative does."""
    if exp.any_of is None:
        return _check_one(exp, world, observe)
    tried = [_check_one(alt, world, observe) for alt in exp.alternatives()]
    if any(not fails for fails in tried):
        return []
    return [f"none of the alternatives held: {'; '.join(f for fails in tried for f in fails)}"]


def _check_one(exp: Check, world: World, observe: Callable[[str], Any]) -> list[str]:
    when = world.clock.iso()
    if exp.trace is not None:
        n = _count(exp, world)
        fails = []
        for op, target in exp.operators():
            ok = {
                "count": n == target,
                "count_at_least": n >= target,
                "count_at_most": n <= target,
            }[op]
            if not ok:
                fails.append(f"{exp.describe_check()}: found {n} at {when}")
        return fails
    try:
        value = observe(exp.path or "")
    except KeyError as exc:
        return [f"{exp.path}: {exc.args[0]} at {when}"]
    fails = []
    for op, target in exp.operators():
        ok, found = _apply(op, value, target, observe)
        if not ok:
            fails.append(f"{exp.path}: expected {op} {_short(target)}, found {found} at {when}")
    return fails


def _count(exp: Check, world: World) -> int:
    """How many trace events of the kind match `where` (plain values or operators) and
    fall inside `after`/`before`. Plain equality only takes the trace's own fast count."""
    trace = world.trace
    kind = str(exp.trace)
    plain = all(not is_where_operator(v) for v in exp.where.values())
    if plain and exp.after is None and exp.before is None:
        return trace.count(kind, **exp.where)
    start = world.clock.start
    after = moment_seconds(exp.after, start)
    before = moment_seconds(exp.before, start)
    low = None if after is None else format_time(world.clock.to_datetime(after))
    high = None if before is None else format_time(world.clock.to_datetime(before))
    n = 0
    for event in trace.events:
        if event["kind"] != kind:
            continue
        t = event["t"]  # fixed-width ISO text: compares as times do
        if (low is not None and t <= low) or (high is not None and t >= high):
            continue
        if all(where_matches(event, k, v) for k, v in exp.where.items()):
            n += 1
    return n


def _apply(op: str, value: Any, target: Any, observe: Callable[[str], Any]) -> tuple[bool, str]:
    found = _short(value)
    if op == "equals":
        return _eq(value, target), found
    if op == "not_equals":
        return not _eq(value, target), found
    if op == "contains":
        return (target in value) if isinstance(value, list | str | dict) else False, found
    if op == "not_contains":
        return (target not in value) if isinstance(value, list | str | dict) else False, found
    if op in ("at_least", "at_most"):
        number = len(value) if isinstance(value, list | dict) else value
        if not isinstance(number, int | float):
            return False, f"{found} (not a number)"
        return (number >= target if op == "at_least" else number <= target), found
    if op == "matches":
        return re.search(str(target), _text(value)) is not None, found
    if op == "not_matches":
        return re.search(str(target), _text(value)) is None, found
    if op == "is_set":
        is_set = value not in (None, "", [], {})
        return is_set == bool(target), found
    if op == "length":
        return isinstance(value, list | dict | str) and len(value) == target, found
    if op == "not_same_as":
        try:
            other = observe(str(target))
        except KeyError as exc:
            return False, f"(cannot read {target}: {exc.args[0]})"
        return not _eq(value, other), f"{found}, the same as {target}"
    if op == "same_as":
        try:
            other = observe(str(target))
        except KeyError as exc:
            return False, f"(cannot read {target}: {exc.args[0]})"
        if _eq(value, other):
            return True, found
        if isinstance(value, list) and isinstance(other, list):
            missing = sorted(set(map(str, other)) - set(map(str, value)))
            extra = sorted(set(map(str, value)) - set(map(str, other)))
            return False, (
                f"{len(value)} items vs {len(other)}; missing {len(missing)} "
                f"{missing[:5]}, extra {len(extra)} {extra[:5]}"
            )
        return False, f"{found} vs {_short(other)}"
    raise ValueError(op)


def _eq(value: Any, target: Any) -> bool:
    if isinstance(value, datetime) and isinstance(target, str):
        return format_time(value) == target or value.isoformat() == target
    if isinstance(value, datetime) and isinstance(target, datetime):
        return value == target
    return value == target


def _text(value: Any) -> str:
    return format_time(value) if isinstance(value, datetime) else str(value)


def _short(value: Any) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, list) and len(value) > 8:
        return f"[{', '.join(map(repr, value[:5]))}, ... ({len(value)} items)]"
    text = repr(value)
    return text if len(text) <= 300 else text[:300] + "..."
