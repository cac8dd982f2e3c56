"""What every route shares: who is asking (token from the cookie, a bearer header, or once
from the link), JSON in and out, and errors as JSON with an id — never a traceback.

Routes are `async` and do their world work on the event loop itself: a world is only ever
touched by that one thread, between awaits, so two requests never run inside one world at
once (and the ticker's slices interleave with them the same way).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from simulator.lab.classroom import Classroom, Principal
from simulator.lab.session import LabSession, SessionError
from simulator.lab.views import jsonable

LOG = logging.getLogger("simulator.lab")
COOKIE = "lab_token"
MAX_BODY = 64 * 1024
BODY_TIMEOUT = 10.0  # wall seconds for a request's body to arrive
REQUEST_TIMEOUT = 30.0  # wall seconds for a whole request's awaits

Endpoint = Callable[[Request], Awaitable[Response]]


class ApiError(Exception):
    """An error answered as `{"error": {...}}` with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    408: "timeout",
    413: "too_large",
    500: "internal",
}


def error_response(
    status: int, message: str, field: str | None = None, code: str | None = None
) -> JSONResponse:
    body = {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": message,
        "field": field,
        "id": f"e-{secrets.token_hex(4)}",
    }
    return JSONResponse({"error": body}, status_code=status)


INTERNAL = "the lab server hit an internal error; the server's console has its id"


def error_id(response: JSONResponse) -> str:
    return str(json.loads(bytes(response.body))["error"]["id"])


def ok(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(jsonable(data), status_code=status)


def classroom(request: Request) -> Classroom:
    room: Classroom = request.app.state.classroom
    return room


def token_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get(COOKIE) or request.query_params.get("token")


def authenticate(request: Request) -> Principal:
    who = classroom(request).principal(token_of(request))
    if who is None:
        raise ApiError(401, "unauthorized", "this lab needs the token from your link (?token=...)")
    return who


def guarded(role: str) -> Callable[[Endpoint], Endpoint]:
    """The endpoint for `role` ("student", "trainer", or "any"): a valid token or 401, the
    right role or 403; a link's `?token=` becomes the cookie and a redirect to the clean URL."""

    def wrap(endpoint: Endpoint) -> Endpoint:
        async def guarded_endpoint(request: Request) -> Response:
            who = authenticate(request)
            if role != "any" and who.role != role:
                raise ApiError(403, "forbidden", f"this needs the {role}'s link")
            if "token" in request.query_params and request.method == "GET":
                rest = [(k, v) for k, v in request.query_params.multi_items() if k != "token"]
                url = request.url.path + (f"?{urlencode(rest)}" if rest else "")
                response = RedirectResponse(url, status_code=303)
                response.set_cookie(
                    COOKIE,
                    request.query_params["token"],
                    httponly=True,
                    samesite="strict",
                    path="/",
                )
                return response
            request.state.principal = who
            try:
                return await asyncio.wait_for(endpoint(request), REQUEST_TIMEOUT)
            except TimeoutError:
                raise ApiError(408, "timeout", "the request took too long") from None
            except SessionError as exc:
                raise ApiError(
                    exc.status, CODES.get(exc.status, "error"), exc.message, exc.field
                ) from None
            except ApiError:
                raise
            except Exception:  # a bug: logged with its id on the server's console, never sent
                response = error_response(500, INTERNAL)
                LOG.exception(
                    "internal error %s on %s %s",
                    error_id(response),
                    request.method,
                    request.url.path,
                )
                return response

        guarded_endpoint.__name__ = endpoint.__name__
        guarded_endpoint.__doc__ = endpoint.__doc__
        return guarded_endpoint

    return wrap


def own_session(request: Request) -> LabSession:
    """The asking student's session (a student reaches only their own)."""
    who: Principal = request.state.principal
    assert who.student is not None
    return classroom(request).sessions[who.student]


async def read_json(request: Request) -> Any:
    """The body as JSON: at most 64 KiB, within 10 s; `ApiError` 400/408/413 otherwise."""
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")
    try:
        body = await asyncio.wait_for(request.body(), BODY_TIMEOUT)
    except TimeoutError:
        raise ApiError(408, "timeout", "the request body did not arrive in time") from None
    except ClientDisconnect:
        raise ApiError(400, "bad_request", "the client went away before its body arrived") from None
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"the body is over {MAX_BODY} bytes")
    try:
        return json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_request", f"the body is not JSON: {exc}", "body") from None


def field_of(data: Any, name: str, kinds: type | tuple[type, ...], required: bool = True) -> Any:
    """`data[name]` of the right type, or `ApiError` 400 naming the field."""
    if not isinstance(data, dict):
        raise ApiError(400, "bad_request", "the body must be a JSON object", "body")
    if name not in data or data[name] is None:
        if required:
            raise ApiError(400, "bad_request", f"{name} is required", name)
        return None
    value = data[name]
    if (
        not isinstance(value, kinds)
        or isinstance(value, bool)
        and bool not in (kinds if isinstance(kinds, tuple) else (kinds,))
    ):
        want = kinds.__name__ if isinstance(kinds, type) else " or ".join(k.__name__ for k in kinds)
        raise ApiError(400, "bad_request", f"{name} must be {want}; found {value!r}"[:300], name)
    return value


def int_param(request: Request, name: str, default: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ApiError(
            400, "bad_request", f"{name} must be a whole number; found {raw!r}", name
        ) from None
