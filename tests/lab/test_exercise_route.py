"""`GET /api/exercise`: the exercise's text, each check green or red against the student's
live world (the exercises module's `evaluate`, the runner's checker), and the score — from
0 at the start to full once the solution has been played through the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.lab.app import build_app
from simulator.lab.classroom import Classroom
from simulator.lab.exercises import load_exercise
from simulator.language.schema import Advance
from tests.lab.conftest import TestClient, Wall, bearer

EXERCISE = Path(__file__).resolve().parents[2] / "labs" / "01-install-and-connect.yaml"


def test_the_exercise_is_scored_as_the_student_solves_it(wall: Wall):
    exercise = load_exercise(EXERCISE)
    room = Classroom.create(exercise.scenario, 2, exercise=exercise, wall=wall)
    with TestClient(build_app(room, ticker=False)) as client:
        me = bearer(room, "s1")
        start = client.get("/api/exercise", headers=me).json()
        assert start["name"] == exercise.name and start["task"] and start["hints"]
        assert start["score"] == 0 and start["total"] == len(exercise.checks)
        assert {c["title"] for c in start["checks"]} == {c.title for c in exercise.checks}
        assert "solution" not in start
        session = room.sessions["s1"]
        for step in exercise.solution:
            if isinstance(step, Advance):
                session.advance_to(session.env.now + step.seconds)
                continue
            data: dict[str, Any] = step.model_dump(mode="json", exclude_unset=True)
            assert client.post("/api/steps", json=data, headers=me).json()["ok"] is True
        done = client.get("/api/exercise", headers=me).json()
        assert done["score"] == done["total"], done["checks"]
        # the other student's world is untouched, and the trainer sees both scores
        assert client.get("/api/exercise", headers=bearer(room, "s2")).json()["score"] == 0
        students = client.get("/api/trainer/students", headers=bearer(room, "trainer")).json()
        assert [(s["score"], s["total"]) for s in students["students"]] == [
            (done["total"], done["total"]),
            (0, done["total"]),
        ]
