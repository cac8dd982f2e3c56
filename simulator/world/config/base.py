"""What every part of the world's configuration shares: models that refuse unknown keys
(a misspelled key is refused with the file, line and the closest valid names), durations and
moments on the simulated clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
)

from simulator.world.durations import parse_duration


class Strict(BaseModel):
    """Unknown keys refused (a misspelling is named); numbers finite (`.inf`, `.nan` would
    reach the clock and the models as durations, rates and round trips)."""

    model_config = ConfigDict(extra="forbid", defer_build=True, allow_inf_nan=False)


class FieldError(ValueError):
    """A validator's complaint about one part of its value: `loc` continues the field's
    location (a step's index, a setting's key), so the loader reports the error at that
    part's own line rather than at the line of the list or mapping the validator was given."""

    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _duration(v: str) -> str:
    parse_duration(v)
    return v


Duration = Annotated[str, AfterValidator(_duration)]
"""`90s`, `15m`, `2h`, `1d`, `1h30m`."""


def _time_point(v: Any) -> Any:
    if isinstance(v, datetime):
        if v.tzinfo is None:
            raise ValueError("a time needs a timezone, e.g. 2016-05-02T10:00:00Z")
        return v
    if isinstance(v, bool):
        raise ValueError("expected a duration from the start (2h) or a time with a timezone")
    if isinstance(v, int | float):
        return parse_duration(v)  # finite, and within the longest span a scenario may name
    if isinstance(v, str):
        if not (v[:1].isdigit() and "-" in v):  # a "-" is never in a duration: a time
            parse_duration(v)
            return v
        try:
            return _time_point(datetime.fromisoformat(v))
        except ValueError as exc:
            if "timezone" in str(exc):
                raise
            raise ValueError(f"{v!r} is neither a duration (2h) nor an ISO 8601 time") from None
    raise ValueError("expected a duration from the start (2h) or a time with a timezone")


TimePoint = Annotated[str | float | datetime, AfterValidator(_time_point)]
"""A duration from the scenario's start (`2h`), seconds, or an aware date-time."""


def seconds_from_start(point: str | float | datetime, start: datetime) -> float:
    if isinstance(point, datetime):
        return (point - start).total_seconds()
    return parse_duration(point)
