"""A class: one live session per student from one starting scenario (or exercise), the
tokens that reach them, and the ticker that keeps every world's clock moving.

Tokens come from `secrets` (unguessable, one per student and one for the trainer); a
student's token names that student's session and nothing else. The ticker runs on the
server's event loop: each round it lets every world catch up with the wall clock for a
bounded slice of wall time, yielding to requests between worlds — no threads touch a world.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.lab.session import LabSession
from simulator.language.schema import Scenario

LOG = logging.getLogger("simulator.lab")
TICK = 0.1  # wall seconds between rounds of the ticker
SLICE = 0.02  # wall seconds one world may take per round before the others get their turn


@dataclass(frozen=True)
class Principal:
    """Who a token belongs to: the trainer, or one student."""

    role: str  # "trainer" or "student"
    student: str | None = None


@dataclass
class Classroom:
    scenario: Scenario
    sessions: dict[str, LabSession] = field(default_factory=dict)
    tokens: dict[str, Principal] = field(default_factory=dict)
    exercise: Any = None
    wall: Callable[[], float] = time.monotonic  # wall-clock-ok: pacing only
    errors: int = 0

    @classmethod
    def create(
        cls,
        scenario: Scenario,
        students: int,
        seed: int | None = None,
        exercise: Any = None,
        wall: Callable[[], float] = time.monotonic,  # wall-clock-ok: pacing only
        speed: int = 0,
    ) -> Classroom:
        """`students` sessions (s1, s2, ...), each its own world of `scenario`, with tokens."""
        if not 1 <= students <= 200:
            raise ValueError(f"--students must be between 1 and 200; found {students}")
        room = cls(scenario, exercise=exercise, wall=wall)
        room.tokens[secrets.token_urlsafe(24)] = Principal("trainer")
        for n in range(1, students + 1):
            name = f"s{n}"
            room.sessions[name] = LabSession(scenario, name, seed, wall=wall, speed=speed)
            room.tokens[secrets.token_urlsafe(24)] = Principal("student", name)
        return room

    def principal(self, token: str | None) -> Principal | None:
        """The owner of `token`, compared in constant time; None for anything else."""
        if not token:
            return None
        found = None
        for known, who in self.tokens.items():
            if hmac.compare_digest(known.encode(), token.encode("utf-8", "replace")):
                found = who
        return found

    def token_of(self, role: str, student: str | None = None) -> str:
        return next(t for t, p in self.tokens.items() if p == Principal(role, student))

    def choose(self, students: Any) -> list[LabSession]:
        """`"all"` or a list of student names → their sessions; `KeyError` naming an unknown one."""
        if students == "all":
            return list(self.sessions.values())
        if (
            not isinstance(students, list)
            or not students
            or not all(isinstance(s, str) for s in students)
        ):
            raise TypeError('students must be "all" or a non-empty list of names such as ["s1"]')
        unknown = [s for s in students if s not in self.sessions]
        if unknown:
            raise KeyError(f"no student {unknown[0]!r} (students: {', '.join(self.sessions)})")
        return [self.sessions[s] for s in students]

    # -- the clocks ----------------------------------------------------------------------------------
    def tick_all(self, budget: float = SLICE) -> None:
        """One round without yielding (tests, the benchmark): every world catches up."""
        for session in self.sessions.values():
            self._tick(session, budget)

    def _tick(self, session: LabSession, budget: float) -> None:
        if session.broken:
            return
        try:
            session.tick(budget)
        except Exception:  # a bug in a world: that world stops, the class goes on
            self.errors += 1
            LOG.exception("the world of %s stopped", session.student)

    async def run_ticker(self) -> None:
        """Keep every world's clock following the wall clock until cancelled."""
        while True:
            for session in list(self.sessions.values()):
                self._tick(session, SLICE)
                await asyncio.sleep(0)  # requests waiting get their turn between worlds
            await asyncio.sleep(TICK)
