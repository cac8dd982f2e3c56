"""The session's clock: simulated time follows the (hand-driven) wall clock × speed, pauses,
and jumps to the next connector job or fault; the world is advanced by calling the session
directly, never by sleeping."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.lab.session import LabSession, SessionError
from tests.lab.conftest import PROXY, Wall, configure


@pytest.fixture
def session(scenario: Any, wall: Wall) -> LabSession:
    return LabSession(scenario, "s1", wall=wall)


def connected(session: LabSession) -> LabSession:
    for step in (
        {"do": "download_package", "host": "CONN01"},
        {"do": "install", "host": "CONN01"},
        configure(proxy=PROXY),
    ):
        assert session.act(step).ok
    return session


@pytest.mark.parametrize("speed", [1, 60, 3600])
def test_simulated_time_follows_the_wall_clock_at_its_speed(
    session: LabSession, wall: Wall, speed: int
):
    session.set_speed(speed)
    before = session.env.now
    wall.now += 2.5
    assert session.tick() is True
    assert session.env.now == pytest.approx(before + 2.5 * speed)
    assert session.clock_state()["speed"] == speed and session.clock_state()["behind"] == 0


def test_paused_time_stands_still_and_resumes_from_where_it_stood(session: LabSession, wall: Wall):
    session.set_speed(60)
    wall.now += 10
    session.tick()
    stood = session.env.now
    session.set_speed(0)
    wall.now += 1000
    session.tick()
    assert session.env.now == stood and session.clock_state()["paused"] is True
    session.set_speed(60)
    wall.now += 1
    session.tick()
    assert session.env.now == pytest.approx(stood + 60)


def test_a_speed_that_is_not_offered_is_refused(session: LabSession):
    with pytest.raises(SessionError) as refused:
        session.set_speed(10)
    assert refused.value.field == "speed"


def test_jump_to_the_next_connector_job_runs_it(session: LabSession):
    connected(session)
    due = session.next_job()
    assert due is not None and due > session.env.now
    jobs = session.world.trace.kinds["connector.jobs"]
    session.jump("next_job")
    assert session.env.now >= due
    assert session.world.trace.kinds["connector.jobs"] > jobs
    state = session.clock_state()
    assert state["next_job"] is not None and state["next_job"] > state["now"][:19]


def test_jump_to_the_next_event_stops_at_a_fault_edge(session: LabSession):
    connected(session)
    session.act({"do": "fault", "kind": "intune_unreachable", "lasting": "2h"}, by="trainer")
    ends = session.env.now + 7200
    for _ in range(200):
        if session.env.now >= ends - 1:
            break
        session.jump("next_event")
    assert session.env.now == pytest.approx(ends, abs=0.01)
    assert not session.world.faults.active("intune_unreachable", session.env.now)


def test_nothing_to_jump_to_is_said(session: LabSession):
    with pytest.raises(SessionError) as refused:
        session.jump("next_job")
    assert refused.value.field == "to" and "nothing is scheduled" in refused.value.message


def test_a_budget_stops_a_slice_early_and_the_clock_runs_as_fast_as_it_can(scenario: Any):
    class Stepping(Wall):
        """Each reading moves the wall clock on: every event overruns the budget."""

        def __call__(self) -> float:
            self.now += 1.0
            return self.now

    wall = Stepping()
    session = connected(LabSession(scenario, "s1", wall=wall))
    session.set_speed(3600)
    wall.now += 100
    wanted = session.clock.target(wall.now)
    assert session.tick(budget=0.5) is False
    behind = session.env.now
    assert behind < wanted
    assert session.clock.sim_anchor == behind  # re-anchored: no burst to catch up later


def test_actions_are_stamped_after_everything_already_run(session: LabSession):
    connected(session)
    session.jump("next_job")
    ran_until = session.env.now
    action = session.act({"do": "request_sync", "kind": "quick"})
    assert session.world.clock.to_seconds(action.at) > ran_until
