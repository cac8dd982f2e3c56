"""Helpers for the world's tests: a small world built from a scenario, and a client that
speaks the connector API to the fake Intune service the way the connector does."""

from __future__ import annotations

import copy
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest

from simulator.intune.api import IntuneApi
from simulator.intune.package import ACCOUNT_CERT, read_package
from simulator.world.world import World, build_world
from tests.conftest import make_scenario

ADMIN = "admin@contoso.onmicrosoft.com"


def world_of(**overrides: Any) -> World:
    """A world from the shared BASE scenario with some top-level keys replaced."""
    overrides.setdefault("steps", [])
    return build_world(make_scenario(**overrides))


@functools.cache
def _base_world() -> dict[str, Any]:
    return make_scenario().world.model_dump(mode="json", exclude_none=True)


def small_world(**world: Any) -> World:
    """A world with a tiny population and `world` merged into BASE's world section."""
    base = copy.deepcopy(_base_world())
    base["population"] = {"users": 4, "devices_per_user": 1, "behaviour": False}
    base.update(world)
    profile = base.pop("profile", "2016")
    return world_of(world=base, profile=profile)


@dataclass
class Reply:
    status: int
    body: dict[str, Any]

    @property
    def error(self) -> str | None:
        return self.body.get("error")


@dataclass
class Client:
    """One connector's view of the API: registration, then authenticated calls."""

    world: World
    connector_id: str | None = None
    token: str | None = None
    history: list[Reply] = field(default_factory=list)

    @property
    def api(self) -> IntuneApi:
        return IntuneApi(self.world.intune)

    def now(self) -> datetime:
        return self.world.clock.now()

    def call(
        self, method: str, path: str, body: Any = None, query: dict[str, str] | None = None
    ) -> Reply:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        status, _, data = self.api.handle(
            method,
            "/api/v1" + path,
            query or {},
            headers,
            json.dumps(body) if body is not None else None,
            self.now(),
        )
        reply = Reply(status, json.loads(data))
        self.history.append(reply)
        return reply

    def register(self, cert: str, **fields: Any) -> Reply:
        body = {
            "accountCertificate": cert,
            "hostName": "CONN01",
            "serverType": "on_premises",
            "exchangeServer": "ex01.contoso.local",
            "exchangeOrganization": "First Organization",
            "exchangeVersion": "Version 15.0 (Build 1178.4)",
            "serviceAccount": "CONTOSO\\svc-intune",
            "connectorVersion": "16.5.0.0",
            **fields,
        }
        reply = self.call("POST", "/connectors", body)
        if reply.status == 201:
            self.connector_id, self.token = reply.body["connectorId"], reply.body["token"]
        return reply

    def me(self, suffix: str = "") -> str:
        return f"/connectors/{self.connector_id}{suffix}"

    def sync(
        self, sync_type: str, pages: list[list[dict[str, Any]]], outcome: str = "success"
    ) -> Reply:
        started = self.call("POST", self.me("/syncs"), {"syncType": sync_type})
        if started.status != 201:
            return started
        sid = started.body["syncId"]
        for page in pages:
            uploaded = self.call("POST", self.me(f"/syncs/{sid}/devices"), {"devices": page})
            if uploaded.status != 200:
                return uploaded
        return self.call("POST", self.me(f"/syncs/{sid}/complete"), {"outcome": outcome})


def certificate(world: World, admin: str = ADMIN) -> str:
    """Download the package as `admin` and return its account certificate's content."""
    _, data = world.console.download_connector(admin, world.clock.now())
    return read_package(data)[ACCOUNT_CERT].decode()


def device(device_id: str, upn: str = "user@contoso.local", **extra: Any) -> dict[str, Any]:
    return {
        "exchangeDeviceId": device_id,
        "userPrincipalName": upn,
        "deviceType": "iPhone",
        **extra,
    }


def advance(world: World, **delta: float) -> None:
    """Move the simulated clock forward (no processes are running in these unit tests)."""
    env = world.clock.env
    env.run(until=env.now + timedelta(**delta).total_seconds())


@pytest.fixture
def world() -> World:
    return small_world()
