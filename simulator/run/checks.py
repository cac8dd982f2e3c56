"""Checking expectations against a run: the value at a path (read with the runner's
`observe`) against each operator, or a count of trace events with `where:` filters and
`after`/`before` windows. What each operator means is the language's
(`simulator.language.expectations`): this is only the runner's side of reading the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.language.expectations import Check, Expectation, apply_operator, short
from simulator.language.moments import moment_seconds
from simulator.language.where import is_where_operator, where_matches
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
        ok, found = apply_operator(op, value, target, observe)
        if not ok:
            fails.append(f"{exp.path}: expected {op} {short(target)}, found {found} at {when}")
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
