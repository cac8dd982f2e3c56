"""The trainer's routes (docs/lab-api.md): every student's progress, the fault panel (a
`do: fault` step of the world's fault kinds, into one world or all), any step, the clocks,
and each student's export and timeline."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.lab.classroom import Classroom
from simulator.lab.http import ApiError, classroom, field_of, guarded, ok, read_json
from simulator.lab.session import LabSession
from simulator.lab.student import action_result, export_response, timeline_response


def _sessions(room: Classroom, data: Any) -> list[LabSession]:
    try:
        return room.choose(field_of(data, "students", (str, list)))
    except TypeError as exc:
        raise ApiError(400, "bad_request", str(exc), "students") from None
    except KeyError as exc:
        raise ApiError(404, "not_found", str(exc.args[0]), "students") from None


def _student(request: Request) -> LabSession:
    room = classroom(request)
    name = request.path_params["student"]
    if name not in room.sessions:
        raise ApiError(
            404,
            "not_found",
            f"no student {name!r} (students: {', '.join(room.sessions)})",
            "student",
        )
    return room.sessions[name]


def progress(room: Classroom, session: LabSession) -> dict[str, Any]:
    conn = session.world.console.exchange_connection()
    last = session.actions[-1].describe() if session.actions else None
    out: dict[str, Any] = {
        "student": session.student,
        "now": session.world.clock.iso(),
        "speed": session.clock.speed,
        "actions": len(session.actions),
        "failed_actions": sum(1 for a in session.actions if not a.ok),
        "last_action": last,
        "connection": None if conn is None else conn.get("Status"),
        "broken": session.broken,
        "score": None,
        "total": None,
    }
    if room.exercise is not None:
        from simulator.lab.exercises import evaluate, score

        total = score(evaluate(room.exercise, session))
        out["score"], out["total"] = total.passed, total.total
    return out


@guarded("trainer")
async def get_students(request: Request) -> Response:
    room = classroom(request)
    return ok({"students": [progress(room, s) for s in room.sessions.values()]})


@guarded("trainer")
async def get_faults(request: Request) -> Response:
    from simulator.world.faults import FAULT_KINDS

    kinds = []
    for name, kind in sorted(FAULT_KINDS.items()):
        params = {
            p: {
                "type": getattr(spec.type, "__name__", str(spec.type)),
                "required": spec.required,
                "secret": spec.secret,
                "choices": list(spec.choices),
                "help": spec.help,
            }
            for p, spec in kind.params.items()
        }
        kinds.append(
            {
                "kind": name,
                "description": " ".join(str(kind.description).split()),
                "instant": bool(getattr(kind, "instant", False)),
                "params": params,
            }
        )
    return ok({"faults": kinds})


def _play_everywhere(sessions: list[LabSession], step: dict[str, Any]) -> dict[str, Any]:
    return {s.student: action_result(s, s.act(step, by="trainer")) for s in sessions}


@guarded("trainer")
async def post_fault(request: Request) -> Response:
    data = await read_json(request)
    sessions = _sessions(classroom(request), data)
    step: dict[str, Any] = {"do": "fault", "kind": field_of(data, "kind", str)}
    params = field_of(data, "params", dict, required=False)
    if params:
        step["params"] = params
    lasting = field_of(data, "lasting", str, required=False)
    if lasting:
        step["lasting"] = lasting
    # validated once before any world plays it: a bad field refuses all, not some
    from simulator.lab.session import parse_step

    parse_step(step)
    return ok({"results": _play_everywhere(sessions, step)})


@guarded("trainer")
async def post_steps(request: Request) -> Response:
    from simulator.lab.session import parse_step

    data = await read_json(request)
    sessions = _sessions(classroom(request), data)
    step = field_of(data, "step", dict)
    parse_step(step)
    return ok({"results": _play_everywhere(sessions, step)})


@guarded("trainer")
async def post_clock(request: Request) -> Response:
    data = await read_json(request)
    sessions = _sessions(classroom(request), data)
    speed = field_of(data, "speed", int)
    sessions[0].set_speed(speed)  # refuses a bad speed before any other clock changes
    for s in sessions[1:]:
        s.set_speed(speed)
    return ok({"clocks": {s.student: s.clock_state() for s in sessions}})


@guarded("trainer")
async def get_student_export(request: Request) -> Response:
    return export_response(_student(request))


@guarded("trainer")
async def get_student_timeline(request: Request) -> Response:
    return timeline_response(_student(request))


ROUTES = [
    Route("/api/trainer/students", get_students),
    Route("/api/trainer/faults", get_faults, methods=["GET"]),
    Route("/api/trainer/faults", post_fault, methods=["POST"]),
    Route("/api/trainer/steps", post_steps, methods=["POST"]),
    Route("/api/trainer/clock", post_clock, methods=["POST"]),
    Route("/api/trainer/students/{student}/export", get_student_export),
    Route("/api/trainer/students/{student}/timeline", get_student_timeline),
]
