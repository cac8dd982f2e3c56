"""Running to the moment asked about (the world stopped there) or cutting a saved trace at
it, and what every answer shares: the error for a question that cannot be answered."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from simulator.language.moments import check_moment, moment_seconds
from simulator.language.schema import Scenario
from simulator.world.durations import format_time

if TYPE_CHECKING:
    from simulator.run.runner import Runner


class WhyError(Exception):
    """A question that cannot be answered: an unknown device, a moment outside the run."""


# -- running to the moment asked about ----------------------------------------------------------
def at_moment(
    scenario: Scenario, at: str | None, seed: int | None, capture: Any
) -> tuple[Any, list[dict[str, Any]], Runner]:
    """Run `scenario` and call `capture(runner)` at `at` (a duration from the start or an
    aware time; None: the end of the run). Returns (what capture gave, the trace's events up
    to that moment, the runner)."""
    # imported here: the HTML report reads `device_history` without loading the runner
    from simulator.run.runner import Runner, _Late

    runner = Runner(scenario, seed)
    taken: list[Any] = []
    seconds: float | None = None
    if at is not None:
        try:
            moment = check_moment("--at", at)
        except ValueError as exc:
            raise WhyError(str(exc)) from None
        seconds = moment_seconds(moment, runner.world.clock.start)
        assert seconds is not None

        def late() -> Iterator[Any]:
            yield _Late(runner.env, seconds)
            taken.append((capture(runner), len(runner.world.trace.events)))

        runner.env.process(late())
    runner.run()
    if seconds is not None and not taken:
        raise WhyError(
            f"--at {at}: the run ended at {runner.world.clock.iso()}, before that moment"
        )
    if not taken:
        taken.append((capture(runner), len(runner.world.trace.events)))
    value, count = taken[0]
    return value, runner.world.trace.events[:count], runner


# -- a saved trace, cut at the moment asked about ------------------------------------------
def trace_until(events: list[dict[str, Any]], at: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The trace's events up to `at` (a duration from the run's start or an aware time), and
    that moment as the trace writes times."""
    if not events:
        raise WhyError("the trace holds no events")
    if at is None:
        return events[-1]["t"], events
    try:
        moment = check_moment("--at", at)
    except ValueError as exc:
        raise WhyError(str(exc)) from None
    start = datetime.fromisoformat(events[0]["t"].replace("Z", "+00:00"))
    seconds = moment_seconds(moment, start)
    assert seconds is not None

    when = format_time(start + timedelta(seconds=seconds))
    if when > events[-1]["t"]:
        raise WhyError(f"--at {at}: the trace ends at {events[-1]['t']}, before that moment")
    return when, [e for e in events if e["t"] <= when]


def record_time(iso: str | None) -> str | None:
    """A record's ISO time as the trace writes times (None stays None)."""
    return format_time(datetime.fromisoformat(iso)) if iso else None
