"""The connector-facing HTTP API of the fake Intune service (docs/intune-api.md): JSON in and
out, one handler per route, errors as an HTTP status with a JSON body `{error, message}`.

`IntuneApi.handle` is transport-free, so the same routes serve the `responses` mount used in
runs and a real HTTP server on 127.0.0.1 for labs (`server.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.intune.errors import (
    IntuneError,
    InvalidBody,
    InvalidPage,
    MethodNotAllowed,
    NotFound,
)
from simulator.intune.service import IntuneService

PREFIX = "/api/v1"
PAGE_SIZE = 1000


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any]
    now: datetime

    @property
    def authorization(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)


Handler = Callable[[IntuneService, Request, dict[str, str]], tuple[int, Any]]
ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    regex = re.compile("^" + PREFIX + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(fn: Handler) -> Handler:
        ROUTES.append((method, regex, fn))
        return fn

    return register


@route("POST", "/connectors")
def register_connector(svc: IntuneService, req: Request, _: dict[str, str]) -> tuple[int, Any]:
    return 201, svc.register(req.body, req.now)


@route("POST", "/readiness")
def readiness(svc: IntuneService, req: Request, _: dict[str, str]) -> tuple[int, Any]:
    return 200, svc.readiness(req.body, req.now)


@route("GET", "/connectors/{cid}")
def connector_status(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, svc.status(rec, req.now)


@route("POST", "/connectors/{cid}/heartbeat")
def heartbeat(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, svc.heartbeat(rec, req.body, req.now)


@route("GET", "/connectors/{cid}/commands")
def poll_commands(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, {"commands": [c.to_json() for c in svc.poll_commands(rec)]}


@route("POST", "/connectors/{cid}/commands/{command}/result")
def command_result(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    command = svc.report_command(rec, p["command"], req.body, req.now)
    return 200, {"commandId": command.command_id, "state": command.state}


@route("GET", "/connectors/{cid}/users")
def targeted_users(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    svc.authenticate(p["cid"], req.authorization, req.now)
    text = req.query.get("page", "0")
    if not text.isdigit():
        raise InvalidPage(f"page must be a whole number >= 0, found {text!r}")
    page = int(text)
    users = svc.targeted()
    chunk = list(users[page * PAGE_SIZE : (page + 1) * PAGE_SIZE])
    more = (page + 1) * PAGE_SIZE < len(users)
    return 200, {"users": chunk, "nextPage": page + 1 if more else None}


@route("GET", "/connectors/{cid}/users/changes")
def targeting_changes(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    svc.authenticate(p["cid"], req.authorization, req.now)
    text = req.query.get("page", "0")
    if not text.isdigit():
        raise InvalidPage(f"page must be a whole number >= 0, found {text!r}")
    since_text = req.query.get("since", "")
    try:
        since = datetime.fromisoformat(since_text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidBody(
            f"since must be an ISO 8601 time with an offset, found {since_text!r}"
        ) from None
    if since.tzinfo is None:
        raise InvalidBody(f"since must carry an offset (Z or +hh:mm), found {since_text!r}")
    page = int(text)
    changes = svc.targeting_changes(since, req.now)
    chunk = changes[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    more = (page + 1) * PAGE_SIZE < len(changes)
    return 200, {
        "changes": [{"userPrincipalName": upn, "targeted": on} for upn, on in chunk],
        "nextPage": page + 1 if more else None,
    }


@route("GET", "/connectors/{cid}/policy")
def policy(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, svc.policy()


@route("POST", "/connectors/{cid}/syncs")
def start_sync(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    session = svc.start_sync(rec, str(req.body.get("syncType", "")), req.now)
    return 201, {"syncId": session.sync_id}


@route("POST", "/connectors/{cid}/syncs/{sid}/devices")
def upload_devices(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    session = svc.sync_session(rec, p["sid"])
    return 200, {"received": svc.add_devices(session, req.body.get("devices"), req.now)}


@route("POST", "/connectors/{cid}/syncs/{sid}/complete")
def complete_sync(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    session = svc.sync_session(rec, p["sid"])
    return 200, svc.complete_sync(rec, session, req.body, req.now)


class IntuneApi:
    def __init__(self, service: IntuneService) -> None:
        self.service = service

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, str],
        headers: dict[str, str],
        body: bytes | str | None,
        now: datetime,
    ) -> tuple[int, dict[str, str], bytes]:
        """Serve one request: (status, headers, JSON body bytes)."""
        try:
            request = Request(method.upper(), path, query, headers, _parse(body), now)
            status, payload = self._dispatch(request)
        except IntuneError as exc:
            return self._reply(exc.status, exc.body())
        return self._reply(status, payload)

    def _dispatch(self, request: Request) -> tuple[int, Any]:
        allowed = []
        for verb, regex, handler in ROUTES:
            match = regex.match(request.path)
            if not match:
                continue
            if verb != request.method:
                allowed.append(verb)
                continue
            return handler(self.service, request, match.groupdict())
        if allowed:
            raise MethodNotAllowed(f"Use {', '.join(allowed)} on {request.path}")
        raise NotFound(f"No route for {request.method} {request.path}")

    @staticmethod
    def _reply(status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
        return (
            status,
            {"Content-Type": "application/json"},
            json.dumps(payload, default=str).encode(),
        )


def _parse(body: bytes | str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(body) if body else {}
    except ValueError:
        raise InvalidBody("The request body is not valid JSON", error="invalidJson") from None
    if not isinstance(parsed, dict):
        raise InvalidBody("The request body must be a JSON object", error="invalidJson")
    return parsed
