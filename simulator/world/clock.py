"""One clock for the whole world: a simpy environment seen as aware UTC datetimes.

simpy counts float seconds from the scenario's `start`. Connector jobs are ordinary
synchronous code: each port call they make `spend`s its simulated cost (cmdlet latency, HTTP
round trip) on a virtual offset, so `now()` moves forward inside the job and a fault that
starts in the middle of a sync hits that sync. When the job returns, the simpy process that
ran it waits out the offset (`job`).

**Lanes** model work that runs side by side inside one job — several remote PowerShell
runspaces working at once. Time spent inside `lane(k)` advances only lane `k`; a lane starts
where the job's main timeline is (or where that lane last stopped, if later), and the main
timeline catches up with the furthest lane as soon as the job does anything outside a lane
or reads the time. With one lane this is exactly sequential time; with k busy lanes a batch
of calls takes about 1/k of its sequential time.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import simpy

from simulator.world.durations import DEFAULT_START, format_time

T = TypeVar("T")


class SimClock:
    def __init__(self, start: datetime = DEFAULT_START) -> None:
        if start.tzinfo is None:
            raise ValueError("the simulated clock needs a timezone-aware start time")
        self.start = start.astimezone(UTC)
        self.env = simpy.Environment()
        self._offset = 0.0
        self._lanes: dict[object, float] = {}
        self._lane: object | None = None
        self._lane_pos = 0.0

    @property
    def seconds(self) -> float:
        """Simulated seconds since start, including the running job's virtual offset."""
        if self._lane is not None:
            return self.env.now + self._lane_pos
        return (
            self.env.now + max(self._offset, *self._lanes.values())
            if self._lanes
            else self.env.now + self._offset
        )

    @contextmanager
    def lane(self, key: object) -> Iterator[None]:
        """Spend the time of the enclosed calls on lane `key` (one runspace of several)."""
        outer = (self._lane, self._lane_pos)
        self._lane = key
        self._lane_pos = max(self._offset, self._lanes.get(key, 0.0))
        try:
            yield
        finally:
            self._lanes[key] = self._lane_pos
            self._lane, self._lane_pos = outer

    def _join(self) -> None:
        if self._lanes:
            self._offset = max(self._offset, *self._lanes.values())
            self._lanes.clear()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.seconds)

    def to_datetime(self, seconds: float) -> datetime:
        return self.start + timedelta(seconds=seconds)

    def to_seconds(self, when: datetime) -> float:
        return (when - self.start).total_seconds()

    def spend(self, seconds: float) -> None:
        """Account for the simulated cost of a synchronous call."""
        if seconds < 0:
            raise ValueError("a call cannot take negative time")
        if self._lane is not None:
            self._lane_pos += seconds
            return
        self._join()
        self._offset += seconds

    def take_offset(self) -> float:
        self._join()
        offset, self._offset = self._offset, 0.0
        return offset

    def job(self, fn: Callable[[], T]) -> Generator[simpy.Event, Any, T]:
        """Run `fn` now inside a simpy process, then wait for the time it spent."""
        if self._offset:
            raise RuntimeError("a job started while another job's time was still unaccounted")
        try:
            result = fn()
        finally:
            spent = self.take_offset()
        if spent:
            yield self.env.timeout(spent)
        return result

    def iso(self, when: datetime | None = None) -> str:
        return format_time(when or self.now())
