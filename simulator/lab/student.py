"""The student's routes (docs/lab-api.md): the session, the clock, actions as steps, the
pages' reads, the shell, the timeline, the export and the exercise. Each reaches the asking
student's own world only (`own_session`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.lab import views
from simulator.lab.http import (
    ApiError,
    classroom,
    field_of,
    guarded,
    int_param,
    ok,
    own_session,
    read_json,
)
from simulator.lab.session import Action, LabSession

SHELL_PROMPT = "[PS] C:\\Windows\\system32>"


def action_result(session: LabSession, action: Action) -> dict[str, Any]:
    return {
        "ok": action.ok,
        "index": action.index,
        "do": action.step.do,
        "at": action.at,
        "error": action.error,
        "output": action.output,
        "clock": session.clock_state(),
    }


def timeline_response(session: LabSession) -> Response:
    from simulator.lab.timeline import live_timeline

    return Response(live_timeline(session), media_type="image/svg+xml")


def export_response(session: LabSession) -> Response:
    text, _ = session.export()
    name = f"{session.scenario.name}-{session.student}.yaml"
    return Response(
        text,
        media_type="text/yaml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


@guarded("student")
async def get_session(request: Request) -> Response:
    return ok(views.session_info(own_session(request), classroom(request).exercise is not None))


@guarded("student")
async def get_clock(request: Request) -> Response:
    return ok(own_session(request).clock_state())


@guarded("student")
async def post_clock(request: Request) -> Response:
    session = own_session(request)
    speed = field_of(await read_json(request), "speed", int)
    session.set_speed(speed)
    return ok(session.clock_state())


@guarded("student")
async def post_jump(request: Request) -> Response:
    session = own_session(request)
    session.jump(field_of(await read_json(request), "to", str))
    return ok(session.clock_state())


@guarded("student")
async def post_step(request: Request) -> Response:
    session = own_session(request)
    data = await read_json(request)
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_request", 'a step is a JSON object such as {"do": "install"}', "body"
        )
    return ok(action_result(session, session.act(data)))


@guarded("student")
async def get_actions(request: Request) -> Response:
    return ok({"actions": [a.describe() for a in own_session(request).actions]})


@guarded("student")
async def get_export(request: Request) -> Response:
    return export_response(own_session(request))


@guarded("student")
async def get_timeline(request: Request) -> Response:
    return timeline_response(own_session(request))


# -- reads ----------------------------------------------------------------------------------------
@guarded("student")
async def get_connection(request: Request) -> Response:
    return ok(views.connection(own_session(request)))


@guarded("student")
async def get_tenant(request: Request) -> Response:
    return ok(views.tenant(own_session(request)))


@guarded("student")
async def get_devices(request: Request) -> Response:
    return ok(views.devices(own_session(request)))


@guarded("student")
async def get_hosts(request: Request) -> Response:
    return ok(views.hosts(own_session(request)))


@guarded("student")
async def get_host(request: Request) -> Response:
    return ok(views.host(own_session(request), request.path_params["host"]))


@guarded("student")
async def get_log(request: Request) -> Response:
    q = request.query_params
    return ok(
        views.log(
            own_session(request),
            request.path_params["host"],
            level=q.get("level") or None,
            code=q.get("code") or None,
            limit=int_param(request, "limit", 200),
        )
    )


# -- the shell ------------------------------------------------------------------------------------
@guarded("student")
async def post_shell(request: Request) -> Response:
    session = own_session(request)
    line = field_of(await read_json(request), "line", str)
    if not line.strip():
        raise ApiError(400, "bad_request", "line is empty", "line")
    if len(line) > 8000:
        raise ApiError(400, "bad_request", "line is over 8000 characters", "line")
    session.history.append(line)
    action = session.act({"do": "exchange", "command": line})
    return ok(action_result(session, action))


@guarded("student")
async def get_complete(request: Request) -> Response:
    from simulator.lab.shell import completions

    line = request.query_params.get("line", "")
    if len(line) > 8000:
        raise ApiError(400, "bad_request", "line is over 8000 characters", "line")
    return ok({"candidates": completions(own_session(request), line)})


@guarded("student")
async def get_history(request: Request) -> Response:
    return ok({"lines": list(own_session(request).history)})


@guarded("student")
async def get_prompt(request: Request) -> Response:
    from simulator.lab.shell import shell_identity

    account, server = shell_identity(own_session(request))
    return ok({"prompt": SHELL_PROMPT, "account": account, "server": server})


# -- the exercise ---------------------------------------------------------------------------------
def exercise_state(exercise: Any, session: LabSession) -> dict[str, Any]:
    from simulator.lab.exercises import evaluate, score

    results = evaluate(exercise, session)
    total = score(results)
    described = exercise.describe()
    return {
        **described,
        "checks": [r.to_dict() for r in results],
        "score": total.passed,
        "total": total.total,
    }


@guarded("student")
async def get_exercise(request: Request) -> Response:
    exercise = classroom(request).exercise
    if exercise is None:
        raise ApiError(404, "not_found", "this lab runs a scenario, not an exercise")
    return ok(exercise_state(exercise, own_session(request)))


ROUTES = [
    Route("/api/session", get_session),
    Route("/api/clock", get_clock, methods=["GET"]),
    Route("/api/clock", post_clock, methods=["POST"]),
    Route("/api/clock/jump", post_jump, methods=["POST"]),
    Route("/api/steps", post_step, methods=["POST"]),
    Route("/api/actions", get_actions),
    Route("/api/export", get_export),
    Route("/api/timeline", get_timeline),
    Route("/api/console/connection", get_connection),
    Route("/api/console/tenant", get_tenant),
    Route("/api/console/devices", get_devices),
    Route("/api/hosts", get_hosts),
    Route("/api/hosts/{host}", get_host),
    Route("/api/hosts/{host}/log", get_log),
    Route("/api/shell", post_shell, methods=["POST"]),
    Route("/api/shell/complete", get_complete),
    Route("/api/shell/history", get_history),
    Route("/api/shell/prompt", get_prompt),
    Route("/api/exercise", get_exercise),
]
