"""The lab's ASGI application: the student's and trainer's routes, the pages and static
files behind the same tokens, JSON errors everywhere, and the ticker as the app's lifespan.

Starlette because it is the Python ecosystem's plain ASGI toolkit (routing, cookies, a test
client) without a framework's opinions, and uvicorn serves it; the pages are plain files with
no build step (simulator/lab/static/).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from simulator.lab import student, trainer
from simulator.lab.classroom import Classroom
from simulator.lab.http import INTERNAL, ApiError, authenticate, error_id, error_response, guarded

LOG = logging.getLogger("simulator.lab")
STATIC = Path(__file__).resolve().parent / "static"
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}


def _page(name: str) -> Response:
    path = STATIC / name
    if not path.is_file():
        raise ApiError(404, "not_found", f"no page {name} in {STATIC}")
    return FileResponse(path, headers=SECURITY_HEADERS)


@guarded("student")
async def student_page(request: Request) -> Response:
    return _page("index.html")


@guarded("trainer")
async def trainer_page(request: Request) -> Response:
    return _page("trainer.html")


@guarded("any")
async def static_file(request: Request) -> Response:
    relative = request.path_params["path"]
    path = (STATIC / relative).resolve()
    if STATIC not in path.parents or not path.is_file():
        raise ApiError(404, "not_found", f"no file {relative!r} under static/")
    return FileResponse(path, headers=SECURITY_HEADERS)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.message, exc.field, exc.code)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (no route, wrong method): 401 first when there is no token, so
    nothing about the lab's routes is told to a stranger."""
    assert isinstance(exc, HTTPException)
    try:
        authenticate(request)
    except ApiError as refused:
        return error_response(refused.status, refused.message, None, refused.code)
    message = {404: "no such route", 405: "this route does not take that method"}.get(
        exc.status_code, str(exc.detail)
    )
    return error_response(exc.status_code, message)


async def _internal_error(request: Request, exc: Exception) -> Response:
    """Outside the routes' own guard (a bug in an exception handler, say): still JSON."""
    response = error_response(500, INTERNAL)
    LOG.error(
        "internal error %s on %s %s",
        error_id(response),
        request.method,
        request.url.path,
        exc_info=exc,
    )
    return response


def build_app(room: Classroom, ticker: bool = True) -> Starlette:
    """The app serving `room`. `ticker`: run the worlds' clocks in the background (the CLI);
    tests leave it off and drive the clocks themselves."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(room.run_ticker()) if ticker else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    routes = [
        Route("/", student_page),
        Route("/trainer", trainer_page),
        Route("/static/{path:path}", static_file),
        *student.ROUTES,
        *trainer.ROUTES,
    ]
    app = Starlette(
        routes=routes,
        exception_handlers={
            ApiError: _api_error,
            HTTPException: _http_error,
            Exception: _internal_error,
        },
        lifespan=lifespan,
    )
    app.state.classroom = room
    return app
