"""The lab's fixtures: a small proxied world, a class of two on a hand-driven wall clock, and
a TestClient on its app (the ticker off: tests move the clocks themselves, never sleep)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.lab.app import build_app
from simulator.lab.classroom import Classroom
from simulator.language.loader import parse_scenario

with warnings.catch_warnings():  # starlette's note that it would prefer another httpx
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

WORLD = r"""
name: lab-test
summary: A proxied organisation for the lab's tests.
seed: 7
world:
  directory:
    domain: contoso.local
    accounts:
      - {name: CONTOSO\svc-intune, password: "P@ssw0rd-svc!", role_groups: [Organization Management]}
  exchange: {version: "2013 CU12", servers: [{name: EX01}]}
  population: {users: 8, devices_per_user: 1.5}
  network:
    direct_internet: false
    proxy:
      address: proxy.contoso.local
      port: 8080
      user: CONTOSO\proxy-intune
      password: "Pr0xy-2016!"
      allow: ["*.manage.microsoft.com:443"]
  hosts: [{name: CONN01}]
expect:
  - {path: intune.exchange_connection.status, equals: connected, at: 30m}
  - {path: intune.exchange_connection.status, equals: connected}
"""

SERVICE = {"user": "CONTOSO\\svc-intune", "password": "P@ssw0rd-svc!"}
PROXY = {"address": "proxy.contoso.local", "port": 8080, "user": "CONTOSO\\proxy-intune", "password": "Pr0xy-2016!"}
EXCHANGE = {"type": "on_premises", "server": "ex01.contoso.local"}


class Wall:
    """A wall clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def configure(**extra: Any) -> dict[str, Any]:
    return {"do": "configure", "host": "CONN01", "exchange": EXCHANGE, "account": SERVICE, **extra}


@pytest.fixture
def scenario() -> Any:
    return parse_scenario(WORLD, "<lab-test>")


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def room(scenario: Any, wall: Wall) -> Classroom:
    return Classroom.create(scenario, 2, wall=wall)


@pytest.fixture
def client(room: Classroom) -> Iterator[TestClient]:
    with TestClient(build_app(room, ticker=False)) as c:
        yield c


def bearer(room: Classroom, who: str) -> dict[str, str]:
    token = room.token_of("trainer") if who == "trainer" else room.token_of("student", who)
    return {"authorization": f"Bearer {token}"}
