"""SimClock: datetimes, durations, virtual offsets of synchronous jobs, parallel lanes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from simulator.world.clock import SimClock
from simulator.world.durations import DEFAULT_START, format_time, parse_duration


def test_now_is_start_plus_simpy_time_plus_the_jobs_offset():
    clock = SimClock()
    assert clock.now() == DEFAULT_START
    clock.spend(90)
    assert format_time(clock.now()) == "2016-05-02T08:01:30.000Z"
    assert clock.take_offset() == 90 and clock.seconds == 0


def test_job_waits_out_the_time_it_spent():
    clock = SimClock()
    seen = []

    def proc():
        result = yield from clock.job(lambda: clock.spend(12.5) or "done")
        seen.append((result, clock.env.now))

    clock.env.process(proc())
    clock.env.run()
    assert seen == [("done", 12.5)]


def test_lanes_overlap_and_join_at_the_furthest():
    clock = SimClock()
    clock.spend(1)
    for _ in range(3):
        for lane in ("a", "b", "c"):
            with clock.lane(lane):
                clock.spend(2)
    assert clock.seconds == 7  # 1 + 3 calls x 2 s on each of three lanes side by side
    clock.spend(1)
    assert clock.take_offset() == 8


def test_one_lane_is_plain_sequential_time():
    clock = SimClock()
    for _ in range(4):
        with clock.lane("only"):
            clock.spend(3)
        clock.spend(1)
    assert clock.take_offset() == 16


def test_naive_start_and_negative_costs_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        SimClock(datetime(2016, 5, 2))
    with pytest.raises(ValueError):
        SimClock().spend(-1)
    assert SimClock(datetime(2016, 5, 2, tzinfo=UTC)).start.tzinfo is UTC


@pytest.mark.parametrize(
    "text, seconds",
    [("90s", 90), ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), (42, 42)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["soon", "10", "1x", "h"])
def test_bad_durations_say_what_is_expected(text):
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
