"""Moments of a run as scenarios write them: a duration from the scenario's start (90s, 2h,
1d6h), seconds, or an aware time — for `at:`, `after:` and `before:`.
"""

from __future__ import annotations

from datetime import datetime

from simulator.world.durations import format_time, parse_duration

MOMENT = str | int | float | datetime | None


def check_moment(
    name: str, v: str | int | float | datetime | None
) -> str | int | float | datetime | None:
    """A moment of the run: a duration from the start (90s, 2h, 1d6h) or an aware time."""
    if v is None or isinstance(v, int | float):
        if v is not None and v < 0:
            raise ValueError(f"{name} must not be negative; found {v!r}")
        return v
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise ValueError(f"{name} needs a timezone, e.g. 2016-05-02T10:00:00Z; found {v}")
        return v
    try:
        parse_duration(v)
        return v
    except ValueError:
        pass
    try:
        when = datetime.fromisoformat(v)
    except ValueError:
        raise ValueError(
            f"{name} takes a duration from the start (90s, 2h, 1d6h) or a time such as "
            f"2016-05-02T10:00:00Z; found {v!r}"
        ) from None
    if when.tzinfo is None:
        raise ValueError(f"{name} needs a timezone, e.g. 2016-05-02T10:00:00Z; found {v!r}")
    return when


def moment_seconds(at: str | int | float | datetime | None, start: datetime) -> float | None:
    """Simulated seconds from `start` of a moment, or None when there is none.

    A duration is relative to the scenario's start; an absolute time is converted, so both
    forms of the same moment mean the same instant."""
    if at is None:
        return None
    if isinstance(at, datetime):
        return (at - start).total_seconds()
    if isinstance(at, int | float):
        return float(at)
    return parse_duration(at)


def moment_text(at: str | int | float | datetime) -> str:
    if isinstance(at, datetime):
        return format_time(at)
    return f"{at}s" if isinstance(at, int | float) else at
