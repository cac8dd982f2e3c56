"""The connector against the full twin: small worlds built in code, driven by the pytest
plugin's harness (the same one scenarios use)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from simulator.plugin.twin import DEFAULT_SCENARIO, ConnectorDriver, Twin, as_scenario

SVC_USER, SVC_PASSWORD = "CONTOSO\\svc-intune", "P@ssw0rd-svc!"
NOTIFY_USER, NOTIFY_PASSWORD = "CONTOSO\\notify", "N0tify-Pass!"


def world(**sections: Any) -> dict[str, Any]:
    """The plugin's default world, a still organisation (no fleet life) unless asked, with
    sections replaced or merged (dict sections are merged one level deep)."""
    base = copy.deepcopy(DEFAULT_SCENARIO["world"])
    base["population"] = {"users": 12, "devices_per_user": 1.5, "behaviour": False}
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


def accounts(*extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "domain": "contoso.local",
        "accounts": [
            {
                "name": SVC_USER,
                "password": SVC_PASSWORD,
                "role_groups": ["Organization Management"],
            },
            *extra,
        ],
    }


def build(
    world_spec: dict[str, Any] | None = None, **scenario: Any
) -> tuple[Twin, ConnectorDriver]:
    twin = Twin(as_scenario({"world": world_spec or world(), "seed": 3, **scenario}))
    return twin, ConnectorDriver(twin)


def installed(
    world_spec: dict[str, Any] | None = None, **scenario: Any
) -> tuple[Twin, ConnectorDriver]:
    twin, driver = build(world_spec, **scenario)
    driver.download()
    driver.install()
    return twin, driver


def events(twin: Twin, kind: str, **match: Any) -> list[dict[str, Any]]:
    return [
        e
        for e in twin.world.trace.events
        if e["kind"] == kind and all(e.get(k) == v for k, v in match.items())
    ]


def log_records(driver: ConnectorDriver) -> list[dict[str, Any]]:
    from connector.log import ConnectorLog

    runtime = driver.twin.runner.connectors[driver.host]
    return ConnectorLog(runtime.platform).records()


@pytest.fixture
def connected() -> tuple[Twin, ConnectorDriver]:
    twin, driver = installed()
    driver.configure()
    return twin, driver
