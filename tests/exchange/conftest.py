"""Helpers for the Exchange twin's tests: small worlds built from a scenario dict, sessions
and shells on them. The device fleet is off unless a test turns it on, so organisations stay
still while a test looks at them."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from simulator.exchange.session import RemoteSession, open_session
from simulator.exchange.shell import ExchangeShell
from simulator.language.loader import parse_scenario
from simulator.world.world import World, build_world

ADMIN = "CONTOSO\\admin"
PASSWORD = "P@ssw0rd!"

BASE: dict[str, Any] = {
    "directory": {
        "domain": "contoso.local",
        "accounts": [
            {"name": ADMIN, "password": PASSWORD, "role_groups": ["Organization Management"]},
        ],
    },
    "exchange": {"version": "2013 CU12", "servers": [{"name": "EX01"}]},
    "population": {"users": 12, "devices_per_user": 1.5, "behaviour": False},
}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def make_world(seed: int = 7, **world: Any) -> World:
    """A world from BASE with `world` merged in (dicts deep-merged, lists replaced)."""
    data = {"name": "exchange-test", "seed": seed, "world": merge(BASE, world)}
    return build_world(parse_scenario(yaml.safe_dump(data), "exchange-test.yaml"))


def account(
    name: str, *groups: str, roles: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "password": PASSWORD,
        "role_groups": list(groups),
        "roles": roles or [],
        **extra,
    }


def with_accounts(*accounts: dict[str, Any]) -> dict[str, Any]:
    return {"accounts": [BASE["directory"]["accounts"][0], *accounts]}


def connect(
    world: World, user: str = ADMIN, password: str = PASSWORD, server: str | None = None
) -> RemoteSession:
    target = server or next(s.fqdn for s in world.org.servers if s.is_client_access)
    return open_session(
        world.org,
        world.directory,
        world.network,
        world.clock,
        target,
        user,
        password,
        is_up=world.exchange_server_up,
    )


def shell_on(world: World, user: str = ADMIN, **kw: Any) -> ExchangeShell:
    return ExchangeShell(connect(world, user), **kw)


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def session(world: World) -> RemoteSession:
    return connect(world)


@pytest.fixture
def shell(world: World) -> ExchangeShell:
    return shell_on(world)
