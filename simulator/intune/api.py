"""The connector-facing HTTP API of the fake Intune service: JSON in and out, one handler
per route, errors as an HTTP status with a JSON body `{error, message}`.

`IntuneApi.handle` is transport-free, so the same routes serve the `responses` mount used in
runs and a real HTTP server on 127.0.0.1 for labs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.intune.service import IntuneError, IntuneService

PREFIX = "/api/v1"
PAGE_SIZE = 1000


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
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


@route("GET", "/connectors/{cid}")
def connector_status(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, {
        "connectorId": rec.connector_id,
        "status": rec.status,
        "lastSyncDateTime": rec.last_successful_sync.isoformat()
        if rec.last_successful_sync
        else None,
    }


@route("POST", "/connectors/{cid}/heartbeat")
def heartbeat(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    return 200, {"status": rec.status}


@route("GET", "/connectors/{cid}/users")
def targeted_users(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    svc.authenticate(p["cid"], req.authorization, req.now)
    try:
        page = int(req.query.get("page", "0"))
    except ValueError:
        raise IntuneError(400, "invalidPage", "page must be a whole number") from None
    users = svc.targeted_users()
    chunk = users[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    more = (page + 1) * PAGE_SIZE < len(users)
    return 200, {"users": chunk, "nextPage": page + 1 if more else None}


@route("POST", "/connectors/{cid}/syncs")
def start_sync(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    session = svc.start_sync(rec, str(req.body.get("syncType", "")), req.now)
    return 201, {"syncId": session.sync_id}


@route("POST", "/connectors/{cid}/syncs/{sid}/devices")
def upload_devices(svc: IntuneService, req: Request, p: dict[str, str]) -> tuple[int, Any]:
    rec = svc.authenticate(p["cid"], req.authorization, req.now)
    session = svc.sync_session(rec, p["sid"])
    devices = req.body.get("devices")
    if not isinstance(devices, list):
        raise IntuneError(400, "invalidBody", "devices must be a list")
    return 200, {"received": svc.add_devices(session, devices, req.now)}


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
        try:
            parsed = json.loads(body) if body else {}
        except ValueError:
            return self._reply(
                400, {"error": "invalidJson", "message": "The request body is not valid JSON"}
            )
        if not isinstance(parsed, dict):
            return self._reply(
                400, {"error": "invalidJson", "message": "The request body must be a JSON object"}
            )
        request = Request(method.upper(), path, query, headers, parsed, now)
        allowed = []
        for verb, regex, handler in ROUTES:
            match = regex.match(path)
            if not match:
                continue
            if verb != request.method:
                allowed.append(verb)
                continue
            try:
                status, payload = handler(self.service, request, match.groupdict())
            except IntuneError as exc:
                return self._reply(exc.status, {"error": exc.error, "message": exc.message})
            return self._reply(status, payload)
        if allowed:
            return self._reply(
                405, {"error": "methodNotAllowed", "message": f"Use {', '.join(allowed)}"}
            )
        return self._reply(404, {"error": "notFound", "message": f"No route for {method} {path}"})

    @staticmethod
    def _reply(status: int, payload: Any) -> tuple[int, dict[str, str], bytes]:
        return (
            status,
            {"Content-Type": "application/json"},
            json.dumps(payload, default=str).encode(),
        )
